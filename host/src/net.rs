//! Outbound HTTP for plugins. Everything a plugin fetches passes through [`client::HttpClient`], which checks
//! the [`policy`] on every hop, resolves names itself and refuses private addresses, adds secrets, caps sizes and
//! time, and can [`record`] or replay the exchanges.

pub mod client;
pub mod policy;
pub mod record;

pub use client::{HttpClient, HttpLimits, NetError, Request, Response};
pub use policy::{Grants, HostPattern};
