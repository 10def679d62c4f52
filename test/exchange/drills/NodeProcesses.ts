/**
 * Real nodes for the SIGKILL drills (issue 11 item 7): each node is `node dist/cli/orbiplex.js start` as a
 * child process with its own data folder (seeded with the story's demo keys) and loopback address.
 * A node can be crashed (SIGKILL of the host only, as a power cut would leave it) and started again
 * on the same folder; whatever a node started is killed when the test's scope closes. The ledger is
 * read the way an operator reads it, through `orbiplex ledger … --json`.
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Console, Data, Duration, Effect, Layer, Option, Schedule, type Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { resolveTarget } from "../../../src/cli/OperatorTarget.js"
import { isJsonObject, type Json, type JsonObject, parseJsonText } from "../../../src/contract/Json.js"
import { makeOperatorClient } from "../../../src/operator/OperatorClient.js"
import { makeWorkClient } from "../../../src/operator/WorkClient.js"
import { BIN, REPO_ROOT } from "../../support/Fixture.js"
import { awaitGone, isAlive, killQuietly } from "../../support/Processes.js"

/** The story's demo keys (public on purpose; never a real node's). */
export const DEMO_KEYS = Path.join(REPO_ROOT, "examples", "story-006", "keys")
/** The gateway receipt that tops the demo buyer up: 45000 ORC to the buyer, 5000 to the pool. */
export const TOPUP_RECEIPT = Path.join(REPO_ROOT, "examples", "story-006", "topup-receipt.json")
/** What the top-up leaves on the buyer's account. */
export const TOPUP_NET = 45_000
/** The demo node ids the keys in DEMO_KEYS give. */
export const DEMO_NODE_IDS = {
  buyer: "node:did:key:z6MkkuANqdyFLQoGuTNRdqKpDqBFmvcTXJz3UUUi6m9L1qNY",
  adam: "node:did:key:z6MkiMBu5edyodzUFjrEHB8TUaCRErNQguiKooUFqraiW6iY"
} as const
/** The trusted gateway of the demo receipt. */
export const DEMO_GATEWAY = "node:did:key:z6MknjAVdLhkuwHZjPto7hEJGJin2zdfhC9qNjBAEXmcuSzP"

/** What the operator clients and the CLI reads need: the platform and a keep-alive HTTP client. */
export const drillPlatform = Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)

/** A drill step that did not go as the drill expects. */
export class DrillFailed extends Data.TaggedError("DrillFailed")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

/** A port nobody listens on at `host` right now (the OS picks it). */
export const freePort = (host: string): Effect.Effect<number> =>
  Effect.async<number>((resume) => {
    const server = Net.createServer()
    server.listen(0, host, () => {
      const address = server.address()
      const port = address !== null && typeof address === "object" ? address.port : 0
      server.close(() => resume(Effect.succeed(port)))
    })
  })

/** Seeds `dataDir` with a demo node key (and the demo buyer participant key when asked). */
export const seedDataDir = (dataDir: string, nodeKey: "buyer" | "adam", withBuyerParticipant: boolean): void => {
  Fs.mkdirSync(Path.join(dataDir, "participants"), { recursive: true })
  Fs.copyFileSync(Path.join(DEMO_KEYS, `${nodeKey}-node.pem`), Path.join(dataDir, "node-key.pem"))
  if (withBuyerParticipant) Fs.copyFileSync(Path.join(DEMO_KEYS, "buyer-participant.pem"), Path.join(dataDir, "participants", "buyer.pem"))
}

/** The pids whose parent chain leads to `root` (read from /proc while `root` still lives). */
export const descendantsOf = (root: number): ReadonlyArray<number> => {
  const parents = new Map<number, number>()
  for (const name of Fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = Fs.readFileSync(`/proc/${name}/stat`, "utf8")
      // "pid (comm) S ppid ...": comm may hold spaces, so read after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      parents.set(Number(name), ppid)
    } catch {
      // Gone meanwhile.
    }
  }
  const found: Array<number> = []
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent === pid) {
        found.push(child)
        walk(child)
      }
    }
  }
  walk(root)
  return found
}

/** One running node host process. */
export interface NodeProcess {
  readonly pid: number
  /** The node's modules (and what they started), as seen from /proc now. */
  readonly descendants: Effect.Effect<ReadonlyArray<number>>
}

/** A node that can be started, crashed and started again on the same config and data folder. */
export interface DrillNode {
  readonly name: string
  readonly configFile: string
  /** Starts the host process; it is stopped (and everything it started killed) when the scope closes. */
  readonly start: Effect.Effect<NodeProcess, never, Scope.Scope>
  /** What the node wrote to its log so far (every start appends). */
  readonly log: Effect.Effect<string>
  /** SIGKILLs the host only and waits until it and every process it had started are gone. */
  readonly crash: (node: NodeProcess) => Effect.Effect<ReadonlyArray<number>, DrillFailed>
}

const GONE_WITHIN_MS = 20_000

/** Ends a host and everything under it: SIGTERM, a bounded wait, then SIGKILL to what is left. */
const stopAll = (pid: number) =>
  Effect.gen(function*() {
    const under = descendantsOf(pid)
    if (isAlive(pid)) yield* Effect.ignore(Effect.try(() => process.kill(pid, "SIGTERM")))
    yield* Effect.ignore(awaitGone(pid, 10_000))
    for (const each of [pid, ...under]) if (isAlive(each)) killQuietly(each)
  })

