//! Who a machine is across a change: a host renamed, and an address that
//! passes from one host name to another.
//!
//! The directors know a real server by its address, the real servers and
//! the rollout by its name. A host that NEW knows under another name with
//! exactly the addresses OLD gave the old name is taken for the same
//! machine, **renamed**: it is planned as one machine that changes (its
//! steps under the new name), and nothing is taken off it under the old
//! name, which would remove VIPs from the machine the directors still send
//! them to. (An inventory cannot tell a renamed machine from a new machine
//! given all of an old one's addresses: to replace a machine, retire the
//! old one first.)
//!
//! Any other address that NEW gives to another host name than OLD did
//! **passes between machines**: the directors keep sending to the address
//! all along, and whichever machine holds it then answers. That is safe
//! only while the directors send it no new connection, in OLD and in NEW.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde::Serialize;

use super::steps::UnsafeChange;
use crate::code::Code;
use crate::render::ipvs_services;
use crate::validate::model::{Host, Inventory};
use crate::yaml::InventoryPath;

/// A host NEW knows under another name, with the same addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rename {
    /// Its name in OLD.
    pub from: String,
    /// Its name in NEW.
    pub to: String,
    /// Its addresses, in NEW's order.
    pub addresses: Vec<IpAddr>,
}

/// An address that NEW gives to another host than OLD did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressMove {
    /// The address.
    pub address: IpAddr,
    /// The host that had it in OLD.
    pub from: String,
    /// The host that has it in NEW.
    pub to: String,
}

/// The renamed hosts: each host only OLD has, paired with the first host
/// only NEW has whose addresses are the same set. In NEW's order.
pub fn renames(old: &Inventory, new: &Inventory) -> Vec<Rename> {
    let names = |inventory: &Inventory| -> BTreeSet<String> {
        inventory
            .hosts
            .iter()
            .map(|host| host.name.clone())
            .collect()
    };
    let (old_names, new_names) = (names(old), names(new));
    // The hosts only OLD has, by their addresses, sorted.
    let mut gone: BTreeMap<Vec<IpAddr>, Vec<&Host>> = BTreeMap::new();
    for host in old.hosts.iter().filter(|h| !new_names.contains(&h.name)) {
        gone.entry(sorted(&host.addresses)).or_default().push(host);
    }
    let mut found = Vec::new();
    for host in new.hosts.iter().filter(|h| !old_names.contains(&h.name)) {
        let previous = gone
            .get_mut(&sorted(&host.addresses))
            .and_then(|candidates| (!candidates.is_empty()).then(|| candidates.remove(0)));
        if let Some(previous) = previous {
            found.push(Rename {
                from: previous.name.clone(),
                to: host.name.clone(),
                addresses: host.addresses.clone(),
            });
        }
    }
    found
}

fn find<'a>(inventory: &'a Inventory, name: &str) -> Option<&'a Host> {
    inventory.hosts.iter().find(|host| host.name == name)
}

fn sorted(addresses: &[IpAddr]) -> Vec<IpAddr> {
    let mut addresses = addresses.to_vec();
    addresses.sort_unstable();
    addresses
}

/// `host` of NEW as OLD knew it: under its own name, or the name it was
/// renamed from (`renames`); `None` for a new host.
pub fn counterpart<'a>(old: &'a Inventory, renames: &[Rename], host: &Host) -> Option<&'a Host> {
    find(old, &host.name).or_else(|| {
        renames
            .iter()
            .find(|rename| rename.to == host.name)
            .and_then(|rename| find(old, &rename.from))
    })
}

