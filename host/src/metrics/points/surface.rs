//! A model's triangles in one frame, and points drawn uniformly over their area.
//!
//! Sampling is the standard two-step draw (trimesh's `sample_surface`, PyTorch3D's `sample_points_from_meshes`):
//! a triangle with probability proportional to its area (binary search in the running area), then a uniform point
//! in it from barycentric coordinates `(1 - √r₁, √r₁(1 - r₂), √r₁ r₂)` (the square root makes the density uniform
//! instead of crowding the first vertex).

use rand::{Rng, SeedableRng, rngs::StdRng};
use rayon::prelude::*;

use super::{Frame, PointsError};
use crate::mesh::Scene;
use crate::render::{Normalised, RenderError};

/// The most points one call samples: 50 million points are 600 MB.
pub const MAX_SAMPLES: usize = 50_000_000;

/// Points drawn from one random stream. Each chunk has its own stream derived from the seed and the chunk's index,
/// so the points depend on the seed alone and not on how many threads draw them.
const CHUNK: usize = 4096;

/// A model's triangles in one [`Frame`], ready to sample and voxelise.
#[derive(Debug, Clone)]
pub struct Surface {
    model: String,
    positions: Vec<[f32; 3]>,
    triangles: Vec<[u32; 3]>,
    /// The area of triangles `0..=t` at `t`, in f64 so that millions of small triangles add up without drift.
    cumulative: Vec<f64>,
    /// Where a draw that rounds up to the total area lands: the last triangle that has area.
    last_with_area: usize,
}

impl Surface {
    /// The triangles of `scene` in `frame`. Errors name the model: a triangle with a non-finite vertex or an index
    /// past its primitive's vertices, or no area at all.
    pub fn new(scene: &Scene, frame: Frame) -> Result<Self, PointsError> {
        check_scene(scene)?;
        let model = scene.model_path.clone();
        match frame {
            Frame::AsLoaded => {
                Self::gather(model, scene.primitives.iter().map(|p| (p.positions.as_slice(), p.indices.as_slice())))
            }
            Frame::Normalised => {
                let normalised = normalise(scene)?;
                Self::gather(
                    model,
                    normalised.primitives.iter().map(|p| (p.positions.as_slice(), p.indices.as_slice())),
                )
            }
        }
    }

    /// Flattens primitives (already checked) into one vertex and triangle list and adds up the areas.
    fn gather<'a>(
        model: String,
        parts: impl Iterator<Item = (&'a [[f32; 3]], &'a [u32])>,
    ) -> Result<Self, PointsError> {
        let (mut positions, mut triangles) = (Vec::new(), Vec::new());
        for (part_positions, indices) in parts.filter(|(_, indices)| indices.len() >= 3) {
            let vertices = positions.len() + part_positions.len();
            if u32::try_from(vertices).is_err() {
                return Err(PointsError::TooManyVertices { model, vertices, max: u32::MAX as usize });
            }
            // Below u32::MAX, as checked just above.
            let base = positions.len() as u32;
            positions.extend_from_slice(part_positions);
            triangles.extend(indices.chunks_exact(3).map(|t| [t[0] + base, t[1] + base, t[2] + base]));
        }
        let mut cumulative = Vec::with_capacity(triangles.len());
        let mut running = 0.0;
        let mut last_with_area = None;
        for (index, corners) in triangles.iter().enumerate() {
            let area = triangle_area(corners.map(|i| widen(positions[i as usize])));
            if area > 0.0 {
                last_with_area = Some(index);
            }
            running += area;
            cumulative.push(running);
        }
        match last_with_area {
            Some(last_with_area) if running.is_finite() => {
                Ok(Self { model, positions, triangles, cumulative, last_with_area })
            }
            _ => Err(PointsError::NoArea { model, triangles: triangles.len() }),
        }
    }

    /// `count` points uniformly distributed over the surface's area, the same for the same seed on any machine and
    /// thread count.
    pub fn sample(&self, count: usize, seed: u64) -> Result<Vec<[f32; 3]>, PointsError> {
        if count == 0 || count > MAX_SAMPLES {
            return Err(PointsError::SampleCount(count));
        }
        let mut points = vec![[0.0f32; 3]; count];
        points.par_chunks_mut(CHUNK).enumerate().for_each(|(chunk, out)| {
            let mut rng = StdRng::seed_from_u64(chunk_seed(seed, chunk as u64));
            for point in out {
                *point = self.draw(&mut rng);
            }
        });
        Ok(points)
    }

    /// One uniform point: a triangle by area, then a uniform point inside it.
    fn draw(&self, rng: &mut StdRng) -> [f32; 3] {
        let target = rng.random::<f64>() * self.area();
        let triangle = self.cumulative.partition_point(|&c| c <= target).min(self.last_with_area);
        let [a, b, c] = self.corners(triangle);
        let (root, r2) = (rng.random::<f64>().sqrt(), rng.random::<f64>());
        let weights = [1.0 - root, root * (1.0 - r2), root * r2];
        std::array::from_fn(|k| (weights[0] * a[k] + weights[1] * b[k] + weights[2] * c[k]) as f32)
    }

    /// The total surface area, in the frame's units squared.
    pub fn area(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }

    pub fn triangle_count(&self) -> usize {
        self.triangles.len()
    }

    /// The model's path inside its item or archive, for messages.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The corners of triangle `index`, in f64.
    pub(super) fn corners(&self, index: usize) -> [[f64; 3]; 3] {
        self.triangles[index].map(|i| widen(self.positions[i as usize]))
    }

    /// The bounds of every vertex that belongs to a triangle.
    pub(super) fn bounds(&self) -> ([f64; 3], [f64; 3]) {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for &i in self.triangles.iter().flatten() {
            let v = widen(self.positions[i as usize]);
            for k in 0..3 {
                lo[k] = lo[k].min(v[k]);
                hi[k] = hi[k].max(v[k]);
            }
        }
        (lo, hi)
    }
}

