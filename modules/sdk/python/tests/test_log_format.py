"""The SDK's log line format (what the host parses): one dated UTC line per entry, continuation
lines after a tab, a handler's traceback and an uncaught exception each one entry."""
from __future__ import annotations

import re
import unittest

from .support import INIT, TOKEN, call_json, envelope
from .test_server import INIT_PATH, INVOKE, inline_module

HEADER = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|ERROR) inline\[\d+\] (.*)$")


def entries(text: str) -> list[tuple[str, str]]:
    """(level, message) per entry, continuation lines (after a tab) joined with newlines."""
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        match = HEADER.match(line)
        if match:
            found.append((match.group(1), match.group(2)))
        elif line.startswith("\t") and found:
            level, message = found[-1]
            found[-1] = (level, message + "\n" + line[1:])
        else:
            found.append(("RAW", line))
    return found


class LogFormatTest(unittest.TestCase):
    def test_levels_multiline_messages_and_a_handler_traceback_are_whole_entries(self) -> None:
        module = inline_module(self, """
            from orbiplex_sdk import Module, decisions, run
            def invoke(envelope, ctx):
                ctx.log("two\\nlines", "warn")
                raise ValueError("boom")
            run(Module.from_json(__file__, invoke=invoke))
        """, {"ORBIPLEX_LOG_LEVEL": "debug"})
        module.announcement()
        conn = module.connect()
        self.addCleanup(conn.close)
        self.assertEqual(call_json(conn, "POST", INIT_PATH, INIT)[0], 200)
        self.assertEqual(call_json(conn, "POST", INVOKE, envelope())[0], 500)
        module.close_stdin()
        self.assertEqual(module.wait(), 0)
        found = entries(module.log())
        self.assertNotIn("RAW", [level for level, _ in found], module.log())
        self.assertIn(("WARN", "two\nlines"), found)
        failed = [message for level, message in found if level == "ERROR"]
        self.assertEqual(len(failed), 1, found)
        self.assertTrue(failed[0].startswith("the invoke handler failed: ValueError: boom\nTraceback (most recent call last):"))
        self.assertTrue(failed[0].endswith("ValueError: boom"))

    def test_an_uncaught_exception_is_one_error_entry(self) -> None:
        module = inline_module(self, """
            from orbiplex_sdk import Module, run
            from orbiplex_sdk._log import install_excepthook, set_name
            set_name("inline")
            install_excepthook()
            raise RuntimeError("at import")
        """)
        self.assertNotEqual(module.wait(), 0)
        found = entries(module.log())
        self.assertEqual([level for level, _ in found], ["ERROR"], module.log())
        self.assertTrue(found[0][1].startswith("uncaught exception\nTraceback (most recent call last):"))
        self.assertTrue(found[0][1].endswith("RuntimeError: at import"))


if __name__ == "__main__":
    unittest.main()
