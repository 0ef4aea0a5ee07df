/**
 * SVG analysis done by the host (WIT `svg`): facts about the document, rasters, and statistics of the rendered
 * shape. The `*File` functions read an item's file in the host, so the SVG never crosses into the plugin. Errors
 * are {@link HostError}s: `invalid` (malformed or refused), `limit` (over a cap), `not-found`.
 * @module
 */

import * as raw from 'aigc:plugin/svg@0.1.1';
import { host } from './errors.js';

/**
 * @typedef {{r: number, g: number, b: number, a: number}} Rgba
 * @typedef {{x: number, y: number, width: number, height: number}} Rect
 * @typedef {{size: number, maxShapes: number, minArea: number}} Options
 */

/** Opaque white, the usual background for a model's input. @type {Rgba} */
export const WHITE = Object.freeze({ r: 255, g: 255, b: 255, a: 255 });

/** The Rust SDK's defaults: 256 px, 32 shapes per list, specks under 4 px ignored. @type {Options} */
export const DEFAULT_OPTIONS = Object.freeze({ size: 256, maxShapes: 32, minArea: 4 });

/**
 * @param {Partial<Options>} options
 * @returns {Options}
 */
function withDefaults(options) {
  return { ...DEFAULT_OPTIONS, ...options };
}

/**
 * A PNG of the SVG fitted into a `size` x `size` square, transparent or on `background`.
 * @param {Uint8Array | string} svg
 * @param {number} size
 * @param {Rgba | null} [background]
 * @returns {Uint8Array}
 */
export function rasterize(svg, size, background = null) {
  return host(() => raw.rasterize(bytes(svg), size, background ?? undefined));
}

/**
 * {@link rasterize} on file `file` of item `itemId`, read by the host.
 * @param {string} itemId
 * @param {string} file
 * @param {number} size
 * @param {Rgba | null} [background]
 * @returns {Uint8Array}
 */
export function rasterizeFile(itemId, file, size, background = null) {
  return host(() => raw.rasterizeFile(itemId, file, size, background ?? undefined));
}

/**
 * What the document says, without rendering.
 * @param {Uint8Array | string} svg
 * @returns {any} the WIT `facts` record
 */
export function describe(svg) {
  return host(() => raw.describe(bytes(svg)));
}

/**
 * Facts and shape statistics of the SVG; options default to {@link DEFAULT_OPTIONS}.
 * @param {Uint8Array | string} svg
 * @param {Partial<Options>} [options]
 * @returns {{facts: any, stats: any}}
 */
export function analyze(svg, options = {}) {
  return host(() => raw.analyze(bytes(svg), withDefaults(options)));
}

/**
 * {@link analyze} on file `file` of item `itemId`.
 * @param {string} itemId
 * @param {string} file
 * @param {Partial<Options>} [options]
 * @returns {{facts: any, stats: any}}
 */
export function analyzeFile(itemId, file, options = {}) {
  return host(() => raw.analyzeFile(itemId, file, withDefaults(options)));
}

/**
 * Whether a file looks like an SVG, by media type or name.
 * @param {string} mediaType
 * @param {string} name
 * @returns {boolean}
 */
export function isSvg(mediaType, name) {
  return mediaType === 'image/svg+xml' || name.toLowerCase().endsWith('.svg');
}

/**
 * @param {Uint8Array | string} svg
 * @returns {Uint8Array}
 */
function bytes(svg) {
  return typeof svg === 'string' ? new TextEncoder().encode(svg) : svg;
}
