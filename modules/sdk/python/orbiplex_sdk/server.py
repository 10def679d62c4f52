"""The module's loopback HTTP server and process lifecycle (CONTRACTS §1.2, §1.3).

One asyncio server: /readyz and /healthz are open, init and invoke need the host's token and
are bounded in flight. The process exits when stdin reaches EOF (the host is gone, even if it
was SIGKILLed), taking the processes it started (its process group) with it, and exits 0 on
SIGTERM/SIGINT after the requests in progress are answered.
"""
from __future__ import annotations

import asyncio
import hmac
import inspect
import ipaddress
import json
import os
import signal
import socket
import stat
import sys
import threading
from typing import Any, NoReturn

from . import decisions
from . import _trace
from ._group import stop_process_group
from ._http import MAX_HEAD_BYTES, HttpError, Request, encode_response, read_request
from ._log import install_excepthook, log, log_exception, set_name
from .module import Context, Module, ModuleError, Response

ENVELOPE_SCHEMA = "workflow-envelope.v1"
INIT_SCHEMA = "middleware-init.v1"
STATUS_SCHEMA = "middleware-status-response.v1"
#: Default bound on a request body; larger ones get 413.
MAX_BODY_BYTES = 1024 * 1024
_JSON = "application/json"

Answer = tuple[int, bytes, str, dict]


class _StartupError(Exception):
    pass


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def _error(status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None) -> Answer:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return status, _json(body), _JSON, headers or {}


