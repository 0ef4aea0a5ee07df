//! `aigc-host evaluate` with metric plugins (WIT 0.1.1's `metric` world), and a plugin built for WIT 0.1.0
//! running on this host.

use std::path::Path;

use aigc_host::metrics::pairs::{self, Planes, SsimOptions};
use aigc_tests::{aigc, plugins};

/// A textured 96×96 RGB image (rings and stripes: structure for SSIM to see), shifted by `phase`.
fn photo(phase: f32) -> image::RgbImage {
    image::RgbImage::from_fn(96, 96, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let ring = ((fx - 48.0).hypot(fy - 40.0) / 5.0 + phase).sin();
        let stripe = (fx / 7.0 + fy / 11.0 + phase).cos();
        let v = |k: f32| (127.5 + 100.0 * (ring * k + stripe * (1.0 - k))).clamp(0.0, 255.0) as u8;
        image::Rgb([v(0.8), v(0.5), v(0.2)])
    })
}

fn save(image: &image::RgbImage, path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image.save(path).unwrap();
}

/// Generated images: blurred, shifted and one identical copy of three references.
fn sets(root: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (generated, reference) = (root.join("generated"), root.join("reference"));
    for (i, phase) in [0.0f32, 1.0, 2.0].into_iter().enumerate() {
        let original = photo(phase);
        save(&original, &reference.join(format!("{i}.png")));
        let made = match i {
            0 => image::imageops::blur(&original, 1.5),
            1 => photo(phase + 0.4),
            _ => original.clone(),
        };
        save(&made, &generated.join(format!("{i}.png")));
    }
    (generated, reference)
}

