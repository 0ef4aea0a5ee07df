//! Plugins that try to break a limit are stopped alone, with a message naming the plugin and the limit, and the
//! dataset stays intact and usable.

use aigc_tests::{aigc, plugins};

/// Runs the adversary in `mode` on a dataset that already holds its three good items.
fn misbehave(mode: &str, extra: &[&str]) -> (tempfile::TempDir, aigc_tests::Output) {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    aigc(["run", plugins::ADVERSARY, "--dataset", ds.to_str().unwrap(), "--json"]).assert_ok();
    let mut args = vec!["run", plugins::ADVERSARY, "--dataset", ds.to_str().unwrap(), "--json", "--set"];
    let mode = format!("mode={mode}");
    args.push(&mode);
    args.extend_from_slice(extra);
    let out = aigc(args);
    (dir, out)
}

fn assert_dataset_intact(dir: &tempfile::TempDir) {
    let ds = dir.path().join("ds");
    let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]);
    stats.assert_ok();
    assert_eq!(stats.json()["items"], 3, "the three items stored before the failure are kept");
    // And the dataset still takes writes: a good run afterwards works.
    let again = aigc(["run", plugins::ADVERSARY, "--dataset", ds.to_str().unwrap(), "--json"]);
    again.assert_ok();
    assert_eq!(again.json()["items_skipped"], 3);
}

#[test]
fn endless_loop_is_stopped_by_the_cpu_limit() {
    let started = std::time::Instant::now();
    let (dir, out) = misbehave("loop", &["--cpu-limit", "1"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(started.elapsed().as_secs() < 20, "the limit must stop it promptly");
    let error = out.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("adversary@0.1.0") && error.contains("CPU limit of 1 s"), "{error}");
    assert_dataset_intact(&dir);
}

#[test]
fn endless_loop_is_stopped_by_the_wall_clock_timeout() {
    let (dir, out) = misbehave("loop", &["--timeout", "1"]);
    assert_eq!(out.code, 1);
    let error = out.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("adversary@0.1.0") && error.contains("time limit of 1 s"), "{error}");
    assert_dataset_intact(&dir);
}

#[test]
fn loop_after_puts_keeps_the_items_it_stored() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = aigc([
        "run",
        plugins::ADVERSARY,
        "--dataset",
        ds.to_str().unwrap(),
        "--json",
        "--set",
        "mode=put-then-loop",
        "--set",
        "count=5",
        "--cpu-limit",
        "1",
    ]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["items_added"], 5);
    let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]);
    assert_eq!(stats.json()["items"], 5);
}

#[test]
fn growing_memory_is_stopped_by_the_memory_limit() {
    let (dir, out) = misbehave("memory", &["--memory-limit", "64"]);
    assert_eq!(out.code, 1);
    let error = out.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("adversary@0.1.0") && error.contains("limit of 64.0 MiB"), "{error}");
    assert!(out.json()["peak_memory_mib"].as_f64().unwrap() <= 64.0);
    assert_dataset_intact(&dir);
}

#[test]
fn a_panic_is_reported_with_the_plugins_own_message() {
    let (dir, out) = misbehave("panic", &[]);
    assert_eq!(out.code, 1);
    let error = out.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("adversary@0.1.0 crashed") && error.contains("panics on purpose"), "{error}");
    assert_dataset_intact(&dir);
}

#[test]
fn log_flood_is_capped() {
    let (dir, out) = misbehave("log-flood", &[]);
    out.assert_ok();
    // 1e6 lines of 1000 bytes were attempted; about 1 MiB gets through.
    assert!(out.stderr.len() < 3 << 20, "stderr was {} bytes", out.stderr.len());
    assert!(out.stderr.contains("log cap"), "the cap is announced");
    assert_dataset_intact(&dir);
}

#[test]
fn unknown_config_keys_and_secrets_are_usage_errors_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = aigc(["run", plugins::ADVERSARY, "--dataset", ds.to_str().unwrap(), "--set", "mood=loop"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no config key `mood`") && out.stderr.contains("mode"), "{}", out.stderr);
    let out = aigc(["run", plugins::ADVERSARY, "--dataset", ds.to_str().unwrap(), "--secret", "github=x"]);
    assert!(out.stderr.contains("no secret `github`"), "{}", out.stderr);
    assert!(!ds.exists(), "nothing is created when the arguments are wrong");
}

#[test]
fn wrong_kind_of_plugin_is_refused_with_the_right_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = aigc(["run", plugins::SIZE_RULE, "--dataset", dir.path().join("ds").to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("is a cleaner plugin") && out.stderr.contains("aigc-host clean"), "{}", out.stderr);
}

#[test]
fn no_environment_files_or_sockets_reach_the_plugin() {
    // A real listener the plugin would reach if WASI sockets were open.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("url={}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let out = aigc_tests::command([
        "run",
        plugins::ADVERSARY,
        "--dataset",
        dir.path().join("ds").to_str().unwrap(),
        "--json",
        "--set",
        "mode=escape",
        "--set",
        &target,
    ])
    .env("AIGC_SECRET_IN_ENV", "must-not-leak")
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the plugin reached something: {stderr}");
    assert!(stderr.contains("no ambient authority"), "{stderr}");
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "nothing connected to the listener");
}
