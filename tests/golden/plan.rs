//! The plan cases: each folder under golden/plan/ holds `old.yaml` and
//! `new.yaml`, and the exact text (`expected.txt`), JSON document
//! (`expected.json`), Markdown document (`expected.md`) and exit code
//! (`expected.status`) of `lvs-dr-gen plan old.yaml new.yaml`, with the
//! extra arguments of its `args` file when it has one (one line, split at
//! spaces); plan prints nothing on stderr. `tests/ci/mermaid-render`
//! renders every `expected.md`'s diagram with the real Mermaid.

use std::fs;
use std::path::Path;

use libtest_mimic::Trial;

use crate::support::{diff, lvs_dr_gen, updating, Output};
use crate::{read, verdict, Kind};

/// The plan cases: every folder of golden/plan/.
pub const KIND: Kind = Kind {
    name: "plan",
    root: "golden/plan",
    inputs: &["old.yaml", "new.yaml"],
    at_least: 10,
    not_cases: &[],
};

/// A test per case.
pub fn trials() -> Vec<Trial> {
    KIND.trials(check)
}

/// Runs one case; compares, or rewrites the expectations with
/// `UPDATE_GOLDEN=1`.
pub fn check(case: &Path) -> Result<(), String> {
    let planned = Planned::of(case);
    if updating() {
        planned.update(case);
        return Ok(());
    }
    verdict(&planned.compare(case))
}

/// What `plan old.yaml new.yaml` did, in text, JSON and Markdown.
pub struct Planned {
    text: Output,
    json: Output,
    markdown: Output,
}

impl Planned {
    /// Runs `plan` on `case`'s inventories (with its `args`), in text,
    /// JSON and Markdown.
    pub fn of(case: &Path) -> Planned {
        let extra = fs::read_to_string(case.join("args")).unwrap_or_default();
        let command = lvs_dr_gen(["plan", "old.yaml", "new.yaml"])
            .args(extra.split_whitespace())
            .dir(case);
        Planned {
            text: command.output(),
            json: command.clone().args(["--format", "json"]).output(),
            markdown: command.args(["--format", "markdown"]).output(),
        }
    }

    /// Every way the runs differ from `case`'s expectations.
    pub fn compare(&self, case: &Path) -> Vec<String> {
        let Planned {
            text,
            json,
            markdown,
        } = self;
        let status = text.code().to_string();
        let mut problems = Vec::new();
        let expected_status = read(&case.join("expected.status"));
        if status != expected_status.trim() {
            problems.push(format!(
                "exit status {status}, expected {}",
                expected_status.trim()
            ));
        }
        for (format, output) in [("json", json), ("markdown", markdown)] {
            if output.status.code() != text.status.code() {
                problems.push(format!(
                    "--format {format} exits {:?}, text {status}",
                    output.status.code()
                ));
            }
        }
        if !text.stderr.is_empty() {
            problems.push(format!("stderr:\n{}", text.stderr));
        }
        let expected = read(&case.join("expected.txt"));
        if text.stdout != expected {
            problems.push(diff(&expected, &text.stdout, "expected.txt"));
        }
        let expected_json = read(&case.join("expected.json"));
        if json.stdout != expected_json {
            problems.push(diff(&expected_json, &json.stdout, "expected.json"));
        }
        let expected_markdown = read(&case.join("expected.md"));
        if markdown.stdout != expected_markdown {
            problems.push(diff(&expected_markdown, &markdown.stdout, "expected.md"));
        }
        match serde_json::from_str::<serde_json::Value>(&json.stdout) {
            Ok(document) => {
                let safe = document["safe"].as_bool();
                if safe != Some(status == "0") {
                    problems.push(format!("\"safe\": {safe:?} but exit status {status}"));
                }
            }
            Err(error) => {
                problems.push(format!("--format json is not one JSON document: {error}"));
            }
        }
        problems
    }

    /// Writes `case`'s expectations from these runs.
    fn update(&self, case: &Path) {
        let status = self.text.code();
        fs::write(case.join("expected.txt"), &self.text.stdout).expect("write expected.txt");
        fs::write(case.join("expected.json"), &self.json.stdout).expect("write expected.json");
        fs::write(case.join("expected.md"), &self.markdown.stdout).expect("write expected.md");
        fs::write(case.join("expected.status"), format!("{status}\n")).expect("write status");
    }
}