/// `count` points uniformly over `scene`'s surface in the file's own coordinates; [`Surface::new`] with
/// [`Frame::Normalised`] samples in the renderer's frame instead.
pub fn sample_surface(scene: &Scene, count: usize, seed: u64) -> Result<Vec<[f32; 3]>, PointsError> {
    Surface::new(scene, Frame::AsLoaded)?.sample(count, seed)
}

/// The scene in the renderer's frame, through the renderer's own normalisation so both always agree.
fn normalise(scene: &Scene) -> Result<Normalised, PointsError> {
    Normalised::new(scene).map_err(|error| match error {
        RenderError::NoFaces | RenderError::ZeroSize => {
            PointsError::NoArea { model: scene.model_path.clone(), triangles: scene.face_count() }
        }
        other => PointsError::Normalise { model: scene.model_path.clone(), reason: other.to_string() },
    })
}

/// Every triangle's indices within its primitive's vertices, and its vertices finite: the loader guarantees the
/// first, but scenes are also built by hand, and a NaN vertex would otherwise surface as a NaN distance far away.
fn check_scene(scene: &Scene) -> Result<(), PointsError> {
    for (primitive, p) in scene.primitives.iter().enumerate() {
        for (triangle, corners) in p.indices.chunks_exact(3).enumerate() {
            for &index in corners {
                let vertex = p.positions.get(index as usize).ok_or_else(|| PointsError::BadIndex {
                    model: scene.model_path.clone(),
                    primitive,
                    index,
                    vertices: p.positions.len(),
                })?;
                if !vertex.iter().all(|c| c.is_finite()) {
                    return Err(PointsError::NonFiniteTriangle {
                        model: scene.model_path.clone(),
                        primitive,
                        triangle,
                    });
                }
            }
        }
    }
    Ok(())
}

fn widen(v: [f32; 3]) -> [f64; 3] {
    v.map(f64::from)
}

