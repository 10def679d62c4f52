"""One move of a workflow: given the template, the state, the clock and the intent results, what
happens next. Pure (no I/O, no clock of its own), so a restart of Arca loses nothing.

Every move answers one of:

- ``rewrite``: a merge patch of ``workflow.state`` plus intents (``procurement.order`` for remote steps,
  ``workspace.stage``/``inquirium.request`` for local ones, ``workflow.schedule`` to wait out a
  retry backoff, ``workflow.transition`` for a proposed provider or price change) and the
  ``next_step`` "arca.continue": run them and call again with their results;
- ``rewrite`` with no intents and no ``next_step``: the workflow completed (the patch writes the
  final state; ``workflow.event`` admits no ``return``);
- ``reject``: it stopped (a step failed past its phase's retries, the outer timeout passed, the
  template changed without approval, ...), with a reason naming the phase and the step.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime

from orbiplex_sdk import decisions
from orbiplex_sdk.checks import Problems

from . import refs, state as states, transitions
from .patch import diff
from .template import DEFAULT_TIMEOUT_MS, Retry, Step, Workflow, parse as parse_template

NEXT_STEP = "arca.continue"
SCHEDULE = "workflow.schedule"


class Stop(Exception):
    """The workflow cannot go on: ``code`` is the machine-readable outcome."""

    def __init__(self, code: str, reason: str, phase_id: str | None = None, step_id: str | None = None) -> None:
        super().__init__(reason)
        self.code, self.reason, self.phase_id, self.step_id = code, reason, phase_id, step_id


class Move:
    """The working copy of one move: the new state, the events and the intents it produces."""

    def __init__(self, workflow: Workflow, state: dict, now: int, results: dict) -> None:
        self.workflow, self.state, self.now, self.results = workflow, state, now, results
        self.events: list[dict] = []
        self.intents: list[dict] = []
        self.actions: dict[str, list[str]] = {"dispatched": [], "awaiting": [], "held for a transition": [],
                                              "retry wake-up at": []}

    def note(self, event: str, **fields: object) -> None:
        """One event for the host's trace and the operator's view (``diagnostics.events``)."""
        self.events.append({"event": event, "at_ms": self.now, **fields})

    def summary(self) -> str:
        """What this move did, for the decision's ``reason``."""
        done = [f"{what} {', '.join(items)}" for what, items in self.actions.items() if items]
        if any(i["capability"] == transitions.CAPABILITY for i in self.intents):
            done.append("transition proposed to the host")
        return "; ".join(done) or "nothing to do"

    def phase_label(self, phase_id: str) -> str:
        return f"phase {phase_id!r} ({self.workflow.phase_index(phase_id) + 1}/{len(self.workflow.phases)})"

    # -- results -----------------------------------------------------------------------------
    def fold_steps(self) -> None:
        for step in self.workflow.steps:
            entry = self.state["steps"][step.step_id]
            result = self.results.get(entry.get("intent_id")) if entry["status"] == "running" else None
            if result is None:
                continue
            output, error = states.attempt_outcome(step, result)
            entry["ended_at_ms"] = self.now
            if error is None:
                entry["status"], entry["output"] = "done", output
                entry.pop("retry_at_ms", None)
                self.note("workflow/step-completed", phase_id=step.phase_id, step_id=step.step_id,
                          attempt=entry["attempts"])
                continue
            entry["last_error"] = error
            entry["errors"] = [*entry.get("errors", []), {"attempt": entry["attempts"], "error": error,
                                                          "at_ms": self.now}]
            retry = self._phase(step.phase_id).retry
            if entry["attempts"] < retry.max_attempts:
                entry["status"], entry["retry_at_ms"] = "pending", self.now + retry.delay_ms(entry["attempts"])
                self.note("workflow/step-retry-scheduled", phase_id=step.phase_id, step_id=step.step_id,
                          attempt=entry["attempts"], max_attempts=retry.max_attempts,
                          retry_at_ms=entry["retry_at_ms"], error=error)
            else:
                entry["status"] = "failed"
                self.note("workflow/step-failed", phase_id=step.phase_id, step_id=step.step_id,
                          attempt=entry["attempts"], max_attempts=retry.max_attempts, error=error)

    def fold_wake(self) -> None:
        wake = self.state.get("wake")
        result = self.results.get(wake.get("intent_id")) if isinstance(wake, dict) else None
        if result is None:
            return
        self.state.pop("wake")
        if result.get("status") != "ok":
            raise Stop("schedule-refused", f"workflow {self.workflow.run_id}: the host refused to schedule the "
                       f"retry wake-up ({result.get('status')}: {result.get('error') or 'no error text'}); grant "
                       f"{SCHEDULE} to Arca", self.state.get("current_phase"))

    def _phase(self, phase_id: str):
        return self.workflow.phases[self.workflow.phase_index(phase_id)]

    # -- progress ----------------------------------------------------------------------------
    def check_failures(self) -> None:
        for step in self.workflow.steps:
            entry = self.state["steps"][step.step_id]
            if entry["status"] == "failed":
                retry = self._phase(step.phase_id).retry
                raise Stop("phase-failed", f"workflow {self.workflow.run_id}: {self.phase_label(step.phase_id)} "
                           f"failed: step {step.step_id!r} failed after {entry['attempts']} of "
                           f"{retry.max_attempts} attempts (last error: {entry.get('last_error')}); the workflow "
                           "stopped and no later phase ran", step.phase_id, step.step_id)

    def advance_phases(self) -> bool:
        """Moves past done phases; True when the whole workflow is done."""
        while True:
            phase = self._phase(self.state["current_phase"])
            record = self.state["phases"][phase.phase_id]
            if record["status"] == "pending":
                record.update(status="running", started_at_ms=self.now)
                self.note("workflow/phase-started", phase_id=phase.phase_id, steps=len(phase.steps))
            if any(self.state["steps"][s.step_id]["status"] != "done" for s in phase.steps):
                return False
            record.update(status="done", ended_at_ms=self.now)
            self.note("workflow/phase-completed", phase_id=phase.phase_id)
            index = self.workflow.phase_index(phase.phase_id)
            if index + 1 == len(self.workflow.phases):
                return True
            self.state["current_phase"] = self.workflow.phases[index + 1].phase_id

    def check_timeout(self) -> None:
        if self.now >= self.state["deadline_at_ms"]:
            phase = self._phase(self.state["current_phase"])
            open_steps = [s.step_id for s in phase.steps if self.state["steps"][s.step_id]["status"] != "done"]
            raise Stop("workflow-timeout", f"workflow {self.workflow.run_id} timed out: its "
                       f"{self.workflow.timeout_ms} ms ran out in {self.phase_label(phase.phase_id)} with "
                       f"steps not done: {', '.join(open_steps)}; the workflow stopped", phase.phase_id)

    # -- intents -----------------------------------------------------------------------------
    def _intent(self, step: Step, entry: dict) -> dict:
        try:
            resolved = refs.resolve(step.input, states.outputs(self.state), self.workflow.params)
        except refs.Unresolvable as error:
            entry.update(status="failed", last_error=str(error))
            self.note("workflow/step-failed", phase_id=step.phase_id, step_id=step.step_id, error=str(error))
            raise Stop("phase-failed", f"workflow {self.workflow.run_id}: {self.phase_label(step.phase_id)} "
                       f"failed: step {step.step_id!r} cannot start: {error}; the workflow stopped",
                       step.phase_id, step.step_id) from None
        if step.kind == "local":
            content = resolved.get("content") if isinstance(resolved, dict) else None
            if step.capability == "workspace.stage" and content is not None and not isinstance(content, str):
                # workspace.stage writes text: structured content is staged as JSON.
                resolved["content"] = json.dumps(resolved["content"], ensure_ascii=False, indent=2, sort_keys=True)
            return {"intent_id": entry["intent_id"], "capability": step.capability, "input": resolved}
        order = {"run_id": self.workflow.run_id, "phase_id": step.phase_id, "step_id": step.step_id,
                 "attempt": entry["attempts"], **entry["terms"], "input": resolved}
        if step.offer_id:
            order["offer_id"] = step.offer_id
        return {"intent_id": entry["intent_id"], "capability": "procurement.order", "input": order}

    def dispatch(self) -> None:
        phase = self._phase(self.state["current_phase"])
        waits = []
        self.state.pop("wake", None)  # set again below while a retry still has to wait
        for step in phase.steps:
            entry = self.state["steps"][step.step_id]
            if entry["status"] == "running":
                # No result for the attempt in flight: propose it again, same intent id (the host
                # runs an intent id once and answers repeats with the first outcome).
                self.intents.append(self._intent(step, entry))
                self.note("workflow/step-awaited", phase_id=step.phase_id, step_id=step.step_id,
                          intent_id=entry["intent_id"])
                self.actions["awaiting"].append(entry["intent_id"])
            elif entry["status"] == "pending" and transitions.held(self, step.step_id):
                self.actions["held for a transition"].append(step.step_id)
            elif entry["status"] == "pending" and entry.get("retry_at_ms", 0) > self.now:
                waits.append(entry["retry_at_ms"])
            elif entry["status"] == "pending":
                entry.pop("retry_at_ms", None)
                entry.update(status="running", attempts=entry["attempts"] + 1, dispatched_at_ms=self.now,
                             intent_id=states.step_intent_id(step.step_id, entry["attempts"] + 1))
                self.intents.append(self._intent(step, entry))
                self.note("workflow/step-dispatched", phase_id=step.phase_id, step_id=step.step_id,
                          attempt=entry["attempts"], max_attempts=phase.retry.max_attempts,
                          intent_id=entry["intent_id"])
                self.actions["dispatched"].append(entry["intent_id"])
        if waits:
            at = min(min(waits), self.state["deadline_at_ms"])
            self.state["wake"] = {"intent_id": f"wake@{at}", "at_ms": at}
            self.intents.append({"intent_id": f"wake@{at}", "capability": SCHEDULE, "input": {
                "run_id": self.workflow.run_id, "wake_at_ms": at,
                "reason": f"retry backoff in {self.phase_label(phase.phase_id)}"}})
            self.actions["retry wake-up at"].append(f"{at} ms")
        self.intents.extend(transitions.pending_intents(self))


