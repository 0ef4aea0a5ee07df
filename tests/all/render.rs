//! The CPU renderer checked by what the pictures show (silhouette position and area against the known geometry,
//! transparent background, textures, determinism), its cameras against the K * RT projection they publish, and
//! `aigc-host render` end to end with the render item contract the exports depend on.

use aigc_host::mesh::{self, Bundle, Limits};
use aigc_host::render::{self, Normalised, View, ViewSet, camera};
use aigc_host::store::{Dataset, NewFile, NewItem, Provenance, item_id};
use aigc_tests::aigc;
use aigc_tests::meshes::{self, Model};
use serde_json::Value;

fn normalised(model: &Model) -> Normalised {
    let bundle = Bundle::new(vec![("m.glb".into(), meshes::glb(model))], &Limits::default()).unwrap();
    Normalised::new(&mesh::load(&bundle, &Limits::default()).unwrap()).unwrap()
}

/// Where a world point lands through the published matrices: `(u, v) ~ K * diag(1, -1, -1) * RT * (x, 1)`.
fn project_with_k_rt(view: &View, size: u32, p: [f64; 3]) -> (f64, f64) {
    let rt = view.rt();
    let k = render::intrinsics(size);
    let c: Vec<f64> = (0..3).map(|i| (0..3).map(|j| rt[i][j] * p[j]).sum::<f64>() + rt[i][3]).collect();
    let cv = [c[0], -c[1], -c[2]]; // Blender camera to OpenCV camera
    let h: Vec<f64> = (0..3).map(|i| (0..3).map(|j| k[i][j] * cv[j]).sum()).collect();
    (h[0] / h[2], h[1] / h[2])
}

/// Pixels with any coverage: (count, summed alpha in pixels, bounding box [x0, y0, x1, y1] inclusive).
fn silhouette(image: &image::RgbaImage) -> (u32, f64, [u32; 4]) {
    let (mut count, mut area, mut bbox) = (0, 0.0, [u32::MAX, u32::MAX, 0, 0]);
    for (x, y, p) in image.enumerate_pixels() {
        if p[3] > 0 {
            count += 1;
            area += f64::from(p[3]) / 255.0;
            bbox = [bbox[0].min(x), bbox[1].min(y), bbox[2].max(x), bbox[3].max(y)];
        }
    }
    (count, area, bbox)
}

/// Area of the convex hull of points (gift wrapping; 8 points).
fn hull_area(points: &[(f64, f64)]) -> f64 {
    let start = points.iter().copied().fold((f64::INFINITY, 0.0), |a, p| if p.0 < a.0 { p } else { a });
    let mut hull = vec![start];
    loop {
        let last = *hull.last().unwrap();
        let mut next = points[0];
        for &p in points {
            let cross = (next.0 - last.0) * (p.1 - last.1) - (next.1 - last.1) * (p.0 - last.0);
            if next == last || cross < 0.0 {
                next = p;
            }
        }
        if next == start || hull.len() > points.len() {
            break;
        }
        hull.push(next);
    }
    let n = hull.len();
    (0..n).map(|i| hull[i].0 * hull[(i + 1) % n].1 - hull[(i + 1) % n].0 * hull[i].1).sum::<f64>().abs() / 2.0
}