def _env_int(name: str, default: int, low: int, high: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise _StartupError(f"{name}={text!r} is not an integer in {low}..{high}; fix the module's environment")
    return int(text)


class _Config:
    def __init__(self, max_body: int) -> None:
        host = os.environ.get("ORBIPLEX_LISTEN_HOST", "").strip() or "127.0.0.1"
        host = "127.0.0.1" if host == "localhost" else host
        try:
            loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise _StartupError(f"ORBIPLEX_LISTEN_HOST={host!r} is not a loopback address; use 127.0.0.1 or ::1")
        self.host = host.strip("[]")
        self.port = _env_int("ORBIPLEX_LISTEN_PORT", 0, 0, 65535)
        self.max_in_flight = _env_int("ORBIPLEX_MIDDLEWARE_MAX_CONNECTIONS", 32, 1, 1_000_000)
        self.max_body = max_body
        self.auth_header = os.environ.get("ORBIPLEX_MIDDLEWARE_AUTH_HEADER", "").strip() or "Authorization"
        self.expected: bytes | None = None
        token_file = os.environ.get("ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE", "").strip()
        if not token_file:
            log("ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE is not set: init and invoke will answer 401", "warn")
            return
        try:
            with open(token_file, "rb") as handle:
                token = handle.read().strip()
        except OSError as error:
            raise _StartupError(f"cannot read the auth token file {token_file!r} "
                                f"(ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE): {error.strerror}") from None
        if not token:
            raise _StartupError(f"the auth token file {token_file!r} is empty; the host must write a token")
        self.expected = b"Bearer " + token


async def _call(handler: Any, *args: Any) -> Any:
    result = handler(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


class _Server:
    def __init__(self, module: Module, config: _Config, announce: bool, handle_signals: bool,
                 shutdown_grace: float) -> None:
        self.module = module
        self.ctx: Context = module.ctx
        self.config = config
        self.announce = announce
        self.handle_signals = handle_signals
        self.shutdown_grace = shutdown_grace
        self.in_flight = 0
        self.busy = 0
        self.stopping = False
        #: Set when the stop came from stdin EOF: the host is gone, so nobody else stops our children.
        self.host_gone = False
        self.writers: set[asyncio.StreamWriter] = set()
        self.routes = {
            "/readyz": ("GET", self._readyz),
            "/healthz": ("GET", self._healthz),
            "/v1/middleware/init": ("POST", self._init),
            "/v1/middleware/invoke": ("POST", self._invoke),
        }

    # -- lifecycle -------------------------------------------------------------------------
    def request_stop(self, code: int, drain: bool, why: str) -> None:
        if not self.done.done():
            self.stopping = True
            self.done.set_result((code, drain))
            log(f"stopping ({why}), exit code {code}")

    def host_left(self) -> None:
        if not self.done.done():
            self.host_gone = True
        self.request_stop(0, False, "stdin closed: the host is gone")

    async def serve(self) -> int:
        loop = asyncio.get_running_loop()
        self.done: asyncio.Future[tuple[int, bool]] = loop.create_future()
        self.idle = asyncio.Event()
        self.idle.set()
        self.ctx._stop = lambda code: self.request_stop(code, True, "the module asked")
        try:
            server = await asyncio.start_server(self._connection, self.config.host, self.config.port,
                                                limit=MAX_HEAD_BYTES, backlog=128)
        except OSError as error:
            log(f"cannot listen on {self.config.host}:{self.config.port}: {error.strerror}; "
                "pick another ORBIPLEX_LISTEN_PORT or 0", "error")
            return 2
        host, port = server.sockets[0].getsockname()[:2]
        if self.handle_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self.request_stop, 0, True, signal.Signals(signum).name)
        await self._watch_stdin(loop)
        if self.announce:
            sys.stdout.write(json.dumps({"event": "listening", "host": host, "port": port},
                                        separators=(",", ":")) + "\n")
            sys.stdout.flush()
        # Nothing else may reach stdout: stray print() calls of module code go to the log.
        sys.stdout = sys.stderr
        log(f"listening on {host}:{port} (max in flight {self.config.max_in_flight})")
        code, drain = await self.done
        server.close()
        if drain and self.busy:
            try:
                await asyncio.wait_for(self.idle.wait(), self.shutdown_grace)
            except asyncio.TimeoutError:
                log(f"{self.busy} request(s) still running after {self.shutdown_grace}s; exiting anyway", "warn")
        for writer in list(self.writers):
            writer.close()
        return code

    async def _watch_stdin(self, loop: asyncio.AbstractEventLoop) -> None:
        server = self

        class _Stdin(asyncio.Protocol):
            def connection_lost(self, exc: Exception | None) -> None:
                loop.call_soon(server.host_left)

        try:
            mode = os.fstat(0).st_mode
        except OSError as error:
            log(f"stdin is unusable ({error.strerror}); a module needs the host's stdin pipe", "error")
            self.request_stop(2, False, "no stdin")
            return
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            await loop.connect_read_pipe(_Stdin, os.fdopen(0, "rb", buffering=0, closefd=False))
        else:
            # Terminals, /dev/null and files cannot be polled (or would be left non-blocking for
            # the shell that shares them): read stdin out on a thread until EOF instead.
            def drain_stdin() -> None:
                try:
                    while os.read(0, 65536):
                        pass
                except OSError:
                    pass
                try:
                    loop.call_soon_threadsafe(self.host_left)
                except RuntimeError:
                    pass  # the loop already ended: the process is exiting anyway
            threading.Thread(target=drain_stdin, name="stdin-watch", daemon=True).start()

    # -- connections -------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.writers.add(writer)
        try:
            while True:
                try:
                    request = await read_request(reader, writer, self.config.max_body)
                except HttpError as error:
                    status, body, ctype, headers = _error(error.status, error.code, error.message)
                    writer.write(encode_response(status, body, ctype, headers, keep_alive=False))
                    await writer.drain()
                    break
                if request is None:
                    break
                self.busy += 1
                self.idle.clear()
                try:
                    try:
                        status, body, ctype, headers = await self._dispatch(request)
                    except Exception as error:  # noqa: BLE001 - answer, never drop the connection silently
                        status, body, ctype, headers = self._crashed(request.path, error)
                    keep_alive = request.keep_alive and not self.stopping
                    # One write: head and body leave together (see _http).
                    writer.write(encode_response(status, body, ctype, headers, keep_alive))
                    await writer.drain()
                finally:
                    self.busy -= 1
                    if not self.busy:
                        self.idle.set()
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # the process is exiting; a cancelled handler has nobody left to answer
        finally:
            self.writers.discard(writer)
            writer.close()

    async def _dispatch(self, request: Request) -> Answer:
        route = self.routes.get(request.path)
        if route is None:
            return _error(404, "TYPE_ERROR", f"no endpoint at {request.path[:200]!r}; "
                          f"this module serves {', '.join(self.routes)}")
        method, handler = route
        if request.method != method:
            return _error(405, "TYPE_ERROR", f"{request.path} takes {method}, not {request.method[:20]}",
                          headers={"Allow": method})
        if method == "GET":
            return await handler()
        given = request.header(self.config.auth_header)
        if self.config.expected is None or given is None or \
                not hmac.compare_digest(given.encode("latin-1"), self.config.expected):
            return _error(401, "TYPE_ERROR", f"missing or wrong {self.config.auth_header} header: "
                          "send \"Bearer <token>\" with the token from ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE")
        if self.in_flight >= self.config.max_in_flight:
            return _error(503, "RUNTIME_ERROR", f"busy: {self.in_flight} requests in flight, the limit is "
                          f"{self.config.max_in_flight}; retry after 1 s",
                          {"max_in_flight": self.config.max_in_flight}, {"Retry-After": "1"})
        try:
            body = json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return _error(400, "TYPE_ERROR", f"the request body is not valid JSON: {error}")
        except RecursionError:
            return _error(400, "TYPE_ERROR", "the request body is nested too deeply to decode; "
                          "send JSON nested at most a few hundred levels deep")
        if not isinstance(body, dict):
            return _error(400, "TYPE_ERROR", f"the request body must be a JSON object, got {type(body).__name__}")
        self.in_flight += 1
        # The host's span for this call: handlers read it as ctx.traceparent, log lines print its trace id.
        token = _trace.set_current(request.header("traceparent"))
        try:
            return await handler(body)
        finally:
            _trace.current.reset(token)
            self.in_flight -= 1

    # -- endpoints -------------------------------------------------------------------------
    async def _readyz(self) -> Answer:
        ready = bool(self.ctx.ready) and not self.stopping
        return (200 if ready else 503), (b'{"ready":true}' if ready else b'{"ready":false}'), _JSON, {}

    async def _healthz(self) -> Answer:
        status: dict = {
            "schema_version": STATUS_SCHEMA, "status": "ok", "module_id": self.module.module_id,
            "module_version": self.module.info["module_version"], "ready": bool(self.ctx.ready),
            "in_flight": self.in_flight, "invocations": self.ctx.invocations,
        }
        if self.module.health_handler is not None:
            try:
                extra = await _call(self.module.health_handler, self.ctx)
            except Exception as error:  # noqa: BLE001 - a module bug must not kill the server
                return self._crashed("health", error)
            if isinstance(extra, Response):
                return extra.status, extra.body, extra.content_type, extra.headers
            if extra is not None:
                if not isinstance(extra, dict) or extra.get("status", "ok") not in ("ok", "degraded"):
                    return _error(500, "INTERNAL_ERROR", "the health handler must return None, a Response or a "
                                  f'dict whose "status" is "ok" or "degraded"; got {str(extra)[:120]}')
                status.update(extra)
        return 200, _json(status), _JSON, {}

    async def _init(self, body: dict) -> Answer:
        if body.get("schema_version") != INIT_SCHEMA:
            return _error(400, "TYPE_ERROR", f'field "schema_version" must be "{INIT_SCHEMA}", '
                          f"got {json.dumps(body.get('schema_version'))[:80]}")
        granted = body.get("granted_capabilities", [])
        if not isinstance(granted, list) or not all(isinstance(item, str) for item in granted):
            return _error(400, "TYPE_ERROR", 'field "granted_capabilities" must be a list of strings')
        theirs = str(body.get("middleware_contract_version", ""))
        ours = self.module.info["middleware_contract_version"]
        if theirs.split(".")[0] != ours.split(".")[0]:
            log(f"host speaks middleware contract {theirs!r}, this module {ours!r}", "warn")
        self.ctx.init = body
        report = self.module.report()
        if self.module.init_handler is not None:
            try:
                extra = await _call(self.module.init_handler, body, self.ctx)
            except ModuleError as error:
                return _error(error.status, error.code, error.message, error.details)
            except Exception as error:  # noqa: BLE001
                return self._crashed("init", error)
            if isinstance(extra, Response):
                return extra.status, extra.body, extra.content_type, extra.headers
            if isinstance(extra, dict):
                report.update(extra)
        log(f"initialised by executor {body.get('executor_id')!r}, granted {granted}")
        return self._encode(report, "init")

    async def _invoke(self, envelope: dict) -> Answer:
        if envelope.get("schema_version") != ENVELOPE_SCHEMA:
            return _error(400, "TYPE_ERROR", f'field "schema_version" must be "{ENVELOPE_SCHEMA}", '
                          f"got {json.dumps(envelope.get('schema_version'))[:80]}")
        for field, kind, name in (("hook", str, "a string"), ("payload", dict, "an object")):
            if not isinstance(envelope.get(field), kind):
                return _error(400, "TYPE_ERROR", f'field "{field}" must be {name}')
        self.ctx.invocations += 1
        try:
            result = await _call(self.module.invoke_handler, envelope, self.ctx)
        except ModuleError as error:
            return _error(error.status, error.code, error.message, error.details)
        except Exception as error:  # noqa: BLE001
            return self._crashed("invoke", error)
        if isinstance(result, Response):
            return result.status, result.body, result.content_type, result.headers
        if not isinstance(result, dict) or result.get("decision") not in decisions.KINDS:
            log(f"invoke handler returned {str(result)[:200]}, which is not a decision", "error")
            return _error(500, "INTERNAL_ERROR", "the invoke handler returned no decision; "
                          "build one with orbiplex_sdk.decisions (e.g. decisions.allow())")
        if "schema_version" not in result:
            result = {"schema_version": decisions.SCHEMA_VERSION, **result}
        return self._encode(result, "invoke")

    def _encode(self, value: dict, what: str) -> Answer:
        try:
            return 200, _json(value), _JSON, {}
        except (TypeError, ValueError) as error:
            log(f"{what} handler answer is not JSON: {error}", "error")
            return _error(500, "INTERNAL_ERROR", f"the {what} handler returned a value that is not JSON: {error}")

    def _crashed(self, what: str, error: Exception) -> Answer:
        # The traceback is for the operator's log only, never for the wire.
        log_exception(f"the {what} handler failed: {type(error).__name__}: {str(error)[:200]}")
        return _error(500, "RUNTIME_ERROR", f"the {what} handler failed: {type(error).__name__}: {str(error)[:200]}")


def run(module: Module, *, announce: bool = True, handle_signals: bool = True,
        max_body_bytes: int = MAX_BODY_BYTES, shutdown_grace: float = 1.0) -> NoReturn:
    """Serve ``module`` until stdin closes or SIGTERM/SIGINT arrives, then exit.

    ``announce`` and ``handle_signals`` exist for misbehaving test fixtures; real modules keep
    the defaults. ``shutdown_grace`` bounds how long requests in progress may finish at SIGTERM.
    """
    if sys.version_info < (3, 10):
        sys.stderr.write(f"orbiplex_sdk needs Python >= 3.10; {sys.executable} is {sys.version.split()[0]}\n")
        raise SystemExit(2)
    set_name(module.module_id)
    install_excepthook()
    configured = os.environ.get("ORBIPLEX_MODULE_ID")
    if configured and configured != module.module_id:
        log(f"the host expects module_id {configured!r} but module.json says {module.module_id!r}", "warn")
    try:
        config = _Config(max_body_bytes)
    except _StartupError as error:
        log(str(error), "error")
        raise SystemExit(2) from None
    server = _Server(module, config, announce, handle_signals, shutdown_grace)
    code = asyncio.run(server.serve())
    if server.host_gone:
        stop_process_group()
    sys.stderr.flush()
    raise SystemExit(code)
