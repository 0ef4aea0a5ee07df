//! Pairwise image measures: MSE, PSNR, SSIM and StarVector's masked L2, equal to the Python tools papers use.
//!
//! Images are [`Planes`]: f32 values in `[0, data_range]`, stored **planar** (channel-major, then row-major:
//! value `(c, y, x)` at `c·H·W + y·W + x`), because every measure here works one channel at a time and SSIM's
//! separable filter wants whole rows of one channel. [`Planes::from_image`] turns any decoded image into RGB
//! planes in `[0, 1]` (8-bit values / 255; alpha composited over white, as StarVector compares SVG rasters), so
//! their data range is 1.
//!
//! Conventions (each a field or a variant the caller names, never implied):
//! - [`mse`]: `skimage.metrics.mean_squared_error`, the mean over every value of every channel, in the planes'
//!   units (so it depends on the data range: 255² times larger for 0–255 values than for 0–1).
//! - [`psnr`]: `skimage.metrics.peak_signal_noise_ratio`, `10·log10(R² / MSE)` in dB. Identical images give
//!   `f64::INFINITY`, as skimage does (with a divide-by-zero warning). JSON has no infinity (serde_json writes
//!   it as `null`): a report should carry it as `null` with a note that the images are identical, or leave such
//!   pairs out of a mean and say how many, never average an infinite value into a finite one.
//! - [`ssim`]: `skimage.metrics.structural_similarity`; which window and covariance is [`SsimOptions`]; see
//!   [`SsimOptions::gaussian`] (the Wang et al. window papers report), [`SsimOptions::skimage_default`] and
//!   [`SsimOptions::starvector`].
//! - [`masked_l2`]: StarVector's "Masked-L2" (`starvector/metrics/compute_l2.py`).
//! - Different sizes or channel counts are an error naming both: the caller chooses a resize rule.
//!
//! Many pairs: [`score_pairs`] (in memory) and [`score_loaded_pairs`] (each pair loaded, scored and dropped, so
//! memory stays at a few pairs whatever the count) score in parallel over pairs with rayon; a single pair is
//! split over rows instead.

mod ssim;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use ::image::DynamicImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Why a pair could not be measured. Messages name the image and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum PairError {
    #[error(
        "an image of {width}×{height} pixels with {channels} channel(s) has no values to compare; give images of at \
         least 1×1 pixel and 1 channel"
    )]
    Empty { width: usize, height: usize, channels: usize },
    #[error(
        "the pixel buffer holds {got} values, but {channels} plane(s) of {width}×{height} need {expected}; pass \
         planar data (channel-major, then row-major) of that length"
    )]
    Length { width: usize, height: usize, channels: usize, expected: usize, got: usize },
    #[error(
        "the value at channel {channel}, row {y}, column {x} is {value}, not a finite number; the measures need \
         finite values in [0, data range]"
    )]
    NotFinite { channel: usize, y: usize, x: usize, value: f32 },
    #[error(
        "the images differ in size: the first is {a_width}×{a_height}, the second {b_width}×{b_height}; resize one \
         to the other's size first (the caller chooses the rule: skimage refuses different shapes too)"
    )]
    SizeMismatch { a_width: usize, a_height: usize, b_width: usize, b_height: usize },
    #[error(
        "the images have different channel counts: the first has {a}, the second {b}; give both as RGB \
         (Planes::from_image) or both with the same channels"
    )]
    ChannelMismatch { a: usize, b: usize },
    #[error(
        "the data range {0} is not a positive finite number; pass the span of the pixel values: 1 for \
         Planes::from_image, 255 for 8-bit values"
    )]
    DataRange(f64),
    #[error(
        "the SSIM constant {name} = {value} is not a positive finite number; the standard values are K1 = 0.01, K2 = 0.03"
    )]
    Constant { name: &'static str, value: f64 },
    #[error("the Gaussian SSIM window's sigma {0} is not a positive finite number of pixels; the standard one is 1.5")]
    Sigma(f64),
    #[error(
        "the uniform SSIM window size {0} is not an odd number of at least 1 pixel (at least 3 with the sample \
         covariance, which divides by size² − 1); skimage's default is 7, StarVector's 11"
    )]
    WindowSize(usize),
    #[error(
        "the images are {width}×{height} pixels but the SSIM window is {window}×{window}; skimage refuses this \
         too ('win_size exceeds image extent'): upscale both images to at least {window} pixels a side, or choose \
         a uniform window of an odd size no larger than {smaller_side}"
    )]
    SmallerThanWindow { width: usize, height: usize, window: usize, smaller_side: usize },
    #[error("cannot read the image {path}: {source}; check the path")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot decode the image {path}: {source}")]
    Decode { path: PathBuf, source: crate::image::ImageError },
    #[error("pair {index}: {source}")]
    Pair { index: usize, source: Box<PairError> },
}

