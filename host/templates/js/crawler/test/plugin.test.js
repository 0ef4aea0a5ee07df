// Builds the crawler with `aigc-host build` and runs it against a small server on this machine: `npm test` (or
// `node --test`). Needs aigc-host on PATH (or its path in AIGC_HOST); the first build installs the JavaScript
// toolchain (once).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const project = join(dirname(fileURLToPath(import.meta.url)), '..');
const host = process.env.AIGC_HOST || 'aigc-host';
const aigc = async (...args) => (await promisify(execFile)(host, args, { encoding: 'utf8' })).stdout;

test('stores what the index names, once', async () => {
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${server.address().port}`;
    if (req.url === '/index.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify([
        { url: `${base}/a.svg`, title: 'a', category: 'icons', licence: 'CC0-1.0' },
        { url: `${base}/missing.svg`, title: 'gone' },
      ]));
    } else if (req.url === '/a.svg') {
      res.end("<svg xmlns='http://www.w3.org/2000/svg'><circle r='4'/></svg>");
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const origin = `127.0.0.1:${server.address().port}`;
    const work = mkdtempSync(join(tmpdir(), '{{name}}-'));
    const plugin = join(work, 'crawler.wasm');
    await aigc('build', project, '-o', plugin);
    const run = async () => JSON.parse(await aigc('run', plugin, '--dataset', join(work, 'ds'), '--json',
      '--set', `index_url=http://${origin}/index.json`, '--allow-host', origin));
    const first = await run();
    assert.equal(first.error, null);
    assert.equal(first.items_added, 1);
    assert.equal((await run()).items_added, 0);
  } finally {
    server.close();
  }
});
