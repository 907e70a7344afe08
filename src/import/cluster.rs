//! The directors' configurations together, mapped to an inventory draft:
//! the VRRP groups (a director's sync groups and lone instances; several
//! become the inventory's `vrrp.groups`, such as an active-active pair),
//! the directors, the virtual servers they agree on (made services by
//! `services`), and the sync daemon. Every choice made leaves a comment for
//! the inventory, and every part that cannot be expressed a [`Finding`].

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::draft::{DirectorDraft, Draft, GroupDraft, VrrpDraft};
use super::model::{Director, Instance, VirtualServer};
use super::services;
use super::terms::{Finding, ImportError, Options};
use crate::keepalived_conf::Place;

/// A VRRP group of a director: the instances that fail over together (a
/// sync group, or one instance alone), with their VIPs.
#[derive(Debug, Clone)]
pub struct Group {
    /// The sync group's name, or the instance's.
    pub name: String,
    /// Its instances, at most one per address family.
    pub instances: Vec<Instance>,
}

impl Group {
    /// Every VIP of the group.
    pub fn vips(&self) -> Vec<IpAddr> {
        self.instances
            .iter()
            .flat_map(|i| i.vips.iter().copied())
            .collect()
    }

    /// Every VIP of the group, as a set.
    fn vip_set(&self) -> BTreeSet<IpAddr> {
        self.vips().into_iter().collect()
    }
}

/// A director's VRRP groups, in the order written.
pub type Groups = Vec<Group>;

/// The groups of `director`.
pub fn groups(director: &Director) -> Groups {
    let mut groups: Groups = Vec::new();
    for instance in &director.instances {
        let name = instance
            .sync_group
            .clone()
            .unwrap_or_else(|| instance.name.clone());
        match groups.iter_mut().find(|group| group.name == name) {
            Some(group) => group.instances.push(instance.clone()),
            None => groups.push(Group {
                name,
                instances: vec![instance.clone()],
            }),
        }
    }
    groups
}

/// One director's name and configuration.
pub struct Input<'a> {
    /// Its name in the inventory.
    pub name: &'a str,
    /// What keepalived does with its configuration.
    pub director: &'a Director,
}

/// A VRRP group the inventory gets: the first director's, and each
/// director's own group of the same VIPs.
struct Imported {
    /// The first director's group.
    group: Group,
    /// Each director's group of these VIPs, in the directors' order.
    own: Vec<Group>,
    /// Its VIPs.
    vips: BTreeSet<IpAddr>,
}

impl Imported {
    /// The first director's first instance of the group.
    fn first(&self) -> &Instance {
        &self.group.instances[0]
    }
}

