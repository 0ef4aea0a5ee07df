//! Rule 3: a single object. Parts of the alpha mask that touch, nearly touch or sit inside one another are one
//! object; an SVG is dropped when two or more objects each hold a real share of the drawing and none dominates
//! (grass around a flower is fine; four unrelated things are not). Emoji draw families and couples as one
//! overlapping silhouette, which no part count separates: when the plugin has the `svg-objects` classifier, an SVG
//! is also dropped when its probability of "several" is high (`shapes_too` = false: the classifier alone decides).

use crate::{Analysis, Decision, Rect, read};

/// Thresholds of [`single_object`]; the keys are the plugin's config keys.
#[derive(Debug, Clone, PartialEq)]
pub struct SingleObjectConfig {
    /// `min_part`: parts under this share of the drawn area are specks and ignored.
    pub min_part: f32,
    /// `gap`: parts closer than this share of the raster side belong to one object.
    pub gap: f32,
    /// `min_object`: an object counts when it holds at least this share of the drawn area.
    pub min_object: f32,
    /// `dominance`: the largest object's share from which the rest are decorations.
    pub dominance: f32,
    /// `several_probability`: a classifier probability of several objects from which the item is dropped.
    pub several_probability: f64,
    /// `shapes_too`: with a classifier, still drop what the shape statistics see as several objects.
    pub shapes_too: bool,
}

impl Default for SingleObjectConfig {
    fn default() -> Self {
        Self { min_part: 0.01, gap: 0.04, min_object: 0.12, dominance: 0.6, several_probability: 0.5, shapes_too: true }
    }
}

impl SingleObjectConfig {
    /// Reads every key from `lookup`, defaults for the absent ones.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = Self::default();
        Ok(Self {
            min_part: read(lookup, "min_part", d.min_part)?,
            gap: read(lookup, "gap", d.gap)?,
            min_object: read(lookup, "min_object", d.min_object)?,
            dominance: read(lookup, "dominance", d.dominance)?,
            several_probability: read(lookup, "several_probability", d.several_probability)?,
            shapes_too: read(lookup, "shapes_too", d.shapes_too)?,
        })
    }
}

/// Drops ("several-objects") an SVG with two or more objects none of which dominates, and ("empty") one that
/// draws nothing. The score is the largest object's share of the drawing. With a classifier's probability of
/// several objects (`p_several`), an SVG is dropped when that probability reaches `several_probability` (the score
/// is then the probability) or, with `shapes_too`, when the shapes say so; a kept SVG's score is the probability.
pub fn single_object(a: &Analysis, config: &SingleObjectConfig, p_several: Option<f64>) -> Decision {
    if a.drawn == 0 {
        return Decision::drop("empty", 0.0);
    }
    let Some(p) = p_several else {
        return by_shape(a, config);
    };
    if p >= config.several_probability {
        return Decision::drop("several-objects", p);
    }
    if config.shapes_too {
        let shapes = by_shape(a, config);
        if !shapes.keep {
            return shapes;
        }
    }
    Decision::keep("one-object", p)
}

/// The shape statistics alone: objects are parts of the alpha mask merged when they touch, nearly touch or nest.
fn by_shape(a: &Analysis, config: &SingleObjectConfig) -> Decision {
    let floor = config.min_part * a.drawn as f32;
    let mut objects: Vec<(Rect, f32)> =
        a.components.iter().filter(|c| c.area as f32 >= floor).map(|c| (c.bbox, c.area as f32)).collect();
    let reach = config.gap * a.size as f32;
    // Merge until nothing changes: merged boxes grow and may reach further parts.
    loop {
        let mut merged = false;
        'outer: for i in 0..objects.len() {
            for j in i + 1..objects.len() {
                let (a, b) = (objects[i].0, objects[j].0);
                if a.gap(&b) <= reach || a.contains(&b) || b.contains(&a) {
                    let area = objects[i].1 + objects[j].1;
                    objects[i] = (a.union(&b), area);
                    objects.swap_remove(j);
                    merged = true;
                    break 'outer;
                }
            }
        }
        if !merged {
            break;
        }
    }
    let total: f32 = objects.iter().map(|o| o.1).sum::<f32>().max(1.0);
    let largest = objects.iter().map(|o| o.1).fold(0f32, f32::max);
    let dominance = f64::from(largest / total);
    let counted = objects.iter().filter(|o| o.1 >= config.min_object * total).count();
    if counted >= 2 && dominance < f64::from(config.dominance) {
        Decision::drop("several-objects", dominance)
    } else {
        Decision::keep("one-object", dominance)
    }
}
