"""W3C trace context: the host's ``traceparent`` for the request being handled.

The host sends ``traceparent`` on every invoke and ``TRACEPARENT`` in the environment at spawn; a
ContextVar keeps the one of the request in flight (each connection runs in its own asyncio task),
so log lines and handlers see the trace of the call they serve.
"""
from __future__ import annotations

import contextvars
import os
import re

_PATTERN = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


def _valid(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().lower()
    match = _PATTERN.match(value)
    return value if match and match.group(1) != "0" * 32 and match.group(2) != "0" * 16 else None


#: The traceparent of the request in flight; at start, the one the host spawned us under.
current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "orbiplex_traceparent", default=_valid(os.environ.get("TRACEPARENT")))


def set_current(value: str | None) -> contextvars.Token:
    """Make ``value`` (a header, possibly missing or malformed) the current traceparent."""
    return current.set(_valid(value))


def traceparent() -> str | None:
    """The current ``traceparent`` header value, or None."""
    return current.get()


def trace_id() -> str | None:
    """The current trace id (32 hex digits), or None."""
    value = current.get()
    return None if value is None else value.split("-")[1]
