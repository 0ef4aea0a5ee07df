//! Writing plugins: `aigc-host new` → `build` → a run, `manifest embed|show`, the refusal of a component that
//! imports what its world does not give (at build, embed and load time), `compile` filling the one cache that every
//! command reads, and a plugin's stdout shown at `-v`.

use std::path::{Path, PathBuf};

use aigc_host::manifest::Manifest;
use aigc_tests::{aigc, command, root};

/// The Cargo target folder the test build already compiled the SDK's dependencies into (tests/build.rs), so a
/// plugin made from a template builds in seconds.
fn wasm_target() -> PathBuf {
    std::env::var_os("AIGC_WASM_TARGET_DIR").map_or_else(|| root().join("target/wasm"), PathBuf::from)
}

fn run(mut cmd: std::process::Command) -> aigc_tests::Output {
    let out = cmd.output().expect("cannot start aigc-host");
    aigc_tests::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn s(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// A dataset of three files of 700, 1400 and 2100 bytes.
fn three_item_dataset(dir: &Path) -> PathBuf {
    let src = dir.join("files");
    std::fs::create_dir_all(&src).unwrap();
    for (i, size) in [700usize, 1400, 2100].into_iter().enumerate() {
        std::fs::write(src.join(format!("f{i}.bin")), vec![b'x'; size]).unwrap();
    }
    let ds = dir.join("ds");
    aigc(["dataset", "import", s(&ds), s(&src)]).assert_ok();
    ds
}

#[test]
fn rust_template_builds_and_runs_and_shows_its_output_at_verbose() {
    let tmp = tempfile::tempdir().unwrap();
    let made = aigc(["new", "cleaner", "tool-rule", "--lang", "rust", "--dir", s(tmp.path())]);
    made.assert_ok();
    let project = tmp.path().join("tool-rule");
    assert!(made.stdout.contains("src/lib.rs"), "names the file to edit:\n{}", made.stdout);
    assert!(made.stdout.contains("aigc-host build"), "{}", made.stdout);
    assert!(made.stdout.contains("aigc-host clean DATASET --rule"), "{}", made.stdout);
    assert!(project.join("Cargo.toml").is_file() && project.join(".gitignore").is_file());

    // Never over an existing project, never with a name the host would refuse.
    let again = aigc(["new", "cleaner", "tool-rule", "--lang", "rust", "--dir", s(tmp.path())]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("exists and is not empty"), "{}", again.stderr);
    let bad = aigc(["new", "cleaner", "Tool_Rule", "--lang", "rust", "--dir", s(tmp.path())]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("lowercase"), "{}", bad.stderr);
    assert!(!tmp.path().join("Tool_Rule").exists());

    // The one function to edit, edited: it prints (with a terminal escape) on stdout, 3,000 more lines for the largest
    // item, and an unended line on stderr.
    let lib = project.join("src/lib.rs");
    let code = std::fs::read_to_string(&lib).unwrap();
    let code = code.replacen(
        "let min_bytes: u64",
        "println!(\"checking {} \\x1b[31m\", item.id);\n        \
         if item.files[0].size > 2000 { for i in 0..3000 { println!(\"flood {i:04} {}\", \"x\".repeat(40)); } }\n        \
         eprint!(\"no newline\");\n        let min_bytes: u64",
        1,
    );
    std::fs::write(&lib, code).unwrap();

    let wasm = tmp.path().join("out/tool-rule.wasm");
    let mut build = command(["build", s(&project), "-o", s(&wasm), "--json"]);
    build.env("CARGO_TARGET_DIR", wasm_target());
    let built = run(build);
    built.assert_ok();
    let report = built.json();
    assert_eq!(report["lang"], "rust");
    assert_eq!(report["manifest"]["name"], "tool-rule");
    assert_eq!(report["manifest"]["plugin"]["kind"], "cleaner");
    assert_eq!(report["size"].as_u64(), Some(std::fs::metadata(&wasm).unwrap().len()));
    assert!(report["compile_seconds"].is_number(), "build compiles into the cache: {report}");

    let ds = three_item_dataset(tmp.path());
    let quiet = aigc(["clean", s(&ds), "--rule", s(&wasm), "--json"]);
    quiet.assert_ok();
    let summary = quiet.json();
    assert_eq!((summary["kept"].as_u64(), summary["dropped"].as_u64()), (Some(2), Some(1)), "{summary}");
    assert!(!quiet.stderr.contains("checking"), "plugin output stays out of the log by default:\n{}", quiet.stderr);

    let verbose = aigc(["-v", "clean", s(&ds), "--rule", s(&wasm), "--force"]);
    verbose.assert_ok();
    let shown: Vec<&str> = verbose.stderr.lines().filter(|l| l.contains("checking ")).collect();
    assert_eq!(shown.len(), 3, "one line per item:\n{}", verbose.stderr);
    for line in &shown {
        assert!(line.contains("stream=\"stdout\"") && line.contains("tool-rule@0.1.0"), "{line}");
        assert!(line.contains("\\x1b[31m") && !line.contains('\u{1b}'), "escaped, never sent raw: {line:?}");
    }
    // The 2100-byte item's call printed 3,000 lines (150 KiB): shown up to the per-call cap, then one note, and
    // nothing more from that call (not even its unended line); the other calls are shown whole.
    let flood = verbose.stderr.lines().filter(|l| l.contains("flood ")).count();
    assert!((1000..1400).contains(&flood), "{flood} flood lines shown; the cap is 64 KiB a call");
    let notes = verbose.stderr.matches("more output in this call not shown").count();
    assert_eq!(notes, 1, "{}", &verbose.stderr[verbose.stderr.len().saturating_sub(2000)..]);
    let unended =
        verbose.stderr.lines().filter(|l| l.contains("no newline") && l.contains("stream=\"stderr\"")).count();
    assert_eq!(unended, 2, "an unended line is shown when its call ends");
}

/// A component with no manifest: an empty one, or one importing `import` (an instance).
fn component(import: Option<&str>) -> Vec<u8> {
    let text = match import {
        Some(name) => format!("(component (import \"{name}\" (instance)))"),
        None => "(component)".to_string(),
    };
    wat::parse_str(text).expect("valid component text")
}

fn manifest_json(name: &str, kind: &str) -> String {
    format!(
        r#"{{"name": "{name}", "version": "0.2.0", "wit": "aigc:plugin@0.1.0",
            "plugin": {{"kind": "{kind}", "description": "made elsewhere", "config": {{"k": {{"default": "1"}}}}}}}}"#
    )
}

