//! The crawl loop: for each style, one search (the Met returns every matching object id at once), then the objects
//! in the search's order, a batch at a time: fetch the records of the batch concurrently, keep the public-domain
//! ones of the wanted classification that have an image, fetch those images concurrently, and put one item each.
//!
//! Resuming. The crawl state `cursor.STYLE` holds the search URL, the length and fingerprint of the id list it
//! returned, the index of the next id to look at and how many objects were counted before it; it is saved after
//! each batch. A run started again fetches the search again and, when the list is the same, goes on at the saved
//! index; when the list changed it goes through it from the start (objects already stored are not fetched again).
//!
//! Counting. An object counts towards `per_style` when it is stored under this style, by this run or an earlier
//! one. An object already stored under another style (the same painting found by two searches) is not stored
//! again and does not count: the first style that stores an object keeps it.

use crate::api::{self, Object};
use crate::settings::{Settings, Style};
use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::crawl::{self, Failure, Progress, State};
use aigc_sdk::dataset::{self, Provenance};
use aigc_sdk::http::{self, HttpError, Request, Response};
use aigc_sdk::{Result, log, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Object records fetched at once (the host still spaces requests to one host as its politeness settings say).
const BATCH: usize = 8;

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
    /// The search URL; a saved cursor of another search (the configuration changed) is ignored.
    search: String,
    /// Length and [`api::fingerprint`] of the id list `next` indexes.
    ids: u64,
    fingerprint: String,
    /// Index of the next id to look at.
    next: u64,
    /// Objects counted before `next`.
    counted: u64,
    /// The style is finished: the list ran out or `counted` reached `per_style`.
    done: bool,
}

/// What happened to the objects of one style, for the summary line.
#[derive(Default)]
struct Tally {
    new: u64,
    seen: u64,
    elsewhere: u64,
    not_public_domain: u64,
    classification: u64,
    no_image: u64,
    failed: u64,
}

struct Crawl<'a> {
    settings: &'a Settings,
    /// Objects counted over all styles.
    progress: Progress,
}

/// What to do with one id of the list.
enum Plan {
    /// Stored under this style already: counts.
    Counted,
    /// Stored under another style (named): skipped.
    Elsewhere(String),
    /// New: fetch its record.
    Fetch(u64),
}

/// An object that passed every check and whose image is to be fetched.
struct Candidate {
    id: u64,
    raw: Value,
    image_url: String,
}

