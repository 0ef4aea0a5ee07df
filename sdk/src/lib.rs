//! Write plugins for [aigc-host](https://example.invalid/aigc-host) in Rust.
//!
//! A plugin is a WebAssembly component that the host runs in a sandbox. It implements one trait — [`Crawler`],
//! [`Cleaner`], [`Annotator`] or [`Grader`] — exports it with the matching macro, and states what it needs in a [`manifest!`]:
//!
//! ```ignore
//! use aigc_sdk::{Crawler, Result, collect, http, log};
//!
//! aigc_sdk::manifest!({
//!     "kind": "crawler",
//!     "description": "Collects example pages",
//!     "hosts": ["example.org"],
//!     "config": { "base_url": { "default": "https://example.org", "help": "origin to crawl" } }
//! });
//!
//! struct Example;
//!
//! impl Crawler for Example {
//!     fn crawl() -> Result<()> {
//!         let base = aigc_sdk::config::get_or("base_url", "https://example.org");
//!         let page = http::get(&format!("{base}/index.json"))?.error_for_status()?;
//!         log::info(&format!("got {} bytes", page.body.len()));
//!         Ok(())
//!     }
//! }
//!
//! aigc_sdk::export_crawler!(Example);
//! ```
//!
//! Build it with `cargo build --release --target wasm32-wasip2` and run it with
//! `aigc-host run target/wasm32-wasip2/release/example.wasm --dataset DIR`.
//!
//! Crawlers share their plumbing through [`crawl`] (the loop over categories and its failure rule, JSON crawl
//! state, counting stored items, progress over all categories), [`web`] (origins, query encoding, telling file types
//! by their bytes, HTTP answers in words) and [`config`] (comma lists, category names, `NAME=QUERY` pairs, base
//! URLs).
//!
//! The plugin can reach only what its world imports and the operator grants: hosts named in the manifest (and
//! allowed by the operator's policy), secrets the host adds to requests on its behalf, and the dataset through
//! [`dataset`] and [`collect`]. There is no filesystem, environment, clock beyond the basics, or socket.

#![deny(missing_docs)]

#[doc(hidden)]
#[allow(missing_docs, unreachable_pub, unsafe_code)]
pub mod bindings;

pub mod annotate;
pub mod collect;
pub mod config;
pub mod crawl;
pub mod dataset;
mod error;
pub mod evaluation;
pub mod http;
pub mod image;
pub mod log;
mod manifest;
pub mod mesh;
pub mod model;
pub mod submission;
pub mod svg;
pub mod web;

pub use error::{Error, Result};
/// Re-exported so plugins depend on this crate alone; the export macros use it.
pub use wit_bindgen;

pub use bindings::aigc::plugin::types::{Check, Report, Verdict};

/// The WIT package this SDK speaks; the host checks it against the versions it runs.
pub const WIT_PACKAGE: &str = "aigc:plugin@0.1.1";

/// A plugin that collects items from a source into the dataset (world `crawler`).
pub trait Crawler {
    /// Crawls until done. Items already put stay stored when this returns an error.
    fn crawl() -> Result<()>;
}

/// A plugin that judges items one at a time (world `cleaner`).
pub trait Cleaner {
    /// The verdict on one item; an error leaves the item unjudged and is reported.
    fn check(item: dataset::Item) -> Result<Verdict>;
}

/// A plugin that describes items one at a time, storing annotations such as captions (world `annotator`).
pub trait Annotator {
    /// Annotates one item, through [`annotate::put`].
    fn annotate(item: dataset::Item) -> Result<()>;
}

/// A plugin that grades one submission at a time (world `grader`).
pub trait Grader {
    /// The checks made on the submission the host exposes through [`submission`].
    fn grade() -> Result<Report>;
}

/// A plugin that evaluates generated samples against references (world `metric`).
pub trait Metric {
    /// The metric's named scores; the host's measures are in [`evaluation`].
    fn evaluate() -> Result<Vec<evaluation::Score>>;
}

/// Exports a type implementing [`Crawler`] as this component's `crawl` function.
#[macro_export]
macro_rules! export_crawler {
    ($ty:ty) => {
        $crate::__export_world!(crawler, Crawler, $ty);
    };
}

/// Exports a type implementing [`Cleaner`] as this component's `check` function.
#[macro_export]
macro_rules! export_cleaner {
    ($ty:ty) => {
        $crate::__export_world!(cleaner, Cleaner, $ty);
    };
}

/// Exports a type implementing [`Annotator`] as this component's `annotate-item` function.
#[macro_export]
macro_rules! export_annotator {
    ($ty:ty) => {
        $crate::__export_world!(annotator, Annotator, $ty);
    };
}

/// Exports a type implementing [`Grader`] as this component's `grade` function.
#[macro_export]
macro_rules! export_grader {
    ($ty:ty) => {
        $crate::__export_world!(grader, Grader, $ty);
    };
}

/// Exports a type implementing [`Metric`] as this component's `evaluate` function.
#[macro_export]
macro_rules! export_metric {
    ($ty:ty) => {
        $crate::__export_world!(metric, Metric, $ty);
    };
}

#[doc(hidden)]
pub use aigc_sdk_macros::__export_world;

#[doc(hidden)]
pub mod __private {
    pub use std::string::String;
    pub use std::vec::Vec;

    /// Copies a string into a fixed-size array at compile time, for the manifest's custom section.
    pub const fn bytes<const N: usize>(text: &str) -> [u8; N] {
        let src = text.as_bytes();
        let mut out = [0u8; N];
        let mut i = 0;
        while i < N {
            out[i] = src[i];
            i += 1;
        }
        out
    }
}
