//! {{description}}: the mean SSIM of each generated image against its reference, with a 95 % interval.
//!
//! Edit `evaluate` and the manifest below, then `aigc-host build` and
//! `aigc-host evaluate {{name}}.wasm --generated OUT/ --reference GT/`. `cargo test` runs the tests at the bottom
//! on your machine. The host decodes the images and computes SSIM; the plugin chooses what to report.

use aigc_sdk::evaluation::{self, ImageOptions, Score, SsimWindow};
use aigc_sdk::{Metric, Result};

aigc_sdk::manifest!({
    "kind": "metric",
    "description": "{{description}}"
});

struct {{camel}};

impl Metric for {{camel}} {
    fn evaluate() -> Result<Vec<Score>> {
        let pairs = evaluation::pairs();
        if pairs.is_empty() {
            return Err(aigc_sdk::Error::msg("no pairs: name each generated image as its reference, or give --pairs"));
        }
        let options = ImageOptions { ssim_window: SsimWindow::Gaussian, size: None };
        let ssim: Vec<f64> = evaluation::compare_images(&pairs, options)?.iter().map(|s| s.ssim).collect();
        Ok(vec![summary("ssim", ssim)])
    }
}

/// The mean of per-pair values, with the values and a seeded bootstrap interval.
fn summary(name: &str, values: Vec<f64>) -> Score {
    let convention = "mean SSIM over pairs, Gaussian window σ 1.5, RGB in [0, 1] (alpha over white)";
    let score = Score::new(name, evaluation::mean(&values), true, convention);
    match evaluation::bootstrap_interval(&values, 1000, 0) {
        Some((low, high)) => score.interval(low, high).per_item(values),
        None => score.per_item(values),
    }
}

aigc_sdk::export_metric!({{camel}});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_the_mean_and_its_interval_holds_it() {
        let score = summary("ssim", vec![0.5, 0.7, 0.9]);
        assert!((score.value - 0.7).abs() < 1e-12);
        let (low, high) = score.interval.unwrap();
        assert!(low <= 0.7 && 0.7 <= high);
        assert_eq!(score.per_item.len(), 3);
    }
}
