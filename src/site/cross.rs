//! The checks across a site's clusters, each on the later cluster's file
//! and line, naming the earlier one's place (`file:line:column`) in its
//! message: a VIP in two clusters, a host's or director's address in two
//! clusters (or one's VIP another's machine address), a machine name in two
//! clusters, and two clusters whose directors may share a segment with one
//! `virtual_router_id` in one address family.
//!
//! Only valid clusters are compared (an invalid one's problems are its
//! own). Each map holds the first cluster's entry for a key, so that a
//! site of three clusters of 10,000 hosts is checked in one pass over each;
//! the problems' places are read from the texts only when there are any.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;

use super::cluster::Cluster;
use super::routers::{routers, Router, RouterKind};
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::yaml::InventoryPath;

/// Every problem across `clusters`, placed, in the site's order: for each
/// cluster, its names, then its addresses and VIPs, then its routers.
pub fn check(clusters: &[Cluster]) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let mut names = HashMap::new();
    let mut addresses = HashMap::new();
    let routers: Vec<Vec<Router>> = clusters.iter().map(|c| routers(&c.model)).collect();
    for index in 0..clusters.len() {
        check_names(index, clusters, &mut names, &mut findings);
        check_addresses(index, clusters, &mut addresses, &mut findings);
        check_routers(index, clusters, &routers, &mut findings);
    }
    place(clusters, &findings)
}

/// A problem found: on cluster `cluster`'s value at `path`, naming the
/// value at `other.1` in cluster `other.0`; `message` words it given that
/// other value's place.
struct Finding {
    cluster: usize,
    path: InventoryPath,
    code: Code,
    other: (usize, InventoryPath),
    message: Box<dyn Fn(&str) -> String>,
}

/// A machine of a cluster, as the maps keep it.
#[derive(Clone, Copy)]
enum Machine {
    /// `hosts[index]`.
    Host(usize),
    /// `directors[index]`.
    Director(usize),
}

impl Machine {
    fn role(self) -> &'static str {
        match self {
            Machine::Host(_) => "host",
            Machine::Director(_) => "director",
        }
    }

    fn name(self, cluster: &Cluster) -> &str {
        match self {
            Machine::Host(index) => &cluster.model.hosts[index].name,
            Machine::Director(index) => &cluster.model.directors[index].name,
        }
    }

    fn path(self, cluster: &Cluster) -> InventoryPath {
        let table = match self {
            Machine::Host(_) => "hosts",
            Machine::Director(_) => "directors",
        };
        InventoryPath::at(table).key(self.name(cluster))
    }

    fn addresses(self, cluster: &Cluster) -> &[IpAddr] {
        match self {
            Machine::Host(index) => &cluster.model.hosts[index].addresses,
            Machine::Director(index) => &cluster.model.directors[index].addresses,
        }
    }
}

/// The machines of `cluster`: hosts, then directors.
fn machines(cluster: &Cluster) -> impl Iterator<Item = Machine> {
    let hosts = (0..cluster.model.hosts.len()).map(Machine::Host);
    hosts.chain((0..cluster.model.directors.len()).map(Machine::Director))
}

/// A machine name in two clusters (letter case aside): a machine belongs to
/// one cluster, whose files it gets and whose inventory it is verified,
/// applied and recorded against.
fn check_names(
    index: usize,
    clusters: &[Cluster],
    first: &mut HashMap<String, (usize, Machine, String)>,
    findings: &mut Vec<Finding>,
) {
    let cluster = &clusters[index];
    for machine in machines(cluster) {
        let name = machine.name(cluster);
        let folded = name.to_ascii_lowercase();
        match first.get(&folded) {
            Some((earlier, theirs, their_name)) if *earlier != index => {
                let (role, their_role) = (machine.role(), theirs.role());
                let as_written = if their_name == name {
                    String::new()
                } else {
                    format!(" as `{their_name}`")
                };
                let name = name.to_owned();
                findings.push(Finding {
                    cluster: index,
                    path: machine.path(cluster),
                    code: Code::ClusterNameTaken,
                    other: (
                        *earlier,
                        InventoryPath::at(format!("{their_role}s")).key(their_name),
                    ),
                    message: Box::new(move |at| {
                        format!(
                            "`{name}` is also a {their_role} of {at}{as_written}: a machine \
                             belongs to one cluster, whose files it gets and whose inventory \
                             it is verified, applied and recorded against; rename this \
                             {role}, or keep the machine in one cluster"
                        )
                    }),
                });
            }
            Some(_) => {}
            None => {
                first.insert(folded, (index, machine, name.to_owned()));
            }
        }
    }
}

