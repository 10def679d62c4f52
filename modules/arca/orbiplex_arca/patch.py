"""RFC 7396 JSON merge patches: the smallest patch from one state to the next, and applying one.

Arca answers with the *change* of the workflow state, not the whole state, so a move of a large
workflow stays small on the wire and the host's field registry sees exactly what changed.
"""
from __future__ import annotations

import copy
from typing import Any


def without_nulls(value: Any) -> Any:
    """``value`` with every null object member removed (a merge patch cannot write a null)."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def diff(old: dict, new: dict) -> dict:
    """The merge patch that turns ``old`` into ``new`` (``new`` must hold no null members)."""
    out: dict = {}
    for key in old:
        if key not in new:
            out[key] = None
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            inner = diff(before, value)
            if inner:
                out[key] = inner
        elif key not in old or before != value:
            out[key] = copy.deepcopy(value)
    return out


def apply(target: Any, patch: Any) -> Any:
    """RFC 7396 ``MergePatch(target, patch)``; returns a new value."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = apply(out.get(key), value)
    return out
