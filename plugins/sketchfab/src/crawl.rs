//! The crawl loop: for each category, search pages one after another; per page, fetch the thumbnails of the new
//! models concurrently, then each model's archive, and put one item per model.
//!
//! Resuming. The crawl state `cursor.NAME` holds the page to fetch next and how many models were counted before
//! it; it is saved after each page is fully processed. Models already in the dataset are skipped but counted, so a
//! run killed at any point and run again goes through the same models and ends with the same items.

use crate::api::{self, DownloadLinks, Model, SearchPage};
use crate::category::{ArchiveFormat, Category};
use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::crawl::{self, Failure, Progress, State};
use aigc_sdk::dataset::{self, Provenance};
use aigc_sdk::http::{self, HttpError, Request, Response};
use aigc_sdk::{Result, log, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::category::Settings;

/// Crawls every category; an error only when every category failed (or the dataset refused a write).
pub fn run(settings: Settings) -> Result<()> {
    let mut crawl = Crawl {
        settings: &settings,
        downloads: settings.download,
        progress: Progress::new(settings.per_category, settings.categories.len()),
    };
    crawl::run_categories(
        "category",
        &settings.categories,
        |c| c.name.as_str(),
        |category| crawl.category(category).map(|count| crawl.progress.finish(count)),
    )
}

/// The crawl state of one category, saved as JSON under `cursor.NAME`.
#[derive(Serialize, Deserialize)]
struct Cursor {
    /// The first search URL; a saved cursor of another search (the configuration changed) is ignored.
    start: String,
    /// The page to process next: none when the search ran out.
    page: Option<String>,
    /// Models counted before `page`.
    before: u64,
    /// Models counted in all.
    stored: u64,
    /// The category is finished: the search ran out or `stored` reached the target.
    done: bool,
}

/// What happened to the models of one category, for the summary line.
#[derive(Default)]
struct Tally {
    new: u64,
    seen: u64,
    noai: u64,
    skipped: u64,
}

struct Crawl<'a> {
    settings: &'a Settings,
    /// Archives are downloaded until the download endpoint refuses the (missing) token.
    downloads: bool,
    /// Models counted over all categories.
    progress: Progress,
}

