//! The checks of a director: keepalived running, the kernel's IPVS table
//! (as `ipvsadm -S -n` prints it) against the one the rendered
//! keepalived.conf makes, which VRRP role the director holds, the IPVS
//! connection sync daemon that role calls for, the director's IPVS kernel
//! parameters and module, and (with `--arp`) which machines answer ARP for
//! the VIPs.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use super::check::{sysctl_check, Check, Status};
use super::ipvs_table::{key, parse_connections, parse_table, ServiceKey, Table, FWMARK};
pub use super::ipvs_table::{parse_daemons, LiveDaemon};
use super::nextboot;
use super::segment_arp::arp_checks;
pub use super::segment_arp::arp_question;
use crate::live::LiveState;
use crate::machine::DirectorSetup;
use crate::render::IpvsService;
use crate::render::Tree;

/// How many of the virtual servers keepalived reads from the rendered
/// configuration have every real server drained (weight 0); the services
/// of one port group are one virtual server of keepalived's.
pub fn fully_drained(ipvs: &[IpvsService]) -> usize {
    ipvs.iter()
        .filter(|service| {
            service
                .real_servers
                .iter()
                .all(|(_, _, weight)| *weight == 0)
        })
        .map(|service| {
            service.port_group.clone().unwrap_or_else(|| {
                format!(
                    "{} {}",
                    service.protocol,
                    SocketAddr::new(service.vip, service.port)
                )
            })
        })
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// The process name of keepalived.
pub const KEEPALIVED: &str = "keepalived";

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

fn describe_service(scheduler: &str, persistence: Option<u32>) -> String {
    match persistence {
        Some(seconds) => format!("{scheduler}, persistent {seconds} s"),
        None => format!("{scheduler}, not persistent"),
    }
}

/// The expected virtual servers and their real servers against the live
/// table, then what the table has beyond them. A virtual server missing
/// from the table is one check: its real servers went with it, and are not
/// listed one by one (none of them was taken out by a health check).
fn ipvs_checks(expected: &[IpvsService], table: &Table, keepalived_running: bool) -> Vec<Check> {
    ipvs_report(expected, table, keepalived_running).0
}

/// A real server of a virtual server of the inventory, as the Prometheus
/// output describes it: where it is in the IPVS table (with the labels
/// `node_exporter`'s IPVS collector gives it), its weight in the inventory,
/// whether keepalived's health check took it out, and its connection count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// The inventory's service.
    pub service: String,
    /// The virtual server as `verify` names it: `TCP 10.0.0.100:80`, or a
    /// port group's `FWM 1000 (www_ipv4_tcp)` (`FWM (www_ipv4_tcp)` when
    /// its firewall-mark service is not in the table).
    pub virtual_server: String,
    /// A VIP of the virtual server (a port group's first), to find its VRRP
    /// instance.
    pub vip: IpAddr,
    /// `TCP`, `UDP`, or `FWM` for a port group.
    pub protocol: &'static str,
    /// The VIP and port (none and 0 for a firewall-mark service).
    pub local: Option<SocketAddr>,
    /// The live firewall mark of a port group's service, when found.
    pub mark: Option<u32>,
    /// The real server's name in the inventory.
    pub host: String,
    /// Its address and port in the table (port 0 in a firewall-mark service).
    pub remote: SocketAddr,
    /// Its weight in the inventory (0 when drained).
    pub weight: u32,
    /// Missing from the table because its health check failed (the
    /// `real-server` check is down).
    pub down: bool,
    /// Where its counters are in `ipvsadm -L -n --stats` (the live virtual
    /// server's key and the real server), when it is in the table.
    pub live: Option<(ServiceKey, SocketAddr)>,
    /// The connections IPVS scheduled to it since it entered the table
    /// (`ipvsadm -L -n --stats`' `Conns`), when read.
    pub connections: Option<u64>,
}

impl Backend {
    fn new(service: &IpvsService, (host, address, weight): (&str, IpAddr, u32)) -> Self {
        Backend {
            service: service.service.clone(),
            virtual_server: key(service.protocol, service.vip, service.port),
            vip: service.vip,
            protocol: service.protocol,
            local: Some(SocketAddr::new(service.vip, service.port)),
            mark: None,
            host: host.to_owned(),
            remote: SocketAddr::new(address, service.port),
            weight,
            down: false,
            live: None,
            connections: None,
        }
    }
}

