import { describe, expect, it } from "@effect/vitest"
import * as Crypto from "node:crypto"
import { checkContentDigest, contentDigest } from "../../../src/exchange/peer/ContentDigest.js"
import {
  type Component,
  type Params,
  parseSignature,
  parseSignatureInput,
  signatureBase,
  signatureInputMember,
  signatureMember,
  signEd25519,
  verifyEd25519
} from "../../../src/exchange/peer/MessageSignature.js"

// RFC 9421 Appendix B.1.4: the test key `test-key-ed25519` (as a JWK).
const rfcKey = Crypto.createPrivateKey({
  key: { kty: "OKP", crv: "Ed25519", d: "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU", x: "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs" },
  format: "jwk"
})
const rfcPublic = Crypto.createPublicKey(rfcKey)

// RFC 9421 Appendix B.2: the test request (the headers B.2.6 covers).
const testHeaders: Readonly<Record<string, string>> = {
  date: "Tue, 20 Apr 2021 02:07:55 GMT",
  "content-type": "application/json",
  "content-digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
  "content-length": "18"
}
const testRequest = {
  method: "POST",
  url: new URL("http://example.com/foo?param=Value&Pet=dog"),
  header: (name: string) => testHeaders[name]
}
const testBody = Buffer.from("{\"hello\": \"world\"}", "utf8")

// RFC 9421 B.2.6, with the RFC 8792 line wrapping undone.
const b26Components: ReadonlyArray<Component> = ["date", "@method", "@path", "@authority", "content-type", "content-length"].map((name) => ({ name }))
const b26Params: Params = [["created", 1618884473], ["keyid", "test-key-ed25519"]]
const b26Base = [
  "\"date\": Tue, 20 Apr 2021 02:07:55 GMT",
  "\"@method\": POST",
  "\"@path\": /foo",
  "\"@authority\": example.com",
  "\"content-type\": application/json",
  "\"content-length\": 18",
  "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
].join("\n")
const b26Input = "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
const b26Signature = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"

describe("RFC 9421 HTTP Message Signatures", () => {
  it("builds the signature base of example B.2.6", () => {
    const built = signatureBase({ _tag: "request", request: testRequest }, b26Components, b26Params)
    expect(built).toEqual({ base: b26Base })
  })

  it("signs B.2.6 with test-key-ed25519 to the RFC's Signature-Input and Signature", () => {
    expect(signatureInputMember("sig-b26", b26Components, b26Params)).toBe(b26Input)
    expect(signatureMember("sig-b26", signEd25519(b26Base, rfcKey))).toBe(b26Signature)
  })

  it("parses the RFC's headers back and verifies the RFC's signature", () => {
    const inputs = parseSignatureInput(b26Input)
    const signatures = parseSignature(b26Signature)
    if (typeof inputs === "string" || typeof signatures === "string") throw new Error(`unparsed: ${String(inputs)} ${String(signatures)}`)
    const input = inputs.get("sig-b26")
    const signature = signatures.get("sig-b26")
    expect(input?.components).toEqual(b26Components)
    expect(input?.params).toEqual(b26Params)
    if (input === undefined || signature === undefined) throw new Error("no sig-b26")
    const built = signatureBase({ _tag: "request", request: testRequest }, input.components, input.params)
    expect("base" in built && verifyEd25519(built.base, signature, rfcPublic)).toBe(true)
    expect(verifyEd25519(b26Base.replace("/foo", "/bar"), signature, rfcPublic)).toBe(false)
  })

  it("serializes and parses `;req` components, string escapes and several members", () => {
    const components: ReadonlyArray<Component> = [{ name: "@status" }, { name: "@path", req: true }]
    const params: Params = [["created", 1], ["keyid", "a\"b\\c"], ["alg", "ed25519"], ["nonce", "n0nce-xyz"]]
    const member = signatureInputMember("orbiplex", components, params)
    expect(member).toBe("orbiplex=(\"@status\" \"@path\";req);created=1;keyid=\"a\\\"b\\\\c\";alg=\"ed25519\";nonce=\"n0nce-xyz\"")
    const parsed = parseSignatureInput(`other=("@method");created=2, ${member}`)
    if (typeof parsed === "string") throw new Error(parsed)
    expect(parsed.get("orbiplex")).toEqual({ components, params })
    expect(parsed.get("other")?.params).toEqual([["created", 2]])
  })

  it("says why a malformed header cannot be parsed", () => {
    expect(typeof parseSignatureInput("orbiplex=\"@method\"")).toBe("string")
    expect(typeof parseSignatureInput("orbiplex=(\"@method\"")).toBe("string")
    expect(typeof parseSignature("orbiplex=:not base64!:")).toBe("string")
  })

  it("names the component a message lacks", () => {
    expect(signatureBase({ _tag: "request", request: testRequest }, [{ name: "x-missing" }], [])).toEqual({ missing: "\"x-missing\"" })
  })
})

describe("RFC 9530 Content-Digest", () => {
  it("matches the RFC's sha-256 and sha-512 digests of {\"hello\": \"world\"}", () => {
    expect(contentDigest(testBody)).toBe("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:")
    expect(checkContentDigest(testRequest.header("content-digest") ?? "", testBody)).toBeUndefined()
    expect(checkContentDigest("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", Buffer.from("{\"hello\": \"World\"}"))).toMatch(/does not match/)
    expect(checkContentDigest("md5=:AAAA:", testBody)).toMatch(/no sha-256/)
  })
})
