//! The crawl loop: for each art style, its Commons categories (and their subcategories down to `depth`) are listed
//! page by page with `list=categorymembers`; the files not stored yet get their image info in one `prop=imageinfo`
//! request per 50 files; the ones with an allowed licence and a large enough image are downloaded (the scaled
//! `thumburl`) and put one item per file.
//!
//! Resuming. The crawl state `cursor.STYLE` holds the queue of categories still to list, the `continue` values of
//! the page to fetch next and the categories already queued (so cycles in the category graph end); it is saved
//! after each page is fully processed. Files already in the dataset are skipped before their image info is fetched,
//! and the count towards `per_category` is the number of this plugin's items the dataset holds in the style, so a
//! run killed at any point and run again ends with the same items.

use crate::api::{self, ImageInfo, Member, Page};
use crate::settings::{MAX_INFO_BATCH, Settings, Style};
use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::crawl::{self, Failure, Progress, State};
use aigc_sdk::dataset::{self, Provenance};
use aigc_sdk::http::{self, HttpError, Request, Response};
use aigc_sdk::{Result, log, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

/// Images downloaded at once (the host decides how many go out together; Wikimedia asks for at most 2).
const DOWNLOAD_BATCH: usize = 4;
/// Categories queued per style at most, subcategories included.
const MAX_CATEGORIES: usize = 500;
/// Bytes of category titles queued per style at most: the crawl state holds them, and it is capped at 64 KiB.
const MAX_QUEUED_BYTES: usize = 24 * 1024;
/// Times a request is repeated when the API answers `maxlag`.
const MAXLAG_RETRIES: u32 = 3;

/// Crawls every style; an error only when every style failed (or the dataset refused a write).
pub fn run(settings: Settings) -> Result<()> {
    let mut crawl =
        Crawl { progress: Progress::new(settings.per_category, settings.styles.len()), settings: &settings };
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
    /// What the listing depends on; a saved cursor of another configuration is ignored.
    listing: String,
    /// Categories still to list, with their depth below a configured one; the first is being listed.
    queue: Vec<(String, u32)>,
    /// The `continue` values of the first category's next page; none for its first page.
    cont: Option<BTreeMap<String, String>>,
    /// Every category ever queued (cycles in the category graph end here).
    queued: Vec<String>,
    /// The style is finished: the queue ran out, or the target was reached at the current page.
    done: bool,
}

/// What happened to the files of one style, for the summary line.
#[derive(Default)]
struct Tally {
    new: u64,
    seen: u64,
    licence: u64,
    small: u64,
    not_image: u64,
    failed: u64,
}

/// A file that passed the checks and is to be downloaded.
struct Candidate {
    member: Member,
    info: ImageInfo,
    thumburl: String,
    licence: String,
}

struct Crawl<'a> {
    settings: &'a Settings,
    /// Files counted over all styles.
    progress: Progress,
}

