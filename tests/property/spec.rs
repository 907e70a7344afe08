//! Generated inventories, valid by construction: proptest draws raw choices
//! (how many hosts, services, VIPs, directors; which names, styles,
//! interfaces, paths, sysctl extras, health checks, weights...), and
//! `build` turns them into an inventory that follows every rule of the
//! inventory reference, doc/inventory.md (unique names and addresses, families that
//! match, labels that fit, paths the consumers read, ...). `to_node` gives
//! its YAML tree.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::yaml::{map, number, text, Key, Kind, Node, Scalar};

/// Bases of host names; an index makes each one unique. None ends with a
/// digit, and none starts like a director's name.
const HOST_BASES: [&str; 7] = ["web", "rs", "Web-", "app.dc1.example", "x", "srv-a.b", "h"];
/// Bases of director names.
const DIRECTOR_BASES: [&str; 3] = ["lb", "LVS-", "director.dc1.example"];
/// Bases of service names (the empty one gives a name of digits only).
const SERVICE_BASES: [&str; 6] = ["www", "dns_", "API", "a.b-c", "s", ""];
/// Interfaces that carry the VIPs.
const VIP_INTERFACES: [&str; 9] = [
    "dummy0",
    "lo",
    "vip0",
    "dummy-vip",
    "lvs_dr",
    "d",
    "Dummy7",
    "dummy1.5",
    "abcdefghijklmno",
];
/// A director's network card (at most 13 characters, so that the consumer
/// check can name a veth peer `p-<name>`).
const DIRECTOR_INTERFACES: [&str; 7] = [
    "eth0",
    "ens3",
    "bond0.100",
    "enp0s31f6",
    "br-lan",
    "vlan_7",
    "lan",
];
/// Custom stanza file paths (all distinct from the other two kinds).
const INTERFACES_PATHS: [&str; 4] = [
    "etc/network/interfaces.d/vips",
    "/etc/network/interfaces.d/lvs_dr-2",
    "etc/network/interfaces.d//./x",
    "etc/network/interfaces.d/0",
];
/// Custom module list paths.
const MODULES_PATHS: [&str; 3] = [
    "etc/modules",
    "etc/modules-load.d/dummy.conf",
    "/etc/modules-load.d/a+b.conf",
];
/// Custom sysctl file paths.
const SYSCTL_PATHS: [&str; 3] = [
    "/etc/sysctl.d/10-lvs.conf",
    "etc/sysctl.d/99-lvs.conf",
    "etc//sysctl.d/./70-x.conf",
];
/// Extra kernel parameters and their valid values (low..=high, or a string).
const SYSCTLS: [(&str, SysctlChoice); 10] = [
    ("net.core.somaxconn", SysctlChoice::Range(128, 65535)),
    ("net.ipv4.tcp_fin_timeout", SysctlChoice::Range(1, 120)),
    (
        "net.ipv4.ip_local_port_range",
        SysctlChoice::Text("32768 60999"),
    ),
    ("net.ipv4.tcp_syncookies", SysctlChoice::Range(0, 1)),
    ("net.ipv4.conf.all.arp_ignore", SysctlChoice::Range(1, 3)),
    ("net.ipv4.conf.all.arp_announce", SysctlChoice::Range(2, 2)),
    ("vm.swappiness", SysctlChoice::Range(0, 100)),
    ("net.ipv6.conf.all.disable_ipv6", SysctlChoice::Range(0, 0)),
    ("net.ipv4.conf.default.rp_filter", SysctlChoice::Range(0, 2)),
    ("kernel.panic", SysctlChoice::Text("10")),
];
/// IPVS schedulers.
const SCHEDULERS: [&str; 13] = [
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
];
/// Characters of a health check's URL path (after the leading `/`).
const URL_CHARS: &str = "abcXYZ019._~%&=?-/+:@";
/// Characters of a health check's expected body (any printable text).
const BODY_CHARS: [char; 16] = [
    'a', 'Z', '0', ' ', '"', '\'', '{', '}', '#', '!', '\\', 'é', '日', ':', '%', '$',
];
/// Characters of a VRRP password.
const PASSWORD_CHARS: &str = "abcXYZ0189-_.@$%^&*()+=[]|;:,<>?/~`";

#[derive(Debug, Clone, Copy)]
enum SysctlChoice {
    Range(u64, u64),
    Text(&'static str),
}

/// A valid inventory.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Settings every host inherits.
    pub defaults: Settings,
    /// The services.
    pub services: Vec<Service>,
    /// The real servers.
    pub hosts: Vec<Host>,
    /// The directors, VRRP and segment, if any.
    pub cluster: Option<Cluster>,
    /// The segment prefixes (also without directors).
    pub segment: Vec<String>,
}

/// Settings of `defaults` or of a host.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The VIP interface.
    pub interface: Option<String>,
    /// `iproute2` or `net-tools`.
    pub style: Option<&'static str>,
    /// `ifupdown`, `networkd` or `netplan`.
    pub stack: Option<&'static str>,
    /// `bookworm` or `trixie`.
    pub release: Option<&'static str>,
    /// Extra kernel parameters: key, value (number or text).
    pub sysctl: Vec<(String, Scalar)>,
    /// Custom paths: interfaces, modules, sysctl.
    pub paths: [Option<String>; 3],
}

/// A service.
#[derive(Debug, Clone)]
pub struct Service {
    /// Its name.
    pub name: String,
    /// Its VIPs as written (`/32` or `/128` suffix sometimes).
    pub vips: Vec<String>,
    /// Its ports as written.
    pub ports: Vec<String>,
    /// Its scheduler.
    pub scheduler: Option<&'static str>,
    /// Its persistence.
    pub persistence: Option<u64>,
    /// Its health check.
    pub health_check: Option<HealthCheck>,
    /// The directors' options of the service (kept only where they fit).
    pub options: ServiceOptions,
}

