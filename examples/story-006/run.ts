/**
 * `npm run story-006`: story 006 on four nodes (SETTLEMENT.md acceptance scenario). Starts Adam's,
 * Ola's and Marcin's seller nodes and the CasualFeeders buyer node (Arca) from the configs beside this
 * file, each with its own data folder, keys and loopback address; tops the buyer up with the signed
 * gateway receipt; runs `morning-briefing` on the buyer (Ola's orders wait for acceptance, and this
 * script accepts them as her operator would); prints each node's view and the buyer's ledger; decodes
 * every ledger artifact with the project's Schema for it; checks the end balances of SETTLEMENT.md §4;
 * stops all four. Exit 0 only if everything decodes and balances.
 *
 * The keys in `keys/` are demo keys, public on purpose so the configs can name each other: never use
 * them for a real node. `STORY_006_DATA=<dir>` puts the data folders elsewhere (default
 * `data/story-006`, wiped at start).
 */
import { FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Console, Data, Duration, Effect, Either, Fiber, Layer, Option, Schedule, type Schema } from "effect"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import { fileURLToPath } from "node:url"
import { resolveTarget } from "../../src/cli/OperatorTarget.js"
import { isJsonObject, type Json, type JsonObject, parseJsonObject, parseJsonText } from "../../src/contract/Json.js"
import { didOf } from "../../src/exchange/settlement/DidKey.js"
import { accountIdFor } from "../../src/exchange/settlement/Ledger.js"
import { decoderEither, problemText } from "../../src/exchange/settlement/artifacts/Common.js"
import { GatewayReceipt } from "../../src/exchange/settlement/artifacts/GatewayReceipt.js"
import { LedgerAccount } from "../../src/exchange/settlement/artifacts/LedgerAccount.js"
import { LedgerHold } from "../../src/exchange/settlement/artifacts/LedgerHold.js"
import { LedgerTransfer } from "../../src/exchange/settlement/artifacts/LedgerTransfer.js"
import { makeOperatorClient } from "../../src/operator/OperatorClient.js"
import { makeWorkClient } from "../../src/operator/WorkClient.js"

/** The story does not balance, or a step of it failed. */
class StoryFailed extends Data.TaggedError("StoryFailed")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

const here = fileURLToPath(new URL(".", import.meta.url))
/** The repository: this file runs from `dist/examples/story-006/`, its sources live in `examples/story-006/`. */
const repo = here.includes("/dist/") ? Fs.realpathSync(`${here}/../../..`) : Fs.realpathSync(`${here}/../..`)
const source = `${repo}/examples/story-006`
const bin = `${repo}/dist/cli/orbiplex.js`

const SELLERS = ["adam", "ola", "marcin"] as const
const NODES = [...SELLERS, "buyer"] as const
type NodeName = typeof NODES[number]

/** The end balances of SETTLEMENT.md §4, available and held, in ORC minor units. */
const EXPECTED: Readonly<Record<string, readonly [number, number]>> = {
  buyer: [34800, 0],
  adam: [1200, 0],
  ola: [6000, 0],
  marcin: [3000, 0],
  pool: [5000, 0]
}

/** Writes `<root>/<name>.json` (the example config, its data folder under root) and seeds the demo keys. */
const prepare = (root: string, name: NodeName) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(`${source}/${name}.json`)
    const parsed = parseJsonObject(text)
    if (parsed._tag === "Left") return yield* new StoryFailed({ reason: `${name}.json: ${parsed.left}` })
    const config = parsed.right
    const node = isJsonObject(config["node"]) ? config["node"] : {}
    const dataDir = `${root}/${name}`
    yield* fs.makeDirectory(`${dataDir}/participants`, { recursive: true })
    yield* fs.copyFile(`${source}/keys/${name}-node.pem`, `${dataDir}/node-key.pem`)
    if (name === "buyer") yield* fs.copyFile(`${source}/keys/buyer-participant.pem`, `${dataDir}/participants/buyer.pem`)
    const file = `${root}/${name}.json`
    yield* fs.writeFileString(file, JSON.stringify({ ...config, node: { ...node, data_dir: dataDir } }, null, 2))
    return file
  })

/** One node as a child process, its output in `<root>/<name>.log`; stopped (SIGTERM, then awaited) with the scope. */
const startNode = (root: string, name: NodeName, file: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      // The child writes its output straight to the file: spawn takes a file descriptor, opened here.
      const log = Fs.openSync(`${root}/${name}.log`, "w")
      const child = ChildProcess.spawn(process.execPath, [bin, "start", "--config", file], { stdio: ["ignore", log, log] })
      Fs.closeSync(log)
      return child
    }),
    (child) =>
      Effect.async<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.kill("SIGTERM")
      })
  )

