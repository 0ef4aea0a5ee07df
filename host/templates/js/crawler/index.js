// {{description}}: fetches a JSON index (a list of {url, title, category, licence}) and stores each file it names
// as an item.
//
// Edit `crawl` and the "aigc" object in package.json (the hosts it may reach, its config keys), then run
// `aigc-host build` and `aigc-host run {{name}}.wasm --dataset DATASET`. `npm test` builds the crawler and runs it
// against a small local server.
//
// The host calls `crawl` once per run. Only the hosts package.json names can be reached (the operator may add
// more with `--allow-host`), through the SDK's `http` (not `fetch`). Items put before an exception stay stored, and
// a second run skips what the first stored (`dataset.seen`). `console.log` goes to the run's log.

import { collect, config, dataset, http, log, web } from '@aigc/sdk';

export function crawl() {
  const indexUrl = config.getOr('index_url', 'https://example.org/index.json');
  const entries = http.fetchJson(indexUrl);
  const todo = entries.filter((e) => dataset.seen(`{{name}}:${e.url}`) === null);
  // fetchAll sends the requests concurrently; each answer is a Response or the HttpError it met.
  const answers = http.fetchAll(todo.map((e) => e.url));
  const items = [];
  todo.forEach((entry, i) => {
    const answer = answers[i];
    if (answer instanceof Error || !answer.ok) {
      log.warn(`skipping ${entry.url}: ${answer instanceof Error ? answer.message : `HTTP ${answer.status}`}`);
      return;
    }
    const [ext, mediaType] = web.sniff(answer.body) ?? ['bin', 'application/octet-stream'];
    items.push({
      sourceKey: `{{name}}:${entry.url}`,
      category: entry.category ?? null,
      title: entry.title ?? null,
      provenance: { sourceUrl: entry.url, licence: entry.licence ?? null },
      files: [{ name: `file.${ext}`, mediaType, data: answer.body }],
    });
  });
  // One put for the whole page: much faster than one per item.
  for (const outcome of collect.putMany(items)) {
    if (outcome instanceof Error) throw outcome;
  }
  log.info(`${todo.length} new entries of ${entries.length}`);
}
