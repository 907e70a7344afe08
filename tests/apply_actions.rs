//! Tests of the pure action list, on the live states `verify`'s tests
//! recorded from real kernels (tests/fixtures/verify/), each with one
//! difference put in.

use std::path::PathBuf;

use lvs_dr_gen::apply::{actions, line, refusals, HostAction, Situation};
use lvs_dr_gen::live::{Address, FileState, Link, LinkInfo};
use lvs_dr_gen::machine::{self, Machine, Role};
use lvs_dr_gen::render::Renderer;
use lvs_dr_gen::validate::model::Inventory;
use lvs_dr_gen::{inventory, validate};

/// The machine `name` of `model`, its files rendered.
fn machine<'a>(model: &'a Inventory, name: &str) -> Machine<'a> {
    machine::load(model, &Renderer::new(None).unwrap(), name).unwrap()
}

/// A machine of an inventory, its rendered files and a recorded situation.
struct Case {
    model: Inventory,
    name: &'static str,
    now: Situation,
}

fn case(file: &str, inventory_text: &str, name: &'static str, state: &str) -> Case {
    let raw = inventory::parse(file, inventory_text).expect("inventory parses");
    let model = validate::validate(file, &raw).expect("inventory is valid");
    let live = serde_json::from_str(state).expect("fixture parses");
    Case {
        model,
        name,
        now: Situation {
            live,
            ..Situation::default()
        },
    }
}

/// webserver01 of golden/article-iproute2 (VIPs on dummy0, both families),
/// as the VM suite recorded it after a boot of Debian 12: as rendered.
fn dummy() -> Case {
    case(
        "inventory.yaml",
        include_str!("../golden/article-iproute2/inventory.yaml"),
        "webserver01",
        include_str!("fixtures/verify/article-iproute2-bookworm.json"),
    )
}

/// webserver02 of examples/inventory.yaml (VIPs on lo), recorded in a
/// network namespace: as rendered.
fn loopback() -> Case {
    case(
        "inventory.yaml",
        include_str!("../examples/inventory.yaml"),
        "webserver02",
        include_str!("fixtures/verify/webserver02.json"),
    )
}

/// Director lb1 of tests/vm/cases/dr.yaml, recorded in the VM suite.
fn director() -> Case {
    case(
        "dr.yaml",
        include_str!("vm/cases/dr.yaml"),
        "lb1",
        include_str!("fixtures/verify/dr-lb1-bookworm.json"),
    )
}

impl Case {
    fn lines(&self) -> Vec<String> {
        actions(&machine(&self.model, self.name), &self.now)
            .actions
            .iter()
            .map(|action| line(action, false))
            .collect()
    }

    fn link(&mut self, name: &str) -> &mut Link {
        self.now
            .live
            .interfaces
            .iter_mut()
            .find(|link| link.ifname == name)
            .expect("interface in the fixture")
    }

    fn remove_address(&mut self, device: &str, local: &str) {
        self.link(device)
            .addr_info
            .retain(|address| address.local != local);
    }

    fn add_address(&mut self, device: &str, local: &str, prefixlen: u8) {
        self.link(device).addr_info.push(Address {
            family: if local.contains(':') { "inet6" } else { "inet" }.to_owned(),
            local: local.to_owned(),
            prefixlen,
            scope: if local.starts_with("127.") || local == "::1" {
                "host"
            } else {
                "global"
            }
            .to_owned(),
            tentative: false,
            dadfailed: false,
        });
    }

    fn set_sysctl(&mut self, path: &str, value: Option<&str>) {
        self.now
            .live
            .sysctl
            .insert(path.to_owned(), value.map(str::to_owned));
    }
}

#[test]
fn a_machine_as_rendered_has_nothing_to_change() {
    assert_eq!(dummy().lines(), Vec::<String>::new());
    assert_eq!(loopback().lines(), Vec::<String>::new());
}

#[test]
fn a_kernel_parameter_that_differs_is_written_and_only_that() {
    let mut host = dummy();
    host.set_sysctl("net/ipv4/conf/all/arp_announce", Some("0"));
    host.set_sysctl("net/ipv4/tcp_syncookies", None);
    assert_eq!(
        host.lines(),
        [
            "apply: set net.ipv4.conf.all.arp_announce = 2 (now 0)",
            "apply: set net.ipv4.tcp_syncookies = 1 (now missing)",
        ]
    );
}

#[test]
fn a_module_not_loaded_is_loaded_after_the_kernel_parameters() {
    let mut host = dummy();
    host.now.live.modules.clear();
    host.set_sysctl("net/ipv4/conf/all/arp_ignore", Some("0"));
    assert_eq!(
        host.lines(),
        [
            "apply: set net.ipv4.conf.all.arp_ignore = 1 (now 0)",
            "apply: load module dummy (modprobe)",
        ]
    );
}

