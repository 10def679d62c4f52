// The type of undici's Agent module (lib/dispatcher/agent.js, CommonJS `module.exports = Agent`),
// which the package ships without a declaration of its own; see UndiciAgent.ts for why it is
// imported by path.
declare module "undici/lib/dispatcher/agent.js" {
  import type { Agent } from "undici"
  const AgentClass: typeof Agent
  export default AgentClass
}
