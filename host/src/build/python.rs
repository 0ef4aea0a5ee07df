//! The Python backend of `aigc-host build`: componentize-py 0.25.1 (installed once with pip into a virtual
//! environment in the toolchain cache) wraps the plugin's module, the SDK's Python sources (embedded in this
//! binary, so a student needs only python3 and pip) and CPython into a component for the world of the plugin's
//! kind.
//!
//! The project is a folder with a `pyproject.toml`: `[project]` gives the name and version, `[tool.aigc]` the
//! manifest's declared part (kind, description, hosts, secrets, models, config) and optionally `module`, the
//! module holding the plugin class (default `app`). The build writes a small entry module that imports it, finds
//! the one subclass of the kind's base class (`aigc_sdk.Cleaner`...) and exports it as componentize-py's
//! `WitWorld`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{BuildError, Lang, Project, Tools, WIT_PACKAGE};
use crate::manifest::{Declared, Manifest};

/// The pinned generator.
const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
/// Its folder under the toolchain cache.
const VENV: &str = "componentize-py-0.25.1";

/// The SDK's Python package, as `aigc_sdk/` is laid out for the build.
static SDK: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/../sdk/python/aigc_sdk");

/// The module componentize-py wraps: written by the build, it exports the plugin class.
const ENTRY: &str = "aigc_plugin_entry";

/// The `[tool.aigc]` key naming the plugin's module; not part of the manifest.
const MODULE_KEY: &str = "module";

/// Reads `pyproject.toml`: `[project]` name and version, `[tool.aigc]` as the manifest's declared part.
pub(super) fn read_project(dir: &Path) -> Result<Project, BuildError> {
    let file = dir.join("pyproject.toml");
    let text = super::read_text(&file)?;
    let bad = |reason: String| BuildError::Project { file: file.clone(), reason };
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| bad(e.to_string()))?;
    let project = table
        .get("project")
        .and_then(|p| p.as_table())
        .ok_or_else(|| bad("it has no `[project]` table with the plugin's `name` and `version`".into()))?;
    let string = |key: &str| -> Result<String, BuildError> {
        match project.get(key) {
            Some(toml::Value::String(value)) => Ok(value.clone()),
            Some(_) => Err(bad(format!("`[project] {key}` must be a string"))),
            None => Err(bad(format!(
                "`[project]` has no `{key}`; write it literally (`{key} = \"...\"`), the build does not compute it"
            ))),
        }
    };
    let name = string("name")?;
    let version = string("version")?;
    let mut aigc =
        table.get("tool").and_then(|t| t.get("aigc")).and_then(|a| a.as_table()).cloned().ok_or_else(|| {
            bad("it has no `[tool.aigc]` table; declare the plugin's kind there (`kind = \"cleaner\"`)".into())
        })?;
    let module = aigc.remove(MODULE_KEY);
    let declared: Declared = serde_json::to_value(&aigc).and_then(serde_json::from_value).map_err(|e| {
        bad(format!("`[tool.aigc]`: {e} (keys: kind, description, hosts, secrets, models, config, module)"))
    })?;
    if let Some(module) = module {
        let module_name = module.as_str().ok_or_else(|| bad("`[tool.aigc] module` must be a string".into()))?;
        check_module_name(module_name).map_err(bad)?;
    }
    Ok(Project {
        dir: dir.to_path_buf(),
        lang: Lang::Python,
        manifest: Manifest { name, version, wit: WIT_PACKAGE.to_string(), plugin: declared },
    })
}

/// The plugin's module name: `[tool.aigc] module`, else `app`.
fn module_of(dir: &Path) -> Result<String, BuildError> {
    let file = dir.join("pyproject.toml");
    let text = super::read_text(&file)?;
    let table: toml::Table =
        text.parse().map_err(|e: toml::de::Error| BuildError::Project { file: file.clone(), reason: e.to_string() })?;
    let module = table.get("tool").and_then(|t| t.get("aigc")).and_then(|a| a.get(MODULE_KEY)).and_then(|m| m.as_str());
    Ok(module.unwrap_or("app").to_string())
}

