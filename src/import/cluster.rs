//! The directors' configurations together, mapped to an inventory draft:
//! the VRRP groups (a director's sync groups and lone instances; several
//! become the inventory's `vrrp.groups`, such as an active-active pair),
//! the directors, and the services and hosts behind the virtual servers.
//! Every choice made leaves a comment for the inventory, and every part
//! that cannot be expressed a [`Finding`].

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::draft::{
    CheckDraft, DirectorDraft, Draft, GroupDraft, HostDraft, ServiceDraft, VrrpDraft,
};
use super::model::{Check, CheckKind, Director, Instance, Protocol, VirtualServer};
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
    services(&servers, &imported, &hosts, options, &mut draft, findings);
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

/// What makes virtual servers one service (all but the VIP, the port,
/// the family, the sorry server and the checked port).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signature {
    scheduler: String,
    persistence: Option<u32>,
    one_service: bool,
    quorum: u32,
    hysteresis: u32,
    alpha: bool,
    /// The check, its port and kinds left out.
    check: Option<CheckDraft>,
    hosts: Vec<(String, u32)>,
}

/// A virtual server on its way to a service.
struct Part {
    signature: Signature,
    /// Its VRRP group's index among the imported ones.
    group: usize,
    ipv4: bool,
    sorry: Option<IpAddr>,
    /// Each member with its port, protocol and check kind.
    members: Vec<(IpAddr, Port)>,
    /// The port its check connects to, when it has one of its own.
    checked: Option<u16>,
    /// Whether its check connects to each member's own port.
    checks_own_port: bool,
    /// The service's name in the comment above it (`Service www: …`).
    named: Option<String>,
}

/// A balanced port with its check's kind.
type Port = (u16, Protocol, Option<CheckKind>);

/// What groups parts into services: their signature, the checked port
/// (`None`: each its own), the family, the sorry server and the VRRP group.
type Key = (Signature, Option<u16>, bool, Option<IpAddr>, usize);

/// A key's VIPs, each with its ports.
type Piece = (Key, Vec<(IpAddr, Vec<Port>)>);

/// VIPs with the same ports, of one key.
struct Rectangle {
    key: Key,
    vips: Vec<IpAddr>,
    ports: Vec<Port>,
}

/// A service before it is named: an IPv4 and an IPv6 rectangle alike.
struct Merged {
    signature: Signature,
    group: usize,
    port: Option<u16>,
    vips: Vec<IpAddr>,
    ports: Vec<Port>,
    sorry: Vec<IpAddr>,
}

/// Builds the services: virtual servers alike but for VIP and port, their
/// VIPs with the same ports one service; an IPv4 and an IPv6 piece alike
/// merged.
fn services(
    servers: &[VirtualServer],
    imported: &[Imported],
    hosts: &super::hosts::Hosts,
    options: &Options,
    draft: &mut Draft,
    findings: &mut Vec<Finding>,
) {
    let parts: Vec<Part> = servers
        .iter()
        .map(|server| Part {
            group: one_group(imported, server).unwrap_or_default(),
            ..part(server, hosts, options, findings)
        })
        .collect();
    let merged = merge(rectangles(&parts));
    let names = service_names(&parts, &merged, &mut draft.comments);
    for (service, name) in merged.into_iter().zip(names) {
        for (host, weight) in &service.signature.hosts {
            hosts_entry(draft, hosts, host)
                .services_weights
                .push((name.clone(), *weight));
        }
        let check = service.signature.check.clone().map(|mut check| {
            check.port = service.port;
            check.kinds = service
                .ports
                .iter()
                .filter_map(|(number, protocol, kind)| {
                    kind.map(|kind| ((*number, *protocol), kind))
                })
                .collect();
            check
        });
        let signature = &service.signature;
        draft.services.push(ServiceDraft {
            name,
            group: service.group,
            vips: service.vips,
            ports: service
                .ports
                .iter()
                .map(|(number, protocol, _)| (*number, *protocol))
                .collect(),
            scheduler: signature.scheduler.clone(),
            persistence: signature.persistence,
            across_ports: signature.one_service,
            check,
            sorry: service.sorry,
            quorum: signature.quorum,
            hysteresis: signature.hysteresis,
            alpha: signature.alpha,
        });
    }
}

/// The checked port of a part: each its own (none written) when all parts
/// alike check their own, one port when they all check it, else its own.
fn checked_port(parts: &[Part], part: &Part) -> Option<u16> {
    let alike: Vec<&Part> = parts
        .iter()
        .filter(|p| p.signature == part.signature)
        .collect();
    if alike.iter().all(|p| p.checks_own_port) || (part.checks_own_port && part.checked.is_none()) {
        None
    } else {
        part.checked
    }
}

