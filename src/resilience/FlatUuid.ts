/**
 * Random version 4 UUIDs, each one flat string: execution ids (CONTRACTS §3.2), envelope,
 * correlation and causality ids. `crypto.randomUUID` builds its result by concatenating ~20 pieces,
 * so an id kept in a report or trace is a rope of ~600 bytes, and one used as a Map key is flattened
 * on every look-up; a pipeline run keeps one report per step until it ends, and copying those ropes
 * was a third of the minor-GC time of a 1000-step chain with call options.
 */
import { randomFillSync } from "node:crypto"

const uuidBytes = 16
// Random bytes for 256 ids per read of the system's generator, as `crypto.randomUUID` buffers them.
const entropy = Buffer.alloc(uuidBytes * 256)
let used = entropy.length
const text = Buffer.alloc(36)
const hexDigits = Buffer.from("0123456789abcdef", "latin1")
const dash = 0x2d

/** A fresh random (version 4, RFC 9562) UUID, lower-case, as one flat string. */
export const randomUuid = (): string => {
  if (used === entropy.length) {
    randomFillSync(entropy)
    used = 0
  }
  let at = 0
  for (let i = 0; i < uuidBytes; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[at++] = dash
    const random = entropy[used + i] ?? 0
    // Byte 6 carries the version (4), byte 8 the variant (10xx).
    const byte = i === 6 ? (random & 0x0f) | 0x40 : i === 8 ? (random & 0x3f) | 0x80 : random
    text[at++] = hexDigits[byte >> 4] ?? 0
    text[at++] = hexDigits[byte & 0x0f] ?? 0
  }
  used += uuidBytes
  return text.toString("latin1")
}
