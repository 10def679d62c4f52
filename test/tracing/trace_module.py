"""A middleware module for the tracing test: allows every envelope and reports, in its decision's
diagnostics, the trace context the SDK handed it (the request's traceparent, and TRACEPARENT from
its environment at spawn). Logs one line per call, which carries the trace id."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "modules", "sdk", "python"))
from orbiplex_sdk import Module, decisions, log, run  # noqa: E402

SPAWNED_UNDER = os.environ.get("TRACEPARENT")


async def invoke(envelope, ctx):
    log(f"invoked for {envelope.get('correlation_id')}")
    return decisions.allow("traced", diagnostics={
        "traceparent": ctx.traceparent, "trace_id": ctx.trace_id, "spawned_under": SPAWNED_UNDER})


def main():
    run(Module(
        os.environ.get("FIXTURE_MODULE_ID", "fixture-traced"), module_name="Traced fixture", description="tracing test module",
        module_version="0.0.1",
        capabilities=[{"capability_id": "fixture/traced", "class": "other", "description": "test fixture"}],
        hooks=[], invoke=invoke,
    ))


if __name__ == "__main__":
    main()
