/**
 * Runs the real bundled Dator and Arca (build/modules/*.pyz) under the supervisor with the whole
 * exchange host side, over a fresh temp data folder, for one test. Entries carry the test file's
 * RUN_MARKER so the leftover-process check finds them.
 */
import { NodeContext } from "@effect/platform-node"
import { Context, Deferred, Effect, Exit, Layer, Option, Queue, Schema, Scope } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { NodeConfig, NodeSettings } from "../../src/config/NodeConfig.js"
import { isJsonObject, type Json, JsonObject } from "../../src/contract/Json.js"
import { ModuleEntry } from "../../src/contract/ModuleEntry.js"
import * as NodeRoot from "../../src/node/NodeRoot.js"
import { defaultExchange, type ExchangeSettings } from "../../src/exchange/ExchangeConfig.js"
import { deterministic, InquiriumProvider } from "../../src/capability/Inquirium.js"
import { OfferCatalog } from "../../src/exchange/OfferCatalog.js"
import { OfferPublisher } from "../../src/exchange/OfferPublisher.js"
import { Procurement } from "../../src/exchange/Procurement.js"
import { OrderAcceptance } from "../../src/exchange/OrderAcceptance.js"
import { ParticipantKeys } from "../../src/exchange/ParticipantKeys.js"
import { Ledger } from "../../src/exchange/settlement/Ledger.js"
import { SettlementRecords } from "../../src/exchange/settlement/SettlementRecords.js"
import { WorkflowRunner } from "../../src/workflow/WorkflowRunner.js"
import { IntentHost } from "../../src/middleware/IntentHost.js"
import { TraceStore } from "../../src/middleware/TraceStore.js"
import { LifecycleLog } from "../../src/supervisor/LifecycleLog.js"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import { manifest, PYTHON, REPO_ROOT, RUN_MARKER } from "../support/Fixture.js"
import { quiet } from "../support/Node.js"
import { isAlive } from "../support/Processes.js"

/** The shipped story 006 template. */
export const MORNING_TEMPLATE = Path.join(REPO_ROOT, "modules", "arca", "templates", "morning-briefing.json")

/** The template with every retry backoff shortened (same attempts), so retries take milliseconds. */
export const fastRetries = (template: JsonObject): JsonObject => {
  const fast = (retry: Json | undefined): Json =>
    isJsonObject(retry) ? { ...retry, backoff: { initial: "20ms", factor: 2, max: "100ms" } } : retry ?? null
  const phases = Array.isArray(template["phases"]) ? template["phases"] : []
  const defaults = template["defaults"]
  return {
    ...template,
    ...(isJsonObject(defaults) && defaults["retry"] !== undefined ? { defaults: { ...defaults, retry: fast(defaults["retry"]) } } : {}),
    phases: phases.map((phase: Json) => (isJsonObject(phase) && phase["retry"] !== undefined ? { ...phase, retry: fast(phase["retry"]) } : phase))
  }
}

/** The value at a path of JSON objects, if there is one. */
export const get = (value: Json | undefined, ...path: ReadonlyArray<string>): Json | undefined =>
  path.reduce<Json | undefined>((at, key) => (isJsonObject(at) ? at[key] : Array.isArray(at) ? at[Number(key)] : undefined), value)

/** Reads a JSON object file. */
export const readJsonObject = (file: string): JsonObject =>
  Schema.decodeUnknownSync(JsonObject)(JSON.parse(Fs.readFileSync(file, "utf8")))

const decodeEntry = Schema.decodeUnknownSync(ModuleEntry, { onExcessProperty: "error" })

