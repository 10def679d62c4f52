"""Orbiplex Arca's logic, free of HTTP: `template` (workflow templates), `refs` (input references),
`patch` (merge-patch diffs), `engine` (one move of a workflow) and `handler` (what the SDK calls)."""
