/**
 * Who holds a port, read from /proc: the holder of a LISTEN socket (IPv4 and IPv6) with its pid,
 * group and command, whether it belongs to a given process group, and the errors a fixed-port
 * module gets when its port is taken before the spawn or answered by someone else after it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Net from "node:net"
import { checkPortFree, checkPortOwned, ownedByGroup, ownedProbe, portOwner } from "../../src/supervisor/PortOwner.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { sleepingGroup } from "./GroupSupport.js"

expectNoLeftoverProcesses()

/** A port that was free a moment ago (bound and released by this process). */
const freePort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = address !== null && typeof address === "object" ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

describe("PortOwner", () => {
  it.scopedLive("names the process and group listening on an IPv4 port", () =>
    Effect.gen(function*() {
      const group = yield* sleepingGroup({ host: "127.0.0.1", port: 0 })
      const owner = yield* portOwner(group.port)
      expect(Option.getOrUndefined(owner)).toMatchObject({
        pid: group.pid,
        pgid: group.pid,
        command: expect.stringContaining("group_leader.py")
      })
      expect(yield* ownedByGroup(group.port, group.pid)).toMatchObject({ _tag: "Owned", holder: { pid: group.pid } })
      const foreign = yield* ownedByGroup(group.port, process.pid)
      expect(foreign).toMatchObject({ _tag: "Foreign", holder: Option.some({ pid: group.pid, pgid: group.pid }) })
    }))

  it.scopedLive("finds IPv6 listeners too", () =>
    Effect.gen(function*() {
      const group = yield* sleepingGroup({ host: "::1", port: 0 })
      expect(Option.map(yield* portOwner(group.port), (holder) => holder.pid)).toEqual(Option.some(group.pid))
    }))

  it.scopedLive("a port nobody listens on has no owner", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      expect(yield* portOwner(port)).toEqual(Option.none())
      expect(yield* ownedByGroup(port, process.pid)).toEqual({ _tag: "NotListening" })
      yield* checkPortFree("free", port)
    }))

  it.scopedLive("a held port fails the pre-spawn check and the ownership check with the holder named", () =>
    Effect.gen(function*() {
      const group = yield* sleepingGroup({ host: "127.0.0.1", port: 0 })
      const held = yield* Effect.flip(checkPortFree("fixed", group.port))
      expect(held).toMatchObject({ _tag: "PortHeld", executor_id: "fixed", port: group.port, pid: group.pid })
      expect(held.message).toContain(`port ${group.port} of module fixed (http.endpoint) is already held by pid ${group.pid} (`)
      expect(held.message).toContain("group_leader.py")

      const notOurs = yield* Effect.flip(checkPortOwned("fixed", group.port, process.pid))
      expect(notOurs.message).toContain(`port ${group.port} answers but is held by pid ${group.pid} (`)
      expect(notOurs.message).toContain("not by module fixed")
      yield* checkPortOwned("fixed", group.port, group.pid)
    }))

  it.scopedLive("a health probe counts only while the member's own group holds its fixed port", () =>
    Effect.gen(function*() {
      const group = yield* sleepingGroup({ host: "127.0.0.1", port: 0 })
      const healthy = Effect.succeed("ok")
      // The member's own group holds the port: the probe's answer counts.
      expect(yield* ownedProbe("fixed", group.port, group.pid, healthy)).toBe("ok")
      // A leftover holds it (here: not this process's group): healthy answers do not count.
      const refused = yield* Effect.flip(ownedProbe("fixed", group.port, process.pid, healthy))
      expect(refused).toContain(`port ${group.port} answers but is held by pid ${group.pid}`)
      // A member on an announced port (0) needs no check.
      expect(yield* ownedProbe("announced", 0, process.pid, healthy)).toBe("ok")
    }))
})
