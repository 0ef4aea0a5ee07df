//! What plugins hand back, on its way to storage and the terminal, and the names the host writes (issue #11,
//! classes 4, 5 and 7): hostile plugins (`tests/plugins/loud-*`) return 64 MiB reasons, names, errors and log
//! lines, a reason per item, terminal escapes and bidi overrides; store items under the host's own keys; and name
//! files `CON.png`, `a:b.png` or twins that differ only in case or normalisation. The host must cap the text
//! before storing or printing it, show it escaped on the terminal (and in `--json`, parse back to the same
//! text), refuse the reserved keys, and write only portable names, importing every file it is given.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use aigc_host::names::is_portable;
use aigc_host::store::{Dataset, NewFile, NewItem, Provenance};
use aigc_tests::{Output, aigc, plugins};
use serde_json::{Value, json};

/// `aigc_host::plugin_text`'s caps, and the longest note a cut adds.
const REASON_CAP: usize = 200;
const NAME_CAP: usize = 200;
const MESSAGE_CAP: usize = 4096;
const NOTE: usize = 48;

/// What the loud plugins put in their text: colours, a window-title change, an 8-bit CSI, a right-to-left
/// override and a carriage return.
const ESCAPES: &str = "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \u{9b}2J \u{202e}txt.exe\r";

/// The same text as the terminal shows it.
const SHOWN: &str = "\\x1b[31mred\\x1b[0m \\x1b]0;pwned\\x07 \\u{9b}2J \\u{202e}txt.exe\\r";