#[test]
fn cube_silhouette_is_where_k_rt_says_with_the_right_area() {
    let cube = normalised(&meshes::cube_model());
    assert_eq!(cube.corners().iter().flatten().fold(0.0f64, |m, c| m.max(c.abs())), 0.5);
    let mut views = render::random_views(12, 3);
    views.extend(render::ring_views(ViewSet::Ring30));
    views.extend(render::ring_views(ViewSet::Ring0));
    let mut checked = 0;
    for view in views.iter().step_by(3) {
        let image = render::render(&cube, view, 512).unwrap();
        let corners: Vec<(f64, f64)> = cube.corners().iter().map(|&c| project_with_k_rt(view, 512, c)).collect();
        let inside = corners.iter().all(|&(u, v)| (0.0..512.0).contains(&u) && (0.0..512.0).contains(&v));
        // Every view farther than the box's circumscribed sphere needs (0.866 / sin 24.57 = 2.085) frames it whole.
        if view.radius >= 2.09 {
            assert!(inside, "{view:?}: {corners:?}");
        }
        if !inside {
            continue;
        }
        // The silhouette of a convex box is the hull of its projected corners: same bounding box, same area.
        let (_, area, bbox) = silhouette(&image);
        let min_u = corners.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
        let max_u = corners.iter().map(|c| c.0).fold(f64::NEG_INFINITY, f64::max);
        let min_v = corners.iter().map(|c| c.1).fold(f64::INFINITY, f64::min);
        let max_v = corners.iter().map(|c| c.1).fold(f64::NEG_INFINITY, f64::max);
        let near = |pixel: u32, edge: f64| (f64::from(pixel) - edge).abs() <= 1.5;
        assert!(
            near(bbox[0], min_u) && near(bbox[2], max_u - 1.0) && near(bbox[1], min_v) && near(bbox[3], max_v - 1.0),
            "{view:?}: silhouette {bbox:?} vs projection u {min_u:.1}..{max_u:.1} v {min_v:.1}..{max_v:.1}"
        );
        let expected = hull_area(&corners);
        assert!((area - expected).abs() / expected < 0.01, "{view:?}: area {area:.0} vs {expected:.0}");
        // The centre of the box lands on the image centre.
        let (u, v) = project_with_k_rt(view, 512, [0.0; 3]);
        assert!((u - 256.0).abs() < 1e-9 && (v - 256.0).abs() < 1e-9);
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} views framed the whole box");
}

#[test]
fn background_is_transparent_and_the_object_centred() {
    let cube = normalised(&meshes::cube_model());
    let view = View::at(ViewSet::Random, 0, 2.2, 20.0, 35.0);
    let image = render::render(&cube, &view, 512).unwrap();
    for (x, y) in [(0, 0), (511, 0), (0, 511), (511, 511), (256, 5)] {
        assert_eq!(image.get_pixel(x, y).0, [0, 0, 0, 0], "({x}, {y})");
    }
    let centre = image.get_pixel(256, 256).0;
    assert_eq!(centre[3], 255);
    // Red cube, lit: red dominates, and it is neither black nor blown out.
    assert!(u16::from(centre[0]) > 2 * u16::from(centre[1].max(centre[2])) && centre[0] > 60, "{centre:?}");
    let (count, _, bbox) = silhouette(&image);
    // Centred up to perspective: the nearer bottom corner looms larger than the far top one.
    let (cx, cy) = (f64::from(bbox[0] + bbox[2]) / 2.0, f64::from(bbox[1] + bbox[3]) / 2.0);
    assert!((cx - 256.0).abs() < 50.0 && (cy - 256.0).abs() < 50.0, "{bbox:?}");
    assert!(count > 20_000 && count < 150_000, "{count} pixels");
    // Edges are anti-aliased: some pixels are partly covered.
    assert!(image.pixels().any(|p| p[3] > 0 && p[3] < 255));
}

#[test]
fn up_in_gltf_is_up_in_the_image() {
    // A big cube at the origin and a small one above it on glTF's +Y: Blender's +Z, the top of every ring view.
    let model = Model {
        meshes: vec![meshes::cube([0.0; 3], 1.0, [0.8; 4]), meshes::cube([0.0, 1.2, 0.0], 0.3, [0.1, 0.1, 0.9, 1.0])],
        texture: None,
    };
    let scene = normalised(&model);
    for view in render::ring_views(ViewSet::Ring0).iter().step_by(4) {
        let image = render::render(&scene, view, 256).unwrap();
        if let Ok(dir) = std::env::var("AIGC_DEBUG_RENDERS") {
            image.save(format!("{dir}/up_{}.png", view.index)).unwrap();
        }
        let blue_rows: Vec<u32> = image
            .enumerate_pixels()
            .filter(|(_, _, p)| p[3] == 255 && u16::from(p[2]) > 2 * u16::from(p[0]))
            .map(|(_, y, _)| y)
            .collect();
        assert!(!blue_rows.is_empty(), "{view:?}: the small cube is visible");
        assert!(blue_rows.iter().all(|&y| y < 128), "{view:?}: the small cube is in the top half");
    }
}

