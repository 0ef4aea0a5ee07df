//! The one integration-test binary. Every test runs the real `aigc-host` binary on plugins built from source,
//! offline, with loopback servers where HTTP is involved.

mod cli;
mod crawl;
mod crawlers;
mod grading;
mod http;
mod politeness;
mod sandbox;