def _summary(workflow: Workflow, state: dict) -> dict:
    totals: dict = {}
    staged = []
    for step in workflow.steps:
        entry = state["steps"][step.step_id]
        if step.kind == "remote-paid":
            totals[entry["terms"]["currency"]] = totals.get(entry["terms"]["currency"], 0) + entry["terms"]["price"]
        elif step.capability == "workspace.stage" and isinstance(entry.get("output"), dict):
            path = entry["output"].get("path")
            if isinstance(path, str):
                staged.append(path)
    return {"phases_done": len(workflow.phases), "steps_done": len(workflow.steps), "price_total": totals,
            "staged": staged}


def _patch(old: dict, new: dict) -> dict:
    """The payload patch of a move: only ``workflow.state`` changes, and only by its difference."""
    return {"workflow": {"state": diff(old, new)}}


def clock_of(event: dict, problems: Problems) -> int | None:
    """The host's clock for this event: ``at_ms`` (epoch milliseconds), else ``at`` (ISO 8601 with a zone)."""
    if "at_ms" in event:
        return problems.int_field(event, "at_ms", "payload.event", expected="the host's clock in epoch milliseconds")
    at = event.get("at")
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00")) if isinstance(at, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        problems.add("payload.event.at_ms", "the host's clock in epoch milliseconds (or event.at in ISO 8601 with a "
                     "zone)", event.get("at", event.get("at_ms")))
        return None
    return round(moment.timestamp() * 1000)