/** The work and operator clients of the node a config file describes. */
const clientsOf = (file: string) =>
  Effect.gen(function*() {
    // The node writes its operator token early in its first start: ask again until it is there.
    const target = yield* resolveTarget({ config: Option.some(file), operator: Option.none() }).pipe(
      Effect.retry(Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(Duration.seconds(30))))
    )
    return {
      work: yield* makeWorkClient(target.url, target.token),
      operator: yield* makeOperatorClient(target.url, target.token)
    }
  })

/** Waits until every member of the node is ready (the client itself waits out "still starting"). */
const awaitReady = (name: string, clients: Effect.Effect.Success<ReturnType<typeof clientsOf>>) =>
  clients.operator.list.pipe(
    Effect.filterOrFail(
      (modules) => modules.length > 0 && modules.every((module) => module.state === "ready"),
      (modules) => new StoryFailed({ reason: `${name}: ${modules.map((m) => `${m.executor_id} ${m.state}`).join(", ")}` })
    ),
    Effect.retry(Schedule.spaced(Duration.millis(250)).pipe(Schedule.upTo(Duration.seconds(60))))
  )

/** Runs a CLI command of the built node, as an operator would, and answers its output. */
const cli = (...args: ReadonlyArray<string>) =>
  Effect.async<string, StoryFailed>((resume) => {
    ChildProcess.execFile(process.execPath, [bin, ...args], (error, stdout, stderr) =>
      resume(error === null ? Effect.succeed(stdout) : Effect.fail(new StoryFailed({ reason: `orbiplex ${args.join(" ")}: ${stderr || error.message}` }))))
  })

/** The shipped morning-briefing with the demo's short retry delays (the docs' 30 s backoff stays in the template). */
const demoTemplate = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(`${repo}/modules/arca/templates/morning-briefing.json`)
  const shortened = text.replaceAll("\"initial\": \"30s\"", "\"initial\": \"500ms\"").replaceAll("\"max\": \"5min\"", "\"max\": \"2s\"")
  const parsed = parseJsonObject(shortened)
  return parsed._tag === "Right" ? parsed.right : yield* new StoryFailed({ reason: `morning-briefing.json: ${parsed.left}` })
})

/** Ola's operator: accepts each order that waits for her, until interrupted. */
const olaAccepts = (work: Effect.Effect.Success<ReturnType<typeof clientsOf>>["work"]) =>
  work.listOrders.pipe(
    Effect.flatMap((list) =>
      Effect.forEach(list.orders.filter((order) => order.status === "pending"), (order) =>
        Effect.zipRight(Console.log(`  ola's operator accepts ${order.order_id} (${order.price} ${order.currency})`), Effect.ignore(work.acceptOrder(order.order_id))))
    ),
    Effect.ignore,
    Effect.repeat(Schedule.spaced(Duration.millis(200)))
  )

/** The ledger account of the participant whose key is in `file` (`account:participant:did:key:…`). */
const accountOf = (file: string) =>
  Effect.map(FileSystem.FileSystem.pipe(Effect.flatMap((fs) => fs.readFileString(file))), (pem) =>
    accountIdFor(`participant:${didOf(Crypto.createPublicKey(pem))}`))

/** The JSON array of objects a `--json` ledger listing prints. */
const jsonObjects = (text: string): ReadonlyArray<JsonObject> => {
  const parsed = parseJsonText(text)
  return parsed._tag === "Right" && Array.isArray(parsed.right) ? parsed.right.filter(isJsonObject) : []
}

/** Each artifact of `list` that its project Schema refuses, as `<schema> <index>: <problem>`. */
const undecodable = <A, I>(name: string, schema: Schema.Schema<A, I>, list: ReadonlyArray<JsonObject>): ReadonlyArray<string> =>
  list.flatMap((artifact, index) =>
    Either.match(decoderEither(schema)(artifact), { onLeft: (error) => [`${name} ${index}: ${problemText(error)}`], onRight: () => [] }))

const numberAt = (value: Json | undefined) => (typeof value === "number" ? value : 0)

/** The buyer ledger's balances by story role. */
const balancesOf = (accounts: ReadonlyArray<JsonObject>, roles: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(roles).map(([role, accountId]) => {
    const account = accounts.find((a) => a["account/id"] === accountId)
    return [role, [numberAt(account?.["available/balance"]), numberAt(account?.["held/balance"])]]
  }))

