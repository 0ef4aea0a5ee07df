//! The crawl loop: for each style, search pages one after another (`pagination.next_url`); per page, fetch the IIIF
//! images of the new public-domain artworks concurrently and put one item per artwork.
//!
//! Resuming. The crawl state `cursor.STYLE` holds the page to fetch next and how many artworks were counted before
//! it; it is saved after each page is fully processed. Artworks already in the dataset are skipped but counted, so
//! a run killed at any point and run again goes through the same artworks and ends with the same items.
//!
//! Counting. An artwork counts towards `per_style` when it is stored under this style, by this run or an earlier
//! one. An artwork already stored under another style (found by two searches) is not stored again and does not
//! count: the first style that stores an artwork keeps it.

use crate::api::{self, Artwork, Page};
use crate::settings::{Settings, Style};
use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::crawl::{self, Failure, Progress, State};
use aigc_sdk::dataset::{self, Provenance};
use aigc_sdk::http::{self, HttpError, Request, Response};
use aigc_sdk::{Result, log, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Images fetched at once (the host still spaces requests to one host as its politeness settings say).
const BATCH: usize = 16;

/// Crawls every style; an error only when every style failed (or the dataset refused a write).
pub fn run(settings: Settings) -> Result<()> {
    let mut crawl = Crawl { settings: &settings, progress: Progress::new(settings.per_style, settings.styles.len()) };
    crawl::run_categories(
        "style",
        &settings.styles,
        |s| s.name.as_str(),
        |style| crawl.style(style).map(|count| crawl.progress.finish(count)),
    )
}

/// The crawl state of one style, saved as JSON under `cursor.STYLE`.
#[derive(Serialize, Deserialize)]
struct Cursor {
    /// The first search URL; a saved cursor of another search (the configuration changed) is ignored.
    start: String,
    /// The page to process next: none when the search ran out.
    page: Option<String>,
    /// The number of that page (from 1).
    page_no: u64,
    /// Artworks counted before `page`.
    before: u64,
    /// Artworks counted in all.
    stored: u64,
    /// The style is finished: the search ran out or `stored` reached the target.
    done: bool,
}

/// What happened to the artworks of one style, for the summary line.
#[derive(Default)]
struct Tally {
    new: u64,
    seen: u64,
    elsewhere: u64,
    not_public_domain: u64,
    no_image: u64,
    failed: u64,
}

struct Crawl<'a> {
    settings: &'a Settings,
    /// Artworks counted over all styles.
    progress: Progress,
}

/// What to do with one hit of a page.
enum Plan<'v> {
    /// Stored under this style already: counts.
    Counted,
    /// Stored under another style (named): skipped.
    Elsewhere(String),
    /// Skipped for a reason already logged and tallied.
    Skipped,
    /// New: fetch this image and store the artwork.
    Fetch { id: u64, raw: &'v Value, image_url: String },
}