/// Every address of a NEW host that OLD gave to another host name (renames
/// aside), in NEW's order.
pub fn address_moves(old: &Inventory, new: &Inventory, renames: &[Rename]) -> Vec<AddressMove> {
    let holders: BTreeMap<IpAddr, &Host> = old
        .hosts
        .iter()
        .flat_map(|host| host.addresses.iter().map(move |address| (*address, host)))
        .collect();
    let mut moves = Vec::new();
    for host in &new.hosts {
        for address in &host.addresses {
            let Some(previous) = holders.get(address) else {
                continue;
            };
            let same_machine = renames
                .iter()
                .any(|rename| rename.from == previous.name && rename.to == host.name);
            if previous.name != host.name && !same_machine {
                moves.push(AddressMove {
                    address: *address,
                    from: previous.name.clone(),
                    to: host.name.clone(),
                });
            }
        }
    }
    moves
}

/// Whether the directors send `address` new connections (weight above 0
/// in a virtual server) under `inventory`.
fn takes_new_connections(inventory: &Inventory, address: IpAddr) -> bool {
    !inventory.directors.is_empty()
        && ipvs_services(inventory).iter().any(|service| {
            service
                .real_servers
                .iter()
                .any(|(_, a, weight)| *a == address && *weight > 0)
        })
}

/// An address passing between machines while the directors send it new
/// connections, in OLD or in NEW: they go to whichever machine holds it at
/// that moment, which the rollout does not order (the address is moved
/// outside lvs-dr-gen).
pub fn unsafe_changes(
    old: &Inventory,
    new: &Inventory,
    moves: &[AddressMove],
) -> Vec<UnsafeChange> {
    moves
        .iter()
        .filter(|m| takes_new_connections(old, m.address) || takes_new_connections(new, m.address))
        .map(|m| {
            let (address, from, to) = (m.address, &m.from, &m.to);
            UnsafeChange {
                code: Code::AddressChangesHost,
                path: InventoryPath::at("hosts").key(to).key("address"),
                message: format!(
                    "{address} passes from {from} to {to} while the directors send it new \
                     connections: they send to the address, not to a machine, so whichever \
                     machine holds {address} at that moment gets them, with the VIPs or without"
                ),
                fix: format!(
                    "first roll out `drain: true` on hosts.{from} and wait until its connections \
                     have ended (ipvsadm -L -n: ActiveConn 0); then roll out {from} removed or \
                     readdressed, without {to}; move {address} from the one machine to the other; \
                     then roll out {to} with it"
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{address_moves, renames};
    use crate::validate::model::Inventory;
    use crate::{inventory, validate};

    fn model(hosts: &str) -> Inventory {
        let text = format!(
            "version: 1\nservices:\n  www: {{vips: [198.51.100.1], ports: [80]}}\nhosts:\n{hosts}"
        );
        let raw = inventory::parse("i.yaml", &text).expect("parses");
        validate::validate("i.yaml", &raw).expect("valid")
    }

    #[test]
    fn a_host_with_the_same_addresses_under_a_new_name_is_renamed_once() {
        let old = model(
            "  a: {address: [192.0.2.1, \"2001:db8::1\"], services: [www]}\n  \
             b: {address: 192.0.2.2, services: [www]}\n",
        );
        // The addresses in another order are the same set; c takes only
        // one of b's addresses: not a rename.
        let new = model(
            "  a2: {address: [\"2001:db8::1\", 192.0.2.1], services: [www]}\n  \
             c: {address: [192.0.2.2, \"2001:db8::9\"], services: [www]}\n",
        );
        let found = renames(&old, &new);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].from.as_str(), found[0].to.as_str()), ("a", "a2"));
        let moves = address_moves(&old, &new, &found);
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].address.to_string(), "192.0.2.2");
        assert_eq!((moves[0].from.as_str(), moves[0].to.as_str()), ("b", "c"));
    }

    #[test]
    fn a_host_that_keeps_its_name_is_never_renamed() {
        let old = model("  a: {address: 192.0.2.1, services: [www]}\n");
        let new = model("  a: {address: 192.0.2.1, services: [www]}\n");
        assert!(renames(&old, &new).is_empty());
        assert!(address_moves(&old, &new, &[]).is_empty());
    }
}
