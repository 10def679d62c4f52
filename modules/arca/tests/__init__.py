"""Tests of Orbiplex Arca: its logic as plain functions, and the module as a real child process.

Run with every module test: ``python3 -m unittest discover -s modules -p "test_*.py" -t modules``
(``-t modules`` makes ``modules/`` the import root, where the set-up shared with the SDK's tests lives).
"""
from sdk.python.tests.module_support import module_paths

MODULE_DIR = module_paths(__file__)
