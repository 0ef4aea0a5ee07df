//! The HTTP grant policy, end to end: a plugin reaches what it was granted and nothing else — directly, through
//! a redirect, or through a name that resolves inside the machine — and secrets go only to their hosts.

use aigc_tests::http_server::{Reply, Server};
use aigc_tests::{Output, aigc, plugins};

fn fetch(url: &str, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let url = format!("url={url}");
    // robots.txt is covered by its own tests; here every request the server sees is the plugin's own.
    let mut args = vec![
        "run",
        plugins::ADVERSARY,
        "--dataset",
        ds.to_str().unwrap(),
        "--json",
        "--set",
        "mode=fetch",
        "--set",
        &url,
        "--robots",
        "ignore",
        "--delay",
        "0",
    ];
    args.extend_from_slice(extra);
    let out = aigc(args);
    (dir, out)
}

fn error_of(out: &Output) -> String {
    out.json()["error"].as_str().unwrap_or_default().to_string()
}

#[test]
fn granted_loopback_address_is_reached() {
    let server = Server::start(|_| Reply::ok("hello"));
    let (_dir, out) = fetch(&server.url("/x"), &["--allow-host", &server.authority()]);
    out.assert_ok();
    assert_eq!(out.json()["requests"], 1);
    assert_eq!(server.seen().len(), 1);
    assert!(server.seen()[0].header("user-agent").unwrap_or_default().starts_with("aigc-host/"));
}

#[test]
fn loopback_without_a_grant_is_denied_and_never_contacted() {
    let server = Server::start(|_| Reply::ok("hello"));
    let (_dir, out) = fetch(&server.url("/x"), &[]);
    assert_eq!(out.code, 1);
    let error = error_of(&out);
    assert!(error.contains("adversary@0.1.0") && error.contains("loopback address"), "{error}");
    assert_eq!(out.json()["requests_denied"], 1);
    assert!(server.seen().is_empty(), "the server must not be contacted");
    // A grant of another port on the same address is not a grant of this one.
    let (_dir, out) = fetch(&server.url("/x"), &["--allow-host", "127.0.0.1:1"]);
    assert_eq!(out.code, 1);
    assert!(server.seen().is_empty());
}

#[test]
fn metadata_address_and_ungranted_hosts_are_denied() {
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://not-granted.example.com/",
        "http://localhost:9/",
    ] {
        let (_dir, out) = fetch(url, &[]);
        assert_eq!(out.code, 1, "{url}");
        let error = error_of(&out);
        assert!(error.contains("Denied"), "{url}: {error}");
        assert_eq!(out.json()["requests_denied"], 1, "{url}");
    }
}

#[test]
fn redirect_into_an_ungranted_address_is_denied() {
    let inner = Server::start(|_| Reply::ok("secret internal data"));
    let inner_url = inner.url("/admin");
    let outer = Server::start(move |_| Reply::redirect(&inner_url));
    let (_dir, out) = fetch(&outer.url("/start"), &["--allow-host", &outer.authority()]);
    assert_eq!(out.code, 1);
    let error = error_of(&out);
    assert!(error.contains("redirect from") && error.contains("loopback address"), "{error}");
    assert_eq!(outer.seen().len(), 1);
    assert!(inner.seen().is_empty(), "the redirect target must not be contacted");

    let to_metadata = Server::start(|_| Reply::redirect("http://169.254.169.254/latest/meta-data/iam"));
    let (_dir, out) = fetch(&to_metadata.url("/"), &["--allow-host", &to_metadata.authority()]);
    assert_eq!(out.code, 1);
    assert!(error_of(&out).contains("metadata address"), "{}", error_of(&out));
}

#[test]
fn granted_redirect_is_followed_and_reports_the_final_url() {
    let inner = Server::start(|_| Reply::ok("payload"));
    let inner_url = inner.url("/final");
    let outer = Server::start(move |_| Reply::redirect(&inner_url));
    let (_dir, out) =
        fetch(&outer.url("/start"), &["--allow-host", &outer.authority(), "--allow-host", &inner.authority()]);
    out.assert_ok();
    assert!(out.stderr.contains(&format!("from {}", inner.url("/final"))), "{}", out.stderr);
}

