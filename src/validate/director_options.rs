//! The directors' finer options of a service and of VRRP: the sorry server,
//! `alpha`, the quorum and its hysteresis, one persistence across ports, the
//! notify scripts and the tracked interfaces. Each is checked against what
//! it depends on (a health check, a sorry server, the VIPs' families, the
//! hosts and directors), so that keepalived never gets an option that does
//! nothing or cannot work.

use std::net::IpAddr;

use super::model::{self, Host, Service};
use super::problems::Problems;
use crate::code::Code;
use crate::inventory;
use crate::yaml::InventoryPath;

/// A service's director options, checked on their own.
pub(super) struct ServiceOptions {
    pub sorry_servers: Vec<IpAddr>,
    pub alpha: bool,
    pub quorum: Option<u32>,
    pub hysteresis: Option<u32>,
    pub persistence_across_ports: bool,
}

/// The options of the service at `path` that need nothing but the service:
/// each depends on a health check, a sorry server or persistence that the
/// service must have, and a sorry server must match the VIPs' families.
pub(super) fn service_options(
    path: &InventoryPath,
    service: &inventory::Service,
    problems: &mut Problems,
) -> ServiceOptions {
    let checked = service.health_check.is_some();
    let sorry_servers = service
        .sorry_server
        .as_ref()
        .map_or_else(Vec::new, |addresses| addresses.get().clone());
    if !sorry_servers.is_empty() {
        if !checked {
            problems.add(
                Code::SorryServerWithoutHealthCheck,
                path.clone().key("sorry_server"),
                "without a health check no real server is ever taken out, so the sorry server \
                 would never answer: add a `health_check`, or remove `sorry_server`",
            );
        }
        check_sorry_families(path, service, &sorry_servers, problems);
    }
    if service.alpha == Some(true) && !checked {
        problems.add(
            Code::AlphaWithoutHealthCheck,
            path.clone().key("alpha"),
            "`alpha` keeps a real server out until its health check passes, and the service has \
             no health check: its real servers would never enter the pool. Add a \
             `health_check`, or remove `alpha`",
        );
    }
    check_quorum(path, service, sorry_servers.is_empty(), problems);
    let across = service.persistence_across_ports == Some(true);
    if across {
        check_persistence_across_ports(path, service, problems);
    }
    ServiceOptions {
        sorry_servers,
        alpha: service.alpha.unwrap_or(false),
        quorum: service.quorum.map(|quorum| quorum.get()),
        hysteresis: service.hysteresis.map(|hysteresis| hysteresis.get()),
        persistence_across_ports: across,
    }
}

/// One sorry server per VIP family, and none of a family without a VIP:
/// direct routing forwards a packet to an address of its own family only.
fn check_sorry_families(
    path: &InventoryPath,
    service: &inventory::Service,
    sorry_servers: &[IpAddr],
    problems: &mut Problems,
) {
    for ipv4 in [true, false] {
        let family = if ipv4 { "IPv4" } else { "IPv6" };
        let vip = service.vips.iter().find(|vip| vip.get().is_ipv4() == ipv4);
        let sorry = sorry_servers.iter().find(|sorry| sorry.is_ipv4() == ipv4);
        match (vip, sorry) {
            (Some(vip), None) => problems.add(
                Code::SorryServerFamily,
                path.clone().key("sorry_server"),
                format!(
                    "the service has the {family} VIP {}, and no {family} sorry server: direct \
                     routing forwards a VIP's packets to an address of the VIP's family only; \
                     add one, as in `sorry_server: [{}, {}]`",
                    vip.get(),
                    sorry_servers
                        .first()
                        .map_or_else(String::new, ToString::to_string),
                    if ipv4 { "192.0.2.50" } else { "2001:db8::50" }
                ),
            ),
            (None, Some(sorry)) => problems.add(
                Code::SorryServerFamily,
                path.clone().key("sorry_server"),
                format!(
                    "{sorry} is an {family} sorry server, and the service has no {family} VIP: \
                     remove it (direct routing forwards a VIP's packets to an address of the \
                     VIP's family only)"
                ),
            ),
            _ => {}
        }
    }
}

