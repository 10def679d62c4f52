/**
 * The `reload` group of the operator API: `POST /v1/reload` reads the node's config file again and
 * applies what changed. A refused config is an answer (200, `outcome: "refused"`, the problems), not
 * an error: the node is fine, the file is not.
 */
import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { ReloadReport } from "./ReloadReport.js"

/** The group: `reload`. */
export class ReloadApi extends HttpApiGroup.make("reload")
  .add(HttpApiEndpoint.post("reload", "/v1/reload").addSuccess(ReloadReport))
{}
