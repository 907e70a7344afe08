//! Which director holds which VIPs, and when a change moves them: a
//! failover that the plan names, with the directors, the VIPs, the moment
//! (which director's reload, start or stop) and what it does to the
//! established connections.
//!
//! VRRP moves VIPs in groups, each held by the director with the highest
//! priority in it (keepalived preempts by default, so a higher priority
//! takes the group as soon as it is advertised). Today an inventory has one
//! group: keepalived's sync group `lvs_dr`, the VRRP instances of all its
//! VIPs (one per address family), with each director's `priority`. Several
//! groups, each mastered by another director, need only [`groups`] to list
//! them: moves are found and told group by group.

use std::net::IpAddr;

use serde::Serialize;

use super::{PhaseName, Step};
use crate::render::unique_vips;
use crate::validate::model::Inventory;

/// VIPs that VRRP moves between the directors as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrrpGroup {
    /// Its name (keepalived's `vrrp_sync_group`).
    pub name: String,
    /// Its VIPs.
    pub vips: Vec<IpAddr>,
    /// Each director's priority in it, in inventory order.
    pub priorities: Vec<(String, u32)>,
}

impl VrrpGroup {
    /// The director that holds the group while every director is up.
    pub fn master(&self) -> Option<&str> {
        highest(&self.priorities)
    }
}

fn highest(priorities: &[(String, u32)]) -> Option<&str> {
    priorities
        .iter()
        .max_by_key(|(_, priority)| *priority)
        .map(|(name, _)| name.as_str())
}

/// The inventory's VRRP groups: today one, `lvs_dr`, with every VIP.
pub fn groups(inventory: &Inventory) -> Vec<VrrpGroup> {
    if inventory.directors.is_empty() {
        return Vec::new();
    }
    vec![VrrpGroup {
        name: "lvs_dr".to_owned(),
        vips: unique_vips(&inventory.services),
        priorities: inventory
            .directors
            .iter()
            .map(|director| (director.name.clone(), director.priority))
            .collect(),
    }]
}

/// A change of the director that holds a VRRP group: a failover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MasterMove {
    /// The group.
    pub group: String,
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
}

impl MasterMove {
    /// The move as a sentence for people.
    pub fn describe(&self) -> String {
        let vips: Vec<String> = self.vips.iter().map(ToString::to_string).collect();
        format!(
            "VRRP master of {} ({}) moves from {} to {} at \"{}\": a failover ({} takes the VIPs \
             and announces them by gratuitous ARP); {}",
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
        )
    }
}

/// The groups whose master changes, told group by group, with the step of
/// the directors' phase that moves each (their order: `steps`).
pub fn moves(
    old: &Inventory,
    new: &Inventory,
    phase: Option<PhaseName>,
    steps: &[Step],
) -> Vec<MasterMove> {
    let survive = old.vrrp.as_ref().is_some_and(|v| v.sync_connections)
        && new.vrrp.as_ref().is_some_and(|v| v.sync_connections);
    let after = groups(new);
    let mut found = Vec::new();
    for before in groups(old) {
        let Some(next) = after.iter().find(|group| group.name == before.name) else {
            continue;
        };
        let (Some(from), Some(to)) = (before.master(), next.master()) else {
            continue;
        };
        if from == to {
            continue;
        }
        let vips = next
            .vips
            .iter()
            .filter(|vip| before.vips.contains(vip))
            .copied()
            .collect();
        found.push(MasterMove {
            group: next.name.clone(),
            vips,
            from: from.to_owned(),
            to: to.to_owned(),
            when: moment(&before, next, phase, steps),
            connections_survive: survive,
        });
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
