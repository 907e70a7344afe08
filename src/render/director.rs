//! What a director's keepalived.conf template sees, built from the model:
//! the VRRP groups with their instances (one per address family, each
//! group's in a sync group) and one virtual server per
//! VIP and port, with a real server for every host of the service, the
//! connection sync daemon and the unicast peers. The same context renders
//! the director's IPVS kernel parameters and module list. Also the check
//! that a rendered configuration uses no keyword keepalived refuses.

use std::net::IpAddr;

use serde::Serialize;

use crate::validate::model::{
    Director, HealthCheck, Host, Inventory, Service, Vrrp, VrrpGroup, VrrpNotify,
};
use crate::values::{CheckKind, PortSpec, Scheduler};

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
    /// The VRRP groups, each with its instances (`lvs_dr` alone without
    /// named groups).
    vrrp_groups: Vec<GroupContext>,
    /// Every group's instances, in order (the one group's, without named
    /// groups).
    instances: Vec<Instance>,
    /// The connection sync daemon, when `vrrp.sync_connections`.
    sync_daemon: Option<SyncDaemon>,
    virtual_servers: Vec<VirtualServer<'a>>,
    /// The scripts run on VRRP state changes (`notify` alone, or per state).
    notify: &'a VrrpNotify,
    /// Whether any notify script is set: keepalived then needs
    /// `enable_script_security` and a `script_user`.
    script_security: bool,
    /// Whether a virtual server balances a group of ports by firewall mark
    /// (keepalived's `nftables_ipvs` sets the marks).
    nftables_ipvs: bool,
    /// The absolute paths of the director's kernel files, for comments.
    paths: DirectorPaths,
}

/// A VRRP group as keepalived.conf has it: a sync group of its instances
/// when it has two (IPv4 and IPv6), or its one instance.
#[derive(Serialize)]
struct GroupContext {
    name: String,
    /// Whether the inventory names it (`vrrp.groups`), rather than it
    /// holding every VIP of an inventory without groups.
    named: bool,
    /// The director with its highest priority.
    master: String,
    /// This director's priority in it.
    priority: u32,
    /// Its services, for a comment.
    services: Vec<String>,
    instances: Vec<Instance>,
}

/// A VRRP instance: the VIPs of one address family of one group.
#[derive(Clone, Serialize)]
struct Instance {
    name: String,
    /// Its group's name.
    group: String,
    /// `MASTER` or `BACKUP`: the state keepalived starts it in.
    state: &'static str,
    virtual_router_id: u32,
    /// This director's priority in the group.
    priority: u32,
    /// Seconds a returning director waits before it takes the group back.
    preempt_delay: Option<u32>,
    prefix: u8,
    vips: Vec<IpAddr>,
    /// VRRP version 2 (IPv4) only: version 3 has no authentication.
    password: Option<String>,
    /// The unicast addresses, when `vrrp.unicast`.
    unicast: Option<Unicast>,
}

/// Unicast VRRP of one instance: this director's address of the
/// instance's family, and every other director's.
#[derive(Clone, Serialize)]
struct Unicast {
    source: IpAddr,
    peers: Vec<IpAddr>,
}

/// keepalived's `lvs_sync_daemon`: on the director's interface, with the
/// sync id (the lowest virtual router id) so that clusters on one segment
/// ignore each other's messages. Without named groups it is master or
/// backup with the state of `instance` (the IPv4 one when there is one; the
/// sync group moves both together); with them it has no instance, and
/// keepalived runs the master and the backup daemon at once.
#[derive(Serialize)]
struct SyncDaemon {
    interface: String,
    instance: Option<String>,
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

/// One `virtual_server`: a VIP and port of a service, or with
/// `persistence_across_ports` a group of them (one IPVS service by
/// firewall mark, so that one persistence spans the ports).
#[derive(Serialize)]
struct VirtualServer<'a> {
    service: &'a str,
    vip: IpAddr,
    /// The balanced port; with a group, its first port.
    port: u16,
    protocol: &'static str,
    scheduler: Scheduler,
    persistence: Option<u32>,
    /// The check of `port` (the first of `checks`).
    check: Option<Check<'a>>,
    /// Every check of a real server: one, or one per port of a group.
    checks: Vec<Check<'a>>,
    real_servers: Vec<RealServer<'a>>,
    /// The `virtual_server_group` balanced as one, when the service's
    /// persistence spans its ports.
    group: Option<PortGroup>,
    /// The sorry server of the VIP's family.
    sorry_server: Option<IpAddr>,
    alpha: bool,
    quorum: Option<u32>,
    hysteresis: Option<u32>,
    /// The VIP-aware checks every real server with an agent gets, one per
    /// VIP the virtual server balances (with a group, each VIP of its
    /// family: IPVS sends a real server the packets of all of them).
    agent: Option<AgentChecks>,
}

