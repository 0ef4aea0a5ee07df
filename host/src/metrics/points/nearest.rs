//! Nearest-neighbour distances between two point sets, both ways, and the Chamfer distance and F-score made from
//! them. The search is exact (a k-d tree per set, queried in parallel); compute [`Nearest`] once when both measures
//! are wanted.

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use rayon::prelude::*;

use super::{PointSet, PointsError, check_points};

/// Whether a Chamfer term uses the distance to the nearest neighbour or its square.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distance {
    /// ‖p − q‖²: PyTorch3D, Kaolin and most point-cloud papers ("Chamfer-L2").
    Squared,
    /// ‖p − q‖: SyncDreamer's evaluation and Occupancy Networks' "Chamfer-L1" (which despite the name is the
    /// Euclidean distance, not an L1 norm).
    Euclidean,
}

/// How one direction's per-point terms become one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduce {
    /// The mean over the set's points: comparable between sets of different sizes.
    Mean,
    /// The sum over the set's points: grows with the number of points, so both sets must have the same size.
    Sum,
}

/// How the two directions (a to b, b to a) become the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// a→b + b→a.
    Sum,
    /// (a→b + b→a) / 2.
    Average,
}

/// A Chamfer distance convention; a report should print [`Chamfer::describe`] next to the number, since the
/// conventions differ by orders of magnitude on the same models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chamfer {
    pub distance: Distance,
    pub reduce: Reduce,
    pub combine: Combine,
}

impl Chamfer {
    /// CD(P, Q) = 1/|P| Σ_p min_q ‖p − q‖² + 1/|Q| Σ_q min_p ‖q − p‖²: the definition in seed_models §6,
    /// PyTorch3D's `chamfer_distance` and Kaolin's `chamfer_distance` with their defaults.
    pub const SQUARED_MEAN_SUM: Chamfer =
        Chamfer { distance: Distance::Squared, reduce: Reduce::Mean, combine: Combine::Sum };

    /// (mean_p min_q ‖p − q‖ + mean_q min_p ‖q − p‖) / 2: SyncDreamer's `eval_mesh.py`, the table that reports
    /// Zero123 (0.0339), One-2-3-45 (0.0629) and SyncDreamer (0.0261) on GSO, and Occupancy Networks' "Chamfer-L1".
    pub const EUCLIDEAN_MEAN_AVERAGE: Chamfer =
        Chamfer { distance: Distance::Euclidean, reduce: Reduce::Mean, combine: Combine::Average };

    /// All eight conventions.
    pub fn all() -> impl Iterator<Item = Chamfer> {
        [Distance::Squared, Distance::Euclidean].into_iter().flat_map(|distance| {
            [Reduce::Mean, Reduce::Sum].into_iter().flat_map(move |reduce| {
                [Combine::Sum, Combine::Average].into_iter().map(move |combine| Chamfer { distance, reduce, combine })
            })
        })
    }

    /// The convention in words, for reports.
    pub fn describe(&self) -> String {
        let distance = match self.distance {
            Distance::Squared => "squared Euclidean distance to the nearest neighbour",
            Distance::Euclidean => "Euclidean distance to the nearest neighbour (not squared)",
        };
        let reduce = match self.reduce {
            Reduce::Mean => "mean over each set's points",
            Reduce::Sum => "sum over each set's points",
        };
        let combine = match self.combine {
            Combine::Sum => "the two directions summed",
            Combine::Average => "the two directions averaged",
        };
        format!("{distance}, {reduce}, {combine}")
    }
}

/// A Chamfer distance: each direction reduced by the convention, and their combination.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChamferResult {
    /// From each point of a to its nearest point of b (the generated model's accuracy).
    pub a_to_b: f64,
    /// From each point of b to its nearest point of a (the reference model's completeness).
    pub b_to_a: f64,
    pub total: f64,
    pub convention: Chamfer,
}

/// Precision, recall and F-score at a distance threshold τ (a distance, not squared; "within" means `< τ`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FScore {
    pub tau: f64,
    /// The fraction of a's points closer than τ to b.
    pub precision: f64,
    /// The fraction of b's points closer than τ to a.
    pub recall: f64,
    /// 2PR / (P + R), 0 when both are 0.
    pub f: f64,
}

/// The squared distance from every point of each set to its nearest neighbour in the other, in f64.
#[derive(Debug, Clone, PartialEq)]
pub struct Nearest {
    /// One per point of a, in a's order: per-item values for a report.
    pub a_to_b_squared: Vec<f64>,
    /// One per point of b, in b's order.
    pub b_to_a_squared: Vec<f64>,
}

