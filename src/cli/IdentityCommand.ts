/**
 * `orbiplex identity`: print the node id (`node:did:key:z…`) of a config's node, creating its key
 * under `node.data_dir` on first use, so a peer's config can name it before either node runs
 * (the README's two-node example captures it in a shell variable). The config loader and the key
 * are loaded when it runs.
 */
import { Command } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"

/** The identity command. */
export const identityCommand = Command.make("identity", { config: configOption }, (args) =>
  lazily(() => import("./IdentityHandlers.js"), (module) => module.printIdentity(args))).pipe(
    Command.withDescription(
      "print this node's id (node:did:key:z…) for the peers' configs; creates <data_dir>/node-key.pem on first use"
    )
  )