#[test]
fn a_missing_interface_is_created_and_set_up_before_its_vips() {
    let mut host = dummy();
    host.now
        .live
        .interfaces
        .retain(|link| link.ifname != "dummy0");
    assert_eq!(
        host.lines(),
        [
            "apply: create dummy0 (type dummy)",
            "apply: set dummy0 up",
            "apply: add 198.19.253.1/32 on dummy0",
            "apply: add 198.19.254.1/32 on dummy0",
            "apply: add 2a00:e10:1000:7:124::a1/128 on dummy0 (nodad)",
            "apply: add 2a00:e10:1000:7:124::b1/128 on dummy0 (nodad)",
        ]
    );
}

#[test]
fn an_interface_that_is_down_is_set_up_not_recreated() {
    let mut host = dummy();
    host.link("dummy0").flags = vec!["BROADCAST".to_owned(), "NOARP".to_owned()];
    assert_eq!(host.lines(), ["apply: set dummy0 up"]);
}

#[test]
fn a_missing_vip_is_added_and_one_with_another_prefix_is_missing() {
    let mut host = dummy();
    host.remove_address("dummy0", "198.19.254.1");
    host.remove_address("dummy0", "2a00:e10:1000:7:124::a1");
    host.add_address("dummy0", "2a00:e10:1000:7:124::a1", 64);
    assert_eq!(
        host.lines(),
        [
            "apply: add 198.19.254.1/32 on dummy0",
            "apply: add 2a00:e10:1000:7:124::a1/128 on dummy0 (nodad)",
        ]
    );
}

#[test]
fn a_stale_vip_is_removed_after_the_new_ones_are_added() {
    let mut host = dummy();
    host.remove_address("dummy0", "198.19.254.1");
    host.add_address("dummy0", "198.19.250.9", 32);
    host.add_address("dummy0", "2001:db8::9", 128);
    // Not a host address, and the kernel's link-local: verify's business.
    host.add_address("dummy0", "10.1.2.3", 24);
    assert_eq!(
        host.lines(),
        [
            "apply: add 198.19.254.1/32 on dummy0",
            "apply: remove 198.19.250.9/32 from dummy0",
            "apply: remove 2001:db8::9/128 from dummy0",
        ]
    );
}

#[test]
fn the_loopbacks_own_addresses_and_other_interfaces_stay() {
    let mut host = loopback();
    host.add_address("lo", "127.0.0.2", 32);
    host.add_address("lo", "127.1.0.1", 32);
    let other = host.now.live.interfaces[1].ifname.clone();
    assert_ne!(other, "lo");
    host.add_address(&other, "198.19.250.9", 32);
    assert_eq!(host.lines(), Vec::<String>::new());
    host.add_address("lo", "198.19.250.10", 32);
    assert_eq!(host.lines(), ["apply: remove 198.19.250.10/32 from lo"]);
}

/// webserver02 of the lo example as before a move from dummy0 to lo: its
/// VIPs on a dummy0 of kind `kind`, the IPv4 one not yet on lo.
fn moving_to_lo(kind: Option<&str>) -> Case {
    let mut host = loopback();
    host.now.live.interfaces.push(Link {
        ifname: "dummy0".to_owned(),
        flags: vec!["UP".to_owned()],
        addr_info: Vec::new(),
        linkinfo: kind.map(|kind| LinkInfo {
            info_kind: kind.to_owned(),
        }),
    });
    host.add_address("dummy0", "198.19.253.1", 32);
    host.add_address("dummy0", "2a00:e10:1000:7:124::a1", 128);
    host.remove_address("lo", "198.19.253.1");
    host
}

#[test]
fn a_vip_moved_to_lo_leaves_its_old_dummy_which_is_then_deleted() {
    let mut host = moving_to_lo(Some("dummy"));
    // The link-local address a dummy gets when up does not keep it.
    host.link("dummy0").addr_info.push(Address {
        family: "inet6".to_owned(),
        local: "fe80::1".to_owned(),
        prefixlen: 64,
        scope: "link".to_owned(),
        tentative: false,
        dadfailed: false,
    });
    assert_eq!(
        host.lines(),
        [
            "apply: add 198.19.253.1/32 on lo",
            "apply: remove 198.19.253.1/32 from dummy0",
            "apply: remove 2a00:e10:1000:7:124::a1/128 from dummy0",
            "apply: delete dummy0 (a dummy interface with nothing left on it)",
        ],
        "added on lo first, then gone from dummy0, then dummy0 deleted"
    );
}