#[test]
fn manifest_embed_round_trips_and_refuses_what_the_host_would_refuse() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw.wasm");
    std::fs::write(&raw, component(None)).unwrap();

    // No manifest: the message names the fix in every language.
    let missing = aigc(["inspect", s(&raw)]);
    assert_eq!(missing.code, 1);
    for fix in ["aigc_sdk::manifest!", "[tool.aigc]", "\"aigc\"", "aigc-host build", "aigc-host manifest embed"] {
        assert!(missing.stderr.contains(fix), "no `{fix}` in:\n{}", missing.stderr);
    }

    let manifest = tmp.path().join("manifest.json");
    std::fs::write(&manifest, manifest_json("other-tool", "cleaner")).unwrap();
    let out = tmp.path().join("with.wasm");
    aigc(["manifest", "embed", s(&raw), "--manifest", s(&manifest), "-o", s(&out)]).assert_ok();
    let shown = aigc(["manifest", "show", s(&out)]);
    shown.assert_ok();
    let expected: Manifest = serde_json::from_str(&manifest_json("other-tool", "cleaner")).unwrap();
    let got: Manifest = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(got, expected);
    // What `show` prints is what `embed` reads.
    let shown_file = tmp.path().join("shown.json");
    std::fs::write(&shown_file, &shown.stdout).unwrap();
    let copy = tmp.path().join("copy.wasm");
    aigc(["manifest", "embed", s(&raw), "--manifest", s(&shown_file), "-o", s(&copy)]).assert_ok();
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&out).unwrap());
    let inspected = aigc(["inspect", s(&out), "--json"]);
    inspected.assert_ok();
    assert_eq!(inspected.json()["name"], "other-tool");

    // Refusals, each leaving nothing behind.
    let refused = |component: &Path, manifest_text: &str, expect: &str| {
        let file = tmp.path().join("m.json");
        std::fs::write(&file, manifest_text).unwrap();
        let target = tmp.path().join("refused.wasm");
        let out = aigc(["manifest", "embed", s(component), "--manifest", s(&file), "-o", s(&target)]);
        assert_eq!(out.code, 1, "expected a refusal: {expect}");
        assert!(out.stderr.contains(expect), "expected `{expect}` in:\n{}", out.stderr);
        assert!(!target.exists());
    };
    refused(&out, &manifest_json("other-tool", "cleaner"), "already has an `aigc:manifest` section");
    refused(&raw, "{\"name\": ", "is not a manifest");
    refused(&raw, &manifest_json("bad name", "cleaner"), "the name must be");
    refused(&raw, &manifest_json("ok", "metric-of-sorts"), "is not a manifest");
    let module = tmp.path().join("module.wasm");
    std::fs::write(&module, wat::parse_str("(module)").unwrap()).unwrap();
    refused(&module, &manifest_json("ok", "cleaner"), "core module");
}

