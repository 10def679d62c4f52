#!/usr/bin/env node
/**
 * The `orbiplex` executable (dist/cli/orbiplex.js): runs the command line's bundle beside it,
 * dist/cli/orbiplex.cjs, through V8's code cache. See src/build/BundleCli.ts for why a bundle and
 * src/launch/CompileCache.ts for why a cache.
 */
import { fileURLToPath } from "node:url"
import { runBundle } from "./RunBundle.js"

runBundle(fileURLToPath(new URL("orbiplex.cjs", import.meta.url)), import.meta.url)
