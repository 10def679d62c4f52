"""Hook ``service.execute``: an accepted order becomes model work (through the host) and a response.

Two rounds, both stateless (everything Dator needs travels in the envelope):

1. no result yet for the order's ``inquirium.request`` intent: check the order against the
   profile and the queue depth the host reports; answer ``annotate`` with the intent and a
   ``next_step``, or ``reject`` (``queue-saturated`` when the queue is full);
2. the envelope's ``intent_results`` hold that intent's outcome: answer ``return`` with a patch
   writing the ``response`` fields Dator owns (``response-envelope.v1``'s answer content and
   format, confidence, provenance), or ``reject`` if the model work failed.
"""
from __future__ import annotations

import json
from string import Template

from orbiplex_sdk import decisions
from orbiplex_sdk.checks import Problems

from .offers import refuse
from .profile import Profile, Service

#: The capability Dator asks the host for; model work never goes to a vendor API directly.
INQUIRIUM = "inquirium.request"
#: The ``next_step`` of round 1: "run my intent, then call me again with its result".
NEXT_STEP = "dator.shape-response"
MODULE_LABEL = "orbiplex-dator"
DEFAULT_SYSTEM = ("You are $identity, a provider of the service \"$service_type\" on the Orbiplex exchange. "
                  "$description Fulfil the order you are given. Answer in $format only, with no preamble.")
DEFAULT_PROMPT = "Order input (JSON):\n$input"


def intent_id_for(order_id: str) -> str:
    """The intent id of an order's model work: stable, so round 2 finds its result."""
    return f"inquirium:{order_id}"


def _order(payload: dict) -> tuple[dict | None, Problems]:
    problems = Problems()
    order = payload.get("order")
    if not isinstance(order, dict):
        problems.add("payload.order", "the accepted order (a JSON object)", order)
        return None, problems
    problems.text_field(order, "order_id", "payload.order")
    problems.text_field(order, "service_type", "payload.order")
    problems.int_field(order, "price", "payload.order", expected="an integer number of minor units")
    problems.text_field(order, "currency", "payload.order")
    request = payload.get("request")
    if not isinstance(request, dict) or request.get("input") is None:
        problems.add("payload.request.input", "the buyer's input to the service (any JSON value)",
                     request.get("input") if isinstance(request, dict) else request)
        return None, problems
    return {**order, "input": request["input"]}, problems


def input_chars(value: object) -> int:
    """The number of characters in every string of an order input (what ``max_chars`` limits)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(input_chars(v) for v in value.values())
    if isinstance(value, list):
        return sum(input_chars(v) for v in value)
    return 0


def _terms(order: dict, service: Service | None, profile: Profile) -> dict | None:
    """A reject when the order does not fit the offer (checked in both rounds), else None."""
    if service is None:
        return refuse("service-type-mismatch", f"Dator {profile.identity!r} does not offer "
                      f"{order['service_type']!r} (order {order['order_id']}); it offers "
                      f"{', '.join(profile.service_types) or 'nothing'}", order_id=order["order_id"])
    if order["currency"] != service.currency:
        return refuse("currency-mismatch", f"order {order['order_id']} pays in {order['currency']} but "
                      f"{service.service_type!r} is priced in {service.currency}", order_id=order["order_id"])
    if order["price"] < service.price:
        return refuse("price-below-offer", f"order {order['order_id']} pays {order['price']} minor units, below "
                      f"the offered {service.price} per {service.unit_size} {service.unit_kind}",
                      order_id=order["order_id"], offered=service.price)
    limit = service.max_chars("input")
    if limit is not None and input_chars(order["input"]) > limit:
        return refuse("input-constraint", f"order {order['order_id']} input has {input_chars(order['input'])} "
                      f"characters; {service.service_type!r} accepts at most {limit}",
                      order_id=order["order_id"], max_chars=limit)
    return None


def _queue(payload: dict, order: dict, profile: Profile) -> dict | None:
    """``queue-saturated`` when the host-reported depth has reached the limit, else None."""
    queue = payload.get("queue")
    problems = Problems()
    if not isinstance(queue, dict):
        problems.add("payload.queue", 'the host-reported queue {"depth": n, "max_depth": m}', queue)
    else:
        problems.int_field(queue, "depth", "payload.queue")
        problems.int_field(queue, "max_depth", "payload.queue", minimum=1, default=profile.queue_max_depth)
    if problems:
        return refuse("invalid-payload", f"service.execute payload is invalid: {problems.text()}",
                      problems=problems.items)
    depth = queue["depth"]
    # The smaller limit wins: the profile's own, or the one the host enforces for this offer.
    limit = min(queue.get("max_depth", profile.queue_max_depth), profile.queue_max_depth)
    if depth >= limit:
        return decisions.reject("queue-saturated", diagnostics={
            "code": "queue-saturated", "order_id": order["order_id"], "depth": depth, "max_depth": limit,
            "identity": profile.identity,
            "detail": f"Dator {profile.identity!r} has {depth} orders queued (limit {limit}); retry later"})
    return None


def _fill(template: str, order: dict, service: Service, profile: Profile) -> str:
    values = {}
    if isinstance(order["input"], dict):
        values = {key: str(value) for key, value in order["input"].items()
                  if isinstance(value, (str, int, float)) and not isinstance(value, bool) and key.isidentifier()}
    values.update(identity=profile.identity, service_type=service.service_type, description=service.description,
                  format=service.answer_format,
                  input=json.dumps(order["input"], ensure_ascii=False, indent=2, sort_keys=True))
    return Template(template).safe_substitute(values).strip()


def prompt_for(order: dict, service: Service, profile: Profile) -> str:
    """The prompt: the service's ``prompt`` template (or the default) filled from the order.

    Placeholders: ``$identity``, ``$service_type``, ``$description``, ``$format``, ``$input`` (the
    order input as JSON) and ``$<key>`` for each top-level string or number of an object input.
    """
    return _fill(service.prompt or DEFAULT_PROMPT, order, service, profile)


def system_for(order: dict, service: Service, profile: Profile) -> str:
    """The system text: the service's ``system`` template (or the default), same placeholders."""
    default = DEFAULT_SYSTEM if service.description else DEFAULT_SYSTEM.replace("$description ", "")
    text = _fill(service.system or default, order, service, profile)
    limit = service.max_chars("output")
    return text + (f" Keep the answer under {limit} characters." if limit is not None and not service.system else "")


