//! Cameras in the conventions Zero-1-to-3 trained on (its Objaverse Blender script) and One-2-3-45 evaluates with.
//!
//! - World: Blender's, +Z up. Models are +Y up (glTF, OBJ) and are brought over as Blender's glTF importer does:
//!   `(x, y, z)_gltf -> (x, -z, y)_blender`; see [`super::Normalised`].
//! - Camera: Blender's: it looks down its own -Z with +Y up and +X right, aimed at the origin the way a TRACK_TO
//!   constraint (track -Z, up +Y) aims it.
//! - [`View::rt`] is the 3x4 world->camera matrix `[R | t]` that Zero123's `get_3x4_RT_matrix_from_blender` writes:
//!   `R = R_c2w^T`, `t = -R * location`. A camera-space point `p_c = R p + t` is in front of the camera when
//!   `p_c.z < 0`.
//! - [`View::k`] is the pinhole intrinsics for `size` pixels (lens 35 mm on a 32 mm sensor: `f = 35/32 * size`,
//!   principal point at the centre). Pixels follow OpenCV: `(u, v, 1) ~ K * diag(1, -1, -1) * p_c`, u right,
//!   v down, (0, 0) the top-left corner of the top-left pixel. (`diag(1, -1, -1)` is One-2-3-45's `blender2opencv`.)

use rand::{Rng, SeedableRng};
use serde::Serialize;

/// Zero123's Blender camera: 35 mm lens on a 32 mm wide sensor.
pub const LENS_MM: f64 = 35.0;
pub const SENSOR_MM: f64 = 32.0;
/// Zero123's camera distances.
pub const RADIUS_MIN: f64 = 1.5;
pub const RADIUS_MAX: f64 = 2.2;
/// One-2-3-45's evaluation cameras are 1.5 from the origin with the object scaled to 0.8 of the unit box; with
/// the object at 1 (Zero123's normalisation, used for every set here) the same images need the camera at
/// 1.5 / 0.8. At 1.5 a unit cube seen face-on would overflow the 49.1-degree frame (0.5 / 1.0 > tan 24.6).
pub const RING_RADIUS: f64 = 1.5 / 0.8;

/// The horizontal (and vertical: the images are square) field of view, in degrees: 2 atan(16/35) ~ 49.13.
pub fn fov_deg() -> f64 {
    2.0 * (SENSOR_MM / 2.0 / LENS_MM).atan().to_degrees()
}

/// Which set a view belongs to; also the `set` of a render item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewSet {
    /// Zero123's training views: uniform directions over the sphere, radius U(1.5, 2.2).
    Random,
    /// One-2-3-45's evaluation ring at 30 degrees elevation.
    Ring30,
    /// One-2-3-45's evaluation ring at 0 degrees elevation.
    Ring0,
}

impl ViewSet {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Ring30 => "ring30",
            Self::Ring0 => "ring0",
        }
    }
}

/// One camera: where it is and where the origin lands in its image.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub set: ViewSet,
    pub index: u32,
    /// Camera position in the (Blender, +Z up) world.
    pub location: [f64; 3],
    pub radius: f64,
    /// Degrees above the XY plane.
    pub elevation_deg: f64,
    /// Degrees counter-clockwise from +X, seen from above.
    pub azimuth_deg: f64,
}

impl View {
    /// A camera at `radius` from the origin in the given direction, aimed at the origin.
    pub fn at(set: ViewSet, index: u32, radius: f64, elevation_deg: f64, azimuth_deg: f64) -> Self {
        let (el, az) = (elevation_deg.to_radians(), azimuth_deg.to_radians());
        let location = [radius * el.cos() * az.cos(), radius * el.cos() * az.sin(), radius * el.sin()];
        Self { set, index, location, radius, elevation_deg, azimuth_deg }
    }

    /// Rows are the camera's X, Y, Z axes in world coordinates: the world->camera rotation.
    pub fn rotation(&self) -> [[f64; 3]; 3] {
        let z = normalise(self.location);
        // TRACK_TO with up +Y: camera X is horizontal; straight above or below, any horizontal X will do.
        let mut x = cross([0.0, 0.0, 1.0], z);
        if length(x) < 1e-9 {
            x = [1.0, 0.0, 0.0];
        }
        let x = normalise(x);
        let y = cross(z, x);
        [x, y, z]
    }

    /// The 3x4 world->camera matrix `[R | -R location]` (Blender camera convention).
    pub fn rt(&self) -> [[f64; 4]; 3] {
        let r = self.rotation();
        let t: [f64; 3] = std::array::from_fn(|i| -(0..3).map(|k| r[i][k] * self.location[k]).sum::<f64>());
        std::array::from_fn(|i| [r[i][0], r[i][1], r[i][2], t[i]])
    }
}

