//! The one integration-test binary. Every test runs the real `aigc-host` binary on plugins built from source,
//! offline, with loopback servers where HTTP is involved.

mod clean_runs;
mod cli;
mod course_grader;
mod crawl;
mod crawlers;
mod evaluate;
mod export;
mod fuzz_corpus;
mod grading;
mod host_budget;
mod host_work;
mod hostile_text;
mod http;
mod image_clean;
mod image_export;
mod js_plugins;
mod mesh;
mod mesh_limits;
mod models;
mod plugin_tooling;
mod politeness;
mod python_plugins;
mod render;
mod sandbox;
mod secrets;
mod special_files;
mod svg;
mod svg_text_model;