impl Crawl<'_> {
    /// Crawls one style; the number of its files the dataset holds at the end. A failed listing or image info
    /// request ends the style ([`Failure::Category`]); a failed write ends the run.
    fn style(&mut self, style: &Style) -> Result<u64, Failure> {
        let target = self.settings.per_category;
        let mut count = crawl::count_stored(&style.name, "wikimedia:");
        let listing = format!("{}|{}|{}", style.categories.join("|"), self.settings.depth, self.settings.page_size);
        let state = State::<Cursor>::cursor(&style.name);
        let saved = state.load().filter(|cursor| cursor.listing == listing);
        let mut cursor = match saved {
            Some(cursor) if cursor.done && (cursor.queue.is_empty() || count >= target) => {
                log::info(&format!("{}: already done ({count} files)", style.name));
                return Ok(count);
            }
            Some(cursor) => {
                if let Some((category, _)) = cursor.queue.first() {
                    log::info(&format!("{}: resuming in {category} ({count} files stored)", style.name));
                }
                Cursor { done: false, ..cursor }
            }
            None => Cursor {
                listing,
                queue: style.categories.iter().map(|c| (c.clone(), 0)).collect(),
                cont: None,
                queued: style.categories.clone(),
                done: false,
            },
        };
        let save = |cursor: &Cursor| state.save(cursor);
        let mut tally = Tally::default();
        self.progress(style, count);
        let end = loop {
            if count >= target {
                cursor.done = true;
                save(&cursor)?;
                break "target reached";
            }
            let Some((category, depth)) = cursor.queue.first().cloned() else {
                cursor.done = true;
                save(&cursor)?;
                break "every category listed";
            };
            let subcategories = depth < self.settings.depth;
            let url = self.settings.members_url(&category, subcategories, cursor.cont.as_ref());
            let answer = api_get(&url).map_err(|e| Failure::Category(format!("listing {url}: {e}")))?;
            let members: Vec<Value> =
                answer.pointer("/query/categorymembers").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut files = Vec::new();
            for raw in members {
                let Ok(member) = serde_json::from_value::<Member>(raw) else {
                    log::warn(&format!("{}: skipping a category member that is not a page", style.name));
                    continue;
                };
                match member.ns {
                    api::NS_FILE => files.push(member),
                    api::NS_CATEGORY if subcategories => {
                        if cursor.queued.contains(&member.title) {
                            continue;
                        }
                        let bytes: usize = cursor.queued.iter().map(String::len).sum();
                        if cursor.queued.len() >= MAX_CATEGORIES || bytes + member.title.len() > MAX_QUEUED_BYTES {
                            log::warn(&format!(
                                "{}: not following {}: {} categories queued already",
                                style.name,
                                member.title,
                                cursor.queued.len()
                            ));
                            continue;
                        }
                        cursor.queued.push(member.title.clone());
                        cursor.queue.push((member.title, depth + 1));
                    }
                    _ => {}
                }
            }
            if !self.files(style, &category, &files, &mut count, &mut tally)? {
                // The target was reached inside this page: a larger target later goes on from this page.
                cursor.done = true;
                save(&cursor)?;
                break "target reached";
            }
            self.progress(style, count);
            match continuation(&answer) {
                Some(cont) if cursor.cont.as_ref() == Some(&cont) => {
                    log::warn(&format!(
                        "{}: {category} continues where it was; taking this page as the last",
                        style.name
                    ));
                    cursor.queue.remove(0);
                    cursor.cont = None;
                }
                Some(cont) => cursor.cont = Some(cont),
                None => {
                    cursor.queue.remove(0);
                    cursor.cont = None;
                }
            }
            save(&cursor)?;
        };
        log::info(&format!(
            "{}: {count}/{target} files ({} new, {} already stored, {} with a licence not allowed, {} too small, {} \
             not images, {} failed); {end}",
            style.name, tally.new, tally.seen, tally.licence, tally.small, tally.not_image, tally.failed
        ));
        Ok(count)
    }

    /// Processes the files of one listing page in order until `count` reaches the target. True when every file was
    /// processed.
    ///
    /// The image info requests of a page depend only on the page: its files 50 at a time, in listing order. A
    /// request is made when it holds a file not stored yet, so a resumed page, or a run with another target, asks
    /// for the same URLs (a replay or an HTTP cache answers them) at the price of some info about files already
    /// stored.
    fn files(
        &mut self,
        style: &Style,
        category: &str,
        files: &[Member],
        count: &mut u64,
        tally: &mut Tally,
    ) -> Result<bool, Failure> {
        let mut listed = BTreeSet::new();
        let files: Vec<&Member> = files.iter().filter(|f| listed.insert(f.pageid)).collect();
        for chunk in files.chunks(MAX_INFO_BATCH) {
            if *count >= self.settings.per_category {
                return Ok(false);
            }
            let fresh: Vec<&Member> =
                chunk.iter().copied().filter(|f| dataset::seen(&source_key(f.pageid)).is_none()).collect();
            tally.seen += (chunk.len() - fresh.len()) as u64;
            if fresh.is_empty() {
                continue;
            }
            let ids: Vec<u64> = chunk.iter().map(|f| f.pageid).collect();
            if !self.chunk(style, category, &ids, &fresh, count, tally)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Fetches the image info of the files `ids` (up to 50), checks each of `files` (those not stored yet) and
    /// stores the good ones. True when every file was processed (false: the target was reached first).
    fn chunk(
        &mut self,
        style: &Style,
        category: &str,
        ids: &[u64],
        files: &[&Member],
        count: &mut u64,
        tally: &mut Tally,
    ) -> Result<bool, Failure> {
        let url = self.settings.info_url(ids);
        let answer = api_get(&url).map_err(|e| Failure::Category(format!("image info {url}: {e}")))?;
        let mut pages: HashMap<u64, Page> = HashMap::new();
        for raw in answer.pointer("/query/pages").and_then(Value::as_array).into_iter().flatten() {
            if let Ok(page) = serde_json::from_value::<Page>(raw.clone())
                && let Some(id) = page.pageid
            {
                pages.insert(id, page);
            }
        }
        let mut candidates = Vec::new();
        for file in files {
            let skip =
                |why: &str| log::warn(&format!("{}: skipping {} ({}): {why}", style.name, file.title, file.pageid));
            let Some(page) = pages.remove(&file.pageid) else {
                skip("the API gave no image info");
                tally.failed += 1;
                continue;
            };
            if page.is_missing() {
                log::info(&format!("{}: {} was deleted since it was listed", style.name, file.title));
                tally.failed += 1;
                continue;
            }
            let Some(info) = page.imageinfo.into_iter().next() else {
                skip("no image info");
                tally.failed += 1;
                continue;
            };
            match self.check(&info) {
                Ok((thumburl, licence)) => {
                    candidates.push(Candidate { member: (*file).clone(), info, thumburl, licence });
                }
                Err(Skip::Licence(why)) => {
                    log::debug(&format!("{}: skipping {}: licence {why} not allowed", style.name, file.title));
                    tally.licence += 1;
                }
                Err(Skip::Small(why)) => {
                    log::debug(&format!("{}: skipping {}: {why}", style.name, file.title));
                    tally.small += 1;
                }
                Err(Skip::NotImage(why)) => {
                    log::debug(&format!("{}: skipping {}: {why}", style.name, file.title));
                    tally.not_image += 1;
                }
                Err(Skip::Bad(why)) => {
                    skip(&why);
                    tally.failed += 1;
                }
            }
        }
        let target = self.settings.per_category;
        let mut next = 0;
        while next < candidates.len() {
            if *count >= target {
                return Ok(false);
            }
            let take =
                usize::try_from(target - *count).unwrap_or(usize::MAX).min(DOWNLOAD_BATCH).min(candidates.len() - next);
            let group = &candidates[next..next + take];
            let requests: Vec<Request> = group.iter().map(|c| Request::get(c.thumburl.clone())).collect();
            for (candidate, answer) in group.iter().zip(http::fetch_all(&requests)) {
                match image(answer) {
                    Ok((bytes, ext, media_type)) => {
                        let item = self.new_item(style, category, candidate, bytes, ext, media_type);
                        if collect::put(&item)?.created {
                            *count += 1;
                            tally.new += 1;
                        } else {
                            tally.seen += 1;
                        }
                        self.progress(style, *count);
                    }
                    Err(why) => {
                        log::warn(&format!(
                            "{}: skipping {} ({}): image {}: {why}",
                            style.name, candidate.member.title, candidate.member.pageid, candidate.thumburl
                        ));
                        tally.failed += 1;
                    }
                }
            }
            next += take;
        }
        Ok(true)
    }

    /// The image URL and licence of a file that may be stored, else why not.
    fn check(&self, info: &ImageInfo) -> Result<(String, String), Skip> {
        let mime = info.mime.as_deref().unwrap_or("");
        if !mime.starts_with("image/") {
            return Err(Skip::NotImage(format!("media type `{mime}`")));
        }
        let code = api::licence_code(info.ext("License").as_deref(), info.ext_text("LicenseShortName").as_deref())
            .ok_or_else(|| Skip::Licence("(none given)".into()))?;
        if !self.settings.licence_allowed(&code) {
            return Err(Skip::Licence(code));
        }
        let (width, height) = (info.width.unwrap_or(0), info.height.unwrap_or(0));
        if width.min(height) < self.settings.min_side {
            return Err(Skip::Small(format!("{width}×{height} is below min_side {}", self.settings.min_side)));
        }
        let url = info.thumburl.clone().or_else(|| info.url.clone()).ok_or(Skip::Bad("no image URL".into()))?;
        if !self.settings.media_allowed(&url) {
            return Err(Skip::Bad(format!("refusing the image URL {url}: not on base_url's or media_url's origin")));
        }
        Ok((url, code))
    }

    fn new_item(
        &self,
        style: &Style,
        category: &str,
        candidate: &Candidate,
        bytes: Vec<u8>,
        ext: &str,
        media_type: &str,
    ) -> NewItem {
        let Candidate { member, info, thumburl, licence } = candidate;
        let short_name = info.ext_text("LicenseShortName");
        let artist_html = info.ext("Artist");
        let author = info.ext_text("Artist").or_else(|| info.ext_text("Credit"));
        let title = info.ext_text("ObjectName").unwrap_or_else(|| file_name(&member.title));
        let categories: Vec<String> = info
            .ext_text("Categories")
            .map(|c| c.split('|').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect())
            .unwrap_or_default();
        let metadata = json!({
            "pageid": member.pageid,
            "title": member.title,
            "style": style.name,
            "commons_category": category,
            "width": info.width,
            "height": info.height,
            "size": info.size,
            "mime": info.mime,
            "url": info.url,
            "thumburl": thumburl,
            "thumbwidth": info.thumbwidth,
            "thumbheight": info.thumbheight,
            "descriptionurl": info.descriptionurl,
            "descriptionshorturl": info.descriptionshorturl,
            "date": info.ext_text("DateTimeOriginal"),
            "object_name": info.ext_text("ObjectName"),
            "description": info.ext_text("ImageDescription").map(|d| d.chars().take(2000).collect::<String>()),
            "categories": categories,
            "licence_code": licence,
            "licence_short_name": short_name,
            "usage_terms": info.ext_text("UsageTerms"),
            "attribution_required": api::flag(info.ext("AttributionRequired").as_deref()),
            "copyrighted": api::flag(info.ext("Copyrighted").as_deref()),
            "artist": info.ext_text("Artist"),
            "credit": info.ext_text("Credit"),
            "extmetadata": info.ext_values(),
        });
        NewItem {
            source_key: source_key(member.pageid),
            category: Some(style.name.clone()),
            title: Some(title),
            provenance: Provenance {
                source_url: info.descriptionurl.clone().unwrap_or_else(|| {
                    format!("https://commons.wikimedia.org/wiki/{}", member.title.replace(' ', "_"))
                }),
                licence: Some(api::licence_name(licence, short_name.as_deref())),
                licence_url: info.ext_text("LicenseUrl"),
                author,
                author_url: artist_html.as_deref().and_then(api::first_link),
            },
            metadata: metadata.to_string(),
            files: vec![NewFile::new(format!("image.{ext}"), media_type, bytes)],
            parent: None,
        }
    }

    fn progress(&self, style: &Style, count: u64) {
        let target = self.settings.per_category;
        let message = format!("style {}: {count}/{target} files", style.name);
        self.progress.show(count, &message);
    }
}

/// Why a file is not stored.
enum Skip {
    Licence(String),
    Small(String),
    NotImage(String),
    /// Something about the file is wrong (warned about).
    Bad(String),
}

/// The image bytes of a download, with their extension and media type, or why not.
fn image(answer: Result<Response, HttpError>) -> Result<(Vec<u8>, &'static str, &'static str), String> {
    let response = web::success(answer)?;
    let (ext, media_type) =
        web::sniff_only(&response.body, &["jpg", "png", "gif", "webp"]).ok_or("not a JPEG, PNG, GIF or WebP file")?;
    Ok((response.body, ext, media_type))
}

/// The `continue` values of an answer, to add to the next request; none on the last page. Only keys that are
/// continuation parameters (`continue`, `cmcontinue`, ...) are taken, so an odd answer cannot rewrite the query.
fn continuation(answer: &Value) -> Option<BTreeMap<String, String>> {
    let object = answer.get("continue")?.as_object()?;
    let cont: BTreeMap<String, String> = object
        .iter()
        .filter(|(key, _)| key.ends_with("continue") && key.bytes().all(|b| b.is_ascii_lowercase()))
        .filter_map(|(key, value)| match value {
            Value::String(s) => Some((key.clone(), s.clone())),
            Value::Number(n) => Some((key.clone(), n.to_string())),
            _ => None,
        })
        .collect();
    if cont.is_empty() {
        log::warn("the API's `continue` has no continuation values; taking this page as the last");
        return None;
    }
    Some(cont)
}

/// `GET` an API URL as JSON. An API error is an error, except `maxlag` (the database is lagging): then the request
/// is repeated after the `Retry-After` the API gives (a few times at most).
fn api_get(url: &str) -> Result<Value, String> {
    let mut attempt = 0;
    loop {
        let response = web::success(http::fetch(&Request::get(url).header("accept", "application/json")))?;
        let answer: Value = response.json().map_err(|e| e.to_string())?;
        let Some(error) = answer.get("error") else {
            return Ok(answer);
        };
        let code = error.get("code").and_then(Value::as_str).unwrap_or("?");
        let info = error.get("info").and_then(Value::as_str).unwrap_or("");
        if code == "maxlag" && attempt < MAXLAG_RETRIES {
            attempt += 1;
            let wait =
                response.header("retry-after").and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or(5).clamp(1, 30);
            log::warn(&format!("the API asks to wait ({info}); trying again in {wait} s"));
            std::thread::sleep(Duration::from_secs(wait));
            continue;
        }
        return Err(format!("API error `{code}`: {info}"));
    }
}

fn source_key(pageid: u64) -> String {
    format!("wikimedia:{pageid}")
}

/// `File:Claude Monet - Water Lilies.jpg` → `Claude Monet - Water Lilies`.
fn file_name(title: &str) -> String {
    let name = title.split_once(':').map_or(title, |(_, rest)| rest);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 5 => stem.to_string(),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_takes_only_continue_keys() {
        let answer = json!({"continue": {"cmcontinue": "file|4d4f|123", "continue": "-||", "cmtitle": "Category:Evil",
                                         "cmlimit": 500}});
        let cont = continuation(&answer).expect("a continuation");
        assert_eq!(cont.keys().collect::<Vec<_>>(), ["cmcontinue", "continue"]);
        assert_eq!(continuation(&json!({"batchcomplete": true})), None);
    }

    #[test]
    fn file_names_lose_namespace_and_extension() {
        assert_eq!(file_name("File:Claude Monet - Water Lilies.jpg"), "Claude Monet - Water Lilies");
        assert_eq!(file_name("File:A.b.c.tiff"), "A.b.c");
        assert_eq!(file_name("File:.jpg"), ".jpg");
    }
}
