"""Arca's moves: phase progression, retries with backoff, surfaced failures, the timeout, resume,
and provider swaps turned into host-approved transitions."""
import json
import random
import unittest

from orbiplex_arca import engine, state as states, template as templates

from .host import START_MS, Host, completed, morning_template, saturated

TERMS = {"news": ("local:dator-news", "news.topical", 600), "redact": ("local:dator-redaction", "redaction.pl", 1000),
         "illustrate": ("local:dator-illustration", "illustration.editorial", 500)}


def finished(decision: dict) -> bool:
    """A completed workflow: a final rewrite with no next step (workflow.event admits no `return`)."""
    return (decision["decision"] == "rewrite" and decision.get("next_step") is None and not decision.get("intents")
            and decision["diagnostics"].get("outcome") == "completed")


def phase_of(decision: dict) -> str:
    return decision["diagnostics"]["phase_id"]


def dispatched(decision: dict) -> list[str]:
    return [i["intent_id"] for i in decision.get("intents", [])]


def failing(step_ids: set, times: int = 99, answer=saturated):
    """Answers ``answer`` for the first ``times`` attempts of the given steps, then completes them."""
    def respond(intent: dict) -> dict:
        step_id, _, attempt = intent["intent_id"].partition("#")
        if step_id in step_ids and attempt.isdigit() and int(attempt) <= times:
            return answer(intent)
        return completed(intent)
    return respond


