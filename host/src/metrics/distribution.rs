//! Statistics of feature sets for the distribution metrics, FID and KID, as image-generation papers report them: the
//! features (Inception pool3, 2048-d, for the standard numbers) come from the model engine; this module only sees
//! rows of `f32` features.
//!
//! - [`Moments`] streams rows into a mean and a scatter matrix (memory O(D²) whatever the row count) and gives the
//!   [`Gaussian`] pytorch-fid computes with `np.mean` and `np.cov(rowvar=False)`: the unbiased covariance (ddof 1).
//! - [`frechet_distance`] is FID's ‖μa − μb‖² + Tr(Σa) + Tr(Σb) − 2·Tr((Σa Σb)^½), as pytorch-fid's
//!   `calculate_frechet_distance`, with a square-root trace that stays accurate for singular covariances.
//! - [`kid`] is KID as torchmetrics' `KernelInceptionDistance`: the unbiased MMD² with a polynomial kernel
//!   ([`poly_mmd`]) over random subsets, their mean and population standard deviation.
//!
//! Precision: every statistic is computed in `f64` from the `f32` rows (matrix products through libtorch, whose
//! `f64` products use MKL). pytorch-fid does the same (numpy promotes to `f64`); torchmetrics' KID runs in the
//! features' `f32` by default, whose rounding moves small KID values by up to about 1e-4 relative, so our KID equals
//! torchmetrics run in `float64`. FID and KID are reported as computed: no ×100 or ×1000 scaling (papers differ; say
//! which in the report).

mod frechet;
mod kid;
mod moments;

#[cfg(test)]
mod tests;

pub use frechet::frechet_distance;
pub use kid::{KidOptions, KidResult, PolynomialKernel, kid, poly_mmd};
pub use moments::Moments;

use tch::{Kind, Tensor};

/// A multivariate Gaussian fitted to a feature set: what FID compares.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Gaussian {
    /// The mean of the rows (length D).
    pub mean: Vec<f64>,
    /// The unbiased sample covariance (divided by count − 1, as `numpy.cov`), row-major D×D, exactly symmetric.
    pub cov: Vec<f64>,
    /// How many rows the statistics summarise.
    pub count: usize,
}

impl Gaussian {
    /// The feature dimension D.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Checks the shapes (a D×D covariance for a D-vector, D ≥ 1) and that every value is finite; `which` names this
    /// Gaussian in the error.
    fn check(&self, which: &'static str) -> Result<(), DistributionError> {
        let dim = self.dim();
        if dim == 0 || self.cov.len() != dim * dim {
            return Err(DistributionError::MalformedGaussian { which, mean: dim, cov: self.cov.len() });
        }
        if let Some(index) = self.mean.iter().chain(&self.cov).position(|v| !v.is_finite()) {
            let place = if index < dim { "mean" } else { "covariance" };
            return Err(DistributionError::NonFiniteGaussian { which, place });
        }
        Ok(())
    }
}

/// The two feature sets a comparison takes, named in errors as the caller passed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureSet {
    /// The first argument: the generated images' features.
    Generated,
    /// The second argument: the reference (real) images' features.
    Reference,
}

impl FeatureSet {
    fn name(self) -> &'static str {
        match self {
            FeatureSet::Generated => "the generated set",
            FeatureSet::Reference => "the reference set",
        }
    }
}

