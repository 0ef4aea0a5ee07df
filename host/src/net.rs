//! Outbound HTTP for plugins. Everything a plugin fetches passes through [`client::HttpClient`], which checks
//! the [`policy`] on every hop, resolves names itself and refuses private addresses, adds [`secret`]s and
//! [`redact`]s them from what comes back, caps sizes and time, is [`polite`] to every host (delay, per-host
//! concurrency, retries, [`robots`]), keeps an HTTP [`cache`], and can [`record`] or replay the exchanges.

pub mod cache;
pub mod client;
pub mod policy;
pub mod polite;
pub mod record;
pub mod redact;
pub mod robots;
pub mod secret;

pub use client::{HttpClient, HttpLimits, LiveOptions, NetError, Request, Response};
pub use policy::{Grants, HostPattern};
