//! 3D measures between a generated and a reference model, as single-image-to-3D papers report them: points sampled
//! uniformly on the surface, Chamfer distance and F-score at a threshold τ between two point sets, and volumetric IoU
//! between two meshes.
//!
//! Frames: papers compare models in one canonical frame, each model normalised on its own. [`Frame::Normalised`] is
//! the renderer's normalisation ([`crate::render::Normalised`], Zero123's `normalize_scene`: Blender axes, largest
//! bounding-box side 1, box centred at the origin), so distances and τ are in units of the model's largest side.
//! [`Frame::AsLoaded`] keeps the file's coordinates, for models that are already aligned.
//!
//! Conventions differ between papers (squared or not, mean or sum per direction, the two directions summed or
//! averaged); [`Chamfer`] names them, and its constants say which paper uses which.
//!
//! Precision: points are `f32` (as the loader stores them); every distance is computed in `f64` from them, so the
//! numbers equal SciPy's `cKDTree` on the same `float32` arrays up to the order of summation.

mod nearest;
mod surface;
mod volume;

#[cfg(test)]
mod tests;

pub use nearest::{Chamfer, ChamferResult, Combine, Distance, FScore, Nearest, Reduce, chamfer, fscore};
pub use surface::{MAX_SAMPLES, Surface, sample_surface};
pub use volume::{MAX_RAY_TESTS, MAX_RESOLUTION, VolumeIou, volume_iou, volume_iou_of};

/// Which coordinates a model is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// The file's own coordinates (glTF and OBJ are +Y up, in the file's units): for models already aligned.
    AsLoaded,
    /// The renderer's frame ([`crate::render::Normalised`]): Blender axes (+Z up), largest bounding-box side 1, box
    /// centred at the origin, each model on its own, as Zero123 and One-2-3-45 evaluate.
    Normalised,
}

/// The two point sets of a comparison, named in errors as the caller passed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointSet {
    /// The first argument (by convention the generated model, whose points give the precision).
    A,
    /// The second argument (by convention the reference model, whose points give the recall).
    B,
}

impl std::fmt::Display for PointSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PointSet::A => "point set a (the first, generated)",
            PointSet::B => "point set b (the second, reference)",
        })
    }
}

/// Why a 3D measure cannot be computed. Messages name the input and say what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PointsError {
    #[error("{set} is empty: sample points on the model first (10,000 to 100,000 is usual)")]
    EmptySet { set: PointSet },
    #[error(
        "{set} has a non-finite coordinate at point {index} ({point:?}): drop that point or repair the model it came from"
    )]
    NonFinitePoint { set: PointSet, index: usize, point: [f32; 3] },
    #[error("{set} has {count} points, more than the {max} a k-d tree here indexes: sample fewer points")]
    TooManyPoints { set: PointSet, count: usize, max: usize },
    #[error(
        "a sum-reduced Chamfer distance compares totals, so both sets need the same number of points, but point set \
         a has {a} and point set b has {b}: sample both with the same count, or reduce by mean"
    )]
    CountMismatch { a: usize, b: usize },
    #[error("the F-score threshold τ = {0} must be a finite distance above 0 (e.g. 0.05 in the normalised frame)")]
    Threshold(f64),
    #[error("cannot sample {0} points: ask for 1 to {MAX_SAMPLES}")]
    SampleCount(usize),
    #[error("`{model}` has no surface to measure: its {triangles} triangles have no area")]
    NoArea { model: String, triangles: usize },
    #[error("`{model}`: triangle {triangle} of primitive {primitive} has a non-finite vertex; repair the model")]
    NonFiniteTriangle { model: String, primitive: usize, triangle: usize },
    #[error("`{model}`: primitive {primitive} uses vertex {index} but has {vertices}; the model is malformed")]
    BadIndex { model: String, primitive: usize, index: u32, vertices: usize },
    #[error("`{model}` has {vertices} vertices, more than the {max} one surface here holds")]
    TooManyVertices { model: String, vertices: usize, max: usize },
    #[error("cannot normalise `{model}` as the renderer does: {reason}")]
    Normalise { model: String, reason: String },
    #[error(
        "voxel resolution {0} is outside 2..={MAX_RESOLUTION}: SyncDreamer uses 64, 128 resolves thin parts better"
    )]
    Resolution(usize),
    #[error(
        "volumetric IoU at resolution {resolution} would test up to {tests} rays against triangles, over the limit \
         of {MAX_RAY_TESTS}: use a lower resolution or simplify the meshes"
    )]
    VolumeWork { resolution: usize, tests: u64 },
    #[error(
        "neither `{a}` nor `{b}` encloses a voxel at resolution {resolution} (both are open, flat or smaller than a \
         voxel), so their IoU is undefined: compare them by Chamfer distance and F-score instead"
    )]
    NoVolume { a: String, b: String, resolution: usize },
}

/// Checks a point set before it is indexed or measured: not empty, every coordinate finite.
fn check_points(set: PointSet, points: &[[f32; 3]]) -> Result<(), PointsError> {
    if points.is_empty() {
        return Err(PointsError::EmptySet { set });
    }
    match points.iter().position(|p| !p.iter().all(|c| c.is_finite())) {
        Some(index) => Err(PointsError::NonFinitePoint { set, index, point: points[index] }),
        None => Ok(()),
    }
}
