//! The SSIM kernel: each channel's mean SSIM over the cropped map, skimage's arithmetic in a cache-friendly order.
//!
//! skimage filters five whole images (x, y, x², y², xy) with a separable filter, forms the SSIM map and averages
//! it after cropping the window radius r from every side. Only the cropped map counts, and every value there
//! needs input pixels inside the image only (the crop equals the filter radius), so no border rule is needed.
//! Here a band of output rows is made in one pass over its input rows: each input row's five quantities are
//! filtered horizontally (keeping only the columns the crop keeps) into a ring of 2r + 1 rows, and once the ring
//! is full the vertical filter over it gives one output row, which is turned into SSIM values and summed at once.
//! The working set is a few hundred KiB, whatever the image size. The filters keep 32 output columns in
//! registers while they add every tap (each input read once, each output written once), a shape LLVM vectorises
//! without having to prove that buffers do not overlap; all of it is compiled twice, for SSE2 and for AVX.

use rayon::prelude::*;

use super::{Covariance, Planes, SsimOptions, SsimWindow};

/// Output rows per parallel band: enough that the 2r halo rows each band recomputes cost little.
const BAND_ROWS: usize = 64;

/// Columns one filter step keeps in registers: one AVX or two SSE vectors of f32, and four times that.
const LANES: usize = 8;
const WIDE: usize = 4 * LANES;

/// Windows of up to this many taps keep their rows' slices on the stack.
const FEW_TAPS: usize = 15;

/// The five filtered quantities, in the ring and in an output row.
const QUANTITIES: usize = 5;

/// The filter and the SSIM constants for values already divided by the data range.
pub(super) struct Kernel {
    /// Symmetric 1-D weights, `2·radius + 1` of them, summing to 1.
    weights: Vec<f32>,
    radius: usize,
    /// 1, or N/(N − 1) for the sample covariance.
    covariance_scale: f32,
    c1: f32,
    c2: f32,
}

impl Kernel {
    pub(super) fn new(options: &SsimOptions) -> Kernel {
        let radius = options.window.radius();
        let taps = 2 * radius + 1;
        let weights: Vec<f32> = match options.window {
            SsimWindow::Gaussian { sigma } => gaussian_weights(sigma, radius),
            SsimWindow::Uniform { .. } => vec![1.0 / taps as f32; taps],
        };
        let pixels = (taps * taps) as f64;
        let covariance_scale = match options.covariance {
            Covariance::Population => 1.0,
            Covariance::Sample => (pixels / (pixels - 1.0)) as f32,
        };
        // SSIM is unchanged when values and range scale together: on values / R, C = (K·R / R)² = K².
        Kernel {
            weights,
            radius,
            covariance_scale,
            c1: (options.k1 * options.k1) as f32,
            c2: (options.k2 * options.k2) as f32,
        }
    }
}

/// scipy.ndimage's `_gaussian_kernel1d` (order 0): `exp(−x² / 2σ²)` for x in −r..=r, normalised, in f64.
fn gaussian_weights(sigma: f64, radius: usize) -> Vec<f32> {
    let r = radius as f64;
    let raw: Vec<f64> = (0..=2 * radius).map(|i| (-0.5 / (sigma * sigma) * (i as f64 - r).powi(2)).exp()).collect();
    let total: f64 = raw.iter().sum();
    raw.iter().map(|w| (w / total) as f32).collect()
}

/// Each channel's mean SSIM over the cropped map. The caller checked the shapes and that the window fits.
pub(super) fn channel_means(a: &Planes, b: &Planes, options: &SsimOptions, parallel: bool) -> Vec<f64> {
    let kernel = Kernel::new(options);
    let scale = 1.0 / options.data_range;
    let (width, height) = (a.width(), a.height());
    let out_rows = height - 2 * kernel.radius;
    let out_cols = width - 2 * kernel.radius;
    let channels: Vec<Channel> = (0..a.channels())
        .map(|c| Channel { a: a.plane(c), b: b.plane(c), width, shift: pair_mean(a.plane(c), b.plane(c)), scale })
        .collect();
    let sums: Vec<f64> = if parallel {
        let bands = out_rows.div_ceil(BAND_ROWS);
        let jobs: Vec<(usize, usize)> =
            (0..channels.len()).flat_map(|c| (0..bands).map(move |band| (c, band))).collect();
        let parts: Vec<(usize, f64)> = jobs
            .par_iter()
            .map(|&(c, band)| {
                let start = band * BAND_ROWS;
                (c, band_sum(&channels[c], &kernel, start..(start + BAND_ROWS).min(out_rows)))
            })
            .collect();
        let mut sums = vec![0.0; channels.len()];
        parts.iter().for_each(|&(c, part)| sums[c] += part);
        sums
    } else {
        channels.iter().map(|channel| band_sum(channel, &kernel, 0..out_rows)).collect()
    };
    let count = (out_rows * out_cols) as f64;
    sums.iter().map(|sum| sum / count).collect()
}

