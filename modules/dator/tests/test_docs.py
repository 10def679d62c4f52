"""docs/modules.md is the protocol the host is built from: its Dator examples must be what Dator does."""
import unittest

from sdk.python.tests.module_support import doc_block

from orbiplex_dator import execution, offers, profile

from .samples import adam, inquirium_ok


def without_version(decision: dict) -> dict:
    return {key: value for key, value in decision.items() if key != "schema_version"}


class DatorDocTest(unittest.TestCase):
    def test_the_publication_example(self) -> None:
        payload = doc_block(self, lambda b: "offer" in b)
        answer = doc_block(self, lambda b: b.get("decision") == "rewrite" and "offer" in b.get("patch", {}))
        self.assertEqual(without_version(offers.shape(payload, adam())), answer)

    def test_the_execution_examples(self) -> None:
        payload = doc_block(self, lambda b: "order" in b and "queue" in b)
        envelope = {"hook": "service.execute", "payload": payload, "intent_results": []}
        first = doc_block(self, lambda b: b.get("decision") == "annotate")
        self.assertEqual(without_version(execution.execute(envelope, adam())), first)
        second = doc_block(self, lambda b: b.get("decision") == "return")
        envelope["intent_results"] = [inquirium_ok()]
        self.assertEqual(without_version(execution.execute(envelope, adam())), second)

    def test_the_story_006_config_profiles_are_valid(self) -> None:
        config = doc_block(self, lambda b: "modules" in b)
        datos = [m for m in config["modules"] if m.get("bundled") == "dator"]
        self.assertEqual(len(datos), 3)
        for entry in datos:
            parsed = profile.parse(entry["settings"], entry["id"])
            self.assertEqual(len(parsed.services), 1, entry["id"])
            self.assertEqual(entry["grants"], ["inquirium.request"])


if __name__ == "__main__":
    unittest.main()
