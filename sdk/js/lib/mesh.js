/**
 * 3D models of dataset items measured by the host (WIT `mesh`: cleaners). Counts come back as numbers.
 * @module
 */

import * as raw from 'aigc:plugin/mesh@0.1.1';
import { host } from './errors.js';

const COUNTS = ['vertices', 'faces', 'degenerateFaces'];

/**
 * The facts of the model in item `itemId` (see wit/mesh.wit). Throws {@link HostError}: `not-found` (no model
 * file), `invalid` (the message starts with a stable word: "truncated:", "malformed:", "missing-file:",
 * "unsupported:"), `limit`.
 * @param {string} itemId
 * @returns {any} the WIT `model-facts` record, 64-bit counts as numbers
 */
export function facts(itemId) {
  const f = host(() => raw.facts(itemId));
  for (const key of COUNTS) f[key] = Number(f[key]);
  return f;
}

/**
 * True when a file name says it may hold a model (`.glb`, `.gltf`, `.obj`, or a `.zip` archive).
 * @param {string} name
 * @returns {boolean}
 */
export function isModelFile(name) {
  const lower = name.toLowerCase();
  return ['.glb', '.gltf', '.obj', '.zip'].some((ext) => lower.endsWith(ext));
}
