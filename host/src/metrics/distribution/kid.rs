//! KID: the unbiased squared maximum mean discrepancy (MMD²) with a polynomial kernel, averaged over random subsets,
//! as torchmetrics' `KernelInceptionDistance` (its `poly_kernel`, `maximum_mean_discrepancy` and `compute`).
//!
//! torchmetrics draws each subset with `torch.randperm`, which cannot be reproduced outside torch; we draw with
//! `rand`'s `StdRng` from the options' seed instead, so a seed gives the same subsets on every run and machine, and
//! the numbers equal torchmetrics' wherever the draw does not matter (a subset as large as both sets) and in
//! distribution otherwise.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index;
use tch::{Kind, Tensor};

use super::{DistributionError, FeatureSet, check_rows, rows_tensor, scalar, torch};

/// The kernel k(x, y) = (γ·⟨x, y⟩ + coef)^degree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolynomialKernel {
    /// The power (torchmetrics and the KID paper: 3).
    pub degree: u32,
    /// γ; `None` means 1/D, the default of torchmetrics and the KID paper.
    pub gamma: Option<f64>,
    /// The constant added before the power (default 1).
    pub coef: f64,
}

impl Default for PolynomialKernel {
    fn default() -> PolynomialKernel {
        PolynomialKernel { degree: 3, gamma: None, coef: 1.0 }
    }
}

impl PolynomialKernel {
    fn check(&self) -> Result<(), DistributionError> {
        if self.degree == 0 {
            return Err(invalid("degree", self.degree, "pass a power of at least 1 (KID uses 3)"));
        }
        if let Some(gamma) = self.gamma
            && !(gamma.is_finite() && gamma > 0.0)
        {
            return Err(invalid("gamma", gamma, "pass a finite γ > 0, or none for 1/dim"));
        }
        if !self.coef.is_finite() {
            return Err(invalid("coef", self.coef, "pass a finite constant (KID uses 1)"));
        }
        Ok(())
    }

    fn gamma_for(&self, dim: usize) -> f64 {
        self.gamma.unwrap_or(1.0 / dim as f64)
    }
}

/// How KID is estimated; the defaults are torchmetrics'.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KidOptions {
    /// How many random subset pairs to average over (default 100).
    pub subsets: usize,
    /// Rows drawn without replacement from each set per subset (default 1000); at least 2, at most each set's size.
    pub subset_size: usize,
    /// The kernel (default cubic, γ = 1/D, coef 1).
    pub kernel: PolynomialKernel,
    /// Seeds the subset draws: the same seed gives the same subsets and so the same result.
    pub seed: u64,
}

impl Default for KidOptions {
    fn default() -> KidOptions {
        KidOptions { subsets: 100, subset_size: 1000, kernel: PolynomialKernel::default(), seed: 0 }
    }
}

/// KID over the subsets, not scaled (papers often report ×100 or ×1000).
#[derive(Debug, Clone, PartialEq)]
pub struct KidResult {
    /// The mean of the subsets' MMD² values: the KID.
    pub mean: f64,
    /// The population standard deviation (divided by the number of subsets, ddof 0) of the subsets' values, as
    /// torchmetrics' `std(unbiased=False)`; 0 with one subset.
    pub std: f64,
    /// Every subset's MMD², in draw order.
    pub subset_values: Vec<f64>,
}

/// KID between `generated` and `reference` features (row-major rows of `dim` values each): the unbiased MMD² of
/// [`poly_mmd`] over `options.subsets` pairs of subsets of `options.subset_size` rows, each drawn without replacement
/// from its set. The sets may differ in size; each must hold at least `subset_size` rows.
pub fn kid(
    generated: &[f32],
    reference: &[f32],
    dim: usize,
    options: &KidOptions,
) -> Result<KidResult, DistributionError> {
    let generated_rows = check_rows(FeatureSet::Generated.name(), generated, dim, 0)?;
    let reference_rows = check_rows(FeatureSet::Reference.name(), reference, dim, 0)?;
    check_options(options)?;
    let largest = generated_rows.min(reference_rows);
    for (set, rows) in [(FeatureSet::Generated, generated_rows), (FeatureSet::Reference, reference_rows)] {
        if rows < options.subset_size {
            return Err(DistributionError::SubsetTooLarge { set, rows, subset_size: options.subset_size, largest });
        }
    }
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut subset_values = Vec::with_capacity(options.subsets);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..options.subsets {
        gather_rows(generated, dim, &index::sample(&mut rng, generated_rows, options.subset_size).into_vec(), &mut x);
        gather_rows(reference, dim, &index::sample(&mut rng, reference_rows, options.subset_size).into_vec(), &mut y);
        subset_values.push(mmd_of_rows(&x, &y, dim, &options.kernel)?);
    }
    let count = subset_values.len() as f64;
    let mean = subset_values.iter().sum::<f64>() / count;
    let variance = subset_values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / count;
    Ok(KidResult { mean, std: variance.sqrt(), subset_values })
}

