//! Tests of the checks on live states recorded from real kernels
//! (tests/fixtures/verify/: see its README), each check passing on the
//! recording and failing on the recording with one drift put in.

use std::path::PathBuf;

use lvs_dr_gen::live::{self, Address, FileState, LiveState};
use lvs_dr_gen::machine::{self, Machine, Role};
use lvs_dr_gen::render::Renderer;
use lvs_dr_gen::validate::model::Inventory;
use lvs_dr_gen::verify::{arp_possible, director, probe, verify, Report, Status};
use lvs_dr_gen::{inventory, validate};

/// The machine `name` of `model`, its files rendered.
fn machine<'a>(model: &'a Inventory, name: &str) -> Machine<'a> {
    machine::load(model, &Renderer::new(None).unwrap(), name).unwrap()
}

/// A recorded machine: its inventory and its live state.
struct Recorded {
    model: Inventory,
    host: &'static str,
    state: LiveState,
}

/// webserver02 of examples/inventory.yaml (VIPs on lo), recorded in a
/// network namespace by tests/verify/record-namespace.
fn loopback() -> Recorded {
    recorded(
        include_str!("../examples/inventory.yaml"),
        "webserver02",
        include_str!("fixtures/verify/webserver02.json"),
    )
}

/// webserver01 of golden/article-iproute2 (VIPs on dummy0, both families),
/// recorded by the VM suite after a boot of Debian 12.
fn dummy() -> Recorded {
    recorded(
        include_str!("../golden/article-iproute2/inventory.yaml"),
        "webserver01",
        include_str!("fixtures/verify/article-iproute2-bookworm.json"),
    )
}

/// The same after a boot of Debian 13.
fn dummy_trixie() -> Recorded {
    recorded(
        include_str!("../golden/article-iproute2/inventory.yaml"),
        "webserver01",
        include_str!("fixtures/verify/article-iproute2-trixie.json"),
    )
}

fn recorded(inventory_text: &str, host: &'static str, state: &str) -> Recorded {
    recorded_as("inventory.yaml", inventory_text, host, state)
}

/// A recording compared with the inventory read under the file name
/// `name`, which the rendered files' header carries.
fn recorded_as(name: &str, inventory_text: &str, host: &'static str, state: &str) -> Recorded {
    let raw = inventory::parse(name, inventory_text).expect("inventory parses");
    let model = validate::validate(name, &raw).expect("inventory is valid");
    let state = serde_json::from_str(state).expect("fixture parses");
    Recorded { model, host, state }
}

impl Recorded {
    fn report(&self) -> Report {
        verify(&machine(&self.model, self.host), &self.state)
    }

    fn link(&mut self, name: &str) -> &mut live::Link {
        self.state
            .interfaces
            .iter_mut()
            .find(|link| link.ifname == name)
            .expect("interface in the fixture")
    }

    fn address(&mut self, name: &str, local: &str) -> &mut Address {
        self.link(name)
            .addr_info
            .iter_mut()
            .find(|address| address.local == local)
            .expect("address in the fixture")
    }

    fn set_sysctl(&mut self, path: &str, value: Option<&str>) {
        self.state
            .sysctl
            .insert(path.to_owned(), value.map(str::to_owned));
    }
}

/// The check of `kind` on `subject`, as (status, expected, found).
fn outcome(report: &Report, kind: &str, subject: &str) -> (Status, String, String) {
    let check = report
        .checks
        .iter()
        .find(|check| check.kind == kind && check.subject == subject)
        .unwrap_or_else(|| panic!("no check {kind} {subject} in {report:#?}"));
    (check.status, check.expected.clone(), check.found.clone())
}