/// The inventory's real servers as the live IPVS table has them, for the
/// Prometheus output: each with its service's name and, when the table's
/// counters were read, its connection count.
pub fn backends(expected: &DirectorSetup, live: &LiveState) -> Vec<Backend> {
    let running = live.processes.contains(KEEPALIVED);
    let table = parse_table(live.ipvs.as_deref().unwrap_or_default());
    let counters = live.ipvs_stats.as_deref().map(parse_connections);
    let (_, mut backends) = ipvs_report(&expected.ipvs, &table, running);
    for backend in &mut backends {
        if let (Some(counters), Some(live)) = (&counters, &backend.live) {
            backend.connections = Some(counters.get(live).copied().unwrap_or(0));
        }
    }
    backends
}

/// The checks of the IPVS table, and the inventory's real servers in it.
fn ipvs_report(
    expected: &[IpvsService],
    table: &Table,
    keepalived_running: bool,
) -> (Vec<Check>, Vec<Backend>) {
    let mut checks = Vec::new();
    let mut backends = Vec::new();
    let mut known_services = Vec::new();
    let mut known_reals = Vec::new();
    let mut groups: Vec<(&str, &IpvsService)> = Vec::new();
    for service in expected {
        if let Some(group) = &service.port_group {
            if !groups.iter().any(|(name, _)| *name == group.as_str()) {
                groups.push((group, service));
            }
            continue;
        }
        let service_key = key(service.protocol, service.vip, service.port);
        let want = describe_service(&service.scheduler, service.persistence);
        known_services.push(service_key.clone());
        let Some((scheduler, persistence)) = table.services.get(&service_key) else {
            let found = missing_service(service.real_servers.len(), keepalived_running);
            checks.push(Check::new(
                "virtual-server",
                service_key,
                false,
                want,
                found,
            ));
            backends.extend(
                service.real_servers.iter().map(|(host, address, weight)| {
                    Backend::new(service, (host, *address, *weight))
                }),
            );
            continue;
        };
        let found = describe_service(scheduler, *persistence);
        checks.push(Check::new(
            "virtual-server",
            service_key.clone(),
            found == want,
            want,
            found,
        ));
        for (host, address, weight) in &service.real_servers {
            let real = SocketAddr::new(*address, service.port);
            let live = table.real_servers.get(&(service_key.clone(), real));
            let subject = format!("{service_key} -> {real}");
            let check = real_server_check(
                subject,
                (host, *weight),
                live,
                service.checked,
                keepalived_running,
            );
            backends.push(Backend {
                down: check.status == Status::Down,
                live: live.map(|_| (service_key.clone(), real)),
                ..Backend::new(service, (host, *address, *weight))
            });
            checks.push(check);
            known_reals.push((service_key.clone(), real));
        }
        if let Some(sorry) = service.sorry_server {
            let real = SocketAddr::new(sorry, service.port);
            checks.push(sorry_server_check(&service_key, real, table));
            known_reals.push((service_key.clone(), real));
        }
    }
    for (group, service) in groups {
        let (group_checks, group_backends) = group_checks(
            group,
            service,
            table,
            keepalived_running,
            (&mut known_services, &mut known_reals),
        );
        checks.extend(group_checks);
        backends.extend(group_backends);
    }
    for (service_key, (scheduler, persistence)) in &table.services {
        if !known_services.contains(service_key) {
            checks.push(Check::new(
                "virtual-server",
                service_key.clone(),
                false,
                "not in the table",
                describe_service(scheduler, *persistence),
            ));
        }
    }
    for ((service_key, real), (method, weight)) in &table.real_servers {
        if !known_reals.contains(&(service_key.clone(), *real)) {
            checks.push(Check::new(
                "real-server",
                format!("{service_key} -> {real}"),
                false,
                "not in the table",
                format!("{method}, weight {weight}"),
            ));
        }
    }
    (checks, backends)
}

