/**
 * What turns a plugin module into a component's exports: `aigc-host build` wraps the function the module exports
 * for its kind (`crawl`, `check`, `annotate`, `grade`) with {@link exportsFor}, so whatever the function throws
 * becomes the WIT error string (message and a short stack, never a bare "unexpected"), what it returns is checked
 * against the world's record with a message naming the field, and `console.*` goes to the plugin's log.
 * @module
 */

import { describeError, safeString } from './errors.js';
import { routeConsole } from './log.js';
import { fromRaw } from './items.js';

routeConsole();

/**
 * A cleaner's judgement of one item.
 * @typedef {object} Verdict
 * @property {boolean} keep false drops the item from what is exported
 * @property {string} reason a few words that group well ("too-small", "has-text")
 * @property {number | null} [score] the measurement behind the decision
 */

/**
 * One check a grader made.
 * @typedef {object} Check
 * @property {string} name short, stable name ("folders-present")
 * @property {boolean} passed
 * @property {number} points earned, between 0 and `maxPoints`
 * @property {number} maxPoints
 * @property {string} message what was found, for the student to read
 */

/**
 * A verdict that keeps the item.
 * @param {string} reason
 * @param {number | null} [score]
 * @returns {Verdict}
 */
export function keep(reason, score = null) {
  return { keep: true, reason, score };
}

/**
 * A verdict that drops the item.
 * @param {string} reason
 * @param {number | null} [score]
 * @returns {Verdict}
 */
export function drop(reason, score = null) {
  return { keep: false, reason, score };
}

/**
 * A passed grader check with full points.
 * @param {string} name
 * @param {number} maxPoints
 * @param {string} message
 * @returns {Check}
 */
export function passed(name, maxPoints, message) {
  return { name, passed: true, points: maxPoints, maxPoints, message };
}

/**
 * A failed grader check, with `points` of partial credit (default none).
 * @param {string} name
 * @param {number} maxPoints
 * @param {string} message
 * @param {number} [points]
 * @returns {Check}
 */
export function failed(name, maxPoints, message, points = 0) {
  return { name, passed: false, points, maxPoints, message };
}

/** Which function each kind's module exports, and the WIT export it becomes. */
export const KINDS = Object.freeze({
  crawler: { names: ['crawl'], export: 'crawl' },
  cleaner: { names: ['check'], export: 'check' },
  annotator: { names: ['annotate', 'annotateItem'], export: 'annotateItem' },
  grader: { names: ['grade'], export: 'grade' },
});

/**
 * @param {unknown} value
 * @returns {value is PromiseLike<unknown>}
 */
function isThenable(value) {
  return value !== null && typeof value === 'object' && typeof (/** @type {any} */ (value).then) === 'function';
}

/**
 * @param {unknown} verdict
 * @returns {{keep: boolean, reason: string, score: number | undefined}}
 */
function checkVerdict(verdict) {
  const v = /** @type {any} */ (verdict);
  if (v === null || typeof v !== 'object') {
    throw new TypeError(`check must return a verdict {keep, reason, score} (keep(...) or drop(...)), not ${safeString(verdict)}`);
  }
  if (typeof v.keep !== 'boolean') throw new TypeError(`the verdict's \`keep\` must be true or false, not ${safeString(v.keep)}`);
  if (typeof v.reason !== 'string') throw new TypeError(`the verdict's \`reason\` must be a string, not ${safeString(v.reason)}`);
  if (v.score !== null && v.score !== undefined && typeof v.score !== 'number') {
    throw new TypeError(`the verdict's \`score\` must be a number or null, not ${safeString(v.score)}`);
  }
  return { keep: v.keep, reason: v.reason, score: v.score ?? undefined };
}

/**
 * @param {unknown} report
 * @returns {{checks: Check[]}}
 */
function checkReport(report) {
  const r = /** @type {any} */ (report);
  const checks = Array.isArray(r) ? r : r && Array.isArray(r.checks) ? r.checks : null;
  if (checks === null) throw new TypeError(`grade must return a report {checks: [...]} or an array of checks, not ${safeString(report)}`);
  return {
    checks: checks.map((/** @type {any} */ c, /** @type {number} */ i) => {
      const where = `check ${i + 1}${c && typeof c.name === 'string' ? ` (${c.name})` : ''}`;
      if (c === null || typeof c !== 'object') throw new TypeError(`${where} must be an object {name, passed, points, maxPoints, message}`);
      for (const [field, type] of [['name', 'string'], ['passed', 'boolean'], ['points', 'number'], ['maxPoints', 'number'], ['message', 'string']]) {
        if (typeof c[field] !== type) throw new TypeError(`${where}: \`${field}\` must be a ${type}, not ${safeString(c[field])}`);
      }
      return { name: c.name, passed: c.passed, points: c.points, maxPoints: c.maxPoints, message: c.message };
    }),
  };
}

/**
 * Runs `body`, returning the WIT result: `{tag: 'ok', val}` or `{tag: 'err', val: text}`. A promise is awaited
 * by the component's export binding.
 * @param {() => unknown} body
 * @param {(value: unknown) => unknown} shape
 * @returns {unknown}
 */
function guarded(body, shape) {
  const ok = (/** @type {unknown} */ value) => {
    try {
      return { tag: 'ok', val: shape(value) };
    } catch (e) {
      return { tag: 'err', val: describeError(e) };
    }
  };
  const err = (/** @type {unknown} */ e) => ({ tag: 'err', val: describeError(e) });
  try {
    const value = body();
    return isThenable(value) ? Promise.resolve(value).then(ok, err) : ok(value);
  } catch (e) {
    return err(e);
  }
}

/**
 * The component's exports for a plugin module of `kind`: the module's function for that kind, wrapped. Throws
 * naming the function to export when the module has none.
 * @param {'crawler' | 'cleaner' | 'annotator' | 'grader'} kind
 * @param {Record<string, unknown>} module the plugin module's namespace (`import * as plugin`)
 * @returns {Record<string, Function>}
 */
export function exportsFor(kind, module) {
  const spec = KINDS[kind];
  if (!spec) throw new Error(`unknown plugin kind \`${kind}\`: crawler, cleaner, annotator or grader`);
  const name = spec.names.find((n) => typeof module[n] === 'function');
  if (name === undefined) {
    throw new Error(`a ${kind} plugin's module must export a function \`${spec.names[0]}\` (export function ${spec.names[0]}(...) { ... })`);
  }
  const fn = /** @type {Function} */ (module[name]);
  /** @type {Record<string, Function>} */
  const out = {};
  switch (kind) {
    case 'crawler':
      out.crawl = () => guarded(() => fn(), () => undefined);
      break;
    case 'cleaner':
      out.check = (/** @type {any} */ item) => guarded(() => fn(fromRaw(item)), checkVerdict);
      break;
    case 'annotator':
      out.annotateItem = (/** @type {any} */ item) => guarded(() => fn(fromRaw(item)), () => undefined);
      break;
    case 'grader':
      out.grade = () => guarded(() => fn(), checkReport);
      break;
  }
  return out;
}
