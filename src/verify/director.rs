//! The checks of a director: keepalived running, the kernel's IPVS table
//! (as `ipvsadm -S -n` prints it) against the one the rendered
//! keepalived.conf makes, which VRRP role the director holds, the IPVS
//! connection sync daemon that role calls for, the director's IPVS kernel
//! parameters and module, and (with `--arp`) which machines answer ARP for
//! the VIPs.

use std::net::IpAddr;
use std::path::Path;

use super::check::{sysctl_check, Check};
use super::ipvs_checks::ipvs_checks;
pub use super::ipvs_checks::{backends, fully_drained, Backend};
use super::ipvs_table::parse_table;
pub use super::ipvs_table::{parse_daemons, LiveDaemon, KEEPALIVED};
use super::nextboot;
use super::segment_arp::arp_checks;
pub use super::segment_arp::arp_question;
use crate::live::LiveState;
use crate::machine::DirectorSetup;
use crate::render::Tree;

/// keepalived, the IPVS table, VRRP, the sync daemon, and the kernel
/// parameters and modules of the rendered files (`files`, by absolute
/// path; a file not rendered, or left out, gives no checks).
pub fn checks(setup: &DirectorSetup, files: &Tree, live: &LiveState) -> Vec<Check> {
    let running = live.processes.contains(KEEPALIVED);
    let mut checks = vec![Check::new(
        "process",
        KEEPALIVED,
        running,
        "running",
        if running { "running" } else { "not running" },
    )];
    let table = parse_table(live.ipvs.as_deref().unwrap_or_default());
    checks.extend(ipvs_checks(&setup.ipvs, &table, running));
    checks.extend(vrrp_checks(setup, live, running));
    if let Some(daemons) = &live.ipvs_daemons {
        checks.push(sync_daemon_check(setup, live, daemons, running));
    }
    checks.extend(kernel_checks(setup, files, live));
    if let Some(answers) = &live.arp {
        checks.extend(arp_checks(setup, answers, &mastered_vips(setup, live)));
    }
    checks
}

/// The VIPs of the groups whose every VIP is on the director's interface:
/// those it holds as their VRRP master.
fn mastered_vips(setup: &DirectorSetup, live: &LiveState) -> Vec<IpAddr> {
    let held = held_vips(setup, live);
    setup
        .groups
        .iter()
        .filter(|group| group.vips.iter().all(|vip| held.contains(vip)))
        .flat_map(|group| group.vips.iter().copied())
        .collect()
}

/// One check per VRRP group: as its master the director holds every VIP
/// of the group on its interface, as a backup none; a director whose
/// keepalived is not running is neither. Master of one group and backup of
/// another is as the inventory allows (each group has its own master). The
/// check's subject is the director, followed by the group's name when there
/// are several groups.
fn vrrp_checks(setup: &DirectorSetup, live: &LiveState, keepalived_running: bool) -> Vec<Check> {
    let held = held_vips(setup, live);
    let several = setup.groups.len() > 1;
    setup
        .groups
        .iter()
        .map(|group| {
            let subject = if several {
                format!("{} group {}", setup.name, group.name)
            } else {
                setup.name.clone()
            };
            let held: Vec<IpAddr> = group
                .vips
                .iter()
                .filter(|vip| held.contains(vip))
                .copied()
                .collect();
            vrrp_check(setup, subject, &group.vips, &held, keepalived_running)
        })
        .collect()
}

/// The VRRP check of one group: `vips` its VIPs, `held` those on the
/// director's interface.
fn vrrp_check(
    setup: &DirectorSetup,
    subject: String,
    vips: &[IpAddr],
    held: &[IpAddr],
    keepalived_running: bool,
) -> Check {
    let total = vips.len();
    let want = format!(
        "master (all {total} VIPs on {}) or backup (none)",
        setup.interface
    );
    let (ok, found) = if !keepalived_running {
        (
            false,
            format!(
                "neither: keepalived is not running ({} of {total} VIPs on {})",
                held.len(),
                setup.interface
            ),
        )
    } else if held.len() == total {
        (
            true,
            format!("master: all {total} VIPs on {}", setup.interface),
        )
    } else if held.is_empty() {
        (true, format!("backup: no VIP on {}", setup.interface))
    } else {
        let missing: Vec<String> = vips
            .iter()
            .filter(|vip| !held.contains(vip))
            .map(ToString::to_string)
            .collect();
        (
            false,
            format!(
                "{} of {total} VIPs on {}; missing {}",
                held.len(),
                setup.interface,
                missing.join(", ")
            ),
        )
    };
    Check::new("vrrp", subject, ok, want, found)
}

/// The VIPs on the director's interface.
fn held_vips(setup: &DirectorSetup, live: &LiveState) -> Vec<IpAddr> {
    live.interfaces
        .iter()
        .filter(|link| link.ifname == setup.interface)
        .flat_map(|link| &link.addr_info)
        .filter_map(|address| address.local.parse::<IpAddr>().ok())
        .filter(|ip| setup.vips.contains(ip))
        .collect()
}

