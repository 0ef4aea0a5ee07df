//! Parity with skimage / StarVector (tests/metrics/pairs_reference.json, made by pairs_reference.py), the errors,
//! the batch entry points, and the benchmark's ignored entry point.
//!
//! Tolerances: SSIM 1e-5 absolute (the kernel works in f32 on centred values; skimage in f64; the issue asks
//! 1e-4), MSE and StarVector's L2s 1e-5 relative (our inputs are f32 planes of v/255, skimage's f64: each value
//! differs by up to 3e-8, which moves a mean of small squared differences by about 1e-6 relative; torch's L2 is
//! f32 throughout), PSNR 1e-4 dB (10·log10 turns the MSE's 1e-5 relative into 4e-5 dB).

use std::time::Instant;

use ::image::{DynamicImage, ImageBuffer, Rgb, Rgba};
use base64::Engine as _;
use serde_json::Value;

use super::*;

const REFERENCE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/metrics/pairs_reference.json"));

fn reference() -> Value {
    serde_json::from_str(REFERENCE).expect("pairs_reference.json parses")
}

/// pairs_reference.py's `hash32`.
fn hash32(seed: u32, x: u32, y: u32, c: u32) -> u32 {
    let mut v = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77) ^ c.wrapping_mul(0xC2B2_AE3D) ^ seed;
    v ^= v >> 15;
    v = v.wrapping_mul(0x2C1B_3C6D);
    v ^= v >> 12;
    v = v.wrapping_mul(0x297A_2D39);
    v ^= v >> 15;
    v
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or_else(|| panic!("{value} is not an integer"))
}

/// pairs_reference.py's `render`: H×W×C bytes from a recipe.
fn render(spec: &Value, width: usize, height: usize, channels: usize) -> Vec<u8> {
    let base = &spec["base"];
    let mut img = vec![0i64; width * height * channels];
    let at = |x: usize, y: usize, c: usize| (y * width + x) * channels + c;
    for y in 0..height {
        for x in 0..width {
            for c in 0..channels {
                img[at(x, y, c)] = if let Some(flat) = base.get("flat") {
                    int(&flat[c])
                } else if let Some(seed) = base.get("noise") {
                    i64::from(hash32(int(seed) as u32, x as u32, y as u32, c as u32) >> 24)
                } else {
                    let g = &base["gradient"];
                    (int(&g[0]) * x as i64 + int(&g[1]) * y as i64 + int(&g[2]) * c as i64).min(255)
                };
            }
        }
    }
    for rect in spec.get("rects").and_then(Value::as_array).into_iter().flatten() {
        let [x0, y0, x1, y1] = [0, 1, 2, 3].map(|i| int(&rect[i]) as usize);
        for y in y0..y1.min(height) {
            for x in x0..x1.min(width) {
                for c in 0..channels {
                    img[at(x, y, c)] = int(&rect[4][c]);
                }
            }
        }
    }
    if let Some(perturb) = spec.get("perturb") {
        let (seed, amp) = (int(&perturb["seed"]) as u32, int(&perturb["amp"]));
        for y in 0..height {
            for x in 0..width {
                for c in 0..channels {
                    let step = i64::from(hash32(seed, x as u32, y as u32, c as u32)) % (2 * amp + 1) - amp;
                    img[at(x, y, c)] = (img[at(x, y, c)] + step).clamp(0, 255);
                }
            }
        }
    }
    img.into_iter().map(|v| v as u8).collect()
}

/// pairs_reference.py's `checksum`.
fn checksum(bytes: &[u8]) -> i64 {
    bytes.iter().enumerate().map(|(i, &v)| i64::from(v) * (i as i64 % 251 + 1)).sum()
}

/// Planar planes from interleaved bytes, each value mapped by `to_value`.
fn planes_from_hwc(bytes: &[u8], width: usize, height: usize, channels: usize, to_value: impl Fn(u8) -> f32) -> Planes {
    let mut data = vec![0.0f32; bytes.len()];
    for (i, &v) in bytes.iter().enumerate() {
        let (pixel, c) = (i / channels, i % channels);
        data[c * width * height + pixel] = to_value(v);
    }
    Planes::new(width, height, channels, data).expect("valid planes")
}