/// Intrinsics for a square image of `size` pixels.
pub fn intrinsics(size: u32) -> [[f64; 3]; 3] {
    let f = LENS_MM / SENSOR_MM * f64::from(size);
    let c = f64::from(size) / 2.0;
    [[f, 0.0, c], [0.0, f, c], [0.0, 0.0, 1.0]]
}

/// Where a world point lands in the image, `(u, v, depth)`; None behind the camera.
pub fn project(view: &View, size: u32, point: [f64; 3]) -> Option<(f64, f64, f64)> {
    let rt = view.rt();
    let pc: [f64; 3] = std::array::from_fn(|i| (0..3).map(|k| rt[i][k] * point[k]).sum::<f64>() + rt[i][3]);
    let depth = -pc[2];
    if depth <= 0.0 {
        return None;
    }
    let k = intrinsics(size);
    Some((k[0][2] + k[0][0] * pc[0] / depth, k[1][2] - k[1][1] * pc[1] / depth, depth))
}

/// `count` views in uniformly random directions over the whole sphere, radius U(1.5, 2.2), the same for the same
/// seed. (Zero123's script normalises a uniform cube sample, which favours the cube's corners slightly; this
/// samples the sphere uniformly, which is what its comment and the paper describe.)
pub fn random_views(count: u32, seed: u64) -> Vec<View> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..count)
        .map(|index| {
            let z: f64 = rng.random_range(-1.0..=1.0);
            let azimuth: f64 = rng.random_range(0.0..360.0);
            let radius = rng.random_range(RADIUS_MIN..=RADIUS_MAX);
            View::at(ViewSet::Random, index, radius, z.asin().to_degrees(), azimuth)
        })
        .collect()
}

/// The seed of one model's random cameras: a run's seed and the model's id, so models get different cameras
/// and the same model the same ones in every run with that seed.
pub fn model_seed(seed: u64, model_id: &str) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{seed}:{model_id}").as_bytes());
    u64::from_le_bytes([digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7]])
}

/// One-2-3-45's evaluation ring: 12 views, azimuth 0, 30, ..., 330 degrees, at the set's elevation, at
/// [`RING_RADIUS`].
pub fn ring_views(set: ViewSet) -> Vec<View> {
    let elevation = if set == ViewSet::Ring30 { 30.0 } else { 0.0 };
    (0..12).map(|i| View::at(set, i, RING_RADIUS, elevation, f64::from(i) * 30.0)).collect()
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn length(a: [f64; 3]) -> f64 {
    (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt()
}

fn normalise(a: [f64; 3]) -> [f64; 3] {
    let l = length(a);
    if l > 0.0 { [a[0] / l, a[1] / l, a[2] / l] } else { [0.0, 0.0, 1.0] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fov_is_zero123s() {
        assert!((fov_deg() - 49.134).abs() < 0.01, "{}", fov_deg());
        assert_eq!(intrinsics(512), [[560.0, 0.0, 256.0], [0.0, 560.0, 256.0], [0.0, 0.0, 1.0]]);
    }

    #[test]
    fn camera_on_minus_y_looks_along_plus_y_with_z_up() {
        // Blender's default front view: camera at -Y, X right, Z up.
        let view = View::at(ViewSet::Ring0, 0, 2.0, 0.0, -90.0);
        let r = view.rotation();
        let close = |a: [f64; 3], b: [f64; 3]| (0..3).all(|i| (a[i] - b[i]).abs() < 1e-9);
        assert!(close(r[0], [1.0, 0.0, 0.0]) && close(r[1], [0.0, 0.0, 1.0]) && close(r[2], [0.0, -1.0, 0.0]));
        let rt = view.rt();
        assert!((rt[2][3] + 2.0).abs() < 1e-9, "the origin is 2 in front: {rt:?}");
        let (u, v, d) = project(&view, 512, [0.0, 0.0, 0.5]).unwrap();
        assert!((u - 256.0).abs() < 1e-9 && v < 256.0 && (d - 2.0).abs() < 1e-9, "up is up in the image");
        let (u, _, _) = project(&view, 512, [0.5, 0.0, 0.0]).unwrap();
        assert!(u > 256.0, "+X is right");
    }

    #[test]
    fn random_views_are_seeded_and_in_range() {
        let a = random_views(12, 7);
        assert_eq!(a, random_views(12, 7));
        assert_ne!(a, random_views(12, 8));
        assert!(a.iter().all(|v| (RADIUS_MIN..=RADIUS_MAX).contains(&v.radius)));
        let below = random_views(200, 1).iter().filter(|v| v.elevation_deg < 0.0).count();
        assert!((60..140).contains(&below), "the whole sphere, below the horizon too: {below}");
    }
}