#[test]
fn a_name_that_resolves_inside_the_machine_is_denied() {
    // The machine's own host name resolves (through /etc/hosts) to a loopback or private address. Granting the
    // *name* must not open that address.
    let Ok(name) = std::fs::read_to_string("/etc/hostname").map(|s| s.trim().to_string()) else { return };
    let internal = std::net::ToSocketAddrs::to_socket_addrs(&(name.as_str(), 80))
        .map(|mut addrs| {
            addrs.any(|a| a.ip().is_loopback() || matches!(a.ip(), std::net::IpAddr::V4(v4) if v4.is_private()))
        })
        .unwrap_or(false);
    if name.is_empty() || !internal {
        eprintln!("skipped: `{name}` does not resolve to an internal address here");
        return;
    }
    let server = Server::start(|_| Reply::ok("hello"));
    let (_dir, out) =
        fetch(&format!("http://{name}:{}/", server.port()), &["--allow-host", &format!("{name}:{}", server.port())]);
    assert_eq!(out.code, 1);
    let error = error_of(&out);
    assert!(error.contains("resolves to") && error.contains("never reached through a name"), "{error}");
    assert!(server.seen().is_empty());
}

#[test]
fn secrets_go_only_to_their_own_hosts() {
    let other = Server::start(|_| Reply::ok("other"));
    let other_url = other.url("/elsewhere");
    let home = Server::start(move |_| Reply::redirect(&other_url));
    let (_dir, out) = fetch(
        &home.url("/api"),
        &[
            "--allow-host",
            &home.authority(),
            "--allow-host",
            &other.authority(),
            "--secret",
            "token=s3cr3t",
            "--secret-host",
            &format!("token={}", home.authority()),
        ],
    );
    out.assert_ok();
    assert_eq!(home.seen()[0].header("authorization"), Some("Token s3cr3t"));
    assert_eq!(other.seen().len(), 1);
    assert_eq!(other.seen()[0].header("authorization"), None, "the secret must not follow the redirect");
    assert!(!out.stdout.contains("s3cr3t") && !out.stderr.contains("s3cr3t"), "the secret is never printed");

    // Without binding it to that host, the secret's manifest hosts (example.org) do not include the server.
    let plain = Server::start(|_| Reply::ok("x"));
    let (_dir, out) = fetch(&plain.url("/"), &["--allow-host", &plain.authority(), "--secret", "token=s3cr3t"]);
    out.assert_ok();
    assert_eq!(plain.seen()[0].header("authorization"), None);
}

#[test]
fn oversized_body_is_cut_off_with_a_clear_error() {
    let server = Server::start(|_| Reply::ok(vec![b'x'; 3 << 20]));
    let (_dir, out) = fetch(&server.url("/big"), &["--allow-host", &server.authority(), "--max-body", "1"]);
    assert_eq!(out.code, 1);
    let error = error_of(&out);
    assert!(error.contains("TooLarge(1048576)"), "{error}");
}

#[test]
fn record_then_replay_serves_the_same_answers_offline() {
    let server = Server::start(|seen| Reply::ok(format!("answer to {}", seen.path)));
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("exchanges.jsonl");
    let (_d, out) =
        fetch(&server.url("/q?a=1"), &["--allow-host", &server.authority(), "--record", record.to_str().unwrap()]);
    out.assert_ok();
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(text.contains("answer to /q?a=1"), "{text}");
    let port = server.port();
    drop(server);
    let (_d, out) = fetch(
        &format!("http://127.0.0.1:{port}/q?a=1"),
        &["--allow-host", &format!("127.0.0.1:{port}"), "--replay", record.to_str().unwrap()],
    );
    out.assert_ok();
    assert!(out.stderr.contains("HTTP 200"), "{}", out.stderr);
    // A request that was not recorded is an error, not a network access.
    let (_d, out) = fetch(
        &format!("http://127.0.0.1:{port}/other"),
        &["--allow-host", &format!("127.0.0.1:{port}"), "--replay", record.to_str().unwrap()],
    );
    assert_eq!(out.code, 1);
    assert!(error_of(&out).contains("NotRecorded"), "{}", error_of(&out));
}