impl PairError {
    /// The same error, said of pair `index` of a batch.
    fn in_pair(self, index: usize) -> PairError {
        PairError::Pair { index, source: Box::new(self) }
    }
}

/// An image as f32 planes: `channels` planes of `height` rows of `width` values each (see the module doc).
/// Every value is finite (checked on construction), so the measures never meet a NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct Planes {
    width: usize,
    height: usize,
    channels: usize,
    data: Vec<f32>,
}

impl Planes {
    /// Planes from planar data (`c·H·W + y·W + x`); refuses a wrong length, an empty image and non-finite values.
    pub fn new(width: usize, height: usize, channels: usize, data: Vec<f32>) -> Result<Planes, PairError> {
        if width == 0 || height == 0 || channels == 0 {
            return Err(PairError::Empty { width, height, channels });
        }
        let expected = width.checked_mul(height).and_then(|n| n.checked_mul(channels)).unwrap_or(usize::MAX);
        if data.len() != expected {
            return Err(PairError::Length { width, height, channels, expected, got: data.len() });
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            let (channel, rest) = (i / (width * height), i % (width * height));
            return Err(PairError::NotFinite { channel, y: rest / width, x: rest % width, value: data[i] });
        }
        Ok(Planes { width, height, channels, data })
    }

    /// RGB planes in `[0, 1]` (data range 1) from any decoded image: each 8-bit value v becomes `v / 255` in f32.
    /// Grey images are repeated into three channels; images of more than 8 bits per channel are first reduced to
    /// 8 bits (`DynamicImage::to_rgba8`). Alpha is composited over white in 8 bits exactly as StarVector's
    /// `_rgba_to_rgb_white` (`starvector/data/util.py`: PIL `paste(img, mask=alpha)` onto white) does:
    /// `round((v·α + 255·(255 − α)) / 255)` with PIL's rounding, so a transparent background compares as white.
    pub fn from_image(image: &DynamicImage) -> Result<Planes, PairError> {
        let (width, height) = (image.width() as usize, image.height() as usize);
        if width == 0 || height == 0 {
            return Err(PairError::Empty { width, height, channels: 3 });
        }
        let unit: [f32; 256] = std::array::from_fn(|v| v as f32 / 255.0);
        let plane = width * height;
        let mut data = vec![0.0f32; 3 * plane];
        let (red, rest) = data.split_at_mut(plane);
        let (green, blue) = rest.split_at_mut(plane);
        let mut put = |i: usize, [r, g, b]: [u8; 3]| {
            red[i] = unit[usize::from(r)];
            green[i] = unit[usize::from(g)];
            blue[i] = unit[usize::from(b)];
        };
        match image {
            DynamicImage::ImageRgb8(rgb) => {
                rgb.pixels().enumerate().for_each(|(i, p)| put(i, p.0));
            }
            DynamicImage::ImageRgba8(rgba) => {
                rgba.pixels().enumerate().for_each(|(i, p)| put(i, over_white(p.0)));
            }
            other => {
                other.to_rgba8().pixels().enumerate().for_each(|(i, p)| put(i, over_white(p.0)));
            }
        }
        Ok(Planes { width, height, channels: 3, data })
    }