/// A real server of a virtual server: `live` is its method and weight in
/// the table, if there. Missing from a health-checked service while
/// keepalived runs, it is down (taken out by its check), not drift.
fn real_server_check(
    subject: String,
    (host, weight): (&str, u32),
    live: Option<&(String, u32)>,
    checked: bool,
    keepalived_running: bool,
) -> Check {
    let want = format!("{host}, route, weight {weight}");
    match live {
        None if checked && keepalived_running => Check {
            kind: "real-server",
            subject,
            status: Status::Down,
            expected: want,
            found: "down: not in the table (taken out by its health check)".into(),
        },
        None if checked => Check::new(
            "real-server",
            subject,
            false,
            want,
            "missing: keepalived is not running, so no health check will put it back",
        ),
        None => Check::new("real-server", subject, false, want, "missing"),
        Some((method, live_weight)) => {
            let found = format!("{host}, {method}, weight {live_weight}");
            Check::new("real-server", subject, found == want, want, found)
        }
    }
}

/// The live firewall-mark services and their real servers (by address:
/// the port of a firewall-mark service's real server is 0).
fn fwmark_services(table: &Table) -> Vec<(&ServiceKey, Vec<(IpAddr, SocketAddr)>)> {
    table
        .services
        .keys()
        .filter(|key| key.starts_with(FWMARK))
        .map(|key| {
            let reals = table
                .real_servers
                .keys()
                .filter(|(service, _)| service == key)
                .map(|(_, real)| (real.ip(), *real))
                .collect();
            (key, reals)
        })
        .collect()
}

/// A `virtual_server_group` (`persistence_across_ports`): keepalived
/// balances it as one firewall-mark service, whose mark keepalived picks
/// (1000 and up) and sets with nftables, so the live service is found by
/// its real servers (or sorry server): the unclaimed one sharing the most
/// addresses with the group's, or the only unclaimed one. Then its
/// scheduler and persistence, and each real server by address.
fn group_checks(
    group: &str,
    service: &IpvsService,
    table: &Table,
    keepalived_running: bool,
    (known_services, known_reals): (&mut Vec<ServiceKey>, &mut Vec<(ServiceKey, SocketAddr)>),
) -> (Vec<Check>, Vec<Backend>) {
    let want = describe_service(&service.scheduler, service.persistence);
    let ours: Vec<IpAddr> = service
        .real_servers
        .iter()
        .map(|(_, address, _)| *address)
        .chain(service.sorry_server)
        .collect();
    let candidates: Vec<_> = fwmark_services(table)
        .into_iter()
        .filter(|(key, _)| !known_services.contains(key))
        .collect();
    let shared = |reals: &[(IpAddr, SocketAddr)]| {
        reals
            .iter()
            .filter(|(address, _)| ours.contains(address))
            .count()
    };
    let found = candidates
        .iter()
        .filter(|(_, reals)| shared(reals) > 0)
        .max_by_key(|(_, reals)| shared(reals))
        .or_else(|| (candidates.len() == 1).then(|| &candidates[0]));
    let group_backend = |(host, address, weight): &(String, IpAddr, u32), mark: Option<u32>| {
        let virtual_server = match mark {
            Some(mark) => format!("{FWMARK} {mark} ({group})"),
            None => format!("{FWMARK} ({group})"),
        };
        Backend {
            virtual_server,
            protocol: FWMARK,
            local: None,
            mark,
            remote: SocketAddr::new(*address, 0),
            ..Backend::new(service, (host, *address, *weight))
        }
    };
    let Some((live_key, reals)) = found else {
        let check = Check::new(
            "virtual-server",
            format!("{FWMARK} ({group})"),
            false,
            want,
            missing_service(service.real_servers.len(), keepalived_running),
        );
        let backends = service
            .real_servers
            .iter()
            .map(|real| group_backend(real, None))
            .collect();
        return (vec![check], backends);
    };
    let live_key = (*live_key).clone();
    let mark = live_key
        .strip_prefix(FWMARK)
        .and_then(|mark| mark.trim().parse().ok());
    known_services.push(live_key.clone());
    let (scheduler, persistence) = &table.services[&live_key];
    let found = describe_service(scheduler, *persistence);
    let mut checks = vec![Check::new(
        "virtual-server",
        format!("{live_key} ({group})"),
        found == want,
        want,
        found,
    )];
    let mut backends = Vec::new();
    let live_real = |address: IpAddr| reals.iter().find(|(a, _)| *a == address).map(|(_, r)| *r);
    for real_server in &service.real_servers {
        let (host, address, weight) = real_server;
        let real = live_real(*address);
        let live = real.and_then(|real| table.real_servers.get(&(live_key.clone(), real)));
        let check = real_server_check(
            format!("{live_key} -> {address}"),
            (host, *weight),
            live,
            service.checked,
            keepalived_running,
        );
        let mut backend = group_backend(real_server, mark);
        backend.down = check.status == Status::Down;
        if let Some(real) = real.filter(|_| live.is_some()) {
            backend.remote = real;
            backend.live = Some((live_key.clone(), real));
        }
        backends.push(backend);
        checks.push(check);
        known_reals.extend(real.map(|real| (live_key.clone(), real)));
    }
    if let Some(sorry) = service.sorry_server {
        let real = live_real(sorry).unwrap_or_else(|| SocketAddr::new(sorry, 0));
        checks.push(sorry_server_check(&live_key, real, table));
        known_reals.push((live_key, real));
    }
    (checks, backends)
}

