//! Turning command-line arguments into what a run needs: configuration checked against the manifest, grants,
//! secrets, limits. Every mistake is reported before the plugin starts, naming the flag and what would work.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::budget::WorkLimits;
use crate::cli::LimitArgs;
use crate::manifest::{Manifest, PluginFile};
use crate::net::HostPattern;
use crate::net::client::Secret;
use crate::runtime::Limits;

/// `KEY=VALUE` pairs, split once at the first `=`.
pub fn key_values<'a>(flag: &str, pairs: &'a [String]) -> anyhow::Result<Vec<(&'a str, &'a str)>> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .map(|(k, v)| (k.trim(), v))
                .with_context(|| format!("`{flag} {pair}` needs the form KEY=VALUE"))
        })
        .collect()
}

/// The plugin's configuration: manifest defaults, overridden by `--set`. Keys the manifest does not declare are
/// an error, so a typo does not silently run with the default.
pub fn config(plugin: &PluginFile, sets: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    config_from(&plugin.manifest, &plugin.label(), &key_values("--set", sets)?, false)
}

/// Like [`config`], for one of several plugins sharing the same `--set` flags: each takes only its own keys.
pub fn config_from(
    manifest: &Manifest,
    label: &str,
    sets: &[(&str, &str)],
    lenient: bool,
) -> anyhow::Result<BTreeMap<String, String>> {
    let declared = &manifest.plugin.config;
    let mut config: BTreeMap<String, String> =
        declared.iter().filter_map(|(k, v)| v.default.clone().map(|d| (k.clone(), d))).collect();
    for (key, value) in sets {
        if declared.contains_key(*key) {
            config.insert((*key).to_string(), (*value).to_string());
        } else if !lenient {
            let known = if declared.is_empty() {
                "it takes none".to_string()
            } else {
                format!("it takes: {}", declared.keys().cloned().collect::<Vec<_>>().join(", "))
            };
            bail!("plugin {label} has no config key `{key}` ({known}); see `aigc-host inspect`");
        }
    }
    Ok(config)
}

