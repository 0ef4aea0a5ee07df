//! Rule 2a: no meaning carried by text or letters. A `<text>` element is text; outlined letters are found by a
//! classifier when the plugin has one (its probability is passed in), else by shape: a row of several
//! stroke-like shapes of one height, the way a word or a number looks.

use crate::{Analysis, Decision, Shape, read};

/// Thresholds of [`no_text`]; the keys are the plugin's config keys.
#[derive(Debug, Clone, PartialEq)]
pub struct NoTextConfig {
    /// `text_probability`: a classifier probability of text from which the item is dropped (0.91: the best F1
    /// on the validation split val-emojione-v1, which the classifier is not trained on; models/svg-text/metrics.json).
    pub text_probability: f64,
    /// `min_glyphs`: letter-like shapes in one row from which shapes alone drop the item.
    pub min_glyphs: u32,
    /// `glyph_min_height` / `glyph_max_height`: a letter's height as a share of the raster side.
    pub glyph_min_height: f32,
    pub glyph_max_height: f32,
    /// `max_stroke`: a letter's stroke width at most this share of its height (solid blobs are not letters).
    pub max_stroke: f32,
}

impl Default for NoTextConfig {
    fn default() -> Self {
        Self { text_probability: 0.91, min_glyphs: 3, glyph_min_height: 0.06, glyph_max_height: 0.5, max_stroke: 0.22 }
    }
}

impl NoTextConfig {
    /// Reads every key from `lookup`, defaults for the absent ones.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = Self::default();
        Ok(Self {
            text_probability: read(lookup, "text_probability", d.text_probability)?,
            min_glyphs: read(lookup, "min_glyphs", d.min_glyphs)?,
            glyph_min_height: read(lookup, "glyph_min_height", d.glyph_min_height)?,
            glyph_max_height: read(lookup, "glyph_max_height", d.glyph_max_height)?,
            max_stroke: read(lookup, "max_stroke", d.max_stroke)?,
        })
    }
}

/// Drops ("has-text") an SVG with a `<text>` element, or whose classifier probability of text (`p_text`, when
/// the plugin has the model) reaches the threshold, or, without a classifier, with a row of letter-like shapes.
/// The score is the evidence in [0, 1]: 1 for `<text>`, the probability, or the glyph row's length over
/// `min_glyphs` (capped at 1).
pub fn no_text(a: &Analysis, config: &NoTextConfig, p_text: Option<f64>) -> Decision {
    if a.texts.iter().any(|t| !t.trim().is_empty()) {
        return Decision::drop("has-text", 1.0);
    }
    if let Some(p) = p_text {
        return if p >= config.text_probability { Decision::drop("has-text", p) } else { Decision::keep("no-text", p) };
    }
    let glyphs = glyph_row(&a.regions, a.size, config).max(glyph_row(&a.components, a.size, config));
    let score = f64::from(glyphs) / f64::from(config.min_glyphs.max(1));
    if glyphs >= config.min_glyphs.max(2) {
        Decision::drop("has-text", score.min(1.0))
    } else {
        Decision::keep("no-text", score.min(1.0))
    }
}

fn letter_like(s: &Shape, size: f32, config: &NoTextConfig) -> bool {
    let (w, h) = (s.bbox.width, s.bbox.height);
    let fill = s.area as f32 / s.bbox.area().max(1.0);
    h >= config.glyph_min_height * size
        && h <= config.glyph_max_height * size
        && w <= 1.2 * h
        && s.stroke_width() <= config.max_stroke * h
        // Strokes leave most of the box empty, except in a thin upright bar ("I", "l", "1").
        && ((0.12..=0.7).contains(&fill) || w <= 0.35 * h)
}

/// The most letter-like shapes standing in one row: similar heights, centres on one line, small gaps.
fn glyph_row(shapes: &[Shape], size: u32, config: &NoTextConfig) -> u32 {
    let mut glyphs: Vec<&Shape> = shapes.iter().filter(|s| letter_like(s, size as f32, config)).collect();
    glyphs.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
    let mut best = 0;
    for (i, anchor) in glyphs.iter().enumerate() {
        let h = anchor.bbox.height;
        let (_, cy) = anchor.bbox.centre();
        let mut last = anchor.bbox;
        let mut count = 1;
        for next in &glyphs[i + 1..] {
            let ratio = next.bbox.height / h;
            let (_, ny) = next.bbox.centre();
            let gap = next.bbox.x - last.right();
            if (0.6..=1.6).contains(&ratio) && (ny - cy).abs() <= 0.25 * h && gap >= -0.1 * h && gap <= 0.9 * h {
                count += 1;
                last = next.bbox;
            }
        }
        best = best.max(count);
    }
    best
}
