//! `diff`: a machine set up by hand (the article's way: a dummy0 stanza in
//! /etc/network/interfaces, the ARP keys in /etc/sysctl.conf, `dummy` in
//! /etc/modules, a keepalived.conf written by hand) compared with what
//! lvs-dr-gen renders for it, on a fixture root in a temp dir.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use crate::support::{lvs_dr_gen, Run};

/// The article's cluster: one real server on dummy0, one director.
const INVENTORY: &str = "\
version: 1
vrrp: {virtual_router_id: 51}
directors:
  lb01: {address: 192.0.2.2, interface: eth0, priority: 150}
services:
  www: {vips: [198.19.253.1, 198.19.254.1], ports: [80]}
hosts:
  webserver01: {address: 192.0.2.11, services: [www]}
";

/// /etc/network/interfaces as the article has operators write it.
const INTERFACES: &str = "\
# The loopback network interface
auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
address 192.0.2.11
netmask 255.255.255.0

auto dummy0
iface dummy0 inet static
address 198.19.253.1
netmask 255.255.255.255
up /sbin/ifconfig dummy0 add 198.19.254.1/32
pre-up sysctl -p > /dev/null
";

/// /etc/sysctl.conf as the article has it.
const SYSCTL_CONF: &str = "\
net.ipv4.icmp_echo_ignore_broadcasts = 1
net.ipv4.tcp_syncookies = 1
net.ipv4.conf.all.arp_ignore = 1
net.ipv4.conf.all.arp_announce = 2
net.ipv4.conf.dummy0.arp_ignore = 1
net.ipv4.conf.dummy0.arp_announce = 2
";

/// A work dir with the inventory and a hand-made root below `root/`.
fn hand_made() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    };
    write("inventory.yaml", INVENTORY);
    write("root/etc/network/interfaces", INTERFACES);
    write("root/etc/sysctl.conf", SYSCTL_CONF);
    write("root/etc/modules", "# modules\ndummy\n");
    write(
        "root/etc/sysctl.d/10-old.conf",
        "net/ipv4/conf/all/arp_announce = 1\n",
    );
    // Debian's procps links this to ../sysctl.conf: read once.
    symlink(
        "../sysctl.conf",
        dir.path().join("root/etc/sysctl.d/99-sysctl.conf"),
    )
    .expect("symlink");
    dir
}

/// `diff` for `host` below `root/`, in `dir`.
fn diff(dir: &Path, host: &str) -> Run {
    lvs_dr_gen(["diff", "inventory.yaml", "--host", host, "--root", "root"]).dir(dir)
}

#[test]
fn a_hand_made_real_server_shows_the_diffs_the_conflicting_stanza_and_the_sysctl_lines() {
    let dir = hand_made();
    let stdout = diff(dir.path(), "webserver01")
        .status(1)
        .stderr(
            "webserver01: 3 of 3 rendered files differ, 2 hand-written stanzas in the way, \
             5 kernel parameters also set elsewhere (1 to another value)\n",
        )
        .run()
        .stdout;
    for header in [
        "--- /dev/null\n+++ b/etc/modules-load.d/lvs-dr.conf\n",
        "--- /dev/null\n+++ b/etc/network/interfaces.d/lvs-dr\n",
        "--- /dev/null\n+++ b/etc/sysctl.d/60-lvs-dr.conf\n",
    ] {
        assert!(stdout.contains(header), "{header}\n{stdout}");
    }
    let findings: Vec<&str> = stdout
        .lines()
        .skip_while(|line| !line.starts_with("/etc/"))
        .collect();
    assert_eq!(
        findings,
        [
            "/etc/network/interfaces:10: a stanza for dummy0, which /etc/network/interfaces.d/lvs-dr \
             defines too: two stanzas for one interface conflict; remove this one when you install \
             lvs-dr-gen's",
            "    auto dummy0",
            "/etc/network/interfaces:11: a stanza for dummy0, which /etc/network/interfaces.d/lvs-dr \
             defines too: two stanzas for one interface conflict; remove this one when you install \
             lvs-dr-gen's",
            "    iface dummy0 inet static",
            "    address 198.19.253.1",
            "    netmask 255.255.255.255",
            "    up /sbin/ifconfig dummy0 add 198.19.254.1/32",
            "    pre-up sysctl -p > /dev/null",
            "/etc/sysctl.conf:1: net.ipv4.icmp_echo_ignore_broadcasts = 1 (the same value as \
             /etc/sysctl.d/60-lvs-dr.conf: the line can go)",
            "/etc/sysctl.conf:2: net.ipv4.tcp_syncookies = 1 (the same value as \
             /etc/sysctl.d/60-lvs-dr.conf: the line can go)",
            "/etc/sysctl.conf:3: net.ipv4.conf.all.arp_ignore = 1 (the same value as \
             /etc/sysctl.d/60-lvs-dr.conf: the line can go)",
            "/etc/sysctl.conf:4: net.ipv4.conf.all.arp_announce = 2 (the same value as \
             /etc/sysctl.d/60-lvs-dr.conf: the line can go)",
            "/etc/sysctl.d/10-old.conf:1: net/ipv4/conf/all/arp_announce = 1 \
             (/etc/sysctl.d/60-lvs-dr.conf sets 2: the value read last wins, so remove one of them)",
            "/etc/modules:2: dummy (loaded by /etc/modules-load.d/lvs-dr.conf too: the line can go)",
        ]
    );
}