    /// Reads and decodes an image file (PNG, JPEG, WebP or GIF, within the host's size limits,
    /// [`crate::image::decode`]) into RGB planes as [`Planes::from_image`] makes them.
    pub fn open(path: &Path) -> Result<Planes, PairError> {
        let bytes = std::fs::read(path).map_err(|source| PairError::Read { path: path.to_owned(), source })?;
        let (_, image) =
            crate::image::decode(&bytes).map_err(|source| PairError::Decode { path: path.to_owned(), source })?;
        Planes::from_image(&image)
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// All values, planar.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// Channel `c`'s plane, row-major (panics past the last channel, like slice indexing).
    pub fn plane(&self, c: usize) -> &[f32] {
        let n = self.width * self.height;
        &self.data[c * n..(c + 1) * n]
    }
}

/// One RGBA pixel pasted over white with its alpha as the mask, in PIL's integer arithmetic (`Paste.c`'s BLEND
/// with DIV255: `tmp = v·α + 255·(255 − α) + 128; ((tmp >> 8) + tmp) >> 8`).
fn over_white([r, g, b, alpha]: [u8; 4]) -> [u8; 3] {
    let alpha = u32::from(alpha);
    let blend = |v: u8| {
        let tmp = u32::from(v) * alpha + 255 * (255 - alpha) + 128;
        // At most 255 by construction (a weighted mean of two bytes, rounded).
        (((tmp >> 8) + tmp) >> 8) as u8
    };
    [blend(r), blend(g), blend(b)]
}

/// Checks that two images can be compared value for value.
fn check_same_shape(a: &Planes, b: &Planes) -> Result<(), PairError> {
    if (a.width, a.height) != (b.width, b.height) {
        return Err(PairError::SizeMismatch {
            a_width: a.width,
            a_height: a.height,
            b_width: b.width,
            b_height: b.height,
        });
    }
    if a.channels != b.channels {
        return Err(PairError::ChannelMismatch { a: a.channels, b: b.channels });
    }
    Ok(())
}

fn check_data_range(data_range: f64) -> Result<(), PairError> {
    if data_range.is_finite() && data_range > 0.0 { Ok(()) } else { Err(PairError::DataRange(data_range)) }
}

/// Mean squared error over every value of every channel, in the planes' units, accumulated in f64:
/// `skimage.metrics.mean_squared_error(a, b)`.
pub fn mse(a: &Planes, b: &Planes) -> Result<f64, PairError> {
    check_same_shape(a, b)?;
    Ok(squared_error_sum(&a.data, &b.data) / a.data.len() as f64)
}

/// Σ (a − b)² in f64, four independent sums so the loop is not one long chain of dependent adds.
fn squared_error_sum(a: &[f32], b: &[f32]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let (a_chunks, b_chunks) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..4 {
            let d = f64::from(x[lane]) - f64::from(y[lane]);
            lanes[lane] += d * d;
        }
    }
    lanes.iter().sum::<f64>() + tail
}

/// Peak signal-to-noise ratio in dB, `10·log10(data_range² / MSE)`:
/// `skimage.metrics.peak_signal_noise_ratio(a, b, data_range=data_range)`. Identical images give
/// `f64::INFINITY` (see the module doc for how to report it).
pub fn psnr(a: &Planes, b: &Planes, data_range: f64) -> Result<f64, PairError> {
    check_data_range(data_range)?;
    let error = mse(a, b)?;
    Ok(if error == 0.0 { f64::INFINITY } else { 10.0 * (data_range * data_range / error).log10() })
}

