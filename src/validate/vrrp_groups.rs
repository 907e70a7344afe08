//! The VRRP groups (`vrrp.groups`): which services' VIPs fail over
//! together, under which virtual router id, with which director as master.
//! The services in no named group form the group `lvs_dr`, with
//! `vrrp.virtual_router_id` and the directors' own priorities, which is all
//! an inventory without `groups` has. The rules keep each group failing
//! over as a whole (a service, and so a VIP, in one group only), keep the
//! router ids apart (keepalived notices a clash only when it starts, and
//! two routers with one id on a segment fight over the VIPs), and make each
//! group's master unambiguous (no tie in a group's priorities).

use std::net::IpAddr;

use super::model::{self, Service};
use super::problems::Problems;
use crate::code::Code;
use crate::diagnostic::closest;
use crate::inventory;
use crate::yaml::InventoryPath;

/// The name of the group of the services in no named group; also the
/// name keepalived's instances had before there were groups
/// (`lvs_dr_ipv4`, `lvs_dr_ipv6`, sync group `lvs_dr`).
pub const DEFAULT_GROUP: &str = "lvs_dr";

/// The seconds a returning director waits before it takes a group back,
/// with named groups unless `vrrp.preempt_delay` says otherwise: the
/// kernel's master sync daemon sends a connection on its 3rd packet and on
/// every 50th after, in a message it sends within 2 s, so a director that
/// comes back knows the connections that sent packets in those seconds.
pub const DEFAULT_GROUP_PREEMPT_DELAY: u32 = 5;

/// A group's place in the inventory, for problems: its path, and its name.
struct Place {
    path: InventoryPath,
    name: String,
}

/// The groups of `vrrp`, `lvs_dr` first when any service is in no named
/// group; every problem of theirs is added to `problems`.
pub(super) fn groups(
    vrrp: &inventory::Vrrp,
    raw: &inventory::Inventory,
    services: &[Service],
    problems: &mut Problems,
) -> Vec<model::VrrpGroup> {
    let mut claimed: Vec<(&str, InventoryPath)> = Vec::new();
    let mut named = Vec::new();
    for (name, group) in &vrrp.groups.0 {
        let place = Place {
            path: InventoryPath::at("vrrp").key("groups").key(name),
            name: name.get().clone(),
        };
        let members = group_services(&place, group, services, &mut claimed, problems);
        named.push((
            place,
            model::VrrpGroup {
                name: name.get().clone(),
                virtual_router_id: group.virtual_router_id.get(),
                vips: vips_of(&members),
                services: members.iter().map(|s| s.name.clone()).collect(),
                priorities: priorities(
                    &InventoryPath::at("vrrp").key("groups").key(name),
                    group,
                    raw,
                    problems,
                ),
            },
        ));
    }
    let loose: Vec<&Service> = services
        .iter()
        .filter(|service| !claimed.iter().any(|(name, _)| *name == service.name))
        .collect();
    let default = default_group(vrrp, raw, &loose, problems);
    if default.is_some() {
        if let Some((place, _)) = named.iter().find(|(place, _)| place.name == DEFAULT_GROUP) {
            problems.add(
                Code::GroupNameReserved,
                &place.path,
                format!(
                    "`{DEFAULT_GROUP}` is the name of the group of the services in no group \
                     ({}): rename this group",
                    names(&loose)
                ),
            );
        }
    }
    let all: Vec<(Place, model::VrrpGroup)> = default
        .map(|group| {
            let place = Place {
                path: InventoryPath::at("vrrp"),
                name: DEFAULT_GROUP.to_owned(),
            };
            (place, group)
        })
        .into_iter()
        .chain(named)
        .collect();
    check_router_ids(&all, problems);
    check_vips_in_one_group(&all, &claimed, services, problems);
    all.into_iter().map(|(_, group)| group).collect()
}

