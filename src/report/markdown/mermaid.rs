//! The Mermaid diagram of `plan --format markdown`: the cluster after the
//! change, left to right: the directors (the VRRP master's edge thick), the
//! VRRP group of the VIPs, the services with their VIPs and ports (one
//! virtual server per VIP and port), and the real servers with their
//! weight in each service. What the change adds, removes, drains or
//! changes (a weight, a priority, a rename, an address passing between
//! hosts, a master moving) is marked by colour *and* in words in the box,
//! so that the picture reads without colour too.
//!
//! Large clusters stay readable: real servers that do not change are
//! grouped per set of services into one box, as are changing real servers
//! of one kind beyond a few, and services that do not change beyond a few.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::IpAddr;

use crate::rollout::{vrrp_groups, Action, RolloutPlan, VrrpGroup};
use crate::validate::model::{Host, Inventory, Service};

/// What the colours mean, under the diagram.
pub const LEGEND: &str = "<sub>Green: added · red, dashed: removed · amber: drained \
    (weight 0: no new connections) · blue: changed or moved · grey: unchanged, grouped. \
    Thick edge: the VRRP master; edge labels: IPVS weights.</sub>";

/// Unchanged real servers of one set of services are grouped from this
/// many on; changing ones of one kind are listed up to [`MOST_SHOWN`], the
/// rest grouped.
const GROUP_FROM: usize = 4;
const MOST_SHOWN: usize = 6;
/// Services beyond this many that do not change are grouped.
const MOST_SERVICES: usize = 12;
/// VIPs listed in a service's box.
const MOST_VIPS: usize = 4;

/// How the change touches a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    Added,
    Drained,
    Changed,
    Same,
}

impl Mark {
    fn class(self) -> &'static str {
        match self {
            Mark::Added => "added",
            Mark::Drained => "drained",
            Mark::Changed => "changed",
            Mark::Same => "same",
        }
    }
}

const CLASSES: &str =
    "    classDef added fill:#dafbe1,stroke:#1a7f37,stroke-width:2px,color:#0b2e13
    classDef removed fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:6 4,color:#4c0a0a
    classDef drained fill:#fff8c5,stroke:#9a6700,stroke-width:2px,color:#3b2300
    classDef changed fill:#ddf4ff,stroke:#0969da,stroke-width:2px,color:#0a2a4f
    classDef same fill:#f6f8fa,stroke:#8c959f,color:#24292f
";

/// A Mermaid box label: its lines joined by `<br/>`, quotes escaped.
fn label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|line| line.replace('"', "#quot;"))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// The diagram, fenced as a `mermaid` code block.
pub fn diagram(plan: &RolloutPlan, old: &Inventory, new: &Inventory) -> String {
    let facts = Facts::new(plan, old, new);
    let mut out = String::from("```mermaid\nflowchart LR\n");
    out.push_str(CLASSES);
    directors(&mut out, &facts);
    let shown = services(&mut out, &facts);
    real_servers(&mut out, &facts, &shown);
    out.push_str("```\n");
    out
}

/// What the diagram needs to know of the plan and the two inventories.
struct Facts<'a> {
    old: &'a Inventory,
    new: &'a Inventory,
    /// Machines the plan touches, and hosts whose real server changes on
    /// the directors.
    touched: BTreeSet<&'a str>,
    /// (new name, old name) of renamed hosts.
    renames: Vec<(&'a str, &'a str)>,
    /// (address, old host, new host) of addresses passing between hosts.
    address_moves: Vec<(IpAddr, &'a str, &'a str)>,
    /// The master moves: (group, from, to).
    master_moves: Vec<(&'a str, &'a str, &'a str)>,
    /// OLD's hosts by name, NEW's host names.
    old_hosts: BTreeMap<&'a str, &'a Host>,
    new_names: BTreeSet<&'a str>,
    /// The services that change (their own settings or their real servers).
    changing_services: BTreeSet<&'a str>,
}

