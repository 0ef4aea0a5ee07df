//! Host work a plugin asks for is bounded before it runs (issue #11, class 1): one host call with a hostile input
//! — a few hundred bytes of SVG filters, a 16-bit 8000x8000 PNG, a 64-megapixel image for a model, a 32 MiB
//! text — comes back promptly, as a `limit` error where the input asks for more than a call may, and the host's
//! peak resident memory (GNU time's "Maximum resident set size") stays within a bound of an ordinary call's.
//!
//! Each case runs `aigc-host clean` with the `host-work-probe` cleaner on a one-item dataset; the probe makes the
//! call its `mode` names and writes what came back into its verdict's reason.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aigc_host::store::{Dataset, NewFile, NewItem, Provenance};
use aigc_tests::rss::{Measured, measure};
use aigc_tests::{aigc, command, plugins, root};

/// A temporary folder with a model registry holding the tiny CLIP model as `clip` (the probe's manifest names it).
struct Setup {
    dir: tempfile::TempDir,
    models: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let tiny = root().join("models/tiny/tiny-clip");
    let out = command(["models", "add", tiny.to_str().unwrap(), "--name", "clip"])
        .env("AIGC_HOST_MODELS", &models)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Setup { dir, models }
}

impl Setup {
    /// A fresh dataset holding one item with `file` (a name and its bytes), so each run judges exactly one item.
    fn dataset(&self, label: &str, file: (&str, &str, Vec<u8>)) -> PathBuf {
        let path = self.dir.path().join(format!("ds-{label}"));
        let ds = Dataset::create_or_open(&path).unwrap();
        let (name, media_type, data) = file;
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
            files: vec![NewFile { name: name.into(), media_type: media_type.into(), data }],
            parent: None,
        };
        ds.put_item(None, &item).unwrap();
        path
    }

    /// Runs the probe in `mode` over a one-item dataset under GNU time.
    fn probe(&self, mode: &str, file: (&str, &str, Vec<u8>), extra: &[&str]) -> (Measured, PathBuf) {
        let ds = self.dataset(mode, file);
        let mode = format!("mode={mode}");
        let mut args =
            vec!["clean", ds.to_str().unwrap(), "--rule", plugins::HOST_WORK_PROBE, "--set", &mode, "--json"];
        args.extend_from_slice(extra);
        let mut run = command(args);
        run.env("AIGC_HOST_MODELS", &self.models);
        (measure(run), ds)
    }
}

fn note() -> (&'static str, &'static str, Vec<u8>) {
    ("note.txt", "text/plain", b"an item for the probe to be run on".to_vec())
}

/// The probe's verdict reason on the dataset's one item.
fn reason(ds: &Path) -> String {
    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json();
    let verdicts = ls["items"][0]["verdicts"].as_array().cloned().unwrap_or_default();
    let verdict = verdicts.iter().find(|v| v["rule"] == "host-work-probe");
    verdict.and_then(|v| v["reason"].as_str()).unwrap_or_else(|| panic!("no verdict: {ls}")).to_string()
}

const MIB: u64 = 1024;

/// Peak RSS (KiB) of an ordinary call: the probe rendering a small icon.
fn baseline(setup: &Setup) -> u64 {
    let (run, ds) = setup.probe("svg-icon", note(), &[]);
    run.output.assert_ok();
    assert!(reason(&ds).starts_with("ok "), "{}", reason(&ds));
    run.peak_rss_kib
}

/// One line per case for the test log (run with `--no-capture` to see the numbers).
fn report(case: &str, run: &Measured, baseline: u64, reason: &str) {
    println!(
        "{case:<28} wall {:>6.2} s  peak RSS {:>6} MiB (+{:>4} MiB)  {}",
        run.wall.as_secs_f64(),
        run.peak_rss_kib / MIB,
        run.peak_rss_kib.saturating_sub(baseline) / MIB,
        reason.chars().take(120).collect::<String>()
    );
}