/// About the mean of both planes' values, from a strided sample: the shift that centres them. Any shift gives
/// the same SSIM mathematically (it is added back to the means); one near the mean keeps E[x²] − E[x]² small.
fn pair_mean(a: &[f32], b: &[f32]) -> f32 {
    let step = (a.len() / 4096).max(1);
    let (sum, count) = a
        .iter()
        .step_by(step)
        .chain(b.iter().step_by(step))
        .fold((0.0f64, 0usize), |(s, n), &v| (s + f64::from(v), n + 1));
    (sum / count as f64) as f32
}

/// One channel of the pair and how its values are brought to the working scale: `(v − shift) · scale`.
pub(super) struct Channel<'a> {
    pub(super) a: &'a [f32],
    pub(super) b: &'a [f32],
    pub(super) width: usize,
    pub(super) shift: f32,
    pub(super) scale: f64,
}

/// Σ SSIM over the output rows `rows` (0 = the first row the crop keeps) of one channel, with 8-lane AVX
/// vectors where the CPU has them (the same operations in the same order as the SSE2 build, so the same bits).
pub(super) fn band_sum(channel: &Channel, kernel: &Kernel, rows: std::ops::Range<usize>) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        #[allow(unsafe_code)]
        // SAFETY: the only requirement of a `target_feature` function is that the CPU has the feature: checked.
        return unsafe { band_sum_avx(channel, kernel, rows) };
    }
    band_sum_portable(channel, kernel, rows)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn band_sum_avx(channel: &Channel, kernel: &Kernel, rows: std::ops::Range<usize>) -> f64 {
    band_sum_portable(channel, kernel, rows)
}

/// Σ SSIM over the output rows `rows` (0 = the first row the crop keeps) of one channel.
#[inline(always)]
pub(super) fn band_sum_portable(channel: &Channel, kernel: &Kernel, rows: std::ops::Range<usize>) -> f64 {
    let taps = kernel.weights.len();
    let width = channel.width;
    let out_cols = width - 2 * kernel.radius;
    let scale = channel.scale as f32;
    // The values' mean on the working scale, added back for the luminance term.
    let shift = (f64::from(channel.shift) * channel.scale) as f32;
    let mut inputs = vec![0.0f32; QUANTITIES * width];
    let mut ring = vec![0.0f32; taps * QUANTITIES * out_cols];
    let mut filtered = vec![0.0f32; QUANTITIES * out_cols];
    let mut ssim_row = vec![0.0f32; out_cols];
    let mut total = 0.0f64;
    // Output row o needs input rows o ..= o + 2r.
    for input_row in rows.start..rows.end + taps - 1 {
        let start = input_row * width;
        quantities(
            &channel.a[start..start + width],
            &channel.b[start..start + width],
            channel.shift,
            scale,
            &mut inputs,
        );
        let slot = &mut ring[(input_row % taps) * QUANTITIES * out_cols..][..QUANTITIES * out_cols];
        for (input, output) in inputs.chunks_exact(width).zip(slot.chunks_exact_mut(out_cols)) {
            filter_row(input, &kernel.weights, output);
        }
        if input_row + 1 >= rows.start + taps {
            let first = input_row + 1 - taps;
            vertical(&ring, first, &kernel.weights, out_cols, &mut filtered);
            ssim_values(&filtered, out_cols, shift, kernel, &mut ssim_row);
            total += sum_f64(&ssim_row);
        }
    }
    total
}

/// The five quantities of one input row on the working scale: x, y, x², y², xy.
#[inline(always)]
fn quantities(a: &[f32], b: &[f32], shift: f32, scale: f32, out: &mut [f32]) {
    let width = a.len();
    let (xs, rest) = out.split_at_mut(width);
    let (ys, rest) = rest.split_at_mut(width);
    let (xx, rest) = rest.split_at_mut(width);
    let (yy, xy) = rest.split_at_mut(width);
    let (b, xy) = (&b[..width], &mut xy[..width]);
    for i in 0..width {
        let x = (a[i] - shift) * scale;
        let y = (b[i] - shift) * scale;
        xs[i] = x;
        ys[i] = y;
        xx[i] = x * x;
        yy[i] = y * y;
        xy[i] = x * y;
    }
}

/// `out[j] = Σ_k w_k · input[j + k]`: the filter centred on input column j + r, for the columns the crop keeps.
#[inline(always)]
fn filter_row(input: &[f32], weights: &[f32], out: &mut [f32]) {
    let n = out.len();
    symmetric_sum(out, weights, |k| &input[k..k + n]);
}

