//! Writing plugins: `aigc-host new` (a project from a template), `build` (source folder to component),
//! `compile` (ahead of time, into the cache every command reads) and `manifest embed|show`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::build::{self, Built};
use crate::cli::{BuildArgs, CompileArgs, ManifestCommand, NewArgs};
use crate::manifest::{Manifest, PluginFile};
use crate::plugin_text::line;
use crate::runtime::Runtime;

#[derive(Serialize)]
struct BuildReport<'a> {
    #[serde(flatten)]
    built: &'a Built,
    /// Seconds spent compiling it into the cache (absent with `--no-compile`).
    compile_seconds: Option<f64>,
}

/// `aigc-host build [DIR] [-o OUT]`.
pub fn build(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let built = build::build(&args.dir, args.out.as_deref())?;
    let build_time = started.elapsed();
    let compile_time = if args.no_compile {
        None
    } else {
        let plugin = PluginFile::read(&built.path)?;
        Some(precompile(&plugin)?)
    };
    if args.output.json {
        super::print_json(&BuildReport { built: &built, compile_seconds: compile_time.map(|d| d.as_secs_f64()) })?;
        return Ok(ExitCode::SUCCESS);
    }
    let m = &built.manifest;
    println!("{}", built.path.display());
    println!(
        "  {} {} ({}, {}), {} built in {:.1} s{}",
        line(&m.name),
        line(&m.version),
        m.plugin.kind,
        built.lang,
        human_size(built.size),
        build_time.as_secs_f64(),
        compile_time.map(|d| format!(", compiled in {:.1} s", d.as_secs_f64())).unwrap_or_default()
    );
    print_summary(m);
    Ok(ExitCode::SUCCESS)
}

/// The manifest's requests in a few lines, as `inspect` shows them.
fn print_summary(m: &Manifest) {
    if !m.plugin.description.is_empty() {
        println!("  {}", line(&m.plugin.description));
    }
    let list = |v: &[String]| if v.is_empty() { "none".to_string() } else { line(&v.join(", ")).to_string() };
    println!(
        "  hosts: {}; secrets: {}; models: {}",
        list(&m.plugin.hosts),
        list(&m.plugin.secrets.keys().cloned().collect::<Vec<_>>()),
        list(&m.plugin.models)
    );
    if !m.plugin.config.is_empty() {
        println!("  config: {}", line(&m.plugin.config.keys().cloned().collect::<Vec<_>>().join(", ")));
    }
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / 1048576.0)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// Compiles `plugin` with the engine of its kind (see [`Runtime::for_kind`]) and links it against its world,
/// leaving the compiled code in the cache the commands read; returns the time it took (near zero when cached).
pub fn precompile(plugin: &PluginFile) -> anyhow::Result<Duration> {
    let kind = plugin.manifest.plugin.kind;
    let runtime = Runtime::for_kind(kind)?;
    let started = Instant::now();
    let component = runtime.compile(plugin)?;
    runtime.linker(kind)?.instantiate_pre(&component).map_err(|e| crate::runtime::link_error(plugin, e))?;
    Ok(started.elapsed())
}

#[derive(Serialize)]
struct Compiled {
    path: PathBuf,
    name: String,
    kind: crate::manifest::Kind,
    seconds: f64,
}

/// `aigc-host compile PLUGIN...`.
pub fn compile(args: &CompileArgs) -> anyhow::Result<ExitCode> {
    let mut done = Vec::new();
    for path in &args.plugins {
        let plugin = PluginFile::read(path)?;
        let time = precompile(&plugin)?;
        if !args.output.json {
            println!(
                "{}: {} ({}) compiled in {:.1} s",
                path.display(),
                line(&plugin.label()),
                plugin.manifest.plugin.kind,
                time.as_secs_f64()
            );
        }
        done.push(Compiled {
            path: path.clone(),
            name: plugin.manifest.name.clone(),
            kind: plugin.manifest.plugin.kind,
            seconds: time.as_secs_f64(),
        });
    }
    if args.output.json {
        super::print_json(&done)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `aigc-host manifest embed|show`.
pub fn manifest(command: &ManifestCommand) -> anyhow::Result<ExitCode> {
    match command {
        ManifestCommand::Show { plugin } => {
            let plugin = PluginFile::read(plugin)?;
            super::print_json(&plugin.manifest)?;
        }
        ManifestCommand::Embed { component, manifest, out } => {
            let text = std::fs::read_to_string(manifest)
                .with_context(|| format!("cannot read the manifest `{}`", manifest.display()))?;
            let declared: Manifest = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "`{}` is not a manifest: {e}; it is a JSON object with `name`, `version`, `wit` (\"{}\") and \
                     `plugin` (`kind` and what it asks for), as `aigc-host manifest show PLUGIN` prints",
                    manifest.display(),
                    build::WIT_PACKAGE
                )
            })?;
            let bytes = std::fs::read(component)
                .with_context(|| format!("cannot read the component `{}`", component.display()))?;
            let out = out.as_deref().unwrap_or(component);
            let embedded = build::embed_manifest_at(component, bytes, &declared)?;
            build::check_imports(component, &embedded, declared.plugin.kind, None)?;
            build::write_atomic(out, &embedded)?;
            println!("{}", out.display());
            print_summary(&declared);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `aigc-host new KIND NAME --lang LANG`.
pub fn new(args: &NewArgs) -> anyhow::Result<ExitCode> {
    let created = crate::build::templates::create(args)?;
    println!("created {}", created.dir.display());
    for file in &created.files {
        println!("  {}", file.display());
    }
    println!("\nnext:");
    println!("  1. edit {}", created.edit.display());
    println!("  2. aigc-host build {}", shell_path(&created.dir));
    println!("  3. {}", created.try_it);
    Ok(ExitCode::SUCCESS)
}

fn shell_path(path: &Path) -> String {
    let text = path.display().to_string();
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)) { text } else { format!("'{text}'") }
}
