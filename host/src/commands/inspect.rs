//! `aigc-host inspect`: what a plugin is and asks for, read without running it.

use std::process::ExitCode;

use serde::Serialize;

use crate::cli::InspectArgs;
use crate::manifest::{ConfigKey, PluginFile, SecretRequest};
use crate::plugin_text::line;

#[derive(Serialize)]
struct Requests<'a> {
    hosts: &'a [String],
    secrets: &'a std::collections::BTreeMap<String, SecretRequest>,
    models: &'a [String],
}

#[derive(Serialize)]
struct Inspection<'a> {
    name: &'a str,
    version: &'a str,
    kind: crate::manifest::Kind,
    wit: &'a str,
    description: &'a str,
    requests: Requests<'a>,
    config: &'a std::collections::BTreeMap<String, ConfigKey>,
    sha256: &'a str,
    size: usize,
}

pub fn inspect(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let plugin = PluginFile::read(&args.plugin)?;
    let m = &plugin.manifest;
    let view = Inspection {
        name: &m.name,
        version: &m.version,
        kind: m.plugin.kind,
        wit: &m.wit,
        description: &m.plugin.description,
        requests: Requests { hosts: &m.plugin.hosts, secrets: &m.plugin.secrets, models: &m.plugin.models },
        config: &m.plugin.config,
        sha256: &plugin.sha256,
        size: plugin.bytes.len(),
    };
    if args.output.json {
        super::print_json(&view)?;
        return Ok(ExitCode::SUCCESS);
    }
    // Everything below but the hash comes from the plugin's own manifest: shown escaped, as plugin text.
    println!("{} {} ({}, {})", m.name, m.version, m.plugin.kind, m.wit);
    if !m.plugin.description.is_empty() {
        println!("  {}", line(&m.plugin.description));
    }
    println!("  sha256 {}  ({} KiB)", plugin.sha256, plugin.bytes.len() >> 10);
    let list = |v: &[String]| if v.is_empty() { "none".to_string() } else { line(&v.join(", ")).to_string() };
    println!("hosts it asks for: {}", list(&m.plugin.hosts));
    if m.plugin.secrets.is_empty() {
        println!("secrets: none");
    } else {
        println!("secrets (give with --secret NAME=VALUE):");
        for (name, s) in &m.plugin.secrets {
            println!("  {}: sent as `{}` to {}", line(name), line(&s.header), line(&s.hosts.join(", ")));
        }
    }
    println!("models: {}", list(&m.plugin.models));
    if m.plugin.config.is_empty() {
        println!("config: none");
    } else {
        println!("config (set with --set KEY=VALUE):");
        for (key, c) in &m.plugin.config {
            let default = c.default.as_deref().map(|d| format!(" [default: {}]", line(d))).unwrap_or_default();
            println!("  {}{default}\n      {}", line(key), line(&c.help));
        }
    }
    Ok(ExitCode::SUCCESS)
}
