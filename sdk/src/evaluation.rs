//! What a metric plugin evaluates and the host's measures over it (world `metric`). Samples stay in the host; a
//! plugin names them by side and index, asks for features, statistics and comparisons, and reports [`Score`]s
//! with the convention it used.
//!
//! ```ignore
//! struct Fid;
//! impl aigc_sdk::Metric for Fid {
//!     fn evaluate() -> aigc_sdk::Result<Vec<Score>> {
//!         let generated = evaluation::image_features("inception", Side::Generated)?;
//!         let reference = evaluation::image_features("inception", Side::Reference)?;
//!         let fid = evaluation::frechet_distance(&generated, &reference)?;
//!         Ok(vec![Score::new("fid", fid, false, "Inception pool3, 2048-d; covariance with n - 1")])
//!     }
//! }
//! aigc_sdk::export_metric!(Fid);
//! ```

pub use crate::bindings::aigc::plugin::evaluation::{
    Features, ImageOptions, ImageScores, KernelOptions, KernelResult, Media, MeshOptions, MeshScores, Sample, Score,
    Side, SsimWindow,
};

use crate::Result;
use crate::bindings::aigc::plugin::evaluation as raw;

/// The samples of one side, in the order every index refers to.
pub fn samples(side: Side) -> Vec<Sample> {
    raw::samples(side)
}

/// The (generated, reference) index pairs: the pair file's, or equal names.
pub fn pairs() -> Vec<(u32, u32)> {
    raw::pairs()
}

/// Features of every image of `side` through the model the manifest names `model` (see the WIT).
pub fn image_features(model: &str, side: Side) -> Result<Features> {
    Ok(raw::image_features(model, side)?)
}

/// A CLIP model's normalised text embeddings.
pub fn text_features(model: &str, texts: &[String]) -> Result<Features> {
    Ok(raw::text_features(model, texts)?)
}

/// The Fréchet distance between Gaussians fitted to two feature sets (FID on Inception features).
pub fn frechet_distance(a: &Features, b: &Features) -> Result<f64> {
    Ok(raw::frechet_distance(a, b)?)
}

/// The kernel distance (KID on Inception features) over random subsets.
pub fn kernel_distance(a: &Features, b: &Features, options: KernelOptions) -> Result<KernelResult> {
    Ok(raw::kernel_distance(a, b, options)?)
}

/// Cosine similarities of the row pairs.
pub fn cosine(a: &Features, b: &Features, pairs: &[(u32, u32)]) -> Result<Vec<f64>> {
    Ok(raw::cosine(a, b, pairs)?)
}

/// MSE, PSNR, SSIM and masked L2 per image pair.
pub fn compare_images(pairs: &[(u32, u32)], options: ImageOptions) -> Result<Vec<ImageScores>> {
    Ok(raw::compare_images(pairs, options)?)
}

/// A learned distance (LPIPS) per image pair through the `distance` model the manifest names `model`; both
/// images resized to `size` x `size` first when given.
pub fn image_distance(model: &str, pairs: &[(u32, u32)], size: Option<u32>) -> Result<Vec<f64>> {
    Ok(raw::image_distance(model, pairs, size)?)
}

/// Chamfer distance, F-score and IoU per mesh pair.
pub fn compare_meshes(pairs: &[(u32, u32)], options: MeshOptions) -> Result<Vec<MeshScores>> {
    Ok(raw::compare_meshes(pairs, options)?)
}

impl Score {
    /// A score with no per-item values and no interval.
    pub fn new(name: &str, value: f64, higher_is_better: bool, convention: &str) -> Score {
        Score {
            name: name.to_string(),
            value,
            per_item: Vec::new(),
            interval: None,
            higher_is_better,
            convention: convention.to_string(),
        }
    }

    /// The same score with its per-item values.
    pub fn per_item(mut self, values: Vec<f64>) -> Score {
        self.per_item = values;
        self
    }

    /// The same score with a confidence interval.
    pub fn interval(mut self, low: f64, high: f64) -> Score {
        self.interval = Some((low, high));
        self
    }
}

/// The mean of `values` (0 for none).
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 }
}

/// A 95 % bootstrap confidence interval of the mean: `resamples` resamples drawn with a fixed-seed generator
/// (SplitMix64), so the same values give the same interval.
pub fn bootstrap_interval(values: &[f64], resamples: usize, seed: u64) -> Option<(f64, f64)> {
    if values.len() < 2 || resamples < 20 {
        return None;
    }
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let n = values.len();
    let mut means: Vec<f64> =
        (0..resamples).map(|_| (0..n).map(|_| values[(next() % n as u64) as usize]).sum::<f64>() / n as f64).collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((q * (resamples - 1) as f64).round() as usize).min(resamples - 1)];
    Some((at(0.025), at(0.975)))
}

#[cfg(test)]
mod tests {
    /// The Python SDK's `bootstrap_interval` draws the same resamples: its test asserts these same numbers.
    #[test]
    fn bootstrap_intervals_are_the_python_sdks() {
        let interval = super::bootstrap_interval(&[0.1, 0.4, 0.35, 0.8, 0.05], 200, 42);
        assert_eq!(interval, Some((0.12, 0.5599999999999999)));
    }
}