impl Crawl<'_> {
    /// Crawls one category; the number of models counted towards its target. A failed search page or a refused
    /// `next` link ends the category ([`Failure::Category`]); a failed write ends the run.
    fn category(&mut self, category: &Category) -> Result<u64, Failure> {
        let target = self.settings.per_category;
        let start = self.settings.first_search_url(category);
        let state = State::<Cursor>::cursor(&category.name);
        let saved = state.load().filter(|cursor| cursor.start == start);
        let (mut url, mut count) = match saved {
            Some(cursor) if cursor.done && (cursor.page.is_none() || cursor.stored >= target) => {
                log::info(&format!("{}: already done ({} models)", category.name, cursor.stored));
                return Ok(cursor.stored);
            }
            Some(Cursor { page: Some(page), before, .. }) => {
                log::info(&format!("{}: resuming at {page} ({before} models before it)", category.name));
                (page, before)
            }
            _ => (start.clone(), 0),
        };
        let save = |page: Option<&str>, before: u64, stored: u64, done: bool| {
            state.save(&Cursor { start: start.clone(), page: page.map(String::from), before, stored, done })
        };
        let mut tally = Tally::default();
        let end = loop {
            if count >= target {
                save(Some(&url), count, count, true)?;
                break "target reached";
            }
            let page: SearchPage = web::fetch_json(Request::get(&url))
                .map_err(|e| Failure::Category(format!("search page {url}: {e}")))?;
            let before = count;
            let finished_page = self.page(category, &page.results, &mut count, &mut tally)?;
            self.progress(category, count);
            if !finished_page {
                // The target was reached inside this page: a larger target later goes on from this page.
                save(Some(&url), before, count, true)?;
                break "target reached";
            }
            match page.next.filter(|next| !next.is_empty()) {
                None => {
                    save(None, count, count, true)?;
                    break "no more results";
                }
                Some(next) if web::origin(&next).as_deref() != Some(self.settings.origin.as_str()) => {
                    return Err(Failure::Category(format!(
                        "refusing the next page {next}: not on {} (as base_url)",
                        self.settings.origin
                    )));
                }
                Some(next) => {
                    save(Some(&next), count, count, false)?;
                    url = next;
                }
            }
        };
        log::info(&format!(
            "{}: {count}/{target} models ({} new, {} already stored, {} NoAI dropped, {} skipped); {end}",
            category.name, tally.new, tally.seen, tally.noai, tally.skipped
        ));
        Ok(count)
    }

    /// Processes the models of one search page in order until `count` reaches the target. True when every model
    /// of the page was processed.
    fn page(&mut self, category: &Category, results: &[Value], count: &mut u64, tally: &mut Tally) -> Result<bool> {
        let target = self.settings.per_category;
        let models: Vec<(Model, &Value)> = results.iter().filter_map(|raw| parse_model(raw, tally)).collect();
        let mut next = 0;
        while next < models.len() {
            if *count >= target {
                return Ok(false);
            }
            // A batch: the next models that would reach the target if every new one is stored.
            let mut plans = Vec::new();
            let mut projected = *count;
            while next + plans.len() < models.len() && projected < target {
                let model = &models[next + plans.len()].0;
                let plan = if model.is_noai() {
                    Plan::NoAi
                } else if dataset::seen(&source_key(model)).is_some() {
                    Plan::Seen
                } else {
                    match model.thumbnail_url() {
                        Some(url) => Plan::Fetch(url),
                        None => Plan::NoThumbnail,
                    }
                };
                if matches!(plan, Plan::Seen | Plan::Fetch(_)) {
                    projected += 1;
                }
                plans.push(plan);
            }
            let requests: Vec<Request> = plans
                .iter()
                .filter_map(|plan| if let Plan::Fetch(url) = plan { Some(Request::get(*url)) } else { None })
                .collect();
            let mut thumbnails = http::fetch_all(&requests).into_iter();
            for (plan, (model, raw)) in plans.iter().zip(&models[next..]) {
                let name = model.name.as_deref().unwrap_or("");
                match plan {
                    Plan::NoAi => {
                        log::debug(&format!("{}: dropping {} `{name}`: tagged NoAI", category.name, model.uid));
                        tally.noai += 1;
                    }
                    Plan::Seen => {
                        *count += 1;
                        tally.seen += 1;
                    }
                    Plan::NoThumbnail => {
                        log::warn(&format!("{}: skipping {} `{name}`: no thumbnail", category.name, model.uid));
                        tally.skipped += 1;
                    }
                    Plan::Fetch(url) => {
                        let thumbnail = thumbnails.next().unwrap_or_else(|| Err(HttpError::Other("no answer".into())));
                        let Some(created) = self.store(category, model, raw, url, thumbnail)? else {
                            tally.skipped += 1;
                            continue;
                        };
                        *count += 1;
                        if created {
                            tally.new += 1;
                        } else {
                            tally.seen += 1;
                        }
                        self.progress(category, *count);
                    }
                }
            }
            next += plans.len();
        }
        Ok(true)
    }

    fn progress(&self, category: &Category, count: u64) {
        let target = self.settings.per_category;
        let message = format!("category {}: {count}/{target} models", category.name);
        self.progress.show(count, &message);
    }

    /// Stores one new model with its thumbnail (already fetched) and archive: `Some(created)` when stored, none
    /// when skipped (logged).
    fn store(
        &mut self,
        category: &Category,
        model: &Model,
        raw: &Value,
        thumbnail_url: &str,
        thumbnail: Result<Response, HttpError>,
    ) -> Result<Option<bool>> {
        let skip = |why: String| log::warn(&format!("{}: skipping {}: {why}", category.name, model.uid));
        let thumbnail = match thumbnail {
            Ok(response) if response.is_success() && !response.body.is_empty() => response.body,
            Ok(response) => {
                skip(format!("thumbnail {thumbnail_url}: HTTP {}", response.status));
                return Ok(None);
            }
            Err(error) => {
                skip(format!("thumbnail {thumbnail_url}: {}", error.describe()));
                return Ok(None);
            }
        };
        let archive = match self.archive(&model.uid) {
            Ok(archive) => archive,
            Err(why) => {
                skip(why);
                return Ok(None);
            }
        };
        let mut files = vec![NewFile::new("thumbnail.jpeg", "image/jpeg", thumbnail)];
        files.extend(archive);
        Ok(Some(collect::put(&new_item(category, model, raw, files))?.created))
    }

    /// The model's archive when downloads are on: the download endpoint's signed URL, then the file. `Ok(None)`
    /// when downloads are off; an error skips the model.
    fn archive(&mut self, uid: &str) -> Result<Option<NewFile>, String> {
        if !self.downloads {
            return Ok(None);
        }
        let request = Request::get(self.settings.download_url(uid)).header("accept", "application/json");
        let response = http::fetch(&request).map_err(|e| format!("download endpoint: {}", e.describe()))?;
        if response.status == 401 || response.status == 403 {
            log::warn(&format!(
                "the download endpoint answers HTTP {}: no Sketchfab token granted; storing thumbnails only from now \
                 on (run with --secret sketchfab=TOKEN to download archives)",
                response.status
            ));
            self.downloads = false;
            return Ok(None);
        }
        if !response.is_success() {
            return Err(format!("download endpoint: HTTP {}", response.status));
        }
        let links: DownloadLinks = response.json().map_err(|e| e.to_string())?;
        let preferred = self.settings.archive_format;
        let (format, link) = [preferred, preferred.other()]
            .into_iter()
            .find_map(|format| links.get(format).map(|link| (format, link)))
            .ok_or("the download endpoint offers neither glb nor gltf")?;
        // The signed URL carries a token: it is not logged.
        let file = http::get(&link.url).map_err(|e| format!("{} archive: {}", format.key(), e.describe()))?;
        if !file.is_success() {
            return Err(format!("{} archive: HTTP {}", format.key(), file.status));
        }
        let magic: &[u8] = if format == ArchiveFormat::Glb { b"glTF" } else { b"PK" };
        if !file.body.starts_with(magic) {
            return Err(format!("{} archive: not a {} file", format.key(), format.key()));
        }
        let (name, media_type) = format.file();
        Ok(Some(NewFile::new(name, media_type, file.body)))
    }
}

