// {{description}}: stores the total size of each item's files as an annotation.
//
// Edit `annotate` and the "aigc" object in package.json (add `"models": ["captioner"]` to call a model through
// the SDK's `model`), then run `aigc-host build` and `aigc-host annotate DATASET --with {{name}}.wasm`. `npm test`
// builds the annotator and runs it on a tiny dataset.
//
// The host calls `annotate` once per item; what it stores with `annotate.put(itemId, key, value, score)` sits
// beside the item, never in it. Anything it throws leaves the item without annotations from this run and is
// reported with its message and the lines it came from.

import { annotate as annotations, config } from '@aigc/sdk';

export function annotate(item) {
  const total = item.files.reduce((sum, f) => sum + f.size, 0);
  annotations.put(item.id, config.getOr('key', 'total-bytes'), `${total} bytes`, total);
}
