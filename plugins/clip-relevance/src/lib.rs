//! Category relevance (rule 1 of the course's SVG rules, and a check for any image): is the image directly about
//! its category? The image is compared with a small ensemble of prompts naming the category; the best cosine
//! similarity is the score, and items under `threshold` are dropped. LAION used 0.28 with CLIP ViT-B/32 as its
//! image-text filter; that is the default anchor. With `rivals` set, an item is also dropped when another
//! category's prompts fit it better (zero-shot classification over the categories).

use aigc_sdk::dataset::Item;
use aigc_sdk::{Cleaner, Error, Result, Verdict, config, model};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Drops images not about their category (CLIP similarity to a prompt ensemble)",
    "models": ["clip"],
    "config": {
        "threshold": { "default": "0.28", "help": "least cosine similarity kept (LAION's 0.28 for ViT-B/32; tune per model)" },
        "templates": { "default": "a photo of a {},a picture of a {},an illustration of a {},an icon of a {}", "help": "comma-separated prompts; {} becomes the category" },
        "rivals": { "default": "", "help": "comma-separated other categories; when one fits better than the item's own, it is dropped" },
        "file": { "default": "", "help": "which file of the item to judge (default: its first raster image)" }
    }
});

struct ClipRelevance;

/// The raster image to judge: the named file, else the first PNG/JPEG/WebP/GIF.
pub(crate) fn image_of(item: &Item) -> Result<Vec<u8>> {
    let wanted = config::get_or("file", "");
    let file = item
        .files
        .iter()
        .find(|f| if wanted.is_empty() { is_raster(&f.media_type) } else { f.name == wanted })
        .ok_or_else(|| Error::msg(format!("item {} has no raster image to judge (files: {})", item.id, names(item))))?;
    item.read(&file.name)
}

fn is_raster(media_type: &str) -> bool {
    matches!(media_type, "image/png" | "image/jpeg" | "image/webp" | "image/gif")
}

fn names(item: &Item) -> String {
    item.files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn prompts(category: &str) -> Vec<String> {
    let readable = category.replace(['-', '_'], " ");
    config::list("templates").iter().map(|t| t.replace("{}", &readable)).collect()
}

impl Cleaner for ClipRelevance {
    fn check(item: Item) -> Result<Verdict> {
        let category = item.category.clone().ok_or_else(|| Error::msg(format!("item {} has no category", item.id)))?;
        let threshold: f64 = config::parse_or("threshold", 0.28)?;
        let image = image_of(&item)?;
        let own = prompts(&category);
        let best = |sims: &[f32]| sims.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let score = f64::from(best(&model::similarity("clip", &image, &own)?));
        if score < threshold {
            return Ok(Verdict { keep: false, reason: "off-topic".into(), score: Some(score) });
        }
        for rival in config::list("rivals").iter().filter(|r| **r != category) {
            let theirs = f64::from(best(&model::similarity("clip", &image, &prompts(rival))?));
            if theirs > score {
                return Ok(Verdict { keep: false, reason: format!("looks-like-{rival}"), score: Some(score) });
            }
        }
        Ok(Verdict { keep: true, reason: "relevant".into(), score: Some(score) })
    }
}

aigc_sdk::export_cleaner!(ClipRelevance);
