//! `verify` run as a program: on recorded live states (`--state`), and on
//! this machine's own live state with the installed files below `--root`
//! (read-only: it changes nothing).

use std::fs;
use std::path::Path;

use crate::support::{run_in, text};

const FIXTURE: &str = "tests/fixtures/verify/webserver02.json";
const INVENTORY: &str = "examples/inventory.yaml";

/// Runs the binary from the repository; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let output = run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args);
    (
        output.status.code().expect("exit code"),
        text(&output.stdout),
        text(&output.stderr),
    )
}

fn fixture_path() -> String {
    format!("{}/{FIXTURE}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_recorded_host_as_the_inventory_says_exits_0() {
    let (code, stdout, stderr) = run(&["verify", INVENTORY, "--state", FIXTURE]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), 21, "{stdout}");
    assert!(
        stdout.lines().all(|line| line.starts_with("ok ")),
        "{stdout}"
    );
    assert!(stdout.contains(
        "ok    vip 2a00:e10:1000:7:124::a1: expected on lo as /128; found on lo as /128\n"
    ));
    assert_eq!(
        stderr,
        "webserver02 (real-server): 21 checks, all as the inventory says\n"
    );
}

#[test]
fn drift_exits_1_with_a_line_per_check() {
    let dir = tempfile::tempdir().unwrap();
    let state = fs::read_to_string(fixture_path()).unwrap().replace(
        "\"net/ipv4/conf/all/arp_ignore\": \"1\"",
        "\"net/ipv4/conf/all/arp_ignore\": \"0\"",
    );
    let path = dir.path().join("state.json");
    fs::write(&path, state).unwrap();
    let (code, stdout, stderr) = run(&["verify", INVENTORY, "--state", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let drift: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("ok ")).collect();
    assert_eq!(
        drift,
        [
            "DRIFT arp_ignore eth0: expected 1; found 0 = max(all=0, eth0=0)",
            "DRIFT arp_ignore eth1: expected 1; found 0 = max(all=0, eth1=0)",
            "DRIFT arp_ignore lo: expected 1; found 0 = max(all=0, lo=0)",
            "DRIFT sysctl net.ipv4.conf.all.arp_ignore: expected 1; found 0",
        ]
    );
    assert_eq!(stderr, "webserver02 (real-server): 21 checks, 4 drift\n");
}

#[test]
fn json_and_prometheus_report_the_same_checks() {
    let (code, json, _) = run(&["verify", INVENTORY, "--state", FIXTURE, "--format", "json"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["host"], "webserver02");
    assert_eq!(report["role"], "real-server");
    assert_eq!(report["status"], "ok");
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 21);
    assert_eq!(
        checks[0],
        serde_json::json!({"check": "file", "subject": "/etc/network/interfaces.d/lvs-dr",
            "status": "ok", "expected": "as rendered", "found": "as rendered"})
    );
    let (code, metrics, _) = run(&[
        "verify",
        INVENTORY,
        "--state",
        FIXTURE,
        "--format",
        "prometheus",
    ]);
    assert_eq!(code, 0);
    let samples: Vec<&str> = metrics.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(samples.len(), 21);
    assert_eq!(
        samples[0],
        "lvs_dr_gen_verify_ok{host=\"webserver02\",role=\"real-server\",check=\"file\",\
         subject=\"/etc/network/interfaces.d/lvs-dr\"} 1"
    );
}

#[test]
fn an_unknown_host_or_an_unreadable_state_is_trouble() {
    let (code, stdout, stderr) = run(&["verify", INVENTORY, "--state", FIXTURE, "--host", "lb03"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        "error: `lb03` is neither a host nor a director in the inventory; did you mean `lb01`?\n"
    );
    let (code, _, stderr) = run(&["verify", INVENTORY, "--state", "Cargo.toml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: cannot read Cargo.toml: expected value at line 1"),
        "{stderr}"
    );
}

#[test]
fn arp_on_a_real_server_is_trouble() {
    let (code, stdout, stderr) = run(&["verify", INVENTORY, "--state", FIXTURE, "--arp"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        "error: `--arp` is for directors: `webserver02` is a real server; run `verify --arp` on \
         a director to see which machines answer ARP for the VIPs\n"
    );
}

/// This machine's own live state (read-only): the files rendered for
/// webserver02 below --root are found as rendered, an edited one is not.
#[test]
fn installed_files_are_read_below_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let inventory = format!("{}/{INVENTORY}", env!("CARGO_MANIFEST_DIR"));
    let (code, _, stderr) = run(&["render", &inventory, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let root = out.join("webserver02");
    let args = [
        "verify",
        INVENTORY,
        "--host",
        "webserver02",
        "--root",
        root.to_str().unwrap(),
    ];
    let (_, stdout, stderr) = run(&args);
    let files: Vec<&str> = stdout.lines().filter(|l| l.contains(" file /")).collect();
    assert_eq!(
        files,
        [
            "ok    file /etc/network/interfaces.d/lvs-dr: expected as rendered; found as rendered",
            "ok    file /etc/sysctl.d/60-lvs-dr.conf: expected as rendered; found as rendered",
        ],
        "{stderr}"
    );
    fs::remove_file(root.join("etc/network/interfaces.d/lvs-dr")).unwrap();
    let (code, stdout, _) = run(&args);
    assert_eq!(code, 1);
    assert!(stdout.contains(
        "DRIFT file /etc/network/interfaces.d/lvs-dr: expected as rendered; found missing\n"
    ));
}

/// What `--print-state` records, `--state` compares to the same result as
/// reading the machine.
#[test]
fn a_recorded_state_verifies_as_the_live_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let inventory = format!("{}/{INVENTORY}", env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        run(&["render", &inventory, "--out", out.to_str().unwrap()]).0,
        0
    );
    let root = out.join("webserver01");
    let live = [
        "verify",
        INVENTORY,
        "--host",
        "webserver01",
        "--root",
        root.to_str().unwrap(),
    ];
    let (code, state, stderr) = run(&[&live[..], &["--print-state"]].concat());
    assert_eq!(code, 0, "{stderr}");
    let recorded: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert!(recorded["files"]["/etc/modules-load.d/lvs-dr.conf"]["text"]
        .as_str()
        .unwrap()
        .contains("dummy"));
    let path = dir.path().join("state.json");
    fs::write(&path, state).unwrap();
    let (live_code, live_report, _) = run(&live);
    let (code, report, _) = run(&[
        "verify",
        INVENTORY,
        "--host",
        "webserver01",
        "--state",
        path.to_str().unwrap(),
    ]);
    assert_eq!((code, report), (live_code, live_report));
}