impl<'a> Facts<'a> {
    fn new(plan: &'a RolloutPlan, old: &'a Inventory, new: &'a Inventory) -> Self {
        let mut touched = BTreeSet::new();
        for step in plan.phases.iter().flat_map(|phase| &phase.steps) {
            touched.insert(step.machine.as_str());
            for action in &step.actions {
                match action {
                    Action::AddRealServer { host, .. }
                    | Action::ChangeWeight { host, .. }
                    | Action::RemoveRealServer { host, .. } => {
                        touched.insert(host.as_str());
                    }
                    Action::RenameRealServer { to, .. } => {
                        touched.insert(to.as_str());
                    }
                    _ => {}
                }
            }
        }
        let consequences = &plan.consequences;
        let mut facts = Facts {
            old,
            new,
            touched,
            renames: consequences
                .renames
                .iter()
                .map(|rename| (rename.to.as_str(), rename.from.as_str()))
                .collect(),
            address_moves: consequences
                .address_moves
                .iter()
                .map(|moved| (moved.address, moved.from.as_str(), moved.to.as_str()))
                .collect(),
            master_moves: consequences
                .master_moves
                .iter()
                .map(|moved| (moved.group.as_str(), moved.from.as_str(), moved.to.as_str()))
                .collect(),
            old_hosts: old
                .hosts
                .iter()
                .map(|host| (host.name.as_str(), host))
                .collect(),
            new_names: new.hosts.iter().map(|host| host.name.as_str()).collect(),
            changing_services: BTreeSet::new(),
        };
        facts.changing_services = facts.find_changing_services();
        facts
    }

    fn old_host(&self, host: &Host) -> Option<&'a Host> {
        let name = self
            .renames
            .iter()
            .find(|(to, _)| *to == host.name)
            .map_or(host.name.as_str(), |(_, from)| from);
        self.old_hosts.get(name).copied()
    }

    /// The hosts of OLD that are gone (not renamed).
    fn removed_hosts(&self) -> impl Iterator<Item = &'a Host> + '_ {
        self.old.hosts.iter().filter(|host| {
            !self.new_names.contains(host.name.as_str())
                && !self.renames.iter().any(|(_, from)| *from == host.name)
        })
    }

    /// The services whose settings change, or whose real servers: one
    /// pass over the hosts.
    fn find_changing_services(&self) -> BTreeSet<&'a str> {
        let mut changing: BTreeSet<&'a str> = self
            .new
            .services
            .iter()
            .filter(|service| service_mark(self.old, service) != Mark::Same)
            .map(|service| service.name.as_str())
            .collect();
        for host in &self.new.hosts {
            let before = self.old_host(host);
            if self.host_mark(host) != Mark::Same {
                changing.extend(host.services.iter().map(String::as_str));
            }
            if let Some(before) = before {
                changing.extend(
                    before
                        .services
                        .iter()
                        .filter(|s| !host.services.contains(s))
                        .map(String::as_str),
                );
            }
        }
        for host in self.removed_hosts() {
            changing.extend(host.services.iter().map(String::as_str));
        }
        changing
    }

    fn host_mark(&self, host: &Host) -> Mark {
        if self.old_host(host).is_none() {
            return Mark::Added;
        }
        let directed = !self.new.directors.is_empty();
        if directed
            && !host.services.is_empty()
            && host.services.iter().all(|s| host.weight_in(s) == 0)
        {
            return Mark::Drained;
        }
        let moved = self
            .address_moves
            .iter()
            .any(|(_, from, to)| *from == host.name || *to == host.name);
        if self.touched.contains(host.name.as_str()) || moved {
            Mark::Changed
        } else {
            Mark::Same
        }
    }
}

