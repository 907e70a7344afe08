//! The director side's rules: what keepalived needs, and what makes the
//! directors and the real servers agree (every balanced VIP reaches real
//! servers that carry it, on one L2 segment, in the VIP's address family).

use std::net::IpAddr;
use std::path::PathBuf;

use super::model::{self, Host, Service};
use super::problems::Problems;
use crate::code::Code;
use crate::inventory;
use crate::values::{Segment, Vip};
use crate::yaml::InventoryPath;

/// Where a director's keepalived configuration goes (Debian's keepalived
/// reads it there).
pub const DEFAULT_KEEPALIVED_PATH: &str = "etc/keepalived/keepalived.conf";

/// Where a director's IPVS kernel parameters go (read by systemd-sysctl).
pub const DEFAULT_DIRECTOR_SYSCTL_PATH: &str = "etc/sysctl.d/60-lvs-dr-director.conf";

/// Where a director's module list goes: it loads `ip_vs` at boot before
/// systemd-sysctl runs, so that the `net.ipv4.vs` keys exist by then.
pub const DEFAULT_DIRECTOR_MODULES_PATH: &str = "etc/modules-load.d/lvs-dr-director.conf";

/// Seconds between VRRP advertisements unless the inventory says otherwise.
pub const DEFAULT_ADVERT_INT: u32 = 1;

/// The longest advertisement interval VRRP version 3 (IPv6) carries, in
/// whole seconds: its field is 12 bits of centiseconds (RFC 5798), 40.95 s.
pub const MAX_ADVERT_INT_V3: u32 = 40;

/// Checks the directors, the VRRP settings and the segment against the
/// services and hosts already validated, and builds the directors' model.
pub(super) fn validate_directors(
    raw: &inventory::Inventory,
    services: &[Service],
    hosts: &[Host],
    problems: &mut Problems,
) -> (Vec<model::Director>, Option<model::Vrrp>) {
    check_segment(raw, problems);
    if raw.directors.0.is_empty() {
        if raw.vrrp.is_some() {
            problems.add(
                Code::VrrpWithoutDirectors,
                InventoryPath::at("vrrp"),
                "VRRP settings but no directors: add the directors under `directors`, or remove `vrrp`",
            );
        }
        return (Vec::new(), None);
    }
    let vrrp = validate_vrrp(raw, services, problems);
    check_director_identities(raw, problems);
    let segment = suggestion_segment(raw);
    check_director_families(raw, services, &segment, problems);
    check_balanced_services(services, hosts, &segment, problems);
    let highest = raw
        .directors
        .0
        .iter()
        .map(|(_, director)| director.priority.get())
        .max()
        .unwrap_or_default();
    let directors = raw
        .directors
        .0
        .iter()
        .map(|(name, director)| {
            let (sysctl_path, modules_path) = director_paths(name, &director.paths, problems);
            model::Director {
                name: name.get().clone(),
                addresses: director.address.get().clone(),
                interface: director.interface.get().clone(),
                priority: director.priority.get(),
                master: director.priority.get() == highest,
                keepalived_path: PathBuf::from(DEFAULT_KEEPALIVED_PATH),
                sysctl_path,
                modules_path,
                track_interfaces: super::director_options::track_interfaces(
                    name, director, problems,
                ),
            }
        })
        .collect();
    (directors, vrrp)
}

/// A director's sysctl and module list paths: its own or the built-in ones,
/// refused where systemd would not read them at boot, like the hosts'
/// (which also keeps them apart from each other and from keepalived.conf).
fn director_paths(
    name: &crate::values::HostName,
    paths: &inventory::DirectorPaths,
    problems: &mut Problems,
) -> (PathBuf, PathBuf) {
    let choose = |field: &str, own: &Option<crate::values::RelativePath>, builtin: &str| {
        (
            own.as_ref()
                .map_or_else(|| PathBuf::from(builtin), |path| path.get().clone()),
            InventoryPath::at("directors")
                .key(name)
                .key("paths")
                .key(field),
        )
    };
    let sysctl = choose("sysctl", &paths.sysctl, DEFAULT_DIRECTOR_SYSCTL_PATH);
    let modules = choose("modules", &paths.modules, DEFAULT_DIRECTOR_MODULES_PATH);
    super::boot_paths::check_conf_suffix(&sysctl, "etc/sysctl.d", "systemd-sysctl", problems);
    super::boot_paths::check_sysctl_path(&sysctl, DEFAULT_DIRECTOR_SYSCTL_PATH, problems);
    super::boot_paths::check_conf_suffix(
        &modules,
        "etc/modules-load.d",
        "systemd-modules-load",
        problems,
    );
    super::boot_paths::check_modules_path(&modules, DEFAULT_DIRECTOR_MODULES_PATH, problems);
    (sysctl.0, modules.0)
}

