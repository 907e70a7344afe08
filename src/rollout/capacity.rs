//! How much of each service still takes new connections, before and after
//! a change, and the two rules that guard it:
//!
//! - a change that leaves a service with less than a share of the weight
//!   that served it before (`--capacity-share`, one half by default, as
//!   `PyBal`'s depool threshold) is unsafe: the rest of the servers would
//!   take the whole load at once. The fix names the changes that may go in
//!   a first rollout.
//! - a change that leaves a service with no weight at all, while its VIPs
//!   stay and no sorry server answers, is unsafe: the directors then hold
//!   VIPs that accept no new connection. (Retiring a service starts that
//!   way on purpose: doc/rollout.md says how it is rolled out.)
//!
//! The weight of a service is the sum of its real servers' IPVS weights,
//! 0 where drained: what the directors share its new connections by.

use serde::Serialize;

use super::identity::{counterpart, renames};
use super::steps::UnsafeChange;
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::validate::model::{Host, Inventory, Service};
use crate::yaml::InventoryPath;

/// The least share of a service's serving weight a change may leave
/// serving, unless told otherwise (`plan --capacity-share`).
pub const DEFAULT_SHARE: f64 = 0.5;

/// One service's serving weight before and after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceCapacity {
    /// The service.
    pub service: String,
    /// Its weight in OLD; `None` when OLD does not have it.
    pub before: Option<u64>,
    /// Its weight in NEW; `None` when NEW no longer has it.
    pub after: Option<u64>,
    /// Whether a sorry server answers it in NEW when no weight is left.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sorry_server: bool,
}

/// The weight that takes `service`'s new connections in `inventory`.
pub fn serving_weight(inventory: &Inventory, service: &str) -> u64 {
    inventory
        .hosts
        .iter()
        .filter(|host| serves(host, service))
        .map(|host| u64::from(host.weight_in(service)))
        .sum()
}

fn serves(host: &Host, service: &str) -> bool {
    host.services.iter().any(|name| name == service)
}

/// The services every real server of which is drained (weight 0, and at
/// least one real server), with directors to drain them: `validate` warns.
fn fully_drained(inventory: &Inventory) -> Vec<&Service> {
    if inventory.directors.is_empty() {
        return Vec::new();
    }
    inventory
        .services
        .iter()
        .filter(|service| {
            inventory
                .hosts
                .iter()
                .any(|host| serves(host, &service.name))
                && serving_weight(inventory, &service.name) == 0
        })
        .collect()
}

/// `validate`'s warnings for `inventory` (from `file`): one per service
/// every real server of which is drained.
pub fn drained_warnings(file: &str, inventory: &Inventory) -> Vec<Diagnostic> {
    fully_drained(inventory)
        .into_iter()
        .map(|service| {
            let sorry = if service.sorry_servers.is_empty() {
                ""
            } else {
                "; its sorry server answers them"
            };
            Diagnostic::at_path(
                file,
                Code::ServiceFullyDrained,
                InventoryPath::at("services").key(&service.name),
                format!(
                    "every real server of {} is drained: the directors accept no new connection \
                     for its VIPs{sorry}. Intended only while the service is retired \
                     (doc/rollout.md); otherwise take `drain` off one of its hosts",
                    service.name
                ),
            )
        })
        .collect()
}

/// Every service of NEW, then those only OLD has, each with its weight on
/// both sides. Empty when neither inventory has directors (then nothing
/// balances by weight).
pub fn capacity(old: &Inventory, new: &Inventory) -> Vec<ServiceCapacity> {
    if old.directors.is_empty() && new.directors.is_empty() {
        return Vec::new();
    }
    let in_old = |name: &str| old.services.iter().any(|service| service.name == name);
    let mut table: Vec<ServiceCapacity> = new
        .services
        .iter()
        .map(|service| ServiceCapacity {
            service: service.name.clone(),
            before: in_old(&service.name).then(|| serving_weight(old, &service.name)),
            after: Some(serving_weight(new, &service.name)),
            sorry_server: !service.sorry_servers.is_empty(),
        })
        .collect();
    table.extend(
        old.services
            .iter()
            .filter(|service| !new.services.iter().any(|s| s.name == service.name))
            .map(|service| ServiceCapacity {
                service: service.name.clone(),
                before: Some(serving_weight(old, &service.name)),
                after: None,
                sorry_server: false,
            }),
    );
    table
}

/// The changes that take too much of a service's weight in one step.
pub fn unsafe_changes(
    old: &Inventory,
    new: &Inventory,
    table: &[ServiceCapacity],
    share: f64,
) -> Vec<UnsafeChange> {
    if new.directors.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for row in table {
        let (Some(before), Some(after)) = (row.before, row.after) else {
            continue;
        };
        let Some(service) = new.services.iter().find(|s| s.name == row.service) else {
            continue;
        };
        if before == 0 || after >= before {
            continue;
        }
        if after == 0 {
            if !row.sorry_server {
                found.push(without_weight(service, before));
            }
        } else if less_than_share(after, before, share) {
            found.push(below_share(old, new, service, before, after, share));
        }
    }
    found
}

