//! Parity with pytorch-fid 0.3.0 and torchmetrics 1.8.2 on the inputs `tests/metrics/distribution_reference.py`
//! describes (feature recipes rebuilt here bit for bit), and the bad-input errors.
//!
//! Tolerances (relative): the mean and covariance 1e-10 (both sides sum the same f32 values in f64, in different
//! orders); FID 1e-6 against pytorch-fid and torchmetrics (scipy's Schur sqrtm and the non-symmetric eigenvalues
//! differ from our symmetric route by rounding amplified by the covariances' conditioning; measured gaps are below
//! 1e-7); KID 1e-9 against torchmetrics run in float64 (the same sums in another order), and 3e-4 against its
//! default float32 run, whose own rounding error that bound covers on these sets.

use serde_json::Value;

use super::*;

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/metrics/distribution_reference.json");

fn reference() -> Value {
    let text = std::fs::read_to_string(REFERENCE).expect("tests/metrics/distribution_reference.json is readable");
    serde_json::from_str(&text).expect("the reference JSON parses")
}

// ------------------------------------------------------------------------------------------- the recipe

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The script's `uniforms`: SplitMix64 by counter, value k = mix(seed + (k + 1)·GOLDEN), top 53 bits in [0, 1).
fn uniform(seed: u64, k: u64) -> f64 {
    let mut z = seed.wrapping_add((k + 1).wrapping_mul(GOLDEN));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// The script's `features`, the same f64 operations in the same order, so the same f32 values.
fn recipe_features(recipe: &Value) -> (Vec<f32>, usize) {
    let number = |key: &str| recipe[key].as_f64().expect("a recipe number");
    let (rows, dim) = (number("rows") as usize, number("dim") as usize);
    let seed = recipe["seed"].as_u64().expect("a recipe seed");
    let (scale_all, shift_all) = (number("scale"), number("shift"));
    let mut values = Vec::with_capacity(rows * dim);
    for i in 0..rows {
        let factor = uniform(seed ^ 0x5_DEEC_E66D, i as u64) - 0.5;
        for j in 0..dim {
            let k = 4 * (i * dim + j) as u64;
            let noise = ((uniform(seed, k) + uniform(seed, k + 1)) + uniform(seed, k + 2)) + uniform(seed, k + 3);
            let noise = noise - 2.0;
            let jf = j as f64;
            let scale = (0.5 + (jf % 7.0) / 7.0) * scale_all;
            let loading = ((jf % 5.0) - 2.0) / 4.0;
            let shift = (jf % 3.0) / 3.0 + shift_all;
            values.push(((noise * scale + factor * loading) + shift) as f32);
        }
    }
    (values, dim)
}

fn case<'a>(document: &'a Value, name: &str) -> &'a Value {
    document["cases"].as_array().expect("cases").iter().find(|c| c["name"] == name).expect("the named case")
}

fn assert_close(what: &str, ours: f64, expected: f64, relative: f64) {
    let gap = (ours - expected).abs() / expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        gap <= relative,
        "{what}: ours {ours:.15e}, expected {expected:.15e}, relative gap {gap:.2e} > {relative:.0e}"
    );
}

fn gaussian_of(rows: &[f32], dim: usize) -> Gaussian {
    let mut moments = Moments::new(dim).expect("moments");
    moments.push(rows).expect("push");
    moments.gaussian().expect("gaussian")
}

// ------------------------------------------------------------------------------------------- parity

