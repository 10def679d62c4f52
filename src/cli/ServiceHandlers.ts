/**
 * What `orbiplex service unit [--config]` does: prints a systemd unit for this node and this installation
 * (`> /etc/systemd/system/orbiplex.service`, then `systemctl daemon-reload && systemctl enable --now orbiplex`).
 */
import { Path } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import { packageRoot } from "../config/Bundled.js"
import { fileURLToPath } from "node:url"
import { checkConfig } from "./ConfigCheck.js"
import { resolveConfigFile } from "./ConfigFile.js"
import { renderUnit } from "./ServiceUnit.js"

/** The bundled entry point of this installation: dist/cli/orbiplex.js (this file's own bundle when no package root is found). */
const binPath = Effect.gen(function*() {
  const path = yield* Path.Path
  const root = yield* packageRoot
  return Option.match(root, {
    onSome: (dir) => path.join(dir, "dist", "cli", "orbiplex.js"),
    onNone: () => fileURLToPath(new URL("orbiplex.js", import.meta.url))
  })
})

/** The unit's text for the config in `config` (checked first: a unit for a config that cannot start helps nobody). */
export const unitHandler = (args: { readonly config: Parameters<typeof resolveConfigFile>[0] }) =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const file = path.resolve(yield* resolveConfigFile(args.config))
    const config = yield* checkConfig(file)
    return renderUnit(config, { node: process.execPath, bin: yield* binPath, config: file, workingDirectory: path.dirname(file) })
  })

/** Prints the unit. */
export const printUnit = (args: { readonly config: Parameters<typeof resolveConfigFile>[0] }) =>
  Effect.flatMap(unitHandler(args), (text) => Console.log(text.trimEnd()))
