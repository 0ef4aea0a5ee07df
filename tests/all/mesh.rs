//! Mesh loading and facts through the library: every format the crawls deliver (GLB, glTF with external buffer
//! and texture, Sketchfab's zip, OBJ + MTL), real models, broken files with typed errors, and the caps. The
//! `mesh-quality` cleaner is run through the CLI, each reason with a model that trips it and one that does not.

use aigc_host::mesh::{self, Bundle, Facts, Format, Limits, MeshError};
use aigc_host::store::{Dataset, NewFile, NewItem, Provenance};
use aigc_tests::meshes::{self, Model};
use aigc_tests::{aigc, plugins};
use serde_json::Value;

fn bundle(files: Vec<(String, Vec<u8>)>) -> Bundle {
    Bundle::new(files, &Limits::default()).unwrap()
}

fn facts_of(files: Vec<(String, Vec<u8>)>) -> Facts {
    mesh::facts(&bundle(files), &Limits::default()).unwrap()
}

fn error_of(files: Vec<(String, Vec<u8>)>) -> MeshError {
    mesh::facts(&bundle(files), &Limits::default()).unwrap_err()
}

fn one(name: &str, bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    vec![(name.to_string(), bytes)]
}

#[test]
fn glb_cube_facts() {
    let f = facts_of(one("model.glb", meshes::glb(&meshes::cube_model())));
    assert_eq!((f.format, f.vertices, f.faces, f.meshes), (Format::Glb, 24, 12, 1));
    assert_eq!((f.components, f.degenerate_faces, f.empty_meshes), (1, 0, 0));
    assert_eq!(f.bbox_min, Some([-0.5; 3]));
    assert_eq!(f.bbox_max, Some([0.5; 3]));
    assert!((f.surface_area - 6.0).abs() < 1e-6, "{}", f.surface_area);
    assert!(!f.textured && f.textures.is_empty());
    assert_eq!((f.scenes, f.nodes, f.animations, f.materials), (1, 1, 0, 1));
}

