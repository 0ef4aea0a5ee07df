//! Entry points for the fuzzers: one function per untrusted input format, taking raw bytes and running them
//! through the same code, with the same limits, as the host does for a plugin or an operator.
//!
//! `fuzz/` (cargo-fuzz, libFuzzer) calls these from its `fuzz_targets/<name>.rs`, and the test suite's stable
//! runner (`tests/all/fuzz_corpus.rs`) calls them over the committed corpus, every crash found so far and a fixed
//! budget of deterministic mutations. A function returns the host's own refusal as `Err(message)`, which is
//! fine; what it must never do, whatever the bytes, is panic past the host's guards, hang, or allocate without
//! bound. Nothing here is used by the host itself.

use std::io::Write as _;
use std::sync::Mutex;

use crate::{image, mesh, net, submission, svg};

/// The step a target is in, set before each one: when an input hangs, this names where (a runner cannot see the
/// stuck thread's stack), and a hang found again is matched to a known one by it.
static STAGE: Mutex<&str> = Mutex::new("");

fn stage(name: &'static str) {
    *STAGE.lock().unwrap_or_else(|p| p.into_inner()) = name;
}

/// The step the last target call is in (if it has not returned) or ended in.
pub fn current_stage() -> &'static str {
    *STAGE.lock().unwrap_or_else(|p| p.into_inner())
}

/// What one input did: `Ok` when the host accepted it, `Err` with the host's message when it refused it.
pub type Outcome = Result<(), String>;

/// A fuzz target: the host's handling of one input format.
pub type Target = fn(&[u8]) -> Outcome;