fn assert_stats(what: &str, gaussian: &Gaussian, expected: &Value) {
    let dim = gaussian.dim();
    let tolerance = 1e-10;
    let value = |key: &str| expected[key].as_f64().expect("a number");
    for (i, want) in expected["mean_head"].as_array().expect("mean_head").iter().enumerate() {
        assert_close(&format!("{what} mean[{i}]"), gaussian.mean[i], want.as_f64().expect("a number"), tolerance);
    }
    assert_close(&format!("{what} Σ mean"), gaussian.mean.iter().sum(), value("mean_sum"), tolerance);
    assert_close(
        &format!("{what} Σ mean²"),
        gaussian.mean.iter().map(|v| v * v).sum(),
        value("mean_sum_squares"),
        tolerance,
    );
    let trace: f64 = (0..dim).map(|i| gaussian.cov[i * dim + i]).sum();
    assert_close(&format!("{what} tr Σ"), trace, value("cov_trace"), tolerance);
    assert_close(&format!("{what} Σ cov"), gaussian.cov.iter().sum(), value("cov_sum"), 1e-8);
    assert_close(
        &format!("{what} Σ cov²"),
        gaussian.cov.iter().map(|v| v * v).sum(),
        value("cov_sum_squares"),
        tolerance,
    );
    for (i, want) in expected["cov_row_sums_head"].as_array().expect("row sums").iter().enumerate() {
        let ours: f64 = gaussian.cov[i * dim..(i + 1) * dim].iter().sum();
        assert_close(&format!("{what} row sum {i}"), ours, want.as_f64().expect("a number"), 1e-8);
    }
    for entry in expected["cov_entries"].as_array().expect("cov_entries") {
        let (i, j) = (entry[0].as_u64().expect("i") as usize, entry[1].as_u64().expect("j") as usize);
        let want = entry[2].as_f64().expect("value");
        assert_close(&format!("{what} cov[{i}][{j}]"), gaussian.cov[i * dim + j], want, 1e-9);
    }
    assert!(
        (0..dim).all(|i| (0..dim).all(|j| gaussian.cov[i * dim + j] == gaussian.cov[j * dim + i])),
        "{what}: Σ symmetric"
    );
}

#[test]
fn moments_equal_numpy_mean_and_cov() {
    let document = reference();
    for case in document["cases"].as_array().expect("cases") {
        for (set, stats) in [("generated", "generated_stats"), ("reference", "reference_stats")] {
            let (rows, dim) = recipe_features(&case[set]);
            let gaussian = gaussian_of(&rows, dim);
            assert_eq!(gaussian.count, rows.len() / dim);
            assert_stats(&format!("{} {set}", case["name"]), &gaussian, &case[stats]);
        }
    }
}

fn assert_fid_parity(document: &Value, name: &str) {
    let case = case(document, name);
    let (x, dim) = recipe_features(&case["generated"]);
    let (y, _) = recipe_features(&case["reference"]);
    let (a, b) = (gaussian_of(&x, dim), gaussian_of(&y, dim));
    let fid = frechet_distance(&a, &b).expect("FID");
    assert_close(&format!("{name}: FID vs pytorch-fid"), fid, case["pytorch_fid"].as_f64().expect("number"), 1e-6);
    assert_close(
        &format!("{name}: FID vs torchmetrics"),
        fid,
        case["torchmetrics_fid"].as_f64().expect("number"),
        1e-6,
    );
    // Swapped, the other covariance is factored; on singular ones the null space's rounding (eigenvalues near
    // ε·‖Σ‖², whose roots are near 1e-8·‖Σ‖) differs, so the two orders agree to about 1e-8, not to ε.
    let swapped = frechet_distance(&b, &a).expect("FID swapped");
    assert_close(&format!("{name}: FID symmetric"), swapped, fid, 1e-7);
}

#[test]
fn frechet_equals_pytorch_fid_on_full_rank_covariances() {
    // 300 and 260 rows of 64 features: both covariances positive definite (the Cholesky route).
    assert_fid_parity(&reference(), "well");
}

#[test]
fn frechet_equals_pytorch_fid_on_rank_deficient_covariances() {
    // 40 and 50 rows of 64 features: ranks 39 and 49, a singular product (the eigendecomposition route), where
    // scipy's sqrtm is at its least accurate; pytorch-fid did not need its eps fallback here (the JSON says so).
    let document = reference();
    let case = case(&document, "rank_deficient");
    assert_eq!((case["rank_x"].as_u64(), case["rank_y"].as_u64()), (Some(39), Some(49)));
    assert_eq!(case["pytorch_fid_eps_fallback"], false);
    assert_fid_parity(&document, "rank_deficient");
}