impl Crawl<'_> {
    /// Crawls one style; the number of objects counted towards its target. A failed search ends the style
    /// ([`Failure::Category`]); a failed write ends the run.
    fn style(&mut self, style: &Style) -> Result<u64, Failure> {
        let target = self.settings.per_style;
        let search = self.settings.search_url(style);
        let state = State::<Cursor>::cursor(&style.name);
        let saved = state.load().filter(|cursor| cursor.search == search);
        if let Some(cursor) = saved.as_ref().filter(|c| c.done && (c.next >= c.ids || c.counted >= target)) {
            log::info(&format!("{}: already done ({} objects)", style.name, cursor.counted));
            return Ok(cursor.counted);
        }

        let ids = fetch_search(&search).map_err(|e| Failure::Category(format!("search {search}: {e}")))?;
        let fingerprint = api::fingerprint(&ids);
        let (mut next, mut count) = match saved {
            Some(cursor) if cursor.ids == ids.len() as u64 && cursor.fingerprint == fingerprint => {
                if cursor.next > 0 {
                    log::info(&format!(
                        "{}: resuming at object {} of {} ({} counted before it)",
                        style.name,
                        cursor.next,
                        ids.len(),
                        cursor.counted
                    ));
                }
                (cursor.next.min(ids.len() as u64) as usize, cursor.counted)
            }
            Some(_) => {
                log::info(&format!(
                    "{}: the search returns other objects than when the crawl stopped; going through all {} again \
                     (objects already stored are not fetched again)",
                    style.name,
                    ids.len()
                ));
                (0, 0)
            }
            None => (0, 0),
        };
        log::info(&format!("{}: the search `{}` found {} objects", style.name, style.query, ids.len()));
        let save = |next: usize, counted: u64| {
            let done = next >= ids.len() || counted >= target;
            state.save(&Cursor {
                search: search.clone(),
                ids: ids.len() as u64,
                fingerprint: fingerprint.clone(),
                next: next as u64,
                counted,
                done,
            })
        };

        let mut tally = Tally::default();
        self.progress(style, count);
        if next >= ids.len() || count >= target {
            save(next, count)?; // nothing to do: marked done
        }
        while next < ids.len() && count < target {
            let plans = self.plan(style, &ids[next..], count);
            self.batch(style, &plans, &mut count, &mut tally)?;
            next += plans.len();
            save(next, count)?;
            self.progress(style, count);
        }
        let end = if count >= target { "target reached" } else { "no more results" };
        log::info(&format!(
            "{}: {count}/{target} objects ({} new, {} already stored, {} stored under another style, {} not public \
             domain, {} of another classification, {} without an image, {} failed); {end}",
            style.name,
            tally.new,
            tally.seen,
            tally.elsewhere,
            tally.not_public_domain,
            tally.classification,
            tally.no_image,
            tally.failed
        ));
        Ok(count)
    }

    /// The next batch: ids from the front of `ids` until [`BATCH`] records are to be fetched or the objects planned
    /// would reach the target if every new one is stored.
    fn plan(&self, style: &Style, ids: &[u64], count: u64) -> Vec<Plan> {
        let target = self.settings.per_style;
        let mut plans = Vec::new();
        let mut projected = count;
        let mut fetches = 0;
        for &id in ids {
            if projected >= target || fetches >= BATCH {
                break;
            }
            let plan = match dataset::seen(&source_key(id)) {
                None => {
                    fetches += 1;
                    Plan::Fetch(id)
                }
                Some(item) => match dataset::get(&item).ok().and_then(|item| item.category) {
                    Some(category) if category == style.name => Plan::Counted,
                    other => Plan::Elsewhere(other.unwrap_or_else(|| "?".into())),
                },
            };
            if matches!(plan, Plan::Counted | Plan::Fetch(_)) {
                projected += 1;
            }
            plans.push(plan);
        }
        plans
    }

    /// Carries out one batch of plans, in order.
    fn batch(&mut self, style: &Style, plans: &[Plan], count: &mut u64, tally: &mut Tally) -> Result<()> {
        let requests: Vec<Request> = plans
            .iter()
            .filter_map(|plan| match plan {
                Plan::Fetch(id) => {
                    Some(Request::get(self.settings.object_url(*id)).header("accept", "application/json"))
                }
                _ => None,
            })
            .collect();
        let mut records = http::fetch_all(&requests).into_iter();
        // First pass: the checks on each record; the images of the candidates are fetched together afterwards.
        let mut candidates = Vec::new();
        let mut outcomes = Vec::new();
        for plan in plans {
            let outcome = match plan {
                Plan::Counted => Outcome::Counted,
                Plan::Elsewhere(category) => Outcome::Elsewhere(category.clone()),
                Plan::Fetch(id) => {
                    let record = records.next().unwrap_or_else(|| Err(HttpError::Other("no answer".into())));
                    match self.check(style, *id, record, tally) {
                        Some(candidate) => {
                            candidates.push(candidate);
                            Outcome::Candidate
                        }
                        None => Outcome::Skipped,
                    }
                }
            };
            outcomes.push(outcome);
        }
        let requests: Vec<Request> = candidates.iter().map(|c| Request::get(c.image_url.as_str())).collect();
        let mut images = http::fetch_all(&requests).into_iter();
        let mut candidates = candidates.into_iter();
        for outcome in outcomes {
            match outcome {
                Outcome::Counted => {
                    *count += 1;
                    tally.seen += 1;
                }
                Outcome::Elsewhere(category) => {
                    log::debug(&format!("{}: skipping an object stored under style {category}", style.name));
                    tally.elsewhere += 1;
                }
                Outcome::Skipped => {}
                Outcome::Candidate => {
                    let (Some(candidate), Some(image)) = (candidates.next(), images.next()) else { continue };
                    match store(style, candidate, image)? {
                        Some(true) => {
                            *count += 1;
                            tally.new += 1;
                        }
                        Some(false) => {
                            *count += 1;
                            tally.seen += 1;
                        }
                        None => tally.failed += 1,
                    }
                }
            }
        }
        Ok(())
    }

    /// The checks on one fetched record: a candidate to store, or none (logged and tallied).
    fn check(
        &self,
        style: &Style,
        id: u64,
        record: Result<Response, HttpError>,
        tally: &mut Tally,
    ) -> Option<Candidate> {
        let url = self.settings.object_url(id);
        let raw: Value = match record {
            Ok(response) if response.is_success() => match response.json() {
                Ok(raw) => raw,
                Err(error) => {
                    log::warn(&format!("{}: skipping object {id}: {error}", style.name));
                    tally.failed += 1;
                    return None;
                }
            },
            Ok(response) => {
                log::warn(&format!("{}: skipping object {id}: HTTP {} from {url}", style.name, response.status));
                tally.failed += 1;
                return None;
            }
            Err(error) => {
                log::warn(&format!("{}: skipping object {id}: {url}: {}", style.name, error.describe()));
                tally.failed += 1;
                return None;
            }
        };
        let Some(object) = Object::new(&raw) else {
            log::warn(&format!("{}: skipping object {id}: the record is not a JSON object", style.name));
            tally.failed += 1;
            return None;
        };
        if object.id().is_some_and(|other| other != id) {
            log::warn(&format!("{}: skipping object {id}: its record is about object {:?}", style.name, object.id()));
            tally.failed += 1;
            return None;
        }
        if !object.is_public_domain() {
            log::debug(&format!("{}: skipping object {id}: not public domain", style.name));
            tally.not_public_domain += 1;
            return None;
        }
        if !object.classified_as(&self.settings.classifications) {
            log::debug(&format!(
                "{}: skipping object {id}: classification `{}` is not one of `classification`",
                style.name,
                object.text("classification").unwrap_or("")
            ));
            tally.classification += 1;
            return None;
        }
        let Some(image_url) = object.image_url(self.settings.image_size).map(String::from) else {
            log::debug(&format!("{}: skipping object {id}: no image", style.name));
            tally.no_image += 1;
            return None;
        };
        Some(Candidate { id, raw, image_url })
    }

    fn progress(&self, style: &Style, count: u64) {
        let target = self.settings.per_style;
        let message = format!("style {}: {}/{target} objects", style.name, count.min(target));
        self.progress.show(count, &message);
    }
}

