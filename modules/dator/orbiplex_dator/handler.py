"""What the SDK calls: ``init`` checks the provider profile, ``invoke`` routes by hook."""
from __future__ import annotations

from orbiplex_sdk import ModuleError, decisions

from . import execution, offers
from .profile import Profile, ProfileError, parse

#: The hooks Dator answers; any other hook gets ``defer``.
HOOKS = ("service.publish", "service.execute")


def profile_of(ctx) -> Profile:
    """The provider profile from the init's ``module_settings`` (identity defaults to the executor id)."""
    try:
        return parse(ctx.settings, ctx.executor_id or "dator")
    except ProfileError as error:
        raise ModuleError("TYPE_ERROR", str(error), {"problems": error.problems.items}) from None


def init(body: dict, ctx) -> dict:
    """Refuses init (the host marks the module failed, with this message) when the settings are wrong."""
    profile = profile_of(ctx)
    if not profile.services:
        ctx.log(f"profile {profile.identity!r} offers no services: add settings.services to publish offers", "warn")
    return {"profile": profile.summary()}


def invoke(envelope: dict, ctx) -> dict:
    """One decision per envelope; see docs/modules.md for each hook's protocol."""
    profile = profile_of(ctx)
    hook = envelope["hook"]
    if hook == "service.publish":
        return offers.shape(envelope["payload"], profile)
    if hook == "service.execute":
        return execution.execute(envelope, profile, ctx.module.info["module_version"])
    return decisions.defer(f"Orbiplex Dator handles {', '.join(HOOKS)}, not {hook!r}; "
                           "remove this hook from its module entry")
