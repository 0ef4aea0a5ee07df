//! Grading untrusted submissions with untrusted graders: every misdeed is contained to its submission with a
//! clear error, malicious archives are refused or listed correctly, and reports are deterministic.

use std::path::{Path, PathBuf};

use aigc_tests::zips::{RawEntry, write};
use aigc_tests::{Output, aigc, plugins};

/// Three small folder submissions, g1..g3, with 2, 3 and 4 files.
fn three_submissions(dir: &Path) -> Vec<PathBuf> {
    (1..=3)
        .map(|g| {
            let root = dir.join(format!("g{g}"));
            std::fs::create_dir_all(root.join("data")).unwrap();
            for f in 0..=g {
                std::fs::write(root.join(format!("data/f{f}.txt")), format!("file {f} of group {g}")).unwrap();
            }
            root
        })
        .collect()
}

fn grade(grader: &str, submissions: &[PathBuf], extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["grade".into(), grader.into(), "--json".into()];
    args.extend(submissions.iter().map(|p| p.display().to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    aigc(args)
}

fn submission<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["submission"].as_str().unwrap().ends_with(name))
        .unwrap()
}

/// The grader misbehaving in `mode` on g2 only: g1 and g3 must be graded normally.
fn misbehave_on_g2(mode: &str, extra: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let subs = three_submissions(dir.path());
    let mode = format!("mode={mode}");
    let mut flags = vec!["--set", &mode, "--set", "target=g2"];
    flags.extend_from_slice(extra);
    let out = grade(plugins::EVIL_GRADER, &subs, &flags);
    let report = out.json();
    assert_eq!(submission(&report, "g1")["score"], 2.0, "{report}");
    assert_eq!(submission(&report, "g3")["score"], 4.0, "{report}");
    assert!(submission(&report, "g1")["error"].is_null());
    submission(&report, "g2").clone()
}

fn error_of(g2: &serde_json::Value) -> String {
    g2["error"].as_str().unwrap_or_else(|| panic!("g2 should have failed: {g2}")).to_string()
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let g2 = misbehave_on_g2("loop", &["--fuel", "200000000"]);
    assert!(error_of(&g2).contains("used up its fuel of 200000000"), "{g2}");
}

#[test]
fn a_memory_bomb_hits_the_memory_limit() {
    let g2 = misbehave_on_g2("memory", &["--memory-limit", "64"]);
    assert!(error_of(&g2).contains("limit of 64.0 MiB"), "{g2}");
}

#[test]
fn deep_recursion_and_crashes_are_contained() {
    for (mode, says) in [
        ("recursion", "crashed"),
        ("panic", "panics on g2"),
        ("abort", "crashed"),
        ("huge-alloc", "capacity overflow"),
        ("exit", "crashed"),
        ("error", "gives up on purpose"),
    ] {
        let g2 = misbehave_on_g2(mode, &[]);
        let error = error_of(&g2);
        assert!(error.contains("evil-grader@0.1.0") && error.contains(says), "{mode}: {error}");
        assert_eq!(g2["score"], 0.0);
    }
}

#[test]
fn oversized_reports_are_refused_or_cut() {
    let g2 = misbehave_on_g2("many-checks", &[]);
    assert!(error_of(&g2).contains("more than 500 checks"), "{g2}");
    let g2 = misbehave_on_g2("huge-message", &[]);
    // 10 MiB from the grader; 4 KiB of it and a note are kept (aigc_host::plugin_text::MESSAGE_CAP).
    let message = g2["checks"][0]["message"].as_str().unwrap();
    assert!(message.len() <= 4096 + 48 && message.ends_with(" bytes more]"), "{} bytes", message.len());
    let g2 = misbehave_on_g2("log-flood", &[]);
    assert_eq!(g2["score"], 3.0, "a chatty grader still grades");
}

