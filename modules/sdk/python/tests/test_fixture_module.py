"""Every mode of test/fixtures/fixture_module.py does what the host's tests rely on."""
import json
import signal
import unittest

from .support import FIXTURE, INIT, ModuleProcess, call, call_json, envelope

INVOKE = "/v1/middleware/invoke"


class FixtureModuleTest(unittest.TestCase):
    def start(self, mode: str, announce: bool = True, **env: str) -> ModuleProcess:
        module = ModuleProcess(self, [FIXTURE], {"FIXTURE_MODE": mode, **env})
        if announce:
            module.announcement()
            self.conn = module.connect()
            self.addCleanup(self.conn.close)
        return module

    def test_ok_echoes_pid_and_call_count_and_logs_its_pid(self) -> None:
        module = self.start("ok", FIXTURE_MODULE_ID="fx-1")
        self.assertEqual(call_json(self.conn, "POST", "/v1/middleware/init", INIT)[1]["module_id"], "fx-1")
        for n in (1, 2):
            status, decision = call_json(self.conn, "POST", INVOKE, envelope(envelope_id=f"e{n}"))
            self.assertEqual(decision["annotations"], {"seen": f"e{n}", "pid": module.proc.pid, "calls": n})
        self.assertIn(f"pid={module.proc.pid}", module.log())

    def test_never_announce_listens_silently_and_exits_on_stdin_eof(self) -> None:
        module = self.start("never_announce", announce=False)
        module.close_stdin()
        self.assertEqual(module.wait(), 0)
        self.assertEqual(module.stdout_rest(), [])
        self.assertIn("listening on", module.log())

    def test_never_ready(self) -> None:
        self.start("never_ready")
        self.assertEqual(call_json(self.conn, "GET", "/readyz", token=None), (503, {"ready": False}))

    def test_crash_on_start(self) -> None:
        module = self.start("crash_on_start", announce=False)
        self.assertEqual(module.wait(), 3)
        self.assertEqual(module.stdout_rest(), [])

    def test_crash_after_n_invocations(self) -> None:
        module = self.start("crash_after", FIXTURE_CRASH_AFTER="2")
        self.assertEqual(call(self.conn, "POST", INVOKE, envelope())[0], 200)
        self.assertEqual(call(self.conn, "POST", INVOKE, envelope())[0], 200)
        self.assertEqual(module.wait(), 7)

    def test_crash_after_zero_dies_after_init(self) -> None:
        module = self.start("crash_after", FIXTURE_CRASH_AFTER="0")
        self.assertEqual(call(self.conn, "POST", "/v1/middleware/init", INIT)[0], 200)
        self.assertEqual(module.wait(), 7)

    def test_ignore_sigterm_survives_sigterm_but_not_stdin_eof(self) -> None:
        module = self.start("ignore_sigterm")
        module.proc.send_signal(signal.SIGTERM)
        # SIG_IGN discards the signal when sent, so a later answer proves it survived.
        self.assertEqual(call(self.conn, "GET", "/readyz", token=None)[0], 200)
        self.assertIsNone(module.proc.poll())
        module.close_stdin()
        self.assertEqual(module.wait(), 0)

    def test_garbage_answers_non_json(self) -> None:
        self.start("garbage")
        status, _, body = call(self.conn, "POST", INVOKE, envelope())
        self.assertEqual(status, 200)
        with self.assertRaises(ValueError):
            json.loads(body)

    def test_too_large_answers_about_a_mebibyte_of_valid_json(self) -> None:
        self.start("too_large")
        status, _, body = call(self.conn, "POST", INVOKE, envelope())
        self.assertEqual(status, 200)
        self.assertGreater(len(body), 1024 * 1024)
        self.assertEqual(json.loads(body)["decision"], "annotate")

    def test_slow_still_answers(self) -> None:
        self.start("slow", FIXTURE_DELAY_MS="20")
        self.assertEqual(call_json(self.conn, "POST", INVOKE, envelope())[1]["annotations"]["calls"], 1)

    def test_wrong_module_id_and_wrong_contract_reports(self) -> None:
        self.start("wrong_module_id")
        self.assertEqual(call_json(self.conn, "POST", "/v1/middleware/init", INIT)[1]["module_id"], "someone-else")
        self.start("wrong_contract")
        report = call_json(self.conn, "POST", "/v1/middleware/init", INIT)[1]
        self.assertEqual((report["module_id"], report["middleware_contract_version"]), ("fixture-module", "2.0"))

    def test_unhealthy_after(self) -> None:
        self.start("unhealthy_after", FIXTURE_HEALTHY_FOR="2")
        statuses = [call(self.conn, "GET", "/healthz", token=None)[0] for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 500, 500])

    def test_scripted_from_payload_then_env_then_allow(self) -> None:
        self.start("scripted", FIXTURE_DECISION=json.dumps({"decision": "drop", "reason": "env"}))
        bogus = {"decision": "explode", "trace": {"hop": 99}}
        self.assertEqual(call_json(self.conn, "POST", INVOKE, envelope({"_fixture_decision": bogus}))[1], bogus)
        self.assertEqual(call_json(self.conn, "POST", INVOKE, envelope())[1], {"decision": "drop", "reason": "env"})
        self.start("scripted")
        self.assertEqual(call_json(self.conn, "POST", INVOKE, envelope())[1]["decision"], "allow")


if __name__ == "__main__":
    unittest.main()
