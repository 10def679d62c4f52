"""Orbiplex Arca's source folder. This file only lets `unittest discover` reach ``tests/``; the
module runs from ``main.py`` (or ``build/modules/arca.pyz``) and its logic lives in ``orbiplex_arca``."""
