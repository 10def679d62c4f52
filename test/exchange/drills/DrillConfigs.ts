/**
 * The two nodes of a SIGKILL drill and the run they trade in: a buyer node (Arca, the demo buyer
 * participant, the demo gateway trusted) and a seller node (one Dator service whose model calls go to
 * the drill's held endpoint), on loopback addresses of their own; and a one-step `remote-paid`
 * template whose retry posture is short enough for a test.
 */
import type { JsonObject } from "../../../src/contract/Json.js"
import { DEMO_GATEWAY, DEMO_NODE_IDS } from "./NodeProcesses.js"

/** The environment variable the seller's inquirium provider reads its (dummy) API key from. */
export const MODEL_KEY_ENV = "DRILL_MODEL_KEY"
/** What the one paid step costs (ORC minor units). */
export const STEP_PRICE = 600
/** The seller's service alias in the buyer's `procurement.providers`. */
export const PROVIDER_ALIAS = "local:drill-news"
/** The seller participant's key file in its data folder (the Dator module's id). */
export const SELLER_PARTICIPANT = "drill-news"

/** Where one node listens. */
export interface Listen {
  readonly host: string
  readonly operatorPort: number
  readonly peerPort: number
}

const peerUrl = (at: Listen) => `http://${at.host}:${at.peerPort}`

/** The buyer node: Arca orders `PROVIDER_ALIAS` from the seller. */
export const buyerConfig = (dataDir: string, at: Listen, seller: Listen): JsonObject => ({
  node: { id: "drill-buyer", data_dir: dataDir, log_level: "info" },
  operator: { listen: `${at.host}:${at.operatorPort}` },
  peer: { listen: `${at.host}:${at.peerPort}`, catalog_refresh: "1s", request_timeout: "2s" },
  peers: [{ node_id: DEMO_NODE_IDS.adam, url: peerUrl(seller) }],
  procurement: {
    providers: { [PROVIDER_ALIAS]: { node_id: DEMO_NODE_IDS.adam } },
    settlement: { rail: "host-ledger", trusted_gateways: [DEMO_GATEWAY] }
  },
  modules: [{
    id: "arca",
    bundled: "arca",
    grants: ["procurement.order", "workspace.stage", "workflow.schedule", "workflow.transition", "inquirium.request"],
    settings: { default_timeout: "5min" }
  }]
})

/** The seller node: one Dator service, its model the drill's endpoint at `modelUrl`. */
export const sellerConfig = (dataDir: string, at: Listen, buyer: Listen, modelUrl: string, maxDelivery: string): JsonObject => ({
  node: { id: "drill-seller", data_dir: dataDir, log_level: "info" },
  operator: { listen: `${at.host}:${at.operatorPort}` },
  peer: { listen: `${at.host}:${at.peerPort}`, request_timeout: "2s" },
  peers: [{ node_id: DEMO_NODE_IDS.buyer, url: peerUrl(buyer) }],
  capabilities: { inquirium: { provider: "openai_compatible", base_url: modelUrl, model: "drill-model", api_key_env: MODEL_KEY_ENV } },
  modules: [{
    id: SELLER_PARTICIPANT,
    bundled: "dator",
    grants: ["inquirium.request"],
    settings: {
      identity: "drill-news",
      queue_max_depth: 5,
      auto_accept: true,
      services: [{
        service_type: "news.topical",
        price: STEP_PRICE,
        unit_kind: "item",
        max_delivery: maxDelivery,
        answer_format: "markdown",
        description: "Topical news digests for the drills.",
        tags: ["news"]
      }]
    }
  }]
})

/** A one-step `remote-paid` workflow: one news item from the seller, retried per `max_attempts`. */
export const oneStepTemplate = (maxAttempts: number): JsonObject => {
  const retry = { max_attempts: maxAttempts, backoff: { initial: "1s", factor: 2, max: "2s" } }
  return {
    format: "arca-workflow-template.v1",
    template_id: "drill-one-step",
    name: "One paid news item (SIGKILL drill)",
    description: "One remote-paid step ordered from the drill's seller node.",
    timeout: "5min",
    params: { topic: "technology" },
    defaults: { retry },
    phases: [{
      phase_id: "news",
      description: "One news item from the seller",
      retry,
      steps: [{
        step_id: "news-1",
        kind: "remote-paid",
        description: "One topical news item",
        provider_id: PROVIDER_ALIAS,
        service_type: "news.topical",
        price: STEP_PRICE,
        currency: "ORC",
        input: { topic: "$params.topic", date: "2026-03-30", language: "en" }
      }]
    }]
  }
}
