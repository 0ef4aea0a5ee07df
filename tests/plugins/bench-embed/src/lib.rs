//! An annotator for the model benchmark (bench/models): embeds each item's first raster image with the model the
//! manifest calls `clip`, one image per call, so that the host's dynamic batching across instances is what gets
//! measured. It does nothing else with the embedding unless `store` is `true`, when it stores a tiny annotation
//! (`embed_dim`: the width, scored by the first component).

use aigc_sdk::dataset::Item;
use aigc_sdk::{Annotator, Error, Result, annotate, config, model};

aigc_sdk::manifest!({
    "kind": "annotator",
    "description": "Benchmark: embeds each item's first image with the `clip` model",
    "models": ["clip"],
    "config": {
        "store": { "default": "false", "help": "also store a tiny annotation per item (`embed_dim`)" }
    }
});

struct BenchEmbed;

impl Annotator for BenchEmbed {
    fn annotate(item: Item) -> Result<()> {
        let file = item
            .files
            .iter()
            .find(|f| matches!(f.media_type.as_str(), "image/png" | "image/jpeg" | "image/webp" | "image/gif"))
            .ok_or_else(|| Error::msg(format!("item {} has no raster image", item.id)))?;
        let image = item.read(&file.name)?;
        let embedding = model::embed_images("clip", &[image])?.pop().unwrap_or_default();
        if config::get_or("store", "false") == "true" {
            let first = embedding.first().copied().map(f64::from);
            annotate::put(&item.id, "embed_dim", &embedding.len().to_string(), first)?;
        }
        Ok(())
    }
}

aigc_sdk::export_annotator!(BenchEmbed);
