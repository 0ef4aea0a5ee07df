//! The Smithsonian 3D crawler end to end: offline from its replay (examples/smithsonian, made by
//! make_fixtures.py) and against a loopback server that answers like the 3D API's file search.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use aigc_host::store::{Dataset, item_id};
use aigc_tests::crawler_harness::{self as harness, categories, listing, loopback, serve};
use aigc_tests::{Output, plugins};
use serde_json::Value;

fn example(name: &str) -> PathBuf {
    harness::example("smithsonian", name)
}

fn expected() -> Value {
    harness::expected_json("smithsonian")
}

/// `smithsonian:{package}` → category, for the packages of `expected.json` under `section`.
fn keys(section: &str) -> BTreeMap<String, String> {
    expected()[section]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, info)| (format!("smithsonian:{id}"), info["category"].as_str().unwrap().to_string()))
        .collect()
}

/// Stored items as source key → category.
fn stored(ds: &Path) -> BTreeMap<String, String> {
    categories(&listing(ds))
}

/// `aigc-host run smithsonian --dataset DS --replay examples/smithsonian/replay --delay 0 ARGS... --json`
fn replay_run(ds: &Path, args: &[&str]) -> Output {
    let replay = example("replay");
    let mut all = vec!["--replay", replay.to_str().unwrap(), "--delay", "0"];
    all.extend(args);
    harness::run(plugins::SMITHSONIAN, ds, &all)
}

#[test]
fn replay_stores_each_cc0_package_once_with_its_best_glb() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = replay_run(&ds, &[]);
    out.assert_ok();
    let want = keys("stored");
    assert_eq!(out.json()["items_added"].as_u64().unwrap() as usize, want.len());
    assert_eq!(stored(&ds), want, "exactly the packages the fixtures define, each once, in its first category");
    let categories: BTreeSet<&str> = want.values().map(String::as_str).collect();
    assert_eq!(categories, ["animals", "antiques", "plants"].into());
    for (why, needle) in [
        ("glb_404", "HTTP 404"),
        ("off_origin", "refusing the file"),
        ("usage_conditions", "Usage conditions apply"),
        ("thumbnail_404", "without its image"),
    ] {
        assert!(out.stderr.contains(needle), "the {why} package is reported ({needle}):\n{}", out.stderr);
    }

    // Provenance, files and metadata, read from the dataset itself.
    let expected = expected();
    let dataset = Dataset::open(&ds).unwrap();
    for (id, info) in expected["stored"].as_object().unwrap() {
        let item = dataset.get(&item_id(&format!("smithsonian:{id}"))).unwrap().expect("stored");
        let p = &item.provenance;
        assert_eq!(p.licence.as_deref(), Some("CC0-1.0"), "{id}");
        assert_eq!(p.licence_url.as_deref(), Some("https://creativecommons.org/publicdomain/zero/1.0/"));
        assert_eq!(p.author.as_deref(), Some("Smithsonian Institution"));
        assert_eq!(p.source_url, format!("https://3d-api.si.edu/voyager/3d_package:{id}"));
        assert_eq!(item.title.as_deref(), info["title"].as_str());
        let files: BTreeMap<&str, (&str, &str)> =
            item.files.iter().map(|f| (f.name.as_str(), (f.media_type.as_str(), f.sha256.as_str()))).collect();
        let model = files.get("model.glb").expect("model.glb");
        assert_eq!(*model, ("model/gltf-binary", info["model_sha256"].as_str().unwrap()), "{id}: the chosen GLB");
        match info["thumbnail"].as_object() {
            Some(thumb) => {
                assert_eq!(files.get("thumbnail.jpg").map(|f| f.1), thumb["sha256"].as_str(), "{id}");
                assert_eq!(files.len(), 2);
            }
            None => assert_eq!(files.len(), 1, "{id}: no scene image, or it failed: {files:?}"),
        }
        let metadata: Value = serde_json::from_str(&item.metadata).unwrap();
        assert_eq!(metadata["model"]["content"]["uri"], info["model_uri"], "{id}");
        assert_eq!(metadata["licence_assumed"], true);
        assert_eq!(metadata["package"], format!("3d_package:{id}"));
    }
    // The package cut in two by the first page boundary: its Medium GLB is on page 1, the preferred
    // Low_resolution one on page 2, and the crawler waits for page 2 to decide.
    let straddler = expected["straddling_package"].as_str().unwrap();
    let uri = expected["stored"][straddler]["model_uri"].as_str().unwrap();
    assert!(uri.ends_with("-150k-4096.glb"), "{uri}");

    // Running it again adds nothing and asks for nothing: every search is marked done.
    let again = replay_run(&ds, &[]);
    again.assert_ok();
    assert_eq!(again.json()["items_added"], 0);
    assert_eq!(again.json()["requests"], 0);
}

#[test]
fn crawls_a_loopback_server_page_by_page() {
    let server = serve(&example("replay"));
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = harness::run(plugins::SMITHSONIAN, &ds, &loopback(&server));
    out.assert_ok();
    assert_eq!(stored(&ds), keys("stored"));
    let requests = server.requests();
    for page in ["q=mammal&start=0&rows=50", "q=mammal&start=50&rows=50", "q=mammal&start=100&rows=50"] {
        let url = format!("/api/v1.0/content/file/search?{page}");
        assert!(requests.contains(&url), "pages through start/rows: {url} in {requests:?}");
    }
    assert!(!requests.iter().any(|r| r.contains("start=150")), "stops at rowCount: {requests:?}");
    for request in &requests {
        assert!(
            request.starts_with("/api/v1.0/content/file/search?")
                || request.starts_with("/content/document/3d_package:")
                || request == "/robots.txt",
            "{request}"
        );
    }
    // Each package's files are fetched once, even for packages found by several searches.
    let files: Vec<&String> = requests.iter().filter(|r| r.starts_with("/content/")).collect();
    let unique: BTreeSet<&&String> = files.iter().collect();
    assert_eq!(files.len(), unique.len(), "no file fetched twice");
}

#[test]
fn licence_filter_any_keeps_packages_that_state_another_licence() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    replay_run(&ds, &["--set", "licence_filter=any"]).assert_ok();
    let mut want = keys("stored");
    want.extend(keys("stored_with_licence_filter_any"));
    assert_eq!(stored(&ds), want);
    let items = listing(&ds);
    let licences: BTreeMap<&str, usize> = items.values().fold(BTreeMap::new(), |mut m, i| {
        *m.entry(i["licence"].as_str().unwrap_or("none")).or_default() += 1;
        m
    });
    assert_eq!(licences, [("CC0-1.0", want.len() - 1), ("Usage conditions apply", 1)].into());
}

#[test]
fn a_smaller_target_stops_early_and_a_later_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    replay_run(&ds, &["--set", "per_category=10"]).assert_ok();
    let first = stored(&ds);
    for category in ["animals", "plants", "antiques"] {
        assert_eq!(first.values().filter(|c| *c == category).count(), 10, "{category}: {first:?}");
    }
    replay_run(&ds, &[]).assert_ok();
    assert_eq!(stored(&ds), keys("stored"), "the rest, resumed from the saved pages, nothing twice");
}

#[test]
fn a_category_the_collection_cannot_serve_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let out = replay_run(&ds, &["--set", "categories=animals,anime-characters"]);
    assert_eq!(out.code, 1, "{out:?}");
    let error = out.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("query.anime-characters"), "{error}");
    assert_eq!(out.json()["requests"], 0, "refused before any request");
}