/// Host grants from the manifest and from `--allow-host`.
pub fn grants(manifest: &Manifest, allow: &[String]) -> anyhow::Result<crate::net::Grants> {
    let manifest_hosts = manifest
        .plugin
        .hosts
        .iter()
        .map(|h| HostPattern::parse(h).map_err(|e| anyhow::anyhow!("manifest host `{h}`: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let operator = allow
        .iter()
        .map(|h| HostPattern::parse(h).map_err(|e| anyhow::anyhow!("`--allow-host {h}`: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(crate::net::Grants::new(manifest_hosts, operator))
}

/// Secrets from `--secret NAME=VALUE`, each bound to the hosts its manifest entry names plus `--secret-host`.
pub fn secrets(plugin: &PluginFile, given: &[String], extra_hosts: &[String]) -> anyhow::Result<Vec<Secret>> {
    let declared = &plugin.manifest.plugin.secrets;
    let unknown = |name: &str, flag: &str| {
        let known = if declared.is_empty() {
            "it asks for none".to_string()
        } else {
            format!("it asks for: {}", declared.keys().cloned().collect::<Vec<_>>().join(", "))
        };
        anyhow::anyhow!("`{flag}`: plugin {} has no secret `{name}` ({known})", plugin.label())
    };
    let mut extra: BTreeMap<&str, Vec<HostPattern>> = BTreeMap::new();
    for (name, host) in key_values("--secret-host", extra_hosts)? {
        if !declared.contains_key(name) {
            return Err(unknown(name, "--secret-host"));
        }
        let pattern = HostPattern::parse(host).map_err(|e| anyhow::anyhow!("`--secret-host {name}={host}`: {e}"))?;
        extra.entry(name).or_default().push(pattern);
    }
    key_values("--secret", given)?
        .into_iter()
        .map(|(name, value)| {
            let request = declared.get(name).ok_or_else(|| unknown(name, "--secret"))?;
            let mut hosts = request
                .hosts
                .iter()
                .map(|h| HostPattern::parse(h).map_err(|e| anyhow::anyhow!("secret `{name}` host `{h}`: {e}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            hosts.extend(extra.remove(name).unwrap_or_default());
            Ok(Secret::new(name, &request.header, &request.prefix, value, hosts)?)
        })
        .collect()
}

/// Sandbox limits from the common flags.
pub fn limits(args: &LimitArgs) -> anyhow::Result<Limits> {
    let seconds = |flag: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(Duration::from_secs_f64(v))
        } else {
            bail!("`{flag}` must be a positive number of seconds")
        }
    };
    if args.memory_limit == 0 || args.memory_limit > 16 << 10 {
        bail!("`--memory-limit` must be between 1 and 16384 MiB");
    }
    if args.host_memory < 64 || args.host_memory > 1 << 20 {
        bail!("`--host-memory` must be between 64 and 1048576 MiB");
    }
    crate::budget::configure_memory(args.host_memory << 20);
    let host_work = seconds("--host-work", args.host_work)?;
    let work =
        WorkLimits { plugin_work: u64::try_from(host_work.as_nanos()).unwrap_or(u64::MAX), ..WorkLimits::default() };
    Ok(Limits {
        memory: usize::try_from(args.memory_limit << 20).context("--memory-limit too large")?,
        cpu: seconds("--cpu-limit", args.cpu_limit)?,
        wall: args.timeout.map(|t| seconds("--timeout", t)).transpose()?,
        fuel: None,
        deterministic: false,
        work,
    })
}

/// Reads a plugin and checks it is the kind the command runs.
pub fn plugin_of_kind(
    path: &std::path::Path,
    kind: crate::manifest::Kind,
    command: &str,
) -> anyhow::Result<PluginFile> {
    let plugin = PluginFile::read(path)?;
    if plugin.manifest.plugin.kind != kind {
        let how = match plugin.manifest.plugin.kind {
            crate::manifest::Kind::Crawler => "aigc-host run PLUGIN --dataset DIR",
            crate::manifest::Kind::Cleaner => "aigc-host clean DIR --rule PLUGIN",
            crate::manifest::Kind::Annotator => "aigc-host annotate DIR --with PLUGIN",
            crate::manifest::Kind::Grader => "aigc-host grade PLUGIN SUBMISSION...",
            crate::manifest::Kind::Metric => "aigc-host evaluate PLUGIN --generated DIR --reference DIR",
        };
        bail!(
            "`{}` is a {} plugin and `aigc-host {command}` runs {kind}s; run it with `{how}`",
            path.display(),
            plugin.manifest.plugin.kind
        );
    }
    Ok(plugin)
}

pub fn plugin_info(plugin: &PluginFile) -> crate::capabilities::PluginInfo {
    crate::capabilities::PluginInfo {
        name: plugin.manifest.name.clone(),
        version: plugin.manifest.version.clone(),
        sha256: plugin.sha256.clone(),
        label: plugin.label(),
    }
}

pub fn plugin_ref(plugin: &PluginFile) -> crate::store::PluginRef {
    crate::store::PluginRef {
        name: plugin.manifest.name.clone(),
        version: plugin.manifest.version.clone(),
        sha256: plugin.sha256.clone(),
    }
}

/// The politeness flags as the HTTP client takes them. The cache lives in the dataset (`http-cache/`).
pub fn live_options(
    args: &crate::cli::PolitenessArgs,
    dataset: &std::path::Path,
) -> anyhow::Result<crate::net::LiveOptions> {
    if !(args.delay.is_finite() && args.delay >= 0.0 && args.delay <= 3600.0) {
        bail!("`--delay` must be between 0 and 3600 seconds");
    }
    if args.per_host == 0 {
        bail!("`--per-host` must be at least 1");
    }
    Ok(crate::net::LiveOptions {
        politeness: crate::net::polite::Politeness {
            delay: Duration::from_secs_f64(args.delay),
            per_host: args.per_host,
        },
        obey_robots: args.robots == crate::cli::RobotsMode::Obey,
        retries: args.retries.min(10),
        cache: (args.cache == crate::cli::CacheMode::On)
            .then(|| crate::net::cache::HttpCache::new(&dataset.join("http-cache"))),
        contact: args.contact.clone(),
    })
}

/// The process's model engine, on the device `--device` names, for a pass of `jobs` workers. On the CPU the
/// forward passes run side by side, one per core, on one libtorch thread each, unless `--model-threads` (or
/// `OMP_NUM_THREADS`) fixes the threads per pass (see [`crate::models::plan`]).
pub fn model_engine(
    args: &crate::cli::ModelArgs,
    jobs: usize,
) -> anyhow::Result<Arc<crate::models::engine::ModelEngine>> {
    let device = crate::models::engine::parse_device(&args.device).map_err(|e| anyhow::anyhow!("`--device`: {e}"))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = match args.model_threads {
        Some(0) => anyhow::bail!("`--model-threads` must be at least 1"),
        Some(n) => Some(n),
        None => std::env::var("OMP_NUM_THREADS").ok().and_then(|v| v.trim().parse::<usize>().ok()).filter(|&n| n > 0),
    };
    let plan = crate::models::plan::Plan::new(device, cores, jobs, threads);
    crate::models::engine::set_cpu_threads(plan.threads);
    let registry = crate::models::registry::Registry::default_location();
    Ok(Arc::new(crate::models::engine::ModelEngine::with_plan(registry, device, plan)))
}

/// The models `plugin` may call: its manifest's names, each served by the registered model of the same name or
/// the one `--model NAME=REGISTERED` says. Checked now, so a missing model is an error before any item is touched.
pub fn model_grants(
    plugin: &PluginFile,
    engine: &Arc<crate::models::engine::ModelEngine>,
    args: &crate::cli::ModelArgs,
) -> anyhow::Result<Option<Arc<crate::capabilities::model::ModelGrants>>> {
    let asked = &plugin.manifest.plugin.models;
    if asked.is_empty() {
        return Ok(None);
    }
    let mapped: BTreeMap<&str, &str> = key_values("--model", &args.model)?.into_iter().collect();
    let mut names = BTreeMap::new();
    for asked_name in asked {
        // `NAME?` is a model the plugin uses when it is there and does without otherwise (its calls then answer
        // `not-found`); mapping it with `--model` makes it required again.
        let (name, optional) = match asked_name.strip_suffix('?') {
            Some(name) => (name, !mapped.contains_key(name)),
            None => (asked_name.as_str(), false),
        };
        let registered = mapped.get(name).copied().unwrap_or(name);
        match engine.model(registered) {
            Ok(_) => {}
            Err(_) if optional => continue,
            Err(e) => anyhow::bail!(
                "plugin {} needs model `{name}`: {e} (or map it: `--model {name}=REGISTERED`)",
                plugin.label()
            ),
        }
        names.insert(name.to_string(), registered.to_string());
    }
    Ok(Some(Arc::new(crate::capabilities::model::ModelGrants { engine: Arc::clone(engine), names })))
}
