/**
 * The Host and Origin rules as properties: every loopback spelling with any port passes, every
 * other host name is refused; an Origin passes only when it is this very origin.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { isLoopbackHostHeader } from "../../src/operator/HostGuard.js"
import { isSameOrigin } from "../../src/operator/OriginGuard.js"

const port = FastCheck.integer({ min: 1, max: 65_535 })
const loopback = FastCheck.oneof(
  FastCheck.constant("localhost"),
  FastCheck.constant("[::1]"),
  FastCheck.tuple(FastCheck.nat(255), FastCheck.nat(255), FastCheck.nat(255)).map(([a, b, c]) => `127.${a}.${b}.${c}`)
)
const label = FastCheck.stringMatching(/^[a-z][a-z0-9-]{0,10}$/)
const foreign = FastCheck.oneof(
  FastCheck.tuple(label, label).map(([a, b]) => `${a}.${b}`),
  FastCheck.tuple(FastCheck.integer({ min: 1, max: 126 }), FastCheck.nat(255)).map(([a, b]) => `${a}.${b}.0.1`),
  FastCheck.constant("localhost.evil.example"),
  FastCheck.constant("127.0.0.1.evil.example"),
  FastCheck.constant("[::ffff:7f00:1]")
)

describe("Host rule", () => {
  it.prop("every loopback spelling passes, with or without a port", [loopback, port], ([host, p]) => {
    expect(isLoopbackHostHeader(host)).toBe(true)
    expect(isLoopbackHostHeader(`${host}:${p}`)).toBe(true)
    expect(isLoopbackHostHeader(`${host.toUpperCase()}:${p}`)).toBe(true)
  })

  it.prop("every other host is refused, with or without a port", [foreign, port], ([host, p]) => {
    expect(isLoopbackHostHeader(host)).toBe(false)
    expect(isLoopbackHostHeader(`${host}:${p}`)).toBe(false)
  })

  it("a missing Host is refused", () => {
    expect(isLoopbackHostHeader(undefined)).toBe(false)
    expect(isLoopbackHostHeader("")).toBe(false)
  })
})

describe("Origin rule", () => {
  it.prop("no Origin, or this very origin, passes", [loopback, port], ([host, p]) => {
    expect(isSameOrigin({ host: `${host}:${p}` })).toBe(true)
    expect(isSameOrigin({ host: `${host}:${p}`, origin: `http://${host}:${p}`, secFetchSite: "same-origin" })).toBe(true)
  })

  it.prop("another origin is refused, loopback ones on another port included", [loopback, port, foreign], ([host, p, other]) => {
    const self = `${host}:${p}`
    expect(isSameOrigin({ host: self, origin: `http://${other}` })).toBe(false)
    expect(isSameOrigin({ host: self, origin: `http://${host}:${p === 1 ? 2 : p - 1}` })).toBe(false)
    expect(isSameOrigin({ host: self, origin: `https://${self}` })).toBe(false)
    expect(isSameOrigin({ host: self, origin: "null" })).toBe(false)
    expect(isSameOrigin({ host: self, secFetchSite: "cross-site" })).toBe(false)
    expect(isSameOrigin({ host: self, secFetchSite: "same-site" })).toBe(false)
  })
})
