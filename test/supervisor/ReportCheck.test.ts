/**
 * Issue 9 item 8: the report's `host_api_version` is held against the host's (the `listening` fact
 * of CONTRACTS §1.4 is asserted with a real module in Lifecycle.test.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck } from "effect"
import { ModuleReport } from "../../src/contract/MiddlewareInit.js"
import { checkReport } from "../../src/supervisor/ReportCheck.js"

const entry = { id: "echo", module_id: "orbiplex-echo", component_id: "middleware.echo" }
const report = (fields: Partial<ConstructorParameters<typeof ModuleReport>[0]> = {}) =>
  new ModuleReport({
    schema_version: "middleware-module-report.v1",
    module_id: "orbiplex-echo",
    module_name: "Echo",
    description: "",
    module_version: "0.1.0",
    middleware_contract_version: "1.0",
    host_api_version: "1.0",
    capabilities: [],
    hooks: [],
    ...fields
  })
const host = { middlewareContract: "1.0", hostApi: "1.2" }
const fieldOf = (result: Either.Either<ModuleReport, { readonly field: string }>) =>
  Either.match(result, { onLeft: (mismatch) => mismatch.field, onRight: () => "ok" })

describe("checkReport", () => {
  it("refuses a host API of another major or a newer minor, naming the field and the host's version", () => {
    expect(fieldOf(checkReport(report({ host_api_version: "1.0" }), entry, host))).toBe("ok")
    expect(fieldOf(checkReport(report({ host_api_version: "1.2.7" }), entry, host))).toBe("ok")
    expect(fieldOf(checkReport(report({ host_api_version: "1.3" }), entry, host))).toBe("host_api_version")
    const major = checkReport(report({ host_api_version: "2.0" }), entry, host)
    expect(fieldOf(major)).toBe("host_api_version")
    expect(Either.isLeft(major) && major.left.detail).toContain("this host offers host API 1.2")
    expect(Either.isLeft(major) && major.left.hint).toContain("1.x")
  })

  it("still refuses a foreign module_id and another contract major, in that order", () => {
    expect(fieldOf(checkReport(report({ module_id: "other", host_api_version: "9.0" }), entry, host))).toBe("module_id")
    expect(fieldOf(checkReport(report({ middleware_contract_version: "2.0" }), entry, host))).toBe("middleware_contract_version")
  })

  it.prop(
    "accepts exactly the host API versions of the host's major with a minor not above its own",
    [FastCheck.nat(3), FastCheck.nat(5), FastCheck.nat(3), FastCheck.nat(5)],
    ([major, minor, hostMajor, hostMinor]) => {
      const result = checkReport(report({ host_api_version: `${major}.${minor}` }), entry, { middlewareContract: "1.0", hostApi: `${hostMajor}.${hostMinor}` })
      expect(Either.isRight(result)).toBe(major === hostMajor && minor <= hostMinor)
    }
  )
})
