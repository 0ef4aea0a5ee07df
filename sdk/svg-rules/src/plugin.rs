//! What the three SVG rule plugins share: which file to judge, one host call for facts and statistics, the
//! mapping onto this crate's types, and the verdict. An SVG the host cannot read (malformed, over a cap) is a
//! recorded verdict, not an error: it is dropped with reason "invalid-svg" or "svg-over-limit", and the host's
//! message is logged with the item's id.

use std::cell::Cell;

use aigc_sdk::bindings::aigc::plugin::model as raw_model;
use aigc_sdk::bindings::aigc::plugin::types::Error as HostError;
use aigc_sdk::dataset::Item;
use aigc_sdk::svg::{self as host, SvgError};
use aigc_sdk::{Error, Result, Verdict, config, log};

use crate::{Analysis, Decision, Hole, Rect, Rgba, Shape};

/// The SVG file of the item to judge: the one named by config `file`, else the first SVG.
pub fn svg_file(item: &Item) -> Result<String> {
    let wanted = config::get_or("file", "");
    item.files
        .iter()
        .find(|f| if wanted.is_empty() { host::is_svg(&f.media_type, &f.name) } else { f.name == wanted })
        .map(|f| f.name.clone())
        .ok_or_else(|| {
            let names: Vec<&str> = item.files.iter().map(|f| f.name.as_str()).collect();
            Error::msg(format!("item {} has no SVG file to judge (files: {})", item.id, names.join(", ")))
        })
}

/// The plugin's config as a lookup for the `*Config::from_lookup` readers.
pub fn lookup(key: &str) -> Option<String> {
    config::get(key)
}

/// Judges `item`'s SVG with `decide`, given the host's analysis at config `size` (default 256 px).
pub fn judge(item: &Item, decide: impl FnOnce(&Analysis, &str) -> Result<Decision>) -> Result<Verdict> {
    let file = svg_file(item)?;
    let size: u32 = config::parse_or("size", 256)?;
    let options = host::Options { size, ..host::Options::default() };
    match host::analyze_file(&item.id, &file, options) {
        Ok(analysis) => {
            let d = decide(&analysis.into(), &file)?;
            Ok(Verdict { keep: d.keep, reason: d.reason.into(), score: Some(d.score) })
        }
        Err(SvgError::Invalid(message)) => Ok(unreadable(item, &file, "invalid-svg", &message)),
        Err(SvgError::Limit(message)) => Ok(unreadable(item, &file, "svg-over-limit", &message)),
        Err(other) => Err(Error::msg(format!("cannot analyse {} of item {}: {other}", file, item.id))),
    }
}

thread_local! {
    /// False once the optional classifier was found missing on this instance, so it is asked only once.
    static HAVE_MODEL: Cell<bool> = const { Cell::new(true) };
}

/// The probability of `labels[0]` from the optional classifier `model` (named `"MODEL?"` in the manifest) on
/// the file rasterized at config `model_size` (default 64 px, transparent: the host composites it over white
/// as the model expects); None when the operator has not registered the model.
pub fn classifier_probability(item: &Item, file: &str, model: &str, labels: &[&str]) -> Result<Option<f64>> {
    if !HAVE_MODEL.get() {
        return Ok(None);
    }
    let size: u32 = config::parse_or("model_size", 64)?;
    let png = host::rasterize_file(&item.id, file, size, None)
        .map_err(|e| Error::msg(format!("rasterizing {file} of item {}: {e}", item.id)))?;
    let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
    match raw_model::classify(model, &png, &labels) {
        Ok(probabilities) => Ok(probabilities.first().map(|p| f64::from(*p))),
        Err(HostError::Denied(_) | HostError::NotFound(_)) => {
            log::info(&format!("the {model} classifier is not registered; judging by shape statistics alone"));
            HAVE_MODEL.set(false);
            Ok(None)
        }
        Err(e) => Err(Error::msg(format!("classifying {file} of item {} with {model}: {e}", item.id))),
    }
}

fn unreadable(item: &Item, file: &str, reason: &str, message: &str) -> Verdict {
    log::warn(&format!("item {}: {file} dropped as {reason}: {message}", item.id));
    Verdict { keep: false, reason: reason.into(), score: None }
}

fn rect(r: host::Rect) -> Rect {
    Rect { x: r.x, y: r.y, width: r.width, height: r.height }
}

fn shape(s: host::Shape) -> Shape {
    Shape {
        area: s.area,
        bbox: rect(s.bbox),
        cx: s.cx,
        cy: s.cy,
        perimeter: s.perimeter,
        colour: Rgba { r: s.colour.r, g: s.colour.g, b: s.colour.b, a: s.colour.a },
        holes: s.holes.into_iter().map(|h| Hole { area: h.area, bbox: rect(h.bbox) }).collect(),
        encloses: s.encloses,
    }
}

impl From<host::Analysis> for Analysis {
    fn from(a: host::Analysis) -> Self {
        let s = a.stats;
        Analysis {
            texts: a.facts.texts.into_iter().map(|t| t.content).collect(),
            size: s.size,
            drawn: s.drawn,
            drawn_bbox: s.drawn_bbox.map(rect),
            components: s.components.into_iter().map(shape).collect(),
            component_count: s.component_count,
            regions: s.regions.into_iter().map(shape).collect(),
            region_count: s.region_count,
        }
    }
}
