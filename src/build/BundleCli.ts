/**
 * `npm run build` step: bundles the compiled command line (dist/src/bin.js) into dist/cli/orbiplex.js.
 *
 * Why: Node resolves, reads and compiles every ES module file on its own, and the unbundled CLI loads
 * about 800 of them (effect's barrel alone is ~300) before it can print `--help`: ~0.9 s on a 2-core
 * machine. One tree-shaken bundle loads in a third of that. Each command's handlers stay behind their
 * dynamic `import()` (see cli/Lazy.ts), which esbuild turns into separate chunks, so `--help` still
 * does not load the node's layer graph.
 *
 * Native and optional packages stay outside: better-sqlite3 loads a compiled addon beside its own
 * files, playwright-core is used only by the console test, pg-native is pg's optional binding.
 */
import { build } from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

// dist/src/build/BundleCli.js → the package root.
const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const outdir = Path.join(root, "dist", "cli")

// Chunk names carry content hashes: stale chunks of an earlier build would pile up.
Fs.rmSync(outdir, { recursive: true, force: true })

await build({
  entryPoints: { orbiplex: Path.join(root, "dist", "src", "bin.js") },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  external: ["better-sqlite3", "playwright-core", "pg-native"],
  // CommonJS packages in the bundle (undici, pg) call `require` for Node's built-ins, which an ES
  // module does not have.
  banner: { js: "import { createRequire as __orbiplexCreateRequire } from \"node:module\"; const require = __orbiplexCreateRequire(import.meta.url);" },
  logLevel: "warning"
})