/// The services a named group lists, each known and in no earlier group.
fn group_services<'a>(
    place: &Place,
    group: &inventory::VrrpGroup,
    services: &'a [Service],
    claimed: &mut Vec<(&'a str, InventoryPath)>,
    problems: &mut Problems,
) -> Vec<&'a Service> {
    if group.services.is_empty() {
        problems.add_missing(
            Code::GroupWithoutServices,
            (place.path.clone().key("services"), &place.path),
            "a VRRP group holds the VIPs of its services: list at least one, such as \
             `services: [www]`, or remove the group",
        );
    }
    let mut members = Vec::new();
    for (index, name) in group.services.iter().enumerate() {
        let path = place.path.clone().key("services").index(index);
        let Some(service) = services.iter().find(|s| s.name == *name.get()) else {
            let known = services.iter().map(|s| s.name.as_str());
            let hint = closest(name.get(), known)
                .map_or_else(String::new, |near| format!(": did you mean `{near}`?"));
            problems.add(
                Code::GroupUnknownService,
                path,
                format!("no service `{name}` under `services`{hint}"),
            );
            continue;
        };
        if let Some((_, earlier)) = claimed.iter().find(|(taken, _)| *taken == service.name) {
            problems.add_pair(
                Code::ServiceInTwoGroups,
                (&path, earlier),
                format!(
                    "service {name} is already listed at {earlier}: a service's VIPs fail over \
                     with one group, so list it once"
                ),
            );
            continue;
        }
        claimed.push((&service.name, path));
        members.push(service);
    }
    members
}

/// The group `lvs_dr` of the services in no named group (all of them
/// without `groups`), when there are such services or no named group.
fn default_group(
    vrrp: &inventory::Vrrp,
    raw: &inventory::Inventory,
    loose: &[&Service],
    problems: &mut Problems,
) -> Option<model::VrrpGroup> {
    let needed = vrrp.groups.0.is_empty() || !loose.is_empty();
    match (vrrp.virtual_router_id, needed) {
        (Some(id), true) => Some(model::VrrpGroup {
            name: DEFAULT_GROUP.to_owned(),
            virtual_router_id: id.get(),
            services: loose.iter().map(|s| s.name.clone()).collect(),
            vips: vips_of(loose),
            priorities: own_priorities(raw),
        }),
        (None, true) => {
            let message = if vrrp.groups.0.is_empty() {
                "the directors' VRRP needs a virtual router id: add `virtual_router_id: 51` \
                 with an id 1-255 that no other VRRP router on the segment uses"
                    .to_owned()
            } else {
                format!(
                    "{} in no VRRP group: add them to one under `vrrp.groups`, or give their \
                     group `{DEFAULT_GROUP}` a `virtual_router_id` (1-255) that no other group \
                     or VRRP router on the segment uses",
                    match loose {
                        [one] => format!("service {} is", one.name),
                        _ => format!("services {} are", names(loose)),
                    }
                )
            };
            problems.add_missing(
                Code::MissingRouterId,
                (
                    InventoryPath::at("vrrp").key("virtual_router_id"),
                    InventoryPath::at("vrrp"),
                ),
                message,
            );
            None
        }
        (Some(_), false) => {
            problems.add(
                Code::RouterIdUnused,
                InventoryPath::at("vrrp").key("virtual_router_id"),
                "every service is in a VRRP group, each with its own `virtual_router_id`, so \
                 this one would be used by nothing: remove it",
            );
            None
        }
        (None, false) => None,
    }
}

/// The directors' own priorities, in their order.
fn own_priorities(raw: &inventory::Inventory) -> Vec<(String, u32)> {
    raw.directors
        .0
        .iter()
        .map(|(name, director)| (name.get().clone(), director.priority.get()))
        .collect()
}

