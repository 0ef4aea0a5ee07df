/**
 * Models the host runs (WIT `model`: cleaners, annotators). A plugin reaches only the models package.json's
 * `"aigc".models` names; a name ending in `?` is optional (a missing model is a `denied` or `not-found`
 * {@link HostError}, which the plugin may catch).
 * @module
 */

import * as raw from 'aigc:plugin/model@0.1.1';
import { host } from './errors.js';

/**
 * One L2-normalised embedding per image (encoded PNG, JPEG, WebP or GIF bytes).
 * @param {string} model
 * @param {Uint8Array[]} images
 * @returns {Float32Array[] | number[][]}
 */
export function embedImages(model, images) {
  return host(() => raw.embedImages(model, images));
}

/**
 * One L2-normalised embedding per text.
 * @param {string} model
 * @param {string[]} texts
 * @returns {Float32Array[] | number[][]}
 */
export function embedTexts(model, texts) {
  return host(() => raw.embedTexts(model, texts));
}

/**
 * Cosine similarity of the image to each text, in [-1, 1].
 * @param {string} model
 * @param {Uint8Array} image
 * @param {string[]} texts
 * @returns {Float32Array | number[]}
 */
export function similarity(model, image, texts) {
  return host(() => raw.similarity(model, image, texts));
}

/**
 * Zero-shot classification: a probability per label.
 * @param {string} model
 * @param {Uint8Array} image
 * @param {string[]} labels
 * @returns {Float32Array | number[]}
 */
export function classify(model, image, labels) {
  return host(() => raw.classify(model, image, labels));
}

/**
 * A caption per image.
 * @param {string} model
 * @param {Uint8Array[]} images
 * @returns {string[]}
 */
export function caption(model, images) {
  return host(() => raw.caption(model, images));
}
