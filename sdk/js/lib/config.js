/**
 * The run's configuration (WIT `config`): `--set KEY=VALUE` values, else the defaults declared in package.json's
 * `"aigc".config`. Only declared keys exist. Besides plain values: typed getters that report a value they cannot
 * use as an error naming the key, comma lists, category names, `NAME=QUERY` pairs and http(s) base URLs, as the
 * Rust SDK's `config` module reads them.
 * @module
 */

import * as raw from 'aigc:plugin/config@0.1.1';
import { origin } from './web.js';

/**
 * The value of `key`, or null when it has none.
 * @param {string} key
 * @returns {string | null}
 */
export function get(key) {
  const value = raw.get(key);
  return value === undefined ? null : value;
}

/**
 * The value of `key`, or `fallback` when it has none.
 * @param {string} key
 * @param {string} fallback
 * @returns {string}
 */
export function getOr(key, fallback) {
  return get(key) ?? fallback;
}

/**
 * Every key that has a value, as `[key, value]` pairs.
 * @returns {Array<[string, string]>}
 */
export function all() {
  return raw.getAll();
}

/**
 * An error naming the config key and its value.
 * @param {string} key
 * @param {string} text
 * @param {string} why
 * @returns {Error}
 */
function invalid(key, text, why) {
  return new Error(`config \`${key}\` = \`${text}\` is not valid: ${why}`);
}

const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

/**
 * The value of `key` as a number (Rust's `f64` syntax: `0.5`, `1e-3`, `-2`, `inf`), or `fallback` when it has
 * none; any other text is an error naming the key.
 * @param {string} key
 * @param {number} fallback
 * @returns {number}
 */
export function number(key, fallback) {
  const text = get(key);
  if (text === null) return fallback;
  const t = text.trim();
  if (!FLOAT.test(t)) throw invalid(key, text, 'invalid float literal');
  const lower = t.toLowerCase().replace(/^[+]/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (/^[+-]?nan$/.test(lower)) return NaN;
  return Number(t);
}

/**
 * The value of `key` as a whole number between `min` and `max` (default: 0 to 2^32-1, like a Rust `u32`), or
 * `fallback` when it has none; other text, or a number out of range, is an error naming the key.
 * @param {string} key
 * @param {number} fallback
 * @param {{min?: number, max?: number}} [range]
 * @returns {number}
 */
export function integer(key, fallback, { min = 0, max = 4294967295 } = {}) {
  const text = get(key);
  if (text === null) return fallback;
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw invalid(key, text, 'invalid digit found in string');
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalid(key, text, `number out of range (${min} to ${max})`);
  }
  return n;
}

/**
 * The value of `key` as `true` or `false` (exactly those words), or `fallback` when it has none.
 * @param {string} key
 * @param {boolean} fallback
 * @returns {boolean}
 */
export function boolean(key, fallback) {
  const text = get(key);
  if (text === null) return fallback;
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw invalid(key, text, 'provided string was not `true` or `false`');
}

/**
 * `text` split on commas, each part trimmed, empty parts dropped: `"a, b,,c"` → `["a", "b", "c"]`.
 * @param {string} text
 * @returns {string[]}
 */
export function splitList(text) {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * The value of `key` split on commas (see {@link splitList}); empty when it has none.
 * @param {string} key
 * @returns {string[]}
 */
export function list(key) {
  const value = get(key);
  return value === null ? [] : splitList(value);
}

/**
 * True for a name made of lowercase ASCII letters, digits, `-` and `_` (not empty): what category and style
 * names must be.
 * @param {string} text
 * @returns {boolean}
 */
export function isName(text) {
  return /^[a-z0-9_-]+$/.test(text);
}

/**
 * The comma list `key` as names (see {@link isName}): an error naming the first entry that is not one, or saying
 * that the list is empty.
 * @param {string} key
 * @returns {string[]}
 */
export function names(key) {
  const entries = list(key);
  const bad = entries.find((n) => !isName(n));
  if (bad !== undefined) {
    throw new Error(`config \`${key}\`: \`${bad}\` is not a name of lowercase letters, digits and dashes`);
  }
  if (entries.length === 0) throw new Error(`config \`${key}\` is empty`);
  return entries;
}

/**
 * Reads `entries` as `NAME=QUERY` pairs (`ink-wash=ink landscape`), both sides trimmed; a bare `NAME` pairs the
 * name with itself. Names are at most 64 characters {@link isName} allows, each at most once; queries are not
 * empty; there is at least one pair. Errors name `key` and call a NAME a `noun`.
 * @param {string} key
 * @param {string} noun
 * @param {string[]} entries
 * @returns {Array<[string, string]>}
 */
export function parsePairs(key, noun, entries) {
  /** @type {Array<[string, string]>} */
  const pairs = [];
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const name = (at < 0 ? entry : entry.slice(0, at)).trim();
    const query = (at < 0 ? entry : entry.slice(at + 1)).trim();
    if (!isName(name) || name.length > 64) {
      throw new Error(`config \`${key}\`: \`${name}\` (in \`${entry}\`) is not a ${noun} name of lowercase letters, digits, - and _`);
    }
    if (query.length === 0) throw new Error(`config \`${key}\`: ${noun} \`${name}\` has an empty query`);
    if (pairs.some(([other]) => other === name)) throw new Error(`config \`${key}\`: ${noun} \`${name}\` is listed twice`);
    pairs.push([name, query]);
  }
  if (pairs.length === 0) throw new Error(`config \`${key}\` is empty`);
  return pairs;
}

/**
 * The comma list `key` as `NAME=QUERY` pairs (see {@link parsePairs}).
 * @param {string} key
 * @param {string} noun what a NAME is, for messages (`style`)
 * @returns {Array<[string, string]>}
 */
export function pairs(key, noun) {
  return parsePairs(key, noun, list(key));
}

/**
 * The value of `key` (else `fallback`) as an http(s) URL without trailing slashes, and its origin:
 * `[base, origin]`. A value that is not such a URL is an error naming the key.
 * @param {string} key
 * @param {string} fallback
 * @returns {[string, string]}
 */
export function httpUrl(key, fallback) {
  const url = getOr(key, fallback).trim().replace(/\/+$/, '');
  const o = origin(url);
  if (o === null) throw new Error(`config \`${key}\` = \`${url}\` is not an http(s) URL`);
  return [url, o];
}