/// StarVector's "Masked-L2": `starvector/metrics/compute_l2.py`, `L2DistanceCalculator(masked_l2=True)
/// .l2_distance`. On images scaled to `[0, 1]` (values / `data_range`; StarVector's `ToTensor`), a pixel counts
/// only where **both** images are non-white (some channel below the maximum); elsewhere both are zeroed. The
/// result is `F.mse_loss` of the masked images: the mean over **all** channels × pixels, masked-out ones
/// included as zeros, not a mean over the masked pixels only. StarVector's plain "L2" is
/// `mse(a, b) / data_range²`. StarVector's rasters are opaque RGB (cairosvg on a white background writes RGB
/// PNGs), so the mean is over 3 channels, as [`Planes::from_image`] gives.
pub fn masked_l2(a: &Planes, b: &Planes, data_range: f64) -> Result<f64, PairError> {
    check_data_range(data_range)?;
    check_same_shape(a, b)?;
    let white = data_range as f32;
    let pixels = a.width * a.height;
    let non_white = |p: &Planes, i: usize| (0..p.channels).any(|c| p.data[c * pixels + i] != white);
    let mut sum = 0.0f64;
    for i in 0..pixels {
        if non_white(a, i) && non_white(b, i) {
            for c in 0..a.channels {
                let d = f64::from(a.data[c * pixels + i]) - f64::from(b.data[c * pixels + i]);
                sum += d * d;
            }
        }
    }
    Ok(sum / (data_range * data_range) / a.data.len() as f64)
}

/// SSIM's sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum SsimWindow {
    /// Gaussian weights of standard deviation `sigma` pixels, truncated as skimage does (`truncate = 3.5`, so
    /// the radius is `floor(3.5·sigma + 0.5)`: 5, i.e. 11 taps, for sigma 1.5): `gaussian_weights=True`.
    Gaussian { sigma: f64 },
    /// Equal weights over `size`×`size` pixels (odd): skimage's default window (`size` 7) and StarVector's
    /// (`win_size=11` without `gaussian_weights`).
    Uniform { size: usize },
}

impl SsimWindow {
    /// The filter's radius (window side = 2·radius + 1), which is also what skimage crops from each border.
    pub fn radius(&self) -> usize {
        match *self {
            // skimage: r = int(truncate * sigma + 0.5); the cast truncates as Python's int() does (non-negative).
            SsimWindow::Gaussian { sigma } => (3.5 * sigma + 0.5) as usize,
            SsimWindow::Uniform { size } => size / 2,
        }
    }

    /// The window's side in pixels.
    pub fn side(&self) -> usize {
        // Saturating: a huge sigma (refused by the options' check) must not overflow on the way there.
        self.radius().saturating_mul(2).saturating_add(1)
    }
}

/// How the local variances and covariance are normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Covariance {
    /// Divide by the weight sum: Wang et al. 2004 (`use_sample_covariance=False`).
    Population,
    /// Scale by N/(N−1), N the window's pixel count (`use_sample_covariance=True`, skimage's default).
    Sample,
}

/// Every SSIM convention, as `skimage.metrics.structural_similarity` names it. The images are compared channel
/// by channel (`channel_axis=-1`); each channel's SSIM map is cropped by the window's radius on every side
/// (skimage's crop of `(win_size − 1) / 2`, which removes exactly the pixels the filter's boundary mode
/// reaches, so scipy.ndimage's default 'reflect' border never counts) and averaged; the result is the mean of
/// the channel means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SsimOptions {
    /// R: the span of the values (1 for [`Planes::from_image`], 255 for 8-bit values). C1 = (K1·R)², C2 = (K2·R)².
    pub data_range: f64,
    pub window: SsimWindow,
    pub covariance: Covariance,
    /// K1 (skimage: 0.01).
    pub k1: f64,
    /// K2 (skimage: 0.03).
    pub k2: f64,
}

impl SsimOptions {
    /// The standard SSIM papers report (Wang et al. 2004): Gaussian window σ = 1.5 (11×11), population
    /// covariance, K1 = 0.01, K2 = 0.03. `structural_similarity(a, b, data_range=R, channel_axis=-1,
    /// gaussian_weights=True, sigma=1.5, use_sample_covariance=False)`.
    pub fn gaussian(data_range: f64) -> SsimOptions {
        SsimOptions {
            data_range,
            window: SsimWindow::Gaussian { sigma: 1.5 },
            covariance: Covariance::Population,
            k1: 0.01,
            k2: 0.03,
        }
    }