/// A dotted Python module name (`app`, `my_rule.main`) that is not the entry module's or a world's name.
fn check_module_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if !valid {
        return Err(format!("`[tool.aigc] module` = `{name}` is not a Python module name (`app`, `my_rule.main`)"));
    }
    let top = name.split('.').next().unwrap_or(name);
    if matches!(top, "crawler" | "cleaner" | "annotator" | "grader" | "metric" | "wit_world" | "aigc_sdk" | ENTRY) {
        return Err(format!(
            "`[tool.aigc] module` = `{name}`: a module may not be called `{top}` (the build uses that name); rename \
             it, e.g. `app`"
        ));
    }
    Ok(())
}

/// Builds the component of the Python plugin in `project.dir` into `out`.
pub(super) fn compile(project: &Project, tools: &Tools, out: &Path) -> Result<(), BuildError> {
    let module = module_of(&project.dir)?;
    check_module_name(&module)
        .map_err(|reason| BuildError::Project { file: project.dir.join("pyproject.toml"), reason })?;
    let module_path = module.replace('.', "/");
    let (file, package) =
        (project.dir.join(format!("{module_path}.py")), project.dir.join(&module_path).join("__init__.py"));
    if !file.is_file() && !package.is_file() {
        return Err(BuildError::Project {
            file: project.dir.join("pyproject.toml"),
            reason: format!(
                "the plugin's code goes in `{}` (or set `module = \"...\"` in `[tool.aigc]`), and there is no such file",
                file.display()
            ),
        });
    }
    let componentize = install(tools)?;
    let sdk = sdk_dir(tools)?;
    let wit = tools.wit_dir()?;
    let kind = project.manifest.plugin.kind.to_string();

    let project_dir =
        std::path::absolute(&project.dir).map_err(BuildError::io(format!("resolve `{}`", project.dir.display())))?;
    let scratch = tempfile::Builder::new()
        .prefix(".aigc-python-")
        .tempdir_in(tools.root())
        .map_err(BuildError::io(format!("create a folder under `{}`", tools.root().display())))?;
    let entry = scratch.path().join(format!("{ENTRY}.py"));
    std::fs::write(&entry, entry_module(&kind, &module))
        .map_err(BuildError::io(format!("write `{}`", entry.display())))?;

    let output = Command::new(&componentize)
        .current_dir(scratch.path())
        .arg("-d")
        .arg(&wit)
        .args(["-w", &kind, "componentize", ENTRY])
        .arg("-p")
        .arg(scratch.path())
        .arg("-p")
        .arg(&project_dir)
        .arg("-p")
        .arg(&sdk)
        .arg("-o")
        .arg(out)
        // componentize-py adds an active virtual environment's site-packages to the path; the component gets
        // exactly the project and the SDK.
        .env_remove("VIRTUAL_ENV")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BuildError::Install {
            tool: COMPONENTIZE_PY.into(),
            reason: format!(
                "cannot run `{}` ({e}); remove `{}` and build again to reinstall it",
                componentize.display(),
                tools.root().join(VENV).display()
            ),
        })?;
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if !output.status.success() || !out.is_file() {
        return Err(BuildError::Generator {
            tool: "componentize-py".into(),
            dir: project.dir.clone(),
            output: explain(&text, &module),
        });
    }
    Ok(())
}

/// The entry module: imports the plugin's module and exports its plugin class for `kind`.
fn entry_module(kind: &str, module: &str) -> String {
    format!(
        "\"\"\"Written by `aigc-host build`: exports the {kind} class of `{module}`.\"\"\"\n\
         from aigc_sdk._export import export\n\n\
         WitWorld = export({kind:?}, {module:?})\n"
    )
}