impl Nearest {
    /// Both directions, each set indexed once and queried in parallel (rayon's pool: `RAYON_NUM_THREADS` threads).
    pub fn between(a: &[[f32; 3]], b: &[[f32; 3]]) -> Result<Self, PointsError> {
        check_points(PointSet::A, a)?;
        check_points(PointSet::B, b)?;
        let (tree_a, tree_b) = rayon::join(|| Tree::new(PointSet::A, a), || Tree::new(PointSet::B, b));
        let (tree_a, tree_b) = (tree_a?, tree_b?);
        let (a_to_b_squared, b_to_a_squared) = rayon::join(|| tree_b.nearest(a), || tree_a.nearest(b));
        Ok(Self { a_to_b_squared, b_to_a_squared })
    }

    /// The Chamfer distance in `convention`; a sum-reduced one needs sets of the same size.
    pub fn chamfer(&self, convention: Chamfer) -> Result<ChamferResult, PointsError> {
        let (a, b) = (self.a_to_b_squared.len(), self.b_to_a_squared.len());
        if convention.reduce == Reduce::Sum && a != b {
            return Err(PointsError::CountMismatch { a, b });
        }
        let a_to_b = reduce(&self.a_to_b_squared, convention);
        let b_to_a = reduce(&self.b_to_a_squared, convention);
        let total = match convention.combine {
            Combine::Sum => a_to_b + b_to_a,
            Combine::Average => (a_to_b + b_to_a) / 2.0,
        };
        Ok(ChamferResult { a_to_b, b_to_a, total, convention })
    }

    /// Precision, recall and F-score at threshold `tau`, a distance (not squared) above 0.
    pub fn fscore(&self, tau: f64) -> Result<FScore, PointsError> {
        if !(tau.is_finite() && tau > 0.0) {
            return Err(PointsError::Threshold(tau));
        }
        let precision = fraction_within(&self.a_to_b_squared, tau);
        let recall = fraction_within(&self.b_to_a_squared, tau);
        let f = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Ok(FScore { tau, precision, recall, f })
    }
}

/// The Chamfer distance between two point sets in `convention` (see [`Nearest`] to get F-scores from the same search).
pub fn chamfer(a: &[[f32; 3]], b: &[[f32; 3]], convention: Chamfer) -> Result<ChamferResult, PointsError> {
    Nearest::between(a, b)?.chamfer(convention)
}

/// Precision, recall and F-score at `tau` between generated points `a` and reference points `b`.
pub fn fscore(a: &[[f32; 3]], b: &[[f32; 3]], tau: f64) -> Result<FScore, PointsError> {
    Nearest::between(a, b)?.fscore(tau)
}

/// One direction's terms reduced; sequential sums, so the result does not depend on the thread count.
fn reduce(squared: &[f64], convention: Chamfer) -> f64 {
    let sum: f64 = match convention.distance {
        Distance::Squared => squared.iter().sum(),
        Distance::Euclidean => squared.iter().map(|d| d.sqrt()).sum(),
    };
    match convention.reduce {
        Reduce::Mean => sum / squared.len() as f64,
        Reduce::Sum => sum,
    }
}

/// The fraction of points whose distance (the root of the squared one, as SciPy computes it) is below `tau`.
fn fraction_within(squared: &[f64], tau: f64) -> f64 {
    squared.iter().filter(|d| d.sqrt() < tau).count() as f64 / squared.len() as f64
}

/// One point set indexed for exact nearest-neighbour queries.
struct Tree<'a> {
    points: &'a [[f32; 3]],
    index: ImmutableKdTree<f64, 3>,
}

impl<'a> Tree<'a> {
    fn new(set: PointSet, points: &'a [[f32; 3]]) -> Result<Self, PointsError> {
        let too_many = || PointsError::TooManyPoints { set, count: points.len(), max: u32::MAX as usize };
        if u32::try_from(points.len()).is_err() {
            return Err(too_many());
        }
        let wide: Vec<[f64; 3]> = points.iter().map(|p| widen(*p)).collect();
        let index = ImmutableKdTree::new_from_slice(&wide).map_err(|_| too_many())?;
        Ok(Self { points, index })
    }

    /// The squared distance from each query to its nearest indexed point. The tree finds the neighbour; the distance
    /// is recomputed here as (dx² + dy²) + dz² in f64, the order SciPy uses, so that the two agree to the last bits.
    fn nearest(&self, queries: &[[f32; 3]]) -> Vec<f64> {
        queries
            .par_iter()
            .map(|query| {
                let q = widen(*query);
                let found = self.index.query(&q).nearest_one::<SquaredEuclidean<f64>>().execute();
                self.points.get(found.item as usize).map_or(found.distance, |p| squared_distance(q, widen(*p)))
            })
            .collect()
    }
}

fn widen(p: [f32; 3]) -> [f64; 3] {
    p.map(f64::from)
}

