/**
 * The `operator` config section: where the operator API listens. The API controls the node's
 * processes, so it binds a loopback address only (besides its token and guards); anything else is
 * refused when the config is decoded.
 */
import { Effect, Option, ParseResult, Schema } from "effect"

/** A decoded listen address. */
export interface ListenAddress {
  readonly host: string
  readonly port: number
}

/** The address `orbiplex status` and the docs use when none is given. */
export const DEFAULT_OPERATOR_ADDRESS = "127.0.0.1:7070"

/** True for 127.0.0.0/8, `localhost` and `::1`: the hosts the operator API may bind. */
export const isLoopbackHost = (host: string): boolean =>
  host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)

const splitAddress = (text: string): Option.Option<{ readonly host: string; readonly port: string }> => {
  // `[::1]:7070` carries an IPv6 host in brackets; everything else is `host:port`.
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text)
  return match?.[1] === undefined || match[2] === undefined ? Option.none() : Option.some({ host: match[1], port: match[2] })
}

/** Parses `host:port` into a loopback `ListenAddress`; the error says what to write instead. */
export const parseListenAddress = (text: string): Effect.Effect<ListenAddress, string> =>
  Option.match(splitAddress(text.trim()), {
    onNone: () =>
      Effect.fail(`"${text}" is not a host:port address: write e.g. "${DEFAULT_OPERATOR_ADDRESS}" (port 0 picks a free port)`),
    onSome: ({ host, port }) => {
      const number = Number(port)
      if (!Number.isInteger(number) || number < 0 || number > 65_535) {
        return Effect.fail(`"${text}": port ${port} is out of range: use 0-65535 (0 picks a free port)`)
      }
      if (!isLoopbackHost(host)) {
        return Effect.fail(
          `"${text}" is not a loopback address: the operator API binds loopback only; ` +
            `use "127.0.0.1:${port}" (or "[::1]:${port}") and reach it from elsewhere through an SSH tunnel`
        )
      }
      return Effect.succeed({ host, port: number })
    }
  })

/** `"127.0.0.1:7070"` ⇄ `{ host, port }`, refusing hosts that are not loopback. */
export const ListenAddress: Schema.Schema<ListenAddress, string> = Schema.transformOrFail(
  Schema.String,
  Schema.Struct({ host: Schema.String, port: Schema.Int.pipe(Schema.between(0, 65_535)) }),
  {
    strict: true,
    decode: (text, _, ast) =>
      Effect.mapError(parseListenAddress(text), (message) => new ParseResult.Type(ast, text, message)),
    encode: ({ host, port }) => ParseResult.succeed(host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`)
  }
).annotations({ identifier: "ListenAddress" })

/** `{ "listen"?: "127.0.0.1:7070" }`: the operator API is disabled unless `listen` is set. */
export const OperatorConfig = Schema.Struct({
  listen: Schema.optionalWith(ListenAddress, { exact: true })
}).annotations({ identifier: "OperatorConfig" })
/** `http://host:port` for an address (IPv6 hosts in brackets). */
export const baseUrl = (address: ListenAddress): string =>
  `http://${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`

/** A decoded operator section. */
export type OperatorConfig = typeof OperatorConfig.Type

/** The address to serve on, or none when the operator API is disabled. */
export const listenAddress = (config: OperatorConfig | undefined): Option.Option<ListenAddress> =>
  Option.fromNullable(config?.listen)
