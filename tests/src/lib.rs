//! Shared harness for the integration tests: where the plugins and the host binary are, how to run the CLI, and
//! loopback servers. Nothing here reaches beyond 127.0.0.1.

pub mod crawler_harness;
pub mod fixture_server;
pub mod fuzz;
pub mod hostile_meshes;
pub mod http_server;
pub mod lang_plugins;
pub mod meshes;
pub mod rss;
pub mod zips;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Paths of the plugins `build.rs` built (one constant per crate, e.g. `ADVERSARY`, `SKETCHFAB`).
pub mod plugins {
    include!(concat!(env!("OUT_DIR"), "/plugins.rs"));
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the workspace").to_path_buf()
}

/// The `aigc-host` binary of this profile (`OUT_DIR` is `<target>/<profile>/build/<pkg>/out`).
pub fn host_binary() -> PathBuf {
    let profile_dir = Path::new(env!("OUT_DIR")).ancestors().nth(3).expect("OUT_DIR has the usual shape");
    let binary = profile_dir.join("aigc-host");
    assert!(
        binary.exists(),
        "{} is missing: build it first with `cargo build --release -p aigc-host` (`make test` does)",
        binary.display()
    );
    binary
}

/// What a CLI run printed and returned.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout as the one JSON document `--json` promises.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not one JSON document ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }

    pub fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

/// Runs `aigc-host ARGS...` to completion.
pub fn aigc<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = command(args).output().expect("cannot start aigc-host");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A `Command` for `aigc-host ARGS...` with a quiet, colourless environment.
pub fn command<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut command = Command::new(host_binary());
    command.args(args).env("NO_COLOR", "1").env_remove("RUST_LOG").stdin(Stdio::null());
    command
}
