//! Rule 2 of the course's SVG rules, first half: drop samples that convey meaning through text or letters (a
//! zodiac character standing for "monkey", a keycap digit). A `<text>` element is text. Outlined letters are
//! judged by the `svg-text` classifier when the operator has registered it (`aigc-host models add
//! models/svg-text`), from a 64 px raster; without it, by shape: a row of `min_glyphs` or more stroke-like
//! shapes of one height. The decision itself lives in the `svg-rules` crate, shared with native callers.

use std::cell::Cell;

use aigc_sdk::bindings::aigc::plugin::model as raw_model;
use aigc_sdk::bindings::aigc::plugin::types::Error as HostError;
use aigc_sdk::dataset::Item;
use aigc_sdk::{Cleaner, Error, Result, Verdict, config, log, svg};
use svg_rules::plugin::{judge, lookup};
use svg_rules::{NoTextConfig, no_text};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Drops SVGs whose meaning is carried by text or letters (<text>, outlined glyphs)",
    "models": ["svg-text?"],
    "config": {
        "text_probability": { "default": "0.5", "help": "classifier probability of text from which an SVG is dropped" },
        "min_glyphs": { "default": "3", "help": "without the classifier: letter-like shapes in a row that count as text" },
        "glyph_min_height": { "default": "0.06", "help": "without the classifier: smallest letter height, share of the raster side" },
        "glyph_max_height": { "default": "0.5", "help": "without the classifier: largest letter height, share of the raster side" },
        "max_stroke": { "default": "0.22", "help": "without the classifier: widest letter stroke, share of the letter's height" },
        "model_size": { "default": "64", "help": "raster side given to the classifier, in pixels" },
        "size": { "default": "256", "help": "raster side the shape statistics are measured at, in pixels" },
        "file": { "default": "", "help": "which file of the item to judge (default: its first SVG)" }
    }
});

/// The classifier's name in the manifest, and its labels in the order of its outputs.
const MODEL: &str = "svg-text";
const LABELS: [&str; 2] = ["text", "no-text"];

thread_local! {
    /// Whether the classifier answered on this instance; false after it was found missing, so it is asked once.
    static HAVE_MODEL: Cell<bool> = const { Cell::new(true) };
}

/// P(text) from the classifier, or None when it is not registered.
fn p_text(item: &Item, file: &str) -> Result<Option<f64>> {
    if !HAVE_MODEL.get() {
        return Ok(None);
    }
    let size: u32 = config::parse_or("model_size", 64)?;
    let png = svg::rasterize_file(&item.id, file, size, None)
        .map_err(|e| Error::msg(format!("rasterizing {file} of item {}: {e}", item.id)))?;
    let labels: Vec<String> = LABELS.iter().map(|l| l.to_string()).collect();
    match raw_model::classify(MODEL, &png, &labels) {
        Ok(probabilities) => Ok(probabilities.first().map(|p| f64::from(*p))),
        Err(HostError::Denied(_) | HostError::NotFound(_)) => {
            log::info("the svg-text classifier is not registered; judging outlined letters by shape alone");
            HAVE_MODEL.set(false);
            Ok(None)
        }
        Err(e) => Err(Error::msg(format!("classifying {file} of item {}: {e}", item.id))),
    }
}

struct SvgNoText;

impl Cleaner for SvgNoText {
    fn check(item: Item) -> Result<Verdict> {
        let config = NoTextConfig::from_lookup(&lookup).map_err(Error::msg)?;
        judge(&item, |analysis, file| {
            let p = if analysis.texts.is_empty() { p_text(&item, file)? } else { None };
            Ok(no_text(analysis, &config, p))
        })
    }
}

aigc_sdk::export_cleaner!(SvgNoText);
