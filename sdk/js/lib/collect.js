/**
 * Adding items to the dataset, and the crawl state that lets a crawl resume (WIT `collect`, crawlers only).
 * @module
 */

import * as raw from 'aigc:plugin/collect@0.1.1';
import { HostError, host } from './errors.js';

/**
 * A file to store with a new item; `data` may be text (stored as UTF-8).
 * @typedef {object} NewFile
 * @property {string} name
 * @property {string} mediaType
 * @property {Uint8Array | string} data
 */

/**
 * An item to store. `metadata` may be an object (stored as JSON); provenance fields other than `sourceUrl` may
 * be left out.
 * @typedef {object} NewItem
 * @property {string} sourceKey identifies the item at its source; a second put with the same key stores nothing
 * @property {string | null} [category]
 * @property {string | null} [title]
 * @property {{sourceUrl: string, licence?: string | null, licenceUrl?: string | null, author?: string | null, authorUrl?: string | null}} provenance
 * @property {string | object} [metadata] default `{}`
 * @property {NewFile[]} [files]
 * @property {string | null} [parent]
 */

/**
 * What a put did: the item's id, and whether it was new.
 * @typedef {object} PutResult
 * @property {string} id
 * @property {boolean} created false when the source key was already stored
 */

const opt = (/** @type {unknown} */ v) => (v === null || v === undefined ? undefined : String(v));

/**
 * @param {NewItem} item
 * @returns {object} the binding's record
 */
function toRaw(item) {
  const p = item.provenance ?? {};
  return {
    sourceKey: item.sourceKey,
    category: opt(item.category),
    title: opt(item.title),
    provenance: {
      sourceUrl: String(p.sourceUrl ?? ''),
      licence: opt(p.licence),
      licenceUrl: opt(p.licenceUrl),
      author: opt(p.author),
      authorUrl: opt(p.authorUrl),
    },
    metadata: typeof item.metadata === 'string' ? item.metadata : JSON.stringify(item.metadata ?? {}),
    files: (item.files ?? []).map((f) => ({
      name: f.name,
      mediaType: f.mediaType,
      data: typeof f.data === 'string' ? new TextEncoder().encode(f.data) : f.data,
    })),
    parent: opt(item.parent),
  };
}

/**
 * Stores an item durably.
 * @param {NewItem} item
 * @returns {PutResult}
 */
export function put(item) {
  return host(() => raw.put(toRaw(item)));
}

/**
 * Stores many items at once (much faster than one put each); one outcome per item, in order: a
 * {@link PutResult} or the {@link HostError} that item was refused with (not thrown).
 * @param {NewItem[]} items
 * @returns {Array<PutResult | HostError>}
 */
export function putMany(items) {
  return raw.putMany(items.map(toRaw)).map((/** @type {any} */ r) => {
    if (r && r.tag === 'err') return new HostError(r.val.tag, String(r.val.val));
    return r && r.tag === 'ok' ? r.val : r;
  });
}

/**
 * A value this plugin saved under `key` in this dataset, or null.
 * @param {string} key
 * @returns {string | null}
 */
export function state(key) {
  return raw.stateGet(key) ?? null;
}

/**
 * Saves a small value (64 KiB at most) for the next run of the same plugin on this dataset.
 * @param {string} key
 * @param {string} value
 */
export function setState(key, value) {
  host(() => raw.stateSet(key, value));
}

/**
 * A JSON value saved with {@link saveState}, or null when there is none or it does not parse (logged by the
 * caller's choice: a broken state starts over).
 * @param {string} key
 * @returns {any}
 */
export function loadState(key) {
  const text = state(key);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Saves `value` as JSON under `key`.
 * @param {string} key
 * @param {any} value
 */
export function saveState(key, value) {
  setState(key, JSON.stringify(value));
}
