//! Plugins written in Python, built from source with `aigc-host build` (componentize-py, installed into the
//! toolchain cache the first time), give the same results as the Rust plugins they port on the same data, and the
//! Python adversary is stopped with the same messages as the Rust one.
//!
//! Each plugin is built once per content (`lang_plugins::built`), so the tests share the builds.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use aigc_tests::http_server::{Reply, Server};
use aigc_tests::lang_plugins::verdicts;
use aigc_tests::{Output, aigc, command, lang_plugins, plugins, root};
use serde_json::Value;

fn built(relative: &str) -> String {
    lang_plugins::built(&root().join(relative)).display().to_string()
}

fn output(out: std::process::Output) -> Output {
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Cleaner: svg-single-object

const NS: &str = "xmlns='http://www.w3.org/2000/svg'";

fn doc(body: &str) -> String {
    format!("<svg {NS} viewBox='0 0 100 100' width='100' height='100'>{body}</svg>")
}

/// The SVGs of tests/all/svg.rs's rule test, an empty drawing and a malformed file.
fn svgs() -> Vec<(&'static str, String)> {
    let animal = "<g fill='#333'><ellipse cx='50' cy='52' rx='22' ry='12'/><circle cx='74' cy='40' r='8'/>\
                  <rect x='32' y='58' width='5' height='18'/><rect x='40' y='58' width='5' height='18'/>\
                  <rect x='56' y='58' width='5' height='18'/><rect x='63' y='58' width='5' height='18'/></g>";
    vec![
        ("plain.svg", doc("<circle cx='50' cy='50' r='40' fill='#e33'/>")),
        ("text.svg", doc("<text x='8' y='62' font-size='40' font-family='DejaVu Sans'>Hi!</text>")),
        ("animal.svg", doc(animal)),
        (
            "forbidden.svg",
            doc(&format!(
                "{animal}<circle cx='50' cy='50' r='42' fill='none' stroke='#d00' stroke-width='8'/>\
                 <line x1='20.3' y1='20.3' x2='79.7' y2='79.7' stroke='#d00' stroke-width='8'/>"
            )),
        ),
        (
            "four.svg",
            doc("<rect x='5' y='5' width='30' height='30' fill='#36c'/><circle cx='80' cy='20' r='15' fill='#3a3'/>\
                 <path d='M5 95 L20 65 L35 95 Z' fill='#c33'/><rect x='65' y='65' width='30' height='30' rx='8' fill='#fa0'/>"),
        ),
        (
            "flower.svg",
            doc("<rect x='48' y='45' width='4' height='45' fill='#2a2'/>\
                 <g fill='#f6c'><circle cx='50' cy='18' r='11'/><circle cx='67' cy='30' r='11'/><circle cx='61' cy='48' r='11'/>\
                 <circle cx='39' cy='48' r='11'/><circle cx='33' cy='30' r='11'/></g><circle cx='50' cy='33' r='9' fill='#fc0'/>\
                 <path d='M20 95 L24 84 L28 95 Z M72 95 L76 85 L80 95 Z' fill='#2a2'/>"),
        ),
        ("two.svg", doc("<circle cx='25' cy='50' r='20'/><circle cx='75' cy='50' r='20'/>")),
        ("empty.svg", doc("")),
        ("broken.svg", "<svg xmlns='http://www.w3.org/2000/svg'><circle".to_string()),
    ]
}

#[test]
fn python_svg_single_object_judges_as_the_rust_rule() {
    let python = built("examples/python/svg-single-object");
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("svgs");
    std::fs::create_dir_all(&files).unwrap();
    for (name, text) in svgs() {
        std::fs::write(files.join(name), text).unwrap();
    }
    // An item with no SVG: both rules raise on it, mid-run, and the other items are judged all the same.
    std::fs::write(files.join("notes.txt"), "not an svg").unwrap();
    let ds = dir.path().join("ds");
    aigc(["dataset", "import", ds.to_str().unwrap(), files.to_str().unwrap(), "--category", "icons"]).assert_ok();
    let out =
        command(["clean", ds.to_str().unwrap(), "--rule", plugins::SVG_SINGLE_OBJECT, "--rule", &python, "--json"])
            .env("AIGC_HOST_MODELS", dir.path().join("models"))
            .output()
            .unwrap();
    let out = output(out);
    assert_eq!(out.code, 1, "a run with an item left unjudged fails: {}", out.stderr);
    let summary = out.json();
    assert_eq!((summary["checked"].as_u64(), summary["errors"].as_u64()), (Some(10), Some(1)), "{}", out.stdout);
    let failures: Vec<String> =
        summary["failures"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
    assert_eq!(failures.len(), 2, "one failure per rule: {failures:?}");
    let python = failures.iter().find(|f| f.contains("svg-single-object-py@")).expect("the Python rule's failure");
    assert!(
        python.contains("ValueError: item ")
            && python.contains("has no SVG file to judge (files: notes.txt) [at app.py:"),
        "the exception, its message and where: {python}"
    );

    let v = verdicts(&ds);
    for (name, _) in svgs() {
        let rust = &v[&(name.to_string(), "svg-single-object".to_string())];
        let py = &v[&(name.to_string(), "svg-single-object-py".to_string())];
        assert_eq!((rust.0, &rust.1), (py.0, &py.1), "{name}: Rust {rust:?}, Python {py:?}");
        match (rust.2, py.2) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-5, "{name}: scores {a} and {b}"),
            (a, b) => assert_eq!(a, b, "{name}"),
        }
    }
    // Both ways of judging are exercised.
    assert_eq!(v[&("four.svg".into(), "svg-single-object-py".into())].1, "several-objects");
    assert_eq!(v[&("plain.svg".into(), "svg-single-object-py".into())].1, "one-object");
    assert_eq!(v[&("broken.svg".into(), "svg-single-object-py".into())].1, "invalid-svg");
}