/// The sorry server of a virtual server: standing by (not in the table), or
/// answering in place of the real servers, which keepalived took out when
/// their healthy weight fell below the quorum (the cluster working as
/// configured, so `down`, not drift).
fn sorry_server_check(service_key: &str, sorry: SocketAddr, table: &Table) -> Check {
    let subject = format!("{service_key} -> {sorry}");
    let want = "standing by (not in the table)".to_owned();
    match table.real_servers.get(&(service_key.to_owned(), sorry)) {
        None => Check::new("sorry-server", subject, true, want, "not in the table"),
        Some((method, weight)) => Check {
            kind: "sorry-server",
            subject,
            status: Status::Down,
            expected: want,
            found: format!(
                "answering ({method}, weight {weight}): the healthy real servers' weight is below the quorum, so keepalived took them all out"
            ),
        },
    }
}

/// What is found of a virtual server missing from the table: it and its
/// real servers, and, when keepalived is not running, why: keepalived
/// removes the virtual servers it made when it stops (unless told not to).
fn missing_service(real_servers: usize, keepalived_running: bool) -> String {
    let with = match real_servers {
        0 => String::new(),
        1 => ", with its real server".to_owned(),
        count => format!(", with its {count} real servers"),
    };
    if keepalived_running {
        format!("missing{with}")
    } else {
        format!(
            "missing{with}: keepalived is not running, and a stopped keepalived removes the \
             virtual servers it made"
        )
    }
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
mod sorry_server_tests {
    use super::*;

    fn expected() -> Vec<IpvsService> {
        vec![IpvsService {
            service: "www".into(),
            protocol: "TCP",
            vip: "198.51.100.10".parse().unwrap(),
            port: 80,
            scheduler: "wlc".into(),
            persistence: None,
            checked: true,
            real_servers: vec![("web1".into(), "192.0.2.11".parse().unwrap(), 1)],
            sorry_server: Some("192.0.2.50".parse().unwrap()),
            port_group: None,
        }]
    }

    fn sorry(checks: &[Check]) -> &Check {
        checks
            .iter()
            .find(|check| check.kind == "sorry-server")
            .expect("a sorry-server check")
    }

    /// With the real servers in the table, the sorry server stands by.
    #[test]
    fn a_sorry_server_not_in_the_table_stands_by() {
        let table = parse_table(
            "-A -t 198.51.100.10:80 -s wlc\n-a -t 198.51.100.10:80 -r 192.0.2.11:80 -g -w 1\n",
        );
        let checks = ipvs_checks(&expected(), &table, true);
        assert_eq!(sorry(&checks).status, Status::Ok);
        assert!(checks.iter().all(|check| check.status == Status::Ok));
    }

    /// When keepalived swapped the real servers for the sorry server, it is
    /// down (working as configured), not drift, and not an unknown server.
    #[test]
    fn an_answering_sorry_server_is_down_not_drift() {
        let table = parse_table(
            "-A -t 198.51.100.10:80 -s wlc\n-a -t 198.51.100.10:80 -r 192.0.2.50:80 -g -w 1\n",
        );
        let checks = ipvs_checks(&expected(), &table, true);
        let check = sorry(&checks);
        assert_eq!(check.status, Status::Down);
        assert!(check.found.contains("below the quorum"), "{}", check.found);
        assert!(checks.iter().all(|check| check.status != Status::Drift));
    }
}

#[cfg(test)]
mod port_group_tests {
    use super::*;

    /// VIP:80 and VIP:443 of one `virtual_server_group`.
    fn expected() -> Vec<IpvsService> {
        [80, 443]
            .into_iter()
            .map(|port| IpvsService {
                service: "www".into(),
                protocol: "TCP",
                vip: "198.51.100.30".parse().unwrap(),
                port,
                scheduler: "wlc".into(),
                persistence: Some(600),
                checked: true,
                real_servers: vec![
                    ("shop1".into(), "192.0.2.21".parse().unwrap(), 1),
                    ("shop2".into(), "192.0.2.22".parse().unwrap(), 2),
                ],
                sorry_server: None,
                port_group: Some("shop_ipv4_tcp".into()),
            })
            .collect()
    }

    /// The group is the live firewall-mark service with its real servers
    /// (port 0), whatever mark keepalived chose; not drift.
    #[test]
    fn a_group_is_found_as_its_firewall_mark_service() {
        let table = parse_table(
            "-A -f 1000 -s wlc -p 600\n\
             -a -f 1000 -r 192.0.2.21:0 -g -w 1\n\
             -a -f 1000 -r 192.0.2.22:0 -g -w 2\n",
        );
        let checks = ipvs_checks(&expected(), &table, true);
        let subjects: Vec<(&str, Status)> = checks
            .iter()
            .map(|check| (check.subject.as_str(), check.status))
            .collect();
        assert_eq!(
            subjects,
            [
                ("FWM 1000 (shop_ipv4_tcp)", Status::Ok),
                ("FWM 1000 -> 192.0.2.21", Status::Ok),
                ("FWM 1000 -> 192.0.2.22", Status::Ok),
            ]
        );
    }

    /// A real server taken out is down; a missing group is one drift line;
    /// a wrong persistence is drift.
    #[test]
    fn a_group_down_missing_or_different_is_reported() {
        let table = parse_table("-A -f 1001 -s wlc -p 300\n-a -f 1001 -r 192.0.2.21:0 -g -w 1\n");
        let checks = ipvs_checks(&expected(), &table, true);
        assert_eq!(checks[0].status, Status::Drift, "{:?}", checks[0]);
        assert_eq!(checks[2].status, Status::Down, "{:?}", checks[2]);
        let checks = ipvs_checks(&expected(), &parse_table(""), false);
        assert_eq!(checks.len(), 1, "{checks:?}");
        assert_eq!(checks[0].subject, "FWM (shop_ipv4_tcp)");
        assert!(checks[0].found.contains("keepalived is not running"));
    }
}

#[cfg(test)]
mod group_tests {
    //! Each VRRP group's state on a director (golden/directors-groups: web
    //! mastered by lb1, api by lb2, both families in each).
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

#[cfg(test)]
mod backend_tests {
    use super::*;

    /// `ipvsadm -L -n --stats --exact` as ipvsadm 1.31 prints it: a TCP
    /// service, an IPv6 one, and IPv4 and IPv6 firewall-mark services.
    const STATS: &str = "\
IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  10.0.0.100:80                      12       60        0     4000        0
  -> 10.0.0.11:80                        7       35        0     2300        0
  -> 10.0.0.12:80                        5       25        0     1700        0
TCP  [2001:db8::100]:443                  1        6        0      400        0
  -> [2001:db8::11]:443                   1        6        0      400        0
FWM  1000                              123456789012        5        0      300        0
  -> 192.0.2.21:0                123456789012        5        0      300        0
FWM  1001 IPv6                           0        0        0        0        0
  -> [2001:db8::21]:0                      0        0        0        0        0
";

    #[test]
    fn connections_are_read_per_real_server() {
        let counters = parse_connections(STATS);
        let get = |service: &str, real: &str| {
            counters
                .get(&(service.to_owned(), real.parse().unwrap()))
                .copied()
        };
        assert_eq!(get("TCP 10.0.0.100:80", "10.0.0.11:80"), Some(7));
        assert_eq!(get("TCP 10.0.0.100:80", "10.0.0.12:80"), Some(5));
        assert_eq!(
            get("TCP [2001:db8::100]:443", "[2001:db8::11]:443"),
            Some(1)
        );
        assert_eq!(get("FWM 1000", "192.0.2.21:0"), Some(123_456_789_012));
        assert_eq!(get("FWM 1001", "[2001:db8::21]:0"), Some(0));
        assert_eq!(counters.len(), 5);
    }

    fn service(real_servers: &[(&str, &str, u32)]) -> IpvsService {
        IpvsService {
            service: "www".into(),
            protocol: "TCP",
            vip: "10.0.0.100".parse().unwrap(),
            port: 80,
            scheduler: "rr".into(),
            persistence: None,
            checked: true,
            real_servers: real_servers
                .iter()
                .map(|(host, address, weight)| ((*host).into(), address.parse().unwrap(), *weight))
                .collect(),
            sorry_server: None,
            port_group: None,
        }
    }

    /// Every real server of the inventory is a backend, in the table or
    /// not: down when its health check took it out, with its weight in the
    /// inventory (a drained one's 0) whatever the table holds.
    #[test]
    fn backends_say_weight_down_and_where_in_the_table() {
        let expected = [service(&[
            ("rs1", "10.0.0.11", 1),
            ("rs2", "10.0.0.12", 0),
            ("rs3", "10.0.0.13", 2),
        ])];
        let table = parse_table(
            "-A -t 10.0.0.100:80 -s rr\n\
             -a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 0\n\
             -a -t 10.0.0.100:80 -r 10.0.0.13:80 -g -w 5\n",
        );
        let (_, backends) = ipvs_report(&expected, &table, true);
        let summary: Vec<(&str, u32, bool, bool)> = backends
            .iter()
            .map(|b| (b.host.as_str(), b.weight, b.down, b.live.is_some()))
            .collect();
        assert_eq!(
            summary,
            [
                ("rs1", 1, true, false),
                ("rs2", 0, false, true),
                ("rs3", 2, false, true)
            ]
        );
        // keepalived stopped: the virtual server is gone, nothing is down.
        let (_, backends) = ipvs_report(&expected, &parse_table(""), false);
        assert!(backends.iter().all(|b| !b.down && b.live.is_none()));
        assert_eq!(backends.len(), 3);
        assert_eq!(backends[0].virtual_server, "TCP 10.0.0.100:80");
        assert_eq!(backends[0].remote, "10.0.0.11:80".parse().unwrap());
    }

    /// A port group's real servers are in its firewall-mark service, with
    /// the mark keepalived chose, at port 0.
    #[test]
    fn group_backends_carry_the_live_mark() {
        let mut group = service(&[("shop1", "192.0.2.21", 1), ("shop2", "192.0.2.22", 2)]);
        group.port_group = Some("shop_ipv4_tcp".into());
        let table = parse_table("-A -f 1000 -s wlc\n-a -f 1000 -r 192.0.2.21:0 -g -w 1\n");
        let (_, backends) = ipvs_report(&[group.clone()], &table, true);
        assert_eq!(backends.len(), 2);
        assert_eq!(backends[0].virtual_server, "FWM 1000 (shop_ipv4_tcp)");
        assert_eq!(
            (backends[0].protocol, backends[0].mark, backends[0].local),
            ("FWM", Some(1000), None)
        );
        assert_eq!(backends[0].remote, "192.0.2.21:0".parse().unwrap());
        assert_eq!(
            backends[0].live,
            Some(("FWM 1000".into(), "192.0.2.21:0".parse().unwrap()))
        );
        assert!(backends[1].down);
        let (_, backends) = ipvs_report(&[group], &parse_table(""), false);
        assert_eq!(backends[0].virtual_server, "FWM (shop_ipv4_tcp)");
        assert_eq!(backends[0].mark, None);
    }
}