/// The checks not ok, as text lines.
fn drift(report: &Report) -> Vec<String> {
    lvs_dr_gen::report::text::verify(report)
        .lines()
        .filter(|line| !line.starts_with("ok "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_recorded_loopback_host_passes_every_check() {
    let report = loopback().report();
    assert_eq!(drift(&report), Vec::<String>::new());
    assert_eq!(report.status(), Status::Ok);
    let kinds: Vec<&str> = report.checks.iter().map(|check| check.kind).collect();
    // 2 files, the stanza read at boot, the interface, 4 VIPs twice, 3
    // interfaces' ARP pair, 4 sysctls live and 4 at the next boot.
    assert_eq!(report.checks.len(), 2 + 1 + 1 + 8 + 6 + 4 + 4, "{kinds:?}");
    assert!(!kinds.contains(&"extra-address") && !kinds.contains(&"module"));
}

#[test]
fn an_edited_file_is_drift_with_its_first_different_line() {
    let mut host = loopback();
    let path = PathBuf::from("/etc/sysctl.d/60-lvs-dr.conf");
    let Some(FileState::Text(text)) = host.state.files.get(&path).cloned() else {
        panic!("fixture has the file");
    };
    let edited = text.replace("arp_announce = 2", "arp_announce = 0");
    host.state
        .files
        .insert(path.clone(), FileState::Text(edited));
    assert_eq!(
        drift(&host.report()),
        [
            "DRIFT file /etc/sysctl.d/60-lvs-dr.conf: expected as rendered; found differs at line \
          10: `net.ipv4.conf.all.arp_announce = 0`"
        ]
    );
    host.state
        .files
        .insert(path.clone(), FileState::Text(format!("{text}# more\n")));
    let report = host.report();
    let (_, _, found) = outcome(&report, "file", "/etc/sysctl.d/60-lvs-dr.conf");
    assert_eq!(found, "differs at line 13: `# more`");
    host.state.files.insert(
        path.clone(),
        FileState::Text(text.lines().next().unwrap().into()),
    );
    let (_, _, found) = outcome(&host.report(), "file", "/etc/sysctl.d/60-lvs-dr.conf");
    assert_eq!(
        found,
        "differs at line 1: `# Generated by lvs-dr-gen from inventory.yaml; do not edit.`"
    );
}

#[test]
fn a_missing_or_binary_file_is_drift_and_an_unreadable_one_trouble() {
    let mut host = loopback();
    let path = PathBuf::from("/etc/network/interfaces.d/lvs-dr");
    for (state, status, found) in [
        (FileState::Missing, Status::Drift, "missing"),
        (FileState::NotText, Status::Drift, "not a text file"),
        (
            FileState::Unreadable("Permission denied (os error 13)".into()),
            Status::Error,
            "unreadable: Permission denied (os error 13)",
        ),
    ] {
        host.state.files.insert(path.clone(), state);
        let report = host.report();
        let outcome = outcome(&report, "file", "/etc/network/interfaces.d/lvs-dr");
        assert_eq!((outcome.0, outcome.2.as_str()), (status, found));
        assert_eq!(report.status(), status);
    }
}

#[test]
fn the_vip_interface_must_exist_and_be_up() {
    let mut host = loopback();
    host.link("lo").flags.retain(|flag| flag != "UP");
    assert_eq!(
        drift(&host.report()),
        ["DRIFT interface lo: expected up; found down"]
    );
    host.state.interfaces.retain(|link| link.ifname != "lo");
    let report = host.report();
    assert_eq!(
        outcome(&report, "interface", "lo"),
        (Status::Drift, "up".into(), "missing".into())
    );
    // Every VIP went with it.
    assert_eq!(
        outcome(&report, "vip", "198.19.253.1"),
        (Status::Drift, "on lo as /32".into(), "missing".into())
    );
}

#[test]
fn a_vip_must_be_a_host_address_and_usable() {
    type Change = fn(&mut Address);
    let cases: [(&str, Change, &str); 4] = [
        ("198.19.254.1", |a| a.prefixlen = 24, "on lo as /24"),
        (
            "2a00:e10:1000:7:124::a1",
            |a| a.prefixlen = 64,
            "on lo as /64",
        ),
        (
            "2a00:e10:1000:7:124::a1",
            |a| a.tentative = true,
            "on lo as /128, tentative",
        ),
        (
            "2a00:e10:1000:7:124::b1",
            |a| a.dadfailed = true,
            "on lo as /128, dadfailed",
        ),
    ];
    for (vip, change, found) in cases {
        let mut host = loopback();
        change(host.address("lo", vip));
        let prefix = if vip.contains(':') { 128 } else { 32 };
        assert_eq!(
            drift(&host.report()),
            [format!(
                "DRIFT vip {vip}: expected on lo as /{prefix}; found {found}"
            )]
        );
    }
    let mut host = loopback();
    host.link("lo")
        .addr_info
        .retain(|address| address.local != "198.19.253.1");
    assert_eq!(
        drift(&host.report()),
        ["DRIFT vip 198.19.253.1: expected on lo as /32; found missing"]
    );
}

#[test]
fn a_vip_on_another_interface_is_drift() {
    let mut host = loopback();
    let mut copy = host.address("lo", "198.19.253.1").clone();
    copy.prefixlen = 24;
    host.link("eth0").addr_info.push(copy);
    assert_eq!(
        drift(&host.report()),
        ["DRIFT vip-elsewhere 198.19.253.1: expected on no interface but lo; found also on eth0 \
          as /24"]
    );
}

#[test]
fn arp_settings_are_checked_as_the_kernel_applies_them() {
    let mut host = loopback();
    // Lower on one interface than on all: the kernel uses all's; no drift.
    host.set_sysctl("net/ipv4/conf/eth0/arp_announce", Some("1"));
    assert_eq!(drift(&host.report()), Vec::<String>::new());
    // Higher on one interface: that interface's effective value changes.
    host.set_sysctl("net/ipv4/conf/eth0/arp_ignore", Some("8"));
    assert_eq!(
        drift(&host.report()),
        ["DRIFT arp_ignore eth0: expected 1; found 8 = max(all=1, eth0=8)"]
    );
    // Lowered on all (a later sysctl file): every interface, and the sysctl.
    let mut host = loopback();
    host.set_sysctl("net/ipv4/conf/all/arp_announce", Some("0"));
    assert_eq!(
        drift(&host.report()),
        [
            "DRIFT arp_announce eth0: expected 2; found 0 = max(all=0, eth0=0)",
            "DRIFT arp_announce eth1: expected 2; found 0 = max(all=0, eth1=0)",
            "DRIFT arp_announce lo: expected 2; found 0 = max(all=0, lo=0)",
            "DRIFT sysctl net.ipv4.conf.all.arp_announce: expected 2; found 0",
        ]
    );
}

#[test]
fn unreadable_arp_settings_are_trouble() {
    let mut host = loopback();
    host.set_sysctl("net/ipv4/conf/eth1/arp_ignore", None);
    let report = host.report();
    assert_eq!(
        outcome(&report, "arp_ignore", "eth1"),
        (
            Status::Error,
            "1".into(),
            "unreadable: arp_ignore of all or eth1 missing".into()
        )
    );
    assert_eq!(report.status(), Status::Error);
}

#[test]
fn every_rendered_sysctl_must_hold() {
    let mut host = loopback();
    host.set_sysctl("net/ipv4/tcp_syncookies", Some("0"));
    host.set_sysctl("net/ipv4/icmp_echo_ignore_broadcasts", None);
    assert_eq!(
        drift(&host.report()),
        [
            "DRIFT sysctl net.ipv4.icmp_echo_ignore_broadcasts: expected 1; found missing",
            "DRIFT sysctl net.ipv4.tcp_syncookies: expected 1; found 0",
        ]
    );
}

#[test]
fn machines_are_found_by_name_or_short_name_or_named_nearest() {
    let host = loopback();
    assert_eq!(
        machine(&host.model, "webserver02.example.org").name(),
        "webserver02"
    );
    assert_eq!(machine(&host.model, "lb02").role_name(), "director");
    assert_eq!(
        machine::find(&host.model, "webserver2").unwrap_err(),
        "`webserver2` is neither a host nor a director in the inventory; did you mean \
         `webserver02`?"
    );
    assert_eq!(
        machine::find(&host.model, "zzz").unwrap_err(),
        "`zzz` is neither a host nor a director in the inventory; the inventory has \
         webserver01, webserver02, lb01, lb02"
    );
}

/// lb1 of tests/vm/cases/dr.yaml as VRRP master, recorded by the VM suite's
/// DR cluster (guest/dr-check) on Debian 12: the VIP 10.0.0.100/32 on eth0
/// as keepalived adds it, its rendered keepalived.conf, keepalived running
/// in its network namespace, and the kernel's IPVS table as `ipvsadm -S -n`
/// prints it.
fn director() -> Recorded {
    director_recorded(include_str!("fixtures/verify/dr-lb1-bookworm.json"))
}

/// lb1 from a recording; the inventory read as `dr.yaml`, the name its
/// rendered files' header carries.
fn director_recorded(state: &str) -> Recorded {
    director_recorded_as("lb1", state)
}

/// A director of tests/vm/cases/dr.yaml (connection sync on, its default
/// with two directors) from a recording.
fn director_recorded_as(host: &'static str, state: &str) -> Recorded {
    recorded_as("dr.yaml", include_str!("vm/cases/dr.yaml"), host, state)
}

const IPVS_LB1: &str = "-A -t 10.0.0.100:80 -s rr\n\
    -a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1\n\
    -a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 1\n";

#[test]
fn a_director_as_the_inventory_says_passes_as_master() {
    let report = director().report();
    assert_eq!(drift(&report), Vec::<String>::new());
    assert_eq!(
        lvs_dr_gen::report::text::verify(&report),
        "ok    file /etc/keepalived/keepalived.conf: expected as rendered; found as rendered\n\
         ok    file /etc/modules-load.d/lvs-dr-director.conf: expected as rendered; found as \
         rendered\n\
         ok    file /etc/sysctl.d/60-lvs-dr-director.conf: expected as rendered; found as \
         rendered\n\
         ok    process keepalived: expected running; found running\n\
         ok    virtual-server TCP 10.0.0.100:80: expected rr, not persistent; found rr, not \
         persistent\n\
         ok    real-server TCP 10.0.0.100:80 -> 10.0.0.11:80: expected rs1, route, weight 1; \
         found rs1, route, weight 1\n\
         ok    real-server TCP 10.0.0.100:80 -> 10.0.0.12:80: expected rs2, route, weight 1; \
         found rs2, route, weight 1\n\
         ok    vrrp lb1: expected master (all 1 VIPs on eth0) or backup (none); found master: \
         all 1 VIPs on eth0\n\
         ok    sync-daemon lb1: expected master daemon on eth0, syncid 51, as VRRP master; found \
         master daemon on eth0, syncid 51\n\
         ok    sysctl net.ipv4.vs.expire_nodest_conn: expected 1; found 1\n\
         ok    sysctl net.ipv4.vs.expire_quiescent_template: expected 1; found 1\n\
         ok    module ip_vs: expected loaded; found loaded\n"
    );
}

#[test]
fn the_recorded_directors_of_debian_12_and_13_hold_the_table_keepalived_built() {
    for state in [
        include_str!("fixtures/verify/dr-lb1-bookworm.json"),
        include_str!("fixtures/verify/dr-lb1-trixie.json"),
    ] {
        let host = director_recorded(state);
        // The kernel's table, as ipvsadm printed it, is the one the other
        // tests edit.
        assert_eq!(host.state.ipvs.as_deref(), Some(IPVS_LB1));
        let report = host.report();
        assert_eq!(drift(&report), Vec::<String>::new());
        assert_eq!(
            lvs_dr_gen::report::text::verify_summary(&report),
            "lb1 (director): 12 checks, all as the inventory says"
        );
    }
}

#[test]
fn a_director_without_the_vips_is_backup() {
    let host = as_backup(director());
    let report = host.report();
    assert_eq!(report.status(), Status::Ok);
    assert_eq!(outcome(&report, "vrrp", "lb1").2, "backup: no VIP on eth0");
}

#[test]
fn ipvs_drift_is_found_and_a_real_server_taken_out_is_down() {
    let mut host = director();
    // `ipvsadm -e` changed a weight, and someone added a server.
    host.state.ipvs = Some(
        IPVS_LB1.replace("10.0.0.12:80 -g -w 1", "10.0.0.12:80 -g -w 5")
            + "-a -t 10.0.0.100:80 -r 10.0.0.13:80 -g -w 1\n",
    );
    assert_eq!(
        drift(&host.report()),
        [
            "DRIFT real-server TCP 10.0.0.100:80 -> 10.0.0.12:80: expected rs2, route, weight 1; \
             found rs2, route, weight 5",
            "DRIFT real-server TCP 10.0.0.100:80 -> 10.0.0.13:80: expected not in the table; \
             found route, weight 1",
        ]
    );
    // The health check took rs1 out (the service has one): down, exit 0.
    host.state.ipvs = Some(IPVS_LB1.replace("-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1\n", ""));
    let report = host.report();
    assert_eq!(
        drift(&report),
        [
            "DOWN  real-server TCP 10.0.0.100:80 -> 10.0.0.11:80: expected rs1, route, weight 1; \
          found down: not in the table (taken out by its health check)"
        ]
    );
    assert_eq!(report.status(), Status::Down);
    assert_eq!(
        lvs_dr_gen::report::text::verify_summary(&report),
        "lb1 (director): 12 checks, all as the inventory says; 1 real server down"
    );
}

#[test]
fn a_wrong_virtual_server_or_method_is_drift() {
    let mut host = director();
    host.state.ipvs = Some(
        IPVS_LB1
            .replace("-s rr", "-s wlc -p 300")
            .replace("10.0.0.11:80 -g", "10.0.0.11:80 -m")
            + "-A -u 10.0.0.100:53 -s rr\n",
    );
    assert_eq!(
        drift(&host.report()),
        [
            "DRIFT virtual-server TCP 10.0.0.100:80: expected rr, not persistent; found wlc, \
             persistent 300 s",
            "DRIFT real-server TCP 10.0.0.100:80 -> 10.0.0.11:80: expected rs1, route, weight 1; \
             found rs1, masquerade, weight 1",
            "DRIFT virtual-server UDP 10.0.0.100:53: expected not in the table; found rr, not \
             persistent",
        ]
    );
    // Someone removed the virtual server (`ipvsadm -D`) under a running
    // keepalived: its real servers went with it, not by a health check.
    host.state.ipvs = Some(String::new());
    assert_eq!(
        drift(&host.report()),
        [
            "DRIFT virtual-server TCP 10.0.0.100:80: expected rr, not persistent; found missing, \
          with its 2 real servers"
        ]
    );
}

/// lb1 after `kill -TERM` of its keepalived, as the VM suite's failover
/// leaves it (guest/dr-check, `failover_to_lb2`): no keepalived process,
/// no VIP (the stopping master drops it; the suite's verify of lb1 then
/// finds none on eth0), and an empty IPVS table: keepalived removes the
/// virtual servers it made when it stops (`clear_services` in its
/// check/ipwrapper.c; `ipvsadm -S -n` of an empty table prints nothing),
/// and no sync daemon (keepalived stops it: `vrrp_daemon.c`).
fn director_with_keepalived_stopped() -> Recorded {
    let mut host = director();
    host.state.processes.clear();
    host.state.ipvs = Some(String::new());
    host.state.ipvs_daemons = Some(String::new());
    host.link("eth0")
        .addr_info
        .retain(|address| address.local != "10.0.0.100");
    host
}

#[test]
fn a_director_with_keepalived_stopped_says_so_and_lists_no_real_server_as_taken_out() {
    let report = director_with_keepalived_stopped().report();
    assert_eq!(
        drift(&report),
        [
            "DRIFT process keepalived: expected running; found not running",
            "DRIFT virtual-server TCP 10.0.0.100:80: expected rr, not persistent; found missing, \
             with its 2 real servers: keepalived is not running, and a stopped keepalived \
             removes the virtual servers it made",
            "DRIFT vrrp lb1: expected master (all 1 VIPs on eth0) or backup (none); found \
             neither: keepalived is not running (0 of 1 VIPs on eth0)",
            "DRIFT sync-daemon lb1: expected master daemon on eth0, syncid 51 or backup daemon \
             on eth0, syncid 51, as the VRRP state says; found none: keepalived is not running, \
             and a stopped keepalived stops it",
        ]
    );
    assert!(
        report
            .checks
            .iter()
            .all(|check| check.kind != "real-server"),
        "{report:?}"
    );
    assert_eq!(
        lvs_dr_gen::report::text::verify_summary(&report),
        "lb1 (director): 10 checks, 4 drift"
    );
}

#[test]
fn a_real_server_missing_while_keepalived_is_not_running_is_drift_not_down() {
    // keepalived killed (SIGKILL) after its check took rs1 out: the table
    // stays as it was, and nothing will put rs1 back.
    let mut host = director();
    host.state.processes.clear();
    host.state.ipvs = Some(IPVS_LB1.replace("-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1\n", ""));
    let report = host.report();
    assert_eq!(
        outcome(&report, "real-server", "TCP 10.0.0.100:80 -> 10.0.0.11:80"),
        (
            Status::Drift,
            "rs1, route, weight 1".into(),
            "missing: keepalived is not running, so no health check will put it back".into()
        )
    );
    assert!(report
        .checks
        .iter()
        .all(|check| check.status != Status::Down));
}

#[test]
fn a_director_holding_some_vips_only_is_drift() {
    let inventory = include_str!("../examples/inventory.yaml");
    let mut host = recorded(inventory, "lb01", "{}");
    host.state.processes.insert("keepalived".to_owned());
    let mut links = live::parse_links(include_bytes!("fixtures/verify/ip-addr-lb1.json")).unwrap();
    for link in &mut links {
        for address in &mut link.addr_info {
            if address.local == "10.0.0.100" {
                address.local = "198.19.253.1".into();
            }
        }
    }
    host.state.interfaces = links;
    let report = host.report();
    assert_eq!(
        outcome(&report, "vrrp", "lb01"),
        (
            Status::Drift,
            "master (all 4 VIPs on eth0) or backup (none)".into(),
            "1 of 4 VIPs on eth0; missing 198.19.254.1, 2a00:e10:1000:7:124::a1, \
             2a00:e10:1000:7:124::b1"
                .into()
        )
    );
}

#[test]
fn the_recorded_dummy_hosts_of_debian_12_and_13_pass_every_check() {
    for host in [dummy(), dummy_trixie()] {
        let report = host.report();
        assert_eq!(drift(&report), Vec::<String>::new());
        // 3 files, the interface, 4 VIPs twice, extra addresses, 2 interfaces'
        // ARP pair, 4 sysctls, the module.
        assert_eq!(report.checks.len(), 3 + 1 + 8 + 1 + 4 + 4 + 1);
    }
}

#[test]
fn an_address_on_the_dummy_interface_not_in_the_inventory_is_drift() {
    let mut host = dummy();
    let mut extra = host.address("dummy0", "198.19.253.1").clone();
    extra.local = "192.0.2.99".into();
    extra.prefixlen = 24;
    host.link("dummy0").addr_info.push(extra);
    assert_eq!(
        drift(&host.report()),
        ["DRIFT extra-address dummy0: expected no address but the VIPs; found also 192.0.2.99/24"]
    );
}

#[test]
fn the_dummy_module_must_be_loaded() {
    let mut host = dummy();
    host.state.modules.clear();
    assert_eq!(
        drift(&host.report()),
        ["DRIFT module dummy: expected loaded; found not loaded"]
    );
}

/// MAC addresses for the ARP answers put into lb1's recording.
const LB2_MAC: &str = "52:54:00:00:00:03";
const RS1_MAC: &str = "52:54:00:00:00:11";
const RS2_MAC: &str = "52:54:00:00:00:12";

/// lb1's recording with `--arp`'s answers: `vip` answered by `vip_macs`,
/// every other machine by its own MAC.
fn with_arp_answers(mut host: Recorded, vip_macs: &[&str]) -> Recorded {
    let answers = [
        ("10.0.0.100", vip_macs),
        ("10.0.0.3", &[LB2_MAC][..]),
        ("10.0.0.11", &[RS1_MAC][..]),
        ("10.0.0.12", &[RS2_MAC][..]),
    ];
    host.state.arp = Some(
        answers
            .iter()
            .map(|(ip, macs)| {
                let macs = macs.iter().map(|mac| (*mac).to_owned()).collect();
                (ip.parse().unwrap(), macs)
            })
            .collect(),
    );
    host
}

/// The recorded master as a backup: without the VIP, and running the
/// backup sync daemon keepalived switches to when it leaves MASTER.
fn as_backup(mut host: Recorded) -> Recorded {
    host.link("eth0")
        .addr_info
        .retain(|address| address.local != "10.0.0.100");
    host.state.ipvs_daemons = Some(BACKUP_DAEMON.into());
    host
}

#[test]
fn arp_asks_for_the_vips_then_every_other_machine_from_the_own_address() {
    let host = director();
    let lb1 = machine(&host.model, "lb1");
    let Role::Director(expected) = &lb1.role else {
        panic!("lb1 is a director");
    };
    let question = director::arp_question(expected).unwrap();
    assert_eq!(question.interface, "eth0");
    assert_eq!(question.sender.to_string(), "10.0.0.2");
    let targets: Vec<String> = question.targets.iter().map(ToString::to_string).collect();
    assert_eq!(
        targets,
        ["10.0.0.100", "10.0.0.3", "10.0.0.11", "10.0.0.12"]
    );
}

#[test]
fn on_the_master_no_other_machine_may_answer_arp_for_a_vip() {
    let report = with_arp_answers(director(), &[]).report();
    assert_eq!(drift(&report), Vec::<String>::new());
    assert!(lvs_dr_gen::report::text::verify(&report).ends_with(
        "ok    arp 10.0.0.100: expected no other machine answers (this director is the VRRP \
         master); found no other machine answers\n"
    ));
    // A real server that answers steals the VIP; so does the backup lb2
    // (a second master), and a machine the inventory does not know.
    let report = with_arp_answers(director(), &[RS1_MAC, LB2_MAC, "02:00:00:00:00:99"]).report();
    assert_eq!(
        drift(&report),
        [
            "DRIFT arp 10.0.0.100: expected no other machine answers (this director is the VRRP \
             master); found answered by 02:00:00:00:00:99 (not an address of the inventory), \
             52:54:00:00:00:03 (10.0.0.3, lb2), 52:54:00:00:00:11 (10.0.0.11, rs1)"
        ]
    );
    assert_eq!(report.status(), Status::Drift);
}

#[test]
fn on_a_backup_only_a_director_may_answer_arp_for_a_vip() {
    let report = with_arp_answers(as_backup(director()), &[LB2_MAC]).report();
    assert_eq!(drift(&report), Vec::<String>::new());
    assert_eq!(
        outcome(&report, "arp", "10.0.0.100").2,
        "answered by 52:54:00:00:00:03 (10.0.0.3, lb2)"
    );
    let report = with_arp_answers(as_backup(director()), &[LB2_MAC, RS2_MAC]).report();
    assert_eq!(
        drift(&report),
        [
            "DRIFT arp 10.0.0.100: expected answered by the VRRP master only; found answered by \
             52:54:00:00:00:12 (10.0.0.12, rs2)"
        ]
    );
    // No answer at all: no director holds the VIP, so no one gets its traffic.
    let report = with_arp_answers(as_backup(director()), &[]).report();
    assert_eq!(
        outcome(&report, "arp", "10.0.0.100"),
        (
            Status::Drift,
            "answered by the VRRP master only".to_owned(),
            "no answer: no director holds the VIP".to_owned()
        )
    );
}

#[test]
fn without_arp_answers_there_is_no_arp_check() {
    let report = director().report();
    assert!(report.checks.iter().all(|check| check.kind != "arp"));
}

#[test]
fn arp_is_refused_on_a_real_server_and_for_a_recording_without_answers() {
    let host = director();
    let rs1 = machine(&host.model, "rs1");
    assert_eq!(
        arp_possible(&rs1, None).unwrap_err(),
        "`--arp` is for directors: `rs1` is a real server; run `verify --arp` on a director to \
         see which machines answer ARP for the VIPs"
    );
    let lb1 = machine(&host.model, "lb1");
    assert_eq!(arp_possible(&lb1, None), Ok(()));
    assert_eq!(
        arp_possible(&lb1, Some(&host.state)).unwrap_err(),
        "the recorded state holds no ARP answers; record it with `verify --print-state --arp`"
    );
    let answered = with_arp_answers(director(), &[]);
    assert_eq!(arp_possible(&lb1, Some(&answered.state)), Ok(()));
}

/// `verify --print-state --arp` in the VM suite's DR cluster on Debian 12
/// and 13: on the backup lb2, the VIP answered by lb1 (the master) alone;
/// on lb1 in the negative control, by rs1 too (rs1 without its sysctl file).
#[test]
fn recorded_arp_answers_pass_on_the_backup_and_name_the_real_server_on_the_master() {
    for (backup, negative) in [
        (
            include_str!("fixtures/verify/dr-lb2-arp-bookworm.json"),
            include_str!("fixtures/verify/dr-lb1-arp-rs1-bookworm.json"),
        ),
        (
            include_str!("fixtures/verify/dr-lb2-arp-trixie.json"),
            include_str!("fixtures/verify/dr-lb1-arp-rs1-trixie.json"),
        ),
    ] {
        let lb2 = director_recorded_as("lb2", backup);
        let answers = lb2.state.arp.as_ref().expect("recorded with --arp");
        let lb1_mac = answers[&"10.0.0.2".parse().unwrap()]
            .first()
            .unwrap()
            .clone();
        let report = lb2.report();
        assert_eq!(drift(&report), Vec::<String>::new());
        assert_eq!(
            outcome(&report, "arp", "10.0.0.100").2,
            format!("answered by {lb1_mac} (10.0.0.2, lb1)")
        );

        let lb1 = director_recorded(negative);
        let answers = lb1.state.arp.as_ref().expect("recorded with --arp");
        let rs1_mac = answers[&"10.0.0.11".parse().unwrap()]
            .first()
            .unwrap()
            .clone();
        // rs1, taking traffic past lb1, may also be down by then: timing.
        let report = lb1.report();
        let drifts: Vec<String> = drift(&report)
            .into_iter()
            .filter(|line| line.starts_with("DRIFT"))
            .collect();
        assert_eq!(
            drifts,
            [format!(
                "DRIFT arp 10.0.0.100: expected no other machine answers (this director is the \
                 VRRP master); found answered by {rs1_mac} (10.0.0.11, rs1)"
            )]
        );
    }
}

/// What a Debian 12 install with ifupdown reads at boot, its sysctl.d
/// holding the host's recorded sysctl file (none when it is missing).
fn debian_boot(host: &Recorded) -> live::Boot {
    let sysctl = PathBuf::from("/etc/sysctl.d/60-lvs-dr.conf");
    let mut boot = live::Boot::default();
    if let Some(file) = host.state.files.get(&sysctl) {
        boot.sysctl_d.push(live::ConfEntry {
            path: sysctl,
            link: None,
            file: file.clone(),
        });
    }
    boot.exists.insert("/sbin/ifup".into(), true);
    boot.exists.insert("/usr/sbin/ifup".into(), true);
    boot.files.insert(
        "/etc/network/interfaces".into(),
        FileState::Text("source /etc/network/interfaces.d/*\n".into()),
    );
    boot.units.insert(
        "networking.service".into(),
        live::Unit {
            wanted_in: vec!["/etc/systemd/system/multi-user.target.wants".into()],
            masked_by: None,
        },
    );
    boot
}

#[test]
fn a_recorded_boot_as_debian_reads_it_adds_checks_that_hold() {
    let mut host = dummy();
    host.state.boot = Some(debian_boot(&host));
    let report = host.report();
    assert_eq!(drift(&report), Vec::<String>::new());
    let kinds: Vec<&str> = report.checks.iter().map(|check| check.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "read-at-boot").count(), 1);
    assert_eq!(
        kinds.iter().filter(|k| **k == "next-boot").count(),
        host.model.hosts[0].sysctl.len()
    );
    assert_eq!(
        outcome(&report, "next-boot", "net.ipv4.conf.all.arp_announce"),
        (
            Status::Ok,
            "2 (60-lvs-dr.conf)".into(),
            "2 from /etc/sysctl.d/60-lvs-dr.conf:10".into()
        )
    );
}

#[test]
fn the_next_boot_names_what_sets_a_key_or_why_nothing_does() {
    let mut host = dummy();
    let mut boot = debian_boot(&host);
    boot.sysctl_d.push(live::ConfEntry {
        path: "/usr/lib/sysctl.d/99-glob.conf".into(),
        link: None,
        file: FileState::Text(
            "; a glob names no key of ours\nnet.ipv4.conf.*.arp_ignore = 0\n".into(),
        ),
    });
    boot.sysctl_d.push(live::ConfEntry {
        path: "/run/sysctl.d/90-exclude.conf".into(),
        link: None,
        file: FileState::Text("-net.ipv4.conf.all.arp_announce\n".into()),
    });
    host.state.boot = Some(boot.clone());
    assert_eq!(
        drift(&host.report()),
        ["DRIFT next-boot net.ipv4.conf.all.arp_announce: expected 2 (60-lvs-dr.conf); found not \
          set (the kernel's default): `-net.ipv4.conf.all.arp_announce` at \
          /run/sysctl.d/90-exclude.conf:1, read after ours"]
    );
    // Without ours, the glob sets arp_ignore.
    boot.sysctl_d.remove(0);
    host.state.boot = Some(boot.clone());
    let report = host.report();
    assert_eq!(
        outcome(&report, "next-boot", "net.ipv4.conf.all.arp_ignore"),
        (
            Status::Drift,
            "1 (60-lvs-dr.conf)".into(),
            "0 from the glob `net.ipv4.conf.*.arp_ignore` at /usr/lib/sysctl.d/99-glob.conf:2, \
             and /etc/sysctl.d/60-lvs-dr.conf is not read"
                .into()
        )
    );
    assert_eq!(
        outcome(&report, "next-boot", "net.ipv4.tcp_syncookies").2,
        "not set by any sysctl.d file: the kernel's default"
    );
    // A file that cannot be read leaves the next boot unknown.
    boot.sysctl_d.push(live::ConfEntry {
        path: "/etc/sysctl.d/10-secret.conf".into(),
        link: None,
        file: FileState::Unreadable("Permission denied (os error 13)".into()),
    });
    host.state.boot = Some(boot);
    let report = host.report();
    assert_eq!(report.status(), Status::Error);
    assert_eq!(
        outcome(&report, "next-boot", "net.ipv4.tcp_syncookies"),
        (
            Status::Error,
            "1 (60-lvs-dr.conf)".into(),
            "cannot tell: /etc/sysctl.d/10-secret.conf unreadable: Permission denied (os error 13)"
                .into()
        )
    );
}

#[test]
fn a_netplan_file_without_netplan_or_with_networkd_masked_is_not_read() {
    let mut host = recorded(
        include_str!("../golden/stack-netplan/inventory.yaml"),
        "lo-v4",
        "{}",
    );
    let mut boot = live::Boot::default();
    boot.exists.insert("/usr/sbin/netplan".into(), false);
    boot.units.insert(
        "systemd-networkd.service".into(),
        live::Unit {
            wanted_in: Vec::new(),
            masked_by: Some("/etc/systemd/system/systemd-networkd.service".into()),
        },
    );
    host.state.boot = Some(boot.clone());
    assert_eq!(
        outcome(
            &host.report(),
            "read-at-boot",
            "/etc/netplan/60-lvs-dr.yaml"
        ),
        (
            Status::Drift,
            "read by netplan at boot".into(),
            "not read: netplan is not installed (no /usr/sbin/netplan); \
             systemd-networkd.service, which applies netplan's configuration, is masked by \
             /etc/systemd/system/systemd-networkd.service"
                .into()
        )
    );
    // Installed, networkd not masked (netplan's generator enables it).
    boot.exists.insert("/usr/sbin/netplan".into(), true);
    boot.units.clear();
    host.state.boot = Some(boot);
    assert_eq!(
        outcome(
            &host.report(),
            "read-at-boot",
            "/etc/netplan/60-lvs-dr.yaml"
        )
        .2,
        "read: /usr/sbin/netplan installed"
    );
}

#[test]
fn recordings_without_the_next_boot_say_nothing_of_it() {
    let report = dummy_trixie().report();
    assert!(report
        .checks
        .iter()
        .all(|check| check.kind != "next-boot" && check.kind != "read-at-boot"));
}

#[test]
fn a_directory_that_cannot_be_listed_leaves_the_next_boot_unknown() {
    let mut host = dummy();
    let mut boot = debian_boot(&host);
    boot.unreadable.insert(
        "/run/sysctl.d".into(),
        "Permission denied (os error 13)".into(),
    );
    host.state.boot = Some(boot.clone());
    let report = host.report();
    assert_eq!(
        outcome(&report, "next-boot", "net.ipv4.conf.all.arp_ignore").2,
        "cannot tell: /run/sysctl.d unreadable: Permission denied (os error 13)"
    );
    assert_eq!(
        outcome(&report, "read-at-boot", "/etc/network/interfaces.d/lvs-dr").0,
        Status::Ok
    );
    boot.unreadable.clear();
    boot.unreadable.insert(
        "/etc/systemd/system".into(),
        "Permission denied (os error 13)".into(),
    );
    host.state.boot = Some(boot);
    assert_eq!(
        outcome(
            &host.report(),
            "read-at-boot",
            "/etc/network/interfaces.d/lvs-dr"
        ),
        (
            Status::Error,
            "read by ifupdown at boot".into(),
            "cannot tell: /etc/systemd/system unreadable: Permission denied (os error 13)".into()
        )
    );
}

/// `ipvsadm -L --daemon` of lb1 as VRRP master with the connection sync of
/// tests/vm/cases/dr.yaml (eth0, virtual router id 51).
const MASTER_DAEMON: &str = "master sync daemon (mcast=eth0, syncid=51)\n";
const BACKUP_DAEMON: &str = "backup sync daemon (mcast=eth0, syncid=51)\n";

#[test]
fn a_synced_director_checks_its_daemon_kernel_parameters_and_module() {
    let report = director().report();
    assert_eq!(drift(&report), Vec::<String>::new());
    let text = lvs_dr_gen::report::text::verify(&report);
    let tail: Vec<&str> = text.lines().skip(7).collect();
    assert_eq!(
        tail,
        [
            "ok    vrrp lb1: expected master (all 1 VIPs on eth0) or backup (none); found master: \
             all 1 VIPs on eth0",
            "ok    sync-daemon lb1: expected master daemon on eth0, syncid 51, as VRRP master; \
             found master daemon on eth0, syncid 51",
            "ok    sysctl net.ipv4.vs.expire_nodest_conn: expected 1; found 1",
            "ok    sysctl net.ipv4.vs.expire_quiescent_template: expected 1; found 1",
            "ok    module ip_vs: expected loaded; found loaded",
        ],
        "{text}"
    );
    assert_eq!(
        lvs_dr_gen::report::text::verify_summary(&report),
        "lb1 (director): 12 checks, all as the inventory says"
    );
}

#[test]
fn the_probe_of_a_director_asks_for_its_rendered_kernel_parameters_and_module() {
    let host = director();
    let probe = probe(&machine(&host.model, "lb1"), false);
    assert_eq!(
        probe.sysctl.iter().collect::<Vec<_>>(),
        [
            "net/ipv4/vs/expire_nodest_conn",
            "net/ipv4/vs/expire_quiescent_template"
        ]
    );
    assert_eq!(probe.modules.iter().collect::<Vec<_>>(), ["ip_vs"]);
    assert!(probe.ipvs);
}

#[test]
fn a_backup_runs_the_backup_daemon_and_the_master_the_master_daemon() {
    let mut host = as_backup(director());
    host.state.ipvs_daemons = Some(BACKUP_DAEMON.into());
    let report = host.report();
    assert_eq!(drift(&report), Vec::<String>::new());
    assert_eq!(
        outcome(&report, "sync-daemon", "lb1"),
        (
            Status::Ok,
            "backup daemon on eth0, syncid 51, as VRRP backup".into(),
            "backup daemon on eth0, syncid 51".into()
        )
    );
    // The backup daemon on the master: keepalived did not switch it.
    let mut host = director();
    host.state.ipvs_daemons = Some(BACKUP_DAEMON.into());
    assert_eq!(
        drift(&host.report()),
        [
            "DRIFT sync-daemon lb1: expected master daemon on eth0, syncid 51, as VRRP master; \
          found backup daemon on eth0, syncid 51"
        ]
    );
    // Both at once (ipvsadm --start-daemon by hand beside keepalived's).
    host.state.ipvs_daemons = Some(format!("{MASTER_DAEMON}{BACKUP_DAEMON}"));
    assert_eq!(
        outcome(&host.report(), "sync-daemon", "lb1").2,
        "master daemon on eth0, syncid 51 and backup daemon on eth0, syncid 51"
    );
}

#[test]
fn no_daemon_a_wrong_syncid_or_interface_is_drift() {
    let mut host = director();
    host.state.ipvs_daemons = Some(String::new());
    assert_eq!(
        drift(&host.report()),
        [
            "DRIFT sync-daemon lb1: expected master daemon on eth0, syncid 51, as VRRP master; \
          found none"
        ]
    );
    // Another cluster's id, and newer ipvsadm's extra fields, which are
    // left out.
    host.state.ipvs_daemons = Some(
        "master sync daemon (mcast=eth0, syncid=52, maxlen=1472, group=224.0.0.81, port=8848, \
         ttl=1)\n"
            .into(),
    );
    assert_eq!(
        outcome(&host.report(), "sync-daemon", "lb1").2,
        "master daemon on eth0, syncid 52"
    );
    host.state.ipvs_daemons = Some(MASTER_DAEMON.replace("eth0", "eth1"));
    assert_eq!(
        outcome(&host.report(), "sync-daemon", "lb1"),
        (
            Status::Drift,
            "master daemon on eth0, syncid 51, as VRRP master".into(),
            "master daemon on eth1, syncid 51".into()
        )
    );
}

#[test]
fn with_sync_off_no_daemon_may_run() {
    let mut host = director();
    host.model.vrrp.as_mut().unwrap().sync_connections = false;
    for (path, bytes) in machine(&host.model, "lb1").files {
        host.state
            .files
            .insert(path, FileState::Text(String::from_utf8(bytes).unwrap()));
    }
    host.state.ipvs_daemons = Some(String::new());
    assert_eq!(
        outcome(&host.report(), "sync-daemon", "lb1"),
        (
            Status::Ok,
            "none (connection sync is off)".into(),
            "none".into()
        )
    );
    host.state.ipvs_daemons = Some(MASTER_DAEMON.into());
    assert_eq!(
        drift(&host.report()),
        [
            "DRIFT sync-daemon lb1: expected none (connection sync is off); found master daemon \
          on eth0, syncid 51"
        ]
    );
}

#[test]
fn the_directors_kernel_parameters_and_module_must_hold() {
    let mut host = director();
    host.set_sysctl("net/ipv4/vs/expire_nodest_conn", Some("0"));
    host.set_sysctl("net/ipv4/vs/expire_quiescent_template", None);
    host.state.modules.clear();
    assert_eq!(
        drift(&host.report()),
        [
            "DRIFT sysctl net.ipv4.vs.expire_nodest_conn: expected 1; found 0",
            "DRIFT sysctl net.ipv4.vs.expire_quiescent_template: expected 1; found missing",
            "DRIFT module ip_vs: expected loaded; found not loaded",
        ]
    );
}

#[test]
fn recordings_without_the_sync_daemons_say_nothing_of_them() {
    let mut host = director();
    host.state.ipvs_daemons = None;
    let report = host.report();
    assert!(report
        .checks
        .iter()
        .all(|check| check.kind != "sync-daemon"));
    assert_eq!(report.status(), Status::Ok);
}

#[test]
fn ipvsadm_daemon_lines_parse() {
    use lvs_dr_gen::verify::director::parse_daemons;
    let daemons = parse_daemons(&format!("{MASTER_DAEMON}{BACKUP_DAEMON}junk\n"));
    assert_eq!(daemons.len(), 2);
    assert_eq!(
        (
            daemons[1].state.as_str(),
            daemons[1].interface.as_str(),
            daemons[1].id
        ),
        ("backup", "eth0", Some(51))
    );
    assert!(parse_daemons("").is_empty());
}

/// The samples of `metric` in a Prometheus output whose labels contain
/// every one of `labels` (`name="value"`), with their values.
fn samples<'a>(text: &'a str, metric: &str, labels: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|line| line.starts_with(&format!("{metric}{{")))
        .filter(|line| labels.iter().all(|label| line.contains(label)))
        .collect()
}

