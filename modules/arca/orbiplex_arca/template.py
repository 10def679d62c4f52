"""Workflow templates (``arca-workflow-template.v1``) and instances, read and checked in full.

A template is phases of steps. A step is ``remote-paid`` (paid work bought through host
procurement from a named provider at a named price) or ``local`` (a host capability such as
``workspace.stage``). Each phase has a retry policy; the template has an outer timeout. The exact
format is in docs/modules.md, "Workflow template".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from orbiplex_sdk.checks import Problems, is_int

from . import refs

TEMPLATE_FORMAT = "arca-workflow-template.v1"
STEP_KINDS = ("remote-paid", "local")
#: Capabilities a local step may use (a local step is one host intent).
LOCAL_CAPABILITIES = ("workspace.stage", "inquirium.request")
#: The economic meaning of a remote step: Arca never changes these (only a host-approved transition may).
TERM_KEYS = ("provider_id", "service_type", "price", "currency")
DEFAULT_TIMEOUT_MS = 3_600_000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_TEMPLATE_KEYS = ("format", "template_id", "name", "description", "timeout", "timeout_ms", "params", "defaults",
                  "phases")
_PHASE_KEYS = ("phase_id", "description", "retry", "steps")
_STEP_KEYS = ("step_id", "kind", "description", "provider_id", "service_type", "price", "currency", "offer_id",
              "capability", "input")
_RETRY_KEYS = ("max_attempts", "backoff")
_BACKOFF_KEYS = ("initial", "initial_ms", "factor", "max", "max_ms")


@dataclass(frozen=True)
class Retry:
    """How often a step of a phase is tried, and how long to wait between tries."""

    max_attempts: int = 3
    initial_ms: int = 1000
    factor: float = 2.0
    max_ms: int = 60_000

    def delay_ms(self, attempts_done: int) -> int:
        """The wait before the next attempt, after ``attempts_done`` failed ones (>= 1)."""
        return min(self.max_ms, round(self.initial_ms * self.factor ** max(0, attempts_done - 1)))


@dataclass(frozen=True)
class Step:
    """One step of a phase."""

    step_id: str
    phase_id: str
    kind: str
    input: dict
    description: str = ""
    provider_id: str | None = None
    service_type: str | None = None
    price: int | None = None
    currency: str | None = None
    offer_id: str | None = None
    capability: str = "procurement.order"

    def terms(self) -> dict | None:
        """The economic terms of a remote-paid step (None for a local one)."""
        if self.kind != "remote-paid":
            return None
        return {"provider_id": self.provider_id, "service_type": self.service_type, "price": self.price,
                "currency": self.currency}


@dataclass(frozen=True)
class Phase:
    """Steps dispatched together; the next phase starts when all of them are done."""

    phase_id: str
    steps: tuple[Step, ...]
    retry: Retry
    description: str = ""


@dataclass(frozen=True)
class Workflow:
    """A workflow run: its id, the template and the params in force."""

    run_id: str
    template_id: str
    name: str
    timeout_ms: int
    phases: tuple[Phase, ...]
    params: dict = field(default_factory=dict)

    def step(self, step_id: str) -> Step | None:
        """The step with that id."""
        return next((s for p in self.phases for s in p.steps if s.step_id == step_id), None)

    def phase_index(self, phase_id: str) -> int:
        """The 0-based position of a phase (-1 if unknown)."""
        return next((i for i, p in enumerate(self.phases) if p.phase_id == phase_id), -1)

    @property
    def steps(self) -> list[Step]:
        """Every step, phase by phase."""
        return [s for p in self.phases for s in p.steps]


def retry_policy(raw: object, path: str, problems: Problems, fallback: Retry) -> Retry:
    """A retry policy `{"max_attempts", "backoff": {"initial", "factor", "max"}}`; absent keys take ``fallback``."""
    if raw is None:
        return fallback
    if not isinstance(raw, dict):
        problems.add(path, 'a retry policy {"max_attempts": n, "backoff": {...}}', raw)
        return fallback
    problems.unknown_keys(raw, _RETRY_KEYS, path)
    attempts = problems.int_field(raw, "max_attempts", path, minimum=1, default=fallback.max_attempts)
    backoff = problems.object_field(raw, "backoff", path, default={})
    if not isinstance(backoff, dict):
        return fallback
    where = f"{path}.backoff"
    problems.unknown_keys(backoff, _BACKOFF_KEYS, where)
    initial = problems.duration_field(backoff, "initial", where, default_ms=fallback.initial_ms)
    maximum = problems.duration_field(backoff, "max", where, default_ms=max(fallback.max_ms, initial or 0))
    factor = backoff.get("factor", fallback.factor)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor < 1:
        problems.add(f"{where}.factor", "a number >= 1", factor)
        factor = fallback.factor
    return Retry(attempts or fallback.max_attempts, initial if initial is not None else fallback.initial_ms,
                 float(factor), maximum if maximum is not None else fallback.max_ms)


def _step(raw: object, path: str, phase_id: str, problems: Problems) -> Step | None:
    if not isinstance(raw, dict):
        problems.add(path, "a step object", raw)
        return None
    problems.unknown_keys(raw, _STEP_KEYS, path)
    step_id = problems.text_field(raw, "step_id", path)
    if step_id is not None and not _ID.match(step_id):
        problems.add(f"{path}.step_id", "letters, digits, '_' or '-' (at most 64, starting with a letter or digit)",
                     step_id)
    kind = raw.get("kind")
    if kind not in STEP_KINDS:
        problems.add(f"{path}.kind", '"remote-paid" or "local"', kind)
    step_input = problems.object_field(raw, "input", path, default={})
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.add(f"{path}.description", "a string", description)
    terms: dict = {}
    if kind == "remote-paid":
        for key in ("provider_id", "service_type", "currency"):
            terms[key] = problems.text_field(raw, key, path)
            if refs.is_reference(terms[key]):
                problems.add(f"{path}.{key}", "a literal (economic terms are never references)", terms[key])
        terms["price"] = problems.int_field(raw, "price", path,
                                            expected="an integer number of minor units (1000 = 10.00 ORC)")
        terms["offer_id"] = problems.text_field(raw, "offer_id", path, default=None)
        if "capability" in raw:
            problems.add(f"{path}.capability", "nothing: remote-paid steps always use procurement.order",
                         raw["capability"])
        capability = "procurement.order"
    else:
        capability = raw.get("capability", "workspace.stage")
        if capability not in LOCAL_CAPABILITIES:
            problems.add(f"{path}.capability", f"one of {', '.join(LOCAL_CAPABILITIES)}", capability)
        for key in (*TERM_KEYS, "offer_id"):
            if key in raw:
                problems.add(f"{path}.{key}", "nothing: local steps are unpaid and have no provider", raw[key])
    if step_id is None or kind not in STEP_KINDS or not isinstance(step_input, dict):
        return None
    return Step(step_id=step_id, phase_id=phase_id, kind=kind, input=step_input,
                description=description if isinstance(description, str) else "", capability=capability, **terms)


def _check_references(workflow_phases: list[Phase], params: dict, path: str, problems: Problems) -> None:
    earlier: set[str] = set()
    for p_index, phase in enumerate(workflow_phases):
        for s_index, step in enumerate(phase.steps):
            where = f"{path}.phases[{p_index}].steps[{s_index}].input"
            for text in refs.references(step.input):
                parsed = refs.parse(text)
                if parsed is None:
                    problems.add(where, "references of the form $steps.<step>[.<key>...] or $params.<name>[.<key>...] "
                                 "(write $$ for a literal $)", text)
                elif parsed[0] == "params" and parsed[1] not in params:
                    problems.add(where, f"a param declared in the template's params ({', '.join(params) or 'none'})",
                                 text)
                elif parsed[0] == "steps" and parsed[1] not in earlier:
                    problems.add(where, "a reference to a step of an earlier phase", text)
        earlier.update(s.step_id for s in phase.steps)


def parse(raw: object, *, default_retry: Retry = Retry(), default_timeout_ms: int = DEFAULT_TIMEOUT_MS,
          path: str = "payload.workflow") -> tuple[Workflow | None, Problems]:
    """Reads a workflow run ``{"run_id", "template", "params", ...}``; returns it and the problems."""
    problems = Problems()
    if not isinstance(raw, dict):
        problems.add(path, 'a workflow run {"run_id", "template", "params", "state"}', raw)
        return None, problems
    run_id = problems.text_field(raw, "run_id", path)
    template = problems.object_field(raw, "template", path)
    overrides = problems.object_field(raw, "params", path, default={})
    if not isinstance(template, dict):
        return None, problems
    where = f"{path}.template"
    problems.unknown_keys(template, _TEMPLATE_KEYS, where)
    if template.get("format", TEMPLATE_FORMAT) != TEMPLATE_FORMAT:
        problems.add(f"{where}.format", f'"{TEMPLATE_FORMAT}"', template.get("format"))
    template_id = problems.text_field(template, "template_id", where)
    name = template.get("name", template_id)
    timeout_ms = problems.duration_field(template, "timeout", where, default_ms=default_timeout_ms)
    if timeout_ms == 0:
        problems.add(f"{where}.timeout", "a duration above zero", template.get("timeout", 0))
    params = dict(problems.object_field(template, "params", where, default={}) or {})
    for key, value in (overrides or {}).items():
        if key not in params:
            problems.add(f"{path}.params.{key}", f"a param the template declares ({', '.join(params) or 'none'})",
                         value)
        params[key] = value
    defaults = problems.object_field(template, "defaults", where, default={}) or {}
    fallback = retry_policy(defaults.get("retry"), f"{where}.defaults.retry", problems, default_retry)
    raw_phases = template.get("phases")
    phases: list[Phase] = []
    seen: set[str] = set()
    if not isinstance(raw_phases, list) or not raw_phases:
        problems.add(f"{where}.phases", "a non-empty list of phases", raw_phases)
        raw_phases = []
    for p_index, raw_phase in enumerate(raw_phases):
        p_path = f"{where}.phases[{p_index}]"
        if not isinstance(raw_phase, dict):
            problems.add(p_path, "a phase object", raw_phase)
            continue
        problems.unknown_keys(raw_phase, _PHASE_KEYS, p_path)
        phase_id = problems.text_field(raw_phase, "phase_id", p_path)
        if phase_id is not None and (not _ID.match(phase_id) or phase_id in seen):
            problems.add(f"{p_path}.phase_id", "a unique id of letters, digits, '_' or '-'", phase_id)
        seen.add(phase_id or "")
        retry = retry_policy(raw_phase.get("retry"), f"{p_path}.retry", problems, fallback)
        raw_steps = raw_phase.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            problems.add(f"{p_path}.steps", "a non-empty list of steps", raw_steps)
            raw_steps = []
        steps = []
        for s_index, raw_step in enumerate(raw_steps):
            step = _step(raw_step, f"{p_path}.steps[{s_index}]", phase_id or "", problems)
            if step is not None and (step.step_id in seen):
                problems.add(f"{p_path}.steps[{s_index}].step_id", "an id unique among phases and steps", step.step_id)
            elif step is not None:
                seen.add(step.step_id)
                steps.append(step)
        description = raw_phase.get("description", "")
        phases.append(Phase(phase_id or "", tuple(steps), retry, description if isinstance(description, str) else ""))
    _check_references(phases, params, where, problems)
    if problems:
        return None, problems
    return Workflow(run_id=run_id, template_id=template_id, name=name if isinstance(name, str) else
                    template_id, timeout_ms=timeout_ms, phases=tuple(phases), params=params), problems


def is_valid_price(value: object) -> bool:
    """A price in integer minor units."""
    return is_int(value) and value >= 0