/// A service's director options: the sorry server, alpha, the quorum and
/// its hysteresis, one persistence across ports.
#[derive(Debug, Clone, Default)]
pub struct ServiceOptions {
    /// One sorry server per VIP family (with directors and a health check).
    pub sorry_server: bool,
    /// Those sorry servers, once fitted.
    pub sorry_servers: Vec<IpAddr>,
    /// `alpha` (with a health check).
    pub alpha: Option<bool>,
    /// `quorum` (with a sorry server), reduced to the real servers' weight.
    pub quorum: Option<u64>,
    /// `hysteresis` (with a sorry server), reduced below the quorum.
    pub hysteresis: Option<u64>,
    /// `persistence_across_ports` (with persistence and two ports of one
    /// protocol).
    pub persistence_across_ports: Option<bool>,
}

/// A health check.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    /// `kind`: one for every port, or per port.
    pub kind: Option<KindSpec>,
    /// The URL path.
    pub path: Option<String>,
    /// The expected body.
    pub expect: Option<String>,
    /// The expected status.
    pub status_code: Option<u64>,
    /// The checked port.
    pub port: Option<u64>,
    /// HTTPS.
    pub tls: Option<bool>,
    /// interval, `connect_timeout`, `delay_before_retry`.
    pub seconds: [Option<u64>; 3],
    /// Retries.
    pub retry: Option<u64>,
}