/// The director's Prometheus output: each check as `ok` and as a state
/// set, the VRRP instance's state, and each real server's weight and
/// health, labelled as `node_exporter`'s IPVS collector labels them.
#[test]
fn the_prometheus_form_of_a_director_has_its_vrrp_state_and_real_servers() {
    let text = lvs_dr_gen::report::prometheus::exposition(&director().report());
    let rs1 = "host=\"lb1\",service=\"www\",virtual_server=\"TCP 10.0.0.100:80\",\
               vrrp_instance=\"lvs_dr_ipv4\",real_server=\"rs1\",proto=\"TCP\",\
               local_address=\"10.0.0.100\",local_port=\"80\",local_mark=\"\",\
               remote_address=\"10.0.0.11\",remote_port=\"80\"";
    assert!(text.contains(&format!(
        "lvs_dr_gen_ipvs_backend_weight_expected{{{rs1}}} 1\n"
    )));
    assert!(text.contains(&format!("lvs_dr_gen_ipvs_backend_down{{{rs1}}} 0\n")));
    assert_eq!(
        samples(&text, "lvs_dr_gen_vrrp_state", &[]),
        [
            "lvs_dr_gen_vrrp_state{host=\"lb1\",vrrp_instance=\"lvs_dr_ipv4\",vrid=\"51\",\
             interface=\"eth0\",vips=\"10.0.0.100\",state=\"master\"} 1",
            "lvs_dr_gen_vrrp_state{host=\"lb1\",vrrp_instance=\"lvs_dr_ipv4\",vrid=\"51\",\
             interface=\"eth0\",vips=\"10.0.0.100\",state=\"backup\"} 0",
            "lvs_dr_gen_vrrp_state{host=\"lb1\",vrrp_instance=\"lvs_dr_ipv4\",vrid=\"51\",\
             interface=\"eth0\",vips=\"10.0.0.100\",state=\"fault\"} 0",
            "lvs_dr_gen_vrrp_state{host=\"lb1\",vrrp_instance=\"lvs_dr_ipv4\",vrid=\"51\",\
             interface=\"eth0\",vips=\"10.0.0.100\",state=\"stopped\"} 0",
            "lvs_dr_gen_vrrp_state{host=\"lb1\",vrrp_instance=\"lvs_dr_ipv4\",vrid=\"51\",\
             interface=\"eth0\",vips=\"10.0.0.100\",state=\"partial\"} 0",
        ]
    );
    // 12 checks, each once as ok and four times as a state set.
    assert_eq!(samples(&text, "lvs_dr_gen_verify_ok", &[]).len(), 12);
    assert_eq!(samples(&text, "lvs_dr_gen_verify_status", &[]).len(), 48);
    assert_eq!(
        samples(&text, "lvs_dr_gen_verify_status", &["check=\"vrrp\""]),
        [
            "lvs_dr_gen_verify_status{host=\"lb1\",role=\"director\",check=\"vrrp\",subject=\"lb1\",status=\"ok\"} 1",
            "lvs_dr_gen_verify_status{host=\"lb1\",role=\"director\",check=\"vrrp\",subject=\"lb1\",status=\"down\"} 0",
            "lvs_dr_gen_verify_status{host=\"lb1\",role=\"director\",check=\"vrrp\",subject=\"lb1\",status=\"drift\"} 0",
            "lvs_dr_gen_verify_status{host=\"lb1\",role=\"director\",check=\"vrrp\",subject=\"lb1\",status=\"error\"} 0",
        ]
    );
    // A recording without ipvsadm's counters gives no counter.
    assert!(!text.contains("lvs_dr_gen_ipvs_backend_connections_total"));
}

