/**
 * The hooks the host defines itself (issue 3 item 1): the service hooks the bundled modules use
 * (`service.publish` and `service.execute` for Dator, `workflow.event` for Arca) and the transport
 * hooks Orbiplex names (orbiplex-notes §2.3, §5), with the decisions each admits.
 *
 * Payload schemas are permissive (unknown keys are allowed and kept) but typed where a module writes,
 * so a patch that breaks a field's type is refused at revalidation (§2.3 step 4). What a module may
 * write is listed key by key: a wide grant such as `offer.*` would overlap host-owned fields.
 */
import { Schema } from "effect"
import type { DecisionKind } from "../contract/Decision.js"
import type { BuiltinHook } from "./Hook.js"
import { payloadCheckOf } from "./Hook.js"
import { JsonObjectValue, JsonValue } from "./MergePatch.js"

const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })
const Text = Schema.NonEmptyString
const Fraction = Schema.Number.pipe(Schema.between(0, 1))
const Count = Schema.NonNegativeInt

/** The `offer` of `service.publish`: a standing service offer before the host signs it (story 006 `service-offer.v1`). */
export const ServiceOffer = Schema.Struct({
  offer_id: Text,
  service_type: Text,
  provider_id: optional(Schema.String),
  participant_id: optional(Schema.String),
  node_id: optional(Schema.String),
  title: optional(Schema.String),
  description: optional(Schema.String),
  tags: optional(Schema.Array(Schema.String)),
  pricing: optional(Schema.Struct({
    amount: Schema.NonNegative,
    currency: Text,
    unit_kind: optional(Schema.String)
  })),
  constraints: optional(JsonObjectValue),
  delivery: optional(Schema.Struct({ max_duration: optional(Schema.String) })),
  queue: optional(Schema.Struct({
    auto_accept: optional(Schema.Boolean),
    max_depth: optional(Count),
    current_depth: optional(Count)
  })),
  hybrid: optional(Schema.Boolean),
  model_first: optional(Schema.Boolean),
  ttl_sec: optional(Schema.Int.pipe(Schema.positive())),
  metadata: optional(JsonObjectValue),
  sequence: optional(Count),
  issued_at: optional(Schema.String),
  signature: optional(JsonValue)
})

/** Payload of `service.publish`. */
export const ServicePublishPayload = Schema.Struct({ offer: ServiceOffer })

/** Answer formats of `response-envelope.v1`. */
export const AnswerFormat = Schema.Literal("plain-text", "markdown", "json", "edn", "mixed")

/** Payload of `service.execute`: the accepted order (host-owned), its request, and the response being shaped. */
export const ServiceExecutePayload = Schema.Struct({
  order: Schema.Struct({
    order_id: Text,
    service_type: Text,
    offer_id: optional(Schema.String)
  }),
  request: optional(Schema.Struct({ input: optional(JsonValue) })),
  execution: optional(Schema.Struct({
    status: optional(Schema.Literal("queued", "running", "completed", "failed")),
    progress: optional(Fraction),
    queue_posture: optional(Schema.Literal("accepting", "saturated", "paused")),
    notes: optional(Schema.String)
  })),
  response: optional(Schema.Struct({
    response_id: optional(Schema.String),
    content: optional(Schema.Union(Schema.String, JsonObjectValue)),
    format: optional(AnswerFormat),
    confidence: optional(Fraction),
    uncertainty: optional(Fraction),
    provenance: optional(Schema.Struct({
      origin_classes: optional(Schema.Array(Schema.Literal("node-generated", "node-mediated-human", "human-live"))),
      model: optional(Schema.String),
      human_linked: optional(Schema.Boolean)
    })),
    summary: optional(Schema.String),
    metadata: optional(JsonObjectValue)
  }))
})

/** Payload of `workflow.event`: a workflow run (identity and money host-owned) and the event that happened to it. */
export const WorkflowEventPayload = Schema.Struct({
  workflow: Schema.Struct({
    run_id: Text,
    workflow_id: optional(Schema.String),
    phase: optional(Schema.String),
    state: optional(JsonObjectValue),
    outputs: optional(JsonObjectValue),
    next_phase: optional(Schema.String),
    retry: optional(Schema.Struct({
      attempt: optional(Count),
      max_retries: optional(Count),
      delay_ms: optional(Count)
    })),
    notes: optional(Schema.String)
  }),
  event: Schema.Struct({
    kind: Text,
    at: optional(Schema.String),
    phase: optional(Schema.String),
    detail: optional(JsonObjectValue)
  })
})