/// A health check's `kind`.
#[derive(Debug, Clone)]
pub enum KindSpec {
    /// `kind: http`, for every port.
    Every(&'static str),
    /// `kind: {PORT: KIND}`: the ports as the service writes them. Drawn
    /// as (a choice among the service's ports, a kind).
    PerPort(Vec<(String, &'static str)>),
}

/// The kinds of check (`dns` needs a `query`, which is not drawn).
const CHECK_KINDS: [&str; 4] = ["http", "https", "tcp", "udp"];

/// A real server.
#[derive(Debug, Clone)]
pub struct Host {
    /// Its name.
    pub name: String,
    /// Its IPv4 address.
    pub v4: Option<Ipv4Addr>,
    /// Its IPv6 address.
    pub v6: Option<Ipv6Addr>,
    /// Whether one address is written as a list anyway, and whether a list
    /// starts with the IPv6 address.
    pub address_list: bool,
    /// Whether a list starts with the IPv6 address.
    pub v6_first: bool,
    /// Its weight.
    pub weight: Option<u64>,
    /// Indexes of its services.
    pub services: Vec<usize>,
    /// Its own settings.
    pub settings: Settings,
}

/// The director side.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Name, address, interface, priority of each director.
    pub directors: Vec<Director>,
    /// `virtual_router_id`.
    pub router_id: u64,
    /// `advert_int`.
    pub advert_int: Option<u64>,
    /// `password`.
    pub password: Option<String>,
    /// Whether any VIP is IPv6 (VRRP version 3).
    pub ipv6: bool,
    /// `sync_connections`.
    pub sync_connections: Option<bool>,
    /// `unicast` (only with two or more directors: one alone has no peer).
    pub unicast: Option<bool>,
    /// `notify`: one script, or master, backup and fault ones.
    pub notify: Option<NotifySpec>,
}

/// The VRRP notify scripts.
#[derive(Debug, Clone)]
pub enum NotifySpec {
    /// `notify: PATH`.
    Every(&'static str),
    /// `notify: {master: ..., backup: ..., fault: ...}`, each maybe.
    PerState([Option<&'static str>; 3]),
}

/// Notify script paths.
const NOTIFY_SCRIPTS: [&str; 4] = [
    "/usr/local/sbin/vrrp-notify",
    "/etc/keepalived/alert.sh",
    "/usr/lib/lvs_dr/notify-2+x",
    "/opt/a.b/c",
];

/// A director.
#[derive(Debug, Clone)]
pub struct Director {
    /// Its name.
    pub name: String,
    /// Its address (IPv4, IPv6 or both, as a list).
    pub addresses: Vec<IpAddr>,
    /// Its network card.
    pub interface: &'static str,
    /// Its priority.
    pub priority: u64,
    /// `track_interface`: other cards than `interface`.
    pub track_interface: Vec<&'static str>,
}

/// Raw choices for settings.
type SettingsRaw = (
    Option<usize>,
    Option<bool>,
    Vec<(usize, u64)>,
    [Option<usize>; 3],
    (Option<usize>, Option<bool>),
);

/// The network stacks a host may name.
const STACKS: [&str; 3] = ["ifupdown", "networkd", "netplan"];

fn settings_raw() -> impl Strategy<Value = SettingsRaw> {
    (
        option::weighted(0.5, 0..VIP_INTERFACES.len()),
        option::weighted(0.5, any::<bool>()),
        vec((0..SYSCTLS.len(), any::<u64>()), 0..3),
        [
            option::weighted(0.2, 0..INTERFACES_PATHS.len()),
            option::weighted(0.2, 0..MODULES_PATHS.len()),
            option::weighted(0.2, 0..SYSCTL_PATHS.len()),
        ],
        (
            option::weighted(0.4, 0..STACKS.len()),
            option::weighted(0.2, any::<bool>()),
        ),
    )
}

/// A `kind`: none, one, or per port (the ports as indexes, resolved by
/// `fit_health_check` once the service's ports are final).
fn kind_spec() -> impl Strategy<Value = Option<KindSpec>> {
    option::weighted(
        0.6,
        prop_oneof![
            (0..CHECK_KINDS.len()).prop_map(|kind| KindSpec::Every(CHECK_KINDS[kind])),
            vec((0u8..8, 0..CHECK_KINDS.len()), 1..4).prop_map(|entries| {
                KindSpec::PerPort(
                    entries
                        .into_iter()
                        .map(|(port, kind)| (port.to_string(), CHECK_KINDS[kind]))
                        .collect(),
                )
            }),
        ],
    )
}

fn health_check() -> impl Strategy<Value = HealthCheck> {
    (
        kind_spec(),
        option::weighted(0.8, vec(0..URL_CHARS.len(), 0..12)),
        option::weighted(0.5, vec(0..BODY_CHARS.len(), 1..12)),
        option::weighted(0.4, 100u64..=599),
        option::weighted(0.4, 1u64..=65535),
        option::of(any::<bool>()),
        [
            option::of(1u64..=3600),
            option::of(1u64..=3600),
            option::of(1u64..=3600),
        ],
        option::of(0u64..=100),
    )
        .prop_map(
            |(kind, path, expect, status_code, port, tls, seconds, retry)| HealthCheck {
                kind,
                path: path.map(|path| {
                    std::iter::once('/')
                        .chain(
                            path.into_iter()
                                .map(|i| char::from(URL_CHARS.as_bytes()[i])),
                        )
                        .collect()
                }),
                expect: expect.map(|chars| chars.into_iter().map(|i| BODY_CHARS[i]).collect()),
                status_code,
                port,
                tls,
                seconds,
                retry,
            },
        )
}

/// Raw choices for a service: VIPs (family, index, suffix), ports (number,
/// protocol), scheduler, persistence, health check.
type ServiceRaw = (
    usize,
    Vec<(bool, u8, bool)>,
    Vec<(u16, u8)>,
    Option<usize>,
    Option<u64>,
    Option<HealthCheck>,
    OptionsRaw,
);

/// Raw choices for a service's director options: sorry server, alpha,
/// quorum, hysteresis, persistence across ports.
type OptionsRaw = (bool, Option<bool>, Option<u64>, Option<u64>, Option<bool>);

fn service_raw() -> impl Strategy<Value = ServiceRaw> {
    (
        0..SERVICE_BASES.len(),
        vec((any::<bool>(), 0u8..6, any::<bool>()), 1..4),
        vec(
            (
                prop_oneof![Just(80u16), Just(443), Just(53), 1u16..=65535],
                0u8..3,
            ),
            0..3,
        ),
        option::of(0..SCHEDULERS.len()),
        option::weighted(
            0.4,
            prop_oneof![0u64..=3600, 0u64..=2_678_400, Just(2_678_400)],
        ),
        option::weighted(0.5, health_check()),
        (
            any::<bool>(),
            option::of(any::<bool>()),
            option::weighted(0.3, 1u64..=1_000_000_000),
            option::weighted(0.3, 0u64..=1_000_000_000),
            option::weighted(0.5, any::<bool>()),
        ),
    )
}

/// Raw choices for a host.
type HostRaw = (
    usize,
    (bool, bool, bool, bool),
    Option<u64>,
    Vec<usize>,
    SettingsRaw,
);

fn host_raw() -> impl Strategy<Value = HostRaw> {
    (
        0..HOST_BASES.len(),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        option::weighted(0.4, 0u64..=65535),
        vec(0usize..8, 1..4),
        settings_raw(),
    )
}

/// Raw choices for the director side.
type ClusterRaw = (
    Vec<(usize, u8, usize, u64, Vec<usize>)>,
    u64,
    Option<u64>,
    Option<Vec<usize>>,
    (Option<bool>, Option<bool>),
    Option<NotifySpec>,
);

fn notify_spec() -> impl Strategy<Value = NotifySpec> {
    let script = 0..NOTIFY_SCRIPTS.len();
    prop_oneof![
        script
            .clone()
            .prop_map(|i| NotifySpec::Every(NOTIFY_SCRIPTS[i])),
        [
            option::of(script.clone()),
            option::of(script.clone()),
            option::of(script)
        ]
        .prop_map(|states| NotifySpec::PerState(states.map(|s| s.map(|i| NOTIFY_SCRIPTS[i])))),
    ]
}

fn cluster_raw() -> impl Strategy<Value = ClusterRaw> {
    (
        vec(
            (
                0..DIRECTOR_BASES.len(),
                0u8..3,
                0..DIRECTOR_INTERFACES.len(),
                1u64..=254,
                vec(0..DIRECTOR_INTERFACES.len(), 0..3),
            ),
            1..4,
        ),
        1u64..=255,
        option::of(1u64..=255),
        option::weighted(0.4, vec(0..PASSWORD_CHARS.len(), 1..=8)),
        (option::of(any::<bool>()), option::of(any::<bool>())),
        option::weighted(0.3, notify_spec()),
    )
}

/// Every raw choice of an inventory.
type InventoryRaw = (
    SettingsRaw,
    Vec<ServiceRaw>,
    Vec<HostRaw>,
    Option<ClusterRaw>,
    (bool, bool, bool),
);

/// The strategy of valid inventories.
pub fn inventory() -> impl Strategy<Value = Spec> {
    let raw: BoxedStrategy<InventoryRaw> = (
        settings_raw(),
        vec(service_raw(), 1..5),
        vec(host_raw(), 1..7),
        option::of(cluster_raw()),
        (any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .boxed();
    raw.prop_map(build)
}

/// An IPv4 VIP from its index (services may share them).
fn vip_v4(index: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 51, 100, 10 + index)
}

/// An IPv6 VIP from its index.
fn vip_v6(index: u8) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, 0xa, 0, 0, 0, 0, 0x10 + u16::from(index))
}

/// Turns raw choices into a valid inventory.
fn build(raw: InventoryRaw) -> Spec {
    let (defaults_raw, services_raw, hosts_raw, cluster_raw, (segment_v4, segment_v6, v6_first)) =
        raw;
    let mut services: Vec<Service> = services_raw
        .into_iter()
        .enumerate()
        .map(|(index, raw)| build_service(index, raw))
        .collect();
    let mut hosts: Vec<Host> = hosts_raw
        .into_iter()
        .enumerate()
        .map(|(index, raw)| build_host(index, raw, services.len()))
        .collect();
    let defaults = build_settings(defaults_raw);
    let cluster = cluster_raw.map(|raw| build_cluster(raw, &services));
    if cluster.is_some() {
        for (index, service) in services.iter_mut().enumerate() {
            if service.ports.is_empty() {
                service.ports.push("80".to_owned());
            }
            if !hosts.iter().any(|host| host.services.contains(&index)) {
                let count = hosts.len();
                hosts[index % count].services.push(index);
            }
        }
        unique_virtual_services(&mut services);
        for host in &mut hosts {
            let vips = host_vips(host, &services);
            if vips.iter().any(IpAddr::is_ipv4) && host.v4.is_none() {
                host.v4 = Some(host_v4(host_index(&host.name)));
            }
            if vips.iter().any(IpAddr::is_ipv6) && host.v6.is_none() {
                host.v6 = Some(host_v6(host_index(&host.name)));
            }
        }
    }
    for host in &mut hosts {
        fit_alias_labels(host, &defaults, &services);
        fit_stack(host, &defaults);
    }
    for service in &mut services {
        if let Some(check) = &mut service.health_check {
            fit_health_check(check, &service.ports);
        }
    }
    let weights: Vec<u64> = (0..services.len())
        .map(|index| {
            hosts
                .iter()
                .filter(|host| host.services.contains(&index))
                .map(|host| host.weight.unwrap_or(1))
                .sum()
        })
        .collect();
    for (index, (service, total)) in services.iter_mut().zip(weights).enumerate() {
        fit_options(service, cluster.is_some(), total);
        if service.options.sorry_server {
            let families = [true, false]
                .into_iter()
                .filter(|ipv4| service.vips.iter().any(|vip| vip.contains(':') != *ipv4));
            service.options.sorry_servers =
                families.map(|ipv4| sorry_server(index, ipv4)).collect();
        }
    }
    let mut segment = Vec::new();
    if segment_v4 {
        segment.push("10.20.0.0/16".to_owned());
    }
    if segment_v6 {
        segment.push("fd00:20::/64".to_owned());
    }
    if v6_first {
        segment.reverse();
    }
    Spec {
        defaults,
        services,
        hosts,
        cluster,
        segment,
    }
}

/// Keeps a service's director options where they fit: a sorry server with
/// directors and a health check, alpha with a health check, the quorum and
/// hysteresis with a sorry server (the quorum at most the real servers'
/// total weight, the hysteresis below it), one persistence across ports
/// with persistence and two ports of one protocol.
fn fit_options(service: &mut Service, directors: bool, total_weight: u64) {
    let checked = service.health_check.is_some();
    let options = &mut service.options;
    options.sorry_server &= directors && checked;
    if !checked {
        options.alpha = options.alpha.filter(|alpha| !alpha);
    }
    if options.sorry_server && total_weight > 0 {
        options.quorum = options.quorum.map(|quorum| 1 + (quorum - 1) % total_weight);
        let quorum = options.quorum.unwrap_or(1);
        options.hysteresis = options.hysteresis.map(|hysteresis| hysteresis % quorum);
    } else {
        options.quorum = None;
        options.hysteresis = None;
    }
    let persistent = service.persistence.is_some_and(|seconds| seconds > 0);
    let spans = [false, true].into_iter().any(|udp| {
        service
            .ports
            .iter()
            .filter(|port| port_number(port).1 == udp)
            .count()
            >= 2
    });
    if !(persistent && spans) {
        options.persistence_across_ports =
            options.persistence_across_ports.filter(|across| !across);
    }
}

/// A service's sorry server of a family: outside the hosts' and directors'
/// numbers, inside the generated segment.
fn sorry_server(index: usize, ipv4: bool) -> IpAddr {
    let n = u8::try_from(1 + index).expect("few services");
    if ipv4 {
        IpAddr::V4(Ipv4Addr::new(10, 20, 254, n))
    } else {
        IpAddr::V6(Ipv6Addr::new(0xfd00, 0x20, 0, 0, 0, 0, 0xfe, u16::from(n)))
    }
}

/// With directors, a VIP, port and protocol belong to one service: a later
/// service's port that an earlier one sharing a VIP balances is dropped (and
/// a port of its own given if none is left).
fn unique_virtual_services(services: &mut [Service]) {
    let canonical = |port: &str| {
        let (number, protocol) = port.split_once('/').unwrap_or((port, "tcp"));
        format!("{number}/{protocol}")
    };
    let address = |vip: &str| vip.split('/').next().unwrap_or(vip).to_owned();
    let mut taken: Vec<(String, String)> = Vec::new();
    for (index, service) in services.iter_mut().enumerate() {
        let vips: Vec<String> = service.vips.iter().map(|vip| address(vip)).collect();
        service.ports.retain(|port| {
            let port = canonical(port);
            !vips
                .iter()
                .any(|vip| taken.contains(&(vip.clone(), port.clone())))
        });
        if service.ports.is_empty() {
            service.ports.push((20_000 + index).to_string());
        }
        for vip in &vips {
            for port in &service.ports {
                taken.push((vip.clone(), canonical(port)));
            }
        }
    }
}

fn build_service(index: usize, raw: ServiceRaw) -> Service {
    let (base, vips_raw, ports_raw, scheduler, persistence, health_check, options) = raw;
    let (sorry_server, alpha, quorum, hysteresis, persistence_across_ports) = options;
    let mut seen = Vec::new();
    let mut vips = Vec::new();
    for (ipv4, vip_index, suffix) in vips_raw {
        let (address, written) = if ipv4 {
            let vip = vip_v4(vip_index);
            (
                IpAddr::V4(vip),
                format!("{vip}{}", if suffix { "/32" } else { "" }),
            )
        } else {
            let vip = vip_v6(vip_index);
            (
                IpAddr::V6(vip),
                format!("{vip}{}", if suffix { "/128" } else { "" }),
            )
        };
        if !seen.contains(&address) {
            seen.push(address);
            vips.push(written);
        }
    }
    let mut ports = Vec::new();
    let mut seen_ports = Vec::new();
    for (port, protocol) in ports_raw {
        let canonical = (port, protocol == 2);
        if seen_ports.contains(&canonical) {
            continue;
        }
        seen_ports.push(canonical);
        ports.push(match protocol {
            0 => port.to_string(),
            1 => format!("{port}/tcp"),
            _ => format!("{port}/udp"),
        });
    }
    Service {
        name: format!("{}{}", SERVICE_BASES[base], 100 + index),
        vips,
        ports,
        scheduler: scheduler.map(|i| SCHEDULERS[i]),
        persistence,
        health_check,
        options: ServiceOptions {
            sorry_server,
            sorry_servers: Vec::new(),
            alpha,
            quorum,
            hysteresis,
            persistence_across_ports,
        },
    }
}

/// A port as written (`80`, `443/tcp`, `53/udp`): its number and whether
/// it is UDP.
fn port_number(port: &str) -> (u64, bool) {
    let (number, protocol) = port.split_once('/').unwrap_or((port, "tcp"));
    (number.parse().expect("a generated port"), protocol == "udp")
}

/// Makes a drawn health check follow the rules for the service's final
/// `ports`: per-port kinds name ports of the service (once each), `tls`
/// and `kind` are not both given, no check is plain HTTP on port 443 or
/// HTTPS on port 80 (the explicit kind that would be is dropped, or
/// turned around for one port), none speaks another protocol than the
/// port it checks (UDP to a TCP port, TCP, HTTP or HTTPS to a UDP one:
/// dropped, or made the port's own protocol's for one port), a check that
/// fetches a page on some port has a `path`, and one that fetches none has
/// no `path`, `expect` or `status_code`.
fn fit_health_check(check: &mut HealthCheck, ports: &[String]) {
    if let Some(KindSpec::PerPort(entries)) = &mut check.kind {
        let mut seen = Vec::new();
        let mut fitted = Vec::new();
        for (choice, kind) in entries.drain(..) {
            let index: usize = choice.parse().expect("a drawn index");
            let Some(port) = ports.get(index % ports.len().max(1)) else {
                continue;
            };
            if !seen.contains(&port_number(port)) {
                seen.push(port_number(port));
                fitted.push((port.clone(), kind));
            }
        }
        *entries = fitted;
        if entries.is_empty() {
            check.kind = None;
        }
    }
    if check.kind.is_some() {
        check.tls = None;
    }
    let own_port = check.port;
    // A check of the balanced port itself must speak its protocol.
    let other_protocol = |kind: &str, port: &String| {
        let (number, udp) = port_number(port);
        own_port.is_none_or(|checked| checked == number) && (kind == "udp") != udp
    };
    let impossible = |kind: &str, port: &String| {
        let checked = own_port.unwrap_or(port_number(port).0);
        other_protocol(kind, port)
            || (kind == "http" && checked == 443)
            || (kind == "https" && checked == 80)
    };
    match &mut check.kind {
        Some(KindSpec::Every(kind)) => {
            if ports.iter().any(|port| impossible(kind, port)) {
                check.kind = None;
            }
        }
        Some(KindSpec::PerPort(entries)) => {
            for (port, kind) in entries.iter_mut() {
                if other_protocol(kind, port) {
                    *kind = if port_number(port).1 { "udp" } else { "tcp" };
                } else if impossible(kind, port) {
                    *kind = if *kind == "http" { "https" } else { "http" };
                }
            }
        }
        None => {
            let kind = match check.tls {
                Some(true) => "https",
                _ => "http",
            };
            if check.tls.is_some() && ports.iter().any(|port| impossible(kind, port)) {
                check.tls = None;
            }
        }
    }
    if fetches_page(check, ports) {
        check.path.get_or_insert_with(|| "/".to_owned());
    } else {
        check.path = None;
        check.expect = None;
        check.status_code = None;
    }
}

/// Whether a check fetches a page on some port (an HTTP or HTTPS check),
/// as `validate` decides it.
fn fetches_page(check: &HealthCheck, ports: &[String]) -> bool {
    let per_port = |port: &String| match &check.kind {
        Some(KindSpec::Every(kind)) => Some(*kind),
        Some(KindSpec::PerPort(entries)) => entries
            .iter()
            .find(|(written, _)| port_number(written) == port_number(port))
            .map(|(_, kind)| *kind),
        None => check.tls.map(|tls| if tls { "https" } else { "http" }),
    };
    let page = |kind: &str| kind == "http" || kind == "https";
    if ports.is_empty() {
        return match &check.kind {
            Some(KindSpec::Every(kind)) => page(kind),
            _ => check.tls.is_some() || check.path.is_some(),
        };
    }
    // Unwritten, a UDP port's check is `udp`, a TCP port's HTTP(S) with a path.
    ports.iter().any(|port| match per_port(port) {
        Some(kind) => page(kind),
        None => !port_number(port).1 && check.path.is_some(),
    })
}

fn host_v4(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 20, 1, u8::try_from(10 + index).expect("few hosts"))
}

fn host_v6(index: usize) -> Ipv6Addr {
    Ipv6Addr::new(
        0xfd00,
        0x20,
        0,
        0,
        0,
        0,
        1,
        u16::try_from(10 + index).expect("few"),
    )
}

/// The index a host's name ends with.
fn host_index(name: &str) -> usize {
    let digits: String = name
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().expect("host names end with their index")
}

fn build_host(index: usize, raw: HostRaw, service_count: usize) -> Host {
    let (base, (v4, v6, address_list, v6_first), weight, services_raw, settings) = raw;
    let mut services = Vec::new();
    for service in services_raw {
        let service = service % service_count;
        if !services.contains(&service) {
            services.push(service);
        }
    }
    let (v4, v6) = if v4 || !v6 { (true, v6) } else { (false, true) };
    Host {
        name: format!("{}{index}", HOST_BASES[base]),
        v4: v4.then(|| host_v4(index)),
        v6: v6.then(|| host_v6(index)),
        address_list,
        v6_first,
        weight,
        services,
        settings: build_settings(settings),
    }
}

fn build_settings(raw: SettingsRaw) -> Settings {
    let (interface, style, sysctl_raw, paths, (stack, release)) = raw;
    let mut sysctl: Vec<(String, Scalar)> = Vec::new();
    for (index, pick) in sysctl_raw {
        let (key, choice) = SYSCTLS[index];
        if sysctl.iter().any(|(seen, _)| seen == key) {
            continue;
        }
        let value = match choice {
            SysctlChoice::Range(low, high) => {
                let value = low + pick % (high - low + 1);
                if pick % 3 == 0 {
                    Scalar::Str(value.to_string())
                } else {
                    Scalar::Int(value)
                }
            }
            SysctlChoice::Text(value) => Scalar::Str(value.to_owned()),
        };
        sysctl.push((key.to_owned(), value));
    }
    Settings {
        interface: interface.map(|i| VIP_INTERFACES[i].to_owned()),
        style: style.map(|net_tools| if net_tools { "net-tools" } else { "iproute2" }),
        stack: stack.map(|index| STACKS[index]),
        release: release.map(|trixie| if trixie { "trixie" } else { "bookworm" }),
        sysctl,
        paths: [
            paths[0].map(|i| INTERFACES_PATHS[i].to_owned()),
            paths[1].map(|i| MODULES_PATHS[i].to_owned()),
            paths[2].map(|i| SYSCTL_PATHS[i].to_owned()),
        ],
    }
}

fn build_cluster(raw: ClusterRaw, services: &[Service]) -> Cluster {
    let (directors_raw, router_id, advert_int, password, (sync_connections, unicast), notify) = raw;
    let unicast = unicast.filter(|_| directors_raw.len() >= 2);
    let any_ipv4 = services
        .iter()
        .flat_map(|service| &service.vips)
        .any(|vip| !vip.contains(':'));
    let any_ipv6 = services
        .iter()
        .flat_map(|service| &service.vips)
        .any(|vip| vip.contains(':'));
    let mut priorities: Vec<u64> = Vec::new();
    let directors = directors_raw
        .into_iter()
        .enumerate()
        .map(|(index, (base, families, interface, priority, tracked))| {
            let mut priority = priority;
            while priorities.contains(&priority) {
                priority = priority % 254 + 1;
            }
            priorities.push(priority);
            let n = u8::try_from(index + 1).expect("few directors");
            let v4 = IpAddr::V4(Ipv4Addr::new(10, 20, 255, n));
            let v6 = IpAddr::V6(Ipv6Addr::new(0xfd00, 0x20, 0, 0, 0, 0, 0xff, u16::from(n)));
            // A director has an address of every family it balances, and
            // maybe of the other one too.
            let with_v4 = any_ipv4 || families == 0 || families == 2;
            let with_v6 = any_ipv6 || families >= 1;
            Director {
                name: format!("{}{index}", DIRECTOR_BASES[base]),
                addresses: [(with_v4, v4), (with_v6, v6)]
                    .into_iter()
                    .filter_map(|(wanted, address)| wanted.then_some(address))
                    .collect(),
                interface: DIRECTOR_INTERFACES[interface],
                priority,
                track_interface: tracked.into_iter().fold(Vec::new(), |mut seen, i| {
                    let device = DIRECTOR_INTERFACES[i];
                    if i != interface && !seen.contains(&device) {
                        seen.push(device);
                    }
                    seen
                }),
            }
        })
        .collect();
    Cluster {
        directors,
        router_id,
        // VRRP version 3 (IPv6) carries at most 40.95 s.
        advert_int: advert_int.map(|seconds| {
            if any_ipv6 {
                1 + (seconds - 1) % 40
            } else {
                seconds
            }
        }),
        ipv6: any_ipv6,
        sync_connections,
        unicast,
        notify,
        password: password.filter(|_| any_ipv4).map(|chars| {
            chars
                .into_iter()
                .map(|i| char::from(PASSWORD_CHARS.as_bytes()[i]))
                .collect()
        }),
    }
}

/// The VIPs a host carries.
fn host_vips(host: &Host, services: &[Service]) -> Vec<IpAddr> {
    host.services
        .iter()
        .flat_map(|&index| &services[index].vips)
        .map(|vip| {
            vip.split('/')
                .next()
                .expect("address")
                .parse()
                .expect("a VIP")
        })
        .collect()
}

/// net-tools gives each extra IPv4 VIP an alias label `<dev>:<n>` of at
/// most 15 characters: a host whose label would not fit gets dummy0.
fn fit_alias_labels(host: &mut Host, defaults: &Settings, services: &[Service]) {
    let style = host.settings.style.or(defaults.style).unwrap_or("iproute2");
    let interface = host
        .settings
        .interface
        .clone()
        .or_else(|| defaults.interface.clone())
        .unwrap_or_else(|| "dummy0".to_owned());
    let mut vips = host_vips(host, services);
    vips.dedup();
    let mut ipv4 = Vec::new();
    for vip in vips.iter().filter(|vip| vip.is_ipv4()) {
        if !ipv4.contains(vip) {
            ipv4.push(*vip);
        }
    }
    let last = if interface == "lo" {
        ipv4.len()
    } else {
        ipv4.len().saturating_sub(1)
    };
    if style == "net-tools" && last > 0 && format!("{interface}:{last}").len() > 15 {
        host.settings.interface = Some("dummy0".to_owned());
    }
}

/// Only ifupdown has the net-tools style, and netplan's dummy-devices need
/// Debian 13: a host that would break either rule gets iproute2 or
/// `release: trixie`.
fn fit_stack(host: &mut Host, defaults: &Settings) {
    let own = &host.settings;
    let stack = own.stack.or(defaults.stack).unwrap_or("ifupdown");
    if stack != "ifupdown" && own.style.or(defaults.style) == Some("net-tools") {
        host.settings.style = Some("iproute2");
    }
    let own = &host.settings;
    let interface = own.interface.as_ref().or(defaults.interface.as_ref());
    let release = own.release.or(defaults.release);
    if stack == "netplan" && interface.is_none_or(|name| name != "lo") && release != Some("trixie")
    {
        host.settings.release = Some("trixie");
    }
}

impl Spec {
    /// The inventory's YAML tree, with the hosts in the order `order`
    /// gives (indexes into `hosts`).
    pub fn to_node(&self, order: &[usize]) -> Node {
        let mut entries = vec![(
            Key::field("version"),
            Node::Scalar(Scalar::Int(1), Kind::Fixed),
        )];
        if let Some(defaults) = settings_node(&self.defaults) {
            entries.push((Key::field("defaults"), defaults));
        }
        let services = self
            .services
            .iter()
            .map(|service| (Key::name(&service.name), service_node(service)))
            .collect();
        entries.push((Key::field("services"), map(services, true)));
        let hosts = order
            .iter()
            .map(|&index| {
                let host = &self.hosts[index];
                (Key::name(&host.name), self.host_node(host))
            })
            .collect();
        entries.push((Key::field("hosts"), map(hosts, true)));
        if let Some(cluster) = &self.cluster {
            entries.extend(cluster_entries(cluster));
        }
        if !self.segment.is_empty() {
            let prefixes = self
                .segment
                .iter()
                .map(|prefix| text(prefix.clone(), false))
                .collect();
            entries.push((Key::field("segment"), Node::Seq(prefixes)));
        }
        map(entries, false)
    }

    fn host_node(&self, host: &Host) -> Node {
        let mut addresses: Vec<String> = host
            .v4
            .iter()
            .map(ToString::to_string)
            .chain(host.v6.iter().map(ToString::to_string))
            .collect();
        if host.v6_first {
            addresses.reverse();
        }
        let address = if addresses.len() == 1 && !host.address_list {
            text(addresses[0].clone(), false)
        } else {
            Node::Seq(addresses.into_iter().map(|a| text(a, false)).collect())
        };
        let mut entries = vec![(Key::field("address"), address)];
        let services = host
            .services
            .iter()
            .map(|&index| text(self.services[index].name.clone(), false))
            .collect();
        entries.push((Key::field("services"), Node::Seq(services)));
        if let Some(weight) = host.weight {
            entries.push((Key::field("weight"), number(weight, 0, 65535)));
        }
        if let Some(Node::Map { entries: own, .. }) = settings_node(&host.settings) {
            entries.extend(own);
        }
        map(entries, false)
    }
}

fn settings_node(settings: &Settings) -> Option<Node> {
    let mut entries = Vec::new();
    if let Some(interface) = &settings.interface {
        entries.push((Key::field("interface"), text(interface.clone(), false)));
    }
    if let Some(style) = settings.style {
        entries.push((Key::field("style"), text(style, false)));
    }
    if let Some(stack) = settings.stack {
        entries.push((Key::field("stack"), text(stack, false)));
    }
    if let Some(release) = settings.release {
        entries.push((Key::field("release"), text(release, false)));
    }
    if !settings.sysctl.is_empty() {
        let sysctl = settings
            .sysctl
            .iter()
            .map(|(key, value)| {
                let kind = match value {
                    Scalar::Str(_) => Kind::Text { braces_ok: true },
                    _ => Kind::Fixed,
                };
                (Key::name(key.clone()), Node::Scalar(value.clone(), kind))
            })
            .collect();
        entries.push((Key::field("sysctl"), map(sysctl, true)));
    }
    let paths: Vec<(Key, Node)> = ["interfaces", "modules", "sysctl"]
        .iter()
        .zip(&settings.paths)
        .filter_map(|(field, path)| {
            path.as_ref()
                .map(|path| (Key::field(field), text(path.clone(), false)))
        })
        .collect();
    if !paths.is_empty() {
        entries.push((Key::field("paths"), map(paths, false)));
    }
    (!entries.is_empty()).then(|| map(entries, false))
}

fn service_node(service: &Service) -> Node {
    let vips = service
        .vips
        .iter()
        .map(|vip| text(vip.clone(), false))
        .collect();
    let mut entries = vec![(Key::field("vips"), Node::Seq(vips))];
    if !service.ports.is_empty() {
        let ports = service
            .ports
            .iter()
            .map(|port| Node::Scalar(Scalar::Str(port.clone()), Kind::Port))
            .collect();
        entries.push((Key::field("ports"), Node::Seq(ports)));
    }
    if let Some(scheduler) = service.scheduler {
        entries.push((Key::field("scheduler"), text(scheduler, false)));
    }
    if let Some(persistence) = service.persistence {
        entries.push((Key::field("persistence"), number(persistence, 0, 2_678_400)));
    }
    if let Some(check) = &service.health_check {
        entries.push((Key::field("health_check"), health_check_node(check)));
    }
    entries.extend(options_entries(&service.options));
    map(entries, false)
}

/// The service's director options as written.
fn options_entries(options: &ServiceOptions) -> Vec<(Key, Node)> {
    let mut entries = Vec::new();
    match options.sorry_servers.as_slice() {
        [] => {}
        [one] => entries.push((Key::field("sorry_server"), text(one.to_string(), false))),
        many => entries.push((
            Key::field("sorry_server"),
            Node::Seq(many.iter().map(|a| text(a.to_string(), false)).collect()),
        )),
    }
    if let Some(quorum) = options.quorum {
        entries.push((Key::field("quorum"), number(quorum, 1, 1_000_000_000)));
    }
    if let Some(hysteresis) = options.hysteresis {
        entries.push((
            Key::field("hysteresis"),
            number(hysteresis, 0, 1_000_000_000),
        ));
    }
    for (field, value) in [
        ("alpha", options.alpha),
        ("persistence_across_ports", options.persistence_across_ports),
    ] {
        if let Some(value) = value {
            entries.push((
                Key::field(field),
                Node::Scalar(Scalar::Bool(value), Kind::Fixed),
            ));
        }
    }
    entries
}

fn health_check_node(check: &HealthCheck) -> Node {
    let mut entries = Vec::new();
    match &check.kind {
        Some(KindSpec::Every(kind)) => {
            entries.push((
                Key::field("kind"),
                Node::Scalar(Scalar::Str((*kind).to_owned()), Kind::Fixed),
            ));
        }
        Some(KindSpec::PerPort(kinds)) => {
            let kinds = kinds
                .iter()
                .map(|(port, kind)| {
                    (
                        Key::field(port),
                        Node::Scalar(Scalar::Str((*kind).to_owned()), Kind::Fixed),
                    )
                })
                .collect();
            entries.push((Key::field("kind"), map(kinds, false)));
        }
        None => {}
    }
    if let Some(path) = &check.path {
        entries.push((Key::field("path"), text(path.clone(), false)));
    }
    if let Some(expect) = &check.expect {
        entries.push((Key::field("expect"), text(expect.clone(), true)));
    }
    if let Some(code) = check.status_code {
        entries.push((Key::field("status_code"), number(code, 100, 599)));
    }
    if let Some(port) = check.port {
        entries.push((Key::field("port"), number(port, 1, 65535)));
    }
    if let Some(tls) = check.tls {
        entries.push((
            Key::field("tls"),
            Node::Scalar(Scalar::Bool(tls), Kind::Fixed),
        ));
    }
    for (field, seconds) in ["interval", "connect_timeout", "delay_before_retry"]
        .iter()
        .zip(check.seconds)
    {
        if let Some(seconds) = seconds {
            entries.push((Key::field(field), number(seconds, 1, 3600)));
        }
    }
    if let Some(retry) = check.retry {
        entries.push((Key::field("retry"), number(retry, 0, 100)));
    }
    map(entries, false)
}

fn cluster_entries(cluster: &Cluster) -> Vec<(Key, Node)> {
    let mut vrrp = vec![(
        Key::field("virtual_router_id"),
        number(cluster.router_id, 1, 255),
    )];
    if let Some(advert_int) = cluster.advert_int {
        let max = if cluster.ipv6 { 40 } else { 255 };
        vrrp.push((Key::field("advert_int"), number(advert_int, 1, max)));
    }
    if let Some(password) = &cluster.password {
        vrrp.push((Key::field("password"), text(password.clone(), false)));
    }
    for (field, value) in [
        ("sync_connections", cluster.sync_connections),
        ("unicast", cluster.unicast),
    ] {
        if let Some(value) = value {
            vrrp.push((
                Key::field(field),
                Node::Scalar(Scalar::Bool(value), Kind::Fixed),
            ));
        }
    }
    match &cluster.notify {
        None => {}
        Some(NotifySpec::Every(path)) => vrrp.push((Key::field("notify"), text(*path, false))),
        Some(NotifySpec::PerState(states)) => {
            let scripts = ["master", "backup", "fault"]
                .into_iter()
                .zip(states)
                .filter_map(|(state, path)| path.map(|path| (Key::field(state), text(path, false))))
                .collect();
            vrrp.push((Key::field("notify"), map(scripts, false)));
        }
    }
    let directors = cluster
        .directors
        .iter()
        .map(|director| {
            let address = if director.addresses.len() == 1 {
                text(director.addresses[0].to_string(), false)
            } else {
                Node::Seq(
                    director
                        .addresses
                        .iter()
                        .map(|a| text(a.to_string(), false))
                        .collect(),
                )
            };
            let mut entries = vec![
                (Key::field("address"), address),
                (Key::field("interface"), text(director.interface, false)),
                (Key::field("priority"), number(director.priority, 1, 254)),
            ];
            if !director.track_interface.is_empty() {
                let tracked = director
                    .track_interface
                    .iter()
                    .map(|device| text(*device, false))
                    .collect();
                entries.push((Key::field("track_interface"), Node::Seq(tracked)));
            }
            (Key::name(&director.name), map(entries, false))
        })
        .collect();
    vec![
        (Key::field("vrrp"), map(vrrp, false)),
        (Key::field("directors"), map(directors, true)),
    ]
}