/** A node described by `config` (written to `<dir>/<name>.json`), its log in `<dir>/<name>.log`. */
export const makeDrillNode = (dir: string, name: string, config: JsonObject, env: Readonly<Record<string, string>> = {}): DrillNode => {
  const configFile = Path.join(dir, `${name}.json`)
  const logFile = Path.join(dir, `${name}.log`)
  Fs.writeFileSync(configFile, JSON.stringify(config, null, 2))
  const start = Effect.acquireRelease(
    Effect.sync(() => {
      const log = Fs.openSync(logFile, "a")
      const child = ChildProcess.spawn(process.execPath, [BIN, "start", "--config", configFile], {
        stdio: ["ignore", log, log],
        env: { ...process.env, ...env }
      })
      Fs.closeSync(log)
      return child.pid ?? 0
    }),
    (pid) => stopAll(pid)
  ).pipe(Effect.map((pid): NodeProcess => ({ pid, descendants: Effect.sync(() => descendantsOf(pid)) })))
  const crash = (node: NodeProcess) =>
    Effect.gen(function*() {
      const modules = descendantsOf(node.pid)
      if (modules.length === 0) return yield* new DrillFailed({ reason: `${name} (pid ${node.pid}) runs no module processes to orphan` })
      killQuietly(node.pid)
      // The modules see stdin EOF and must take themselves (and what they started) down.
      for (const pid of [node.pid, ...modules]) {
        yield* awaitGone(pid, GONE_WITHIN_MS).pipe(
          Effect.mapError(() => new DrillFailed({ reason: `pid ${pid} of ${name} outlived the host's SIGKILL by ${GONE_WITHIN_MS} ms` }))
        )
      }
      return modules
    })
  const log = Effect.sync(() => (Fs.existsSync(logFile) ? Fs.readFileSync(logFile, "utf8") : ""))
  return { name, configFile, start, crash, log }
}

/** On failure, prints the nodes' logs (the temp folder holding them is gone after the test). */
export const showLogsOnFailure = (nodes: ReadonlyArray<DrillNode>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.tapErrorCause(effect, () =>
    Effect.forEach(nodes, (node) => Effect.flatMap(node.log, (text) => Console.error(`--- ${node.name}.log ---\n${text.slice(-20_000)}`)), { discard: true }))

/** The work and operator clients of a node (asked again until the node has written its operator token). */
export const clientsOf = (node: DrillNode) =>
  Effect.gen(function*() {
    const target = yield* resolveTarget({ config: Option.some(node.configFile), operator: Option.none() }).pipe(
      Effect.retry(Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(Duration.seconds(30))))
    )
    return {
      work: yield* makeWorkClient(target.url, target.token),
      operator: yield* makeOperatorClient(target.url, target.token)
    }
  })

/** A node's clients. */
export type Clients = Effect.Effect.Success<ReturnType<typeof clientsOf>>

/** Waits until every module of the node is ready. */
export const awaitReady = (node: DrillNode, clients: Clients) =>
  clients.operator.list.pipe(
    Effect.filterOrFail(
      (modules) => modules.length > 0 && modules.every((module) => module.state === "ready"),
      (modules) => new DrillFailed({ reason: `${node.name}: ${modules.map((m) => `${m.executor_id} ${m.state}`).join(", ")}` })
    ),
    Effect.retry(Schedule.spaced(Duration.millis(250)).pipe(Schedule.upTo(Duration.seconds(60))))
  )

/** Runs a CLI command of the built node as an operator would; answers its stdout. */
export const cli = (...args: ReadonlyArray<string>) =>
  Effect.async<string, DrillFailed>((resume) => {
    ChildProcess.execFile(process.execPath, [BIN, ...args], (error, stdout, stderr) =>
      resume(error === null ? Effect.succeed(stdout) : Effect.fail(new DrillFailed({ reason: `orbiplex ${args.join(" ")}: ${stderr || error.message}` }))))
  })

/** The JSON array of objects a `--json` listing prints. */
const jsonObjects = (text: string): ReadonlyArray<JsonObject> => {
  const parsed = parseJsonText(text)
  return parsed._tag === "Right" && Array.isArray(parsed.right) ? parsed.right.filter(isJsonObject) : []
}

/** `orbiplex ledger <listing> --json` of a node. */
export const ledger = (node: DrillNode, listing: "balances" | "holds" | "transfers") =>
  Effect.map(cli("ledger", listing, "--json", "--config", node.configFile), jsonObjects)

/** A number field, 0 when absent. */
export const numberAt = (value: Json | undefined): number => (typeof value === "number" ? value : 0)

/** A text field, "" when absent. */
export const textAt = (value: Json | undefined): string => (typeof value === "string" ? value : "")

/** Asks `probe` again (every 250 ms, at most `within`) until it answers Some. */
export const eventually = <A, E>(what: string, probe: Effect.Effect<Option.Option<A>, E>, within: Duration.DurationInput = Duration.minutes(1)) =>
  probe.pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail(new DrillFailed({ reason: `still waiting for ${what}` })), onSome: Effect.succeed })),
    // A CLI read may fail while a node restarts; the bound below is what gives up.
    Effect.retry(Schedule.spaced(Duration.millis(250))),
    Effect.timeoutFail({ duration: within, onTimeout: () => new DrillFailed({ reason: `${what} did not happen within ${Duration.format(Duration.decode(within))}` }) })
  )