class ProgressionTest(unittest.TestCase):
    def test_the_morning_workflow_runs_phase_by_phase(self) -> None:
        host = Host(params={"date": "2026-03-30"})
        first = host.call()
        self.assertEqual((first["decision"], first["next_step"], phase_of(first)), ("rewrite", "arca.continue", "news"))
        self.assertEqual(dispatched(first), ["news-1#1", "news-2#1"])
        self.assertEqual(host.state["phases"]["news"]["status"], "running")
        self.assertEqual(host.state["phases"]["redaction"]["status"], "pending")
        second = host.call()
        self.assertEqual((phase_of(second), len(dispatched(second))), ("redaction", 6))
        third = host.call()
        self.assertEqual((phase_of(third), len(dispatched(third))), ("illustration", 6))
        fourth = host.call()
        self.assertEqual(dispatched(fourth), ["package#1"])
        self.assertEqual(fourth["intents"][0]["capability"], "workspace.stage")
        last = host.call()
        self.assertTrue(finished(last), last)
        self.assertEqual(list(last["patch"]), ["workflow"])
        self.assertEqual(list(last["patch"]["workflow"]), ["state"])
        self.assertEqual(host.state["status"], "completed")
        self.assertEqual(host.state["summary"], {"phases_done": 4, "steps_done": 15, "price_total": {"ORC": 10200},
                                                 "staged": ["morning-briefing/briefing.json"]})
        self.assertNotIn("current_phase", host.state)
        events = [e["event"] for d in host.decisions for e in d["diagnostics"]["events"]]
        self.assertEqual(events.count("workflow/phase-started"), 4)
        self.assertEqual(events.count("workflow/phase-completed"), 4)
        self.assertEqual((events[0], events[-1]), ("workflow/started", "workflow/completed"))

    def test_orders_carry_the_template_terms_and_resolved_inputs(self) -> None:
        host = Host(params={"date": "2026-03-30"})
        host.run()
        orders = host.orders()
        self.assertEqual(len(orders), 14)
        for order in orders:
            provider, service_type, price = TERMS[order["step_id"].split("-")[0]]
            self.assertEqual((order["provider_id"], order["service_type"], order["price"], order["currency"]),
                             (provider, service_type, price, "ORC"))
            self.assertEqual((order["run_id"], order["attempt"]), ("wf-1", 1))
        by_step = {o["step_id"]: o for o in orders}
        self.assertEqual(by_step["news-1"]["input"], {"topic": "technology", "date": "2026-03-30", "language": "en"})
        self.assertEqual(by_step["redact-5"]["input"]["text"], "output of news-2")
        self.assertEqual(by_step["illustrate-3"]["input"]["brief"], "output of redact-3")
        package = next(i for i in host.intents if i["capability"] == "workspace.stage")["input"]
        # Exactly the host's workspace.stage input; structured content is staged as JSON text.
        self.assertEqual(set(package), {"path", "content"})
        self.assertEqual(package["path"], "morning-briefing/briefing.json")
        content = json.loads(package["content"])
        self.assertEqual(content["articles"][5], {"form": "social media post", "text": "output of redact-6",
                                                  "illustration": "output of illustrate-6"})
        self.assertEqual((content["date"], content["news"]), ("2026-03-30", ["output of news-1", "output of news-2"]))

    def test_every_state_fits_the_template(self) -> None:
        host = Host()
        workflow, _ = templates.parse(host.workflow)
        while not host.decisions or host.decisions[-1].get("next_step"):
            host.call()
            self.assertFalse(states.check(host.state, workflow), states.check(host.state, workflow).text())

    def test_a_phase_waits_for_all_its_steps(self) -> None:
        host = Host()
        host.call()
        news_1 = [r for r in host.pending if r["intent_id"] == "news-1#1"]
        decision = host.call(results=news_1)
        # news-2 is still in flight: proposed again with the same intent id, not a new attempt.
        self.assertEqual((phase_of(decision), dispatched(decision)), ("news", ["news-2#1"]))
        self.assertEqual(host.state["steps"]["news-2"]["attempts"], 1)
        self.assertEqual(host.state["steps"]["news-1"]["status"], "done")

    def test_a_restart_loses_no_step(self) -> None:
        # The host crashed after persisting the dispatch but before any result: the same intents come again.
        host = Host()
        first = host.call()
        again = host.call(event={"kind": "resume"}, results=[])
        self.assertEqual(dispatched(again), dispatched(first))
        self.assertEqual([i["input"] for i in again["intents"]], [i["input"] for i in first["intents"]])
        self.assertTrue(all(s["attempts"] <= 1 for s in host.state["steps"].values()))
        self.assertTrue(finished(host.run()))

    def test_patches_are_deltas_and_results_of_stale_intents_are_ignored(self) -> None:
        host = Host()
        host.call()
        host.now += 500
        decision = host.call(results=[{"intent_id": "news-1#7", "status": "ok", "result": {}}])
        self.assertEqual(decision["patch"], {"workflow": {"state": {"updated_at_ms": host.now}}})
        self.assertEqual(dispatched(decision), ["news-1#1", "news-2#1"])

    def test_a_finished_workflow_answers_the_same_again(self) -> None:
        host = Host()
        host.run()
        self.assertEqual(host.call()["decision"], "allow")


class RetryTest(unittest.TestCase):
    def test_a_failed_step_is_retried_after_the_phase_backoff(self) -> None:
        host = Host(answer=failing({"news-2"}, times=2))
        host.call()
        decision = host.call()  # news-2#1 was refused: queue-saturated
        entry = host.state["steps"]["news-2"]
        self.assertEqual((entry["status"], entry["attempts"], entry["retry_at_ms"]), ("pending", 1, host.now + 30_000))
        self.assertIn("queue-saturated", entry["last_error"])
        self.assertEqual(host.state["steps"]["news-1"]["status"], "done")
        self.assertEqual(phase_of(decision), "news")
        [wake] = decision["intents"]
        self.assertEqual((wake["capability"], wake["input"]["wake_at_ms"]), ("workflow.schedule", host.now + 30_000))
        # Called early (no wake-up yet): nothing new is dispatched, the same wake-up is asked for.
        host.now += 10_000
        early = host.call(results=[])
        self.assertEqual(dispatched(early), [wake["intent_id"]])
        host.now += 20_000
        second = host.call(results=[{"intent_id": wake["intent_id"], "status": "ok", "result": {}}])
        self.assertEqual(dispatched(second), ["news-2#2"])
        self.assertEqual(second["intents"][0]["input"]["attempt"], 2)
        third = host.call()  # news-2#2 refused again: the backoff doubles
        self.assertEqual(host.state["steps"]["news-2"]["retry_at_ms"], host.now + 60_000)
        self.assertEqual(third["intents"][0]["capability"], "workflow.schedule")
        host.now += 60_000
        self.assertEqual(dispatched(host.call()), ["news-2#3"])
        self.assertEqual(phase_of(host.call()), "redaction")
        self.assertEqual(len(host.state["steps"]["news-2"]["errors"]), 2)
        self.assertTrue(finished(host.run()))

    def test_the_backoff_is_capped(self) -> None:
        retry = templates.Retry(max_attempts=9, initial_ms=1000, factor=3, max_ms=5000)
        self.assertEqual([retry.delay_ms(n) for n in range(1, 5)], [1000, 3000, 5000, 5000])

    def test_host_level_failures_count_as_attempts(self) -> None:
        down = lambda intent: {"status": "failed", "error": "provider dator-news is not ready"}  # noqa: E731
        host = Host(answer=failing({"news-1"}, times=1, answer=down))
        host.call()
        host.call()
        self.assertIn("provider dator-news is not ready", host.state["steps"]["news-1"]["last_error"])
        self.assertTrue(finished(host.run()))


