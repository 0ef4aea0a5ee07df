//! Volumetric IoU of two meshes on one voxel grid.
//!
//! A voxel counts as inside a mesh when its centre is, so the voxel volume of a shape is off by at most the voxels
//! whose centre lies within half a voxel diagonal of its surface (about area · √3 · h for voxel side h).
//!
//! Inside test: rays along each of the three axes through every column of voxel centres, each ray counting the
//! signed crossings of the surface before a voxel's centre (the winding number along the ray, entering +1 and
//! leaving −1); a voxel is inside a mesh when most of the rays that vote say a nonzero winding. Why this and not the
//! alternatives:
//! - exact for watertight meshes whatever their orientation, and for overlapping closed parts (their union: parity
//!   would cut the overlap out), which artists' models often have;
//! - tolerant of holes: a ray through a hole enters without leaving, so its column does not add up to zero and
//!   abstains, and the two other axes decide. Open sheets enclose nothing;
//! - cheap: each triangle only touches the columns under its projection, unlike a generalised winding number, which
//!   costs every triangle for every voxel (10^5 triangles × 128³ voxels is 2·10^11 terms).
//!
//! Rays through an edge or a vertex shared by two triangles count exactly one of them: a point on an edge belongs to
//! the triangle on a fixed side of the edge (a tie rule like a rasteriser's top-left rule, with the edge evaluated in
//! one canonical direction so that both triangles see the same number).
//!
//! Cost, bounded before any work: per axis every triangle tests the rays through the voxel centres in its projected
//! bounding box (at most [`MAX_RAY_TESTS`] over both meshes and the three axes, each hit kept as a 16-byte crossing:
//! at most 1 GiB, for a simple closed shape about 2 · res² per axis), then every voxel looks up its three rays for
//! each mesh (6 · res³ binary searches over a few crossings: 134 million voxels at the largest resolution, a few
//! seconds on two cores).

use rayon::prelude::*;

use super::{Frame, PointsError, Surface};
use crate::mesh::Scene;

/// The largest voxel resolution (cells along the longest side of the union's bounding box): 512³ is 134 million
/// voxels, a few seconds on two cores.
pub const MAX_RESOLUTION: usize = 512;

/// The most ray-triangle tests one IoU may make (triangles times the rays under their bounding boxes): 67 million,
/// about a second, and at most 1 GiB of crossings. Ordinary models at resolution 128 need a few million.
pub const MAX_RAY_TESTS: u64 = 1 << 26;

/// Volumetric IoU and the voxel counts it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VolumeIou {
    /// |A ∩ B| / |A ∪ B| over voxels.
    pub iou: f64,
    pub intersection: u64,
    pub union: u64,
    /// Voxels inside a, and inside b.
    pub inside: [u64; 2],
    /// Voxels per axis; cubic voxels of side `voxel_size` over the union of both bounding boxes.
    pub dims: [usize; 3],
    pub voxel_size: f64,
}

/// The volumetric IoU of two models in `frame`, on a grid of `resolution` voxels along the longest side of the union
/// of their bounding boxes (SyncDreamer's evaluation uses 64).
pub fn volume_iou(a: &Scene, b: &Scene, resolution: usize, frame: Frame) -> Result<VolumeIou, PointsError> {
    check_resolution(resolution)?;
    let (a, b) = rayon::join(|| Surface::new(a, frame), || Surface::new(b, frame));
    volume_iou_of(&a?, &b?, resolution)
}

/// [`volume_iou`] of two surfaces already in one frame.
pub fn volume_iou_of(a: &Surface, b: &Surface, resolution: usize) -> Result<VolumeIou, PointsError> {
    check_resolution(resolution)?;
    let grid = Grid::around(a.bounds(), b.bounds(), resolution);
    let tests = grid.ray_tests(a).saturating_add(grid.ray_tests(b));
    if tests > MAX_RAY_TESTS {
        return Err(PointsError::VolumeWork { resolution, tests });
    }
    let (rays_a, rays_b) = rayon::join(|| Rays::cast(a, &grid), || Rays::cast(b, &grid));
    let counts = (0..grid.dims[0])
        .into_par_iter()
        .map(|x| count_slab(&grid, x, &rays_a, &rays_b))
        .reduce(|| [0; 4], |s, t| std::array::from_fn(|k| s[k] + t[k]));
    let [intersection, union, inside_a, inside_b] = counts;
    if union == 0 {
        return Err(PointsError::NoVolume { a: a.model().into(), b: b.model().into(), resolution });
    }
    Ok(VolumeIou {
        iou: intersection as f64 / union as f64,
        intersection,
        union,
        inside: [inside_a, inside_b],
        dims: grid.dims,
        voxel_size: grid.step,
    })
}

fn check_resolution(resolution: usize) -> Result<(), PointsError> {
    if (2..=MAX_RESOLUTION).contains(&resolution) { Ok(()) } else { Err(PointsError::Resolution(resolution)) }
}

