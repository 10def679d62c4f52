/**
 * HTTP Message Signatures (RFC 9421), the part peers use: the signature base of covered components
 * (§2.5), `Signature-Input` and `Signature` as Structured Fields dictionaries (RFC 8941, only the
 * shapes these headers take), and Ed25519 (§3.3.6). Pure functions; the peer profile (which
 * components, which parameters, skew and replay) is in PeerSigning.ts.
 */
import * as Crypto from "node:crypto"

/** A covered component: a derived one (`@method`) or a header field, optionally from the request (`;req`). */
export interface Component {
  readonly name: string
  readonly req?: boolean
}

/** A signature parameter value: an integer, a string or a boolean. */
export type ParamValue = number | string | boolean

/** The signature parameters in their order (`created`, `keyid`, `alg`, `nonce`, …). */
export type Params = ReadonlyArray<readonly [string, ParamValue]>

/** A request as the signature sees it. */
export interface RequestParts {
  readonly method: string
  /** The target URI (scheme, authority, path and query). */
  readonly url: URL
  /** A header field's value, combined as it arrived, or `undefined`. */
  readonly header: (name: string) => string | undefined
}

/** A response as the signature sees it, with the request it answers (for `;req` components). */
export interface ResponseParts {
  readonly status: number
  readonly header: (name: string) => string | undefined
  readonly request: RequestParts
}

/** A message: request or response. */
export type MessageParts =
  | { readonly _tag: "request"; readonly request: RequestParts }
  | { readonly _tag: "response"; readonly response: ResponseParts }

const serializeString = (text: string): string => `"${text.replace(/\\/g, "\\\\").replace(/"/g, "\\\"")}"`

const serializeValue = (value: ParamValue): string =>
  typeof value === "number" ? String(value) : typeof value === "string" ? serializeString(value) : value ? "?1" : "?0"

/** `"@path";req` */
export const serializeComponent = (component: Component): string =>
  `${serializeString(component.name)}${component.req === true ? ";req" : ""}`

/** The inner list with its parameters: `("@method" "@path");created=1;keyid="k"`. */
export const serializeSignatureParams = (components: ReadonlyArray<Component>, params: Params): string =>
  `(${components.map(serializeComponent).join(" ")})` +
  params.map(([key, value]) => typeof value === "boolean" && value ? `;${key}` : `;${key}=${serializeValue(value)}`).join("")

const authorityOf = (url: URL): string => url.host.toLowerCase()

const requestValue = (request: RequestParts, name: string): string | undefined => {
  switch (name) {
    case "@method":
      return request.method.toUpperCase()
    case "@target-uri":
      return request.url.href
    case "@authority":
      return authorityOf(request.url)
    case "@scheme":
      return request.url.protocol.replace(/:$/, "").toLowerCase()
    case "@path":
      return request.url.pathname === "" ? "/" : request.url.pathname
    case "@query":
      return request.url.search === "" ? "?" : request.url.search
    default:
      return name.startsWith("@") ? undefined : request.header(name)?.trim()
  }
}

/** The value of `component` in `message`, or `undefined` when the message lacks it. */
export const componentValue = (message: MessageParts, component: Component): string | undefined => {
  if (message._tag === "request") return component.req === true ? undefined : requestValue(message.request, component.name)
  const response = message.response
  if (component.req === true) return requestValue(response.request, component.name)
  if (component.name === "@status") return String(response.status).padStart(3, "0")
  return component.name.startsWith("@") ? undefined : response.header(component.name)?.trim()
}

/** The signature base (RFC 9421 §2.5), or the component the message lacks. */
export const signatureBase = (
  message: MessageParts,
  components: ReadonlyArray<Component>,
  params: Params
): { readonly base: string } | { readonly missing: string } => {
  const lines: Array<string> = []
  for (const component of components) {
    const value = componentValue(message, component)
    if (value === undefined) return { missing: serializeComponent(component) }
    lines.push(`${serializeComponent(component)}: ${value}`)
  }
  lines.push(`"@signature-params": ${serializeSignatureParams(components, params)}`)
  return { base: lines.join("\n") }
}

/** `Signature-Input` member: `label=(…);created=…`. */
export const signatureInputMember = (label: string, components: ReadonlyArray<Component>, params: Params): string =>
  `${label}=${serializeSignatureParams(components, params)}`

/** `Signature` member: `label=:base64:`. */
export const signatureMember = (label: string, signature: Uint8Array): string =>
  `${label}=:${Buffer.from(signature).toString("base64")}:`

