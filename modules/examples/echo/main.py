"""Echo: a complete Orbiplex middleware module.

Every envelope is answered with `annotate` and an {"echo": {...}} annotation of what arrived;
a payload holding {"rewrite": {...}} is answered with `rewrite` and that merge patch instead.
"""
import os
import sys

try:
    from orbiplex_sdk import Module, decisions, run
except ImportError:  # run from source: the SDK lives in modules/sdk/python (a .pyz bundles it)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sdk", "python"))
    from orbiplex_sdk import Module, decisions, run


def invoke(envelope: dict, ctx) -> dict:
    """Annotate with what was received, or propose the rewrite the payload asks for."""
    payload = envelope["payload"]
    patch = payload.get("rewrite")
    if isinstance(patch, dict):
        return decisions.rewrite(patch, "echo: the payload asked for this rewrite")
    seen = {
        "hook": envelope["hook"],
        "envelope_id": envelope.get("envelope_id"),
        "correlation_id": envelope.get("correlation_id"),
        "payload_keys": sorted(payload),
        "intent_results": [result.get("intent_id") for result in envelope.get("intent_results") or []],
        "invocation": ctx.invocations,
    }
    return decisions.annotate({"echo": seen}, "echo: what I received")


if __name__ == "__main__":
    run(Module.from_json(__file__, invoke=invoke))
