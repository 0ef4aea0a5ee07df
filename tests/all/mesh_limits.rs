//! Hostile models against the caps and the host-work budget (issue #11, class 1, for 3D models and the renderer).
//! Each model is a few kilobytes that declares, or makes the host repeat, gigabytes of work; each must end with a
//! clear `limit` (or `invalid`) error, or load with its work shared, promptly, with the host's peak resident
//! memory (GNU time's "Maximum resident set size") held far below what the unbounded code used.
//!
//! Through the real binary: `aigc-host clean --rule mesh-quality` (the plugin's `mesh.facts` host call) and
//! `aigc-host render`. The library calls check the same models where the loaded scene itself is the point.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aigc_host::budget::{Meter, WorkLimits};
use aigc_host::mesh::{self, Bundle, Limits, MeshError};
use aigc_host::render::{self, Normalised};
use aigc_host::store::{Dataset, NewFile, NewItem, Provenance};
use aigc_tests::hostile_meshes as hostile;
use aigc_tests::meshes::{self, Mesh, Model};
use aigc_tests::rss::{self, Measured};
use aigc_tests::{command, plugins};
use serde_json::Value;

/// Peak RSS of `aigc-host clean` with the mesh-quality plugin is about 130 MiB when the model is refused at
/// once (mostly the compiled plugin), of `aigc-host render` (two views at a time) 150-200 MiB on these cases;
/// each bound below leaves room for what the case legitimately holds and is far under what the same input cost
/// before the budget (gigabytes: 4 GB of collected indices, 32 GB of image copies, 3.2 GB of textures, ...).
const MIB: u64 = 1024;
/// What "promptly" means on a loaded 2-core machine; every case takes a few seconds at most.
const PROMPT: Duration = Duration::from_secs(60);

fn one(name: &str, bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    vec![(name.to_string(), bytes)]
}

/// A dataset holding one model item of `files`, key `hostile`.
fn dataset_of(files: Vec<(String, Vec<u8>)>) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let dataset = Dataset::create_or_open(&dir).unwrap();
    let item = NewItem {
        source_key: "hostile".into(),
        category: Some("models".into()),
        title: Some("hostile".into()),
        provenance: Provenance {
            source_url: "https://example.invalid/hostile".into(),
            licence: Some("CC0-1.0".into()),
            licence_url: None,
            author: None,
            author_url: None,
        },
        metadata: "{}".into(),
        files: files
            .into_iter()
            .map(|(name, data)| NewFile { name, media_type: "application/octet-stream".into(), data })
            .collect(),
        parent: None,
    };
    dataset.put_item(None, &item).unwrap();
    (temp, dir)
}

/// `aigc-host render DIR --views 2 --json`, measured.
fn render_measured(dir: &Path) -> (Measured, Value) {
    let measured = rss::measure(command(["render", &dir.display().to_string(), "--views", "2", "--json"]));
    let summary = measured.output.json();
    (measured, summary)
}

/// `aigc-host -v clean DIR --rule mesh-quality --json`, measured, and the item's (keep, reason).
fn clean_measured(dir: &Path) -> (Measured, (bool, String)) {
    let dir_arg = dir.display().to_string();
    let measured = rss::measure(command(["-v", "clean", &dir_arg, "--rule", plugins::MESH_QUALITY, "--json"]));
    assert_eq!(measured.output.json()["errors"], 0, "{}", measured.output.stderr);
    let dataset = Dataset::open(dir).unwrap();
    let item = dataset.items(None, None, 10).unwrap().remove(0);
    let shown = command(["dataset", "show", &dir_arg, &item.id, "--json"]).output().unwrap();
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    let v = &shown["verdicts"][0];
    (measured, (v["keep"].as_bool().unwrap(), v["reason"].as_str().unwrap().to_string()))
}