/// Every target by name; the names are the `fuzz/fuzz_targets/<name>.rs` files and the corpus folders.
pub const TARGETS: &[(&str, Target)] = &[
    ("svg", svg),
    ("image", image),
    ("gltf", gltf),
    ("glb", glb),
    ("obj", obj),
    ("model_zip", model_zip),
    ("submission_zip", submission_zip),
    ("replay", replay),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Raster side for the analysis: the size the SVG rules use is larger, but the code path is the same and a fuzzer
/// wants many executions a second.
const SVG_ANALYSIS_SIZE: u32 = 64;
/// Raster side for the second render from the parsed document (the classifiers' path).
const SVG_RASTER_SIZE: u32 = 32;

/// An SVG as `svg.analyze-file` and `svg.rasterize-file` see it: the analysis (parse with every cap, the facts,
/// a render, shape statistics), then a second render of the parsed document on a background. (`svg.describe`'s
/// facts are the analysis's own.)
pub fn svg(data: &[u8]) -> Outcome {
    let limits = svg::Limits::default();
    let options = svg::AnalysisOptions { size: SVG_ANALYSIS_SIZE, ..svg::AnalysisOptions::default() };
    stage("svg::analyze_document");
    let (_, document) = svg::analyze_document(data, &options, &limits).map_err(|e| e.to_string())?;
    let white = svg::Rgba { r: 255, g: 255, b: 255, a: 255 };
    stage("svg::Document::rasterize");
    document.rasterize(SVG_RASTER_SIZE, Some(white), &limits).map_err(|e| e.to_string())?;
    Ok(())
}

/// Side of the thumbnail `image` asks `resize` for.
const THUMBNAIL_SIDE: u32 = 16;

/// A raster image as `image.measure` and `image.resize` see it: bounded decoding, the measurements, and a resize
/// to a small PNG.
pub fn image(data: &[u8]) -> Outcome {
    stage("image::facts");
    image::facts(data).map_err(|e| e.to_string())?;
    stage("image::resize");
    image::resize(data, THUMBNAIL_SIDE, THUMBNAIL_SIDE, image::Encoding::Png).map_err(|e| e.to_string())?;
    Ok(())
}

/// Mesh facts of an item holding `files`, as `mesh.facts` computes them.
fn mesh_facts(files: Vec<(String, Vec<u8>)>) -> Outcome {
    let limits = mesh::Limits::default();
    stage("mesh::Bundle::new");
    let bundle = mesh::Bundle::new(files, &limits).map_err(|e| e.to_string())?;
    stage("mesh::facts");
    mesh::facts(&bundle, &limits).map(drop).map_err(|e| e.to_string())
}

/// A `.gltf` file (JSON; its buffers and images as `data:` URIs, since it is the item's only file).
pub fn gltf(data: &[u8]) -> Outcome {
    mesh_facts(vec![("model.gltf".into(), data.to_vec())])
}

/// A `.glb` file.
pub fn glb(data: &[u8]) -> Outcome {
    mesh_facts(vec![("model.glb".into(), data.to_vec())])
}

/// The line that ends an `obj` input's OBJ part; what follows is `model.mtl`, so one input reaches the MTL
/// parser too (seeds say `mtllib model.mtl`).
pub const OBJ_MTL_SEPARATOR: &[u8] = b"\n#fuzz-mtl\n";

/// An `.obj` file, optionally followed by [`OBJ_MTL_SEPARATOR`] and its `.mtl`.
pub fn obj(data: &[u8]) -> Outcome {
    let at = data.windows(OBJ_MTL_SEPARATOR.len()).position(|w| w == OBJ_MTL_SEPARATOR);
    let mut files = Vec::with_capacity(2);
    match at {
        Some(at) => {
            files.push(("model.obj".to_string(), data[..at].to_vec()));
            files.push(("model.mtl".to_string(), data[at + OBJ_MTL_SEPARATOR.len()..].to_vec()));
        }
        None => files.push(("model.obj".to_string(), data.to_vec())),
    }
    mesh_facts(files)
}

/// A zip archive as Sketchfab delivers models (`scene.gltf`, `scene.bin`, `textures/...`, or an OBJ with its
/// MTL): opened in place, the model found and read from it.
pub fn model_zip(data: &[u8]) -> Outcome {
    mesh_facts(vec![("model.zip".into(), data.to_vec())])
}

/// Most bytes read from one submission file: graders read whole files up to the per-read cap, but the fuzzer's
/// inputs are small and a lying header must not make it hold the cap's worth of memory per execution.
const SUBMISSION_READ: u64 = 1 << 20;

/// A zip archive handed in for grading: checked and listed by [`submission::Submission::open`], then every file
/// read back whole (up to [`SUBMISSION_READ`]) and in a range from its middle, as a grader would.
pub fn submission_zip(data: &[u8]) -> Outcome {
    let mut file = tempfile::Builder::new()
        .prefix("aigc-fuzz-")
        .suffix(".zip")
        .tempfile()
        .map_err(|e| format!("fuzzing: cannot make a temporary file: {e}"))?;
    file.write_all(data).map_err(|e| format!("fuzzing: cannot write the temporary file: {e}"))?;
    let limits = submission::IngestLimits::default();
    stage("submission::Submission::open");
    let opened = submission::Submission::open(file.path(), &limits).map_err(|e| e.to_string())?;
    let mut refused = None;
    stage("submission::Submission::read_range");
    for entry in opened.entries() {
        let again = opened.stat(&entry.path).map(|e| e.size);
        if again != Some(entry.size) {
            return Err(format!("`{}` is listed but stat disagrees", entry.path));
        }
        if entry.is_dir {
            continue;
        }
        let whole = opened.read_range(&entry.path, 0, entry.size.min(SUBMISSION_READ));
        let middle = opened.read_range(&entry.path, entry.size / 2, 64);
        if let Some(e) = whole.err().or(middle.err()) {
            refused.get_or_insert(format!("reading `{}`: {e:?}", entry.path));
        }
    }
    refused.map_or(Ok(()), Err)
}

/// A record file as `run --replay` uses it: opened (every line parsed), then every recorded request answered
/// through the same URL normalisation the HTTP client applies first.
pub fn replay(data: &[u8]) -> Outcome {
    let dir = tempfile::tempdir().map_err(|e| format!("fuzzing: cannot make a temporary folder: {e}"))?;
    let path = dir.path().join("exchanges.jsonl");
    std::fs::write(&path, data).map_err(|e| format!("fuzzing: cannot write the temporary file: {e}"))?;
    stage("net::record::Replay::open");
    let replay = net::record::Replay::open(&path).map_err(|e| e.to_string())?;
    // The file parsed, so every non-blank line is an exchange: ask for each as a plugin's request would.
    let mut refused = None;
    stage("net::record::Replay::answer");
    for line in data.split(|&b| b == b'\n') {
        let Ok(exchange) = serde_json::from_slice::<net::record::Exchange>(line) else { continue };
        let Ok(url) = url::Url::parse(&exchange.url) else { continue };
        // No secrets and no headers: a run without `--secret`, so a credentialed exchange must be refused.
        if let Err(e) = replay.answer(&exchange.method, url.as_str(), &[], &[]) {
            refused.get_or_insert(e);
        }
    }
    refused.map_or(Ok(()), Err)
}
