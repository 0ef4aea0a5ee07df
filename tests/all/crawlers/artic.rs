//! The `artic` crawler (Art Institute of Chicago API + IIIF) end to end: offline from its replay, against a
//! loopback server that follows the real API (with the `AIC-User-Agent` header), with the IIIF server and width
//! chosen by the operator, resumed with a larger `per_style`, and killed mid-crawl then resumed. The fixtures are
//! `examples/artic/` (made by its `make_fixtures.py`; `expected.json` says what a crawl stores).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use aigc_tests::crawler_harness::{
    self as harness, categories, ids_and_files, listing, loopback, reference_and_resumed, serve, serve_slowly, strings,
};
use aigc_tests::plugins;

fn example(name: &str) -> PathBuf {
    harness::example("artic", name)
}

/// `artic:{id}` → (style, artist) of every artwork a default crawl stores.
fn expected() -> BTreeMap<String, (String, Option<String>)> {
    harness::expected_styles_and_artists("artic")
}

fn expected_styles() -> BTreeMap<String, String> {
    expected().into_iter().map(|(key, (style, _))| (key, style)).collect()
}

/// The ids of one outcome list (`stored`, `no_image`, ...) of one style.
fn ids(style: &str, list: &str) -> Vec<u64> {
    harness::expected_ids("artic", style, list)
}

const STYLES: [&str; 4] = ["impressionism", "ukiyo-e", "baroque", "ink-wash"];

fn run(ds: &Path, extra: &[String]) -> aigc_tests::Output {
    harness::run(plugins::ARTIC, ds, extra)
}

#[test]
fn replay_stores_the_public_domain_artworks_of_every_style_with_licence_and_artist() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let replay = strings(&["--replay", example("replay").to_str().unwrap()]);
    let out = run(&ds, &replay);
    out.assert_ok();
    let want = expected();
    assert_eq!(out.json()["items_added"].as_u64().unwrap() as usize, want.len());
    let items = listing(&ds);
    assert_eq!(
        categories(&items),
        expected_styles(),
        "public-domain artworks with an image, each under its first style"
    );
    for (key, item) in &items {
        assert_eq!(item["licence"], "CC0-1.0", "{item}");
        assert!(want[key].1.is_some());
        assert_eq!(item["author"].as_str().map(String::from), want[key].1, "the artist is the author: {item}");
        let id = key.strip_prefix("artic:").unwrap();
        assert_eq!(item["source"], format!("https://www.artic.edu/artworks/{id}"));
        assert_eq!(item["files"], serde_json::json!(["image.jpg"]));
        assert!(item["title"].as_str().is_some_and(|t| !t.is_empty()), "{item}");
    }
    for skipped in ["not_public_domain", "no_image", "image_404"] {
        let all: Vec<u64> = STYLES.iter().flat_map(|style| ids(style, skipped)).collect();
        assert!(!all.is_empty(), "the fixtures exercise {skipped}");
        for id in all {
            assert!(!items.contains_key(&format!("artic:{id}")), "{skipped}: {id} is not stored");
        }
    }
    let shared = ids("ukiyo-e", "elsewhere");
    assert_eq!(shared.len(), 1);
    assert_eq!(items[&format!("artic:{}", shared[0])]["category"], "impressionism", "the first style keeps it");
    assert!(out.stderr.contains("HTTP 404"), "an image that answers 404 is a warning: {}", out.stderr);

    // Running it again adds nothing and asks for nothing: every style is marked done.
    let again = run(&ds, &replay);
    again.assert_ok();
    assert_eq!(again.json()["items_added"], 0);
    assert_eq!(again.json()["requests"], 0);
}

#[test]
fn crawls_a_loopback_server_that_follows_the_real_api() {
    let server = serve(&example("replay"));
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    // No iiif_url: the images come from the answers' `config.iiif_url`, which the server rewrote to itself.
    let mut args = loopback(&server);
    args.extend(strings(&["--set", "contact=ta@example.edu"]));
    run(&ds, &args).assert_ok();
    assert_eq!(categories(&listing(&ds)), expected_styles());

    let requests = server.requests();
    let headers = server.request_headers();
    // Pages 2 and 3 through `next_url`; baroque's page 2 by number, its pages having no `next_url`.
    assert!(requests.iter().any(|r| r.starts_with("/api/v1/artworks/search?page=3&q=impressionism&")), "{requests:?}");
    assert!(requests.iter().any(|r| r.starts_with("/api/v1/artworks/search?q=baroque&") && r.ends_with("&page=2")));
    assert!(
        requests.iter().all(|r| !r.starts_with("/api/") || r.contains("query%5Bterm%5D%5Bis_public_domain%5D=true"))
    );
    let images: Vec<&String> = requests.iter().filter(|r| r.starts_with("/iiif/2/")).collect();
    assert!(images.iter().all(|r| r.ends_with("/full/843,/0/default.jpg")), "{images:?}");
    assert_eq!(
        images.len(),
        expected().len() + ids("impressionism", "image_404").len(),
        "no image of a skipped artwork"
    );
    // Every request of the plugin names it and the operator's contact, as the AIC asks.
    for (request, headers) in requests.iter().zip(&headers) {
        if request == "/robots.txt" {
            continue;
        }
        let agent = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("aic-user-agent")).map(|(_, v)| v.as_str());
        assert!(
            agent.is_some_and(|a| a.starts_with("aigc-host-artic/") && a.ends_with("(ta@example.edu)")),
            "{request}: {agent:?}"
        );
    }

    let before = server.requests().len();
    let again = run(&ds, &args);
    again.assert_ok();
    assert_eq!(again.json()["items_added"], 0);
    assert!(server.requests()[before..].iter().all(|r| r == "/robots.txt"), "{:?}", &server.requests()[before..]);
}