#[test]
fn textures_are_drawn() {
    // The checker quad faces glTF +Z, which is Blender's -Y: a camera at azimuth -90 looks straight at it.
    let quad = normalised(&meshes::textured_quad_model());
    let image = render::render(&quad, &View::at(ViewSet::Random, 0, 2.0, 0.0, -90.0), 256).unwrap();
    let opaque: Vec<[u8; 4]> = image.pixels().filter(|p| p[3] == 255).map(|p| p.0).collect();
    let dark = opaque.iter().filter(|p| p[0] < 60).count();
    let light = opaque.iter().filter(|p| p[0] > 150).count();
    assert!(dark > opaque.len() / 4 && light > opaque.len() / 4, "{dark} dark, {light} light of {}", opaque.len());
    // From behind, the quad is still drawn (Cycles draws both sides), lit from the side it is seen.
    let back = render::render(&quad, &View::at(ViewSet::Random, 0, 2.0, 0.0, 90.0), 256).unwrap();
    assert!(back.pixels().filter(|p| p[3] == 255).count() > 1000);
    // A textured cube from above at an angle: three faces, each with its checker.
    let cube = normalised(&meshes::textured_cube_model());
    let oblique = render::render(&cube, &View::at(ViewSet::Random, 0, 2.2, 35.0, 30.0), 512).unwrap();
    if let Ok(dir) = std::env::var("AIGC_DEBUG_RENDERS") {
        oblique.save(format!("{dir}/textured_cube.png")).unwrap();
    }
    let opaque: Vec<[u8; 4]> = oblique.pixels().filter(|p| p[3] == 255).map(|p| p.0).collect();
    assert!(opaque.iter().filter(|p| p[0] < 40).count() > opaque.len() / 5);
    assert!(opaque.iter().filter(|p| p[0] > 120).count() > opaque.len() / 5);
}

#[test]
fn renders_are_deterministic_for_a_seed() {
    let scene = normalised(&meshes::textured_cube_model());
    let draw = |seed: u64| -> Vec<Vec<u8>> {
        render::random_views(3, seed).iter().map(|v| render::render_png(&scene, v, 128).unwrap()).collect()
    };
    assert_eq!(draw(5), draw(5));
    assert_ne!(draw(5), draw(6));
    assert_ne!(camera::model_seed(0, "a"), camera::model_seed(0, "b"));
}

fn put(dataset: &Dataset, key: &str, name: &str, data: Vec<u8>) -> String {
    let item = NewItem {
        source_key: key.into(),
        category: Some("toys".into()),
        title: Some(name.into()),
        provenance: Provenance {
            source_url: format!("https://example.invalid/{key}"),
            licence: Some("CC-BY-4.0".into()),
            licence_url: None,
            author: Some("someone".into()),
            author_url: None,
        },
        metadata: "{}".into(),
        files: vec![NewFile { name: name.into(), media_type: "model/gltf-binary".into(), data }],
        parent: None,
    };
    dataset.put_item(None, &item).unwrap().id
}

