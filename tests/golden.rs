//! Golden tests: each folder under golden/ holds an `inventory.yaml` and
//! either `expected/` (the exact tree `render` must write: a missing or
//! extra file fails) or `expected.stderr`, `expected.status` and
//! `expected.jsonl` (an invalid inventory: the exact messages, the exit
//! code, the `--format json` report, and nothing written).
//!
//! `UPDATE_GOLDEN=1 cargo test` rewrites the expectations from the current
//! output, for review with `git diff`; it is refused when `CI` is set.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{diff, read_tree, run_in, text};

const MANIFEST: &str = ".lvs-dr-gen-manifest";

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .expect("golden/ exists")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.join("inventory.yaml").exists())
        .collect();
    cases.sort();
    cases
}

/// Whether to rewrite expectations rather than compare with them.
pub fn updating() -> bool {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1");
    assert!(
        !(update && std::env::var_os("CI").is_some()),
        "UPDATE_GOLDEN is refused when CI is set: golden files are reviewed changes, not test output"
    );
    update
}

#[test]
fn every_golden_case_matches() {
    let cases = cases();
    assert!(cases.len() >= 30, "golden/ has only {} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|case| check_case(case)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} golden cases differ (UPDATE_GOLDEN=1 cargo test rewrites them):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Runs one case; returns a description of every mismatch, if any.
fn check_case(case: &Path) -> Option<String> {
    let name = case
        .file_name()
        .expect("case name")
        .to_string_lossy()
        .into_owned();
    let out = tempfile::tempdir().expect("temp dir");
    let out_arg = out.path().to_str().expect("utf-8 temp path");
    let output = run_in(case, &["render", "inventory.yaml", "--out", out_arg]);
    let status = output.status.code().expect("exit code").to_string();
    let stderr = text(&output.stderr);
    let tree = read_tree(out.path(), &[MANIFEST]);
    let json = (status != "0").then(|| {
        let output = run_in(
            case,
            &[
                "render",
                "inventory.yaml",
                "--out",
                out_arg,
                "--format",
                "json",
            ],
        );
        let json_status = output.status.code().expect("exit code").to_string();
        (json_status, text(&output.stdout))
    });
    if updating() {
        update_case(case, &status, &stderr, &tree);
        if let Some((_, json)) = &json {
            fs::write(case.join("expected.jsonl"), json).expect("write expected.jsonl");
        }
        return None;
    }
    let mut problems = Vec::new();
    let expected_dir = case.join("expected");
    if expected_dir.is_dir() {
        if status != "0" || !stderr.is_empty() {
            problems.push(format!("exit status {status}, stderr:\n{stderr}"));
        }
        compare_trees(&read_tree(&expected_dir, &[]), &tree, &mut problems);
    } else {
        let expected_status = read_text(&case.join("expected.status"));
        let expected_stderr = read_text(&case.join("expected.stderr"));
        if status != expected_status.trim() {
            problems.push(format!(
                "exit status {status}, expected {}",
                expected_status.trim()
            ));
        }
        if stderr != expected_stderr {
            problems.push(diff(&expected_stderr, &stderr, "stderr"));
        }
        let (json_status, json) = json.expect("an invalid case runs with --format json");
        if json_status != status {
            problems.push(format!(
                "--format json: exit status {json_status}, not {status}"
            ));
        }
        let expected_json = read_text(&case.join("expected.jsonl"));
        if json != expected_json {
            problems.push(diff(&expected_json, &json, "expected.jsonl"));
        }
        problems.extend(check_json_lines(&json, &stderr));
        if out.path().read_dir().expect("temp dir").next().is_some() {
            problems.push(format!(
                "an invalid inventory wrote files: {:?}",
                tree.keys()
            ));
        }
    }
    (!problems.is_empty()).then(|| format!("== golden/{name}\n{}", problems.join("\n")))
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

fn compare_trees(
    expected: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
    actual: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
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

fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn update_case(
    case: &Path,
    status: &str,
    stderr: &str,
    tree: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
) {
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
