/**
 * A read-only view of the submission being graded (WIT `submission`, graders only): its files, nothing else.
 * @module
 */

import * as raw from 'aigc:plugin/submission@0.1.1';
import { host } from './errors.js';

/**
 * A file or folder of the submission.
 * @typedef {object} Entry
 * @property {string} path '/'-separated, never absolute, never with '..'
 * @property {number} size bytes
 * @property {boolean} isDir
 */

const entry = (/** @type {any} */ e) => ({ ...e, size: Number(e.size) });

/**
 * The submission's name as given to the grader (its file or folder name).
 * @returns {string}
 */
export function name() {
  return raw.name();
}

/**
 * Every file and folder in the submission.
 * @returns {Entry[]}
 */
export function entries() {
  return raw.entries().map(entry);
}

/**
 * The entry at `path`; throws {@link HostError} `not-found` when there is none.
 * @param {string} path
 * @returns {Entry}
 */
export function stat(path) {
  return entry(host(() => raw.stat(path)));
}

/**
 * The bytes of one file (the host caps how large a file it hands over).
 * @param {string} path
 * @returns {Uint8Array}
 */
export function read(path) {
  return host(() => raw.read(path));
}

/**
 * The text of one file (UTF-8, invalid bytes replaced).
 * @param {string} path
 * @returns {string}
 */
export function readText(path) {
  return new TextDecoder().decode(read(path));
}

/**
 * Up to `length` bytes of a file from `offset`: enough to check a header.
 * @param {string} path
 * @param {number} offset
 * @param {number} length
 * @returns {Uint8Array}
 */
export function readRange(path, offset, length) {
  return host(() => raw.readRange(path, BigInt(offset), length));
}
