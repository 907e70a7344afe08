//! `verify` run as a program: on recorded live states (`--state`), and on
//! this machine's own live state with the installed files below `--root`
//! (read-only: it changes nothing).

use std::fs;
use std::path::Path;

use crate::support::{lvs_dr_gen, Run};

const FIXTURE: &str = "tests/fixtures/verify/webserver02.json";
const INVENTORY: &str = "examples/inventory.yaml";

/// `lvs-dr-gen ARGS` in the repository, where `INVENTORY` and `FIXTURE` are.
fn lvs(args: &[&str]) -> Run {
    lvs_dr_gen(args).dir(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_path() -> String {
    format!("{}/{FIXTURE}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_recorded_host_as_the_inventory_says_exits_0() {
    let stdout = lvs(&["verify", INVENTORY, "--state", FIXTURE])
        .stderr("webserver02 (real-server): 26 checks, all as the inventory says\n")
        .run()
        .stdout;
    assert_eq!(stdout.lines().count(), 26, "{stdout}");
    assert!(
        stdout.lines().all(|line| line.starts_with("ok ")),
        "{stdout}"
    );
    assert!(stdout.contains(
        "ok    vip 2a00:e10:1000:7:124::a1: expected on lo as /128; found on lo as /128\n"
    ));
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
    let stdout = lvs(&["verify", INVENTORY, "--state", path.to_str().unwrap()])
        .status(1)
        .stderr("webserver02 (real-server): 26 checks, 4 drift\n")
        .run()
        .stdout;
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
}

#[test]
fn json_and_prometheus_report_the_same_checks() {
    let json = lvs(&["verify", INVENTORY, "--state", FIXTURE, "--format", "json"])
        .run()
        .stdout;
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["host"], "webserver02");
    assert_eq!(report["role"], "real-server");
    assert_eq!(report["status"], "ok");
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 26);
    assert_eq!(
        checks[0],
        serde_json::json!({"check": "file", "subject": "/etc/network/interfaces.d/lvs-dr",
            "status": "ok", "expected": "as rendered", "found": "as rendered"})
    );
    let metrics = lvs(&[
        "verify",
        INVENTORY,
        "--state",
        FIXTURE,
        "--format",
        "prometheus",
    ])
    .run()
    .stdout;
    let samples = |metric: &str| -> Vec<&str> {
        metrics
            .lines()
            .filter(|line| line.starts_with(&format!("{metric}{{")))
            .collect()
    };
    // One sample per check, and four (ok, down, drift, error) in the state set.
    assert_eq!(samples("lvs_dr_gen_verify_status").len(), 4 * 26);
    let samples = samples("lvs_dr_gen_verify_ok");
    assert_eq!(samples.len(), 26);
    assert_eq!(
        samples[0],
        "lvs_dr_gen_verify_ok{host=\"webserver02\",role=\"real-server\",check=\"file\",\
         subject=\"/etc/network/interfaces.d/lvs-dr\"} 1"
    );
}

#[test]
fn an_unknown_host_or_an_unreadable_state_is_trouble() {
    lvs(&["verify", INVENTORY, "--state", FIXTURE, "--host", "lb03"])
        .status(2)
        .stdout("")
        .stderr(
            "error: `lb03` is neither a host nor a director in the inventory; did you mean \
             `lb01`?\n",
        )
        .run();
    let stderr = lvs(&["verify", INVENTORY, "--state", "Cargo.toml"])
        .status(2)
        .run()
        .stderr;
    assert!(
        stderr.starts_with("error: cannot read Cargo.toml: expected value at line 1"),
        "{stderr}"
    );
}

#[test]
fn arp_on_a_real_server_is_trouble() {
    lvs(&["verify", INVENTORY, "--state", FIXTURE, "--arp"])
        .status(2)
        .stdout("")
        .stderr(
            "error: `--arp` is for directors: `webserver02` is a real server; run `verify --arp` \
             on a director to see which machines answer ARP for the VIPs\n",
        )
        .run();
}

/// This machine's own live state (read-only): the files rendered for
/// webserver02 below --root are found as rendered, an edited one is not.
#[test]
fn installed_files_are_read_below_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let inventory = format!("{}/{INVENTORY}", env!("CARGO_MANIFEST_DIR"));
    lvs(&["render", &inventory, "--out", out.to_str().unwrap()]).run();
    let root = out.join("webserver02");
    let args = [
        "verify",
        INVENTORY,
        "--host",
        "webserver02",
        "--root",
        root.to_str().unwrap(),
    ];
    let output = lvs(&args).output();
    let (stdout, stderr) = (output.stdout, output.stderr);
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
    let stdout = lvs(&args).status(1).run().stdout;
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
    lvs(&["render", &inventory, "--out", out.to_str().unwrap()]).run();
    let root = out.join("webserver01");
    let live = [
        "verify",
        INVENTORY,
        "--host",
        "webserver01",
        "--root",
        root.to_str().unwrap(),
    ];
    let state = lvs(&[&live[..], &["--print-state"]].concat()).run().stdout;
    let recorded: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert!(recorded["files"]["/etc/modules-load.d/lvs-dr.conf"]["text"]
        .as_str()
        .unwrap()
        .contains("dummy"));
    let path = dir.path().join("state.json");
    fs::write(&path, state).unwrap();
    let live = lvs(&live).output();
    let recorded = lvs(&[
        "verify",
        INVENTORY,
        "--host",
        "webserver01",
        "--state",
        path.to_str().unwrap(),
    ])
    .output();
    assert_eq!(
        (recorded.code(), recorded.stdout),
        (live.code(), live.stdout)
    );
}