/** Ed25519 over the signature base (RFC 9421 §3.3.6). */
export const signEd25519 = (base: string, privateKey: Crypto.KeyObject): Uint8Array =>
  Crypto.sign(null, Buffer.from(base, "utf8"), privateKey)

/** Whether `signature` is Ed25519 by `publicKey` over the base. */
export const verifyEd25519 = (base: string, signature: Uint8Array, publicKey: Crypto.KeyObject): boolean =>
  signature.length === 64 && Crypto.verify(null, Buffer.from(base, "utf8"), publicKey, signature)

/** One parsed `Signature-Input` member. */
export interface SignatureInput {
  readonly components: ReadonlyArray<Component>
  readonly params: Params
}

/** A Structured Fields parse of the subset these headers use. */
class Cursor {
  at = 0
  constructor(readonly text: string) {}
  peek(): string | undefined {
    return this.text[this.at]
  }
  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.at++
  }
  eat(char: string): boolean {
    if (this.peek() !== char) return false
    this.at++
    return true
  }
  key(): string | undefined {
    const match = /^[a-z*][a-z0-9_.*-]*/.exec(this.text.slice(this.at))
    if (match === null) return undefined
    this.at += match[0].length
    return match[0]
  }
  string(): string | undefined {
    if (!this.eat("\"")) return undefined
    let out = ""
    for (;;) {
      const char = this.peek()
      if (char === undefined) return undefined
      this.at++
      if (char === "\"") return out
      if (char === "\\") {
        const next = this.peek()
        if (next !== "\"" && next !== "\\") return undefined
        out += next
        this.at++
      } else out += char
    }
  }
  value(): ParamValue | undefined {
    if (this.peek() === "\"") return this.string()
    if (this.eat("?")) {
      if (this.eat("1")) return true
      return this.eat("0") ? false : undefined
    }
    const match = /^-?\d{1,15}/.exec(this.text.slice(this.at))
    if (match === null) {
      const token = /^[A-Za-z*][A-Za-z0-9:/!#$%&'*+.^_`|~-]*/.exec(this.text.slice(this.at))
      if (token === null) return undefined
      this.at += token[0].length
      return token[0]
    }
    this.at += match[0].length
    return Number(match[0])
  }
  params(): Params | undefined {
    const out: Array<readonly [string, ParamValue]> = []
    while (this.eat(";")) {
      this.skipSpaces()
      const key = this.key()
      if (key === undefined) return undefined
      if (this.eat("=")) {
        const value = this.value()
        if (value === undefined) return undefined
        out.push([key, value])
      } else out.push([key, true])
    }
    return out
  }
}

const members = <A>(text: string, item: (cursor: Cursor) => A | undefined): ReadonlyMap<string, A> | string => {
  const cursor = new Cursor(text)
  const out = new Map<string, A>()
  cursor.skipSpaces()
  while (cursor.peek() !== undefined) {
    const label = cursor.key()
    if (label === undefined || !cursor.eat("=")) return `expected label= at character ${cursor.at}`
    const value = item(cursor)
    if (value === undefined) return `the member ${label} is malformed near character ${cursor.at}`
    out.set(label, value)
    cursor.skipSpaces()
    if (cursor.peek() === undefined) break
    if (!cursor.eat(",")) return `expected "," at character ${cursor.at}`
    cursor.skipSpaces()
  }
  return out
}

/** Parses `Signature-Input`, or says why it cannot. */
export const parseSignatureInput = (text: string): ReadonlyMap<string, SignatureInput> | string =>
  members(text, (cursor) => {
    if (!cursor.eat("(")) return undefined
    const components: Array<Component> = []
    for (;;) {
      cursor.skipSpaces()
      if (cursor.eat(")")) break
      const name = cursor.string()
      if (name === undefined) return undefined
      const params = cursor.params()
      if (params === undefined) return undefined
      const req = params.some(([key, value]) => key === "req" && value === true)
      if (params.some(([key]) => key !== "req")) return undefined
      components.push(req ? { name, req } : { name })
    }
    const params = cursor.params()
    return params === undefined ? undefined : { components, params }
  })

/** Parses `Signature`, or says why it cannot. */
export const parseSignature = (text: string): ReadonlyMap<string, Uint8Array> | string =>
  members(text, (cursor) => {
    if (!cursor.eat(":")) return undefined
    const end = cursor.text.indexOf(":", cursor.at)
    if (end < 0) return undefined
    const encoded = cursor.text.slice(cursor.at, end)
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return undefined
    cursor.at = end + 1
    return cursor.params() === undefined ? undefined : Buffer.from(encoded, "base64")
  })
