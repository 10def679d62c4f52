/**
 * undici's `Agent` class alone. The package's index loads every dispatcher, the fetch and WebSocket
 * implementations, mocks and caches: about 1 MB of code that every node start would parse although
 * the host only ever dispatches through an Agent (~470 KB with its pools and HTTP/1 parser).
 * `undici-agent.d.ts` gives this path the index's own type.
 */
import AgentClass from "undici/lib/dispatcher/agent.js"

/** undici's Agent: keep-alive pools per origin. */
export const Agent = AgentClass

/** An Agent. */
export type Agent = InstanceType<typeof AgentClass>
