"""Provider swaps and price changes: Arca never makes them, it proposes them to the host.

A ``transition-request`` event asks to change a remote step's economic terms. Arca records the
proposal in the state and emits a ``workflow.transition`` intent; the host (operator, buyer policy)
approves or refuses it. Only the host edits the template. Arca then checks, on every move, that
each remote step's terms in the template are the ones it recorded, or the ``to`` of an approved
transition; anything else is an unapproved change and stops the workflow (docs/modules.md).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from orbiplex_sdk.checks import Problems

from .template import TERM_KEYS, Workflow, is_valid_price

if TYPE_CHECKING:
    from .engine import Move

CAPABILITY = "workflow.transition"
_TRANSITION_KEYS = ("transition_id", "step_id", "change", "reason", "requested_by")


def intent_id_for(transition_id: str) -> str:
    """The intent id of a transition proposal."""
    return f"transition:{transition_id}"


def _validate(raw: object, workflow: Workflow) -> tuple[dict | None, Problems]:
    problems = Problems()
    where = "payload.event.detail"
    if not isinstance(raw, dict):
        problems.add(where, 'a transition {"transition_id", "step_id", "change", "reason"}', raw)
        return None, problems
    problems.unknown_keys(raw, _TRANSITION_KEYS, where)
    problems.text_field(raw, "transition_id", where)
    step_id = problems.text_field(raw, "step_id", where)
    step = workflow.step(step_id) if step_id else None
    if step_id and (step is None or step.kind != "remote-paid"):
        problems.add(f"{where}.step_id", "the id of a remote-paid step of this workflow", step_id)
    change = problems.object_field(raw, "change", where)
    if isinstance(change, dict):
        if not change:
            problems.add(f"{where}.change", f"at least one of {', '.join(TERM_KEYS)}", change)
        for key, value in change.items():
            ok = is_valid_price(value) if key == "price" else isinstance(value, str) and bool(value.strip())
            if key not in TERM_KEYS or not ok:
                problems.add(f"{where}.change.{key}", f"one of {', '.join(TERM_KEYS)} with a valid value", value)
    for key in ("reason", "requested_by"):
        if key in raw and not isinstance(raw[key], str):
            problems.add(f"{where}.{key}", "a string", raw[key])
    return (raw if not problems else None), problems


def request(move: "Move", raw: object) -> None:
    """Handles a ``transition-request`` event: records a proposal (or why there is none)."""
    transition, problems = _validate(raw, move.workflow)
    if transition is None:
        move.note("workflow/transition-invalid", detail=problems.text())
        return
    transition_id = transition["transition_id"]
    transitions = move.state.setdefault("transitions", {})
    if transition_id in transitions:
        return  # the host repeated the event: the proposal already stands
    step_entry = move.state["steps"][transition["step_id"]]
    current = dict(step_entry["terms"])
    record = {"step_id": transition["step_id"], "phase_id": step_entry["phase_id"], "from": current,
              "to": {**current, **transition["change"]}, "reason": transition.get("reason", ""),
              "requested_at_ms": move.now}
    if "requested_by" in transition:
        record["requested_by"] = transition["requested_by"]
    if step_entry["status"] in ("done", "failed"):
        transitions[transition_id] = {**record, "status": "moot"}
        move.note("workflow/transition-moot", step_id=transition["step_id"], transition_id=transition_id,
                  detail=f"step {transition['step_id']!r} is already {step_entry['status']}")
        return
    transitions[transition_id] = {**record, "status": "proposed", "intent_id": intent_id_for(transition_id)}
    move.note("workflow/transition-proposed", step_id=transition["step_id"], transition_id=transition_id,
              detail=f"{_describe(current, record['to'])}; the host must approve it")


def _describe(before: dict, after: dict) -> str:
    return ", ".join(f"{key} {before.get(key)!r} -> {after.get(key)!r}" for key in TERM_KEYS
                     if before.get(key) != after.get(key))


def fold(move: "Move") -> None:
    """Records the host's answers to proposals (approved, or refused with its reason)."""
    for transition_id, record in (move.state.get("transitions") or {}).items():
        if record.get("status") != "proposed":
            continue
        result = move.results.get(record.get("intent_id"))
        if result is None:
            continue
        body = result.get("result") if isinstance(result.get("result"), dict) else {}
        record["decided_at_ms"] = move.now
        if result.get("status") == "ok" and body.get("decision") == "approved":
            record["status"] = "approved"
            move.note("workflow/transition-approved", step_id=record["step_id"], transition_id=transition_id)
        else:
            record["status"] = "refused"
            why = body.get("reason") or result.get("error") or f"intent {result.get('status')}"
            record["refusal"] = str(why)
            move.note("workflow/transition-refused", step_id=record["step_id"], transition_id=transition_id,
                      detail=f"refused ({why}); the step keeps the terms of its template")


def unapproved_change(move: "Move") -> tuple[str, str] | None:
    """(step_id, description) of a remote step whose template terms changed without approval."""
    transitions = move.state.get("transitions") or {}
    for step in move.workflow.steps:
        terms = step.terms()
        entry = move.state["steps"][step.step_id]
        if terms is None or terms == entry.get("terms"):
            continue
        approved = next((tid for tid, t in transitions.items() if t.get("step_id") == step.step_id
                         and t.get("status") == "approved" and t.get("to") == terms), None)
        if approved is None:
            return step.step_id, _describe(entry.get("terms") or {}, terms)
        transitions[approved]["status"] = "applied"
        transitions[approved]["applied_at_ms"] = move.now
        entry["terms"] = terms
        move.note("workflow/transition-applied", step_id=step.step_id, transition_id=approved)
    return None


def held(move: "Move", step_id: str) -> bool:
    """True while a proposal for this step waits for the host's answer (the step is not dispatched)."""
    return any(t.get("step_id") == step_id and t.get("status") == "proposed"
               for t in (move.state.get("transitions") or {}).values())


def pending_intents(move: "Move") -> list[dict]:
    """The ``workflow.transition`` intents still unanswered (proposed again until answered)."""
    intents = []
    for transition_id, record in (move.state.get("transitions") or {}).items():
        if record.get("status") == "proposed":
            intents.append({"intent_id": record["intent_id"], "capability": CAPABILITY, "input": {
                "run_id": move.workflow.run_id, "transition_id": transition_id,
                "step_id": record["step_id"], "phase_id": record["phase_id"], "from": record["from"],
                "to": record["to"], "reason": record.get("reason", ""),
                **({"requested_by": record["requested_by"]} if "requested_by" in record else {})}})
    return intents
