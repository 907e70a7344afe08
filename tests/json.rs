//! `--format json` beyond the golden cases (which pin every inventory
//! problem): a valid run prints nothing on stdout, `check` reports each file
//! out of sync, output errors are JSON objects with their own codes, and the
//! exit codes are those of the text format.

use std::fs;

use serde_json::Value;

use crate::support::{lvs_dr_gen, Run};

const INVENTORY: &str = "\
version: 1
services:
  www:
    vips: [198.51.100.10]
hosts:
  web01:
    address: 192.0.2.11
    services: [www]
";

/// Runs `run` (with its expectations); returns the JSON lines of its
/// stdout, each of which must parse.
#[track_caller]
fn json_lines(run: Run) -> Vec<Value> {
    run.run()
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("inventory.yaml"), INVENTORY).expect("write inventory");
    dir
}

#[test]
fn a_valid_inventory_prints_no_json() {
    let dir = workspace();
    lvs_dr_gen(["validate", "inventory.yaml", "--format", "json"])
        .dir(dir.path())
        .stdout("")
        .stderr("inventory.yaml: valid (1 host, 1 service)\n")
        .run();
    let args = [
        "render",
        "inventory.yaml",
        "--out",
        "out",
        "--format",
        "json",
    ];
    lvs_dr_gen(args)
        .dir(dir.path())
        .stdout("")
        .stderr("1 host: 3 files written, 0 unchanged, 0 removed\n")
        .run();
}

#[test]
fn check_reports_each_file_out_of_sync() {
    let dir = workspace();
    let check = [
        "check",
        "inventory.yaml",
        "--out",
        "out",
        "--format",
        "json",
    ];
    let lines = json_lines(lvs_dr_gen(check).dir(dir.path()).status(1));
    let files: Vec<&str> = lines.iter().map(|l| l["file"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        [
            "out/web01/etc/modules-load.d/lvs-dr.conf",
            "out/web01/etc/network/interfaces.d/lvs-dr",
            "out/web01/etc/sysctl.d/60-lvs-dr.conf"
        ]
    );
    assert!(lines.iter().all(|l| l["code"] == "out-of-sync"
        && l["message"]
            .as_str()
            .unwrap()
            .starts_with("would be created")));
    lvs_dr_gen(["render", "inventory.yaml", "--out", "out"])
        .dir(dir.path())
        .run();
    lvs_dr_gen(check)
        .dir(dir.path())
        .stdout("")
        .stderr("out: in sync (3 files)\n")
        .run();
}

#[test]
fn output_errors_are_json_with_a_code_per_kind() {
    let dir = workspace();
    let foreign = dir.path().join("out/web01/etc/sysctl.d/60-lvs-dr.conf");
    fs::create_dir_all(foreign.parent().unwrap()).unwrap();
    fs::write(&foreign, "mine\n").unwrap();
    let args = [
        "render",
        "inventory.yaml",
        "--out",
        "out",
        "--format",
        "json",
    ];
    let lines = json_lines(lvs_dr_gen(args).dir(dir.path()).status(2));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["code"], "output-foreign-file");
    assert_eq!(lines[0]["file"], "out/web01/etc/sysctl.d/60-lvs-dr.conf");
    assert_eq!(fs::read_to_string(&foreign).unwrap(), "mine\n");

    fs::write(
        dir.path().join("out/.lvs-dr-gen-manifest"),
        "../../etc/passwd\n",
    )
    .unwrap();
    let lines = json_lines(lvs_dr_gen(args).dir(dir.path()).status(2));
    assert_eq!(lines[0]["code"], "output-corrupt-manifest", "{lines:?}");
}

#[test]
fn other_failures_are_json_too() {
    let dir = workspace();
    let lines = json_lines(
        lvs_dr_gen(["validate", "missing.yaml", "--format", "json"])
            .dir(dir.path())
            .status(2),
    );
    assert_eq!(lines[0]["code"], "inventory-unreadable");
    assert_eq!(lines[0]["file"], "missing.yaml");
    let args = [
        "check",
        "inventory.yaml",
        "--out",
        "out",
        "--host",
        "web1",
        "--format",
        "json",
    ];
    let lines = json_lines(lvs_dr_gen(args).dir(dir.path()).status(2));
    assert_eq!(lines[0]["code"], "unknown-host-selected");
    assert_eq!(lines[0]["file"], Value::Null);
    fs::create_dir(dir.path().join("templates")).unwrap();
    fs::write(dir.path().join("templates/sysctl.j2"), "{{ nope(").unwrap();
    let args = [
        "check",
        "inventory.yaml",
        "--out",
        "out",
        "--templates",
        "templates",
        "--format",
        "json",
    ];
    let lines = json_lines(lvs_dr_gen(args).dir(dir.path()).status(2));
    assert_eq!(lines[0]["code"], "template-error", "{lines:?}");
}
