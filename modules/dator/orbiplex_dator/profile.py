"""The provider profile: what this Dator instance offers, read from the node config entry's
``settings`` (sent by the host in middleware-init as ``module_settings``).

Several Dator instances of the same module run side by side, one per provider profile; the
profile holds an identity *label* (never a key: signing stays with the host), the services
offered, and the queue posture. See docs/modules.md, "Dator settings".
"""
from __future__ import annotations

from dataclasses import dataclass, field

from orbiplex_sdk.checks import Problems, is_int

#: How the price of a service is counted (``pricing.unit_kind``).
UNIT_KINDS = ("item", "chars", "tokens", "seconds")
#: ``answer.format`` values of response-envelope.v1.
ANSWER_FORMATS = ("plain-text", "markdown", "json", "edn", "mixed")
DEFAULT_QUEUE_MAX_DEPTH = 3
DEFAULT_MAX_DELIVERY_MS = 10 * 60_000
DEFAULT_CONFIDENCE = 0.7

_PROFILE_KEYS = ("identity", "services", "queue_max_depth", "auto_accept", "offer_extras")
_SERVICE_KEYS = ("service_type", "title", "description", "tags", "price", "currency", "unit_kind", "unit_size",
                 "constraints", "max_delivery", "max_delivery_ms", "answer_format", "model", "hybrid", "model_first",
                 "prompt", "system", "max_tokens", "temperature", "confidence")


class ProfileError(ValueError):
    """Settings that cannot be a provider profile; ``problems`` lists every field at fault."""

    def __init__(self, problems: Problems) -> None:
        super().__init__(f"the Dator settings are invalid: {problems.text()}; fix the module entry's "
                         '"settings" in the node config (see docs/modules.md, "Dator settings")')
        self.problems = problems


@dataclass(frozen=True)
class Service:
    """One service the provider offers."""

    service_type: str
    price: int
    currency: str
    unit_kind: str = "item"
    unit_size: int = 1
    title: str | None = None
    description: str = ""
    tags: tuple[str, ...] = ()
    constraints: dict = field(default_factory=dict)
    max_delivery_ms: int = DEFAULT_MAX_DELIVERY_MS
    answer_format: str = "plain-text"
    model: str | None = None
    hybrid: bool | None = None
    model_first: bool | None = None
    prompt: str | None = None
    system: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    confidence: float = DEFAULT_CONFIDENCE

    def max_chars(self, side: str) -> int | None:
        """``constraints.<side>.max_chars`` when it is set (side: "input" or "output")."""
        limit = (self.constraints.get(side) or {}).get("max_chars")
        return limit if is_int(limit) and limit > 0 else None


@dataclass(frozen=True)
class Profile:
    """The whole provider profile of one Dator instance."""

    identity: str
    services: tuple[Service, ...] = ()
    queue_max_depth: int = DEFAULT_QUEUE_MAX_DEPTH
    auto_accept: bool = True
    offer_extras: dict = field(default_factory=dict)

    def service(self, service_type: str) -> Service | None:
        """The service of that type, if offered."""
        return next((s for s in self.services if s.service_type == service_type), None)

    @property
    def service_types(self) -> list[str]:
        """Every offered service type, in profile order."""
        return [s.service_type for s in self.services]

    def summary(self) -> dict:
        """What operators see of the profile (module report, diagnostics)."""
        return {"identity": self.identity, "service_types": self.service_types,
                "queue_max_depth": self.queue_max_depth, "auto_accept": self.auto_accept}


