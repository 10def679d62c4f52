"""Builders for `middleware-decision.v1` answers (CONTRACTS §2.2).

Every builder returns a plain dict ready to be returned from an invoke handler::

    decisions.allow("nothing to do")
    decisions.annotate({"lang": "pl"}, "detected language")
    decisions.rewrite({"title": "New"}, "normalised the title")
    decisions.reject("the order has no budget")
    decisions.allow("asked for a summary",
                    intents=[decisions.intent("i1", "inquirium.request", {"prompt": "..."})])

The options every builder accepts: ``annotations``, ``patch``, ``route``, ``next_step``,
``diagnostics`` and ``intents``. The module proposes; the host validates everything.
"""
from __future__ import annotations

import re
from typing import Any

SCHEMA_VERSION = "middleware-decision.v1"
#: Every decision kind a module may propose.
KINDS = ("allow", "annotate", "rewrite", "route", "return", "drop", "defer", "reject")
PATCH_STRATEGY = "json_merge_patch"
_CAPABILITY = re.compile(r"^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_-]*$")


def _object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a JSON object (dict), got {type(value).__name__}")
    return value


def intent(intent_id: str, capability: str, input: Any = None) -> dict:
    """A request for a host capability, e.g. ``intent("i1", "inquirium.request", {...})``.

    The host runs it only if the capability is granted to this module in the node config; the
    outcome arrives in the next envelope's ``intent_results`` under the same ``intent_id``.
    """
    if not isinstance(intent_id, str) or not intent_id.strip():
        raise ValueError(f"intent_id must be a non-empty string, got {intent_id!r}")
    if not isinstance(capability, str) or not _CAPABILITY.match(capability):
        raise ValueError(f'capability must look like "<area>.<verb>" (e.g. "inquirium.request"), got {capability!r}')
    return {"intent_id": intent_id, "capability": capability, "input": {} if input is None else input}


def decision(
    kind: str,
    reason: str = "",
    *,
    annotations: dict | None = None,
    patch: dict | None = None,
    route: Any = None,
    next_step: Any = None,
    diagnostics: dict | None = None,
    intents: list | None = None,
) -> dict:
    """The general builder behind the named ones; ``kind`` is one of `KINDS`."""
    if kind not in KINDS:
        raise ValueError(f"decision must be one of {', '.join(KINDS)}; got {kind!r}")
    if not isinstance(reason, str):
        raise TypeError(f"reason must be a string, got {type(reason).__name__}")
    out: dict = {"schema_version": SCHEMA_VERSION, "decision": kind, "reason": reason}
    if annotations is not None:
        out["annotations"] = _object(annotations, "annotations")
    if patch is not None:
        out["patch_strategy"] = PATCH_STRATEGY
        out["patch"] = _object(patch, "patch")
    if route is not None:
        out["route"] = route
    if next_step is not None:
        out["next_step"] = next_step
    if diagnostics is not None:
        out["diagnostics"] = _object(diagnostics, "diagnostics")
    if intents:
        for item in intents:
            _object(item, "each intent")
            intent(item.get("intent_id"), item.get("capability"), item.get("input"))
        out["intents"] = list(intents)
    return out


def allow(reason: str = "", **options: Any) -> dict:
    """Done with my concern: continue the chain."""
    return decision("allow", reason, **options)


def annotate(annotations: dict, reason: str = "", **options: Any) -> dict:
    """Continue, adding host-visible annotations."""
    return decision("annotate", reason, annotations=_object(annotations, "annotations"), **options)


def rewrite(patch: dict, reason: str = "", **options: Any) -> dict:
    """Continue with the payload changed by ``patch`` (an RFC 7396 JSON merge patch)."""
    return decision("rewrite", reason, patch=_object(patch, "patch"), **options)


def route(target: Any, reason: str = "", **options: Any) -> dict:
    """Choose an explicit target, where the hook has one."""
    if target is None:
        raise ValueError("route needs a target")
    return decision("route", reason, route=target, **options)


def return_(patch: dict | None = None, reason: str = "", **options: Any) -> dict:
    """Stop the chain and answer with the payload, patched by ``patch`` if given."""
    return decision("return", reason, patch=patch, **options)


def drop(reason: str = "", **options: Any) -> dict:
    """Stop the chain with no answer."""
    return decision("drop", reason, **options)


def defer(reason: str = "", **options: Any) -> dict:
    """No opinion: the next executor decides."""
    return decision("defer", reason, **options)


def reject(reason: str, **options: Any) -> dict:
    """Stop the chain with an explicit error; ``reason`` is what the caller and operators see."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("reject needs a non-empty reason")
    return decision("reject", reason, **options)