/// rs1 taken out by its health check is down in the state set and in
/// `lvs_dr_gen_ipvs_backend_down`; with ipvsadm's counters, rs2 (in the
/// table) has its connection count and rs1 (not in it) none.
#[test]
fn a_real_server_taken_out_is_down_in_the_prometheus_form() {
    let mut host = director();
    host.state.ipvs = Some(IPVS_LB1.replace("-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1\n", ""));
    host.state.ipvs_stats = Some(
        "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  \
         -> RemoteAddress:Port\n\
         TCP  10.0.0.100:80                      12       60        0     4000        0\n  \
         -> 10.0.0.12:80                       12       60        0     4000        0\n"
            .into(),
    );
    let text = lvs_dr_gen::report::prometheus::exposition(&host.report());
    let status = |status: &str| {
        samples(
            &text,
            "lvs_dr_gen_verify_status",
            &[
                "subject=\"TCP 10.0.0.100:80 -> 10.0.0.11:80\"",
                &format!("status=\"{status}\""),
            ],
        )
    };
    assert!(status("down")[0].ends_with("} 1"), "{text}");
    assert!(status("drift")[0].ends_with("} 0"));
    assert!(samples(
        &text,
        "lvs_dr_gen_ipvs_backend_down",
        &["real_server=\"rs1\""]
    )[0]
    .ends_with("} 1"));
    assert!(samples(
        &text,
        "lvs_dr_gen_ipvs_backend_down",
        &["real_server=\"rs2\""]
    )[0]
    .ends_with("} 0"));
    assert_eq!(
        samples(&text, "lvs_dr_gen_ipvs_backend_connections_total", &[]),
        [
            "lvs_dr_gen_ipvs_backend_connections_total{host=\"lb1\",service=\"www\",\
          virtual_server=\"TCP 10.0.0.100:80\",vrrp_instance=\"lvs_dr_ipv4\",real_server=\"rs2\",\
          proto=\"TCP\",local_address=\"10.0.0.100\",local_port=\"80\",local_mark=\"\",\
          remote_address=\"10.0.0.12\",remote_port=\"80\"} 12"
        ]
    );
    assert!(text.contains("# TYPE lvs_dr_gen_ipvs_backend_connections_total counter\n"));
}