/// Nothing in `text` can drive a terminal or reorder what a reader sees: no C0 control but line breaks and tabs,
/// no DEL, no C1 control, no bidi control.
fn assert_terminal_safe(what: &str, text: &str) {
    let bad = text.char_indices().find(|&(_, c)| {
        matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    if let Some((at, c)) = bad {
        let from = text[..at].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
        panic!("{what} holds {c:?} at byte {at}: …{:?}…", &text[from..at]);
    }
}

fn assert_safe(what: &str, out: &Output) {
    assert_terminal_safe(&format!("{what}: stdout"), &out.stdout);
    assert_terminal_safe(&format!("{what}: stderr"), &out.stderr);
}

fn provenance(key: &str) -> Provenance {
    Provenance {
        source_url: format!("http://example.org/{key}"),
        licence: Some("CC0-1.0".into()),
        licence_url: None,
        author: None,
        author_url: None,
    }
}

/// A dataset of `n` one-file items, stored the way the host's own commands store them.
fn dataset_with(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let dataset = Dataset::create_or_open(&ds).unwrap();
    let items: Vec<NewItem> = (0..n)
        .map(|i| NewItem {
            source_key: format!("test:{i}"),
            category: Some("animals".into()),
            title: Some(format!("item {i}")),
            provenance: provenance(&i.to_string()),
            metadata: "{}".into(),
            files: vec![NewFile { name: "data.txt".into(), media_type: "text/plain".into(), data: vec![b'x'; 8] }],
            parent: None,
        })
        .collect();
    for outcome in dataset.put_items(None, &items).unwrap() {
        outcome.unwrap();
    }
    (dir, ds)
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn clean(ds: &Path, mode: &str, json: bool) -> Output {
    let mode = format!("mode={mode}");
    let mut args = vec!["clean", s(ds), "--rule", plugins::LOUD_CLEANER, "--set", &mode];
    if json {
        args.push("--json");
    }
    aigc(args)
}

fn items(ds: &Path) -> Vec<Value> {
    aigc(["dataset", "ls", s(ds), "--json"]).json()["items"].as_array().unwrap().clone()
}

/// The host's memory bound for text a plugin returns: the plugin's own memory (its limit, 256 MiB by default) and
/// one copy of what it returned (no more than that memory); nothing it returns is kept beyond its cap. Slack for
/// the allocator on top.
const RETURNED_TEXT_BOUND_KIB: u64 = (256 + 256 + 32) << 10;

/// Peak RSS of `aigc-host ARGS` (GNU time), with its output.
fn measured(args: &[&str]) -> aigc_tests::rss::Measured {
    aigc_tests::rss::measure(aigc_tests::command(args))
}

#[test]
fn a_64_mib_reason_is_cut_before_it_is_stored_counted_or_printed() {
    let (_dir, ds) = dataset_with(3);
    let (_dir2, plain) = dataset_with(3);
    let rule = ["--rule", plugins::LOUD_CLEANER, "-j", "1", "--json"];
    let baseline = measured(&[&["clean", s(&plain), "--set", "mode=escape"][..], &rule[..]].concat());
    let run = measured(&[&["clean", s(&ds), "--set", "mode=huge-reason"][..], &rule[..]].concat());
    let out = run.output;
    out.assert_ok();
    assert!(
        run.peak_rss_kib < baseline.peak_rss_kib + RETURNED_TEXT_BOUND_KIB,
        "peak RSS {} KiB, an ordinary clean {} KiB",
        run.peak_rss_kib,
        baseline.peak_rss_kib
    );
    assert!(out.stdout.len() < 16 << 10, "the summary is {} bytes", out.stdout.len());
    let summary = out.json();
    let reasons = summary["by_reason"].as_object().unwrap();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    let (reason, count) = reasons.iter().next().unwrap();
    assert_eq!(count, 3);
    let cut = 5 + (64 << 20) - REASON_CAP;
    assert!(reason.starts_with("huge:rrr") && reason.ends_with(&format!("… [cut: {cut} bytes more]")), "{reason}");
    assert!(reason.len() <= REASON_CAP + NOTE);
    // Stored cut: the listing and the stats carry the same short reason.
    for item in items(&ds) {
        assert_eq!(item["verdicts"][0]["reason"], reason.as_str(), "{item}");
    }
    let stats = aigc(["dataset", "stats", s(&ds)]);
    stats.assert_ok();
    assert!(stats.stdout.len() < 4 << 10, "stats printed {} bytes", stats.stdout.len());
}

#[test]
fn distinct_reasons_fold_into_a_bounded_summary() {
    // 300 items, each dropped for a reason of its own: 100 are listed, the rest counted together. (A million
    // distinct reasons are the unit test `plugin_text::tests::distinct_reasons_are_bounded...`.)
    let (_dir, ds) = dataset_with(300);
    let summary = clean(&ds, "distinct", true).json();
    let reasons = summary["by_reason"].as_object().unwrap();
    assert_eq!(reasons.len(), 101, "{reasons:?}");
    assert_eq!(reasons["(other reasons)"], 200);
    assert_eq!(reasons.values().map(|n| n.as_u64().unwrap()).sum::<u64>(), 300, "nothing is lost, only folded");
    let stats = aigc(["dataset", "stats", s(&ds), "--json"]).json();
    let by_reason = stats["by_rule"]["loud-cleaner"]["by_reason"].as_object().unwrap();
    assert_eq!(by_reason.len(), 101);
    assert_eq!(by_reason["(other reasons)"], 200);
}

#[test]
fn a_cleaners_escapes_are_shown_escaped_in_every_text_output_and_kept_in_json() {
    let (_dir, ds) = dataset_with(2);
    let out = clean(&ds, "escape", false);
    out.assert_ok();
    assert_safe("clean", &out);
    assert!(out.stderr.contains(SHOWN), "{}", out.stderr);

    let id = items(&ds)[0]["id"].as_str().unwrap().to_string();
    for args in [vec!["ls"], vec!["stats"], vec!["show", id.as_str()]] {
        let mut all = vec!["dataset", args[0], s(&ds)];
        all.extend(&args[1..]);
        let out = aigc(&all);
        out.assert_ok();
        assert_safe(&format!("dataset {}", args[0]), &out);
        assert!(out.stdout.contains(SHOWN), "dataset {}: {}", args[0], out.stdout);
    }
    // JSON keeps the text as the plugin gave it, escaped within the document: no raw control in the output.
    for args in [vec!["ls"], vec!["show", id.as_str()]] {
        let mut all = vec!["dataset", args[0], s(&ds), "--json"];
        all.extend(&args[1..]);
        let out = aigc(&all);
        assert_safe(&format!("dataset {} --json", args[0]), &out);
        assert!(out.json().to_string().contains(&serde_json::to_string(&format!("{ESCAPES}reason")).unwrap()[1..]));
    }
    let summary = clean(&ds, "escape", true);
    assert_safe("clean --json", &summary);
}

#[test]
fn a_cleaners_64_mib_errors_are_cut_in_the_summary_and_beside_the_item() {
    let (_dir, ds) = dataset_with(2);
    let out = clean(&ds, "huge-error", true);
    assert_eq!(out.code, 1, "items were not judged");
    assert_safe("clean --json", &out);
    assert!(out.stdout.len() < 32 << 10, "the summary is {} bytes", out.stdout.len());
    let summary = out.json();
    for failure in summary["failures"].as_array().unwrap() {
        let failure = failure.as_str().unwrap();
        assert!(failure.len() <= MESSAGE_CAP + NOTE + 100 && failure.contains("bytes more]"), "{}", failure.len());
    }
    let id = items(&ds)[0]["id"].as_str().unwrap().to_string();
    let shown = aigc(["dataset", "show", s(&ds), &id, "--json"]).json();
    let error = shown["annotations"][0]["value"].as_str().unwrap();
    assert!(error.len() <= MESSAGE_CAP + NOTE && error.contains("failed: \u{1b}[2Jeee"), "{}", error.len());

    let text = clean(&ds, "huge-error", false);
    assert_safe("clean", &text);
    assert!(text.stderr.len() < 64 << 10, "clean printed {} bytes", text.stderr.len());
    assert!(text.stderr.contains("\\x1b[2Jeee"), "{}", text.stderr);
}

/// One folder submission with one file.
fn submission(dir: &Path) -> PathBuf {
    let sub = dir.join("g1");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("a.txt"), "hello").unwrap();
    sub
}

fn grade(sub: &Path, mode: &str, json: bool) -> Output {
    let mode = format!("mode={mode}");
    let mut args = vec!["grade", plugins::LOUD_GRADER, s(sub), "--set", &mode];
    if json {
        args.push("--json");
    }
    aigc(args)
}

#[test]
fn a_graders_escapes_cannot_drive_the_terminal_or_forge_lines() {
    let dir = tempfile::tempdir().unwrap();
    let sub = submission(dir.path());
    let out = grade(&sub, "escape", false);
    out.assert_ok();
    assert_safe("grade", &out);
    assert!(out.stdout.contains(&format!("{SHOWN}name")), "{}", out.stdout);
    // The message's line break is shown, not obeyed: no check line is forged.
    assert!(!out.stdout.lines().any(|l| l.trim_start().starts_with("[x] forged")), "{}", out.stdout);

    let out = grade(&sub, "escape", true);
    assert_safe("grade --json", &out);
    assert_eq!(out.json()["submissions"][0]["checks"][0]["name"], format!("{ESCAPES}name"));
}

#[test]
fn a_graders_huge_names_messages_and_errors_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let sub = submission(dir.path());
    let out = grade(&sub, "huge", true);
    out.assert_ok();
    assert!(out.stdout.len() < 16 << 10, "the report is {} bytes", out.stdout.len());
    let check = &out.json()["submissions"][0]["checks"][0];
    let (name, message) = (check["name"].as_str().unwrap(), check["message"].as_str().unwrap());
    assert!(name.len() <= NAME_CAP + NOTE && name.ends_with(" bytes more]"), "{}", name.len());
    assert!(message.len() <= MESSAGE_CAP + NOTE && message.ends_with(" bytes more]"), "{}", message.len());

    let out = grade(&sub, "error", false);
    assert_eq!(out.code, 1);
    assert_safe("grade", &out);
    assert!(out.stdout.len() < 16 << 10, "grade printed {} bytes", out.stdout.len());
    assert!(out.stdout.contains(SHOWN) && out.stdout.contains(" bytes more]"), "{}", out.stdout);
}

fn crawl(ds: &Path, mode: &str, json: bool) -> Output {
    let mode = format!("mode={mode}");
    let mut args = vec!["run", plugins::LOUD_CRAWLER, "--dataset", s(ds), "--set", &mode];
    if json {
        args.push("--json");
    }
    aigc(args)
}

#[test]
fn a_crawlers_64_mib_error_and_log_lines_are_cut_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let baseline =
        measured(&["run", plugins::LOUD_CRAWLER, "--dataset", s(&dir.path().join("plain")), "--set", "mode=names"]);
    let run = measured(&["run", plugins::LOUD_CRAWLER, "--dataset", s(&ds), "--set", "mode=huge-error"]);
    assert!(
        run.peak_rss_kib < baseline.peak_rss_kib + RETURNED_TEXT_BOUND_KIB,
        "peak RSS {} KiB, an ordinary crawl {} KiB",
        run.peak_rss_kib,
        baseline.peak_rss_kib
    );
    let out = run.output;
    assert_eq!(out.code, 1);
    assert_safe("run", &out);
    assert!(out.stderr.len() < 32 << 10, "run printed {} bytes", out.stderr.len());
    assert!(out.stderr.contains(&format!("error: plugin loud-crawler@0.1.0 failed: {SHOWN}xxx")), "{}", out.stderr);
    let out = crawl(&ds, "huge-error", true);
    let error = out.json()["error"].as_str().unwrap().to_string();
    assert!(error.len() <= MESSAGE_CAP + NOTE + 60 && error.ends_with(" bytes more]"), "{}", error.len());

    let out = crawl(&ds, "huge-log", false);
    out.assert_ok();
    assert_safe("run", &out);
    assert!(out.stderr.len() < 32 << 10, "run printed {} bytes", out.stderr.len());
    assert!(out.stderr.contains(SHOWN) && out.stderr.contains("bytes more]"), "{}", out.stderr);
    assert!(!out.stderr.lines().any(|l| l.starts_with("ERROR forged")), "{}", out.stderr);
}

