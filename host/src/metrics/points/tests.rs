//! Parity with SciPy's `cKDTree` (tests/metrics/points_reference.json), volumetric IoU on shapes whose volumes are
//! known, a real model, and the benchmark's Rust side (an ignored test).

use serde_json::Value;

use super::*;
use crate::mesh::{Bundle, Format, Limits, Primitive, Scene};

const REFERENCE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/metrics/points_reference.json"));

/// Relative tolerance against SciPy. Both sides take the same float32 points, compute each squared distance as
/// (dx² + dy²) + dz² in float64 and find the same (exact) nearest neighbour; only the order of the sums over points
/// differs (NumPy adds pairwise), which moves the result by a few ulps. 1e-12 leaves room for that and nothing else.
const RELATIVE: f64 = 1e-12;

fn close(ours: f64, theirs: f64) -> bool {
    (ours - theirs).abs() <= RELATIVE * theirs.abs().max(1e-300)
}

// ------------------------------------------------------------------------------------------- the recipes

/// splitmix64, as the reference script's `SplitMix64`.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 24 random bits as an exact f32 in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u32 << 24) as f32
    }
}

/// The point set a recipe in the reference JSON describes, float32 operation for float32 operation.
fn recipe_points(spec: &Value) -> Vec<[f32; 3]> {
    let shape = spec["shape"].as_str().unwrap();
    let mut rng = SplitMix64(spec["seed"].as_u64().unwrap());
    let count = spec["count"].as_u64().unwrap() as usize;
    let scale = spec["scale"].as_f64().unwrap() as f32;
    let offset: Vec<f32> = spec["offset"].as_array().unwrap().iter().map(|o| o.as_f64().unwrap() as f32).collect();
    (0..count)
        .map(|_| {
            let u = [rng.unit(), rng.unit(), rng.unit()];
            let p = match shape {
                "cube" => u,
                "sphere" => {
                    let c = u.map(|x| x - 0.5);
                    let length = ((c[0] * c[0] + c[1] * c[1]) + c[2] * c[2]).sqrt();
                    c.map(|x| x / length)
                }
                "lattice" => u.map(|x| (x * 4.0).floor() * 0.25),
                other => panic!("unknown shape {other}"),
            };
            std::array::from_fn(|k| p[k] * scale + offset[k])
        })
        .collect()
}

fn convention_key(c: Chamfer) -> String {
    let distance = match c.distance {
        Distance::Squared => "squared",
        Distance::Euclidean => "euclidean",
    };
    let reduce = match c.reduce {
        Reduce::Mean => "mean",
        Reduce::Sum => "sum",
    };
    let combine = match c.combine {
        Combine::Sum => "sum",
        Combine::Average => "average",
    };
    format!("{distance}_{reduce}_{combine}")
}

// ------------------------------------------------------------------------------------------- parity with SciPy

#[test]
fn chamfer_and_fscore_match_scipy_ckdtree_in_every_convention() {
    let reference: Value = serde_json::from_str(REFERENCE).unwrap();
    for case in reference["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (a, b) = (recipe_points(&case["a"]), recipe_points(&case["b"]));
        for (set, points) in [("a", &a), ("b", &b)] {
            for (i, stored) in case[set]["first_points"].as_array().unwrap().iter().enumerate() {
                let stored: Vec<f32> = stored.as_array().unwrap().iter().map(|c| c.as_f64().unwrap() as f32).collect();
                assert_eq!(points[i].to_vec(), stored, "{name}: the recipe of set {set} drifted at point {i}");
            }
        }
        let nearest = Nearest::between(&a, &b).unwrap();
        for (ours, key) in
            [(&nearest.a_to_b_squared, "a_to_b_squared_head"), (&nearest.b_to_a_squared, "b_to_a_squared_head")]
        {
            for (i, theirs) in case[key].as_array().unwrap().iter().enumerate() {
                assert!(close(ours[i], theirs.as_f64().unwrap()), "{name} {key}[{i}]: {} vs {theirs}", ours[i]);
            }
        }
        for convention in Chamfer::all() {
            let key = convention_key(convention);
            let expected = &case["chamfer"][&key];
            match nearest.chamfer(convention) {
                Err(PointsError::CountMismatch { .. }) => assert!(expected.is_null(), "{name} {key}: refused"),
                Err(other) => panic!("{name} {key}: {other}"),
                Ok(ours) => {
                    for (value, field) in [(ours.a_to_b, "a_to_b"), (ours.b_to_a, "b_to_a"), (ours.total, "total")] {
                        let theirs = expected[field].as_f64().unwrap_or_else(|| panic!("{name} {key} {field}"));
                        assert!(close(value, theirs), "{name} {key} {field}: {value} vs SciPy {theirs}");
                    }
                }
            }
        }
        for expected in case["fscore"].as_array().unwrap() {
            let ours = nearest.fscore(expected["tau"].as_f64().unwrap()).unwrap();
            // Counts of points within τ: exactly equal, so the fractions are the same floats.
            assert_eq!(ours.precision, expected["precision"].as_f64().unwrap(), "{name} precision at {}", ours.tau);
            assert_eq!(ours.recall, expected["recall"].as_f64().unwrap(), "{name} recall at {}", ours.tau);
            assert!(close(ours.f, expected["f"].as_f64().unwrap()), "{name} F at {}", ours.tau);
        }
    }
}