#[test]
fn an_interface_the_vips_leave_stays_when_it_keeps_an_address_or_is_no_dummy() {
    let mut keeps = moving_to_lo(Some("dummy"));
    keeps.add_address("dummy0", "203.0.113.7", 24);
    let mut not_dummy = moving_to_lo(None);
    not_dummy.link("dummy0").ifname = "eth9".to_owned();
    for (host, device) in [(keeps, "dummy0"), (not_dummy, "eth9")] {
        assert_eq!(
            host.lines(),
            [
                "apply: add 198.19.253.1/32 on lo".to_owned(),
                format!("apply: remove 198.19.253.1/32 from {device}"),
                format!("apply: remove 2a00:e10:1000:7:124::a1/128 from {device}"),
            ],
        );
    }
}

#[test]
fn an_empty_dummy_apply_did_not_empty_stays() {
    let mut host = loopback();
    host.now.live.interfaces.push(Link {
        ifname: "dummy0".to_owned(),
        flags: vec!["UP".to_owned()],
        addr_info: Vec::new(),
        linkinfo: Some(LinkInfo {
            info_kind: "dummy".to_owned(),
        }),
    });
    assert_eq!(host.lines(), Vec::<String>::new());
}

#[test]
fn net_tools_vips_get_the_stanzas_alias_labels() {
    let text = include_str!("../golden/article-iproute2/inventory.yaml")
        .replace("hosts:", "defaults:\n  style: net-tools\nhosts:");
    let mut host = case(
        "inventory.yaml",
        &text,
        "webserver01",
        include_str!("fixtures/verify/article-iproute2-bookworm.json"),
    );
    host.now
        .live
        .interfaces
        .retain(|link| link.ifname != "dummy0");
    let lines = host.lines();
    assert_eq!(lines[2], "apply: add 198.19.253.1/32 on dummy0");
    assert_eq!(
        lines[3],
        "apply: add 198.19.254.1/32 on dummy0 (label dummy0:1)"
    );
}

#[test]
fn networkd_reloads_after_address_changes_only_when_it_runs() {
    let text = include_str!("../golden/article-iproute2/inventory.yaml")
        .replace("hosts:", "defaults:\n  stack: networkd\nhosts:");
    let fixture = include_str!("fixtures/verify/article-iproute2-bookworm.json");
    let mut host = case("inventory.yaml", &text, "webserver01", fixture);
    host.remove_address("dummy0", "198.19.254.1");
    assert_eq!(host.lines(), ["apply: add 198.19.254.1/32 on dummy0"]);
    host.now.networkd = true;
    assert_eq!(
        host.lines(),
        [
            "apply: add 198.19.254.1/32 on dummy0",
            "apply: reload systemd-networkd (networkctl reload)",
        ]
    );
    let unchanged = case("inventory.yaml", &text, "webserver01", fixture);
    let mut running = unchanged;
    running.now.networkd = true;
    running.set_sysctl("net/ipv4/conf/all/arp_ignore", Some("0"));
    assert_eq!(
        running.lines(),
        ["apply: set net.ipv4.conf.all.arp_ignore = 1 (now 0)"]
    );
}

fn rendered_keepalived(case: &Case) -> Vec<u8> {
    let machine = machine(&case.model, case.name);
    let Role::Director(setup) = &machine.role else {
        panic!("a director");
    };
    machine.files[&setup.keepalived_file].clone()
}

#[test]
fn a_director_reloads_keepalived_once_per_configuration() {
    let mut lb = director();
    lb.now.keepalived = Some(4242);
    assert_eq!(
        lb.lines(),
        ["apply: reload keepalived (SIGHUP to pid 4242)"],
        "never given a configuration by apply: reloaded once"
    );
    lb.now.keepalived_loaded = Some(b"an older configuration".to_vec());
    assert_eq!(
        lb.lines(),
        ["apply: reload keepalived (SIGHUP to pid 4242)"]
    );
    lb.now.keepalived_loaded = Some(rendered_keepalived(&lb));
    assert_eq!(lb.lines(), Vec::<String>::new(), "reloaded with this one");
}

#[test]
fn a_director_loads_ip_vs_before_its_kernel_parameters() {
    let mut lb = director();
    lb.now.keepalived = Some(4242);
    lb.now.keepalived_loaded = Some(rendered_keepalived(&lb));
    lb.now.live.modules.clear();
    lb.now
        .live
        .sysctl
        .retain(|key, _| !key.starts_with("net/ipv4/vs/"));
    assert_eq!(
        lb.lines(),
        [
            "apply: load module ip_vs (modprobe)",
            "apply: set net.ipv4.vs.expire_nodest_conn = 1 (now missing)",
            "apply: set net.ipv4.vs.expire_quiescent_template = 1 (now missing)",
        ]
    );
}

