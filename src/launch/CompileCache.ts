/**
 * V8's code cache for the command line's bundle. Node 20 compiles every script from source on each
 * start (its own module compile cache came in Node 22): about 100 ms of a 300 ms `orbiplex --help`
 * on a small machine. `vm.Script` takes the bytes that an earlier run's `createCachedData` gave and
 * skips that work; V8 checks them against the source and its own version and flags, and rejects
 * what does not match (the launcher then compiles and writes a fresh cache).
 *
 * The cache is an optimisation only: any folder or file it cannot read or write means a compile
 * from source, never a failed command. This runs before Effect is loaded, so it is plain code.
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

/** `ORBIPLEX_COMPILE_CACHE`: a folder for the cache, or `off`. */
export const ENV_VAR = "ORBIPLEX_COMPILE_CACHE"

/**
 * The folder: `$ORBIPLEX_COMPILE_CACHE`, else `$XDG_CACHE_HOME/orbiplex`, else `~/.cache/orbiplex`.
 * Never a shared temporary folder: V8 trusts the bytecode in a cache it accepts, so the cache must be
 * writable by this user alone.
 */
export const cacheFolder = (env: NodeJS.ProcessEnv): string | undefined => {
  const chosen = env[ENV_VAR]
  if (chosen === "off" || chosen === "0") return undefined
  if (chosen !== undefined && chosen !== "") return chosen
  const xdg = env["XDG_CACHE_HOME"]
  if (xdg !== undefined && xdg !== "") return Path.join(xdg, "orbiplex")
  const home = env["HOME"] ?? Os.homedir()
  return home === "" ? undefined : Path.join(home, ".cache", "orbiplex")
}

const PREFIX = "orbiplex-"

/**
 * One cache per installation and command: each command compiles different functions lazily
 * (`start` the node, `status` an HTTP client), and a cache holds what its run compiled. The
 * bundle's size and modification time and the V8 version name the build it belongs to, so a rebuilt
 * or upgraded installation starts a new file instead of being rejected on every run, and the
 * bundle's path keeps two installations (two checkouts, say) from replacing each other's.
 */
export const cacheFile = (folder: string, bundle: string, stats: Fs.Stats, argv: ReadonlyArray<string>): string => {
  const command = argv.find((arg) => !arg.startsWith("-"))
  const name = command !== undefined && /^[a-z]{1,32}$/.test(command) ? command : "other"
  const installation = Crypto.createHash("sha256").update(bundle).digest("hex").slice(0, 12)
  const build = `${process.versions.v8}-${stats.size.toString(36)}-${Math.trunc(stats.mtimeMs).toString(36)}`
  return Path.join(folder, `${PREFIX}${installation}-${name}-${build}.bin`)
}

/** The cached bytes, if there are any to try. */
export const read = (file: string): Buffer | undefined => {
  try {
    return Fs.readFileSync(file)
  } catch {
    return undefined
  }
}

/**
 * Writes the cache through a temporary file and a rename, so concurrent runs never read a half
 * written one; the folder is made private to this user. Caches of the same command from other
 * builds are removed, so upgrades do not pile them up.
 */
export const write = (file: string, data: Buffer): void => {
  const temporary = `${file}.${process.pid}.tmp`
  try {
    Fs.mkdirSync(Path.dirname(file), { recursive: true, mode: 0o700 })
    Fs.writeFileSync(temporary, data, { mode: 0o600 })
    Fs.renameSync(temporary, file)
    removeStale(file)
  } catch {
    removeQuietly(temporary)
  }
}

// `orbiplex-<installation>-<command>-<build>.bin`: the same installation's and command's caches of
// other builds.
const removeStale = (file: string): void => {
  const folder = Path.dirname(file)
  const name = Path.basename(file)
  const [installation, command] = name.slice(PREFIX.length).split("-")
  const sameCommand = `${PREFIX}${installation}-${command}-`
  for (const entry of Fs.readdirSync(folder)) {
    if (entry.startsWith(sameCommand) && entry !== name) removeQuietly(Path.join(folder, entry))
  }
}

const removeQuietly = (file: string): void => {
  try {
    Fs.rmSync(file, { force: true })
  } catch {
    // Left for the next write to remove.
  }
}
