"""Set-up shared by the bundled modules' tests (``modules/<name>/tests``): the import paths, and the
JSON examples of docs/modules.md, which those tests check against what each module does."""
from __future__ import annotations

import json
import os
import re
import sys
import unittest

from .support import MODULES, REPO, SDK_ROOT

DOC = os.path.join(REPO, "docs", "modules.md")


def module_paths(tests_init: str) -> str:
    """Puts the modules folder, the SDK and the module folder holding the ``tests/__init__.py`` at
    ``tests_init`` on sys.path (the module folder first); returns the module folder."""
    module_dir = os.path.dirname(os.path.dirname(os.path.abspath(tests_init)))
    for path in (MODULES, SDK_ROOT, module_dir):
        if path not in sys.path:
            sys.path.insert(0, path)
    return module_dir


def doc_json_blocks() -> list:
    """Every ```json block of docs/modules.md, parsed."""
    with open(DOC, encoding="utf-8") as handle:
        return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", handle.read(), re.S)]


def doc_block(test: unittest.TestCase, predicate) -> dict:
    """The one JSON example of docs/modules.md that ``predicate`` picks; fails ``test`` unless exactly one does."""
    found = [b for b in doc_json_blocks() if predicate(b)]
    test.assertEqual(len(found), 1, "docs/modules.md should hold exactly one such example")
    return found[0]