    /// What skimage computes when given only the data range: uniform 7×7 window, sample covariance.
    /// `structural_similarity(a, b, data_range=R, channel_axis=-1)`.
    pub fn skimage_default(data_range: f64) -> SsimOptions {
        SsimOptions {
            window: SsimWindow::Uniform { size: 7 },
            covariance: Covariance::Sample,
            ..Self::gaussian(data_range)
        }
    }

    /// StarVector's SSIM (`starvector/metrics/compute_SSIM.py`): `structural_similarity(img1, img2, win_size=11,
    /// channel_axis=-1, sigma=1.5)` on uint8 RGB arrays. Without `gaussian_weights=True` skimage ignores sigma, so
    /// this is a **uniform** 11×11 window with sample covariance; the range comes from uint8 (255), which on
    /// [`Planes::from_image`] planes is data range 1 (SSIM does not change when values and range scale together).
    pub fn starvector(data_range: f64) -> SsimOptions {
        SsimOptions { window: SsimWindow::Uniform { size: 11 }, ..Self::skimage_default(data_range) }
    }

    /// One line for a report that says which SSIM this is.
    pub fn describe(&self) -> String {
        let window = match self.window {
            SsimWindow::Gaussian { sigma } => {
                format!("Gaussian window σ={sigma} ({side}×{side}, truncate 3.5)", side = self.window.side())
            }
            SsimWindow::Uniform { size } => format!("uniform {size}×{size} window"),
        };
        let covariance = match self.covariance {
            Covariance::Population => "population",
            Covariance::Sample => "sample",
        };
        format!(
            "SSIM, {window}, {covariance} covariance, K1={}, K2={}, data range {}, each channel's map cropped by \
             the window radius and averaged, then the channel means averaged (skimage.metrics.structural_similarity)",
            self.k1, self.k2, self.data_range
        )
    }

    fn check(&self) -> Result<(), PairError> {
        check_data_range(self.data_range)?;
        for (name, value) in [("K1", self.k1), ("K2", self.k2)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(PairError::Constant { name, value });
            }
        }
        match self.window {
            // A huge sigma passes here: its window (the radius cast saturates) is larger than any image, which
            // `check_fits` refuses before any weight is computed.
            SsimWindow::Gaussian { sigma } if !(sigma.is_finite() && sigma > 0.0) => Err(PairError::Sigma(sigma)),
            SsimWindow::Uniform { size } if size % 2 == 0 || (size == 1 && self.covariance == Covariance::Sample) => {
                Err(PairError::WindowSize(size))
            }
            _ => Ok(()),
        }
    }

    /// Refuses images the window does not fit in, as skimage does.
    fn check_fits(&self, planes: &Planes) -> Result<(), PairError> {
        let window = self.window.side();
        if planes.width < window || planes.height < window {
            return Err(PairError::SmallerThanWindow {
                width: planes.width,
                height: planes.height,
                window,
                smaller_side: planes.width.min(planes.height),
            });
        }
        Ok(())
    }
}

/// SSIM of a pair: the mean over channels, and each channel's mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsimResult {
    pub mean: f64,
    pub per_channel: Vec<f64>,
}

/// Structural similarity, equal to `skimage.metrics.structural_similarity(a, b, channel_axis=-1, ...)` with
/// the options' window, covariance, constants and data range (see [`SsimOptions`]). One pair is split over
/// channels and bands of rows in parallel; for many pairs use [`score_pairs`] / [`score_loaded_pairs`].
///
/// Computed in f32 on values shifted by the pair's mean and divided by the range (which SSIM does not depend
/// on, and which keeps the variances E[x²] − E[x]² from cancelling), summed in f64: within 1e-5 of skimage's
/// float64 result on the parity tests.
pub fn ssim(a: &Planes, b: &Planes, options: &SsimOptions) -> Result<SsimResult, PairError> {
    options.check()?;
    ssim_checked(a, b, options, true)
}

