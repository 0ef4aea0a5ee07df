//! FID and KID: how far the distribution of generated images is from the reference images', on the features of
//! the model the manifest calls `inception` (a `features` model; for numbers comparable with papers, pytorch-fid's
//! `pt_inception-2015-12-05` exported by `models/export_features.py`, whose pool3 features are 2048-d). FID is
//! the Fréchet distance of Gaussians fitted to the two feature sets (covariance with n − 1, as pytorch-fid and
//! torchmetrics); KID the unbiased squared MMD with the cubic polynomial kernel over random subsets, as
//! torchmetrics' `KernelInceptionDistance` (its subsets cannot be drawn the same way outside torch, so values agree
//! with it in distribution, and exactly when a subset is the whole set).

use aigc_sdk::evaluation::{self, KernelOptions, Score, Side};
use aigc_sdk::{Metric, Result, config};

aigc_sdk::manifest!({
    "kind": "metric",
    "description": "FID and KID of generated images against reference images (Inception features)",
    "models": ["inception"],
    "config": {
        "kid_subsets": { "default": "100", "help": "KID: random subsets (torchmetrics: 100)" },
        "kid_subset_size": { "default": "1000", "help": "KID: samples per subset (torchmetrics: 1000); held to the smaller set's size" },
        "seed": { "default": "0", "help": "which KID subsets are drawn" }
    }
});

struct Fid;

fn number<T: std::str::FromStr>(key: &str, default: T) -> Result<T> {
    match config::get(key) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| aigc_sdk::Error::msg(format!("{key} `{text}` is not a number"))),
    }
}

impl Metric for Fid {
    fn evaluate() -> Result<Vec<Score>> {
        let (generated_count, reference_count) =
            (evaluation::samples(Side::Generated).len(), evaluation::samples(Side::Reference).len());
        if generated_count < 2 || reference_count < 2 {
            return Err(aigc_sdk::Error::msg(format!(
                "FID needs at least two images on each side (a covariance of one sample is undefined); \
                 got {generated_count} generated and {reference_count} reference"
            )));
        }
        let generated = evaluation::image_features("inception", Side::Generated)?;
        let reference = evaluation::image_features("inception", Side::Reference)?;
        let dim = generated.dim();
        let fid = evaluation::frechet_distance(&generated, &reference)?;
        let subsets: u32 = number("kid_subsets", 100)?;
        let asked: u32 = number("kid_subset_size", 1000)?;
        let size = asked.min(generated_count as u32).min(reference_count as u32);
        let seed: u64 = number("seed", 0)?;
        let kid = evaluation::kernel_distance(
            &generated,
            &reference,
            KernelOptions { subsets, subset_size: size, degree: 3, gamma: None, coef: 1.0, seed },
        )?;
        let features = format!(
            "features of the model registered for `inception` ({dim}-d), images resized as its model.json says; \
             {generated_count} generated vs {reference_count} reference images"
        );
        Ok(vec![
            Score::new(
                "fid",
                fid,
                false,
                &format!("Fréchet distance of Gaussians fitted in f64 (covariance with n − 1); {features}"),
            ),
            Score::new(
                "kid",
                kid.mean,
                false,
                &format!(
                    "unbiased MMD² with kernel (x·y/{dim} + 1)³, mean over {subsets} subsets of {size} (asked {asked}) \
                     drawn with seed {seed}; std over subsets {:.6}; {features}",
                    kid.std
                ),
            )
            .per_item(kid.per_subset),
        ])
    }
}

aigc_sdk::export_metric!(Fid);
