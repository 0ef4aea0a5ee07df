//! Rule 2 of the course's SVG rules, first half: drop samples that convey meaning through text or letters (a
//! zodiac character standing for "monkey", a keycap digit). A `<text>` element is text. Outlined letters are
//! judged by the `svg-text` classifier when the operator has registered it (`aigc-host models add
//! models/svg-text`), from a 64 px raster; without it, by shape: a row of `min_glyphs` or more stroke-like
//! shapes of one height. The decision itself lives in the `svg-rules` crate, shared with native callers.

use aigc_sdk::dataset::Item;
use aigc_sdk::{Cleaner, Error, Result, Verdict};
use svg_rules::plugin::{classifier_probability, judge, lookup};
use svg_rules::{NoTextConfig, no_text};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Drops SVGs whose meaning is carried by text or letters (<text>, outlined glyphs)",
    "models": ["svg-text?"],
    "config": {
        "text_probability": { "default": "0.91", "help": "classifier probability of text from which an SVG is dropped" },
        "min_glyphs": { "default": "3", "help": "without the classifier: letter-like shapes in a row that count as text" },
        "glyph_min_height": { "default": "0.06", "help": "without the classifier: smallest letter height, share of the raster side" },
        "glyph_max_height": { "default": "0.5", "help": "without the classifier: largest letter height, share of the raster side" },
        "max_stroke": { "default": "0.22", "help": "without the classifier: widest letter stroke, share of the letter's height" },
        "model_size": { "default": "64", "help": "raster side given to the classifier, in pixels" },
        "size": { "default": "256", "help": "raster side the shape statistics are measured at, in pixels" },
        "file": { "default": "", "help": "which file of the item to judge (default: its first SVG)" }
    }
});

/// The classifier's name in the manifest, and its labels: P(text) is the first one's probability.
const MODEL: &str = "svg-text";
const LABELS: [&str; 2] = ["text", "no-text"];

struct SvgNoText;

impl Cleaner for SvgNoText {
    fn check(item: Item) -> Result<Verdict> {
        let config = NoTextConfig::from_lookup(&lookup).map_err(Error::msg)?;
        judge(&item, |analysis, file| {
            let p = if analysis.texts.is_empty() { classifier_probability(&item, file, MODEL, &LABELS)? } else { None };
            Ok(no_text(analysis, &config, p))
        })
    }
}

aigc_sdk::export_cleaner!(SvgNoText);