// ------------------------------------------------------------------------------------------- volumetric IoU

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

/// The 12 triangles of an axis-aligned box, counter-clockwise seen from outside.
fn box_triangles(lo: [f32; 3], hi: [f32; 3]) -> Vec<[[f32; 3]; 3]> {
    let corner = |i: usize| {
        [
            if i & 1 == 0 { lo[0] } else { hi[0] },
            if i & 2 == 0 { lo[1] } else { hi[1] },
            if i & 4 == 0 { lo[2] } else { hi[2] },
        ]
    };
    // Each face as a quad of corner numbers (bit k set = high on axis k), counter-clockwise from outside.
    let faces = [[0, 4, 6, 2], [1, 3, 7, 5], [0, 1, 5, 4], [2, 6, 7, 3], [0, 2, 3, 1], [4, 5, 7, 6]];
    faces
        .iter()
        .flat_map(|q| [[corner(q[0]), corner(q[1]), corner(q[2])], [corner(q[0]), corner(q[2]), corner(q[3])]])
        .collect()
}

/// A UV sphere: closed, curved, its facets at every angle to the axes.
fn sphere_triangles(centre: [f32; 3], radius: f32, rings: usize, segments: usize) -> Vec<[[f32; 3]; 3]> {
    let point = |ring: usize, segment: usize| {
        let theta = std::f32::consts::PI * ring as f32 / rings as f32;
        let phi = 2.0 * std::f32::consts::PI * (segment % segments) as f32 / segments as f32;
        [
            centre[0] + radius * theta.sin() * phi.cos(),
            centre[1] + radius * theta.sin() * phi.sin(),
            centre[2] + radius * theta.cos(),
        ]
    };
    let mut triangles = Vec::new();
    for ring in 0..rings {
        for segment in 0..segments {
            let (a, b, c, d) = (
                point(ring, segment),
                point(ring + 1, segment),
                point(ring + 1, segment + 1),
                point(ring, segment + 1),
            );
            if ring > 0 {
                triangles.push([a, b, d]);
            }
            if ring + 1 < rings {
                triangles.push([b, c, d]);
            }
        }
    }
    triangles
}

/// The volume a closed triangle mesh encloses (divergence theorem: signed tetrahedra to the origin).
fn enclosed_volume(triangles: &[[[f32; 3]; 3]]) -> f64 {
    triangles
        .iter()
        .map(|t| {
            let [a, b, c] = t.map(|v| v.map(f64::from));
            (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
                + a[2] * (b[0] * c[1] - b[1] * c[0]))
                / 6.0
        })
        .sum::<f64>()
        .abs()
}

/// Voxel centres `lo + (i + 0.5) * step`, i in 0..n, inside [from, to].
fn centres_in(lo: f64, step: f64, n: usize, from: f64, to: f64) -> u64 {
    (0..n).filter(|&i| (from..=to).contains(&(lo + (i as f64 + 0.5) * step))).count() as u64
}