impl Crawl<'_> {
    /// Crawls one style; the number of artworks counted towards its target. A failed search page or a refused
    /// `next_url` ends the style ([`Failure::Category`]); a failed write ends the run.
    fn style(&mut self, style: &Style) -> Result<u64, Failure> {
        let target = self.settings.per_style;
        let start = self.settings.search_url(style, 1);
        let state = State::<Cursor>::cursor(&style.name);
        let saved = state.load().filter(|cursor| cursor.start == start);
        let (mut url, mut page_no, mut count) = match saved {
            Some(cursor) if cursor.done && (cursor.page.is_none() || cursor.stored >= target) => {
                log::info(&format!("{}: already done ({} artworks)", style.name, cursor.stored));
                return Ok(cursor.stored);
            }
            Some(Cursor { page: Some(page), page_no, before, .. }) => {
                log::info(&format!("{}: resuming at page {page_no} ({before} artworks before it)", style.name));
                (page, page_no, before)
            }
            _ => (start.clone(), 1, 0),
        };
        let save = |page: Option<&str>, page_no: u64, before: u64, stored: u64, done: bool| {
            state.save(&Cursor { start: start.clone(), page: page.map(String::from), page_no, before, stored, done })
        };
        let mut tally = Tally::default();
        let end = loop {
            if count >= target {
                save(Some(&url), page_no, count, count, true)?;
                break "target reached";
            }
            let page = self.fetch_page(&url).map_err(|e| Failure::Category(format!("search page {url}: {e}")))?;
            let iiif = self.iiif(&page);
            let before = count;
            let finished_page = self.page(style, &page.data, &iiif, &mut count, &mut tally)?;
            self.progress(style, count);
            if !finished_page {
                // The target was reached inside this page: a larger target later goes on from this page.
                save(Some(&url), page_no, before, count, true)?;
                break "target reached";
            }
            let next = match page.next_url.clone() {
                Some(next) => Some(next),
                // No `next_url` although `pagination` says more pages follow: the next page by number.
                None if page.has_more() && !page.data.is_empty() => Some(self.settings.search_url(style, page_no + 1)),
                None => None,
            };
            match next {
                None => {
                    save(None, page_no, count, count, true)?;
                    break "no more results";
                }
                Some(_) if page.data.is_empty() => {
                    save(None, page_no, count, count, true)?;
                    break "an empty page";
                }
                Some(next) if web::origin(&next).as_deref() != Some(self.settings.origin.as_str()) => {
                    return Err(Failure::Category(format!(
                        "refusing the next page {next}: not on {} (as base_url)",
                        self.settings.origin
                    )));
                }
                Some(next) => {
                    page_no += 1;
                    save(Some(&next), page_no, count, count, false)?;
                    url = next;
                }
            }
        };
        log::info(&format!(
            "{}: {count}/{target} artworks ({} new, {} already stored, {} stored under another style, {} not public \
             domain, {} without an image, {} failed); {end}",
            style.name, tally.new, tally.seen, tally.elsewhere, tally.not_public_domain, tally.no_image, tally.failed
        ));
        Ok(count)
    }

    /// The IIIF server: `iiif_url` when set, else the answer's `config.iiif_url`, else the AIC's own.
    fn iiif(&self, page: &Page) -> String {
        if let Some(iiif) = &self.settings.iiif {
            return iiif.clone();
        }
        match page.iiif_url.as_deref() {
            Some(url) if web::origin(url).is_some() => url.trim_end_matches('/').to_string(),
            Some(url) => {
                log::warn(&format!("ignoring config.iiif_url `{url:.100}`: not an http(s) URL"));
                api::DEFAULT_IIIF.to_string()
            }
            None => api::DEFAULT_IIIF.to_string(),
        }
    }

    /// Processes the hits of one page in order until `count` reaches the target. True when every hit of the page
    /// was processed.
    fn page(&mut self, style: &Style, hits: &[Value], iiif: &str, count: &mut u64, tally: &mut Tally) -> Result<bool> {
        let target = self.settings.per_style;
        let mut next = 0;
        while next < hits.len() {
            if *count >= target {
                return Ok(false);
            }
            // A batch: the next hits that would reach the target if every new one is stored.
            let mut plans = Vec::new();
            let mut projected = *count;
            let mut fetches = 0;
            while next + plans.len() < hits.len() && projected < target && fetches < BATCH {
                let plan = self.plan(style, &hits[next + plans.len()], iiif, tally);
                match plan {
                    Plan::Counted => projected += 1,
                    Plan::Fetch { .. } => {
                        projected += 1;
                        fetches += 1;
                    }
                    Plan::Elsewhere(_) | Plan::Skipped => {}
                }
                plans.push(plan);
            }
            let requests: Vec<Request> = plans
                .iter()
                .filter_map(|plan| match plan {
                    Plan::Fetch { image_url, .. } => Some(self.request(image_url)),
                    _ => None,
                })
                .collect();
            let mut images = http::fetch_all(&requests).into_iter();
            for plan in &plans {
                match plan {
                    Plan::Counted => {
                        *count += 1;
                        tally.seen += 1;
                    }
                    Plan::Elsewhere(category) => {
                        log::debug(&format!("{}: skipping an artwork stored under style {category}", style.name));
                        tally.elsewhere += 1;
                    }
                    Plan::Skipped => {}
                    Plan::Fetch { id, raw, image_url } => {
                        let image = images.next().unwrap_or_else(|| Err(HttpError::Other("no answer".into())));
                        match store(style, *id, raw, image_url, image)? {
                            Some(created) => {
                                *count += 1;
                                if created {
                                    tally.new += 1;
                                } else {
                                    tally.seen += 1;
                                }
                                self.progress(style, *count);
                            }
                            None => tally.failed += 1,
                        }
                    }
                }
            }
            next += plans.len();
        }
        Ok(true)
    }

    /// What to do with one hit.
    fn plan<'v>(&self, style: &Style, raw: &'v Value, iiif: &str, tally: &mut Tally) -> Plan<'v> {
        let Some((artwork, id)) = Artwork::new(raw).and_then(|artwork| artwork.id().map(|id| (artwork, id))) else {
            log::warn(&format!("{}: skipping a search hit that is not an artwork with an id", style.name));
            tally.failed += 1;
            return Plan::Skipped;
        };
        if let Some(item) = dataset::seen(&source_key(id)) {
            return match dataset::get(&item).ok().and_then(|item| item.category) {
                Some(category) if category == style.name => Plan::Counted,
                other => Plan::Elsewhere(other.unwrap_or_else(|| "?".into())),
            };
        }
        if !artwork.is_public_domain() {
            log::debug(&format!("{}: skipping artwork {id}: not public domain", style.name));
            tally.not_public_domain += 1;
            return Plan::Skipped;
        }
        let Some(image_id) = artwork.image_id() else {
            log::debug(&format!("{}: skipping artwork {id}: no image", style.name));
            tally.no_image += 1;
            return Plan::Skipped;
        };
        Plan::Fetch { id, raw, image_url: api::image_url(iiif, image_id, self.settings.image_width) }
    }

    /// A GET request carrying the `AIC-User-Agent` header the AIC asks API users to send.
    fn request(&self, url: &str) -> Request {
        Request::get(url).header("AIC-User-Agent", self.settings.user_agent.as_str())
    }

    fn fetch_page(&self, url: &str) -> Result<Page, String> {
        let answer: Value = web::fetch_json(self.request(url))?;
        Page::parse(&answer).ok_or_else(|| "the answer is not a search page (no `data` list)".to_string())
    }

    fn progress(&self, style: &Style, count: u64) {
        let target = self.settings.per_style;
        let message = format!("style {}: {}/{target} artworks", style.name, count.min(target));
        self.progress.show(count, &message);
    }
}