class FailureTest(unittest.TestCase):
    def test_a_step_failing_past_its_retries_stops_the_workflow_visibly(self) -> None:
        host = Host(answer=failing({"redact-3"}))
        decision = host.run()
        self.assertEqual(decision["decision"], "reject")
        self.assertIn("phase 'redaction' (2/4) failed", decision["reason"])
        self.assertIn("step 'redact-3' failed after 4 of 4 attempts", decision["reason"])
        self.assertIn("queue-saturated", decision["reason"])
        diagnostics = decision["diagnostics"]
        self.assertEqual((diagnostics["code"], diagnostics["phase_id"], diagnostics["step_id"]),
                         ("phase-failed", "redaction", "redact-3"))
        self.assertEqual([o["attempt"] for o in host.orders() if o["step_id"] == "redact-3"], [1, 2, 3, 4])
        self.assertFalse([o for o in host.orders() if o["step_id"].startswith("illustrate")], "no later phase ran")
        self.assertEqual((host.state["status"], host.state["phases"]["redaction"]["status"]), ("failed", "failed"))
        self.assertEqual(host.state["phases"]["illustration"]["status"], "pending")
        self.assertEqual(host.state["failure"]["step_id"], "redact-3")
        events = [e["event"] for e in diagnostics["events"]]
        self.assertEqual(events[-3:], ["workflow/step-failed", "workflow/phase-failed", "workflow/failed"])
        repeat = host.call()
        self.assertEqual((repeat["decision"], repeat["reason"]), ("reject", decision["reason"]))

    def test_an_input_reference_that_names_nothing_fails_the_phase(self) -> None:
        def no_content(intent: dict) -> dict:
            return {"status": "ok", "result": {"outcome": "completed", "response": {"format": "plain-text"}}}
        host = Host(answer=no_content)
        host.call()
        decision = host.call()
        self.assertEqual((decision["decision"], decision["diagnostics"]["step_id"]), ("reject", "redact-1"))
        self.assertIn("$steps.news-1.content", decision["reason"])

    def test_the_outer_timeout_stops_the_workflow(self) -> None:
        template = morning_template()
        template["timeout"] = "20s"
        host = Host(template=template, answer=failing({"news-1"}))
        host.call()
        wait = host.call()
        # The retry would come after the deadline: the wake-up is at the deadline.
        self.assertEqual(wait["intents"][0]["input"]["wake_at_ms"], START_MS + 20_000)
        host.now = START_MS + 20_000
        decision = host.call()
        self.assertEqual((decision["decision"], decision["diagnostics"]["code"]), ("reject", "workflow-timeout"))
        self.assertIn("timed out", decision["reason"])
        self.assertIn("phase 'news' (1/4)", decision["reason"])
        self.assertIn("news-1", decision["reason"])
        self.assertEqual(decision["diagnostics"]["events"][-1]["event"], "workflow/timeout")
        self.assertNotIn("wake", host.state)

    def test_a_refused_wake_up_stops_the_workflow(self) -> None:
        def no_schedule(intent: dict) -> dict:
            if intent["capability"] == "workflow.schedule":
                return {"status": "rejected", "error": "capability workflow.schedule is not granted"}
            return failing({"news-1"}, times=1)(intent)
        host = Host(answer=no_schedule)
        decision = host.run()
        self.assertEqual(decision["diagnostics"]["code"], "schedule-refused")
        self.assertIn("not granted", decision["reason"])

    def test_invalid_inputs_are_refused_with_every_problem(self) -> None:
        host = Host()
        missing_clock = host.payload()
        del missing_clock["event"]["at_ms"]
        decision = engine.advance(missing_clock, [])
        self.assertEqual(decision["diagnostics"]["code"], "invalid-payload")
        self.assertIn("payload.event.at_ms", decision["reason"])
        iso = host.payload()
        del iso["event"]["at_ms"]
        iso["event"]["at"] = "2026-03-30T06:00:00Z"
        started = engine.advance(iso, [])
        self.assertEqual(started["patch"]["workflow"]["state"]["started_at_ms"], START_MS)
        broken = host.payload()
        broken["workflow"]["template"]["phases"][0]["steps"][0]["price"] = "cheap"
        decision = engine.advance(broken, [])
        self.assertEqual(decision["diagnostics"]["code"], "invalid-workflow")
        self.assertEqual(decision["diagnostics"]["problems"][0]["path"],
                         "payload.workflow.template.phases[0].steps[0].price")
        host.call()
        foreign = host.payload()
        del foreign["workflow"]["state"]["steps"]["news-1"]
        self.assertEqual(engine.advance(foreign, [])["diagnostics"]["code"], "invalid-state")


