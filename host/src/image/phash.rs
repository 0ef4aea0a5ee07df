//! The DCT perceptual hash of `imagehash.phash` (hash size 8, high-frequency factor 4), which CleanVision uses
//! for near-duplicates: grey image scaled to 32x32 (Lanczos), a 2-D DCT-II, the top-left 8x8 coefficients,
//! each bit set where its coefficient is above their median. Bits are packed row by row, first bit highest, so
//! the hex of the number is imagehash's string.

use std::sync::OnceLock;

use ::image::GrayImage;
use ::image::imageops::FilterType;

const SIDE: usize = 32;
const LOW: usize = 8;

/// `cos(pi * k * (2n + 1) / 2N)` for the low frequencies `k < 8` and every sample `n < 32`. The DCT's constant
/// factor is left out: it scales every coefficient alike and so cannot change which are above the median.
fn basis() -> &'static [[f64; SIDE]; LOW] {
    static BASIS: OnceLock<[[f64; SIDE]; LOW]> = OnceLock::new();
    BASIS.get_or_init(|| {
        let mut basis = [[0.0; SIDE]; LOW];
        for (k, row) in basis.iter_mut().enumerate() {
            for (n, value) in row.iter_mut().enumerate() {
                *value = (std::f64::consts::PI * k as f64 * (2 * n + 1) as f64 / (2 * SIDE) as f64).cos();
            }
        }
        basis
    })
}

/// The 64-bit pHash of a grey image.
pub fn phash(grey: &GrayImage) -> u64 {
    let small = image::imageops::resize(grey, SIDE as u32, SIDE as u32, FilterType::Lanczos3);
    let pixel = |x: usize, y: usize| f64::from(small.get_pixel(x as u32, y as u32).0[0]);
    let basis = basis();
    // Only 8 of 32 frequencies are kept on each axis, so transform the columns into 8 rows first, then those.
    let mut columns = [[0.0; SIDE]; LOW];
    for (k, row) in columns.iter_mut().enumerate() {
        for (x, value) in row.iter_mut().enumerate() {
            *value = (0..SIDE).map(|y| basis[k][y] * pixel(x, y)).sum();
        }
    }
    let mut low = [0.0; LOW * LOW];
    for ky in 0..LOW {
        for kx in 0..LOW {
            low[ky * LOW + kx] = (0..SIDE).map(|x| basis[kx][x] * columns[ky][x]).sum();
        }
    }
    let mut sorted = low;
    sorted.sort_by(f64::total_cmp);
    let median = (sorted[LOW * LOW / 2 - 1] + sorted[LOW * LOW / 2]) / 2.0;
    low.iter().fold(0u64, |hash, &c| (hash << 1) | u64::from(c > median))
}

/// Bits in which two hashes differ.
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}
