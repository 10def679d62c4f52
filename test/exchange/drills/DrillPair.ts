/**
 * The buyer and seller of one drill: both seeded with the story's demo keys, on two loopback hosts
 * with free ports, the seller's model held by the test. `startPair` starts the seller and then the
 * buyer, waits until both are ready and tops the buyer up; it answers the first processes (to crash)
 * and the two ledger accounts the drill checks.
 */
import { expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { didOf } from "../../../src/exchange/settlement/DidKey.js"
import { accountIdFor } from "../../../src/exchange/settlement/Ledger.js"
import { buyerConfig, type Listen, MODEL_KEY_ENV, SELLER_PARTICIPANT, sellerConfig } from "./DrillConfigs.js"
import { makeHeldModel } from "./HeldModel.js"
import {
  awaitReady,
  cli,
  type Clients,
  clientsOf,
  type DrillNode,
  eventually,
  freePort,
  ledger,
  makeDrillNode,
  numberAt,
  seedDataDir,
  TOPUP_NET,
  TOPUP_RECEIPT
} from "./NodeProcesses.js"

/** The ledger account of the participant whose key is in `file`. */
export const accountOfKey = (file: string): string =>
  accountIdFor(`participant:${didOf(Crypto.createPublicKey(Fs.readFileSync(file, "utf8")))}`)

const listenOn = (host: string) =>
  Effect.gen(function*() {
    const at: Listen = { host, operatorPort: yield* freePort(host), peerPort: yield* freePort(host) }
    return at
  })

/** Both nodes, not started; `maxDelivery` is the seller's offer duration (the orders' work-by). */
export const makePair = (dir: string, hosts: { readonly buyer: string; readonly seller: string }, maxDelivery: string) =>
  Effect.gen(function*() {
    const buyerAt = yield* listenOn(hosts.buyer)
    const sellerAt = yield* listenOn(hosts.seller)
    const model = yield* makeHeldModel(hosts.seller)
    const buyerData = Path.join(dir, "buyer")
    const sellerData = Path.join(dir, "seller")
    seedDataDir(buyerData, "buyer", true)
    seedDataDir(sellerData, "adam", false)
    return {
      model,
      seller: makeDrillNode(dir, "seller", sellerConfig(sellerData, sellerAt, buyerAt, model.baseUrl, maxDelivery), { [MODEL_KEY_ENV]: "drill" }),
      buyer: makeDrillNode(dir, "buyer", buyerConfig(buyerData, buyerAt, sellerAt)),
      buyerAccount: () => accountOfKey(Path.join(buyerData, "participants", "buyer.pem")),
      payeeAccount: () => accountOfKey(Path.join(sellerData, "participants", `${SELLER_PARTICIPANT}.pem`))
    }
  })

/** A drill's pair. */
export type Pair = Effect.Effect.Success<ReturnType<typeof makePair>>

/** Starts the seller, then the buyer, waits until both serve and tops the buyer up. */
export const startPair = (pair: Pair) =>
  Effect.gen(function*() {
    const firstSeller = yield* pair.seller.start
    yield* awaitReady(pair.seller, yield* clientsOf(pair.seller))
    const firstBuyer = yield* pair.buyer.start
    const buyerClients = yield* clientsOf(pair.buyer)
    yield* awaitReady(pair.buyer, buyerClients)
    yield* cli("ledger", "topup", "--receipt", TOPUP_RECEIPT, "--config", pair.buyer.configFile)
    return { firstSeller, firstBuyer, buyerClients, buyerAccount: pair.buyerAccount(), payeeAccount: pair.payeeAccount() }
  })

/** The run `runId` once it is no longer running (within 90 seconds). */
export const runEnd = (clients: Clients, runId: string) =>
  eventually("the run's end", Effect.map(clients.work.getRun(runId), (body) =>
    body.status === "running" ? Option.none() : Option.some(body)), "90 seconds")

/**
 * The buyer's ledger after one step paid once: the buyer down by `price`, the payee up by it,
 * nothing held, and the top-up's 50 000 neither made nor lost (SETTLEMENT.md §4).
 */
export const expectPaidOnce = (buyer: DrillNode, accounts: { readonly buyer: string; readonly payee: string }, price: number) =>
  Effect.gen(function*() {
    const balances = yield* ledger(buyer, "balances")
    const balanceOf = (accountId: string) => {
      const account = balances.find((each) => each["account/id"] === accountId)
      return [numberAt(account?.["available/balance"]), numberAt(account?.["held/balance"])]
    }
    expect(balanceOf(accounts.buyer)).toEqual([TOPUP_NET - price, 0])
    expect(balanceOf(accounts.payee)).toEqual([price, 0])
    expect(balances.reduce((sum, account) => sum + numberAt(account["held/balance"]), 0)).toBe(0)
    expect(balances.reduce((sum, account) => sum + numberAt(account["available/balance"]), 0)).toBe(50_000)
  })
