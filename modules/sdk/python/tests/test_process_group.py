"""A module takes the processes it started down with it when stdin reaches EOF (the host is gone)."""
from __future__ import annotations

import os
import time
import unittest

from .support import envelope, call_json
from .test_server import INVOKE, inline_module

#: A module that starts one worker (which ignores SIGTERM when WORKER_STUBBORN is set) and answers its pid.
SPAWNER = """
    import os, subprocess, sys
    from orbiplex_sdk import Module, decisions, run
    code = "import signal, time\\n"
    if os.environ.get("WORKER_STUBBORN"):
        code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
    code += "print('up', flush=True)\\ntime.sleep(120)\\n"
    worker = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    worker.stdout.readline()  # the worker has set its signal handling
    def invoke(envelope, ctx):
        return decisions.annotate({"worker": worker.pid})
    run(Module.from_json(__file__, invoke=invoke))
"""


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie not yet reaped by PID 1 counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read()
    except FileNotFoundError:
        return True
    return stat[stat.rfind(")") + 2:].startswith("Z")


def await_gone(test: unittest.TestCase, pid: int, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not gone(pid):
        if time.monotonic() > deadline:
            test.fail(f"process {pid} is still alive {within}s after its module exited")
        time.sleep(0.02)


class ProcessGroupTest(unittest.TestCase):
    def worker_of(self, module) -> int:
        module.announcement()
        conn = module.connect()
        self.addCleanup(conn.close)
        status, decision = call_json(conn, "POST", INVOKE, envelope())
        self.assertEqual(status, 200, decision)
        worker = decision["annotations"]["worker"]
        self.addCleanup(self.kill_quietly, worker)
        return worker

    @staticmethod
    def kill_quietly(pid: int) -> None:
        try:
            os.kill(pid, 9)
        except OSError:
            pass

    def test_stdin_eof_stops_the_modules_children(self) -> None:
        module = inline_module(self, SPAWNER)
        worker = self.worker_of(module)
        self.assertFalse(gone(worker))
        self.assertEqual(os.getpgid(worker), module.proc.pid, "the worker is in the module's group")
        module.close_stdin()
        self.assertEqual(module.wait(), 0)
        await_gone(self, worker)

    def test_a_child_that_ignores_sigterm_gets_sigkill(self) -> None:
        module = inline_module(self, SPAWNER, {"WORKER_STUBBORN": "1"})
        worker = self.worker_of(module)
        module.close_stdin()
        self.assertEqual(module.wait(), 0)
        await_gone(self, worker)
        self.assertIn("ignored SIGTERM", module.log())


if __name__ == "__main__":
    unittest.main()
