//! FIFOs (and other special files) where regular files are expected: `open()` on a FIFO waits for a writer that
//! never comes, so a submission or an import holding one must be refused or skipped without ever opening it.
//! Each run is time-bounded, so a regression fails instead of hanging the suite.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use aigc_tests::{Output, command, plugins};

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Runs `aigc-host ARGS...`, killing it and failing the test if it takes longer than `limit`.
fn aigc_within(limit: Duration, args: &[&str]) -> Output {
    let mut child = command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("aigc-host starts");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`aigc-host {}` still ran after {limit:?}: it is blocked on the FIFO", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_fifo_in_a_folder_submission_is_refused_promptly_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = dir.path().join("g1");
    std::fs::create_dir_all(hostile.join("data")).unwrap();
    std::fs::write(hostile.join("README.md"), "hi").unwrap();
    mkfifo(&hostile.join("data/pipe"));
    let good = dir.path().join("g2");
    std::fs::create_dir_all(&good).unwrap();
    std::fs::write(good.join("README.md"), "hi").unwrap();
    // The grader reads every required path, so a listed FIFO would be opened.
    let out = aigc_within(
        Duration::from_secs(60),
        &[
            "grade",
            plugins::FOLDER_GRADER,
            "--json",
            hostile.to_str().unwrap(),
            good.to_str().unwrap(),
            "--set",
            "required=README.md,data/pipe",
        ],
    );
    let report = out.json();
    let of = |name: &str| {
        report["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["submission"].as_str().unwrap().ends_with(name))
            .unwrap()
            .clone()
    };
    let error = of("g1")["error"].as_str().unwrap_or_else(|| panic!("g1 must be refused: {report}")).to_string();
    assert!(error.contains("data/pipe") && error.contains("FIFO"), "{error}");
    assert_eq!(of("g2")["score"], 1.0, "the other submission is graded: {report}");
}

#[test]
fn dataset_import_skips_a_fifo_with_a_warning_and_imports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("animals")).unwrap();
    std::fs::write(src.join("a.txt"), "first").unwrap();
    std::fs::write(src.join("animals/b.txt"), "second").unwrap();
    mkfifo(&src.join("animals/pipe"));
    // Named directly on the command line as well.
    let direct = dir.path().join("direct-pipe");
    mkfifo(&direct);
    let ds = dir.path().join("ds");
    let out = aigc_within(
        Duration::from_secs(60),
        &["dataset", "import", ds.to_str().unwrap(), src.to_str().unwrap(), direct.to_str().unwrap(), "--json"],
    );
    out.assert_ok();
    assert_eq!(out.json()["items_added"], 2, "{}", out.stdout);
    for name in ["animals/pipe", "direct-pipe"] {
        assert!(
            out.stderr.lines().any(|l| l.contains("skipping") && l.contains(name) && l.contains("FIFO")),
            "a warning names `{name}`:\n{}",
            out.stderr
        );
    }
}