/// The agent's `HTTP_GET`s of a virtual server: `GET /vip/<VIP>` for each
/// VIP, status 200, on the service's check timing (or the defaults).
/// keepalived takes a real server out as soon as one of its checkers
/// fails and puts it back when all pass (check/ipwrapper.c,
/// `update_svr_checker_state`), so these add to the service's own check.
#[derive(Clone, Serialize)]
struct AgentChecks {
    vips: Vec<IpAddr>,
    interval: u32,
    connect_timeout: u32,
    retry: u32,
    delay_before_retry: u32,
}

impl AgentChecks {
    /// The agent's checks of `vips`, timed as `service`'s check.
    fn new(service: &Service, vips: Vec<IpAddr>) -> Self {
        use crate::validate::{
            DEFAULT_CHECK_INTERVAL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DELAY_BEFORE_RETRY,
            DEFAULT_RETRY,
        };
        let check = service.health_check.as_ref();
        AgentChecks {
            vips,
            interval: check.map_or(DEFAULT_CHECK_INTERVAL, |check| check.interval),
            connect_timeout: check.map_or(DEFAULT_CONNECT_TIMEOUT, |check| check.connect_timeout),
            retry: check.map_or(DEFAULT_RETRY, |check| check.retry),
            delay_before_retry: check
                .map_or(DEFAULT_DELAY_BEFORE_RETRY, |check| check.delay_before_retry),
        }
    }
}

/// A `virtual_server_group`: a service's VIPs of one family and its ports
/// of one protocol.
#[derive(Serialize)]
struct PortGroup {
    name: String,
    members: Vec<(IpAddr, u16)>,
}

/// A real server of a virtual server: a host's address of the VIP's family.
#[derive(Serialize)]
struct RealServer<'a> {
    host: &'a str,
    address: IpAddr,
    weight: u32,
    /// The port of its VIP-aware health agent, when the inventory has one.
    agent_port: Option<u16>,
}

/// The health check of one virtual server as keepalived writes it.
#[derive(Clone, Serialize)]
struct Check<'a> {
    /// `HTTP_GET`, `SSL_GET`, `TCP_CHECK`, `UDP_CHECK` or `DNS_CHECK`.
    checker: &'static str,
    /// The page fetched (`HTTP_GET`, `SSL_GET`); `None` for the others.
    path: Option<&'a str>,
    expect: Option<&'a str>,
    digest: Option<String>,
    status_code: Option<u32>,
    port: Option<u32>,
    /// `UDP_CHECK`'s datagram (`payload`), as hex; keepalived's own when `None`.
    payload: Option<&'a str>,
    /// `UDP_CHECK`'s needed answer (`require_reply`): the hex it starts
    /// with, and how long it is at least (keepalived compares only the
    /// bytes an answer has, so a shorter one must be refused by length).
    reply: Option<Reply<'a>>,
    /// `DNS_CHECK`'s question.
    query: Option<Question<'a>>,
    interval: u32,
    connect_timeout: u32,
    retry: u32,
    delay_before_retry: u32,
}

/// What a `DNS_CHECK` asks each real server.
#[derive(Clone, Serialize)]
struct Question<'a> {
    /// keepalived's `name`, such as `www.example.org`.
    name: &'a str,
    /// keepalived's `type`, such as `A`.
    record: &'static str,
}

