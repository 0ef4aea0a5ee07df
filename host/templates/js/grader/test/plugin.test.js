// Builds the grader with `aigc-host build` and grades two tiny submissions: `npm test` (or `node --test`). Needs
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

test('a README earns the points, its absence none', () => {
  const work = mkdtempSync(join(tmpdir(), '{{name}}-'));
  const plugin = join(work, 'grader.wasm');
  aigc('build', project, '-o', plugin);
  const good = join(work, 'good');
  const bad = join(work, 'bad');
  mkdirSync(join(good, 'src'), { recursive: true });
  mkdirSync(join(bad, 'src'), { recursive: true });
  writeFileSync(join(good, 'README.md'), '# Project\n');
  writeFileSync(join(good, 'src', 'main.py'), 'print(1)\n');
  writeFileSync(join(bad, 'src', 'main.py'), 'print(1)\n');
  const report = JSON.parse(aigc('grade', plugin, good, bad, '--json'));
  const [g, b] = report.submissions.map((s) => s.checks[0]);
  assert.deepEqual([g.name, g.passed, g.points, g.max_points], ['readme', true, 10, 10]);
  assert.deepEqual([b.passed, b.points], [false, 0]);
  assert.match(b.message, /add a README/);
});