#[test]
fn gltf_with_external_buffer_and_texture() {
    let f = facts_of(meshes::gltf_files(&meshes::textured_cube_model()));
    assert_eq!((f.format, f.faces), (Format::Gltf, 12));
    assert!(f.textured, "{f:?}");
    assert_eq!((f.textures[0].width, f.textures[0].height), (64, 64));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn specular_glossiness_diffuse_texture_is_the_base_colour() {
    let files = edited_gltf(|r| {
        r["images"] = serde_json::json!([{"uri": "textures/diffuse.png"}]);
        r["textures"] = serde_json::json!([{"source": 0}]);
        r["extensionsUsed"] = serde_json::json!(["KHR_materials_pbrSpecularGlossiness"]);
        r["materials"] = serde_json::json!([{"extensions": {"KHR_materials_pbrSpecularGlossiness": {
            "diffuseFactor": [1.0, 0.5, 0.5, 1.0], "diffuseTexture": {"index": 0}}}}]);
    });
    // The cube model has no texture coordinates; the facts still name the texture, and it is decoded.
    let mut files = files;
    files.push(("textures/diffuse.png".into(), meshes::checker_png(32, 2)));
    let scene = mesh::load(&bundle(files), &Limits::default()).unwrap();
    assert_eq!(scene.materials[0].base_color, [1.0, 0.5, 0.5, 1.0]);
    assert_eq!(scene.materials[0].texture, Some(0));
    assert_eq!((scene.textures[0].width, scene.textures[0].height), (32, 32));
}

#[test]
fn sketchfab_zip_is_opened_and_its_scene_found() {
    let f = facts_of(one("model.zip", meshes::sketchfab_zip(&meshes::textured_cube_model())));
    assert_eq!((f.format, f.model_file.as_str(), f.faces), (Format::Gltf, "scene.gltf", 12));
    assert!(f.textured);
    // A GLB inside a zip, one folder down, next to a thumbnail.
    let glb = meshes::glb(&meshes::cube_model());
    let zip = meshes::zip_of(&[("thumb.png".into(), meshes::checker_png(8, 2)), ("source/cube.glb".into(), glb)]);
    let f = facts_of(one("download.zip", zip));
    assert_eq!((f.format, f.model_file.as_str()), (Format::Glb, "source/cube.glb"));
}

#[test]
fn obj_with_mtl_and_texture() {
    let f = facts_of(meshes::obj_files(&meshes::textured_quad_model(), "quad"));
    assert_eq!((f.format, f.faces, f.vertices), (Format::Obj, 2, 4));
    assert!(f.textured, "{f:?}");
    assert_eq!(f.textures[0].name, "quad.png");
    // Without its MTL the geometry still loads, untextured, with a warning saying why.
    let mut files = meshes::obj_files(&meshes::textured_quad_model(), "quad");
    files.retain(|(n, _)| n != "quad.mtl");
    let f = facts_of(files);
    assert!(!f.textured && f.warnings.iter().any(|w| w.contains("quad.mtl")), "{f:?}");
}

#[test]
fn separate_objects_are_separate_components() {
    let f = facts_of(one("two.glb", meshes::glb(&meshes::two_cubes_model())));
    assert_eq!((f.components, f.faces), (2, 24));
    assert!((f.largest_component_face_share - 0.5).abs() < 1e-9);
    assert!((f.largest_component_area_share - 0.5).abs() < 1e-9);
    // The cube's faces have their own vertices (split for texture coordinates) but share positions: one part.
    let f = facts_of(one("cube.obj", meshes::obj_files(&meshes::cube_model(), "cube").remove(0).1));
    assert_eq!(f.components, 1);
}

#[test]
fn real_models_load() {
    let read = |name: &str| std::fs::read(meshes::fixture_model(name)).unwrap();
    let f = facts_of(one("controller-textured.glb", read("controller-textured.glb")));
    assert!(f.textured && !f.textures.is_empty() && f.textures[0].width > 0, "{f:?}");
    assert!(f.faces > 1000 && f.meshes >= 7, "{f:?}");
    let f = facts_of(one("hand.glb", read("hand.glb")));
    assert!(!f.textured && f.faces > 1000 && f.components >= 1, "{f:?}");
}

/// A glTF document of the cube whose JSON `edit` changes.
fn edited_gltf(edit: impl FnOnce(&mut Value)) -> Vec<(String, Vec<u8>)> {
    let mut files = meshes::gltf_files(&meshes::cube_model());
    let mut root: Value = serde_json::from_slice(&files[0].1).unwrap();
    edit(&mut root);
    files[0].1 = serde_json::to_vec(&root).unwrap();
    files
}

#[test]
fn broken_files_give_typed_errors() {
    let glb = meshes::glb(&meshes::cube_model());
    let kind = |e: MeshError| e.kind();
    assert_eq!(kind(error_of(one("cut.glb", glb[..glb.len() / 2].to_vec()))), "truncated");
    assert_eq!(kind(error_of(one("tiny.glb", b"glTF\x02\0".to_vec()))), "truncated");
    let mut files = meshes::gltf_files(&meshes::cube_model());
    files.retain(|(n, _)| n != "scene.bin");
    let e = error_of(files);
    assert!(matches!(&e, MeshError::Missing(m) if m.contains("scene.bin")), "{e}");
    assert_eq!(kind(error_of(one("bad.gltf", b"{\"asset\": {\"version\": \"2.0\"".to_vec()))), "malformed");
    let points = edited_gltf(|r| r["meshes"][0]["primitives"][0]["mode"] = 0.into());
    assert!(matches!(error_of(points), MeshError::Unsupported(m) if m.contains("point or line")));
    let draco = edited_gltf(|r| {
        r["extensionsUsed"] = serde_json::json!(["KHR_draco_mesh_compression"]);
        r["extensionsRequired"] = serde_json::json!(["KHR_draco_mesh_compression"]);
    });
    let e = error_of(draco);
    assert!(matches!(&e, MeshError::Unsupported(m) if m.contains("draco")), "{e}");
    // A buffer shorter than it says.
    let mut short = meshes::gltf_files(&meshes::cube_model());
    short[1].1.truncate(10);
    assert_eq!(kind(error_of(short)), "truncated");
    // References outside the item are not followed, whatever they name.
    for uri in ["../../../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "https://example.com/scene.bin"] {
        let escaping = edited_gltf(|r| r["buffers"][0]["uri"] = uri.into());
        assert!(matches!(error_of(escaping), MeshError::Missing(_)), "{uri}");
    }
    assert_eq!(kind(error_of(one("notes.txt", b"hello".to_vec()))), "no-model");
    assert_eq!(kind(error_of(one("empty.zip", meshes::zip_of(&[])))), "no-model");
    let junk = Bundle::new(one("junk.zip", b"PK\x03\x04 not really".to_vec()), &Limits::default());
    assert_eq!(junk.unwrap_err().kind(), "malformed");
    assert_eq!(kind(error_of(one("bad.obj", b"v 1 2 3\nf 1 2 9\n".to_vec()))), "malformed");
}

#[test]
fn caps_are_limits() {
    let tight = Limits { archive_entries: 2, faces: 10, ..Limits::default() };
    let zip = meshes::sketchfab_zip(&meshes::cube_model());
    let e = Bundle::new(one("m.zip", zip), &tight).unwrap_err();
    assert!(matches!(&e, MeshError::Limit(m) if m.contains("entries")), "{e}");
    let b = bundle(one("m.glb", meshes::glb(&meshes::cube_model())));
    assert!(matches!(mesh::load(&b, &tight), Err(MeshError::Limit(m)) if m.contains("faces")));
    let small_files = Limits { file_bytes: 100, ..Limits::default() };
    let b = Bundle::new(one("m.glb", meshes::glb(&meshes::cube_model())), &small_files).unwrap();
    assert_eq!(mesh::load(&b, &small_files).unwrap_err().kind(), "too-large");
}

#[test]
fn empty_scene_has_no_faces() {
    let empty = edited_gltf(|r| {
        r["scenes"] = serde_json::json!([{"nodes": []}]);
    });
    let f = facts_of(empty);
    assert_eq!((f.faces, f.components, f.bbox_min), (0, 0, None));
}

// --- the mesh-quality cleaner, through the CLI ---

/// Stores `files` as one item of category `models`; returns its id.
fn put(dataset: &Dataset, key: &str, files: Vec<(String, Vec<u8>)>) -> String {
    let item = NewItem {
        source_key: key.to_string(),
        category: Some("models".into()),
        title: Some(key.into()),
        provenance: Provenance {
            source_url: format!("https://example.invalid/{key}"),
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
    dataset.put_item(None, &item).unwrap().id
}

/// `(keep, reason)` of each item after a `mesh-quality` run with `settings`.
fn judge(dir: &std::path::Path, settings: &[&str]) -> std::collections::BTreeMap<String, (bool, String)> {
    let mut args = vec!["clean".to_string(), dir.display().to_string(), "--rule".into(), plugins::MESH_QUALITY.into()];
    for s in settings {
        args.extend(["--set".to_string(), s.to_string()]);
    }
    args.push("--json".into());
    let out = aigc(&args);
    assert_eq!(out.json()["errors"], 0, "{}", out.stderr);
    let dataset = Dataset::open(dir).unwrap();
    let items = dataset.items(None, None, 100).unwrap();
    let mut verdicts = std::collections::BTreeMap::new();
    for item in items {
        let shown = aigc(["dataset", "show", &dir.display().to_string(), &item.id, "--json"]).json();
        let v = &shown["verdicts"][0];
        verdicts.insert(item.source_key, (v["keep"].as_bool().unwrap(), v["reason"].as_str().unwrap().to_string()));
    }
    verdicts
}

#[test]
fn mesh_quality_each_reason_both_ways() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let dataset = Dataset::create_or_open(&dir).unwrap();
    let glb = meshes::glb(&meshes::cube_model());
    let two_textured = Model { texture: Some(meshes::checker_png(16, 2)), ..meshes::two_cubes_model() };
    put(&dataset, "cube", one("cube.glb", glb.clone()));
    put(&dataset, "textured", one("model.zip", meshes::sketchfab_zip(&meshes::textured_cube_model())));
    put(&dataset, "two", one("two.glb", meshes::glb(&two_textured)));
    put(&dataset, "broken", one("broken.glb", glb[..glb.len() - 40].to_vec()));
    put(&dataset, "empty", edited_gltf(|r| r["scenes"] = serde_json::json!([{"nodes": []}])));
    put(&dataset, "hand", one("hand.glb", std::fs::read(meshes::fixture_model("hand.glb")).unwrap()));
    put(&dataset, "thumbnail", one("thumb.png", meshes::checker_png(8, 2)));
    drop(dataset);

    let v = judge(&dir, &["min_faces=10", "require_texture=true", "min_component_share=0.6"]);
    let expect = |key: &str, keep: bool, reason: &str| assert_eq!(v[key], (keep, reason.to_string()), "{key}: {v:?}");
    expect("broken", false, "unreadable");
    expect("empty", false, "empty");
    expect("cube", false, "untextured");
    expect("hand", false, "untextured");
    expect("two", false, "multiple-objects");
    expect("textured", true, "ok");
    expect("thumbnail", true, "not-a-model");

    let v = judge(&dir, &["min_faces=100"]);
    let expect = |key: &str, keep: bool, reason: &str| assert_eq!(v[key], (keep, reason.to_string()), "{key}: {v:?}");
    expect("cube", false, "too-few-faces");
    expect("two", false, "too-few-faces");
    expect("hand", true, "ok");
    expect("broken", false, "unreadable");
}