/// What a `UDP_CHECK` needs its answer to be.
#[derive(Clone, Serialize)]
struct Reply<'a> {
    /// The hex the answer starts with (`x`: any digit).
    hex: &'a str,
    /// The answer's least length: the bytes `hex` stands for.
    min_length: usize,
    /// The answer's greatest length: the largest UDP payload (keepalived's
    /// own default, 255, would fail any longer answer, such as most DNS
    /// answers).
    max_length: u32,
}

/// The largest answer a UDP check takes (keepalived's `max_reply_length`
/// goes up to 65535).
const MAX_REPLY_LENGTH: u32 = 65535;

impl<'a> DirectorContext<'a> {
    /// The context of `director`; `vrrp` is the inventory's VRRP settings.
    pub fn new(inventory: &'a Inventory, director: &'a Director, vrrp: &'a Vrrp) -> Self {
        let vrrp_groups: Vec<GroupContext> = vrrp
            .groups
            .iter()
            .map(|group| group_context(inventory, director, vrrp, group))
            .filter(|group| !group.instances.is_empty())
            .collect();
        let instances: Vec<Instance> = vrrp_groups
            .iter()
            .flat_map(|group| group.instances.iter().cloned())
            .collect();
        let sync_daemon = instances
            .first()
            .filter(|_| vrrp.sync_connections)
            .map(|instance| SyncDaemon {
                interface: director.interface.clone(),
                instance: (!vrrp.named_groups).then(|| instance.name.clone()),
                id: vrrp.sync_id().unwrap_or_default(),
                group: instances
                    .iter()
                    .all(|instance| instance.prefix == 128)
                    .then_some(SYNC_GROUP_IPV6),
            });
        let absolute = |path: &std::path::Path| format!("/{}", path.display());
        let virtual_servers = virtual_servers(&inventory.services, &inventory.hosts);
        DirectorContext {
            notify: &vrrp.notify,
            script_security: vrrp.notify.any(),
            nftables_ipvs: virtual_servers.iter().any(|server| server.group.is_some()),
            source: &inventory.source_name,
            director,
            vrrp,
            vrrp_groups,
            instances,
            sync_daemon,
            virtual_servers,
            paths: DirectorPaths {
                sysctl: absolute(&director.sysctl_path),
                modules: absolute(&director.modules_path),
            },
        }
    }
}

