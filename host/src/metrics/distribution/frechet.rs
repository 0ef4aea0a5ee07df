//! The Fréchet distance between two Gaussians (FID when they are fitted to Inception features).
//!
//! The hard term is Tr((Σa Σb)^½). pytorch-fid computes the whole square root of the non-symmetric product with
//! `scipy.linalg.sqrtm` (a complex Schur form), keeps its real part and takes the trace; when the product is singular
//! sqrtm may return non-finite values, and pytorch-fid then adds 1e-6 to both diagonals, which moves the result by
//! about 2·Σ√(1e-6·λ) over the null directions. torchmetrics takes the non-symmetric eigenvalues of Σa Σb instead.
//!
//! Only the trace is needed, and it is Σ √λᵢ over the eigenvalues of Σa Σb, which equal those of the symmetric
//! positive semi-definite F ᵀ Σb F for any F with F Fᵀ = Σa (F = Σa^½ gives the textbook Σa^½ Σb Σa^½). So:
//! F is the Cholesky factor of Σa when Σa is positive definite (the common case with more rows than features, and
//! the cheap one), else V·diag(√max(w, 0)) from Σa's symmetric eigendecomposition; the eigenvalues of Fᵀ Σb F come
//! from a symmetric eigensolver, which is backward stable, and the tiny negative ones rounding leaves in the null
//! space are clamped to 0. Everything is `f64`. On well-conditioned covariances this equals scipy's route to
//! rounding; on singular ones (fewer rows than features) it is the exact answer scipy approximates, and the tests
//! show both agree to 1e-6 relative on the cases they keep.

use tch::{Kind, Tensor};

use super::{DistributionError, Gaussian, scalar, square_tensor, torch};

/// The squared Fréchet distance ‖μa − μb‖² + Tr(Σa) + Tr(Σb) − 2·Tr((Σa Σb)^½) between two Gaussians: FID when
/// they are fitted to Inception pool3 features (pytorch-fid's `calculate_frechet_distance`, not scaled). The
/// arguments are symmetric. Rounding can leave a value a hair below 0 for (nearly) identical statistics; it is
/// returned as computed, as pytorch-fid does.
pub fn frechet_distance(a: &Gaussian, b: &Gaussian) -> Result<f64, DistributionError> {
    a.check("the first (generated)")?;
    b.check("the second (reference)")?;
    if a.dim() != b.dim() {
        return Err(DistributionError::DimensionMismatch { first: a.dim(), second: b.dim() });
    }
    let dim = a.dim();
    let mean_term: f64 = a.mean.iter().zip(&b.mean).map(|(x, y)| (x - y) * (x - y)).sum();
    let trace = |cov: &[f64]| -> f64 { (0..dim).map(|i| cov[i * dim + i]).sum() };
    let root_trace = trace_sqrt_product(&a.cov, &b.cov, dim)?;
    Ok(mean_term + trace(&a.cov) + trace(&b.cov) - 2.0 * root_trace)
}

/// Tr((Σa Σb)^½) for two symmetric positive semi-definite D×D matrices (row-major).
fn trace_sqrt_product(a: &[f64], b: &[f64], dim: usize) -> Result<f64, DistributionError> {
    let (a, b) = (square_tensor(a, dim)?, square_tensor(b, dim)?);
    let factor = square_root_factor(&a)?;
    let step = "Fᵀ Σb F";
    let product = factor.f_tr().and_then(|ft| ft.f_mm(&b)?.f_mm(&factor)).map_err(torch(step))?;
    let symmetric = product.f_add(&product.f_tr().map_err(torch(step))?).map_err(torch(step))?;
    let step = "the eigenvalues of Fᵀ Σb F";
    // (M + Mᵀ)/2 would give eigenvalues λ; M + Mᵀ gives 2λ, halved below.
    let doubled = symmetric.f_linalg_eigvalsh("L").map_err(torch(step))?;
    let roots = doubled.f_div_scalar(2.0).and_then(|l| l.f_clamp_min(0.0)?.f_sqrt()).map_err(torch(step))?;
    scalar(&roots.f_sum(Kind::Double).map_err(torch(step))?, step)
}

/// F with F Fᵀ = Σ: the lower Cholesky factor when Σ is numerically positive definite, else V·diag(√max(w, 0)) from
/// Σ = V diag(w) Vᵀ (rank-deficient Σ, from fewer rows than features).
fn square_root_factor(cov: &Tensor) -> Result<Tensor, DistributionError> {
    let (lower, info) = cov.f_linalg_cholesky_ex(false, false).map_err(torch("the Cholesky factor"))?;
    if info.f_int64_value(&[]).map_err(torch("the Cholesky factor"))? == 0 {
        return Ok(lower);
    }
    let step = "the eigendecomposition of the first covariance";
    let (values, vectors) = cov.f_linalg_eigh("L").map_err(torch(step))?;
    let roots = values.f_clamp_min(0.0).and_then(|w| w.f_sqrt()).map_err(torch(step))?;
    // Scales column j of V by √w_j (broadcast over rows).
    vectors.f_mul(&roots.f_view([1, -1]).map_err(torch(step))?).map_err(torch(step))
}
