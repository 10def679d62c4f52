/**
 * A persisted Ed25519 private key: read from its PEM file, or made and written (mode 0600) on first
 * use. The node key, participant keys and the pool's keys all live this way under the data folder.
 */
import * as Crypto from "node:crypto"
// node:fs as a Promise API: src/exchange/peer/PeerKey.ts awaits it outside Effect; moving this to the
// platform FileSystem needs that caller changed in the same commit (left to the peer owner).
import * as Fs from "node:fs/promises"
import * as Path from "node:path"

/**
 * The key in `file`, created when absent. Two parts of the node may create the same file at once
 * (the node identity and the peer key share `node-key.pem`): the loser of the exclusive create
 * reads the winner's key. Rejects with the file system's error for the caller to name.
 */
export const loadOrCreateKey = async (file: string, folderMode?: number): Promise<Crypto.KeyObject> => {
  await Fs.mkdir(Path.dirname(file), folderMode === undefined ? { recursive: true } : { recursive: true, mode: folderMode })
  const existing = await Fs.readFile(file, "utf8").catch(() => undefined)
  if (existing !== undefined) return Crypto.createPrivateKey(existing)
  const pair = Crypto.generateKeyPairSync("ed25519")
  const created = await Fs.writeFile(file, pair.privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" })
    .then(() => true, () => false)
  return created ? pair.privateKey : Crypto.createPrivateKey(await Fs.readFile(file, "utf8"))
}
