//! Scaffolding for crawlers that fill the dataset one category at a time (a course category, an art style): the
//! loop over the categories with its failure rule, crawl state kept as JSON between runs, counting what the dataset
//! already holds in a category, and progress over all categories.
//!
//! ```ignore
//! use aigc_sdk::crawl::{self, Failure, State};
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Cursor { page: u64, done: bool }
//!
//! fn run(settings: &Settings) -> Result<()> {
//!     crawl::run_categories("category", &settings.categories, |c| c.name.as_str(), |category| {
//!         let state = State::<Cursor>::cursor(&category.name);
//!         let mut cursor = state.load().unwrap_or(Cursor { page: 0, done: false });
//!         let mut count = crawl::count_stored(&category.name, "example:");
//!         while !cursor.done && count < settings.per_category {
//!             // A failed page ends this category only; a failed write (`?` on an `Error`) ends the run.
//!             let page = fetch(category, cursor.page).map_err(Failure::Category)?;
//!             count += store(&page)?;
//!             cursor.page += 1;
//!             cursor.done = page.is_last();
//!             state.save(&cursor)?;
//!         }
//!         Ok(())
//!     })
//! }
//! ```
//!
//! Resuming is the crawler's own business (what its cursor holds, when it is saved, whether items already stored
//! count): this module only keeps the pieces every such crawler wrote the same way.

use crate::{Error, Result, collect, dataset, log};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// Why a category ended early.
pub enum Failure {
    /// The source failed for this category (a search page, a refused `next` link): [`run_categories`] logs it and
    /// goes on with the next category.
    Category(String),
    /// The dataset failed (a write, the crawl state): the run stops. `?` on an [`Error`] gives this.
    Fatal(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Fatal(error)
    }
}

/// Runs `crawl` on each of `categories` in order. A [`Failure::Category`] is logged as an error
/// (`NAME: MESSAGE; the NOUN ends here`) and the next category goes on; a [`Failure::Fatal`] ends the run at once
/// with an error naming the category (`NOUN NAME: ...`). The run fails only when every category failed, with an
/// error listing why (`every NOUN failed: NAME: MESSAGE; ...`); no category at all is no failure.
///
/// `noun` is what the crawler calls a category in messages (`category`, `style`); `name` gives a category's name.
pub fn run_categories<C>(
    noun: &str,
    categories: &[C],
    name: impl Fn(&C) -> &str,
    crawl: impl FnMut(&C) -> Result<(), Failure>,
) -> Result<()> {
    run_reporting(noun, categories, name, crawl, log::error)
}

/// [`run_categories`], with the log line of a failed category handed to `report`.
fn run_reporting<C>(
    noun: &str,
    categories: &[C],
    name: impl Fn(&C) -> &str,
    mut crawl: impl FnMut(&C) -> Result<(), Failure>,
    mut report: impl FnMut(&str),
) -> Result<()> {
    let mut failures = Vec::new();
    for category in categories {
        let name = name(category);
        match crawl(category) {
            Ok(()) => {}
            Err(Failure::Fatal(error)) => return Err(error.context(format!("{noun} {name}"))),
            Err(Failure::Category(message)) => {
                report(&format!("{name}: {message}; the {noun} ends here"));
                failures.push(format!("{name}: {message}"));
            }
        }
    }
    if !failures.is_empty() && failures.len() == categories.len() {
        return Err(Error::msg(format!("every {noun} failed: {}", failures.join("; "))));
    }
    Ok(())
}

/// Progress over a crawl of several categories that each aim at the same target number of items: the host's
/// progress bar runs from 0 to `target × categories`, each category counting at most `target`.
pub struct Progress {
    target: u64,
    total: u64,
    /// Items counted in the categories already finished.
    finished: u64,
}

impl Progress {
    /// Progress for `categories` categories of `target` items each.
    pub fn new(target: u64, categories: usize) -> Self {
        Self { target, total: target.saturating_mul(categories as u64), finished: 0 }
    }

    /// Reports `count` items counted so far in the category in progress, with a status line (see
    /// [`log::progress`]).
    pub fn show(&self, count: u64, message: &str) {
        log::progress(self.done(count), Some(self.total), message);
    }

    /// Ends the category in progress, which counted `count` items.
    pub fn finish(&mut self, count: u64) {
        self.finished = self.done(count);
    }

    fn done(&self, count: u64) -> u64 {
        self.finished + count.min(self.target)
    }
}

