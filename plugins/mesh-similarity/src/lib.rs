//! 3D reconstruction quality, each generated model against its reference (pairs from the pair file or equal
//! names), both normalised as the renderer does (centred, largest extent 1): Chamfer distance and F-score at τ on
//! points sampled uniformly over each surface (One-2-3-45 and most single-image-to-3D papers report both), and
//! volumetric IoU on a voxel grid.

use aigc_sdk::evaluation::{self, MeshOptions, Score};
use aigc_sdk::{Metric, Result, config};

aigc_sdk::manifest!({
    "kind": "metric",
    "description": "Chamfer distance, F-score and volumetric IoU of generated 3D models against references",
    "config": {
        "points": { "default": "10000", "help": "points sampled on each surface" },
        "tau": { "default": "0.05", "help": "F-score distance threshold, in units of the normalised model (largest extent 1)" },
        "iou_resolution": { "default": "64", "help": "voxels per axis for the volumetric IoU; 0 skips it" },
        "seed": { "default": "0", "help": "which points are sampled" }
    }
});

struct MeshSimilarity;

fn number<T: std::str::FromStr>(key: &str, default: T) -> Result<T> {
    match config::get(key) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| aigc_sdk::Error::msg(format!("{key} `{text}` is not a number"))),
    }
}

impl Metric for MeshSimilarity {
    fn evaluate() -> Result<Vec<Score>> {
        let pairs = evaluation::pairs();
        if pairs.is_empty() {
            return Err(aigc_sdk::Error::msg(
                "no pairs: give a pair file (--pairs) or name each generated model as its reference",
            ));
        }
        let options = MeshOptions {
            points: number("points", 10_000)?,
            tau: number("tau", 0.05)?,
            seed: number("seed", 0)?,
            iou_resolution: number("iou_resolution", 64)?,
        };
        let scores = evaluation::compare_meshes(&pairs, options)?;
        let sampling = format!(
            "{} points area-weighted on each surface (seed {}), both models centred and scaled to largest extent 1",
            options.points, options.seed
        );
        let summary = |name: &str, values: Vec<f64>, higher: bool, convention: String| {
            Score::new(name, evaluation::mean(&values), higher, &convention).per_item(values)
        };
        let mut out = vec![
            summary(
                "chamfer",
                scores.iter().map(|s| s.chamfer).collect(),
                false,
                format!(
                    "mean nearest-neighbour distance (not squared) each way, the two means averaged (SyncDreamer's \
                     eval_mesh.py, which reports Zero123 and One-2-3-45); {sampling}"
                ),
            ),
            summary(
                "fscore",
                scores.iter().map(|s| s.fscore).collect(),
                true,
                format!(
                    "harmonic mean of the shares of points within τ = {} of the other surface; {sampling}",
                    options.tau
                ),
            ),
            summary(
                "precision",
                scores.iter().map(|s| s.precision).collect(),
                true,
                format!("generated points within τ = {}", options.tau),
            ),
            summary(
                "recall",
                scores.iter().map(|s| s.recall).collect(),
                true,
                format!("reference points within τ = {}", options.tau),
            ),
        ];
        let iou: Vec<f64> = scores.iter().filter_map(|s| s.iou).collect();
        if !iou.is_empty() {
            out.push(summary(
                "iou",
                iou,
                true,
                format!("volumetric IoU on a {0}×{0}×{0} grid over both normalised models", options.iou_resolution),
            ));
        }
        Ok(out)
    }
}

aigc_sdk::export_metric!(MeshSimilarity);
