"""Logs on stderr (stdout carries nothing but the announcement), one entry per line:

    2026-12-07T05:00:00.123Z INFO orbiplex-dator[4242] listening on 127.0.0.1:40411

UTC with milliseconds, the level (DEBUG, INFO, WARN, ERROR), the module id and pid, the message.
Further lines of a message (a traceback) follow, each after one tab, so the host keeps the entry
whole and no message can forge a line of its own.
"""
from __future__ import annotations

import os
import sys
import threading
import time
import traceback

from . import _trace

_LEVELS = {"debug": 10, "info": 20, "warn": 30, "warning": 30, "error": 40}
_state = {"name": os.environ.get("ORBIPLEX_MODULE_ID", "module")}


def set_name(name: str) -> None:
    """Name the module in every later log line."""
    _state["name"] = name


def _label(level: str) -> str:
    return "WARN" if level.lower() in ("warn", "warning") else level.upper()


def log_exception(message: str, level: str = "error") -> None:
    """Log ``message`` with the traceback being handled, as one entry."""
    log(f"{message}\n{traceback.format_exc().rstrip()}", level)


def install_excepthook() -> None:
    """Log uncaught exceptions (main thread and others) as one entry each, in the same format."""
    def hook(kind, value, tb) -> None:
        log("uncaught exception\n" + "".join(traceback.format_exception(kind, value, tb)).rstrip(), "error")

    sys.excepthook = hook
    threading.excepthook = lambda args: hook(args.exc_type, args.exc_value, args.exc_traceback)


def log(message: str, level: str = "info") -> None:
    """Write one log line to stderr (``level``: debug, info, warn, error; ORBIPLEX_LOG_LEVEL filters)."""
    threshold = _LEVELS.get(os.environ.get("ORBIPLEX_LOG_LEVEL", "info").lower(), 20)
    if _LEVELS.get(level, 20) < threshold:
        return
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
    first, *rest = str(message).replace("\r", "\\r").split("\n")
    text = "".join([first, *(f"\n\t{line}" for line in rest)])
    trace = _trace.trace_id()
    # The trace id ties a line to the host's span of the call (see the node's tracing section).
    traced = "" if trace is None else f" trace={trace}"
    try:
        sys.stderr.write(f"{stamp} {_label(level)} {_state['name']}[{os.getpid()}]{traced} {text}\n")
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
