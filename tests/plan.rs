//! `plan` beyond its golden cases (golden/plan/, one test each in the
//! `golden` test target, `tests/golden/plan.rs`): an invalid inventory.

use std::fs;

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
