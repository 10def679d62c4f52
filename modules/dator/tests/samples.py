"""Profiles, orders and envelopes shared by Dator's tests."""
from __future__ import annotations

import copy

from orbiplex_dator import profile

NEWS = {"service_type": "news.topical", "description": "Topical news digests.", "price": 600, "currency": "ORC",
        "unit_kind": "item", "max_delivery": "10min", "model": "gpt-5", "answer_format": "markdown",
        "constraints": {"input": {"max_chars": 2000, "languages": ["en"]}, "output": {"max_chars": 4000}}}
SETTINGS = {"identity": "adam-news", "queue_max_depth": 5, "auto_accept": True, "services": [NEWS]}


def settings(**changes: object) -> dict:
    """A copy of SETTINGS with top-level changes."""
    return {**copy.deepcopy(SETTINGS), **changes}


def adam(**changes: object) -> profile.Profile:
    """Adam's news profile (story 006), optionally changed."""
    return profile.parse(settings(**changes))


def draft_offer(service_type: str | None = "news.topical") -> dict:
    """A draft offer as the host prepares it: host-owned fields already set, the service named."""
    offer = {"schema_version": "service-offer.v1", "offer_id": "offer:01", "provider_id": "local:dator-news",
             "node_id": "node:did:key:z6MkNode", "sequence": 7, "issued_at": "2026-03-30T06:00:00Z",
             "expires_at": "2026-03-30T18:00:00Z", "signature": None, "queue": {"current_depth": 0}}
    if service_type is not None:
        offer["service_type"] = service_type
    return {"offer": offer}


def order(**changes: object) -> dict:
    """An accepted order for the news service (host-owned)."""
    return {"order_id": "order-1", "offer_id": "offer:01", "service_type": "news.topical", "price": 600,
            "currency": "ORC", **changes}


INPUT = {"topic": "technology", "date": "2026-03-30"}


def execute_envelope(depth: int = 0, max_depth: int = 5, results: list | None = None, input: object = None,
                     **order_changes: object) -> dict:
    """A service.execute envelope (as the SDK hands it to the handler)."""
    return {"schema_version": "workflow-envelope.v1", "envelope_id": "env-1", "hook": "service.execute",
            "correlation_id": "order-1", "annotations": {}, "intent_results": results or [],
            "trace": {"causality_id": "cause:1", "hop": 0, "component_path": []}, "deadline_ms": 5000,
            "payload": {"order": order(**order_changes), "request": {"input": INPUT if input is None else input},
                        "queue": {"depth": depth, "max_depth": max_depth}}}


def inquirium_ok(text: str = "# Tech\nThree things happened.", **extra: object) -> dict:
    """The host's result of the order's inquirium.request."""
    return {"intent_id": "inquirium:order-1", "status": "ok",
            "result": {"text": text, "model": "deterministic-v1", "provider": "deterministic", **extra}}
