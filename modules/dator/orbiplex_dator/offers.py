"""Hook ``service.publish``: shape the fields of a standing ``service-offer.v1`` that Dator owns.

The host prepares the draft offer (identity, sequence, timestamps, expiry and the signature slot
are host-owned and already set); Dator proposes a merge patch with the commercial fields from its
profile; the host clips the patch with the hook's field registry, then signs and publishes.
"""
from __future__ import annotations

import copy

from orbiplex_sdk import decisions

from .checks import format_duration
from .profile import Profile, Service


def refuse(code: str, reason: str, **details: object) -> dict:
    """A ``reject`` whose ``diagnostics.code`` is the machine-readable outcome."""
    return decisions.reject(reason, diagnostics={"code": code, **details})


def deep_merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` merged in: objects merge key by key, anything else in ``extra`` wins."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def offer_fields(profile: Profile, service: Service) -> dict:
    """The offer fields Dator owns, for one service (docs/modules.md, "service.publish")."""
    metadata: dict = {"provider_label": profile.identity}
    if service.model:
        metadata["model"] = service.model
    fields: dict = {
        "pricing": {"amount": service.price, "currency": service.currency,
                    "unit_kind": service.unit_kind, "unit_size": service.unit_size},
        "constraints": {"input": dict(service.constraints.get("input") or {}),
                        "output": {"format": service.answer_format, **(service.constraints.get("output") or {})}},
        "delivery": {"max_duration": format_duration(service.max_delivery_ms),
                     "max_duration_ms": service.max_delivery_ms},
        "queue": {"auto_accept": profile.auto_accept, "max_depth": profile.queue_max_depth},
        "metadata": metadata,
    }
    optional = {"title": service.title, "description": service.description or None,
                "tags": list(service.tags) or None, "hybrid": service.hybrid, "model_first": service.model_first}
    fields.update({key: value for key, value in optional.items() if value is not None})
    return fields


def _selected(payload: dict, profile: Profile) -> tuple[Service | None, dict | None]:
    """The service the host named in ``offer.service_type``, or the reject that explains why there is none."""
    wanted = payload["offer"].get("service_type")
    if not profile.services:
        return None, refuse("no-services", f"Dator {profile.identity!r} has no services in its profile: add "
                            '"settings.services" to its module entry in the node config',
                            identity=profile.identity)
    if wanted is None:
        if len(profile.services) == 1:
            return profile.services[0], None
        return None, refuse("service-type-required",
                            f"Dator {profile.identity!r} offers several services "
                            f"({', '.join(profile.service_types)}): the host must name one in "
                            "payload.offer.service_type (one service.publish per service)",
                            service_types=profile.service_types)
    service = profile.service(wanted) if isinstance(wanted, str) else None
    if service is None:
        return None, refuse("service-type-mismatch",
                            f"Dator {profile.identity!r} does not offer service type {wanted!r}; it offers "
                            f"{', '.join(profile.service_types)}", requested=wanted,
                            service_types=profile.service_types)
    return service, None


def shape(payload: dict, profile: Profile) -> dict:
    """The decision for one ``service.publish`` envelope payload."""
    if not isinstance(payload.get("offer"), dict):
        return refuse("invalid-payload", "service.publish needs payload.offer, the draft offer the host "
                      "prepared (a JSON object); see docs/modules.md", got=sorted(payload))
    service, refusal = _selected(payload, profile)
    if refusal is not None or service is None:
        return refusal or refuse("invalid-payload", "no service selected")
    offer_patch = offer_fields(profile, service)
    if profile.offer_extras:
        # Operator-supplied, proposed as-is: the host's field registry decides what survives.
        offer_patch = deep_merge(offer_patch, profile.offer_extras)
    return decisions.rewrite(
        {"offer": offer_patch},
        f"Dator {profile.identity!r} shaped the {service.service_type!r} offer from its profile",
        diagnostics={"identity": profile.identity, "service_type": service.service_type,
                     "service_types": profile.service_types, "offer_extras": sorted(profile.offer_extras)},
    )
