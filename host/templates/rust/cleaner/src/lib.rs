//! {{description}}: keeps an item when its first file is at least `min_bytes` long.
//!
//! Edit `judge` (the rule) and the manifest below, then `aigc-host build` and
//! `aigc-host clean DATASET --rule {{name}}.wasm`. `cargo test` runs the tests at the bottom on your machine.

use aigc_sdk::dataset::Item;
use aigc_sdk::{Cleaner, Result, Verdict, config};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "{{description}}",
    "config": {
        "min_bytes": { "default": "1024", "help": "smallest first file kept, in bytes" }
    }
});

struct {{camel}};

impl Cleaner for {{camel}} {
    fn check(item: Item) -> Result<Verdict> {
        let min_bytes: u64 = config::parse_or("min_bytes", 1024)?;
        let Some(first) = item.files.first() else {
            return Ok(Verdict { keep: false, reason: "no-files".into(), score: None });
        };
        Ok(judge(first.size, min_bytes))
    }
}

/// The rule itself: a plain function, so it is easy to test.
fn judge(size: u64, min_bytes: u64) -> Verdict {
    if size >= min_bytes {
        Verdict { keep: true, reason: "big-enough".into(), score: Some(size as f64) }
    } else {
        Verdict { keep: false, reason: "too-small".into(), score: Some(size as f64) }
    }
}

aigc_sdk::export_cleaner!({{camel}});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_big_files_and_drops_small_ones() {
        assert!(judge(2048, 1024).keep);
        let small = judge(10, 1024);
        assert!(!small.keep);
        assert_eq!(small.reason, "too-small");
    }
}