fn validate_vrrp(
    raw: &inventory::Inventory,
    services: &[Service],
    problems: &mut Problems,
) -> Option<model::Vrrp> {
    let director_count = raw.directors.0.len();
    let Some(vrrp) = raw.vrrp.as_ref() else {
        problems.add_missing(
            Code::MissingVrrp,
            (InventoryPath::at("vrrp"), InventoryPath::at("directors")),
            "the directors need VRRP settings: add `vrrp: {virtual_router_id: 51}` with an id \
             1-255 that no other VRRP router on the segment uses",
        );
        return None;
    };
    let any_ipv4 = services
        .iter()
        .flat_map(|service| &service.vips)
        .any(IpAddr::is_ipv4);
    if vrrp.password.is_some() && !any_ipv4 {
        problems.add(
            Code::VrrpPasswordIpv6Only,
            InventoryPath::at("vrrp").key("password"),
            "every VIP is IPv6, and VRRP version 3 (IPv6) has no authentication: remove the password",
        );
    }
    let any_ipv6 = services
        .iter()
        .flat_map(|service| &service.vips)
        .any(IpAddr::is_ipv6);
    if let Some(seconds) = vrrp
        .advert_int
        .filter(|s| any_ipv6 && s.get() > MAX_ADVERT_INT_V3)
    {
        problems.add(
            Code::AdvertIntTooLongForIpv6,
            InventoryPath::at("vrrp").key("advert_int"),
            format!(
                "{} s is too long for the IPv6 VIPs' VRRP version 3, which counts the \
                 advertisement interval in hundredths of a second up to 40.95 s (keepalived would \
                 cut it to 40.95): use 1 to {MAX_ADVERT_INT_V3}",
                seconds.get()
            ),
        );
    }
    let unicast = vrrp.unicast.unwrap_or(false);
    if unicast && director_count < 2 {
        problems.add(
            Code::VrrpUnicastWithoutPeer,
            InventoryPath::at("vrrp").key("unicast"),
            "unicast VRRP sends the advertisements to the other directors, and there is only \
             one: keepalived would have no peer and keep the VIPs in FAULT state (down). Add a \
             second director, or remove `unicast`",
        );
    }
    let named_groups = !vrrp.groups.0.is_empty();
    let preempt_delay = vrrp.preempt_delay.map_or(
        named_groups.then_some(super::vrrp_groups::DEFAULT_GROUP_PREEMPT_DELAY),
        |seconds| Some(seconds.get()),
    );
    Some(model::Vrrp {
        virtual_router_id: vrrp.virtual_router_id.map(|id| id.get()),
        groups: super::vrrp_groups::groups(vrrp, raw, services, problems),
        named_groups,
        preempt_delay: preempt_delay.filter(|seconds| *seconds > 0),
        advert_int: vrrp
            .advert_int
            .map_or(DEFAULT_ADVERT_INT, |seconds| seconds.get()),
        password: vrrp
            .password
            .as_ref()
            .map(|password| password.get().clone()),
        sync_connections: vrrp
            .sync_connections
            .unwrap_or(director_count >= 2 && !unicast),
        unicast,
        notify: super::director_options::notify(vrrp.notify.as_ref()),
    })
}