impl std::fmt::Display for FeatureSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a distribution statistic cannot be computed. Messages name the input and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum DistributionError {
    #[error("the feature dimension is 0: pass the width of the feature rows (2048 for Inception pool3)")]
    ZeroDimension,
    #[error(
        "{set}: {len} values are not whole rows of {dim} features: pass rows of exactly {dim} values each \
         (is the model's feature width {dim}?)"
    )]
    RaggedRows { set: &'static str, len: usize, dim: usize },
    #[error(
        "{set}: row {row} (counted from 0 over all rows given) has a non-finite value ({value}) in column {column}: \
         drop that item or check the model that made its features"
    )]
    NonFinite { set: &'static str, row: usize, column: usize, value: f32 },
    #[error("a covariance needs at least 2 rows, and {rows} were given: add items until there are at least 2")]
    TooFewRows { rows: usize },
    #[error("the moments to merge have {left} and {right} features per row: merge only statistics of the same model")]
    MergeDimension { left: usize, right: usize },
    #[error(
        "{which} Gaussian is malformed: a mean of {mean} values needs a covariance of {mean}×{mean} values, not {cov}"
    )]
    MalformedGaussian { which: &'static str, mean: usize, cov: usize },
    #[error("{which} Gaussian has a non-finite value in its {place}: recompute its statistics")]
    NonFiniteGaussian { which: &'static str, place: &'static str },
    #[error("the Gaussians have {first} and {second} features: compare statistics of the same feature model and layer")]
    DimensionMismatch { first: usize, second: usize },
    #[error(
        "{set} has {rows} rows, fewer than the KID subset size {subset_size}: pass a subset_size of at most \
         {largest} (the smaller set's size; at least 2), or add items"
    )]
    SubsetTooLarge { set: FeatureSet, rows: usize, subset_size: usize, largest: usize },
    #[error("KID option {option} is {value}: {expected}")]
    InvalidOption { option: &'static str, value: String, expected: &'static str },
    #[error("libtorch failed while computing {step}: {source}")]
    Libtorch {
        step: &'static str,
        #[source]
        source: tch::TchError,
    },
}

/// Names the step a libtorch error happened in.
fn torch(step: &'static str) -> impl FnOnce(tch::TchError) -> DistributionError {
    move |source| DistributionError::Libtorch { step, source }
}

/// Checks that `rows` is whole rows of `dim` finite values; `first_row` is the index of its first row among all
/// rows of that set, so the error names the row the caller knows.
fn check_rows(set: &'static str, rows: &[f32], dim: usize, first_row: usize) -> Result<usize, DistributionError> {
    if dim == 0 {
        return Err(DistributionError::ZeroDimension);
    }
    if !rows.len().is_multiple_of(dim) {
        return Err(DistributionError::RaggedRows { set, len: rows.len(), dim });
    }
    if let Some(index) = rows.iter().position(|v| !v.is_finite()) {
        let (row, column) = (first_row + index / dim, index % dim);
        return Err(DistributionError::NonFinite { set, row, column, value: rows[index] });
    }
    Ok(rows.len() / dim)
}

/// Rows of `f32` as an `f64` `[rows, dim]` tensor (a copy: the statistics are computed in `f64`).
fn rows_tensor(rows: &[f32], dim: usize) -> Result<Tensor, DistributionError> {
    let shape = [i64::try_from(rows.len() / dim).unwrap_or(i64::MAX), i64::try_from(dim).unwrap_or(i64::MAX)];
    Tensor::f_from_slice(rows).and_then(|t| t.f_to_kind(Kind::Double)?.f_view(shape)).map_err(torch("the row matrix"))
}

/// A row-major D×D `f64` matrix as a tensor.
fn square_tensor(values: &[f64], dim: usize) -> Result<Tensor, DistributionError> {
    let side = i64::try_from(dim).unwrap_or(i64::MAX);
    Tensor::f_from_slice(values).and_then(|t| t.f_view([side, side])).map_err(torch("a covariance matrix"))
}

/// A tensor's values, in row-major order.
fn tensor_values(tensor: &Tensor, step: &'static str) -> Result<Vec<f64>, DistributionError> {
    let flat = tensor.f_contiguous().and_then(|t| t.f_view([-1])).map_err(torch(step))?;
    let count = flat.numel();
    let mut values = vec![0.0; count];
    flat.f_copy_data(&mut values, count).map_err(torch(step))?;
    Ok(values)
}

/// A scalar tensor's value.
fn scalar(tensor: &Tensor, step: &'static str) -> Result<f64, DistributionError> {
    tensor.f_double_value(&[]).map_err(torch(step))
}
