/**
 * The checks of a module report (CONTRACTS §1.5) against the config and this host (module id,
 * middleware contract version, host API version), kept out of the launch so they can be tested alone.
 */
import { Either } from "effect"
import { HOST_API_VERSION, majorOf, MIDDLEWARE_CONTRACT_VERSION, type ModuleReport } from "../contract/MiddlewareInit.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"

/** Why a decoded report is refused: the field, what is wrong, and what to do (for `ModuleStartFailed`). */
export interface ReportMismatch {
  readonly field: "module_id" | "middleware_contract_version" | "host_api_version"
  readonly detail: string
  readonly hint: string
}

/** What this host speaks, as the report is held against it (parameters so tests can vary them). */
export interface HostVersions {
  readonly middlewareContract: string
  readonly hostApi: string
}

/** The versions of this build. */
export const hostVersions: HostVersions = { middlewareContract: MIDDLEWARE_CONTRACT_VERSION, hostApi: HOST_API_VERSION }

const minorOf = (version: string): number => Number(version.split(".")[1] ?? "0")

/**
 * Checks a decoded report against the config entry and the host: the `module_id` must be the configured
 * one, the middleware contract major version the host's, and the host API the module was built for must
 * be one this host offers (same major, minor not newer: a 1.2 module may call what a 1.0 host lacks).
 */
export const checkReport = (
  report: ModuleReport,
  entry: Pick<ModuleEntry, "module_id">,
  host: HostVersions = hostVersions
): Either.Either<ModuleReport, ReportMismatch> => {
  if (report.module_id !== entry.module_id) {
    return Either.left({
      field: "module_id",
      detail: `module_id is "${report.module_id}" but config expects "${entry.module_id}"`,
      hint: "fix module_id in the config or run the right module"
    })
  }
  if (majorOf(report.middleware_contract_version) !== majorOf(host.middlewareContract)) {
    return Either.left({
      field: "middleware_contract_version",
      detail: `middleware_contract_version is "${report.middleware_contract_version}", this host speaks ${host.middlewareContract}`,
      hint: `use a module built for middleware contract ${majorOf(host.middlewareContract)}.x`
    })
  }
  const wanted = report.host_api_version
  if (majorOf(wanted) !== majorOf(host.hostApi) || minorOf(wanted) > minorOf(host.hostApi)) {
    return Either.left({
      field: "host_api_version",
      detail: `host_api_version is "${wanted}", but this host offers host API ${host.hostApi}`,
      hint: majorOf(wanted) === majorOf(host.hostApi)
        ? `upgrade the host to one offering host API ${wanted}, or use a module built for host API ${host.hostApi}`
        : `use a module built for host API ${majorOf(host.hostApi)}.x`
    })
  }
  return Either.right(report)
}
