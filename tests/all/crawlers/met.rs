//! The `met` crawler (The Met Collection API) end to end: offline from its replay, against a loopback server that
//! follows the real API, with other settings, resumed with a larger `per_style`, and killed mid-crawl then resumed.
//! The fixtures are `examples/met/` (made by its `make_fixtures.py`; `expected.json` says what a crawl stores).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use aigc_tests::fixture_server::{FixtureServer, ServerOptions};
use aigc_tests::{aigc, command, plugins, root};

fn example(name: &str) -> PathBuf {
    root().join("examples/met").join(name)
}

fn fixtures() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(example("expected.json")).unwrap()).unwrap()
}

/// `met:{objectID}` → (style, artist) of every object a default crawl stores.
fn expected() -> BTreeMap<String, (String, Option<String>)> {
    let json = fixtures();
    json["items"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(key, item)| {
            let style = item["style"].as_str().unwrap().to_string();
            (key.clone(), (style, item["artist"].as_str().map(String::from)))
        })
        .collect()
}

/// The ids of one outcome list (`stored`, `classification`, ...) of one style.
fn ids(style: &str, list: &str) -> Vec<u64> {
    fixtures()["styles"][style][list].as_array().unwrap().iter().map(|id| id.as_u64().unwrap()).collect()
}

/// `dataset ls --json` as source key → item.
fn listing(ds: &Path) -> BTreeMap<String, serde_json::Value> {
    let ls = aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]);
    ls.assert_ok();
    ls.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| (item["source_key"].as_str().unwrap().to_string(), item.clone()))
        .collect()
}

fn categories(listing: &BTreeMap<String, serde_json::Value>) -> BTreeMap<String, String> {
    listing.iter().map(|(key, item)| (key.clone(), item["category"].as_str().unwrap_or("").to_string())).collect()
}

fn run(ds: &Path, extra: &[&str]) -> aigc_tests::Output {
    let mut args = vec!["run", plugins::MET, "--dataset", ds.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("--json");
    aigc(args)
}

/// `--set base_url=...`, `--allow-host 127.0.0.1:PORT` and no politeness delay, for a loopback server.
fn loopback(server: &FixtureServer) -> Vec<String> {
    [
        "--set".into(),
        format!("base_url={}", server.base_url()),
        "--allow-host".into(),
        format!("127.0.0.1:{}", server.port()),
    ]
    .into_iter()
    .chain(["--delay".into(), "0".into()])
    .collect()
}

#[test]
fn replay_stores_the_public_domain_paintings_of_every_style_with_licence_and_artist() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let replay = example("replay");
    let out = run(&ds, &["--replay", replay.to_str().unwrap()]);
    out.assert_ok();
    let want = expected();
    assert_eq!(out.json()["items_added"].as_u64().unwrap() as usize, want.len());
    let items = listing(&ds);
    let got: BTreeMap<String, String> = categories(&items);
    let want_styles: BTreeMap<String, String> = want.iter().map(|(k, (style, _))| (k.clone(), style.clone())).collect();
    assert_eq!(got, want_styles, "exactly the public-domain paintings with an image, each under its first style");
    let styles: BTreeSet<&str> = got.values().map(String::as_str).collect();
    assert_eq!(styles, ["baroque", "impressionism", "ink-wash", "ukiyo-e"].into());
    for (key, item) in &items {
        assert_eq!(item["licence"], "CC0-1.0", "{item}");
        assert_eq!(item["author"].as_str().map(String::from), want[key].1, "the artist is the author: {item}");
        let id = key.strip_prefix("met:").unwrap();
        assert_eq!(item["source"], format!("https://www.metmuseum.org/art/collection/search/{id}"));
        assert_eq!(item["files"], serde_json::json!(["image.jpg"]));
        assert!(item["title"].as_str().is_some_and(|t| !t.is_empty()), "{item}");
    }
    assert!(want.values().any(|(_, artist)| artist.is_none()), "the fixtures hold an anonymous work");
    // What is skipped, and why (the log names the failures).
    for skipped in ["not_public_domain", "classification", "no_image", "object_404", "image_404"] {
        let all: Vec<u64> =
            ["impressionism", "ukiyo-e", "baroque", "ink-wash"].iter().flat_map(|s| ids(s, skipped)).collect();
        assert!(!all.is_empty(), "the fixtures exercise {skipped}");
        for id in all {
            assert!(!items.contains_key(&format!("met:{id}")), "{skipped}: {id} is not stored");
        }
    }
    let shared = ids("ink-wash", "elsewhere");
    assert_eq!(shared.len(), 1);
    assert_eq!(items[&format!("met:{}", shared[0])]["category"], "ukiyo-e", "the first style keeps a shared object");
    assert!(out.stderr.contains("HTTP 404"), "a missing object or image is a warning: {}", out.stderr);

    // Running it again adds nothing and asks for nothing: every style is marked done.
    let again = run(&ds, &["--replay", replay.to_str().unwrap()]);
    again.assert_ok();
    assert_eq!(again.json()["items_added"], 0);
    assert_eq!(again.json()["requests"], 0);
}

