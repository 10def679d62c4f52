/**
 * `orbiplex identity`: print the node id (`node:did:key:z…`) of a config's node, creating its key
 * under `node.data_dir` on first use, so a peer's config can name it before either node runs
 * (the README's two-node example captures it in a shell variable).
 */
import { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { loadNodeConfig } from "../config/ConfigLoader.js"
import * as NodeIdentity from "../exchange/NodeIdentity.js"
import { configOption, resolveConfigFile } from "./ConfigFile.js"

/** The node id of the node a config file describes. */
export const nodeIdOf = Effect.fn("IdentityCommand.nodeId")(function*(file: string) {
  const config = yield* loadNodeConfig(file)
  const identity = yield* NodeIdentity.make(config.node.data_dir)
  return `node:${identity.did}`
})

/** The identity command. */
export const identityCommand = Command.make("identity", { config: configOption }, ({ config }) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(config)
    yield* Console.log(yield* nodeIdOf(file))
  })).pipe(Command.withDescription(
    "print this node's id (node:did:key:z…) for the peers' configs; creates <data_dir>/node-key.pem on first use"
  ))
