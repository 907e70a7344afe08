//! What a cluster's directors multicast on their segment, as the site's
//! checks across clusters see it: each VRRP group's router (its
//! `virtual_router_id`, where the inventory sets it, the address families
//! its instances carry), and the connection sync daemon (its sync id, the
//! lowest router id, and the family of its multicast group); both sent by
//! every director of the cluster, on its interface. Two clusters whose
//! directors share a segment must not use one VRRP router id in one family:
//! routers with the same id on one segment take each other's advertisements
//! for their own (keepalived notices only at start, if at all). Nor one
//! sync id in one family: each cluster's backup sync daemon would take the
//! other's connections into its table.

use std::net::IpAddr;

use crate::validate::model::Inventory;
use crate::yaml::InventoryPath;

/// One id a cluster's directors send under: a VRRP group's router, or the
/// connection sync daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Router {
    /// What sends it.
    pub kind: RouterKind,
    /// The `virtual_router_id` (for the sync daemon, its sync id).
    pub virtual_router_id: u32,
    /// Where the inventory sets it, such as `vrrp.virtual_router_id` or
    /// `vrrp.groups.api.virtual_router_id`.
    pub path: InventoryPath,
    /// Whether it is sent in IPv4 (VRRP version 2 to `224.0.0.18`; the sync
    /// daemon to `224.0.0.81`).
    pub ipv4: bool,
    /// Whether it is sent in IPv6 (VRRP version 3 to `ff02::12`; the sync
    /// daemon to its IPv6 group); the two families never meet, so one id in
    /// both is one router per family.
    pub ipv6: bool,
    /// The directors that send it, in inventory order.
    pub directors: Vec<Advertiser>,
}

/// What sends under an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterKind {
    /// The VRRP instances of a group.
    Vrrp,
    /// The connection sync daemon (`lvs_sync_daemon`).
    Sync,
}

/// A director that sends under an id: on which interface, from which
/// addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advertiser {
    /// The director's name.
    pub name: String,
    /// keepalived's `interface` of the instance.
    pub interface: String,
    /// The director's own addresses (at most one per family).
    pub addresses: Vec<IpAddr>,
}

impl Router {
    /// Whether it is sent in the family of `ipv4`.
    pub fn carries(&self, ipv4: bool) -> bool {
        if ipv4 {
            self.ipv4
        } else {
            self.ipv6
        }
    }
}

/// Every id `model`'s directors send under: none without directors; one
/// router per VRRP group (its instances carry the families of its VIPs),
/// then the sync daemon when connection sync is on. Every director runs
/// every group (each has a priority in each).
pub fn routers(model: &Inventory) -> Vec<Router> {
    let Some(vrrp) = &model.vrrp else {
        return Vec::new();
    };
    let directors: Vec<Advertiser> = model
        .directors
        .iter()
        .map(|director| Advertiser {
            name: director.name.clone(),
            interface: director.interface.clone(),
            addresses: director.addresses.clone(),
        })
        .collect();
    // Without named groups, the one group (`lvs_dr`) takes its id from
    // `vrrp.virtual_router_id`; so does `lvs_dr` beside named groups, and
    // it comes first.
    let default_first = vrrp.virtual_router_id.is_some();
    let mut found: Vec<Router> = vrrp
        .groups
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let path = if index == 0 && default_first {
                InventoryPath::at("vrrp").key("virtual_router_id")
            } else {
                InventoryPath::at("vrrp")
                    .key("groups")
                    .key(&group.name)
                    .key("virtual_router_id")
            };
            Router {
                kind: RouterKind::Vrrp,
                virtual_router_id: group.virtual_router_id,
                path,
                ipv4: group.vips.iter().any(IpAddr::is_ipv4),
                ipv6: group.vips.iter().any(IpAddr::is_ipv6),
                directors: directors.clone(),
            }
        })
        .collect();
    let sync = vrrp.sync_connections.then(|| vrrp.sync_id()).flatten();
    let lowest = sync.and_then(|id| {
        found
            .iter()
            .find(|router| router.virtual_router_id == id)
            .map(|router| router.path.clone())
    });
    if let (Some(id), Some(path)) = (sync, lowest) {
        // Its multicast group is IPv6 only when every VIP is (the
        // rendering's rule, render/director.rs).
        let ipv6 = found.iter().all(|router| !router.ipv4);
        found.push(Router {
            kind: RouterKind::Sync,
            virtual_router_id: id,
            path,
            ipv4: !ipv6,
            ipv6,
            directors,
        });
    }
    found
}
