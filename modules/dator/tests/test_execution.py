"""service.execute: queue posture, the inquirium round trip, and the response Dator shapes."""
import json
import unittest

from orbiplex_dator import execution, handler

from .samples import NEWS, adam, execute_envelope, inquirium_ok


class RoundOneTest(unittest.TestCase):
    def test_an_accepted_order_becomes_an_inquirium_intent(self) -> None:
        decision = execution.execute(execute_envelope(depth=2), adam())
        self.assertEqual((decision["decision"], decision["next_step"]), ("annotate", execution.NEXT_STEP))
        [intent] = decision["intents"]
        self.assertEqual((intent["intent_id"], intent["capability"]), ("inquirium:order-1", "inquirium.request"))
        request = intent["input"]
        # Exactly the host's inquirium.request input: prompt, system, max_tokens, temperature.
        self.assertEqual(set(request), {"prompt", "system"})
        self.assertIn('"topic": "technology"', request["prompt"])
        self.assertEqual(request["system"], 'You are adam-news, a provider of the service "news.topical" on the '
                         "Orbiplex exchange. Topical news digests. Fulfil the order you are given. Answer in markdown "
                         "only, with no preamble. Keep the answer under 4000 characters.")
        self.assertEqual(decision["annotations"]["dator"]["stage"], "awaiting-inquirium")
        self.assertNotIn("patch", decision)

    def test_a_full_queue_is_refused_with_queue_saturated(self) -> None:
        for depth in (5, 6):
            decision = execution.execute(execute_envelope(depth=depth, max_depth=5), adam())
            self.assertEqual((decision["decision"], decision["reason"]), ("reject", "queue-saturated"))
            self.assertEqual(decision["diagnostics"]["code"], "queue-saturated")
            self.assertEqual((decision["diagnostics"]["depth"], decision["diagnostics"]["max_depth"]), (depth, 5))
            self.assertNotIn("intents", decision)
        self.assertEqual(execution.execute(execute_envelope(depth=4, max_depth=5), adam())["decision"], "annotate")

    def test_the_smaller_queue_limit_wins(self) -> None:
        self.assertEqual(execution.execute(execute_envelope(depth=2, max_depth=2), adam())["reason"], "queue-saturated")
        # The host allows 9, the profile 5: depth 5 is saturated.
        self.assertEqual(execution.execute(execute_envelope(depth=5, max_depth=9), adam())["reason"], "queue-saturated")
        envelope = execute_envelope(depth=4)
        del envelope["payload"]["queue"]["max_depth"]
        self.assertEqual(execution.execute(envelope, adam())["decision"], "annotate")

    def test_a_missing_queue_report_is_an_invalid_payload(self) -> None:
        envelope = execute_envelope()
        del envelope["payload"]["queue"]
        decision = execution.execute(envelope, adam())
        self.assertEqual(decision["diagnostics"]["code"], "invalid-payload")
        self.assertIn("payload.queue", decision["reason"])

    def test_orders_that_do_not_fit_the_offer_are_refused(self) -> None:
        cases = [({"service_type": "weather"}, "service-type-mismatch"), ({"currency": "PLN"}, "currency-mismatch"),
                 ({"price": 599}, "price-below-offer"), ({"input": {"text": "x" * 2001}}, "input-constraint"),
                 ({"input": "y" * 2001}, "input-constraint")]
        for change, code in cases:
            decision = execution.execute(execute_envelope(**change), adam())
            self.assertEqual((decision["decision"], decision["diagnostics"]["code"]), ("reject", code), change)
            self.assertIn("order-1", decision["reason"])

    def test_a_malformed_order_lists_every_problem(self) -> None:
        decision = execution.execute(execute_envelope(order_id="", price="six"), adam())
        self.assertEqual(decision["diagnostics"]["code"], "invalid-order")
        paths = [p["path"] for p in decision["diagnostics"]["problems"]]
        self.assertEqual(paths, ["payload.order.order_id", "payload.order.price"])
        envelope = execute_envelope()
        del envelope["payload"]["request"]
        decision = execution.execute(envelope, adam())
        self.assertEqual(decision["diagnostics"]["problems"][0]["path"], "payload.request.input")

    def test_prompt_templates_and_model_settings_from_the_profile(self) -> None:
        profile = adam(services=[{**NEWS, "prompt": "News about $topic on $date for $identity ($missing)",
                                  "system": "Be brief, $identity.", "max_tokens": 400, "temperature": 0.2}])
        request = execution.execute(execute_envelope(), profile)["intents"][0]["input"]
        self.assertEqual(request, {"prompt": "News about technology on 2026-03-30 for adam-news ($missing)",
                                   "system": "Be brief, adam-news.", "max_tokens": 400, "temperature": 0.2})
        plain = adam(services=[{"service_type": "news.topical", "price": 600}])
        request = execution.execute(execute_envelope(input="just text"), plain)["intents"][0]["input"]
        self.assertEqual(request["prompt"], 'Order input (JSON):\n"just text"')
        self.assertNotIn("  ", request["system"])


