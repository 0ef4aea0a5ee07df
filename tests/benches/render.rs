//! Views per second of the CPU renderer (`aigc-host render`'s drawing and PNG encoding, no dataset I/O), on
//! a procedural textured sphere at several triangle counts and on the real textured sample model.
//!
//! `cargo bench -p aigc-tests --bench render` prints a table. Threads: all cores (views in parallel, as the
//! command draws them) and one.

use std::time::Instant;

use aigc_host::mesh::{self, Bundle, Limits};
use aigc_host::render::{self, Normalised};
use aigc_tests::meshes::{self, Mesh, Model};
use rayon::prelude::*;

/// A UV sphere with `rings` x `2 rings` quads (4 rings^2 triangles), textured corner to corner.
fn sphere(rings: u32) -> Mesh {
    let segments = rings * 2;
    let mut positions = Vec::new();
    let mut uvs = Vec::new();
    for r in 0..=rings {
        let theta = std::f32::consts::PI * r as f32 / rings as f32;
        for s in 0..=segments {
            let phi = 2.0 * std::f32::consts::PI * s as f32 / segments as f32;
            positions.push([theta.sin() * phi.cos(), theta.cos(), theta.sin() * phi.sin()]);
            uvs.push([s as f32 / segments as f32, r as f32 / rings as f32]);
        }
    }
    let mut indices = Vec::new();
    let row = segments + 1;
    for r in 0..rings {
        for s in 0..segments {
            let (a, b, c, d) = (r * row + s, r * row + s + 1, (r + 1) * row + s, (r + 1) * row + s + 1);
            indices.extend([a, c, b, b, c, d]);
        }
    }
    Mesh { positions, uvs: Some(uvs), indices, color: [1.0; 4] }
}

fn load(name: &str, bytes: Vec<u8>) -> Normalised {
    let bundle = Bundle::new(vec![(name.into(), bytes)], &Limits::default()).expect("bundle");
    Normalised::new(&mesh::load(&bundle, &Limits::default()).expect("model")).expect("faces")
}

/// Views per second drawing `views` views of `scene` on `threads` threads (PNG encoding included).
fn measure(scene: &Normalised, views: u32, threads: usize) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("threads");
    let cameras = render::random_views(views, 1);
    let start = Instant::now();
    let bytes: usize =
        pool.install(|| cameras.par_iter().map(|v| render::render_png(scene, v, 512).expect("render").len()).sum());
    assert!(bytes > 0);
    f64::from(views) / start.elapsed().as_secs_f64()
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let texture = meshes::checker_png(1024, 16);
    let mut models: Vec<(String, Normalised)> = [25, 64, 158]
        .into_iter()
        .map(|rings| {
            let model = Model { meshes: vec![sphere(rings)], texture: Some(texture.clone()) };
            let scene = load("sphere.glb", meshes::glb(&model));
            (String::from("textured sphere, 1024px texture"), scene)
        })
        .collect();
    let controller = std::fs::read(meshes::fixture_model("controller-textured.glb")).expect("fixture");
    models.push(("controller-textured.glb (real)".into(), load("c.glb", controller)));

    println!("512x512 RGBA, 2x2 supersampling, PNG encoded; {cores} cores");
    println!("| model | triangles | views | threads | views/s |");
    println!("|---|---:|---:|---:|---:|");
    for (name, scene) in &models {
        for threads in [cores, 1] {
            let views = 24;
            let rate = measure(scene, views, threads);
            println!("| {name} | {} | {views} | {threads} | {rate:.1} |", scene.triangles);
        }
    }
}