/// `quorum` and `hysteresis` act only with a sorry server (without one,
/// keepalived logs the loss of quorum and changes nothing), and the
/// hysteresis must stay below the quorum (keepalived would set it to 0).
fn check_quorum(
    path: &InventoryPath,
    service: &inventory::Service,
    no_sorry_server: bool,
    problems: &mut Problems,
) {
    let keys = [
        ("quorum", service.quorum.is_some()),
        ("hysteresis", service.hysteresis.is_some()),
    ];
    for (key, set) in keys {
        if set && no_sorry_server {
            problems.add(
                Code::QuorumWithoutSorryServer,
                path.clone().key(key),
                format!(
                    "`{key}` decides when the sorry server takes over, and the service has \
                     none: without one keepalived only logs the loss of quorum. Add a \
                     `sorry_server`, or remove `{key}`"
                ),
            );
        }
    }
    let quorum = service.quorum.map_or(1, |quorum| quorum.get());
    if let Some(hysteresis) = service.hysteresis.filter(|h| h.get() >= quorum) {
        problems.add(
            Code::QuorumUnreachable,
            path.clone().key("hysteresis"),
            format!(
                "hysteresis {} is not below the quorum {quorum}: the healthy weight could never \
                 fall below quorum minus hysteresis (keepalived would set it to 0); use 0 to {}",
                hysteresis.get(),
                quorum - 1
            ),
        );
    }
}

/// One persistence across ports needs persistence, and two ports of one
/// protocol for it to span.
fn check_persistence_across_ports(
    path: &InventoryPath,
    service: &inventory::Service,
    problems: &mut Problems,
) {
    let key = path.clone().key("persistence_across_ports");
    if service.persistence.is_none_or(|seconds| seconds.get() == 0) {
        problems.add(
            Code::PersistenceAcrossPortsUnusable,
            &key,
            "one persistence across ports needs persistence: add `persistence: 300` (seconds a \
             client stays on one real server), or remove `persistence_across_ports`",
        );
    }
    let protocols = |tcp: bool| {
        service
            .ports
            .iter()
            .filter(|port| (port.protocol() == crate::values::Protocol::Tcp) == tcp)
            .count()
    };
    if !service.ports.is_empty() && protocols(true) < 2 && protocols(false) < 2 {
        problems.add(
            Code::PersistenceAcrossPortsUnusable,
            key,
            "the service has no two ports of one protocol for a persistence to span (IPVS keeps \
             TCP and UDP apart): add a port, or remove `persistence_across_ports`",
        );
    }
}

/// A sorry server is forwarded to like a real server (direct routing, the
/// packet still addressed to the VIP), so it must not be a VIP, a
/// director, or a real server of its own service (down with the others
/// when it is needed); a host of the inventory must carry the service's
/// VIPs; and it must lie in the segment. The quorum must be reachable by
/// the real servers' total weight (keepalived would lower it).
pub(super) fn check_sorry_servers(
    raw: &inventory::Inventory,
    services: &[Service],
    hosts: &[Host],
    problems: &mut Problems,
) {
    let vips: Vec<IpAddr> = services
        .iter()
        .flat_map(|service| service.vips.iter().copied())
        .collect();
    for service in services {
        let path = InventoryPath::at("services")
            .key(&service.name)
            .key("sorry_server");
        for sorry in &service.sorry_servers {
            check_sorry_server(raw, hosts, &vips, service, *sorry, &path, problems);
        }
        check_quorum_reachable(service, hosts, problems);
    }
}

