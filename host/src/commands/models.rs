//! `aigc-host models list | add | remove | pull`.

use std::process::ExitCode;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use crate::cli::ModelsCommand;
use crate::models::registry::Registry;

pub fn models(command: ModelsCommand) -> anyhow::Result<ExitCode> {
    let registry = Registry::default_location();
    match command {
        ModelsCommand::List { output } => {
            let models = registry.list();
            if output.json {
                super::print_json(&serde_json::json!({ "dir": registry.dir(), "models": models }))?;
            } else if models.is_empty() {
                println!("no models in {}; add one with `aigc-host models add FOLDER`", registry.dir().display());
            } else {
                for m in models {
                    println!(
                        "{:<24} {:<10} {}px  {}",
                        m.name,
                        format!("{:?}", m.spec.task).to_lowercase(),
                        m.spec.image_size,
                        m.spec.source
                    );
                }
            }
        }
        ModelsCommand::Add { folder, name } => {
            let added = registry.add(&folder, name.as_deref())?;
            eprintln!("registered `{}` ({:?}) in {}", added.name, added.spec.task, added.dir.display());
        }
        ModelsCommand::Remove { name } => {
            registry.remove(&name)?;
            eprintln!("removed `{name}`");
        }
        ModelsCommand::Pull { url, sha256, name } => pull(&registry, &url, &sha256, name.as_deref())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Downloads a zip of a model folder, checks its sha256 before opening it, and registers what it holds.
fn pull(registry: &Registry, url: &str, sha256: &str, name: Option<&str>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let bytes = runtime.block_on(async {
        let response = reqwest::get(url).await.with_context(|| format!("downloading `{url}`"))?;
        if !response.status().is_success() {
            bail!("`{url}` answered HTTP {}", response.status());
        }
        Ok(response.bytes().await?)
    })?;
    let got = hex::encode(Sha256::digest(&bytes));
    if !got.eq_ignore_ascii_case(sha256) {
        bail!("`{url}` has sha256 {got}, not the {sha256} given; nothing was registered");
    }
    let staging = tempfile::tempdir()?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).context("the download is not a zip archive")?;
    // Only plain files directly inside the archive (or inside one top folder) are taken; no paths are trusted.
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        if file.is_dir() {
            continue;
        }
        let Some(base) = file.enclosed_name().and_then(|p| p.file_name().map(|n| n.to_owned())) else { continue };
        let mut out = std::fs::File::create(staging.path().join(base))?;
        std::io::copy(&mut file, &mut out)?;
    }
    let added = registry.add(staging.path(), name)?;
    eprintln!("registered `{}` from {url}", added.name);
    Ok(())
}
