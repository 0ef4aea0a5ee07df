//! Rule 3 of the course's SVG rules: a single object. Related decorations that belong with it (grass around a
//! flower) may appear but must not dominate; a file showing several unrelated objects is dropped. Parts of the
//! host's alpha mask that touch, nearly touch or nest are one object; the largest object's share of the drawing
//! is the score. The decision lives in the `svg-rules` crate, shared with native callers.

use aigc_sdk::dataset::Item;
use aigc_sdk::{Cleaner, Error, Result, Verdict};
use svg_rules::plugin::{judge, lookup};
use svg_rules::{SingleObjectConfig, single_object};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Drops SVGs showing several unrelated objects rather than one",
    "config": {
        "min_part": { "default": "0.01", "help": "parts under this share of the drawn area are specks and ignored" },
        "gap": { "default": "0.04", "help": "parts closer than this share of the raster side belong to one object" },
        "min_object": { "default": "0.12", "help": "an object counts when it holds at least this share of the drawing" },
        "dominance": { "default": "0.6", "help": "the largest object's share from which the others are decorations" },
        "size": { "default": "256", "help": "raster side the shape statistics are measured at, in pixels" },
        "file": { "default": "", "help": "which file of the item to judge (default: its first SVG)" }
    }
});

struct SvgSingleObject;

impl Cleaner for SvgSingleObject {
    fn check(item: Item) -> Result<Verdict> {
        let config = SingleObjectConfig::from_lookup(&lookup).map_err(Error::msg)?;
        judge(&item, |analysis, _| Ok(single_object(analysis, &config)))
    }
}

aigc_sdk::export_cleaner!(SvgSingleObject);
