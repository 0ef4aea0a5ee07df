//! The `met` crawler (The Met Collection API) end to end: offline from its replay, against a loopback server that
//! follows the real API, with other settings, resumed with a larger `per_style`, and killed mid-crawl then resumed.
//! The fixtures are `examples/met/` (made by its `make_fixtures.py`; `expected.json` says what a crawl stores).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use aigc_tests::crawler_harness::{
    self as harness, categories, ids_and_files, listing, loopback, reference_and_resumed, serve, serve_slowly,
};
use aigc_tests::plugins;

fn example(name: &str) -> PathBuf {
    harness::example("met", name)
}

/// `met:{objectID}` → (style, artist) of every object a default crawl stores.
fn expected() -> BTreeMap<String, (String, Option<String>)> {
    harness::expected_styles_and_artists("met")
}

/// The ids of one outcome list (`stored`, `no_image`, ...) of one style.
fn ids(style: &str, list: &str) -> Vec<u64> {
    harness::expected_ids("met", style, list)
}

fn run<S: AsRef<str>>(ds: &Path, extra: &[S]) -> aigc_tests::Output {
    harness::run(plugins::MET, ds, extra)
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
    let server = serve(&example("replay"));
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let args = loopback(&server);
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
    let server = serve(&example("replay"));
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
    let server = serve(&example("replay"));
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let shared = format!("met:{}", ids("ink-wash", "elsewhere")[0]);
    let mut small = loopback(&server);
    small.extend(["--set".to_string(), "per_style=3".to_string()]);
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
    run(&ds, &loopback(&server)).assert_ok();
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
    let server = serve_slowly(&example("replay"), 25);
    let (want, got) = reference_and_resumed(plugins::MET, &server, &[300, 600, 900, 1200, 1500, 1800]);
    assert_eq!(want.len(), expected().len());
    assert_eq!(categories(&got), categories(&want), "same items under the same styles, none lost or doubled");
    assert_eq!(ids_and_files(&got), ids_and_files(&want));
}
