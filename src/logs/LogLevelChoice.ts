/**
 * Which minimum log level a command runs at: `--log-level` on the command line when given, else
 * the config's `node.log_level`. @effect/cli applies `--log-level` around the whole command; a
 * command that then provides the config's level unconditionally (what `orbiplex start` did) replaces
 * it, which is why the option used to be accepted and ignored.
 */
import { Effect, FiberRef, Layer, Logger, LogLevel } from "effect"
import type { LogLevelName } from "../config/NodeConfig.js"

const byName: Record<LogLevelName, LogLevel.LogLevel> = {
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  none: LogLevel.None
}

/** The Effect level of a config level name. */
export const levelOf = (name: LogLevelName): LogLevel.LogLevel => byName[name]

/**
 * The config's level, unless the running fiber's minimum differs from Effect's default (Info): then
 * `--log-level` set it, and it stays. (`--log-level info` is indistinguishable from no option, so
 * a config asking for another level wins over it.)
 */
export const layerLogLevel = (configured: LogLevelName): Layer.Layer<never> =>
  Layer.unwrapEffect(Effect.map(FiberRef.get(FiberRef.currentMinimumLogLevel), (current) =>
    current === LogLevel.Info ? Logger.minimumLogLevel(levelOf(configured)) : Layer.empty))
