//! Refines captions by a measured score: each item's `caption` annotations are scored by image-text cosine
//! similarity with a CLIP-like model; the best score is stored as the annotation `caption-score`, and items whose
//! best caption scores under `threshold` are dropped (`--set action=flag` only records the score). `aigc-host
//! clean` reports the distribution of the scores, which is how to pick the threshold for a dataset.

use aigc_sdk::dataset::Item;
use aigc_sdk::{Cleaner, Error, Result, Verdict, annotate, config, model};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Scores captions by image-text similarity; drops (or flags) those under a threshold",
    "models": ["clip"],
    "config": {
        "threshold": { "default": "0.28", "help": "least image-caption cosine similarity kept" },
        "action": { "default": "drop", "help": "drop: a low score drops the item; flag: only record the score" },
        "key": { "default": "caption", "help": "the annotation holding the captions" }
    }
});

struct CaptionRefine;

impl Cleaner for CaptionRefine {
    fn check(item: Item) -> Result<Verdict> {
        let threshold: f64 = config::parse_or("threshold", 0.28)?;
        let key = config::get_or("key", "caption");
        let captions: Vec<String> = annotate::get(&item.id, &key).into_iter().map(|a| a.value).collect();
        if captions.is_empty() {
            return Ok(Verdict { keep: false, reason: "no-caption".into(), score: None });
        }
        let file = item
            .files
            .iter()
            .find(|f| matches!(f.media_type.as_str(), "image/png" | "image/jpeg" | "image/webp" | "image/gif"))
            .ok_or_else(|| Error::msg(format!("item {} has no raster image", item.id)))?;
        let image = item.read(&file.name)?;
        let sims = model::similarity("clip", &image, &captions)?;
        let (best, score) =
            sims.iter().enumerate().fold((0, f32::NEG_INFINITY), |acc, (i, &s)| if s > acc.1 { (i, s) } else { acc });
        let score = f64::from(score);
        annotate::put(&item.id, "caption-score", &captions[best], Some(score))?;
        let keep = score >= threshold || config::get_or("action", "drop") == "flag";
        let reason = if score >= threshold { "caption-fits" } else { "caption-mismatch" };
        Ok(Verdict { keep, reason: reason.into(), score: Some(score) })
    }
}

aigc_sdk::export_cleaner!(CaptionRefine);