def _request(order: dict, service: Service, profile: Profile) -> dict:
    intent_id = intent_id_for(order["order_id"])
    # Exactly the host's inquirium.request input (it refuses unknown fields); the model is the host's choice.
    request: dict = {"prompt": prompt_for(order, service, profile), "system": system_for(order, service, profile)}
    if service.max_tokens is not None:
        request["max_tokens"] = service.max_tokens
    if service.temperature is not None:
        request["temperature"] = service.temperature
    return decisions.annotate(
        {"dator": {"order_id": order["order_id"], "stage": "awaiting-inquirium", "intent_id": intent_id,
                   "identity": profile.identity}},
        f"Dator {profile.identity!r} accepted order {order['order_id']} ({service.service_type}) and asks the "
        "host for the model work",
        intents=[decisions.intent(intent_id, INQUIRIUM, request)], next_step=NEXT_STEP)


def _answer(order: dict, result: dict, service: Service) -> tuple[object, float, dict, dict | None]:
    """(content, confidence, model info, None) from an ok inquirium result, or a reject as the last item."""
    body = result.get("result")
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return None, 0, None, refuse("inquirium-empty", f"the host's inquirium.request for order {order['order_id']} "
                                     'returned no "text"; check the host\'s inquirium provider',
                                     order_id=order["order_id"])
    content: object = text
    if service.answer_format == "json":
        try:
            parsed = json.loads(text)
            # response.content is a string or an object: other JSON values stay as their text.
            content = parsed if isinstance(parsed, dict) else text
        except json.JSONDecodeError:
            return None, 0, None, refuse("output-constraint", f"order {order['order_id']}: the model answer is not "
                                         f"the JSON that {service.service_type!r} promises",
                                         order_id=order["order_id"])
    limit = service.max_chars("output")
    if limit is not None and len(text) > limit:
        return None, 0, None, refuse("output-constraint", f"order {order['order_id']}: the answer has {len(text)} "
                                     f"characters; {service.service_type!r} promises at most {limit}",
                                     order_id=order["order_id"], max_chars=limit)
    confidence = body.get("confidence") if isinstance(body, dict) else None
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
        confidence = service.confidence
    model = {key: body[key] for key in ("model", "provider") if isinstance(body.get(key), str)}
    return content, float(confidence), model, None


def _respond(order: dict, result: dict, service: Service, profile: Profile, version: str) -> dict:
    if result.get("status") != "ok":
        error = result.get("error") or "no error text"
        return refuse("inquirium-failed", f"order {order['order_id']} cannot be fulfilled: the host's "
                      f"inquirium.request was {result.get('status')} ({error}); check the host's model provider",
                      order_id=order["order_id"], intent_status=result.get("status"))
    content, confidence, model, refusal = _answer(order, result, service)
    if refusal is not None:
        return refusal
    provenance: dict = {"origin_classes": ["node-generated"], "human_linked": False, "type": "model",
                        "capability": INQUIRIUM, "intent_id": result["intent_id"], "profile": profile.identity,
                        "service_type": service.service_type, "module": f"{MODULE_LABEL}/{version}"}
    if "model" in model:
        provenance["model"] = model["model"]
    if "provider" in model:
        provenance["inquirium_provider"] = model["provider"]
    response = {"content": content, "format": service.answer_format, "confidence": round(confidence, 4),
                "provenance": provenance}
    return decisions.return_({"response": response},
                             f"Dator {profile.identity!r} shaped the response to order {order['order_id']}")


def execute(envelope: dict, profile: Profile, version: str = "0.1.0") -> dict:
    """The decision for one ``service.execute`` envelope."""
    order, problems = _order(envelope["payload"])
    if problems or order is None:
        return refuse("invalid-order", f"service.execute payload is invalid: {problems.text()}",
                      problems=problems.items)
    service = profile.service(order["service_type"])
    refusal = _terms(order, service, profile)
    if refusal is not None or service is None:
        return refusal or refuse("invalid-order", "no service")
    wanted = intent_id_for(order["order_id"])
    result = next((r for r in envelope.get("intent_results") or []
                   if isinstance(r, dict) and r.get("intent_id") == wanted), None)
    if result is None:
        # Round 1. The queue check belongs here only: once the host ran the model work for this
        # order, the order is in progress and a full queue must not discard the result.
        return _queue(envelope["payload"], order, profile) or _request(order, service, profile)
    return _respond(order, result, service, profile, version)
