"""Dator's own validation helpers; the shared ones (``Problems``, ``is_int``, ``parse_duration``)
come from ``orbiplex_sdk.checks``."""
from __future__ import annotations


def format_duration(millis: int) -> str:
    """Milliseconds as the host writes durations: the largest exact unit (``"10min"``, ``"1500ms"``)."""
    for unit, size in (("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if millis > 0 and millis % size == 0:
            return f"{millis // size}{unit}"
    return f"{millis}ms"