fn assert_bounded(what: &str, measured: &Measured, peak_mib: u64) {
    eprintln!("{what}: peak RSS {} MiB, {:.2} s", measured.peak_rss_kib / MIB, measured.wall.as_secs_f64());
    assert!(
        measured.peak_rss_kib < peak_mib * MIB,
        "{what}: peak RSS {} MiB, over {peak_mib} MiB\n{}",
        measured.peak_rss_kib / MIB,
        measured.output.stderr
    );
    assert!(measured.wall < PROMPT, "{what} took {:?}", measured.wall);
}

/// The one failure a render run reports: (kind, message).
fn render_failure(summary: &Value) -> (String, String) {
    assert_eq!(summary["failed"], 1, "{summary}");
    let e = &summary["errors"][0];
    (e["kind"].as_str().unwrap().to_string(), e["error"].as_str().unwrap().to_string())
}

#[test]
fn a_sparse_accessor_declaring_500m_indices_is_refused_before_anything_is_collected() {
    let bomb = hostile::sparse_index_bomb(500_000_000);
    let e = mesh::facts(&Bundle::new(one("bomb.glb", bomb.clone()), &Limits::default()).unwrap(), &Limits::default())
        .unwrap_err();
    assert!(matches!(&e, MeshError::Limit(m) if m.contains("declares 166666666 triangles")), "{e}");
    // The same construction with a sane count is read as the sparse accessor it is: [1, 0, 0].
    let small = Bundle::new(one("ok.glb", hostile::sparse_index_bomb(3)), &Limits::default()).unwrap();
    let scene = mesh::load(&small, &Limits::default()).unwrap();
    assert_eq!(scene.primitives[0].indices, [1, 0, 0]);

    let (_temp, dir) = dataset_of(one("bomb.glb", bomb));
    let (measured, verdict) = clean_measured(&dir);
    assert_eq!(verdict, (false, "unreadable".to_string()));
    let log = &measured.output.stderr;
    assert!(log.contains("too-large") && log.contains("declares 166666666 triangles"), "{log}");
    // Collected, the indices alone were 2 GB, and again as triangles.
    assert_bounded("500 M sparse indices through mesh-quality", &measured, 250);
}

