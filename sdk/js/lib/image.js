/**
 * Raster images decoded and measured by the host (WIT `image`: cleaners, annotators, graders). Sizes come back
 * as numbers; the perceptual hash `phash` stays a BigInt (64 bits).
 * @module
 */

import * as raw from 'aigc:plugin/image@0.1.1';
import { host } from './errors.js';

/**
 * What the host measured of one image (see wit/image.wit for each field's definition).
 * @typedef {object} Facts
 * @property {string} format "png", "jpeg", "webp" or "gif"
 * @property {number} width
 * @property {number} height
 * @property {boolean} hasAlpha
 * @property {string} sha256
 * @property {number} brightness
 * @property {number} brightnessP5
 * @property {number} brightnessP99
 * @property {number} contrast
 * @property {number} entropy
 * @property {number} sharpness
 * @property {number} greySpread
 * @property {bigint} phash
 */

/**
 * One image of a near-duplicate group.
 * @typedef {object} SimilarImage
 * @property {string} itemId
 * @property {string} file
 * @property {number} distance
 * @property {boolean} exact
 * @property {number} width
 * @property {number} height
 * @property {number} size
 */

/**
 * The facts of one stored file of an item.
 * @param {string} itemId
 * @param {string} file
 * @returns {Facts}
 */
export function measureFile(itemId, file) {
  return host(() => raw.measureFile(itemId, file));
}

/**
 * The facts of encoded image bytes.
 * @param {Uint8Array} image
 * @returns {Facts}
 */
export function measure(image) {
  return host(() => raw.measure(image));
}

/**
 * The image scaled to fit inside `maxWidth` x `maxHeight` (never enlarged) and encoded as `'png'`, `'webp'`
 * (lossless) or `{jpeg: quality}`.
 * @param {Uint8Array} image
 * @param {number} maxWidth
 * @param {number} maxHeight
 * @param {'png' | 'webp' | {jpeg: number}} [encoding]
 * @returns {Uint8Array}
 */
export function resize(image, maxWidth, maxHeight, encoding = 'png') {
  const e = typeof encoding === 'string' ? { tag: encoding } : { tag: 'jpeg', val: encoding.jpeg };
  return host(() => raw.resize(image, maxWidth, maxHeight, e));
}

/**
 * The group of images in the dataset that duplicate or nearly duplicate this file, itself included.
 * @param {string} itemId
 * @param {string} file
 * @param {number} maxDistance 0 to 16 bits
 * @returns {SimilarImage[]}
 */
export function similar(itemId, file, maxDistance) {
  return host(() => raw.similar(itemId, file, maxDistance)).map((/** @type {any} */ s) => ({ ...s, size: Number(s.size) }));
}

/**
 * Bits in which two perceptual hashes differ.
 * @param {bigint} a
 * @param {bigint} b
 * @returns {number}
 */
export function distance(a, b) {
  let x = BigInt.asUintN(64, BigInt(a) ^ BigInt(b));
  let n = 0;
  while (x > 0n) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

/**
 * Whether a file's media type is one the host decodes.
 * @param {string} mediaType
 * @returns {boolean}
 */
export function isRaster(mediaType) {
  return ['image/png', 'image/jpeg', 'image/webp', 'image/gif'].includes(mediaType);
}

/**
 * Whether {@link similar} can compare a file of this media type: raster images, and SVGs through their rendering.
 * @param {string} mediaType
 * @returns {boolean}
 */
export function isComparable(mediaType) {
  return isRaster(mediaType) || mediaType === 'image/svg+xml';
}
