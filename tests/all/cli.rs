//! The command-line contract other tools rely on: `inspect`, `dataset import|ls|stats`, `clean`, `grade`,
//! `doctor`, exit codes and `--json`.

use aigc_tests::{aigc, plugins};

#[test]
fn inspect_shows_the_manifest_without_running_the_plugin() {
    let out = aigc(["inspect", plugins::SKETCHFAB, "--json"]);
    out.assert_ok();
    let m = out.json();
    assert_eq!(m["name"], "sketchfab");
    assert_eq!(m["kind"], "crawler");
    assert_eq!(m["wit"], "aigc:plugin@0.1.1");
    let hosts: Vec<&str> = m["requests"]["hosts"].as_array().unwrap().iter().filter_map(|h| h.as_str()).collect();
    assert!(hosts.contains(&"api.sketchfab.com"), "{hosts:?}");
    assert!(
        m["requests"]["secrets"]["sketchfab"]["hosts"].as_array().unwrap().iter().any(|h| h == "api.sketchfab.com")
    );
    assert!(m["config"]["base_url"]["default"].is_string());
    assert_eq!(m["sha256"].as_str().unwrap().len(), 64);

    let text = aigc(["inspect", plugins::SKETCHFAB]);
    text.assert_ok();
    assert!(text.stdout.contains("hosts it asks for:") && text.stdout.contains("api.sketchfab.com"));
}

#[test]
fn inspect_refuses_files_that_are_not_plugins() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"not wasm at all").unwrap();
    let out = aigc(["inspect", junk.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("is not a WebAssembly component"), "{}", out.stderr);
    let out = aigc(["inspect", dir.path().join("missing.wasm").to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("cannot read plugin"), "{}", out.stderr);
}

#[test]
fn usage_errors_exit_with_2() {
    assert_eq!(aigc(["run"]).code, 2);
    assert_eq!(aigc(["no-such-command"]).code, 2);
    let help = aigc(["run", "--help"]);
    help.assert_ok();
    assert!(help.stdout.contains("--allow-host") && help.stdout.contains("--replay"));
}

#[test]
fn import_ls_stats_round_trip_with_categories_from_folders() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("animals")).unwrap();
    std::fs::create_dir_all(src.join("plants")).unwrap();
    std::fs::write(src.join("animals/cat.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap();
    std::fs::write(src.join("animals/dog.svg"), "<svg xmlns='http://www.w3.org/2000/svg'><g/></svg>").unwrap();
    std::fs::write(src.join("plants/fern.png"), [137u8, 80, 78, 71]).unwrap();
    let ds = dir.path().join("ds");
    let out =
        aigc(["dataset", "import", ds.to_str().unwrap(), src.to_str().unwrap(), "--licence", "CC0-1.0", "--json"]);
    out.assert_ok();
    assert_eq!(out.json()["items_added"], 3);
    // Importing again stores nothing new.
    let again = aigc(["dataset", "import", ds.to_str().unwrap(), src.to_str().unwrap(), "--json"]);
    assert_eq!(again.json()["items_skipped"], 3);

    let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]).json();
    assert_eq!(stats["items"], 3);
    assert_eq!(stats["by_category"]["animals"], 2);
    assert_eq!(stats["by_category"]["plants"], 1);
    assert_eq!(stats["by_status"]["pending"], 3);

    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json();
    let items = ls["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        assert_eq!(item["licence"], "CC0-1.0");
        assert!(item["source"].as_str().unwrap().starts_with("file://"));
        assert_eq!(item["id"].as_str().unwrap().len(), 16);
        assert!(item["verdicts"].as_array().unwrap().is_empty());
    }
}