fn directors(out: &mut String, facts: &Facts) {
    let (old, new) = (facts.old, facts.new);
    if old.directors.is_empty() && new.directors.is_empty() {
        return;
    }
    let _ = writeln!(out, "    subgraph directors[\"directors\"]");
    for (index, director) in new.directors.iter().enumerate() {
        let before = old.directors.iter().find(|d| d.name == director.name);
        let moved = facts
            .master_moves
            .iter()
            .any(|(_, from, to)| *from == director.name || *to == director.name);
        let mark = match before {
            None => Mark::Added,
            Some(_) if moved || facts.touched.contains(director.name.as_str()) => Mark::Changed,
            Some(_) => Mark::Same,
        };
        let role = if crate::rollout::masters_any(facts.new, &director.name) {
            "master"
        } else {
            "backup"
        };
        let mut lines = vec![director.name.clone()];
        match before {
            Some(before) if before.priority != director.priority => lines.push(format!(
                "{role} · priority {} → {}",
                before.priority, director.priority
            )),
            _ => lines.push(format!("{role} · priority {}", director.priority)),
        }
        if mark == Mark::Added {
            lines.push("added".to_owned());
        } else if facts.touched.contains(director.name.as_str()) {
            lines.push("reloaded".to_owned());
        }
        if let Some((_, from, _)) = facts
            .master_moves
            .iter()
            .find(|(_, _, to)| *to == director.name)
        {
            lines.push(format!("takes the VIPs from {from}"));
        }
        if let Some((_, _, to)) = facts
            .master_moves
            .iter()
            .find(|(_, from, _)| *from == director.name)
        {
            lines.push(format!("was master: hands the VIPs to {to}"));
        }
        let _ = writeln!(
            out,
            "        d{index}[\"{}\"]:::{}",
            label(&lines),
            mark.class()
        );
    }
    for (index, director) in old
        .directors
        .iter()
        .filter(|d| !new.directors.iter().any(|n| n.name == d.name))
        .enumerate()
    {
        let lines = vec![director.name.clone(), "removed".to_owned()];
        let _ = writeln!(out, "        dx{index}[\"{}\"]:::removed", label(&lines));
    }
    let _ = writeln!(out, "    end");
    for (index, group) in vrrp_groups(new).iter().enumerate() {
        group_box(out, facts, index, group);
    }
}

/// A VRRP group's box, and its directors' edges: the master's thick.
fn group_box(out: &mut String, facts: &Facts, index: usize, group: &VrrpGroup) {
    let mut lines = vec![
        format!("VRRP {}", group.name),
        format!(
            "{} VIP{}",
            group.vips.len(),
            if group.vips.len() == 1 { "" } else { "s" }
        ),
    ];
    let moved = facts
        .master_moves
        .iter()
        .find(|(name, _, _)| *name == group.name);
    if let Some((_, from, to)) = moved {
        lines.push(format!("master moves {from} → {to}"));
    }
    let mark = if moved.is_some() {
        Mark::Changed
    } else {
        Mark::Same
    };
    let _ = writeln!(
        out,
        "    g{index}{{{{\"{}\"}}}}:::{}",
        label(&lines),
        mark.class()
    );
    let master = group.master();
    for (number, director) in facts.new.directors.iter().enumerate() {
        if Some(director.name.as_str()) == master {
            let _ = writeln!(out, "    d{number} ==>|master| g{index}");
        } else {
            let _ = writeln!(out, "    d{number} -.->|backup| g{index}");
        }
    }
}

fn service_mark(old: &Inventory, service: &Service) -> Mark {
    match old.services.iter().find(|s| s.name == service.name) {
        None => Mark::Added,
        Some(before) if format!("{before:?}") != format!("{service:?}") => Mark::Changed,
        Some(_) => Mark::Same,
    }
}