fn squared_distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nearest neighbours by trying every pair.
    fn brute_force(from: &[[f32; 3]], to: &[[f32; 3]]) -> Vec<f64> {
        from.iter()
            .map(|p| to.iter().map(|q| squared_distance(widen(*p), widen(*q))).fold(f64::INFINITY, f64::min))
            .collect()
    }

    fn lattice(n: usize, scale: f32, offset: f32) -> Vec<[f32; 3]> {
        (0..n)
            .map(|i| {
                let i = i as f32;
                [(i * 0.37).sin() * scale + offset, (i * 0.11).cos() * scale, (i * 0.73).sin() * scale * 0.5]
            })
            .collect()
    }

    #[test]
    fn distances_match_brute_force_both_ways() {
        let (a, b) = (lattice(700, 1.0, 0.0), lattice(450, 0.8, 0.1));
        let nearest = Nearest::between(&a, &b).unwrap();
        assert_eq!(nearest.a_to_b_squared, brute_force(&a, &b));
        assert_eq!(nearest.b_to_a_squared, brute_force(&b, &a));
    }

    #[test]
    fn many_copies_of_one_point_are_indexed() {
        // More copies than a k-d tree bucket holds (32), which some trees cannot split.
        let mut a = vec![[0.25f32, 0.5, 0.75]; 1000];
        a.extend(lattice(10, 1.0, 0.0));
        let b = vec![[0.0f32, 0.0, 0.0], [0.25, 0.5, 0.75]];
        let nearest = Nearest::between(&a, &b).unwrap();
        assert_eq!(nearest.a_to_b_squared, brute_force(&a, &b));
        assert_eq!(nearest.b_to_a_squared, brute_force(&b, &a));
        assert_eq!(nearest.b_to_a_squared[1], 0.0);
    }

    #[test]
    fn conventions_reduce_and_combine_as_named() {
        let a = [[0.0f32, 0.0, 0.0], [3.0, 0.0, 0.0]];
        let b = [[0.0f32, 2.0, 0.0], [3.0, 0.0, 1.0]];
        // Squared, both ways: 4 (between the first points) and 1 (between the second).
        let nearest = Nearest::between(&a, &b).unwrap();
        assert_eq!((&nearest.a_to_b_squared[..], &nearest.b_to_a_squared[..]), (&[4.0, 1.0][..], &[4.0, 1.0][..]));
        let squared = nearest.chamfer(Chamfer::SQUARED_MEAN_SUM).unwrap();
        assert_eq!((squared.a_to_b, squared.b_to_a, squared.total), (2.5, 2.5, 5.0));
        let plain = nearest.chamfer(Chamfer::EUCLIDEAN_MEAN_AVERAGE).unwrap();
        assert_eq!((plain.a_to_b, plain.total), (1.5, 1.5));
        let summed = Chamfer { distance: Distance::Euclidean, reduce: Reduce::Sum, combine: Combine::Sum };
        assert_eq!(nearest.chamfer(summed).unwrap().total, 6.0);
        assert_eq!(Chamfer::all().count(), 8);
        assert!(Chamfer::SQUARED_MEAN_SUM.describe().starts_with("squared"));

        let score = nearest.fscore(2.0).unwrap();
        assert_eq!((score.precision, score.recall, score.f), (0.5, 0.5, 0.5));
        assert_eq!(nearest.fscore(1.0).unwrap().f, 0.0, "1 is not within 1: the threshold is strict");
    }

    #[test]
    fn bad_sets_are_errors_naming_the_set() {
        let good = [[0.0f32; 3]];
        let error = chamfer(&[], &good, Chamfer::SQUARED_MEAN_SUM).unwrap_err();
        assert_eq!(error, PointsError::EmptySet { set: PointSet::A });
        assert!(error.to_string().starts_with("point set a"));
        let nan = [[0.0f32; 3], [0.0, f32::NAN, 0.0]];
        let error = fscore(&good, &nan, 0.1).unwrap_err();
        assert!(matches!(error, PointsError::NonFinitePoint { set: PointSet::B, index: 1, .. }), "{error}");
        assert!(error.to_string().contains("point 1"));
        let infinite = [[f32::INFINITY, 0.0, 0.0]];
        assert!(matches!(
            chamfer(&infinite, &good, Chamfer::SQUARED_MEAN_SUM),
            Err(PointsError::NonFinitePoint { .. })
        ));

        let sum = Chamfer { reduce: Reduce::Sum, ..Chamfer::SQUARED_MEAN_SUM };
        let error = chamfer(&good, &[[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]], sum).unwrap_err();
        assert_eq!(error, PointsError::CountMismatch { a: 1, b: 2 });
        assert!(chamfer(&good, &[[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]], Chamfer::SQUARED_MEAN_SUM).is_ok());
        for tau in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(fscore(&good, &good, tau), Err(PointsError::Threshold(_))), "{tau}");
        }
    }
}