/// Intersection, union and both insides over the voxels of slab `x`.
fn count_slab(grid: &Grid, x: usize, a: &Rays, b: &Rays) -> [u64; 4] {
    let mut counts = [0u64; 4];
    for y in 0..grid.dims[1] {
        for z in 0..grid.dims[2] {
            let voxel = [x, y, z];
            let (in_a, in_b) = (a.inside(grid, voxel), b.inside(grid, voxel));
            counts[0] += u64::from(in_a && in_b);
            counts[1] += u64::from(in_a || in_b);
            counts[2] += u64::from(in_a);
            counts[3] += u64::from(in_b);
        }
    }
    counts
}

/// Cubic voxels over the union of two bounding boxes.
struct Grid {
    lo: [f64; 3],
    step: f64,
    dims: [usize; 3],
}

impl Grid {
    fn around((lo_a, hi_a): ([f64; 3], [f64; 3]), (lo_b, hi_b): ([f64; 3], [f64; 3]), resolution: usize) -> Self {
        let lo: [f64; 3] = std::array::from_fn(|k| lo_a[k].min(lo_b[k]));
        let hi: [f64; 3] = std::array::from_fn(|k| hi_a[k].max(hi_b[k]));
        let side = (0..3).map(|k| hi[k] - lo[k]).fold(0.0, f64::max);
        // Both surfaces have area, so the union has a positive side.
        let step = side / resolution as f64;
        let dims = std::array::from_fn(|k| (((hi[k] - lo[k]) / step).ceil() as usize).clamp(1, resolution));
        Self { lo, step, dims }
    }

    /// The centre of voxel `index` along axis `k`.
    fn centre(&self, k: usize, index: usize) -> f64 {
        self.lo[k] + (index as f64 + 0.5) * self.step
    }

    /// The voxel centres along axis `k` within `[from, to]`, or None when there are none.
    fn centres_within(&self, k: usize, from: f64, to: f64) -> Option<(usize, usize)> {
        let first = ((from - self.lo[k]) / self.step - 0.5).ceil().max(0.0);
        let last = ((to - self.lo[k]) / self.step - 0.5).floor().min(self.dims[k] as f64 - 1.0);
        (first <= last).then_some((first as usize, last as usize))
    }

    /// The rays `surface`'s triangles are tested against over the three axes: the sizes of their projected bounding
    /// boxes in columns.
    fn ray_tests(&self, surface: &Surface) -> u64 {
        (0..surface.triangle_count())
            .into_par_iter()
            .map(|t| {
                let corners = surface.corners(t);
                (0..3).map(|axis| self.columns_under(&corners, axis).map_or(0, |(u, v)| span(u) * span(v))).sum::<u64>()
            })
            .sum()
    }

    /// The ranges of column indices (along the two other axes) under a triangle's projection on `axis`.
    fn columns_under(&self, corners: &[[f64; 3]; 3], axis: usize) -> Option<((usize, usize), (usize, usize))> {
        let (u, v) = other_axes(axis);
        let range = |k: usize| {
            let values = corners.map(|c| c[k]);
            let (from, to) = (
                values.iter().copied().fold(f64::INFINITY, f64::min),
                values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            );
            self.centres_within(k, from, to)
        };
        Some((range(u)?, range(v)?))
    }
}

fn span((first, last): (usize, usize)) -> u64 {
    (last - first + 1) as u64
}

/// The two axes across a ray along `axis`, in the cyclic order that keeps (u, v, axis) right-handed.
fn other_axes(axis: usize) -> (usize, usize) {
    ((axis + 1) % 3, (axis + 2) % 3)
}

/// One surface's crossings along the rays of all three axes.
struct Rays {
    axes: [Columns; 3],
}

/// The crossings of every ray along one axis, sorted by depth within each column.
struct Columns {
    /// Crossings of column `c` are at `start[c]..start[c + 1]`.
    start: Vec<usize>,
    depth: Vec<f64>,
    /// The winding number just after each crossing (the running sum of crossing signs within its column).
    winding: Vec<i32>,
}

/// Where a ray crosses a triangle: 16 bytes, since a fine grid makes millions of them.
#[derive(Debug, Clone, Copy)]
struct Crossing {
    depth: f64,
    column: u32,
    /// +1 where the ray enters an outward-facing surface (its normal against the ray), −1 where it leaves.
    sign: i8,
}

/// Whether a ray says a point is inside, outside, or abstains because it passed through a hole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vote {
    Inside,
    Outside,
    Abstain,
}

impl Rays {
    fn cast(surface: &Surface, grid: &Grid) -> Self {
        Self { axes: std::array::from_fn(|axis| Columns::cast(surface, grid, axis)) }
    }

    /// Most voting rays say inside (a tie is outside).
    fn inside(&self, grid: &Grid, voxel: [usize; 3]) -> bool {
        let mut balance = 0;
        for (axis, columns) in self.axes.iter().enumerate() {
            let (u, v) = other_axes(axis);
            let column = voxel[u] * grid.dims[v] + voxel[v];
            balance += match columns.vote(column, grid.centre(axis, voxel[axis])) {
                Vote::Inside => 1,
                Vote::Outside => -1,
                Vote::Abstain => 0,
            };
        }
        balance > 0
    }
}