/// The parts by key, each key's VIPs with the same ports together.
fn rectangles(parts: &[Part]) -> Vec<Rectangle> {
    let mut pieces: Vec<Piece> = Vec::new();
    for part in parts {
        let key = (
            part.signature.clone(),
            checked_port(parts, part),
            part.ipv4,
            part.sorry,
            part.group,
        );
        let index = pieces
            .iter()
            .position(|piece| piece.0 == key)
            .unwrap_or_else(|| {
                pieces.push((key.clone(), Vec::new()));
                pieces.len() - 1
            });
        for (vip, port) in &part.members {
            let vips = &mut pieces[index].1;
            match vips.iter_mut().find(|(v, _)| v == vip) {
                Some((_, list)) => list.push(*port),
                None => vips.push((*vip, vec![*port])),
            }
        }
    }
    let mut rectangles: Vec<Rectangle> = Vec::new();
    for (key, vips) in pieces {
        for (vip, ports) in vips {
            match rectangles
                .iter_mut()
                .find(|r| r.key == key && r.ports == ports)
            {
                Some(rectangle) => rectangle.vips.push(vip),
                None => rectangles.push(Rectangle {
                    key: key.clone(),
                    vips: vec![vip],
                    ports,
                }),
            }
        }
    }
    rectangles
}

/// An IPv4 and an IPv6 rectangle alike are one service.
fn merge(rectangles: Vec<Rectangle>) -> Vec<Merged> {
    let mut merged: Vec<Merged> = Vec::new();
    for Rectangle { key, vips, ports } in rectangles {
        let (signature, port, ipv4, sorry, group) = key;
        let partner = merged.iter_mut().find(|m| {
            m.signature == signature
                && m.group == group
                && m.port == port
                && m.ports == ports
                && m.vips.iter().all(|v| v.is_ipv4() != ipv4)
                && m.sorry.iter().all(|s| s.is_ipv4() != ipv4)
                && m.sorry.is_empty() == sorry.is_none()
        });
        match partner {
            Some(m) => {
                m.vips.extend(vips);
                m.sorry.extend(sorry);
            }
            None => merged.push(Merged {
                signature,
                group,
                port,
                vips,
                ports,
                sorry: sorry.into_iter().collect(),
            }),
        }
    }
    merged
}

/// The services' names: the one comment above all their virtual servers
/// (`Service NAME: …`), else `service1`, `service2`, …
fn service_names(parts: &[Part], merged: &[Merged], comments: &mut Vec<String>) -> Vec<String> {
    let mut taken = BTreeSet::new();
    let names: Vec<String> = merged
        .iter()
        .enumerate()
        .map(|(index, service)| {
            let given: BTreeSet<&Option<String>> = parts
                .iter()
                .filter(|part| {
                    part.members.iter().any(|(vip, port)| {
                        service.vips.contains(vip) && service.ports.iter().any(|p| p.0 == port.0)
                    })
                })
                .map(|part| &part.named)
                .collect();
            match given.into_iter().collect::<Vec<_>>().as_slice() {
                [Some(name)] if taken.insert(name.clone()) => name.clone(),
                _ => format!("service{}", index + 1),
            }
        })
        .collect();
    let from_comments = names
        .iter()
        .filter(|name| !name.starts_with("service"))
        .count();
    if from_comments > 0 {
        comments.push(format!("{from_comments} service(s) named after the comment above their virtual servers (`Service NAME: …`, as lvs-dr-gen writes it)"));
    }
    if from_comments < names.len() {
        comments.push("services named service1, service2, …: rename them (a name appears only in comments of the rendered files)".into());
    }
    names
}

/// The draft's host of that name, added on first use.
fn hosts_entry<'a>(
    draft: &'a mut Draft,
    hosts: &super::hosts::Hosts,
    name: &str,
) -> &'a mut HostDraft {
    if let Some(index) = draft.hosts.iter().position(|h| h.name == name) {
        return &mut draft.hosts[index];
    }
    let addresses = hosts.addresses(name);
    draft.hosts.push(HostDraft {
        name: name.to_owned(),
        addresses,
        services_weights: Vec::new(),
    });
    draft.hosts.last_mut().expect("just pushed")
}

