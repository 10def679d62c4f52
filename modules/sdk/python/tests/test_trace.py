"""The SDK's trace context: a valid traceparent becomes current (per asyncio task), a malformed or
all-zero one is ignored, and log lines carry the trace id while one is current."""
import asyncio
import contextlib
import io
import unittest

from . import support  # noqa: F401 - puts the SDK on sys.path
from orbiplex_sdk import _trace, log

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = f"00-{TRACE}-00f067aa0ba902b7-01"


class TraceTest(unittest.TestCase):
    def test_a_valid_traceparent_is_current_and_its_trace_id_is_logged(self) -> None:
        token = _trace.set_current(PARENT.upper())
        try:
            self.assertEqual(_trace.traceparent(), PARENT)
            self.assertEqual(_trace.trace_id(), TRACE)
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                log("handled")
            self.assertIn(f"trace={TRACE} handled", err.getvalue())
        finally:
            _trace.current.reset(token)

    def test_malformed_or_zero_traceparents_are_ignored(self) -> None:
        for value in (None, "", "garbage", f"00-{'0' * 32}-00f067aa0ba902b7-01", f"00-{TRACE}-{'0' * 16}-01"):
            token = _trace.set_current(value)
            try:
                self.assertIsNone(_trace.traceparent(), value)
            finally:
                _trace.current.reset(token)

    def test_each_task_sees_its_own_request(self) -> None:
        async def handle(parent: str, seen: list) -> None:
            token = _trace.set_current(parent)
            await asyncio.sleep(0)
            seen.append(_trace.traceparent())
            _trace.current.reset(token)

        async def main() -> list:
            seen: list = []
            other = f"00-{'a' * 32}-{'b' * 16}-01"
            await asyncio.gather(handle(PARENT, seen), handle(other, seen))
            return sorted(seen)

        self.assertEqual(asyncio.run(main()), sorted([PARENT, f"00-{'a' * 32}-{'b' * 16}-01"]))


if __name__ == "__main__":
    unittest.main()