/// The services' boxes and the group's edges to them; returns the names
/// of the services drawn one by one. Beyond [`MOST_SERVICES`], only the
/// first that change are drawn; the other changing ones, and those that
/// do not change, are one box each.
fn services(out: &mut String, facts: &Facts) -> Vec<String> {
    let (old, new) = (facts.old, facts.new);
    let crowded = new.services.len() > MOST_SERVICES;
    let changing = |service: &&Service| facts.changing_services.contains(service.name.as_str());
    let drawn: BTreeSet<&str> = if crowded {
        new.services
            .iter()
            .filter(changing)
            .take(MOST_SERVICES)
            .map(|service| service.name.as_str())
            .collect()
    } else {
        new.services.iter().map(|s| s.name.as_str()).collect()
    };
    let groups = vrrp_groups(new);
    let group_edges = |out: &mut String, node: &str, service: Option<&Service>| {
        for (index, group) in groups.iter().enumerate() {
            if service.is_none_or(|s| s.vips.iter().any(|vip| group.vips.contains(vip))) {
                let _ = writeln!(out, "    g{index} --> {node}");
            }
        }
    };
    let mut shown = Vec::new();
    for (index, service) in new.services.iter().enumerate() {
        if drawn.contains(service.name.as_str()) {
            shown.push(service.name.clone());
            service_box(out, old, index, service);
            group_edges(out, &format!("s{index}"), Some(service));
        }
    }
    let hidden: Vec<&Service> = new
        .services
        .iter()
        .filter(|s| !drawn.contains(s.name.as_str()))
        .collect();
    for (node, changes) in [("sc", true), ("sg", false)] {
        let members: Vec<&&Service> = hidden.iter().filter(|s| changing(s) == changes).collect();
        if let (Some(first), Some(last)) = (members.first(), members.last()) {
            let (word, class) = if changes {
                ("more services that change (the steps list them)", "changed")
            } else {
                ("unchanged services", "same")
            };
            let lines = vec![
                format!("{} {word}", members.len()),
                format!("{} … {}", first.name, last.name),
            ];
            let _ = writeln!(out, "    {node}[[\"{}\"]]:::{class}", label(&lines));
            group_edges(out, node, None);
        }
    }
    let removed: Vec<&Service> = old
        .services
        .iter()
        .filter(|s| !new.services.iter().any(|n| n.name == s.name))
        .collect();
    let one_by_one = if removed.len() > MOST_SERVICES + 1 {
        MOST_SERVICES
    } else {
        removed.len()
    };
    if let (Some(first), Some(last)) = (removed.get(one_by_one), removed.last()) {
        let lines = vec![
            format!("and {} removed services", removed.len() - one_by_one),
            format!("{} … {}", first.name, last.name),
        ];
        let _ = writeln!(out, "    sxg[[\"{}\"]]:::removed", label(&lines));
        for group in 0..groups.len() {
            let _ = writeln!(out, "    g{group} -.-x sxg");
        }
    }
    for (index, service) in removed.into_iter().take(one_by_one).enumerate() {
        let mut lines = vec![format!("service {}", service.name)];
        lines.extend(vip_lines(service, None));
        lines.push("removed".to_owned());
        let _ = writeln!(out, "    sx{index}[[\"{}\"]]:::removed", label(&lines));
        for group in 0..groups.len() {
            let _ = writeln!(out, "    g{group} -.-x sx{index}");
        }
    }
    shown
}

/// One service's box: its name, VIPs, ports, sorry server, and whether it
/// is added or changed.
fn service_box(out: &mut String, old: &Inventory, index: usize, service: &Service) {
    let mark = service_mark(old, service);
    let before = old.services.iter().find(|s| s.name == service.name);
    let mut lines = vec![format!("service {}", service.name)];
    lines.extend(vip_lines(service, before));
    let ports: Vec<String> = service.ports.iter().map(ToString::to_string).collect();
    let word = if ports.len() == 1 { "port" } else { "ports" };
    lines.push(format!("{word} {}", ports.join(", ")));
    if !service.sorry_servers.is_empty() {
        let sorry: Vec<String> = service
            .sorry_servers
            .iter()
            .map(ToString::to_string)
            .collect();
        lines.push(format!("sorry server {}", sorry.join(", ")));
    }
    match mark {
        Mark::Added => lines.push("added".to_owned()),
        Mark::Changed => lines.push("changed".to_owned()),
        _ => {}
    }
    let _ = writeln!(
        out,
        "    s{index}[[\"{}\"]]:::{}",
        label(&lines),
        mark.class()
    );
}

/// A service's VIPs (the first few), and the ones added or removed.
fn vip_lines(service: &Service, before: Option<&Service>) -> Vec<String> {
    let mut lines: Vec<String> = service
        .vips
        .iter()
        .take(MOST_VIPS)
        .map(|vip| {
            if before.is_some_and(|b| !b.vips.contains(vip)) {
                format!("{vip} added")
            } else {
                vip.to_string()
            }
        })
        .collect();
    if service.vips.len() > MOST_VIPS {
        lines.push(format!("and {} more VIPs", service.vips.len() - MOST_VIPS));
    }
    if let Some(before) = before {
        lines.extend(
            before
                .vips
                .iter()
                .filter(|vip| !service.vips.contains(vip))
                .map(|vip| format!("{vip} removed")),
        );
    }
    lines
}