impl Columns {
    fn cast(surface: &Surface, grid: &Grid, axis: usize) -> Self {
        let (u, v) = other_axes(axis);
        let mut crossings: Vec<Crossing> = (0..surface.triangle_count())
            .into_par_iter()
            .flat_map_iter(|t| triangle_crossings(&surface.corners(t), grid, axis))
            .collect();
        crossings.par_sort_unstable_by(|x, y| {
            x.column.cmp(&y.column).then(x.depth.total_cmp(&y.depth)).then(x.sign.cmp(&y.sign))
        });
        let columns = grid.dims[u] * grid.dims[v];
        let mut start = vec![0usize; columns + 1];
        for crossing in &crossings {
            start[crossing.column as usize + 1] += 1;
        }
        for c in 0..columns {
            start[c + 1] += start[c];
        }
        let mut winding = Vec::with_capacity(crossings.len());
        for (i, crossing) in crossings.iter().enumerate() {
            let before = if i > start[crossing.column as usize] { winding[i - 1] } else { 0 };
            winding.push(before + i32::from(crossing.sign));
        }
        Self { start, depth: crossings.iter().map(|c| c.depth).collect(), winding }
    }

    /// The vote of ray `column` at depth `at`: a ray whose crossings do not add up to zero went through a hole.
    fn vote(&self, column: usize, at: f64) -> Vote {
        let (from, to) = (self.start[column], self.start[column + 1]);
        if from == to {
            return Vote::Outside;
        }
        if self.winding[to - 1] != 0 {
            return Vote::Abstain;
        }
        let before = self.depth[from..to].partition_point(|&d| d < at);
        if before > 0 && self.winding[from + before - 1] != 0 { Vote::Inside } else { Vote::Outside }
    }
}

/// Where the rays along `axis` cross one triangle.
fn triangle_crossings(corners: &[[f64; 3]; 3], grid: &Grid, axis: usize) -> Vec<Crossing> {
    let (u, v) = other_axes(axis);
    let flat = corners.map(|c| [c[u], c[v]]);
    let area = orient(flat[0], flat[1], flat[2]);
    // A triangle seen edge-on is crossed by no ray: the triangles around it take its rays.
    let Some(((u_first, u_last), (v_first, v_last))) = grid.columns_under(corners, axis).filter(|_| area != 0.0) else {
        return Vec::new();
    };
    let facing = if area > 0.0 { 1.0 } else { -1.0 };
    let mut crossings = Vec::new();
    for iu in u_first..=u_last {
        for iv in v_first..=v_last {
            let point = [grid.centre(u, iu), grid.centre(v, iv)];
            // The weight of each corner: the edge function of the opposite edge.
            let weights: [f64; 3] = std::array::from_fn(|k| edge_function(flat[(k + 1) % 3], flat[(k + 2) % 3], point));
            let covered = (0..3).all(|k| {
                let (from, to) = (flat[(k + 1) % 3], flat[(k + 2) % 3]);
                covers_edge(from, to, weights[k], facing)
            });
            let total: f64 = weights.iter().sum();
            if covered && total != 0.0 {
                let depth = (0..3).map(|k| weights[k] * corners[k][axis]).sum::<f64>() / total;
                // At most MAX_RESOLUTION² columns, so the index fits.
                let column = (iu * grid.dims[v] + iv) as u32;
                crossings.push(Crossing { depth, column, sign: if facing > 0.0 { -1 } else { 1 } });
            }
        }
    }
    crossings
}

/// The edge function of `point` against the edge `from → to` (twice the signed area of the three), computed with
/// the endpoints in one canonical order and negated when they were swapped, so that the two triangles sharing an
/// edge get exactly opposite numbers.
fn edge_function(from: [f64; 2], to: [f64; 2], point: [f64; 2]) -> f64 {
    if canonical(from, to) { orient(from, to, point) } else { -orient(to, from, point) }
}

/// Whether a point with edge function `weight` is on the triangle's side of edge `from → to`. A point on the edge
/// (weight 0) belongs to the triangle on the left of the edge in canonical order, as if every point were moved by
/// the same infinitesimal step: so exactly one of two triangles sharing an edge counts it.
fn covers_edge(from: [f64; 2], to: [f64; 2], weight: f64, facing: f64) -> bool {
    if weight != 0.0 {
        return weight * facing > 0.0;
    }
    // The triangle lies left of the canonical direction when it is counter-clockwise and the edge runs that way,
    // or clockwise and the edge runs against it.
    if canonical(from, to) { facing > 0.0 } else { facing < 0.0 }
}

/// Whether `from → to` is in canonical (lexicographic) order.
fn canonical(from: [f64; 2], to: [f64; 2]) -> bool {
    (from[0], from[1]) < (to[0], to[1])
}

/// Twice the signed area of triangle (a, b, c): positive when counter-clockwise.
fn orient(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}