/// The sync daemon against the VRRP role: keepalived (`vrrp.c`,
/// `ipvswrapper.c`) starts the backup daemon when the instance starts in
/// BACKUP, swaps it for the master daemon when it becomes MASTER and back
/// when it leaves MASTER, and stops it when it stops. So the VRRP master
/// runs the master daemon alone, a backup the backup daemon alone, and a
/// director with sync off none. With named groups the sync daemon has no
/// instance: keepalived's checker process starts both daemons when it
/// starts and stops them when it stops (`check_daemon.c`), so every
/// director runs both, whatever it masters.
fn sync_daemon_check(
    setup: &DirectorSetup,
    live: &LiveState,
    daemons: &str,
    keepalived_running: bool,
) -> Check {
    let found_daemons = parse_daemons(daemons);
    let found = if found_daemons.is_empty() {
        "none".to_owned()
    } else {
        found_daemons
            .iter()
            .map(LiveDaemon::describe)
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let Some(sync) = &setup.sync else {
        return Check::new(
            "sync-daemon",
            &setup.name,
            found_daemons.is_empty(),
            "none (connection sync is off)",
            found,
        );
    };
    if sync.both {
        return both_daemons_check(setup, sync, &found_daemons, found, keepalived_running);
    }
    let held = held_vips(setup, live).len();
    let role = if !keepalived_running {
        None
    } else if held == setup.vips.len() {
        Some("master")
    } else if held == 0 {
        Some("backup")
    } else {
        None
    };
    let daemon = |state: &str| LiveDaemon {
        state: state.to_owned(),
        interface: sync.interface.clone(),
        id: Some(sync.id),
    };
    let (ok, want) = match role {
        Some(role) => (
            found_daemons == [daemon(role)],
            format!("{}, as VRRP {role}", daemon(role).describe()),
        ),
        None => (
            found_daemons == [daemon("master")] || found_daemons == [daemon("backup")],
            format!(
                "{} or {}, as the VRRP state says",
                daemon("master").describe(),
                daemon("backup").describe()
            ),
        ),
    };
    let found = if keepalived_running || !found_daemons.is_empty() {
        found
    } else {
        format!("{found}: keepalived is not running, and a stopped keepalived stops it")
    };
    Check::new("sync-daemon", &setup.name, ok, want, found)
}

/// Both sync daemons, with named groups: the master and the backup one,
/// on the director's interface with the sync id, whatever the VRRP state.
fn both_daemons_check(
    setup: &DirectorSetup,
    sync: &crate::machine::SyncDaemon,
    found_daemons: &[LiveDaemon],
    found: String,
    keepalived_running: bool,
) -> Check {
    let daemon = |state: &str| LiveDaemon {
        state: state.to_owned(),
        interface: sync.interface.clone(),
        id: Some(sync.id),
    };
    let (master, backup) = (daemon("master"), daemon("backup"));
    let ok = found_daemons.len() == 2
        && found_daemons.contains(&master)
        && found_daemons.contains(&backup);
    let want = format!(
        "{} and {}, whatever this director masters",
        master.describe(),
        backup.describe()
    );
    let found = if keepalived_running || !found_daemons.is_empty() {
        found
    } else {
        format!("{found}: keepalived is not running, and a stopped keepalived stops them")
    };
    Check::new("sync-daemon", &setup.name, ok, want, found)
}

/// The kernel parameters of the rendered sysctl file hold live (IPVS keeps
/// them per network namespace), and the modules of the rendered module
/// list are loaded.
fn kernel_checks(setup: &DirectorSetup, files: &Tree, live: &LiveState) -> Vec<Check> {
    let text = |path: &Path| files.get(path).map(|bytes| String::from_utf8_lossy(bytes));
    let mut checks = Vec::new();
    if let Some(sysctl) = text(&setup.sysctl_file) {
        for assignment in nextboot::parse(&setup.sysctl_file, &sysctl) {
            let Some(value) = &assignment.value else {
                continue;
            };
            let found = live.sysctl.get(&assignment.key);
            checks.push(sysctl_check(&assignment.written, value, found));
        }
    }
    for module in rendered_modules(files, &setup.modules_file) {
        let loaded = live.modules.contains(&module);
        checks.push(Check::new(
            "module",
            module,
            loaded,
            "loaded",
            if loaded { "loaded" } else { "not loaded" },
        ));
    }
    checks
}

/// The kernel parameters (paths below /proc/sys) that the rendered sysctl
/// file of the director sets, for the probe.
pub fn rendered_sysctl_keys(setup: &DirectorSetup, files: &Tree) -> Vec<String> {
    files
        .get(&setup.sysctl_file)
        .map(|bytes| nextboot::parse(&setup.sysctl_file, &String::from_utf8_lossy(bytes)))
        .unwrap_or_default()
        .into_iter()
        .map(|assignment| assignment.key)
        .collect()
}

/// The modules of a rendered modules-load.d file: one name a line,
/// comments (`#`, `;`) and blank lines left out.
pub fn rendered_modules(files: &Tree, path: &Path) -> Vec<String> {
    files
        .get(path)
        .map(|bytes| {
            String::from_utf8_lossy(bytes)
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with(['#', ';']))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    //! Each VRRP group's state on a director (golden/directors-groups: web
    //! mastered by lb1, api by lb2, both families in each).
    use super::super::check::Status;
    use super::*;
    use crate::machine::{self, Role};
    use crate::render::Renderer;

    const WEB: [&str; 2] = ["198.51.100.10", "2001:db8:100::10"];
    const API: [&str; 2] = ["198.51.100.20", "2001:db8:100::20"];

    /// The setup of `name` in golden/directors-groups.
    fn setup(name: &str) -> DirectorSetup {
        let text = include_str!("../../golden/directors-groups/inventory.yaml");
        let raw = crate::inventory::parse("inventory.yaml", text).expect("parses");
        let model = crate::validate::validate("inventory.yaml", &raw).expect("valid");
        let loaded = machine::load(&model, &Renderer::new(None).unwrap(), name).unwrap();
        match loaded.role {
            Role::Director(setup) => *setup,
            Role::RealServer(_) => panic!("{name} is a director"),
        }
    }

    /// keepalived running, `vips` on eth0, and `daemons` as `ipvsadm -L
    /// --daemon` prints them.
    fn live(vips: &[&str], daemons: &str) -> LiveState {
        let addresses: Vec<serde_json::Value> = vips
            .iter()
            .map(|vip| {
                let family = if vip.contains(':') { "inet6" } else { "inet" };
                serde_json::json!({"family": family, "local": vip, "prefixlen": 32})
            })
            .collect();
        let mut state: LiveState = serde_json::from_value(serde_json::json!({
            "interfaces": [{"ifname": "eth0", "addr_info": addresses}],
        }))
        .unwrap();
        state.processes.insert("keepalived".to_owned());
        state.ipvs_daemons = Some(daemons.to_owned());
        state
    }

    const BOTH: &str = "master sync daemon (mcast=eth0, syncid=61)\n\
                        backup sync daemon (mcast=eth0, syncid=61)\n";

    /// (subject, status, found) of the VRRP checks.
    fn vrrp(setup: &DirectorSetup, state: &LiveState) -> Vec<(String, Status, String)> {
        vrrp_checks(setup, state, true)
            .into_iter()
            .map(|check| (check.subject, check.status, check.found))
            .collect()
    }

    #[test]
    fn master_of_one_group_and_backup_of_the_other_is_not_drift() {
        let lb1 = setup("lb1");
        assert_eq!(
            vrrp(&lb1, &live(&WEB, BOTH)),
            [
                (
                    "lb1 group web".to_owned(),
                    Status::Ok,
                    "master: all 2 VIPs on eth0".to_owned()
                ),
                (
                    "lb1 group api".to_owned(),
                    Status::Ok,
                    "backup: no VIP on eth0".to_owned()
                ),
            ]
        );
        // lb2 after lb1 failed: master of both groups.
        let all: Vec<&str> = WEB.iter().chain(&API).copied().collect();
        let checks = vrrp(&setup("lb2"), &live(&all, BOTH));
        assert!(
            checks.iter().all(|(_, status, _)| *status == Status::Ok),
            "{checks:?}"
        );
    }

    /// Negative control: half a group on a director (its IPv6 instance
    /// left behind) is drift of that group only.
    #[test]
    fn half_a_group_is_drift_of_that_group() {
        let checks = vrrp(&setup("lb1"), &live(&[WEB[0], API[0], API[1]], BOTH));
        let statuses: Vec<(&str, Status)> = checks
            .iter()
            .map(|(subject, status, _)| (subject.as_str(), *status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("lb1 group web", Status::Drift),
                ("lb1 group api", Status::Ok)
            ]
        );
        assert!(checks[0].2.contains("2001:db8:100::10"), "{}", checks[0].2);
    }

    /// With groups each director runs both sync daemons, whatever it
    /// masters; one of them missing is drift.
    #[test]
    fn both_sync_daemons_run_whatever_the_director_masters() {
        let lb2 = setup("lb2");
        for vips in [&API[..], &[]] {
            let state = live(vips, BOTH);
            let check = sync_daemon_check(&lb2, &state, BOTH, true);
            assert_eq!(check.status, Status::Ok, "{check:?}");
        }
        let only_master = "master sync daemon (mcast=eth0, syncid=61)\n";
        let state = live(&API, only_master);
        let check = sync_daemon_check(&lb2, &state, only_master, true);
        assert_eq!(check.status, Status::Drift, "{check:?}");
    }
}