class TransitionTest(unittest.TestCase):
    SWAP = {"kind": "transition-request", "detail": {
        "transition_id": "swap-1", "step_id": "redact-3", "change": {"provider_id": "participant:did:key:zOther"},
        "reason": "Ola is saturated", "requested_by": "operator:roman"}}

    def test_a_swap_request_becomes_a_proposal_never_a_change(self) -> None:
        host = Host()
        decision = host.call(event=self.SWAP)
        proposals = [i for i in decision["intents"] if i["capability"] == "workflow.transition"]
        self.assertEqual(len(proposals), 1)
        proposal = proposals[0]
        self.assertEqual(proposal["intent_id"], "transition:swap-1")
        self.assertEqual(proposal["input"]["from"]["provider_id"], "local:dator-redaction")
        self.assertEqual(proposal["input"]["to"], {"provider_id": "participant:did:key:zOther",
                                                   "service_type": "redaction.pl", "price": 1000, "currency": "ORC"})
        self.assertEqual(host.state["transitions"]["swap-1"]["status"], "proposed")
        self.assertEqual(host.state["steps"]["redact-3"]["terms"]["provider_id"], "local:dator-redaction")
        self.assertEqual(dispatched(decision), ["news-1#1", "news-2#1", "transition:swap-1"])

    def test_a_refused_swap_keeps_the_template_provider(self) -> None:
        refuse = lambda i: {"status": "ok", "result": {"decision": "refused", "reason": "buyer did not authorise"}} \
            if i["capability"] == "workflow.transition" else completed(i)  # noqa: E731
        host = Host(answer=refuse)
        host.call(event=self.SWAP)
        decision = host.call()
        self.assertEqual(host.state["transitions"]["swap-1"]["status"], "refused")
        self.assertEqual(host.state["transitions"]["swap-1"]["refusal"], "buyer did not authorise")
        self.assertIn("redact-3#1", dispatched(decision))
        host.run()
        providers = {o["provider_id"] for o in host.orders() if o["step_id"] == "redact-3"}
        self.assertEqual(providers, {"local:dator-redaction"})

    def test_a_step_is_held_while_its_proposal_waits(self) -> None:
        silent = {}
        host = Host(answer=lambda i: silent if i["capability"] == "workflow.transition" else completed(i))
        host.call(event=self.SWAP)
        results = [r for r in host.pending if r["intent_id"] != "transition:swap-1"]
        decision = host.call(results=results)
        self.assertNotIn("redact-3#1", dispatched(decision))
        self.assertIn("transition:swap-1", dispatched(decision))
        self.assertIn("held for a transition redact-3", decision["reason"])

    def test_an_approved_swap_applies_once_the_host_changed_the_template(self) -> None:
        host = Host(answer=lambda i: {"status": "ok", "result": {"decision": "approved"}}
                    if i["capability"] == "workflow.transition" else completed(i))
        host.call(event=self.SWAP)
        # Approving, the host edits its own record of the template; Arca never does.
        host.workflow["template"]["phases"][1]["steps"][2]["provider_id"] = "participant:did:key:zOther"
        decision = host.call()
        self.assertEqual(host.state["transitions"]["swap-1"]["status"], "applied")
        redact_3 = next(i for i in decision["intents"] if i["intent_id"] == "redact-3#1")
        self.assertEqual(redact_3["input"]["provider_id"], "participant:did:key:zOther")

    def test_a_template_changed_without_approval_stops_the_workflow(self) -> None:
        host = Host()
        host.call()
        host.workflow["template"]["phases"][1]["steps"][0]["price"] = 900
        decision = host.call()
        self.assertEqual((decision["decision"], decision["diagnostics"]["code"]), ("reject", "unapproved-change"))
        self.assertIn("price 1000 -> 900", decision["reason"])
        self.assertEqual(decision["diagnostics"]["step_id"], "redact-1")

    def test_requests_for_finished_steps_or_bad_requests_change_nothing(self) -> None:
        host = Host()
        host.call()
        host.call()
        moot = dict(self.SWAP, detail={**self.SWAP["detail"], "step_id": "news-1", "transition_id": "t2"})
        decision = host.call(event=moot)
        self.assertEqual(host.state["transitions"]["t2"]["status"], "moot")
        self.assertNotIn("transition:t2", dispatched(decision))
        bad = dict(self.SWAP, detail={"transition_id": "t3", "step_id": "package", "change": {"input": {}}})
        decision = host.call(event=bad)
        self.assertNotIn("t3", host.state["transitions"])
        invalid = [e for e in decision["diagnostics"]["events"] if e["event"] == "workflow/transition-invalid"]
        self.assertIn("payload.event.detail.step_id", invalid[0]["detail"])