#[test]
fn a_crawlers_item_text_is_limited_in_the_store_and_escaped_on_output() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = crawl(&ds, "text", false);
    out.assert_ok();
    assert_safe("run", &out);
    assert!(out.stderr.contains("refused loud:huge-title") && out.stderr.contains("over the limit"), "{}", out.stderr);
    let listed = items(&ds);
    assert_eq!(listed.len(), 1, "the 64 MiB title is refused, the other item stored");
    assert_eq!(listed[0]["title"], format!("{ESCAPES}title"));
    for command in ["ls", "stats"] {
        let out = aigc(["dataset", command, s(&ds)]);
        assert_safe(command, &out);
        assert!(out.stdout.contains(SHOWN), "{command}: {}", out.stdout);
    }
}

#[test]
fn a_crawler_cannot_store_items_under_the_hosts_own_keys() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = crawl(&ds, "reserved", false);
    out.assert_ok();
    let keys: Vec<String> = items(&ds).iter().map(|i| i["source_key"].as_str().unwrap().to_string()).collect();
    for key in &keys {
        let lower = key.to_ascii_lowercase();
        assert!(!["render:", "import:", "aigc-host:"].iter().any(|p| lower.starts_with(p)), "{key} was stored");
    }
    for key in ["loud:model", "loud:in-batch", "loud:after-batch"] {
        assert!(keys.iter().any(|k| k == key), "{key} missing from {keys:?}");
    }
    // Each attempt, by `put` or inside a `put-many` batch, got a refusal that says why.
    assert_eq!(out.stderr.matches("are reserved for items aigc-host makes itself").count(), 5, "{}", out.stderr);
}