/// The service keeps its VIPs but nothing takes their new connections.
fn without_weight(service: &Service, before: u64) -> UnsafeChange {
    let name = &service.name;
    let vips: Vec<String> = service.vips.iter().map(ToString::to_string).collect();
    UnsafeChange {
        code: Code::ServiceWithoutWeight,
        path: InventoryPath::at("services").key(name),
        message: format!(
            "service {name} is left with no weight (weight {before} before): the directors keep \
             its VIPs ({}) but send their new connections nowhere, and no sorry server answers",
            vips.join(", ")
        ),
        fix: format!(
            "keep a real server of {name} taking new connections, or give it a `sorry_server`; \
             if {name} is being retired (its clients have moved away), this drain is the first \
             of its two rollouts: roll it out as intended, wait until its connections have ended \
             (ipvsadm -L -n: ActiveConn 0), then remove its VIPs (doc/rollout.md, \"Retiring a \
             service\")"
        ),
    }
}

/// The service keeps some weight, but less than the share.
fn below_share(
    old: &Inventory,
    new: &Inventory,
    service: &Service,
    before: u64,
    after: u64,
    share: f64,
) -> UnsafeChange {
    let name = &service.name;
    let changes = weight_changes(old, new, name);
    let gained: u64 = changes
        .iter()
        .filter(|(_, change)| *change > 0)
        .map(|(_, change)| change.unsigned_abs())
        .sum();
    // The longest run of the losses, in inventory order, that one rollout
    // may take: with every gain, at least the share left serving.
    let mut serving = before + gained;
    let mut first = Vec::new();
    for (host, change) in changes.iter().filter(|(_, change)| *change < 0) {
        let next = serving - change.unsigned_abs();
        if less_than_share(next, before, share) {
            break;
        }
        serving = next;
        first.push(host.as_str());
    }
    let losers: Vec<&str> = changes
        .iter()
        .filter(|(_, change)| *change < 0)
        .map(|(host, _)| host.as_str())
        .collect();
    let fix = if first.is_empty() {
        format!(
            "{}'s change alone leaves less than that: first add weight to {name} (a real \
             server, or a higher weight elsewhere) and roll that out; or, if this is intended, \
             plan with a lower --capacity-share",
            losers[0]
        )
    } else {
        format!(
            "drain in more rollouts: first roll out the change of {} alone ({name} keeps weight \
             {serving} of {before}), wait until the drained connections have ended (ipvsadm -L \
             -n: ActiveConn 0), then the rest",
            first.join(", ")
        )
    };
    UnsafeChange {
        code: Code::CapacityBelowShare,
        path: InventoryPath::at("services").key(name),
        message: format!(
            "service {name} is left with weight {after} of the {before} that took its new \
             connections ({} %; at least {} must stay: --capacity-share {share}); {} take the \
             whole load at once",
            after * 100 / before,
            percent(share),
            if remaining_servers(new, name) == 1 {
                "the real server left would"
            } else {
                "the real servers left would"
            }
        ),
        fix,
    }
}

/// Whether `part` is less than `share` of `whole`.
#[expect(
    clippy::cast_precision_loss,
    reason = "weights sum to far below 2^52, where f64 holds every integer exactly"
)]
fn less_than_share(part: u64, whole: u64, share: f64) -> bool {
    (part as f64) < share * (whole as f64)
}

/// `share` as a percentage, without trailing zeros (0.5: `50 %`).
fn percent(share: f64) -> String {
    let text = format!("{:.2}", share * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} %")
}

fn remaining_servers(new: &Inventory, service: &str) -> usize {
    new.hosts
        .iter()
        .filter(|host| serves(host, service) && host.weight_in(service) > 0)
        .count()
}

/// Each host whose weight in `service` changes, with the change (NEW's
/// weight minus OLD's; a renamed host is one host), in NEW's order, then
/// the hosts that leave.
fn weight_changes(old: &Inventory, new: &Inventory, service: &str) -> Vec<(String, i64)> {
    let weight = |host: Option<&Host>| {
        host.filter(|host| serves(host, service))
            .map_or(0, |host| i64::from(host.weight_in(service)))
    };
    let renames = renames(old, new);
    let mut changes = Vec::new();
    let mut kept = std::collections::BTreeSet::new();
    for host in &new.hosts {
        let previous = counterpart(old, &renames, host);
        if let Some(previous) = previous {
            kept.insert(previous.name.as_str());
        }
        let change = weight(Some(host)) - weight(previous);
        if change != 0 {
            changes.push((host.name.clone(), change));
        }
    }
    for host in &old.hosts {
        if !kept.contains(host.name.as_str()) && weight(Some(host)) > 0 {
            changes.push((host.name.clone(), -weight(Some(host))));
        }
    }
    changes
}

/// A capacity share (`plan --capacity-share`) from its text: a number from
/// 0 to 1.
pub fn parse_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!("`{text}` is not a share from 0 to 1 (such as 0.5)")),
    }
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn shares_read_as_percentages() {
        assert_eq!(percent(0.5), "50 %");
        assert_eq!(percent(0.25), "25 %");
        assert_eq!(percent(1.0 / 3.0), "33.33 %");
        assert_eq!(percent(0.0), "0 %");
    }
}