/// The fate of one plan in a batch.
enum Outcome {
    Counted,
    Elsewhere(String),
    Skipped,
    /// The next of the batch's candidates.
    Candidate,
}

fn fetch_search(url: &str) -> Result<Vec<u64>, String> {
    let answer: Value = web::fetch_json(Request::get(url))?;
    let (ids, odd) = api::search_ids(&answer).ok_or("the answer is not a search result (no `objectIDs` list)")?;
    if odd > 0 {
        log::warn(&format!("search {url}: {odd} entries of `objectIDs` are not object ids; left out"));
    }
    Ok(ids)
}

/// Stores one object with its image (already fetched): `Some(created)` when stored, none when skipped (logged).
fn store(style: &Style, candidate: Candidate, image: Result<Response, HttpError>) -> Result<Option<bool>> {
    let Candidate { id, raw, image_url } = candidate;
    let skip = |why: String| log::warn(&format!("{}: skipping object {id}: image {image_url}: {why}", style.name));
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
    let item = new_item(style, id, &raw, &image_url, NewFile::new(format!("image.{ext}"), media_type, image));
    Ok(Some(collect::put(&item)?.created))
}

fn source_key(id: u64) -> String {
    format!("met:{id}")
}

fn new_item(style: &Style, id: u64, raw: &Value, image_url: &str, file: NewFile) -> NewItem {
    // `Object::new` accepted `raw`, so it is an object.
    let object = Object::new(raw);
    let text = |key: &str| object.as_ref().and_then(|o| o.text(key)).map(String::from);
    let mut metadata = raw.clone();
    if let Value::Object(map) = &mut metadata {
        map.insert("style".into(), Value::from(style.name.as_str()));
        map.insert("style_query".into(), Value::from(style.query.as_str()));
        map.insert("image_url".into(), Value::from(image_url));
    }
    NewItem {
        source_key: source_key(id),
        category: Some(style.name.clone()),
        title: text("title"),
        provenance: Provenance {
            source_url: object
                .as_ref()
                .map_or_else(|| format!("https://www.metmuseum.org/art/collection/search/{id}"), |o| o.page_url(id)),
            licence: Some(api::CC0.into()),
            licence_url: Some(api::CC0_URL.into()),
            author: object.as_ref().and_then(|o| o.artist()).map(String::from),
            author_url: object.as_ref().and_then(|o| o.artist_url()).map(String::from),
        },
        metadata: metadata.to_string(),
        files: vec![file],
        parent: None,
    }
}