#[test]
#[ignore = "2048×2048 eigendecompositions take several seconds on 2 cores; run with --run-ignored"]
fn frechet_equals_pytorch_fid_at_inception_width() {
    // 160 and 150 rows of 2048 features: ranks 159 and 149, the case of a small evaluation set.
    assert_fid_parity(&reference(), "inception_dim");
}

#[test]
fn poly_mmd_equals_torchmetrics_on_given_subsets() {
    let document = reference();
    for entry in document["poly_mmd"].as_array().expect("poly_mmd") {
        let name = entry["name"].as_str().expect("name");
        let source = if name.starts_with("well") { "well" } else { "inception_dim" };
        let source = case(&document, source);
        let (x, dim) = recipe_features(&source["generated"]);
        let (y, _) = recipe_features(&source["reference"]);
        let pick = |rows: &[f32], key: &str| -> Vec<f32> {
            let chosen: Vec<usize> =
                entry[key].as_array().expect("rows").iter().map(|v| v.as_u64().expect("row") as usize).collect();
            let mut out = Vec::new();
            kid::gather_rows(rows, dim, &chosen, &mut out);
            out
        };
        let kernel = PolynomialKernel {
            degree: entry["kernel"]["degree"].as_u64().expect("degree") as u32,
            gamma: entry["kernel"]["gamma"].as_f64(),
            coef: entry["kernel"]["coef"].as_f64().expect("coef"),
        };
        let value = poly_mmd(&pick(&x, "rows_generated"), &pick(&y, "rows_reference"), dim, &kernel).expect("MMD");
        assert_close(&format!("{name} vs float64"), value, entry["expected_f64"].as_f64().expect("number"), 1e-9);
        assert_close(&format!("{name} vs float32"), value, entry["expected_f32"].as_f64().expect("number"), 3e-4);
        if entry["kernel"]["gamma"].as_f64() == Some(1.0 / dim as f64) {
            let default =
                poly_mmd(&pick(&x, "rows_generated"), &pick(&y, "rows_reference"), dim, &PolynomialKernel::default());
            assert_eq!(default.expect("MMD"), value, "{name}: gamma None means 1/dim");
        }
    }
}

#[test]
fn kid_equals_torchmetrics_when_subsets_are_whole_sets() {
    let document = reference();
    for entry in document["kid_whole_set"].as_array().expect("kid_whole_set") {
        let source = case(&document, entry["case"].as_str().expect("case"));
        let (x, dim) = recipe_features(&source["generated"]);
        let (y, _) = recipe_features(&source["reference"]);
        let rows = |key: &str| entry[key].as_u64().expect("rows") as usize;
        let (x, y) = (&x[..rows("generated_rows") * dim], &y[..rows("reference_rows") * dim]);
        let options = KidOptions {
            subsets: rows("subsets"),
            subset_size: rows("subset_size"),
            kernel: PolynomialKernel::default(),
            seed: 7,
        };
        let result = kid(x, y, dim, &options).expect("KID");
        let what = format!("KID {}", entry["case"]);
        assert_eq!(result.subset_values.len(), options.subsets);
        assert_close(
            &format!("{what} mean vs float64"),
            result.mean,
            entry["mean_f64"].as_f64().expect("number"),
            1e-9,
        );
        assert_close(
            &format!("{what} mean vs float32"),
            result.mean,
            entry["mean_f32"].as_f64().expect("number"),
            3e-4,
        );
        // Every subset is a permutation of the whole set: the values agree to rounding and the spread is ~0.
        assert!(result.std <= 1e-12 * result.mean.abs(), "{what}: std {} of identical subsets", result.std);
    }
}

// ------------------------------------------------------------------------------------------- behaviour