/// The instances of `group` on `director`: one per address family with
/// VIPs, IPv4 first, named `GROUP_ipv4` and `GROUP_ipv6`.
fn group_context(
    inventory: &Inventory,
    director: &Director,
    vrrp: &Vrrp,
    group: &VrrpGroup,
) -> GroupContext {
    let master = group.master().unwrap_or_default().to_owned();
    let priority = group
        .priority_of(&director.name)
        .unwrap_or(director.priority);
    // With a preempt delay every instance starts as BACKUP (keepalived
    // refuses the delay on a MASTER one).
    let state = if vrrp.preempt_delay.is_none() && master == director.name {
        "MASTER"
    } else {
        "BACKUP"
    };
    let families = [
        ("ipv4", true, 32, vrrp.password.clone()),
        ("ipv6", false, 128, None),
    ];
    let instances = families
        .into_iter()
        .map(|(family, ipv4, prefix, password)| Instance {
            name: format!("{}_{family}", group.name),
            group: group.name.clone(),
            state,
            virtual_router_id: group.virtual_router_id,
            priority,
            preempt_delay: vrrp.preempt_delay,
            prefix,
            vips: group
                .vips
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
        .collect();
    GroupContext {
        name: group.name.clone(),
        named: vrrp.named_groups,
        master,
        priority,
        services: group.services.clone(),
        instances,
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
    /// The inventory's service it balances.
    pub service: String,
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
    /// The sorry server keepalived puts in the table, alone, when the
    /// healthy real servers' weight falls below the quorum.
    pub sorry_server: Option<IpAddr>,
    /// The `virtual_server_group` this VIP and port belong to, when
    /// keepalived balances them as one firewall-mark service with the
    /// service's other ports of the protocol (`persistence_across_ports`).
    pub port_group: Option<String>,
}

/// The IPVS table that the rendered keepalived.conf makes: the same virtual
/// servers as the template's context.
///
/// A service whose persistence spans its ports is listed here port by port
/// too, each with its `port_group`: keepalived balances the group as one
/// service by firewall mark, and `verify` looks for that.
pub fn ipvs_services(inventory: &Inventory) -> Vec<IpvsService> {
    per_port_servers_of(&inventory.services, &inventory.hosts)
        .into_iter()
        .map(|server| IpvsService {
            service: server.service.to_owned(),
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
            sorry_server: server.sorry_server,
            port_group: port_group(
                &inventory.services,
                server.service,
                server.vip,
                server.protocol,
            ),
        })
        .collect()
}

/// The group that balances `service`'s ports of `protocol` (`TCP`, `UDP`)
/// on VIPs of `vip`'s family as one firewall-mark service: with
/// `persistence_across_ports` and two or more of them.
fn port_group(services: &[Service], service: &str, vip: IpAddr, protocol: &str) -> Option<String> {
    let service = services
        .iter()
        .find(|candidate| candidate.name == service)?;
    let ports = service
        .ports
        .iter()
        .filter(|port| port.protocol().name().eq_ignore_ascii_case(protocol))
        .count();
    (service.persistence_across_ports && ports >= 2)
        .then(|| group_name(&service.name, vip.is_ipv4(), &protocol.to_ascii_lowercase()))
}

/// The name of a `virtual_server_group`: service, family, protocol.
fn group_name(service: &str, ipv4: bool, protocol: &str) -> String {
    format!(
        "{service}_{}_{protocol}",
        if ipv4 { "ipv4" } else { "ipv6" }
    )
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

/// The virtual servers of keepalived.conf: one per VIP and port, or, where
/// a service's persistence spans its ports, one per family and protocol
/// over a group of its VIPs and ports.
fn virtual_servers<'a>(services: &'a [Service], hosts: &'a [Host]) -> Vec<VirtualServer<'a>> {
    let mut servers = Vec::new();
    for service in services {
        if service.persistence_across_ports {
            servers.extend(grouped_servers(service, hosts));
        } else {
            servers.extend(per_port_servers(service, hosts));
        }
    }
    servers
}

/// The virtual servers of each VIP and port of the service, in order.
fn per_port_servers<'a>(service: &'a Service, hosts: &'a [Host]) -> Vec<VirtualServer<'a>> {
    per_port_servers_of(std::slice::from_ref(service), hosts)
}

/// One virtual server per family and protocol over a `virtual_server_group`
/// of the service's VIPs and ports; a protocol with a single port (or a
/// family without a VIP) has none of its own here but one per port.
fn grouped_servers<'a>(service: &'a Service, hosts: &'a [Host]) -> Vec<VirtualServer<'a>> {
    let members: Vec<&Host> = hosts
        .iter()
        .filter(|host| host.services.contains(&service.name))
        .collect();
    let mut servers = Vec::new();
    for ipv4 in [true, false] {
        let vips: Vec<IpAddr> = service
            .vips
            .iter()
            .filter(|vip| vip.is_ipv4() == ipv4)
            .copied()
            .collect();
        let Some(first_vip) = vips.first().copied() else {
            continue;
        };
        for protocol in [crate::values::Protocol::Tcp, crate::values::Protocol::Udp] {
            let ports: Vec<PortSpec> = service
                .ports
                .iter()
                .filter(|port| port.protocol() == protocol)
                .copied()
                .collect();
            match ports.as_slice() {
                [] => {}
                [port] => servers.extend(
                    vips.iter()
                        .map(|vip| one_virtual_server(service, &members, *vip, *port)),
                ),
                [first, ..] => {
                    let mut server = one_virtual_server(service, &members, first_vip, *first);
                    server.checks = group_checks(service, &ports);
                    if let Some(agent) = &mut server.agent {
                        agent.vips.clone_from(&vips);
                    }
                    server.group = Some(PortGroup {
                        name: group_name(&service.name, ipv4, protocol.name()),
                        members: vips
                            .iter()
                            .flat_map(|vip| ports.iter().map(move |port| (*vip, port.port())))
                            .collect(),
                    });
                    servers.push(server);
                }
            }
        }
    }
    servers
}

/// The checks of a real server of a group: one per port, each on its port
/// (or the check's own), the same one once.
fn group_checks<'a>(service: &'a Service, ports: &[PortSpec]) -> Vec<Check<'a>> {
    let Some(check) = &service.health_check else {
        return Vec::new();
    };
    let mut checks: Vec<Check<'a>> = Vec::new();
    for port in ports {
        let mut one = Check::new(check, check.kind(*port));
        one.port = Some(check.port.unwrap_or(u32::from(port.port())));
        if !checks
            .iter()
            .any(|seen| seen.checker == one.checker && seen.port == one.port)
        {
            checks.push(one);
        }
    }
    checks
}

/// The virtual server of one VIP and port of the service.
fn one_virtual_server<'a>(
    service: &'a Service,
    members: &[&'a Host],
    vip: IpAddr,
    port: PortSpec,
) -> VirtualServer<'a> {
    let check = service
        .health_check
        .as_ref()
        .map(|check| Check::new(check, check.kind(port)));
    VirtualServer {
        service: &service.name,
        vip,
        port: port.port(),
        protocol: match port.protocol() {
            crate::values::Protocol::Tcp => "TCP",
            crate::values::Protocol::Udp => "UDP",
        },
        scheduler: service.scheduler,
        persistence: service.persistence.filter(|seconds| *seconds > 0),
        checks: check.iter().cloned().collect(),
        check,
        real_servers: real_servers(members, &service.name, vip),
        group: None,
        sorry_server: service
            .sorry_servers
            .iter()
            .find(|sorry| sorry.is_ipv4() == vip.is_ipv4())
            .copied(),
        alpha: service.alpha,
        quorum: service.quorum,
        hysteresis: service.hysteresis,
        agent: members
            .iter()
            .any(|host| host.agent_port.is_some())
            .then(|| AgentChecks::new(service, vec![vip])),
    }
}

/// The virtual servers of each VIP and port of `services`, in order.
fn per_port_servers_of<'a>(services: &'a [Service], hosts: &'a [Host]) -> Vec<VirtualServer<'a>> {
    let mut servers = Vec::new();
    for service in services {
        let members: Vec<&Host> = hosts
            .iter()
            .filter(|host| host.services.contains(&service.name))
            .collect();
        for vip in &service.vips {
            for port in &service.ports {
                servers.push(one_virtual_server(service, &members, *vip, *port));
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
                agent_port: host.agent_port,
            })
        })
        .collect()
}

impl<'a> Check<'a> {
    /// The check of a virtual server whose port has a check of `kind`.
    fn new(check: &'a HealthCheck, kind: CheckKind) -> Self {
        let page = kind.fetches_page();
        let expect = check.expect.as_deref().filter(|_| page);
        let udp = kind == CheckKind::Udp;
        Check {
            checker: match kind {
                CheckKind::Http => "HTTP_GET",
                CheckKind::Https => "SSL_GET",
                CheckKind::Tcp => "TCP_CHECK",
                CheckKind::Udp => "UDP_CHECK",
                CheckKind::Dns => "DNS_CHECK",
            },
            path: check.path.as_deref().filter(|_| page),
            expect,
            digest: expect.map(body_digest),
            status_code: check.status_code.filter(|_| page),
            port: check.port,
            payload: check.send.as_deref().filter(|_| udp),
            reply: check.reply.as_deref().filter(|_| udp).map(|hex| Reply {
                hex,
                min_length: hex.len() / 2,
                max_length: MAX_REPLY_LENGTH,
            }),
            query: check
                .query
                .as_ref()
                .filter(|_| kind == CheckKind::Dns)
                .map(|(name, record)| Question {
                    name,
                    record: record.name(),
                }),
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