fn ssim_checked(a: &Planes, b: &Planes, options: &SsimOptions, parallel: bool) -> Result<SsimResult, PairError> {
    check_same_shape(a, b)?;
    options.check_fits(a)?;
    let per_channel = ssim::channel_means(a, b, options, parallel);
    let mean = per_channel.iter().sum::<f64>() / per_channel.len() as f64;
    Ok(SsimResult { mean, per_channel })
}

/// A measure a batch computes for every pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "measure")]
pub enum PairMeasure {
    /// [`mse`].
    Mse,
    /// [`psnr`].
    Psnr { data_range: f64 },
    /// [`ssim`].
    Ssim(SsimOptions),
    /// [`masked_l2`].
    MaskedL2 { data_range: f64 },
}

impl PairMeasure {
    fn check(&self) -> Result<(), PairError> {
        match self {
            PairMeasure::Mse => Ok(()),
            PairMeasure::Psnr { data_range } | PairMeasure::MaskedL2 { data_range } => check_data_range(*data_range),
            PairMeasure::Ssim(options) => options.check(),
        }
    }

    fn score(&self, a: &Planes, b: &Planes, parallel: bool) -> Result<PairScore, PairError> {
        Ok(match self {
            PairMeasure::Mse => PairScore::Mse(mse(a, b)?),
            PairMeasure::Psnr { data_range } => PairScore::Psnr(psnr(a, b, *data_range)?),
            PairMeasure::Ssim(options) => PairScore::Ssim(ssim_checked(a, b, options, parallel)?),
            PairMeasure::MaskedL2 { data_range } => PairScore::MaskedL2(masked_l2(a, b, *data_range)?),
        })
    }
}

/// One measure's result for one pair, in the order the measures were given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "measure")]
pub enum PairScore {
    Mse(f64),
    /// May be `f64::INFINITY` (identical images).
    Psnr(f64),
    Ssim(SsimResult),
    MaskedL2(f64),
}

impl PairScore {
    /// The headline number (SSIM: the channel mean).
    pub fn value(&self) -> f64 {
        match self {
            PairScore::Mse(v) | PairScore::Psnr(v) | PairScore::MaskedL2(v) => *v,
            PairScore::Ssim(result) => result.mean,
        }
    }
}

/// Every measure for one pair, or the first error.
pub type PairScores = Result<Vec<PairScore>, PairError>;

fn score_one(a: &Planes, b: &Planes, measures: &[PairMeasure], parallel: bool) -> PairScores {
    measures.iter().map(|measure| measure.score(a, b, parallel)).collect()
}

fn check_measures(measures: &[PairMeasure]) -> Result<(), PairError> {
    measures.iter().try_for_each(PairMeasure::check)
}

/// Scores pairs held in memory, in parallel over pairs (one pair alone: over its rows). The outer error is an
/// invalid measure (nothing was computed); each pair's own error (sizes, window) names its index.
pub fn score_pairs(pairs: &[(&Planes, &Planes)], measures: &[PairMeasure]) -> Result<Vec<PairScores>, PairError> {
    check_measures(measures)?;
    let parallel_inside = pairs.len() == 1;
    Ok(pairs
        .par_iter()
        .enumerate()
        .map(|(index, (a, b))| score_one(a, b, measures, parallel_inside).map_err(|e| e.in_pair(index)))
        .collect())
}

/// Scores `count` pairs that `load(index)` produces (decoded from files, rendered...), in parallel over pairs;
/// each pair is dropped once scored, so memory holds about one pair per thread whatever the count. A load
/// error is that pair's error. Results are in index order.
pub fn score_loaded_pairs<L>(count: usize, load: L, measures: &[PairMeasure]) -> Result<Vec<PairScores>, PairError>
where
    L: Fn(usize) -> Result<(Planes, Planes), PairError> + Sync,
{
    check_measures(measures)?;
    let parallel_inside = count == 1;
    Ok((0..count)
        .into_par_iter()
        .map(|index| {
            let (a, b) = load(index).map_err(|e| e.in_pair(index))?;
            score_one(&a, &b, measures, parallel_inside).map_err(|e| e.in_pair(index))
        })
        .collect())
}