#[test]
fn pushing_in_pieces_and_merging_equal_one_push() {
    let document = reference();
    let (rows, dim) = recipe_features(&case(&document, "well")["generated"]);
    let whole = gaussian_of(&rows, dim);

    let mut pieces = Moments::new(dim).expect("moments");
    for piece in rows.chunks(dim * 7) {
        pieces.push(piece).expect("push");
    }
    pieces.push(&[]).expect("an empty push adds nothing");
    let (mut left, mut right) = (Moments::new(dim).expect("moments"), Moments::new(dim).expect("moments"));
    left.push(&rows[..dim * 113]).expect("push");
    right.push(&rows[dim * 113..]).expect("push");
    left.merge(&right).expect("merge");
    left.merge(&Moments::new(dim).expect("moments")).expect("merging nothing");

    for other in [pieces.gaussian().expect("gaussian"), left.gaussian().expect("gaussian")] {
        assert_eq!(other.count, whole.count);
        for (a, b) in whole.mean.iter().zip(&other.mean).chain(whole.cov.iter().zip(&other.cov)) {
            assert!((a - b).abs() <= 1e-12 * (1.0 + a.abs()), "{a} vs {b}");
        }
    }
}

#[test]
fn moments_keep_a_large_mean_accurate() {
    // Features offset by 1e4 with unit spread: the raw Σxxᵀ − nμμᵀ form would lose about 8 of 16 digits.
    let dim = 3;
    let rows: Vec<f32> = (0..2000)
        .flat_map(|i| {
            let t = (i % 10) as f32 - 4.5;
            [10_000.0 + t, 10_000.0 - t, 10_000.0 + (i % 2) as f32]
        })
        .collect();
    let mut moments = Moments::new(dim).expect("moments");
    for block in rows.chunks(dim * 300) {
        moments.push(block).expect("push");
    }
    let gaussian = moments.gaussian().expect("gaussian");
    let variance = 8.25 * 2000.0 / 1999.0; // of (i % 10) − 4.5
    assert_close("var 0", gaussian.cov[0], variance, 1e-12);
    assert_close("cov 0,1", -gaussian.cov[1], variance, 1e-12);
    assert_close("var 2", gaussian.cov[8], 0.25 * 2000.0 / 1999.0, 1e-12);
}

#[test]
fn identical_statistics_are_at_distance_zero() {
    let document = reference();
    let (rows, dim) = recipe_features(&case(&document, "rank_deficient")["generated"]);
    let gaussian = gaussian_of(&rows, dim);
    let fid = frechet_distance(&gaussian, &gaussian).expect("FID");
    let scale: f64 = (0..dim).map(|i| gaussian.cov[i * dim + i]).sum();
    assert!(fid.abs() <= 1e-6 * scale, "FID of a Gaussian with itself: {fid}");
}

#[test]
fn bad_rows_are_errors_naming_the_row() {
    let mut moments = Moments::new(4).expect("moments");
    moments.push(&[0.0; 8]).expect("two rows");
    let mut bad = [1.0f32; 12];
    bad[9] = f32::NAN;
    let error = moments.push(&bad).expect_err("NaN");
    assert!(matches!(error, DistributionError::NonFinite { row: 4, column: 1, .. }), "{error}");
    assert!(error.to_string().contains("row 4"), "{error}");
    assert_eq!(moments.count(), 2, "a rejected push adds nothing");
    bad[9] = f32::INFINITY;
    assert!(matches!(moments.push(&bad), Err(DistributionError::NonFinite { row: 4, .. })));

    let error = moments.push(&[1.0; 6]).expect_err("ragged");
    assert!(error.to_string().contains("6 values are not whole rows of 4"), "{error}");
    assert!(matches!(Moments::new(0), Err(DistributionError::ZeroDimension)));

    let mut one = Moments::new(4).expect("moments");
    one.push(&[1.0; 4]).expect("one row");
    let error = one.gaussian().expect_err("one row");
    assert!(error.to_string().contains("at least 2 rows, and 1 were given"), "{error}");
    assert!(matches!(Moments::new(4).expect("moments").gaussian(), Err(DistributionError::TooFewRows { rows: 0 })));
    let error = one.merge(&Moments::new(3).expect("moments")).expect_err("merge of other dims");
    assert!(matches!(error, DistributionError::MergeDimension { left: 4, right: 3 }), "{error}");
}

