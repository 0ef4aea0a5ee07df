//! {{description}}: one point for each required path the submission holds.
//!
//! Edit `checks` and the manifest below, then `aigc-host build` and
//! `aigc-host grade {{name}}.wasm SUBMISSION.zip`. `cargo test` runs the tests at the bottom on your machine.

use aigc_sdk::{Check, Grader, Report, Result, config, submission};

aigc_sdk::manifest!({
    "kind": "grader",
    "description": "{{description}}",
    "config": {
        "required": { "default": "README.md", "help": "comma-separated paths the submission must hold" }
    }
});

struct {{camel}};

impl Grader for {{camel}} {
    fn grade() -> Result<Report> {
        let present: Vec<String> = submission::entries().into_iter().map(|e| e.path).collect();
        Ok(Report { checks: checks(&config::list("required"), &present) })
    }
}

/// One check per required path: a point when it is present.
fn checks(required: &[String], present: &[String]) -> Vec<Check> {
    required
        .iter()
        .map(|path| {
            let found = present.contains(path);
            Check {
                name: path.clone(),
                passed: found,
                points: if found { 1.0 } else { 0.0 },
                max_points: 1.0,
                message: if found { format!("{path} present") } else { format!("{path} missing") },
            }
        })
        .collect()
}

aigc_sdk::export_grader!({{camel}});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_per_present_path() {
        let found = checks(&["README.md".into(), "main.py".into()], &["README.md".into()]);
        assert!(found[0].passed && !found[1].passed);
        assert_eq!(found.iter().map(|c| c.points).sum::<f64>(), 1.0);
    }
}
