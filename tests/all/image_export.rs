//! `dataset export --format webdataset | hf-imagefolder`: image and SVG items as training data, read back by the
//! readers their users use (tests/export/read_back.py: `webdataset`, Hugging Face `datasets`).

use std::path::{Path, PathBuf};

use aigc_tests::{aigc, command, plugins, root};

fn export_python() -> PathBuf {
    let python = std::env::var_os("AIGC_EXPORT_PYTHON")
        .map_or_else(|| dirs_home().join(".cache/aigc-host/export-venv/bin/python"), PathBuf::from);
    assert!(python.exists(), "{} is missing: run `make export-venv`", python.display());
    python
}

fn dirs_home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
}

fn read_back(kind: &str, dir: &Path) -> serde_json::Value {
    let out = std::process::Command::new(export_python())
        .arg(root().join("tests/export/read_back.py"))
        .arg(kind)
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "read_back.py {kind} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Seeded noise: PNGs that do not compress, so a few of them fill a 1 MiB shard.
fn noise_png(path: &Path, side: u32, seed: u32) {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let image = image::RgbImage::from_fn(side, side, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image.save(path).unwrap();
}

/// An art dataset: two styles of five images each (CC0), one SVG, one NoAI image and one without a licence;
/// captions from the tiny captioner; a 2-pixel scrap a size rule dropped.
fn art_dataset(dir: &Path) -> PathBuf {
    let photos = dir.join("photos");
    for (style, seed) in [("impressionism", 0), ("baroque", 10)] {
        for i in 0..5 {
            noise_png(&photos.join(style).join(format!("{i}.png")), 320, seed + i);
        }
    }
    let ds = dir.join("ds");
    let ds_arg = ds.to_str().unwrap();
    aigc(["dataset", "import", ds_arg, photos.to_str().unwrap(), "--licence", "CC0-1.0", "-q"]).assert_ok();
    let svg = dir.join("logos/logo.svg");
    std::fs::create_dir_all(svg.parent().unwrap()).unwrap();
    let circles: String =
        (1..8).map(|r| format!(r#"<circle cx="5" cy="5" r="{r}" fill="none" stroke="black"/>"#)).collect();
    std::fs::write(&svg, format!(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">{circles}</svg>"#))
        .unwrap();
    aigc(["dataset", "import", ds_arg, svg.to_str().unwrap(), "--category", "logos", "--licence", "MIT", "-q"])
        .assert_ok();
    let restricted = dir.join("restricted");
    noise_png(&restricted.join("noai.png"), 32, 99);
    aigc([
        "dataset",
        "import",
        ds_arg,
        restricted.join("noai.png").to_str().unwrap(),
        "--licence",
        "CC-BY-4.0 NoAI",
        "-q",
    ])
    .assert_ok();
    noise_png(&restricted.join("unknown.png"), 32, 98);
    aigc(["dataset", "import", ds_arg, restricted.join("unknown.png").to_str().unwrap(), "-q"]).assert_ok();
    let scrap = dir.join("scraps/scrap.png");
    std::fs::create_dir_all(scrap.parent().unwrap()).unwrap();
    image::RgbImage::from_pixel(2, 2, image::Rgb([1, 2, 3])).save(&scrap).unwrap();
    aigc(["dataset", "import", ds_arg, scrap.to_str().unwrap(), "--category", "scraps", "--licence", "CC0-1.0", "-q"])
        .assert_ok();
    aigc(["clean", ds_arg, "--rule", plugins::SIZE_RULE, "--set", "min_bytes=200", "-q"]).assert_ok();

    let models = dir.join("models");
    let captioner = root().join("models/tiny/tiny-captioner");
    let out = command(["models", "add", captioner.to_str().unwrap(), "--name", "captioner", "-q"])
        .env("AIGC_HOST_MODELS", &models)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = command(["annotate", ds_arg, "--with", plugins::CAPTION, "-q"])
        .env("AIGC_HOST_MODELS", &models)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ds
}

fn export(ds: &Path, format: &str, out: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["dataset", "export", ds.to_str().unwrap(), "--format", format, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("--json");
    aigc(args).assert_ok().json()
}

#[test]
fn webdataset_shards_hold_each_kept_items_file_caption_and_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let ds = art_dataset(dir.path());
    let out = dir.path().join("shards");
    let summary = export(&ds, "webdataset", &out, &["--shard-size", "1", "--test-share", "0.2", "--seed", "7"]);
    assert_eq!(summary["items"], 11, "10 photos and the SVG: {summary}");
    let skipped = summary["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 3, "{summary}");
    assert!(skipped.iter().any(|s| s["reason"].as_str().unwrap().contains("dropped by size-rule")), "{summary}");
    assert!(skipped.iter().any(|s| s["reason"].as_str().unwrap().contains("NoAI")), "{summary}");
    assert!(skipped.iter().any(|s| s["reason"].as_str().unwrap().contains("licence unknown")), "{summary}");

    let read = read_back("webdataset", &out);
    let train = read["train"]["samples"].as_array().unwrap();
    let test = read["test"]["samples"].as_array().unwrap();
    assert_eq!(train.len() + test.len(), 11);
    // A fifth of each style goes to test (one of five), drawn by the seed; the SVG's category has one item.
    let in_test = |style: &str| test.iter().filter(|s| s["record"]["category"] == style).count();
    assert_eq!((in_test("impressionism"), in_test("baroque")), (1, 1), "{test:?}");
    assert!(read["train"]["shards"].as_array().unwrap().len() >= 2, "300 KB images in 1 MiB shards: {read}");
    for sample in train.iter().chain(test) {
        let record = &sample["record"];
        assert_eq!(sample["key"], record["item_id"], "the key is the item id");
        assert!(record["source_url"].as_str().is_some_and(|u| !u.is_empty()), "{record}");
        if sample["image"] == "svg" {
            assert_eq!(record["licence"], "MIT");
        } else {
            assert_eq!(sample["size"], serde_json::json!([320, 320]), "the image decodes: {sample}");
            assert_eq!(record["licence"], "CC0-1.0");
            let caption = sample["caption"].as_str().expect("a caption");
            assert_eq!(Some(caption), record["text"].as_str(), "txt and json agree");
        }
    }
    // The same seed draws the same split; attribution lists every exported item.
    let again = dir.path().join("again");
    export(&ds, "webdataset", &again, &["--test-share", "0.2", "--seed", "7"]);
    let keys = |read: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> =
            read["test"]["samples"].as_array().unwrap().iter().map(|s| s["key"].as_str().unwrap().into()).collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&read), keys(&read_back("webdataset", &again)));
    let attribution: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("attribution.json")).unwrap()).unwrap();
    assert_eq!(attribution.as_array().unwrap().len(), 11);
    let page = std::fs::read_to_string(out.join("ATTRIBUTION.md")).unwrap();
    assert!(page.contains("## CC0-1.0 (10 items)") && page.contains("## MIT (1 items)"), "{page}");
}

#[test]
fn hf_imagefolder_loads_in_datasets_with_captions_and_provenance_columns() {
    let dir = tempfile::tempdir().unwrap();
    let ds = art_dataset(dir.path());
    let out = dir.path().join("imagefolder");
    let summary = export(&ds, "hf-imagefolder", &out, &["--test-share", "0.2", "--include-restricted"]);
    // With --include-restricted the NoAI and unlicensed images come too (warned); the SVG never does.
    assert_eq!(summary["items"], 12, "{summary}");
    assert_eq!(summary["warnings"].as_array().unwrap().len(), 2, "{summary}");
    let reasons: Vec<&str> =
        summary["skipped"].as_array().unwrap().iter().map(|s| s["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons.len(), 2, "{summary}");
    assert!(
        reasons.iter().any(|r| r.contains("but an SVG")) && reasons.iter().any(|r| r.contains("dropped")),
        "{reasons:?}"
    );

    let read = read_back("imagefolder", &out);
    let rows: Vec<&serde_json::Value> =
        ["train", "test"].iter().flat_map(|s| read[s]["rows"].as_array().unwrap().iter()).collect();
    assert_eq!(rows.len(), 12);
    for column in ["text", "category", "licence", "author", "source_url", "item_id", "caption_score"] {
        assert!(read["train"]["columns"].as_array().unwrap().iter().any(|c| c == column), "{column}: {read}");
    }
    let photo = rows.iter().find(|r| r["category"] == "baroque").unwrap();
    assert_eq!(photo["size"], serde_json::json!([320, 320]));
    assert_eq!(photo["mode"], "RGB");
    assert!(photo["text"].as_str().is_some_and(|t| !t.is_empty()), "{photo}");
    assert!(rows.iter().any(|r| r["licence"] == "CC-BY-4.0 NoAI"));

    // A second export to the same folder needs --force, and the first stays whole until it succeeds.
    let refused =
        aigc(["dataset", "export", ds.to_str().unwrap(), "--format", "hf-imagefolder", "--out", out.to_str().unwrap()]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
}

#[test]
fn textual_inversion_writes_one_rgb_folder_per_style_that_the_trainer_reads_whole() {
    let dir = tempfile::tempdir().unwrap();
    let ds = art_dataset(dir.path());
    // A translucent image in a style of its own: exported as RGB on white, never as RGBA.
    let translucent = dir.path().join("ink/wash.png");
    std::fs::create_dir_all(translucent.parent().unwrap()).unwrap();
    image::RgbaImage::from_fn(64, 64, |x, _| image::Rgba([10, 10, 10, (x * 4) as u8])).save(&translucent).unwrap();
    let ds_arg = ds.to_str().unwrap();
    aigc([
        "dataset",
        "import",
        ds_arg,
        translucent.to_str().unwrap(),
        "--category",
        "Ink Wash!",
        "--licence",
        "CC0-1.0",
        "-q",
    ])
    .assert_ok();

    let out = dir.path().join("ti");
    let summary = export(&ds, "textual-inversion", &out, &["--min-per-style", "1"]);
    assert_eq!(summary["items"], 11, "5 + 5 photos and the ink wash: {summary}");
    let read = read_back("textual-inversion", &out);
    let concepts = read["concepts"].as_array().unwrap();
    let folders: Vec<&str> = concepts.iter().map(|c| c["folder"].as_str().unwrap()).collect();
    assert_eq!(folders, ["ink-wash", "baroque", "impressionism"], "styles in name order, as plain names");
    for concept in concepts {
        let folder = &read["folders"][concept["folder"].as_str().unwrap()];
        assert_eq!(folder["entries"].as_array().unwrap().len() as u64, concept["images"].as_u64().unwrap(), "{read}");
        assert!(folder["unreadable"].as_array().unwrap().is_empty(), "only images in a style folder: {folder}");
        assert_eq!(folder["modes"], serde_json::json!(["RGB"]), "{folder}");
        assert_eq!(concept["placeholder_token"], format!("<{}>", concept["folder"].as_str().unwrap()));
        assert!(concept["train"].as_str().unwrap().contains("--train_data_dir"), "{concept}");
    }
    assert!(out.join("ATTRIBUTION.md").is_file() && out.join("attribution.json").is_file());

    // Styles under the minimum are left out, each item with the reason; none left is an error saying why.
    let summary = export(&ds, "textual-inversion", &dir.path().join("ti-5"), &["--min-per-style", "5"]);
    assert_eq!(summary["items"], 10, "{summary}");
    assert!(
        summary["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["reason"].as_str().unwrap().contains("fewer than --min-per-style 5"))
    );
    let refused = aigc([
        "dataset",
        "export",
        ds_arg,
        "--format",
        "textual-inversion",
        "--min-per-style",
        "6",
        "--out",
        dir.path().join("none").to_str().unwrap(),
    ]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("no item to export") && refused.stderr.contains("--min-per-style 6"),
        "{}",
        refused.stderr
    );
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Hostile names (a category that climbs out, Unicode, a very long category and file name) never reach a path:
/// every file an image export writes is inside its output folder, under a short name.
#[test]
fn hostile_names_stay_inside_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let ds = work.join("ds");
    let ds_arg = ds.to_str().unwrap();
    // The store refuses categories over 256 bytes, so the longest allowed one.
    let long = "長".repeat(85);
    for (i, category) in ["../../escaped", "..", "/etc", "浮世絵 ✓", long.as_str()].into_iter().enumerate() {
        let name = if i == 4 { "x".repeat(200) } else { "..%2f..%2fname".to_string() };
        let file = dir.path().join(format!("in{i}/{name}.png"));
        noise_png(&file, 16, i as u32);
        aigc([
            "dataset",
            "import",
            ds_arg,
            file.to_str().unwrap(),
            "--category",
            category,
            "--licence",
            "CC0-1.0",
            "-q",
        ])
        .assert_ok();
    }
    let exports = work.join("exports");
    for format in ["webdataset", "hf-imagefolder", "textual-inversion", "dreamstyler"] {
        let out = exports.join(format);
        let summary = export(&ds, format, &out, &["--min-per-style", "1"]);
        assert_eq!(summary["items"], 5, "{format}: {summary}");
        for file in files_under(&out) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.len() < 120, "{format}: a long name reached a path: {}", file.display());
        }
    }
    let stray: Vec<PathBuf> =
        files_under(&work).into_iter().filter(|p| !p.starts_with(&ds) && !p.starts_with(&exports)).collect();
    assert!(stray.is_empty(), "written outside the export folders: {stray:?}");
    assert!(!dir.path().join("escaped").exists() && !work.join("escaped").exists());
}

#[test]
fn dreamstyler_writes_its_images_layout_with_context_prompts_from_the_captions() {
    let dir = tempfile::tempdir().unwrap();
    let ds = art_dataset(dir.path());
    let out = dir.path().join("dreamstyler");
    let summary = export(&ds, "dreamstyler", &out, &[]);
    assert_eq!(summary["items"], 10, "{summary}");
    for style in ["baroque", "impressionism"] {
        let images = out.join(style).join("images");
        let prompts = std::fs::read_to_string(images.join("prompt_blip2.txt")).unwrap();
        let lines: Vec<&str> = prompts.lines().collect();
        assert_eq!(lines.len(), 5, "{prompts}");
        for (n, line) in lines.iter().enumerate() {
            let (file, prompt) = line.split_once(", ").unwrap();
            assert_eq!(file, format!("{:02}.png", n + 1), "DreamStyler's numbering: {line}");
            assert!(prompt.ends_with(" in the style of {}") && prompt.len() > " in the style of {}".len(), "{line}");
            let decoded = image::open(images.join(file)).unwrap();
            assert_eq!(decoded.color(), image::ColorType::Rgb8);
        }
    }
    let listed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("dreamstyler.json")).unwrap()).unwrap();
    let first = &listed[0];
    assert_eq!(first["image"], "baroque/images/01.png");
    assert_eq!(first["placeholder_token"], "<baroque-01>");
    let train = first["train"].as_str().unwrap();
    assert!(
        train.contains("--train_image_path \"baroque/images/01.png\"") && train.contains("--context_prompt"),
        "{train}"
    );
    assert!(out.join("ATTRIBUTION.md").is_file());
}