/// A root as Debian 12's installer leaves it with ifupdown, the files of
/// `host` of `inventory` rendered into it: /sbin a link to usr/sbin, ifup
/// installed, networking.service enabled, /etc/network/interfaces sourcing
/// interfaces.d, procps's /etc/sysctl.d/99-sysctl.conf link.
fn debian_root(dir: &Path, inventory: &str, host: &str) -> std::path::PathBuf {
    let out = dir.join("out");
    let inventory = format!("{}/{inventory}", env!("CARGO_MANIFEST_DIR"));
    lvs(&["render", &inventory, "--out", out.to_str().unwrap()]).run();
    let root = out.join(host);
    for folder in [
        "usr/sbin",
        "usr/lib/systemd/system",
        "etc/network",
        "etc/sysctl.d",
        "etc/systemd/system/multi-user.target.wants",
    ] {
        fs::create_dir_all(root.join(folder)).unwrap();
    }
    std::os::unix::fs::symlink("usr/sbin", root.join("sbin")).unwrap();
    std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
    fs::write(root.join("usr/sbin/ifup"), "").unwrap();
    std::os::unix::fs::symlink(
        "/lib/systemd/system/networking.service",
        root.join("etc/systemd/system/multi-user.target.wants/networking.service"),
    )
    .unwrap();
    fs::write(
        root.join("etc/network/interfaces"),
        "source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n",
    )
    .unwrap();
    fs::write(
        root.join("etc/sysctl.conf"),
        "#kernel.domainname = example.com\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../sysctl.conf", root.join("etc/sysctl.d/99-sysctl.conf")).unwrap();
    root
}

/// A recorded state: `base` (a fixture, or an empty state) with what
/// `verify --print-state --root ROOT` read of the next boot below `root`.
fn state_with_boot(
    dir: &Path,
    inventory: &str,
    host: &str,
    root: &Path,
    base: serde_json::Value,
) -> String {
    let state = lvs(&[
        "verify",
        inventory,
        "--host",
        host,
        "--root",
        root.to_str().unwrap(),
        "--print-state",
    ])
    .run()
    .stdout;
    let read: serde_json::Value = serde_json::from_str(&state).unwrap();
    let mut base = base;
    base["boot"] = read["boot"].clone();
    let path = dir.join(format!("{host}-state.json"));
    fs::write(&path, base.to_string()).unwrap();
    path.to_str().unwrap().to_owned()
}