/** A bundled module's entry in config (JSON) form, launched from its zipapp with the test's marker. */
export const bundledEntryJson = (bundled: "dator" | "arca", id: string, extra: Record<string, unknown> = {}) => {
  const built = manifest.modules[bundled]
  if (built === undefined) throw new Error(`build/modules/manifest.json has no ${bundled}: run "npm run build"`)
  return {
    id,
    module_id: built.module_id,
    component_id: `middleware.${id}`,
    hooks: [...built.hooks],
    launch: { executable: PYTHON, args: [built.pyz, RUN_MARKER], cwd: built.cwd },
    restart_policy: { max_restarts: 5, window_sec: 60, backoff: { initial_ms: 20, max_ms: 100, jitter: false } },
    health: { interval_ms: 60_000 },
    stop: { grace_ms: 1_000 },
    ...extra
  }
}

/** A bundled module's entry, decoded. */
export const bundledEntry = (bundled: "dator" | "arca", id: string, extra: Record<string, unknown> = {}): ModuleEntry =>
  decodeEntry(bundledEntryJson(bundled, id, extra))

/** The grants Arca needs. */
export const ARCA_GRANTS = ["procurement.order", "workspace.stage", "workflow.schedule", "workflow.transition", "inquirium.request"]

/** A Dator instance with a provider profile (docs/modules.md §2.1). */
export const datorEntry = (id: string, settings: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  bundledEntry("dator", id, { grants: ["inquirium.request"], settings, ...extra })

/** Arca with every grant it needs. */
export const arcaEntry = (id = "arca", settings: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  bundledEntry("arca", id, {
    grants: ARCA_GRANTS,
    settings,
    http: { max_response_bytes: 1_048_576 },
    ...extra
  })

/** Queue depths of the story providers (docs/modules.md §4 has 5, 3, 3). */
export interface StoryDepths {
  readonly news?: number
  readonly redaction?: number
  readonly illustration?: number
}

/** The provider profiles of the three story 006 Dators (docs/modules.md §4), by executor id. */
export const storyProfiles = (depths: StoryDepths = {}): Record<string, Record<string, unknown>> => ({
  "dator-news": {
    identity: "adam-news",
    queue_max_depth: depths.news ?? 5,
    auto_accept: true,
    services: [{ service_type: "news.topical", price: 600, unit_kind: "item", max_delivery: "10min", answer_format: "markdown", model: "gpt-5" }]
  },
  "dator-redaction": {
    identity: "ola-redaction",
    queue_max_depth: depths.redaction ?? 3,
    auto_accept: false,
    services: [{
      service_type: "redaction.pl",
      price: 1000,
      unit_kind: "chars",
      unit_size: 1800,
      max_delivery: "30min",
      model: "bielik",
      hybrid: true,
      model_first: true
    }]
  },
  "dator-illustration": {
    identity: "marcin-illustration",
    queue_max_depth: depths.illustration ?? 3,
    services: [{ service_type: "illustration.editorial", price: 500, unit_kind: "item", max_delivery: "20min", model: "diffusion" }]
  }
})

/** The three story 006 Dator instances. */
export const storyDators = (depths: StoryDepths = {}): ReadonlyArray<ModuleEntry> =>
  Object.entries(storyProfiles(depths)).map(([id, settings]) => datorEntry(id, settings))

/**
 * `settings` with orders accepted in advance (`procurement.acceptance: automatic`). The story's
 * redaction offer has auto_accept false, so under the default (`offer-terms`) its orders wait for an
 * operator; the tests that run the story without one at hand say so with these settings, and the
 * tests about acceptance pass `offer-terms` (or the defaults) themselves.
 */
export const acceptedInAdvance = (settings: ExchangeSettings = defaultExchange): ExchangeSettings => ({
  ...settings,
  procurement: { ...settings.procurement, acceptance: "automatic" }
})

/** What a test drives. */
export interface ExchangeNode {
  readonly dataDir: string
  readonly supervisor: Supervisor["Type"]
  readonly log: LifecycleLog["Type"]
  readonly catalog: OfferCatalog["Type"]
  readonly publisher: OfferPublisher["Type"]
  readonly procurement: Procurement["Type"]
  readonly runner: WorkflowRunner["Type"]
  readonly traces: TraceStore["Type"]
  readonly intents: IntentHost["Type"]
  readonly acceptance: OrderAcceptance["Type"]
  readonly keys: ParticipantKeys["Type"]
  readonly records: SettlementRecords["Type"]
  /** The ledger, on rail host-ledger. */
  readonly ledger: Option.Option<Ledger["Type"]>
  /** Stops every module now (the test's scope would do it later); idempotent. */
  readonly close: Effect.Effect<void>
}

/** Options of `startExchange`. */
export interface ExchangeTestOptions {
  /** Default: `acceptedInAdvance()` (no operator at hand to accept the story's redaction orders). */
  readonly settings?: ExchangeSettings
  readonly inquirium?: Layer.Layer<InquiriumProvider>
  /** Reuse a data folder (a host "restart"); a fresh temp folder otherwise. */
  readonly dataDir?: string
}

/** A fresh temp folder removed with the scope. */
export const tempDataDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "orbiplex-exchange-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** Starts the modules and the exchange host side; everything stops with the test's scope. */
export const startExchange = (
  modules: ReadonlyArray<ModuleEntry>,
  options: ExchangeTestOptions = {}
): Effect.Effect<ExchangeNode, never, Scope.Scope> =>
  Effect.gen(function*() {
    const dataDir = options.dataDir ?? (yield* tempDataDir)
    const config = NodeConfig.make({ node: NodeSettings.make({ id: "node-test", data_dir: dataDir }), modules })
    const scope = yield* Scope.make()
    const close = quiet(Scope.close(scope, Exit.void))
    yield* Effect.addFinalizer(() => close)
    const layer = NodeRoot.layerExchange(config, {
      exchange: options.settings ?? acceptedInAdvance(),
      ...(options.inquirium === undefined ? {} : { inquirium: options.inquirium })
    })
    const context = yield* Layer.buildWithScope(layer, scope).pipe(Effect.orDie, quiet)
    // The supervisor layer returns while modules start; tests begin once each is ready or failed.
    yield* Context.get(context, Supervisor).awaitSettled
    return {
      dataDir,
      supervisor: Context.get(context, Supervisor),
      log: Context.get(context, LifecycleLog),
      catalog: Context.get(context, OfferCatalog),
      publisher: Context.get(context, OfferPublisher),
      procurement: Context.get(context, Procurement),
      runner: Context.get(context, WorkflowRunner),
      traces: Context.get(context, TraceStore),
      intents: Context.get(context, IntentHost),
      acceptance: Context.get(context, OrderAcceptance),
      keys: Context.get(context, ParticipantKeys),
      records: Context.get(context, SettlementRecords),
      ledger: Context.getOption(context, Ledger),
      close
    }
  }).pipe(Effect.provide(NodeContext.layer))

/**
 * An inquirium provider that tells `entered` each time it is asked, then waits until `release` is
 * completed before answering (to hold an order in flight without sleeping).
 */
export const gatedInquirium = (entered: Queue.Queue<string>, release: Deferred.Deferred<void>): Layer.Layer<InquiriumProvider> =>
  Layer.succeed(InquiriumProvider, InquiriumProvider.of({
    name: "gated",
    complete: (request) =>
      Queue.offer(entered, request.prompt).pipe(
        Effect.zipRight(Deferred.await(release)),
        Effect.zipRight(deterministic.complete(request))
      )
  }))

/** The pid of a module's running process. */
export const pidOf = (node: ExchangeNode, executorId: string): Effect.Effect<number> =>
  Effect.flatMap(Effect.orDie(node.supervisor.current(executorId)), (current) =>
    Option.match(current, {
      onNone: () => Effect.dieMessage(`${executorId} is not running`),
      onSome: (running) => Effect.succeed(running.child.pid)
    }))

/** SIGKILLs a process (tests only; the supervisor sees a crash). */
export const sigkill = (pid: number): Effect.Effect<void> =>
  Effect.sync(() => {
    if (isAlive(pid)) process.kill(pid, "SIGKILL")
  })
