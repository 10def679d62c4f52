"""What the SDK calls: ``init`` checks Arca's settings, ``invoke`` answers ``workflow.event``."""
from __future__ import annotations

from orbiplex_sdk import ModuleError, decisions
from orbiplex_sdk.checks import Problems

from . import engine
from .template import DEFAULT_TIMEOUT_MS, Retry, retry_policy

#: The hook Arca answers; any other hook gets ``defer``.
HOOKS = ("workflow.event",)
_SETTINGS_KEYS = ("default_retry", "default_timeout", "default_timeout_ms")


def defaults_of(ctx) -> tuple[Retry, int]:
    """(default retry policy, default timeout) from the module settings; ModuleError if they are wrong."""
    settings = ctx.settings
    problems = Problems()
    problems.unknown_keys(settings, _SETTINGS_KEYS, "settings")
    retry = retry_policy(settings.get("default_retry"), "settings.default_retry", problems, Retry())
    timeout = problems.duration_field(settings, "default_timeout", "settings", default_ms=DEFAULT_TIMEOUT_MS)
    if problems:
        raise ModuleError("TYPE_ERROR", f"the Arca settings are invalid: {problems.text()}; fix the module entry's "
                          '"settings" in the node config (see docs/modules.md, "Arca settings")',
                          {"problems": problems.items})
    return retry, timeout or DEFAULT_TIMEOUT_MS


def init(body: dict, ctx) -> dict:
    """Refuses init (the host marks the module failed, with this message) when the settings are wrong."""
    retry, timeout = defaults_of(ctx)
    return {"workflow_formats": {"template": "arca-workflow-template.v1", "state": "arca-workflow-state.v1"},
            "defaults": {"max_attempts": retry.max_attempts, "timeout_ms": timeout}}


def invoke(envelope: dict, ctx) -> dict:
    """One move of the workflow in the envelope; see docs/modules.md, "workflow.event"."""
    if envelope["hook"] not in HOOKS:
        return decisions.defer(f"Orbiplex Arca handles workflow.event, not {envelope['hook']!r}; "
                               "remove this hook from its module entry")
    retry, timeout = defaults_of(ctx)
    return engine.advance(envelope["payload"], envelope.get("intent_results") or [], default_retry=retry,
                          default_timeout_ms=timeout)
