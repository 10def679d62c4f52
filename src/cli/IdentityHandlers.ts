/**
 * What `orbiplex identity` does: loads the config and the node's key (creating it on first use) and
 * prints the node id.
 */
import { Console, Effect } from "effect"
import { loadNodeConfig } from "../config/ConfigLoader.js"
import * as NodeIdentity from "../exchange/NodeIdentity.js"
import { resolveConfigFile } from "./ConfigFile.js"

/** The node id of the node a config file describes. */
export const nodeIdOf = Effect.fn("IdentityCommand.nodeId")(function*(file: string) {
  const config = yield* loadNodeConfig(file)
  const identity = yield* NodeIdentity.make(config.node.data_dir)
  return `node:${identity.did}`
})

/** Prints the node id of the config's node. */
export const printIdentity = (args: { readonly config: Parameters<typeof resolveConfigFile>[0] }) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(args.config)
    yield* Console.log(yield* nodeIdOf(file))
  })