struct Case {
    name: String,
    a: Planes,
    b: Planes,
    a_bytes: Vec<u8>,
    b_bytes: Vec<u8>,
    data_range: f64,
    json: Value,
}

/// Every reference case's images, in the units the reference gave skimage (0–1 for "unit", 0–255 otherwise).
fn cases() -> Vec<Case> {
    let reference = reference();
    let cases = reference["cases"].as_array().expect("cases").clone();
    cases
        .into_iter()
        .map(|case| {
            let [width, height, channels] = ["width", "height", "channels"].map(|k| int(&case[k]) as usize);
            let a_bytes = render(&case["a"], width, height, channels);
            let b_bytes = render(&case["b"], width, height, channels);
            let name = case["name"].as_str().expect("name").to_owned();
            assert_eq!(checksum(&a_bytes), int(&case["a_checksum"]), "{name}: the first image's recipe drifted");
            assert_eq!(checksum(&b_bytes), int(&case["b_checksum"]), "{name}: the second image's recipe drifted");
            let unit = case["range"] == "unit";
            let to_value = move |v: u8| if unit { f32::from(v) / 255.0 } else { f32::from(v) };
            Case {
                a: planes_from_hwc(&a_bytes, width, height, channels, to_value),
                b: planes_from_hwc(&b_bytes, width, height, channels, to_value),
                data_range: case["data_range"].as_f64().expect("data_range"),
                name,
                a_bytes,
                b_bytes,
                json: case,
            }
        })
        .collect()
}

fn options_named(name: &str, data_range: f64) -> SsimOptions {
    match name {
        "gaussian" => SsimOptions::gaussian(data_range),
        "uniform7" => SsimOptions::skimage_default(data_range),
        "starvector" => SsimOptions::starvector(data_range),
        other => panic!("unknown SSIM setting {other}"),
    }
}

fn assert_relative(got: f64, want: f64, tolerance: f64, what: &str) {
    let error = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
    assert!(got == want || error <= tolerance, "{what}: got {got}, skimage {want} (relative error {error:e})");
}

#[test]
fn ssim_equals_skimage_for_the_gaussian_uniform_and_starvector_windows() {
    let mut worst = 0.0f64;
    for case in cases() {
        for (setting, expected) in case.json["ssim"].as_object().expect("ssim") {
            let options = options_named(setting, case.data_range);
            let got = ssim(&case.a, &case.b, &options);
            let what = format!("{}, {setting}", case.name);
            if let Some(message) = expected.get("error") {
                let error = got.expect_err(&format!("{what}: skimage refused ({message}), so must we"));
                assert!(matches!(error, PairError::SmallerThanWindow { .. }), "{what}: {error}");
                continue;
            }
            let got = got.unwrap_or_else(|e| panic!("{what}: {e}"));
            let mean = expected["mean"].as_f64().expect("mean");
            assert!((got.mean - mean).abs() <= 1e-5, "{what}: SSIM {} vs skimage {mean}", got.mean);
            worst = worst.max((got.mean - mean).abs());
            for (c, want) in expected["per_channel"].as_array().expect("per_channel").iter().enumerate() {
                let want = want.as_f64().expect("number");
                assert!(
                    (got.per_channel[c] - want).abs() <= 1e-5,
                    "{what}, channel {c}: {} vs {want}",
                    got.per_channel[c]
                );
            }
        }
    }
    eprintln!("largest SSIM difference from skimage: {worst:e}");
}

#[test]
fn mse_psnr_and_starvector_l2_equal_the_references() {
    for case in cases() {
        let name = &case.name;
        let want_mse = case.json["mse"].as_f64().expect("mse");
        assert_relative(mse(&case.a, &case.b).expect("mse"), want_mse, 1e-5, &format!("{name}: MSE"));
        let psnr_value = psnr(&case.a, &case.b, case.data_range).expect("psnr");
        match &case.json["psnr"] {
            Value::String(s) if s == "inf" => assert_eq!(psnr_value, f64::INFINITY, "{name}: identical images"),
            want => {
                let want = want.as_f64().expect("psnr");
                assert!((psnr_value - want).abs() <= 1e-4, "{name}: PSNR {psnr_value} vs skimage {want}");
            }
        }
        if let Some(want) = case.json.get("starvector_masked_l2").and_then(Value::as_f64) {
            let got = masked_l2(&case.a, &case.b, case.data_range).expect("masked L2");
            assert!((got - want).abs() <= 1e-5 * want.abs() + 1e-9, "{name}: masked L2 {got} vs StarVector {want}");
            let plain = mse(&case.a, &case.b).expect("mse") / (case.data_range * case.data_range);
            let want = case.json["starvector_l2"].as_f64().expect("starvector_l2");
            assert!((plain - want).abs() <= 1e-5 * want.abs() + 1e-9, "{name}: L2 {plain} vs StarVector {want}");
        }
    }
}

