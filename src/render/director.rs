//! What a director's keepalived.conf template sees, built from the model:
//! the VRRP instances (one per address family) and one virtual server per
//! VIP and port, with a real server for every host of the service, the
//! connection sync daemon and the unicast peers. The same context renders
//! the director's IPVS kernel parameters and module list. Also the check
//! that a rendered configuration uses no keyword keepalived refuses.

use std::net::IpAddr;

use serde::Serialize;

use crate::model::{Director, HealthCheck, Host, Inventory, Service, Vrrp};
use crate::values::{CheckKind, Scheduler};

/// keepalived keywords that keepalived 2.2 reports as deprecated, and what
/// replaces each; `keepalived -t` fails on a configuration that has one.
const DEPRECATED_KEYWORDS: [(&str, &str); 7] = [
    ("nb_get_retry", "retry"),
    ("lvs_process_name", "checker_process_name"),
    ("vrrp_vmac_garp_intvl", "vrrp_garp_extra_if"),
    ("vmac_garp_intvl", "garp_extra_if"),
    ("vrrp_track_file", "track_file"),
    ("linkbeat_use_polling", "linkbeat_interfaces"),
    (
        "lvs_sync_daemon_interface",
        "lvs_sync_daemon in global_defs",
    ),
];

/// The first deprecated keepalived keyword in a rendered configuration, as
/// (line number, keyword, replacement).
pub fn deprecated_keyword(config: &str) -> Option<(usize, &'static str, &'static str)> {
    config.lines().enumerate().find_map(|(index, line)| {
        let word = line.split_whitespace().next()?;
        DEPRECATED_KEYWORDS
            .iter()
            .find(|(keyword, _)| *keyword == word)
            .map(|(keyword, replacement)| (index + 1, *keyword, *replacement))
    })
}

/// The IPv6 multicast group of the connection sync daemon when it follows
/// the IPv6 instance: the link-local scope counterpart of the kernel's IPv4
/// default 224.0.0.81 (the kernel has no IPv6 default).
pub const SYNC_GROUP_IPV6: &str = "ff02::81";

/// The template context of one director; field names are the template API.
#[derive(Serialize)]
pub struct DirectorContext<'a> {
    source: &'a str,
    director: &'a Director,
    vrrp: &'a Vrrp,
    instances: Vec<Instance>,
    /// The connection sync daemon, when `vrrp.sync_connections`.
    sync_daemon: Option<SyncDaemon>,
    virtual_servers: Vec<VirtualServer<'a>>,
    /// The absolute paths of the director's kernel files, for comments.
    paths: DirectorPaths,
}

/// A VRRP instance: the VIPs of one address family.
#[derive(Serialize)]
struct Instance {
    name: &'static str,
    prefix: u8,
    vips: Vec<IpAddr>,
    /// VRRP version 2 (IPv4) only: version 3 has no authentication.
    password: Option<String>,
    /// The unicast addresses, when `vrrp.unicast`.
    unicast: Option<Unicast>,
}

/// Unicast VRRP of one instance: this director's address of the
/// instance's family, and every other director's.
#[derive(Serialize)]
struct Unicast {
    source: IpAddr,
    peers: Vec<IpAddr>,
}

/// keepalived's `lvs_sync_daemon`: on the director's interface, master or
/// backup with the state of `instance` (the IPv4 one when there is one; the
/// sync group moves both together), with the virtual router id as sync id
/// so that clusters on one segment ignore each other's messages.
#[derive(Serialize)]
struct SyncDaemon {
    interface: String,
    instance: &'static str,
    id: u32,
    /// The multicast group when not the kernel's default (224.0.0.81).
    group: Option<&'static str>,
}

/// Where the director's kernel files are, as absolute paths.
#[derive(Serialize)]
struct DirectorPaths {
    sysctl: String,
    modules: String,
}

/// One `virtual_server`: a VIP and port of a service.
#[derive(Serialize)]
struct VirtualServer<'a> {
    service: &'a str,
    vip: IpAddr,
    port: u16,
    protocol: &'static str,
    scheduler: Scheduler,
    persistence: Option<u32>,
    check: Option<Check<'a>>,
    real_servers: Vec<RealServer<'a>>,
}

