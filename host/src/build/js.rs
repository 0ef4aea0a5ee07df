//! The JavaScript backend of `aigc-host build`: a folder with a `package.json` holding an `"aigc"` object.
//!
//! The plugin's module (package.json's `"main"`, else `index.js`) exports one function for its kind (`crawl`,
//! `check`, `annotate`, `grade`). The host bundles it with the SDK (`sdk/js`, embedded in the binary) using esbuild,
//! wraps the export with the SDK's `exportsFor` (thrown errors become the WIT error string with a short stack,
//! results are checked, `console` goes to the plugin log), and makes a component of the bundle with
//! componentize-js against the host's own WIT, without the `http` and `fetch-event` features (the host does not
//! link `wasi:http`). Both tools are pinned by a lock file embedded here and installed once with `npm ci` into the
//! toolchain cache; only Node.js (18 or later) and npm are needed on the machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use super::{BuildError, Lang, Project, Tools, WIT_PACKAGE, world_imports};
use crate::manifest::{Declared, Manifest};

/// The pinned generators, as the folder they are installed in is named (with a hash of the lock file, so a
/// changed pin installs afresh beside the old one).
const TOOLCHAIN: &str = "js-componentize-0.23.0-esbuild-0.24.2";

/// The npm project that pins them (exact versions, and a lock file for everything they depend on).
const TOOL_PACKAGE: &str = include_str!("js/package.json");
const TOOL_LOCK: &str = include_str!("js/package-lock.json");

/// The node script that bundles and componentizes (see its header).
const BUILD_SCRIPT: &str = include_str!("js/build.mjs");

/// The oldest Node.js major version the tools run on.
const MIN_NODE: u32 = 18;

/// The JavaScript SDK's sources, as `@aigc/sdk` resolves to them in a build.
const SDK_FILES: &[(&str, &str)] = &[
    ("package.json", include_str!("../../../sdk/js/package.json")),
    ("index.js", include_str!("../../../sdk/js/index.js")),
    ("index.d.ts", include_str!("../../../sdk/js/index.d.ts")),
    ("lib/annotate.js", include_str!("../../../sdk/js/lib/annotate.js")),
    ("lib/collect.js", include_str!("../../../sdk/js/lib/collect.js")),
    ("lib/config.js", include_str!("../../../sdk/js/lib/config.js")),
    ("lib/dataset.js", include_str!("../../../sdk/js/lib/dataset.js")),
    ("lib/errors.js", include_str!("../../../sdk/js/lib/errors.js")),
    ("lib/http.js", include_str!("../../../sdk/js/lib/http.js")),
    ("lib/image.js", include_str!("../../../sdk/js/lib/image.js")),
    ("lib/items.js", include_str!("../../../sdk/js/lib/items.js")),
    ("lib/log.js", include_str!("../../../sdk/js/lib/log.js")),
    ("lib/mesh.js", include_str!("../../../sdk/js/lib/mesh.js")),
    ("lib/model.js", include_str!("../../../sdk/js/lib/model.js")),
    ("lib/plugin.js", include_str!("../../../sdk/js/lib/plugin.js")),
    ("lib/submission.js", include_str!("../../../sdk/js/lib/submission.js")),
    ("lib/svg.js", include_str!("../../../sdk/js/lib/svg.js")),
    ("lib/web.js", include_str!("../../../sdk/js/lib/web.js")),
];

/// Reads `package.json`: `"name"` (an npm scope such as `@course/` is dropped for the manifest), `"version"`, and
/// the `"aigc"` object, which holds the manifest's declared part (`kind`, `description`, `hosts`, `secrets`,
/// `models`, `config`).
pub(super) fn read_project(dir: &Path) -> Result<Project, BuildError> {
    let file = dir.join("package.json");
    let text = super::read_text(&file)?;
    let bad = |reason: String| BuildError::Project { file: file.clone(), reason };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let name = value
        .get("name")
        .and_then(|n| n.as_str())
        .ok_or_else(|| bad("it has no `\"name\"`; name the plugin (`\"name\": \"my-rule\"`)".into()))?;
    let name = manifest_name(name).map_err(&bad)?;
    let version = value
        .get("version")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad("it has no `\"version\"`; give one (`\"version\": \"0.1.0\"`)".into()))?
        .to_string();
    if version.is_empty()
        || version.len() > 64
        || !version.chars().all(|c| c.is_ascii_alphanumeric() || "-.+".contains(c))
    {
        return Err(bad(format!("`\"version\": {version:?}` is not a semver version (`0.1.0`, `1.2.0-beta.1`)")));
    }
    let aigc = value.get("aigc").cloned().ok_or_else(|| {
        bad("it has no `\"aigc\"` object; declare the plugin's kind there (`\"aigc\": {\"kind\": \"cleaner\"}`)".into())
    })?;
    let plugin: Declared = serde_json::from_value(aigc).map_err(|e| {
        bad(format!(
            "its `\"aigc\"` object is not valid: {e}. It holds `kind` (crawler, cleaner, annotator or grader) and \
             optionally `description`, `hosts`, `secrets`, `models` and `config` ({{\"KEY\": {{\"default\": \
             \"...\", \"help\": \"...\"}}}})"
        ))
    })?;
    Ok(Project {
        dir: dir.to_path_buf(),
        lang: Lang::Js,
        manifest: Manifest { name, version, wit: WIT_PACKAGE.to_string(), plugin },
    })
}