#[test]
fn crawls_a_loopback_server_that_follows_the_real_api() {
    let server = FixtureServer::start(&example("replay"), ServerOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let args = loopback(&server);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&ds, &args).assert_ok();
    let want: BTreeMap<String, String> = expected().into_iter().map(|(k, (style, _))| (k, style)).collect();
    assert_eq!(categories(&listing(&ds)), want);

    let requests = server.requests();
    assert!(
        requests.contains(&"/public/collection/v1/search?hasImages=true&q=ink%20landscape".to_string()),
        "{requests:?}"
    );
    // Every object record is asked for once at most; the shared one only by the first style; none of an object
    // already stored.
    let records: Vec<&String> = requests.iter().filter(|r| r.starts_with("/public/collection/v1/objects/")).collect();
    let unique: BTreeSet<&String> = records.iter().copied().collect();
    assert_eq!(records.len(), unique.len(), "{records:?}");
    // Images only of objects that passed every check: no image of a print, a drawing or a copyrighted work.
    let images = requests.iter().filter(|r| r.starts_with("/CRDImages/")).count();
    let stored = expected().len();
    assert_eq!(images, stored + ids("impressionism", "image_404").len(), "{requests:?}");
    // primaryImageSmall (web-large), except for the object that has only primaryImage (the fallback).
    let originals = requests.iter().filter(|r| r.starts_with("/CRDImages/") && r.contains("/original/")).count();
    assert_eq!(originals, ids("baroque", "small_image_missing").len(), "{requests:?}");

    // A second run adds nothing; it asks for nothing but, perhaps, robots.txt.
    let before = server.requests().len();
    let again = run(&ds, &args);
    again.assert_ok();
    assert_eq!(again.json()["items_added"], 0);
    assert!(server.requests()[before..].iter().all(|r| r == "/robots.txt"), "{:?}", &server.requests()[before..]);
}

