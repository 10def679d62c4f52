"""The decision builders produce valid middleware-decision.v1 dicts and refuse invalid ones."""
import json
import unittest

from . import support  # noqa: F401 - puts the SDK on sys.path
from orbiplex_sdk import decisions


class DecisionsTest(unittest.TestCase):
    def test_every_kind_has_a_builder_with_the_common_fields(self) -> None:
        built = [decisions.allow(), decisions.annotate({"a": 1}), decisions.rewrite({"p": 1}),
                 decisions.route({"target": "x"}), decisions.return_(), decisions.drop(), decisions.defer(),
                 decisions.reject("no")]
        self.assertEqual([d["decision"] for d in built], list(decisions.KINDS))
        for decision in built:
            self.assertEqual(decision["schema_version"], "middleware-decision.v1")
            self.assertIsInstance(decision["reason"], str)
            json.dumps(decision, allow_nan=False)

    def test_patches_carry_the_merge_patch_strategy(self) -> None:
        self.assertEqual(decisions.rewrite({"t": None}, "clear t"),
                         {"schema_version": "middleware-decision.v1", "decision": "rewrite", "reason": "clear t",
                          "patch_strategy": "json_merge_patch", "patch": {"t": None}})
        self.assertEqual(decisions.return_({"response": {"ok": True}})["patch_strategy"], "json_merge_patch")
        self.assertNotIn("patch", decisions.return_())

    def test_options_intents_next_step_diagnostics(self) -> None:
        decision = decisions.allow("ask", intents=[decisions.intent("i1", "inquirium.request", {"q": 1})],
                                   next_step="publish", diagnostics={"took_ms": 1}, annotations={"k": "v"})
        self.assertEqual(decision["intents"], [{"intent_id": "i1", "capability": "inquirium.request", "input": {"q": 1}}])
        self.assertEqual((decision["next_step"], decision["diagnostics"], decision["annotations"]),
                         ("publish", {"took_ms": 1}, {"k": "v"}))
        self.assertEqual(decisions.intent("i2", "workflow.schedule")["input"], {})

    def test_invalid_input_is_refused_with_a_clear_error(self) -> None:
        with self.assertRaisesRegex(ValueError, "<area>.<verb>"):
            decisions.intent("i1", "Not A Capability")
        with self.assertRaisesRegex(ValueError, "intent_id"):
            decisions.intent("", "inquirium.request")
        with self.assertRaisesRegex(TypeError, "patch must be a JSON object"):
            decisions.rewrite(["not", "an", "object"])
        with self.assertRaisesRegex(TypeError, "annotations"):
            decisions.annotate("text")
        with self.assertRaisesRegex(ValueError, "non-empty reason"):
            decisions.reject("")
        with self.assertRaisesRegex(ValueError, "one of"):
            decisions.decision("maybe")
        with self.assertRaisesRegex(ValueError, "<area>.<verb>"):
            decisions.allow(intents=[{"intent_id": "i", "capability": "bad", "input": {}}])


if __name__ == "__main__":
    unittest.main()
