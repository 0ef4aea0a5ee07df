//! {{description}}: notes how many files each item has and how large they are together.
//!
//! Edit `describe` and the manifest below, then `aigc-host build` and
//! `aigc-host annotate DATASET --with {{name}}.wasm`. `cargo test` runs the tests at the bottom on your machine.

use aigc_sdk::dataset::Item;
use aigc_sdk::{Annotator, Result, annotate};

aigc_sdk::manifest!({
    "kind": "annotator",
    "description": "{{description}}"
});

struct {{camel}};

impl Annotator for {{camel}} {
    fn annotate(item: Item) -> Result<()> {
        let sizes: Vec<u64> = item.files.iter().map(|f| f.size).collect();
        let (text, score) = describe(&sizes);
        annotate::put(&item.id, "{{snake}}.files", &text, Some(score))
    }
}

/// The annotation: a short text and a number to sort by.
fn describe(sizes: &[u64]) -> (String, f64) {
    let total: u64 = sizes.iter().sum();
    (format!("{} files, {total} bytes", sizes.len()), sizes.len() as f64)
}

aigc_sdk::export_annotator!({{camel}});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_files() {
        assert_eq!(describe(&[3, 4]), ("2 files, 7 bytes".to_string(), 2.0));
        assert_eq!(describe(&[]).1, 0.0);
    }
}
