"""Merge-patch diffs: applying diff(old, new) to old always gives new (property over random documents)."""
import random
import unittest

from orbiplex_arca import patch


def document(rng: random.Random, depth: int = 0) -> dict:
    out = {}
    for _ in range(rng.randint(0, 4)):
        key = rng.choice("abcdef")
        kind = rng.random()
        if kind < 0.3 and depth < 3:
            out[key] = document(rng, depth + 1)
        elif kind < 0.45:
            out[key] = [rng.randint(0, 3) for _ in range(rng.randint(0, 3))]
        elif kind < 0.7:
            out[key] = rng.randint(0, 3)
        else:
            out[key] = rng.choice(["x", "y", True, False])
    return out


class PatchTest(unittest.TestCase):
    def test_diff_then_apply_round_trips(self) -> None:
        rng = random.Random(4)
        for _ in range(2000):
            old, new = document(rng), document(rng)
            change = patch.diff(old, new)
            self.assertEqual(patch.apply(old, change), new, (old, new, change))
            self.assertEqual(patch.diff(new, new), {})

    def test_rfc_7396_examples(self) -> None:
        cases = [({"a": "b"}, {"a": "c"}, {"a": "c"}), ({"a": "b"}, {"a": None}, {}),
                 ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}), ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
                 ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}), ({"a": "foo"}, "bar", "bar")]
        for target, change, result in cases:
            self.assertEqual(patch.apply(target, change), result)

    def test_nulls_are_dropped_from_stored_outputs(self) -> None:
        self.assertEqual(patch.without_nulls({"a": None, "b": [{"c": None, "d": 1}]}), {"b": [{"d": 1}]})


if __name__ == "__main__":
    unittest.main()
