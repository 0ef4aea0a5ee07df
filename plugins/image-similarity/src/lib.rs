//! Pairwise image similarity: each generated image (or SVG, rendered by the host on white at 512 px) against its
//! reference, as try-on papers (SSIM, LPIPS) and StarVector (MSE, SSIM, masked L2, LPIPS, DinoScore on renders)
//! report. Pairs come from the pair file, else from equal names. Every score is the mean over pairs, with each
//! pair's value and a 95 % bootstrap interval of the mean.
//!
//! Config: `ssim_window` (`gaussian`: Wang et al.'s 11-tap σ 1.5, what papers report; `uniform`: scikit-image's
//! default 7×7; `starvector`: StarVector's 11×11 uniform), `size` (resize both images of a pair to this square
//! side; empty: the sizes must match).
//!
//! Two scores need models, and are left out (with a log line saying how to add them) when none is registered:
//! `lpips` through the `distance` model mapped to `lpips` (`models/export_lpips.py`), and `dino-score`,
//! StarVector's (cos + 1) / 2 of DINOv2 features, through the `features` model mapped to `dino`
//! (`models/export_dinov2.py`).

use aigc_sdk::bindings::aigc::plugin::evaluation as raw;
use aigc_sdk::bindings::aigc::plugin::types::Error as HostError;
use aigc_sdk::evaluation::{self, ImageOptions, Score, Side, SsimWindow};
use aigc_sdk::{Metric, Result, config, log};

aigc_sdk::manifest!({
    "kind": "metric",
    "description": "MSE, PSNR, SSIM, masked L2, LPIPS and DinoScore of generated images against their references, per pair and on average",
    "models": ["lpips?", "dino?"],
    "config": {
        "ssim_window": { "default": "gaussian", "help": "gaussian (Wang et al., papers), uniform (scikit-image default) or starvector" },
        "size": { "default": "", "help": "resize both images of a pair to this square side first; empty: sizes must match" },
        "seed": { "default": "0", "help": "seed of the bootstrap intervals" }
    }
});

struct ImageSimilarity;

/// A model-based score's values, or None when its model is not lent to this run (logged once, with the fix).
fn optional<T>(model: &str, how: &str, answer: std::result::Result<T, HostError>) -> Result<Option<T>> {
    match answer {
        Ok(values) => Ok(Some(values)),
        Err(HostError::NotFound(_) | HostError::Denied(_)) => {
            log::info(&format!("no model is registered as `{model}`, so its score is left out: {how}"));
            Ok(None)
        }
        Err(e) => Err(aigc_sdk::Error::from(e).context(format!("model `{model}`"))),
    }
}

/// LPIPS per pair, when a `distance` model is lent as `lpips`.
fn lpips(pairs: &[(u32, u32)], size: Option<u32>) -> Result<Option<Vec<f64>>> {
    let how = "export one with models/export_lpips.py and `aigc-host models add DIR/lpips-alex --name lpips`";
    optional("lpips", how, raw::image_distance("lpips", pairs, size))
}

/// StarVector's DinoScore per pair, (cos + 1) / 2 of the two images' DINOv2 features, when a `features` model is
/// lent as `dino`.
fn dino_score(pairs: &[(u32, u32)]) -> Result<Option<Vec<f64>>> {
    let how = "export one with models/export_dinov2.py and `aigc-host models add DIR/dinov2-base --name dino`";
    let Some(generated) = optional("dino", how, raw::image_features("dino", Side::Generated))? else {
        return Ok(None);
    };
    let reference = raw::image_features("dino", Side::Reference)?;
    let cosines = raw::cosine(&generated, &reference, pairs)?;
    Ok(Some(cosines.into_iter().map(|c| (c + 1.0) / 2.0).collect()))
}

const RESAMPLES: usize = 1000;

fn window() -> Result<SsimWindow> {
    match config::get("ssim_window").as_deref().unwrap_or("gaussian") {
        "gaussian" => Ok(SsimWindow::Gaussian),
        "uniform" => Ok(SsimWindow::Uniform),
        "starvector" => Ok(SsimWindow::Starvector),
        other => Err(aigc_sdk::Error::msg(format!("ssim_window `{other}`: use gaussian, uniform or starvector"))),
    }
}