/** Payload of the transport hooks: one message and, on the way back, its response. */
export const MessagePayload = Schema.Struct({
  msg: optional(Schema.String),
  chain_kind: optional(Schema.String),
  remote_node_id: optional(Schema.String),
  headers: optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  payload: optional(JsonValue),
  response: optional(JsonValue)
})

const messageHostOwned = ["msg", "chain_kind", "remote_node_id"]

const define = <A, I>(
  hook: Omit<BuiltinHook, "checkPayload" | "maxRounds" | "mutationPolicy"> & {
    readonly payload: Schema.Schema<A, I>
  }
): BuiltinHook => {
  const { payload, ...rest } = hook
  return { ...rest, checkPayload: payloadCheckOf(payload), mutationPolicy: "clip", maxRounds: 8 }
}

const transport = (
  name: string,
  description: string,
  admits: ReadonlyArray<DecisionKind>,
  failurePolicy: BuiltinHook["failurePolicy"],
  writable: ReadonlyArray<string>
): BuiltinHook =>
  define({
    name,
    description,
    admits,
    payload: MessagePayload,
    failurePolicy,
    deadlineMs: 2_000,
    writable,
    hostOwned: messageHostOwned
  })

/** Every built-in hook, in a stable order. */
export const builtinHookList: ReadonlyArray<BuiltinHook> = [
  define({
    name: "service.publish",
    description: "shape a standing service offer before the host signs and publishes it",
    admits: ["allow", "annotate", "rewrite", "reject"],
    payload: ServicePublishPayload,
    failurePolicy: "fail_closed",
    deadlineMs: 30_000,
    writable: [
      "offer.title",
      "offer.description",
      "offer.tags",
      "offer.pricing",
      "offer.constraints",
      "offer.delivery",
      "offer.queue.auto_accept",
      "offer.queue.max_depth",
      "offer.hybrid",
      "offer.model_first",
      "offer.ttl_sec",
      "offer.metadata"
    ],
    hostOwned: ["offer.offer_id", "offer.participant_id", "offer.queue.current_depth", "offer.expires_at"]
  }),
  define({
    name: "service.execute",
    description: "shape the execution of an accepted order and the response delivered for it",
    admits: ["allow", "annotate", "rewrite", "return", "reject", "defer"],
    payload: ServiceExecutePayload,
    failurePolicy: "fail_closed",
    deadlineMs: 30_000,
    writable: [
      "response.content",
      "response.format",
      "response.confidence",
      "response.uncertainty",
      "response.provenance",
      "response.summary",
      "response.metadata",
      "execution.progress",
      "execution.queue_posture",
      "execution.notes"
    ],
    hostOwned: [
      "order",
      "response.response_id",
      "response.source_node_id",
      "response.source_participant_id",
      "response.created_at"
    ]
  }),
  define({
    name: "workflow.event",
    description: "propose the next workflow state when something happens to a workflow run",
    admits: ["allow", "annotate", "rewrite", "reject", "defer"],
    payload: WorkflowEventPayload,
    failurePolicy: "fail_closed",
    deadlineMs: 30_000,
    writable: ["workflow.state", "workflow.outputs", "workflow.next_phase", "workflow.retry", "workflow.notes"],
    hostOwned: [
      "event",
      "workflow.run_id",
      "workflow.workflow_id",
      "workflow.budget",
      "workflow.spent",
      "workflow.providers"
    ]
  }),
  transport("pre-input", "before the host parses an inbound message", ["allow", "annotate", "rewrite", "drop"], "fail_open", [
    "payload",
    "headers"
  ]),
  transport("inbound-local", "local input before the host handles it", ["allow", "rewrite", "return", "reject"], "fail_closed", [
    "payload",
    "response"
  ]),
  transport("inbound-peer", "a peer's message before the host's handlers", ["allow", "rewrite", "return", "drop"], "fail_open", [
    "payload",
    "response"
  ]),
  transport(
    "inbound-broadcast",
    "a broadcast event before the host's handlers",
    ["allow", "annotate", "rewrite", "drop", "defer"],
    "fail_open",
    ["payload"]
  ),
  transport("pre-send", "a response before the host sends it", ["allow", "rewrite", "drop"], "fail_closed", ["payload", "headers"]),
  transport("audit", "observe a finished exchange; never changes dispatch", ["allow"], "fail_open", [])
]

/** Built-in hooks by name. */
export const builtinHooks: ReadonlyMap<string, BuiltinHook> = new Map(builtinHookList.map((hook) => [hook.name, hook]))