/// keepalived stopped: the VRRP instance is `stopped`, no real server down.
#[test]
fn a_director_with_keepalived_stopped_is_stopped_in_the_prometheus_form() {
    let text =
        lvs_dr_gen::report::prometheus::exposition(&director_with_keepalived_stopped().report());
    assert!(samples(&text, "lvs_dr_gen_vrrp_state", &["state=\"stopped\""])[0].ends_with("} 1"));
    assert!(samples(&text, "lvs_dr_gen_vrrp_state", &["state=\"master\""])[0].ends_with("} 0"));
    assert!(samples(&text, "lvs_dr_gen_ipvs_backend_down", &[])
        .iter()
        .all(|line| line.ends_with("} 0")));
    let text = lvs_dr_gen::report::prometheus::exposition(&as_backup(director()).report());
    assert!(samples(&text, "lvs_dr_gen_vrrp_state", &["state=\"backup\""])[0].ends_with("} 1"));
}

/// A real server's Prometheus output has its checks and nothing of a
/// director's.
#[test]
fn the_prometheus_form_of_a_real_server_has_only_its_checks() {
    let text = lvs_dr_gen::report::prometheus::exposition(&loopback().report());
    assert!(!text.contains("lvs_dr_gen_vrrp_state"));
    assert!(!text.contains("lvs_dr_gen_ipvs_backend"));
    let checks = samples(&text, "lvs_dr_gen_verify_ok", &[]).len();
    assert!(checks > 0);
    assert_eq!(
        samples(&text, "lvs_dr_gen_verify_status", &[]).len(),
        4 * checks
    );
}
