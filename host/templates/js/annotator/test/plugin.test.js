// Builds the annotator with `aigc-host build` and runs it on a tiny dataset: `npm test` (or `node --test`). Needs
// aigc-host on PATH (or its path in AIGC_HOST); the first build installs the JavaScript toolchain (once).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const project = join(dirname(fileURLToPath(import.meta.url)), '..');
const host = process.env.AIGC_HOST || 'aigc-host';
const aigc = (...args) => execFileSync(host, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('annotates every item', () => {
  const work = mkdtempSync(join(tmpdir(), '{{name}}-'));
  const plugin = join(work, 'annotator.wasm');
  aigc('build', project, '-o', plugin);
  const files = join(work, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'a.txt'), 'x'.repeat(20));
  writeFileSync(join(files, 'b.txt'), 'x'.repeat(30));
  const ds = join(work, 'ds');
  aigc('dataset', 'import', ds, files);
  const summary = JSON.parse(aigc('annotate', ds, '--with', plugin, '--json'));
  assert.equal(summary.errors, 0, JSON.stringify(summary));
  assert.equal(summary.annotated, 2, JSON.stringify(summary));
});
