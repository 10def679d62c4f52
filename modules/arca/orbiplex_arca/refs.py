"""References in step inputs: ``"$steps.<step_id>.<key>..."`` and ``"$params.<name>.<key>..."``.

A string value of exactly that form is replaced by the value it names (a numeric key indexes a
list); ``"$$..."`` stands for a literal string starting with ``$``. References are data flow only:
the economic fields of a step (provider, service type, price, currency) are literals, never these.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

_REF = re.compile(r"^\$(steps|params)\.([A-Za-z0-9][A-Za-z0-9_-]*)((?:\.[^.]+)*)$")


class Unresolvable(Exception):
    """A reference names nothing in the outputs or params; ``text`` is the reference."""

    def __init__(self, text: str, why: str) -> None:
        super().__init__(f"input reference {text!r} cannot be resolved: {why}")
        self.text = text


def parse(text: str) -> tuple[str, str, list[str]] | None:
    """``(root, name, keys)`` of a reference, or None when ``text`` is not a well-formed one."""
    match = _REF.match(text)
    if match is None:
        return None
    keys = match.group(3)[1:].split(".") if match.group(3) else []
    return match.group(1), match.group(2), keys


def is_reference(value: Any) -> bool:
    """A string that must be a reference (starts with one ``$``)."""
    return isinstance(value, str) and value.startswith("$") and not value.startswith("$$")


def references(value: Any) -> Iterator[str]:
    """Every reference string inside ``value``, depth first."""
    if is_reference(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def _walk(value: Any, keys: list[str], text: str) -> Any:
    for key in keys:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            raise Unresolvable(text, f"there is no {key!r} there")
    return value


def resolve(value: Any, outputs: dict, params: dict) -> Any:
    """``value`` with every reference replaced; raises Unresolvable for one that names nothing."""
    if isinstance(value, str):
        if value.startswith("$$"):
            return value[1:]
        if not value.startswith("$"):
            return value
        parsed = parse(value)
        if parsed is None:
            raise Unresolvable(value, "it is not $steps.<step>[.<key>...] or $params.<name>[.<key>...]")
        root, name, keys = parsed
        if root == "params":
            if name not in params:
                raise Unresolvable(value, f"the workflow has no param {name!r}")
            return _walk(params[name], keys, value)
        if name not in outputs:
            raise Unresolvable(value, f"step {name!r} has no output (it is not done)")
        return _walk(outputs[name], keys, value)
    if isinstance(value, dict):
        return {key: resolve(item, outputs, params) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, outputs, params) for item in value]
    return value