#[test]
fn image_similarity_reports_the_hosts_measures_per_pair_with_their_conventions() {
    let dir = tempfile::tempdir().unwrap();
    let (generated, reference) = sets(dir.path());
    let html = dir.path().join("report.html");
    let report =
        evaluate_json(None, plugins::IMAGE_SIMILARITY, &generated, &reference, &["--html", html.to_str().unwrap()]);
    assert_eq!(report["pairs"].as_array().unwrap().len(), 3, "equal names pair up: {report}");
    let metric = &report["metrics"][0];
    assert!(metric["error"].is_null(), "{metric}");
    let score = |name: &str| metric["scores"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap().clone();

    // Each pair's SSIM is the host's kernel on the same files (Gaussian window, data range 1).
    let ssim = score("ssim");
    let per_pair: Vec<f64> = ssim["per_item"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for (i, got) in per_pair.iter().enumerate() {
        let a = Planes::open(&generated.join(format!("{i}.png"))).unwrap();
        let b = Planes::open(&reference.join(format!("{i}.png"))).unwrap();
        let want = pairs::ssim(&a, &b, &SsimOptions::gaussian(1.0)).unwrap().mean;
        assert!((got - want).abs() < 1e-12, "pair {i}: {got} vs {want}");
    }
    assert!(per_pair[0] < 1.0 && per_pair[1] < per_pair[0] && (per_pair[2] - 1.0).abs() < 1e-9, "{per_pair:?}");
    let mean = per_pair.iter().sum::<f64>() / 3.0;
    assert!((ssim["value"].as_f64().unwrap() - mean).abs() < 1e-12);
    let [low, high] = [0, 1].map(|k| ssim["interval"][k].as_f64().unwrap());
    assert!(low <= mean && mean <= high, "{ssim}");
    assert!(ssim["convention"].as_str().unwrap().contains("Gaussian window σ 1.5"), "{ssim}");
    // The report shows the worst pairs first, with thumbnails of both images.
    let page = std::fs::read_to_string(&html).unwrap();
    let worst = page.find("<figcaption>1.png vs 1.png").expect("the worst SSIM pair is shown");
    assert!(worst < page.find("<figcaption>0.png vs 0.png").unwrap(), "worst first");
    assert!(page.matches("<img src=\"data:image/jpeg;base64,").count() >= 6, "thumbnails of both sides");
    assert_eq!(ssim["higher_is_better"], true);
    // The identical pair has no finite PSNR: it is left out, and the convention says so.
    let psnr = score("psnr");
    assert_eq!(psnr["per_item"].as_array().unwrap().len(), 2);
    assert!(psnr["convention"].as_str().unwrap().contains("1 identical pair(s)"), "{psnr}");
    assert_eq!(score("mse")["per_item"][2], 0.0);

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("image-similarity") && page.contains("ssim = "), "{page}");
}

#[test]
fn evaluation_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let (generated, reference) = sets(dir.path());
    let run = |generated: &Path, reference: &Path, extra: &[&str]| {
        let mut args = vec![
            "evaluate",
            plugins::IMAGE_SIMILARITY,
            "--generated",
            generated.to_str().unwrap(),
            "--reference",
            reference.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        aigc(args)
    };
    // An empty folder.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = run(&empty, &reference, &[]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("generated folder") && out.stderr.contains("holds no images"), "{}", out.stderr);
    // No pairs: the metric says how to give them.
    let renamed = dir.path().join("renamed");
    save(&photo(0.0), &renamed.join("other.png"));
    let out = run(&renamed, &reference, &[]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("no pairs") && out.stdout.contains("--pairs"), "{}", out.stdout);
    // Different sizes: an error naming both files, unless a size is set.
    let small = dir.path().join("small");
    for i in 0..3 {
        save(
            &image::imageops::resize(&photo(0.0), 64, 64, image::imageops::FilterType::Triangle),
            &small.join(format!("{i}.png")),
        );
    }
    let out = run(&small, &reference, &[]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("comparing `0.png` with `0.png`") && out.stdout.contains("64"), "{}", out.stdout);
    run(&small, &reference, &["--set", "size=64"]).assert_ok();
    // A pair file naming a sample that is not there.
    let pairs = dir.path().join("pairs.csv");
    std::fs::write(&pairs, "0.png,9.png\n").unwrap();
    let out = run(&generated, &reference, &["--pairs", pairs.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no reference sample named `9.png`"), "{}", out.stderr);
    // Another kind of plugin is refused before anything runs.
    let out = aigc(["evaluate", plugins::SIZE_RULE, "--generated", generated.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("cleaner"), "{}", out.stderr);
}

/// A plugin built with wit-bindgen against the frozen `aigc:plugin@0.1.0` WIT (tests/wit-0.1.0) runs on this
/// host, which speaks 0.1.1: its imports are 0.1.0's, and its verdicts are stored as any rule's.
#[test]
fn a_plugin_built_for_wit_0_1_0_still_runs() {
    let bytes = std::fs::read(plugins::LEGACY_CLEANER).unwrap();
    let imports = aigc_host::build::component_imports(Path::new(plugins::LEGACY_CLEANER), &bytes).unwrap();
    let ours: Vec<&String> = imports.iter().filter(|i| i.starts_with("aigc:plugin/")).collect();
    assert!(!ours.is_empty() && ours.iter().all(|i| i.ends_with("@0.1.0")), "{imports:?}");
    let inspected = aigc(["inspect", plugins::LEGACY_CLEANER, "--json"]);
    assert_eq!(inspected.assert_ok().json()["wit"], "aigc:plugin@0.1.0");

    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    save(&photo(0.0), &images.join("a.png"));
    save(&photo(1.0), &images.join("long-name.png"));
    let ds = dir.path().join("ds");
    aigc(["dataset", "import", ds.to_str().unwrap(), images.to_str().unwrap(), "-q"]).assert_ok();
    let out =
        aigc(["clean", ds.to_str().unwrap(), "--rule", plugins::LEGACY_CLEANER, "--set", "min_title=5", "--json"]);
    let summary = out.assert_ok().json();
    assert_eq!(
        (summary["checked"].as_u64(), summary["kept"].as_u64(), summary["dropped"].as_u64()),
        (Some(2), Some(1), Some(1)),
        "{summary}"
    );
    assert_eq!(summary["by_reason"]["short-title"], 1, "{summary}");
}

/// `aigc-host evaluate PLUGIN --generated G --reference R EXTRA... --json`, checked to succeed: its report. With
/// `models`, the host reads that model registry.
fn evaluate_json(
    models: Option<&Path>,
    plugin: &str,
    generated: &Path,
    reference: &Path,
    extra: &[&str],
) -> serde_json::Value {
    let out = evaluate_output(models, plugin, generated, reference, extra);
    out.assert_ok().json()
}

/// `aigc-host evaluate ... --json`, whatever its exit status (a metric's error is in the report).
fn evaluate_output(
    models: Option<&Path>,
    plugin: &str,
    generated: &Path,
    reference: &Path,
    extra: &[&str],
) -> aigc_tests::Output {
    let (generated, reference) = (generated.to_str().unwrap(), reference.to_str().unwrap());
    let mut args = vec!["evaluate", plugin, "--generated", generated, "--reference", reference];
    args.extend_from_slice(extra);
    args.push("--json");
    match models {
        Some(models) => with_registry(models, &args),
        None => aigc(args),
    }
}

fn tiny() -> std::path::PathBuf {
    aigc_tests::root().join("models/tiny")
}

/// Runs the host with a model registry of its own.
fn with_registry(models: &Path, args: &[&str]) -> aigc_tests::Output {
    let out = aigc_tests::command(args).env("AIGC_HOST_MODELS", models).output().unwrap();
    aigc_tests::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// FID and CLIP score through the tiny models: the plugins' numbers equal the statistics of the features Python
/// torch computed for the same images (models/tiny/reference.json), so the whole chain (decode, preprocess,
/// model, statistics, plugin) is checked against the reference.
#[test]
fn fid_and_clip_score_equal_the_statistics_of_python_torchs_features() {
    use aigc_host::metrics::distribution::{Moments, frechet_distance};
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    for (folder, name) in [("tiny-features", "inception"), ("tiny-clip", "clip")] {
        let folder = tiny().join(folder);
        with_registry(&models, &["models", "add", folder.to_str().unwrap(), "--name", name, "-q"]).assert_ok();
    }
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tiny().join("reference.json")).unwrap()).unwrap();
    let files: Vec<String> =
        reference["images"].as_array().unwrap().iter().map(|i| i["file"].as_str().unwrap().to_string()).collect();
    let floats = |v: &serde_json::Value| -> Vec<f32> {
        v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
    };
    // The first four images are "generated", the other three the references; each folder lists by name.
    let (generated, references) = (dir.path().join("generated"), dir.path().join("reference"));
    let mut sides: [Vec<(String, usize)>; 2] = [Vec::new(), Vec::new()];
    for (i, file) in files.iter().enumerate() {
        let name = Path::new(file).file_name().unwrap().to_str().unwrap().to_string();
        let side = usize::from(i >= 4);
        let folder = if side == 0 { &generated } else { &references };
        std::fs::create_dir_all(folder).unwrap();
        std::fs::copy(tiny().join(file), folder.join(&name)).unwrap();
        sides[side].push((name, i));
    }
    for side in &mut sides {
        side.sort();
    }

    let report =
        evaluate_json(Some(&models), plugins::FID, &generated, &references, &["--model", "inception=inception"]);
    let scores = &report["metrics"][0]["scores"];
    let fid = scores[0]["value"].as_f64().unwrap();
    let gaussian = |side: &[(String, usize)]| {
        let mut moments = Moments::new(16).unwrap();
        for (_, i) in side {
            moments.push(&floats(&reference["tiny-features"]["features"][*i])).unwrap();
        }
        moments.gaussian().unwrap()
    };
    let want = frechet_distance(&gaussian(&sides[0]), &gaussian(&sides[1])).unwrap();
    assert!((fid - want).abs() <= 1e-4 * want.abs().max(1e-3), "FID {fid}, from torch's features {want}");
    let kid = &scores[1];
    assert_eq!(kid["name"], "kid");
    assert_eq!(kid["per_item"].as_array().unwrap().len(), 100, "one value per subset: {kid}");
    assert!(kid["convention"].as_str().unwrap().contains("subsets of 3 (asked 1000)"), "{kid}");

    // CLIP score: each generated image against one prompt, as torchmetrics defines it.
    let prompts: Vec<String> =
        reference["prompts"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
    let lines: String = sides[0]
        .iter()
        .enumerate()
        .map(|(k, (name, _))| {
            format!("{}\n", serde_json::json!({"file_name": name, "text": prompts[k % prompts.len()]}))
        })
        .collect();
    let prompt_file = dir.path().join("prompts.jsonl");
    std::fs::write(&prompt_file, lines).unwrap();
    let prompts_arg = ["--prompts", prompt_file.to_str().unwrap()];
    let report = evaluate_json(Some(&models), plugins::CLIP_SCORE, &generated, &references, &prompts_arg);
    let clip = &report["metrics"][0]["scores"][0];
    assert_eq!(clip["name"], "clip-score");
    for (k, ((_, i), got)) in sides[0].iter().zip(clip["per_item"].as_array().unwrap()).enumerate() {
        let want = reference["tiny-clip"]["clip_score"][*i][k % prompts.len()].as_f64().unwrap();
        assert!((got.as_f64().unwrap() - want).abs() < 1e-3, "image {i}, prompt {k}: {got} vs {want}");
    }
    let image = &report["metrics"][0]["scores"][1];
    assert_eq!(image["name"], "clip-image");
    assert_eq!(image["per_item"].as_array().unwrap().len(), 4, "{image}");
}

/// Chamfer distance, F-score and IoU through the mesh-similarity plugin: a model against itself is a perfect
/// match, and a box half as deep as the reference cube has the IoU the geometry gives (both normalised to largest
/// side 1 and centred, the box fills half the cube) and the Chamfer distance the host's kernels give on the same
/// files.
#[test]
fn mesh_similarity_matches_the_geometry_and_the_hosts_kernels() {
    use aigc_host::mesh::{Bundle, Limits, load};
    use aigc_host::metrics::points::{Chamfer, Frame, Nearest, Surface};
    use aigc_tests::meshes::{Model, cube, glb};
    let dir = tempfile::tempdir().unwrap();
    let (generated, reference) = (dir.path().join("generated"), dir.path().join("reference"));
    std::fs::create_dir_all(&generated).unwrap();
    std::fs::create_dir_all(&reference).unwrap();
    let red = [0.8, 0.1, 0.1, 1.0];
    let unit = Model { meshes: vec![cube([0.0; 3], 1.0, red)], texture: None };
    let mut flat = cube([0.0; 3], 1.0, red);
    for p in &mut flat.positions {
        p[2] *= 0.5;
    }
    let flat = Model { meshes: vec![flat], texture: None };
    for (name, generated_model) in [("flat.glb", &flat), ("same.glb", &unit)] {
        std::fs::write(generated.join(name), glb(generated_model)).unwrap();
        std::fs::write(reference.join(name), glb(&unit)).unwrap();
    }
    let report = evaluate_json(None, plugins::MESH_SIMILARITY, &generated, &reference, &["--set", "points=4000"]);
    let metric = &report["metrics"][0];
    assert!(metric["error"].is_null(), "{metric}");
    let per_item = |name: &str| -> Vec<f64> {
        let score = metric["scores"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap();
        score["per_item"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
    };
    // Pairs are in name order: flat, then same.
    let (chamfer, fscore, iou) = (per_item("chamfer"), per_item("fscore"), per_item("iou"));
    assert_eq!((chamfer[1], fscore[1], iou[1]), (0.0, 1.0, 1.0), "a model against itself");
    assert!((iou[0] - 0.5).abs() < 0.04, "the half-deep box fills half the cube: IoU {}", iou[0]);
    assert!(fscore[0] < 1.0 && chamfer[0] > 0.01, "chamfer {chamfer:?}, fscore {fscore:?}");

    let surface = |path: &Path| {
        let files = vec![("m.glb".to_string(), std::fs::read(path).unwrap())];
        Surface::new(
            &load(&Bundle::new(files, &Limits::default()).unwrap(), &Limits::default()).unwrap(),
            Frame::Normalised,
        )
        .unwrap()
    };
    let (a, b) = (surface(&generated.join("flat.glb")), surface(&reference.join("flat.glb")));
    let nearest = Nearest::between(&a.sample(4000, 0).unwrap(), &b.sample(4000, 0).unwrap()).unwrap();
    let want = nearest.chamfer(Chamfer::EUCLIDEAN_MEAN_AVERAGE).unwrap().total;
    assert!((chamfer[0] - want).abs() < 1e-12, "plugin {} vs kernel {want}", chamfer[0]);
}

/// The Python the metric references run in (`make metrics-venv`): `AIGC_METRICS_PYTHON`, or the venv's default
/// place.
fn metrics_python() -> std::path::PathBuf {
    let python = std::env::var_os("AIGC_METRICS_PYTHON").map(std::path::PathBuf::from).unwrap_or_else(|| {
        std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
            .join(".cache/aigc-host/metrics-venv/bin/python")
    });
    assert!(
        python.exists(),
        "{} is missing: run `make metrics-venv` (pytorch-fid over the torch venv)",
        python.display()
    );
    python
}

/// FID through pytorch-fid's own Inception network, exported by models/export_features.py (random weights, as no
/// weights can be downloaded here) and registered as users register the real one, equals pytorch-fid's
/// `get_activations` + `calculate_frechet_distance` on the same folders: its PIL loader, its in-network resize and
/// normalisation, its NumPy statistics and SciPy square root, against the host's decoder, preprocessing, libtorch
/// and f64 statistics.
#[test]
fn fid_through_the_exported_pytorch_fid_inception_equals_pytorch_fid() {
    let dir = tempfile::tempdir().unwrap();
    let (generated, reference) = (dir.path().join("generated"), dir.path().join("reference"));
    for (folder, phase) in [(&generated, 0.7f32), (&reference, 0.0)] {
        for i in 0..5 {
            save(&photo(phase + i as f32 * 0.9), &folder.join(format!("{i}.png")));
        }
    }
    let models = dir.path().join("exported");
    let out = std::process::Command::new(metrics_python())
        .arg(aigc_tests::root().join("models/export_features.py"))
        .args(["--random-weights", "0", "--out", models.to_str().unwrap(), "--fid"])
        .args([&generated, &reference])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "export_features.py failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let want = serde_json::from_str::<serde_json::Value>(stdout.trim()).unwrap()["fid"].as_f64().unwrap();

    let registry = dir.path().join("registry");
    let model = models.join("fid-inception-v3");
    with_registry(&registry, &["models", "add", model.to_str().unwrap(), "--name", "inception", "-q"]).assert_ok();
    let report = evaluate_json(Some(&registry), plugins::FID, &generated, &reference, &[]);
    let fid = report["metrics"][0]["scores"][0]["value"].as_f64().unwrap();
    assert!(want > 1.0, "the sets differ, so pytorch-fid's FID is well above 0: {want}");
    assert!((fid - want).abs() <= 1e-4 * want, "aigc-host {fid} vs pytorch-fid {want}");
}

/// A dataset as a side: its kept items' images (a rule's dropped item left out), named by item id and file name,
/// give the same FID as the folder they were imported from; the dataset is only read.
#[test]
fn a_dataset_side_gives_its_kept_items() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let tiny_features = tiny().join("tiny-features");
    with_registry(&models, &["models", "add", tiny_features.to_str().unwrap(), "--name", "inception", "-q"])
        .assert_ok();
    let (generated, reference) = sets(dir.path());
    let imported = dir.path().join("imported");
    std::fs::create_dir_all(&imported).unwrap();
    for name in ["0.png", "1.png", "2.png"] {
        std::fs::copy(reference.join(name), imported.join(name)).unwrap();
    }
    save(&image::RgbImage::from_pixel(4, 4, image::Rgb([9, 9, 9])), &imported.join("tiny.png"));
    let ds = dir.path().join("ds");
    aigc(["dataset", "import", ds.to_str().unwrap(), imported.to_str().unwrap(), "-q"]).assert_ok();
    aigc(["clean", ds.to_str().unwrap(), "--rule", plugins::SIZE_RULE, "--set", "min_bytes=1000", "-q"]).assert_ok();
    let before = std::fs::read(ds.join("manifest.sqlite")).unwrap();

    let fid = |reference: &Path| {
        let report = evaluate_json(Some(&models), plugins::FID, &generated, reference, &[]);
        (report["metrics"][0]["scores"][0]["value"].as_f64().unwrap(), report["reference"]["samples"].as_u64())
    };
    let (from_folder, _) = fid(&reference);
    let (from_dataset, samples) = fid(&ds);
    assert_eq!(samples, Some(3), "the dropped tiny image is left out");
    assert!((from_folder - from_dataset).abs() <= 1e-9 * from_folder.abs().max(1.0), "{from_folder} vs {from_dataset}");
    assert_eq!(std::fs::read(ds.join("manifest.sqlite")).unwrap(), before, "a reference dataset is only read");

    // A generated dataset gets each pair's values as annotations on its items.
    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json();
    let id_of = |title: &str| {
        ls["items"].as_array().unwrap().iter().find(|i| i["title"] == title).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let pairs = dir.path().join("pairs.csv");
    std::fs::write(&pairs, format!("{}/0.png,0.png\n{}/1.png,1.png\n", id_of("0.png"), id_of("1.png"))).unwrap();
    let report = evaluate_json(None, plugins::IMAGE_SIMILARITY, &ds, &generated, &["--pairs", pairs.to_str().unwrap()]);
    let ssim = report["metrics"][0]["scores"].as_array().unwrap().iter().find(|s| s["name"] == "ssim").unwrap().clone();
    assert_eq!(report["stored_annotations"].as_u64().unwrap() % 2, 0, "{report}");
    let shown = aigc(["dataset", "show", ds.to_str().unwrap(), &id_of("1.png"), "--json"]).json();
    let stored = shown["annotations"].as_array().unwrap().iter().find(|a| a["key"] == "metric:ssim").unwrap().clone();
    assert_eq!(stored["score"].as_f64(), ssim["per_item"][1].as_f64(), "{shown}");
    assert!(stored["plugin"].as_str().unwrap().starts_with("image-similarity@"), "{stored}");
    assert!(stored["value"].as_str().unwrap().contains("against `1.png`"), "{stored}");
}

/// Writes scikit-image's real photos and degraded copies into `dir`/generated and `dir`/reference
/// (tests/metrics/skimage_photos.py) and returns scikit-image's own scores of each pair.
fn skimage_photos(dir: &Path) -> serde_json::Value {
    let out = std::process::Command::new(metrics_python())
        .arg(aigc_tests::root().join("tests/metrics/skimage_photos.py"))
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "skimage_photos.py failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Real photos (scikit-image's, written by tests/metrics/skimage_photos.py with degraded copies): the
/// image-similarity plugin's SSIM (Gaussian and uniform windows), PSNR and MSE per pair equal scikit-image's own
/// functions on the same PNG files.
#[test]
fn image_similarity_on_real_photos_equals_scikit_image() {
    let dir = tempfile::tempdir().unwrap();
    let want = skimage_photos(dir.path());
    let (generated, reference) = (dir.path().join("generated"), dir.path().join("reference"));
    let run = |window: &str| {
        let window = format!("ssim_window={window}");
        evaluate_json(None, plugins::IMAGE_SIMILARITY, &generated, &reference, &["--set", &window])
    };
    let close = |got: f64, want: f64, what: &str| {
        assert!((got - want).abs() <= 1e-4 * want.abs().max(1e-3), "{what}: aigc-host {got}, scikit-image {want}");
    };
    for (window, key) in [("gaussian", "ssim"), ("uniform", "ssim_uniform")] {
        let report = run(window);
        let scores = report["metrics"][0]["scores"].as_array().unwrap().clone();
        let per_item = |name: &str| scores.iter().find(|s| s["name"] == name).unwrap()["per_item"].clone();
        for (k, pair) in report["pairs"].as_array().unwrap().iter().enumerate() {
            let name = pair[0].as_str().unwrap();
            close(per_item("ssim")[k].as_f64().unwrap(), want[name][key].as_f64().unwrap(), &format!("{name} {key}"));
            if window == "gaussian" {
                close(
                    per_item("psnr")[k].as_f64().unwrap(),
                    want[name]["psnr"].as_f64().unwrap(),
                    &format!("{name} psnr"),
                );
                close(
                    per_item("mse")[k].as_f64().unwrap(),
                    want[name]["mse"].as_f64().unwrap(),
                    &format!("{name} mse"),
                );
            }
        }
    }
}

/// Runs a model export script of `models/` in the metrics venv and returns the JSON it prints last.
fn export(script: &str, args: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new(metrics_python())
        .arg(aigc_tests::root().join("models").join(script))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{script} {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout.lines().rev().find_map(|line| serde_json::from_str(line).ok()).unwrap_or(serde_json::Value::Null)
}

/// LPIPS and DinoScore on real photos: the image-similarity plugin's per-pair values through an LPIPS model
/// exported by models/export_lpips.py (the real v0.1 AlexNet heads over a seeded random backbone, as no
/// backbone weights can be downloaded here) and a small DINOv2 exported by models/export_dinov2.py equal the
/// `lpips` package's and `transformers`' own, computed on the same PNG files.
#[test]
fn lpips_and_dino_score_on_real_photos_equal_the_lpips_package_and_transformers() {
    let dir = tempfile::tempdir().unwrap();
    skimage_photos(dir.path());
    let (generated, reference) = (dir.path().join("generated"), dir.path().join("reference"));
    let (generated_arg, reference_arg) = (generated.to_str().unwrap(), reference.to_str().unwrap());
    let exported = dir.path().join("exported");
    let exported_arg = exported.to_str().unwrap();
    export("export_lpips.py", &["--net", "alex", "--random-backbone", "0", "--out", exported_arg]);
    let lpips_want = export(
        "export_lpips.py",
        &["--net", "alex", "--random-backbone", "0", "--lpips", generated_arg, reference_arg],
    );
    export("export_dinov2.py", &["--tiny", "--random-weights", "0", "--out", exported_arg]);
    let dino_want =
        export("export_dinov2.py", &["--tiny", "--random-weights", "0", "--dino-score", generated_arg, reference_arg]);

    let registry = dir.path().join("registry");
    for (folder, name) in [("lpips-alex", "lpips"), ("dinov2-tiny", "dino")] {
        let folder = exported.join(folder);
        with_registry(&registry, &["models", "add", folder.to_str().unwrap(), "--name", name, "-q"]).assert_ok();
    }
    let report = evaluate_json(Some(&registry), plugins::IMAGE_SIMILARITY, &generated, &reference, &[]);
    let metric = &report["metrics"][0];
    assert!(metric["error"].is_null(), "{metric}");
    assert_eq!(metric["models"]["lpips"]["registered"], "lpips", "the report names the models: {metric}");
    let pairs: Vec<String> =
        report["pairs"].as_array().unwrap().iter().map(|p| p[0].as_str().unwrap().to_string()).collect();
    for (score, want, key) in [("lpips", &lpips_want, "lpips"), ("dino-score", &dino_want, "dino_score")] {
        let got = metric["scores"].as_array().unwrap().iter().find(|s| s["name"] == score).unwrap();
        let names: Vec<String> = want["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().into()).collect();
        assert_eq!(names, pairs, "{score}: the reference pairs the same files");
        for (k, name) in names.iter().enumerate() {
            let (got, want) = (got["per_item"][k].as_f64().unwrap(), want[key][k].as_f64().unwrap());
            assert!(
                (got - want).abs() <= 1e-4 * want.abs().max(1e-3),
                "{score} of {name}: aigc-host {got}, reference {want}"
            );
        }
    }
    // Both measures see the degradations: no pair is identical.
    let lpips = metric["scores"].as_array().unwrap().iter().find(|s| s["name"] == "lpips").unwrap();
    assert!(lpips["per_item"].as_array().unwrap().iter().all(|v| v.as_f64().unwrap() > 1e-4), "{lpips}");
}

/// A learned distance refuses what it cannot compare, naming the files and the fix: images of two sizes
/// (without `size`), and a model of another task lent as `lpips`. Without an `lpips` model the score is left out
/// and the others are still reported.
#[test]
fn image_distance_refuses_mismatched_sizes_and_the_wrong_model() {
    let dir = tempfile::tempdir().unwrap();
    let (generated, reference) = sets(dir.path());
    let no_models = dir.path().join("no-models");
    let report = evaluate_json(Some(&no_models), plugins::IMAGE_SIMILARITY, &generated, &reference, &[]);
    let names: Vec<&str> =
        report["metrics"][0]["scores"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ssim", "mse", "psnr", "masked-l2"], "{report}");

    let registry = dir.path().join("registry");
    let tiny_features = tiny().join("tiny-features");
    with_registry(&registry, &["models", "add", tiny_features.to_str().unwrap(), "--name", "lpips", "-q"]).assert_ok();
    let report = evaluate_output(Some(&registry), plugins::IMAGE_SIMILARITY, &generated, &reference, &[]).json();
    let error = report["metrics"][0]["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("cannot compare image pairs"), "{error}");

    let exported = dir.path().join("exported");
    export("export_lpips.py", &["--net", "squeeze", "--random-backbone", "1", "--out", exported.to_str().unwrap()]);
    let registry = dir.path().join("registry-lpips");
    let folder = exported.join("lpips-squeeze");
    with_registry(&registry, &["models", "add", folder.to_str().unwrap(), "--name", "lpips", "-q"]).assert_ok();
    save(&image::RgbImage::from_pixel(64, 48, image::Rgb([9, 90, 200])), &reference.join("1.png"));
    let report = evaluate_output(Some(&registry), plugins::IMAGE_SIMILARITY, &generated, &reference, &[]).json();
    let error = report["metrics"][0]["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("`1.png` is 96x96 but `1.png` is 64x48") && error.contains("size"), "{error}");
    // With a size, both are resized and compared.
    let report =
        evaluate_json(Some(&registry), plugins::IMAGE_SIMILARITY, &generated, &reference, &["--set", "size=64"]);
    assert!(report["metrics"][0]["error"].is_null(), "{report}");
}

/// The metrics on what the projects themselves make: real emoji SVGs (Twemoji, rasterized by the host on white)
/// against reference rasters of the same icons, and the 3D project's renders of real glTF models in a dataset
/// that holds the models and their views side by side (`--media` picks which).
#[test]
fn metrics_run_on_svg_rasters_and_the_3d_projects_renders() {
    let dir = tempfile::tempdir().unwrap();
    let parity = aigc_tests::root().join("models/svg-text/parity");
    let icons = ["dog_face", "family", "free_button", "keycap_1"];
    let (svgs, rasters) = (dir.path().join("svgs"), dir.path().join("rasters"));
    let mut pair_lines = String::new();
    for icon in icons {
        for (folder, ext) in [(&svgs, "svg"), (&rasters, "png")] {
            std::fs::create_dir_all(folder).unwrap();
            std::fs::copy(parity.join(format!("{icon}.{ext}")), folder.join(format!("{icon}.{ext}"))).unwrap();
        }
        pair_lines.push_str(&format!("{icon}.svg,{icon}.png\n"));
    }
    let pairs = dir.path().join("pairs.csv");
    std::fs::write(&pairs, pair_lines).unwrap();
    let pairs_arg = pairs.to_str().unwrap();
    let report = evaluate_json(
        None,
        plugins::IMAGE_SIMILARITY,
        &svgs,
        &rasters,
        &["--pairs", pairs_arg, "--set", "size=64", "--set", "ssim_window=starvector"],
    );
    let ssim = &report["metrics"][0]["scores"][0];
    assert_eq!(ssim["name"], "ssim");
    let per_pair: Vec<f64> = ssim["per_item"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    // Two rasterizers of one icon agree closely (anti-aliasing aside); unrelated icons would not.
    assert!(per_pair.iter().all(|s| *s > 0.8), "{per_pair:?}");
    let crossed = dir.path().join("crossed.csv");
    std::fs::write(&crossed, "dog_face.svg,keycap_1.png\nfamily.svg,free_button.png\n").unwrap();
    let report = evaluate_json(
        None,
        plugins::IMAGE_SIMILARITY,
        &svgs,
        &rasters,
        &["--pairs", crossed.to_str().unwrap(), "--set", "size=64", "--set", "ssim_window=starvector"],
    );
    let unrelated = report["metrics"][0]["scores"][0]["value"].as_f64().unwrap();
    assert!(unrelated < per_pair.iter().cloned().fold(1.0, f64::min), "unrelated icons {unrelated} vs {per_pair:?}");

    // The 3D project: two real models imported and rendered; FID of the views against themselves is 0, the
    // views' FID against the emoji rasters is not, and the models compared with themselves have Chamfer 0.
    let ds = dir.path().join("ds");
    let models = aigc_tests::root().join("tests/fixtures/models");
    let glbs = dir.path().join("glbs");
    std::fs::create_dir_all(&glbs).unwrap();
    for glb in ["hand.glb", "controller-textured.glb"] {
        std::fs::copy(models.join(glb), glbs.join(glb)).unwrap();
    }
    aigc(["dataset", "import", ds.to_str().unwrap(), glbs.to_str().unwrap(), "-q"]).assert_ok();
    aigc(["render", ds.to_str().unwrap(), "--views", "2", "--size", "64", "-q"]).assert_ok();
    let registry = dir.path().join("registry");
    let tiny_features = tiny().join("tiny-features");
    with_registry(&registry, &["models", "add", tiny_features.to_str().unwrap(), "--name", "inception", "-q"])
        .assert_ok();
    let mixed = evaluate_output(Some(&registry), plugins::FID, &ds, &ds, &[]);
    assert!(mixed.stdout.contains("3D model"), "without --media a mesh is no image: {}", mixed.stdout);
    let views = evaluate_json(Some(&registry), plugins::FID, &ds, &ds, &["--media", "image"]);
    assert_eq!(views["generated"]["samples"], 4, "2 views of each model: {views}");
    let fid = views["metrics"][0]["scores"][0]["value"].as_f64().unwrap();
    assert!(fid.abs() < 1e-6, "a set against itself: {fid}");
    let apart = evaluate_json(Some(&registry), plugins::FID, &ds, &rasters, &["--media", "image"]);
    let apart = apart["metrics"][0]["scores"][0]["value"].as_f64().unwrap();
    assert!(apart > 1e-3, "renders against emoji: {apart}");
    let meshes = evaluate_json(None, plugins::MESH_SIMILARITY, &ds, &ds, &["--media", "mesh", "--set", "points=2000"]);
    assert_eq!(meshes["pairs"].as_array().unwrap().len(), 2, "{meshes}");
    let chamfer = meshes["metrics"][0]["scores"].as_array().unwrap().iter().find(|s| s["name"] == "chamfer").unwrap();
    assert!(chamfer["value"].as_f64().unwrap() < 1e-9, "{chamfer}");
}

/// A folder of several glTF models (each with its own `.bin`) gives each sample its own model: a sample brings
/// only the files its glTF names, never a sibling model the loader would pick instead.
#[test]
fn gltf_samples_in_one_folder_each_load_their_own_model() {
    use aigc_tests::meshes::{Model, cube, gltf_files};
    let dir = tempfile::tempdir().unwrap();
    let (generated, reference) = (dir.path().join("generated"), dir.path().join("reference"));
    let write_as = |model: &Model, stem: &str, folder: &Path| {
        std::fs::create_dir_all(folder).unwrap();
        for (name, bytes) in gltf_files(model) {
            let (name, bytes) = match name.as_str() {
                "scene.gltf" => (
                    format!("{stem}.gltf"),
                    String::from_utf8(bytes).unwrap().replace("scene.bin", &format!("{stem}.bin")).into_bytes(),
                ),
                "scene.bin" => (format!("{stem}.bin"), bytes),
                _ => continue,
            };
            std::fs::write(folder.join(name), bytes).unwrap();
        }
    };
    let red = [0.8, 0.1, 0.1, 1.0];
    let one = Model { meshes: vec![cube([0.0; 3], 1.0, red)], texture: None };
    let two = Model { meshes: vec![cube([0.0; 3], 1.0, red), cube([3.0, 0.0, 0.0], 1.0, red)], texture: None };
    write_as(&one, "a", &generated);
    write_as(&two, "b", &generated);
    write_as(&two, "b", &reference);
    let pairs = dir.path().join("pairs.csv");
    std::fs::write(&pairs, "b.gltf,b.gltf\n").unwrap();
    let report = evaluate_json(
        None,
        plugins::MESH_SIMILARITY,
        &generated,
        &reference,
        &["--pairs", pairs.to_str().unwrap(), "--set", "points=2000", "--set", "iou_resolution=0"],
    );
    let chamfer = report["metrics"][0]["scores"].as_array().unwrap().iter().find(|s| s["name"] == "chamfer").unwrap();
    assert!(chamfer["value"].as_f64().unwrap() < 1e-9, "b.gltf is compared with itself, not with a.gltf: {chamfer}");
}
