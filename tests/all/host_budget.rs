//! Host work done on a plugin's behalf is charged to it (issue #11, classes 2 and 3): a grader whose own code does
//! nothing but ask the host to rasterize is stopped by its host-work budget, at the same call on every run, and a
//! wall-clock limit ends the process promptly even while the host is still rendering for the plugin.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aigc_tests::{Output, aigc, plugins};

fn one_submission(dir: &std::path::Path) -> PathBuf {
    let root = dir.join("g1");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("readme.txt"), "hello").unwrap();
    root
}

fn hog(mode: &str, extra: &[&str]) -> (Output, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let submission = one_submission(dir.path());
    let mode = format!("mode={mode}");
    let mut args = vec!["grade", plugins::HOST_HOG, submission.to_str().unwrap(), "--json", "--set", &mode];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let out = aigc(args);
    (out, started.elapsed())
}

fn error_of(out: &Output) -> String {
    out.json()["submissions"][0]["error"].as_str().unwrap_or_else(|| panic!("expected an error: {}", out.stdout)).into()
}

/// The number of the last `call N` line the grader logged.
fn last_call(out: &Output) -> u64 {
    let number = |line: &str| {
        let (_, rest) = line.split_once(" call ")?;
        rest.split_whitespace().next()?.parse().ok()
    };
    out.stderr.lines().rev().find_map(number).unwrap_or(0)
}

#[test]
fn a_grader_looping_on_host_calls_is_stopped_by_its_host_work_budget_at_the_same_call_every_time() {
    let flags = ["--host-work", "1"];
    let (first, took) = hog("rasterize-loop", &flags);
    let error = error_of(&first);
    assert!(error.contains("host-hog@0.1.0") && error.contains("budget of 1 s of estimated work"), "{error}");
    assert!(error.contains("--host-work"), "the message says how to raise it: {error}");
    assert!(took < Duration::from_secs(60), "stopped in {took:?}");
    let calls = last_call(&first);
    assert!(calls > 10, "it did some work before the budget ran out: {calls} calls\n{}", first.stderr);

    // Deterministic: the same budget stops it after the same number of calls, whatever the machine's load.
    let (second, _) = hog("rasterize-loop", &flags);
    assert_eq!(error_of(&second), error);
    assert_eq!(last_call(&second), calls);
    // And a bigger budget lets it make more calls.
    let (third, _) = hog("rasterize-loop", &["--host-work", "2"]);
    assert!(last_call(&third) > calls, "{} vs {calls}", last_call(&third));
}

#[test]
fn a_wall_clock_limit_ends_the_process_promptly_while_the_host_still_renders_for_the_plugin() {
    let (out, took) = hog("slow-render", &["--timeout", "1", "--set", "size=2048"]);
    let error = error_of(&out);
    assert!(error.contains("time limit of 1 s"), "{error}");
    // The render in flight (over 10 s at this size on a 2-core laptop) is abandoned, not waited for: the process
    // ends within the limit, a second of grace for in-flight writes, and start-up.
    assert!(took < Duration::from_secs(8), "the process took {took:?} to exit");
}