#[test]
fn a_component_importing_wasi_http_is_refused_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("http.wasm");
    std::fs::write(&raw, component(Some("wasi:http/types@0.2.3"))).unwrap();
    let manifest = tmp.path().join("manifest.json");
    std::fs::write(&manifest, manifest_json("fetchy", "cleaner")).unwrap();

    let embed = aigc(["manifest", "embed", s(&raw), "--manifest", s(&manifest), "-o", s(&tmp.path().join("x.wasm"))]);
    assert_eq!(embed.code, 1);
    assert!(embed.stderr.contains("`wasi:http/types@0.2.3`"), "{}", embed.stderr);

    // Made anyway (as a toolchain that embeds its own manifest would), it is refused at load time, before any
    // compile, with the same message: which import, and the fix for each language.
    let parsed: Manifest = serde_json::from_str(&manifest_json("fetchy", "cleaner")).unwrap();
    let plugin = tmp.path().join("fetchy.wasm");
    std::fs::write(
        &plugin,
        aigc_host::build::embed_manifest(component(Some("wasi:http/types@0.2.3")), &parsed).unwrap(),
    )
    .unwrap();
    let ds = three_item_dataset(tmp.path());
    for out in [aigc(["clean", s(&ds), "--rule", s(&plugin)]), aigc(["compile", s(&plugin)])] {
        assert_eq!(out.code, 1);
        for expected in
            ["`wasi:http/types@0.2.3`", "cleaner world does not give", "disableFeatures", "Python:", "Rust:"]
        {
            assert!(out.stderr.contains(expected), "no `{expected}` in:\n{}", out.stderr);
        }
    }

    // An aigc interface outside the kind's world is refused the same way (a grader gets no dataset).
    let grader: Manifest = serde_json::from_str(&manifest_json("peeky", "grader")).unwrap();
    let peeky = tmp.path().join("peeky.wasm");
    std::fs::write(
        &peeky,
        aigc_host::build::embed_manifest(component(Some("aigc:plugin/dataset@0.1.0")), &grader).unwrap(),
    )
    .unwrap();
    let out = aigc(["compile", s(&peeky)]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("`aigc:plugin/dataset@0.1.0`") && out.stderr.contains("grader world"),
        "{}",
        out.stderr
    );
}

/// Compiled plugins in the host's cache under `cache`.
fn cached_modules(cache: &Path) -> Vec<PathBuf> {
    let dir = cache.join("aigc-host/compiled");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    found.sort();
    found
}

#[test]
fn compile_fills_the_cache_that_clean_and_grade_read() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let with_cache = |args: &[&str]| {
        let mut cmd = command(args);
        cmd.env("XDG_CACHE_HOME", &cache);
        run(cmd)
    };
    let cleaner = aigc_tests::plugins::SIZE_RULE;
    let grader = aigc_tests::plugins::FOLDER_GRADER;
    let compiled = with_cache(&["compile", cleaner, grader, "--json"]);
    compiled.assert_ok();
    let kinds: Vec<String> =
        compiled.json().as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds, ["cleaner", "grader"]);
    let after_compile = cached_modules(&cache);
    assert_eq!(after_compile.len(), 2, "one compiled entry per plugin: {after_compile:?}");

    let ds = three_item_dataset(tmp.path());
    with_cache(&["clean", s(&ds), "--rule", cleaner]).assert_ok();
    let submission = tmp.path().join("sub");
    std::fs::create_dir_all(&submission).unwrap();
    std::fs::write(submission.join("README.md"), "hi").unwrap();
    with_cache(&["grade", grader, s(&submission)]).assert_ok();
    assert_eq!(cached_modules(&cache), after_compile, "clean and grade found their code compiled, none added");

    // The control: a plugin not compiled before is compiled (and cached) by its first run.
    with_cache(&["clean", s(&ds), "--rule", aigc_tests::plugins::LOUD_CLEANER, "--force"]);
    assert_eq!(cached_modules(&cache).len(), 3);
}
