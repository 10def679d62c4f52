/**
 * The operator API, defined once: the server builds its handlers from it and the CLI its client.
 * Each group lives in its own file; a new area (work, ledger, logs, metrics) is one more group
 * file and one `.add` here.
 */
import { HttpApi } from "@effect/platform"
import { FactsApi } from "./FactsApi.js"
import { MetricsApi } from "./MetricsApi.js"
import { ReloadApi } from "./ReloadApi.js"
import { ModulesApi } from "./ModulesApi.js"
import { Forbidden, MalformedJson, PayloadTooLarge, NoSuchRoute, UnsupportedMediaType } from "./OperatorErrors.js"
import { TokenAuth } from "./TokenAuth.js"
import { TracesApi } from "./TracesApi.js"
import { LogsGroup } from "../logs/LogsApi.js"
import { OrdersApi } from "./OrdersApi.js"
import { WorkApi } from "./WorkApi.js"

/** The whole operator API. The guards' errors are listed so clients decode them too. */
export class OperatorHttpApi extends HttpApi.make("operator")
  .add(ModulesApi)
  .add(FactsApi)
  .add(TracesApi)
  .add(LogsGroup)
  .add(WorkApi)
  .add(OrdersApi)
  .add(MetricsApi)
  .add(ReloadApi)
  .addError(Forbidden)
  .addError(PayloadTooLarge)
  .addError(UnsupportedMediaType)
  .addError(MalformedJson)
  .addError(NoSuchRoute)
  .middleware(TokenAuth)
{}