/// The names the store records for the `names` crawler's files, in order.
const RECORDED: &[&str] = &[
    "scene.gltf",
    "CON_.png",
    "nul_.txt",
    "a_b.png",
    "A.png",
    "a (2).png",
    "caf\u{e9}.png",
    "caf\u{e9} (2).png",
    "v1..2.png",
    "ctl_[2J.png",
    "trail",
    "bidi_gnp.exe",
    "what______.png",
];

/// Every name in `names` is portable, and no two are the same where case and normalisation do not count.
fn assert_portable_and_distinct(what: &str, names: &[String]) {
    let mut seen = HashSet::new();
    for name in names {
        for part in name.split('/') {
            assert!(is_portable(part), "{what}: `{name}` is not portable");
        }
        assert!(seen.insert(name.to_lowercase()), "{what}: `{name}` collides");
    }
}

#[test]
fn hostile_file_names_are_stored_and_exported_portably() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = crawl(&ds, "names", false);
    out.assert_ok();
    assert_safe("run", &out);
    assert!(out.stderr.contains("refused loud:path") && out.stderr.contains("path separator"), "{}", out.stderr);
    let listed = items(&ds);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let model = listed[0]["id"].as_str().unwrap().to_string();
    let files: Vec<String> =
        listed[0]["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().into()).collect();
    assert_eq!(files, RECORDED);
    assert_portable_and_distinct("stored", &files);

    // One render, as `aigc-host render` stores it, so the course zip takes the model.
    let dataset = Dataset::open(&ds).unwrap();
    let rt = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.5]];
    let render = NewItem {
        source_key: format!("render:{model}:random:000"),
        category: Some("animals".into()),
        title: None,
        provenance: provenance("render"),
        metadata: json!({"set": "random", "view": 0, "camera": {"rt": rt}}).to_string(),
        files: vec![NewFile { name: "view.png".into(), media_type: "image/png".into(), data: b"png".to_vec() }],
        parent: Some(model.clone()),
    };
    dataset.put_item(None, &render).unwrap();
    drop(dataset);
    let zip_path = dir.path().join("1_2.zip");
    aigc(["dataset", "export", s(&ds), "--format", "course-zip", "--views", "1", "--out", s(&zip_path)]).assert_ok();

    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
    assert_portable_and_distinct("course zip", &names);
    let packed = names.iter().find(|n| n.starts_with("下载数据/") && n.ends_with(".zip")).unwrap().clone();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name(&packed).unwrap(), &mut bytes).unwrap();
    let inner = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let inner: Vec<String> = inner.file_names().map(|n| n.unwrap().into_owned()).collect();
    assert_eq!(inner, RECORDED, "the packed model keeps the recorded names");
    assert_portable_and_distinct("packed model", &inner);
}