/// Half the length of the cross product of two edges.
fn triangle_area([a, b, c]: [[f64; 3]; 3]) -> f64 {
    let (u, v) = (sub(b, a), sub(c, a));
    let cross = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    0.5 * cross.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// A stream seed for one chunk: splitmix64 of the seed, offset by the chunk, mixed again, so that neighbouring seeds
/// and chunks give unrelated streams.
fn chunk_seed(seed: u64, chunk: u64) -> u64 {
    splitmix64(splitmix64(seed).wrapping_add(chunk))
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::{Format, Primitive};

    /// A scene from triangles given as corner lists.
    fn scene_of(name: &str, triangles: &[[[f32; 3]; 3]]) -> Scene {
        let positions: Vec<[f32; 3]> = triangles.iter().flatten().copied().collect();
        let indices = (0..positions.len() as u32).collect();
        Scene {
            format: Format::Glb,
            model_path: name.to_string(),
            primitives: vec![Primitive { positions, indices, ..Default::default() }],
            materials: Vec::new(),
            textures: Vec::new(),
            declared: Default::default(),
        }
    }

    #[test]
    fn triangles_are_chosen_by_area_and_points_stay_on_them() {
        // Two triangles in the z = 0 and z = 1 planes, the second three times the area of the first.
        let scene = scene_of(
            "two.glb",
            &[[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], [[0.0, 0.0, 1.0], [3.0, 0.0, 1.0], [0.0, 1.0, 1.0]]],
        );
        let surface = Surface::new(&scene, Frame::AsLoaded).unwrap();
        assert!((surface.area() - 2.0).abs() < 1e-12);
        let n = 40_000;
        let points = surface.sample(n, 7).unwrap();
        let upper = points.iter().filter(|p| p[2] == 1.0).count();
        assert_eq!(upper + points.iter().filter(|p| p[2] == 0.0).count(), n);
        // Binomial(n, 3/4): the standard deviation is about 87 points; allow 5 of them.
        assert!((upper as f64 - 0.75 * n as f64).abs() < 5.0 * (n as f64 * 0.75 * 0.25).sqrt(), "{upper}");
        // Uniform inside the lower triangle: its mean is the centroid (1/3, 1/3), each coordinate's spread 1/√18.
        let lower: Vec<_> = points.iter().filter(|p| p[2] == 0.0).collect();
        let tolerance = 5.0 / (18.0 * lower.len() as f64).sqrt();
        for k in 0..2 {
            let mean = lower.iter().map(|p| f64::from(p[k])).sum::<f64>() / lower.len() as f64;
            assert!((mean - 1.0 / 3.0).abs() < tolerance, "axis {k}: mean {mean}");
        }
        assert!(lower.iter().all(|p| p[0] >= 0.0 && p[1] >= 0.0 && p[0] + p[1] <= 1.0 + 1e-6));
    }

    #[test]
    fn sampling_depends_on_the_seed_alone() {
        let scene = scene_of("one.glb", &[[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]);
        let surface = Surface::new(&scene, Frame::AsLoaded).unwrap();
        let first = surface.sample(10_000, 42).unwrap();
        let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        assert_eq!(single.install(|| surface.sample(10_000, 42)).unwrap(), first);
        assert_ne!(surface.sample(10_000, 43).unwrap(), first);
        // A shorter draw is a prefix of a longer one, chunk by chunk.
        assert_eq!(surface.sample(5_000, 42).unwrap()[..], first[..5_000]);
    }

    #[test]
    fn the_normalised_frame_is_the_renderers() {
        let scene = scene_of("big.glb", &[[[10.0, 0.0, 0.0], [14.0, 0.0, 0.0], [10.0, 2.0, 0.0]]]);
        let surface = Surface::new(&scene, Frame::Normalised).unwrap();
        // Largest side 4 becomes 1, so the area shrinks by 16; the box is centred at the origin.
        assert!((surface.area() - 4.0 / 16.0).abs() < 1e-7);
        let (lo, hi) = surface.bounds();
        for k in 0..3 {
            assert!((lo[k] + hi[k]).abs() < 1e-7 && hi[k] <= 0.5 + 1e-7, "axis {k}: {lo:?} {hi:?}");
        }
    }

    #[test]
    fn bad_scenes_are_errors_naming_the_model() {
        let flat = scene_of("flat.glb", &[[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]]);
        let error = Surface::new(&flat, Frame::AsLoaded).unwrap_err();
        assert_eq!(error, PointsError::NoArea { model: "flat.glb".into(), triangles: 1 });
        assert!(error.to_string().contains("`flat.glb`"));
        assert!(matches!(Surface::new(&flat, Frame::Normalised), Err(PointsError::NoArea { .. })));

        let empty = scene_of("empty.glb", &[]);
        assert!(matches!(Surface::new(&empty, Frame::Normalised), Err(PointsError::NoArea { triangles: 0, .. })));
        assert!(matches!(sample_surface(&empty, 10, 0), Err(PointsError::NoArea { triangles: 0, .. })));

        let nan = scene_of("nan.glb", &[[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, f32::NAN, 0.0]]]);
        let error = Surface::new(&nan, Frame::Normalised).unwrap_err();
        assert_eq!(error, PointsError::NonFiniteTriangle { model: "nan.glb".into(), primitive: 0, triangle: 0 });

        let mut broken = scene_of("broken.glb", &[[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]);
        broken.primitives[0].indices[2] = 9;
        assert!(matches!(Surface::new(&broken, Frame::AsLoaded), Err(PointsError::BadIndex { index: 9, .. })));

        let fine = scene_of("fine.glb", &[[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]);
        assert_eq!(sample_surface(&fine, 0, 1), Err(PointsError::SampleCount(0)));
    }
}