#[test]
fn iou_of_two_boxes_equals_the_exact_voxel_count_and_the_analytic_value_within_a_voxel() {
    let a = scene_of("cube.glb", &box_triangles([0.0; 3], [1.0; 3]));
    let b = scene_of("shifted.glb", &box_triangles([0.5, 0.25, 0.0], [1.5, 1.25, 1.0]));
    let resolution = 64;
    let ours = volume_iou(&a, &b, resolution, Frame::AsLoaded).unwrap();
    // The grid: the union's box [0, 1.5] x [0, 1.25] x [0, 1], cubic voxels of 1.5 / 64.
    let step = 1.5 / resolution as f64;
    assert_eq!(ours.dims, [64, 54, 43]);
    assert!((ours.voxel_size - step).abs() < 1e-15);
    let count =
        |lo: [f64; 3], hi: [f64; 3]| (0..3).map(|k| centres_in(0.0, step, ours.dims[k], lo[k], hi[k])).product::<u64>();
    let inside_a = count([0.0; 3], [1.0; 3]);
    let inside_b = count([0.5, 0.25, 0.0], [1.5, 1.25, 1.0]);
    let intersection = count([0.5, 0.25, 0.0], [1.0, 1.0, 1.0]);
    assert_eq!(ours.inside, [inside_a, inside_b]);
    assert_eq!((ours.intersection, ours.union), (intersection, inside_a + inside_b - intersection));

    // The discretisation bound: along each axis a box of side L holds L/h ± 1 voxel centres, so each voxel volume
    // lies in [Π(L - h), Π(L + h)], and IoU = I / (A + B - I) lies between the corresponding extremes.
    let volume = |sides: [f64; 3], grow: f64| sides.iter().map(|s| (s + grow * step).max(0.0)).product::<f64>();
    let (cube, shifted, overlap) = ([1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.5, 0.75, 1.0]);
    let lower = volume(overlap, -1.0) / (volume(cube, 1.0) + volume(shifted, 1.0) - volume(overlap, -1.0));
    let upper = volume(overlap, 1.0) / (volume(cube, -1.0) + volume(shifted, -1.0) - volume(overlap, 1.0));
    let exact = 0.375 / 1.625;
    assert!(lower <= exact && exact <= upper);
    assert!(lower <= ours.iou && ours.iou <= upper, "{} outside [{lower}, {upper}]", ours.iou);
    assert!((ours.iou - exact).abs() < 0.01, "{} vs {exact}", ours.iou);

    // Each normalised on its own (as the renderer does), the two cubes are the same cube.
    assert_eq!(volume_iou(&a, &b, 32, Frame::Normalised).unwrap().iou, 1.0);
}

#[test]
fn a_sphere_fills_its_volume_within_the_shell_of_voxels_its_surface_crosses() {
    let triangles = sphere_triangles([0.1, -0.2, 0.3], 0.5, 24, 48);
    let sphere = scene_of("sphere.glb", &triangles);
    let ours = volume_iou(&sphere, &sphere, 64, Frame::AsLoaded).unwrap();
    assert_eq!(ours.iou, 1.0);
    // Only voxels whose centre is within half a voxel diagonal of the surface can be misjudged.
    let area = Surface::new(&sphere, Frame::AsLoaded).unwrap().area();
    let h = ours.voxel_size;
    let error = (ours.inside[0] as f64 * h.powi(3) - enclosed_volume(&triangles)).abs();
    assert!(error <= area * 3f64.sqrt() * h, "volume off by {error}, bound {}", area * 3f64.sqrt() * h);
    assert!(error / enclosed_volume(&triangles) < 0.01, "relative error {}", error / enclosed_volume(&triangles));

    // Against a box that cuts it in half (through its centre, z >= 0.3): the half sphere over the sphere and box.
    let half = scene_of("box.glb", &box_triangles([-0.5, -0.8, 0.3], [0.7, 0.4, 0.9]));
    let cut = volume_iou(&sphere, &half, 64, Frame::AsLoaded).unwrap();
    let (ball, slab) = (enclosed_volume(&triangles), 1.2 * 1.2 * 0.6);
    let exact = (ball / 2.0) / (ball + slab - ball / 2.0);
    assert!((cut.iou - exact).abs() < 0.02, "{} vs about {exact}", cut.iou);
}