/// A value of type `T` kept as JSON in the crawl state under one key, for the next run of this plugin on this
/// dataset (see [`collect::state`]); at most 64 KiB of JSON.
pub struct State<T> {
    key: String,
    value: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> State<T> {
    /// The state saved under `key`.
    pub fn new(key: impl Into<String>) -> Self {
        Self { key: key.into(), value: PhantomData }
    }

    /// The cursor of one category: the state under `cursor.NAME`.
    pub fn cursor(category: &str) -> Self {
        Self::new(format!("cursor.{category}"))
    }

    /// The key the value is saved under.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The saved value; none when nothing was saved or what was saved does not read as a `T` (a state written by
    /// another version of the plugin is ignored, not an error).
    pub fn load(&self) -> Option<T> {
        decode(collect::state(&self.key).as_deref())
    }

    /// Saves `value`, replacing what was saved; an error when the dataset refuses it.
    pub fn save(&self, value: &T) -> Result<()> {
        collect::set_state(&self.key, &serde_json::to_string(value)?)
    }
}

fn decode<T: DeserializeOwned>(text: Option<&str>) -> Option<T> {
    serde_json::from_str(text?).ok()
}

/// How many items of `category` the dataset holds whose source key starts with `key_prefix` (`smithsonian:`): the
/// items this plugin stored in the category, by this run or earlier ones, for a `per_category` target that
/// survives restarts.
pub fn count_stored(category: &str, key_prefix: &str) -> u64 {
    dataset::items(Some(category)).filter(|item| item.source_key.starts_with(key_prefix)).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Cursor {
        page: u64,
        done: bool,
    }

    #[test]
    fn progress_counts_each_category_up_to_its_target() {
        let mut progress = Progress::new(10, 3);
        assert_eq!((progress.done(4), progress.total), (4, 30));
        progress.finish(12); // more than the target (stored by an earlier run with a larger one)
        assert_eq!(progress.done(3), 13);
        progress.finish(3);
        assert_eq!(progress.done(0), 13);
        assert_eq!(Progress::new(u64::MAX, 2).total, u64::MAX);
    }

    #[test]
    fn state_keys() {
        assert_eq!(State::<Cursor>::cursor("ukiyo-e").key(), "cursor.ukiyo-e");
        assert_eq!(State::<Cursor>::new("collections").key(), "collections");
    }

    #[test]
    fn unreadable_state_is_no_state() {
        assert_eq!(decode::<Cursor>(Some(r#"{"page":3,"done":false}"#)), Some(Cursor { page: 3, done: false }));
        assert_eq!(decode::<Cursor>(None), None);
        assert_eq!(decode::<Cursor>(Some("")), None);
        assert_eq!(decode::<Cursor>(Some(r#"{"start":"https://x","before":2}"#)), None, "another version's cursor");
    }

    #[test]
    fn fatal_failures_come_from_errors() {
        fn write() -> Result<(), Failure> {
            Err(Error::msg("disk full"))?;
            Ok(())
        }
        assert!(matches!(write(), Err(Failure::Fatal(e)) if e.to_string() == "disk full"));
    }

    /// Runs `outcomes` (per category: none for success, `Some(Ok(m))` for a category failure, `Some(Err(m))` for
    /// a fatal one) through the driver: its result, the categories crawled and the lines logged.
    fn drive(
        noun: &str,
        outcomes: &[(&str, Option<Result<&str, &str>>)],
    ) -> (Result<(), String>, Vec<String>, Vec<String>) {
        let (mut crawled, mut logged) = (Vec::new(), Vec::new());
        let result = run_reporting(
            noun,
            outcomes,
            |(name, _)| *name,
            |(name, outcome)| {
                crawled.push(name.to_string());
                match outcome {
                    None => Ok(()),
                    Some(Ok(message)) => Err(Failure::Category(message.to_string())),
                    Some(Err(message)) => Err(Failure::Fatal(Error::msg(message))),
                }
            },
            |line| logged.push(line.to_string()),
        );
        (result.map_err(|e| e.to_string()), crawled, logged)
    }

    #[test]
    fn fails_only_when_every_category_failed() {
        let (result, crawled, logged) = drive("category", &[("animals", Some(Ok("HTTP 500"))), ("plants", None)]);
        assert_eq!(result, Ok(()));
        assert_eq!(crawled, ["animals", "plants"], "the next category goes on");
        assert_eq!(logged, ["animals: HTTP 500; the category ends here"]);

        let (result, _, logged) = drive("style", &[("a", Some(Ok("HTTP 500"))), ("b", Some(Ok("timed out")))]);
        assert_eq!(result, Err("every style failed: a: HTTP 500; b: timed out".into()));
        assert_eq!(logged.len(), 2);

        assert_eq!(drive("category", &[]).0, Ok(()), "no category at all is no failure");
    }

    #[test]
    fn a_fatal_failure_ends_the_run_at_once() {
        let (result, crawled, logged) =
            drive("style", &[("a", Some(Ok("HTTP 500"))), ("b", Some(Err("disk full"))), ("c", None)]);
        assert_eq!(result, Err("style b: disk full".into()));
        assert_eq!(crawled, ["a", "b"]);
        assert_eq!(logged, ["a: HTTP 500; the style ends here"]);
    }
}
