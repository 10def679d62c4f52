"""Issue 9 item 6: the SDK's HTTP server under generated and mutated input over a real loopback socket.

Every input (a valid request mutated byte by byte, generated garbage, truncated messages, huge heads,
bad chunking, invalid UTF-8, deeply nested JSON, huge or odd Content-Length values) gets a 4xx (or the
protocol's 501/505), a 200 when it happens to be valid, or a clean close: never a 500 from a crashed
handler, never an unhandled exception in the module's log, never a hang (every read is bounded), and
the module's memory stays bounded. Partial sends that stall hold no one else up.

Seeded and short by default; longer by hand: ``FUZZ_RUNS=5000 FUZZ_SEED=7 python3 -m unittest ...``.
"""
from __future__ import annotations

import json
import os
import random
import socket
import time
import unittest

from .support import ECHO, TOKEN, ModuleProcess, envelope

RUNS = int(os.environ.get("FUZZ_RUNS", "400"))
SEED = int(os.environ.get("FUZZ_SEED", "20261207"))
READ_SECONDS = 5.0
#: Growth of the module's resident memory the whole fuzz run may cause.
RSS_BOUND_KB = 64 * 1024
ALLOWED = {200, 400, 401, 404, 405, 413, 431, 501, 505}


def valid_request(body: bytes | None = None, path: str = "/v1/middleware/invoke") -> bytes:
    data = body if body is not None else json.dumps(envelope()).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data


