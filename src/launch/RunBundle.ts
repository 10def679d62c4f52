/**
 * Runs the command line's CommonJS bundle the way Node runs a CommonJS file, but compiled through
 * `vm.Script` with V8's code cache (see CompileCache). The bundle's sources used `import.meta.url`;
 * the bundler turns it into a parameter of the wrapper, given the launcher's own URL here, which
 * sits in the same folder as the bundle (dist/cli), as the sources expect.
 */
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import * as Vm from "node:vm"
import * as CompileCache from "./CompileCache.js"

/** The identifier the bundler puts in place of `import.meta.url` (BundleCli's `define`). */
export const META_URL = "__orbiplexMetaUrl"

// Node's own CommonJS wrapper, plus the URL parameter.
const wrap = (source: string): string =>
  `(function (exports, require, module, __filename, __dirname, ${META_URL}) {${source}\n})`

const isWrapper = (
  value: unknown
): value is (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string, metaUrl: string) => void =>
  typeof value === "function"

/** Compiles (or loads from the cache) and runs `bundle` with `metaUrl` as its `import.meta.url`. */
export const runBundle = (bundle: string, metaUrl: string): void => {
  const source = Fs.readFileSync(bundle, "utf8")
  const folder = CompileCache.cacheFolder(process.env)
  const cacheFile = folder === undefined ? undefined : CompileCache.cacheFile(folder, bundle, Fs.statSync(bundle), process.argv.slice(2))
  const cachedData = cacheFile === undefined ? undefined : CompileCache.read(cacheFile)
  const script = new Vm.Script(wrap(source), {
    filename: bundle,
    ...(cachedData === undefined ? {} : { cachedData })
  })
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit the cache also holds every function this command compiled lazily, not only the top level.
    process.once("exit", () => CompileCache.write(cacheFile, script.createCachedData()))
  }
  const wrapper: unknown = script.runInThisContext()
  if (!isWrapper(wrapper)) {
    process.stderr.write(`${bundle} did not compile to a function: rebuild orbiplex (npm run build)\n`)
    process.exitCode = 1
    return
  }
  const module = { exports: {} }
  wrapper(module.exports, createRequire(bundle), module, bundle, Path.dirname(bundle), metaUrl)
}