/// Maps the directors to a draft inventory. `findings` gets what cannot
/// be expressed; the draft's comments say what was chosen.
pub fn draft(
    inputs: &[Input<'_>],
    options: &Options,
    findings: &mut Vec<Finding>,
) -> Result<Draft, ImportError> {
    let reference = inputs.first().ok_or(ImportError::NoDirector)?;
    let all_groups: Vec<Groups> = inputs.iter().map(|input| groups(input.director)).collect();
    let Some(group) = all_groups[0].first() else {
        return Err(ImportError::NoVrrp(reference.name.to_owned()));
    };
    let mut imported =
        vec![imported_group(inputs, &all_groups, group).map_err(ImportError::Disagree)?];
    let mut left_out: Vec<(Group, String)> = Vec::new();
    for other in all_groups[0].iter().skip(1) {
        match imported_group(inputs, &all_groups, other)
            .and_then(|candidate| distinct_router_id(candidate, &imported))
        {
            Ok(candidate) => imported.push(candidate),
            Err(reason) => left_out.push((other.clone(), reason)),
        }
    }
    report_left_out(inputs, &all_groups, &imported, &left_out, findings);
    for group in &imported {
        check_sync_group(reference.name, group, findings);
    }
    let mut draft = Draft::default();
    let first = imported[0].first().clone();
    // The directors, and what they must agree on.
    for (index, input) in inputs.iter().enumerate() {
        let own = &imported[0].own[index];
        let mine = &own.instances[0];
        if mine.vrid != first.vrid
            || mine.advert_int != first.advert_int
            || mine.password != first.password
            || mine.notify != first.notify
            || mine.unicast_peers.is_empty() != first.unicast_peers.is_empty()
        {
            findings.push(Finding {
                director: input.name.to_owned(),
                place: mine.place.clone(),
                part: format!("vrrp_instance {}", mine.name),
                reason: format!("its virtual_router_id, advert_int, password, notify scripts or unicast differ from {}'s ({}): the inventory takes {}'s", reference.name, first.place, reference.name),
                dropped: mine.vips.iter().map(|vip| format!("vip {vip}")).collect(),
            });
        }
        let addresses = director_addresses(input.name, own, options)?;
        draft.directors.push(DirectorDraft {
            name: input.name.to_owned(),
            addresses,
            interface: mine.interface.clone(),
            priority: mine.priority,
            track: mine
                .track_interfaces
                .iter()
                .filter(|device| **device != mine.interface)
                .cloned()
                .collect(),
        });
    }
    check_other_groups(inputs, &imported, findings);
    check_unicast(inputs, &imported, &draft.directors, findings);
    draft.vrrp = VrrpDraft {
        vrid: first.vrid,
        advert_int: first.advert_int,
        password: imported[0]
            .group
            .instances
            .iter()
            .find(|i| i.ipv4())
            .and_then(|i| i.password.clone()),
        unicast: !first.unicast_peers.is_empty(),
        sync_connections: None,
        notify: first.notify.clone(),
        groups: group_drafts(inputs, &imported, &mut draft.comments),
    };
    if first.notify.any() {
        draft.comments.push(if draft.vrrp.groups.is_empty() {
            "the notify scripts are called with the rendered names (vrrp_sync_group lvs_dr, vrrp_instance lvs_dr_ipv4 and lvs_dr_ipv6) as arguments, not the imported ones".into()
        } else {
            "the notify scripts are called with the rendered names (each group's vrrp_sync_group NAME, or its one vrrp_instance NAME_ipv4 or NAME_ipv6) as arguments, not the imported ones".into()
        });
    }
    // The virtual servers: those of the imported groups' VIPs, alike on
    // every director.
    let servers = agreed_servers(inputs, &imported, &left_out, findings);
    let hosts = super::hosts::identify(&servers, options, &mut draft.comments);
    let before = findings.len();
    let groups = server_groups(&servers, &imported);
    services::services(&servers, &groups, &hosts, options, &mut draft, findings);
    for finding in &mut findings[before..] {
        if finding.director.is_empty() {
            reference.name.clone_into(&mut finding.director);
        }
    }
    sync_daemon(inputs, &imported, &mut draft, findings);
    report_unbalanced(reference.name, &imported, &draft, findings);
    if first.notify.any() && !reference.director.script_security {
        findings.push(Finding {
            director: reference.name.to_owned(),
            place: first.place.clone(),
            part: "notify scripts without enable_script_security".into(),
            reason: "the rendered file adds `enable_script_security` and `script_user root`, with which keepalived disables a script that anyone but root can change".into(),
            dropped: Vec::new(),
        });
    }
    Ok(draft)
}

/// The imported groups' VIPs that no imported service balances.
fn report_unbalanced(
    director: &str,
    imported: &[Imported],
    draft: &Draft,
    findings: &mut Vec<Finding>,
) {
    let balanced: BTreeSet<IpAddr> = draft
        .services
        .iter()
        .flat_map(|s| s.vips.iter().copied())
        .collect();
    for instance in imported.iter().flat_map(|group| &group.group.instances) {
        for vip in instance.vips.iter().filter(|vip| !balanced.contains(vip)) {
            findings.push(Finding {
                director: director.to_owned(),
                place: instance.place.clone(),
                part: format!("VIP {vip} of {}", instance.name),
                reason: "no imported virtual server balances it: the inventory's VIPs are its services' VIPs, so the rendered directors do not hold it".into(),
                dropped: vec![format!("vip {vip}")],
            });
        }
    }
}

/// The group of the first director's `group` on every director, or why it
/// cannot be one of the inventory's groups: a director without a group of
/// its VIPs, or two directors with one priority in it (no master).
fn imported_group(
    inputs: &[Input<'_>],
    all_groups: &[Groups],
    group: &Group,
) -> Result<Imported, String> {
    let vips = group.vip_set();
    let mut own = Vec::new();
    for (input, groups) in inputs.iter().zip(all_groups) {
        let Some(found) = groups.iter().find(|candidate| candidate.vip_set() == vips) else {
            return Err(format!(
                "{} has no VRRP group with the VIPs of {}'s {} ({}): the directors must be one cluster",
                input.name, inputs[0].name, group.name, group.instances[0].place
            ));
        };
        own.push(found.clone());
    }
    let priorities: BTreeSet<u32> = own.iter().map(|g| g.instances[0].priority).collect();
    if priorities.len() != own.len() {
        return Err(format!(
            "two directors have the same VRRP priority{}: the inventory needs one master; give them different priorities first",
            if all_groups[0].len() > 1 { format!(" in {}", group.name) } else { String::new() }
        ));
    }
    Ok(Imported {
        group: group.clone(),
        own,
        vips,
    })
}

/// `candidate`, unless an imported group has its router id (validation
/// refuses two groups with one id: one virtual router fighting over two
/// sets of VIPs).
fn distinct_router_id(candidate: Imported, imported: &[Imported]) -> Result<Imported, String> {
    match imported
        .iter()
        .find(|group| group.first().vrid == candidate.first().vrid)
    {
        Some(taken) => Err(format!(
            "its virtual_router_id {} is that of VRRP group {} too: the inventory's groups each have their own",
            candidate.first().vrid,
            taken.group.name
        )),
        None => Ok(candidate),
    }
}

/// Each director's VRRP groups that the inventory does not get, with why:
/// their VIPs, and (in [`agreed_servers`]) their virtual servers, are left
/// out.
fn report_left_out(
    inputs: &[Input<'_>],
    all_groups: &[Groups],
    imported: &[Imported],
    left_out: &[(Group, String)],
    findings: &mut Vec<Finding>,
) {
    for (input, groups) in inputs.iter().zip(all_groups) {
        for group in groups {
            let vips = group.vip_set();
            if imported.iter().any(|g| g.vips == vips) {
                continue;
            }
            let reason = left_out
                .iter()
                .find(|(g, _)| g.vip_set() == vips)
                .map_or_else(
                    || {
                        format!(
                            "a VRRP group that {} does not have: the inventory takes {}'s groups",
                            inputs[0].name, inputs[0].name
                        )
                    },
                    |(_, why)| why.clone(),
                );
            findings.push(Finding {
                director: input.name.to_owned(),
                place: group.instances[0].place.clone(),
                part: format!(
                    "VRRP group {} (virtual_router_id {})",
                    group.name, group.instances[0].vrid
                ),
                reason: format!("{reason}; its VIPs and their virtual servers are not imported"),
                dropped: group
                    .vips()
                    .iter()
                    .map(|vip| format!("vip {vip}"))
                    .collect(),
            });
        }
    }
}

/// The instances of one sync group must differ in address family only.
fn check_sync_group(director: &str, group: &Imported, findings: &mut Vec<Finding>) {
    let first = group.first();
    for instance in group.group.instances.iter().skip(1) {
        let same = instance.vrid == first.vrid
            && instance.priority == first.priority
            && instance.advert_int == first.advert_int
            && instance.interface == first.interface
            && instance.ipv4() != first.ipv4();
        if !same {
            findings.push(Finding {
                director: director.to_owned(),
                place: instance.place.clone(),
                part: format!("vrrp_instance {}", instance.name),
                reason: format!(
                    "the instances of one sync group differ in virtual_router_id, priority, advert_int, interface or are of one address family: the inventory gives its IPv4 and IPv6 instance the values of {} ({})",
                    first.name, first.place
                ),
                dropped: instance.vips.iter().map(|vip| format!("vip {vip}")).collect(),
            });
        }
    }
}

/// The groups after the first share its settings in the inventory (one
/// `advert_int`, password, notify scripts, unicast, and each director's
/// interface and tracked interfaces): a group that differs, or whose
/// router id differs between directors, is reported.
fn check_other_groups(inputs: &[Input<'_>], imported: &[Imported], findings: &mut Vec<Finding>) {
    for group in imported.iter().skip(1) {
        for (index, input) in inputs.iter().enumerate() {
            let base = &imported[0].own[index].instances[0];
            let mine = &group.own[index].instances[0];
            if mine.vrid != group.first().vrid
                || mine.advert_int != base.advert_int
                || mine.password != base.password
                || mine.notify != base.notify
                || mine.unicast_peers.is_empty() != base.unicast_peers.is_empty()
                || mine.interface != base.interface
                || tracked(mine) != tracked(base)
            {
                findings.push(Finding {
                    director: input.name.to_owned(),
                    place: mine.place.clone(),
                    part: format!("vrrp_instance {}", mine.name),
                    reason: format!("its virtual_router_id (against {}'s), advert_int, password, notify scripts, unicast, interface or tracked interfaces differ from {} ({}): the inventory's VRRP groups share all but their router id and priorities, and take {}'s", inputs[0].name, base.name, base.place, base.name),
                    dropped: mine.vips.iter().map(|vip| format!("vip {vip}")).collect(),
                });
            }
        }
    }
}

/// An instance's tracked interfaces but its own, sorted.
fn tracked(instance: &Instance) -> BTreeSet<&String> {
    instance
        .track_interfaces
        .iter()
        .filter(|device| **device != instance.interface)
        .collect()
}

/// The inventory's `vrrp.groups`, when there are several: each named after
/// its sync group or lone instance (else `group1`, …), its router id and
/// its directors' priorities.
fn group_drafts(
    inputs: &[Input<'_>],
    imported: &[Imported],
    comments: &mut Vec<String>,
) -> Vec<GroupDraft> {
    if imported.len() < 2 {
        return Vec::new();
    }
    let mut taken = BTreeSet::new();
    let drafts: Vec<GroupDraft> = imported
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let own = &group.group.name;
            let name = if crate::values::is_plain_name(own, 63)
                && own != crate::validate::DEFAULT_GROUP
                && taken.insert(own.clone())
            {
                own.clone()
            } else {
                format!("group{}", index + 1)
            };
            GroupDraft {
                name,
                vrid: group.first().vrid,
                priorities: inputs
                    .iter()
                    .zip(&group.own)
                    .map(|(input, own)| (input.name.to_owned(), own.instances[0].priority))
                    .collect(),
            }
        })
        .collect();
    comments.push("VRRP groups named after the directors' sync groups or lone instances (else group1, …); keepalived's instances are rendered as NAME_ipv4 and NAME_ipv6".into());
    comments.push("vrrp.preempt_delay 0: a director takes a group back at once, as the imported keepalived.conf says; lvs-dr-gen's default with groups, 5 s, lets connection sync hand the group's connections back first (doc/vrrp-groups.md)".into());
    drafts
}

/// The director's own addresses: `--address`, else its unicast source.
fn director_addresses(
    name: &str,
    group: &Group,
    options: &Options,
) -> Result<Vec<IpAddr>, ImportError> {
    if let Some(addresses) = options.addresses.get(name) {
        return Ok(addresses.clone());
    }
    let found: Vec<IpAddr> = group
        .instances
        .iter()
        .filter_map(|i| i.unicast_source)
        .collect();
    let families: BTreeSet<bool> = group.vips().iter().map(IpAddr::is_ipv4).collect();
    if found.len() == families.len() && !found.is_empty() {
        return Ok(found);
    }
    Err(ImportError::NoAddress(name.to_owned()))
}

/// Unicast peers must be the other directors' addresses.
fn check_unicast(
    inputs: &[Input<'_>],
    imported: &[Imported],
    directors: &[DirectorDraft],
    findings: &mut Vec<Finding>,
) {
    for (index, input) in inputs.iter().enumerate() {
        for instance in imported
            .iter()
            .flat_map(|group| &group.own[index].instances)
        {
            if instance.unicast_peers.is_empty() {
                continue;
            }
            let mut expected: Vec<IpAddr> = directors
                .iter()
                .filter(|d| d.name != input.name)
                .filter_map(|d| {
                    d.addresses
                        .iter()
                        .find(|a| a.is_ipv4() == instance.ipv4())
                        .copied()
                })
                .collect();
            let mut peers = instance.unicast_peers.clone();
            expected.sort();
            peers.sort();
            if peers != expected {
                findings.push(Finding {
                    director: input.name.to_owned(),
                    place: instance.place.clone(),
                    part: format!("unicast_peer of {}", instance.name),
                    reason: "unicast peers other than exactly the other directors' addresses: the rendered file lists the other directors".into(),
                    dropped: instance.vips.iter().map(|vip| format!("vip {vip}")).collect(),
                });
            }
        }
    }
}

/// The sync daemon the inventory renders: `None` for the instance (and the
/// interface, id and multicast group it gets) without named groups, the
/// group's first instance; with them none, which runs the master and the
/// backup daemon at once, with the lowest router id of the groups written.
fn rendered_daemon(imported: &[Imported], draft: &Draft) -> (Option<String>, u32, bool) {
    let written: Vec<&Imported> = if draft.vrrp.groups.is_empty() {
        vec![&imported[0]]
    } else {
        imported
            .iter()
            .enumerate()
            .filter(|(index, _)| draft.services.iter().any(|s| s.group == *index))
            .map(|(_, group)| group)
            .collect()
    };
    let Some(lowest) = written.iter().map(|group| group.first().vrid).min() else {
        return (None, imported[0].first().vrid, imported[0].first().ipv4());
    };
    if draft.vrrp.groups.is_empty() {
        let first = imported[0].first();
        return (Some(first.name.clone()), first.vrid, first.ipv4());
    }
    let any_ipv4 = written
        .iter()
        .flat_map(|group| &group.group.instances)
        .any(Instance::ipv4);
    (None, lowest, any_ipv4)
}

/// `lvs_sync_daemon` as the inventory renders it: on the director's
/// interface with the sync id; without named groups following the group's
/// first instance, with them without an instance (both daemons at once).
fn sync_daemon(
    inputs: &[Input<'_>],
    imported: &[Imported],
    draft: &mut Draft,
    findings: &mut Vec<Finding>,
) {
    let unicast = draft.vrrp.unicast;
    let default_on = draft.directors.len() >= 2 && !unicast;
    let (instance, id, ipv4) = rendered_daemon(imported, draft);
    let mut with = 0;
    for (input, directorate) in inputs.iter().zip(&draft.directors) {
        let Some(daemon) = &input.director.sync_daemon else {
            continue;
        };
        with += 1;
        let follows = daemon.instance == instance;
        let id_ok = match &instance {
            Some(_) => daemon.id.is_none_or(|own| own == id),
            None => daemon.id == Some(id),
        };
        let group_ok = match daemon.group {
            None => ipv4,
            Some(address) => !ipv4 && address.to_string() == crate::render::SYNC_GROUP_IPV6,
        };
        if !(follows && id_ok && group_ok && daemon.interface == directorate.interface) {
            findings.push(Finding {
                director: input.name.to_owned(),
                place: daemon.place.clone(),
                part: "lvs_sync_daemon".into(),
                reason: daemon_reason(
                    daemon.instance.is_none(),
                    instance.as_deref(),
                    &directorate.interface,
                    id,
                ),
                dropped: vec!["sync daemon".into()],
            });
        }
    }
    if with == 0 && default_on {
        draft.vrrp.sync_connections = Some(false);
    } else if with > 0 && !default_on {
        draft.vrrp.sync_connections = Some(true);
    }
    if with != 0 && with != inputs.len() {
        findings.push(Finding {
            director: inputs[0].name.to_owned(),
            place: imported[0].first().place.clone(),
            part: "lvs_sync_daemon".into(),
            reason: "some directors run the sync daemon and others not: the inventory runs it on all or none".into(),
            dropped: vec!["sync daemon".into()],
        });
    }
}

/// Why a director's sync daemon is not the rendered one.
fn daemon_reason(without: bool, rendered: Option<&str>, interface: &str, id: u32) -> String {
    if let Some(first) = rendered {
        let what = if without {
            "a sync daemon without an instance, which runs the master and the backup daemon at once (keepalived #1819)"
        } else {
            "a sync daemon of another instance, interface, id or group"
        };
        format!("{what}: the rendered one follows the VRRP group's first instance ({first}) on {interface} with id {id}, as an inventory with one VRRP group renders it (with several groups it has no instance)")
    } else {
        let what = if without {
            "a sync daemon of another interface, id or group"
        } else {
            "a sync daemon that follows one instance, so runs the master daemon only while that instance is master and the backup daemon otherwise"
        };
        format!("{what}: with VRRP groups the rendered one has no instance and runs the master and the backup daemon at once (keepalived #1819), on {interface} with id {id}, the lowest virtual_router_id of the groups")
    }
}

/// The first director's virtual servers of the imported groups' VIPs,
/// each within one group; another director's that differ or are missing
/// are reported.
fn agreed_servers(
    inputs: &[Input<'_>],
    imported: &[Imported],
    left_out: &[(Group, String)],
    findings: &mut Vec<Finding>,
) -> Vec<VirtualServer> {
    let vips: BTreeSet<IpAddr> = imported
        .iter()
        .flat_map(|g| g.vips.iter().copied())
        .collect();
    let mut kept = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        for server in &input.director.virtual_servers {
            let outside: Vec<IpAddr> = server
                .members
                .iter()
                .map(|m| m.0)
                .filter(|vip| !vips.contains(vip))
                .collect();
            let spanned: Vec<&str> = imported
                .iter()
                .filter(|g| server.members.iter().any(|m| g.vips.contains(&m.0)))
                .map(|g| g.group.name.as_str())
                .collect();
            if one_group(imported, server).is_some() {
                if index == 0 {
                    kept.push(server.clone());
                }
                continue;
            }
            let reason = if outside.is_empty() {
                format!(
                    "its VIPs are in {} VRRP groups ({}): the inventory puts a service, and so its VIPs, in one group, which fails over as one",
                    spanned.len(),
                    spanned.join(", ")
                )
            } else {
                match left_out.iter().find(|(g, _)| g.vips().contains(&outside[0])) {
                    Some((group, _)) => format!(
                        "a virtual server of VRRP group {}, which is not imported (above)",
                        group.name
                    ),
                    None => format!(
                        "its VIP {} is no VRRP instance's: the rendered directors would hold it by VRRP",
                        outside[0]
                    ),
                }
            };
            findings.push(Finding {
                director: input.name.to_owned(),
                place: server.place.clone(),
                part: "virtual_server".into(),
                reason,
                dropped: server.keys(),
            });
        }
    }
    for input in &inputs[1..] {
        for server in &kept {
            let theirs = input
                .director
                .virtual_servers
                .iter()
                .find(|s| s.keys() == server.keys());
            match theirs {
                Some(theirs) if same_server(theirs, server) => {}
                Some(theirs) => findings.push(Finding {
                    director: input.name.to_owned(),
                    place: theirs.place.clone(),
                    part: "virtual_server".into(),
                    reason: format!("differs from {}'s ({}): the inventory takes {}'s", inputs[0].name, server.place, inputs[0].name),
                    dropped: server.keys(),
                }),
                None => findings.push(Finding {
                    director: input.name.to_owned(),
                    place: server.place.clone(),
                    part: format!("virtual_server {}", server.keys().join(", ")),
                    reason: format!("{}'s, missing on {}: the inventory gives every director every virtual server", inputs[0].name, input.name),
                    dropped: server.keys(),
                }),
            }
        }
        for theirs in &input.director.virtual_servers {
            if !kept.iter().any(|s| s.keys() == theirs.keys())
                && one_group(imported, theirs).is_some()
            {
                findings.push(Finding {
                    director: input.name.to_owned(),
                    place: theirs.place.clone(),
                    part: "virtual_server".into(),
                    reason: format!(
                        "not on {}: the inventory takes {}'s virtual servers",
                        inputs[0].name, inputs[0].name
                    ),
                    dropped: theirs.keys(),
                });
            }
        }
    }
    kept
}

/// Each virtual server's VRRP group, as an index among the imported ones
/// (the first where its VIPs are in no single group: it is reported).
fn server_groups(servers: &[VirtualServer], imported: &[Imported]) -> Vec<usize> {
    servers
        .iter()
        .map(|server| one_group(imported, server).unwrap_or_default())
        .collect()
}

/// The index of the imported group that holds every VIP of `server`.
fn one_group(imported: &[Imported], server: &VirtualServer) -> Option<usize> {
    imported
        .iter()
        .position(|g| server.members.iter().all(|m| g.vips.contains(&m.0)))
}

/// Whether two directors' virtual servers mean the same (places and
/// comments aside).
fn same_server(a: &VirtualServer, b: &VirtualServer) -> bool {
    let strip = |server: &VirtualServer| {
        let mut server = server.clone();
        server.place = Place {
            file: String::new(),
            line: 0,
        };
        server.group = None;
        server.comment = None;
        for real in &mut server.real_servers {
            real.place = Place {
                file: String::new(),
                line: 0,
            };
            real.comment = None;
        }
        server
    };
    strip(a) == strip(b)
}
