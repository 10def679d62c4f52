/**
 * Participant keys (SETTLEMENT.md decision 2): each Dator instance (executor) has its own Ed25519
 * key, so the three providers of one node are three payees; the node's buyer (the custodian Arca
 * orders as) has one too. Keys live in `<data_dir>/participants/<name>.pem` (mode 0600), created
 * on first use and kept across restarts, and sign in decision 3's form.
 */
import { Context, Effect, Layer, Ref, Schema } from "effect"
import * as Crypto from "node:crypto"
import * as Path from "node:path"
import { loadOrCreateKey } from "./KeyFile.js"
import { sign as signArtifact } from "./settlement/ArtifactSignature.js"
import { NotEncodable } from "./settlement/DeterministicCbor.js"
import { didOf } from "./settlement/DidKey.js"

/** The participant name of the node's buyer (the custodian its workflows order as). */
export const BUYER = "buyer"

/** `{"alg": "ed25519", "value": "<base64url>"}`. */
export interface ArtifactSignature {
  readonly alg: "ed25519"
  readonly value: string
}

/** A participant key could not be read, created or used. */
export class ParticipantKeyUnavailable extends Schema.TaggedError<ParticipantKeyUnavailable>()("ParticipantKeyUnavailable", {
  participant: Schema.String,
  file: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot use the participant key of ${this.participant} (${this.file}): ${this.reason} ` +
      "(check node.data_dir is writable and the file is a PKCS#8 Ed25519 key)"
  }
}

interface Loaded {
  readonly id: string
  readonly privateKey: Crypto.KeyObject
}

/** The participants of this node and their signatures. */
export class ParticipantKeys extends Context.Tag("orbiplex/ParticipantKeys")<ParticipantKeys, {
  /** `participant:did:key:z…` of `name` (an executor id, or `BUYER`). */
  readonly idOf: (name: string) => Effect.Effect<string, ParticipantKeyUnavailable>
  /** Signs `document` (its `signature` left out) as `name` under `domain` (decision 3). */
  readonly sign: (
    name: string,
    domain: string,
    document: Readonly<Record<string, unknown>>
  ) => Effect.Effect<ArtifactSignature, ParticipantKeyUnavailable>
  /** Signs as the participant with this id, if its key was loaded (`idOf`) on this node. */
  readonly signAs: (
    participantId: string,
    domain: string,
    document: Readonly<Record<string, unknown>>
  ) => Effect.Effect<ArtifactSignature, ParticipantKeyUnavailable>
}>() {}

const fileName = (name: string) => `${name.replace(/[^A-Za-z0-9._-]/g, "-")}.pem`

/** Keys under `<dataDir>/participants`. */
export const make = (dataDir: string) =>
  Effect.gen(function*() {
    const folder = Path.join(dataDir, "participants")
    const cache = yield* Ref.make(new Map<string, Loaded>())
    const lock = yield* Effect.makeSemaphore(1)

    const load = (name: string): Effect.Effect<Loaded, ParticipantKeyUnavailable> =>
      lock.withPermits(1)(Effect.gen(function*() {
        const known = (yield* Ref.get(cache)).get(name)
        if (known !== undefined) return known
        const file = Path.join(folder, fileName(name))
        const privateKey = yield* Effect.tryPromise({
          try: () => loadOrCreateKey(file, 0o700),
          catch: (error) =>
            new ParticipantKeyUnavailable({ participant: name, file, reason: error instanceof Error ? error.message : String(error) })
        })
        const loaded: Loaded = { id: `participant:${didOf(Crypto.createPublicKey(privateKey))}`, privateKey }
        yield* Ref.update(cache, (map) => new Map(map).set(name, loaded))
        return loaded
      }))

    const signWith = (name: string, loaded: Loaded, domain: string, document: Readonly<Record<string, unknown>>) => {
      const signature = signArtifact(domain, document, loaded.privateKey)
      return signature instanceof NotEncodable
        ? Effect.fail(new ParticipantKeyUnavailable({ participant: name, file: fileName(name), reason: `the document cannot be signed: ${signature.reason}` }))
        : Effect.succeed(signature)
    }

    return ParticipantKeys.of({
      idOf: (name) => Effect.map(load(name), (loaded) => loaded.id),
      sign: (name, domain, document) => Effect.flatMap(load(name), (loaded) => signWith(name, loaded, domain, document)),
      signAs: (participantId, domain, document) =>
        Effect.flatMap(Ref.get(cache), (map) => {
          const found = [...map.entries()].find(([, loaded]) => loaded.id === participantId)
          return found === undefined
            ? Effect.fail(new ParticipantKeyUnavailable({ participant: participantId, file: folder, reason: "no key of this node has that id" }))
            : signWith(found[0], found[1], domain, document)
        })
    })
  })

/** Participant keys as a layer over `dataDir`. */
export const layer = (dataDir: string): Layer.Layer<ParticipantKeys> => Layer.effect(ParticipantKeys, make(dataDir))