def _service(raw: object, path: str, problems: Problems) -> Service | None:
    if not isinstance(raw, dict):
        problems.add(path, "a service object with service_type, price, currency, ...", raw)
        return None
    before = len(problems.items)
    problems.unknown_keys(raw, _SERVICE_KEYS, path)
    service_type = problems.text_field(raw, "service_type", path)
    price = problems.int_field(raw, "price", path, expected="an integer number of minor units (1000 = 10.00 ORC)")
    currency = problems.text_field(raw, "currency", path, default="ORC")
    unit_kind = raw.get("unit_kind", "item")
    if unit_kind not in UNIT_KINDS:
        problems.add(f"{path}.unit_kind", f"one of {', '.join(UNIT_KINDS)}", unit_kind)
    unit_size = problems.int_field(raw, "unit_size", path, minimum=1, default=1)
    title = problems.text_field(raw, "title", path, default=None)
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.add(f"{path}.description", "a string", description)
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag.strip() for tag in tags):
        problems.add(f"{path}.tags", "a list of non-empty strings", tags)
    flags = {}
    for key in ("hybrid", "model_first"):
        flags[key] = raw.get(key)
        if flags[key] is not None and not isinstance(flags[key], bool):
            problems.add(f"{path}.{key}", "true or false", flags[key])
    constraints = problems.object_field(raw, "constraints", path, default={})
    for side in ("input", "output"):
        if isinstance(constraints, dict) and side in constraints:
            inner = problems.object_field(constraints, side, f"{path}.constraints")
            if isinstance(inner, dict) and "max_chars" in inner:
                problems.int_field(inner, "max_chars", f"{path}.constraints.{side}", minimum=1)
    max_delivery = problems.duration_field(raw, "max_delivery", path, default_ms=DEFAULT_MAX_DELIVERY_MS)
    output = (constraints or {}).get("output") if isinstance(constraints, dict) else None
    implied = output.get("format") if isinstance(output, dict) and output.get("format") in ANSWER_FORMATS else None
    answer_format = raw.get("answer_format", implied or "plain-text")
    if answer_format not in ANSWER_FORMATS:
        problems.add(f"{path}.answer_format", f"one of {', '.join(ANSWER_FORMATS)}", answer_format)
    model = problems.text_field(raw, "model", path, default=None)
    prompt = problems.text_field(raw, "prompt", path, default=None)
    system = problems.text_field(raw, "system", path, default=None)
    max_tokens = raw.get("max_tokens")
    if max_tokens is not None and (not is_int(max_tokens) or not 1 <= max_tokens <= 32_000):
        problems.add(f"{path}.max_tokens", "an integer from 1 to 32000", max_tokens)
    temperature = raw.get("temperature")
    if temperature is not None and (isinstance(temperature, bool) or not isinstance(temperature, (int, float))
                                    or not 0 <= temperature <= 2):
        problems.add(f"{path}.temperature", "a number from 0 to 2", temperature)
    confidence = raw.get("confidence", DEFAULT_CONFIDENCE)
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
        problems.add(f"{path}.confidence", "a number from 0 to 1", confidence)
    if len(problems.items) > before:
        return None
    return Service(service_type=service_type, price=price, currency=currency, unit_kind=unit_kind,
                   unit_size=unit_size, title=title, description=description, tags=tuple(tags),
                   constraints=dict(constraints), max_delivery_ms=max_delivery, answer_format=answer_format,
                   model=model, hybrid=flags["hybrid"], model_first=flags["model_first"], prompt=prompt, system=system,
                   max_tokens=max_tokens, temperature=None if temperature is None else float(temperature),
                   confidence=float(confidence))


def parse(settings: object, default_identity: str = "dator") -> Profile:
    """Reads a profile from module settings; raises ProfileError naming every wrong field.

    Empty settings give a profile with no services: the module starts (and reports itself) but
    refuses to publish or execute until an operator configures services.
    """
    problems = Problems()
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        problems.add("settings", "a JSON object", settings)
        raise ProfileError(problems)
    problems.unknown_keys(settings, _PROFILE_KEYS, "settings")
    identity = problems.text_field(settings, "identity", "settings", default=default_identity)
    queue_max_depth = problems.int_field(settings, "queue_max_depth", "settings", minimum=1,
                                         default=DEFAULT_QUEUE_MAX_DEPTH)
    auto_accept = settings.get("auto_accept", True)
    if not isinstance(auto_accept, bool):
        problems.add("settings.auto_accept", "true or false", auto_accept)
    offer_extras = problems.object_field(settings, "offer_extras", "settings", default={})
    raw_services = settings.get("services", [])
    services: list[Service] = []
    if not isinstance(raw_services, list):
        problems.add("settings.services", "a list of service objects", raw_services)
    else:
        for index, raw in enumerate(raw_services):
            service = _service(raw, f"settings.services[{index}]", problems)
            if service is None:
                continue
            if any(s.service_type == service.service_type for s in services):
                problems.add(f"settings.services[{index}].service_type", "a service type not offered twice",
                             service.service_type)
            services.append(service)
    if problems:
        raise ProfileError(problems)
    return Profile(identity=identity, services=tuple(services), queue_max_depth=queue_max_depth,
                   auto_accept=auto_accept, offer_extras=dict(offer_extras))