/// Where an address is used first: a machine's own address, or a VIP
/// (`services[service].vips[vip]`).
#[derive(Clone, Copy)]
enum Use {
    Machine(Machine),
    Vip { service: usize, vip: usize },
}

impl Use {
    fn path(self, cluster: &Cluster) -> InventoryPath {
        match self {
            Use::Machine(machine) => machine.path(cluster).key("address"),
            Use::Vip { service, vip } => InventoryPath::at("services")
                .key(&cluster.model.services[service].name)
                .key("vips")
                .index(vip),
        }
    }

    /// "the address of host web01", "a VIP of service www".
    fn what(self, cluster: &Cluster) -> String {
        match self {
            Use::Machine(machine) => {
                format!(
                    "the address of {} {}",
                    machine.role(),
                    machine.name(cluster)
                )
            }
            Use::Vip { service, .. } => {
                format!("a VIP of service {}", cluster.model.services[service].name)
            }
        }
    }
}

/// The addresses `cluster` uses: its machines' own, then its VIPs, each
/// VIP once (services of one cluster may share one).
fn uses(cluster: &Cluster) -> Vec<(IpAddr, Use)> {
    let mut found = Vec::new();
    for machine in machines(cluster) {
        for address in machine.addresses(cluster) {
            found.push((*address, Use::Machine(machine)));
        }
    }
    let mut vips = HashSet::new();
    for (service, entry) in cluster.model.services.iter().enumerate() {
        for (vip, address) in entry.vips.iter().enumerate() {
            if vips.insert(*address) {
                found.push((*address, Use::Vip { service, vip }));
            }
        }
    }
    found
}

/// An address in two clusters: a VIP in both (both clusters' directors
/// would claim it, both clusters' real servers take its packets), a
/// machine's address in both (two machines, or one machine in two
/// clusters), or one's VIP the other's machine address.
fn check_addresses(
    index: usize,
    clusters: &[Cluster],
    first: &mut HashMap<IpAddr, (usize, Use)>,
    findings: &mut Vec<Finding>,
) {
    let cluster = &clusters[index];
    for (address, found) in uses(cluster) {
        let Some(&(earlier, theirs)) = first.get(&address) else {
            first.insert(address, (index, found));
            continue;
        };
        if earlier == index {
            continue;
        }
        let (code, why) = match (found, theirs) {
            (Use::Vip { .. }, Use::Vip { .. }) => (
                Code::ClusterVipTaken,
                "both clusters' directors would claim it by VRRP and both clusters' real \
                 servers accept its packets; a VIP belongs to one cluster, so remove it from \
                 one of them",
            ),
            (Use::Machine(_), Use::Machine(_)) => (
                Code::ClusterAddressTaken,
                "one address is one machine, and a machine belongs to one cluster; give \
                 each machine its own address",
            ),
            _ => (
                Code::ClusterAddressTaken,
                "a machine's own address is never a VIP (the machine would answer ARP for \
                 it); choose another VIP or another address",
            ),
        };
        let theirs_what = theirs.what(&clusters[earlier]);
        findings.push(Finding {
            cluster: index,
            path: found.path(cluster),
            code,
            other: (earlier, theirs.path(&clusters[earlier])),
            message: Box::new(move |at| format!("{address} is also {theirs_what} in {at}: {why}")),
        });
    }
}

/// Two clusters whose directors may share a segment ([`shared_segment`])
/// and send under one id in one address family: two VRRP routers, or two
/// sync daemons (named only when their routers are not already).
fn check_routers(
    index: usize,
    clusters: &[Cluster],
    all: &[Vec<Router>],
    findings: &mut Vec<Finding>,
) {
    let cluster = &clusters[index];
    let mut clashed: Vec<(usize, u32)> = Vec::new();
    for ours in &all[index] {
        for (earlier, other) in clusters[..index].iter().enumerate() {
            let id = ours.virtual_router_id;
            if ours.kind == RouterKind::Sync && clashed.contains(&(earlier, id)) {
                continue;
            }
            let same =
                |theirs: &&Router| theirs.kind == ours.kind && theirs.virtual_router_id == id;
            for theirs in all[earlier].iter().filter(same) {
                let reasons: Vec<(&str, String)> = [(true, "IPv4"), (false, "IPv6")]
                    .into_iter()
                    .filter(|(ipv4, _)| ours.carries(*ipv4) && theirs.carries(*ipv4))
                    .filter_map(|(ipv4, family)| {
                        shared_segment((other, theirs), (cluster, ours), ipv4)
                            .map(|why| (family, why))
                    })
                    .collect();
                if reasons.is_empty() {
                    continue;
                }
                clashed.push((earlier, id));
                let families: Vec<&str> = reasons.iter().map(|(family, _)| *family).collect();
                let (families, why) = (families.join(" and "), reasons[0].1.clone());
                let message: Box<dyn Fn(&str) -> String> = match ours.kind {
                    RouterKind::Vrrp => Box::new(move |at: &str| {
                        format!(
                            "virtual_router_id {id} is also the {families} VRRP router of \
                                 {at}, and {why}: routers with one id on one segment take each \
                                 other's advertisements and fight over the VIPs; give one \
                                 cluster another virtual_router_id"
                        )
                    }),
                    RouterKind::Sync => Box::new(move |at: &str| {
                        format!(
                            "{id} is the connection sync id (the lowest virtual_router_id) \
                             here and in {at}, and {why}: each cluster's backup sync daemons \
                             would take the other's {families} sync messages, with its \
                             connections; give one cluster another lowest virtual_router_id"
                        )
                    }),
                };
                findings.push(Finding {
                    cluster: index,
                    path: ours.path.clone(),
                    code: Code::ClusterRouterIdTaken,
                    other: (earlier, theirs.path.clone()),
                    message,
                });
            }
        }
    }
}