fn not_ok(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| !l.starts_with("ok ")).collect()
}

/// The newcomer's case: a later sysctl.d file, not yet applied, that
/// lowers `arp_ignore`. The live kernel is still right; the next boot is not.
#[test]
fn a_later_sysctl_file_is_drift_at_the_next_boot() {
    let dir = tempfile::tempdir().unwrap();
    let root = debian_root(dir.path(), INVENTORY, "webserver02");
    let fixture: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(fixture_path()).unwrap()).unwrap();
    let state = state_with_boot(dir.path(), INVENTORY, "webserver02", &root, fixture.clone());
    // The recording's own: 21 live checks, the stanza read at boot, 4 kernel
    // parameters at the next boot.
    let stdout = lvs(&["verify", INVENTORY, "--state", &state])
        .stderr("webserver02 (real-server): 26 checks, all as the inventory says\n")
        .run()
        .stdout;
    assert!(stdout.contains(
        "ok    read-at-boot /etc/network/interfaces.d/lvs-dr: expected read by ifupdown at boot; \
         found read: /sbin/ifup installed, networking.service enabled \
         (/etc/systemd/system/multi-user.target.wants), `source /etc/network/interfaces.d/*` at \
         /etc/network/interfaces:1\n"
    ));
    assert!(stdout.contains(
        "ok    next-boot net.ipv4.conf.all.arp_ignore: expected 1 (60-lvs-dr.conf); found 1 from \
         /etc/sysctl.d/60-lvs-dr.conf:9\n"
    ));

    fs::write(
        root.join("etc/sysctl.d/99-zzz.conf"),
        "net.ipv4.conf.all.arp_ignore = 0\n",
    )
    .unwrap();
    fs::write(
        root.join("etc/sysctl.conf"),
        "# from an old how-to\nnet.ipv4.tcp_syncookies=0\n",
    )
    .unwrap();
    let state = state_with_boot(dir.path(), INVENTORY, "webserver02", &root, fixture);
    let stdout = lvs(&["verify", INVENTORY, "--state", &state])
        .status(1)
        .run()
        .stdout;
    assert_eq!(
        not_ok(&stdout),
        [
            "DRIFT next-boot net.ipv4.conf.all.arp_ignore: expected 1 (60-lvs-dr.conf); found 0 \
             from /etc/sysctl.d/99-zzz.conf:1, read after ours",
            "DRIFT next-boot net.ipv4.tcp_syncookies: expected 1 (60-lvs-dr.conf); found 0 from \
             /etc/sysctl.conf via /etc/sysctl.d/99-sysctl.conf:2, read after ours",
        ]
    );
    let json = lvs(&["verify", INVENTORY, "--state", &state, "--format", "json"])
        .output()
        .stdout;
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let drift: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|check| check["status"] == "drift")
        .collect();
    assert_eq!(drift[0]["check"], "next-boot");
    assert_eq!(drift[0]["subject"], "net.ipv4.conf.all.arp_ignore");
    let metrics = lvs(&[
        "verify",
        INVENTORY,
        "--state",
        &state,
        "--format",
        "prometheus",
    ])
    .output()
    .stdout;
    assert!(metrics.contains(
        "lvs_dr_gen_verify_ok{host=\"webserver02\",role=\"real-server\",check=\"next-boot\",\
         subject=\"net.ipv4.conf.all.arp_ignore\"} 0\n"
    ));
}