def chunked(parts: list[bytes], sizes: list[bytes] | None = None, terminator: bytes = b"\r\n") -> bytes:
    head = (f"POST /v1/middleware/invoke HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    body = b""
    for i, part in enumerate(parts):
        size = sizes[i] if sizes is not None and i < len(sizes) else format(len(part), "x").encode()
        body += size + b"\r\n" + part + terminator
    return head + body + b"0\r\n\r\n"


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Fuzzer:
    """Sends one input per connection and classifies the answer."""

    def __init__(self, test: unittest.TestCase, port: int) -> None:
        self.test = test
        self.port = port
        self.counts: dict[str, int] = {}

    def send(self, kind: str, data: bytes) -> int | None:
        """Sends ``data``, ends the write side, reads until close; the first status, or None for a clean close."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        with socket.create_connection(("127.0.0.1", self.port), timeout=READ_SECONDS) as sock:
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server answered and closed before reading it all: what it said is still readable
            received = b""
            try:
                while chunk := sock.recv(65536):
                    received += chunk
            except ConnectionResetError:
                pass
            except socket.timeout:
                self.test.fail(f"{kind}: no answer and no close within {READ_SECONDS}s for {data[:120]!r}")
        # An interim "100 Continue" (the request said Expect: 100-continue) comes before the answer.
        while received.startswith(b"HTTP/1.1 100 "):
            received = received.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in received else b""
        if not received:
            return None
        line = received.split(b"\r\n", 1)[0]
        self.test.assertTrue(line.startswith(b"HTTP/1.1 "), f"{kind}: not an HTTP answer: {received[:120]!r}")
        status = int(line.split(b" ")[1])
        self.test.assertIn(status, ALLOWED, f"{kind}: status {status} for {data[:160]!r}: {received[:300]!r}")
        return status


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to four byte-level changes to a valid request."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        at = rng.randrange(len(out) + 1)
        if op == 0:
            del out[at:]
        elif op == 1 and out:
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif op == 2:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 3:
            out[at:at] = rng.choice([b"\r\n", b"\r\n\r\n", b"\n", b":", b" ", b"\x00", b"\xff\xfe", b"\xc3\x28"])
        elif op == 4:
            del out[at:at + rng.randint(1, 32)]
        elif op == 5:
            out[at:at] = rng.choice([b"Content-Length: 5\r\n", b"Content-Length: 99999999999999999999\r\n",
                                     b"Transfer-Encoding: chunked\r\n", b"Expect: 100-continue\r\n",
                                     b"Connection: close\r\n", b"X: " + b"y" * rng.randint(1, 70_000) + b"\r\n"])
        else:
            out = out + out[: rng.randint(0, len(out))]
    return bytes(out)


def generated(rng: random.Random) -> bytes:
    """A request assembled from random parts, most of them wrong."""
    method = rng.choice([b"GET", b"POST", b"PUT", b"", b"P\xffST", b"G" * 300])
    target = rng.choice([b"/readyz", b"/healthz", b"/v1/middleware/invoke", b"/v1/middleware/init", b"*", b"",
                         b"/" + bytes(rng.randrange(33, 127) for _ in range(rng.randint(0, 40)))])
    version = rng.choice([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.1 extra", b""])
    headers = [b"Authorization: Bearer " + TOKEN.encode()] if rng.random() < 0.7 else []
    for _ in range(rng.choice([0, 1, 3, 120])):
        headers.append(b"X-" + str(rng.randrange(10**6)).encode() + b": " + bytes(rng.randrange(32, 127) for _ in range(rng.randint(0, 20))))
    body = rng.choice([b"", b"{}", b"[]", b"null", b"\xff\xfe\xfd", b"{\"a\":" * 50_000,
                       b"[" * rng.randint(1, 200_000), json.dumps(envelope()).encode(),
                       bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))])
    length = rng.choice([str(len(body)).encode(), b"0", b"-1", b"+5", b"1_0", b"\xb2", b"1e3", b" 7 ",
                         b"99999999999999999999999", str(len(body) + rng.randint(1, 100)).encode()])
    headers.append(b"Content-Length: " + length)
    return method + b" " + target + b" " + version + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + body


class HttpFuzzTest(unittest.TestCase):
    def setUp(self) -> None:
        self.module = ModuleProcess(self, [ECHO])
        self.module.announcement()
        self.pid = self.module.proc.pid
        self.fuzz = Fuzzer(self, self.module.port)

    def alive(self) -> None:
        self.assertIsNone(self.module.proc.poll(), f"the module exited:\n{self.module.log()[-2000:]}")
        self.assertEqual(self.fuzz.send("readyz", b"GET /readyz HTTP/1.1\r\n\r\n"), 200)

    def no_unhandled_errors(self) -> None:
        log = self.module.log()
        for marker in ("Traceback", "Unhandled exception", "exception was never retrieved"):
            self.assertNotIn(marker, log, f"the module's log shows an unhandled error:\n{log[-3000:]}")

    def test_mutated_and_generated_requests_get_4xx_200_or_a_clean_close(self) -> None:
        rng = random.Random(SEED)
        base_rss = rss_kb(self.pid)
        self.assertEqual(self.fuzz.send("valid", valid_request()), 200)
        for i in range(RUNS):
            self.fuzz.send("mutated", mutate(rng, valid_request()))
            self.fuzz.send("generated", generated(rng))
            if i % 50 == 0:
                self.alive()
        self.alive()
        self.no_unhandled_errors()
        grown = rss_kb(self.pid) - base_rss
        self.assertLess(grown, RSS_BOUND_KB, f"the module's RSS grew by {grown} kB")
        print(f"\ntest_fuzz_http: {sum(self.fuzz.counts.values())} inputs (FUZZ_RUNS={RUNS}, FUZZ_SEED={SEED}) "
              f"{self.fuzz.counts}; RSS +{grown} kB")

    def test_named_hostile_inputs(self) -> None:
        cases = {
            "truncated head": valid_request()[:30],
            "truncated body": valid_request()[:-10],
            "head over the limit": b"GET /readyz HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
            "too many headers": b"GET /readyz HTTP/1.1\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(150)) + b"\r\n",
            "huge content-length": valid_request().replace(b"Content-Length: ", b"Content-Length: 9", 1),
            "content-length beyond int64": b"POST /v1/middleware/invoke HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
            "superscript digit length": b"POST /v1/middleware/invoke HTTP/1.1\r\nContent-Length: \xb2\r\n\r\nab",
            "negative chunk size": chunked([b"{}"], [b"-2"]),
            "non-hex chunk size": chunked([b"{}"], [b"zz"]),
            "huge chunk size": chunked([b"{}"], [b"ffffffffffffffffffff"]),
            "underscore chunk size": chunked([b"{}"], [b"0_2"]),
            "bad chunk terminator": chunked([b"{}"], terminator=b"XX"),
            "chunk size line over the limit": chunked([b"{}"], [b"2" + b";x" * 40_000]),
            "invalid utf-8 body": valid_request(b"{\"schema_version\": \"\xff\xfe\"}"),
            "deeply nested arrays": valid_request(b"[" * 100_000 + b"]" * 100_000),
            "deeply nested objects": valid_request(b"{\"a\":" * 50_000 + b"1" + b"}" * 50_000),
            "deeply nested envelope payload": valid_request(
                json.dumps({**envelope(), "payload": {"x": None}}).replace("null", "[" * 20_000 + "]" * 20_000).encode()),
            "body not an object": valid_request(b"[1,2,3]"),
            "folded header": b"GET /readyz HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
            "bare newline head": b"GET /readyz HTTP/1.1\n\n",
            "http/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "binary garbage": bytes(range(256)) * 40,
        }
        statuses = {name: self.fuzz.send(name, data) for name, data in cases.items()}
        self.alive()
        self.no_unhandled_errors()
        self.assertEqual(statuses["deeply nested arrays"], 400, statuses)
        self.assertEqual(statuses["deeply nested envelope payload"], 400, statuses)
        self.assertEqual(statuses["superscript digit length"], 400, statuses)
        self.assertEqual(statuses["negative chunk size"], 400, statuses)

    def test_partial_sends_that_stall_hold_no_one_else_up(self) -> None:
        base_fds = fd_count(self.pid)
        partials = [valid_request()[:n] for n in (5, 40, 120, len(valid_request()) - 3)]
        partials.append(chunked([b"{}"])[:-4])
        stalled = []
        for data in partials * 4:
            sock = socket.create_connection(("127.0.0.1", self.module.port), timeout=READ_SECONDS)
            sock.sendall(data)
            stalled.append(sock)
        try:
            # The stalled peers hold their own connections only: a whole request still gets its answer.
            self.assertEqual(self.fuzz.send("valid beside stalled", valid_request()), 200)
            self.alive()
        finally:
            for sock in stalled:
                sock.close()
        # Once the stalled peers go, the module lets go of their sockets (bounded wait, then fail).
        deadline = time.monotonic() + READ_SECONDS
        while fd_count(self.pid) > base_fds and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertLessEqual(fd_count(self.pid), base_fds, "the module kept sockets of peers that left")
        self.no_unhandled_errors()


if __name__ == "__main__":
    unittest.main()
