//! The Sketchfab crawler end to end: offline from its replay, against a loopback server that follows the real
//! API's shapes, with a token for archives, and killed with SIGKILL mid-crawl then resumed.

use std::collections::BTreeSet;
use std::path::PathBuf;

use aigc_tests::crawler_harness::{
    example, expected_json, ids_and_files, keys_and_categories, listing, loopback, reference_and_resumed, run, serve,
    serve_slowly,
};
use aigc_tests::fixture_server::{FixtureServer, ServerOptions};
use aigc_tests::plugins;

fn replay(name: &str) -> PathBuf {
    example("sketchfab", name)
}

/// `sketchfab:{uid}` of every model the fixtures say the crawl stores, with the category of each.
fn expected() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (category, info) in expected_json("sketchfab").as_object().unwrap() {
        for uid in info["stored"].as_array().unwrap() {
            out.insert((format!("sketchfab:{}", uid.as_str().unwrap()), category.clone()));
        }
    }
    out
}

#[test]
fn replay_crawls_all_five_categories_offline_with_licences() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let replay = replay("replay");
    let offline = ["--replay", replay.to_str().unwrap()];
    let out = run(plugins::SKETCHFAB, &ds, &offline);
    out.assert_ok();
    let summary = out.json();
    let want = expected();
    assert_eq!(summary["items_added"].as_u64().unwrap() as usize, want.len());
    let ls = listing(&ds);
    let keys = keys_and_categories(&ls);
    assert_eq!(keys, want, "exactly the models the fixtures define, NoAI ones excluded");
    let categories: BTreeSet<&str> = keys.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(categories, ["animals", "anime-characters", "antiques", "game-characters", "plants"].into());
    for item in ls.values() {
        assert!(item["licence"].as_str().is_some_and(|l| !l.is_empty()), "every item has a licence: {item}");
        assert!(item["author"].as_str().is_some_and(|a| !a.is_empty()), "and an author: {item}");
        assert!(item["source"].as_str().unwrap().starts_with("https://sketchfab.com/3d-models/"));
        assert!(item["files"].as_array().unwrap().iter().any(|f| f == "thumbnail.jpeg"));
    }
    // Running it again adds nothing: the crawl state says every category is done.
    let again = run(plugins::SKETCHFAB, &ds, &offline);
    again.assert_ok();
    assert_eq!(again.json()["items_added"], 0);
}

#[test]
fn crawls_a_loopback_server_that_follows_the_real_api() {
    let server = serve(&replay("replay"));
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    run(plugins::SKETCHFAB, &ds, &loopback(&server)).assert_ok();
    assert_eq!(keys_and_categories(&listing(&ds)), expected());
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
    let secret = format!("sketchfab={token}");
    let bind = format!("sketchfab=127.0.0.1:{}", server.port());
    let mut args = loopback(&server);
    args.extend(["--secret".into(), secret, "--secret-host".into(), bind]);
    let out = run(plugins::SKETCHFAB, &ds, &args);
    out.assert_ok();
    let with_model = listing(&ds)
        .values()
        .filter(|i| i["files"].as_array().unwrap().iter().any(|f| f == "model.glb" || f == "model.zip"))
        .count();
    assert!(with_model > 0, "archives were downloaded: {:?}", listing(&ds));
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
    // The reference: one uninterrupted crawl; then the same crawl, killed with SIGKILL at several points, then run
    // to the end.
    let server = serve_slowly(&replay("replay"), 25);
    let (want_ls, got_ls) = reference_and_resumed(plugins::SKETCHFAB, &server, &[300, 500, 700, 900, 1100, 1300]);
    assert_eq!(keys_and_categories(&got_ls), keys_and_categories(&want_ls), "same items, no duplicates, none lost");
    // Byte-identical files too: compare the file lists and, through the ids, that nothing was stored twice.
    assert_eq!(ids_and_files(&got_ls), ids_and_files(&want_ls));
}