#[test]
fn holes_overlaps_and_flipped_faces_do_not_change_the_volume() {
    let closed = box_triangles([0.0; 3], [1.0; 3]);
    let cube = scene_of("cube.glb", &closed);
    // A cube with one triangle missing: rays through the hole abstain and the other two axes decide.
    let open = scene_of("open.glb", &closed[1..]);
    assert_eq!(volume_iou(&cube, &open, 48, Frame::AsLoaded).unwrap().iou, 1.0);
    // The same cube wound clockwise (normals inward).
    let flipped: Vec<_> = closed.iter().map(|t| [t[0], t[2], t[1]]).collect();
    assert_eq!(volume_iou(&cube, &scene_of("flipped.glb", &flipped), 48, Frame::AsLoaded).unwrap().iou, 1.0);
    // Two overlapping boxes in one model fill their union (parity alone would hollow out the overlap).
    let mut parts = box_triangles([0.0; 3], [1.0; 3]);
    parts.extend(box_triangles([0.5, 0.0, 0.0], [1.5, 1.0, 1.0]));
    let union = scene_of("union.glb", &box_triangles([0.0; 3], [1.5, 1.0, 1.0]));
    assert_eq!(volume_iou(&scene_of("parts.glb", &parts), &union, 48, Frame::AsLoaded).unwrap().iou, 1.0);
}

#[test]
fn iou_refuses_what_it_cannot_measure() {
    let cube = scene_of("cube.glb", &box_triangles([0.0; 3], [1.0; 3]));
    for resolution in [0, 1, MAX_RESOLUTION + 1] {
        assert_eq!(volume_iou(&cube, &cube, resolution, Frame::AsLoaded), Err(PointsError::Resolution(resolution)));
    }
    let sheet = |name: &str, z: f32| {
        scene_of(name, &[[[0.0, 0.0, z], [1.0, 0.0, z], [1.0, 1.0, z]], [[0.0, 0.0, z], [1.0, 1.0, z], [0.0, 1.0, z]]])
    };
    let error = volume_iou(&sheet("leaf.glb", 0.0), &sheet("petal.glb", 0.5), 32, Frame::AsLoaded).unwrap_err();
    assert!(matches!(error, PointsError::NoVolume { .. }), "{error}");
    assert!(error.to_string().contains("`leaf.glb`") && error.to_string().contains("`petal.glb`"));
    // A flat model against a solid one has IoU 0, not an error.
    assert_eq!(volume_iou(&sheet("leaf.glb", 0.5), &cube, 32, Frame::AsLoaded).unwrap().iou, 0.0);
    // Hundreds of triangles each spanning the whole grid at the finest resolution: refused before any work.
    let big: Vec<_> = (0..200).map(|i| [[0.0, 0.0, i as f32 * 1e-3], [1.0, 0.0, 0.5], [0.0, 1.0, 1.0]]).collect();
    let error = volume_iou(&scene_of("big.glb", &big), &cube, MAX_RESOLUTION, Frame::AsLoaded).unwrap_err();
    assert!(matches!(error, PointsError::VolumeWork { .. }), "{error}");
}

// ------------------------------------------------------------------------------------------- a real model

fn fixture(name: &str) -> Scene {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/models/").to_string() + name;
    let bytes = std::fs::read(&path).unwrap();
    let bundle = Bundle::new(vec![(name.to_string(), bytes)], &Limits::default()).unwrap();
    crate::mesh::load(&bundle, &Limits::default()).unwrap()
}