def _invalid(code: str, what: str, problems: Problems) -> dict:
    return decisions.reject(f"{what}: {problems.text()}", diagnostics={"code": code, "problems": problems.items})


def advance(payload: dict, intent_results: list, *, default_retry: Retry = Retry(),
            default_timeout_ms: int = DEFAULT_TIMEOUT_MS) -> dict:
    """The decision for one ``workflow.event`` envelope (payload and intent results)."""
    problems = Problems()
    event = payload.get("event")
    if not isinstance(event, dict):
        problems.add("payload.event", 'the event {"kind", "at_ms", ...}', event)
        event = {}
    now = clock_of(event, problems)
    run = payload.get("workflow") if isinstance(payload.get("workflow"), dict) else {}
    old = run.get("state") or {}
    if not isinstance(old, dict):
        problems.add("payload.workflow.state", "the workflow state (an object), or nothing to start", old)
    if problems or now is None:
        return _invalid("invalid-payload", "workflow.event payload is invalid", problems)
    workflow, problems = parse_template(payload.get("workflow"), default_retry=default_retry,
                                        default_timeout_ms=default_timeout_ms)
    if workflow is None:
        return _invalid("invalid-workflow", "the workflow template is invalid", problems)
    if old:
        problems = states.check(old, workflow)
        if problems:
            return _invalid("invalid-state", f"the state of workflow {workflow.run_id} does not fit its template",
                            problems)
    if old.get("status") == "completed":
        return decisions.allow(f"workflow {workflow.run_id} already completed")
    if old.get("status") == "failed":
        failure = old.get("failure") or {}
        return decisions.reject(failure.get("reason") or f"workflow {workflow.run_id} already failed",
                                diagnostics={"code": failure.get("code", "failed"), "repeat": True})
    results = {r["intent_id"]: r for r in intent_results if isinstance(r, dict) and isinstance(r.get("intent_id"), str)}
    move = Move(workflow, copy.deepcopy(old) if old else states.initial(workflow, now), now, results)
    if not old:
        move.note("workflow/started", template_id=workflow.template_id, deadline_at_ms=move.state["deadline_at_ms"])
    move.state["updated_at_ms"] = now
    try:
        transitions.fold(move)
        changed = transitions.unapproved_change(move)
        if changed is not None:
            step = workflow.step(changed[0])
            raise Stop("unapproved-change", f"workflow {workflow.run_id}: the template changed the terms of "
                       f"step {changed[0]!r} ({changed[1]}) without a host-approved transition; Arca never swaps "
                       "a provider or changes a price on its own, so the workflow stopped",
                       step.phase_id if step else None, changed[0])
        move.fold_steps()
        move.fold_wake()
        if event.get("kind") == "transition-request":
            transitions.request(move, event.get("detail"))
        move.check_failures()
        if move.advance_phases():
            move.state.update(status="completed", completed_at_ms=now, summary=_summary(workflow, move.state))
            move.state.pop("current_phase", None)
            move.note("workflow/completed", steps=len(workflow.steps))
            # workflow.event admits no `return`: completion is a final rewrite with no next_step.
            return decisions.rewrite(_patch(old, move.state), f"workflow {workflow.run_id} completed: "
                                     f"{len(workflow.phases)} phases, {len(workflow.steps)} steps",
                                     diagnostics={"events": move.events, "outcome": "completed",
                                                  "summary": move.state["summary"]})
        move.check_timeout()
        move.dispatch()
    except Stop as stop:
        return _stopped(move, old, stop)
    if not move.intents:
        return _stopped(move, old, Stop("stalled", f"workflow {workflow.run_id}: nothing to dispatch or await in "
                                        f"{move.phase_label(move.state['current_phase'])}; this is a bug in Arca",
                                        move.state["current_phase"]))
    phase_id = move.state["current_phase"]
    return decisions.rewrite(_patch(old, move.state),
                             f"workflow {workflow.run_id}, {move.phase_label(phase_id)}: {move.summary()}",
                             intents=move.intents, next_step=NEXT_STEP,
                             diagnostics={"events": move.events, "phase_id": phase_id,
                                          "awaiting": [i["intent_id"] for i in move.intents]})


def _stopped(move: Move, old: dict, stop: Stop) -> dict:
    """The ``reject`` of a stopped workflow; its final state travels as ``diagnostics.final_patch``."""
    state = move.state
    phase_id = stop.phase_id or state.get("current_phase")
    if phase_id and phase_id in state["phases"]:
        state["phases"][phase_id].update(status="failed", ended_at_ms=move.now)
        move.note("workflow/phase-failed", phase_id=phase_id, step_id=stop.step_id, code=stop.code)
    failure = {"code": stop.code, "reason": stop.reason}
    failure.update({k: v for k, v in (("phase_id", phase_id), ("step_id", stop.step_id)) if v})
    state.update(status="failed", failed_at_ms=move.now, failure=failure)
    state.pop("wake", None)
    move.note("workflow/timeout" if stop.code == "workflow-timeout" else "workflow/failed", code=stop.code)
    return decisions.reject(stop.reason, diagnostics={**failure, "events": move.events,
                                                      "final_patch": _patch(old, state)})