#[test]
fn clean_stores_verdicts_and_survives_a_crashing_rule() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("big.txt"), "0123456789").unwrap();
    std::fs::write(src.join("small.txt"), "01").unwrap();
    std::fs::write(src.join("crash.txt"), "0123456789abc").unwrap();
    let ds = dir.path().join("ds");
    aigc(["dataset", "import", ds.to_str().unwrap(), src.to_str().unwrap()]).assert_ok();

    let out = aigc([
        "clean",
        ds.to_str().unwrap(),
        "--rule",
        plugins::SIZE_RULE,
        "--set",
        "min_bytes=5",
        "--set",
        "panic_on=crash.txt",
        "--json",
        "-j",
        "2",
    ]);
    assert_eq!(out.code, 1, "a rule that crashed on an item makes the run fail: {}", out.stderr);
    let summary = out.json();
    assert_eq!(summary["checked"], 3);
    assert_eq!(summary["kept"], 1);
    assert_eq!(summary["dropped"], 1);
    assert_eq!(summary["errors"], 1);
    assert_eq!(summary["by_reason"]["too-small"], 1);
    assert!(summary["failures"][0].as_str().unwrap().contains("asked to crash"), "{summary}");

    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json();
    let by_title = |t: &str| ls["items"].as_array().unwrap().iter().find(|i| i["title"] == t).unwrap().clone();
    assert_eq!(by_title("small.txt")["status"], "dropped");
    assert_eq!(by_title("small.txt")["verdicts"][0]["reason"], "too-small");
    assert_eq!(by_title("big.txt")["status"], "kept");
    assert_eq!(by_title("crash.txt")["status"], "pending");

    // Re-running replaces verdicts instead of piling them up.
    let out = aigc(["clean", ds.to_str().unwrap(), "--rule", plugins::SIZE_RULE, "--set", "min_bytes=1", "--json"]);
    out.assert_ok();
    let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]).json();
    assert_eq!(stats["by_status"]["kept"], 3);
}

#[test]
fn grade_reads_only_the_submission() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("group1");
    std::fs::create_dir_all(good.join("data")).unwrap();
    std::fs::write(good.join("README.md"), "# report").unwrap();
    let bad = dir.path().join("group2");
    std::fs::create_dir_all(&bad).unwrap();
    let out = aigc([
        "grade",
        plugins::FOLDER_GRADER,
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--set",
        "required=README.md,data,../etc/passwd",
        "--json",
    ]);
    out.assert_ok();
    let report = out.json();
    let subs = report["submissions"].as_array().unwrap();
    assert_eq!(subs[0]["score"], 2.0);
    assert_eq!(subs[0]["max_score"], 3.0);
    assert_eq!(subs[1]["score"], 0.0);
    assert_eq!(subs[0]["checks"][2]["passed"], false, "paths outside the submission do not exist for a grader");
    let inspect = aigc(["inspect", plugins::FOLDER_GRADER, "--json"]).json();
    assert_eq!(inspect["kind"], "grader");
}

#[test]
fn doctor_reports_a_working_engine_and_libtorch() {
    let out = aigc(["doctor", "--json"]);
    out.assert_ok();
    let report = out.json();
    assert!(report["wasm_engine"]["Ok"].is_string(), "{report}");
    assert!(report["torch"]["self_check"]["Ok"].as_str().unwrap().contains("= 14"), "{report}");
}

#[test]
fn show_and_cat_give_one_item_whole() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("cat.svg");
    let svg = "<svg xmlns='http://www.w3.org/2000/svg'><circle r='4'/></svg>";
    std::fs::write(&src, svg).unwrap();
    let ds = dir.path().join("ds");
    aigc(["dataset", "import", ds.to_str().unwrap(), src.to_str().unwrap(), "--category", "animals"]).assert_ok();
    let id =
        aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json()["items"][0]["id"].as_str().unwrap().to_string();
    let shown = aigc(["dataset", "show", ds.to_str().unwrap(), &id, "--json"]);
    shown.assert_ok();
    let item = shown.json();
    assert_eq!(item["category"], "animals");
    assert_eq!(item["files"][0]["name"], "cat.svg");
    assert_eq!(item["files"][0]["media_type"], "image/svg+xml");
    assert_eq!(item["status"], "pending");
    let cat = aigc(["dataset", "cat", ds.to_str().unwrap(), &id, "cat.svg"]);
    cat.assert_ok();
    assert_eq!(cat.stdout, svg);
    let missing = aigc(["dataset", "show", ds.to_str().unwrap(), "0000000000000000"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("has no item"), "{}", missing.stderr);
}