class RoundTwoTest(unittest.TestCase):
    def test_the_result_becomes_the_response(self) -> None:
        decision = execution.execute(execute_envelope(results=[inquirium_ok(model="gpt-5-mini")]), adam(), "0.1.0")
        self.assertEqual(decision["decision"], "return")
        response = decision["patch"]["response"]
        self.assertEqual((response["content"], response["format"]), ("# Tech\nThree things happened.", "markdown"))
        self.assertEqual(response["confidence"], 0.7)
        self.assertEqual(response["provenance"], {
            "origin_classes": ["node-generated"], "human_linked": False, "type": "model",
            "capability": "inquirium.request", "intent_id": "inquirium:order-1", "profile": "adam-news",
            "service_type": "news.topical", "module": "orbiplex-dator/0.1.0", "model": "gpt-5-mini",
            "inquirium_provider": "deterministic"})
        self.assertEqual(set(response), {"content", "format", "confidence", "provenance"})
        self.assertEqual(list(decision["patch"]), ["response"])

    def test_confidence_from_the_result_when_it_is_one(self) -> None:
        for given, expected in ((0.91, 0.91), (1.5, 0.7), ("high", 0.7)):
            decision = execution.execute(execute_envelope(results=[inquirium_ok(confidence=given)]), adam())
            self.assertEqual(decision["patch"]["response"]["confidence"], expected)

    def test_a_full_queue_does_not_discard_work_already_done(self) -> None:
        decision = execution.execute(execute_envelope(depth=9, results=[inquirium_ok()]), adam())
        self.assertEqual(decision["decision"], "return")

    def test_results_of_other_intents_are_not_mistaken_for_ours(self) -> None:
        other = {"intent_id": "inquirium:order-2", "status": "ok", "result": {"text": "not ours"}}
        self.assertEqual(execution.execute(execute_envelope(results=[other]), adam())["decision"], "annotate")

    def test_an_intent_failure_is_a_clear_reject(self) -> None:
        for status in ("failed", "rejected"):
            result = {"intent_id": "inquirium:order-1", "status": status, "error": "model runtime unreachable"}
            decision = execution.execute(execute_envelope(results=[result]), adam())
            self.assertEqual((decision["decision"], decision["diagnostics"]["code"]), ("reject", "inquirium-failed"))
            self.assertIn("model runtime unreachable", decision["reason"])
            self.assertIn(status, decision["reason"])

    def test_an_empty_or_oversized_answer_is_refused(self) -> None:
        empty = execution.execute(execute_envelope(results=[inquirium_ok(text=" ")]), adam())
        self.assertEqual(empty["diagnostics"]["code"], "inquirium-empty")
        long = execution.execute(execute_envelope(results=[inquirium_ok(text="x" * 4001)]), adam())
        self.assertEqual(long["diagnostics"]["code"], "output-constraint")

    def test_json_answers_are_parsed_or_refused(self) -> None:
        profile = adam(services=[{**NEWS, "answer_format": "json", "constraints": {}}])
        answer = inquirium_ok(text=json.dumps({"items": [1, 2]}))
        parsed = execution.execute(execute_envelope(results=[answer]), profile)
        self.assertEqual((parsed["patch"]["response"]["content"], parsed["patch"]["response"]["format"]),
                         ({"items": [1, 2]}, "json"))
        listed = execution.execute(execute_envelope(results=[inquirium_ok(text="[1, 2]")]), profile)
        self.assertEqual(listed["patch"]["response"]["content"], "[1, 2]")
        broken = execution.execute(execute_envelope(results=[inquirium_ok(text="{not json")]), profile)
        self.assertEqual(broken["diagnostics"]["code"], "output-constraint")


class FakeContext:
    """What the handler reads from the SDK's Context."""

    def __init__(self, settings: dict, executor_id: str = "dator-news") -> None:
        self.settings, self.executor_id = settings, executor_id
        self.module = type("M", (), {"info": {"module_version": "0.1.0"}})()
        self.logged: list[str] = []

    def log(self, message: str, level: str = "info") -> None:
        self.logged.append(f"{level}: {message}")


class HandlerTest(unittest.TestCase):
    def test_routes_by_hook_and_defers_others(self) -> None:
        ctx = FakeContext({"identity": "adam-news", "services": [NEWS]})
        self.assertEqual(handler.invoke(execute_envelope(), ctx)["decision"], "annotate")
        other = {**execute_envelope(), "hook": "workflow.event"}
        self.assertEqual(handler.invoke(other, ctx)["decision"], "defer")

    def test_init_reports_the_profile_or_refuses_bad_settings(self) -> None:
        from orbiplex_sdk import ModuleError
        self.assertEqual(handler.init({}, FakeContext({"services": [NEWS]}))["profile"]["identity"], "dator-news")
        empty = FakeContext({})
        handler.init({}, empty)
        self.assertIn("no services", empty.logged[0])
        with self.assertRaises(ModuleError) as caught:
            handler.init({}, FakeContext({"services": [{"service_type": "x"}]}))
        self.assertEqual(caught.exception.code, "TYPE_ERROR")
        self.assertIn("settings.services[0].price", caught.exception.message)


if __name__ == "__main__":
    unittest.main()