/// The unbiased MMD² between two sets of rows with a polynomial kernel:
/// Σ_{i≠j} k(xᵢ, xⱼ)/(m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ)/(n(n−1)) − 2·Σ_{i,j} k(xᵢ, yⱼ)/(m·n).
/// With m = n this is torchmetrics' `poly_mmd` (which assumes equal sizes); each set needs at least 2 rows.
pub fn poly_mmd(
    generated: &[f32],
    reference: &[f32],
    dim: usize,
    kernel: &PolynomialKernel,
) -> Result<f64, DistributionError> {
    let generated_rows = check_rows(FeatureSet::Generated.name(), generated, dim, 0)?;
    let reference_rows = check_rows(FeatureSet::Reference.name(), reference, dim, 0)?;
    kernel.check()?;
    for rows in [generated_rows, reference_rows] {
        if rows < 2 {
            return Err(DistributionError::TooFewRows { rows });
        }
    }
    mmd_of_rows(generated, reference, dim, kernel)
}

fn check_options(options: &KidOptions) -> Result<(), DistributionError> {
    if options.subsets == 0 {
        return Err(invalid("subsets", options.subsets, "pass at least 1 (torchmetrics uses 100)"));
    }
    if options.subset_size < 2 {
        return Err(invalid("subset_size", options.subset_size, "pass at least 2 (torchmetrics uses 1000)"));
    }
    options.kernel.check()
}

fn invalid(option: &'static str, value: impl ToString, expected: &'static str) -> DistributionError {
    DistributionError::InvalidOption { option, value: value.to_string(), expected }
}

/// Copies the chosen rows (in the drawn order) into `out`, reusing its allocation across subsets.
pub(super) fn gather_rows(rows: &[f32], dim: usize, chosen: &[usize], out: &mut Vec<f32>) {
    out.clear();
    for &row in chosen {
        out.extend_from_slice(&rows[row * dim..(row + 1) * dim]);
    }
}

/// The unbiased MMD² of two checked row sets of at least 2 rows each, in `f64`.
fn mmd_of_rows(x: &[f32], y: &[f32], dim: usize, kernel: &PolynomialKernel) -> Result<f64, DistributionError> {
    let (m, n) = ((x.len() / dim) as f64, (y.len() / dim) as f64);
    let (x, y) = (rows_tensor(x, dim)?, rows_tensor(y, dim)?);
    let gamma = kernel.gamma_for(dim);
    let within_x = kernel_sum(&x, &x, gamma, kernel, true)?;
    let within_y = kernel_sum(&y, &y, gamma, kernel, true)?;
    let across = kernel_sum(&x, &y, gamma, kernel, false)?;
    Ok(within_x / (m * (m - 1.0)) + within_y / (n * (n - 1.0)) - 2.0 * across / (m * n))
}

/// Σ k(aᵢ, bⱼ) over all pairs, or over the pairs i ≠ j when `skip_diagonal` (a = b).
fn kernel_sum(
    a: &Tensor,
    b: &Tensor,
    gamma: f64,
    kernel: &PolynomialKernel,
    skip_diagonal: bool,
) -> Result<f64, DistributionError> {
    let step = "a kernel matrix";
    let products = a.f_mm(&b.f_tr().map_err(torch(step))?).map_err(torch(step))?;
    let values = products
        .f_mul_scalar(gamma)
        .and_then(|g| g.f_add_scalar(kernel.coef)?.f_pow_tensor_scalar(i64::from(kernel.degree)))
        .map_err(torch(step))?;
    let total = scalar(&values.f_sum(Kind::Double).map_err(torch(step))?, step)?;
    if !skip_diagonal {
        return Ok(total);
    }
    Ok(total - scalar(&values.f_trace().map_err(torch(step))?, step)?)
}
