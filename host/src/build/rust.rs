//! The Rust backend of `aigc-host build`: `cargo build --release --target wasm32-wasip2` in the crate's folder.
//! The crate's `aigc_sdk::manifest!` writes the manifest, so the artifact is used as cargo made it.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::BuildError;

/// The target every Rust plugin is built for.
const TARGET: &str = "wasm32-wasip2";

/// What cargo made.
pub(super) struct Artifact {
    /// The package's name (the plugin's name in its manifest).
    pub name: String,
    pub artifact: PathBuf,
}

/// Builds the crate in `dir` (a package, not only a workspace root) and returns where its component is.
pub(super) fn build(dir: &Path) -> Result<Artifact, BuildError> {
    let dir = &std::fs::canonicalize(dir).map_err(BuildError::io(format!("find `{}`", dir.display())))?;
    let cargo_toml = dir.join("Cargo.toml");
    let text = super::read_text(&cargo_toml)?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| BuildError::Project { file: cargo_toml.clone(), reason: e.to_string() })?;
    let Some(name) = table.get("package").and_then(|p| p.get("name")).and_then(|n| n.as_str()) else {
        return Err(BuildError::Project {
            file: cargo_toml,
            reason: "it has no `[package]` with a `name`; run `aigc-host build` in the plugin crate's own folder"
                .into(),
        });
    };
    let name = name.to_string();
    check_target(dir)?;

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .current_dir(dir)
        .args(["build", "--release", "--target", TARGET, "--message-format=json-render-diagnostics"])
        .arg("--manifest-path")
        .arg(&cargo_toml)
        // Flags meant for a native build (an outer cargo's, a test harness's) are not for wasm.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // cargo's progress and diagnostics go straight to the person building.
        .stderr(Stdio::inherit());
    let mut child = command.spawn().map_err(|e| BuildError::Install {
        tool: "cargo".into(),
        reason: format!(
            "cannot run `{}` ({e}); install Rust from https://rustup.rs and add the target with `rustup target add \
             {TARGET}`",
            Path::new(&cargo).display()
        ),
    })?;
    let mut artifact = None;
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            if message["reason"] != "compiler-artifact" {
                continue;
            }
            let from_here = message["manifest_path"].as_str().is_some_and(|p| Path::new(p) == cargo_toml);
            if !from_here {
                continue;
            }
            if let Some(files) = message["filenames"].as_array() {
                for file in files.iter().filter_map(|f| f.as_str()) {
                    if file.ends_with(".wasm") {
                        artifact = Some(PathBuf::from(file));
                    }
                }
            }
        }
    }
    let status = child.wait().map_err(BuildError::io("wait for cargo"))?;
    if !status.success() {
        return Err(BuildError::Generator {
            tool: "cargo".into(),
            dir: dir.to_path_buf(),
            output: "(its errors are printed above)".into(),
        });
    }
    let artifact = artifact.ok_or_else(|| BuildError::Project {
        file: cargo_toml.clone(),
        reason: "cargo built no `.wasm` for this package; a plugin crate needs `[lib] crate-type = [\"cdylib\"]`"
            .into(),
    })?;
    Ok(Artifact { name, artifact })
}

/// With rustup, says how to add the wasm target when it is missing (cargo's own error is about a missing `core`).
fn check_target(dir: &Path) -> Result<(), BuildError> {
    let Ok(out) = Command::new("rustup")
        .current_dir(dir)
        .args(["target", "list", "--installed"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    else {
        return Ok(());
    };
    if out.status.success() && !String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == TARGET) {
        return Err(BuildError::Install {
            tool: format!("the Rust target {TARGET}"),
            reason: format!("it is not installed; add it with `rustup target add {TARGET}`"),
        });
    }
    Ok(())
}
