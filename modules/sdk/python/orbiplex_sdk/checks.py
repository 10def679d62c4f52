"""Validation helpers for a module's settings and payloads: every problem is collected with the path
of the field, what was expected and what arrived, so one answer lists them all (the host and
operators fix them in one pass). Shared by the bundled modules (Dator, Arca)."""
from __future__ import annotations

import json
import re
from typing import Any

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)\s*$")
_UNITS = {"ms": 1, "s": 1000, "sec": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000}
_MISSING = object()


def parse_duration(text: Any) -> int | None:
    """``"250ms"``, ``"2s"``, ``"5min"``, ``"1h"`` to milliseconds (the host's format); None if not one."""
    if not isinstance(text, str):
        return None
    match = _DURATION.match(text)
    if match is None:
        return None
    return round(float(match.group(1)) * _UNITS[match.group(2)])


def is_int(value: Any) -> bool:
    """A JSON integer (booleans excluded)."""
    return isinstance(value, int) and not isinstance(value, bool)


def shown(value: Any) -> str:
    """A short JSON rendering of a value for messages."""
    if value is _MISSING:
        return "nothing"
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Problems:
    """Problems found in one document, in the order found."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, path: str, expected: str, got: Any = _MISSING) -> None:
        """Records that ``path`` should have been ``expected`` but held ``got``."""
        self.items.append({"path": path, "expected": expected, "got": shown(got)})

    def __bool__(self) -> bool:
        return bool(self.items)

    def text(self, limit: int = 6) -> str:
        """One line naming the first ``limit`` problems."""
        parts = [f"{p['path']}: expected {p['expected']}, got {p['got']}" for p in self.items[:limit]]
        more = len(self.items) - limit
        return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")

    # Typed readers: each returns the value (the default when the key is absent and a default is
    # given) and records a problem when the value is wrong or a required key is absent.
    def _get(self, obj: dict, key: str, path: str, expected: str, default: Any) -> Any:
        if key in obj:
            return obj[key]
        if default is _MISSING:
            self.add(f"{path}.{key}", expected)
        return _MISSING

    def text_field(self, obj: dict, key: str, path: str, *, default: Any = _MISSING) -> Any:
        """A non-empty string."""
        value = self._get(obj, key, path, "a non-empty string", default)
        if value is _MISSING:
            return None if default is _MISSING else default
        if not isinstance(value, str) or not value.strip():
            self.add(f"{path}.{key}", "a non-empty string", value)
            return None
        return value

    def int_field(self, obj: dict, key: str, path: str, *, minimum: int = 0, default: Any = _MISSING,
                  expected: str = "") -> Any:
        """An integer >= ``minimum``."""
        wanted = expected or f"an integer >= {minimum}"
        value = self._get(obj, key, path, wanted, default)
        if value is _MISSING:
            return None if default is _MISSING else default
        if not is_int(value) or value < minimum:
            self.add(f"{path}.{key}", wanted, value)
            return None
        return value

    def object_field(self, obj: dict, key: str, path: str, *, default: Any = _MISSING) -> Any:
        """A JSON object."""
        value = self._get(obj, key, path, "a JSON object", default)
        if value is _MISSING:
            return None if default is _MISSING else default
        if not isinstance(value, dict):
            self.add(f"{path}.{key}", "a JSON object", value)
            return None
        return value

    def duration_field(self, obj: dict, key: str, path: str, *, default_ms: int | None = None) -> int | None:
        """``key`` as a duration string (``"10min"``) or ``<key>_ms`` as integer milliseconds."""
        if key in obj and f"{key}_ms" in obj:
            self.add(f"{path}.{key}", f'either "{key}" or "{key}_ms", not both', obj[key])
            return None
        if f"{key}_ms" in obj:
            return self.int_field(obj, f"{key}_ms", path, minimum=0)
        if key not in obj:
            if default_ms is None:
                self.add(f"{path}.{key}", 'a duration such as "30s" or "10min"')
            return default_ms
        millis = parse_duration(obj[key])
        if millis is None:
            self.add(f"{path}.{key}", 'a duration such as "250ms", "30s", "10min" or "1h"', obj[key])
        return millis

    def unknown_keys(self, obj: dict, allowed: tuple[str, ...], path: str) -> None:
        """Flags keys outside ``allowed`` (typos in operator config would otherwise be ignored)."""
        for key in obj:
            if key not in allowed:
                self.add(f"{path}.{key}", f"one of the known keys ({', '.join(allowed)})", obj[key])
