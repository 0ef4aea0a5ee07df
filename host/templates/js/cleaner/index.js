// {{description}}: keeps an item when its first file is at least `min_bytes` long.
//
// Edit `check` (the rule) and the "aigc" object in package.json (config keys, models), then run `aigc-host build`
// and `aigc-host clean DATASET --rule {{name}}.wasm`. `npm test` builds the plugin and runs it on a tiny dataset.
//
// The host calls `check` once per item. It returns a verdict: `keep(reason, score)` keeps the item,
// `drop(reason, score)` drops it from what is exported (the item itself is never deleted); reasons group items in
// the run's summary, so keep them short and stable ("too-small"). Anything `check` throws leaves the item unjudged
// and is reported with its message and the lines it came from. `console.log` goes to the run's log (`-v` shows
// debug lines). The plugin sees only what the SDK offers: `svg`, `image` and `mesh` measure files in the host,
// `dataset` reads them, `model` runs the models package.json names.

import { config, keep, drop } from '@aigc/sdk';

export function check(item) {
  const minBytes = config.integer('min_bytes', 1024); // `--set min_bytes=...`, else the default in package.json
  if (item.files.length === 0) return drop('no-files');
  const size = item.files[0].size;
  return size >= minBytes ? keep('big-enough', size) : drop('too-small', size);
}
