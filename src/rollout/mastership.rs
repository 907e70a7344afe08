//! Which director holds which VIPs, and when a change moves them: a
//! failover that the plan names, with the directors, the VIPs, the moment
//! (which director's reload, start or stop) and what it does to the
//! established connections.
//!
//! VRRP moves VIPs in groups, each held by the director with the highest
//! priority in it (keepalived preempts by default, so a higher priority
//! takes the group as soon as it is advertised, or `preempt_delay` seconds
//! after). The groups are the model's (`vrrp.groups`): `lvs_dr`, the
//! services in no named group with each director's `priority`, and each
//! named group with its own priorities, such as one group mastered by each
//! of two directors. A VIP's master moves when its group's highest priority
//! changes hands, and when the VIP passes to a group another director
//! masters; moves are found and told group by group. Also the VRRP changes
//! the groups make to the directors' configuration.

use std::fmt::Write as _;
use std::net::IpAddr;

use serde::Serialize;

use super::steps::{PhaseName, Step};
pub use crate::validate::model::VrrpGroup;
use crate::validate::model::{Inventory, Vrrp};

/// The inventory's VRRP groups, `lvs_dr` first where it has VIPs; none
/// without directors.
pub fn groups(inventory: &Inventory) -> Vec<VrrpGroup> {
    if inventory.directors.is_empty() {
        return Vec::new();
    }
    inventory
        .vrrp
        .as_ref()
        .map_or_else(Vec::new, |vrrp| vrrp.groups.clone())
}

/// Whether `director` is the master of at least one VRRP group (without
/// named groups: of the one group, as the highest `priority`).
pub fn masters_any(inventory: &Inventory, director: &str) -> bool {
    groups(inventory)
        .iter()
        .any(|group| group.master() == Some(director))
}

/// Whether what the groups advertise differs: a group's name, virtual
/// router id or VIPs (a VIP passing to another group changes both groups'
/// adverts, and a director reloaded alone would ignore the other's).
pub(super) fn adverts_differ(was: &Vrrp, will: &Vrrp) -> bool {
    let adverts = |vrrp: &Vrrp| -> Vec<(String, u32, Vec<IpAddr>)> {
        vrrp.groups
            .iter()
            .map(|group| {
                let mut vips = group.vips.clone();
                vips.sort_unstable();
                (group.name.clone(), group.virtual_router_id, vips)
            })
            .collect()
    };
    adverts(was) != adverts(will)
}

/// The VRRP changes of the groups, the same on every director: without
/// named groups, the one virtual router id; with them, each group added,
/// removed, renumbered or given other VIPs, the sync daemons and the
/// preempt delay.
pub(super) fn group_changes(was: &Vrrp, will: &Vrrp) -> Vec<String> {
    let mut changes = Vec::new();
    if !was.named_groups && !will.named_groups {
        if let (Some(before), Some(after)) = (was.virtual_router_id, will.virtual_router_id) {
            if before != after {
                changes.push(format!("virtual_router_id {before} -> {after}"));
            }
        }
    } else {
        changes.extend(named_group_changes(was, will));
    }
    if was.named_groups != will.named_groups {
        let daemons = |both: bool| {
            if both {
                "master and backup at once"
            } else {
                "following the VRRP state"
            }
        };
        changes.push(format!(
            "connection sync daemons {} -> {}",
            daemons(was.named_groups),
            daemons(will.named_groups)
        ));
    }
    if was.preempt_delay != will.preempt_delay {
        let seconds =
            |delay: Option<u32>| delay.map_or_else(|| "none".to_owned(), |s| format!("{s} s"));
        changes.push(format!(
            "preempt_delay {} -> {}",
            seconds(was.preempt_delay),
            seconds(will.preempt_delay)
        ));
    }
    changes
}

