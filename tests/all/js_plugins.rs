//! JavaScript plugins, built from source with `aigc-host build` (no committed `.wasm`): the ported reference plugins
//! give the same results as the Rust ones on the same data (`examples/js/svg-single-object` against
//! `plugins/svg-single-object`, `examples/js/course-layout` against the same checks of `plugins/course-submission`),
//! the JavaScript adversary (`tests/js-plugins/adversary`) is contained with the messages the Rust adversary gets,
//! and a build that cannot work says why in the plugin author's terms.
//!
//! Each component is built once per content by `aigc_tests::lang_plugins::built`, shared by every test process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aigc_tests::lang_plugins::verdicts;
use aigc_tests::zips::{Files, write_folder, write_zip};
use aigc_tests::{Output, aigc, command, lang_plugins, plugins, root};
use serde_json::Value;

fn built(folder: &str) -> PathBuf {
    lang_plugins::built(&root().join(folder))
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

// ---------------------------------------------------------------------------------------------------------------
// The SVG rule: JavaScript port against the Rust plugin.

const NS: &str = "xmlns='http://www.w3.org/2000/svg'";

fn doc(body: &str) -> String {
    format!("<svg {NS} viewBox='0 0 100 100' width='100' height='100'>{body}</svg>")
}

/// Hand-made cases for both outcomes, unreadable SVGs, and seeded compositions of 1 to 6 shapes whose gaps and
/// sizes land on both sides of the rule's thresholds.
fn svg_cases() -> Vec<(String, Vec<u8>)> {
    let mut cases: Vec<(String, String)> = vec![
        ("plain.svg".into(), doc("<circle cx='50' cy='50' r='40' fill='#e33'/>")),
        (
            "four.svg".into(),
            doc("<rect x='5' y='5' width='30' height='30' fill='#36c'/><circle cx='80' cy='20' r='15' fill='#3a3'/>\
                 <path d='M5 95 L20 65 L35 95 Z' fill='#c33'/><rect x='65' y='65' width='30' height='30' rx='8' fill='#fa0'/>"),
        ),
        (
            "flower.svg".into(),
            doc(
                "<rect x='48' y='45' width='4' height='45' fill='#2a2'/><g fill='#f6c'><circle cx='50' cy='18' r='11'/>\
                 <circle cx='67' cy='30' r='11'/><circle cx='61' cy='48' r='11'/><circle cx='39' cy='48' r='11'/>\
                 <circle cx='33' cy='30' r='11'/></g><circle cx='50' cy='33' r='9' fill='#fc0'/>\
                 <path d='M20 95 L24 84 L28 95 Z M72 95 L76 85 L80 95 Z' fill='#2a2'/>",
            ),
        ),
        (
            "ring.svg".into(),
            doc(
                "<circle cx='50' cy='50' r='40' fill='none' stroke='#000' stroke-width='6'/><circle cx='50' cy='50' r='10'/>",
            ),
        ),
        ("empty.svg".into(), doc("")),
        ("malformed.svg".into(), format!("<svg {NS}><g><circle r='4'></svg>")),
        ("nested.svg".into(), format!("<svg {NS}>{}<circle r='5'/>{}</svg>", "<g>".repeat(5000), "</g>".repeat(5000))),
    ];
    let mut seed: u64 = 0x5eed_1234;
    let mut next = |below: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % below
    };
    for k in 0..28 {
        let mut body = String::new();
        for _ in 0..1 + next(6) {
            let (x, y, r) = (5 + next(90), 5 + next(90), 2 + next(18));
            if next(2) == 0 {
                body.push_str(&format!("<circle cx='{x}' cy='{y}' r='{r}' fill='#{:03x}'/>", next(4096)));
            } else {
                body.push_str(&format!(
                    "<rect x='{x}' y='{y}' width='{}' height='{r}' fill='#{:03x}'/>",
                    2 + next(30),
                    next(4096)
                ));
            }
        }
        cases.push((format!("random-{k:02}.svg"), doc(&body)));
    }
    cases.into_iter().map(|(n, s)| (n, s.into_bytes())).collect()
}

fn import(dir: &Path, files: &[(String, Vec<u8>)]) -> PathBuf {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    for (name, bytes) in files {
        std::fs::write(src.join(name), bytes).unwrap();
    }
    let ds = dir.join("ds");
    aigc(["dataset", "import", s(&ds), s(&src)]).assert_ok();
    ds
}

