"""Greeter: the smallest useful module outside the repository (docs/writing-modules.md).

On `service.execute` it proposes a rewrite of `response.summary` that greets the order's service
type with the `greeting` from its settings. It imports the SDK with a plain import: the host puts
the bundled SDK's folder on PYTHONPATH, so nothing here knows where the repository is.
"""
from orbiplex_sdk import Module, ModuleError, decisions, run


def init(body: dict, ctx) -> dict:
    """Refuse settings that would make every answer wrong, before the first envelope arrives."""
    greeting = ctx.settings.get("greeting", "hello")
    if not isinstance(greeting, str) or greeting == "":
        raise ModuleError("TYPE_ERROR", "settings.greeting must be a non-empty string", {"got": greeting})
    ctx.log(f"ready to greet with {greeting!r}", "info")
    return {}


def invoke(envelope: dict, ctx) -> dict:
    """Greet the order's service type in the response summary; leave other hooks alone."""
    if envelope["hook"] != "service.execute":
        return decisions.allow("greeter only shapes service.execute")
    service_type = envelope["payload"]["order"]["service_type"]
    greeting = ctx.settings.get("greeting", "hello")
    ctx.log(f"greeting order {envelope['payload']['order']['order_id']}", "debug")
    return decisions.rewrite({"response": {"summary": f"{greeting}, {service_type}"}}, "greeter: signed the response")


if __name__ == "__main__":
    run(Module.from_json(__file__, invoke=invoke, init=init))