#[test]
fn large_images_any_classification_and_an_empty_search() {
    let server = FixtureServer::start(&example("replay"), ServerOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let mut args = loopback(&server);
    args.extend(
        [
            "--set",
            "image_size=large",
            "--set",
            "classification=",
            "--set",
            "styles=nothing=xyzzy,ukiyo-e,impressionism",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&ds, &args);
    out.assert_ok();
    // Prints and drawings are kept too now; the empty search (`"objectIDs": null`) just ends its style.
    let mut want: BTreeMap<String, String> = expected()
        .into_iter()
        .filter(|(_, (style, _))| style != "baroque" && style != "ink-wash")
        .map(|(k, (s, _))| (k, s))
        .collect();
    for style in ["ukiyo-e", "impressionism"] {
        for id in ids(style, "classification") {
            want.insert(format!("met:{id}"), style.to_string());
        }
    }
    assert_eq!(categories(&listing(&ds)), want);
    let images: Vec<String> = server.requests().into_iter().filter(|r| r.starts_with("/CRDImages/")).collect();
    assert!(!images.is_empty() && images.iter().all(|r| r.contains("/original/")), "primaryImage: {images:?}");
    assert!(server.requests().iter().any(|r| r.ends_with("q=xyzzy")));

    // Settings the plugin cannot use are refused before anything is fetched.
    for bad in ["image_size=huge", "styles=Not A Style", "per_style=many"] {
        let out = run(&dir.path().join("bad"), &["--replay", example("replay").to_str().unwrap(), "--set", bad]);
        assert_ne!(out.code, 0, "{bad}: {}", out.stdout);
    }
}

/// Resuming with a larger target, and what "the first style that stores an object keeps it" means when a target
/// stops a style before it reaches a shared object: the shared one (11th id of ukiyo-e, 1st of ink-wash) is not
/// reached by ukiyo-e's first 3, so ink-wash stores it, and keeps it after the full run.
#[test]
fn a_larger_per_style_goes_on_where_the_smaller_one_stopped() {
    let server = FixtureServer::start(&example("replay"), ServerOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let shared = format!("met:{}", ids("ink-wash", "elsewhere")[0]);
    let mut small = loopback(&server);
    small.extend(["--set".to_string(), "per_style=3".to_string()]);
    let small: Vec<&str> = small.iter().map(String::as_str).collect();
    let out = run(&ds, &small);
    out.assert_ok();
    assert_eq!(out.json()["items_added"], 12);
    let got = categories(&listing(&ds));
    for style in ["impressionism", "ukiyo-e", "baroque", "ink-wash"] {
        let mut want: Vec<String> = ids(style, "stored").iter().map(|id| format!("met:{id}")).collect();
        if style == "ink-wash" {
            want.insert(0, shared.clone()); // its first id, stored by no earlier style this time
        }
        let got: BTreeSet<&String> = got.iter().filter(|(_, s)| *s == style).map(|(k, _)| k).collect();
        assert_eq!(got, want[..3].iter().collect(), "{style}: the first 3 it can store, in the search's order");
    }
    let full = loopback(&server);
    let full: Vec<&str> = full.iter().map(String::as_str).collect();
    run(&ds, &full).assert_ok();
    let mut want: BTreeMap<String, String> = expected().into_iter().map(|(k, (style, _))| (k, style)).collect();
    want.insert(shared, "ink-wash".into());
    assert_eq!(categories(&listing(&ds)), want);
    // The second run went on at the saved index: no object record was fetched twice over both runs.
    let records: Vec<String> =
        server.requests().into_iter().filter(|r| r.starts_with("/public/collection/v1/objects/")).collect();
    let unique: BTreeSet<&String> = records.iter().collect();
    assert_eq!(records.len(), unique.len(), "{records:?}");
}

#[test]
fn killed_crawls_resume_to_the_same_dataset() {
    let slow = ServerOptions { delay: Duration::from_millis(25), ..ServerOptions::default() };
    let server = FixtureServer::start(&example("replay"), slow).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let args = |ds: &Path| -> Vec<String> {
        let mut args: Vec<String> =
            ["run", plugins::MET, "--dataset", ds.to_str().unwrap(), "--json"].map(String::from).to_vec();
        args.extend(loopback(&server));
        args
    };
    let reference = dir.path().join("reference");
    aigc(args(&reference)).assert_ok();
    let want = listing(&reference);
    assert_eq!(want.len(), expected().len());

    let ds = dir.path().join("killed");
    let total = want.len() as u64;
    let mut interrupted_mid_way = Vec::new();
    for wait_ms in [300u64, 600, 900, 1200, 1500, 1800] {
        let mut child = command(args(&ds)).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(wait_ms));
        let alive = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
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
    assert!(
        interrupted_mid_way.len() >= 2,
        "the crawl must really be interrupted mid-way; items after each such kill: {interrupted_mid_way:?} of {total}"
    );
    aigc(args(&ds)).assert_ok();
    let got = listing(&ds);
    assert_eq!(categories(&got), categories(&want), "same items under the same styles, none lost or doubled");
    let ids_and_files = |ls: &BTreeMap<String, serde_json::Value>| -> BTreeSet<String> {
        ls.values().map(|item| format!("{} {}", item["id"], item["files"])).collect()
    };
    assert_eq!(ids_and_files(&got), ids_and_files(&want));
}
