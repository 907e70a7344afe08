//! `verify --arp` on a director: who answers ARP for each IPv4 VIP on the
//! segment. Only the master may; a real server that answers steals the
//! director's traffic, and the answering MAC address is named after the
//! machine that owns it.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use super::check::Check;
use crate::arp;
use crate::live::ArpQuestion;
use crate::machine::{DirectorSetup, Neighbour};

/// What `--arp` asks: who has each IPv4 VIP, and each IPv4 address of the
/// other machines (to know their MAC addresses), asked from the director's
/// own IPv4 address. `None` when the director has no IPv4 address, hence
/// no IPv4 VIP to ask about.
pub fn arp_question(setup: &DirectorSetup) -> Option<ArpQuestion> {
    let sender = setup.addresses.iter().find_map(ipv4)?;
    let mut targets: Vec<Ipv4Addr> = Vec::new();
    let vips = setup.vips.iter().filter_map(ipv4);
    let others = setup.neighbours.iter().filter_map(|n| ipv4(&n.address));
    for target in vips.chain(others) {
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    Some(ArpQuestion {
        interface: setup.interface.clone(),
        sender,
        targets,
    })
}

fn ipv4(address: &IpAddr) -> Option<Ipv4Addr> {
    match address {
        IpAddr::V4(v4) => Some(*v4),
        IpAddr::V6(_) => None,
    }
}

/// Who answers ARP for each IPv4 VIP. The VRRP master itself never sees its
/// own answer (a machine does not answer its own request), so on the master
/// any answer is another machine claiming the VIP; on a backup the answer
/// must come from a director (the master). Any other answer — typically a
/// real server with `arp_ignore` lost — steals the VIP's traffic.
pub(super) fn arp_checks(
    setup: &DirectorSetup,
    answers: &arp::Answers,
    mastered: &[IpAddr],
) -> Vec<Check> {
    let owners = mac_owners(setup, answers);
    let owner = |mac: &str| owners.get(mac).copied();
    let describe = |mac: &str| match owner(mac) {
        Some(neighbour) => format!("{mac} ({}, {})", neighbour.address, neighbour.name),
        None => format!("{mac} (not an address of the inventory)"),
    };
    let mut checks = Vec::new();
    for vip in setup.vips.iter().filter_map(ipv4) {
        let master = mastered.contains(&IpAddr::V4(vip));
        let expected_text = if master {
            "no other machine answers (this director is the VRRP master)"
        } else {
            "answered by the VRRP master only"
        };
        let macs = answers.get(&vip).cloned().unwrap_or_default();
        let stealing: Vec<String> = macs
            .iter()
            .filter(|mac| master || !owner(mac).is_some_and(|n| n.director))
            .map(|mac| describe(mac))
            .collect();
        let (ok, found) = if !stealing.is_empty() {
            (false, format!("answered by {}", stealing.join(", ")))
        } else if macs.is_empty() && !master {
            (false, "no answer: no director holds the VIP".to_owned())
        } else if master {
            (true, "no other machine answers".to_owned())
        } else {
            let masters: Vec<String> = macs.iter().map(|mac| describe(mac)).collect();
            (true, format!("answered by {}", masters.join(", ")))
        };
        checks.push(Check::new("arp", vip.to_string(), ok, expected_text, found));
    }
    checks
}

/// The machine behind each MAC address that answered for one of the
/// neighbours' own addresses.
fn mac_owners<'a>(
    setup: &'a DirectorSetup,
    answers: &'a arp::Answers,
) -> BTreeMap<&'a str, &'a Neighbour> {
    let mut owners = BTreeMap::new();
    for neighbour in &setup.neighbours {
        let Some(v4) = ipv4(&neighbour.address) else {
            continue;
        };
        for mac in answers.get(&v4).into_iter().flatten() {
            owners.entry(mac.as_str()).or_insert(neighbour);
        }
    }
    owners
}