/// The vertical filter over the ring, for the output row whose window starts at input row `first`.
#[inline(always)]
fn vertical(ring: &[f32], first: usize, weights: &[f32], out_cols: usize, out: &mut [f32]) {
    let taps = weights.len();
    let stride = QUANTITIES * out_cols;
    symmetric_sum(out, weights, |k| &ring[((first + k) % taps) * stride..][..stride]);
}

/// `out[j] = Σ_k w_k · tap(k)[j]` for symmetric weights: `w_r·t_r + Σ_{k<r} w_k·(t_k + t_{2r−k})`, mirrored
/// taps added before the multiply, in this order for every output (so equal inputs give equal bits wherever
/// they sit). Blocks of `WIDE` outputs stay in registers while every tap is added (each input read once, each
/// output written once; four vectors of independent sums, so the adds' latency overlaps), then blocks of
/// `LANES`, then single outputs.
#[inline(always)]
fn symmetric_sum<'a>(out: &mut [f32], weights: &[f32], tap: impl Fn(usize) -> &'a [f32]) {
    let taps = weights.len();
    // The taps' rows, on the stack for the usual windows (up to 15 px).
    let mut few: [&[f32]; FEW_TAPS] = [&[]; FEW_TAPS];
    let many: Vec<&[f32]>;
    let rows: &[&[f32]] = if taps <= FEW_TAPS {
        for (k, row) in few.iter_mut().enumerate().take(taps) {
            *row = tap(k);
        }
        &few[..taps]
    } else {
        many = (0..taps).map(tap).collect();
        &many
    };
    let n = out.len();
    let wide_end = n - n % WIDE;
    for start in (0..wide_end).step_by(WIDE) {
        symmetric_block::<WIDE>(out, weights, rows, start);
    }
    let lanes_end = wide_end + (n - wide_end) / LANES * LANES;
    for start in (wide_end..lanes_end).step_by(LANES) {
        symmetric_block::<LANES>(out, weights, rows, start);
    }
    for start in lanes_end..n {
        symmetric_block::<1>(out, weights, rows, start);
    }
}

/// `out[start..start + N]` of [`symmetric_sum`].
#[inline(always)]
fn symmetric_block<const N: usize>(out: &mut [f32], weights: &[f32], rows: &[&[f32]], start: usize) {
    let taps = rows.len();
    let radius = taps / 2;
    let centre = &rows[radius][start..start + N];
    // A plain loop, not `array::from_fn`: that one is not inlined into the AVX build and its scalar stores stall
    // the vector loads that follow.
    let mut acc = [0.0f32; N];
    for j in 0..N {
        acc[j] = weights[radius] * centre[j];
    }
    for k in 0..radius {
        let (near, far, w) = (&rows[k][start..start + N], &rows[taps - 1 - k][start..start + N], weights[k]);
        for j in 0..N {
            acc[j] += w * (near[j] + far[j]);
        }
    }
    out[start..start + N].copy_from_slice(&acc);
}

/// skimage's SSIM formula on one output row of filtered quantities (working scale; `shift` restores the means).
#[inline(always)]
fn ssim_values(filtered: &[f32], out_cols: usize, shift: f32, kernel: &Kernel, out: &mut [f32]) {
    let (mx, rest) = filtered.split_at(out_cols);
    let (my, rest) = rest.split_at(out_cols);
    let (mxx, rest) = rest.split_at(out_cols);
    let (myy, mxy) = rest.split_at(out_cols);
    // Equal lengths stated once, so the loop below indexes without bounds checks and vectorises.
    let (mxy, out) = (&mxy[..out_cols], &mut out[..out_cols]);
    let (scale, c1, c2) = (kernel.covariance_scale, kernel.c1, kernel.c2);
    for i in 0..out_cols {
        let vx = scale * (mxx[i] - mx[i] * mx[i]);
        let vy = scale * (myy[i] - my[i] * my[i]);
        let vxy = scale * (mxy[i] - mx[i] * my[i]);
        let (ux, uy) = (mx[i] + shift, my[i] + shift);
        let numerator = (2.0 * ux * uy + c1) * (2.0 * vxy + c2);
        let denominator = (ux * ux + uy * uy + c1) * (vx + vy + c2);
        out[i] = numerator / denominator;
    }
}

/// Σ values in f64, four lanes.
#[inline(always)]
fn sum_f64(values: &[f32]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let chunks = values.chunks_exact(4);
    let tail: f64 = chunks.remainder().iter().map(|&v| f64::from(v)).sum();
    for chunk in chunks {
        for lane in 0..4 {
            lanes[lane] += f64::from(chunk[lane]);
        }
    }
    lanes.iter().sum::<f64>() + tail
}
