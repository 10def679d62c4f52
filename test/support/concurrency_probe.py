"""Runs the fixture module with its invoke handler wrapped to count calls in progress.

Each answer's annotations gain "in_flight" (calls in progress when this one started, itself
included) and "peak" (the most ever in progress), so a test reads the module's own view of how
many calls the host let through at once. Arguments after the script are ignored (run markers).
"""
import os
import runpy

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "fixture_module.py")

namespace = runpy.run_path(FIXTURE, run_name="fixture_module")
fixture_globals = namespace["main"].__globals__
original = fixture_globals["invoke"]
counts = {"now": 0, "peak": 0}


async def counted_invoke(envelope, ctx):
    counts["now"] += 1
    counts["peak"] = max(counts["peak"], counts["now"])
    started_with = counts["now"]
    try:
        answer = await original(envelope, ctx)
    finally:
        counts["now"] -= 1
    if isinstance(answer, dict) and isinstance(answer.get("annotations"), dict):
        answer["annotations"].update({"in_flight": started_with, "peak": counts["peak"]})
    return answer


# main() looks `invoke` up in the fixture's globals when it builds the Module.
fixture_globals["invoke"] = counted_invoke
fixture_globals["main"]()
