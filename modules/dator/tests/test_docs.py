"""docs/modules.md is the protocol the host is built from: its Dator examples must be what Dator does."""
import json
import os
import re
import unittest

from orbiplex_dator import execution, offers, profile

from . import MODULES
from .samples import adam, inquirium_ok

DOC = os.path.join(os.path.dirname(MODULES), "docs", "modules.md")


def json_blocks() -> list:
    with open(DOC, encoding="utf-8") as handle:
        return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", handle.read(), re.S)]


def block(test: unittest.TestCase, predicate) -> dict:
    found = [b for b in json_blocks() if predicate(b)]
    test.assertEqual(len(found), 1, "docs/modules.md should hold exactly one such example")
    return found[0]


def without_version(decision: dict) -> dict:
    return {key: value for key, value in decision.items() if key != "schema_version"}


class DatorDocTest(unittest.TestCase):
    def test_the_publication_example(self) -> None:
        payload = block(self, lambda b: "offer" in b)
        answer = block(self, lambda b: b.get("decision") == "rewrite" and "offer" in b.get("patch", {}))
        self.assertEqual(without_version(offers.shape(payload, adam())), answer)

    def test_the_execution_examples(self) -> None:
        payload = block(self, lambda b: "order" in b and "queue" in b)
        envelope = {"hook": "service.execute", "payload": payload, "intent_results": []}
        first = block(self, lambda b: b.get("decision") == "annotate")
        self.assertEqual(without_version(execution.execute(envelope, adam())), first)
        second = block(self, lambda b: b.get("decision") == "return")
        envelope["intent_results"] = [inquirium_ok()]
        self.assertEqual(without_version(execution.execute(envelope, adam())), second)

    def test_the_story_006_config_profiles_are_valid(self) -> None:
        config = block(self, lambda b: "modules" in b)
        datos = [m for m in config["modules"] if m.get("bundled") == "dator"]
        self.assertEqual(len(datos), 3)
        for entry in datos:
            parsed = profile.parse(entry["settings"], entry["id"])
            self.assertEqual(len(parsed.services), 1, entry["id"])
            self.assertEqual(entry["grants"], ["inquirium.request"])


if __name__ == "__main__":
    unittest.main()
