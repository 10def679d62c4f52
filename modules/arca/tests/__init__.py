"""Tests of Orbiplex Arca: its logic as plain functions, and the module as a real child process.

Run with every module test: ``python3 -m unittest discover -s modules -p "test_*.py" -t modules``.
"""
import os
import sys

MODULE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = os.path.dirname(MODULE_DIR)
for _path in (MODULES, os.path.join(MODULES, "sdk", "python"), MODULE_DIR):
    if _path not in sys.path:
        sys.path.insert(0, _path)