#[test]
fn render_command_stores_the_contract() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let dataset = Dataset::create_or_open(&dir).unwrap();
    let glb = meshes::glb(&meshes::textured_cube_model());
    let cube = put(&dataset, "cube", "model.glb", glb.clone());
    let zip = put(&dataset, "zip", "model.zip", meshes::sketchfab_zip(&meshes::cube_model()));
    let broken = put(&dataset, "broken", "model.glb", glb[..glb.len() / 2].to_vec());
    put(&dataset, "thumb", "thumbnail.png", meshes::checker_png(8, 2));
    drop(dataset);
    let dir_arg = dir.display().to_string();

    let out = aigc(["render", &dir_arg, "--views", "2", "--rings", "--seed", "9", "--json"]);
    assert_eq!(out.code, 1, "a broken model fails the run: {}", out.stderr);
    let summary = out.json();
    assert_eq!((summary["models"].as_u64(), summary["rendered"].as_u64()), (Some(3), Some(2)), "{summary:#}");
    assert_eq!((summary["views"].as_u64(), summary["failed"].as_u64()), (Some(52), Some(1)), "{summary:#}");
    assert_eq!(summary["errors"][0]["item"], broken.as_str());
    assert_eq!(summary["errors"][0]["kind"], "truncated");
    assert!(summary["views_per_second"].as_f64().unwrap() > 0.0);

    let dataset = Dataset::open(&dir).unwrap();
    for (model, set, view) in [(&cube, "random", 1), (&cube, "ring30", 11), (&zip, "ring0", 0)] {
        let id = item_id(&format!("render:{model}:{set}:{view:03}"));
        let item = dataset.get(&id).unwrap().unwrap_or_else(|| panic!("no render {set} {view} of {model}"));
        assert_eq!(item.parent.as_deref(), Some(model.as_str()));
        assert_eq!(item.category.as_deref(), Some("toys"));
        assert_eq!(item.provenance.licence.as_deref(), Some("CC-BY-4.0"));
        assert_eq!(item.files.len(), 1);
        let png = dataset.read_file(&id, "view.png").unwrap().unwrap();
        let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
        assert_eq!(image.color(), image::ColorType::Rgba8);
        let image = image.into_rgba8();
        assert_eq!(image.dimensions(), (512, 512));
        assert_eq!(image.get_pixel(0, 0)[3], 0, "transparent background");
        assert_eq!(image.get_pixel(256, 256)[3], 255, "the object in the middle");

        let meta: Value = serde_json::from_str(&item.metadata).unwrap();
        assert_eq!((meta["set"].as_str(), meta["view"].as_u64()), (Some(set), Some(view)));
        assert_eq!((meta["seed"].as_u64(), meta["size"].as_u64()), (Some(9), Some(512)));
        let cam = &meta["camera"];
        let rt: Vec<Vec<f64>> = serde_json::from_value(cam["rt"].clone()).unwrap();
        let k: Vec<Vec<f64>> = serde_json::from_value(cam["k"].clone()).unwrap();
        assert!(rt.len() == 3 && rt.iter().all(|r| r.len() == 4));
        assert_eq!(k, vec![vec![560.0, 0.0, 256.0], vec![0.0, 560.0, 256.0], vec![0.0, 0.0, 1.0]]);
        assert!((cam["fov_deg"].as_f64().unwrap() - 49.13).abs() < 0.01);
        // The camera is `radius` from the origin: |t| of a rotation-and-translation is the distance.
        let t = (rt[0][3].powi(2) + rt[1][3].powi(2) + rt[2][3].powi(2)).sqrt();
        assert!((t - cam["radius"].as_f64().unwrap()).abs() < 1e-9);
        if set != "random" {
            let elevation = if set == "ring30" { 30.0 } else { 0.0 };
            assert_eq!(cam["elevation_deg"].as_f64(), Some(elevation));
            assert_eq!(cam["azimuth_deg"].as_f64(), Some(30.0 * view as f64));
        } else {
            assert!((1.5..=2.2).contains(&cam["radius"].as_f64().unwrap()));
        }
    }

    // Again: everything is there, nothing is drawn; the broken model is reported again.
    let again = aigc(["render", &dir_arg, "--views", "2", "--rings", "--seed", "9", "--json"]).json();
    assert_eq!(
        (again["views"].as_u64(), again["skipped"].as_u64(), again["failed"].as_u64()),
        (Some(0), Some(2), Some(1))
    );
    // More views later: only the new ones are drawn.
    let more = aigc(["render", &dir_arg, "--views", "3", "--seed", "9", "--category", "toys", "--json"]).json();
    assert_eq!(more["views"].as_u64(), Some(2), "{more:#}");
}