/// What to do with one model of a page.
enum Plan<'a> {
    NoAi,
    Seen,
    NoThumbnail,
    /// New: fetch this thumbnail and store the model.
    Fetch(&'a str),
}

/// A search result as a model, or none (logged) when it is not a model object with a plausible uid.
fn parse_model<'v>(raw: &'v Value, tally: &mut Tally) -> Option<(Model, &'v Value)> {
    let model = raw.as_object().and_then(|_| serde_json::from_value::<Model>(raw.clone()).ok());
    match model {
        Some(model) if api::is_valid_uid(&model.uid) => Some((model, raw)),
        _ => {
            let uid = raw.get("uid").and_then(Value::as_str).unwrap_or("?");
            log::warn(&format!("skipping a search result that is not a model object (uid {uid:.64})"));
            tally.skipped += 1;
            None
        }
    }
}

fn source_key(model: &Model) -> String {
    format!("sketchfab:{}", model.uid)
}

fn new_item(category: &Category, model: &Model, raw: &Value, files: Vec<NewFile>) -> NewItem {
    let mut metadata = raw.clone();
    if let Value::Object(map) = &mut metadata {
        map.insert("sketchfab_category".into(), category.slug.clone().map_or(Value::Null, Value::from));
        map.insert("query".into(), category.query.clone().map_or(Value::Null, Value::from));
    }
    let (licence, licence_url) = model.license.as_ref().map(api::licence).unwrap_or_default();
    NewItem {
        source_key: source_key(model),
        category: Some(category.name.clone()),
        title: model.name.clone().filter(|name| !name.trim().is_empty()),
        provenance: Provenance {
            source_url: model
                .viewer_url
                .clone()
                .unwrap_or_else(|| format!("https://sketchfab.com/3d-models/{}", model.uid)),
            licence,
            licence_url,
            author: model.author(),
            author_url: model.user.as_ref().and_then(|user| user.profile_url.clone()),
        },
        metadata: metadata.to_string(),
        files,
        parent: None,
    }
}

impl DownloadLinks {
    fn get(&self, format: ArchiveFormat) -> Option<&api::Link> {
        match format {
            ArchiveFormat::Glb => self.glb.as_ref(),
            ArchiveFormat::Gltf => self.gltf.as_ref(),
        }
    }
}