/// Stores one artwork with its image (already fetched): `Some(created)` when stored, none when skipped (logged).
fn store(
    style: &Style,
    id: u64,
    raw: &Value,
    image_url: &str,
    image: Result<Response, HttpError>,
) -> Result<Option<bool>> {
    let skip = |why: String| log::warn(&format!("{}: skipping artwork {id}: image {image_url}: {why}", style.name));
    let image = match web::success(image) {
        Ok(response) => response.body,
        Err(why) => {
            skip(why);
            return Ok(None);
        }
    };
    let Some((ext, media_type)) = web::sniff_only(&image, &["jpg", "png"]) else {
        skip(format!("not a JPEG or PNG image ({} bytes)", image.len()));
        return Ok(None);
    };
    let item = new_item(style, id, raw, image_url, NewFile::new(format!("image.{ext}"), media_type, image));
    Ok(Some(collect::put(&item)?.created))
}

fn source_key(id: u64) -> String {
    format!("artic:{id}")
}

fn new_item(style: &Style, id: u64, raw: &Value, image_url: &str, file: NewFile) -> NewItem {
    let artwork = Artwork::new(raw);
    let mut metadata = raw.clone();
    if let Value::Object(map) = &mut metadata {
        map.insert("style".into(), Value::from(style.name.as_str()));
        map.insert("style_query".into(), Value::from(style.query.as_str()));
        map.insert("image_url".into(), Value::from(image_url));
    }
    NewItem {
        source_key: source_key(id),
        category: Some(style.name.clone()),
        title: artwork.as_ref().and_then(|a| a.text("title")).map(String::from),
        provenance: Provenance {
            source_url: api::page_url(id),
            licence: Some(api::CC0.into()),
            licence_url: Some(api::CC0_URL.into()),
            author: artwork.as_ref().and_then(|a| a.artist()).map(String::from),
            author_url: None,
        },
        metadata: metadata.to_string(),
        files: vec![file],
        parent: None,
    }
}
