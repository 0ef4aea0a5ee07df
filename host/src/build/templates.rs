//! `aigc-host new KIND NAME --lang LANG`: a plugin project written from the templates in `host/templates/<lang>/
//! <kind>/`, embedded in the binary.
//!
//! Every file of the template folder is written into the new folder with its placeholders filled in: `{{name}}`
//! (as given, kebab case), `{{snake}}`, `{{camel}}`, `{{kind}}`, `{{description}}`, and for Rust `{{sdk}}` (the
//! `aigc-sdk` dependency). A file name ending in `.tmpl` loses that ending (so `Cargo.toml.tmpl`, which is not a
//! valid Cargo.toml before its placeholders are filled, is not mistaken for a crate in this repository).
//!
//! A Rust plugin depends on the SDK by path: by default on the copy of the SDK this host carries, written once into
//! the toolchain cache ([`rust_sdk`]), so a project anywhere on the machine builds offline against exactly the WIT
//! this host runs; `--sdk-path` points at another checkout instead.

use std::path::{Path, PathBuf};

use super::{BuildError, Tools};
use crate::cli::{NewArgs, PluginKind, PluginLang};

static TEMPLATES: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/templates");
static SDK_SRC: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/../sdk/src");
static SDK_MACROS_SRC: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/../sdk/macros/src");
const SDK_CARGO: &str = include_str!("../../../sdk/Cargo.toml");
const SDK_MACROS_CARGO: &str = include_str!("../../../sdk/macros/Cargo.toml");
const WORKSPACE_CARGO: &str = include_str!("../../../Cargo.toml");
/// The versions the SDK is built and tested with here; a new Rust plugin starts from them (cargo drops the entries
/// it does not use on the first build), so it builds without a registry look-up and against known versions.
const WORKSPACE_LOCK: &str = include_str!("../../../Cargo.lock");

/// Files the person edits first, in order of preference; the first one a template writes is named in the next
/// steps.
const EDIT_FIRST: &[&str] = &[
    "src/lib.rs",
    "plugin.py",
    "src/plugin.py",
    "app.py",
    "main.py",
    "plugin.js",
    "src/plugin.js",
    "index.js",
    "src/index.js",
];

/// What [`create`] wrote.
#[derive(Debug)]
pub struct Created {
    /// The new project folder.
    pub dir: PathBuf,
    /// Its files, relative to it.
    pub files: Vec<PathBuf>,
    /// The file to edit first.
    pub edit: PathBuf,
    /// A command that runs the built plugin.
    pub try_it: String,
}

fn kind_name(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::Crawler => "crawler",
        PluginKind::Cleaner => "cleaner",
        PluginKind::Annotator => "annotator",
        PluginKind::Grader => "grader",
        PluginKind::Metric => "metric",
    }
}

fn kind_of(kind: PluginKind) -> crate::manifest::Kind {
    match kind {
        PluginKind::Crawler => crate::manifest::Kind::Crawler,
        PluginKind::Cleaner => crate::manifest::Kind::Cleaner,
        PluginKind::Annotator => crate::manifest::Kind::Annotator,
        PluginKind::Grader => crate::manifest::Kind::Grader,
        PluginKind::Metric => crate::manifest::Kind::Metric,
    }
}

fn lang_dir(lang: PluginLang) -> &'static str {
    match lang {
        PluginLang::Rust => "rust",
        PluginLang::Python => "python",
        PluginLang::Js => "js",
    }
}

