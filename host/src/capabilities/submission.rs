//! `aigc:plugin/submission`: a grader's read-only view of one submission.

use std::path::{Component, Path, PathBuf};

use crate::bindings::submission::{Entry, Host};
use crate::bindings::types::Error;
use crate::runtime::HostState;

/// Largest file a grader may read in one call.
const READ_CAP: u64 = 64 << 20;

/// What a grader may see of a submission. Folders implement it here; zip archives come with the grading work.
pub trait SubmissionView: Send + Sync {
    fn name(&self) -> String;
    fn entries(&self) -> Vec<Entry>;
    fn read(&self, path: &str) -> Result<Vec<u8>, Error>;
}

/// A submission that is a folder on disk. Paths are checked so a grader cannot leave it, and symlinks are not
/// followed.
pub struct FolderSubmission {
    root: PathBuf,
    entries: Vec<Entry>,
}

impl FolderSubmission {
    pub fn open(root: &Path) -> std::io::Result<Self> {
        let mut entries = Vec::new();
        for entry in walkdir::WalkDir::new(root).follow_links(false).min_depth(1).sort_by_file_name() {
            let entry = entry.map_err(std::io::Error::other)?;
            if entry.file_type().is_symlink() {
                continue;
            }
            let Ok(relative) = entry.path().strip_prefix(root) else { continue };
            let path = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            entries.push(Entry { path, size, is_dir: entry.file_type().is_dir() });
        }
        Ok(Self { root: root.to_path_buf(), entries })
    }
}

impl SubmissionView for FolderSubmission {
    fn name(&self) -> String {
        self.root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }

    fn entries(&self) -> Vec<Entry> {
        self.entries.clone()
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, Error> {
        let relative = Path::new(path);
        if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(Error::Invalid(format!("`{path}` is not a plain relative path")));
        }
        let Some(entry) = self.entries.iter().find(|e| e.path == path && !e.is_dir) else {
            return Err(Error::NotFound(format!("the submission has no file `{path}`")));
        };
        if entry.size > READ_CAP {
            return Err(Error::Limit(format!("`{path}` is larger than {} MiB", READ_CAP >> 20)));
        }
        std::fs::read(self.root.join(relative)).map_err(|e| Error::Other(format!("reading `{path}`: {e}")))
    }
}

impl HostState {
    fn submission(&self) -> wasmtime::Result<std::sync::Arc<dyn SubmissionView>> {
        self.ctx.submission.clone().ok_or_else(|| wasmtime::Error::msg("this run lends no submission"))
    }
}

impl Host for HostState {
    async fn name(&mut self) -> wasmtime::Result<String> {
        Ok(self.submission()?.name())
    }

    async fn entries(&mut self) -> wasmtime::Result<Vec<Entry>> {
        Ok(self.submission()?.entries())
    }

    async fn read(&mut self, path: String) -> wasmtime::Result<Result<Vec<u8>, Error>> {
        let submission = self.submission()?;
        Ok(self.timed(async { tokio::task::spawn_blocking(move || submission.read(&path)).await }).await?)
    }
}
