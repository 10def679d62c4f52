"""The SDK server against real child processes: the echo example and small inline modules."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

from .support import ECHO, FIXTURE, INIT, SDK_ROOT, TOKEN, ModuleProcess, call, call_json, envelope

INVOKE = "/v1/middleware/invoke"
INIT_PATH = "/v1/middleware/init"


def inline_module(test: unittest.TestCase, source: str, env: dict | None = None) -> ModuleProcess:
    """Start a module whose main.py is ``source`` (the SDK imported from source)."""
    folder = tempfile.TemporaryDirectory(prefix="orbiplex-inline-")
    test.addCleanup(folder.cleanup)
    with open(os.path.join(folder.name, "module.json"), "w") as handle:
        json.dump({"module_id": "inline", "module_name": "Inline", "module_version": "0.0.1",
                   "hooks": ["service.execute"]}, handle)
    main = os.path.join(folder.name, "main.py")
    with open(main, "w") as handle:
        handle.write(f"import sys\nsys.path.insert(0, {SDK_ROOT!r})\n" + textwrap.dedent(source))
    return ModuleProcess(test, [main], env)


class EchoModuleTest(unittest.TestCase):
    def setUp(self) -> None:
        self.module = ModuleProcess(self, [ECHO])
        self.announcement = self.module.announcement()
        self.conn = self.module.connect()
        self.addCleanup(self.conn.close)

    def test_announces_once_on_stdout_then_serves_readyz_and_healthz(self) -> None:
        self.assertEqual(self.announcement["event"], "listening")
        self.assertEqual(self.announcement["host"], "127.0.0.1")
        self.assertGreater(self.announcement["port"], 0)
        self.assertEqual(call_json(self.conn, "GET", "/readyz", token=None), (200, {"ready": True}))
        status, health = call_json(self.conn, "GET", "/healthz", token=None)
        self.assertEqual(status, 200)
        self.assertEqual(health["schema_version"], "middleware-status-response.v1")
        self.assertEqual(health["status"], "ok")
        self.assertEqual(health["module_id"], "orbiplex-echo")
        self.module.close_stdin()
        self.assertEqual(self.module.wait(), 0)
        self.assertEqual(self.module.stdout_rest(), [], "nothing but the announcement on stdout")

    def test_init_and_invoke_need_the_token(self) -> None:
        for token in (None, "wrong", TOKEN + "x"):
            for path, body in ((INIT_PATH, INIT), (INVOKE, envelope())):
                status, answer = call_json(self.conn, "POST", path, body, token=token)
                self.assertEqual(status, 401, (path, token))
                self.assertEqual(answer["error"]["code"], "TYPE_ERROR")
        status, health = call_json(self.conn, "GET", "/healthz", token=None)
        self.assertEqual(health["invocations"], 0, "a refused request runs no handler")

    def test_init_answers_the_report_built_from_module_json(self) -> None:
        status, report = call_json(self.conn, "POST", INIT_PATH, INIT)
        self.assertEqual(status, 200)
        with open(os.path.join(os.path.dirname(ECHO), "module.json")) as handle:
            declared = json.load(handle)
        self.assertEqual(report["schema_version"], "middleware-module-report.v1")
        for key in ("module_id", "module_name", "description", "module_version", "middleware_contract_version",
                    "host_api_version", "capabilities", "hooks"):
            self.assertEqual(report[key], declared[key], key)
        self.assertNotIn("entry", report)

    def test_init_rejects_a_body_that_is_not_middleware_init(self) -> None:
        status, answer = call_json(self.conn, "POST", INIT_PATH, {**INIT, "schema_version": "nope"})
        self.assertEqual(status, 400)
        self.assertIn("schema_version", answer["error"]["message"])

    def test_invoke_echoes_what_it_received(self) -> None:
        status, decision = call_json(self.conn, "POST", INVOKE, envelope({"b": 1, "a": 2}, "env_42"))
        self.assertEqual(status, 200)
        self.assertEqual(decision["schema_version"], "middleware-decision.v1")
        self.assertEqual(decision["decision"], "annotate")
        echo = decision["annotations"]["echo"]
        self.assertEqual((echo["hook"], echo["envelope_id"], echo["payload_keys"]),
                         ("service.execute", "env_42", ["a", "b"]))

    def test_invoke_rewrites_when_the_payload_asks(self) -> None:
        status, decision = call_json(self.conn, "POST", INVOKE, envelope({"rewrite": {"title": "New"}}))
        self.assertEqual(status, 200)
        self.assertEqual(decision["decision"], "rewrite")
        self.assertEqual(decision["patch_strategy"], "json_merge_patch")
        self.assertEqual(decision["patch"], {"title": "New"})

    def test_bad_json_and_bad_envelopes_get_400_error_bodies(self) -> None:
        cases = [(b"{not json", "not valid JSON"), (b"[1, 2]", "JSON object"),
                 (json.dumps({**envelope(), "schema_version": "v0"}).encode(), "schema_version"),
                 (json.dumps({**envelope(), "payload": [1]}).encode(), "payload")]
        for raw, words in cases:
            status, _, body = call(self.conn, "POST", INVOKE, raw=raw)
            self.assertEqual(status, 400, raw)
            error = json.loads(body)["error"]
            self.assertEqual(error["code"], "TYPE_ERROR")
            self.assertIn(words, error["message"])
            self.assertEqual(error["details"], {})
        # The connection survives client errors.
        self.assertEqual(call_json(self.conn, "GET", "/readyz", token=None)[0], 200)

    def test_unknown_path_is_404_and_wrong_method_is_405(self) -> None:
        status, answer = call_json(self.conn, "GET", "/nope", token=None)
        self.assertEqual(status, 404)
        self.assertIn("/nope", answer["error"]["message"])
        status, headers, _ = call(self.conn, "GET", INVOKE)
        self.assertEqual((status, headers["allow"]), (405, "POST"))

    def test_oversized_body_gets_413_and_the_connection_closes(self) -> None:
        big = json.dumps(envelope({"blob": "x" * (2 * 1024 * 1024)})).encode()
        status, headers, body = call(self.conn, "POST", INVOKE, raw=big)
        self.assertEqual((status, headers["connection"]), (413, "close"))
        self.assertEqual(json.loads(body)["error"]["code"], "TYPE_ERROR")
        # A client that waits for "100 Continue" gets the 413 at once instead.
        with socket.create_connection(("127.0.0.1", self.module.port), timeout=10) as sock:
            sock.sendall(f"POST {INVOKE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                         f"Expect: 100-continue\r\nContent-Length: {len(big)}\r\n\r\n".encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer[:100])

    def test_chunked_request_bodies_are_read(self) -> None:
        data = json.dumps(envelope({"k": 1})).encode()
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (data[:10], data[10:])) + b"0\r\n\r\n"
        status, _, body = call(self.conn, "POST", INVOKE, raw=chunks, headers={"Transfer-Encoding": "chunked"})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["annotations"]["echo"]["payload_keys"], ["k"])

    def test_closing_stdin_ends_the_process_promptly(self) -> None:
        self.module.close_stdin()
        self.assertEqual(self.module.wait(timeout=5), 0)

    def test_sigterm_exits_zero(self) -> None:
        self.module.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.module.wait(timeout=5), 0)
        self.assertIn("SIGTERM", self.module.log())

    def test_keep_alive_loop_of_1000_invokes(self) -> None:
        body = envelope()
        call_json(self.conn, "POST", INVOKE, body)
        started = time.perf_counter()
        for _ in range(1000):
            status, _, _ = call(self.conn, "POST", INVOKE, body)
            assert status == 200
        per_call_ms = (time.perf_counter() - started)  # 1000 calls: seconds == ms per call
        print(f"\n[orbiplex_sdk] 1000 keep-alive invokes via http.client: {per_call_ms:.3f} ms per call")
        # Not a benchmark: only catches the ~40 ms Nagle/delayed-ACK stall (one-write responses).
        self.assertLess(per_call_ms, 10)


class LimitsTest(unittest.TestCase):
    def test_503_with_retry_after_beyond_max_in_flight(self) -> None:
        module = ModuleProcess(self, [FIXTURE], {"FIXTURE_MODE": "slow", "FIXTURE_DELAY_MS": "60000",
                                                  "ORBIPLEX_MIDDLEWARE_MAX_CONNECTIONS": "1"})
        module.announcement()
        slow = module.connect()
        self.addCleanup(slow.close)
        slow.request("POST", INVOKE, body=json.dumps(envelope()), headers={"Authorization": f"Bearer {TOKEN}"})
        probe = module.connect()
        self.addCleanup(probe.close)
        while call_json(probe, "GET", "/healthz", token=None)[1]["in_flight"] < 1:
            pass  # wait for the signal that the slow call is in the handler
        status, headers, body = call(probe, "POST", INVOKE, envelope())
        self.assertEqual(status, 503)
        self.assertEqual(headers["retry-after"], "1")
        self.assertEqual(json.loads(body)["error"]["details"], {"max_in_flight": 1})
        self.assertEqual(call(probe, "GET", "/readyz", token=None)[0], 200, "open endpoints are not limited")

    def test_startup_fails_clearly_without_a_readable_token_file(self) -> None:
        module = ModuleProcess(self, [ECHO], {"ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE": "/nonexistent/authtok"})
        self.assertEqual(module.wait(), 2)
        self.assertIn("/nonexistent/authtok", module.log())
        self.assertEqual(module.stdout_rest(), [])

    def test_stdin_that_cannot_be_polled_is_watched_too(self) -> None:
        # /dev/null is what a careless launcher gives: EOF at once, so the module must exit.
        with tempfile.TemporaryDirectory() as folder:
            token_file = os.path.join(folder, "authtok")
            with open(token_file, "w") as handle:
                handle.write(TOKEN)
            done = subprocess.run([sys.executable, ECHO], stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                                  env={"ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE": token_file, "ORBIPLEX_LISTEN_PORT": "0"})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(b"stdin closed", done.stderr)

    def test_exits_on_stdin_eof_when_the_host_that_read_its_output_is_gone(self) -> None:
        # A SIGKILLed host closes every pipe at once: logging "stopping" then hits EPIPE, which
        # must not keep the module alive as an orphan.
        with tempfile.TemporaryDirectory() as folder:
            token_file = os.path.join(folder, "authtok")
            with open(token_file, "w") as handle:
                handle.write(TOKEN)
            proc = subprocess.Popen([sys.executable, ECHO], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, start_new_session=True,
                                    env={"ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE": token_file})
            try:
                self.assertIn(b'"listening"', proc.stdout.readline())
                proc.stdout.close()
                proc.stderr.close()
                proc.stdin.close()
                proc.wait(timeout=10)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()

    def test_refuses_a_non_loopback_listen_host(self) -> None:
        module = ModuleProcess(self, [ECHO], {"ORBIPLEX_LISTEN_HOST": "0.0.0.0"})
        self.assertEqual(module.wait(), 2)
        self.assertIn("loopback", module.log())


class HandlerBehaviourTest(unittest.TestCase):
    def start(self, source: str, env: dict | None = None) -> ModuleProcess:
        module = inline_module(self, source, env)
        module.announcement()
        self.conn = module.connect()
        self.addCleanup(self.conn.close)
        return module

    def test_handler_exception_is_a_500_without_traceback_in_the_body(self) -> None:
        module = self.start("""
            from orbiplex_sdk import Module, run
            def invoke(envelope, ctx):
                raise KeyError("secret-internal-detail")
            run(Module.from_json(__file__, invoke=invoke))
        """)
        status, _, body = call(self.conn, "POST", INVOKE, envelope())
        self.assertEqual(status, 500)
        error = json.loads(body)["error"]
        self.assertEqual(error["code"], "RUNTIME_ERROR")
        self.assertNotIn(b"Traceback", body)
        self.assertIn("Traceback", module.log())
        self.assertEqual(call(self.conn, "GET", "/readyz", token=None)[0], 200)

    def test_async_handlers_module_errors_and_non_decisions(self) -> None:
        module = self.start("""
            import asyncio
            from orbiplex_sdk import Module, ModuleError, decisions, run
            async def invoke(envelope, ctx):
                await asyncio.sleep(0)
                kind = envelope["payload"].get("kind")
                if kind == "type":
                    raise ModuleError("TYPE_ERROR", "payload.kind is wrong", {"field": "kind"})
                if kind == "none":
                    return None
                print("stray print")
                return decisions.allow("async ok", next_step="publish")
            def init(body, ctx):
                return {"operator_surfaces": [], "granted_seen": ctx.granted_capabilities}
            def health(ctx):
                return {"status": "degraded", "why": "testing"}
            run(Module.from_json(__file__, invoke=invoke, init=init, health=health))
        """)
        status, report = call_json(self.conn, "POST", INIT_PATH, INIT)
        self.assertEqual((status, report["granted_seen"], report["module_id"]), (200, ["inquirium.request"], "inline"))
        self.assertEqual(call_json(self.conn, "POST", INVOKE, envelope())[1]["next_step"], "publish")
        status, answer = call_json(self.conn, "POST", INVOKE, envelope({"kind": "type"}))
        self.assertEqual((status, answer["error"]["details"]), (400, {"field": "kind"}))
        status, answer = call_json(self.conn, "POST", INVOKE, envelope({"kind": "none"}))
        self.assertEqual((status, answer["error"]["code"]), (500, "INTERNAL_ERROR"))
        status, health = call_json(self.conn, "GET", "/healthz", token=None)
        self.assertEqual((status, health["status"], health["why"]), (200, "degraded", "testing"))
        module.close_stdin()
        self.assertEqual(module.wait(), 0)
        self.assertEqual(module.stdout_rest(), [], "print() after the announcement goes to stderr")
        self.assertIn("stray print", module.log())


if __name__ == "__main__":
    unittest.main()
