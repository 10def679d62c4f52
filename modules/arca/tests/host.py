"""A host simulator for Arca's tests: it keeps the workflow record the way docs/modules.md asks
(state patched and persisted, intents run once per intent id, results fed back) and lets each
test script what every intent answers."""
from __future__ import annotations

import copy
import json
import os
from typing import Callable

from orbiplex_arca import engine, patch

from . import MODULE_DIR

TEMPLATE_FILE = os.path.join(MODULE_DIR, "templates", "morning-briefing.json")
START_MS = 1_774_850_400_000  # 2026-03-30T06:00:00Z


def morning_template() -> dict:
    """The shipped story 006 template."""
    with open(TEMPLATE_FILE, encoding="utf-8") as handle:
        return json.load(handle)


def completed(intent: dict) -> dict:
    """The default answer: every order completes, every local intent succeeds."""
    if intent["capability"] == "procurement.order":
        step = intent["input"]["step_id"]
        return {"status": "ok", "result": {"outcome": "completed", "order_id": f"order-{intent['intent_id']}",
                                           "response": {"content": f"output of {step}", "format": "plain-text",
                                                        "confidence": 0.8, "response_id": f"resp-{step}"}}}
    if intent["capability"] == "workspace.stage":
        return {"status": "ok", "result": {"path": intent["input"]["path"], "bytes": 42}}
    if intent["capability"] == "workflow.schedule":
        return {"status": "ok", "result": {"woke_at_ms": intent["input"]["wake_at_ms"]}}
    return {"status": "ok", "result": {"text": "local model text"}}


def saturated(intent: dict) -> dict:
    """An order the provider refused because its queue is full."""
    return {"status": "ok", "result": {"outcome": "rejected", "order_id": f"order-{intent['intent_id']}",
                                       "reason": "queue-saturated", "message": "provider queue is full"}}


class Host:
    """One workflow instance as the host drives it."""

    def __init__(self, template: dict | None = None, params: dict | None = None, run_id: str = "wf-1",
                 answer: Callable[[dict], dict] = completed) -> None:
        self.workflow = {"run_id": run_id, "workflow_id": "morning-briefing",
                         "template": template or morning_template(), "params": params or {}}
        self.state: dict = {}
        self.now = START_MS
        self.answer = answer
        self.pending: list[dict] = []     # results to deliver with the next call
        self.ran: dict[str, dict] = {}    # intent id -> outcome (each intent id runs once)
        self.decisions: list[dict] = []
        self.intents: list[dict] = []     # every intent ever proposed, repeats included

    def payload(self, event: dict | None = None) -> dict:
        """The workflow.event payload: the run with its persisted state, and the event stamped with the clock."""
        run = {**copy.deepcopy(self.workflow), "state": copy.deepcopy(self.state)}
        return {"workflow": run, "event": {"kind": "start" if not self.state else "continue", **(event or {}),
                                           "at_ms": self.now}}

    def call(self, event: dict | None = None, results: list | None = None) -> dict:
        """One move: invoke Arca, persist the patched state, run the new intents (results kept for the next move)."""
        delivered = self.pending if results is None else results
        decision = engine.advance(self.payload(event), delivered)
        self.decisions.append(decision)
        self.pending = []
        changes = decision.get("patch") or (decision.get("diagnostics") or {}).get("final_patch")
        if changes:
            self.state = patch.apply({"workflow": {"state": self.state}}, changes)["workflow"]["state"]
        for intent in decision.get("intents", []):
            self.intents.append(intent)
            outcome = self.ran.get(intent["intent_id"])
            if outcome is None:
                outcome = self.ran[intent["intent_id"]] = self.answer(intent)
            self.pending.append({"intent_id": intent["intent_id"], **outcome})
        return decision

    def run(self, limit: int = 40, step_ms: int = 1000) -> dict:
        """Moves until Arca stops asking for a next step; the clock jumps to each wake-up time."""
        decision = self.call()
        for _ in range(limit):
            if decision.get("next_step") is None:
                return decision
            wake = self.state.get("wake")
            self.now = max(self.now + step_ms, wake["at_ms"] if wake else 0)
            decision = self.call()
        raise AssertionError(f"no end after {limit} moves: {decision}")

    def orders(self) -> list[dict]:
        """Every procurement.order input proposed."""
        return [i["input"] for i in self.intents if i["capability"] == "procurement.order"]