#[test]
fn a_real_model_samples_in_the_renderers_frame_and_is_at_distance_zero_from_itself() {
    for name in ["hand.glb", "controller-textured.glb"] {
        let scene = fixture(name);
        let surface = Surface::new(&scene, Frame::Normalised).unwrap();
        let points = surface.sample(20_000, 1).unwrap();
        assert!(points.iter().flatten().all(|c| c.abs() <= 0.5 + 1e-6), "{name}: a point outside the unit box");
        let nearest = Nearest::between(&points, &points).unwrap();
        for convention in Chamfer::all() {
            assert_eq!(nearest.chamfer(convention).unwrap().total, 0.0, "{name}: {convention:?}");
        }
        assert_eq!(nearest.fscore(0.001).unwrap().f, 1.0);
        // Two draws from the same surface: close, not identical.
        let other = surface.sample(20_000, 2).unwrap();
        let between = chamfer(&points, &other, Chamfer::EUCLIDEAN_MEAN_AVERAGE).unwrap();
        assert!(between.total > 0.0 && between.total < 0.01, "{name}: {between:?}");
        assert_eq!(fscore(&points, &other, 0.05).unwrap().f, 1.0);
        // The file's frame is another frame.
        let loaded = sample_surface(&scene, 1_000, 1).unwrap();
        assert_ne!(loaded[..], points[..1_000]);
    }
    let hand = fixture("hand.glb");
    let iou = volume_iou(&hand, &hand, 32, Frame::Normalised).unwrap();
    assert_eq!(iou.iou, 1.0);
    assert!(iou.inside[0] > 0);
}

// ------------------------------------------------------------------------------------------- the benchmark

/// The Rust side of bench/metrics/points/run.py (not a test): reads the JSON at `AIGC_POINTS_BENCH` and prints one
/// `BENCH {...}` line of timings. Run with
/// `cargo test --release -p aigc-host --lib metrics::points::tests::bench_points -- --ignored --nocapture`.
#[test]
#[ignore = "a benchmark: run by bench/metrics/points/run.py"]
fn bench_points() {
    use std::time::Instant;
    let Ok(path) = std::env::var("AIGC_POINTS_BENCH") else {
        panic!("set AIGC_POINTS_BENCH to the JSON bench/metrics/points/run.py writes");
    };
    let job: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let read_points = |key: &str| -> Vec<[f32; 3]> {
        let bytes = std::fs::read(job[key].as_str().unwrap()).unwrap();
        bytes
            .chunks_exact(12)
            .map(|p| std::array::from_fn(|k| f32::from_le_bytes(p[4 * k..4 * k + 4].try_into().unwrap())))
            .collect()
    };
    let (a, b) = (read_points("a"), read_points("b"));
    let repeats = job["repeats"].as_u64().unwrap_or(5) as usize;
    let time = |f: &mut dyn FnMut()| -> Vec<f64> {
        (0..repeats)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .collect()
    };
    let mut result = None;
    let chamfer_seconds = time(&mut || {
        let nearest = Nearest::between(&a, &b).unwrap();
        result = Some((nearest.chamfer(Chamfer::SQUARED_MEAN_SUM).unwrap().total, nearest.fscore(0.01).unwrap().f));
    });
    let scene = fixture(job["mesh"].as_str().unwrap());
    let samples = job["samples"].as_u64().unwrap_or(100_000) as usize;
    let normalise_seconds = time(&mut || {
        Surface::new(&scene, Frame::Normalised).unwrap();
    });
    let surface = Surface::new(&scene, Frame::Normalised).unwrap();
    let sample_seconds = time(&mut || {
        surface.sample(samples, 0).unwrap();
    });
    let resolution = job["iou_resolution"].as_u64().unwrap_or(128) as usize;
    let other = fixture("controller-textured.glb");
    let mut iou = 0.0;
    let iou_seconds = time(&mut || {
        iou = volume_iou(&scene, &other, resolution, Frame::Normalised).unwrap().iou;
    });
    let (chamfer_total, f) = result.unwrap();
    let report = serde_json::json!({
        "threads": rayon::current_num_threads(),
        "points": [a.len(), b.len()],
        "chamfer_seconds": chamfer_seconds,
        "chamfer_squared_mean_sum": chamfer_total,
        "fscore_0_01": f,
        "mesh_triangles": surface.triangle_count(),
        "surface_seconds": normalise_seconds,
        "sample_seconds": sample_seconds,
        "iou_resolution": resolution,
        "iou_hand_vs_controller": iou,
        "iou_seconds": iou_seconds,
    });
    println!("BENCH {report}");
}
