//! `aigc-host clean` as a long job: a re-run skips what the same rule build and configuration already judged
//! (so a killed run resumes where it stopped), `--force` and a changed configuration judge again, and an item a
//! rule crashes on is recorded beside the item until the rule judges it.

use std::path::Path;

use aigc_tests::{aigc, plugins};

fn import(dir: &Path, files: &[(&str, &str)]) -> std::path::PathBuf {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    for (name, body) in files {
        std::fs::write(src.join(name), body).unwrap();
    }
    let ds = dir.join("ds");
    aigc(["dataset", "import", ds.to_str().unwrap(), src.to_str().unwrap()]).assert_ok();
    ds
}

fn clean(ds: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["clean", ds.to_str().unwrap(), "--rule", plugins::SIZE_RULE, "--json"];
    args.extend_from_slice(extra);
    let out = aigc(&args);
    let summary = out.json();
    assert_eq!(out.code == 0, summary["errors"] == 0, "exit {} for {summary}", out.code);
    summary
}

fn counts(summary: &serde_json::Value) -> [u64; 5] {
    ["checked", "skipped", "kept", "dropped", "errors"].map(|k| summary[k].as_u64().unwrap())
}

#[test]
fn a_rerun_skips_what_the_same_rule_and_config_judged_and_resumes_new_items() {
    let dir = tempfile::tempdir().unwrap();
    let ds = import(dir.path(), &[("a.txt", "0123456789"), ("b.txt", "01"), ("c.txt", "0123456")]);
    assert_eq!(counts(&clean(&ds, &["--set", "min_bytes=5"])), [3, 0, 2, 1, 0]);
    // Nothing new: every item is skipped, and nothing is counted twice.
    let again = clean(&ds, &["--set", "min_bytes=5"]);
    assert_eq!(counts(&again), [0, 3, 0, 0, 0]);

    // New items (as after a run killed half-way): only they are judged.
    std::fs::write(dir.path().join("src/d.txt"), "0").unwrap();
    aigc(["dataset", "import", ds.to_str().unwrap(), dir.path().join("src").to_str().unwrap()]).assert_ok();
    assert_eq!(counts(&clean(&ds, &["--set", "min_bytes=5"])), [1, 3, 0, 1, 0]);

    // Another configuration is another rule as far as skipping goes; --force judges everything again.
    assert_eq!(counts(&clean(&ds, &["--set", "min_bytes=1"])), [4, 0, 4, 0, 0]);
    assert_eq!(counts(&clean(&ds, &["--set", "min_bytes=1", "--force"])), [4, 0, 4, 0, 0]);
    let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]).json();
    assert_eq!(stats["by_rule"]["size-rule"]["kept"], 4, "one verdict per rule and item: {stats}");
    assert_eq!(stats["by_rule"]["size-rule"]["by_reason"]["big-enough"], 4);
}

#[test]
fn a_crash_on_one_item_is_recorded_beside_it_until_the_rule_judges_it() {
    let dir = tempfile::tempdir().unwrap();
    let ds = import(dir.path(), &[("a.txt", "0123456789"), ("crash.txt", "0123456789abc"), ("b.txt", "01")]);
    let summary = clean(&ds, &["--set", "min_bytes=5", "--set", "panic_on=crash.txt", "-j", "2"]);
    assert_eq!(counts(&summary), [3, 0, 1, 1, 1]);

    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json();
    let crash = ls["items"].as_array().unwrap().iter().find(|i| i["title"] == "crash.txt").unwrap();
    let id = crash["id"].as_str().unwrap();
    assert_eq!(crash["status"], "pending");
    let shown = aigc(["dataset", "show", ds.to_str().unwrap(), id, "--json"]).json();
    let error = &shown["annotations"][0];
    assert_eq!((error["key"].as_str(), error["plugin"].as_str()), (Some("clean-error"), Some("size-rule")), "{shown}");
    assert!(error["value"].as_str().unwrap().contains("asked to crash"), "{shown}");
    let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]).json();
    assert_eq!(stats["by_rule"]["size-rule"]["errors"], 1, "{stats}");
    let text = aigc(["dataset", "stats", ds.to_str().unwrap()]);
    assert!(text.stdout.contains("rule size-rule: 1 kept, 1 dropped, 1 not judged"), "{}", text.stdout);

    // The failed item is tried again while the judged ones are skipped.
    let again = clean(&ds, &["--set", "min_bytes=5", "--set", "panic_on=crash.txt"]);
    assert_eq!(counts(&again), [1, 2, 0, 0, 1]);
    // Once judged, its error is gone.
    let summary = clean(&ds, &["--set", "min_bytes=5", "--set", "panic_on=none"]);
    assert_eq!(counts(&summary), [3, 0, 2, 1, 0], "a new panic_on is a new configuration");
    let shown = aigc(["dataset", "show", ds.to_str().unwrap(), id, "--json"]).json();
    assert_eq!(shown["annotations"], serde_json::json!([]), "{shown}");
    assert_eq!(shown["status"], "kept");
}

#[test]
fn a_killed_run_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let bodies: Vec<(String, String)> =
        (0..300).map(|i| (format!("{i:03}.txt"), format!("{i}{}", "x".repeat(i % 7)))).collect();
    let files: Vec<(&str, &str)> = bodies.iter().map(|(n, b)| (n.as_str(), b.as_str())).collect();
    let ds = import(dir.path(), &files);
    let args =
        ["clean", ds.to_str().unwrap(), "--rule", plugins::SIZE_RULE, "--set", "min_bytes=5", "-j", "1", "--json"];
    let mut child = aigc_tests::command(args).stdout(std::process::Stdio::null()).spawn().unwrap();
    let judged = || {
        let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]).json();
        let rule = &stats["by_rule"]["size-rule"];
        rule["kept"].as_u64().unwrap_or(0) + rule["dropped"].as_u64().unwrap_or(0)
    };
    while judged() == 0 && child.try_wait().unwrap().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up, as after a crash or power loss
    child.wait().unwrap();
    let before = judged();
    let summary = clean(&ds, &["--set", "min_bytes=5"]);
    // Whatever point the kill landed at, each item is judged exactly once over the two runs.
    assert_eq!(summary["skipped"].as_u64().unwrap(), before, "{summary}");
    assert_eq!(summary["checked"].as_u64().unwrap(), 300 - before, "{summary}");
    assert_eq!(judged(), 300);
}