/// A virtual server's part; real servers whose checks differ from the
/// first's are reported.
fn part(
    server: &VirtualServer,
    hosts: &super::hosts::Hosts,
    options: &Options,
    findings: &mut Vec<Finding>,
) -> Part {
    let reference = &server.real_servers[0].checks;
    for real in &server.real_servers[1..] {
        if !same_checks(&real.checks, reference) {
            let keys = server
                .keys()
                .iter()
                .map(|key| format!("{key} -> {} check", real.address))
                .collect();
            findings.push(Finding {
                director: String::new(),
                place: real.place.clone(),
                part: format!("real_server {}", real.address),
                reason: format!("its checks differ from the first real server's ({}): the inventory checks a service's real servers alike, so the rendered one gets that check", server.real_servers[0].place),
                dropped: keys,
            });
        }
    }
    let check = check_draft(server, reference, options, findings);
    let mut host_weights: Vec<(String, u32)> = server
        .real_servers
        .iter()
        .map(|real| (hosts.name_of(real.address), real.weight))
        .collect();
    host_weights.sort();
    let first = reference.first();
    let checked = first
        .and_then(|c| c.connect_port)
        .filter(|_| !server.one_service);
    let checks_own_port = server.one_service
        || first.is_none()
        || server
            .members
            .iter()
            .all(|(_, own)| checked.is_none_or(|p| p == *own));
    let kind = |port: u16| {
        reference
            .iter()
            .find(|c| c.connect_port.is_none_or(|p| p == port) || !server.one_service)
            .map(|c| c.kind)
    };
    Part {
        group: 0,
        signature: Signature {
            scheduler: server.scheduler.clone(),
            persistence: server.persistence,
            one_service: server.one_service,
            quorum: server.quorum,
            hysteresis: server.hysteresis,
            alpha: server.alpha,
            check,
            hosts: host_weights,
        },
        ipv4: server.members[0].0.is_ipv4(),
        sorry: server.sorry_server,
        members: server
            .members
            .iter()
            .map(|(vip, port)| (*vip, (*port, server.protocol, kind(*port))))
            .collect(),
        checked,
        checks_own_port,
        named: server
            .comment
            .as_deref()
            .and_then(|comment| comment.strip_prefix("Service "))
            .and_then(|rest| rest.split_once(':'))
            .map(|(name, _)| name.to_owned())
            .filter(|name| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            }),
    }
}

/// Two real servers' checks alike, places aside.
fn same_checks(a: &[Check], b: &[Check]) -> bool {
    a == b
}

/// The service's check from a real server's checks (its port and kinds
/// are set per service), `None` without one.
fn check_draft(
    server: &VirtualServer,
    checks: &[Check],
    options: &Options,
    findings: &mut Vec<Finding>,
) -> Option<CheckDraft> {
    let first = checks.first()?;
    let check_keys: Vec<String> = server
        .keys()
        .iter()
        .flat_map(|key| {
            server
                .real_servers
                .iter()
                .map(move |real| format!("{key} -> {} check", real.address))
        })
        .collect();
    let mut report = |part: String, reason: &str| {
        findings.push(Finding {
            director: String::new(),
            place: server.real_servers[0].place.clone(),
            part,
            reason: reason.to_owned(),
            dropped: check_keys.clone(),
        });
    };
    if checks.len() > 1 && !server.one_service {
        report(
            format!("real_server {}", server.real_servers[0].address),
            "several checks on one real server: the inventory's service has one check per port",
        );
    }
    if server.alpha && !first.no_warmup {
        report("alpha".into(), "`alpha` without `warmup 0`: the rendered file adds `warmup 0`, so that the first checks run at once");
    }
    let mut draft = CheckDraft {
        path: first.path.clone(),
        digest: first.digest.clone(),
        expect: first.digest.as_ref().and_then(|digest| {
            options
                .bodies
                .iter()
                .find(|body| &crate::render::body_digest(body) == digest)
                .cloned()
        }),
        status_code: first.status_code,
        port: None,
        timers: (
            first.interval,
            first.connect_timeout,
            first.retry,
            first.delay_before_retry,
        ),
        kinds: Vec::new(),
    };
    if first.digest.is_some() && draft.expect.is_none() {
        report(
            format!("digest {}", first.digest.as_deref().unwrap_or_default()),
            "the page's MD5 digest: the inventory writes the page's body (`expect`), which cannot be found from its MD5; give the body with `--expect BODY` (import checks that its MD5 is this digest); without it the imported check reads the status only",
        );
        draft.digest = None;
    }
    if matches!(first.kind, CheckKind::Http | CheckKind::Https)
        && first.status_code.is_none()
        && first.digest.is_none()
    {
        report(
            format!("url {}", first.path.as_deref().unwrap_or_default()),
            "a page check without `status_code` or `digest`: keepalived accepts any status 200 to 299, the inventory's check 200 only",
        );
    }
    Some(draft)
}
