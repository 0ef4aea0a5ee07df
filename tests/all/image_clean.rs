//! `aigc-host clean` with the image rules (`plugins/image-quality`, `plugins/dedup`) on generated images: each
//! reason on a case made for it, a good image kept, damaged and hostile files dropped as unreadable with the
//! host's message beside the item, duplicates grouped the same whatever `--jobs` is.

use std::collections::BTreeMap;
use std::path::Path;

use aigc_host::store::{Dataset, NewFile, NewItem, Provenance};
use aigc_tests::{aigc, plugins};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// Blocks of pseudo-random colour: sharp, varied, mid-bright — a "good" image for every check.
fn blocks(w: u32, h: u32, block: u32, seed: u64) -> RgbImage {
    let colour = |bx: u32, by: u32, channel: u64| {
        let mut x = seed ^ (u64::from(bx) << 32) ^ (u64::from(by) << 16) ^ (channel << 56);
        x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        (x >> 56) as u8
    };
    RgbImage::from_fn(w, h, |x, y| Rgb([0, 1, 2].map(|c| colour(x / block, y / block, c))))
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn media_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("png") => "image/png",
        Some("jpg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Stores one item holding `data` as `name`; the title is the name, the source key its title, so identical bytes
/// can be stored twice (as crawlers do when two sources serve the same file).
fn put(ds: &Dataset, name: &str, data: Vec<u8>) -> String {
    let item = NewItem {
        source_key: format!("test:{name}"),
        category: None,
        title: Some(name.into()),
        provenance: Provenance {
            source_url: format!("https://example.invalid/{name}"),
            licence: None,
            licence_url: None,
            author: None,
            author_url: None,
        },
        metadata: "{}".into(),
        files: vec![NewFile { name: name.into(), media_type: media_type(name).into(), data }],
        parent: None,
    };
    ds.put_item(None, &item).unwrap().id
}

/// One item's status and its verdicts as (rule, keep, reason).
type Judged = (String, Vec<(String, bool, String)>);

/// title -> its status and verdicts, from `dataset ls --json`.
fn verdicts(ds: &Path) -> BTreeMap<String, Judged> {
    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json();
    ls["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let verdicts = item["verdicts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    (
                        v["rule"].as_str().unwrap().to_owned(),
                        v["keep"].as_bool().unwrap(),
                        v["reason"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (item["title"].as_str().unwrap().to_owned(), (item["status"].as_str().unwrap().to_owned(), verdicts))
        })
        .collect()
}

fn reason(all: &BTreeMap<String, Judged>, title: &str) -> String {
    all[title].1.iter().map(|v| v.2.clone()).collect::<Vec<_>>().join(",")
}

/// The annotations of an item as (key, plugin, value).
fn annotations(ds: &Path, id: &str) -> Vec<(String, String, String)> {
    let shown = aigc(["dataset", "show", ds.to_str().unwrap(), id, "--json"]).json();
    shown["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["key"].as_str().unwrap().into(),
                a["plugin"].as_str().unwrap().into(),
                a["value"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn image_quality_names_each_problem_and_keeps_good_images() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ds");
    let ds = Dataset::create_or_open(&path).unwrap();
    let good = DynamicImage::ImageRgb8(blocks(400, 300, 20, 1));
    put(&ds, "good.png", encode(&good, ImageFormat::Png));
    put(&ds, "good.jpg", encode(&good, ImageFormat::Jpeg));
    put(&ds, "good.gif", encode(&DynamicImage::ImageRgb8(blocks(320, 240, 16, 2)), ImageFormat::Gif));
    put(&ds, "good.webp", encode(&DynamicImage::ImageRgb8(blocks(320, 240, 16, 3)), ImageFormat::WebP));
    put(&ds, "small.png", encode(&DynamicImage::ImageRgb8(blocks(120, 90, 10, 4)), ImageFormat::Png));
    put(&ds, "wide.png", encode(&DynamicImage::ImageRgb8(blocks(1000, 300, 20, 5)), ImageFormat::Png));
    let mut dark = blocks(400, 300, 20, 6);
    dark.pixels_mut().for_each(|p| p.0 = p.0.map(|c| c / 5));
    put(&ds, "dark.png", encode(&DynamicImage::ImageRgb8(dark), ImageFormat::Png));
    let mut bright = blocks(400, 300, 20, 7);
    bright.pixels_mut().for_each(|p| p.0 = p.0.map(|c| 245 + c / 26));
    put(&ds, "bright.png", encode(&DynamicImage::ImageRgb8(bright), ImageFormat::Png));
    let halves = RgbImage::from_fn(400, 300, |x, _| if x < 200 { Rgb([90, 90, 90]) } else { Rgb([170, 170, 170]) });
    put(&ds, "flat.png", encode(&DynamicImage::ImageRgb8(halves), ImageFormat::Png));
    // No detail anywhere: smooth colour ramps. (A blurred photo is harder to make: CleanVision's blur score also
    // counts the image's unfiltered border and forgives images whose grey levels bunch up, as blurring does.)
    let ramps = RgbImage::from_fn(400, 300, |x, y| {
        Rgb([(x * 180 / 400) as u8, (y * 180 / 300) as u8, ((x + y) * 90 / 700) as u8])
    });
    put(&ds, "blurry.png", encode(&DynamicImage::ImageRgb8(ramps), ImageFormat::Png));
    put(&ds, "notes.txt", b"not an image, and not this rule's business".to_vec());
    drop(ds);

    let out = aigc(["clean", path.to_str().unwrap(), "--rule", plugins::IMAGE_QUALITY, "--json"]);
    out.assert_ok();
    let summary = out.json();
    assert_eq!((summary["checked"].as_u64(), summary["errors"].as_u64()), (Some(11), Some(0)), "{summary}");
    let all = verdicts(&path);
    let expected = [
        ("good.png", "good-quality"),
        ("good.jpg", "good-quality"),
        ("good.gif", "good-quality"),
        ("good.webp", "good-quality"),
        ("small.png", "too-small"),
        ("wide.png", "odd-aspect-ratio"),
        ("dark.png", "too-dark"),
        ("bright.png", "too-bright"),
        ("flat.png", "low-information"),
        ("blurry.png", "blurry"),
        ("notes.txt", "no-raster-image"),
    ];
    for (title, want) in expected {
        assert_eq!(reason(&all, title), want, "{title}: {:?}", all[title]);
    }
    assert_eq!(summary["dropped"], 6);
    assert_eq!(summary["by_reason"]["blurry"], 1);

    // The thresholds are configuration: with no minimum side the small image passes.
    let out =
        aigc(["clean", path.to_str().unwrap(), "--rule", plugins::IMAGE_QUALITY, "--set", "min_side=0", "--json"]);
    out.assert_ok();
    assert_eq!(reason(&verdicts(&path), "small.png"), "good-quality");
}

#[test]
fn broken_and_hostile_images_are_dropped_as_unreadable_with_the_reason_beside_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ds");
    let ds = Dataset::create_or_open(&path).unwrap();
    let good = DynamicImage::ImageRgb8(blocks(300, 300, 15, 9));
    let png = encode(&good, ImageFormat::Png);
    let jpeg = encode(&good, ImageFormat::Jpeg);
    let ids = [
        ("truncated.png", put(&ds, "truncated.png", png[..png.len() / 3].to_vec()), "does not decode"),
        ("truncated.jpg", put(&ds, "truncated.jpg", jpeg[..jpeg.len() / 3].to_vec()), "truncated"),
        ("bomb.png", put(&ds, "bomb.png", declared_png(100_000, 100_000)), "100000x100000"),
        ("text.png", put(&ds, "text.png", b"<html>this is not a png</html>".to_vec()), "not a PNG, JPEG, WebP or GIF"),
    ];
    drop(ds);

    for rule in [plugins::IMAGE_QUALITY, plugins::DEDUP] {
        let out = aigc(["clean", path.to_str().unwrap(), "--rule", rule, "--json"]);
        out.assert_ok();
        assert_eq!(out.json()["errors"], 0, "{}", out.stdout);
    }
    let all = verdicts(&path);
    for (title, id, message) in &ids {
        let (status, found) = &all[*title];
        assert_eq!(status, "dropped", "{title}");
        assert!(found.contains(&("image-quality".into(), false, "unreadable".into())), "{title}: {found:?}");
        // Dedup still groups undecodable files by their bytes; each of these is alone.
        assert!(found.contains(&("dedup".into(), true, "unique".into())), "{title}: {found:?}");
        let notes = annotations(&path, id);
        let error = notes.iter().find(|(key, plugin, _)| key == "image-error" && plugin == "image-quality");
        assert!(error.is_some_and(|(_, _, text)| text.contains(message)), "{title}: {notes:?}");
    }
}

/// A PNG whose header declares `w` x `h` pixels with valid CRCs, so only the host's size limit stops it.
fn declared_png(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let chunk = |kind: &[u8], data: &[u8]| {
        let body = [kind, data].concat();
        [(data.len() as u32).to_be_bytes().to_vec(), body.clone(), crc32(&body).to_be_bytes().to_vec()].concat()
    };
    let mut header = [w.to_be_bytes(), h.to_be_bytes()].concat();
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    let idat = [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];
    [b"\x89PNG\r\n\x1a\n".to_vec(), chunk(b"IHDR", &header), chunk(b"IDAT", &idat), chunk(b"IEND", &[])].concat()
}

#[test]
fn dedup_keeps_the_best_of_each_group_the_same_way_for_any_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ds");
    let ds = Dataset::create_or_open(&path).unwrap();
    let original = DynamicImage::ImageRgb8(blocks(400, 300, 25, 11));
    let png = encode(&original, ImageFormat::Png);
    let a = put(&ds, "original.png", png.clone());
    let b = put(&ds, "copy.png", png);
    let smaller = encode(&original.resize_exact(200, 150, image::imageops::FilterType::Triangle), ImageFormat::Jpeg);
    put(&ds, "smaller.jpg", smaller);
    put(&ds, "other.png", encode(&DynamicImage::ImageRgb8(blocks(400, 300, 25, 12)), ImageFormat::Png));
    put(&ds, "other-small.png", encode(&DynamicImage::ImageRgb8(blocks(80, 60, 5, 13)), ImageFormat::Png));
    drop(ds);

    let out = aigc(["clean", path.to_str().unwrap(), "--rule", plugins::DEDUP, "--json", "-j", "1"]);
    out.assert_ok();
    assert_eq!(out.json()["by_reason"]["duplicate"], 1, "{}", out.stdout);
    let first = verdicts(&path);
    // Identical pixels and size: the lower id is kept, and the others name it.
    let (kept, copy) = if a < b { (&a, "copy.png") } else { (&b, "original.png") };
    let kept_title = if copy == "copy.png" { "original.png" } else { "copy.png" };
    assert_eq!(reason(&first, kept_title), "best-of-duplicates");
    assert_eq!(reason(&first, copy), "duplicate");
    assert_eq!(reason(&first, "smaller.jpg"), "near-duplicate");
    assert_eq!(reason(&first, "other.png"), "unique");
    assert_eq!(reason(&first, "other-small.png"), "unique");
    let ls = aigc(["dataset", "ls", path.to_str().unwrap(), "--json"]).json();
    for item in ls["items"].as_array().unwrap().iter().filter(|i| i["status"] == "dropped") {
        let notes = annotations(&path, item["id"].as_str().unwrap());
        assert!(notes.contains(&("duplicate-of".into(), "dedup".into(), kept.clone())), "{notes:?}");
    }

    let out = aigc(["clean", path.to_str().unwrap(), "--rule", plugins::DEDUP, "--json", "-j", "4", "--force"]);
    out.assert_ok();
    assert_eq!(out.json()["checked"], 5);
    assert_eq!(verdicts(&path), first, "--jobs 4 decided differently from --jobs 1");

    // At distance 0 only identical hashes group (CleanVision's rule): the half-size JPEG hashes the same as the
    // original, so it is still caught; the unrelated images stay apart at any distance.
    let out = aigc(["clean", path.to_str().unwrap(), "--rule", plugins::DEDUP, "--set", "max_distance=0", "--json"]);
    out.assert_ok();
    let zero = verdicts(&path);
    assert_eq!(reason(&zero, "smaller.jpg"), "near-duplicate");
    assert_eq!(reason(&zero, "other.png"), "unique");
}

#[test]
fn dedup_compares_svgs_by_their_rendering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ds");
    let ds = Dataset::create_or_open(&path).unwrap();
    let cat = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="36" r="20" fill="#e8a33d"/><path d="M14 24 L20 4 L30 18 Z M50 24 L44 4 L34 18 Z" fill="#e8a33d"/><circle cx="25" cy="32" r="3"/><circle cx="39" cy="32" r="3"/></svg>"##;
    // The same drawing written differently: other attribute order, a comment, a group, absolute colours.
    let same = r##"<?xml version="1.0"?>
<!-- exported again --><svg viewBox="0 0 64 64" xmlns="http://www.w3.org/2000/svg"><g>
  <circle fill="rgb(232,163,61)" r="20" cy="36" cx="32"/><path fill="rgb(232,163,61)" d="M14,24 L20,4 L30,18 Z M50,24 L44,4 L34,18 Z"/>
  <circle r="3" cx="25" cy="32"/><circle r="3" cx="39" cy="32"/></g></svg>"##;
    let tree = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect x="28" y="36" width="8" height="24" fill="#7a4a1c"/><path d="M32 2 L56 40 L8 40 Z" fill="#2e8b3a"/></svg>"##;
    put(&ds, "cat.svg", cat.as_bytes().to_vec());
    put(&ds, "cat-again.svg", same.as_bytes().to_vec());
    put(&ds, "tree.svg", tree.as_bytes().to_vec());
    drop(ds);

    let out = aigc(["clean", path.to_str().unwrap(), "--rule", plugins::DEDUP, "--json"]);
    out.assert_ok();
    let all = verdicts(&path);
    let cats = [reason(&all, "cat.svg"), reason(&all, "cat-again.svg")];
    assert!(
        cats.contains(&"best-of-duplicates".to_string()) && cats.contains(&"near-duplicate".to_string()),
        "{all:?}"
    );
    assert_eq!(reason(&all, "tree.svg"), "unique");
}

#[test]
fn the_bytes_path_measures_like_the_file_path_and_resizes_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ds");
    let ds = Dataset::create_or_open(&path).unwrap();
    put(&ds, "photo.png", encode(&DynamicImage::ImageRgb8(blocks(300, 200, 20, 21)), ImageFormat::Png));
    put(&ds, "fake.png", b"plain text, not an image".to_vec());
    drop(ds);

    let out = aigc(["clean", path.to_str().unwrap(), "--rule", plugins::IMAGE_PROBE, "--json"]);
    out.assert_ok();
    let all = verdicts(&path);
    let seen = reason(&all, "photo.png");
    let parts: Vec<&str> = seen.split("; ").collect();
    assert!(parts[0].starts_with("png 300x200 phash "), "{seen}");
    for (part, format) in parts[1..].iter().zip(["png", "jpeg", "webp"]) {
        let distance: u32 = part.strip_prefix(&format!("{format} 32x21 d")).and_then(|d| d.parse().ok()).unwrap_or(99);
        assert!(distance <= 12, "a 32 px {format} copy should hash close to the original: {seen}");
    }
    let fake = reason(&all, "fake.png");
    assert!(fake.contains("Invalid") && fake.contains("not a PNG, JPEG, WebP or GIF"), "{fake}");
}

#[test]
fn verdicts_are_the_same_for_one_job_and_four_on_many_groups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ds");
    let ds = Dataset::create_or_open(&path).unwrap();
    for scene in 0..8u64 {
        let original = DynamicImage::ImageRgb8(blocks(320, 240, 16 + scene as u32, 100 + scene));
        put(&ds, &format!("s{scene}-original.png"), encode(&original, ImageFormat::Png));
        let half = original.resize_exact(160, 120, image::imageops::FilterType::Triangle);
        put(&ds, &format!("s{scene}-half.jpg"), encode(&half, ImageFormat::Jpeg));
        let mut recompressed = std::io::Cursor::new(Vec::new());
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut recompressed, 40);
        original.write_with_encoder(encoder).unwrap();
        put(&ds, &format!("s{scene}-q40.jpg"), recompressed.into_inner());
    }
    drop(ds);
    let run = |jobs: &str| {
        let args = ["clean", path.to_str().unwrap(), "--rule", plugins::DEDUP, "--rule", plugins::IMAGE_QUALITY];
        let out = aigc(args.iter().copied().chain(["--json", "--force", "-j", jobs]));
        out.assert_ok();
        verdicts(&path)
    };
    let one = run("1");
    let dropped = one.values().filter(|(_, v)| v.iter().any(|(rule, keep, _)| rule == "dedup" && !keep)).count();
    assert_eq!(dropped, 16, "two copies of each of 8 scenes: {one:?}");
    for scene in 0..8 {
        let dedup = |name: &str| reason(&one, &format!("s{scene}-{name}")).split(',').next().map(String::from);
        // Full resolution beats half; between the two full-size files the larger one wins (here the JPEG at
        // quality 40, as these flat-coloured blocks compress better losslessly): the rule's stated order.
        assert_eq!(dedup("half.jpg").as_deref(), Some("near-duplicate"));
        assert_eq!(dedup("q40.jpg").as_deref(), Some("best-of-duplicates"), "{scene}");
    }
    assert_eq!(run("4"), one, "--jobs 4 decided differently from --jobs 1");
}
