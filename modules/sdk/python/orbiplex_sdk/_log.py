"""One-line logs on stderr: stdout carries nothing but the announcement."""
from __future__ import annotations

import os
import sys
import time

from . import _trace

_LEVELS = {"debug": 10, "info": 20, "warn": 30, "warning": 30, "error": 40}
_state = {"name": os.environ.get("ORBIPLEX_MODULE_ID", "module")}


def set_name(name: str) -> None:
    """Name the module in every later log line."""
    _state["name"] = name


def log(message: str, level: str = "info") -> None:
    """Write one log line to stderr (``level``: debug, info, warn, error; ORBIPLEX_LOG_LEVEL filters)."""
    threshold = _LEVELS.get(os.environ.get("ORBIPLEX_LOG_LEVEL", "info").lower(), 20)
    if _LEVELS.get(level, 20) < threshold:
        return
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    text = str(message).replace("\r", "\\r").replace("\n", "\\n")
    trace = _trace.trace_id()
    # The trace id ties a line to the host's span of the call (see the node's tracing section).
    traced = "" if trace is None else f" trace={trace}"
    try:
        sys.stderr.write(f"{stamp}Z {level.upper()} {_state['name']}[{os.getpid()}]{traced} {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        # The host that read our stderr is gone (EPIPE): logging must never stop the shutdown
        # that follows, so later lines go nowhere.
        silence()


def silence() -> None:
    """Send stdout and stderr to /dev/null (their reader, the host, has gone)."""
    null = open(os.devnull, "w")
    for fd in (1, 2):
        try:
            os.dup2(null.fileno(), fd)
        except OSError:
            pass
    sys.stdout = sys.stderr = null
