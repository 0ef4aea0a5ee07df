//! Plugins in any language built from their source folder with `aigc-host build`, once per content: nextest runs
//! each test in its own process, so the build of a Python or JavaScript plugin (seconds, and a toolchain install
//! the first time) is shared through a file lock and a result named by the hash of the folder's files and of the
//! host binary.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Folders and files that are build outputs or caches, not sources.
const SKIPPED: &[&str] = &["target", "node_modules", "__pycache__", ".venv", "dist", "build", ".git"];

/// The component built from the plugin source folder `dir` (a Rust crate, a Python project with `[tool.aigc]`, a
/// JavaScript package with `"aigc"`), at `<target>/lang-plugins/<hash>.wasm`. Built by the first test process
/// that asks; the others wait on the lock and reuse it. Panics with the build's output if the build fails.
pub fn built(dir: &Path) -> PathBuf {
    let target = crate::host_binary()
        .parent()
        .and_then(Path::parent)
        .expect("the host binary is in <target>/<profile>")
        .to_path_buf();
    let folder = target.join("lang-plugins");
    std::fs::create_dir_all(&folder).expect("cannot create <target>/lang-plugins");
    let hash = content_hash(dir);
    let out = folder.join(format!("{hash}.wasm"));
    if out.exists() {
        return out;
    }
    let lock = File::create(folder.join(format!("{hash}.lock"))).expect("cannot create the build lock");
    lock.lock().expect("cannot take the build lock");
    if out.exists() {
        return out;
    }
    let partial = folder.join(format!("{hash}.partial.wasm"));
    let output = crate::aigc([Path::new("build").as_os_str(), dir.as_os_str(), "-o".as_ref(), partial.as_os_str()]);
    assert_eq!(
        output.code,
        0,
        "aigc-host build {} failed\nstdout:\n{}\nstderr:\n{}",
        dir.display(),
        output.stdout,
        output.stderr
    );
    std::fs::rename(&partial, &out).expect("cannot move the built plugin into place");
    out
}

/// A hash of every source file under `dir` (relative path and bytes, in sorted order) and of the host binary's
/// modification time, so a changed source or a rebuilt host builds again.
pub fn content_hash(dir: &Path) -> String {
    let mut files = Vec::new();
    collect(dir, dir, &mut files);
    files.sort();
    let mut hash = Sha256::new();
    for relative in &files {
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update(std::fs::read(dir.join(relative)).unwrap_or_default());
        hash.update([0]);
    }
    let host =
        std::fs::metadata(crate::host_binary()).and_then(|m| m.modified()).expect("the host binary has an mtime");
    hash.update(format!("{host:?}").as_bytes());
    hex::encode(&hash.finalize()[..12])
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if !SKIPPED.contains(&name.as_ref()) {
                collect(root, &path, files);
            }
        } else if kind.is_file()
            && !name.ends_with(".wasm")
            && name != "Cargo.lock"
            && let Ok(relative) = path.strip_prefix(root)
        {
            files.push(relative.to_path_buf());
        }
    }
}

/// Each verdict of a dataset as (keep, reason, score), by (item title, rule): what a port must give as its
/// original does.
pub type Verdicts = BTreeMap<(String, String), (bool, String, Option<f64>)>;

/// The verdicts stored in dataset `ds`, read through `aigc-host dataset ls --json` as a user would.
pub fn verdicts(ds: &Path) -> Verdicts {
    let ls = crate::aigc(["dataset".as_ref(), "ls".as_ref(), ds.as_os_str(), "--json".as_ref()]).json();
    let mut out = BTreeMap::new();
    for item in ls["items"].as_array().expect("`dataset ls --json` lists items") {
        for v in item["verdicts"].as_array().expect("each item lists its verdicts") {
            let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_string();
            out.insert(
                (text(&item["title"]), text(&v["rule"])),
                (v["keep"].as_bool().expect("a verdict's keep is a bool"), text(&v["reason"]), v["score"].as_f64()),
            );
        }
    }
    out
}
