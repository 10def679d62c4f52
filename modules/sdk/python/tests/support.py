"""Test helpers: start a module as a real child process the way the host does, and talk HTTP to it."""
from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

SDK_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = os.path.dirname(os.path.dirname(SDK_ROOT))
REPO = os.path.dirname(MODULES)
ECHO = os.path.join(MODULES, "examples", "echo", "main.py")
FIXTURE = os.path.join(REPO, "test", "fixtures", "fixture_module.py")
BUILD = os.path.join(MODULES, "build.py")
if SDK_ROOT not in sys.path:
    sys.path.insert(0, SDK_ROOT)

TOKEN = "test-token-7f3a"
STARTUP_SECONDS = 15


def envelope(payload: dict | None = None, envelope_id: str = "env_1", hook: str = "service.execute") -> dict:
    """A valid workflow-envelope.v1."""
    return {
        "schema_version": "workflow-envelope.v1", "envelope_id": envelope_id, "hook": hook,
        "correlation_id": "corr_1", "payload": payload if payload is not None else {"text": "hi"},
        "annotations": {}, "intent_results": [],
        "trace": {"causality_id": "cause:1", "hop": 0, "component_path": []}, "deadline_ms": 5000,
    }


INIT = {
    "schema_version": "middleware-init.v1", "middleware_contract_version": "1.0", "host_api_version": "1.0",
    "host_version": "0.1.0", "executor_id": "test", "executor_kind": "http_local_json",
    "node_id": "node:test", "granted_capabilities": ["inquirium.request"],
}


class ModuleProcess:
    """A module child: explicit environment, stdin kept open, stdout read line by line."""

    def __init__(self, test: unittest.TestCase, argv: list[str], env: dict[str, str] | None = None,
                 token: str = TOKEN, cwd: str | None = None) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="orbiplex-sdk-test-")
        test.addCleanup(self.dir.cleanup)
        token_file = os.path.join(self.dir.name, "authtok")
        with open(os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
            handle.write(token)
        self.stderr_path = os.path.join(self.dir.name, "stderr.log")
        self.stderr = open(self.stderr_path, "wb")
        test.addCleanup(self.stderr.close)
        full_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONUNBUFFERED": "1",
            "ORBIPLEX_LISTEN_HOST": "127.0.0.1", "ORBIPLEX_LISTEN_PORT": "0",
            "ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE": token_file, "ORBIPLEX_MIDDLEWARE_AUTH_HEADER": "Authorization",
            **(env or {}),
        }
        self.proc = subprocess.Popen([sys.executable, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=full_env, cwd=cwd or self.dir.name,
                                     start_new_session=True)
        test.addCleanup(self.kill)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        self.port: int | None = None

    def _read_stdout(self) -> None:
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8", "replace"))
        self.lines.put(None)

    def announcement(self) -> dict:
        """The first stdout line, parsed; fails the test if the process ends first."""
        line = self.lines.get(timeout=STARTUP_SECONDS)
        if line is None:
            raise AssertionError(f"module exited ({self.proc.wait()}) without announcing:\n{self.log()}")
        message = json.loads(line)
        self.port = message["port"]
        return message

    def stdout_rest(self) -> list[str]:
        """Every later stdout line, once the process has closed stdout."""
        rest = []
        while (line := self.lines.get(timeout=STARTUP_SECONDS)) is not None:
            rest.append(line)
        return rest

    def log(self) -> str:
        self.stderr.flush()
        with open(self.stderr_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def connect(self) -> http.client.HTTPConnection:
        assert self.port is not None, "call announcement() first"
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=STARTUP_SECONDS)

    def close_stdin(self) -> None:
        self.proc.stdin.close()

    def wait(self, timeout: float = 10) -> int:
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


def call(conn: http.client.HTTPConnection, method: str, path: str, body: object = None,
         token: str | None = TOKEN, raw: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One request on ``conn``; returns (status, lower-cased headers, body bytes)."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    if data is not None:
        sent["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    payload = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def call_json(conn: http.client.HTTPConnection, method: str, path: str, body: object = None,
              **options: object) -> tuple[int, dict]:
    """Like `call`, with the body parsed as JSON."""
    status, _, payload = call(conn, method, path, body, **options)
    return status, json.loads(payload)
