//! aigc-host: runs sandboxed WebAssembly plugins (crawlers, cleaners, graders) over datasets.
//!
//! The host owns everything with authority — the network, the dataset on disk, models — and lends plugins
//! narrow, checked capabilities through the WIT interfaces in `wit/`. The pieces:
//!
//! - [`manifest`]: what a plugin is and asks for, read from its custom section without running it;
//! - [`runtime`]: the wasmtime engine, the sandbox limits, and instantiation of one plugin per store;
//! - [`budget`]: the host work done on a plugin's behalf, estimated and bounded before it is done;
//! - [`capabilities`]: the host side of each WIT interface (log, config, dataset, collect, http, submission);
//! - [`net`]: outbound HTTP with the grant policy, address checks, politeness, secrets, record and replay;
//! - [`policy`]: the operator's policy file, which narrows what any plugin may reach;
//! - [`store`]: the dataset on disk (SQLite manifest plus content-addressed blobs);
//! - [`submission`]: folders and zip archives handed in for grading, checked and read boundedly;
//! - [`regular_file`]: opening files that must be regular files without blocking on a FIFO or a device;
//! - [`models`]: libtorch through `tch`;
//! - [`mesh`] and [`render`]: 3D models read from an item's files, measured, and drawn on the CPU;
//! - [`export`]: 3D models and renders written as the course zip, Zero123 folders or Objaverse-like metadata;
//! - [`image`]: bounded raster decoding, CleanVision's measurements, perceptual hashes and duplicate groups;
//! - [`svg`]: safe SVG parsing, rasterizing and shape statistics (usvg/resvg);
//! - [`plugin_text`]: caps on the text plugins hand back, and its escaping on the terminal;
//! - [`names`]: the one file-name sanitizer (portable to Windows and macOS) for import, the store and exports;
//! - [`commands`]: what each `aigc-host` subcommand does, on top of the above;
//! - [`fuzzing`]: the entry points for the fuzzers (`fuzz/`, and the corpus test), one per untrusted input format.

pub mod bindings;
pub mod budget;
pub mod build;
pub mod capabilities;
pub mod cli;
pub mod commands;
pub mod export;
pub mod fuzzing;
pub mod image;
pub mod manifest;
pub mod mesh;
pub mod metrics;
pub mod models;
pub mod names;
pub mod net;
pub mod plugin_text;
pub mod policy;
pub mod progress;
pub mod regular_file;
pub mod render;
pub mod runtime;
pub mod store;
pub mod submission;
pub mod svg;