/// Director names are folder names next to the hosts'; director addresses
/// are unique and never a VIP; priorities differ, so that one master is
/// elected by priority rather than by address.
fn check_director_identities(raw: &inventory::Inventory, problems: &mut Problems) {
    let vips: Vec<IpAddr> = raw
        .services
        .0
        .iter()
        .flat_map(|(_, service)| service.vips.iter().map(Vip::get))
        .collect();
    // Each address taken so far, with its owner's section and name.
    let mut taken: Vec<(IpAddr, &str, &str)> = raw
        .hosts
        .0
        .iter()
        .flat_map(|(name, host)| {
            host.address
                .get()
                .iter()
                .map(move |address| (*address, "host", name.get().as_str()))
        })
        .collect();
    let mut priorities: Vec<(u32, &str)> = Vec::new();
    let mut folded: Vec<(String, &str)> = Vec::new();
    for (name, director) in &raw.directors.0 {
        let path = InventoryPath::at("directors").key(name);
        let lower = name.get().to_ascii_lowercase();
        if let Some((_, first)) = folded.iter().find(|(seen, _)| *seen == lower) {
            problems.add_pair(
                Code::DirectorNameCase,
                (&path, InventoryPath::at("directors").key(first)),
                format!(
                    "director names `{first}` and `{name}` differ only in letter case; names are \
                     case-insensitive and name folders: rename one"
                ),
            );
        }
        folded.push((lower, name.get()));
        if let Some((host, _)) = raw
            .hosts
            .0
            .iter()
            .find(|(host, _)| host.get().eq_ignore_ascii_case(name.get()))
        {
            problems.add_pair(
                Code::DirectorNameTaken,
                (&path, InventoryPath::at("hosts").key(host)),
                format!(
                    "`{name}` is also the name of host {host}: each host and director names its \
                     own folder in the output; rename one"
                ),
            );
        }
        for address in director.address.get() {
            if let Some((_, kind, owner)) = taken.iter().find(|(taken, ..)| taken == address) {
                problems.add_pair(
                    Code::DirectorAddressTaken,
                    (
                        path.clone().key("address"),
                        InventoryPath::at(format!("{kind}s"))
                            .key(owner)
                            .key("address"),
                    ),
                    format!("{address} is also the address of {kind} {owner}: each needs its own"),
                );
            } else if vips.contains(address) {
                problems.add(
                    Code::DirectorAddressIsVip,
                    path.clone().key("address"),
                    format!(
                        "{address} is a VIP: a director's own address must stay with it, while \
                         the VIPs move between the directors"
                    ),
                );
            }
            taken.push((*address, "director", name.get().as_str()));
        }
        let priority = director.priority.get();
        if let Some((_, other)) = priorities.iter().find(|(seen, _)| *seen == priority) {
            problems.add_pair(
                Code::DuplicatePriority,
                (
                    path.clone().key("priority"),
                    InventoryPath::at("directors").key(other).key("priority"),
                ),
                format!(
                    "director {other} has the same priority {priority}: give each director its \
                     own, the highest for the one that should be master"
                ),
            );
        }
        priorities.push((priority, name.get()));
    }
}

/// Every director balances every VIP, so, like a real server that carries
/// a VIP, it needs its own address in the VIP's family on the segment: IPVS
/// hands the packet to the real server's MAC address found by ARP or
/// neighbour discovery from that address, and the health checks come from
/// it. Without one, the VIP's traffic would take the default route.
fn check_director_families(
    raw: &inventory::Inventory,
    services: &[Service],
    segment: &[Segment],
    problems: &mut Problems,
) {
    let vips: Vec<IpAddr> = services
        .iter()
        .flat_map(|service| service.vips.iter().copied())
        .collect();
    for (name, director) in &raw.directors.0 {
        let addresses = &director.address.get();
        for (vip, family, example) in families_without_address(&vips, addresses, segment, 2) {
            problems.add(
                Code::DirectorFamilyWithoutAddress,
                InventoryPath::at("directors").key(name).key("address"),
                format!(
                    "the directors balance the {family} VIP {vip}, and reach its real servers \
                     only from an {family} address of their own on the segment: add one, as in \
                     `address: [{}, {example}]`",
                    first_address(director.address.get())
                ),
            );
        }
    }
}

