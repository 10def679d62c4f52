"""The provider profile read from module settings."""
import unittest

from orbiplex_dator import profile

from .samples import NEWS, settings


class ProfileTest(unittest.TestCase):
    def test_empty_settings_give_a_profile_without_services(self) -> None:
        empty = profile.parse({}, "dator-news")
        self.assertEqual((empty.identity, empty.services, empty.queue_max_depth, empty.auto_accept),
                         ("dator-news", (), profile.DEFAULT_QUEUE_MAX_DEPTH, True))
        self.assertEqual(profile.parse(None).identity, "dator")

    def test_a_full_profile(self) -> None:
        adam = profile.parse(settings())
        news = adam.service("news.topical")
        self.assertEqual((adam.identity, adam.queue_max_depth, adam.service_types), ("adam-news", 5, ["news.topical"]))
        self.assertEqual((news.price, news.currency, news.unit_kind, news.unit_size, news.max_delivery_ms),
                         (600, "ORC", "item", 1, 600_000))
        self.assertEqual((news.answer_format, news.model, news.max_chars("input"), news.max_chars("output")),
                         ("markdown", "gpt-5", 2000, 4000))
        self.assertIsNone(adam.service("redaction.pl"))

    def test_durations_in_either_form_and_format_from_constraints(self) -> None:
        service = {"service_type": "redaction.pl", "price": 1000, "unit_kind": "chars", "unit_size": 1800,
                   "max_delivery_ms": 1_800_000, "constraints": {"output": {"format": "plain-text"}}}
        ola = profile.parse({"identity": "ola", "services": [service], "auto_accept": False})
        redaction = ola.services[0]
        self.assertEqual((redaction.max_delivery_ms, redaction.unit_size, redaction.answer_format, ola.auto_accept),
                         (1_800_000, 1800, "plain-text", False))

    def test_every_wrong_field_is_named(self) -> None:
        bad = settings(queue_max_depth=0, auto_accept="yes", colour="red", services=[
            {**NEWS, "price": 6.5, "unit_kind": "kg", "max_delivery": "soon", "confidence": 2, "extra": 1},
            {"price": 1}, "not a service"])
        with self.assertRaises(profile.ProfileError) as caught:
            profile.parse(bad)
        paths = [p["path"] for p in caught.exception.problems.items]
        for path in ("settings.queue_max_depth", "settings.auto_accept", "settings.colour",
                     "settings.services[0].price", "settings.services[0].unit_kind",
                     "settings.services[0].max_delivery",
                     "settings.services[0].confidence", "settings.services[0].extra",
                     "settings.services[1].service_type", "settings.services[2]"):
            self.assertIn(path, paths)
        self.assertIn("node config", str(caught.exception))
        self.assertIn("1000 = 10.00 ORC", str(caught.exception.problems.items))

    def test_a_service_type_offered_twice_is_refused(self) -> None:
        with self.assertRaisesRegex(profile.ProfileError, r"services\[1\]\.service_type"):
            profile.parse(settings(services=[NEWS, NEWS]))

    def test_settings_must_be_an_object(self) -> None:
        with self.assertRaisesRegex(profile.ProfileError, "settings: expected a JSON object"):
            profile.parse(["services"])


if __name__ == "__main__":
    unittest.main()
