//! Rule 2b: no prohibition signs. A "forbidden" sign is a round shape whose inside is cut by a bar: a ring split
//! by a diagonal slash into two similar holes (circle-slash, whatever is drawn under it), or a disc with one
//! wide, centred bar-shaped hole (no entry). Both colour regions and alpha-mask parts are looked at, so a sign
//! drawn over an object in another colour is found as well as a one-colour glyph.

use crate::{Analysis, Decision, Shape, read};

/// Thresholds of [`no_prohibition`]; the keys are the plugin's config keys.
#[derive(Debug, Clone, PartialEq)]
pub struct ProhibitionConfig {
    /// `min_size`: the sign's side as a share of the drawing's longer side, at least.
    pub min_size: f32,
    /// `roundness`: how far the sign's box may be from square (0.2: aspect within 1/1.2 ..= 1.2).
    pub roundness: f32,
    /// `min_hole`: each of the slash's two holes covers at least this share of the sign's box.
    pub min_hole: f32,
    /// `bar_aspect`: a no-entry bar's hole is at least this many times wider than tall.
    pub bar_aspect: f32,
}

impl Default for ProhibitionConfig {
    fn default() -> Self {
        Self { min_size: 0.5, roundness: 0.2, min_hole: 0.06, bar_aspect: 2.5 }
    }
}

impl ProhibitionConfig {
    /// Reads every key from `lookup`, defaults for the absent ones.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = Self::default();
        Ok(Self {
            min_size: read(lookup, "min_size", d.min_size)?,
            roundness: read(lookup, "roundness", d.roundness)?,
            min_hole: read(lookup, "min_hole", d.min_hole)?,
            bar_aspect: read(lookup, "bar_aspect", d.bar_aspect)?,
        })
    }
}

/// Drops ("prohibition-sign") an SVG holding a circle-slash or no-entry sign; the score is the sign's side over
/// the drawing's longer side (0 when there is none).
pub fn no_prohibition(a: &Analysis, config: &ProhibitionConfig) -> Decision {
    let Some(drawn) = a.drawn_bbox else { return Decision::keep("no-sign", 0.0) };
    let side = drawn.width.max(drawn.height).max(1.0);
    let found = a
        .regions
        .iter()
        .chain(&a.components)
        .filter(|s| is_sign(s, config))
        .map(|s| s.bbox.width.max(s.bbox.height) / side)
        .filter(|share| *share >= config.min_size)
        .fold(0f32, f32::max);
    if found > 0.0 { Decision::drop("prohibition-sign", f64::from(found)) } else { Decision::keep("no-sign", 0.0) }
}

fn is_sign(s: &Shape, config: &ProhibitionConfig) -> bool {
    let b = s.bbox;
    let aspect = b.width / b.height.max(1.0);
    if b.width < 12.0 || !(1.0 / (1.0 + config.roundness)..=1.0 + config.roundness).contains(&aspect) {
        return false;
    }
    let boxed = b.area();
    let holes: f32 = s.holes.iter().map(|h| h.area as f32).sum();
    // Filled outline over its box: a disc is pi/4 (0.785), an octagon 0.83, a square 1.
    let disc = (s.area as f32 + holes) / boxed;
    if !(0.6..=0.92).contains(&disc) {
        return false;
    }
    let (cx, cy) = b.centre();
    // A sign is point-symmetric: its ink's centre of mass is its box's centre (within 0.01 of the side on every
    // training set's signs, 0.043 for EmojiOne's no-smoking). A bow with its arrow, an animal's silhouette are not.
    if (s.cx - cx).abs() > 0.05 * b.width || (s.cy - cy).abs() > 0.05 * b.height {
        return false;
    }
    match s.holes.as_slice() {
        [h0, h1, ..] if slash(h0.area, h1.area, boxed, config) => {
            let ((x0, y0), (x1, y1)) = (h0.bbox.centre(), h1.bbox.centre());
            // A thin ring leaves two large half-disc holes whose centres are only about 0.15 of the side apart
            // (Noto, EmojiOne v1); 0.13 still keeps a "69" (♋) or two letters side by side out.
            let diagonal = (x1 - x0).abs() >= 0.13 * b.width && (y1 - y0).abs() >= 0.13 * b.height;
            let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            let centred = (mx - cx).abs() <= 0.12 * b.width && (my - cy).abs() <= 0.12 * b.height;
            // The slash's two holes are most of the shape's holes: a black silhouette with eyes, spots and gaps
            // between legs (line-art animals) has two similar holes among several.
            let split = (h0.area + h1.area) as f32 >= 0.85 * holes;
            diagonal && centred && split
        }
        [h0, ..] => {
            let (hx, hy) = h0.bbox.centre();
            let share = h0.area as f32 / boxed;
            h0.bbox.width >= config.bar_aspect * h0.bbox.height
                && (0.06..=0.4).contains(&share)
                && h0.area as f32 >= 0.7 * holes
                && (hx - cx).abs() <= 0.08 * b.width
                && (hy - cy).abs() <= 0.08 * b.height
        }
        [] => false,
    }
}

/// Two holes that a bar splits evenly: both big enough and of similar size.
fn slash(a0: u32, a1: u32, boxed: f32, config: &ProhibitionConfig) -> bool {
    let (big, small) = (a0.max(a1) as f32, a0.min(a1) as f32);
    small >= config.min_hole * boxed && small >= 0.5 * big
}
