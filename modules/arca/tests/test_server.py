"""Arca as the host runs it: a real child process over loopback HTTP, driven through a whole
workflow by a simulated host, restarted mid-workflow without losing a step."""
import copy
import os
import unittest

from sdk.python.tests.support import INIT, ModuleProcess, call_json

from orbiplex_arca import patch

from . import MODULE_DIR
from .host import START_MS, completed, morning_template, saturated

MAIN = os.path.join(MODULE_DIR, "main.py")
INIT_PATH, INVOKE = "/v1/middleware/init", "/v1/middleware/invoke"
GRANTS = ["procurement.order", "workspace.stage", "workflow.schedule", "workflow.transition"]


def envelope(payload: dict, results: list, number: int) -> dict:
    return {"schema_version": "workflow-envelope.v1", "envelope_id": f"env-{number}", "hook": "workflow.event",
            "correlation_id": payload["workflow"]["run_id"], "payload": payload, "annotations": {},
            "intent_results": results, "trace": {"causality_id": "cause:1", "hop": 0, "component_path": []},
            "deadline_ms": 5000}


class ArcaServerTest(unittest.TestCase):
    def start(self, settings: dict | None = None):
        module = ModuleProcess(self, [MAIN], {"ORBIPLEX_MODULE_ID": "orbiplex-arca"})
        module.announcement()
        conn = module.connect()
        self.addCleanup(conn.close)
        body = {**INIT, "executor_id": "arca", "granted_capabilities": GRANTS, "module_settings": settings or {}}
        status, report = call_json(conn, "POST", INIT_PATH, body)
        return module, conn, status, report

    def test_report_says_what_arca_is(self) -> None:
        _, _, status, report = self.start()
        self.assertEqual(status, 200, report)
        self.assertEqual((report["module_id"], report["module_name"], report["hooks"]),
                         ("orbiplex-arca", "Orbiplex Arca", ["workflow.event"]))
        self.assertEqual([c["capability_id"] for c in report["capabilities"]],
                         ["arca/workflow-orchestration", "arca/phase-retry-and-publication-shaping"])
        self.assertIn("never swaps a provider", report["description"])

    def test_bad_settings_fail_init(self) -> None:
        _, _, status, answer = self.start({"default_retry": {"max_attempts": 0}})
        self.assertEqual(status, 400)
        self.assertIn("settings.default_retry.max_attempts", answer["error"]["message"])

    def test_a_whole_workflow_with_a_retry_and_a_restart_of_arca(self) -> None:
        module, conn, status, _ = self.start()
        self.assertEqual(status, 200)
        record = {"run_id": "wf-http", "template": morning_template(), "params": {}, "state": {}}
        now, results, seen, number = START_MS, [], {}, 0
        refused_once = set()

        def answer(intent: dict) -> dict:
            # news-2 is refused once (queue-saturated), everything else completes.
            if intent["intent_id"] == "news-2#1" and intent["intent_id"] not in refused_once:
                refused_once.add(intent["intent_id"])
                return saturated(intent)
            return completed(intent)

        restarted = False
        while True:
            number += 1
            payload = {"workflow": copy.deepcopy(record),
                       "event": {"kind": "start" if number == 1 else "continue", "at_ms": now}}
            status, decision = call_json(conn, "POST", INVOKE, envelope(payload, results, number))
            self.assertEqual(status, 200, decision)
            # The host persists the state before running the intents...
            patched = patch.apply({"workflow": {"state": record["state"]}}, decision["patch"])
            record["state"] = patched["workflow"]["state"]
            if decision["decision"] != "rewrite" or decision.get("next_step") is None:
                break
            if record["state"]["current_phase"] == "illustration" and not restarted:
                # ...so Arca may die now: a new process picks the workflow up from the record.
                module.kill()
                module, conn, status, _ = self.start()
                self.assertEqual(status, 200)
                restarted, results = True, []
                now += 1000
                continue
            results = []
            for intent in decision["intents"]:
                outcome = seen.setdefault(intent["intent_id"], answer(intent))
                results.append({"intent_id": intent["intent_id"], **outcome})
            wake = record["state"].get("wake")
            now = max(now + 1000, wake["at_ms"] if wake else 0)
        self.assertEqual((decision["decision"], decision["diagnostics"]["outcome"]), ("rewrite", "completed"), decision)
        self.assertEqual(record["state"]["status"], "completed")
        self.assertEqual(record["state"]["steps"]["news-2"]["attempts"], 2)
        self.assertTrue(all(step["status"] == "done" for step in record["state"]["steps"].values()))
        self.assertTrue(restarted)
        # After the restart the illustrations in flight were proposed again under the same ids, run once.
        self.assertEqual(sorted(i for i in seen if i.startswith("illustrate")),
                         [f"illustrate-{n}#1" for n in range(1, 7)])


if __name__ == "__main__":
    unittest.main()
