//! Captions each item's image with a captioning model and stores the caption as the annotation `caption`.

use aigc_sdk::dataset::Item;
use aigc_sdk::{Annotator, Error, Result, annotate, config, model};

aigc_sdk::manifest!({
    "kind": "annotator",
    "description": "Stores a caption per image (annotation `caption`) from a captioning model",
    "models": ["captioner"],
    "config": {
        "file": { "default": "", "help": "which file of the item to caption (default: its first raster image)" },
        "prefix": { "default": "", "help": "text put before every caption (e.g. `an icon of`)" }
    }
});

struct Caption;

impl Annotator for Caption {
    fn annotate(item: Item) -> Result<()> {
        let wanted = config::get_or("file", "");
        let file = item
            .files
            .iter()
            .find(|f| {
                if wanted.is_empty() {
                    matches!(f.media_type.as_str(), "image/png" | "image/jpeg" | "image/webp" | "image/gif")
                } else {
                    f.name == wanted
                }
            })
            .ok_or_else(|| Error::msg(format!("item {} has no raster image to caption", item.id)))?;
        let image = item.read(&file.name)?;
        let caption = model::caption("captioner", &[image])?.pop().unwrap_or_default();
        let prefix = config::get_or("prefix", "");
        let text = if prefix.is_empty() { caption } else { format!("{prefix} {caption}") };
        annotate::put(&item.id, "caption", text.trim(), None)
    }
}

aigc_sdk::export_annotator!(Caption);