#[test]
fn hostile_svg_filters_and_layers_get_a_limit_error_promptly_and_the_host_stays_small() {
    let setup = setup();
    let base = baseline(&setup);
    for mode in ["svg-morphology", "svg-turbulence", "svg-blurs", "svg-convolve", "svg-layers"] {
        // Nested layers at 512 px: each up to 2,560 px square (5 x 5 canvases), about 30 of them held at once.
        let size: &[&str] = if mode == "svg-layers" { &["--set", "size=512"] } else { &[] };
        let (run, ds) = setup.probe(mode, note(), size);
        run.output.assert_ok();
        let reason = reason(&ds);
        report(mode, &run, base, &reason);
        assert!(reason.starts_with("limit: ") && reason.contains("host's limit"), "{mode}: {reason}");
        assert!(run.wall < Duration::from_secs(8), "{mode}: took {:?}", run.wall);
        // Refused from the estimate: nothing large was allocated.
        assert!(run.peak_rss_kib < base + 64 * MIB, "{mode}: peak RSS {} KiB vs {base} KiB", run.peak_rss_kib);
    }
}

/// A PNG of `width` x `height` pixels of one colour, written row by row (never held whole), `depth` 8 or 16 bits,
/// `colour` 2 (RGB) or 6 (RGBA). It compresses about a thousand to one.
fn flat_png(width: u32, height: u32, depth: u8, colour: u8) -> Vec<u8> {
    filled_png(width, height, depth, colour, 0x5a)
}

