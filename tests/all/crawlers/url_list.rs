//! The url-list crawler end to end: a hand-written list (tab-separated or CSV) fetched by URL, then every URL it
//! names, offline from examples/url-list/replay and against a loopback server; hosts the operator did not grant
//! are refused with a message that says how to grant them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aigc_host::store::{Dataset, item_id};
use aigc_tests::crawler_harness::{self as harness, listing, serve};
use aigc_tests::{Output, plugins};
use serde_json::Value;

fn example(name: &str) -> PathBuf {
    harness::example("url-list", name)
}

/// The `expected.json` entry of list `name` (`tsv` or `csv`).
fn expected(name: &str) -> Value {
    harness::expected_json("url-list")["lists"][name].clone()
}

/// `url:{url}` → (category, licence, author) of the items list `name` stores, with every origin replaced by
/// `origin` when given (a loopback server serves them all).
fn want(name: &str, origin: Option<&str>) -> BTreeMap<String, (String, Option<String>, Option<String>)> {
    let text = |v: &Value| v.as_str().map(String::from);
    expected(name)["stored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let url = e["url"].as_str().unwrap();
            let url = match origin {
                Some(origin) => rebase(url, origin),
                None => url.to_string(),
            };
            (format!("url:{url}"), (text(&e["category"]).unwrap(), text(&e["licence"]), text(&e["author"])))
        })
        .collect()
}

/// `url` with its `scheme://host` replaced by `origin`.
fn rebase(url: &str, origin: &str) -> String {
    let after_scheme = url.split_once("://").unwrap().1;
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    format!("{origin}{path}")
}

/// Stored items as source key → (category, licence, author).
fn stored(ds: &Path) -> BTreeMap<String, (String, Option<String>, Option<String>)> {
    let text = |v: &Value| v.as_str().map(String::from);
    listing(ds)
        .into_iter()
        .map(|(key, i)| (key, (text(&i["category"]).unwrap(), text(&i["licence"]), text(&i["author"]))))
        .collect()
}

/// Runs the plugin on the replay with `list_url` set to list `name`'s URL, granting `hosts`.
fn replay_run(ds: &Path, name: &str, hosts: &[&str], extra: &[&str]) -> Output {
    let replay = example("replay");
    let list = format!("list_url={}", expected(name)["url"].as_str().unwrap());
    let mut args = vec!["--set", &list, "--replay", replay.to_str().unwrap(), "--delay", "0"];
    for host in hosts {
        args.extend(["--allow-host", host]);
    }
    args.extend(extra);
    harness::run(plugins::URL_LIST, ds, &args)
}

fn hosts(name: &str) -> Vec<String> {
    expected(name)["hosts"].as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_string()).collect()
}

#[test]
fn replay_fetches_every_listed_url_with_its_licence() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let grants = hosts("tsv");
    let grants: Vec<&str> = grants.iter().map(String::as_str).collect();
    let out = replay_run(&ds, "tsv", &grants, &[]);
    out.assert_ok();
    let want = want("tsv", None);
    assert_eq!(out.json()["items_added"].as_u64().unwrap() as usize, want.len());
    assert_eq!(stored(&ds), want, "every usable line once, with the list's category, licence and author");
    assert!(want.values().any(|(_, licence, _)| licence.is_none()), "the fixture has an entry without a licence");
    for needle in ["no licence", "HTTP 404", "a web page", "listed already on line", "no category", "line 16"] {
        assert!(out.stderr.contains(needle), "reports `{needle}`:\n{}", out.stderr);
    }

    // Files: named by their type, with the bytes served.
    let dataset = Dataset::open(&ds).unwrap();
    for entry in expected("tsv")["stored"].as_array().unwrap() {
        let item = dataset.get(&item_id(&format!("url:{}", entry["url"].as_str().unwrap()))).unwrap().expect("stored");
        assert_eq!(item.files.len(), 1);
        let file = &item.files[0];
        assert_eq!(file.name, entry["file"].as_str().unwrap(), "{entry}");
        assert_eq!(file.media_type, entry["media_type"].as_str().unwrap(), "{entry}");
        assert_eq!(file.sha256, entry["sha256"].as_str().unwrap(), "{entry}");
        assert_eq!(item.provenance.source_url, entry["url"].as_str().unwrap());
        assert_eq!(item.provenance.licence_url.as_deref(), entry["licence_url"].as_str());
        assert_eq!(item.title.as_deref(), entry["title"].as_str());
    }

    // Running it again adds nothing: the list is read again, and stored URLs are not fetched.
    let again = replay_run(&ds, "tsv", &grants, &[]);
    again.assert_ok();
    assert_eq!(again.json()["items_added"], 0);
    let failed = expected("tsv")["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["why"] == "HTTP 404" || s["why"] == "a web page")
        .count();
    assert_eq!(again.json()["requests"].as_u64().unwrap() as usize, 1 + failed, "the list, and the failed URLs again");
}

#[test]
fn crawls_a_csv_list_from_a_loopback_server() {
    let server = serve(&example("replay"));
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let list_url = rebase(expected("csv")["url"].as_str().unwrap(), &server.base_url());
    let list = format!("list_url={list_url}");
    let grant = format!("127.0.0.1:{}", server.port());
    let args = ["--set", &list, "--set", "default_licence=cc-by-4.0", "--allow-host", &grant, "--delay", "0"];
    let out = harness::run(plugins::URL_LIST, &ds, &args);
    out.assert_ok();
    // The entry without a licence gets default_licence (as an SPDX id); the others keep their own.
    let want: BTreeMap<_, _> = want("csv", Some(&server.base_url()))
        .into_iter()
        .map(|(key, (category, licence, author))| {
            (key, (category, Some(licence.unwrap_or_else(|| "CC-BY-4.0".into())), author))
        })
        .collect();
    assert_eq!(stored(&ds), want);
    assert!(want.values().any(|(_, _, author)| author.as_deref() == Some("Doe, Jane")), "a quoted CSV field");
    let requests = server.requests();
    assert_eq!(requests.iter().filter(|r| r.as_str() == "/course/images.csv").count(), 1, "{requests:?}");
}

#[test]
fn a_list_on_a_host_not_granted_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    // Every host the list names is granted, but not the list's own.
    let out = replay_run(&ds, "tsv", &["storage.polycam.io", "models.example.org", "poly.cam"], &[]);
    assert_eq!(out.code, 1, "{out:?}");
    let error = out.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("fetching the list https://lists.example.org/course/3d-models.tsv"), "{error}");
    assert!(error.contains("not granted") && error.contains("--allow-host lists.example.org"), "{error}");
    assert_eq!(out.json()["items_added"], 0);
}

#[test]
fn entries_on_hosts_not_granted_are_skipped_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = replay_run(&ds, "csv", &["lists.example.org", "models.example.org"], &[]);
    out.assert_ok();
    let want: BTreeMap<_, _> =
        want("csv", None).into_iter().filter(|(key, _)| !key.contains("upload.wikimedia.org")).collect();
    assert!(!want.is_empty());
    assert_eq!(stored(&ds), want);
    assert!(out.stderr.contains("grant them with --allow-host upload.wikimedia.org"), "{}", out.stderr);
}

#[test]
fn list_url_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = harness::run::<&str>(plugins::URL_LIST, &ds, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    let error = out.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("`list_url` is required"), "{error}");
}