/// A box of the diagram that stands for one or more real servers.
struct HostBox<'a> {
    hosts: Vec<&'a Host>,
    mark: Mark,
    /// The services it is drawn under (by name).
    services: Vec<String>,
}

fn real_servers(out: &mut String, facts: &Facts, shown: &[String]) {
    let new = facts.new;
    // Boxes by (services drawn, mark), in the order of their first host.
    let mut boxes: Vec<HostBox> = Vec::new();
    for host in &new.hosts {
        let services: Vec<String> = host
            .services
            .iter()
            .filter(|name| shown.contains(name))
            .cloned()
            .collect();
        if services.is_empty() {
            continue;
        }
        let mark = facts.host_mark(host);
        match boxes
            .iter_mut()
            .find(|b| b.mark == mark && b.services == services)
        {
            Some(found) => found.hosts.push(host),
            None => boxes.push(HostBox {
                hosts: vec![host],
                mark,
                services,
            }),
        }
    }
    let mut node = 0;
    // Each drawn host's box, for the edges of the services it leaves.
    let mut drawn: Vec<(&str, usize)> = Vec::new();
    for group in &boxes {
        let one_by_one = if group.mark == Mark::Same {
            if group.hosts.len() >= GROUP_FROM {
                0
            } else {
                group.hosts.len()
            }
        } else if group.hosts.len() > MOST_SHOWN + 1 {
            MOST_SHOWN
        } else {
            group.hosts.len()
        };
        for host in &group.hosts[..one_by_one] {
            drawn.push((&host.name, node));
            host_box(out, facts, node, host, group.mark);
            host_edges(out, facts, node, &[host], &group.services);
            node += 1;
        }
        let rest = &group.hosts[one_by_one..];
        if !rest.is_empty() {
            drawn.extend(rest.iter().map(|host| (host.name.as_str(), node)));
            grouped_box(out, node, rest, group.mark, one_by_one > 0);
            host_edges(out, facts, node, rest, &group.services);
            node += 1;
        }
    }
    removed_real_servers(out, facts, shown);
    leaving_edges(out, facts, shown, &drawn);
}

fn host_box(out: &mut String, facts: &Facts, node: usize, host: &Host, mark: Mark) {
    let addresses: Vec<String> = host.addresses.iter().map(ToString::to_string).collect();
    let mut lines = vec![host.name.clone(), addresses.join(", ")];
    if let Some((_, from)) = facts.renames.iter().find(|(to, _)| *to == host.name) {
        lines.push(format!("renamed from {from}"));
    }
    if let Some(before) = facts
        .old_host(host)
        .filter(|b| b.addresses != host.addresses)
    {
        let was: Vec<String> = before.addresses.iter().map(ToString::to_string).collect();
        lines.push(format!("was {}", was.join(", ")));
    }
    for (address, from, _) in facts
        .address_moves
        .iter()
        .filter(|(_, _, to)| *to == host.name)
    {
        lines.push(format!("{address} was {from}'s"));
    }
    match mark {
        Mark::Added => lines.push("added".to_owned()),
        Mark::Drained => {
            let before = facts.old_host(host);
            let was_drained =
                before.is_some_and(|b| b.services.iter().all(|s| b.weight_in(s) == 0));
            lines.push(
                if was_drained {
                    "drained"
                } else {
                    "drained now"
                }
                .to_owned(),
            );
        }
        _ => {}
    }
    let _ = writeln!(out, "    h{node}[\"{}\"]:::{}", label(&lines), mark.class());
}

fn grouped_box(out: &mut String, node: usize, hosts: &[&Host], mark: Mark, more: bool) {
    let word = match mark {
        Mark::Added => "added",
        Mark::Drained => "drained",
        Mark::Changed => "changed",
        Mark::Same => "unchanged",
    };
    let first = &hosts[0].name;
    let last = &hosts[hosts.len() - 1].name;
    let lines = vec![
        format!(
            "{}{} {word} real servers",
            if more { "and " } else { "" },
            hosts.len()
        ),
        format!("{first} … {last}"),
    ];
    let _ = writeln!(out, "    h{node}[\"{}\"]:::{}", label(&lines), mark.class());
}