fn named_group_changes(was: &Vrrp, will: &Vrrp) -> Vec<String> {
    let list = |vips: &[IpAddr]| {
        vips.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut changes = Vec::new();
    for group in &will.groups {
        let Some(before) = was.groups.iter().find(|g| g.name == group.name) else {
            changes.push(format!(
                "group {} added (virtual_router_id {}; {})",
                group.name,
                group.virtual_router_id,
                list(&group.vips)
            ));
            continue;
        };
        if before.virtual_router_id != group.virtual_router_id {
            changes.push(format!(
                "group {}: virtual_router_id {} -> {}",
                group.name, before.virtual_router_id, group.virtual_router_id
            ));
        }
        let gained: Vec<IpAddr> = group
            .vips
            .iter()
            .filter(|vip| !before.vips.contains(vip))
            .copied()
            .collect();
        let given_up: Vec<IpAddr> = before
            .vips
            .iter()
            .filter(|vip| !group.vips.contains(vip))
            .copied()
            .collect();
        if !gained.is_empty() {
            changes.push(format!("group {} takes {}", group.name, list(&gained)));
        }
        if !given_up.is_empty() {
            changes.push(format!("group {} gives up {}", group.name, list(&given_up)));
        }
    }
    for group in &was.groups {
        if !will.groups.iter().any(|g| g.name == group.name) {
            changes.push(format!(
                "group {} removed (virtual_router_id {})",
                group.name, group.virtual_router_id
            ));
        }
    }
    changes
}

/// `director`'s priority changes in the named groups that both
/// inventories have (its own `priority`, which `lvs_dr` uses, is told
/// with the director's own changes).
pub(super) fn priority_changes(old: &Inventory, new: &Inventory, director: &str) -> Vec<String> {
    let (Some(was), Some(will)) = (&old.vrrp, &new.vrrp) else {
        return Vec::new();
    };
    let mut changes = Vec::new();
    for group in will
        .groups
        .iter()
        .filter(|g| g.name != crate::validate::DEFAULT_GROUP)
    {
        let Some(before) = was.groups.iter().find(|g| g.name == group.name) else {
            continue;
        };
        if let (Some(from), Some(to)) = (before.priority_of(director), group.priority_of(director))
        {
            if from != to {
                changes.push(format!("priority in group {} {from} -> {to}", group.name));
            }
        }
    }
    changes
}

/// A change of the director that holds a VRRP group: a failover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MasterMove {
    /// The group.
    pub group: String,
    /// The group the VIPs were in before, when another one (they pass to
    /// a group another director masters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_group: Option<String>,
    /// Its VIPs that both inventories have (the ones that move).
    pub vips: Vec<IpAddr>,
    /// The director that holds them before.
    pub from: String,
    /// The director that holds them after.
    pub to: String,
    /// The step that moves them: `reload lb1`, `start lb3`, `stop lb1`, or
    /// `reload the directors together`.
    pub when: String,
    /// Whether established connections survive it (connection sync on,
    /// before and after).
    pub connections_survive: bool,
    /// With named groups, what connection sync does not save.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_saved: Option<String>,
}

impl MasterMove {
    /// The move as a sentence for people.
    pub fn describe(&self) -> String {
        let vips: Vec<String> = self.vips.iter().map(ToString::to_string).collect();
        let from_group = self
            .from_group
            .as_ref()
            .map_or_else(String::new, |group| format!(", until now in group {group}"));
        let mut text = format!(
            "VRRP master of {} ({}{from_group}) moves from {} to {} at \"{}\": a failover ({} \
             takes the VIPs and announces them by gratuitous ARP); {}",
            self.group,
            vips.join(", "),
            self.from,
            self.to,
            self.when,
            self.to,
            if self.connections_survive {
                format!(
                    "established connections go on through {} (connection sync)",
                    self.to
                )
            } else {
                format!(
                    "connections established through {} break: without connection sync, {}'s \
                     IPVS does not know them",
                    self.from, self.to
                )
            }
        );
        if let Some(lost) = &self.not_saved {
            text.push_str("; ");
            text.push_str(lost);
        }
        text
    }
}

/// What connection sync does not save when `to` takes VIPs from `from`
/// (with named groups, where each director runs both sync daemons): the
/// kernel's master daemon sends a connection on its 3rd packet and on every
/// 50th after, in a message it sends within 2 s, so the newest connections
/// may be missing; for about a second nobody answers the VIPs; and a
/// director that starts knows only what was sent since.
fn not_saved(from: &str, to: &str, when: &str, vrrp: &Vrrp) -> String {
    let mut text = format!(
        "not saved: a connection that sent fewer than 3 packets, or opened in the last 2 s, may \
         not have reached {to} from {from}'s sync daemon and breaks; for about a second no \
         director answers the VIPs (clients retransmit)"
    );
    if when.starts_with("start ") {
        let _ = match vrrp.preempt_delay {
            Some(seconds) => write!(
                text,
                "; {to} takes them {seconds} s (preempt_delay) after its keepalived starts, \
                 knowing the connections that sent packets since: an idle one breaks"
            ),
            None => write!(
                text,
                "; {to} takes them as soon as its keepalived starts, before {from} has sent it \
                 the connections: they break (set `preempt_delay`)"
            ),
        };
    }
    text
}

