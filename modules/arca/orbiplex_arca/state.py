"""The workflow state (``arca-workflow-state.v1``): created, checked against the template, and
changed by intent results. Arca keeps no state of its own: this document travels in every
envelope, and the host persists it (docs/modules.md, "Workflow state")."""
from __future__ import annotations

from orbiplex_sdk.checks import Problems, is_int

from .patch import without_nulls
from .template import Step, Workflow

STATE_FORMAT = "arca-workflow-state.v1"
STATUSES = ("running", "completed", "failed")
PHASE_STATUSES = ("pending", "running", "done", "failed")
STEP_STATUSES = ("pending", "running", "done", "failed")


def initial(workflow: Workflow, now: int) -> dict:
    """A fresh state: every phase and step pending, the clock started."""
    steps = {}
    for step in workflow.steps:
        entry: dict = {"phase_id": step.phase_id, "kind": step.kind, "status": "pending", "attempts": 0}
        if step.terms() is not None:
            entry["terms"] = step.terms()
        steps[step.step_id] = entry
    return {"format": STATE_FORMAT, "status": "running", "started_at_ms": now,
            "deadline_at_ms": now + workflow.timeout_ms, "updated_at_ms": now,
            "current_phase": workflow.phases[0].phase_id,
            "phases": {p.phase_id: {"status": "pending"} for p in workflow.phases}, "steps": steps}


def check(state: dict, workflow: Workflow) -> Problems:
    """Problems of a state that does not belong to this workflow's template (or is malformed)."""
    problems = Problems()
    where = "payload.workflow.state"
    if state.get("format") != STATE_FORMAT:
        problems.add(f"{where}.format", f'"{STATE_FORMAT}"', state.get("format"))
    if state.get("status") not in STATUSES:
        problems.add(f"{where}.status", f"one of {', '.join(STATUSES)}", state.get("status"))
    for key in ("started_at_ms", "deadline_at_ms"):
        problems.int_field(state, key, where)
    phases, steps = state.get("phases"), state.get("steps")
    if not isinstance(phases, dict) or set(phases) != {p.phase_id for p in workflow.phases}:
        problems.add(f"{where}.phases", "an entry for each phase of the template, and no other",
                     sorted(phases) if isinstance(phases, dict) else phases)
    else:
        for phase_id, entry in phases.items():
            if not isinstance(entry, dict) or entry.get("status") not in PHASE_STATUSES:
                problems.add(f"{where}.phases.{phase_id}.status", f"one of {', '.join(PHASE_STATUSES)}",
                             entry.get("status") if isinstance(entry, dict) else entry)
    if not isinstance(steps, dict) or set(steps) != {s.step_id for s in workflow.steps}:
        problems.add(f"{where}.steps", "an entry for each step of the template, and no other",
                     sorted(steps) if isinstance(steps, dict) else steps)
    else:
        for step_id, entry in steps.items():
            path = f"{where}.steps.{step_id}"
            if not isinstance(entry, dict) or entry.get("status") not in STEP_STATUSES:
                problems.add(f"{path}.status", f"one of {', '.join(STEP_STATUSES)}",
                             entry.get("status") if isinstance(entry, dict) else entry)
                continue
            if not is_int(entry.get("attempts")) or entry["attempts"] < 0:
                problems.add(f"{path}.attempts", "an integer >= 0", entry.get("attempts"))
            if entry["status"] == "running" and not isinstance(entry.get("intent_id"), str):
                problems.add(f"{path}.intent_id", "the intent id of the attempt in flight", entry.get("intent_id"))
    if state.get("status") == "running" and workflow.phase_index(str(state.get("current_phase"))) < 0:
        problems.add(f"{where}.current_phase", "the id of a phase of the template", state.get("current_phase"))
    return problems


def outputs(state: dict) -> dict:
    """The outputs of done steps, by step id (what ``$steps.<id>`` references read)."""
    return {step_id: entry.get("output", {}) for step_id, entry in state["steps"].items()
            if entry.get("status") == "done"}


def step_intent_id(step_id: str, attempt: int) -> str:
    """An attempt's intent id: unique within the workflow, the host's idempotency key."""
    return f"{step_id}#{attempt}"


def attempt_outcome(step: Step, result: dict) -> tuple[object | None, str | None]:
    """(output, None) for a successful attempt, (None, error) for a failed one."""
    status = result.get("status")
    body = result.get("result")
    if status != "ok":
        return None, f"{step.capability} {status or 'failed'}: {result.get('error') or 'no error text from the host'}"
    if step.kind == "remote-paid":
        if not isinstance(body, dict):
            return None, "procurement.order answered ok without a result object"
        outcome = body.get("outcome")
        if outcome == "completed" and isinstance(body.get("response"), dict):
            return without_nulls(body["response"]), None
        if outcome == "completed":
            return None, "procurement.order completed without a response object"
        reason = body.get("reason") or "unknown-reason"
        message = body.get("message")
        return None, f"order {outcome or 'not completed'}: {reason}" + (f" ({message})" if message else "")
    return without_nulls(body) if body is not None else {}, None