/// StarVector calls skimage on uint8 arrays (range 255 from the dtype); the same pair decoded by
/// `Planes::from_image` is in [0, 1] with data range 1, and SSIM must not change.
#[test]
fn from_image_planes_give_starvectors_uint8_ssim_and_l2() {
    for case in cases().into_iter().filter(|c| c.json["range"] == "uint8") {
        let (width, height) = (case.a.width() as u32, case.a.height() as u32);
        let image = |bytes: &[u8]| {
            let buffer = ImageBuffer::<Rgb<u8>, _>::from_raw(width, height, bytes.to_vec()).expect("rgb buffer");
            Planes::from_image(&DynamicImage::ImageRgb8(buffer)).expect("planes")
        };
        let (a, b) = (image(&case.a_bytes), image(&case.b_bytes));
        let want = case.json["ssim"]["starvector"]["mean"].as_f64().expect("mean");
        let got = ssim(&a, &b, &SsimOptions::starvector(1.0)).expect("ssim").mean;
        assert!((got - want).abs() <= 1e-5, "{}: {got} vs {want}", case.name);
        let want = case.json["starvector_masked_l2"].as_f64().expect("masked");
        let got = masked_l2(&a, &b, 1.0).expect("masked L2");
        assert!((got - want).abs() <= 1e-5 * want, "{}: masked L2 {got} vs {want}", case.name);
    }
}

#[test]
fn alpha_is_composited_over_white_as_starvector_pastes_it() {
    let reference = reference();
    let case = &reference["white_compositing"];
    let [width, height, seed] = ["width", "height", "seed"].map(|k| int(&case[k]) as u32);
    let mut rgba =
        ImageBuffer::from_fn(width, height, |x, y| Rgba([0, 1, 2, 3].map(|c| (hash32(seed, x, y, c) >> 24) as u8)));
    for x in 0..width {
        rgba.get_pixel_mut(x, int(&case["clear_row"]) as u32).0[3] = 0;
        rgba.get_pixel_mut(x, int(&case["opaque_row"]) as u32).0[3] = 255;
    }
    let planes = Planes::from_image(&DynamicImage::ImageRgba8(rgba)).expect("planes");
    let want =
        base64::engine::general_purpose::STANDARD.decode(case["rgb_base64"].as_str().expect("b64")).expect("b64");
    let pixels = (width * height) as usize;
    for (i, &v) in want.iter().enumerate() {
        let got = planes.plane(i % 3)[i / 3];
        assert_eq!(got, f32::from(v) / 255.0, "pixel {} channel {}: PIL gives {v}", i / 3, i % 3);
    }
    assert_eq!(planes.data().len(), 3 * pixels);
}

#[test]
fn identical_images_give_zero_error_infinite_psnr_and_ssim_one() {
    let case = cases().into_iter().find(|c| c.name == "identical").expect("identical case");
    assert_eq!(mse(&case.a, &case.a).expect("mse"), 0.0);
    assert_eq!(psnr(&case.a, &case.a, 1.0).expect("psnr"), f64::INFINITY);
    for options in [SsimOptions::gaussian(1.0), SsimOptions::skimage_default(1.0), SsimOptions::starvector(1.0)] {
        let result = ssim(&case.a, &case.a, &options).expect("ssim");
        assert!((result.mean - 1.0).abs() < 1e-6, "{}: {}", options.describe(), result.mean);
    }
}

