// Rule 3 of the course's SVG rules, in JavaScript: a single object. A port of plugins/svg-single-object (whose
// decision lives in sdk/svg-rules/src/single.rs) that gives the same verdicts and scores: parts of the host's alpha
// mask that touch, nearly touch or nest are one object; an SVG is dropped when two or more objects each hold a real
// share of the drawing and none dominates. With the optional `svg-objects` classifier registered, its probability
// of "several" decides too.
//
// The Rust rule computes in 32-bit floats; `f32` (Math.fround) rounds every step the same way, so the scores are
// equal to the last bit.

import { config, log, model, svg, HostError } from '@aigc/sdk';

const f32 = Math.fround;

/** The classifier's name in package.json, and its labels: P(several) is the first one's probability. */
const MODEL = 'svg-objects';
const LABELS = ['several', 'one'];

/** False once the optional classifier was found missing, so it is asked only once. */
let haveModel = true;

/**
 * A threshold as svg-rules reads it: the default when absent or empty, else the trimmed text parsed.
 * @param {string} key
 * @param {number | boolean} fallback
 */
function threshold(key, fallback) {
  const value = config.get(key);
  if (value === null || value.trim() === '') return fallback;
  const text = value.trim();
  const ok = typeof fallback === 'boolean' ? /^(true|false)$/.test(text) : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text);
  if (!ok) throw new Error(`config \`${key}\` = \`${value}\` is not a valid number`);
  return typeof fallback === 'boolean' ? text === 'true' : Number(text);
}

function settings() {
  return {
    minPart: f32(threshold('min_part', 0.01)),
    gap: f32(threshold('gap', 0.04)),
    minObject: f32(threshold('min_object', 0.12)),
    dominance: f32(threshold('dominance', 0.6)),
    severalProbability: threshold('several_probability', 0.5),
    shapesToo: threshold('shapes_too', true),
  };
}

// Boxes in f32, as svg-rules' Rect does it.
const right = (r) => f32(r.x + r.width);
const bottom = (r) => f32(r.y + r.height);
const gapBetween = (a, b) => {
  const dx = Math.max(Math.max(f32(b.x - right(a)), f32(a.x - right(b))), 0);
  const dy = Math.max(Math.max(f32(b.y - bottom(a)), f32(a.y - bottom(b))), 0);
  return Math.max(dx, dy);
};
const contains = (a, b) => b.x >= a.x && b.y >= a.y && right(b) <= right(a) && bottom(b) <= bottom(a);
const union = (a, b) => {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: f32(Math.max(right(a), right(b)) - x), height: f32(Math.max(bottom(a), bottom(b)) - y) };
};

/** The shape statistics alone: objects are parts of the alpha mask merged when they touch, nearly touch or nest. */
function byShape(stats, s) {
  const floor = f32(s.minPart * f32(stats.drawn));
  const objects = stats.components.filter((c) => f32(c.area) >= floor).map((c) => [c.bbox, f32(c.area)]);
  const reach = f32(s.gap * f32(stats.size));
  // Merge until nothing changes: merged boxes grow and may reach further parts.
  for (let merged = true; merged; ) {
    merged = false;
    outer: for (let i = 0; i < objects.length; i++) {
      for (let j = i + 1; j < objects.length; j++) {
        const [a, b] = [objects[i][0], objects[j][0]];
        if (gapBetween(a, b) <= reach || contains(a, b) || contains(b, a)) {
          objects[i] = [union(a, b), f32(objects[i][1] + objects[j][1])];
          // Rust's swap_remove: the last object takes j's place.
          const last = objects.pop();
          if (j < objects.length) objects[j] = last;
          merged = true;
          break outer;
        }
      }
    }
  }
  const total = Math.max(objects.reduce((sum, o) => f32(sum + o[1]), 0), 1);
  const largest = objects.reduce((max, o) => Math.max(max, o[1]), 0);
  const dominance = f32(largest / total);
  const counted = objects.filter((o) => o[1] >= f32(s.minObject * total)).length;
  if (counted >= 2 && dominance < s.dominance) return { keep: false, reason: 'several-objects', score: dominance };
  return { keep: true, reason: 'one-object', score: dominance };
}

/** The probability of "several" from the optional classifier, or null when it is not registered. */
function classifierProbability(item, file) {
  if (!haveModel) return null;
  const size = config.integer('model_size', 64);
  const png = svg.rasterizeFile(item.id, file, size);
  try {
    const probabilities = model.classify(MODEL, png, LABELS);
    return probabilities.length > 0 ? probabilities[0] : null;
  } catch (e) {
    if (e instanceof HostError && (e.kind === 'denied' || e.kind === 'not-found')) {
      log.info(`the ${MODEL} classifier is not registered; judging by shape statistics alone`);
      haveModel = false;
      return null;
    }
    throw new Error(`classifying ${file} of item ${item.id} with ${MODEL}: ${e.message}`);
  }
}

/** The SVG file to judge: the one named by config `file`, else the first SVG. */
function svgFile(item) {
  const wanted = config.getOr('file', '');
  const found = item.files.find((f) => (wanted === '' ? svg.isSvg(f.mediaType, f.name) : f.name === wanted));
  if (!found) throw new Error(`item ${item.id} has no SVG file to judge (files: ${item.files.map((f) => f.name).join(', ')})`);
  return found.name;
}

export function check(item) {
  const s = settings();
  const file = svgFile(item);
  const size = config.integer('size', 256);
  let analysis;
  try {
    analysis = svg.analyzeFile(item.id, file, { size });
  } catch (e) {
    // An SVG the host cannot read is a recorded verdict, not an error.
    if (e instanceof HostError && (e.kind === 'invalid' || e.kind === 'limit')) {
      const reason = e.kind === 'invalid' ? 'invalid-svg' : 'svg-over-limit';
      log.warn(`item ${item.id}: ${file} dropped as ${reason}: ${e.message}`);
      return { keep: false, reason, score: null };
    }
    throw new Error(`cannot analyse ${file} of item ${item.id}: ${e.message}`);
  }
  const stats = analysis.stats;
  if (stats.drawn === 0) return { keep: false, reason: 'empty', score: 0 };
  const p = classifierProbability(item, file);
  if (p === null) return byShape(stats, s);
  if (p >= s.severalProbability) return { keep: false, reason: 'several-objects', score: p };
  if (s.shapesToo) {
    const shapes = byShape(stats, s);
    if (!shapes.keep) return shapes;
  }
  return { keep: true, reason: 'one-object', score: p };
}
