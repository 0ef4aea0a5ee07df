//! Secrets lent with `--secret`: a response fetched with one is never served — from the HTTP cache, through a
//! revalidation, or from a record file — to a run without the same secret; and whatever a server echoes of a
//! secret (headers, body, redirect URLs, error messages) reaches neither the plugin nor anything on disk.

use std::path::Path;

use aigc_tests::http_server::{Reply, Server};
use aigc_tests::{Output, aigc, plugins};

const TOKEN: &str = "s3cr3t-token-1";

/// Runs the secret-probe crawler on `urls` with the flags in `extra`.
fn probe(ds: &Path, urls: &[String], extra: &[&str]) -> Output {
    let urls = format!("urls={}", urls.join(","));
    let mut args = vec![
        "run",
        plugins::SECRET_PROBE,
        "--dataset",
        ds.to_str().unwrap(),
        "--json",
        "--set",
        &urls,
        "--robots",
        "ignore",
        "--delay",
        "0",
    ];
    args.extend_from_slice(extra);
    let out = aigc(args);
    out.assert_ok();
    out
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

/// Every file under `dir`, with its bytes.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Run 1 holds the token and caches two protected answers (one fresh for an hour, one revalidated by ETag) and
/// records them; runs without the token, or with another value, must get neither, from the cache, through a
/// 304 of a careless server that confirms any matching ETag, or from the record file.
#[test]
fn authenticated_responses_are_not_served_to_runs_without_the_same_secret() {
    let server = Server::start(|seen| {
        let authorized = seen.header("authorization") == Some("Bearer s3cr3t-token-1");
        match seen.path.as_str() {
            "/fresh" if authorized => Reply::ok("PROTECTED-FRESH").with("cache-control", "max-age=3600"),
            // Confirms any matching ETag, whoever asks: only the cache's own rule keeps the body private.
            "/stale" if seen.header("if-none-match") == Some("\"v1\"") => Reply::status(304).with("etag", "\"v1\""),
            "/stale" if authorized => {
                Reply::ok("PROTECTED-STALE").with("etag", "\"v1\"").with("cache-control", "no-cache")
            }
            _ => Reply::status(401),
        }
    });
    // Another host, which the secret does not go to: its answer is public and shared through the cache.
    let public = Server::start(|_| Reply::ok("public body").with("cache-control", "max-age=3600"));
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let record = dir.path().join("exchanges.jsonl");
    let urls = vec![server.url("/fresh"), server.url("/stale"), public.url("/public")];
    let allow = format!("--allow-host={}", server.authority());
    let allow_public = format!("--allow-host={}", public.authority());
    let bind = format!("token={}", server.authority());
    let with = |value: &str| format!("token={value}");
    let right = with(TOKEN);
    let wrong = with("wrong-token-2");

    let out = probe(
        &ds,
        &urls,
        &[&allow, &allow_public, "--secret", &right, "--secret-host", &bind, "--record", record.to_str().unwrap()],
    );
    assert!(
        out.stderr.contains("body PROTECTED-FRESH") && out.stderr.contains("body PROTECTED-STALE"),
        "{}",
        out.stderr
    );
    assert_eq!((server.seen().len(), public.seen().len()), (2, 1));

    // No secret: both protected URLs are asked again (without the stored ETag) and answered 401; the public
    // answer comes from the cache, so the cache is on and shared where it may be.
    let out = probe(&ds, &urls, &[&allow, &allow_public]);
    assert!(!out.stderr.contains("PROTECTED"), "a run without the secret got the protected body:\n{}", out.stderr);
    assert_eq!(count(&out.stderr, "HTTP 401"), 2, "{}", out.stderr);
    assert!(out.stderr.contains("body public body"), "{}", out.stderr);
    let seen = server.seen();
    assert_eq!((seen.len(), public.seen().len()), (4, 1), "{seen:?}");
    assert!(
        seen[2..].iter().all(|s| s.header("if-none-match").is_none() && s.header("authorization").is_none()),
        "{seen:?}"
    );

    // Another value of the same secret is another credential.
    let out = probe(&ds, &urls, &[&allow, &allow_public, "--secret", &wrong, "--secret-host", &bind]);
    assert!(!out.stderr.contains("PROTECTED"), "a run with another value got the protected body:\n{}", out.stderr);
    assert_eq!(count(&out.stderr, "HTTP 401"), 2, "{}", out.stderr);
    assert_eq!(server.seen().len(), 6);

    // The right secret again: the fresh answer from the cache, the other revalidated (304) and served.
    let out = probe(&ds, &urls, &[&allow, &allow_public, "--secret", &right, "--secret-host", &bind]);
    assert!(
        out.stderr.contains("body PROTECTED-FRESH") && out.stderr.contains("body PROTECTED-STALE"),
        "{}",
        out.stderr
    );
    let seen = server.seen();
    assert_eq!((seen.len(), public.seen().len()), (7, 1), "only /stale is asked again: {seen:?}");
    assert_eq!((seen[6].path.as_str(), seen[6].header("if-none-match")), ("/stale", Some("\"v1\"")));

    // The record file: the protected exchanges are marked, and replayed only with the same secret.
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(text.contains("secret:token") && !text.contains(TOKEN), "{text}");
    let replay = ["--replay", record.to_str().unwrap()];
    for extra in [vec![], vec!["--secret", wrong.as_str()]] {
        let flags: Vec<&str> = [&[allow.as_str(), allow_public.as_str()][..], &replay[..], &extra[..]].concat();
        let out = probe(&dir.path().join("replayed"), &urls, &flags);
        assert!(
            !out.stderr.contains("PROTECTED"),
            "a replay without the secret got the protected body:\n{}",
            out.stderr
        );
        assert_eq!(count(&out.stderr, "recorded with credentials (secret:token)"), 2, "{}", out.stderr);
        assert!(out.stderr.contains("body public body"), "{}", out.stderr);
    }
    let flags: Vec<&str> =
        [&[allow.as_str(), allow_public.as_str(), "--secret", right.as_str()][..], &replay[..]].concat();
    let out = probe(&dir.path().join("replayed-with"), &urls, &flags);
    assert!(
        out.stderr.contains("body PROTECTED-FRESH") && out.stderr.contains("body PROTECTED-STALE"),
        "{}",
        out.stderr
    );
    assert_eq!((server.seen().len(), public.seen().len()), (7, 1), "replays reach no server");
}

/// A secret's own host echoes it back in every way it can: a response header, the body (raw, percent-encoded,
/// JSON-escaped, base64), a redirect to a URL carrying it (the final URL) and a redirect to an address the run
/// may not reach (the error message), and for Basic credentials the decoded `user:password`. The plugin sees
/// `[redacted]` in each place, and neither the terminal, the record file nor the dataset (its cache included)
/// holds a byte of the secret.
#[test]
fn secret_echoes_are_redacted_from_what_the_plugin_sees_and_from_records() {
    const VALUE: &str = "s3cr3t/echo+value=";
    const VALUE_BASE64: &str = "czNjcjN0L2VjaG8rdmFsdWU9";
    const BASIC: &str = "YWxpY2U6cGE1NXdvcmQteHl6"; // alice:pa55word-xyz
    let echo = Server::start(|seen| {
        let auth = seen.header("authorization").unwrap_or_default().to_string();
        let bare = auth.strip_prefix("Bearer ").unwrap_or_default().to_string();
        let percent = bare.replace('/', "%2F").replace('+', "%2B").replace('=', "%3D");
        match seen.path.as_str() {
            "/echo" => Reply::ok(format!(
                "authorization={auth}; urlencoded={percent}; json={{\"authorization\":\"{}\"}}; base64={}",
                auth.replace('/', "\\/"),
                if bare == VALUE { VALUE_BASE64 } else { "" }
            ))
            .with("x-echo-authorization", &auth)
            .with("cache-control", "max-age=3600"),
            "/to-landing" => Reply::redirect(&format!("/landing?token={percent}")),
            "/to-elsewhere" => Reply::redirect(&format!("http://10.0.0.1/?token={bare}")),
            _ => Reply::ok("landed"),
        }
    });
    let basic = Server::start(|seen| {
        if seen.header("authorization") == Some("Basic YWxpY2U6cGE1NXdvcmQteHl6") {
            Reply::ok("welcome alice:pa55word-xyz (password pa55word-xyz)")
        } else {
            Reply::status(401)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let record = dir.path().join("exchanges.jsonl");
    let mut urls: Vec<String> = ["/echo", "/to-landing", "/to-elsewhere"].iter().map(|p| echo.url(p)).collect();
    urls.push(basic.url("/me"));
    let (token, token_host) = (format!("token={VALUE}"), format!("token={}", echo.authority()));
    let (basic_secret, basic_host) = (format!("basic={BASIC}"), format!("basic={}", basic.authority()));
    let out = probe(
        &ds,
        &urls,
        &[
            "--allow-host",
            &echo.authority(),
            "--allow-host",
            &basic.authority(),
            "--secret",
            &token,
            "--secret-host",
            &token_host,
            "--secret",
            &basic_secret,
            "--secret-host",
            &basic_host,
            "--record",
            record.to_str().unwrap(),
        ],
    );
    // The servers did get the secrets (so the echoes below are real).
    assert_eq!(echo.seen()[0].header("authorization"), Some("Bearer s3cr3t/echo+value="));
    assert!(out.stderr.contains("welcome"), "{}", out.stderr);

    let stderr = &out.stderr;
    for secret in ["s3cr3t", VALUE_BASE64, BASIC, "pa55word"] {
        assert!(!stderr.contains(secret), "`{secret}` reached the plugin or the terminal:\n{stderr}");
    }
    assert!(stderr.contains("header x-echo-authorization: [redacted]"), "{stderr}");
    assert!(stderr.contains("body authorization=[redacted]; urlencoded=[redacted]; json={\"authorization\":\"[redacted]\"}; base64=[redacted]"), "{stderr}");
    assert!(stderr.contains(&format!("from {}?token=[redacted]", echo.url("/landing"))), "{stderr}");
    assert!(stderr.contains("error ") && stderr.contains("10.0.0.1/?token=[redacted]"), "{stderr}");
    assert!(stderr.contains("body welcome [redacted] (password [redacted])"), "{stderr}");

    let recorded = std::fs::read(&record).unwrap();
    assert!(contains(&recorded, "[redacted]"), "the record file holds the echoes, redacted");
    let files = files_under(&ds);
    assert!(
        files
            .iter()
            .any(|(p, _)| p.to_string_lossy().contains("http-cache") && p.extension().is_some_and(|e| e == "body")),
        "the echo was cached, so the cache is checked for real: {:?}",
        files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (path, bytes) in files.iter().chain([(record.clone(), recorded.clone())].iter()) {
        for secret in ["s3cr3t", VALUE_BASE64, BASIC, "pa55word"] {
            assert!(!contains(bytes, secret), "`{}` holds `{secret}`", path.display());
        }
    }
}

/// A secret of a few characters cannot be redacted without cutting ordinary text: refused before anything runs.
#[test]
fn secrets_too_short_to_redact_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = aigc(["run", plugins::SECRET_PROBE, "--dataset", ds.to_str().unwrap(), "--secret", "token=abc"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("at least 6"), "{}", out.stderr);
    assert!(!ds.exists(), "nothing ran");
}
