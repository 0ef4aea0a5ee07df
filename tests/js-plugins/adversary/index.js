// A crawler that tries to break one sandbox rule per run, chosen with `--set mode=...`: the JavaScript twin of
// tests/plugins/adversary. tests/all/js_plugins.rs runs it and checks that the host stops it with the same message
// as the Rust one, names the plugin and the rule, and keeps the dataset intact.

import { collect, config, http, log } from '@aigc/sdk';

function putItems() {
  const count = config.integer('count', 3);
  const item = (i) => ({
    sourceKey: `adversary:${i}`,
    category: 'test',
    title: `item ${i}`,
    provenance: { sourceUrl: `http://example.org/${i}`, licence: 'CC0-1.0' },
    metadata: { i },
    files: [{ name: 'data.txt', mediaType: 'text/plain', data: `item ${i}` }],
  });
  // The first half one at a time, the rest in one batch: both paths, the same items.
  const half = Math.floor(count / 2);
  for (let i = 0; i < half; i++) collect.put(item(i));
  const batch = [];
  for (let i = half; i < count; i++) batch.push(item(i));
  for (const outcome of collect.putMany(batch)) {
    if (outcome instanceof Error) throw outcome;
  }
  log.info(`put ${count} items`);
}

function recurse(depth) {
  return recurse(depth + 1) + 1;
}

export function crawl() {
  const mode = config.getOr('mode', 'ok');
  switch (mode) {
    case 'ok':
      return putItems();
    case 'loop': {
      let x = 1;
      for (;;) x = (x * 1103515245 + 12345) % 2147483648;
    }
    case 'memory': {
      // Grow in 1 MiB steps and touch every page, so the memory is really committed.
      const hoard = [];
      for (;;) {
        hoard.push(new Uint8Array(1 << 20).fill(7));
        log.debug(`holding ${hoard.length} MiB`);
      }
    }
    case 'recursion':
      return recurse(0);
    case 'log-flood': {
      const line = 'x'.repeat(1000);
      // 5 MB through console.log, five times what the host lets through.
      for (let i = 0; i < 5_000; i++) console.log(line);
      return;
    }
    case 'fetch': {
      const url = config.getOr('url', 'http://example.org/');
      const response = http.get(url);
      log.info(`fetched ${url}: HTTP ${response.status} from ${response.finalUrl}: ${response.text()}`);
      return;
    }
    case 'huge-log':
      // 8 MiB in one line (the host keeps 4 KiB of a line); a JavaScript string crosses to the host at about
      // 1 µs a character, so larger would only slow the test.
      log.info(`forged\nERROR forged ${'x'.repeat(8 << 20)}`);
      return;
    case 'huge-error':
      throw new Error(`huge ${'x'.repeat(8 << 20)}`);
    case 'put-then-throw':
      putItems();
      throw new TypeError('the adversary throws after its puts');
    case 'throw-value':
      throw { not: 'an Error' };
    default:
      throw new Error(`unknown mode \`${mode}\``);
  }
}