/// A real server of a virtual server: a host's address of the VIP's family.
#[derive(Serialize)]
struct RealServer<'a> {
    host: &'a str,
    address: IpAddr,
    weight: u32,
}

/// The health check of one virtual server as keepalived writes it.
#[derive(Serialize)]
struct Check<'a> {
    /// `HTTP_GET`, `SSL_GET` or `TCP_CHECK`.
    checker: &'static str,
    /// The page fetched (`HTTP_GET`, `SSL_GET`); `None` for `TCP_CHECK`.
    path: Option<&'a str>,
    expect: Option<&'a str>,
    digest: Option<String>,
    status_code: Option<u32>,
    port: Option<u32>,
    interval: u32,
    connect_timeout: u32,
    retry: u32,
    delay_before_retry: u32,
}

impl<'a> DirectorContext<'a> {
    /// The context of `director`; `vrrp` is the inventory's VRRP settings.
    pub fn new(inventory: &'a Inventory, director: &'a Director, vrrp: &'a Vrrp) -> Self {
        let all_vips: Vec<IpAddr> = unique_vips(&inventory.services);
        let families = [
            ("lvs_dr_ipv4", true, 32, vrrp.password.clone()),
            ("lvs_dr_ipv6", false, 128, None),
        ];
        let instances = families
            .into_iter()
            .map(|(name, ipv4, prefix, password)| Instance {
                name,
                prefix,
                vips: all_vips
                    .iter()
                    .filter(|vip| vip.is_ipv4() == ipv4)
                    .copied()
                    .collect(),
                password,
                unicast: vrrp
                    .unicast
                    .then(|| unicast(&inventory.directors, director, ipv4))
                    .flatten(),
            })
            .filter(|instance| !instance.vips.is_empty())
            .collect::<Vec<_>>();
        let sync_daemon = instances
            .first()
            .filter(|_| vrrp.sync_connections)
            .map(|instance| SyncDaemon {
                interface: director.interface.clone(),
                instance: instance.name,
                id: vrrp.virtual_router_id,
                group: (instance.prefix == 128).then_some(SYNC_GROUP_IPV6),
            });
        let absolute = |path: &std::path::Path| format!("/{}", path.display());
        DirectorContext {
            source: &inventory.source_name,
            director,
            vrrp,
            instances,
            sync_daemon,
            virtual_servers: virtual_servers(&inventory.services, &inventory.hosts),
            paths: DirectorPaths {
                sysctl: absolute(&director.sysctl_path),
                modules: absolute(&director.modules_path),
            },
        }
    }
}

/// The unicast addresses of `director`'s instance of the family `ipv4`
/// (validation gave every director an address of each VIP's family).
fn unicast(directors: &[Director], director: &Director, ipv4: bool) -> Option<Unicast> {
    let of_family = |candidate: &Director| {
        candidate
            .addresses
            .iter()
            .find(|address| address.is_ipv4() == ipv4)
            .copied()
    };
    Some(Unicast {
        source: of_family(director)?,
        peers: directors
            .iter()
            .filter(|other| other.name != director.name)
            .filter_map(of_family)
            .collect(),
    })
}

/// A virtual server as the rendered keepalived.conf has keepalived put it
/// in the IPVS table (direct routing), for `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsService {
    /// `TCP` or `UDP`.
    pub protocol: &'static str,
    /// The VIP.
    pub vip: IpAddr,
    /// The port, also the real servers' port.
    pub port: u16,
    /// The scheduler's name, such as `wlc`.
    pub scheduler: String,
    /// Client persistence in seconds, when set.
    pub persistence: Option<u32>,
    /// Whether keepalived health-checks the real servers (and so takes a
    /// failing one out of the table).
    pub checked: bool,
    /// The real servers: host name, address, weight.
    pub real_servers: Vec<(String, IpAddr, u32)>,
}