/// What the directors balance must reach real servers that can take it:
/// every service has ports and at least one host, and every host has an
/// address in the family of each of its VIPs (IPVS forwards an IPv6 VIP
/// only to an IPv6 real server).
fn check_balanced_services(
    services: &[Service],
    hosts: &[Host],
    segment: &[Segment],
    problems: &mut Problems,
) {
    check_virtual_services_unique(services, problems);
    for service in services {
        let path = InventoryPath::at("services").key(&service.name);
        if service.ports.is_empty() {
            problems.add_missing(
                Code::ServiceWithoutPorts,
                (path.clone().key("ports"), &path),
                "the directors balance a service by port: list at least one, such as `ports: [80]`",
            );
        }
        if !hosts
            .iter()
            .any(|host| host.services.contains(&service.name))
        {
            problems.add(
                Code::ServiceWithoutHosts,
                &path,
                "no host serves it, so the directors would balance its VIPs to no real server: \
                 add it to a host's `services`, or remove it",
            );
        }
    }
    for host in hosts {
        for (vip, family, example) in
            families_without_address(&host.vips, &host.addresses, segment, 11)
        {
            problems.add(
                Code::VipFamilyWithoutAddress,
                InventoryPath::at("hosts").key(&host.name).key("address"),
                format!(
                    "the host carries the {family} VIP {vip}, and the directors forward it \
                     only to the host's own {family} address: add one, as in \
                     `address: [{}, {example}]`",
                    first_address(&host.addresses)
                ),
            );
        }
    }
}

/// For each address family that `vips` use and `addresses` lack: the
/// first such VIP, the family's name, and an example address (see
/// [`example_address`]).
fn families_without_address(
    vips: &[IpAddr],
    addresses: &[IpAddr],
    segment: &[Segment],
    example_host: u8,
) -> Vec<(IpAddr, &'static str, String)> {
    [true, false]
        .into_iter()
        .filter(|ipv4| !addresses.iter().any(|address| address.is_ipv4() == *ipv4))
        .filter_map(|ipv4| {
            let vip = vips.iter().find(|vip| vip.is_ipv4() == ipv4)?;
            let family = if ipv4 { "IPv4" } else { "IPv6" };
            let example = example_address(ipv4, addresses, segment, example_host);
            Some((*vip, family, example.to_string()))
        })
        .collect()
}

/// The segment that suggested addresses go in: the inventory's, or where
/// it gives none, the /24 or /64 of the first director address of each
/// family (directors and real servers share one segment).
fn suggestion_segment(raw: &inventory::Inventory) -> Vec<Segment> {
    if !raw.segment.is_empty() {
        return raw.segment.clone();
    }
    let addresses: Vec<IpAddr> = raw
        .directors
        .0
        .iter()
        .flat_map(|(_, director)| director.address.get().iter().copied())
        .collect();
    [true, false]
        .into_iter()
        .filter_map(|ipv4| {
            let address = addresses.iter().find(|a| a.is_ipv4() == ipv4)?;
            let length = if ipv4 { 24 } else { 64 };
            Segment::around(*address, length)
        })
        .collect()
}

/// An address of the family `ipv4` to suggest to a machine that has
/// `addresses` in the other one: in `segment` (see [`suggestion_segment`])
/// when it has a prefix of that family (else in the documentation prefix, `192.0.2.0/24` or
/// `2001:db8::/64`), numbered like the machine's address of the other
/// family (192.0.2.11 and `…::11` go together, as the article numbers
/// them) or else `example_host`.
fn example_address(
    ipv4: bool,
    addresses: &[IpAddr],
    segment: &[Segment],
    example_host: u8,
) -> IpAddr {
    // 192.0.2.11 and 2001:db8::11 go together: the last number, as text.
    let number = addresses
        .iter()
        .find_map(|address| match address {
            IpAddr::V4(v4) if !ipv4 => Some(v4.octets()[3]),
            IpAddr::V6(v6) if ipv4 => format!("{:x}", v6.segments()[7])
                .parse::<u8>()
                .ok()
                .filter(|number| (1..=254).contains(number)),
            _ => None,
        })
        .unwrap_or(example_host);
    let prefix = segment
        .iter()
        .map(Segment::get)
        .find(|prefix| prefix.addr().is_ipv4() == ipv4);
    match prefix {
        Some(ipnet::IpNet::V4(net)) => {
            let host = u32::from(number) & u32::from(net.hostmask());
            IpAddr::V4((u32::from(net.network()) | host).into())
        }
        Some(ipnet::IpNet::V6(net)) => {
            // `::11` reads as the IPv4 address's last number: hex digits.
            let digits = u128::from_str_radix(&number.to_string(), 16).unwrap_or(1);
            IpAddr::V6((u128::from(net.network()) | (digits & u128::from(net.hostmask()))).into())
        }
        None if ipv4 => IpAddr::from([192, 0, 2, number]),
        None => format!("2001:db8::{number}")
            .parse()
            .unwrap_or(IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])),
    }
}