#[test]
fn a_stopped_keepalived_is_started_by_systemd_or_named() {
    let mut lb = director();
    lb.now.keepalived = None;
    lb.now.systemd = true;
    assert_eq!(
        lb.lines(),
        ["apply: start keepalived (systemctl start keepalived)"]
    );
    lb.now.systemd = false;
    assert_eq!(lb.lines(), Vec::<String>::new());
    let notes = actions(&machine(&lb.model, "lb1"), &lb.now).notes;
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].starts_with("keepalived is not running"),
        "{notes:?}"
    );
}

#[test]
fn dry_run_lines_say_would() {
    let action = HostAction::RemoveAddress {
        address: "198.51.100.2".parse().unwrap(),
        prefix: 32,
        device: "dummy0".to_owned(),
    };
    assert_eq!(
        line(&action, false),
        "apply: remove 198.51.100.2/32 from dummy0"
    );
    assert_eq!(
        line(&action, true),
        "apply: would remove 198.51.100.2/32 from dummy0"
    );
}

#[test]
fn installed_files_that_differ_or_are_missing_are_refused_by_name() {
    let host = loopback();
    let files = machine(&host.model, "webserver02").files;
    assert_eq!(refusals(&files, &host.now.live.files), Vec::<String>::new());
    let mut live = host.now.live.clone();
    let sysctl = PathBuf::from("/etc/sysctl.d/60-lvs-dr.conf");
    live.files
        .insert(sysctl.clone(), FileState::Text("changed\n".to_owned()));
    live.files
        .remove(&PathBuf::from("/etc/network/interfaces.d/lvs-dr"));
    assert_eq!(
        refusals(&files, &live.files),
        [
            "/etc/network/interfaces.d/lvs-dr is missing",
            "/etc/sysctl.d/60-lvs-dr.conf differs from the rendered one",
        ]
    );
}

/// What keepalived 2.2.7 printed for `keepalived -t` of a director whose
/// virtual server 10.0.0.101:80 had both real servers drained (VM rollout
/// case, step 6).
const DRAINED_VS_REPORTS: &str = "Warning - quorum 1 for [10.0.0.101]:tcp:80 exceeds total weight \
of real servers 0, reducing quorum to 0\nVirtual server [10.0.0.101]:tcp:80: hysteresis 0 >= \
quorum 0; setting hysteresis to 4294967295\n";

#[test]
fn keepalived_s_reports_of_a_fully_drained_virtual_server_are_accepted_only_as_such() {
    use lvs_dr_gen::apply::exec::only_drain_reports;
    assert!(only_drain_reports(DRAINED_VS_REPORTS, 1));
    assert!(
        !only_drain_reports(DRAINED_VS_REPORTS, 2),
        "one virtual server reported, two drained: something else is wrong"
    );
    assert!(
        !only_drain_reports(DRAINED_VS_REPORTS, 0),
        "nothing drained, so the report is a real problem"
    );
    let with_other = format!("{DRAINED_VS_REPORTS}Unknown keyword 'lb_algox'\n");
    assert!(
        !only_drain_reports(&with_other, 1),
        "another complaint refuses"
    );
    let other_weight = DRAINED_VS_REPORTS.replace(
        "real servers 0, reducing quorum to 0",
        "real servers 3, reducing quorum to 3",
    );
    assert!(
        !only_drain_reports(&other_weight, 1),
        "a quorum above a non-zero weight is the user's"
    );
}

#[test]
fn a_virtual_server_counts_as_fully_drained_when_every_real_server_is() {
    let text = "version: 1\nsegment: [192.0.2.0/24]\nvrrp: {virtual_router_id: 51}\n\
        directors:\n  lb1: {address: 192.0.2.2, interface: eth0, priority: 150}\n\
        services:\n  www: {vips: [198.51.100.1], ports: [80, 443]}\n  api: {vips: [198.51.100.2], ports: [80]}\n\
        hosts:\n  web1: {address: 192.0.2.11, services: [www, api], drain: [www]}\n\
        \x20 web2: {address: 192.0.2.12, services: [www, api], drain: true}\n";
    let raw = inventory::parse("i.yaml", text).unwrap();
    let model = validate::validate("i.yaml", &raw).unwrap();
    let lb1 = machine(&model, "lb1");
    let Role::Director(setup) = &lb1.role else {
        panic!("lb1 is a director");
    };
    assert!(!lb1.files.is_empty());
    assert_eq!(
        lvs_dr_gen::verify::director::fully_drained(&setup.ipvs),
        2,
        "www's two ports are drained on both real servers, api on web2 only"
    );
}
