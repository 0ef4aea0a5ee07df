//! Outputs written under a temporary name beside their final path and renamed into place at the end, so a
//! crash or an error never leaves a half-written export under the name a person asked for, and an existing
//! export is replaced only with `--force`.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::{ExportError, Result};

/// Refuses to replace a non-empty file or folder at `out` unless `force`.
pub fn check_target(out: &Path, force: bool) -> Result<()> {
    let Ok(meta) = fs::symlink_metadata(out) else { return Ok(()) };
    let empty = if meta.is_dir() {
        fs::read_dir(out).map_err(ExportError::io("listing", out))?.next().is_none()
    } else {
        meta.len() == 0
    };
    if empty || force {
        return Ok(());
    }
    Err(ExportError::Refused(format!(
        "`{}` already exists and is not empty; pass --force to replace it, or choose another --out",
        out.display()
    )))
}

/// A file or folder being written at `tmp`, to become `target` on [`Staged::commit`]; dropped uncommitted, it
/// is removed.
pub struct Staged {
    pub tmp: PathBuf,
    target: PathBuf,
    is_dir: bool,
    committed: bool,
}

impl Staged {
    /// A new file to be `target`, and its handle.
    pub fn file(target: &Path) -> Result<(Self, File)> {
        let tmp = temporary(target, "partial")?;
        let file = File::create(&tmp).map_err(ExportError::io("creating", &tmp))?;
        Ok((Self { tmp, target: target.to_path_buf(), is_dir: false, committed: false }, file))
    }

    /// A new folder to be `target`.
    pub fn dir(target: &Path) -> Result<Self> {
        if target.is_file() {
            return Err(ExportError::Refused(format!(
                "`{}` is a file; this format writes a folder, so pass a folder as --out",
                target.display()
            )));
        }
        let tmp = temporary(target, "partial")?;
        fs::create_dir(&tmp).map_err(ExportError::io("creating", &tmp))?;
        Ok(Self { tmp, target: target.to_path_buf(), is_dir: true, committed: false })
    }

    /// Moves the finished output into place, replacing what was there (which [`check_target`] allowed).
    pub fn commit(mut self) -> Result<()> {
        if self.is_dir && self.target.exists() {
            // A folder cannot be renamed over a non-empty one: move the old one aside first, then delete it.
            let old = temporary(&self.target, "old")?;
            fs::rename(&self.target, &old).map_err(ExportError::io("moving aside", &self.target))?;
            fs::rename(&self.tmp, &self.target).map_err(ExportError::io("renaming into place", &self.tmp))?;
            self.committed = true;
            fs::remove_dir_all(&old).map_err(ExportError::io("removing the replaced export", &old))?;
            return Ok(());
        }
        if !self.is_dir {
            File::open(&self.tmp).and_then(|f| f.sync_all()).map_err(ExportError::io("syncing", &self.tmp))?;
        }
        fs::rename(&self.tmp, &self.target).map_err(ExportError::io("renaming into place", &self.tmp))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // Best effort: a leftover temporary only wastes space, and its name says what it is.
        let _ = if self.is_dir { fs::remove_dir_all(&self.tmp) } else { fs::remove_file(&self.tmp) };
    }
}

/// `<parent>/.<name>.<what>-<pid>`, in the target's folder so the final rename stays on one file system; the
/// parent is created when missing.
fn temporary(target: &Path, what: &str) -> Result<PathBuf> {
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(ExportError::io("creating", &parent))?;
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).ok_or_else(|| {
        ExportError::Refused(format!(
            "`{}` names no file or folder; pass a path like out/12_2023001.zip",
            target.display()
        ))
    })?;
    Ok(parent.join(format!(".{name}.{what}-{}", std::process::id())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_empty_target_needs_force_and_an_uncommitted_output_vanishes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        check_target(&out, false).unwrap();
        fs::create_dir(&out).unwrap();
        check_target(&out, false).unwrap();
        fs::write(out.join("old.txt"), "old").unwrap();
        let refused = check_target(&out, false).unwrap_err().to_string();
        assert!(refused.contains("--force"), "{refused}");
        check_target(&out, true).unwrap();

        let staged = Staged::dir(&out).unwrap();
        fs::write(staged.tmp.join("new.txt"), "new").unwrap();
        let tmp = staged.tmp.clone();
        drop(staged);
        assert!(!tmp.exists() && out.join("old.txt").exists());

        let staged = Staged::dir(&out).unwrap();
        fs::write(staged.tmp.join("new.txt"), "new").unwrap();
        staged.commit().unwrap();
        assert!(out.join("new.txt").exists() && !out.join("old.txt").exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporaries left");
    }
}
