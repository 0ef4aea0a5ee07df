//! Streaming mean and covariance of feature rows.
//!
//! Each push is cut into blocks; a block's rows are centred on the block's own mean and their scatter (Cᵀ C, one
//! `f64` matrix product) is merged into the running one with Chan et al.'s pairwise update. Centring before the
//! product keeps the sums small (the raw Σ xxᵀ − n μμᵀ form loses digits when the mean is large against the spread,
//! as it is for post-ReLU features), and the merge is exact in exact arithmetic, so pushing rows one by one, in
//! blocks, or merging per-worker moments gives the same statistics up to rounding.

use tch::{Kind, Tensor};

use super::{DistributionError, Gaussian, check_rows, rows_tensor, tensor_values, torch};

/// Rows per matrix product: large enough for MKL to run at full speed, small enough that the block's `f64` copy
/// stays small (16 MiB at 2048 features) whatever one push holds.
const BLOCK_ROWS: usize = 1024;

/// Running first and second moments of D-dimensional feature rows, in `f64`. Memory is O(D²) (32 MiB at 2048
/// features) whatever the number of rows, so features can be streamed in as a model makes them.
#[derive(Debug)]
pub struct Moments {
    dim: usize,
    count: usize,
    /// The mean of the rows so far, `[D]` (zeros before the first row).
    mean: Tensor,
    /// Σ (x − mean)(x − mean)ᵀ over the rows so far, `[D, D]` (Chan et al.'s M2).
    scatter: Tensor,
}

impl Moments {
    /// Empty moments for rows of `dim` features.
    pub fn new(dim: usize) -> Result<Moments, DistributionError> {
        if dim == 0 {
            return Err(DistributionError::ZeroDimension);
        }
        let side = i64::try_from(dim).map_err(|_| DistributionError::ZeroDimension)?;
        let options = (Kind::Double, tch::Device::Cpu);
        let mean = Tensor::f_zeros([side], options).map_err(torch("the initial mean"))?;
        let scatter = Tensor::f_zeros([side, side], options).map_err(torch("the initial scatter matrix"))?;
        Ok(Moments { dim, count: 0, mean, scatter })
    }

    /// The feature dimension D.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// How many rows were pushed (and merged).
    pub fn count(&self) -> usize {
        self.count
    }

    /// Adds rows (row-major, `rows.len()` a multiple of D). Any number of rows, none included. A non-finite value is
    /// an error naming its row, counted over every row pushed so far; then nothing is added.
    pub fn push(&mut self, rows: &[f32]) -> Result<(), DistributionError> {
        check_rows("features", rows, self.dim, self.count)?;
        for block in rows.chunks(BLOCK_ROWS * self.dim) {
            self.push_block(block)?;
        }
        Ok(())
    }

    /// Adds the rows another `Moments` summarised (for example one per worker), as if they had been pushed here.
    pub fn merge(&mut self, other: &Moments) -> Result<(), DistributionError> {
        if other.dim != self.dim {
            return Err(DistributionError::MergeDimension { left: self.dim, right: other.dim });
        }
        if other.count == 0 {
            return Ok(());
        }
        let delta = self.delta(&other.mean)?;
        let _ = self.scatter.f_add_(&other.scatter).map_err(torch("the merged scatter matrix"))?;
        self.combine(other.count, &delta)
    }

    /// The mean and unbiased covariance of the rows so far, as `np.mean(x, 0)` and `np.cov(x, rowvar=False)`.
    pub fn gaussian(&self) -> Result<Gaussian, DistributionError> {
        if self.count < 2 {
            return Err(DistributionError::TooFewRows { rows: self.count });
        }
        let step = "the covariance";
        let denominator = 2.0 * (self.count - 1) as f64;
        // (S + Sᵀ)/2: a product's two triangles may round differently; the covariance is symmetric by definition.
        let symmetric = self.scatter.f_add(&self.scatter.f_tr().map_err(torch(step))?).map_err(torch(step))?;
        let cov = symmetric.f_div_scalar(denominator).map_err(torch(step))?;
        Ok(Gaussian {
            mean: tensor_values(&self.mean, "the mean")?,
            cov: tensor_values(&cov, step)?,
            count: self.count,
        })
    }

    /// Merges one block of checked rows: their scatter about their own mean is added in place (no D×D temporary).
    fn push_block(&mut self, block: &[f32]) -> Result<(), DistributionError> {
        let count = block.len() / self.dim;
        if count == 0 {
            return Ok(());
        }
        let step = "a block's scatter matrix";
        let rows = rows_tensor(block, self.dim)?;
        let mean = rows.f_mean_dim(Some(&[0i64][..]), false, Kind::Double).map_err(torch(step))?;
        let centred = rows.f_sub(&mean).map_err(torch(step))?;
        let delta = self.delta(&mean)?;
        let _ = self.scatter.f_addmm_(&centred.f_tr().map_err(torch(step))?, &centred).map_err(torch(step))?;
        self.combine(count, &delta)
    }

    /// δ = (the other part's mean) − (the running mean).
    fn delta(&self, mean: &Tensor) -> Result<Tensor, DistributionError> {
        mean.f_sub(&self.mean).map_err(torch("the difference of the means"))
    }

    /// Chan et al.'s merge, once the other part's scatter is added: `count` more rows whose mean is δ away from the
    /// running one add δδᵀ·n_a·n_b/n to the scatter (an in-place rank-one product) and move the mean by δ·n_b/n.
    fn combine(&mut self, count: usize, delta: &Tensor) -> Result<(), DistributionError> {
        let step = "the merged moments";
        let total = self.count + count;
        let weight = self.count as f64 * count as f64 / total as f64;
        if weight > 0.0 {
            let column = delta.f_view([-1, 1]).and_then(|c| c.f_mul_scalar(weight)).map_err(torch(step))?;
            let row = delta.f_view([1, -1]).map_err(torch(step))?;
            let _ = self.scatter.f_addmm_(&column, &row).map_err(torch(step))?;
        }
        let shift = delta.f_mul_scalar(count as f64 / total as f64).map_err(torch(step))?;
        let _ = self.mean.f_add_(&shift).map_err(torch(step))?;
        self.count = total;
        Ok(())
    }
}

impl Clone for Moments {
    fn clone(&self) -> Moments {
        // A deep copy: tensors clone as shared handles otherwise.
        Moments { dim: self.dim, count: self.count, mean: self.mean.copy(), scatter: self.scatter.copy() }
    }
}