/// [`flat_png`] with every sample byte `fill`.
fn filled_png(width: u32, height: u32, depth: u8, colour: u8, fill: u8) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let channels = if colour == 6 { 4 } else { 3 };
    let row_bytes = width as usize * channels * usize::from(depth / 8);
    let mut row = vec![fill; row_bytes + 1];
    row[0] = 0; // filter type None
    let mut idat = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..height {
        idat.write_all(&row).unwrap();
    }
    let idat = idat.finish().unwrap();
    let mut ihdr = [width.to_be_bytes(), height.to_be_bytes()].concat();
    ihdr.extend_from_slice(&[depth, colour, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn a_16_bit_8000_square_png_is_refused_from_its_header_for_resizing_and_measuring() {
    let setup = setup();
    let base = baseline(&setup);
    let deep = flat_png(8000, 8000, 16, 6);
    for mode in ["image-resize", "image-measure"] {
        let (run, ds) = setup.probe(mode, ("deep.png", "image/png", deep.clone()), &[]);
        run.output.assert_ok();
        let reason = reason(&ds);
        report(mode, &run, base, &reason);
        assert!(reason.starts_with("limit: ") && reason.contains("MiB of host memory"), "{mode}: {reason}");
        assert!(run.wall < Duration::from_secs(8), "{mode}: took {:?}", run.wall);
        assert!(run.peak_rss_kib < base + 64 * MIB, "{mode}: peak RSS {} KiB vs {base} KiB", run.peak_rss_kib);
    }
}

#[test]
fn a_64_megapixel_image_reaches_a_model_without_full_size_float_tensors() {
    let setup = setup();
    let base = baseline(&setup);
    // 8000 x 8000 8-bit RGB: 192 MB decoded, within a call's memory; the float tensors of the full image that the
    // host used to make were four times that, each.
    let (run, ds) = setup.probe("model-image", ("photo.png", "image/png", flat_png(8000, 8000, 8, 2)), &[]);
    run.output.assert_ok();
    let said = reason(&ds);
    report("model-image 64 MP", &run, base, &said);
    assert_eq!(said, "ok 1 embedding(s)");
    assert!(run.wall < Duration::from_secs(15), "took {:?}", run.wall);
    assert!(run.peak_rss_kib < base + 320 * MIB, "peak RSS {} KiB vs {base} KiB", run.peak_rss_kib);
    // 16 bits a channel with alpha: 512 MB decoded, still within a call (just); the answer is the same kind.
    let (run, ds) = setup.probe("model-image", ("deep.png", "image/png", flat_png(8000, 8000, 16, 6)), &[]);
    run.output.assert_ok();
    let reason = reason(&ds);
    report("model-image 64 MP 16-bit", &run, base, &reason);
    assert_eq!(reason, "ok 1 embedding(s)");
    assert!(run.peak_rss_kib < base + 640 * MIB, "peak RSS {} KiB vs {base} KiB", run.peak_rss_kib);
}

#[test]
fn a_32_mib_text_is_cut_before_it_is_tokenized() {
    let setup = setup();
    let base = baseline(&setup);
    let (short, ds) = setup.probe("model-text-short", note(), &[]);
    short.output.assert_ok();
    assert_eq!(reason(&ds), "ok 1 embedding(s)");
    let (run, ds) = setup.probe("model-text", note(), &[]);
    run.output.assert_ok();
    let reason = reason(&ds);
    report("model-text 32 MiB", &run, base, &reason);
    assert_eq!(reason, "ok 1 embedding(s)");
    assert!(run.wall < short.wall + Duration::from_secs(5), "took {:?} (a short text: {:?})", run.wall, short.wall);
    // The text itself is in the plugin's memory and copied once into the host's: about 64 MiB of the margin.
    assert!(run.peak_rss_kib < base + 192 * MIB, "peak RSS {} KiB vs {base} KiB", run.peak_rss_kib);
}

#[test]
fn a_cleaner_looping_on_svg_rasterize_is_stopped_by_its_host_work_budget() {
    let setup = setup();
    let (run, ds) = setup.probe("svg-loop", note(), &["--host-work", "1"]);
    let summary = run.output.json();
    assert_eq!(summary["errors"], 1, "{summary}");
    let shown = run.output.stdout.clone() + &run.output.stderr;
    assert!(shown.contains("--host-work"), "the message says how to raise the budget: {shown}");
    assert!(run.wall < Duration::from_secs(30), "took {:?}", run.wall);
    // Stopped, not judged: no verdict was written.
    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json();
    let verdicts = ls["items"][0]["verdicts"].as_array().cloned().unwrap_or_default();
    assert!(verdicts.iter().all(|v| v["rule"] != "host-work-probe"), "{ls}");
}

/// A dataset of `count` flat images of `side` x `side` pixels, each a different colour (so no two are the same
/// bytes), for the duplicate index.
fn flat_images(setup: &Setup, label: &str, count: u8, side: u32) -> PathBuf {
    let path = setup.dir.path().join(format!("ds-{label}"));
    let ds = Dataset::create_or_open(&path).unwrap();
    for i in 0..count {
        let png = filled_png(side, side, 8, 2, 0x20 + i * 0x30);
        let name = format!("image-{i}.png");
        let item = NewItem {
            source_key: format!("test:{label}:{i}"),
            category: None,
            title: Some(name.clone()),
            provenance: Provenance {
                source_url: format!("https://example.invalid/{name}"),
                licence: None,
                licence_url: None,
                author: None,
                author_url: None,
            },
            metadata: "{}".into(),
            files: vec![NewFile { name, media_type: "image/png".into(), data: png }],
            parent: None,
        };
        ds.put_item(None, &item).unwrap();
    }
    path
}

#[test]
fn the_duplicate_index_measures_large_images_within_the_memory_pool_not_one_per_core() {
    let setup = setup();
    let dedup = |ds: &Path, memory: &str| {
        let run = measure(command([
            "clean",
            ds.to_str().unwrap(),
            "--rule",
            plugins::DEDUP,
            "--host-memory",
            memory,
            "--json",
        ]));
        run.output.assert_ok();
        assert_eq!(run.output.json()["errors"], 0, "{}", run.output.stdout);
        run
    };
    let small = dedup(&flat_images(&setup, "small", 4, 64), "200");
    // 6000 x 6000 RGB: about 150 MB each to decode and measure. A 200 MiB pool has room for one at a time, so
    // the index measures them in turn however many cores it has (with room for more, one per core at once).
    let large = dedup(&flat_images(&setup, "large", 4, 6000), "200");
    report("dedup index, 200 MiB pool", &large, small.peak_rss_kib, "");
    assert!(
        large.peak_rss_kib < small.peak_rss_kib + 220 * MIB,
        "peak RSS {} KiB vs {} KiB for small images",
        large.peak_rss_kib,
        small.peak_rss_kib
    );
    // A pool smaller than one image: each runs alone with all of it (it never waits on memory it holds itself).
    let tiny = dedup(&flat_images(&setup, "tiny-pool", 2, 6000), "64");
    report("dedup index, 64 MiB pool", &tiny, small.peak_rss_kib, "");
    assert!(tiny.wall < Duration::from_secs(30), "took {:?}", tiny.wall);
    // For the record: a pool with room for all of them lets the index decode one per core at once.
    let roomy = dedup(&flat_images(&setup, "roomy", 4, 6000), "4096");
    report("dedup index, 4 GiB pool", &roomy, small.peak_rss_kib, "");
}
