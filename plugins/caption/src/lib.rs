//! Captions each item's image with a captioning model and stores the caption as the annotation `caption`. An SVG
//! item is captioned from its raster as StarVector's contract makes it: rendered by the host on white, fitted
//! into a square of `svg_size` pixels.

use aigc_sdk::dataset::{FileInfo, Item};
use aigc_sdk::{Annotator, Error, Result, annotate, config, model, svg};

aigc_sdk::manifest!({
    "kind": "annotator",
    "description": "Stores a caption per image or SVG (annotation `caption`) from a captioning model",
    "models": ["captioner"],
    "config": {
        "file": { "default": "", "help": "which file of the item to caption (default: its first raster image, else its first SVG)" },
        "prefix": { "default": "", "help": "text put before every caption (e.g. `an icon of`)" },
        "svg_size": { "default": "512", "help": "side of the white square an SVG is rendered into before captioning, in pixels" }
    }
});

struct Caption;

fn is_raster(file: &FileInfo) -> bool {
    matches!(file.media_type.as_str(), "image/png" | "image/jpeg" | "image/webp" | "image/gif")
}

fn is_svg(file: &FileInfo) -> bool {
    file.media_type == "image/svg+xml" || file.name.to_ascii_lowercase().ends_with(".svg")
}

impl Annotator for Caption {
    fn annotate(item: Item) -> Result<()> {
        let wanted = config::get_or("file", "");
        let file = if wanted.is_empty() {
            item.files.iter().find(|f| is_raster(f)).or_else(|| item.files.iter().find(|f| is_svg(f)))
        } else {
            item.files.iter().find(|f| f.name == wanted)
        }
        .ok_or_else(|| Error::msg(format!("item {} has no raster image or SVG to caption", item.id)))?;
        let image = if is_svg(file) {
            let size: u32 = config::parse_or("svg_size", 512)?;
            svg::rasterize_file(&item.id, &file.name, size, Some(svg::WHITE))
                .map_err(|e| Error::from(e).context(format!("rendering {} of item {}", file.name, item.id)))?
        } else {
            item.read(&file.name)?
        };
        let caption = model::caption("captioner", &[image])?.pop().unwrap_or_default();
        let prefix = config::get_or("prefix", "");
        let text = if prefix.is_empty() { caption } else { format!("{prefix} {caption}") };
        annotate::put(&item.id, "caption", text.trim(), None)
    }
}

aigc_sdk::export_annotator!(Caption);
