//! A cleaner for tests: drops items whose first file is smaller than `min_bytes`, and panics on the item titled
//! `panic_on`, so the tests can check that one crash leaves the other verdicts standing.

use aigc_sdk::dataset::Item;
use aigc_sdk::{Cleaner, Result, Verdict, config};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Test rule: drops items whose first file is smaller than min_bytes",
    "config": {
        "min_bytes": { "default": "4", "help": "smallest first file kept, in bytes" },
        "panic_on": { "default": "", "help": "title of an item to crash on" }
    }
});

struct SizeRule;

impl Cleaner for SizeRule {
    fn check(item: Item) -> Result<Verdict> {
        if item.title.as_deref().is_some_and(|t| t == config::get_or("panic_on", "")) {
            panic!("asked to crash on {:?}", item.title);
        }
        let min: u64 = config::parse_or("min_bytes", 4)?;
        let Some(first) = item.files.first() else {
            return Ok(Verdict { keep: false, reason: "no-files".into(), score: None });
        };
        let size = item.read(&first.name)?.len() as u64;
        Ok(if size >= min {
            Verdict { keep: true, reason: "big-enough".into(), score: Some(size as f64) }
        } else {
            Verdict { keep: false, reason: "too-small".into(), score: Some(size as f64) }
        })
    }
}

aigc_sdk::export_cleaner!(SizeRule);
