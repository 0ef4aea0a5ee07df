//! `aigc-host dataset stats | ls | show | cat | import | export`.
//!
//! Titles, categories, licences, reasons and annotations come from plugins (and file names from whoever made the
//! files): the text outputs show them through [`plugin_text::line`], so none of it can drive the terminal.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::plugin_text::{self, line};
use crate::progress::Progress;
use crate::store::{Dataset, NewFile, NewItem, Provenance, StoreError};

pub fn stats(dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let stats = Dataset::open(dir)?.stats()?;
    if json {
        super::print_json(&stats)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}: {} items, {} files, {:.1} MiB",
        dir.display(),
        stats.items,
        stats.files,
        stats.bytes as f64 / 1048576.0
    );
    println!("by category:");
    for (category, count) in &stats.by_category {
        println!("  {count:>7}  {}", line(category));
    }
    println!("by status:");
    for (status, count) in &stats.by_status {
        println!("  {count:>7}  {status}");
    }
    for (rule, s) in &stats.by_rule {
        println!("rule {}: {} kept, {} dropped, {} not judged (errors)", line(rule), s.kept, s.dropped, s.errors);
        for (reason, count) in &s.by_reason {
            println!("  {count:>7}  {}", line(reason));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct ListedItem<'a> {
    id: &'a str,
    category: Option<&'a str>,
    title: Option<&'a str>,
    status: &'a crate::store::Status,
    source: &'a str,
    source_key: &'a str,
    licence: Option<&'a str>,
    author: Option<&'a str>,
    files: Vec<&'a str>,
    verdicts: &'a [crate::store::Verdict],
}

#[derive(Serialize)]
struct Listing<'a> {
    items: Vec<ListedItem<'a>>,
}