/// The edges from each drawn service of the box to it, labelled with the
/// weight (the sum, for a group), `drained` and dotted at weight 0, and
/// the change of weight where there is one.
fn host_edges(out: &mut String, facts: &Facts, node: usize, hosts: &[&Host], services: &[String]) {
    let new = facts.new;
    for name in services {
        let Some(index) = new.services.iter().position(|s| s.name == *name) else {
            continue;
        };
        let after: u64 = hosts.iter().map(|h| u64::from(h.weight_in(name))).sum();
        let before: Option<u64> = hosts
            .iter()
            .map(|h| {
                facts
                    .old_host(h)
                    .filter(|b| b.services.contains(name))
                    .map(|b| u64::from(b.weight_in(name)))
            })
            .sum();
        let text = match before {
            Some(before) if before != after && hosts.len() == 1 => {
                format!("weight {before} → {after}")
            }
            _ if after == 0 => "drained".to_owned(),
            _ => format!("weight {after}"),
        };
        let arrow = if after == 0 { "-.->" } else { "-->" };
        let _ = writeln!(out, "    s{index} {arrow}|{text}| h{node}");
    }
}

/// Real servers OLD has and NEW does not, and hosts that leave a drawn
/// service: dashed edges ending in a cross.
fn removed_real_servers(out: &mut String, facts: &Facts, shown: &[String]) {
    let (old, new) = (facts.old, facts.new);
    let service_node = |name: &str| -> Option<String> {
        if let Some(index) = new.services.iter().position(|s| s.name == name) {
            return shown.iter().any(|s| s == name).then(|| format!("s{index}"));
        }
        old.services
            .iter()
            .filter(|s| !new.services.iter().any(|n| n.name == s.name))
            .position(|s| s.name == name)
            .filter(|index| *index < MOST_SERVICES)
            .map(|index| format!("sx{index}"))
    };
    let removed: Vec<&Host> = facts.removed_hosts().collect();
    let one_by_one = if removed.len() > MOST_SHOWN + 1 {
        MOST_SHOWN
    } else {
        removed.len()
    };
    for (index, host) in removed.iter().take(one_by_one).enumerate() {
        let addresses: Vec<String> = host.addresses.iter().map(ToString::to_string).collect();
        let lines = vec![
            host.name.clone(),
            addresses.join(", "),
            "removed".to_owned(),
        ];
        let _ = writeln!(out, "    hx{index}[\"{}\"]:::removed", label(&lines));
        for name in host.services.iter() {
            if let Some(service) = service_node(name) {
                let _ = writeln!(out, "    {service} -.-x|removed| hx{index}");
            }
        }
    }
    let rest = &removed[one_by_one..];
    if !rest.is_empty() {
        let lines = vec![
            format!("and {} removed real servers", rest.len()),
            format!("{} … {}", rest[0].name, rest[rest.len() - 1].name),
        ];
        let _ = writeln!(out, "    hxg[\"{}\"]:::removed", label(&lines));
        let mut linked: Vec<String> = Vec::new();
        for name in rest.iter().flat_map(|host| host.services.iter()) {
            if let Some(service) = service_node(name) {
                if !linked.contains(&service) {
                    let _ = writeln!(out, "    {service} -.-x|removed| hxg");
                    linked.push(service);
                }
            }
        }
    }
}

/// Hosts in both inventories that leave a drawn service: a dashed edge
/// ending in a cross from the service to the host's box, once per box.
fn leaving_edges(out: &mut String, facts: &Facts, shown: &[String], drawn: &[(&str, usize)]) {
    let mut linked: Vec<(usize, usize)> = Vec::new();
    for host in &facts.new.hosts {
        let (Some(before), Some((_, node))) = (
            facts.old_host(host),
            drawn.iter().find(|(name, _)| *name == host.name),
        ) else {
            continue;
        };
        for name in before
            .services
            .iter()
            .filter(|s| !host.services.contains(s))
        {
            let Some(index) = facts.new.services.iter().position(|s| s.name == *name) else {
                continue;
            };
            if shown.contains(name) && !linked.contains(&(index, *node)) {
                linked.push((index, *node));
                let _ = writeln!(out, "    s{index} -.-x|leaves| h{node}");
            }
        }
    }
}