fn size() -> Result<Option<u32>> {
    match config::get("size").unwrap_or_default().trim() {
        "" => Ok(None),
        text => {
            text.parse::<u32>().ok().filter(|s| (8..=4096).contains(s)).map(Some).ok_or_else(|| {
                aigc_sdk::Error::msg(format!("size `{text}`: give a side between 8 and 4096, or nothing"))
            })
        }
    }
}

impl Metric for ImageSimilarity {
    fn evaluate() -> Result<Vec<Score>> {
        let pairs = evaluation::pairs();
        if pairs.is_empty() {
            return Err(aigc_sdk::Error::msg(
                "no pairs: give a pair file (--pairs) or name each generated image as its reference",
            ));
        }
        let window = window()?;
        let size = size()?;
        let seed = config::get("seed").and_then(|s| s.parse().ok()).unwrap_or(0);
        // The learned distance first: it is the slowest, and a model that does not fit fails before the rest.
        let lpips = lpips(&pairs, size)?;
        let scores = evaluation::compare_images(&pairs, ImageOptions { ssim_window: window, size })?;
        let resized = size.map_or("images compared at their own size (sizes must match)".to_string(), |s| {
            format!("both images resized to {s}×{s} (bilinear)")
        });
        let colour = format!("RGB in [0, 1], transparency over white, SVGs rendered on white at 512 px; {resized}");
        let window_text = match window {
            SsimWindow::Gaussian => "Gaussian window σ 1.5 (11×11), population covariance (Wang et al.)",
            SsimWindow::Uniform => "uniform 7×7 window, sample covariance (scikit-image's default)",
            SsimWindow::Starvector => "uniform 11×11 window, sample covariance (StarVector's compute_SSIM.py)",
        };
        let summary = |name: &str, values: Vec<f64>, higher_is_better: bool, convention: String| {
            let interval = evaluation::bootstrap_interval(&values, RESAMPLES, seed);
            let mut score = Score::new(name, evaluation::mean(&values), higher_is_better, &convention);
            if let Some((low, high)) = interval {
                score = score.interval(low, high);
            }
            score.per_item(values)
        };
        let psnr: Vec<f64> = scores.iter().filter_map(|s| s.psnr).collect();
        let identical = scores.len() - psnr.len();
        let mut learned = Vec::new();
        if let Some(values) = lpips {
            learned.push(summary(
                "lpips",
                values,
                false,
                format!(
                    "mean LPIPS over pairs through the model lent as `lpips` (see the report's models: backbone, \
                     heads and input normalisation); {colour}"
                ),
            ));
        }
        if let Some(values) = dino_score(&pairs)? {
            learned.push(summary(
                "dino-score",
                values,
                true,
                "StarVector's DinoScore: mean over pairs of (cos + 1) / 2 of the features of the model lent as `dino` \
                 (DINOv2 mean-pooled tokens), images resized as its model.json says; RGB, transparency over white, \
                 SVGs rendered on white at 512 px"
                    .to_string(),
            ));
        }
        let mut all = vec![
            summary(
                "ssim",
                scores.iter().map(|s| s.ssim).collect(),
                true,
                format!("mean SSIM over pairs; K1 0.01, K2 0.03, data range 1, {window_text}; {colour}"),
            ),
            summary("mse", scores.iter().map(|s| s.mse).collect(), false, format!("mean squared error; {colour}")),
            summary(
                "psnr",
                psnr,
                true,
                format!(
                    "mean over pairs of 10·log10(1/MSE) dB; {identical} identical pair(s) (infinite PSNR) left out; {colour}"
                ),
            ),
            summary(
                "masked-l2",
                scores.iter().map(|s| s.masked_l2).collect(),
                false,
                format!(
                    "StarVector's masked L2: squared differences where both are not white, averaged over all values; {colour}"
                ),
            ),
        ];
        all.append(&mut learned);
        Ok(all)
    }
}

aigc_sdk::export_metric!(ImageSimilarity);
