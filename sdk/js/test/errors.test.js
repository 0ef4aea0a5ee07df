// The parts of the SDK that need no host, run with `node --test sdk/js/test` (tests/all/js_plugins.rs runs them).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostError, HttpError, MAX_ERROR_TEXT, describeError, hostCall, host, safeString } from '../lib/errors.js';
import { encode, origin, sniff, sniffOnly } from '../lib/web.js';

test('errors carry their message, kind and a short stack mapped to source lines', () => {
  const e = new Error('boom');
  e.stack = [
    'helper@/tmp/x/plugin.js:4:9',
    'check@/tmp/x/plugin.js:9:3',
    'guarded@/tmp/x/plugin.js:50:1',
    'export_check@/tmp/a/sources/initializer.js:3780:45',
  ].join('\n');
  globalThis.__aigcLines = { sources: ['index.js', '@aigc/sdk/lib/plugin.js'], lines: [null, null, null, [0, 2], null, null, null, null, [0, 7], ...Array(40).fill(null), [1, 120]] };
  try {
    assert.equal(describeError(e), 'boom\n  at helper (index.js:2)\n  at check (index.js:7)');
  } finally {
    delete globalThis.__aigcLines;
  }
  assert.equal(describeError(new TypeError('bad')).split('\n')[0], 'TypeError: bad');
  assert.equal(describeError(new HostError('not-found', 'no item x')).split('\n')[0], 'not-found: no item x');
  assert.equal(describeError('plain words'), 'plain words');
  assert.equal(describeError({ a: 1n }), 'a non-Error value was thrown: {"a":"1"}');
  assert.equal(describeError(undefined), 'a non-Error value was thrown: undefined');
});

test('a recursion collapses and the text is bounded', () => {
  const e = new Error('too much recursion');
  e.stack = Array(5000).fill('recurse@/w/plugin.js:29:10').join('\n');
  assert.equal(describeError(e), 'too much recursion\n  at recurse (plugin.js:29) ×5000');
  const huge = describeError(new Error('x'.repeat(1 << 20)));
  assert.ok(huge.length < MAX_ERROR_TEXT + 60 && huge.endsWith(' characters more]'), huge.slice(-60));
});

test('binding errors become HostError and HttpError', () => {
  const thrown = (payload) => () => {
    const e = new Error('binding');
    Object.defineProperty(e, 'payload', { value: payload });
    throw e;
  };
  assert.throws(() => host(thrown({ tag: 'limit', val: 'too big' })), (e) => e instanceof HostError && e.kind === 'limit' && e.message === 'too big');
  assert.throws(
    () => hostCall(thrown({ tag: 'too-large', val: 1024n }), (tag, val) => new HttpError(tag, val)),
    (e) => e instanceof HttpError && e.message === "larger than the host's cap of 1024 bytes" && e.detail === 1024,
  );
  assert.throws(() => host(() => { throw new RangeError('other'); }), RangeError);
  assert.equal(safeString(new Uint8Array(3)), '"[3 bytes]"');
});

test('web helpers match the Rust SDK', () => {
  assert.equal(origin('https://API.example.org/v3?x=1'), 'https://api.example.org');
  for (const odd of ['https://user@evil.org/', 'https://a b/', 'ftp://example.org/', '//x/', 'https:///p', '']) {
    assert.equal(origin(odd), null, odd);
  }
  assert.equal(encode('game character/é'), 'game%20character%2F%C3%A9');
  assert.deepEqual(sniff(new TextEncoder().encode('  <SVG xmlns="x">')), ['svg', 'image/svg+xml']);
  assert.deepEqual(sniff(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10)), ['png', 'image/png']);
  assert.equal(sniffOnly(Uint8Array.of(0xff, 0xd8, 0xff), ['png']), null);
  assert.equal(sniff(new TextEncoder().encode('<?xml version="1.0"?><html/>')), null);
});
