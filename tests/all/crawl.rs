//! The Sketchfab crawler end to end: offline from its replay, against a loopback server that follows the real
//! API's shapes, with a token for archives, and killed with SIGKILL mid-crawl then resumed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aigc_tests::fixture_server::{FixtureServer, ServerOptions};
use aigc_tests::{aigc, command, plugins, root};

fn replay(name: &str) -> PathBuf {
    root().join("examples/sketchfab").join(name)
}

/// `sketchfab:{uid}` of every model the fixtures say the crawl stores, with the category of each.
fn expected() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(replay("expected.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = BTreeSet::new();
    for (category, info) in json.as_object().unwrap() {
        for uid in info["stored"].as_array().unwrap() {
            out.insert((format!("sketchfab:{}", uid.as_str().unwrap()), category.clone()));
        }
    }
    out
}

/// The stored items as (source key, category), plus each item's file names and licence, from `dataset ls`.
fn stored(ds: &Path) -> (BTreeSet<(String, String)>, serde_json::Value) {
    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]);
    ls.assert_ok();
    let json = ls.json();
    let keys = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["source_key"].as_str().unwrap().to_string(), i["category"].as_str().unwrap_or("").to_string()))
        .collect();
    (keys, json)
}

#[test]
fn replay_crawls_all_five_categories_offline_with_licences() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = aigc([
        "run",
        plugins::SKETCHFAB,
        "--dataset",
        ds.to_str().unwrap(),
        "--replay",
        replay("replay").to_str().unwrap(),
        "--json",
    ]);
    out.assert_ok();
    let summary = out.json();
    let want = expected();
    assert_eq!(summary["items_added"].as_u64().unwrap() as usize, want.len());
    let (keys, ls) = stored(&ds);
    assert_eq!(keys, want, "exactly the models the fixtures define, NoAI ones excluded");
    let categories: BTreeSet<&str> = keys.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(categories, ["animals", "anime-characters", "antiques", "game-characters", "plants"].into());
    for item in ls["items"].as_array().unwrap() {
        assert!(item["licence"].as_str().is_some_and(|l| !l.is_empty()), "every item has a licence: {item}");
        assert!(item["author"].as_str().is_some_and(|a| !a.is_empty()), "and an author: {item}");
        assert!(item["source"].as_str().unwrap().starts_with("https://sketchfab.com/3d-models/"));
        assert!(item["files"].as_array().unwrap().iter().any(|f| f == "thumbnail.jpeg"));
    }
    // Running it again adds nothing: the crawl state says every category is done.
    let again = aigc([
        "run",
        plugins::SKETCHFAB,
        "--dataset",
        ds.to_str().unwrap(),
        "--replay",
        replay("replay").to_str().unwrap(),
        "--json",
    ]);
    again.assert_ok();
    assert_eq!(again.json()["items_added"], 0);
}

#[test]
fn crawls_a_loopback_server_that_follows_the_real_api() {
    let server = FixtureServer::start(&replay("replay"), ServerOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let base = format!("base_url={}", server.base_url());
    let grant = format!("127.0.0.1:{}", server.port());
    let out = aigc([
        "run",
        plugins::SKETCHFAB,
        "--dataset",
        ds.to_str().unwrap(),
        "--set",
        &base,
        "--allow-host",
        &grant,
        "--delay",
        "0",
        "--json",
    ]);
    out.assert_ok();
    let (keys, _) = stored(&ds);
    assert_eq!(keys, expected());
    let requests = server.requests();
    assert!(
        requests.iter().any(|r| r.starts_with("/v3/search?") && r.contains("categories=animals-pets")),
        "{requests:?}"
    );
    assert!(requests.iter().any(|r| r.contains("cursor=")), "follows `next` to later pages: {requests:?}");
}

#[test]
fn archives_are_downloaded_only_with_the_token() {
    let token = "test-token-123";
    let options = ServerOptions {
        require_header: Some(("Authorization".into(), format!("Token {token}"))),
        ..ServerOptions::default()
    };
    let server = FixtureServer::start(&replay("replay-with-token"), options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let base = format!("base_url={}", server.base_url());
    let grant = format!("127.0.0.1:{}", server.port());
    let secret = format!("sketchfab={token}");
    let bind = format!("sketchfab={grant}");
    let out = aigc([
        "run",
        plugins::SKETCHFAB,
        "--dataset",
        ds.to_str().unwrap(),
        "--set",
        &base,
        "--allow-host",
        &grant,
        "--secret",
        &secret,
        "--secret-host",
        &bind,
        "--delay",
        "0",
        "--json",
    ]);
    out.assert_ok();
    let (_, ls) = stored(&ds);
    let with_model = ls["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["files"].as_array().unwrap().iter().any(|f| f == "model.glb" || f == "model.zip"))
        .count();
    assert!(with_model > 0, "archives were downloaded: {ls}");
    assert!(!out.stdout.contains(token) && !out.stderr.contains(token), "the token is never printed");
    // The download endpoint got the token. (This server answers for every origin on one port, so that the
    // token stays off other hosts is shown by `http::secrets_go_only_to_their_own_hosts`.)
    let downloads: Vec<_> = server
        .requests()
        .into_iter()
        .zip(server.request_headers())
        .filter(|(request, _)| request.ends_with("/download"))
        .collect();
    assert!(!downloads.is_empty());
    for (request, headers) in downloads {
        let has_token =
            headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("authorization") && v == &format!("Token {token}"));
        assert!(has_token, "{request} carries the token");
    }
}

#[test]
fn killed_crawls_resume_to_the_same_dataset() {
    // The reference: one uninterrupted crawl.
    let slow = ServerOptions { delay: Duration::from_millis(25), ..ServerOptions::default() };
    let server = FixtureServer::start(&replay("replay"), slow).unwrap();
    let base = format!("base_url={}", server.base_url());
    let grant = format!("127.0.0.1:{}", server.port());
    let dir = tempfile::tempdir().unwrap();
    let args = |ds: &Path| -> Vec<String> {
        ["run", plugins::SKETCHFAB, "--dataset", ds.to_str().unwrap(), "--set", &base, "--allow-host", &grant, "--delay", "0", "--json"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let reference = dir.path().join("reference");
    aigc(args(&reference)).assert_ok();
    let (want, want_ls) = stored(&reference);

    // The same crawl, killed with SIGKILL at several points, then run to the end.
    let ds = dir.path().join("killed");
    let total = want.len() as u64;
    let mut interrupted_mid_way = Vec::new();
    for wait_ms in [300u64, 500, 700, 900, 1100, 1300] {
        let mut child = command(args(&ds)).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(wait_ms));
        let alive = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        // Whatever was acknowledged is readable after every kill.
        let items = if ds.join("manifest.sqlite").exists() {
            let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]);
            stats.assert_ok();
            stats.json()["items"].as_u64().unwrap()
        } else {
            0
        };
        if alive && items > 0 && items < total {
            interrupted_mid_way.push(items);
        }
    }
    assert!(interrupted_mid_way.len() >= 2, "the crawl must really be interrupted mid-way; items after each such kill: {interrupted_mid_way:?} of {total}");
    let last = aigc(args(&ds));
    last.assert_ok();
    let (got, got_ls) = stored(&ds);
    assert_eq!(got, want, "same items, no duplicates, none lost");
    // Byte-identical files too: compare the file lists and, through the ids, that nothing was stored twice.
    let files = |ls: &serde_json::Value| -> BTreeSet<String> {
        ls["items"].as_array().unwrap().iter().map(|i| format!("{} {}", i["id"], i["files"])).collect()
    };
    assert_eq!(files(&got_ls), files(&want_ls));
}
