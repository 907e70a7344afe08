//! `plan` beyond its golden cases (golden/plan/, one test each in the
//! `golden` test target, `tests/golden/plan.rs`): an invalid inventory,
//! `--capacity-share`'s range, validate's drained-service warning, and the
//! `deployed` command that finds OLD on the machines.

use std::fs;
use std::path::Path;

use crate::support::{lvs_dr_gen, INVENTORY};

#[test]
fn an_invalid_inventory_is_trouble_and_names_its_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("old.yaml"), INVENTORY).expect("write old");
    fs::write(
        dir.path().join("new.yaml"),
        INVENTORY.replace(
            "services: [www]\n    interface: lo",
            "services: [www]\n    drain: [api]\n    interface: lo",
        ),
    )
    .expect("write new");
    let output = lvs_dr_gen(["plan", "old.yaml", "new.yaml"])
        .dir(dir.path())
        .status(2)
        .stdout("")
        .run();
    let stderr = output.stderr;
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
    let output = lvs_dr_gen(["validate", "new.yaml"]).dir(&case).run();
    assert!(
        output
            .stderr
            .contains("new.yaml:8:3: warning: services.www: every real server of www is drained"),
        "{}",
        output.stderr
    );
    let json = lvs_dr_gen(["validate", "new.yaml", "--format", "json"])
        .dir(&case)
        .run();
    let line: serde_json::Value = serde_json::from_str(json.stdout.trim()).expect("one JSON line");
    assert_eq!(line["severity"], "warning");
    assert_eq!(line["code"], "service-fully-drained");
    assert_eq!(line["line"], 8);
    // Negative control: OLD, where the same service takes new connections.
    let quiet = lvs_dr_gen(["validate", "old.yaml"]).dir(&case).run();
    assert!(!quiet.stderr.contains("warning"), "{}", quiet.stderr);
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
        let output = lvs_dr_gen(["plan", "old.yaml", "new.yaml", bad])
            .dir(&case)
            .status(2)
            .stdout("")
            .run();
        assert!(
            output.stderr.contains("is not a share from 0 to 1"),
            "{bad}: {}",
            output.stderr
        );
    }
    lvs_dr_gen(["plan", "old.yaml", "new.yaml", "--capacity-share", "0.2"])
        .dir(&case)
        .run();
}

/// `deployed`: the command over a folder of machines' records: agreed
/// (exit 0, the record written to --out), nothing deployed (4), records
/// that differ (1, with the report), an invalid record (2).
#[test]
fn deployed_tells_agreement_first_rollout_disagreement_and_trouble() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/plan/02-add-real-server");
    let read = |path: &Path| fs::read_to_string(path).expect("readable");
    let (old, new) = (read(&case.join("old.yaml")), read(&case.join("new.yaml")));
    let dir = tempfile::tempdir().expect("temp dir");
    let records = dir.path().join("deployed-on");
    let record = |machine: &str, text: &str| {
        fs::create_dir_all(records.join(machine)).expect("folder");
        fs::write(records.join(machine).join("inventory.yaml"), text).expect("record");
    };
    let deployed = |args: &[&str]| {
        let mut all = vec!["deployed", "deployed-on"];
        all.extend_from_slice(args);
        lvs_dr_gen(all).dir(dir.path())
    };
    for machine in ["lb1", "lb2", "web1", "web2"] {
        record(machine, "");
    }
    let first = deployed(&[]).status(4).stdout("").run();
    assert!(first.stderr.contains("a first rollout"), "{}", first.stderr);
    for machine in ["lb1", "lb2", "web1", "web2"] {
        record(machine, &old);
    }
    let agreed = deployed(&["--out", "old.yaml"]).stdout("").run();
    assert_eq!(read(&dir.path().join("old.yaml")), old);
    assert!(
        agreed
            .stderr
            .contains("4 machines agree on the deployed inventory"),
        "{}",
        agreed.stderr
    );
    record("web2", &new);
    let disagree = deployed(&[]).status(1).stdout("").run();
    let report = disagree.stderr;
    assert!(
        report.contains("): lb1, lb2, web1\n") && report.contains("): web2\n"),
        "{report}"
    );
    assert!(report.contains("real-server web3 (new)"), "{report}");
    deployed(&["--from", "web2"]).stdout(new).run();
    record("web2", "version: 1\nhosts: {}\n");
    let trouble = deployed(&[]).status(2).stdout("").run();
    assert!(
        trouble.stderr.contains("deployed-on/web2/inventory.yaml"),
        "{}",
        trouble.stderr
    );
}
