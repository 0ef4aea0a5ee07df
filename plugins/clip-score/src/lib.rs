//! CLIP scores, on the model the manifest calls `clip` (OpenAI CLIP ViT-B/32 for numbers comparable with papers;
//! `models/export_openclip.py` exports it):
//!
//! - `clip-score`: how well each generated image matches its prompt, as torchmetrics' `CLIPScore` defines it,
//!   `max(100 · cos(image, text), 0)`, averaged over the generated samples that have a prompt (`--prompts`);
//! - `clip-image`: how close the generated images are to the reference images, the mean cosine similarity of
//!   CLIP image embeddings over every (generated, reference) pair, as Textual Inversion reports image similarity.
//!
//! Each is reported when its inputs are there; with neither, the metric says what to give.

use aigc_sdk::evaluation::{self, Score, Side};
use aigc_sdk::{Metric, Result, config};

aigc_sdk::manifest!({
    "kind": "metric",
    "description": "CLIP score of generated images against their prompts, and CLIP image similarity to references",
    "models": ["clip"],
    "config": {
        "seed": { "default": "0", "help": "seed of the bootstrap intervals" }
    }
});

struct ClipScore;

const RESAMPLES: usize = 1000;

fn with_interval(score: Score, values: &[f64], seed: u64) -> Score {
    match evaluation::bootstrap_interval(values, RESAMPLES, seed) {
        Some((low, high)) => score.interval(low, high),
        None => score,
    }
}

impl Metric for ClipScore {
    fn evaluate() -> Result<Vec<Score>> {
        let seed = config::get("seed").and_then(|s| s.parse().ok()).unwrap_or(0);
        let generated = evaluation::samples(Side::Generated);
        let reference = evaluation::samples(Side::Reference);
        let prompted: Vec<(u32, String)> =
            generated.iter().enumerate().filter_map(|(i, s)| Some((i as u32, s.prompt.clone()?))).collect();
        if prompted.is_empty() && reference.is_empty() {
            return Err(aigc_sdk::Error::msg(
                "nothing to score: give prompts (--prompts FILE) for a text score, or --reference DIR for image similarity",
            ));
        }
        let images = evaluation::image_features("clip", Side::Generated)?;
        let mut scores = Vec::new();
        if !prompted.is_empty() {
            let texts: Vec<String> = prompted.iter().map(|(_, p)| p.clone()).collect();
            let text = evaluation::text_features("clip", &texts)?;
            let pairs: Vec<(u32, u32)> = prompted.iter().enumerate().map(|(k, (i, _))| (*i, k as u32)).collect();
            let values: Vec<f64> =
                evaluation::cosine(&images, &text, &pairs)?.into_iter().map(|c| (100.0 * c).max(0.0)).collect();
            let convention = format!(
                "torchmetrics CLIPScore: max(100 · cosine, 0) of the image's and its prompt's embeddings by the model \
                 registered for `clip`, mean over the {} generated images with a prompt ({} without)",
                prompted.len(),
                generated.len() - prompted.len()
            );
            let score = Score::new("clip-score", evaluation::mean(&values), true, &convention);
            scores.push(with_interval(score, &values, seed).per_item(values));
        }
        if !reference.is_empty() {
            let references = evaluation::image_features("clip", Side::Reference)?;
            let pairs: Vec<(u32, u32)> =
                (0..generated.len() as u32).flat_map(|g| (0..reference.len() as u32).map(move |r| (g, r))).collect();
            let all = evaluation::cosine(&images, &references, &pairs)?;
            // Per generated image: its mean similarity to every reference image.
            let per_image: Vec<f64> = all.chunks(reference.len()).map(evaluation::mean).collect();
            let convention = format!(
                "Textual Inversion's image similarity: cosine of CLIP image embeddings (model registered for `clip`), \
                 mean over all {} × {} (generated, reference) pairs; per item: each generated image's mean",
                generated.len(),
                reference.len()
            );
            let score = Score::new("clip-image", evaluation::mean(&all), true, &convention);
            scores.push(with_interval(score, &per_image, seed).per_item(per_image));
        }
        Ok(scores)
    }
}

aigc_sdk::export_metric!(ClipScore);