fn check_sorry_server(
    raw: &inventory::Inventory,
    hosts: &[Host],
    vips: &[IpAddr],
    service: &Service,
    sorry: IpAddr,
    path: &InventoryPath,
    problems: &mut Problems,
) {
    if vips.contains(&sorry) {
        problems.add(
            Code::SorryServerTaken,
            path,
            format!(
                "{sorry} is a VIP: the sorry server is a machine the directors forward to, with \
                 an address of its own"
            ),
        );
        return;
    }
    if let Some((name, _)) = raw
        .directors
        .0
        .iter()
        .find(|(_, director)| director.address.get().contains(&sorry))
    {
        problems.add(
            Code::SorryServerTaken,
            path,
            format!(
                "{sorry} is director {name}'s own address: the other directors would forward \
                 to it while it holds no VIP; use a machine on the segment that carries the \
                 VIPs as the real servers do"
            ),
        );
        return;
    }
    if let Some(host) = hosts.iter().find(|host| host.addresses.contains(&sorry)) {
        if host.services.contains(&service.name) {
            problems.add(
                Code::SorryServerTaken,
                path,
                format!(
                    "{sorry} is host {}, a real server of this service: when the sorry server \
                     is needed, its health check has failed too; use another machine",
                    host.name
                ),
            );
        } else if let Some(vip) = service.vips.iter().find(|vip| !host.vips.contains(vip)) {
            problems.add(
                Code::SorryServerWithoutVip,
                path,
                format!(
                    "{sorry} is host {}, which does not carry the VIP {vip}: direct routing \
                     hands it the packets addressed to the VIP, and it would drop them; add a \
                     service with the VIP to its `services`, or use another machine",
                    host.name
                ),
            );
        }
    }
    let outside = raw
        .segment
        .iter()
        .find(|segment| segment.get().addr().is_ipv4() == sorry.is_ipv4())
        .filter(|segment| !segment.get().contains(&sorry));
    if let Some(segment) = outside {
        problems.add(
            Code::AddressOutsideSegment,
            path,
            format!(
                "{sorry} is outside the segment {}: direct routing hands packets to the sorry \
                 server by MAC address, like to a real server",
                segment.get()
            ),
        );
    }
}

/// The quorum is at most the total weight of the service's real servers
/// (drained ones count 0); keepalived would lower it and warn.
fn check_quorum_reachable(service: &Service, hosts: &[Host], problems: &mut Problems) {
    let Some(quorum) = service.quorum else {
        return;
    };
    let total: u64 = hosts
        .iter()
        .filter(|host| host.services.contains(&service.name))
        .map(|host| u64::from(host.weight_in(&service.name)))
        .sum();
    if u64::from(quorum) > total {
        problems.add(
            Code::QuorumUnreachable,
            InventoryPath::at("services")
                .key(&service.name)
                .key("quorum"),
            format!(
                "quorum {quorum} is above the total weight {total} of the service's real \
                 servers (drained ones count 0), so the sorry server would answer even with \
                 every real server healthy (keepalived lowers it to {total}); use 1 to {total}"
            ),
        );
    }
}

/// A director's tracked interfaces: never its own `interface` (keepalived
/// tracks it already), each once.
pub(super) fn track_interfaces(
    name: &crate::values::HostName,
    director: &inventory::Director,
    problems: &mut Problems,
) -> Vec<String> {
    let mut tracked: Vec<String> = Vec::new();
    for (index, device) in director.track_interface.iter().enumerate() {
        let path = InventoryPath::at("directors")
            .key(name)
            .key("track_interface")
            .index(index);
        if device.get() == director.interface.get() {
            problems.add(
                Code::TrackInterfaceRepeated,
                path,
                format!(
                    "{} is the director's VRRP `interface`, which keepalived tracks already: \
                     remove it here",
                    device.get()
                ),
            );
        } else if tracked.contains(device.get()) {
            problems.add(
                Code::TrackInterfaceRepeated,
                path,
                format!("{} is listed twice: list each interface once", device.get()),
            );
        } else {
            tracked.push(device.get().clone());
        }
    }
    tracked
}

/// The notify scripts as keepalived names them.
pub(super) fn notify(notify: Option<&inventory::Notify>) -> model::VrrpNotify {
    let text = |path: &Option<crate::values::ScriptPath>| path.as_ref().map(|p| p.get().clone());
    match notify {
        None => model::VrrpNotify::default(),
        Some(inventory::Notify::Every(path)) => model::VrrpNotify {
            every: Some(path.get().clone()),
            ..model::VrrpNotify::default()
        },
        Some(inventory::Notify::PerState(scripts)) => model::VrrpNotify {
            every: None,
            master: text(&scripts.master),
            backup: text(&scripts.backup),
            fault: text(&scripts.fault),
        },
    }
}