/// A copy of the replay whose images live at another IIIF server and width than the answers' `config.iiif_url`
/// and the default 843: only a crawl with `--set iiif_url=... --set image_width=...` finds them.
#[test]
fn the_operator_chooses_the_iiif_server_and_the_width() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("replay")).unwrap();
    let moved: String = text
        .lines()
        .map(|line| {
            if line.contains("\"url\":\"https://www.artic.edu/iiif/2/") {
                line.replace("https://www.artic.edu/iiif/2/", "https://iiif.example.org/iiif/3/")
                    .replace("/full/843,/", "/full/400,/")
            } else {
                line.to_string()
            }
        })
        .map(|line| line + "\n")
        .collect();
    let replay = dir.path().join("replay");
    std::fs::write(&replay, moved).unwrap();
    let ds = dir.path().join("ds");
    let args = strings(&[
        "--replay",
        replay.to_str().unwrap(),
        "--set",
        "iiif_url=https://iiif.example.org/iiif/3/",
        "--set",
        "image_width=400",
        "--allow-host",
        "iiif.example.org",
        "--set",
        "styles=ink-wash=ink landscape,baroque",
    ]);
    let out = run(&ds, &args);
    out.assert_ok();
    let want: BTreeMap<String, String> =
        expected_styles().into_iter().filter(|(_, style)| style == "ink-wash" || style == "baroque").collect();
    assert_eq!(categories(&listing(&ds)), want);

    for bad in ["image_width=0", "page_size=1000", "iiif_url=ftp://x", "styles=a=", "per_style=-1"] {
        let out = run(&dir.path().join("bad"), &strings(&["--replay", replay.to_str().unwrap(), "--set", bad]));
        assert_ne!(out.code, 0, "{bad}: {}", out.stdout);
    }
}

/// Resuming with a larger target, and what "the first style that stores an artwork keeps it" means when a target
/// stops a style before it reaches a shared artwork: the shared one (17th hit of impressionism, 3rd of ukiyo-e) is
/// not reached by impressionism's first 8, so ukiyo-e stores it, and keeps it after the full run.
#[test]
fn a_larger_per_style_goes_on_where_the_smaller_one_stopped() {
    let server = serve(&example("replay"));
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let shared = format!("artic:{}", ids("ukiyo-e", "elsewhere")[0]);
    let mut small = loopback(&server);
    small.extend(strings(&["--set", "per_style=8"]));
    let out = run(&ds, &small);
    out.assert_ok();
    assert_eq!(out.json()["items_added"], 32);
    let got = categories(&listing(&ds));
    for style in STYLES {
        let mut want: Vec<String> = ids(style, "stored").iter().map(|id| format!("artic:{id}")).collect();
        if style == "ukiyo-e" {
            want.insert(2, shared.clone()); // its third hit, stored by no earlier style this time
        }
        let got: BTreeSet<&String> = got.iter().filter(|(_, s)| *s == style).map(|(k, _)| k).collect();
        assert_eq!(got, want[..8].iter().collect(), "{style}: the first 8 it can store, in the search's order");
    }
    run(&ds, &loopback(&server)).assert_ok();
    let mut want = expected_styles();
    want.insert(shared, "ukiyo-e".into());
    assert_eq!(categories(&listing(&ds)), want);
    // No image was fetched twice over both runs (the second went on at the saved page, skipping what was stored).
    let images: Vec<String> = server.requests().into_iter().filter(|r| r.starts_with("/iiif/")).collect();
    let unique: BTreeSet<&String> = images.iter().collect();
    assert_eq!(images.len(), unique.len(), "{images:?}");
}

#[test]
fn killed_crawls_resume_to_the_same_dataset() {
    let server = serve_slowly(&example("replay"), 25);
    let (want, got) = reference_and_resumed(plugins::ARTIC, &server, &[300, 600, 900, 1200, 1500, 1800]);
    assert_eq!(want.len(), expected().len());
    assert_eq!(categories(&got), categories(&want), "same items under the same styles, none lost or doubled");
    assert_eq!(ids_and_files(&got), ids_and_files(&want));
}
