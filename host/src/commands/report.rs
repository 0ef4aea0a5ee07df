//! The HTML grading report: one self-contained page (no scripts, no external files) a TA opens in a browser.
//! Everything a grader wrote is escaped, so a hostile grader cannot inject markup into the TA's page.

use std::fmt::Write;

use super::grade::GradeReport;

pub fn html(report: &GradeReport) -> String {
    let mut page = String::new();
    let graded = report.submissions.iter().filter(|s| s.error.is_none()).count();
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Grades: {grader}</title>\n<style>\
         body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}table{{border-collapse:collapse;width:100%}}\
         td,th{{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}}\
         .pass{{color:#176f2c}}.fail{{color:#a4161a}}.err{{background:#fde8e8}}details{{margin:.2rem 0}}\
         .num{{text-align:right;font-variant-numeric:tabular-nums}}</style></head><body>\n\
         <h1>Grades</h1><p>Grader <code>{grader}</code> (sha256 <code>{sha}</code>): {graded} of {total} submissions graded.</p>\n\
         <table><thead><tr><th>Submission</th><th class=\"num\">Score</th><th class=\"num\">Max</th><th>Checks</th></tr></thead><tbody>\n",
        grader = escape(&report.grader),
        sha = escape(&report.grader_sha256),
        total = report.submissions.len(),
    );
    for s in &report.submissions {
        match &s.error {
            Some(error) => {
                let _ = writeln!(
                    page,
                    "<tr class=\"err\"><td>{}</td><td class=\"num\">–</td><td class=\"num\">–</td><td>{}</td></tr>",
                    escape(&s.submission),
                    escape(error)
                );
            }
            None => {
                let failed = s.checks.iter().filter(|c| !c.passed).count();
                let _ = write!(
                    page,
                    "<tr><td>{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td><details><summary>{} checks, {} failed</summary><ul>",
                    escape(&s.submission),
                    s.score,
                    s.max_score,
                    s.checks.len(),
                    failed
                );
                for c in &s.checks {
                    let class = if c.passed { "pass" } else { "fail" };
                    let mark = if c.passed { "✔" } else { "✘" };
                    let _ = write!(
                        page,
                        "<li class=\"{class}\">{mark} <b>{}</b> {:.1}/{:.1}: {}</li>",
                        escape(&c.name),
                        c.points,
                        c.max_points,
                        escape(&c.message)
                    );
                }
                page.push_str("</ul></details></td></tr>\n");
            }
        }
    }
    page.push_str("</tbody></table></body></html>\n");
    page
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
