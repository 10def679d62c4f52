"""service.publish: the offer fields Dator shapes, and what it never writes on its own."""
import unittest

from orbiplex_dator import offers, profile

from .samples import NEWS, adam, draft_offer

REDACTION = {"service_type": "redaction.pl", "price": 1000, "unit_kind": "chars", "unit_size": 1800}
#: Every offer field Dator shapes (docs/modules.md); host-owned ones are never among them.
SHAPED = {"title", "description", "tags", "pricing", "constraints", "delivery", "queue", "hybrid", "model_first",
          "metadata"}


class OfferShapingTest(unittest.TestCase):
    def test_the_offer_is_shaped_from_the_profile(self) -> None:
        decision = offers.shape(draft_offer(), adam())
        self.assertEqual((decision["decision"], decision["patch_strategy"]), ("rewrite", "json_merge_patch"))
        self.assertEqual(list(decision["patch"]), ["offer"])
        offer = decision["patch"]["offer"]
        self.assertEqual(offer, {
            "description": "Topical news digests.",
            "pricing": {"amount": 600, "currency": "ORC", "unit_kind": "item", "unit_size": 1},
            "constraints": {"input": {"max_chars": 2000, "languages": ["en"]},
                            "output": {"format": "markdown", "max_chars": 4000}},
            "delivery": {"max_duration": "10min", "max_duration_ms": 600_000},
            "queue": {"auto_accept": True, "max_depth": 5},
            "metadata": {"provider_label": "adam-news", "model": "gpt-5"}})
        self.assertIn("adam-news", decision["reason"])

    def test_host_owned_fields_are_never_proposed(self) -> None:
        offer = offers.shape(draft_offer(), adam())["patch"]["offer"]
        self.assertTrue(set(offer) <= SHAPED, set(offer) - SHAPED)
        self.assertNotIn("current_depth", offer["queue"])

    def test_the_host_names_the_service_to_publish(self) -> None:
        two = adam(services=[NEWS, REDACTION])
        chosen = offers.shape(draft_offer("redaction.pl"), two)
        self.assertEqual(chosen["diagnostics"]["service_type"], "redaction.pl")
        pricing = chosen["patch"]["offer"]["pricing"]
        self.assertEqual((pricing["unit_kind"], pricing["unit_size"]), ("chars", 1800))
        self.assertNotIn("service_type", chosen["patch"]["offer"], "the host sets it; Dator only reads it")
        self.assertEqual(offers.shape(draft_offer(), two)["patch"]["offer"]["pricing"]["amount"], 600)
        self.assertEqual(offers.shape(draft_offer(None), adam())["diagnostics"]["service_type"], "news.topical")
        unnamed = offers.shape(draft_offer(None), two)
        self.assertEqual((unnamed["decision"], unnamed["diagnostics"]["code"]), ("reject", "service-type-required"))
        self.assertEqual(unnamed["diagnostics"]["service_types"], ["news.topical", "redaction.pl"])

    def test_refusals_say_why(self) -> None:
        unknown = offers.shape(draft_offer("weather"), adam())
        self.assertEqual(unknown["diagnostics"]["code"], "service-type-mismatch")
        self.assertIn("'weather'", unknown["reason"])
        empty = offers.shape(draft_offer(), profile.parse({}, "dator-x"))
        self.assertEqual(empty["diagnostics"]["code"], "no-services")
        self.assertIn("settings.services", empty["reason"])
        missing = offers.shape({"draft": {}}, adam())
        self.assertEqual(missing["diagnostics"]["code"], "invalid-payload")
        self.assertIn("payload.offer", missing["reason"])

    def test_offer_extras_are_merged_as_is_even_forbidden_writes(self) -> None:
        extras = {"provider_id": "participant:did:key:zForged", "hybrid": True,
                  "pricing": {"amount": 1, "note": "intro price"}, "queue": {"current_depth": 0}}
        offer = offers.shape(draft_offer(), adam(offer_extras=extras))["patch"]["offer"]
        # Dator proposes them; the host's field registry clips provider_id and queue.current_depth.
        self.assertEqual(offer["provider_id"], "participant:did:key:zForged")
        self.assertEqual(offer["queue"], {"auto_accept": True, "max_depth": 5, "current_depth": 0})
        self.assertEqual(offer["pricing"], {"amount": 1, "currency": "ORC", "unit_kind": "item", "unit_size": 1,
                                            "note": "intro price"})
        self.assertTrue(offer["hybrid"])

    def test_optional_offer_fields_from_the_profile(self) -> None:
        extra = {**NEWS, "title": "Morning news", "tags": ["news", "en"], "hybrid": False, "model_first": True,
                 "max_delivery_ms": 90_500}
        del extra["max_delivery"]
        offer = offers.shape(draft_offer(), adam(services=[extra]))["patch"]["offer"]
        self.assertEqual((offer["title"], offer["tags"], offer["hybrid"], offer["model_first"]),
                         ("Morning news", ["news", "en"], False, True))
        self.assertEqual(offer["delivery"], {"max_duration": "90500ms", "max_duration_ms": 90_500})

    def test_deep_merge_does_not_touch_its_inputs(self) -> None:
        base, extra = {"a": {"b": 1}}, {"a": {"c": [1]}}
        merged = offers.deep_merge(base, extra)
        merged["a"]["c"].append(2)
        self.assertEqual((base, extra, merged), ({"a": {"b": 1}}, {"a": {"c": [1]}}, {"a": {"b": 1, "c": [1, 2]}}))


if __name__ == "__main__":
    unittest.main()
