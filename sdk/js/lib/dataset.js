/**
 * A read-only view of the dataset the plugin runs over (WIT `dataset`: crawlers, cleaners, annotators).
 * @module
 */

import * as raw from 'aigc:plugin/dataset@0.1.1';
import { host } from './errors.js';
import { fromRaw } from './items.js';

/** @typedef {import('./items.js').Item} Item */

/**
 * The item with this id; throws {@link HostError} `not-found` when there is none.
 * @param {string} id
 * @returns {Item}
 */
export function get(id) {
  return fromRaw(host(() => raw.get(id)));
}

/**
 * The bytes of one file of an item.
 * @param {string} id
 * @param {string} name
 * @returns {Uint8Array}
 */
export function readFile(id, name) {
  return host(() => raw.readFile(id, name));
}

/**
 * The text of one file of an item (UTF-8, invalid bytes replaced).
 * @param {string} id
 * @param {string} name
 * @returns {string}
 */
export function readText(id, name) {
  return new TextDecoder().decode(readFile(id, name));
}

/**
 * The id of the item stored under `sourceKey`, or null.
 * @param {string} sourceKey
 * @returns {string | null}
 */
export function seen(sourceKey) {
  return raw.seen(sourceKey) ?? null;
}

/**
 * Every item in id order, optionally of one category, fetched 256 at a time.
 * @param {string | null} [category]
 * @returns {Generator<Item>}
 */
export function* items(category = null) {
  let after;
  for (;;) {
    const page = raw.items(category ?? undefined, after, 256);
    if (page.length === 0) return;
    for (const item of page) yield fromRaw(item);
    after = page[page.length - 1].id;
  }
}

/**
 * The file named `name` of `item`, or null.
 * @param {Item} item
 * @param {string} name
 * @returns {import('./items.js').FileInfo | null}
 */
export function file(item, name) {
  return item.files.find((f) => f.name === name) ?? null;
}