/// The first address, or nothing, for an example.
fn first_address(addresses: &[IpAddr]) -> String {
    addresses
        .first()
        .map_or_else(String::new, ToString::to_string)
}

/// Services may share a VIP, on other ports: IPVS keeps one virtual
/// service per address, port and protocol, so two services balancing the
/// same one would give the directors two conflicting `virtual_server`
/// blocks (keepalived -t accepts them).
fn check_virtual_services_unique(services: &[Service], problems: &mut Problems) {
    let mut owners: Vec<((IpAddr, u16, &str), &str, usize)> = Vec::new();
    for service in services {
        for (index, port) in service.ports.iter().enumerate() {
            for vip in &service.vips {
                let key = (*vip, port.port(), port.protocol().name());
                match owners.iter().find(|(taken, ..)| *taken == key) {
                    Some((_, owner, first)) => problems.add_pair(
                        Code::DuplicateVirtualService,
                        (
                            InventoryPath::at("services")
                                .key(&service.name)
                                .key("ports")
                                .index(index),
                            InventoryPath::at("services")
                                .key(owner)
                                .key("ports")
                                .index(*first),
                        ),
                        format!(
                            "{vip} port {}/{} is also balanced by service {owner}: IPVS keeps one \
                             virtual service per address, port and protocol, so the directors \
                             would get two conflicting definitions; use another port or VIP, \
                             or merge the services",
                            port.port(),
                            port.protocol().name()
                        ),
                    ),
                    None => owners.push((key, &service.name, index)),
                }
            }
        }
    }
}

/// The segment has one prefix per family, and every director and host
/// address of that family lies inside it: direct routing hands packets to a
/// real server by its MAC address, so no router may stand between them.
fn check_segment(raw: &inventory::Inventory, problems: &mut Problems) {
    for (index, prefix) in raw.segment.iter().enumerate() {
        if let Some(earlier) = raw.segment[..index]
            .iter()
            .position(|earlier| earlier.get().addr().is_ipv4() == prefix.get().addr().is_ipv4())
        {
            problems.add_pair(
                Code::DuplicateSegmentFamily,
                (
                    InventoryPath::at("segment").index(index),
                    InventoryPath::at("segment").index(earlier),
                ),
                "a second prefix of the same address family: the segment is one L2 network, \
                 give one IPv4 and at most one IPv6 prefix",
            );
        }
    }
    if raw.segment.is_empty() {
        return;
    }
    let members = raw
        .hosts
        .0
        .iter()
        .map(|(name, host)| (("hosts", name), host.address.get()))
        .chain(
            raw.directors
                .0
                .iter()
                .map(|(name, director)| (("directors", name), director.address.get())),
        );
    for ((section, name), addresses) in members {
        for address in addresses {
            if let Some(prefix) = raw
                .segment
                .iter()
                .map(Segment::get)
                .find(|segment| segment.addr().is_ipv4() == address.is_ipv4())
            {
                if !prefix.contains(address) {
                    problems.add(
                        Code::AddressOutsideSegment,
                        InventoryPath::at(section).key(name).key("address"),
                        format!(
                            "{address} is outside the segment {prefix}: direct routing hands \
                             packets to the real servers by MAC address, so directors and real \
                             servers must share one L2 segment with no router between them"
                        ),
                    );
                }
            }
        }
    }
}
