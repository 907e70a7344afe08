//! The render cases: each folder under golden/ holds an `inventory.yaml`
//! and either `expected/` (the exact tree `render` must write: a missing or
//! extra file fails) or `expected.stderr`, `expected.status` and
//! `expected.jsonl` (an invalid inventory: the exact messages, the exit
//! code, the `--format json` report, and nothing written).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use libtest_mimic::Trial;

use crate::support::{diff, lvs_dr_gen, read_tree, text, updating, Output};
use crate::{read, verdict, Kind};

const MANIFEST: &str = ".lvs-dr-gen-manifest";

/// The render cases: every folder of golden/ but golden/plan/ and
/// golden/site/ (the plan and site cases).
pub const KIND: Kind = Kind {
    name: "golden",
    root: "golden",
    inputs: &["inventory.yaml"],
    at_least: 30,
    not_cases: &["plan", "site"],
};

/// A test per case.
pub fn trials() -> Vec<Trial> {
    KIND.trials(check)
}

/// Renders one case; compares, or rewrites the expectations with
/// `UPDATE_GOLDEN=1`.
pub fn check(case: &Path) -> Result<(), String> {
    let rendered = Rendered::of(case);
    if updating() {
        rendered.update(case);
        return Ok(());
    }
    verdict(&rendered.compare(case))
}

/// What `render` did with a case's inventory.
pub struct Rendered {
    /// Its exit code.
    status: String,
    stderr: String,
    /// The files it wrote, the manifest aside.
    tree: BTreeMap<PathBuf, Vec<u8>>,
    /// For an invalid inventory, the run again with `--format json`.
    json: Option<Output>,
    /// Whether anything at all was written below the output directory.
    wrote: bool,
}

impl Rendered {
    /// Renders `case`'s inventory into a fresh directory, and again with
    /// `--format json` when it is invalid.
    pub fn of(case: &Path) -> Rendered {
        let out = tempfile::tempdir().expect("temp dir");
        let out_arg = out.path().to_str().expect("utf-8 temp path");
        let render = lvs_dr_gen(["render", "inventory.yaml", "--out", out_arg]).dir(case);
        let output = render.output();
        let status = output.code().to_string();
        let tree = read_tree(out.path(), &[MANIFEST]);
        let json = (status != "0").then(|| render.args(["--format", "json"]).output());
        let wrote = out.path().read_dir().expect("temp dir").next().is_some();
        Rendered {
            status,
            stderr: output.stderr,
            tree,
            json,
            wrote,
        }
    }

    /// Every way the run differs from `case`'s expectations.
    pub fn compare(&self, case: &Path) -> Vec<String> {
        let Rendered {
            status,
            stderr,
            tree,
            ..
        } = self;
        let mut problems = Vec::new();
        let expected_dir = case.join("expected");
        if expected_dir.is_dir() {
            if status != "0" || !stderr.is_empty() {
                problems.push(format!("exit status {status}, stderr:\n{stderr}"));
            }
            compare_trees(&read_tree(&expected_dir, &[]), tree, &mut problems);
            return problems;
        }
        let expected_status = read(&case.join("expected.status"));
        let expected_stderr = read(&case.join("expected.stderr"));
        if status != expected_status.trim() {
            problems.push(format!(
                "exit status {status}, expected {}",
                expected_status.trim()
            ));
        }
        if *stderr != expected_stderr {
            problems.push(diff(&expected_stderr, stderr, "stderr"));
        }
        let json = self
            .json
            .as_ref()
            .expect("an invalid case runs with --format json");
        let json_status = json.code().to_string();
        if json_status != *status {
            problems.push(format!(
                "--format json: exit status {json_status}, not {status}"
            ));
        }
        let expected_json = read(&case.join("expected.jsonl"));
        if json.stdout != expected_json {
            problems.push(diff(&expected_json, &json.stdout, "expected.jsonl"));
        }
        problems.extend(check_json_lines(&json.stdout, stderr));
        if self.wrote {
            problems.push(format!(
                "an invalid inventory wrote files: {:?}",
                tree.keys()
            ));
        }
        problems
    }

    /// Writes `case`'s expectations from this run.
    fn update(&self, case: &Path) {
        let expected_dir = case.join("expected");
        let _ = fs::remove_dir_all(&expected_dir);
        for name in ["expected.stderr", "expected.status", "expected.jsonl"] {
            let _ = fs::remove_file(case.join(name));
        }
        if self.status == "0" {
            for (path, contents) in &self.tree {
                let target = expected_dir.join(path);
                fs::create_dir_all(target.parent().expect("parent")).expect("create expected dir");
                fs::write(target, contents).expect("write expected file");
            }
        } else {
            fs::write(case.join("expected.stderr"), &self.stderr).expect("write expected.stderr");
            fs::write(case.join("expected.status"), format!("{}\n", self.status))
                .expect("write expected.status");
            let json = self.json.as_ref().expect("run with --format json");
            fs::write(case.join("expected.jsonl"), &json.stdout).expect("write expected.jsonl");
        }
    }
}

/// Each line of a `--format json` report must be a JSON object with every
/// documented key, and there must be one per problem of the text report.
pub fn check_json_lines(json: &str, stderr: &str) -> Vec<String> {
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
pub fn compare_trees(
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
