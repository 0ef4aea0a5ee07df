// Builds the plugin with `aigc-host build` and runs it on a tiny dataset: `npm test` (or `node --test`). Needs
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

test('keeps big files and drops small ones', () => {
  const work = mkdtempSync(join(tmpdir(), '{{name}}-'));
  const plugin = join(work, 'plugin.wasm');
  aigc('build', project, '-o', plugin);
  const files = join(work, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'big.txt'), 'x'.repeat(2048));
  writeFileSync(join(files, 'small.txt'), 'x'.repeat(10));
  const ds = join(work, 'ds');
  aigc('dataset', 'import', ds, files);
  const summary = JSON.parse(aigc('clean', ds, '--rule', plugin, '--json', '--set', 'min_bytes=100'));
  assert.equal(summary.errors, 0);
  const verdicts = Object.fromEntries(
    JSON.parse(aigc('dataset', 'ls', ds, '--json')).items.map((item) => [item.title, item.verdicts[0]]),
  );
  assert.deepEqual([verdicts['big.txt'].keep, verdicts['big.txt'].reason, verdicts['big.txt'].score], [true, 'big-enough', 2048]);
  assert.deepEqual([verdicts['small.txt'].keep, verdicts['small.txt'].reason], [false, 'too-small']);
});