#[test]
fn import_goes_through_every_name_and_skips_only_what_the_store_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let names = [
        "v1..2.png",
        "CON.png",
        "a:b.png",
        "C:\\x.png",
        "caf\u{e9}.png",
        "cafe\u{301}.png",
        "A.png",
        "a.png",
        "ctl\x1b[2J.png",
        "trail. ",
        "bidi\u{202e}gnp.exe",
        "ordinary.png",
    ];
    for (i, name) in names.iter().enumerate() {
        std::fs::write(src.join(name), format!("file {i}")).unwrap();
    }
    let ds = dir.path().join("ds");
    let out = aigc(["dataset", "import", s(&ds), s(&src)]);
    out.assert_ok();
    assert_safe("import", &out);
    let listed = items(&ds);
    assert_eq!(listed.len(), names.len(), "every file is an item: {}", out.stderr);
    let mut stored: Vec<String> = listed.iter().map(|i| i["files"][0].as_str().unwrap().to_string()).collect();
    stored.sort();
    for name in &stored {
        assert!(is_portable(name), "`{name}` is not portable");
    }
    for kept in ["v1..2.png", "ordinary.png", "A.png", "a.png", "CON_.png", "a_b.png", "C__x.png", "trail"] {
        assert!(stored.iter().any(|n| n == kept), "{kept} missing from {stored:?}");
    }

    // A file the store refuses (here: a category over its limit) is skipped with a warning naming it.
    let more = dir.path().join("more");
    std::fs::create_dir_all(&more).unwrap();
    std::fs::write(more.join("late.png"), "late").unwrap();
    let category = "c".repeat(300);
    let out = aigc(["dataset", "import", s(&ds), s(&more), "--category", &category, "--json"]);
    out.assert_ok();
    let summary = out.json();
    assert_eq!(summary["files_not_imported"], 1, "{summary}");
    assert!(summary["warnings"][0].as_str().unwrap().contains("late.png"), "{summary}");
}

/// The plugin's bytes with `from` (in its manifest) replaced by `to`, the same length, so the custom section
/// stays well-formed; every copy is replaced (the linker leaves the manifest's text in the data too).
fn patched(dir: &Path, label: &str, from: &str, to: &str) -> PathBuf {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(plugins::LOUD_CRAWLER).unwrap();
    let mut found = 0;
    while let Some(at) = bytes.windows(from.len()).position(|w| w == from.as_bytes()) {
        bytes[at..at + from.len()].copy_from_slice(to.as_bytes());
        found += 1;
    }
    assert!(found > 0, "the manifest holds `{from}`");
    let path = dir.join(format!("{label}.wasm"));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_manifest_cannot_put_escapes_in_the_plugins_name_and_inspect_shows_them_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let named = patched(dir.path(), "named", "\"name\":\"loud-crawler\"", "\"name\":\"\\u001b[2Jlou\"");
    let out = aigc(["inspect", s(&named)]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(out.stderr.contains("the name must be"), "{}", out.stderr);
    assert_safe("inspect", &out);

    let described = patched(dir.path(), "described", "Test crawler: hostile", "\\u001b[31mTest crawle");
    let out = aigc(["inspect", s(&described)]);
    out.assert_ok();
    assert_safe("inspect", &out);
    assert!(out.stdout.contains("\\x1b[31mTest crawle keys"), "{}", out.stdout);
}
