/**
 * The operator token on disk: made once with mode 0600 (folder created), kept across starts,
 * tightened when others could read it, overridden by ORBIPLEX_OPERATOR_TOKEN; the CLI's read never
 * makes one and says where to find it.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Logger, LogLevel, Redacted } from "effect"
import * as Fs from "node:fs"
import * as OperatorToken from "../../src/operator/OperatorToken.js"
import { tempDir } from "../support/TempFiles.js"

const withEnv = (value: string) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map([[OperatorToken.TOKEN_ENV, value]])))

describe("operator token", () => {
  it.scopedLive("is made at the first start with mode 0600 and kept by the next", () =>
    Effect.gen(function*() {
      const dir = `${yield* tempDir}/nested/data`
      const first = yield* OperatorToken.ensure(dir)
      const file = `${dir}/${OperatorToken.TOKEN_FILE}`
      expect(first.source).toBe(file)
      expect(Fs.statSync(file).mode & 0o777).toBe(0o600)
      expect(Redacted.value(first.value)).toMatch(/^[A-Za-z0-9_-]{43}$/)
      const second = yield* OperatorToken.ensure(dir)
      expect(Redacted.value(second.value)).toBe(Redacted.value(first.value))
      const read = yield* OperatorToken.read(dir)
      expect(Redacted.value(read.value)).toBe(Redacted.value(first.value))
    }).pipe(Effect.provide(NodeContext.layer), Logger.withMinimumLogLevel(LogLevel.None)))

  it.scopedLive("a file others can read is tightened to 0600", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      Fs.writeFileSync(`${dir}/${OperatorToken.TOKEN_FILE}`, "kept-token\n", { mode: 0o644 })
      const token = yield* OperatorToken.ensure(dir)
      expect(Redacted.value(token.value)).toBe("kept-token")
      expect(Fs.statSync(`${dir}/${OperatorToken.TOKEN_FILE}`).mode & 0o777).toBe(0o600)
    }).pipe(Effect.provide(NodeContext.layer), Logger.withMinimumLogLevel(LogLevel.None)))

  it.scopedLive("the environment overrides the file on both sides, and the node then writes none", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const node = yield* OperatorToken.ensure(dir).pipe(withEnv("from-env"))
      expect(Redacted.value(node.value)).toBe("from-env")
      expect(node.source).toBe(OperatorToken.TOKEN_ENV)
      expect(Fs.existsSync(`${dir}/${OperatorToken.TOKEN_FILE}`)).toBe(false)
      const cli = yield* OperatorToken.read(dir).pipe(withEnv("from-env"))
      expect(Redacted.value(cli.value)).toBe("from-env")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scopedLive("the CLI never makes one: a missing file is an error naming it and the way out", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const error = yield* Effect.flip(OperatorToken.read(dir))
      expect(error.message).toContain(`${dir}/${OperatorToken.TOKEN_FILE}`)
      expect(error.message).toContain("--config")
      expect(error.message).toContain(OperatorToken.TOKEN_ENV)
      expect(Fs.existsSync(`${dir}/${OperatorToken.TOKEN_FILE}`)).toBe(false)
    }).pipe(Effect.provide(NodeContext.layer)))
})