/// An interfaces.d stanza that /etc/network/interfaces does not source,
/// on a host where networking.service is masked and ifupdown missing.
#[test]
fn a_stanza_ifupdown_will_not_read_is_drift_naming_why() {
    let dir = tempfile::tempdir().unwrap();
    let root = debian_root(dir.path(), INVENTORY, "webserver02");
    let fixture: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(fixture_path()).unwrap()).unwrap();
    fs::write(
        root.join("etc/network/interfaces"),
        "auto lo\niface lo inet loopback\n",
    )
    .unwrap();
    let state = state_with_boot(dir.path(), INVENTORY, "webserver02", &root, fixture.clone());
    let stdout = lvs(&["verify", INVENTORY, "--state", &state])
        .status(1)
        .run()
        .stdout;
    assert_eq!(
        not_ok(&stdout),
        [
            "DRIFT read-at-boot /etc/network/interfaces.d/lvs-dr: expected read by ifupdown at \
             boot; found not read: /etc/network/interfaces has no `source` or `source-directory` \
             line that includes it (Debian's has `source /etc/network/interfaces.d/*`)"
        ]
    );
    fs::remove_file(root.join("usr/sbin/ifup")).unwrap();
    std::os::unix::fs::symlink(
        "/dev/null",
        root.join("etc/systemd/system/networking.service"),
    )
    .unwrap();
    let state = state_with_boot(dir.path(), INVENTORY, "webserver02", &root, fixture);
    let stdout = lvs(&["verify", INVENTORY, "--state", &state])
        .output()
        .stdout;
    assert_eq!(
        not_ok(&stdout),
        [
            "DRIFT read-at-boot /etc/network/interfaces.d/lvs-dr: expected read by ifupdown at \
             boot; found not read: ifupdown is not installed (no /sbin/ifup or /usr/sbin/ifup); \
             networking.service is masked by /etc/systemd/system/networking.service; \
             /etc/network/interfaces has no `source` or `source-directory` line that includes it \
             (Debian's has `source /etc/network/interfaces.d/*`)"
        ]
    );
}

/// networkd's files on a host where systemd-networkd is not enabled (a
/// Debian install with ifupdown): drift until it is.
#[test]
fn networkd_files_where_networkd_is_not_enabled_are_drift() {
    const NETWORKD: &str = "golden/stack-networkd/inventory.yaml";
    let dir = tempfile::tempdir().unwrap();
    let root = debian_root(dir.path(), NETWORKD, "dummy-v4");
    let base = serde_json::json!({"hostname": "dummy-v4"});
    let state = state_with_boot(dir.path(), NETWORKD, "dummy-v4", &root, base.clone());
    let stdout = lvs(&["verify", NETWORKD, "--state", &state])
        .status(1)
        .run()
        .stdout;
    let why = "not read: systemd-networkd.service is not enabled (no link to it in a *.wants \
               directory of /etc/systemd/system; `systemctl enable systemd-networkd.service`)";
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("read-at-boot"))
        .collect();
    assert_eq!(
        lines,
        [
            format!(
                "DRIFT read-at-boot /etc/systemd/network/10-lvs-dr.netdev: expected read by \
                 systemd-networkd at boot; found {why}"
            ),
            format!(
                "DRIFT read-at-boot /etc/systemd/network/10-lvs-dr.network: expected read by \
                 systemd-networkd at boot; found {why}"
            ),
        ]
    );
    std::os::unix::fs::symlink(
        "/lib/systemd/system/systemd-networkd.service",
        root.join("etc/systemd/system/multi-user.target.wants/systemd-networkd.service"),
    )
    .unwrap();
    let state = state_with_boot(dir.path(), NETWORKD, "dummy-v4", &root, base);
    let stdout = lvs(&["verify", NETWORKD, "--state", &state])
        .output()
        .stdout;
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("read-at-boot"))
        .collect();
    assert_eq!(
        lines,
        [
            "ok    read-at-boot /etc/systemd/network/10-lvs-dr.netdev: expected read by \
             systemd-networkd at boot; found read: systemd-networkd.service enabled \
             (/etc/systemd/system/multi-user.target.wants)",
            "ok    read-at-boot /etc/systemd/network/10-lvs-dr.network: expected read by \
             systemd-networkd at boot; found read: systemd-networkd.service enabled \
             (/etc/systemd/system/multi-user.target.wants)",
        ]
    );
}