class InvariantTest(unittest.TestCase):
    def test_whatever_fails_terms_stay_the_templates_and_nothing_is_skipped(self) -> None:
        template = morning_template()
        workflow, _ = templates.parse({"run_id": "wf-1", "template": template})
        rng = random.Random(7)
        for trial in range(60):
            flaky = rng.random()
            host = Host(answer=lambda i: saturated(i) if i["capability"] == "procurement.order" and rng.random() < flaky
                        else completed(i))
            decision = host.run(limit=200)
            for order in host.orders():
                step = workflow.step(order["step_id"])
                self.assertEqual({k: order[k] for k in step.terms()}, step.terms())
                retry = workflow.phases[workflow.phase_index(step.phase_id)].retry
                self.assertLessEqual(order["attempt"], retry.max_attempts)
            if finished(decision):
                self.assertTrue(all(e["status"] == "done" for e in host.state["steps"].values()), trial)
            else:
                # A stop names the phase and the step that failed, and that step really used every attempt.
                failure = decision["diagnostics"]
                self.assertEqual(failure["code"], "phase-failed", trial)
                step = workflow.step(failure["step_id"])
                attempts = [o["attempt"] for o in host.orders() if o["step_id"] == step.step_id]
                self.assertEqual(max(attempts), workflow.phases[workflow.phase_index(step.phase_id)].retry.max_attempts)
                later = workflow.phases[workflow.phase_index(step.phase_id) + 1:]
                self.assertFalse({o["step_id"] for o in host.orders()} & {s.step_id for p in later for s in p.steps})


if __name__ == "__main__":
    unittest.main()
