/**
 * The options that say where a command finds the node it talks to, shared by every command that
 * does (kept apart from the HTTP clients so that defining a command stays cheap).
 */
import { Options } from "@effect/cli"
import { Config, type Option } from "effect"
import { DEFAULT_OPERATOR_ADDRESS } from "../operator/OperatorConfig.js"

/** `--operator host:port`, falling back to `ORBIPLEX_OPERATOR`, then the config's `operator.listen`, then 127.0.0.1:7070. */
export const operatorOption = Options.text("operator").pipe(
  Options.withDescription(
    `the node's operator API address (loopback host:port); defaults to $ORBIPLEX_OPERATOR, then the config's ` +
      `operator.listen, then ${DEFAULT_OPERATOR_ADDRESS}`
  ),
  Options.withFallbackConfig(Config.string("ORBIPLEX_OPERATOR")),
  Options.optional
)

/** `--standalone`: start the config's modules in this process instead of asking the running node. */
export const standaloneOption = Options.boolean("standalone").pipe(
  Options.withDescription("start the config's modules in this process, run once and stop, instead of sending the work to the running node")
)

/** What `status` and `module` are given to find the node: its address and its config (for the token). */
export interface TargetArgs {
  readonly operator?: Option.Option<string> | string
  readonly config?: Option.Option<string> | string
}
