/**
 * `inquirium.request`: model work done by the host for a module (CONTRACTS §2.4; a module never calls
 * a model vendor itself). The provider is pluggable: the deterministic built-in one (the default,
 * answers derived from the prompt so tests and offline nodes are stable) or an OpenAI-compatible
 * chat-completions endpoint configured by base URL, model and the name of the environment variable
 * holding the API key (the key itself is never in config, logs or traces).
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { createHash } from "node:crypto"
import { Config, Context, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { formatProblems, problemsOf } from "../contract/Problems.js"
import { type Capability, CapabilityFailed, make as makeCapability } from "./Capability.js"
import { parseJsonUnknown } from "../contract/Json.js"

const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** What a module asks for. */
export const InquiriumInput = Schema.Struct({
  prompt: Schema.NonEmptyString.pipe(Schema.maxLength(200_000)),
  system: optional(Schema.String.pipe(Schema.maxLength(50_000))),
  max_tokens: optional(Schema.Int.pipe(Schema.between(1, 32_000))),
  temperature: optional(Schema.Number.pipe(Schema.between(0, 2)))
})
/** What a module asks for. */
export type InquiriumInput = typeof InquiriumInput.Type

/** What the module gets back in its intent result. */
export const InquiriumOutput = Schema.Struct({
  text: Schema.String,
  model: Schema.String,
  provider: Schema.String,
  usage: optional(Schema.Struct({ prompt_tokens: Schema.NonNegativeInt, completion_tokens: Schema.NonNegativeInt }))
})
/** What the module gets back. */
export type InquiriumOutput = typeof InquiriumOutput.Type

/** The provider could not answer. */
export class InquiriumFailed extends Schema.TaggedError<InquiriumFailed>()("InquiriumFailed", {
  provider: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `inquirium provider ${this.provider} failed: ${this.detail}`
  }
}

/** The model provider behind `inquirium.request`. */
export class InquiriumProvider extends Context.Tag("orbiplex/InquiriumProvider")<InquiriumProvider, {
  readonly name: string
  readonly complete: (request: InquiriumInput) => Effect.Effect<InquiriumOutput, InquiriumFailed>
}>() {}

/** Provider settings in the node config. */
export const InquiriumSettings = Schema.Union(
  Schema.Struct({ provider: Schema.Literal("deterministic") }),
  Schema.Struct({
    provider: Schema.Literal("openai_compatible"),
    base_url: Schema.String.pipe(
      Schema.filter((text) =>
        (URL.canParse(text) && ["http:", "https:"].includes(new URL(text).protocol)) ||
        `${JSON.stringify(text)} is not an http(s) URL: write the API base, for example "https://api.openai.com/v1"`
      )
    ),
    model: Schema.NonEmptyTrimmedString,
    api_key_env: Schema.String.pipe(
      Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        message: () => "the name of an environment variable that holds the API key, for example \"OPENAI_API_KEY\""
      })
    )
  })
).annotations({ identifier: "InquiriumSettings" })
/** Provider settings. */
export type InquiriumSettings = typeof InquiriumSettings.Type

const words = (text: string): number => text.split(/\s+/).filter((word) => word.length > 0).length

/** Answers derived from the prompt: same prompt, same answer; no network. */
export const deterministic: InquiriumProvider["Type"] = InquiriumProvider.of({
  name: "deterministic",
  complete: (request) =>
    Effect.sync(() => {
      const digest = createHash("sha256").update(`${request.system ?? ""}\n${request.prompt}`).digest("hex").slice(0, 12)
      const gist = request.prompt.replace(/\s+/g, " ").trim()
      let text = `[deterministic ${digest}] ${gist.length > 160 ? `${gist.slice(0, 157)}...` : gist}`
      if (request.max_tokens !== undefined) text = text.split(" ").slice(0, request.max_tokens).join(" ")
      return {
        text,
        model: "deterministic-v1",
        provider: "deterministic",
        usage: { prompt_tokens: words(request.prompt), completion_tokens: words(text) }
      }
    })
})

/** The deterministic provider as a layer (the default). */
export const layerDeterministic: Layer.Layer<InquiriumProvider> = Layer.succeed(InquiriumProvider, deterministic)

