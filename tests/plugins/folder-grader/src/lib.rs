//! A grader for tests: one point for each path in `required` that the submission holds.

use aigc_sdk::{Check, Grader, Report, Result, config, submission};

aigc_sdk::manifest!({
    "kind": "grader",
    "description": "Test grader: one point per required path",
    "config": { "required": { "default": "README.md", "help": "comma-separated paths that must exist" } }
});

struct FolderGrader;

impl Grader for FolderGrader {
    fn grade() -> Result<Report> {
        let entries = submission::entries();
        let checks = config::list("required")
            .into_iter()
            .map(|path| {
                let found = entries.iter().any(|e| e.path == path);
                // Reading through the host proves the file is really readable, not just listed.
                let readable =
                    found && (entries.iter().any(|e| e.path == path && e.is_dir) || submission::read(&path).is_ok());
                Check {
                    name: path.clone(),
                    passed: readable,
                    points: if readable { 1.0 } else { 0.0 },
                    max_points: 1.0,
                    message: if readable { format!("{path} present") } else { format!("{path} missing") },
                }
            })
            .collect();
        Ok(Report { checks })
    }
}

aigc_sdk::export_grader!(FolderGrader);
