//! What drawing a view costs, estimated before it is drawn (see [`crate::budget`]): per view, the samples
//! (`(size x SUPERSAMPLE)^2` cleared and resolved, each pixel shaded once), the vertices and triangles
//! transformed, and the samples the triangles' bounding boxes cover. The last one is what a hostile model
//! inflates (a million triangles each as large as the screen is 10^12 sample tests), so it is bounded from the
//! geometry: a triangle whose 3D extent is `e` (the normalised object is 1 across) spans at most
//! `e x f x (1 + R / z) / z` samples on screen when no point of the object is nearer the camera than `z` (the
//! view's distance less the half-diagonal R of the unit box) and none is farther off-axis than `R / z`.
//!
//! The nanosecond constants are measured as the mesh ones are (`calibrate_mesh_costs` in
//! `tests/all/mesh_limits.rs`), rounded up.

use super::{Normalised, SUPERSAMPLE, View, camera};
use crate::budget::Cost;

/// Clearing and resolving one sample (depth and hit buffers).
const SAMPLE_NS: f64 = 4.0;
/// Shading one pixel and encoding it as PNG.
const PIXEL_NS: f64 = 80.0;
/// Moving one vertex into the camera's frame.
const VERTEX_NS: f64 = 8.0;
/// Clipping and setting up one triangle.
const TRIANGLE_NS: f64 = 40.0;
/// Testing one sample of a triangle's bounding box; with an alpha test the base colour is looked up too.
const FILL_NS: f64 = 2.0;
const ALPHA_FILL_NS: f64 = 25.0;
/// Bytes per sample: its depth (4) and what covers it (20).
const SAMPLE_BYTES: u64 = 24;
/// Bytes per pixel: the image (4) and its PNG, never larger than the raw pixels plus framing (5).
const PIXEL_BYTES: u64 = 9;
/// Half the diagonal of the unit box the object is normalised into: no point of it is farther from the origin.
const HALF_DIAGONAL: f64 = 0.866_025_4;
/// Screen samples a bounding box adds at its edges by rounding outwards.
const ROUNDING: f64 = 2.0;

/// The extents of a set of triangles, for the fill bound: their count, and the sums of their extents and of
/// their squares (so `sum (e k + r)^2` is known for any scale `k`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Extents {
    pub triangles: f64,
    pub sum: f64,
    pub sum_squares: f64,
}

impl Extents {
    pub fn add(&mut self, extent: f64) {
        self.triangles += 1.0;
        self.sum += extent;
        self.sum_squares += extent * extent;
    }

    /// Samples covered by the bounding boxes at `scale` samples per unit of extent, at most `cap` each.
    fn samples(&self, scale: f64, cap: f64) -> f64 {
        let sum =
            scale * scale * self.sum_squares + 2.0 * scale * ROUNDING * self.sum + ROUNDING * ROUNDING * self.triangles;
        sum.min(cap * self.triangles)
    }
}

/// Normalising `vertices` and `triangles` into the renderer's scene: a copy of every attribute and index.
pub fn normalise(vertices: u64, triangles: u64) -> Cost {
    Cost::new(
        vertices.saturating_mul(VERTEX_NS as u64).saturating_add(triangles.saturating_mul(4)),
        vertices.saturating_mul(48).saturating_add(triangles.saturating_mul(12)),
    )
}

/// Drawing `view` of `scene` at `size` pixels (PNG encoding included). `bytes` is what the view holds while it
/// is drawn, its PNG included.
pub fn view(scene: &Normalised, view: &View, size: u32) -> Cost {
    let samples_side = f64::from(size) * f64::from(SUPERSAMPLE);
    let samples = samples_side * samples_side;
    let pixels = f64::from(size) * f64::from(size);
    let f = camera::intrinsics(size * SUPERSAMPLE)[0][0];
    let nearest = (view.radius - HALF_DIAGONAL).max(super::raster::NEAR as f64);
    let scale = f * (1.0 + HALF_DIAGONAL / nearest) / nearest;
    let fill =
        scene.extents.samples(scale, samples) * FILL_NS + scene.alpha_extents.samples(scale, samples) * ALPHA_FILL_NS;
    let work = samples * SAMPLE_NS
        + pixels * PIXEL_NS
        + scene.vertices as f64 * VERTEX_NS
        + scene.triangles as f64 * TRIANGLE_NS
        + fill;
    let bytes = frame_bytes(size)
        .saturating_add(png_bytes(size))
        .saturating_add((scene.largest_primitive as u64).saturating_mul(12));
    // `as` saturates: an estimate past u64::MAX units is simply refused.
    Cost::new(work as u64, bytes)
}

/// What one view holds while it is drawn: its depth and hit buffers and its image.
pub fn frame_bytes(size: u32) -> u64 {
    let samples = (u64::from(size) * u64::from(SUPERSAMPLE)).pow(2);
    samples * SAMPLE_BYTES + u64::from(size).pow(2) * 4
}

/// The most a view's PNG can be: the raw pixels and their framing.
pub fn png_bytes(size: u32) -> u64 {
    u64::from(size).pow(2) * (PIXEL_BYTES - 4)
}
