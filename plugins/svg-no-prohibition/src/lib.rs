//! Rule 2 of the course's SVG rules, second half: drop prohibition icons (an animal with a slash across it is a
//! "forbidden" sign, not an animal). The host's colour regions and alpha-mask parts are searched for a round
//! shape cut by a diagonal bar into two similar holes, or a disc with a wide centred bar-shaped hole (no entry).
//! The decision lives in the `svg-rules` crate, shared with native callers.

use aigc_sdk::dataset::Item;
use aigc_sdk::{Cleaner, Error, Result, Verdict};
use svg_rules::plugin::{judge, lookup};
use svg_rules::{ProhibitionConfig, no_prohibition};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Drops SVGs holding a prohibition sign (circle-slash, no entry)",
    "config": {
        "min_size": { "default": "0.5", "help": "smallest sign side, share of the drawing's longer side" },
        "roundness": { "default": "0.2", "help": "how far from square the sign's box may be (0.2: aspect 1/1.2..1.2)" },
        "min_hole": { "default": "0.06", "help": "each of the slash's two holes covers at least this share of the sign's box" },
        "bar_aspect": { "default": "2.5", "help": "a no-entry bar's hole is at least this many times wider than tall" },
        "size": { "default": "256", "help": "raster side the shape statistics are measured at, in pixels" },
        "file": { "default": "", "help": "which file of the item to judge (default: its first SVG)" }
    }
});

struct SvgNoProhibition;

impl Cleaner for SvgNoProhibition {
    fn check(item: Item) -> Result<Verdict> {
        let config = ProhibitionConfig::from_lookup(&lookup).map_err(Error::msg)?;
        judge(&item, |analysis, _| Ok(no_prohibition(analysis, &config)))
    }
}

aigc_sdk::export_cleaner!(SvgNoProhibition);
