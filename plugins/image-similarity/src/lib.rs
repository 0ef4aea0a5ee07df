//! Pairwise image similarity: each generated image (or SVG, rendered by the host on white at 512 px) against its
//! reference, as try-on papers (SSIM, and LPIPS elsewhere) and StarVector (MSE, SSIM, masked L2 on renders) report.
//! Pairs come from the pair file, else from equal names. Every score is the mean over pairs, with each pair's
//! value and a 95 % bootstrap interval of the mean.
//!
//! Config: `ssim_window` (`gaussian`: Wang et al.'s 11-tap σ 1.5, what papers report; `uniform`: scikit-image's
//! default 7×7; `starvector`: StarVector's 11×11 uniform), `size` (resize both images of a pair to this square
//! side; empty: the sizes must match).

use aigc_sdk::evaluation::{self, ImageOptions, Score, SsimWindow};
use aigc_sdk::{Metric, Result, config};

aigc_sdk::manifest!({
    "kind": "metric",
    "description": "MSE, PSNR, SSIM and masked L2 of generated images against their references, per pair and on average",
    "config": {
        "ssim_window": { "default": "gaussian", "help": "gaussian (Wang et al., papers), uniform (scikit-image default) or starvector" },
        "size": { "default": "", "help": "resize both images of a pair to this square side first; empty: sizes must match" },
        "seed": { "default": "0", "help": "seed of the bootstrap intervals" }
    }
});

struct ImageSimilarity;

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
        Ok(vec![
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
        ])
    }
}

aigc_sdk::export_metric!(ImageSimilarity);