#[test]
fn mismatched_or_malformed_gaussians_are_errors() {
    let small = Gaussian { mean: vec![0.0; 2], cov: vec![1.0, 0.0, 0.0, 1.0], count: 10 };
    let large = Gaussian { mean: vec![0.0; 3], cov: vec![0.0; 9], count: 10 };
    let error = frechet_distance(&small, &large).expect_err("dims");
    assert!(matches!(error, DistributionError::DimensionMismatch { first: 2, second: 3 }), "{error}");
    assert!(error.to_string().contains("2 and 3 features"), "{error}");
    let short = Gaussian { mean: vec![0.0; 2], cov: vec![1.0; 3], count: 10 };
    assert!(matches!(frechet_distance(&short, &small), Err(DistributionError::MalformedGaussian { cov: 3, .. })));
    let nan = Gaussian { mean: vec![0.0, f64::NAN], ..small.clone() };
    let error = frechet_distance(&small, &nan).expect_err("NaN");
    assert!(error.to_string().contains("second (reference) Gaussian has a non-finite value in its mean"), "{error}");
    // A hand-checkable case: N(0, I) against N(1, 4I) in 2-d: 2·1² + 2 + 8 − 2·(2 + 2) = 4.
    let other = Gaussian { mean: vec![1.0, 1.0], cov: vec![4.0, 0.0, 0.0, 4.0], count: 10 };
    assert_close("2-d FID", frechet_distance(&small, &other).expect("FID"), 4.0, 1e-12);
}

