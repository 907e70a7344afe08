//! A director's IPVS table against the one its rendered keepalived.conf
//! makes: each virtual server, its real servers (a real server missing
//! because its health check failed is down, not drift), port groups by
//! firewall mark and sorry servers; and the real servers as the Prometheus
//! output describes them ([`Backend`]).

use std::net::{IpAddr, SocketAddr};

use super::check::{Check, Status};
use super::ipvs_table::{
    key, parse_connections, parse_table, ServiceKey, Table, FWMARK, KEEPALIVED,
};
use crate::live::LiveState;
use crate::machine::DirectorSetup;
use crate::render::IpvsService;

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
pub(super) fn ipvs_checks(
    expected: &[IpvsService],
    table: &Table,
    keepalived_running: bool,
) -> Vec<Check> {
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

#[cfg(test)]
mod tests {
    mod sorry_server {
        use super::super::*;

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

    mod port_group {
        use super::super::*;

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
            let table =
                parse_table("-A -f 1001 -s wlc -p 300\n-a -f 1001 -r 192.0.2.21:0 -g -w 1\n");
            let checks = ipvs_checks(&expected(), &table, true);
            assert_eq!(checks[0].status, Status::Drift, "{:?}", checks[0]);
            assert_eq!(checks[2].status, Status::Down, "{:?}", checks[2]);
            let checks = ipvs_checks(&expected(), &parse_table(""), false);
            assert_eq!(checks.len(), 1, "{checks:?}");
            assert_eq!(checks[0].subject, "FWM (shop_ipv4_tcp)");
            assert!(checks[0].found.contains("keepalived is not running"));
        }
    }

    mod backend {
        use super::super::*;

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
                    .map(|(host, address, weight)| {
                        ((*host).into(), address.parse().unwrap(), *weight)
                    })
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
}