#[test]
fn claims_beyond_the_rules_are_held_to_them() {
    let g2 = misbehave_on_g2("over-max", &[]);
    assert_eq!(g2["score"], 1.0);
    assert!(g2["checks"][0]["message"].as_str().unwrap().contains("claimed 100"), "{g2}");
    let g2 = misbehave_on_g2("nan-points", &[]);
    assert_eq!(g2["score"], 0.0, "{g2}");
    assert!(g2["max_score"].as_f64().unwrap().is_finite());
}

#[test]
fn the_grader_reaches_nothing_outside_its_submission() {
    for mode in ["read-outside", "network", "write", "env"] {
        let g2 = misbehave_on_g2(mode, &[]);
        assert_eq!(g2["checks"][0]["passed"], true, "{mode}: {g2}");
    }
    assert!(!Path::new("/tmp/evil-grader").exists());
}

#[test]
fn reports_are_identical_across_jobs_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut subs = three_submissions(dir.path());
    subs.extend(three_submissions(&dir.path().join("more")));
    let flags = ["--set", "mode=clock", "--set", "target=g2"];
    let one = grade(plugins::EVIL_GRADER, &subs, &[&flags[..], &["--jobs", "1"]].concat());
    let four = grade(plugins::EVIL_GRADER, &subs, &[&flags[..], &["--jobs", "4"]].concat());
    let again = grade(plugins::EVIL_GRADER, &subs, &[&flags[..], &["--jobs", "4"]].concat());
    one.assert_ok();
    assert_eq!(one.stdout, four.stdout);
    assert_eq!(four.stdout, again.stdout);
    let loops = ["--set", "mode=loop", "--set", "target=g3", "--fuel", "100000000"];
    let a = grade(plugins::EVIL_GRADER, &subs, &[&loops[..], &["--jobs", "1"]].concat());
    let b = grade(plugins::EVIL_GRADER, &subs, &[&loops[..], &["--jobs", "3"]].concat());
    assert_eq!(a.stdout, b.stdout, "a limit hit is deterministic too");
}

fn zip_file(dir: &Path, name: &str, entries: &[RawEntry]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, write(entries)).unwrap();
    path
}

#[test]
fn malicious_archives_get_a_clear_error_each() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let symlink = RawEntry { unix_mode: 0o120777, ..RawEntry::file("link", b"/etc/passwd") };
    let encrypted = RawEntry { encrypted: true, ..RawEntry::file("secret.txt", b"xxxx") };
    let liar = RawEntry { declared_size: Some(3_000_000_000), ..RawEntry::file("bomb.bin", b"tiny") };
    let cases = [
        (
            zip_file(d, "traversal.zip", &[RawEntry::file("ok.txt", b"1"), RawEntry::file("../../evil.txt", b"x")]),
            "path traversal",
        ),
        (zip_file(d, "absolute.zip", &[RawEntry::file("/etc/cron.d/x", b"x")]), "absolute path"),
        (zip_file(d, "drive.zip", &[RawEntry::file("C:\\Windows\\x.txt", b"x")]), "names a drive"),
        (zip_file(d, "symlink.zip", &[symlink]), "symbolic link"),
        (
            zip_file(d, "duplicate.zip", &[RawEntry::file("a.txt", b"1"), RawEntry::file("a.txt", b"2")]),
            "appears twice",
        ),
        (zip_file(d, "encrypted.zip", &[encrypted]), "encrypted"),
        (zip_file(d, "liar.zip", &[liar]), "zip bomb"),
        (
            zip_file(d, "many.zip", &(0..50).map(|i| RawEntry::file(&format!("f{i}"), b"x")).collect::<Vec<_>>()),
            "more than 20 entries",
        ),
    ];
    let paths: Vec<PathBuf> = cases.iter().map(|(p, _)| p.clone()).collect();
    let good = three_submissions(d).remove(0);
    let mut all = paths.clone();
    all.push(good);
    let out = grade(plugins::FOLDER_GRADER, &all, &["--set", "required=data", "--max-entries", "20"]);
    assert_eq!(out.code, 1, "some submissions were not graded");
    let report = out.json();
    for (path, says) in &cases {
        let name = path.file_name().unwrap().to_str().unwrap();
        let error = error_of(submission(&report, name));
        assert!(error.contains(says), "{name}: {error}");
    }
    assert_eq!(submission(&report, "g1")["score"], 1.0, "the good one is graded");
    assert!(!d.join("evil.txt").exists() && !Path::new("/evil.txt").exists(), "nothing was extracted");
}