/// Whether two clusters' directors (a router of each) may share a segment
/// in the family of `ipv4`, and why: both declare a segment of that family
/// and the two overlap; one declares one and a director of the other has an
/// address in it; or neither declares one, so nothing says they do not.
fn shared_segment(
    (first, theirs): (&Cluster, &Router),
    (second, ours): (&Cluster, &Router),
    ipv4: bool,
) -> Option<String> {
    let prefix = |cluster: &Cluster| {
        cluster
            .segment
            .iter()
            .find(|prefix| prefix.addr().is_ipv4() == ipv4)
            .copied()
    };
    match (prefix(first), prefix(second)) {
        (Some(a), Some(b)) if a == b => Some(format!("both clusters are on the segment {a}")),
        (Some(a), Some(b)) => (a.contains(&b.network()) || b.contains(&a.network())).then(|| {
            format!(
                "their segments {a} (`{}`) and {b} (`{}`) overlap",
                first.name, second.name
            )
        }),
        (Some(a), None) => director_in(a, second, ours),
        (None, Some(b)) => director_in(b, first, theirs),
        (None, None) => Some(format!(
            "neither `{}` nor `{}` declares a `segment` that would tell their directors apart",
            first.name, second.name
        )),
    }
}

/// Why `router`'s directors (of `cluster`, which declares no segment of
/// that family) share the segment `prefix`: the first of them with an
/// address in it.
fn director_in(prefix: IpNet, cluster: &Cluster, router: &Router) -> Option<String> {
    router.directors.iter().find_map(|director| {
        let address = director
            .addresses
            .iter()
            .find(|address| prefix.contains(*address))?;
        Some(format!(
            "`{}`'s director {} ({address}, on {}) is in the other's segment {prefix}",
            cluster.name, director.name, director.interface
        ))
    })
}

/// The findings as diagnostics: each placed in its own cluster's text, its
/// message naming the other value's cluster, file, line and column.
fn place(clusters: &[Cluster], findings: &[Finding]) -> Vec<Diagnostic> {
    if findings.is_empty() {
        return Vec::new();
    }
    let mut probes: Vec<Vec<Diagnostic>> = vec![Vec::new(); clusters.len()];
    for finding in findings {
        let (cluster, path) = &finding.other;
        let file = clusters[*cluster].file();
        probes[*cluster].push(Diagnostic::at_path(&file, finding.code, path.clone(), ""));
        let own = &clusters[finding.cluster];
        probes[finding.cluster].push(Diagnostic::at_path(
            &own.file(),
            finding.code,
            finding.path.clone(),
            "",
        ));
    }
    for (cluster, list) in clusters.iter().zip(&mut probes) {
        crate::inventory::locate(&cluster.text, list);
    }
    let located: HashMap<(usize, &str), &Diagnostic> = probes
        .iter()
        .enumerate()
        .flat_map(|(cluster, list)| {
            list.iter()
                .filter_map(move |probe| Some(((cluster, probe.path.as_deref()?), probe)))
        })
        .collect();
    findings
        .iter()
        .map(|finding| {
            let (other, path) = &finding.other;
            let cluster = &clusters[*other];
            let at = match located
                .get(&(*other, path.as_str()))
                .and_then(|p| p.location)
            {
                Some(place) => format!(
                    "cluster `{}` ({}:{}:{})",
                    cluster.name,
                    cluster.file(),
                    place.line,
                    place.column
                ),
                None => format!("cluster `{}` ({}: {path})", cluster.name, cluster.file()),
            };
            let mut problem = located[&(finding.cluster, finding.path.as_str())].clone();
            problem.code = finding.code;
            problem.message = (finding.message)(&at);
            problem
        })
        .collect()
}