/// The AVX build must give the very bits of the portable one (same operations in the same order), or results
/// would depend on the machine.
#[test]
fn the_avx_and_portable_kernels_agree_bit_for_bit() {
    let (a, b) = (planes(70, 45, 1, 5), planes(70, 45, 1, 6));
    for options in [SsimOptions::gaussian(1.0), SsimOptions::skimage_default(1.0), SsimOptions::starvector(1.0)] {
        let kernel = ssim::Kernel::new(&options);
        let channel = ssim::Channel { a: a.plane(0), b: b.plane(0), width: 70, shift: 0.4, scale: 1.0 };
        let rows = 0..45 - 2 * options.window.radius();
        let dispatched = ssim::band_sum(&channel, &kernel, rows.clone());
        let portable = ssim::band_sum_portable(&channel, &kernel, rows);
        assert_eq!(dispatched.to_bits(), portable.to_bits(), "{}", options.describe());
    }
}

fn planes(width: usize, height: usize, channels: usize, seed: u32) -> Planes {
    let data = (0..width * height * channels).map(|i| (hash32(seed, i as u32, 0, 0) >> 24) as f32 / 255.0).collect();
    Planes::new(width, height, channels, data).expect("planes")
}

#[test]
fn bad_input_is_an_error_that_names_it() {
    let (a, b) = (planes(20, 12, 3, 1), planes(12, 20, 3, 2));
    let message = mse(&a, &b).expect_err("different sizes").to_string();
    assert!(message.contains("20×12") && message.contains("12×20"), "{message}");
    let message = ssim(&a, &planes(20, 12, 1, 3), &SsimOptions::gaussian(1.0)).expect_err("channels").to_string();
    assert!(message.contains("3") && message.contains("1"), "{message}");
    let small = planes(7, 40, 3, 4);
    let message = ssim(&small, &small, &SsimOptions::gaussian(1.0)).expect_err("smaller than 11").to_string();
    assert!(message.contains("7×40") && message.contains("11×11"), "{message}");
    assert!(ssim(&small, &small, &SsimOptions::skimage_default(1.0)).is_ok(), "a 7×7 window fits 7 px");

    let mut nan = vec![0.5f32; 2 * 3 * 4];
    nan[13] = f32::NAN;
    let message = Planes::new(3, 4, 2, nan).expect_err("NaN").to_string();
    assert!(message.contains("channel 1, row 0, column 1"), "{message}");
    assert!(matches!(Planes::new(3, 4, 2, vec![0.0; 5]), Err(PairError::Length { expected: 24, got: 5, .. })));
    assert!(matches!(Planes::new(0, 4, 2, vec![]), Err(PairError::Empty { .. })));
    assert!(matches!(psnr(&a, &a, 0.0), Err(PairError::DataRange(_))));
    assert!(matches!(masked_l2(&a, &a, f64::NAN), Err(PairError::DataRange(_))));
    let bad = [
        SsimOptions { window: SsimWindow::Uniform { size: 6 }, ..SsimOptions::gaussian(1.0) },
        SsimOptions { window: SsimWindow::Uniform { size: 1 }, ..SsimOptions::skimage_default(1.0) },
        SsimOptions { window: SsimWindow::Gaussian { sigma: -1.0 }, ..SsimOptions::gaussian(1.0) },
        SsimOptions { k2: f64::NAN, ..SsimOptions::gaussian(1.0) },
        SsimOptions::gaussian(f64::INFINITY),
    ];
    for options in bad {
        assert!(ssim(&a, &a, &options).is_err(), "{options:?}");
    }
    let ok = SsimOptions { window: SsimWindow::Uniform { size: 1 }, ..SsimOptions::gaussian(1.0) };
    assert!(ssim(&a, &a, &ok).is_ok(), "a 1-pixel window with the population covariance is defined");
}

