// The first checks of the course's project-2 grader, in JavaScript: a port of the zip-name, top-folders and
// count:<category> checks of plugins/course-submission (src/lib.rs and src/layout.rs), giving the same names,
// points and messages. The grader lists the submission once and reads no file.

import { config, submission } from '@aigc/sdk';

/** The three top-level folders: downloaded data, cleaned data, renders. */
const TOPS = ['下载数据', '清洗后的数据', '渲染结果'];
const DOWNLOADED = 0;

/** The course's categories: Chinese folder name and the English slug accepted in its place. */
const CATEGORIES = [
  { chinese: '动物', slug: 'animals' },
  { chinese: '植物', slug: 'plants' },
  { chinese: '文玩', slug: 'collectibles' },
  { chinese: '游戏形象', slug: 'game-characters' },
  { chinese: '动漫形象', slug: 'anime-characters' },
];

/** Extensions of model files: a file with one of these directly in a category folder is an item. */
const MODEL_EXTENSIONS = ['glb', 'gltf', 'zip', 'obj', 'fbx', 'stl', 'ply', 'dae', '3ds', 'blend', 'usdz', '3mf'];

const POINTS = ['zip-name', 'top-folders', 'count'];

const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const label = (c) => `${c.chinese} (${c.slug})`;
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** Strings in the order of their UTF-8 bytes, as Rust sorts them. */
function byteOrder(a, b) {
  const [x, y] = [new TextEncoder().encode(a), new TextEncoder().encode(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** `['cat.model', 'glb']` for `cat.model.GLB`; a name without a dot has an empty extension. */
function splitExtension(name) {
  const at = name.lastIndexOf('.');
  return at > 0 ? [name.slice(0, at), asciiLower(name.slice(at + 1))] : [name, ''];
}

/** The category a folder name stands for (the slug in any letter case; `antiques` for 文玩), or -1. */
function categoryOf(folder) {
  if (asciiLower(folder) === 'antiques') return CATEGORIES.findIndex((c) => c.slug === 'collectibles');
  return CATEGORIES.findIndex((c) => c.chinese === folder || c.slug === asciiLower(folder));
}

/** Litter that operating systems add to archives and folders. */
function isLitter(path) {
  const parts = path.split('/');
  const last = asciiLower(parts[parts.length - 1]);
  return parts.some((p) => p.startsWith('.') || p === '__MACOSX') || last === 'thumbs.db' || last === 'desktop.ini';
}

/** `"NAME/"` when every entry lies inside the one folder NAME, which is not a top folder. */
function wrapperOf(entries) {
  if (entries.length === 0) return '';
  const first = entries[0].path.split('/')[0];
  const single = entries.every((e) => e.path.split('/')[0] === first);
  const isFolder = entries.some((e) => e.path.startsWith(first) && (e.isDir || e.path.length > first.length));
  return single && isFolder && !TOPS.includes(first) ? `${first}/` : '';
}

/** What the three checks need, from one pass over the entries. */
function layoutOf(entries) {
  const kept = entries.filter((e) => !isLitter(e.path));
  const layout = {
    wrapper: wrapperOf(kept),
    present: [false, false, false],
    otherTop: new Set(),
    folders: CATEGORIES.map(() => [null, null, null]),
    items: CATEGORIES.map(() => new Map()),
    nested: [],
    nestedModels: CATEGORIES.map(() => []),
  };
  for (const entry of kept) {
    if (!entry.path.startsWith(layout.wrapper)) continue;
    const inner = entry.path.slice(layout.wrapper.length);
    if (inner === '') continue;
    const parts = inner.split('/');
    const top = TOPS.indexOf(parts[0]);
    if (top < 0) {
      layout.otherTop.add(parts.length > 1 || entry.isDir ? `${parts[0]}/` : parts[0]);
      continue;
    }
    if (parts.length === 1) {
      if (entry.isDir) layout.present[top] = true;
      else layout.otherTop.add(parts[0]);
      continue;
    }
    layout.present[top] = true;
    if (parts.length === 2 && !entry.isDir) continue;
    const category = categoryOf(parts[1]);
    if (category < 0) continue;
    layout.folders[category][top] ??= parts[1];
    if (parts.length === 2 || top !== DOWNLOADED || entry.isDir) continue;
    if (parts.length === 3) {
      const [stem, ext] = splitExtension(parts[2]);
      const item = layout.items[category].get(stem) ?? { models: 0 };
      if (MODEL_EXTENSIONS.includes(ext)) item.models += 1;
      layout.items[category].set(stem, item);
    } else if (MODEL_EXTENSIONS.includes(splitExtension(parts[parts.length - 1])[1])) {
      layout.nested.push([category, parts[2], entry.path]);
    }
  }
  // Names without a model file are not items; a subfolder named like an item holds that item's files.
  for (const items of layout.items) for (const [name, item] of [...items]) if (item.models === 0) items.delete(name);
  for (const [category, folder, path] of layout.nested) {
    if (!layout.items[category].has(folder)) layout.nestedModels[category].push(path);
  }
  return layout;
}

function settings() {
  const points = {};
  for (const key of POINTS) {
    const value = config.number(`points.${key}`, 0);
    if (!Number.isFinite(value) || value < 0) throw new Error(`config \`points.${key}\` must be a number of points, 0 or more`);
    points[key] = value;
  }
  const partial = config.getOr('partial_credit', 'true').trim();
  if (!['true', 'yes', '1', 'false', 'no', '0'].includes(partial)) {
    throw new Error(`config \`partial_credit\` must be true or false, not \`${partial}\``);
  }
  return {
    minPerCategory: config.integer('min_per_category', 500, { max: Number.MAX_SAFE_INTEGER }),
    partial: ['true', 'yes', '1'].includes(partial),
    points,
  };
}

/** A check over `total` things of which `good` are right: full points when all are, else a share (tenths, floored). */
function counted(s, name, good, total, message) {
  const max = s.points[name.split(':')[0]] ?? 0;
  const passed = good >= total;
  let points = 0;
  if (passed) points = max;
  else if (s.partial && total > 0) points = Math.max(Math.min(Math.floor((max * 10 * good) / total + 1e-9) / 10, max - 0.1), 0);
  return { name, passed, points, maxPoints: max, message };
}

function allOrNothing(s, name, passed, message) {
  const max = s.points[name] ?? 0;
  return { name, passed, points: passed ? max : 0, maxPoints: max, message };
}

function zipName(s, name) {
  const digits = (t) => /^[0-9]+$/.test(t);
  const stem = name.endsWith('.zip') ? name.slice(0, -4) : name;
  const at = stem.indexOf('_');
  const passed = at >= 0 && digits(stem.slice(0, at)) && digits(stem.slice(at + 1));
  if (passed) return allOrNothing(s, 'zip-name', true, `\`${name}\` is named <group number>_<leader's student id>.zip`);
  const lower = name.toLowerCase();
  let hint = '';
  if (['.rar', '.7z', '.tar', '.gz'].some((e) => lower.endsWith(e))) hint = ' Hand in a .zip archive.';
  else if (lower.endsWith('.zip') && !name.endsWith('.zip')) hint = ' Write the extension in lower case: .zip.';
  else if (name.includes('＿') || name.includes('-') || name.includes(' ')) {
    hint = ' Separate the two numbers with one ASCII underscore `_`, no spaces or dashes.';
  }
  return allOrNothing(
    s,
    'zip-name',
    false,
    'the submission must be named <group number>_<leader\'s student id>.zip with digits only, like 12_2023001.zip ' +
      `(pattern ^\\d+_\\d+\\.zip$); found \`${name}\`.${hint}`,
  );
}

function topFolders(s, layout) {
  const missing = TOPS.filter((_, i) => !layout.present[i]);
  const others = [...layout.otherTop].sort(byteOrder);
  let message;
  if (missing.length === 0) {
    message = `${TOPS.join(', ')} are present`;
  } else {
    const found = others.length === 0 ? 'nothing else' : others.join(', ');
    message =
      `missing top-level folder(s): ${missing.join(', ')}. The zip must hold exactly the folders ${TOPS.join(', ')} ` +
      `at its top (or inside one folder); besides those it holds: ${found}`;
  }
  if (layout.wrapper !== '') {
    message += `. Everything is inside the folder \`${layout.wrapper.replace(/\/+$/, '')}\`, which was taken as the top`;
  }
  if (missing.length === 0 && others.length > 0) message += ` (also at the top, ignored: ${others.join(', ')})`;
  return counted(s, 'top-folders', 3 - missing.length, 3, message);
}

function count(s, layout, c) {
  const category = CATEGORIES[c];
  const n = layout.items[c].size;
  const min = s.minPerCategory;
  const folder = layout.folders[c][DOWNLOADED] ?? category.chinese;
  let message =
    n >= min
      ? `${label(category)}: ${n} downloaded items in ${TOPS[DOWNLOADED]}/${folder} (at least ${min} required)`
      : `${label(category)}: ${plural(n, 'downloaded item', 'downloaded items')} in ${TOPS[DOWNLOADED]}/${folder}, ${min - n} short of the ${min} required`;
  if (layout.folders[c][DOWNLOADED] === null) {
    message += `. ${TOPS[DOWNLOADED]} has no folder ${category.chinese} (or ${category.slug})`;
  }
  const nested = layout.nestedModels[c];
  if (nested.length > 0) {
    const shown = nested[0].startsWith(layout.wrapper) ? nested[0].slice(layout.wrapper.length) : nested[0];
    message +=
      `. ${plural(nested.length, 'model file', 'model files')} in subfolders were not counted (e.g. ${shown}): put ` +
      'each item directly in the category folder as <item>.<ext>';
  }
  if (n < min && n > 0) message += `. Items are model files (${MODEL_EXTENSIONS.join(', ')}) directly in the category folder`;
  return counted(s, `count:${category.slug}`, Math.min(n, min), min, message);
}

export function grade() {
  const s = settings();
  const layout = layoutOf(submission.entries());
  return {
    checks: [zipName(s, submission.name()), topFolders(s, layout), ...CATEGORIES.map((_, c) => count(s, layout, c))],
  };
}