/// componentize-py's output, with the line that matters first when it is a Python error in the plugin. A Python
/// error while componentize-py imports the plugin comes wrapped in componentize-py's own traceback and Rust
/// error chain; only the plugin's traceback is kept.
fn explain(output: &str, module: &str) -> String {
    let mut output = output.trim();
    if let Some(at) = output.find("AssertionError: Traceback") {
        output = &output[at + "AssertionError: ".len()..];
        if let Some(end) = output.find("\n\nCaused by:").or_else(|| output.find("\nStack backtrace:")) {
            output = output[..end].trim_end();
        }
    }
    let last = output.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
    let hint = if last.starts_with("SyntaxError") || last.starts_with("IndentationError") {
        format!("a syntax error in the plugin's code (see the file and line above): {last}")
    } else if last.starts_with("ModuleNotFoundError") || last.starts_with("ImportError") {
        format!(
            "{last}: a component holds only the project folder, the aigc SDK and Python's standard library; copy \
             pure-Python dependencies into the project folder"
        )
    } else if last.contains("PluginError") {
        last.to_string()
    } else {
        format!("building `{module}` failed")
    };
    format!("{hint}\n{output}")
}

/// Where the SDK's sources are laid out (`<tools>/python-sdk-<hash>/aigc_sdk/`), written once.
fn sdk_dir(tools: &Tools) -> Result<PathBuf, BuildError> {
    let mut sources = Vec::new();
    collect(&SDK, &mut sources);
    let files: Vec<(PathBuf, &[u8])> =
        sources.iter().map(|f| (Path::new("aigc_sdk").join(f.path()), f.contents())).collect();
    tools.laid_out("python-sdk", &files)
}

/// The SDK's files that go into a component: its Python sources, without the editor-only bindings (the build
/// generates the real ones) and without byte-code caches.
fn collect<'a>(dir: &'a include_dir::Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    for entry in dir.entries() {
        match entry {
            include_dir::DirEntry::Dir(sub) => {
                let name = sub.path().file_name().and_then(|n| n.to_str()).unwrap_or_default();
                if name != "_bindings" && name != "__pycache__" {
                    collect(sub, out);
                }
            }
            include_dir::DirEntry::File(file) => {
                if file.path().extension().is_some_and(|e| e == "py" || e == "typed") {
                    out.push(file);
                }
            }
        }
    }
}

/// The componentize-py executable, installed with pip into a virtual environment under the toolchain cache the
/// first time.
fn install(tools: &Tools) -> Result<PathBuf, BuildError> {
    let venv = tools.root().join(VENV);
    let exe = venv_bin(&venv, "componentize-py");
    let done = venv.join(".complete");
    if done.exists() && exe.is_file() {
        return Ok(exe);
    }
    tools.locked(VENV, || {
        if done.exists() && exe.is_file() {
            return Ok(exe.clone());
        }
        let failed = |reason: String| BuildError::Install { tool: COMPONENTIZE_PY.into(), reason };
        let python = find_python().ok_or_else(|| {
            failed(
                "Python 3 is needed to install it, and neither `python3` nor `python` runs here; install Python 3.9 \
                 or later (python.org, or your system's package manager) and build again"
                    .into(),
            )
        })?;
        let _ = std::fs::remove_dir_all(&venv);
        let made = Command::new(&python)
            .args(["-m", "venv"])
            .arg(&venv)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| failed(format!("cannot run `{python}`: {e}")))?;
        if !made.status.success() {
            return Err(failed(format!(
                "`{python} -m venv` failed (on Debian and Ubuntu, install the `python3-venv` package):\n{}",
                tail(&made)
            )));
        }
        let pip = venv_bin(&venv, "pip");
        let installed = Command::new(&pip)
            .args(["install", "--disable-pip-version-check", "--no-input", COMPONENTIZE_PY])
            .env_remove("PIP_REQUIRE_VIRTUALENV")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| failed(format!("cannot run `{}`: {e}", pip.display())))?;
        if !installed.status.success() || !exe.is_file() {
            let _ = std::fs::remove_dir_all(&venv);
            return Err(failed(format!(
                "pip could not install it from PyPI (it is downloaded once, about 40 MB, then kept in `{}`; check \
                 the network or a proxy, e.g. `pip download {COMPONENTIZE_PY}` works): \n{}",
                venv.display(),
                tail(&installed)
            )));
        }
        std::fs::write(&done, COMPONENTIZE_PY).map_err(BuildError::io(format!("write `{}`", done.display())))?;
        Ok(exe.clone())
    })
}

