/**
 * Write aigc-host plugins in JavaScript. A plugin is an ES module that exports one function for its kind —
 * `crawl()`, `check(item)`, `annotate(item)` or `grade()` — and declares what it needs in package.json's
 * `"aigc"` object; `aigc-host build` bundles it with this SDK and makes a WebAssembly component of it.
 *
 * ```js
 * import { config, svg, keep, drop } from '@aigc/sdk';
 *
 * export function check(item) {
 *   const file = item.files.find((f) => svg.isSvg(f.mediaType, f.name));
 *   if (!file) return drop('no-svg');
 *   const { facts } = svg.analyzeFile(item.id, file.name);
 *   const max = config.integer('max_texts', 0);
 *   return facts.texts.length > max ? drop('has-text', facts.texts.length) : keep('no-text', 0);
 * }
 * ```
 *
 * Each namespace wraps one WIT interface; a world offers only some of them (see README), and `aigc-host build`
 * names an interface the plugin's kind does not have.
 * @module
 */

export * as log from './lib/log.js';
export * as config from './lib/config.js';
export * as dataset from './lib/dataset.js';
export * as collect from './lib/collect.js';
export * as http from './lib/http.js';
export * as annotate from './lib/annotate.js';
export * as model from './lib/model.js';
export * as image from './lib/image.js';
export * as svg from './lib/svg.js';
export * as mesh from './lib/mesh.js';
export * as submission from './lib/submission.js';
export * as web from './lib/web.js';
export { HostError, HttpError, describeError } from './lib/errors.js';
export { keep, drop, passed, failed } from './lib/plugin.js';

/** The WIT package this SDK speaks. */
export const WIT_PACKAGE = 'aigc:plugin@0.1.1';
