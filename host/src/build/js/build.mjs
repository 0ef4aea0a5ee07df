// Written by `aigc-host build` into its toolchain cache and run with node: bundles a JavaScript plugin with the
// aigc SDK (esbuild) and makes a WebAssembly component of it (componentize-js). One argument: a JSON file with
// {tools, sdk, project, main, kind, world, imports, wit, work, out}. Exit 0 with the component written to `out`;
// else the problem on stderr, in words for the plugin's author, and exit 2 when it lies in the plugin's source (a
// syntax error, a missing export or import, an interface the world does not give), 1 when making the component
// failed.

import { readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

const job = JSON.parse(await readFile(process.argv[2], 'utf8'));
const fail = (message, code = 2) => {
  process.stderr.write(`${message.trimEnd()}\n`);
  process.exit(code);
};

// componentize-js 0.23.0's generated bindings allocate every string and list an import call takes (with the
// engine's realloc) and never free them, so a plugin leaks what it passes to the host: a log line, an SVG, a
// crawler's file. The bindings are patched as componentize-js writes them (`initializer.js`): allocations made
// for an import call's arguments are freed when the call returns (its results are lifted and freed by the
// bindings themselves).
function freeImportArguments(bindings) {
  const destructure = /^let \[\$memory, \$realloc, \$dealloc,[^\n]*= \$bindings;$/m;
  const entry = /^(\s+[\w$]+: )(import_aigc_plugin_[\w$]+)(,?)$/gm;
  // Pinned componentize-js writes both shapes; without them the plugin would leak on every host call, so a
  // toolchain that writes other bindings stops the build rather than making a leaking component.
  if (!destructure.test(bindings) || !entry.test(bindings)) {
    fail('componentize-js wrote bindings this build cannot patch (is the toolchain the pinned 0.23.0?); ' +
      'remove the JavaScript toolchain folder in the aigc-host cache and build again', 1);
  }
  entry.lastIndex = 0;
  const helpers = `
const __aigcLive = new Map();
let __aigcInImport = 0;
{
  const realloc = $realloc;
  const dealloc = $dealloc;
  $realloc = (old, oldSize, align, size) => {
    const ptr = realloc(old, oldSize, align, size);
    if (__aigcInImport > 0 && old === 0 && size > 0) __aigcLive.set(ptr, [size, align]);
    return ptr;
  };
  $dealloc = (ptr, ...rest) => {
    __aigcLive.delete(ptr);
    return dealloc(ptr, ...rest);
  };
}
function __aigcFreeing(fn) {
  return function (...args) {
    __aigcInImport += 1;
    try {
      return fn.apply(this, args);
    } finally {
      __aigcInImport -= 1;
      if (__aigcInImport === 0) {
        const live = [...__aigcLive];
        __aigcLive.clear();
        for (const [ptr, [size, align]] of live) $dealloc(ptr, size, align);
      }
    }
  };
}
`;
  return bindings
    .replace(destructure, (line) => `${line}\n${helpers}`)
    .replace(entry, (_all, head, name, comma) => `${head}__aigcFreeing(${name})${comma}`);
}
const fsp = (await import('node:fs/promises')).default;
const { syncBuiltinESMExports } = await import('node:module');
const originalWriteFile = fsp.writeFile;
fsp.writeFile = (path, data, ...rest) =>
  originalWriteFile(path, String(path).endsWith('initializer.js') ? freeImportArguments(String(data)) : data, ...rest);
syncBuiltinESMExports();

const esbuild = (await import(pathToFileURL(join(job.tools, 'node_modules', 'esbuild', 'lib', 'main.js')))).default;
const { componentize } = await import(
  pathToFileURL(join(job.tools, 'node_modules', '@bytecodealliance', 'componentize-js', 'src', 'componentize.js'))
);

const EXPORTS = { crawler: ['crawl'], cleaner: ['check'], annotator: ['annotate', 'annotateItem'], grader: ['grade'] };
const WIT_EXPORT = { crawler: 'crawl', cleaner: 'check', annotator: 'annotateItem', grader: 'grade' };

const common = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  mainFields: ['module', 'main'],
  external: ['aigc:*'],
  alias: { '@aigc/sdk': job.sdk },
  logLevel: 'silent',
  write: false,
  absWorkingDir: job.project,
};

async function bundle(options) {
  try {
    return await esbuild.build({ ...common, ...options });
  } catch (e) {
    const errors = e.errors ?? [];
    if (errors.length === 0) fail(`esbuild failed: ${e.message ?? e}`);
    const text = await esbuild.formatMessages(errors, { kind: 'error', color: false });
    let hint = '';
    if (errors.some((m) => /Could not resolve "(node:)?(fs|path|os|child_process|net|http|https|crypto|process)"/.test(m.text))) {
      hint = '\nA plugin runs in a sandbox without Node.js modules: use the SDK (`@aigc/sdk`) for files, HTTP and logs.';
    } else if (errors.some((m) => /Could not resolve/.test(m.text))) {
      hint = '\nInstall the package in the plugin folder (`npm install NAME`) or fix the import path.';
    }
    fail(`${text.join('').trimEnd()}${hint}`);
  }
}

// 1. The plugin module must export its kind's function.
const main = resolve(job.project, job.main);
const probe = await bundle({ entryPoints: [main], outfile: join(job.work, 'probe.js'), metafile: true });
const exported = Object.values(probe.metafile.outputs).flatMap((o) => o.exports ?? []);
const wanted = EXPORTS[job.kind];
if (!wanted.some((name) => exported.includes(name))) {
  fail(
    `${relative(job.project, main)} does not export \`${wanted[0]}\`: a ${job.kind} plugin exports ` +
      `\`export function ${wanted[0]}(${job.kind === 'cleaner' || job.kind === 'annotator' ? 'item' : ''}) { ... }\`` +
      (exported.length ? ` (it exports: ${exported.join(', ')})` : ''),
  );
}

// 2. The bundle: the plugin wrapped by the SDK's exportsFor (errors to strings, results checked, console to log).
const entry = join(job.work, 'entry.js');
await writeFile(
  entry,
  `import * as plugin from ${JSON.stringify(main)};\n` +
    `import { exportsFor } from ${JSON.stringify(join(job.sdk, 'lib', 'plugin.js'))};\n` +
    `const wrapped = exportsFor(${JSON.stringify(job.kind)}, plugin);\n` +
    `export const ${WIT_EXPORT[job.kind]} = wrapped.${WIT_EXPORT[job.kind]};\n`,
);
const out = join(job.work, 'plugin.js');
const built = await bundle({ entryPoints: [entry], outfile: out, sourcemap: 'external', sourcesContent: false, metafile: true });

// The interfaces the plugin uses must be ones its world imports (a grader has no dataset, a cleaner no http).
const used = new Set(
  Object.values(built.metafile.outputs)
    .flatMap((o) => o.imports ?? [])
    .map((i) => /^aigc:plugin\/([a-z-]+)@/.exec(i.path)?.[1])
    .filter(Boolean),
);
const foreign = [...used].filter((name) => !job.imports.includes(name));
if (foreign.length > 0) {
  const names = foreign.map((n) => `\`${n}\``).join(', ');
  fail(
    `${relative(job.project, main)} uses the SDK's ${names}, which a ${job.kind} plugin cannot reach: the ` +
      `${job.world} world imports ${job.imports.map((n) => `\`${n}\``).join(', ')}. Remove those calls (or make ` +
      `the plugin another kind).`,
  );
}
const code = built.outputFiles.find((f) => f.path.endsWith('.js')).text;
const map = built.outputFiles.find((f) => f.path.endsWith('.map'));

// 3. A line table from the source map, appended to the bundle, so the SDK names source lines in stack traces.
let table = '';
if (map) {
  const sm = JSON.parse(map.text);
  const sources = sm.sources.map((s) => {
    const abs = resolve(dirname(out), s);
    if (abs.startsWith(job.sdk)) return `@aigc/sdk/${relative(job.sdk, abs)}`;
    return relative(job.project, abs);
  });
  const lines = [];
  let src = 0;
  let srcLine = 0;
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (const line of sm.mappings.split(';')) {
    let first = null;
    for (const segment of line.split(',')) {
      if (!segment) continue;
      const values = [];
      let value = 0;
      let shift = 0;
      for (const ch of segment) {
        const digit = B64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      if (values.length >= 4) {
        src += values[1];
        srcLine += values[2];
        if (first === null) first = [src, srcLine + 1];
      }
    }
    lines.push(first);
  }
  table = `\nglobalThis.__aigcLines = ${JSON.stringify({ sources, lines })};\n`;
}
await writeFile(out, code.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n') + table);

// 4. The component.
process.chdir(job.work);
let result;
try {
  result = await componentize({
    sourcePath: out,
    witPath: job.wit,
    worldName: job.world,
    disableFeatures: ['http', 'fetch-event'],
  });
} catch (e) {
  fail(`componentize-js could not make a component of the bundle: ${e?.message ?? e}`, 1);
}
await writeFile(job.out, result.component);