/// The manifest's name for an npm package name: the scope dropped (`@course/svg-rule` → `svg-rule`), held to the
/// characters the host accepts.
fn manifest_name(npm: &str) -> Result<String, String> {
    let name = match npm.strip_prefix('@') {
        Some(scoped) => scoped.split_once('/').map(|(_, n)| n).unwrap_or(scoped),
        None => npm,
    };
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(format!(
            "`\"name\": {npm:?}` is not a plugin name: 1 to 64 ASCII letters, digits, `-`, `_` and `.` (after an npm \
             scope)"
        ));
    }
    Ok(name.to_string())
}

/// The module the plugin's code starts from: package.json's `"main"`, else `index.js`.
fn main_module(project: &Project) -> Result<PathBuf, BuildError> {
    let file = project.dir.join("package.json");
    let text = super::read_text(&file)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| BuildError::Project { file: file.clone(), reason: e.to_string() })?;
    let main = value.get("main").and_then(|m| m.as_str()).unwrap_or("index.js");
    let path = project.dir.join(main);
    if !path.is_file() {
        return Err(BuildError::Project {
            file,
            reason: format!(
                "its module `{main}` does not exist; write the plugin in index.js (or point `\"main\"` at its file)"
            ),
        });
    }
    Ok(PathBuf::from(main))
}

/// Bundles the plugin with the SDK and makes a component of it for its kind's world, written to `out` (without a
/// manifest: [`super::build`] adds it).
pub(super) fn compile(project: &Project, tools: &Tools, out: &Path) -> Result<(), BuildError> {
    let main = main_module(project)?;
    check_node()?;
    let toolchain = install(tools)?;
    let sdk = sdk_dir(tools)?;
    let wit = tools.wit_dir()?;
    let work = tempfile::Builder::new()
        .prefix(".aigc-js-")
        .tempdir_in(tools.root())
        .map_err(BuildError::io(format!("create a folder under `{}`", tools.root().display())))?;
    let script = work.path().join("build.mjs");
    std::fs::write(&script, BUILD_SCRIPT).map_err(BuildError::io(format!("write `{}`", script.display())))?;
    let kind = project.manifest.plugin.kind;
    let dir = std::fs::canonicalize(&project.dir).unwrap_or_else(|_| project.dir.clone());
    let job = serde_json::json!({
        "tools": toolchain,
        "sdk": sdk,
        "project": dir,
        "main": main,
        "kind": kind.to_string(),
        "world": kind.to_string(),
        "imports": world_imports(kind),
        "wit": wit,
        "work": work.path(),
        "out": out,
    });
    let job_file = work.path().join("job.json");
    std::fs::write(&job_file, job.to_string()).map_err(BuildError::io(format!("write `{}`", job_file.display())))?;
    let output = Command::new("node")
        .arg(&script)
        .arg(&job_file)
        .current_dir(work.path())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| node_missing(&e.to_string()))?;
    if !output.status.success() {
        let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !stdout.trim().is_empty() {
            text = format!("{}\n{text}", stdout.trim_end());
        }
        // The script exits 2 for a problem in the plugin's source, 1 for one making the component.
        let tool = if output.status.code() == Some(2) { "esbuild 0.24.2" } else { "componentize-js 0.23.0" };
        return Err(BuildError::Generator { tool: tool.into(), dir: project.dir.clone(), output: text });
    }
    if !out.is_file() {
        return Err(BuildError::Generator {
            tool: "componentize-js 0.23.0".into(),
            dir: project.dir.clone(),
            output: format!("it wrote no component to `{}`", out.display()),
        });
    }
    Ok(())
}

fn node_missing(why: &str) -> BuildError {
    BuildError::Install {
        tool: "the JavaScript toolchain".into(),
        reason: format!(
            "cannot run `node` ({why}); JavaScript plugins are built with Node.js {MIN_NODE} or later and npm: \
             install them (https://nodejs.org, or your system's `nodejs` and `npm` packages) and run `aigc-host \
             build` again"
        ),
    }
}

/// Node.js is on PATH and recent enough.
fn check_node() -> Result<(), BuildError> {
    let out = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| node_missing(&e.to_string()))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let major = version.trim_start_matches('v').split('.').next().and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(major) if major >= MIN_NODE => Ok(()),
        _ => Err(BuildError::Install {
            tool: "the JavaScript toolchain".into(),
            reason: format!(
                "`node --version` says `{version}`; JavaScript plugins need Node.js {MIN_NODE} or later: install a \
                 newer one (https://nodejs.org) and run `aigc-host build` again"
            ),
        }),
    }
}

