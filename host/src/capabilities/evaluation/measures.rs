//! The statistics and 3D measures behind `evaluation`, on [`crate::metrics`]' kernels, with their host work
//! charged before it runs.

use super::{Features, SampleFile};
use crate::bindings::evaluation::{KernelOptions, KernelResult, MeshOptions, MeshScores};
use crate::bindings::types::Error;
use crate::budget::{Cost, Work};
use crate::mesh;
use crate::metrics::distribution::{self, DistributionError, KidOptions, Moments, PolynomialKernel};
use crate::metrics::points;

/// Estimated nanoseconds per multiply-add of the matrix work: f64 matmuls and eigendecompositions run on
/// libtorch's MKL at 10 GFLOP/s or more on one core.
const MATRIX_FLOP: f64 = 0.1;

fn error(e: DistributionError) -> Error {
    Error::Invalid(e.to_string())
}

/// FID's statistic: both sets' moments, then the Fréchet distance.
pub fn frechet(a: &Features, b: &Features, work: &mut Work) -> Result<f64, Error> {
    let dim = a.dim();
    if dim != b.dim() {
        return Err(Error::Invalid(format!("feature sets of {dim} and {} values cannot be compared", b.dim())));
    }
    let (rows, d) = ((a.rows() + b.rows()) as f64, dim as f64);
    // Scatter matrices (rows × d²) and the square roots (a few d³).
    let flops = rows * d * d + 30.0 * d * d * d;
    work.charge(Cost::new((flops * MATRIX_FLOP) as u64, (d * d * 8.0 * 6.0) as u64))?;
    let gaussian = |features: &Features| -> Result<distribution::Gaussian, Error> {
        let mut moments = Moments::new(dim).map_err(error)?;
        moments.push(features.values()).map_err(error)?;
        moments.gaussian().map_err(error)
    };
    distribution::frechet_distance(&gaussian(a)?, &gaussian(b)?).map_err(error)
}

/// KID's statistic over random subsets.
pub fn kernel(a: &Features, b: &Features, options: &KernelOptions, work: &mut Work) -> Result<KernelResult, Error> {
    let dim = a.dim();
    if dim != b.dim() {
        return Err(Error::Invalid(format!("feature sets of {dim} and {} values cannot be compared", b.dim())));
    }
    let (subsets, size, d) = (f64::from(options.subsets), f64::from(options.subset_size), dim as f64);
    // Three kernel matrices of size² dot products per subset.
    let flops = subsets * 3.0 * size * size * d;
    work.charge(Cost::new((flops * MATRIX_FLOP) as u64, (3.0 * size * size * 8.0 + 2.0 * size * d * 8.0) as u64))?;
    let kid = KidOptions {
        subsets: options.subsets as usize,
        subset_size: options.subset_size as usize,
        kernel: PolynomialKernel { degree: options.degree, gamma: options.gamma, coef: options.coef },
        seed: options.seed,
    };
    let result = distribution::kid(a.values(), b.values(), dim, &kid).map_err(error)?;
    Ok(KernelResult { mean: result.mean, std: result.std, per_subset: result.subset_values })
}

/// Estimated nanoseconds per sampled point (sampling, k-d tree build and query, both ways) and per voxel of the
/// IoU grid (inside tests along rays).
const PER_POINT: f64 = 2_000.0;
const PER_VOXEL: f64 = 100.0;

