//! The plan cases: each folder under golden/plan/ holds `old.yaml` and
//! `new.yaml`, and the exact text (`expected.txt`), JSON document
//! (`expected.json`) and exit code (`expected.status`) of
//! `lvs-dr-gen plan old.yaml new.yaml`, which prints nothing on stderr.

use std::fs;
use std::path::Path;

use libtest_mimic::Trial;

use crate::support::{diff, lvs_dr_gen, updating};
use crate::{read, verdict, Kind};

/// A test per folder of golden/plan/.
pub fn trials() -> Vec<Trial> {
    Kind {
        name: "plan",
        root: "golden/plan",
        inputs: &["old.yaml", "new.yaml"],
        at_least: 10,
        not_cases: &[],
    }
    .trials(check)
}

/// Runs one case in text and JSON; compares, or rewrites the expectations
/// with `UPDATE_GOLDEN=1`.
fn check(case: &Path) -> Result<(), String> {
    let command = lvs_dr_gen(["plan", "old.yaml", "new.yaml"]).dir(case);
    let plain = command.output();
    let json = command.args(["--format", "json"]).output();
    let status = plain.code().to_string();
    if updating() {
        fs::write(case.join("expected.txt"), &plain.stdout).expect("write expected.txt");
        fs::write(case.join("expected.json"), &json.stdout).expect("write expected.json");
        fs::write(case.join("expected.status"), format!("{status}\n")).expect("write status");
        return Ok(());
    }
    let mut problems = Vec::new();
    let expected_status = read(&case.join("expected.status"));
    if status != expected_status.trim() {
        problems.push(format!(
            "exit status {status}, expected {}",
            expected_status.trim()
        ));
    }
    if json.status.code() != plain.status.code() {
        problems.push(format!(
            "--format json exits {:?}, text {status}",
            json.status.code()
        ));
    }
    if !plain.stderr.is_empty() {
        problems.push(format!("stderr:\n{}", plain.stderr));
    }
    let expected = read(&case.join("expected.txt"));
    if plain.stdout != expected {
        problems.push(diff(&expected, &plain.stdout, "expected.txt"));
    }
    let expected_json = read(&case.join("expected.json"));
    if json.stdout != expected_json {
        problems.push(diff(&expected_json, &json.stdout, "expected.json"));
    }
    match serde_json::from_str::<serde_json::Value>(&json.stdout) {
        Ok(document) => {
            let safe = document["safe"].as_bool();
            if safe != Some(status == "0") {
                problems.push(format!("\"safe\": {safe:?} but exit status {status}"));
            }
        }
        Err(error) => problems.push(format!("--format json is not one JSON document: {error}")),
    }
    verdict(&problems)
}
