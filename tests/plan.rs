//! `plan` golden tests: each folder under golden/plan/ holds `old.yaml` and
//! `new.yaml`, and the exact text (`expected.txt`), JSON document
//! (`expected.json`), Markdown document (`expected.md`) and exit code
//! (`expected.status`) of `lvs-dr-gen plan old.yaml new.yaml`, with the
//! extra arguments of its `args` file when it has one (one line, split at
//! spaces). `UPDATE_GOLDEN=1 cargo test` rewrites them for review, as for
//! the render cases; `tests/ci/mermaid-render` renders every `expected.md`'s
//! diagram with the real Mermaid.

use std::fs;
use std::path::{Path, PathBuf};

use crate::golden::updating;
use crate::support::{diff, run_in, text};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/plan");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .expect("golden/plan/ exists")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.join("old.yaml").exists())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_plan_case_matches() {
    let cases = cases();
    assert!(
        cases.len() >= 10,
        "golden/plan/ has only {} cases",
        cases.len()
    );
    let failures: Vec<String> = cases.iter().filter_map(|case| check_case(case)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} plan cases differ (UPDATE_GOLDEN=1 cargo test rewrites them):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Runs one case in text and JSON; returns its mismatches, if any.
fn check_case(case: &Path) -> Option<String> {
    let name = case
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let extra = fs::read_to_string(case.join("args")).unwrap_or_default();
    let run_plan = |format: &str| {
        let mut args = vec!["plan", "old.yaml", "new.yaml", "--format", format];
        args.extend(extra.split_whitespace());
        run_in(case, &args)
    };
    let (plain, json, markdown) = (run_plan("text"), run_plan("json"), run_plan("markdown"));
    let status = plain.status.code().expect("exit code").to_string();
    let (stdout, stderr) = (text(&plain.stdout), text(&plain.stderr));
    let json_text = text(&json.stdout);
    let markdown_text = text(&markdown.stdout);
    if updating() {
        fs::write(case.join("expected.txt"), &stdout).expect("write expected.txt");
        fs::write(case.join("expected.json"), &json_text).expect("write expected.json");
        fs::write(case.join("expected.md"), &markdown_text).expect("write expected.md");
        fs::write(case.join("expected.status"), format!("{status}\n")).expect("write status");
        return None;
    }
    let mut problems = Vec::new();
    let expected_status = read(&case.join("expected.status"));
    if status != expected_status.trim() {
        problems.push(format!(
            "exit status {status}, expected {}",
            expected_status.trim()
        ));
    }
    for (format, output) in [("json", &json), ("markdown", &markdown)] {
        if output.status.code() != plain.status.code() {
            problems.push(format!(
                "--format {format} exits {:?}, text {status}",
                output.status.code()
            ));
        }
    }
    if !stderr.is_empty() {
        problems.push(format!("stderr:\n{stderr}"));
    }
    let expected = read(&case.join("expected.txt"));
    if stdout != expected {
        problems.push(diff(&expected, &stdout, "expected.txt"));
    }
    let expected_json = read(&case.join("expected.json"));
    if json_text != expected_json {
        problems.push(diff(&expected_json, &json_text, "expected.json"));
    }
    let expected_markdown = read(&case.join("expected.md"));
    if markdown_text != expected_markdown {
        problems.push(diff(&expected_markdown, &markdown_text, "expected.md"));
    }
    match serde_json::from_str::<serde_json::Value>(&json_text) {
        Ok(document) => {
            let safe = document["safe"].as_bool();
            if safe != Some(status == "0") {
                problems.push(format!("\"safe\": {safe:?} but exit status {status}"));
            }
        }
        Err(error) => problems.push(format!("--format json is not one JSON document: {error}")),
    }
    (!problems.is_empty()).then(|| format!("golden/plan/{name}:\n{}", problems.join("\n")))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn an_invalid_inventory_is_trouble_and_names_its_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("old.yaml"), crate::support::INVENTORY).expect("write old");
    fs::write(
        dir.path().join("new.yaml"),
        crate::support::INVENTORY.replace(
            "services: [www]\n    interface: lo",
            "services: [www]\n    drain: [api]\n    interface: lo",
        ),
    )
    .expect("write new");
    let output = run_in(dir.path(), &["plan", "old.yaml", "new.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "no plan on trouble");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("new.yaml"), "{stderr}");
    assert!(
        stderr.contains("hosts.web02.drain[0]")
            && stderr.contains("`api` is not a service of this host"),
        "{stderr}"
    );
}

/// `validate` warns, and exits 0, when every real server of a service is
/// drained (the inventory of golden/plan/06-drain-service's NEW); one
/// server taking new connections is enough to silence it.
#[test]
fn validate_warns_when_every_real_server_of_a_service_is_drained() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/plan/06-drain-service");
    let output = run_in(&case, &["validate", "new.yaml"]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("new.yaml:8:3: warning: services.www: every real server of www is drained"),
        "{stderr}"
    );
    let json = run_in(&case, &["validate", "new.yaml", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let line: serde_json::Value =
        serde_json::from_str(text(&json.stdout).trim()).expect("one JSON line");
    assert_eq!(line["severity"], "warning");
    assert_eq!(line["code"], "service-fully-drained");
    assert_eq!(line["line"], 8);
    // Negative control: OLD, where the same service takes new connections.
    let quiet = run_in(&case, &["validate", "old.yaml"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(
        !text(&quiet.stderr).contains("warning"),
        "{}",
        text(&quiet.stderr)
    );
}

/// `--capacity-share` takes a share from 0 to 1; anything else is a usage
/// error (exit 2) that says what it takes.
#[test]
fn capacity_share_is_a_share_from_0_to_1() {
    let case =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/plan/unsafe-capacity-below-share");
    for bad in [
        "--capacity-share=1.5",
        "--capacity-share=-0.1",
        "--capacity-share=half",
    ] {
        let output = run_in(&case, &["plan", "old.yaml", "new.yaml", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(
            text(&output.stderr).contains("is not a share from 0 to 1"),
            "{}",
            text(&output.stderr)
        );
    }
    let lowered = run_in(
        &case,
        &["plan", "old.yaml", "new.yaml", "--capacity-share", "0.2"],
    );
    assert_eq!(lowered.status.code(), Some(0));
}

/// `deployed`: the command over a folder of machines' records: agreed
/// (exit 0, the record written to --out), nothing deployed (4), records
/// that differ (1, with the report), an invalid record (2).
#[test]
fn deployed_tells_agreement_first_rollout_disagreement_and_trouble() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/plan/02-add-real-server");
    let (old, new) = (read(&case.join("old.yaml")), read(&case.join("new.yaml")));
    let dir = tempfile::tempdir().expect("temp dir");
    let records = dir.path().join("deployed-on");
    let record = |machine: &str, text: &str| {
        fs::create_dir_all(records.join(machine)).expect("folder");
        fs::write(records.join(machine).join("inventory.yaml"), text).expect("record");
    };
    for machine in ["lb1", "lb2", "web1", "web2"] {
        record(machine, "");
    }
    let first = run_in(dir.path(), &["deployed", "deployed-on"]);
    assert_eq!(first.status.code(), Some(4), "{}", text(&first.stderr));
    assert!(text(&first.stderr).contains("a first rollout"));
    for machine in ["lb1", "lb2", "web1", "web2"] {
        record(machine, &old);
    }
    let agreed = run_in(
        dir.path(),
        &["deployed", "deployed-on", "--out", "old.yaml"],
    );
    assert_eq!(agreed.status.code(), Some(0), "{}", text(&agreed.stderr));
    assert_eq!(read(&dir.path().join("old.yaml")), old);
    assert!(text(&agreed.stderr).contains("4 machines agree on the deployed inventory"));
    record("web2", &new);
    let disagree = run_in(dir.path(), &["deployed", "deployed-on"]);
    assert_eq!(disagree.status.code(), Some(1));
    assert!(
        disagree.stdout.is_empty(),
        "no inventory when they disagree"
    );
    let report = text(&disagree.stderr);
    assert!(
        report.contains("): lb1, lb2, web1\n") && report.contains("): web2\n"),
        "{report}"
    );
    assert!(report.contains("real-server web3 (new)"), "{report}");
    let chosen = run_in(dir.path(), &["deployed", "deployed-on", "--from", "web2"]);
    assert_eq!(chosen.status.code(), Some(0));
    assert_eq!(text(&chosen.stdout), new);
    record("web2", "version: 1\nhosts: {}\n");
    let trouble = run_in(dir.path(), &["deployed", "deployed-on"]);
    assert_eq!(trouble.status.code(), Some(2));
    assert!(text(&trouble.stderr).contains("deployed-on/web2/inventory.yaml"));
}