/// `bin/NAME` in a virtual environment (`Scripts\NAME.exe` on Windows).
fn venv_bin(venv: &Path, name: &str) -> PathBuf {
    if cfg!(windows) { venv.join("Scripts").join(format!("{name}.exe")) } else { venv.join("bin").join(name) }
}

/// The first of `python3`, `python` that runs and is Python 3.
fn find_python() -> Option<String> {
    ["python3", "python"].into_iter().find_map(|name| {
        let out = Command::new(name).arg("--version").stdin(Stdio::null()).output().ok()?;
        let version = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success() && version.trim().starts_with("Python 3")).then(|| name.to_string())
    })
}

/// The last lines of a command's output.
fn tail(output: &std::process::Output) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = text.trim().lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(text: &str) -> Result<Project, BuildError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), text).unwrap();
        read_project(dir.path())
    }

    #[test]
    fn reads_the_manifest_from_pyproject() {
        let p = project(
            "[project]\nname = \"my-rule\"\nversion = \"0.2.0\"\n\n[tool.aigc]\nkind = \"cleaner\"\n\
             description = \"x\"\nmodule = \"app\"\n[tool.aigc.config.min_side]\ndefault = \"256\"\nhelp = \"px\"\n",
        )
        .unwrap();
        assert_eq!((p.manifest.name.as_str(), p.manifest.version.as_str()), ("my-rule", "0.2.0"));
        assert_eq!(p.manifest.plugin.kind, crate::manifest::Kind::Cleaner);
        assert_eq!(p.manifest.plugin.config["min_side"].default.as_deref(), Some("256"));
        assert_eq!(p.manifest.wit, WIT_PACKAGE);
    }

    #[test]
    fn says_what_is_wrong_with_a_project() {
        let message = |text: &str| project(text).unwrap_err().to_string();
        assert!(message("[project]\nname = \"a\"\n[tool.aigc]\nkind = \"cleaner\"\n").contains("has no `version`"));
        let unknown = message("[project]\nname = \"a\"\nversion = \"1.0.0\"\n[tool.aigc]\nkind = \"clener\"\n");
        assert!(unknown.contains("clener") && unknown.contains("cleaner"), "{unknown}");
        let extra =
            message("[project]\nname = \"a\"\nversion = \"1.0.0\"\n[tool.aigc]\nkind = \"cleaner\"\nhost = []\n");
        assert!(extra.contains("host"), "{extra}");
        assert!(message("[project]\nname = \"a\"\nversion = \"1\"\n").contains("[tool.aigc]"));
        let module = message(
            "[project]\nname = \"a\"\nversion = \"1.0.0\"\n[tool.aigc]\nkind = \"cleaner\"\nmodule = \"cleaner\"\n",
        );
        assert!(module.contains("may not be called `cleaner`"), "{module}");
    }

    #[test]
    fn the_embedded_sdk_holds_its_sources_but_not_the_editor_bindings() {
        let mut files = Vec::new();
        collect(&SDK, &mut files);
        let names: Vec<String> = files.iter().map(|f| f.path().to_string_lossy().replace('\\', "/")).collect();
        assert!(names.contains(&"__init__.py".to_string()) && names.contains(&"_export.py".to_string()), "{names:?}");
        assert!(names.iter().all(|n| !n.starts_with("_bindings")), "{names:?}");
    }
}