/// Checks a plugin name: it names the folder, the package and the manifest (`my-rule`).
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` cannot name a plugin: use 1 to 64 lowercase ASCII letters, digits and single `-`, starting with a \
             letter (`my-rule`)",
            crate::plugin_text::line(name)
        ))
    }
}

/// `my-rule` → `my_rule`.
pub fn snake(name: &str) -> String {
    name.replace('-', "_")
}

/// `my-rule` → `MyRule`.
pub fn camel(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Writes the project `args` asks for; refuses a name the host would refuse and a folder that exists and is not
/// empty.
pub fn create(args: &NewArgs) -> Result<Created, BuildError> {
    let kind = kind_name(args.kind);
    check_name(&args.name).map_err(|reason| BuildError::Project { file: PathBuf::from(&args.name), reason })?;
    let template_path = format!("{}/{kind}", lang_dir(args.lang));
    let template = TEMPLATES.get_dir(&template_path).ok_or_else(|| {
        let mut available: Vec<String> =
            TEMPLATES.dirs().flat_map(|lang| lang.dirs()).map(|d| d.path().display().to_string()).collect();
        available.sort();
        BuildError::NoTemplate { lang: lang_of(args.lang), kind: kind_of(args.kind), available: available.join(", ") }
    })?;
    // `--dir .` (the default) names the project `my-rule`, not `./my-rule`, in what is printed.
    let dir = if args.dir == std::path::Path::new(".") { PathBuf::from(&args.name) } else { args.dir.join(&args.name) };
    if let Ok(mut entries) = std::fs::read_dir(&dir)
        && entries.next().is_some()
    {
        return Err(BuildError::Io {
            what: format!(
                "create the project in `{}`: it exists and is not empty (nothing was written); pick another name or \
                 `--dir`",
                dir.display()
            ),
            source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        });
    }
    let sdk = match args.lang {
        PluginLang::Rust => {
            let path = match &args.sdk_path {
                Some(path) => {
                    let path = std::fs::canonicalize(path)
                        .map_err(BuildError::io(format!("find the SDK at `{}`", path.display())))?;
                    if !path.join("Cargo.toml").is_file() {
                        return Err(BuildError::Project {
                            file: path,
                            reason:
                                "`--sdk-path` must be the aigc-sdk crate's folder (`sdk/` in the host's repository)"
                                    .into(),
                        });
                    }
                    path
                }
                None => rust_sdk(&Tools::new()?)?,
            };
            format!("aigc-sdk = {{ path = {} }}", toml_string(&path.to_string_lossy()))
        }
        _ => String::new(),
    };
    let description = format!("A {kind} plugin");
    let fill = |text: &str| {
        text.replace("{{name}}", &args.name)
            .replace("{{snake}}", &snake(&args.name))
            .replace("{{camel}}", &camel(&args.name))
            .replace("{{kind}}", kind)
            .replace("{{description}}", &description)
            .replace("{{sdk}}", &sdk)
    };
    let mut files = Vec::new();
    collect(template, &mut files);
    files.sort_by_key(|f| f.path());
    let mut written = Vec::new();
    for file in files {
        let relative = file.path().strip_prefix(&template_path).unwrap_or(file.path());
        let mut relative = PathBuf::from(fill(&relative.to_string_lossy()));
        if let Some(stripped) = relative.to_string_lossy().strip_suffix(".tmpl") {
            relative = PathBuf::from(stripped);
        }
        let path = dir.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(BuildError::io(format!("create `{}`", parent.display())))?;
        }
        let contents = match file.contents_utf8() {
            Some(text) => fill(text).into_bytes(),
            None => file.contents().to_vec(),
        };
        std::fs::write(&path, contents).map_err(BuildError::io(format!("write `{}`", path.display())))?;
        written.push(relative);
    }
    if args.lang == PluginLang::Rust && !written.iter().any(|f| f == std::path::Path::new("Cargo.lock")) {
        let path = dir.join("Cargo.lock");
        std::fs::write(&path, WORKSPACE_LOCK).map_err(BuildError::io(format!("write `{}`", path.display())))?;
    }
    let edit = EDIT_FIRST
        .iter()
        .map(PathBuf::from)
        .find(|candidate| written.contains(candidate))
        .unwrap_or_else(|| PathBuf::from(lang_of(args.lang).project_file()));
    let wasm = dir.join(format!("{}.wasm", args.name));
    let wasm = wasm.display();
    let try_it = match args.kind {
        PluginKind::Crawler => format!("aigc-host run {wasm} --dataset DATASET"),
        PluginKind::Cleaner => format!("aigc-host clean DATASET --rule {wasm}"),
        PluginKind::Annotator => format!("aigc-host annotate DATASET --with {wasm}"),
        PluginKind::Grader => format!("aigc-host grade {wasm} SUBMISSION.zip"),
        PluginKind::Metric => format!("aigc-host evaluate {wasm} --generated OUT/ --reference GT/"),
    };
    Ok(Created { edit: dir.join(edit), dir, files: written, try_it })
}

fn lang_of(lang: PluginLang) -> super::Lang {
    match lang {
        PluginLang::Rust => super::Lang::Rust,
        PluginLang::Python => super::Lang::Python,
        PluginLang::Js => super::Lang::Js,
    }
}

fn collect<'a>(dir: &'a include_dir::Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    out.extend(dir.files());
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The SDK crate this host carries (`sdk/` and `sdk/macros/` with the WIT beside them), written once into the
/// toolchain cache under a content hash, with the workspace's inherited keys filled in so it builds on its own.
/// Returns the path of the `aigc-sdk` crate.
pub fn rust_sdk(tools: &Tools) -> Result<PathBuf, BuildError> {
    let workspace: toml::Table = WORKSPACE_CARGO.parse().unwrap_or_default();
    let sdk_cargo = standalone(SDK_CARGO, &workspace);
    let macros_cargo = standalone(SDK_MACROS_CARGO, &workspace);
    let mut files: Vec<(PathBuf, &[u8])> = Vec::new();
    for (dir, base) in [(&SDK_SRC, "sdk/src"), (&SDK_MACROS_SRC, "sdk/macros/src"), (&super::WIT, "wit")] {
        let mut sources = Vec::new();
        collect(dir, &mut sources);
        files.extend(sources.into_iter().map(|f| (Path::new(base).join(f.path()), f.contents())));
    }
    files.push(("sdk/Cargo.toml".into(), sdk_cargo.as_bytes()));
    files.push(("sdk/macros/Cargo.toml".into(), macros_cargo.as_bytes()));
    Ok(tools.laid_out("rust-sdk", &files)?.join("sdk"))
}

/// A member's Cargo.toml with `key.workspace = true` replaced by the workspace's values, `[lints] workspace =
/// true` dropped, and an empty `[workspace]` so it is its own root wherever it is.
fn standalone(member: &str, workspace: &toml::Table) -> String {
    let ws = workspace.get("workspace");
    let package = ws.and_then(|w| w.get("package"));
    let deps = ws.and_then(|w| w.get("dependencies"));
    let mut out = String::new();
    let mut in_lints = false;
    for raw in member.lines() {
        let trimmed = raw.trim();
        if trimmed.starts_with('[') {
            in_lints = trimmed == "[lints]";
            if in_lints {
                continue;
            }
        }
        if in_lints {
            continue;
        }
        if let Some(key) = trimmed.strip_suffix(".workspace = true") {
            let value = package.and_then(|p| p.get(key)).or_else(|| deps.and_then(|d| d.get(key)));
            if let Some(value) = value {
                out.push_str(&format!("{key} = {value}\n"));
                continue;
            }
        }
        out.push_str(raw);
        out.push('\n');
    }
    out.push_str("\n[workspace]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("my-rule").is_ok());
        assert!(check_name("r2").is_ok());
        for bad in ["", "My-rule", "-a", "a-", "a--b", "a_b", "2a", "a b", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert_eq!(snake("my-rule-2"), "my_rule_2");
        assert_eq!(camel("my-rule-2"), "MyRule2");
    }

    #[test]
    fn every_language_has_a_template_for_every_kind_it_builds() {
        for lang in ["rust", "python", "js"] {
            for kind in ["crawler", "cleaner", "annotator", "grader"] {
                assert!(TEMPLATES.get_dir(format!("{lang}/{kind}")).is_some(), "no {lang}/{kind} template");
            }
        }
        // Metrics (WIT 0.1.1) have Rust and Python SDK support; the JavaScript SDK has none yet.
        for lang in ["rust", "python"] {
            assert!(TEMPLATES.get_dir(format!("{lang}/metric")).is_some(), "no {lang}/metric template");
        }
    }

    #[test]
    fn standalone_sdk_cargo_toml_inherits_nothing() {
        let workspace: toml::Table = WORKSPACE_CARGO.parse().expect("the workspace Cargo.toml parses");
        for member in [SDK_CARGO, SDK_MACROS_CARGO] {
            let text = standalone(member, &workspace);
            assert!(!text.contains("workspace = true"), "{text}");
            let table: toml::Table = text.parse().expect("the standalone Cargo.toml parses");
            assert!(table["package"]["version"].is_str(), "{text}");
            assert!(table.contains_key("workspace"));
        }
    }
}