/// Installs the pinned esbuild and componentize-js with `npm ci` into `<tools>/js-componentize-…/` once; returns
/// that folder (holding `node_modules`).
fn install(tools: &Tools) -> Result<PathBuf, BuildError> {
    let lock_hash = hex::encode(Sha256::digest(format!("{TOOL_PACKAGE}\0{TOOL_LOCK}")));
    let name = format!("{TOOLCHAIN}-{}", &lock_hash[..12]);
    let dir = tools.root().join(&name);
    let marker = dir.join(".complete");
    if marker.exists() {
        return Ok(dir);
    }
    tools.locked(&name, || {
        if marker.exists() {
            return Ok(dir.clone());
        }
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(BuildError::io(format!("create `{}`", dir.display())))?;
        for (name, text) in [("package.json", TOOL_PACKAGE), ("package-lock.json", TOOL_LOCK)] {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(BuildError::io(format!("write `{}`", path.display())))?;
        }
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
            .arg(&dir)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| BuildError::Install {
                tool: "componentize-js 0.23.0 and esbuild 0.24.2".into(),
                reason: format!(
                    "cannot run `npm` ({e}); install npm (it comes with Node.js: https://nodejs.org) and run \
                     `aigc-host build` again"
                ),
            })?;
        if !output.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            let text = String::from_utf8_lossy(&output.stderr);
            let tail = crate::plugin_text::cap_tail(text.trim(), 2000);
            let offline = ["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ENETUNREACH", "network"]
                .iter()
                .any(|w| text.contains(w));
            let hint = if offline {
                "npm could not reach its registry: the first JavaScript build downloads the tools (about 400 MB), \
                 so run it once online (or with npm's `registry`/`proxy` settings pointing at a mirror); later \
                 builds work offline"
            } else {
                "npm's output follows; run `aigc-host build` again to retry"
            };
            return Err(BuildError::Install {
                tool: "componentize-js 0.23.0 and esbuild 0.24.2".into(),
                reason: format!("`npm ci` in `{}` failed: {hint}:\n{tail}", dir.display()),
            });
        }
        std::fs::write(&marker, b"").map_err(BuildError::io(format!("write `{}`", marker.display())))?;
        Ok(dir.clone())
    })
}

/// The SDK's sources written once into a folder named by their content hash (`<tools>/js-sdk-<hash>/`).
fn sdk_dir(tools: &Tools) -> Result<PathBuf, BuildError> {
    let files: Vec<(PathBuf, &[u8])> =
        SDK_FILES.iter().map(|(name, text)| (PathBuf::from(name), text.as_bytes())).collect();
    tools.laid_out("js-sdk", &files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_scopes_are_dropped_and_names_checked() {
        assert_eq!(manifest_name("@course/svg-rule").unwrap(), "svg-rule");
        assert_eq!(manifest_name("my_rule.v2").unwrap(), "my_rule.v2");
        assert!(manifest_name("@course/").is_err());
        assert!(manifest_name("bad name").is_err());
        assert!(manifest_name(&"x".repeat(65)).is_err());
    }

    #[test]
    fn package_json_gives_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"name": "@course/no-text", "version": "0.2.0", "type": "module",
                "aigc": {"kind": "cleaner", "description": "d", "config": {"size": {"default": "64", "help": "px"}}}}"#,
        )
        .unwrap();
        let project = read_project(dir.path()).unwrap();
        assert_eq!(project.manifest.name, "no-text");
        assert_eq!(project.manifest.version, "0.2.0");
        assert_eq!(project.manifest.wit, WIT_PACKAGE);
        assert_eq!(project.manifest.plugin.kind, crate::manifest::Kind::Cleaner);
        assert_eq!(project.manifest.plugin.config["size"].default.as_deref(), Some("64"));

        std::fs::write(
            dir.path().join("package.json"),
            r#"{"name": "x", "version": "1.0.0", "aigc": {"kind": "cleanr"}}"#,
        )
        .unwrap();
        let error = read_project(dir.path()).unwrap_err().to_string();
        assert!(error.contains("`\"aigc\"` object is not valid") && error.contains("cleanr"), "{error}");
        std::fs::write(dir.path().join("package.json"), r#"{"name": "x", "aigc": {"kind": "cleaner"}}"#).unwrap();
        let error = read_project(dir.path()).unwrap_err().to_string();
        assert!(error.contains("no `\"version\"`"), "{error}");
    }

    #[test]
    fn the_sdk_embedded_is_the_whole_package() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/js");
        let mut on_disk: Vec<String> = walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"))
            .filter(|p| !p.starts_with("node_modules/") && !p.starts_with("test/") && p != "README.md")
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = SDK_FILES.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk, "list every file of sdk/js in SDK_FILES");
    }
}
