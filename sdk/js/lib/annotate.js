/**
 * Annotations: facts about items (a caption, a score) stored beside them (WIT `annotate`).
 * @module
 */

import * as raw from 'aigc:plugin/annotate@0.1.1';
import { host } from './errors.js';

/**
 * @typedef {object} Annotation
 * @property {string} key
 * @property {string} value
 * @property {number | undefined} [score]
 * @property {string} plugin the plugin that wrote it
 */

/**
 * Stores `value` under `key` for the item, replacing what this plugin stored there before.
 * @param {string} itemId
 * @param {string} key
 * @param {string} value
 * @param {number | null} [score]
 */
export function put(itemId, key, value, score = null) {
  host(() => raw.put(itemId, key, value, score ?? undefined));
}

/**
 * Every annotation of the item under `key`, from any plugin.
 * @param {string} itemId
 * @param {string} key
 * @returns {Annotation[]}
 */
export function get(itemId, key) {
  return raw.get(itemId, key);
}