#[test]
fn the_js_single_object_rule_gives_the_rust_rules_verdicts_and_scores() {
    let js = built("examples/js/svg-single-object");
    let dir = tempfile::tempdir().unwrap();
    let cases = svg_cases();
    let ds = import(dir.path(), &cases);
    // An empty model registry: both rules judge by shape statistics.
    let out = command(["clean", s(&ds), "--json", "-j", "2", "--rule", plugins::SVG_SINGLE_OBJECT, "--rule", s(&js)])
        .env("AIGC_HOST_MODELS", dir.path().join("models"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["errors"], 0, "{summary}");

    let v = verdicts(&ds);
    let mut differ = Vec::new();
    let mut reasons = BTreeMap::<String, usize>::new();
    for (name, _) in &cases {
        let rust = &v[&(name.clone(), "svg-single-object".to_string())];
        let js = &v[&(name.clone(), "svg-single-object-js".to_string())];
        if rust != js {
            differ.push(format!("{name}: Rust {rust:?}, JavaScript {js:?}"));
        }
        *reasons.entry(rust.1.clone()).or_default() += 1;
    }
    assert!(differ.is_empty(), "{differ:#?}");
    // The data reaches every outcome, so the comparison means something.
    for reason in ["one-object", "several-objects", "empty", "invalid-svg", "svg-over-limit"] {
        assert!(reasons.get(reason).is_some_and(|n| *n > 0), "no case gave {reason}: {reasons:?}");
    }
    assert!(reasons["one-object"] >= 5 && reasons["several-objects"] >= 5, "{reasons:?}");
    assert!(stderr.contains("malformed.svg dropped as invalid-svg"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------------------------
// The grader: JavaScript port of the layout checks against the Rust course grader.

const CATEGORIES: [&str; 5] = ["动物", "植物", "文玩", "游戏形象", "动漫形象"];
const GLB: &[u8] = b"glTF\x02\0\0\0\x20\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

fn submission(names: &[&str], per_category: usize) -> Files {
    let mut files = Files::new();
    for category in names {
        for i in 0..per_category {
            files.insert(format!("下载数据/{category}/m{i:04}.glb"), GLB.to_vec());
            files.insert(format!("下载数据/{category}/m{i:04}.json"), b"{}".to_vec());
            files.insert(format!("清洗后的数据/{category}/m{i:04}.glb"), GLB.to_vec());
            files.insert(format!("渲染结果/{category}/m{i:04}/000.png"), b"\x89PNG\r\n\x1a\n".to_vec());
        }
    }
    files
}

fn grade(plugin: &str, submissions: &[PathBuf]) -> Vec<Value> {
    let mut args: Vec<String> = vec!["grade".into(), plugin.into(), "--json".into()];
    args.extend(submissions.iter().map(|p| p.display().to_string()));
    args.extend(["--set".into(), "min_per_category=20".into()]);
    let out = aigc(args);
    out.assert_ok();
    out.json()["submissions"].as_array().unwrap().clone()
}

#[test]
fn the_js_layout_grader_gives_the_rust_graders_checks() {
    let js = built("examples/js/course-layout");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut mixed = submission(&["animals", "植物", "antiques", "游戏形象"], 20);
    mixed.retain(|path, _| !path.starts_with("渲染结果"));
    for i in 0..7 {
        mixed.insert(format!("下载数据/动漫形象/a{i}.gltf"), b"{}".to_vec());
    }
    mixed.insert("下载数据/动漫形象/extra/x.glb".into(), GLB.to_vec());
    mixed.insert("下载数据/动漫形象/a1/texture.glb".into(), GLB.to_vec());
    mixed.insert("下载数据/动物/orphan.json".into(), b"{}".to_vec());
    mixed.insert("README.md".into(), b"hi".to_vec());
    mixed.insert("notes/todo.txt".into(), b"x".to_vec());
    let mut sparse = Files::new();
    sparse.insert("下载数据/动物/a.glb".into(), GLB.to_vec());
    sparse.insert("__MACOSX/._a.glb".into(), b"x".to_vec());
    let submissions = vec![
        write_zip(d, "12_2023001.zip", &submission(&CATEGORIES, 20), ""),
        write_zip(d, "12-2023001.zip", &submission(&CATEGORIES, 21), "12-2023001/"),
        write_zip(d, "3_2023002.zip", &mixed, ""),
        write_folder(d, "7_2023003.ZIP", &sparse),
        write_zip(d, "8 2023004.zip", &submission(&CATEGORIES[..2], 3), "inner/"),
    ];
    let rust = grade(plugins::COURSE_SUBMISSION, &submissions);
    let ours = grade(s(&js), &submissions);
    assert_eq!(rust.len(), submissions.len());
    assert_eq!(ours.len(), submissions.len());
    let mut failed = 0;
    for (r, j) in rust.iter().zip(&ours) {
        assert!(j["error"].is_null(), "{j:#}");
        let checks = j["checks"].as_array().unwrap();
        assert_eq!(checks.len(), 7, "zip-name, top-folders and five counts: {j:#}");
        for check in checks {
            let name = check["name"].as_str().unwrap();
            let twin = r["checks"].as_array().unwrap().iter().find(|c| c["name"] == name);
            let twin = twin.unwrap_or_else(|| panic!("the Rust grader has no check {name}: {r:#}"));
            assert_eq!(check, twin, "check {name} differs");
            failed += usize::from(check["passed"] == false);
        }
    }
    assert!(failed >= 8, "the cases fail several checks each, so messages and partial points are compared");
}

// ---------------------------------------------------------------------------------------------------------------
// The adversary: contained like the Rust one.

const LABEL: &str = "adversary-js@0.1.0";

fn adversary() -> PathBuf {
    built("tests/js-plugins/adversary")
}

/// Runs the adversary in `mode` on a dataset that already holds its three good items.
fn misbehave(mode: &str, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let plugin = adversary();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    aigc(["run", s(&plugin), "--dataset", s(&ds), "--json"]).assert_ok();
    let mode = format!("mode={mode}");
    let mut args = vec!["run", s(&plugin), "--dataset", s(&ds), "--json", "--set", &mode];
    args.extend_from_slice(extra);
    let out = aigc(args);
    (dir, out)
}

fn error(out: &Output) -> String {
    out.json()["error"].as_str().unwrap_or_else(|| panic!("no error: {}", out.stdout)).to_string()
}

fn assert_dataset_intact(dir: &tempfile::TempDir) {
    let ds = dir.path().join("ds");
    let stats = aigc(["dataset", "stats", s(&ds), "--json"]);
    stats.assert_ok();
    assert_eq!(stats.json()["items"], 3, "the three items stored before the failure are kept");
    let again = aigc(["run", s(&adversary()), "--dataset", s(&ds), "--json"]);
    again.assert_ok();
    assert_eq!(again.json()["items_skipped"], 3);
}

/// The Rust adversary's error in `mode`, on a fresh dataset.
fn rust_error(mode: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mode = format!("mode={mode}");
    let ds = dir.path().join("ds");
    let mut args = vec!["run", plugins::ADVERSARY, "--dataset", s(&ds), "--json", "--set", &mode];
    args.extend_from_slice(extra);
    error(&aigc(args))
}

/// The message without the plugin's label and the figure that depends on the language's allocator.
fn rule_of(message: &str, label: &str) -> String {
    let message = message.replace(label, "PLUGIN");
    match message.split_once("over its") {
        Some((_, rule)) => format!("over its{rule}"),
        None => message,
    }
}

#[test]
fn js_endless_loop_is_stopped_by_the_cpu_limit_and_the_wall_clock() {
    adversary(); // Built (on a cold cache: the toolchain installed) before the clock starts.
    let started = std::time::Instant::now();
    let (dir, out) = misbehave("loop", &["--cpu-limit", "1"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(started.elapsed().as_secs() < 30, "the limit must stop it promptly");
    assert_eq!(
        error(&out).replace(LABEL, "PLUGIN"),
        rust_error("loop", &["--cpu-limit", "1"]).replace("adversary@0.1.0", "PLUGIN")
    );
    assert!(error(&out).contains(&format!("{LABEL} was stopped")) && error(&out).contains("CPU limit of 1 s"));
    assert_dataset_intact(&dir);

    let (dir, out) = misbehave("loop", &["--timeout", "1"]);
    assert_eq!(out.code, 1);
    assert!(error(&out).contains(LABEL) && error(&out).contains("time limit of 1 s"), "{}", error(&out));
    assert_dataset_intact(&dir);
}

#[test]
fn js_growing_memory_is_stopped_by_the_memory_limit() {
    let (dir, out) = misbehave("memory", &["--memory-limit", "64"]);
    assert_eq!(out.code, 1);
    let message = error(&out);
    assert!(message.contains(LABEL) && message.contains("limit of 64.0 MiB"), "{message}");
    assert_eq!(rule_of(&message, LABEL), rule_of(&rust_error("memory", &["--memory-limit", "64"]), "adversary@0.1.0"));
    assert!(out.json()["peak_memory_mib"].as_f64().unwrap() <= 64.0);
    assert_dataset_intact(&dir);
}

#[test]
fn js_deep_recursion_is_the_plugins_error_with_a_short_stack() {
    let (dir, out) = misbehave("recursion", &[]);
    assert_eq!(out.code, 1);
    let message = error(&out);
    assert!(message.starts_with(&format!("plugin {LABEL} failed: InternalError: too much recursion")), "{message}");
    // The stack names the source line, once, with the count of its repeats.
    assert!(message.contains("at recurse (index.js:") && message.contains(" ×"), "{message}");
    assert!(message.len() < 1000, "{message}");
    assert_dataset_intact(&dir);
}

#[test]
fn js_log_flood_through_console_is_capped() {
    let (dir, out) = misbehave("log-flood", &[]);
    out.assert_ok();
    assert!(out.stderr.len() < 3 << 20, "stderr was {} bytes", out.stderr.len());
    assert!(out.stderr.contains("log cap"), "the cap is announced");
    assert!(out.stderr.contains(&format!("plugin=\"{LABEL}\"")), "console.log reaches the plugin log");
    assert_dataset_intact(&dir);
}

#[test]
fn js_ungranted_network_is_denied_with_the_hosts_reason() {
    // A real listener the plugin would reach if the host let it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("url=http://{}/", listener.local_addr().unwrap());
    let (dir, out) = misbehave("fetch", &["--set", &url]);
    assert_eq!(out.code, 1);
    let message = error(&out);
    assert!(message.contains(&format!("{LABEL} failed: HttpError: denied: ")), "{message}");
    assert!(message.contains("at crawl (index.js:"), "{message}");
    // The host's reason is the one the Rust adversary gets, word for word.
    let rust = rust_error("fetch", &["--set", &url]);
    let reason = rust.split_once("Denied(\"").and_then(|(_, r)| r.rsplit_once("\")")).map(|(r, _)| r).unwrap();
    assert!(message.contains(&reason.replace("\\\"", "\"")), "{message}\nRust: {rust}");
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "nothing connected to the listener");
    assert_dataset_intact(&dir);
}

#[test]
fn js_huge_log_lines_and_errors_are_cut() {
    let (dir, out) = misbehave("huge-log", &[]);
    out.assert_ok();
    assert!(out.stderr.len() < 32 << 10, "run printed {} bytes", out.stderr.len());
    assert!(out.stderr.contains("bytes more]"), "{}", out.stderr);
    assert!(!out.stderr.lines().any(|l| l.starts_with("ERROR forged")), "{}", out.stderr);

    let out =
        aigc(["run", s(&adversary()), "--dataset", s(&dir.path().join("ds")), "--json", "--set", "mode=huge-error"]);
    assert_eq!(out.code, 1);
    let message = error(&out);
    assert!(message.len() < 4200 && message.contains("characters more]"), "{} bytes", message.len());
    assert!(message.starts_with(&format!("plugin {LABEL} failed: huge xxx")), "{}", &message[..80]);
    assert_dataset_intact(&dir);
}

#[test]
fn js_exception_mid_batch_keeps_what_was_put_and_reports_the_exception() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let run =
        |mode: &str| aigc(["run", s(&adversary()), "--dataset", s(&ds), "--json", "--set", mode, "--set", "count=5"]);
    let out = run("mode=put-then-throw");
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["items_added"], 5, "{}", out.stdout);
    let message = error(&out);
    assert!(
        message.contains("failed: TypeError: the adversary throws after its puts\n  at crawl (index.js:"),
        "{message}"
    );
    assert_eq!(aigc(["dataset", "stats", s(&ds), "--json"]).json()["items"], 5);

    let out = run("mode=throw-value");
    assert_eq!(out.code, 1);
    assert!(error(&out).ends_with("failed: a non-Error value was thrown: {\"not\":\"an Error\"}"), "{}", error(&out));
}

// ---------------------------------------------------------------------------------------------------------------
// Builds that cannot work.

fn project(dir: &Path, kind: &str, index: &str) -> PathBuf {
    let folder = dir.join(format!("p-{kind}-{}", index.len()));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("package.json"),
        format!(r#"{{"name": "@course/broken", "version": "0.1.0", "type": "module", "aigc": {{"kind": "{kind}"}}}}"#),
    )
    .unwrap();
    std::fs::write(folder.join("index.js"), index).unwrap();
    folder
}

#[test]
fn js_builds_that_cannot_work_say_why() {
    // The toolchain is installed by the first build (shared with the other tests through the cache).
    adversary();
    let dir = tempfile::tempdir().unwrap();
    let build = |folder: &Path| {
        let out = aigc(["build", s(folder), "-o", s(&folder.join("out.wasm"))]);
        assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
        assert!(!folder.join("out.wasm").exists());
        out.stderr
    };

    let syntax = build(&project(
        dir.path(),
        "cleaner",
        "export function check(item) {\n  return {keep: true,, reason: 'x'};\n}\n",
    ));
    assert!(syntax.contains("esbuild") && syntax.contains("index.js:2:"), "{syntax}");

    let missing = build(&project(dir.path(), "cleaner", "export function judge(item) { return null; }\n"));
    assert!(missing.contains("does not export `check`") && missing.contains("it exports: judge"), "{missing}");

    let foreign = build(&project(
        dir.path(),
        "grader",
        "import { dataset } from '@aigc/sdk';\nexport function grade() { dataset.get('x'); return []; }\n",
    ));
    assert!(foreign.contains("uses the SDK's `dataset`, which a grader plugin cannot reach"), "{foreign}");

    let node_module = build(&project(
        dir.path(),
        "crawler",
        "import fs from 'node:fs';\nexport function crawl() { fs.readFileSync('/etc/passwd'); }\n",
    ));
    assert!(node_module.contains("without Node.js modules"), "{node_module}");

    let folder = project(dir.path(), "cleaner", "export function check() {}\n");
    std::fs::write(folder.join("package.json"), r#"{"name": "x", "aigc": {"kind": "cleaner"}}"#).unwrap();
    assert!(build(&folder).contains("no `\"version\"`"));

    // Without node on PATH the message says what to install.
    let folder = project(dir.path(), "cleaner", "export function check() { return {keep: true, reason: 'x'}; }\n");
    let out = command(["build", s(&folder)]).env("PATH", dir.path().join("no-such-bin")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("Node.js 18 or later and npm"), "{stderr}");
}

#[test]
fn js_sdk_helpers_pass_their_node_tests() {
    // The SDK's host-free parts (error text, stack mapping, web helpers), in node itself.
    let out = std::process::Command::new("node")
        .arg("--test")
        .arg(root().join("sdk/js/test"))
        .output()
        .expect("node runs (JavaScript plugins need Node.js 18 or later)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("# pass 4"), "{stdout}");
}

#[test]
fn js_cleaner_template_builds_and_passes_its_own_test() {
    // `aigc-host new cleaner NAME --lang js`, then the template's own `node --test`, which builds the plugin with
    // this host and runs it on a two-file dataset.
    let dir = tempfile::tempdir().unwrap();
    aigc(["new", "cleaner", "my-rule", "--lang", "js", "--dir", s(dir.path())]).assert_ok();
    let project = dir.path().join("my-rule");
    let out = std::process::Command::new("node")
        .arg("--test")
        .current_dir(&project)
        .env("AIGC_HOST", aigc_tests::host_binary())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("# pass 1") && stdout.contains("# fail 0"), "{stdout}");
}

#[test]
fn js_toolchain_install_offline_says_to_run_once_online() {
    // A toolchain cache of its own and a registry that refuses connections: the first build cannot install.
    let dir = tempfile::tempdir().unwrap();
    let folder = project(dir.path(), "cleaner", "export function check() { return {keep: true, reason: 'x'}; }\n");
    let out = command(["build", s(&folder)])
        .env("AIGC_HOST_TOOLCHAINS", dir.path().join("tools"))
        .env("npm_config_cache", dir.path().join("npm"))
        .env("npm_config_registry", "http://127.0.0.1:9/")
        .env("npm_config_fetch_retries", "0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("cannot install componentize-js 0.23.0 and esbuild 0.24.2")
            && stderr.contains("npm could not reach its registry")
            && stderr.contains("run it once online"),
        "{stderr}"
    );
    // A failed install leaves nothing half-done behind: the next build tries again.
    let tools: Vec<_> = std::fs::read_dir(dir.path().join("tools")).unwrap().filter_map(Result::ok).collect();
    assert!(
        tools.iter().all(|e| !e.file_name().to_string_lossy().starts_with("js-componentize") || e.path().is_file())
    );
}
