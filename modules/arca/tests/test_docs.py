"""docs/modules.md is the protocol the host is built from: its Arca examples must be what Arca does."""
import unittest

from sdk.python.tests.module_support import doc_block

from orbiplex_arca import handler, template as templates

from .host import Host, morning_template
from .test_engine import failing


class FakeContext:
    def __init__(self, settings: dict) -> None:
        self.settings = settings


class ArcaDocTest(unittest.TestCase):
    def test_the_retry_move_example_is_exact(self) -> None:
        expected = doc_block(self, lambda b: b.get("schema_version") == "middleware-decision.v1")
        host = Host(params={"date": "2026-03-30"}, answer=failing({"news-2"}, times=1))
        host.call()
        self.assertEqual(host.call(), expected)

    def test_the_procurement_order_example(self) -> None:
        expected = doc_block(self, lambda b: "step_id" in b and "provider_id" in b)
        host = Host(params={"date": "2026-03-30"})
        host.call()
        order = host.orders()[0]
        self.assertEqual(order, {key: value for key, value in expected.items() if key != "offer_id"})

    def test_the_story_006_config_matches_the_shipped_template(self) -> None:
        config = doc_block(self, lambda b: "modules" in b)
        offered = {}
        for entry in config["modules"]:
            if entry.get("bundled") == "dator":
                for service in entry["settings"]["services"]:
                    offered[(f"local:{entry['id']}", service["service_type"])] = service["price"]
            else:
                self.assertEqual(handler.defaults_of(FakeContext(entry["settings"]))[1], 7_200_000)
                self.assertIn("procurement.order", entry["grants"])
        workflow, problems = templates.parse({"run_id": "r", "template": morning_template()})
        self.assertFalse(problems, problems.text())
        for step in workflow.steps:
            if step.kind == "remote-paid":
                # Every paid step names a configured provider and service, at the offer's price.
                self.assertEqual(offered.get((step.provider_id, step.service_type)), step.price, step.step_id)


if __name__ == "__main__":
    unittest.main()
