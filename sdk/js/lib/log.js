/**
 * Messages and progress for the person running the plugin (WIT `log`). The host tags each line with the
 * plugin's name and caps how much a plugin may log. `console.log`, `console.warn` and the rest also land here.
 * @module
 */

import * as raw from 'aigc:plugin/log@0.1.1';
import { safeString } from './errors.js';

/** @typedef {'trace' | 'debug' | 'info' | 'warn' | 'error'} Level */

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];

/**
 * Writes `message` at `level` to the run's log.
 * @param {Level} level
 * @param {string} message
 */
export function log(level, message) {
  if (!LEVELS.includes(level)) throw new TypeError(`log level must be one of ${LEVELS.join(', ')}, not ${safeString(level)}`);
  raw.log(level, typeof message === 'string' ? message : safeString(message));
}

/**
 * Writes a trace message (shown with `-vv`).
 * @param {string} message
 */
export function trace(message) {
  log('trace', message);
}

/**
 * Writes a debug message (shown with `-v`).
 * @param {string} message
 */
export function debug(message) {
  log('debug', message);
}

/**
 * Writes an informational message.
 * @param {string} message
 */
export function info(message) {
  log('info', message);
}

/**
 * Writes a warning: something was skipped or looks wrong, and the run goes on.
 * @param {string} message
 */
export function warn(message) {
  log('warn', message);
}

/**
 * Writes an error message; the run goes on unless the plugin throws.
 * @param {string} message
 */
export function error(message) {
  log('error', message);
}

/**
 * Reports progress: `done` of `total` units (null when unknown), with a short status line.
 * @param {number} done
 * @param {number | null} [total]
 * @param {string} [message]
 */
export function progress(done, total = null, message = '') {
  raw.progress(toU64(done, 'done'), total === null || total === undefined ? undefined : toU64(total, 'total'), message);
}

/**
 * @param {number | bigint} n
 * @param {string} what
 * @returns {bigint}
 */
function toU64(n, what) {
  if (typeof n === 'bigint') return n;
  if (!Number.isFinite(n) || n < 0) throw new TypeError(`progress ${what} must be a count of 0 or more, not ${n}`);
  return BigInt(Math.floor(n));
}

/**
 * The arguments of a `console` call as one line, the way Node joins them: strings as they are, other values as
 * JSON.
 * @param {unknown[]} args
 * @returns {string}
 */
export function formatArgs(args) {
  return args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.name}: ${a.message}` : safeString(a))).join(' ');
}

/**
 * Sends `console.log`/`info` to the log at info, `console.debug` at debug, `console.trace` at trace,
 * `console.warn` at warn and `console.error` at error. The plugin's exports call it before running plugin code;
 * a component has no terminal of its own.
 */
export function routeConsole() {
  const to = (/** @type {Level} */ level) => (/** @type {unknown[]} */ ...args) => raw.log(level, formatArgs(args));
  const routed = {
    log: to('info'),
    info: to('info'),
    debug: to('debug'),
    trace: to('trace'),
    warn: to('warn'),
    error: to('error'),
  };
  const target = globalThis.console;
  if (target && !target.__aigcRouted) {
    for (const [name, fn] of Object.entries(routed)) {
      try {
        target[name] = fn;
      } catch {
        // A read-only console method keeps its engine behaviour.
      }
    }
    try {
      Object.defineProperty(target, '__aigcRouted', { value: true });
    } catch {
      // Routing again is harmless.
    }
  }
}
