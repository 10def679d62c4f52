"""What a module author writes against: `Module`, the handler `Context`, `Response`, `ModuleError`."""
from __future__ import annotations

import json
import time
from typing import Any, Awaitable, Callable, Union

from . import _trace, manifest
from ._log import log

REPORT_SCHEMA = "middleware-module-report.v1"
_ERROR_STATUS = {"TYPE_ERROR": 400, "TIMEOUT": 504, "RUNTIME_ERROR": 500, "INTERNAL_ERROR": 500}


class ModuleError(Exception):
    """Raise from a handler to answer a CONTRACTS §3.3 error body instead of a decision.

    ``code`` is TYPE_ERROR (400), RUNTIME_ERROR (500), TIMEOUT (504) or INTERNAL_ERROR (500).
    """

    def __init__(self, code: str, message: str, details: dict | None = None) -> None:
        if code not in _ERROR_STATUS:
            raise ValueError(f"code must be one of {', '.join(_ERROR_STATUS)}; got {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.status = _ERROR_STATUS[code]


class Response:
    """A raw HTTP answer a handler may return to bypass the SDK's JSON handling.

    ``body`` may be bytes, str (sent as UTF-8) or any JSON value (serialised).
    """

    def __init__(self, status: int = 200, body: Any = b"", content_type: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        if isinstance(body, bytes):
            self.body, default_type = body, "application/octet-stream"
        elif isinstance(body, str):
            self.body, default_type = body.encode("utf-8"), "text/plain; charset=utf-8"
        else:
            self.body = json.dumps(body, separators=(",", ":"), allow_nan=False).encode("utf-8")
            default_type = "application/json"
        self.status = status
        self.content_type = content_type or default_type
        self.headers = dict(headers or {})


class Context:
    """What handlers see besides their input: init data, readiness, logging, stopping.

    ``ready`` may be set at any time: /readyz answers 503 while it is False.
    """

    def __init__(self, module: "Module") -> None:
        self.module = module
        self.ready = True
        #: The `middleware-init.v1` body, once the host has sent it.
        self.init: dict | None = None
        #: Number of invocations answered so far.
        self.invocations = 0
        self.started_at = time.monotonic()
        self._stop: Callable[[int], None] | None = None

    @property
    def granted_capabilities(self) -> list[str]:
        """Host capabilities this module's intents may use (from init)."""
        return list((self.init or {}).get("granted_capabilities", []))

    @property
    def settings(self) -> dict:
        """The module's own settings from the node config (init's ``module_settings``)."""
        return dict((self.init or {}).get("module_settings") or {})

    @property
    def traceparent(self) -> str | None:
        """The W3C ``traceparent`` of the call being handled (the host's span), or None."""
        return _trace.traceparent()

    @property
    def trace_id(self) -> str | None:
        """The trace id of the call being handled (32 hex digits), or None."""
        return _trace.trace_id()

    @property
    def executor_id(self) -> str | None:
        """The host's executor id for this module (from init)."""
        return (self.init or {}).get("executor_id")

    @property
    def node_id(self) -> str | None:
        """The node this module serves (from init)."""
        return (self.init or {}).get("node_id")

    def log(self, message: str, level: str = "info") -> None:
        """One line to stderr (never stdout)."""
        log(message, level)

    def stop(self, code: int = 0) -> None:
        """Finish the requests in progress (this one included), then exit with ``code``."""
        if self._stop is None:
            raise RuntimeError("the module is not running")
        self._stop(code)


Handler = Callable[..., Union[Any, Awaitable[Any]]]


class Module:
    """A middleware module: identity (as in module.json) plus handlers.

    ``invoke(envelope, ctx)`` returns a decision (see `orbiplex_sdk.decisions`) or a `Response`.
    ``init(init_body, ctx)`` optional; may return a dict of extra report fields.
    ``health(ctx)`` optional; may return a dict merged into /healthz (e.g. ``{"status": "degraded"}``)
    or a `Response`. Handlers may be plain functions or ``async def``; plain ones run on the event
    loop, so anything slow belongs in ``async def`` (e.g. ``await asyncio.to_thread(...)``).
    """

    def __init__(self, module_id: str, *, invoke: Handler, init: Handler | None = None,
                 health: Handler | None = None, module_name: str | None = None, description: str = "",
                 module_version: str = "0.0.0", middleware_contract_version: str = "1.0",
                 host_api_version: str = "1.0", capabilities: list | None = None,
                 hooks: list | None = None, **extra: Any) -> None:
        self.info = manifest.validate({
            **extra, "module_id": module_id, "module_name": module_name or module_id,
            "description": description, "module_version": module_version,
            "middleware_contract_version": middleware_contract_version,
            "host_api_version": host_api_version, "capabilities": capabilities or [], "hooks": hooks or [],
        }, f"module {module_id!r}")
        self.invoke_handler = invoke
        self.init_handler = init
        self.health_handler = health
        self.ctx = Context(self)

    @classmethod
    def from_json(cls, anchor: str, *, invoke: Handler, init: Handler | None = None,
                  health: Handler | None = None, **overrides: Any) -> "Module":
        """Build a module from the module.json beside ``anchor`` (``__file__`` or a package name).

        ``overrides`` replace module.json fields (tests use this; modules should not need it).
        """
        info = {**manifest.load(anchor), **overrides}
        return cls(info.pop("module_id"), invoke=invoke, init=init, health=health, **info)

    @property
    def module_id(self) -> str:
        """The id the host matches against its config."""
        return self.info["module_id"]

    def report(self) -> dict:
        """The `middleware-module-report.v1` answered at init (CONTRACTS §1.5)."""
        keys = ("module_id", "module_name", "description", "module_version", "middleware_contract_version",
                "host_api_version", "capabilities", "hooks")
        return {"schema_version": REPORT_SCHEMA, **{key: self.info[key] for key in keys}}