#[test]
fn nodes_sharing_children_cannot_multiply_a_mesh_past_the_visit_cap() {
    // 2^40 paths to one triangle from a few hundred bytes.
    let started = Instant::now();
    let bundle = Bundle::new(one("tree.glb", hostile::instancing_bomb(40)), &Limits::default()).unwrap();
    let e = mesh::facts(&bundle, &Limits::default()).unwrap_err();
    assert!(matches!(&e, MeshError::Limit(m) if m.contains("more than 1000000 nodes")), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    // Sharing is still allowed: 2^4 instances are 16 triangles.
    let bundle = Bundle::new(one("tree.glb", hostile::instancing_bomb(4)), &Limits::default()).unwrap();
    assert_eq!(mesh::facts(&bundle, &Limits::default()).unwrap().faces, 16);
}

#[test]
fn a_thousand_images_on_one_32_mib_view_share_one_copy_and_one_decode() {
    let glb = hostile::images_on_one_view(1000, 32 << 20);
    let zip = hostile::zipped("scene.glb", glb);
    let bundle = Bundle::new(one("model.zip", zip.clone()), &Limits::default()).unwrap();
    let scene = mesh::load(&bundle, &Limits::default()).unwrap();
    assert_eq!(scene.declared.images.len(), 1000);
    assert!(scene.declared.images.iter().all(|(_, w, h)| (*w, *h) == (8, 8)));
    assert_eq!(scene.textures.len(), 1000);
    assert!(scene.textures.iter().all(|t| Arc::ptr_eq(&t.rgba, &scene.textures[0].rgba)), "one decode, shared");

    let (_temp, dir) = dataset_of(one("model.zip", zip));
    let (measured, summary) = render_measured(&dir);
    assert_eq!((summary["failed"].as_u64(), summary["views"].as_u64()), (Some(0), Some(2)), "{summary}");
    // Copied per image, this was 32 GB.
    assert_bounded("1000 images on one 32 MiB view, rendered", &measured, 300);
}

#[test]
fn one_4096_texture_used_by_200_materials_is_decoded_once() {
    let files = hostile::one_texture_many_materials(4096, 200);
    let bundle = Bundle::new(files.clone(), &Limits::default()).unwrap();
    let meter = Meter::new(WorkLimits::default());
    let mut work = meter.start("the model");
    let scene = mesh::load_with(&bundle, &Limits::default(), &mut work).unwrap();
    assert_eq!((scene.materials.len(), scene.textures.len()), (200, 200));
    assert!(scene.textures.iter().all(|t| Arc::ptr_eq(&t.rgba, &scene.textures[0].rgba)), "one decode, shared");
    assert_eq!((scene.textures[0].width, scene.textures[0].height), (2048, 2048));
    // One decode of 16.8 M pixels is charged, not 200 (at 30 units a pixel, one is 0.5 s).
    assert!(work.charged() < 1_000_000_000, "charged {}", work.charged());

    let (_temp, dir) = dataset_of(files);
    let (measured, summary) = render_measured(&dir);
    assert_eq!((summary["failed"].as_u64(), summary["views"].as_u64()), (Some(0), Some(2)), "{summary}");
    // Decoded per material, this held 200 downscaled copies (3.2 GB) after 200 full decodes.
    assert_bounded("a 4096x4096 texture of 200 materials, rendered", &measured, 350);
}

#[test]
fn an_obj_of_ten_million_faces_is_refused_before_tobj_parses_it() {
    // 80 MB of `f 1 2 3`, a few hundred KB zipped: under the face cap, but tobj would hold 10 M face records.
    let zip = hostile::zipped("model.obj", hostile::obj_triangle_flood(10_000_000));
    assert!(zip.len() < 2 << 20, "{}", zip.len());
    let (_temp, dir) = dataset_of(one("model.zip", zip));
    let (measured, summary) = render_measured(&dir);
    let (kind, message) = render_failure(&summary);
    assert_eq!(kind, "too-large", "{message}");
    assert!(message.contains("parsing `model.obj` (10000000 faces") && message.contains("MiB"), "{message}");
    assert_bounded("10 M OBJ faces, rendered", &measured, 300);
}

#[test]
fn an_obj_polygon_past_the_face_cap_is_refused_from_its_text() {
    let zip = hostile::zipped("model.obj", hostile::obj_polygon(25_000_000));
    let (_temp, dir) = dataset_of(one("model.zip", zip));
    let (measured, (keep, reason)) = clean_measured(&dir);
    assert_eq!((keep, reason.as_str()), (false, "unreadable"));
    let log = &measured.output.stderr;
    assert!(log.contains("declares 24999998 triangles (1 faces with 25000000 corners)"), "{log}");
    assert_bounded("a 25 M-corner OBJ polygon through mesh-quality", &measured, 300);
}

#[test]
fn an_archive_entry_that_inflates_past_its_declared_size_is_refused() {
    let obj = meshes::obj_files(&meshes::cube_model(), "cube").remove(0).1;
    assert!(obj.len() > 200);
    let zip = hostile::zip_with_declared_size(&[("cube.obj".into(), obj)], 100);
    let bundle = Bundle::new(one("model.zip", zip), &Limits::default()).unwrap();
    let e = mesh::load(&bundle, &Limits::default()).unwrap_err();
    // The zip crate notices too; the host reads at most the declared size plus one byte whatever it does, so
    // what it holds never passes what was charged.
    let declared = |m: &str| m.contains("inflates past the 100 bytes") || m.contains("larger than its declared");
    assert!(matches!(&e, MeshError::Malformed(m) if declared(m)), "{e}");
}

#[test]
fn a_view_of_a_million_screen_filling_triangles_is_refused_before_it_is_drawn() {
    let glb = hostile::overdraw_bomb(1_000_000);
    // Reading and measuring it is ordinary work...
    let bundle = Bundle::new(one("big.glb", glb.clone()), &Limits::default()).unwrap();
    let scene = mesh::load(&bundle, &Limits::default()).unwrap();
    assert_eq!(scene.face_count(), 1_000_000);
    // ...drawing it is not: every triangle covers most of the view, 10^11 samples or more per view.
    let normalised = Normalised::new(&scene).unwrap();
    let view = render::View::at(render::ViewSet::Random, 0, 2.0, 20.0, 30.0);
    let cost = render::cost::view(&normalised, &view, 512);
    assert!(cost.work > WorkLimits::default().call_work, "{cost:?}");

    let (_temp, dir) = dataset_of(one("big.glb", glb));
    let (measured, summary) = render_measured(&dir);
    let (kind, message) = render_failure(&summary);
    assert_eq!(kind, "too-large", "{message}");
    assert!(message.contains("drawing a view of 1000000 triangles would take about"), "{message}");
    assert_bounded("a million screen-filling triangles, rendered", &measured, 250);
}

#[test]
fn a_model_of_a_million_triangles_is_within_the_default_caps() {
    // The budget must refuse the hostile, not the large: a 980 k-triangle grid with texture coordinates, as GLB
    // and as OBJ, is measured under the default per-call caps, and drawn under the command's.
    let model = Model { meshes: vec![grid(700)], texture: None };
    let glb = Bundle::new(one("grid.glb", meshes::glb(&model)), &Limits::default()).unwrap();
    let obj = Bundle::new(meshes::obj_files(&model, "grid"), &Limits::default()).unwrap();
    for bundle in [glb, obj] {
        let meter = Meter::new(WorkLimits::default());
        let mut work = meter.start("a large model");
        let facts = mesh::facts_with(&bundle, &Limits::default(), &mut work).unwrap();
        assert_eq!(facts.faces, 980_000);
        let scene = mesh::load(&bundle, &Limits::default()).unwrap();
        let view = render::View::at(render::ViewSet::Random, 0, 1.5, 30.0, 40.0);
        let cost = render::cost::view(&Normalised::new(&scene).unwrap(), &view, 512);
        assert!(cost.work < WorkLimits::default().call_work / 4, "{cost:?}");
    }
}

// --- calibration of the cost constants (host/src/mesh/cost.rs, host/src/render/cost.rs) ---

/// A flat grid of `n` x `n` quads (2 n^2 triangles) with texture coordinates.
fn grid(n: u32) -> Mesh {
    let mut positions = Vec::new();
    let mut uvs = Vec::new();
    for y in 0..=n {
        for x in 0..=n {
            let (u, v) = (x as f32 / n as f32, y as f32 / n as f32);
            positions.push([u, v, (u * 7.0).sin() * 0.1]);
            uvs.push([u, v]);
        }
    }
    let mut indices = Vec::new();
    for y in 0..n {
        for x in 0..n {
            let a = y * (n + 1) + x;
            indices.extend([a, a + 1, a + n + 1, a + 1, a + n + 2, a + n + 1]);
        }
    }
    Mesh { positions, uvs: Some(uvs), indices, color: [1.0; 4] }
}

/// Units charged and time taken by `step`, as (estimated ms, measured ms).
fn timed(work: &mut aigc_host::budget::Work, step: impl FnOnce(&mut aigc_host::budget::Work)) -> (f64, f64) {
    let before = work.charged();
    let started = Instant::now();
    step(work);
    ((work.charged() - before) as f64 / 1e6, started.elapsed().as_secs_f64() * 1e3)
}

/// Prints estimated against measured time for each stage: `cargo nextest run --release -p aigc-tests
/// --run-ignored only -E 'test(calibrate_mesh_costs)' --no-capture`. The estimates may be above the
/// measurement (they are meant to err on the costly side) but not far below it.
#[test]
#[ignore = "calibration: run on purpose, on an idle machine"]
fn calibrate_mesh_costs() {
    let limits = Limits { vertices: 50_000_000, faces: 50_000_000, ..Limits::default() };
    let meter = Meter::new(WorkLimits {
        call_work: u64::MAX,
        call_bytes: u64::MAX,
        plugin_work: u64::MAX,
        ..WorkLimits::default()
    });
    let mut rows = Vec::new();
    let model = Model { meshes: vec![grid(700)], texture: None };

    let glb = meshes::glb(&model);
    let bundle = Bundle::new(one("grid.glb", glb), &limits).unwrap();
    let mut work = meter.start("glb");
    let mut scene = None;
    rows.push((
        "glTF load, 980 k triangles",
        timed(&mut work, |w| scene = Some(mesh::load_with(&bundle, &limits, w).unwrap())),
    ));
    let mut work = meter.start("facts");
    rows.push(("facts, 980 k triangles", timed(&mut work, |w| drop(mesh::facts_with(&bundle, &limits, w).unwrap()))));
    let scene = scene.unwrap();

    let obj = meshes::obj_files(&model, "grid").remove(0).1;
    let bundle = Bundle::new(one("grid.obj", obj.clone()), &limits).unwrap();
    let mut work = meter.start("obj");
    rows.push(("OBJ load, 980 k triangles", timed(&mut work, |w| drop(mesh::load_with(&bundle, &limits, w).unwrap()))));

    let bundle = Bundle::new(one("grid.zip", hostile::zipped("grid.obj", obj.repeat(4))), &limits).unwrap();
    let mut work = meter.start("inflate");
    rows.push(("inflating 4 copies of the OBJ", timed(&mut work, |w| drop(bundle.read("grid.obj", w).unwrap()))));

    let noise = meshes::png_rgba(4096, 4096, |x, y| {
        let h = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).to_le_bytes();
        [h[0], h[1], h[2], 255]
    });
    let files =
        meshes::gltf_files_with_texture(&Model { meshes: vec![meshes::quad(1.0)], texture: Some(noise) }, "t.png");
    let bundle = Bundle::new(files, &limits).unwrap();
    let mut work = meter.start("texture");
    rows.push((
        "glTF quad + 4096^2 noise PNG",
        timed(&mut work, |w| drop(mesh::load_with(&bundle, &limits, w).unwrap())),
    ));

    let normalised = Normalised::new(&scene).unwrap();
    let view = render::View::at(render::ViewSet::Random, 0, 1.8, 30.0, 40.0);
    let estimate = render::cost::view(&normalised, &view, 512).work as f64 / 1e6;
    let started = Instant::now();
    render::render_png(&normalised, &view, 512).unwrap();
    rows.push(("one 512 px view, 980 k triangles", (estimate, started.elapsed().as_secs_f64() * 1e3)));
    let cube = Normalised::new(
        &mesh::load(&Bundle::new(one("c.glb", meshes::glb(&meshes::cube_model())), &limits).unwrap(), &limits).unwrap(),
    )
    .unwrap();
    let estimate = render::cost::view(&cube, &view, 512).work as f64 / 1e6;
    let started = Instant::now();
    render::render_png(&cube, &view, 512).unwrap();
    rows.push(("one 512 px view, a cube", (estimate, started.elapsed().as_secs_f64() * 1e3)));

    let mut low = Vec::new();
    for (what, (estimated, measured)) in &rows {
        eprintln!(
            "{what:<36} estimated {estimated:>9.1} ms  measured {measured:>9.1} ms  ratio {:.2}",
            estimated / measured
        );
        if *estimated < measured / 2.0 {
            low.push(*what);
        }
    }
    assert!(low.is_empty(), "estimates far below the measurement: {low:?}");
}
