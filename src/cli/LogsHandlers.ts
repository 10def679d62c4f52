/**
 * What `orbiplex logs [<id>...] [-f] [-n N] [--since 10m] [--json]` does: the node's log entries, from the
 * running node's operator API when one answers, else from the files it wrote under
 * `<data_dir>/logs/` (the first line on stderr says which).
 */
import { HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import * as CliHttp from "./CliHttp.js"
import { Console, Effect, Either, Option, Redacted, Schema, Stream } from "effect"
import { loadNodeConfig } from "../config/ConfigLoader.js"
import { formatEntry, LogEntry } from "../logs/LogEntry.js"
import { followLogFiles, readLogFiles } from "../logs/LogFiles.js"
import { LogsApi, type LogsParams, queryOf } from "../logs/LogsApi.js"
import { settingsOf } from "../logs/NodeLogs.js"
import { parseOperatorAddress } from "../operator/OperatorClient.js"
import { baseUrl, DEFAULT_OPERATOR_ADDRESS } from "../operator/OperatorConfig.js"
import { resolveConfigFile } from "./ConfigFile.js"
import { resolveTarget } from "./OperatorTarget.js"

/** What `orbiplex logs` was asked. */
export interface LogsArgs {
  readonly ids: ReadonlyArray<string>
  readonly follow: boolean
  readonly lines: number
  readonly since: Option.Option<string>
  readonly json: boolean
  readonly operator: Option.Option<string>
  readonly config: Option.Option<string>
  readonly dir: Option.Option<string>
}

const encodeEntry = Schema.encodeSync(LogEntry)
const decodeEntryLine = Schema.decodeUnknownOption(Schema.parseJson(LogEntry))

const printer = (json: boolean) => (entry: LogEntry) => Console.log(json ? JSON.stringify(encodeEntry(entry)) : formatEntry(entry))

/** The folder of the files: `--dir`, else the config's `<data_dir>/logs`. */
const filesDir = (args: LogsArgs) =>
  Option.match(args.dir, {
    onSome: Effect.succeed,
    onNone: () =>
      Effect.gen(function*() {
        const file = yield* resolveConfigFile(args.config)
        const config = yield* loadNodeConfig(file)
        return settingsOf(config.node.data_dir, config.logs).dir
      })
  })

/** Prints what was asked from the files; `reason` says why not from a node. */
const fromFiles = (args: LogsArgs, params: LogsParams, reason: string) =>
  Effect.gen(function*() {
    const dir = yield* filesDir(args)
    yield* Console.error(`-- ${reason}: reading the files in ${dir}`)
    const query = yield* queryOf(params)
    const print = printer(args.json)
    // Where following starts is fixed before reading, so no line falls between the two.
    const later = args.follow ? Option.some(yield* followLogFiles(dir, { ...query, sinceMillis: undefined })) : Option.none()
    yield* Effect.forEach(yield* readLogFiles(dir, query), print, { discard: true })
    if (Option.isSome(later)) yield* Stream.runForEach(later.value, print)
  })

const withToken = (token: Option.Option<Redacted.Redacted<string>>) => (request: HttpClientRequest.HttpClientRequest) =>
  Option.match(token, { onNone: () => request, onSome: (value) => HttpClientRequest.bearerToken(request, Redacted.value(value)) })

/** Prints what was asked from the node at `base`. */
const fromNode = (args: LogsArgs, params: LogsParams, base: string, token: Option.Option<Redacted.Redacted<string>>) =>
  Effect.gen(function*() {
    yield* Console.error(`-- from the node at ${base}`)
    const print = printer(args.json)
    if (!args.follow) return
    const http = yield* HttpClient.HttpClient
    const url = HttpClientRequest.get(`${base}/v1/logs/follow`).pipe(
      HttpClientRequest.setUrlParams(Object.entries(params).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)] as const]))),
      withToken(token)
    )
    const response = yield* http.execute(url)
    yield* response.stream.pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.filterMap(decodeEntryLine),
      Stream.runForEach(print)
    )
  })

/** Runs `orbiplex logs` (the command's Effect; tests call it directly). */
export const logsHandler = (args: LogsArgs) =>
  Effect.gen(function*() {
    const params: LogsParams = {
      ...(args.ids.length === 0 ? {} : { source: args.ids.join(",") }),
      n: args.lines,
      ...(Option.isSome(args.since) ? { since: args.since.value } : {})
    }
    // Refuse a bad --since before asking anybody.
    yield* queryOf(params)
    // The node's address and token come as for `status`; without a token the files can still answer.
    const target = yield* Effect.either(resolveTarget({ operator: args.operator, config: args.config }))
    const base = Either.isRight(target)
      ? target.right.url
      : baseUrl(yield* parseOperatorAddress(Option.getOrElse(args.operator, () => DEFAULT_OPERATOR_ADDRESS)))
    const token = Option.map(Either.getRight(target), (found) => found.token)
    const client = yield* HttpApiClient.make(LogsApi, { baseUrl: base, transformClient: HttpClient.mapRequest(withToken(token)) })
    const recent = yield* client.logs.recent({ urlParams: params }).pipe(Effect.timeout("5 seconds"), Effect.either)
    if (recent._tag === "Left") {
      const error = recent.left
      // Only "nobody answers" falls back to the files; a node that refused the query said why.
      if (error._tag === "LogsQueryInvalid") return yield* error
      const unreachable = error._tag === "TimeoutException" || error._tag === "RequestError"
      return yield* fromFiles(
        args,
        params,
        unreachable
          ? `no node answers at ${base.replace(/^https?:\/\//, "")} (${error._tag === "TimeoutException" ? "timed out" : error.message})`
          : `the node at ${base.replace(/^https?:\/\//, "")} serves no logs API (${error.message})`
      )
    }
    if (args.follow) return yield* fromNode(args, params, base, token)
    yield* Console.error(`-- from the node at ${base}`)
    yield* Effect.forEach(recent.right.entries, printer(args.json), { discard: true })
  }).pipe(Effect.provide(CliHttp.layer))
