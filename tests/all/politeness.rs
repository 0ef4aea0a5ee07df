//! The host is polite to every site on the plugin's behalf: robots.txt, per-host spacing, Retry-After and
//! backoff, conditional requests, and the `noai` opt-out. Measured on loopback servers that log what they see.

use std::time::Duration;

use aigc_tests::http_server::{Reply, Server};
use aigc_tests::{Output, aigc, plugins};

/// Runs the adversary in `mode` against `url` with the given extra flags, on a dataset in `dir`.
fn run(dir: &std::path::Path, mode: &str, url: &str, extra: &[&str]) -> Output {
    let ds = dir.join("ds");
    let (mode, url) = (format!("mode={mode}"), format!("url={url}"));
    let mut args =
        vec!["run", plugins::ADVERSARY, "--dataset", ds.to_str().unwrap(), "--json", "--set", &mode, "--set", &url];
    args.extend_from_slice(extra);
    aigc(args)
}

fn paths(server: &Server) -> Vec<String> {
    server.seen().into_iter().map(|s| s.path).collect()
}

#[test]
fn robots_txt_disallow_is_obeyed() {
    let server = Server::start(|seen| match seen.path.as_str() {
        "/robots.txt" => Reply::ok("User-agent: *\nDisallow: /private/\n"),
        _ => Reply::ok("content"),
    });
    let dir = tempfile::tempdir().unwrap();
    let out =
        run(dir.path(), "fetch", &server.url("/private/data"), &["--allow-host", &server.authority(), "--delay", "0"]);
    assert_eq!(out.code, 1);
    let error = out.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("robots.txt") && error.contains("disallows /private/data"), "{error}");
    assert_eq!(paths(&server), ["/robots.txt"], "only robots.txt was fetched");

    // Allowed paths go through, and robots.txt is fetched once per run, not per request.
    let out = run(
        dir.path(),
        "fetch-many",
        &server.url("/public"),
        &["--allow-host", &server.authority(), "--delay", "0", "--set", "count=3"],
    );
    out.assert_ok();
    let seen = paths(&server);
    assert_eq!(seen.iter().filter(|p| *p == "/robots.txt").count(), 2, "once per run: {seen:?}");
    assert_eq!(seen.iter().filter(|p| p.starts_with("/public")).count(), 3);

    // `--robots ignore` is the operator's explicit choice.
    let out = run(
        dir.path(),
        "fetch",
        &server.url("/private/data"),
        &["--allow-host", &server.authority(), "--delay", "0", "--robots", "ignore"],
    );
    out.assert_ok();
}

#[test]
fn unreachable_robots_txt_means_disallowed_and_missing_means_allowed() {
    let broken = Server::start(|seen| if seen.path == "/robots.txt" { Reply::status(503) } else { Reply::ok("x") });
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        "fetch",
        &broken.url("/page"),
        &["--allow-host", &broken.authority(), "--delay", "0", "--retries", "0"],
    );
    assert_eq!(out.code, 1);
    assert!(out.json()["error"].as_str().unwrap().contains("RFC 9309"), "{}", out.stdout);
    assert_eq!(paths(&broken), ["/robots.txt"]);

    let missing = Server::start(|seen| if seen.path == "/robots.txt" { Reply::status(404) } else { Reply::ok("x") });
    let out = run(dir.path(), "fetch", &missing.url("/page"), &["--allow-host", &missing.authority(), "--delay", "0"]);
    out.assert_ok();
    assert_eq!(paths(&missing), ["/robots.txt", "/page"]);
}

#[test]
fn requests_to_one_host_are_spaced_by_the_delay() {
    let server = Server::start(|_| Reply::ok("x"));
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        "fetch-many",
        &server.url("/item"),
        &["--allow-host", &server.authority(), "--delay", "0.4", "--robots", "ignore", "--set", "count=5"],
    );
    out.assert_ok();
    let seen = server.seen();
    assert_eq!(seen.len(), 5);
    let mut times: Vec<_> = seen.iter().map(|s| s.at).collect();
    times.sort();
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(390), "requests {gap:?} apart, under the 0.4 s delay");
    }
    // Without a delay and with room per host, the same requests overlap in time.
    let fast = Server::start(|_| Reply::ok("x"));
    let started = std::time::Instant::now();
    run(
        dir.path(),
        "fetch-many",
        &fast.url("/item"),
        &[
            "--allow-host",
            &fast.authority(),
            "--delay",
            "0",
            "--per-host",
            "5",
            "--robots",
            "ignore",
            "--set",
            "count=5",
        ],
    )
    .assert_ok();
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn retry_after_on_429_holds_the_next_request_back() {
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&hits);
    let server = Server::start(move |_| {
        if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Reply::status(429).with("retry-after", "2")
        } else {
            Reply::ok("finally")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        "fetch",
        &server.url("/busy"),
        &["--allow-host", &server.authority(), "--delay", "0", "--robots", "ignore"],
    );
    out.assert_ok();
    assert_eq!(out.json()["retries"], 1);
    assert!(out.stderr.contains("HTTP 200") && out.stderr.contains("finally"), "{}", out.stderr);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].at - seen[0].at >= Duration::from_secs(2), "retried after {:?}", seen[1].at - seen[0].at);
}