/// Chamfer distance, F-score and IoU of two models, each normalised as the renderer does.
pub fn meshes(a: &SampleFile, b: &SampleFile, options: &MeshOptions, work: &mut Work) -> Result<MeshScores, Error> {
    let points = options.points as usize;
    if points == 0 || points > points::MAX_SAMPLES {
        return Err(Error::Invalid(format!("points {points}: give 1 to {}", points::MAX_SAMPLES)));
    }
    let resolution = options.iou_resolution as usize;
    if resolution > points::MAX_RESOLUTION {
        return Err(Error::Invalid(format!("iou-resolution {resolution}: at most {}", points::MAX_RESOLUTION)));
    }
    let voxels = (resolution as f64).powi(3);
    work.charge(Cost::new((2.0 * points as f64 * PER_POINT + voxels * PER_VOXEL) as u64, (points * 2 * 40) as u64))?;
    let surface = |sample: &SampleFile, work: &mut Work| -> Result<points::Surface, Error> {
        let named = |e: String| Error::Invalid(format!("the model `{}`: {e}", sample.name));
        let limits = mesh::Limits::default();
        let bundle = mesh::Bundle::new_with(model_files(sample).map_err(named)?, &limits, work)
            .map_err(|e| named(e.to_string()))?;
        let scene = mesh::load_with(&bundle, &limits, work).map_err(|e| named(e.to_string()))?;
        points::Surface::new(&scene, points::Frame::Normalised).map_err(|e| named(e.to_string()))
    };
    let (generated, reference) = (surface(a, work)?, surface(b, work)?);
    let named = |e: points::PointsError| Error::Invalid(format!("comparing `{}` with `{}`: {e}", a.name, b.name));
    let (pa, pb) = (
        generated.sample(points, options.seed).map_err(named)?,
        reference.sample(points, options.seed).map_err(named)?,
    );
    let nearest = points::Nearest::between(&pa, &pb).map_err(named)?;
    let chamfer = nearest.chamfer(points::Chamfer::EUCLIDEAN_MEAN_AVERAGE).map_err(named)?;
    let fscore = nearest.fscore(options.tau).map_err(named)?;
    let iou = match resolution {
        0 => None,
        r => Some(points::volume_iou_of(&generated, &reference, r).map_err(named)?.iou),
    };
    Ok(MeshScores {
        generated_to_reference: chamfer.a_to_b,
        reference_to_generated: chamfer.b_to_a,
        chamfer: chamfer.total,
        precision: fscore.precision,
        recall: fscore.recall,
        fscore: fscore.f,
        iou,
    })
}

/// The files a model sample needs: the file itself, and the files beside it that it refers to, which the loader
/// resolves by relative path: a `.gltf`'s buffer and image URIs, an `.obj`'s other files (materials, textures)
/// but no other model, so a folder of many models gives each sample its own; bounded by the loader's limits.
fn model_files(sample: &SampleFile) -> Result<Vec<(String, Vec<u8>)>, String> {
    use crate::regular_file::{Links, read};
    // The sample's own name carries the extension the loader reads the format from (a dataset's blob has none).
    let name = sample.name.rsplit('/').next().unwrap_or_default().to_string();
    let own = read(&sample.path, Links::Follow).map_err(|e| e.to_string())?;
    let lower = name.to_ascii_lowercase();
    let wanted: Option<Vec<String>> = if lower.ends_with(".gltf") {
        Some(gltf_references(&own))
    } else if lower.ends_with(".obj") {
        None
    } else {
        return Ok(vec![(name, own)]);
    };
    let folder = sample.path.parent().ok_or("the model has no folder")?;
    let mut total: u64 = own.len() as u64;
    let mut files = vec![(name, own)];
    for entry in walkdir::WalkDir::new(folder).follow_links(false).sort_by_file_name() {
        let entry = entry.map_err(|e| e.to_string())?;
        if !entry.file_type().is_file() || entry.path() == sample.path {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(folder) else { continue };
        let relative = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        let needed = match &wanted {
            Some(references) => references.contains(&relative),
            None => mesh::Format::of(&relative).is_none(),
        };
        if !needed {
            continue;
        }
        total = total.saturating_add(entry.metadata().map_or(0, |m| m.len()));
        if total > mesh::Limits::default().total_bytes {
            return Err("the files beside the model are larger than the loader reads".into());
        }
        files.push((relative, read(entry.path(), Links::Follow).map_err(|e| e.to_string())?));
    }
    Ok(files)
}

/// The relative paths a glTF's buffers and images name (percent-decoded, `./` dropped; `data:` URIs and what
/// does not parse are left to the loader to report).
fn gltf_references(json: &[u8]) -> Vec<String> {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(json) else { return Vec::new() };
    ["buffers", "images"]
        .iter()
        .filter_map(|key| document.get(key).and_then(|v| v.as_array()))
        .flatten()
        .filter_map(|entry| entry.get("uri").and_then(|u| u.as_str()))
        .filter(|uri| !uri.starts_with("data:"))
        .map(|uri| mesh::bundle::percent_decode(uri).trim_start_matches("./").to_string())
        .collect()
}