/// The IPVS table that the rendered keepalived.conf makes: the same virtual
/// servers as the template's context.
pub fn ipvs_services(inventory: &Inventory) -> Vec<IpvsService> {
    virtual_servers(&inventory.services, &inventory.hosts)
        .into_iter()
        .map(|server| IpvsService {
            protocol: server.protocol,
            vip: server.vip,
            port: server.port,
            scheduler: serde_json::to_value(server.scheduler)
                .ok()
                .and_then(|name| name.as_str().map(str::to_owned))
                .unwrap_or_default(),
            persistence: server.persistence,
            checked: server.check.is_some(),
            real_servers: server
                .real_servers
                .iter()
                .map(|real| (real.host.to_owned(), real.address, real.weight))
                .collect(),
        })
        .collect()
}

/// Every VIP of every service, each once, in inventory order.
pub fn unique_vips(services: &[Service]) -> Vec<IpAddr> {
    let mut vips: Vec<IpAddr> = Vec::new();
    for vip in services.iter().flat_map(|service| &service.vips) {
        if !vips.contains(vip) {
            vips.push(*vip);
        }
    }
    vips
}

fn virtual_servers<'a>(services: &'a [Service], hosts: &'a [Host]) -> Vec<VirtualServer<'a>> {
    let mut servers = Vec::new();
    for service in services {
        let members: Vec<&Host> = hosts
            .iter()
            .filter(|host| host.services.contains(&service.name))
            .collect();
        for vip in &service.vips {
            for port in &service.ports {
                servers.push(VirtualServer {
                    service: &service.name,
                    vip: *vip,
                    port: port.port,
                    protocol: match port.protocol {
                        crate::values::Protocol::Tcp => "TCP",
                        crate::values::Protocol::Udp => "UDP",
                    },
                    scheduler: service.scheduler,
                    persistence: service.persistence.filter(|seconds| *seconds > 0),
                    check: service
                        .health_check
                        .as_ref()
                        .map(|check| Check::new(check, check.kind(*port))),
                    real_servers: real_servers(&members, &service.name, *vip),
                });
            }
        }
    }
    servers
}

/// The hosts' addresses of the VIP's family (validation made sure each
/// host of the service has one).
fn real_servers<'a>(members: &[&'a Host], service: &str, vip: IpAddr) -> Vec<RealServer<'a>> {
    members
        .iter()
        .filter_map(|host| {
            let address = host
                .addresses
                .iter()
                .find(|address| address.is_ipv4() == vip.is_ipv4())?;
            Some(RealServer {
                host: &host.name,
                address: *address,
                weight: host.weight_in(service),
            })
        })
        .collect()
}

impl<'a> Check<'a> {
    /// The check of a virtual server whose port has a check of `kind`.
    fn new(check: &'a HealthCheck, kind: CheckKind) -> Self {
        let page = kind.fetches_page();
        let expect = check.expect.as_deref().filter(|_| page);
        Check {
            checker: match kind {
                CheckKind::Http => "HTTP_GET",
                CheckKind::Https => "SSL_GET",
                CheckKind::Tcp => "TCP_CHECK",
            },
            path: check.path.as_deref().filter(|_| page),
            expect,
            digest: expect.map(body_digest),
            status_code: check.status_code.filter(|_| page),
            port: check.port,
            interval: check.interval,
            connect_timeout: check.connect_timeout,
            retry: check.retry,
            delay_before_retry: check.delay_before_retry,
        }
    }
}

/// keepalived's `digest`: the MD5 of the HTTP response body, the bytes after
/// the blank line that ends the headers, as `keepalived --genhash` prints
/// it. These are the UTF-8 bytes of `expect` and nothing else, so a page
/// that prints a trailing newline (`echo "running\n"`) has another digest.
pub fn body_digest(body: &str) -> String {
    format!("{:x}", md5::compute(body.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_the_md5_of_the_exact_body() {
        // printf running | md5sum
        assert_eq!(body_digest("running"), "75101dcdfc88455bcafc9e53e0b06689");
        // printf 'running\n' | md5sum
        assert_eq!(body_digest("running\n"), "f26dcfbe6386c21aac6c61d369d0c4f1");
    }

    #[test]
    fn deprecated_keywords_are_found_by_line() {
        let config = "virtual_server 10.0.0.1 80 {\n    nb_get_retry 3\n}\n";
        assert_eq!(
            deprecated_keyword(config),
            Some((2, "nb_get_retry", "retry"))
        );
        assert_eq!(deprecated_keyword("    retry 3\n# nb_get_retry\n"), None);
    }
}
