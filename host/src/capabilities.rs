//! The host side of each WIT interface. Each module implements one generated `Host` trait on
//! [`HostState`](crate::runtime::HostState) and checks, there, everything a plugin hands it.
//!
//! [`RunContext`] is what a run lends its plugin instances: all of them share it, so counts and caps hold for
//! the run, not per instance.

pub mod annotate;
pub mod collect;
pub mod config;
pub mod dataset;
pub mod evaluation;
pub mod http;
pub mod image;
pub mod log;
pub mod mesh;
pub mod model;
pub mod submission;
pub mod svg;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::net::HttpClient;
use crate::store::{Dataset, RunId};

/// Who the plugin is, for messages and provenance.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub sha256: String,
    /// `name@version`.
    pub label: String,
}

/// Counts a run reports in its summary.
#[derive(Debug, Default)]
pub struct Counters {
    pub items_added: AtomicU64,
    pub items_skipped: AtomicU64,
    pub errors_logged: AtomicU64,
}

/// What one run lends its plugin instances. A capability the world does not import is None and unreachable.
pub struct RunContext {
    pub plugin: PluginInfo,
    /// Resolved configuration: `--set` values over manifest defaults.
    pub config: BTreeMap<String, String>,
    pub dataset: Option<Arc<Dataset>>,
    pub run_id: Option<RunId>,
    pub http: Option<Arc<HttpClient>>,
    pub submission: Option<Arc<crate::submission::Submission>>,
    pub models: Option<Arc<model::ModelGrants>>,
    pub log: log::LogSink,
    pub counters: Counters,
    /// Image facts and duplicate groups shared by a clean or annotate run's rules (None: measured per call).
    pub images: Option<Arc<crate::image::groups::RunImages>>,
    /// The two sets an evaluation compares (the metric world's).
    pub evaluation: Option<Arc<evaluation::Sets>>,
}

impl crate::bindings::types::Host for crate::runtime::HostState {}

/// The WIT error for a store failure. Store errors are the host's problem, not a plugin's rule break, so the
/// plugin gets them as errors it can report.
pub(crate) fn store_error(error: crate::store::StoreError) -> crate::bindings::types::Error {
    crate::bindings::types::Error::Other(error.to_string())
}

/// Host work refused or given up (see [`crate::budget`]) is a `limit` error for the plugin: the input asked for
/// more than the host does per call. Every capability's metered work maps its budget errors through this.
impl From<crate::budget::WorkError> for crate::bindings::types::Error {
    fn from(error: crate::budget::WorkError) -> Self {
        crate::bindings::types::Error::Limit(error.to_string())
    }
}