/// A named group's priorities, in the directors' order: its own, which
/// must name every director once with no tie, or the directors' own.
fn priorities(
    path: &InventoryPath,
    group: &inventory::VrrpGroup,
    raw: &inventory::Inventory,
    problems: &mut Problems,
) -> Vec<(String, u32)> {
    let own = own_priorities(raw);
    if group.priorities.0.is_empty() {
        return own;
    }
    let directors: Vec<&str> = own.iter().map(|(name, _)| name.as_str()).collect();
    let mut seen: Vec<(u32, &str)> = Vec::new();
    for (name, priority) in &group.priorities.0 {
        let entry = path.clone().key("priorities").key(name);
        if !directors.contains(&name.get().as_str()) {
            let hint = closest(name.get(), directors.iter().copied())
                .map_or_else(String::new, |near| format!(": did you mean `{near}`?"));
            problems.add(
                Code::GroupUnknownDirector,
                entry,
                format!("no director `{name}` under `directors`{hint}"),
            );
            continue;
        }
        let priority = priority.get();
        if let Some((_, other)) = seen.iter().find(|(taken, _)| *taken == priority) {
            problems.add_pair(
                Code::GroupPriorityTie,
                (&entry, path.clone().key("priorities").key(other)),
                format!(
                    "director {other} has the same priority {priority} in this group: give \
                     each director its own, the highest for the group's master (VRRP would \
                     choose between equal priorities by address)"
                ),
            );
        }
        seen.push((priority, name.get()));
    }
    let missing: Vec<&str> = directors
        .iter()
        .copied()
        .filter(|director| !group.priorities.0.iter().any(|(n, _)| n.get() == director))
        .collect();
    if !missing.is_empty() {
        problems.add(
            Code::GroupPriorityMissing,
            path.clone().key("priorities"),
            format!(
                "no priority for {} in this group: give every director one (the highest is \
                 the group's master), or leave `priorities` out to use the directors' own",
                missing.join(", ")
            ),
        );
    }
    own.into_iter()
        .map(|(name, default)| {
            let priority = group
                .priorities
                .0
                .iter()
                .find(|(n, _)| *n.get() == name)
                .map_or(default, |(_, priority)| priority.get());
            (name, priority)
        })
        .collect()
}

/// Each group's router id is its own: the IPv4 and IPv6 instances of a
/// group share it (VRRP version 2 and 3 never meet), two groups never do.
fn check_router_ids(groups: &[(Place, model::VrrpGroup)], problems: &mut Problems) {
    let mut seen: Vec<(u32, &Place)> = Vec::new();
    for (place, group) in groups {
        let id = group.virtual_router_id;
        if let Some((_, first)) = seen.iter().find(|(taken, _)| *taken == id) {
            problems.add_pair(
                Code::DuplicateRouterId,
                (
                    place.path.clone().key("virtual_router_id"),
                    first.path.clone().key("virtual_router_id"),
                ),
                format!(
                    "virtual_router_id {id} is also group {}'s: each VRRP group needs its own \
                     id on the segment (two VRRP routers with one id fight over the VIPs); \
                     use one that no other group or VRRP router on the segment uses",
                    first.name
                ),
            );
        }
        seen.push((id, place));
    }
}

/// A VIP is in one group: services sharing a VIP (on other ports) are in
/// the same group, or both in none, since VRRP moves an address with one
/// instance.
fn check_vips_in_one_group(
    groups: &[(Place, model::VrrpGroup)],
    claimed: &[(&str, InventoryPath)],
    services: &[Service],
    problems: &mut Problems,
) {
    let vips_of_service = |name: &str| {
        services
            .iter()
            .find(|service| service.name == name)
            .map_or_else(Vec::new, |service| service.vips.clone())
    };
    let listed = |service: &str| {
        claimed
            .iter()
            .find(|(name, _)| *name == service)
            .map_or_else(
                || InventoryPath::at("services").key(service),
                |(_, path)| path.clone(),
            )
    };
    let mut owners: Vec<(IpAddr, &str, &str)> = Vec::new();
    for (_, group) in groups {
        for service in &group.services {
            for vip in vips_of_service(service) {
                match owners.iter().find(|(taken, ..)| *taken == vip) {
                    Some((_, other_group, other)) if *other_group != group.name => {
                        problems.add_pair(
                            Code::VipInTwoGroups,
                            (listed(service), listed(other)),
                            format!(
                                "{vip} is a VIP of service {service} (group {}) and of service \
                                 {other} (group {other_group}): VRRP moves a VIP with one \
                                 group, so put both services in one group",
                                group.name
                            ),
                        );
                    }
                    Some(_) => {}
                    None => owners.push((vip, &group.name, service)),
                }
            }
        }
    }
}

/// Every VIP of `services`, each once, in inventory order.
fn vips_of(services: &[&Service]) -> Vec<IpAddr> {
    let mut vips: Vec<IpAddr> = Vec::new();
    for vip in services.iter().flat_map(|service| &service.vips) {
        if !vips.contains(vip) {
            vips.push(*vip);
        }
    }
    vips
}

/// "a, b": the services' names.
fn names(services: &[&Service]) -> String {
    services
        .iter()
        .map(|service| service.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
