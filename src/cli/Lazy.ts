/**
 * Commands import the modules that do their work only when they run: `orbiplex --help` and a
 * `status` that talks HTTP should not pay for loading the node's whole layer graph (supervisor,
 * store, exchange, tracing), which costs seconds on a small machine.
 */
import { Effect } from "effect"

/**
 * Loads a module (an `import()` of a sibling file) and runs what `use` makes of it. A module that
 * fails to load is a broken installation, not something the operator can act on: a defect.
 */
export const lazily = <M, A, E, R>(load: () => Promise<M>, use: (module: M) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.promise(load), use)