pub fn ls(dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let listings = Dataset::open(dir)?.listings()?;
    let items: Vec<ListedItem<'_>> = listings
        .iter()
        .map(|l| ListedItem {
            id: &l.item.id,
            category: l.item.category.as_deref(),
            title: l.item.title.as_deref(),
            status: &l.status,
            source: &l.item.provenance.source_url,
            source_key: &l.item.source_key,
            licence: l.item.provenance.licence.as_deref(),
            author: l.item.provenance.author.as_deref(),
            files: l.item.files.iter().map(|f| f.name.as_str()).collect(),
            verdicts: &l.verdicts,
        })
        .collect();
    if json {
        super::print_json(&Listing { items })?;
        return Ok(ExitCode::SUCCESS);
    }
    for item in &items {
        let status = serde_json::to_value(item.status)?.as_str().unwrap_or("?").to_string();
        // Padding applies to the escaped text, so `{:<18}` goes through a String.
        println!(
            "{}  {:<8} {:<18} {:<14} {}",
            item.id,
            status,
            line(item.category.unwrap_or("-")).to_string(),
            line(item.licence.unwrap_or("-")).to_string(),
            line(item.title.unwrap_or(item.source))
        );
        for v in item.verdicts {
            println!("      {} {}: {}", if v.keep { "keep" } else { "drop" }, line(&v.rule), line(&v.reason));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    item: &'a crate::store::Item,
    status: &'a crate::store::Status,
    verdicts: &'a [crate::store::Verdict],
    annotations: &'a [crate::store::Annotation],
}

pub fn show(dir: &Path, id: &str, json: bool) -> anyhow::Result<ExitCode> {
    let dataset = Dataset::open(dir)?;
    let listing = dataset
        .listings()?
        .into_iter()
        .find(|l| l.item.id == id)
        .with_context(|| format!("`{}` has no item `{id}`; `aigc-host dataset ls` lists the ids", dir.display()))?;
    let annotations = dataset.annotations(id, None)?;
    let shown =
        Shown { item: &listing.item, status: &listing.status, verdicts: &listing.verdicts, annotations: &annotations };
    if json {
        super::print_json(&shown)?;
    } else {
        let item = &listing.item;
        let p = &item.provenance;
        println!("{} {}", item.id, line(item.title.as_deref().unwrap_or("")));
        println!("  source: {} ({})", line(&p.source_url), line(&item.source_key));
        println!(
            "  licence: {}  author: {}",
            line(p.licence.as_deref().unwrap_or("unknown")),
            line(p.author.as_deref().unwrap_or("unknown"))
        );
        println!("  category: {}  status: {}", line(item.category.as_deref().unwrap_or("-")), listing.status);
        for f in &item.files {
            println!("  file {} ({}, {} bytes, sha256 {})", line(&f.name), line(&f.media_type), f.size, f.sha256);
        }
        for v in &listing.verdicts {
            println!("  {} by {}: {}", if v.keep { "kept" } else { "dropped" }, line(&v.rule), line(&v.reason));
        }
        for a in &annotations {
            let score = a.score.map(|s| format!(" ({s:.3})")).unwrap_or_default();
            // Values may be up to 1 MiB; the text view shows a message's worth (`--json` has them whole).
            let value = plugin_text::cap(&a.value, plugin_text::MESSAGE_CAP);
            println!("  {} by {}: {}{score}", line(&a.key), line(&a.plugin), line(&value));
        }
        println!("  metadata: {}", line(&plugin_text::cap(&item.metadata, plugin_text::MESSAGE_CAP)));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn cat(dir: &Path, id: &str, file: &str, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let dataset = Dataset::open(dir)?;
    let bytes = dataset.read_file(id, file)?.with_context(|| {
        format!("item `{id}` has no file `{file}`; `aigc-host dataset show DIR {id}` lists its files")
    })?;
    match out {
        Some(path) => std::fs::write(path, &bytes).with_context(|| format!("cannot write `{}`", path.display()))?,
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), &bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct ImportSummary {
    dataset: String,
    items_added: u64,
    items_skipped: u64,
    files_seen: u64,
    /// Files the store refused (a field over a limit), each named in `warnings`.
    files_not_imported: u64,
    /// The first [`LISTED_WARNINGS`] warnings: a file not imported and why, or a name stored in its portable form.
    warnings: Vec<String>,
}

/// Warnings an import lists; past that they are only counted.
const LISTED_WARNINGS: usize = 100;

impl ImportSummary {
    fn warn(&mut self, warning: String) {
        if self.warnings.len() < LISTED_WARNINGS {
            self.warnings.push(warning);
        }
    }
}

/// One file to import and the category it falls under.
struct Candidate {
    path: PathBuf,
    category: Option<String>,
    relative: String,
}

pub fn import(
    dir: &Path,
    paths: &[PathBuf],
    category: Option<&str>,
    licence: Option<&str>,
    json: bool,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let mut candidates = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot import `{}`", path.display()))?;
        if meta.is_file() {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            candidates.push(Candidate { path: path.clone(), category: category.map(String::from), relative: name });
            continue;
        }
        for entry in walkdir::WalkDir::new(path).follow_links(false).sort_by_file_name() {
            let entry = entry.with_context(|| format!("cannot walk `{}`", path.display()))?;
            if let Some(kind) = crate::regular_file::special_kind(entry.file_type()) {
                // Never opened: opening a FIFO waits for a writer that may never come.
                tracing::warn!("skipping `{}`: it is a {kind}, not a regular file", entry.path().display());
                continue;
            }
            if !entry.file_type().is_file() || entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let relative = entry.path().strip_prefix(path).unwrap_or(entry.path());
            let parts: Vec<String> =
                relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            // Folder layouts like `animals/cat.glb` are the common way to say the category.
            let folder_category = if parts.len() > 1 { parts.first().cloned() } else { None };
            candidates.push(Candidate {
                path: entry.path().to_path_buf(),
                category: category.map(String::from).or(folder_category),
                relative: parts.join("/"),
            });
        }
    }
    let dataset = Dataset::create_or_open(dir)?;
    let progress = Progress::for_terminal("import", quiet || json);
    if let Some(bar) = &progress {
        bar.update(0, Some(candidates.len() as u64), "");
    }
    let mut summary = ImportSummary {
        dataset: dir.display().to_string(),
        items_added: 0,
        items_skipped: 0,
        files_seen: 0,
        files_not_imported: 0,
        warnings: Vec::new(),
    };
    for candidate in &candidates {
        let data = match crate::regular_file::read(&candidate.path, crate::regular_file::Links::Follow) {
            Ok(data) => data,
            // Swapped for a FIFO or a device since the listing: opened without blocking, and skipped.
            Err(e @ crate::regular_file::OpenError::NotRegular { .. }) => {
                tracing::warn!("skipping {e}");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let sha = hex::encode(Sha256::digest(&data));
        let absolute = std::fs::canonicalize(&candidate.path).unwrap_or_else(|_| candidate.path.clone());
        let source_url = url::Url::from_file_path(&absolute)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| absolute.display().to_string());
        let name =
            candidate.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
        // Stored under its portable name (the original stays the title), so an export writes it on any system.
        let file_name = crate::names::portable(&name);
        if file_name != name {
            summary.warn(format!(
                "`{}` is stored as `{file_name}`, a name every system can use",
                candidate.path.display()
            ));
        }
        let media_type = mime_guess::from_path(&candidate.path).first_or_octet_stream().essence_str().to_string();
        let item = NewItem {
            // Keyed by content, so importing the same file twice (or from two places) stores it once.
            source_key: format!("import:{sha}"),
            category: candidate.category.clone(),
            title: Some(name.clone()),
            provenance: Provenance {
                source_url,
                licence: licence.map(String::from),
                licence_url: None,
                author: None,
                author_url: None,
            },
            metadata: serde_json::json!({ "imported_path": candidate.relative }).to_string(),
            files: vec![NewFile { name: file_name, media_type, data }],
            parent: None,
        };
        summary.files_seen += 1;
        match dataset.put_item(None, &item) {
            Ok(put) if put.created => summary.items_added += 1,
            Ok(_) => summary.items_skipped += 1,
            // The file's own problem (a field over a limit): skipped with a warning naming it, and the import goes
            // on; it never stops halfway over one file.
            Err(e @ StoreError::Invalid { .. }) => {
                summary.files_not_imported += 1;
                summary.warn(format!("`{}` was not imported: {e}", candidate.path.display()));
            }
            // The dataset's problem (disk full, a damaged manifest): every later file would fail the same way.
            Err(e) => return Err(e.into()),
        }
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    }
    if let Some(bar) = &progress {
        bar.finish();
    }
    if json {
        super::print_json(&summary)?;
    } else {
        for warning in &summary.warnings {
            eprintln!("warning: {}", line(warning));
        }
        eprintln!(
            "imported {} files into `{}`: {} new items, {} already present, {} not imported",
            summary.files_seen,
            dir.display(),
            summary.items_added,
            summary.items_skipped,
            summary.files_not_imported
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `aigc-host dataset export`: the export itself lives in [`crate::export`].
pub fn export(args: &crate::cli::ExportArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let mut category_map = Vec::new();
    for pair in &args.category_map {
        let (from, to) = pair.split_once('=').with_context(|| {
            format!("--category-map `{pair}` is not FROM=TO (e.g. --category-map cars=collectibles)")
        })?;
        category_map.push((from.to_string(), to.to_string()));
    }
    let options = crate::export::Options {
        format: args.format,
        out: args.out.clone(),
        force: args.force,
        group: args.group.clone(),
        leader: args.leader.clone(),
        category_map,
        set: args.set.clone(),
        views: args.views,
        with_files: args.with_files,
        include_restricted: args.include_restricted,
        test_share: args.test_share,
        seed: args.seed,
        shard_bytes: args.shard_size.saturating_mul(1 << 20),
        min_per_style: args.min_per_style.max(1),
        initializer_token: args.initializer_token.clone(),
    };
    if !(0.0..=1.0).contains(&args.test_share) {
        anyhow::bail!(
            "--test-share {} is not a share: give a number from 0 to 1 (0.1 puts a tenth in test)",
            args.test_share
        );
    }
    if args.shard_size == 0 {
        anyhow::bail!("--shard-size must be at least 1 (MiB)");
    }
    let dataset = Dataset::open(&args.dir)?;
    let progress = Progress::for_terminal("export", quiet || args.output.json);
    let summary = crate::export::export(&dataset, &options, progress.as_ref());
    if let Some(bar) = &progress {
        bar.finish();
    }
    let summary = summary?;
    if args.output.json {
        super::print_json(&summary)?;
        return Ok(ExitCode::SUCCESS);
    }
    let what = match args.format {
        crate::export::Format::Webdataset
        | crate::export::Format::HfImagefolder
        | crate::export::Format::TextualInversion
        | crate::export::Format::Dreamstyler => "items",
        _ => "models",
    };
    eprintln!(
        "exported {} {what} ({} files, {:.1} MiB) to `{}`; {} skipped",
        summary.items,
        summary.files,
        summary.bytes as f64 / 1048576.0,
        summary.out,
        summary.skipped.len()
    );
    for skipped in &summary.skipped {
        eprintln!("  skipped {}: {}", skipped.id, skipped.reason);
    }
    for warning in &summary.warnings {
        eprintln!("  warning: {warning}");
    }
    Ok(ExitCode::SUCCESS)
}
