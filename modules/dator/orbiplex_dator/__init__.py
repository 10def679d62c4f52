"""Orbiplex Dator's logic, free of HTTP: `profile` (settings), `offers` (service.publish),
`execution` (service.execute) and `handler` (what the SDK calls)."""
