"""Workflow templates: the shipped story 006 template, and every mistake named with its path."""
import copy
import unittest

from orbiplex_arca import refs, template as templates

from .host import morning_template


def instance(template: dict, params: dict | None = None) -> dict:
    return {"run_id": "wf-1", "template": template, "params": params or {}}


def problem_paths(raw: dict) -> list[str]:
    workflow, problems = templates.parse(raw)
    return [] if workflow is not None else [p["path"] for p in problems.items]


class MorningTemplateTest(unittest.TestCase):
    def test_the_shipped_template_fits_story_006(self) -> None:
        workflow, problems = templates.parse(instance(morning_template()))
        self.assertFalse(problems, problems.text())
        self.assertEqual([p.phase_id for p in workflow.phases], ["news", "redaction", "illustration", "packaging"])
        self.assertEqual([len(p.steps) for p in workflow.phases], [2, 6, 6, 1])
        self.assertEqual({s.provider_id for s in workflow.phases[0].steps}, {"local:dator-news"})
        self.assertEqual(sum(s.price for s in workflow.steps if s.kind == "remote-paid"), 10200)
        packaging = workflow.phases[3].steps[0]
        self.assertEqual((packaging.kind, packaging.capability, packaging.terms()), ("local", "workspace.stage", None))
        self.assertEqual(workflow.timeout_ms, 7_200_000)
        self.assertEqual((workflow.phases[1].retry.max_attempts, workflow.phases[1].retry.initial_ms), (4, 60_000))

    def test_params_override_the_template_defaults(self) -> None:
        workflow, _ = templates.parse(instance(morning_template(), {"date": "2026-03-30"}))
        self.assertEqual((workflow.params["date"], workflow.params["topic_1"]), ("2026-03-30", "technology"))
        self.assertEqual(problem_paths(instance(morning_template(), {"dat": "x"})), ["payload.workflow.params.dat"])


class TemplateErrorsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.template = morning_template()
        self.phases = self.template["phases"]

    def test_references_must_point_to_earlier_phases_and_declared_params(self) -> None:
        self.phases[0]["steps"][0]["input"]["x"] = "$steps.redact-1.content"
        self.phases[1]["steps"][0]["input"]["y"] = "$steps.redact-2"
        self.phases[1]["steps"][1]["input"]["z"] = "$params.nope"
        self.phases[1]["steps"][2]["input"]["w"] = "$elsewhere.x"
        paths = problem_paths(instance(self.template))
        self.assertEqual(paths, ["payload.workflow.template.phases[0].steps[0].input",
                                 "payload.workflow.template.phases[1].steps[0].input",
                                 "payload.workflow.template.phases[1].steps[1].input",
                                 "payload.workflow.template.phases[1].steps[2].input"])

    def test_economic_terms_are_literals_and_local_steps_are_unpaid(self) -> None:
        self.phases[0]["steps"][0]["provider_id"] = "$params.provider"
        self.phases[0]["steps"][1]["price"] = 6.0
        self.phases[3]["steps"][0]["price"] = 100
        self.phases[3]["steps"][0]["capability"] = "procurement.order"
        self.assertEqual(problem_paths(instance(self.template)), [
            "payload.workflow.template.phases[0].steps[0].provider_id",
            "payload.workflow.template.phases[0].steps[1].price",
            "payload.workflow.template.phases[3].steps[0].capability",
            "payload.workflow.template.phases[3].steps[0].price"])

    def test_ids_structure_and_policies(self) -> None:
        self.phases[1]["steps"][0]["step_id"] = "news-1"
        self.phases[2]["phase_id"] = "news"
        self.phases[0]["retry"] = {"max_attempts": 0, "backoff": {"initial": "soon", "factor": 0.5}}
        self.phases[3]["steps"] = []
        self.template["timeout"] = "0s"
        self.template["colour"] = "red"
        paths = problem_paths(instance(self.template))
        for path in ("payload.workflow.template.colour", "payload.workflow.template.timeout",
                     "payload.workflow.template.phases[0].retry.max_attempts",
                     "payload.workflow.template.phases[0].retry.backoff.initial",
                     "payload.workflow.template.phases[0].retry.backoff.factor",
                     "payload.workflow.template.phases[1].steps[0].step_id",
                     "payload.workflow.template.phases[2].phase_id", "payload.workflow.template.phases[3].steps"):
            self.assertIn(path, paths)

    def test_a_missing_template_or_id(self) -> None:
        self.assertEqual(problem_paths({"template": {}}), ["payload.workflow.run_id",
                                                           "payload.workflow.template.template_id",
                                                           "payload.workflow.template.phases"])
        self.assertEqual(problem_paths([]), ["payload.workflow"])

    def test_defaults_fill_what_a_template_leaves_out(self) -> None:
        minimal = {"template_id": "t", "phases": [{"phase_id": "p", "steps": [
            {"step_id": "s", "kind": "local", "input": {"path": "a.txt", "content": "$$5 is literal"}}]}]}
        workflow, problems = templates.parse(instance(minimal), default_retry=templates.Retry(max_attempts=5),
                                             default_timeout_ms=1000)
        self.assertFalse(problems, problems.text())
        self.assertEqual((workflow.timeout_ms, workflow.phases[0].retry.max_attempts), (1000, 5))
        self.assertEqual(refs.resolve(workflow.steps[0].input, {}, {}), {"path": "a.txt", "content": "$5 is literal"})


class ReferencesTest(unittest.TestCase):
    def test_resolution(self) -> None:
        outputs = {"a": {"answer": {"content": "text", "list": [{"k": 1}]}}}
        value = {"x": "$steps.a.answer.content", "y": ["$steps.a.answer.list.0.k", "$params.p"], "z": 3,
                 "w": "$steps.a"}
        self.assertEqual(refs.resolve(value, outputs, {"p": [1]}),
                         {"x": "text", "y": [1, [1]], "z": 3, "w": outputs["a"]})
        for bad in ("$steps.a.answer.nope", "$steps.b", "$params.q", "$steps.a.answer.list.3"):
            with self.assertRaisesRegex(refs.Unresolvable, "cannot be resolved"):
                refs.resolve(bad, outputs, {"p": 1})

    def test_template_is_not_mutated_by_resolution(self) -> None:
        template = morning_template()
        before = copy.deepcopy(template)
        workflow, _ = templates.parse(instance(template))
        resolved = refs.resolve(workflow.steps[2].input, {"news-1": {"content": "c"}}, workflow.params)
        self.assertEqual(resolved["text"], "c")
        self.assertEqual(template, before)


if __name__ == "__main__":
    unittest.main()