#[test]
fn kid_is_seeded_and_checks_its_inputs() {
    let document = reference();
    let source = case(&document, "well");
    let (x, dim) = recipe_features(&source["generated"]);
    let (y, _) = recipe_features(&source["reference"]);
    let options = KidOptions { subsets: 4, subset_size: 50, seed: 3, ..KidOptions::default() };
    let first = kid(&x, &y, dim, &options).expect("KID");
    assert_eq!(first, kid(&x, &y, dim, &options).expect("KID"), "same seed, same result");
    let other = kid(&x, &y, dim, &KidOptions { seed: 4, ..options }).expect("KID");
    assert_ne!(first.subset_values, other.subset_values, "another seed draws other subsets");
    let mean = first.subset_values.iter().sum::<f64>() / 4.0;
    let std = (first.subset_values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0).sqrt();
    assert_close("population std", first.std, std, 1e-12);

    let error = kid(&x, &y, dim, &KidOptions { subset_size: 261, ..options }).expect_err("too large");
    assert!(
        matches!(
            error,
            DistributionError::SubsetTooLarge { set: FeatureSet::Reference, rows: 260, subset_size: 261, largest: 260 }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("at most 260"), "{error}");
    assert!(kid(&x, &y, dim, &KidOptions { subset_size: 1, ..options }).is_err());
    assert!(kid(&x, &y, dim, &KidOptions { subsets: 0, ..options }).is_err());
    let zero_degree = KidOptions { kernel: PolynomialKernel { degree: 0, ..PolynomialKernel::default() }, ..options };
    assert!(matches!(kid(&x, &y, dim, &zero_degree), Err(DistributionError::InvalidOption { option: "degree", .. })));
    let mut bad = y.clone();
    bad[dim * 17 + 3] = f32::NAN;
    let error = kid(&x, &bad, dim, &options).expect_err("NaN");
    assert!(error.to_string().contains("the reference set: row 17"), "{error}");
    assert!(matches!(
        poly_mmd(&x[..dim], &y, dim, &PolynomialKernel::default()),
        Err(DistributionError::TooFewRows { rows: 1 })
    ));
}

// ------------------------------------------------------------------------------------------- benchmark step

/// Rows of little-endian `f32` from a file the benchmark wrote.
fn read_rows(path: &str) -> Vec<f32> {
    let bytes = std::fs::read(path).expect("the benchmark's feature file");
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// The peak resident set of this process so far (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("a VmHWM line");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("VmHWM in kB")
}

fn seconds_since(start: std::time::Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// FID's statistics over two files held in memory: one push per set (as numpy gets the whole array), then the
/// Fréchet distance.
fn bench_fid(spec: &Value, dim: usize) -> Value {
    let (x, y) =
        (read_rows(spec["generated"].as_str().expect("path")), read_rows(spec["reference"].as_str().expect("path")));
    let start = std::time::Instant::now();
    let (a, b) = (gaussian_of(&x, dim), gaussian_of(&y, dim));
    let moments_s = seconds_since(start);
    let start = std::time::Instant::now();
    let fid = frechet_distance(&a, &b).expect("FID");
    serde_json::json!({"moments_s": moments_s, "frechet_s": seconds_since(start), "fid": fid})
}

fn bench_kid(spec: &Value, dim: usize) -> Value {
    let (x, y) =
        (read_rows(spec["generated"].as_str().expect("path")), read_rows(spec["reference"].as_str().expect("path")));
    let number = |key: &str| spec[key].as_u64().expect("a number");
    let options = KidOptions {
        subsets: number("subsets") as usize,
        subset_size: number("subset_size") as usize,
        kernel: PolynomialKernel::default(),
        seed: number("seed"),
    };
    let start = std::time::Instant::now();
    let result = kid(&x, &y, dim, &options).expect("KID");
    serde_json::json!({"kid_s": seconds_since(start), "mean": result.mean, "std": result.std})
}

/// Streams a file into `Moments` `batch` rows at a time (as features arrive from the model), never holding it.
fn bench_stream(spec: &Value, dim: usize) -> Value {
    use std::io::Read;
    let batch = spec["batch"].as_u64().expect("batch") as usize;
    let path = spec["generated"].as_str().expect("path");
    let mut file = std::fs::File::open(path).expect("the feature file");
    let total = file.metadata().expect("the file's size").len() as usize / (4 * dim);
    let (mut bytes, mut rows) = (vec![0u8; batch * dim * 4], vec![0f32; batch * dim]);
    let mut moments = Moments::new(dim).expect("moments");
    let rss_before_kib = peak_rss_kib();
    let start = std::time::Instant::now();
    for first in (0..total).step_by(batch) {
        let count = batch.min(total - first);
        file.read_exact(&mut bytes[..count * dim * 4]).expect("read");
        for (value, b) in rows.iter_mut().zip(bytes[..count * dim * 4].chunks_exact(4)) {
            *value = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        moments.push(&rows[..count * dim]).expect("push");
    }
    let gaussian = moments.gaussian().expect("gaussian");
    serde_json::json!({"rows": gaussian.count, "stream_s": seconds_since(start), "rss_before_kib": rss_before_kib,
                       "peak_rss_kib": peak_rss_kib()})
}

/// One step of `bench/metrics/distribution/run.py`: reads the JSON spec at `$DISTRIBUTION_BENCH` (task "fid",
/// "kid" or "stream", raw little-endian f32 feature files, dim) and prints `BENCH_RESULT {json}`. Run it with
/// `cargo test --release -p aigc-host --lib metrics::distribution::tests::bench_from_env -- --ignored --exact --nocapture`.
#[test]
#[ignore = "a benchmark step, run by bench/metrics/distribution/run.py"]
fn bench_from_env() {
    let path = std::env::var("DISTRIBUTION_BENCH").expect("DISTRIBUTION_BENCH names the benchmark's spec file");
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("the spec")).expect("spec JSON");
    let dim = spec["dim"].as_u64().expect("dim") as usize;
    let result = match spec["task"].as_str().expect("task") {
        "fid" => bench_fid(&spec, dim),
        "kid" => bench_kid(&spec, dim),
        "stream" => bench_stream(&spec, dim),
        other => panic!("unknown benchmark task {other}"),
    };
    println!("BENCH_RESULT {result}");
}
