/**
 * `examples/payloads/<hook>.json`: one sample payload per built-in hook, for
 * `orbiplex hook run <hook> --payload @examples/payloads/<hook>.json`; each must pass its hook's
 * payload schema, and none may name a hook that does not exist.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { builtinHookList, builtinHooks } from "../../src/middleware/BuiltinHooks.js"
import { REPO_ROOT } from "../support/Fixture.js"

const FOLDER = Path.join(REPO_ROOT, "examples", "payloads")

describe("sample payloads", () => {
  it.each(builtinHookList.map((hook) => hook.name))("%s has one its payload schema accepts", (name) => {
    const file = Path.join(FOLDER, `${name}.json`)
    expect(Fs.existsSync(file), `${file} is missing`).toBe(true)
    const hook = builtinHooks.get(name)
    const problems = hook?.checkPayload(JSON.parse(Fs.readFileSync(file, "utf8"))) ?? ["no such hook"]
    expect(problems).toEqual([])
  })

  it("names only hooks that exist", () => {
    const names = Fs.readdirSync(FOLDER).filter((file) => file.endsWith(".json")).map((file) => file.slice(0, -".json".length))
    expect(names.filter((name) => !builtinHooks.has(name))).toEqual([])
  })
})