// ---------------------------------------------------------------------------------------------------------------
// Annotator: caption

fn with_models(models: &Path, args: &[&str]) -> Output {
    output(command(args).env("AIGC_HOST_MODELS", models).output().unwrap())
}

#[test]
fn python_caption_stores_the_same_captions_as_the_rust_annotator() {
    let python = built("examples/python/caption");
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let tiny = root().join("models/tiny");
    let added =
        with_models(&models, &["models", "add", tiny.join("tiny-captioner").to_str().unwrap(), "--name", "captioner"]);
    added.assert_ok();
    let ds = dir.path().join("ds");
    aigc(["dataset", "import", ds.to_str().unwrap(), tiny.join("inputs").to_str().unwrap(), "--category", "flower"])
        .assert_ok();
    let ds = ds.to_str().unwrap();
    let out = with_models(
        &models,
        &[
            "annotate",
            ds,
            "--with",
            plugins::CAPTION,
            "--with",
            &python,
            "--set",
            "prefix=a",
            "--device",
            "cpu",
            "--json",
        ],
    );
    out.assert_ok();
    assert_eq!(out.json()["errors"], 0, "{}", out.stdout);

    let ls = aigc(["dataset", "ls", ds, "--json"]).json();
    let mut compared = 0;
    for item in ls["items"].as_array().unwrap() {
        let shown = aigc(["dataset", "show", ds, item["id"].as_str().unwrap(), "--json"]).json();
        let caption = |plugin: &str| {
            shown["annotations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["key"] == "caption" && a["plugin"] == plugin)
                .map(|a| a["value"].as_str().unwrap().to_string())
        };
        let (rust, py) = (caption("caption"), caption("caption-py"));
        assert!(rust.is_some(), "{shown:#}");
        assert_eq!(rust, py, "{}", item["title"]);
        assert!(rust.unwrap().starts_with("a "), "the prefix is put before the caption");
        compared += 1;
    }
    assert_eq!(compared, 7);
}

// ---------------------------------------------------------------------------------------------------------------
// Grader: the first two checks of course-submission

fn write_zip(path: &Path, files: &[&str]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for file in files {
        if let Some(folder) = file.strip_suffix('/') {
            zip.add_directory(folder, options).unwrap();
        } else {
            zip.start_file(*file, options).unwrap();
            zip.write_all(b"x").unwrap();
        }
    }
    zip.finish().unwrap();
}

/// Checks by (submission, check name) of `grade PLUGIN SUBMISSIONS --json`.
fn graded(plugin: &str, submissions: &[PathBuf], flags: &[&str]) -> BTreeMap<(String, String), Value> {
    let mut args: Vec<String> = vec!["grade".into(), plugin.into(), "--json".into()];
    args.extend(submissions.iter().map(|p| p.display().to_string()));
    args.extend(flags.iter().map(|f| f.to_string()));
    let out = aigc(args);
    out.assert_ok();
    let mut checks = BTreeMap::new();
    for submission in out.json()["submissions"].as_array().unwrap() {
        let name = submission["submission"].as_str().or(submission["name"].as_str()).unwrap_or_default().to_string();
        for check in submission["checks"].as_array().unwrap_or(&Vec::new()) {
            checks.insert((name.clone(), check["name"].as_str().unwrap().to_string()), check.clone());
        }
    }
    checks
}

#[test]
fn python_course_layout_grades_name_and_folders_as_the_rust_grader() {
    let python = built("examples/python/course-layout");
    let dir = tempfile::tempdir().unwrap();
    let tops = ["下载数据/", "清洗后的数据/", "渲染结果/"];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("12_2023001.zip", vec!["下载数据/animals/a.glb", "清洗后的数据/animals/a.glb", "渲染结果/animals/a/000.png"]),
        ("12-2023001.zip", tops.to_vec()),
        ("7_1.ZIP", vec!["下载数据/x.glb", "notes.txt", "extra/"]),
        ("8_2.zip", vec!["8_2/下载数据/a/b.glb", "8_2/清洗后的数据/a/b.glb", "8_2/渲染结果/", "8_2/.DS_Store"]),
        ("9_3.rar", vec!["渲染结果", "other/a.txt"]),
    ];
    let mut paths = Vec::new();
    for (name, files) in &cases {
        let path = dir.path().join(name);
        write_zip(&path, files);
        paths.push(path);
    }
    for flags in [&[][..], &["--set", "partial_credit=false", "--set", "points.top-folders=6"][..]] {
        let rust = graded(plugins::COURSE_SUBMISSION, &paths, flags);
        let py = graded(&python, &paths, flags);
        assert_eq!(py.len(), 2 * cases.len(), "{py:#?}");
        for (key, check) in &py {
            let want = rust.get(key).unwrap_or_else(|| panic!("the Rust grader has no {key:?}"));
            for field in ["passed", "points", "max_points", "message"] {
                assert_eq!(check[field], want[field], "{key:?} {field} ({flags:?})");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Crawler: url-list

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// A 200 answer with one content type.
fn typed(body: &[u8], content_type: &str) -> Reply {
    Reply { status: 200, headers: vec![("content-type".into(), content_type.into())], body: body.to_vec() }
}

/// The files the list names: a PNG (typed, and untyped), an SVG, a web page and, by omission, a 404.
fn file_server() -> Server {
    Server::start(|seen| match seen.path.as_str() {
        "/a.png" => typed(PNG, "image/png"),
        "/b" => Reply::ok(PNG),
        "/c.svg" => typed(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml; charset=utf-8"),
        "/page.png" => typed(b"<html></html>", "text/html"),
        _ => Reply::status(404),
    })
}

/// The list, its URLs relative to ORIGIN (filled in per server).
const LIST: &str = "# a list\n\
ORIGIN/a.png\tanimals\tcc by 4.0\tAda\tA cat\n\
ORIGIN/b\tanimals\tCC0\n\
ORIGIN/c.svg\tplants\t\tBo\n\
ORIGIN/page.png\tplants\tCC0\n\
ORIGIN/missing.png\tplants\n\
ORIGIN/a.png\tanimals\n";

#[test]
fn python_url_list_stores_what_the_rust_crawler_stores() {
    let python = built("examples/python/url-list");
    let dir = tempfile::tempdir().unwrap();
    let server = file_server();
    let origin = format!("http://127.0.0.1:{}", server.port());
    let list = LIST.replace("ORIGIN", &origin);
    // The served list names the server's own origin.
    let list_server = Server::start(move |seen| match seen.path.as_str() {
        "/list.tsv" => typed(list.as_bytes(), "text/tab-separated-values"),
        _ => Reply::status(404),
    });
    let list_url = format!("list_url=http://127.0.0.1:{}/list.tsv", list_server.port());
    let grants = [format!("127.0.0.1:{}", server.port()), format!("127.0.0.1:{}", list_server.port())];
    let mut listings = Vec::new();
    for plugin in [plugins::URL_LIST, python.as_str()] {
        let ds = dir.path().join(if plugin == plugins::URL_LIST { "rust" } else { "python" });
        let mut args =
            vec!["run", plugin, "--dataset", ds.to_str().unwrap(), "--json", "--set", &list_url, "--delay", "0"];
        for grant in &grants {
            args.extend(["--allow-host", grant]);
        }
        let out = aigc(args);
        out.assert_ok();
        assert_eq!(out.json()["items_added"], 3, "{}", out.stderr);
        let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json();
        let mut items = BTreeMap::new();
        for item in ls["items"].as_array().unwrap() {
            let shown = aigc(["dataset", "show", ds.to_str().unwrap(), item["id"].as_str().unwrap(), "--json"]).json();
            let files: Vec<Value> = shown["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| serde_json::json!([f["name"], f["media_type"], f["sha256"]]))
                .collect();
            items.insert(
                item["source_key"].as_str().unwrap().to_string(),
                serde_json::json!([item["category"], item["title"], item["licence"], item["author"], files]),
            );
        }
        listings.push(items);
    }
    assert_eq!(listings[0], listings[1], "the same items, with the same fields and files");
    assert!(listings[1].contains_key(&format!("url:{origin}/a.png")));
}

// ---------------------------------------------------------------------------------------------------------------
// The adversary, in Python

const ADVERSARY: &str = "tests/plugins-py/adversary";

/// Runs the Python adversary in `mode` on a dataset that already holds its three good items.
fn misbehave(mode: &str, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let plugin = built(ADVERSARY);
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    aigc(["run", &plugin, "--dataset", ds.to_str().unwrap(), "--json"]).assert_ok();
    let mode = format!("mode={mode}");
    let mut args = vec!["run", &plugin, "--dataset", ds.to_str().unwrap(), "--json", "--set", &mode];
    args.extend_from_slice(extra);
    (dir, aigc(args))
}

fn error_of(out: &Output) -> String {
    out.json()["error"].as_str().unwrap_or_default().to_string()
}

fn assert_dataset_intact(dir: &tempfile::TempDir) {
    let ds = dir.path().join("ds");
    let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]);
    stats.assert_ok();
    assert_eq!(stats.json()["items"], 3, "the three items stored before the failure are kept");
}

#[test]
fn python_endless_loop_is_stopped_by_the_cpu_limit() {
    let (dir, out) = misbehave("loop", &["--cpu-limit", "1"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let took = out.json()["duration_ms"].as_u64().unwrap_or(u64::MAX);
    assert!(took < 20_000, "the limit must stop it promptly: {took} ms");
    let error = error_of(&out);
    assert!(error.contains("adversary-py@0.1.0") && error.contains("CPU limit of 1 s"), "{error}");
    assert_dataset_intact(&dir);
}

#[test]
fn python_growing_memory_is_stopped_by_the_memory_limit() {
    let (dir, out) = misbehave("memory", &["--memory-limit", "96"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = error_of(&out);
    assert!(error.contains("adversary-py@0.1.0") && error.contains("limit of 96.0 MiB"), "{error}");
    assert!(out.json()["peak_memory_mib"].as_f64().unwrap() <= 96.0);
    assert_dataset_intact(&dir);
}

#[test]
fn python_recursion_ends_in_an_error_with_its_traceback() {
    let (dir, out) = misbehave("recursion", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = error_of(&out);
    assert!(error.contains("adversary-py@0.1.0") && error.contains("RecursionError"), "{error}");
    assert!(error.contains("app.py:") && error.contains("in recurse"), "the last frames are named: {error}");
    assert!(error.len() < 4096, "the traceback is bounded: {} bytes", error.len());
    assert_dataset_intact(&dir);

    // Past the interpreter's guard, frames pile up until the memory limit stops the plugin.
    let (dir, out) = misbehave("deep-recursion", &["--memory-limit", "96"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = error_of(&out);
    assert!(error.contains("adversary-py@0.1.0 was stopped") && error.contains("limit of 96.0 MiB"), "{error}");
    assert_dataset_intact(&dir);
}

#[test]
fn python_log_and_print_floods_are_capped() {
    for mode in ["log-flood", "print-flood"] {
        let (dir, out) = misbehave(mode, &[]);
        out.assert_ok();
        assert!(out.stderr.len() < 3 << 20, "{mode}: stderr was {} bytes", out.stderr.len());
        assert!(out.stderr.contains("log cap"), "{mode}: the cap is announced");
        assert_dataset_intact(&dir);
    }
}

#[test]
fn python_ungranted_network_is_denied_and_errors_are_bounded() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("url=http://{}/", listener.local_addr().unwrap());
    let (dir, out) = misbehave("fetch", &["--set", &url]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error = error_of(&out);
    assert!(error.contains("HttpError") && error.contains("denied"), "{error}");
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "nothing connected to the listener");
    assert_dataset_intact(&dir);

    // A 64 MiB exception message comes back cut.
    let (dir, out) = misbehave("huge-error", &[]);
    assert_eq!(out.code, 1);
    let error = error_of(&out);
    assert!(error.contains("adversary-py@0.1.0 failed: ValueError: zzz"), "{}", &error[..200.min(error.len())]);
    assert!(
        error.contains("characters cut") && error.contains("[at app.py:"),
        "cut before its frames: {}",
        &error[error.len().saturating_sub(300)..]
    );
    assert!(error.len() < 4096, "the error is capped: {} bytes", error.len());
    assert_dataset_intact(&dir);
}

#[test]
fn python_exception_after_puts_keeps_the_items_and_says_where() {
    let plugin = built(ADVERSARY);
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = aigc([
        "run",
        &plugin,
        "--dataset",
        ds.to_str().unwrap(),
        "--json",
        "--set",
        "mode=raise-after-puts",
        "--set",
        "count=5",
    ]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["items_added"], 5);
    let error = error_of(&out);
    assert!(
        error.contains("RuntimeError: the adversary fails after its puts on purpose") && error.contains("app.py:"),
        "{error}"
    );
    assert!(!error.contains("unexpected exception"), "{error}");
}

// ---------------------------------------------------------------------------------------------------------------
// The SDK's own unit tests, and the templates

fn python3(args: &[&str], dir: &Path) -> Output {
    let out = std::process::Command::new("python3")
        .args(args)
        .current_dir(dir)
        .env("PYTHONPATH", root().join("sdk/python"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 runs");
    output(out)
}

#[test]
fn python_sdk_and_template_unit_tests_pass() {
    let sdk = python3(&["-m", "unittest", "discover", "-s", "tests"], &root().join("sdk/python"));
    assert_eq!(sdk.code, 0, "the SDK's unit tests:\n{}", sdk.stderr);
    assert!(sdk.stderr.contains("OK"), "{}", sdk.stderr);

    let dir = tempfile::tempdir().unwrap();
    for kind in ["cleaner", "crawler", "annotator", "grader", "metric"] {
        let name = format!("my-{kind}");
        aigc(["new", kind, &name, "--lang", "python", "--dir", dir.path().to_str().unwrap()]).assert_ok();
        let project = dir.path().join(&name);
        let text = std::fs::read_to_string(project.join("app.py")).unwrap();
        assert!(!text.contains("{{"), "{kind}: every placeholder is filled:\n{text}");
        let tests = python3(&["-m", "unittest"], &project);
        assert_eq!(tests.code, 0, "{kind} template's tests:\n{}", tests.stderr);
        assert!(tests.stderr.contains("OK"), "{kind}: {}", tests.stderr);
    }
}

#[test]
fn the_python_cleaner_template_builds_and_cleans() {
    let dir = tempfile::tempdir().unwrap();
    aigc(["new", "cleaner", "my-rule", "--lang", "python", "--dir", dir.path().to_str().unwrap()]).assert_ok();
    let plugin = lang_plugins::built(&dir.path().join("my-rule"));
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("small.txt"), b"tiny").unwrap();
    std::fs::write(files.join("big.txt"), vec![b'x'; 4096]).unwrap();
    let ds = dir.path().join("ds");
    aigc(["dataset", "import", ds.to_str().unwrap(), files.to_str().unwrap(), "--category", "text"]).assert_ok();
    let out = aigc(["clean", ds.to_str().unwrap(), "--rule", plugin.to_str().unwrap(), "--json"]);
    out.assert_ok();
    let v = verdicts(&ds);
    assert_eq!(v[&("big.txt".into(), "my-rule".into())], (true, "big-enough".into(), Some(4096.0)));
    assert_eq!(v[&("small.txt".into(), "my-rule".into())], (false, "too-small".into(), Some(4.0)));
}

/// A metric written in Python (the template) builds for the `metric` world and reports the host's SSIM per pair.
#[test]
fn the_python_metric_template_builds_and_evaluates() {
    use aigc_host::metrics::pairs::{self, Planes, SsimOptions};
    let dir = tempfile::tempdir().unwrap();
    aigc(["new", "metric", "my-ssim", "--lang", "python", "--dir", dir.path().to_str().unwrap()]).assert_ok();
    let plugin = lang_plugins::built(&dir.path().join("my-ssim"));
    let (generated, reference) = (dir.path().join("generated"), dir.path().join("reference"));
    for (folder, shift) in [(&generated, 9u32), (&reference, 0)] {
        std::fs::create_dir_all(folder).unwrap();
        for (name, k) in [("a.png", 3u32), ("b.png", 5)] {
            let image = image::RgbImage::from_fn(32, 32, |x, y| {
                image::Rgb([((x * k + y * 7 + shift) % 256) as u8, ((x ^ y) * 8 % 256) as u8, (y * k % 256) as u8])
            });
            image.save(folder.join(name)).unwrap();
        }
    }
    let out = aigc([
        "evaluate",
        plugin.to_str().unwrap(),
        "--generated",
        generated.to_str().unwrap(),
        "--reference",
        reference.to_str().unwrap(),
        "--json",
    ]);
    let report = out.assert_ok().json();
    let ssim = &report["metrics"][0]["scores"][0];
    assert_eq!(ssim["name"], "ssim", "{report}");
    for (k, name) in ["a.png", "b.png"].into_iter().enumerate() {
        let (a, b) = (Planes::open(&generated.join(name)).unwrap(), Planes::open(&reference.join(name)).unwrap());
        let want = pairs::ssim(&a, &b, &SsimOptions::gaussian(1.0)).unwrap().mean;
        let got = ssim["per_item"][k].as_f64().unwrap();
        assert!((got - want).abs() < 1e-12, "{name}: {got} vs {want}");
    }
    assert!(ssim["interval"].is_array(), "{ssim}");
    assert!(ssim["convention"].as_str().unwrap().contains("gaussian window"), "{ssim}");

    // A bad config value is the metric's error, named.
    let out = aigc([
        "evaluate",
        plugin.to_str().unwrap(),
        "--generated",
        generated.to_str().unwrap(),
        "--reference",
        reference.to_str().unwrap(),
        "--set",
        "window=box",
    ]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("window `box`"), "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn python_build_errors_say_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    let pyproject = "[project]\nname = \"p\"\nversion = \"0.1.0\"\n[tool.aigc]\nkind = \"clener\"\n";
    std::fs::write(project.join("pyproject.toml"), pyproject).unwrap();
    let out = aigc(["build", project.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("clener") && out.stderr.contains("cleaner"), "an unknown kind: {}", out.stderr);

    std::fs::write(project.join("pyproject.toml"), pyproject.replace("clener", "cleaner")).unwrap();
    let out = aigc(["build", project.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("app.py"), "no app.py: {}", out.stderr);

    std::fs::write(
        project.join("app.py"),
        "from aigc_sdk import Cleaner\nclass R(Cleaner):\n    def check(self, item)\n",
    )
    .unwrap();
    let out = aigc(["build", project.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("syntax error") && out.stderr.contains("app.py"), "{}", out.stderr);
    assert!(!out.stderr.contains("Stack backtrace"), "componentize-py's own backtrace is left out: {}", out.stderr);

    // A module without a plugin class is refused at build time too, with the class to write; the SDK's unit tests
    // (sdk/python/tests) check that message without paying for another componentize-py run here.

    // No componentize-py yet and pip cannot reach an index (offline): the error says what was being installed,
    // where it is kept, and pip's own words.
    std::fs::write(
        project.join("app.py"),
        "from aigc_sdk import Cleaner, keep\nclass R(Cleaner):\n    def check(self, item):\n        return keep()\n",
    )
    .unwrap();
    let toolchains = dir.path().join("toolchains");
    let out = output(
        command(["build", project.to_str().unwrap()])
            .env("AIGC_HOST_TOOLCHAINS", &toolchains)
            .env("PIP_NO_INDEX", "1")
            .env_remove("PIP_FIND_LINKS")
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("componentize-py==0.25.1") && out.stderr.contains("pip could not install it"),
        "{}",
        out.stderr
    );
    assert!(!toolchains.join("componentize-py-0.25.1/.complete").exists(), "a failed install is not kept");
}