const story = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const root = process.env["STORY_006_DATA"] ?? `${repo}/data/story-006`
  yield* fs.remove(root, { recursive: true }).pipe(Effect.ignore)
  yield* fs.makeDirectory(root, { recursive: true })
  const files = Object.fromEntries(yield* Effect.forEach(NODES, (name) => Effect.map(prepare(root, name), (file) => [name, file] as const)))
  const fileOf = (name: NodeName) => files[name] ?? ""
  const started = Date.now()

  yield* Console.log("starting the seller nodes of Adam, Ola and Marcin")
  yield* Effect.forEach(SELLERS, (name) => startNode(root, name, fileOf(name)), { discard: true })
  const sellers = yield* Effect.forEach(SELLERS, (name) => Effect.tap(clientsOf(fileOf(name)), (clients) => awaitReady(name, clients)))
  yield* Console.log("starting the CasualFeeders buyer node (Arca)")
  yield* startNode(root, "buyer", fileOf("buyer"))
  const buyer = yield* clientsOf(fileOf("buyer"))
  yield* awaitReady("buyer", buyer)

  yield* Console.log("topping up the buyer with gateway receipt gw:01JVGW001 (500 PLN)")
  yield* Console.log(yield* cli("ledger", "topup", "--receipt", `${source}/topup-receipt.json`, "--config", fileOf("buyer")))

  yield* Console.log("running morning-briefing on the buyer")
  const ola = sellers[1]
  if (ola === undefined) return yield* new StoryFailed({ reason: "Ola's node did not start" })
  const accepting = yield* Effect.fork(olaAccepts(ola.work))
  const accepted = yield* buyer.work.startRun({ template: yield* demoTemplate, params: { date: "2026-03-30" }, run_id: "story-006" })
  const run = yield* buyer.work.getRun(accepted.run_id).pipe(
    // The run as last read is the schedule's output: read every 250 ms until it is no longer running.
    Effect.repeat(Schedule.recurUntil((body: { readonly status: string }) => body.status !== "running").pipe(
      Schedule.intersect(Schedule.spaced(Duration.millis(250))),
      Schedule.passthrough
    )),
    Effect.timeoutFail({ duration: Duration.minutes(5), onTimeout: () => new StoryFailed({ reason: "the run did not end within 5 minutes" }) })
  )
  yield* Console.log(`run ${accepted.run_id}: ${run.status}`)

  for (const [index, name] of SELLERS.entries()) {
    const modules = yield* Effect.orElseSucceed(sellers[index]?.operator.list ?? Effect.succeed([]), () => [])
    const waiting = yield* Effect.orElseSucceed(Effect.map(sellers[index]?.work.listOrders ?? Effect.succeed({ orders: [] }), (list) => list.orders), () => [])
    yield* Console.log(`${name}: ${modules.map((m) => `${m.executor_id} ${m.state}`).join(", ")}; orders awaiting acceptance: ${waiting.filter((o) => o.status === "pending").length}`)
  }
  yield* Console.log("\nthe buyer's ledger:")
  yield* Console.log(yield* cli("ledger", "balances", "--config", fileOf("buyer")))
  const accounts = jsonObjects(yield* cli("ledger", "balances", "--json", "--config", fileOf("buyer")))
  const holds = jsonObjects(yield* cli("ledger", "holds", "--json", "--config", fileOf("buyer")))
  const transfers = jsonObjects(yield* cli("ledger", "transfers", "--json", "--config", fileOf("buyer")))
  const receipts = jsonObjects(yield* cli("ledger", "receipts", "--json", "--config", fileOf("buyer")))
  const problems = [
    ...undecodable("ledger-account.v1", LedgerAccount, accounts),
    ...undecodable("ledger-hold.v1", LedgerHold, holds),
    ...undecodable("ledger-transfer.v1", LedgerTransfer, transfers),
    ...undecodable("gateway-receipt.v1", GatewayReceipt, receipts)
  ]
  yield* Console.log(`${accounts.length + holds.length + transfers.length + receipts.length} ledger artifacts read; ${problems.length} off their schema`)
  for (const problem of problems) yield* Console.log(`  ${problem}`)
  yield* Fiber.interrupt(accepting)
  const roles: Record<string, string> = {
    buyer: yield* accountOf(`${root}/buyer/participants/buyer.pem`),
    adam: yield* accountOf(`${root}/adam/participants/dator-news.pem`),
    ola: yield* accountOf(`${root}/ola/participants/dator-redaction.pem`),
    marcin: yield* accountOf(`${root}/marcin/participants/dator-illustration.pem`),
    pool: "account:community-pool"
  }
  const balances = balancesOf(accounts, roles)
  const held = accounts.reduce((sum, a) => sum + numberAt(a["held/balance"]), 0)
  const total = accounts.reduce((sum, a) => sum + numberAt(a["available/balance"]) + numberAt(a["held/balance"]), 0)
  yield* Console.log(`\nend balances: ${JSON.stringify(balances)}; held ${held}; sum ${total}; ${holds.length} holds; ${Math.round((Date.now() - started) / 100) / 10} s`)
  const balanced = problems.length === 0 && run.status === "completed" && held === 0 && total === 50000 &&
    Object.entries(EXPECTED).every(([role, [available, onHold]]) => balances[role]?.[0] === available && balances[role]?.[1] === onHold)
  if (!balanced) return yield* new StoryFailed({ reason: `story 006 does not balance: expected ${JSON.stringify(EXPECTED)}` })
  yield* Console.log("story 006 balances: buyer 34800, Adam 1200, Ola 6000, Marcin 3000, pool 5000, held 0")
}).pipe(Effect.scoped)

NodeRuntime.runMain(story.pipe(
  Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)),
  Effect.tapError((error) => Console.error(`story 006 failed: ${error.message}`))
))
