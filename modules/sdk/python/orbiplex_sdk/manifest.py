"""`module.json`: the one source of a module's identity and version metadata.

Format::

    {"module_id": "orbiplex-echo", "module_name": "Orbiplex Echo", "description": "...",
     "module_version": "0.1.0", "middleware_contract_version": "1.0", "host_api_version": "1.0",
     "capabilities": [{"capability_id": "echo/annotate", "class": "other", "description": "..."}],
     "hooks": ["service.execute"], "entry": "main.py"}

``module_id``, ``module_name`` and ``module_version`` are required; the rest has defaults.
Other keys are kept for the module's own use. The same validator serves the SDK at run time and
``modules/build.py`` at build time, and reading works from source folders and from zipapps.
"""
from __future__ import annotations

import importlib.resources
import json
import os
import re
import zipfile
from typing import Any

FILE_NAME = "module.json"
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?([-+].*)?$")


class ManifestError(ValueError):
    """A module.json that cannot be used; the message names the file, the field and the fix."""


def _fail(where: str, field: str, expected: str, value: Any) -> ManifestError:
    shown = json.dumps(value)[:80] if value is not None else "nothing"
    return ManifestError(f'{where}: field "{field}" must be {expected}, got {shown}; fix the file and retry')


def _text(data: dict, where: str, field: str, *, required: bool, default: str = "", label: str = "") -> str:
    value = data.get(field, None if required else default)
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(where, label or field, "a non-empty string" if required else "a string", value)
    return value


def _version(data: dict, where: str, field: str, default: str | None) -> str:
    value = data.get(field, default)
    if not isinstance(value, str) or not _VERSION.match(value):
        raise _fail(where, field, 'a version such as "1.0" or "0.1.0"', value)
    return value


def validate(data: Any, where: str = FILE_NAME) -> dict:
    """Check a parsed module.json and return it with defaults filled in; raises ManifestError."""
    if not isinstance(data, dict):
        raise ManifestError(f"{where}: must hold a JSON object, got {type(data).__name__}")
    out = dict(data)
    out["module_id"] = _text(data, where, "module_id", required=True)
    out["module_name"] = _text(data, where, "module_name", required=True)
    out["description"] = _text(data, where, "description", required=False)
    out["module_version"] = _version(data, where, "module_version", None)
    out["middleware_contract_version"] = _version(data, where, "middleware_contract_version", "1.0")
    out["host_api_version"] = _version(data, where, "host_api_version", "1.0")
    capabilities = data.get("capabilities", [])
    if not isinstance(capabilities, list):
        raise _fail(where, "capabilities", "a list of objects", capabilities)
    out["capabilities"] = []
    for index, cap in enumerate(capabilities):
        name = f"capabilities[{index}]"
        if not isinstance(cap, dict):
            raise _fail(where, name, 'an object {"capability_id", "class", "description"}', cap)
        out["capabilities"].append({
            **cap,
            "capability_id": _text(cap, where, "capability_id", required=True, label=f"{name}.capability_id"),
            "class": _text(cap, where, "class", required=True, default="other", label=f"{name}.class")
            if "class" in cap else "other",
            "description": _text(cap, where, "description", required=False, label=f"{name}.description"),
        })
    hooks = data.get("hooks", [])
    if not isinstance(hooks, list) or not all(isinstance(h, str) and h.strip() for h in hooks):
        raise _fail(where, "hooks", 'a list of hook names such as ["service.execute"]', hooks)
    if len(set(hooks)) != len(hooks):
        raise _fail(where, "hooks", "a list without duplicates", hooks)
    out["hooks"] = list(hooks)
    entry = data.get("entry", "main.py")
    parts = entry.replace("\\", "/").split("/") if isinstance(entry, str) else []
    if not entry or not isinstance(entry, str) or not entry.endswith(".py") or entry.startswith("/") \
            or ".." in parts or not all(p.isidentifier() for p in [*parts[:-1], parts[-1][:-3]]):
        raise _fail(where, "entry", 'a relative path to a .py file such as "main.py"', entry)
    out["entry"] = entry
    return out


def parse(raw: bytes, where: str = FILE_NAME) -> dict:
    """Parse and validate module.json bytes."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"{where}: not valid JSON ({error}); fix the file and retry") from None
    return validate(data, where)


def read_beside(anchor: str, name: str = FILE_NAME) -> tuple[bytes, str]:
    """Read the file ``name`` next to ``anchor`` (a ``__file__``, a folder or a package name).

    Works for plain folders and for files inside a zipapp, where ``__file__`` looks like
    ``/abs/echo.pyz/main.py`` and no plain ``open`` can reach it. Returns (bytes, where).
    """
    if os.sep not in anchor and "/" not in anchor and not anchor.endswith(".py") and not os.path.exists(anchor):
        resource = importlib.resources.files(anchor).joinpath(name)
        return resource.read_bytes(), f"{name} of package {anchor}"
    anchor = os.path.abspath(anchor)
    folder = anchor if os.path.isdir(anchor) else os.path.dirname(anchor)
    path = os.path.join(folder, name)
    if os.path.isfile(path):
        with open(path, "rb") as handle:
            return handle.read(), path
    archive = folder
    while archive and not os.path.exists(archive):
        parent = os.path.dirname(archive)
        if parent == archive:
            break
        archive = parent
    if os.path.isfile(archive) and zipfile.is_zipfile(archive):
        inner = os.path.relpath(path, archive).replace(os.sep, "/")
        with zipfile.ZipFile(archive) as bundle:
            try:
                return bundle.read(inner), f"{archive}/{inner}"
            except KeyError:
                pass
    raise ManifestError(f"{path}: not found; a module needs its {name} beside its entry file")


def load(anchor: str) -> dict:
    """Read and validate the module.json beside ``anchor`` (see `read_beside`)."""
    raw, where = read_beside(anchor)
    return parse(raw, where)