#[test]
fn a_vip_in_another_stanza_is_a_vip_on_two_interfaces() {
    let dir = hand_made();
    fs::write(
        dir.path().join("root/etc/network/interfaces"),
        "auto eth0:1\niface eth0:1 inet static\n    address 198.19.254.1/32\n",
    )
    .expect("write");
    let stdout = diff(dir.path(), "webserver01").status(1).run().stdout;
    assert!(
        stdout.contains(
            "/etc/network/interfaces:2: this stanza adds the VIP 198.19.254.1, which \
             /etc/network/interfaces.d/lvs-dr puts on dummy0: a VIP on two interfaces; remove \
             it here\n    iface eth0:1 inet static\n    address 198.19.254.1/32\n"
        ),
        "{stdout}"
    );
}

#[test]
fn an_adopted_machine_is_the_same() {
    let dir = hand_made();
    lvs_dr_gen(["render", "inventory.yaml", "--out", "out"])
        .dir(dir.path())
        .run();
    let host = dir.path().join("out/webserver01");
    for path in [
        "etc/modules-load.d/lvs-dr.conf",
        "etc/network/interfaces.d/lvs-dr",
        "etc/sysctl.d/60-lvs-dr.conf",
    ] {
        let target = dir.path().join("root").join(path);
        fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        fs::copy(host.join(path), target).expect("install");
    }
    for path in ["etc/network/interfaces", "etc/sysctl.conf", "etc/modules"] {
        fs::write(dir.path().join("root").join(path), "# nothing of ours\n").expect("write");
    }
    fs::remove_file(dir.path().join("root/etc/sysctl.d/10-old.conf")).expect("rm");
    diff(dir.path(), "webserver01")
        .stdout("")
        .stderr("webserver01: 0 of 3 rendered files differ\n")
        .run();
}

#[test]
fn a_hand_written_keepalived_conf_is_diffed() {
    let dir = hand_made();
    let path = dir.path().join("root/etc/keepalived/keepalived.conf");
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(
        &path,
        "global_defs {\n    router_id lb01\n}\n\nvirtual_server 198.19.253.1 80 {\n    lb_algo wlc\n    lb_kind DR\n}\n",
    )
    .expect("write");
    // Its kernel files (IPVS parameters, ip_vs module) are new: missing.
    let stdout = diff(dir.path(), "lb01")
        .status(1)
        .stderr("lb01: 3 of 3 rendered files differ\n")
        .run()
        .stdout;
    assert!(
        stdout.starts_with(
            "--- a/etc/keepalived/keepalived.conf\n+++ b/etc/keepalived/keepalived.conf\n@@ "
        ),
        "{stdout}"
    );
    assert!(stdout.contains("\n-    lb_algo wlc\n"), "{stdout}");
    assert!(stdout.contains("\n+    lvs_sched wlc\n"), "{stdout}");
}

#[test]
fn no_link_is_followed_out_of_the_root() {
    let dir = hand_made();
    let outside = dir.path().join("outside.conf");
    fs::write(&outside, "net.ipv4.conf.all.arp_ignore = 0\n").expect("write");
    symlink(
        &outside,
        dir.path().join("root/etc/sysctl.d/50-escape.conf"),
    )
    .expect("symlink");
    symlink(
        "../../../outside.conf",
        dir.path().join("root/etc/sysctl.d/51-escape.conf"),
    )
    .expect("symlink");
    let output = diff(dir.path(), "webserver01").output();
    let (stdout, stderr) = (output.stdout, output.stderr);
    assert!(!stdout.contains("escape"), "{stdout}");
    assert!(!stderr.contains("escape"), "{stderr}");
}

#[test]
fn a_file_that_cannot_be_read_is_reported_and_the_rest_shown() {
    let dir = hand_made();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        dir.path().join("root/etc/sysctl.d/70-fifo.conf"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .expect("mkfifo");
    let stdout = diff(dir.path(), "webserver01")
        .status(2)
        .stderr(
            "error: cannot read /etc/sysctl.d/70-fifo.conf: not a regular file\n\
             webserver01: 3 of 3 rendered files differ, 2 hand-written stanzas in the way, \
             5 kernel parameters also set elsewhere (1 to another value), 1 file not read\n",
        )
        .run()
        .stdout;
    assert!(stdout.contains("/etc/network/interfaces:11: "), "{stdout}");
}

#[test]
fn an_unknown_host_or_root_is_trouble() {
    let dir = hand_made();
    diff(dir.path(), "webserver1")
        .status(2)
        .stdout("")
        .stderr(
            "error: `webserver1` is neither a host nor a director in the inventory; did you \
             mean `webserver01`?\n",
        )
        .run();
    lvs_dr_gen([
        "diff",
        "inventory.yaml",
        "--host",
        "lb01",
        "--root",
        "missing",
    ])
    .dir(dir.path())
    .status(2)
    .stderr(
        "error: --root missing: No such file or directory (os error 2); give the directory \
             the machine's files are below\n",
    )
    .run();
}