#[test]
fn a_real_deflate_bomb_is_refused_before_it_expands() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.zip");
    {
        let file = std::fs::File::create(&path).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("zeros.bin", options).unwrap();
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..200 {
            std::io::Write::write_all(&mut zip, &chunk).unwrap();
        }
        // A nested archive is only a file to us: it is never opened.
        zip.start_file("inner.zip", options).unwrap();
        std::io::Write::write_all(&mut zip, &std::fs::read(&path).unwrap_or_default()).unwrap();
        zip.finish().unwrap();
    }
    assert!(std::fs::metadata(&path).unwrap().len() < 2 << 20);
    let out = grade(plugins::FOLDER_GRADER, &[path], &[]);
    let error = error_of(&out.json()["submissions"][0]);
    assert!(error.contains("zip bomb") && error.contains("zeros.bin"), "{error}");
}

#[test]
fn gbk_names_from_chinese_windows_are_listed_correctly() {
    let dir = tempfile::tempdir().unwrap();
    // "下载数据/模型.glb" in GBK, without the UTF-8 flag, as Windows' built-in zip writes it.
    let (gbk, _, _) = encoding_rs_gbk("下载数据/模型.glb");
    let entry = RawEntry { name: gbk, utf8_flag: false, ..RawEntry::file("", b"glTF....") };
    let path = zip_file(dir.path(), "12_2023001.zip", &[entry, RawEntry::file("清洗后的数据/说明.txt", b"utf8 name")]);
    let out =
        grade(plugins::FOLDER_GRADER, &[path], &["--set", "required=下载数据/模型.glb,清洗后的数据/说明.txt,下载数据"]);
    out.assert_ok();
    let s = &out.json()["submissions"][0];
    assert_eq!(s["score"], 3.0, "{s}");
}

/// GBK bytes for `text` (the tests crate has no encoder; these characters are spelled out).
fn encoding_rs_gbk(text: &str) -> (Vec<u8>, (), ()) {
    let table = [
        ('下', [0xCF, 0xC2]),
        ('载', [0xD4, 0xD8]),
        ('数', [0xCA, 0xFD]),
        ('据', [0xBE, 0xDD]),
        ('模', [0xC4, 0xA3]),
        ('型', [0xD0, 0xCD]),
    ];
    let mut out = Vec::new();
    for c in text.chars() {
        match table.iter().find(|(t, _)| *t == c) {
            Some((_, bytes)) => out.extend_from_slice(bytes),
            None => out.push(c as u8),
        }
    }
    (out, (), ())
}

#[test]
fn the_html_report_is_readable_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let subs = three_submissions(dir.path());
    let html = dir.path().join("report.html");
    let out = grade(
        plugins::EVIL_GRADER,
        &subs,
        &["--set", "mode=over-max", "--set", "target=g2", "--html", html.to_str().unwrap()],
    );
    out.assert_ok();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    for name in ["g1", "g2", "g3", "evil-grader@0.1.0", "claimed 100"] {
        assert!(page.contains(name), "{name} missing from the report");
    }
    let injected = dir.path().join("<script>alert(1)<");
    std::fs::create_dir_all(&injected).unwrap();
    let out = grade(plugins::FOLDER_GRADER, &[injected], &["--html", html.to_str().unwrap()]);
    out.assert_ok();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("<script>") && page.contains("&lt;script&gt;"));
}