/// The groups whose master changes, told group by group, with the step of
/// the directors' phase that moves each (their order: `steps`): a group
/// whose highest priority changes hands, and VIPs passing to a group that
/// another director masters.
pub fn moves(
    old: &Inventory,
    new: &Inventory,
    phase: Option<PhaseName>,
    steps: &[Step],
) -> Vec<MasterMove> {
    let survive = old.vrrp.as_ref().is_some_and(|v| v.sync_connections)
        && new.vrrp.as_ref().is_some_and(|v| v.sync_connections);
    let named = new
        .vrrp
        .as_ref()
        .filter(|v| v.named_groups && old.vrrp.as_ref().is_some_and(|o| o.named_groups));
    let after = groups(new);
    let mut found = Vec::new();
    for before in groups(old) {
        for next in &after {
            let same = next.name == before.name;
            let vips: Vec<IpAddr> = next
                .vips
                .iter()
                .filter(|vip| before.vips.contains(vip))
                .copied()
                .collect();
            if !same && vips.is_empty() {
                continue;
            }
            let (Some(from), Some(to)) = (before.master(), next.master()) else {
                continue;
            };
            if from == to {
                continue;
            }
            let when = moment(&before, next, phase, steps);
            found.push(MasterMove {
                group: next.name.clone(),
                from_group: (!same).then(|| before.name.clone()),
                vips,
                from: from.to_owned(),
                to: to.to_owned(),
                not_saved: named
                    .filter(|_| survive)
                    .map(|vrrp| not_saved(from, to, &when, vrrp)),
                when,
                connections_survive: survive,
            });
        }
    }
    found
}

/// The step at which the group's highest priority first changes hands,
/// replaying the directors' steps in order.
fn moment(
    before: &VrrpGroup,
    after: &VrrpGroup,
    phase: Option<PhaseName>,
    steps: &[Step],
) -> String {
    if phase == Some(PhaseName::DirectorsTogether) {
        return "reload the directors together".to_owned();
    }
    let mut live = before.priorities.clone();
    let holder = before.master().unwrap_or_default().to_owned();
    for step in steps {
        let verb = match step.note {
            Some("removed") => {
                live.retain(|(name, _)| *name != step.machine);
                "stop"
            }
            note => {
                let priority = after
                    .priorities
                    .iter()
                    .find(|(name, _)| *name == step.machine)
                    .map(|(_, priority)| *priority);
                live.retain(|(name, _)| *name != step.machine);
                if let Some(priority) = priority {
                    live.push((step.machine.clone(), priority));
                }
                if note == Some("new") {
                    "start"
                } else {
                    "reload"
                }
            }
        };
        if !keeps(&live, &holder) {
            return format!("{verb} {}", step.machine);
        }
    }
    "the directors' phase".to_owned()
}

/// Whether `holder` still holds the group among the `live` priorities (a
/// tie keeps the holder: an equal priority does not preempt it).
fn keeps(live: &[(String, u32)], holder: &str) -> bool {
    live.iter()
        .find(|(name, _)| name == holder)
        .is_some_and(|(_, own)| live.iter().all(|(_, priority)| priority <= own))
}

#[cfg(test)]
mod tests {
    use super::{moment, VrrpGroup};
    use crate::rollout::{PhaseName, Step};

    fn group(priorities: &[(&str, u32)]) -> VrrpGroup {
        VrrpGroup {
            name: "lvs_dr".to_owned(),
            virtual_router_id: 51,
            services: Vec::new(),
            vips: Vec::new(),
            priorities: priorities
                .iter()
                .map(|(name, priority)| ((*name).to_owned(), *priority))
                .collect(),
        }
    }

    fn step(machine: &str, note: Option<&'static str>) -> Step {
        Step {
            machine: machine.to_owned(),
            role: "director",
            note,
            actions: Vec::new(),
        }
    }

    #[test]
    fn the_master_moves_at_the_first_reload_that_hands_over_the_highest_priority() {
        let before = group(&[("lb1", 150), ("lb2", 100)]);
        let after = group(&[("lb1", 50), ("lb2", 100)]);
        let steps = [step("lb1", None)];
        assert_eq!(moment(&before, &after, None, &steps), "reload lb1");
    }

    #[test]
    fn an_equal_priority_does_not_preempt_the_holder() {
        // lb1 drops to lb2's 100 first (a tie: lb1 keeps the VIPs), then
        // lb2 rises to 120 and takes them.
        let before = group(&[("lb1", 150), ("lb2", 100)]);
        let after = group(&[("lb1", 100), ("lb2", 120)]);
        let steps = [step("lb1", None), step("lb2", Some("VRRP master"))];
        assert_eq!(moment(&before, &after, None, &steps), "reload lb2");
    }

    #[test]
    fn a_stopped_master_and_directors_reloaded_together_are_named_so() {
        let before = group(&[("lb1", 150), ("lb2", 100)]);
        let after = group(&[("lb2", 100)]);
        let steps = [step("lb2", None), step("lb1", Some("removed"))];
        assert_eq!(moment(&before, &after, None, &steps), "stop lb1");
        assert_eq!(
            moment(&before, &after, Some(PhaseName::DirectorsTogether), &steps),
            "reload the directors together"
        );
    }
}