const ChatCompletion = Schema.Struct({
  model: optional(Schema.String),
  choices: Schema.NonEmptyArray(Schema.Struct({ message: Schema.Struct({ content: Schema.NullOr(Schema.String) }) })),
  usage: optional(Schema.Struct({ prompt_tokens: Schema.NonNegativeInt, completion_tokens: Schema.NonNegativeInt }))
})
const decodeCompletion = Schema.decodeUnknownEither(ChatCompletion, { errors: "all" })

/** An OpenAI-compatible `POST <base_url>/chat/completions` provider; the key is read from `api_key_env` at build. */
export const makeOpenAiCompatible = (
  settings: Extract<InquiriumSettings, { readonly provider: "openai_compatible" }>
): Effect.Effect<InquiriumProvider["Type"], never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const key = yield* Config.option(Config.redacted(settings.api_key_env)).pipe(Effect.orElseSucceed(() => Option.none()))
    const name = `openai_compatible(${settings.model})`
    const url = `${settings.base_url.replace(/\/+$/, "")}/chat/completions`
    const fail = (detail: string) => new InquiriumFailed({ provider: name, detail })
    return InquiriumProvider.of({
      name,
      complete: (request) =>
        Effect.gen(function*() {
          if (Option.isNone(key)) {
            return yield* fail(`the environment variable ${settings.api_key_env} is not set: export the API key there before starting the node`)
          }
          const body = {
            model: settings.model,
            messages: [
              ...(request.system === undefined ? [] : [{ role: "system", content: request.system }]),
              { role: "user", content: request.prompt }
            ],
            ...(request.max_tokens === undefined ? {} : { max_tokens: request.max_tokens }),
            ...(request.temperature === undefined ? {} : { temperature: request.temperature })
          }
          const response = yield* http.execute(
            HttpClientRequest.post(url).pipe(
              HttpClientRequest.bearerToken(Redacted.value(key.value)),
              HttpClientRequest.bodyUnsafeJson(body)
            )
          ).pipe(Effect.mapError((error) => fail(`cannot reach ${url}: ${error.message}`)))
          const text = yield* response.text.pipe(Effect.mapError((error) => fail(`cannot read the answer of ${url}: ${error.message}`)))
          if (response.status !== 200) {
            return yield* fail(`${url} answered HTTP ${response.status}: ${text.slice(0, 300)}`)
          }
          const json = Either.mapLeft(parseJsonUnknown(text), (reason) => `not JSON (${reason})`)
          const completion = Either.flatMap(json, (value) =>
            Either.mapLeft(decodeCompletion(value), (error) => `\n${formatProblems(problemsOf(error))}`))
          if (Either.isLeft(completion)) {
            return yield* fail(`${url} answered something that is not a chat completion: ${completion.left}`)
          }
          const answer = completion.right
          return {
            text: answer.choices[0].message.content ?? "",
            model: answer.model ?? settings.model,
            provider: "openai_compatible",
            ...(answer.usage === undefined ? {} : { usage: answer.usage })
          }
        })
    })
  })

/** The provider the settings name. */
export const layerProvider = (settings: InquiriumSettings): Layer.Layer<InquiriumProvider, never, HttpClient.HttpClient> =>
  settings.provider === "deterministic"
    ? layerDeterministic
    : Layer.effect(InquiriumProvider, makeOpenAiCompatible(settings))

/** The `inquirium.request` capability service. */
export class InquiriumRequest extends Context.Tag("orbiplex/capability/InquiriumRequest")<InquiriumRequest, Capability>() {}

/** The capability over whichever `InquiriumProvider` is provided. */
export const capability: Effect.Effect<Capability, never, InquiriumProvider> = Effect.map(InquiriumProvider, (provider) =>
  makeCapability({
      id: "inquirium.request",
      description: `model work through the host (provider ${provider.name})`,
      input: InquiriumInput,
      output: InquiriumOutput,
      run: (input) =>
        provider.complete(input).pipe(
          Effect.mapError((error) => new CapabilityFailed({ capability: "inquirium.request", detail: error.message }))
        )
    }))

/** The capability as a service. */
export const layer: Layer.Layer<InquiriumRequest, never, InquiriumProvider> = Layer.effect(InquiriumRequest, capability)
