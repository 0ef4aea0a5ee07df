//! Rule 3 of the course's SVG rules: a single object. Related decorations that belong with it (grass around a
//! flower) may appear but must not dominate; a file showing several unrelated objects is dropped. Parts of the
//! host's alpha mask that touch, nearly touch or nest are one object; the largest object's share of the drawing
//! is the score. Emoji draw families and couples as one overlapping silhouette, so when the operator has
//! registered the `svg-objects` classifier (`aigc-host models add models/svg-objects`), an SVG is also dropped
//! when its probability of "several" on a 64 px raster is high (`shapes_too` = false: it alone decides). The
//! decision lives in the `svg-rules` crate, shared with native callers.

use aigc_sdk::dataset::Item;
use aigc_sdk::{Cleaner, Error, Result, Verdict};
use svg_rules::plugin::{classifier_probability, judge, lookup};
use svg_rules::{SingleObjectConfig, single_object};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Drops SVGs showing several unrelated objects rather than one",
    "models": ["svg-objects?"],
    "config": {
        "several_probability": { "default": "0.5", "help": "classifier probability of several objects from which an SVG is dropped" },
        "shapes_too": { "default": "true", "help": "with the classifier, still drop what the shape statistics see as several objects (false: the classifier alone decides)" },
        "model_size": { "default": "64", "help": "raster side given to the classifier, in pixels" },
        "min_part": { "default": "0.01", "help": "parts under this share of the drawn area are specks and ignored" },
        "gap": { "default": "0.04", "help": "parts closer than this share of the raster side belong to one object" },
        "min_object": { "default": "0.12", "help": "an object counts when it holds at least this share of the drawing" },
        "dominance": { "default": "0.6", "help": "the largest object's share from which the others are decorations" },
        "size": { "default": "256", "help": "raster side the shape statistics are measured at, in pixels" },
        "file": { "default": "", "help": "which file of the item to judge (default: its first SVG)" }
    }
});

/// The classifier's name in the manifest, and its labels: P(several) is the first one's probability.
const MODEL: &str = "svg-objects";
const LABELS: [&str; 2] = ["several", "one"];

struct SvgSingleObject;

impl Cleaner for SvgSingleObject {
    fn check(item: Item) -> Result<Verdict> {
        let config = SingleObjectConfig::from_lookup(&lookup).map_err(Error::msg)?;
        judge(&item, |analysis, file| {
            let p = if analysis.drawn > 0 { classifier_probability(&item, file, MODEL, &LABELS)? } else { None };
            Ok(single_object(analysis, &config, p))
        })
    }
}

aigc_sdk::export_cleaner!(SvgSingleObject);