#[test]
fn server_errors_are_retried_a_bounded_number_of_times() {
    let server = Server::start(|_| Reply::status(503));
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        "fetch",
        &server.url("/down"),
        &["--allow-host", &server.authority(), "--delay", "0", "--robots", "ignore", "--retries", "2"],
    );
    // The plugin gets the last 503 after 1 + 2 attempts (backoff 1 s, then 2 s).
    out.assert_ok();
    assert!(out.stderr.contains("HTTP 503"), "{}", out.stderr);
    assert_eq!(server.seen().len(), 3);
    assert_eq!(out.json()["retries"], 2);
}

#[test]
fn unchanged_pages_are_revalidated_not_downloaded_again() {
    let server = Server::start(|seen| {
        if seen.header("if-none-match") == Some("\"v1\"") {
            Reply::status(304).with("etag", "\"v1\"")
        } else {
            Reply::ok("the page body").with("etag", "\"v1\"")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--allow-host", &server.authority(), "--delay", "0", "--robots", "ignore"];
    run(dir.path(), "fetch", &server.url("/page"), &flags).assert_ok();
    let second = run(dir.path(), "fetch", &server.url("/page"), &flags);
    second.assert_ok();
    assert!(second.stderr.contains("the page body"), "the cached body is served: {}", second.stderr);
    assert_eq!(second.json()["cache_hits"], 1);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].header("if-none-match"), Some("\"v1\""));
}

#[test]
fn images_marked_noai_are_refused() {
    let server = Server::start(|seen| {
        let reply = Reply::ok(vec![0xFF, 0xD8, 0xFF]).with("content-type", "image/jpeg");
        if seen.path.contains("protected") { reply.with("x-robots-tag", "noindex, noai") } else { reply }
    });
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--allow-host", &server.authority(), "--delay", "0", "--robots", "ignore"];
    let out = run(dir.path(), "fetch", &server.url("/protected.jpg"), &flags);
    assert_eq!(out.code, 1);
    assert!(out.json()["error"].as_str().unwrap().contains("noai"), "{}", out.stdout);
    run(dir.path(), "fetch", &server.url("/open.jpg"), &flags).assert_ok();
}

#[test]
fn the_operators_policy_file_overrides_grants() {
    let server = Server::start(|_| Reply::ok("x"));
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[network]\ndeny = [\"127.0.0.1\"]\n").unwrap();
    let flags = [
        "--allow-host",
        &server.authority(),
        "--delay",
        "0",
        "--robots",
        "ignore",
        "--policy",
        policy.to_str().unwrap(),
    ];
    let out = run(dir.path(), "fetch", &server.url("/x"), &flags);
    assert_eq!(out.code, 1);
    assert!(out.json()["error"].as_str().unwrap().contains("policy file denies"), "{}", out.stdout);
    assert!(server.seen().is_empty());

    std::fs::write(&policy, "[network]\nmax_requests = 2\n").unwrap();
    let out = run(dir.path(), "fetch-many", &server.url("/x"), &[&flags[..], &["--set", "count=4"]].concat());
    out.assert_ok();
    assert_eq!(server.seen().len(), 2, "the budget of 2 requests holds");

    std::fs::write(&policy, "[network]\nbogus = 1\n").unwrap();
    let out = run(dir.path(), "fetch", &server.url("/x"), &flags);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("is not valid") && out.stderr.contains("bogus"), "{}", out.stderr);
}

#[test]
fn compressed_responses_are_decoded() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, b"decompressed by the host").unwrap();
    let body = gz.finish().unwrap();
    let server = Server::start(move |seen| {
        let accepts = seen.header("accept-encoding").unwrap_or_default().contains("gzip");
        if accepts { Reply::ok(body.clone()).with("content-encoding", "gzip") } else { Reply::ok("plain") }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        "fetch",
        &server.url("/z"),
        &["--allow-host", &server.authority(), "--delay", "0", "--robots", "ignore"],
    );
    out.assert_ok();
    assert!(out.stderr.contains("decompressed by the host"), "{}", out.stderr);
    assert!(server.seen()[0].header("accept-encoding").unwrap_or_default().contains("br"));
}
