//! The render cases: each folder under golden/ holds an `inventory.yaml`
//! and either `expected/` (the exact tree `render` must write: a missing or
//! extra file fails) or `expected.stderr`, `expected.status` and
//! `expected.jsonl` (an invalid inventory: the exact messages, the exit
//! code, the `--format json` report, and nothing written).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use libtest_mimic::Trial;

use crate::support::{diff, lvs_dr_gen, read_tree, text, updating};
use crate::{read, verdict, Kind};

const MANIFEST: &str = ".lvs-dr-gen-manifest";

/// A test per folder of golden/ (but golden/plan/, the plan cases).
pub fn trials() -> Vec<Trial> {
    Kind {
        name: "golden",
        root: "golden",
        inputs: &["inventory.yaml"],
        at_least: 30,
        not_cases: &["plan"],
    }
    .trials(check)
}

/// Renders one case (and with `--format json` when it is invalid);
/// compares, or rewrites the expectations with `UPDATE_GOLDEN=1`.
fn check(case: &Path) -> Result<(), String> {
    let out = tempfile::tempdir().expect("temp dir");
    let out_arg = out.path().to_str().expect("utf-8 temp path");
    let render = lvs_dr_gen(["render", "inventory.yaml", "--out", out_arg]).dir(case);
    let output = render.output();
    let status = output.code().to_string();
    let tree = read_tree(out.path(), &[MANIFEST]);
    let json = (status != "0").then(|| render.args(["--format", "json"]).output());
    if updating() {
        update(case, &status, &output.stderr, &tree);
        if let Some(json) = &json {
            fs::write(case.join("expected.jsonl"), &json.stdout).expect("write expected.jsonl");
        }
        return Ok(());
    }
    let mut problems = Vec::new();
    let expected_dir = case.join("expected");
    if expected_dir.is_dir() {
        if status != "0" || !output.stderr.is_empty() {
            problems.push(format!("exit status {status}, stderr:\n{}", output.stderr));
        }
        compare_trees(&read_tree(&expected_dir, &[]), &tree, &mut problems);
    } else {
        let expected_status = read(&case.join("expected.status"));
        let expected_stderr = read(&case.join("expected.stderr"));
        if status != expected_status.trim() {
            problems.push(format!(
                "exit status {status}, expected {}",
                expected_status.trim()
            ));
        }
        if output.stderr != expected_stderr {
            problems.push(diff(&expected_stderr, &output.stderr, "stderr"));
        }
        let json = json.expect("an invalid case runs with --format json");
        let json_status = json.code().to_string();
        if json_status != status {
            problems.push(format!(
                "--format json: exit status {json_status}, not {status}"
            ));
        }
        let expected_json = read(&case.join("expected.jsonl"));
        if json.stdout != expected_json {
            problems.push(diff(&expected_json, &json.stdout, "expected.jsonl"));
        }
        problems.extend(check_json_lines(&json.stdout, &output.stderr));
        if out.path().read_dir().expect("temp dir").next().is_some() {
            problems.push(format!(
                "an invalid inventory wrote files: {:?}",
                tree.keys()
            ));
        }
    }
    verdict(&problems)
}

/// Each line of a `--format json` report must be a JSON object with every
/// documented key, and there must be one per problem of the text report.
fn check_json_lines(json: &str, stderr: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let lines: Vec<&str> = json.lines().collect();
    for line in &lines {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(object)) => {
                for key in [
                    "severity", "code", "file", "line", "column", "path", "message",
                ] {
                    if !object.contains_key(key) {
                        problems.push(format!("JSON line without `{key}`: {line}"));
                    }
                }
                if object["code"].as_str().is_none_or(str::is_empty) {
                    problems.push(format!("JSON line without a code: {line}"));
                }
            }
            _ => problems.push(format!("not a JSON object: {line}")),
        }
    }
    let counted = stderr
        .lines()
        .last()
        .and_then(|summary| summary.split(": ").nth(1))
        .and_then(|count| count.split(' ').next())
        .and_then(|count| count.parse::<usize>().ok());
    if counted != Some(lines.len()) {
        problems.push(format!(
            "{} JSON lines, but the text report counts {counted:?} problems",
            lines.len()
        ));
    }
    problems
}

/// The exact-tree comparison: a missing file, an extra file, and a diff
/// for each file whose bytes differ.
fn compare_trees(
    expected: &BTreeMap<PathBuf, Vec<u8>>,
    actual: &BTreeMap<PathBuf, Vec<u8>>,
    problems: &mut Vec<String>,
) {
    for path in expected.keys().filter(|path| !actual.contains_key(*path)) {
        problems.push(format!("missing file: {}", path.display()));
    }
    for path in actual.keys().filter(|path| !expected.contains_key(*path)) {
        problems.push(format!("unexpected file: {}", path.display()));
    }
    for (path, want) in expected {
        if let Some(got) = actual.get(path).filter(|got| *got != want) {
            let name = path.display().to_string();
            problems.push(diff(&text(want), &text(got), &name));
        }
    }
}

/// Writes the case's expectations from what the run did.
fn update(case: &Path, status: &str, stderr: &str, tree: &BTreeMap<PathBuf, Vec<u8>>) {
    let expected_dir = case.join("expected");
    let _ = fs::remove_dir_all(&expected_dir);
    let _ = fs::remove_file(case.join("expected.stderr"));
    let _ = fs::remove_file(case.join("expected.status"));
    let _ = fs::remove_file(case.join("expected.jsonl"));
    if status == "0" {
        for (path, contents) in tree {
            let target = expected_dir.join(path);
            fs::create_dir_all(target.parent().expect("parent")).expect("create expected dir");
            fs::write(target, contents).expect("write expected file");
        }
    } else {
        fs::write(case.join("expected.stderr"), stderr).expect("write expected.stderr");
        fs::write(case.join("expected.status"), format!("{status}\n"))
            .expect("write expected.status");
    }
}