#[test]
fn batches_give_the_single_pair_results_and_name_the_failing_pair() {
    let images: Vec<Planes> = (0..6).map(|seed| planes(40, 33, 3, seed)).collect();
    let odd = planes(33, 40, 3, 9);
    let mut pairs: Vec<(&Planes, &Planes)> = images.windows(2).map(|w| (&w[0], &w[1])).collect();
    pairs.push((&images[0], &odd));
    let measures = [
        PairMeasure::Mse,
        PairMeasure::Psnr { data_range: 1.0 },
        PairMeasure::Ssim(SsimOptions::gaussian(1.0)),
        PairMeasure::MaskedL2 { data_range: 1.0 },
    ];
    let results = score_pairs(&pairs, &measures).expect("valid measures");
    for (index, ((a, b), result)) in pairs.iter().zip(&results).enumerate().take(pairs.len() - 1) {
        let scores = result.as_ref().expect("scored");
        assert_eq!(scores[0], PairScore::Mse(mse(a, b).expect("mse")));
        assert_eq!(scores[1].value(), psnr(a, b, 1.0).expect("psnr"));
        let single = ssim(a, b, &SsimOptions::gaussian(1.0)).expect("ssim");
        assert!((scores[2].value() - single.mean).abs() < 1e-12, "pair {index}: sequential vs banded");
        assert_eq!(scores[3].value(), masked_l2(a, b, 1.0).expect("masked"));
    }
    let message = results.last().expect("last").as_ref().expect_err("mismatched pair").to_string();
    assert!(message.starts_with(&format!("pair {}: ", pairs.len() - 1)) && message.contains("33×40"), "{message}");

    let loaded = score_loaded_pairs(
        pairs.len(),
        |i| if i == 2 { Err(PairError::DataRange(-1.0)) } else { Ok((pairs[i].0.clone(), pairs[i].1.clone())) },
        &measures,
    )
    .expect("valid measures");
    assert_eq!(loaded[0].as_ref().expect("scored"), results[0].as_ref().expect("scored"));
    assert!(loaded[2].as_ref().is_err_and(|e| e.to_string().starts_with("pair 2: ")));
    let invalid = [PairMeasure::Psnr { data_range: 0.0 }];
    assert!(score_pairs(&pairs, &invalid).is_err(), "an invalid measure fails the whole batch before any work");
}

/// The benchmark's Rust side (bench/metrics/pairs/run.py), not a test: `PAIRS_BENCH_LIST` names a file of
/// tab-separated PNG path pairs; decodes and scores them in a pool of `PAIRS_BENCH_THREADS` (default 2) and
/// prints one JSON line of timings and score sums.
///
///     PAIRS_BENCH_LIST=pairs.tsv cargo test --release -p aigc-host --lib \
///         metrics::pairs::tests::bench_pairs -- --ignored --nocapture
#[test]
#[ignore = "benchmark entry point; run by bench/metrics/pairs/run.py"]
fn bench_pairs() {
    let list = std::env::var("PAIRS_BENCH_LIST").expect("PAIRS_BENCH_LIST names the pair list");
    let threads: usize = std::env::var("PAIRS_BENCH_THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(2);
    let text = std::fs::read_to_string(&list).expect("pair list");
    let paths: Vec<(PathBuf, PathBuf)> = text
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (a, b) = line.split_once('\t').expect("two tab-separated paths");
            (PathBuf::from(a), PathBuf::from(b))
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
    let load = |i: usize| Ok((Planes::open(&paths[i].0)?, Planes::open(&paths[i].1)?));
    let run = |measures: &[PairMeasure]| {
        let started = Instant::now();
        let results = pool.install(|| score_loaded_pairs(paths.len(), load, measures)).expect("measures");
        let seconds = started.elapsed().as_secs_f64();
        let sums: Vec<f64> =
            (0..measures.len()).map(|m| results.iter().map(|r| r.as_ref().expect("scored")[m].value()).sum()).collect();
        (seconds, sums)
    };
    let (decode_seconds, _) = run(&[]);
    let (ssim_seconds, ssim_sum) = run(&[PairMeasure::Ssim(SsimOptions::gaussian(1.0))]);
    let (uniform_seconds, uniform_sum) = run(&[PairMeasure::Ssim(SsimOptions::skimage_default(1.0))]);
    let (mse_seconds, mse_sums) = run(&[PairMeasure::Mse, PairMeasure::Psnr { data_range: 1.0 }]);
    println!(
        "{}",
        serde_json::json!({
            "pairs": paths.len(), "threads": threads,
            "decode_seconds": decode_seconds,
            "ssim_gaussian_seconds": ssim_seconds, "ssim_gaussian_sum": ssim_sum[0],
            "ssim_uniform7_seconds": uniform_seconds, "ssim_uniform7_sum": uniform_sum[0],
            "mse_psnr_seconds": mse_seconds, "mse_sum": mse_sums[0], "psnr_sum": mse_sums[1],
        })
    );
}
