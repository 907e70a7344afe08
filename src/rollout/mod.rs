//! `plan`: how a change from one inventory to the next reaches the live
//! machines without failing a request. Pure: compares two validated models
//! and orders what changes on each machine in three phases, each with its
//! reason:
//!
//! 1. **Real servers first**, before any director sends them something new:
//!    a new real server's kernel parameters and module before its VIPs (a
//!    VIP that is up before `arp_ignore`/`arp_announce` gets answered by
//!    ARP and steals the traffic); VIPs added; VIPs moved to another device
//!    (added on the new one before they leave the old one).
//! 2. **Directors**, one at a time, backups before the master, each with
//!    `keepalived -t` and a reload (a restart drops the VRRP state and the
//!    IPVS table): real servers added, drained, removed; virtual servers and
//!    VRRP addresses added or removed.
//! 3. **Real servers last**, once no director sends them traffic for what
//!    they lose: VIPs removed, interfaces and hosts taken away.
//!
//! A real server that the old inventory still sent new connections to
//! (weight above 0) and that the new one takes out of a virtual server
//! cannot be rolled out safely in one step: its established connections
//! would break. Such changes are listed as unsafe, each with the two-step
//! way (drain, then remove); so are a service left with too little of its
//! weight (`capacity`) and an address passing between machines while it
//! takes new connections (`identity`). What a change does beyond each
//! machine's steps is named: VRRP mastership moves (`mastership`), renamed
//! hosts and addresses passing between hosts (`identity`).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde::Serialize;

use crate::code::Code;
use crate::render::{ipvs_services, unique_vips, IpvsService};
use crate::validate::model::{Director, Host, Inventory, Service, VipInterface};
use crate::yaml::InventoryPath;

mod capacity;
mod identity;
mod mastership;
mod steps;

pub use capacity::{drained_warnings, parse_share, ServiceCapacity, DEFAULT_SHARE};
pub use identity::{AddressMove, Rename};
pub use mastership::{groups as vrrp_groups, masters_any, MasterMove, VrrpGroup};
pub use steps::{Action, Phase, PhaseName, Step, UnsafeChange};

/// What `plan` is told beyond the two inventories.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The least share of a service's serving weight one rollout may leave
    /// serving (0 to 1).
    pub capacity_share: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            capacity_share: DEFAULT_SHARE,
        }
    }
}

/// The rollout from one inventory to another.
#[derive(Debug, Serialize)]
pub struct RolloutPlan {
    /// The phases that have anything to do, in order.
    pub phases: Vec<Phase>,
    /// The changes that would fail requests if rolled out in one step.
    #[serde(rename = "unsafe")]
    pub unsafe_changes: Vec<UnsafeChange>,
    /// What the change does beyond each machine's own steps.
    pub consequences: Consequences,
    /// Each service's serving weight before and after (none without
    /// directors).
    pub capacity: Vec<ServiceCapacity>,
}

/// What a change does beyond each machine's own steps, for the reviewer.
#[derive(Debug, Default, Serialize)]
pub struct Consequences {
    /// VRRP groups whose master changes: failovers.
    pub master_moves: Vec<MasterMove>,
    /// Hosts known under another name, the same machines.
    pub renames: Vec<Rename>,
    /// Addresses that pass from one host name to another.
    pub address_moves: Vec<AddressMove>,
}

impl Consequences {
    /// Each consequence as a sentence for people.
    pub fn describe(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.master_moves.iter().map(MasterMove::describe).collect();
        lines.extend(self.renames.iter().map(|rename| {
            let addresses: Vec<String> = rename.addresses.iter().map(ToString::to_string).collect();
            format!(
                "{} is renamed {} (the same addresses: {}): one machine, planned under its new \
                 name; nothing is taken off it under the old one",
                rename.from,
                rename.to,
                addresses.join(", ")
            )
        }));
        lines.extend(self.address_moves.iter().map(|moved| {
            format!(
                "{} passes from {} to {}: the directors send to the address, so whichever \
                 machine holds it answers; move it between the machines while it is drained",
                moved.address, moved.from, moved.to
            )
        }));
        lines
    }
}

impl RolloutPlan {
    /// Whether nothing changes on any machine.
    pub fn is_empty(&self) -> bool {
        self.phases.is_empty() && self.unsafe_changes.is_empty()
    }

    /// The machines that change, each once.
    pub fn machines(&self) -> usize {
        self.phases
            .iter()
            .flat_map(|phase| &phase.steps)
            .map(|step| step.machine.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }
}

/// The rollout from `old` to `new`.
pub fn plan(old: &Inventory, new: &Inventory, rules: Rules) -> RolloutPlan {
    let renames = identity::renames(old, new);
    let mut first = Vec::new();
    let mut last = Vec::new();
    for host in &new.hosts {
        let new_name_of = renames.iter().find(|rename| rename.to == host.name);
        let previous = find_host(old, &host.name)
            .or_else(|| new_name_of.and_then(|rename| find_host(old, &rename.from)));
        let (mut before, after) = match previous {
            Some(previous) => changed_host(previous, host),
            None => (new_host(host), Vec::new()),
        };
        let note = match (previous, new_name_of) {
            (_, Some(rename)) => {
                before.insert(
                    0,
                    Action::Rename {
                        from: rename.from.clone(),
                    },
                );
                Some("renamed")
            }
            (None, None) => Some("new"),
            (Some(_), None) => None,
        };
        push_step(&mut first, &host.name, "real-server", note, before);
        push_step(&mut last, &host.name, "real-server", None, after);
    }
    for host in &old.hosts {
        let known_anew = renames.iter().any(|rename| rename.from == host.name);
        if find_host(new, &host.name).is_none() && !known_anew {
            push_step(
                &mut last,
                &host.name,
                "real-server",
                Some("removed"),
                removed_host(host),
            );
        }
    }
    let directors = if adverts_change(old, new) {
        PhaseName::DirectorsTogether
    } else {
        PhaseName::Directors
    };
    let director_steps = director_steps(old, new);
    let master_moves = mastership::moves(
        old,
        new,
        (!director_steps.is_empty()).then_some(directors),
        &director_steps,
    );
    let phases = [
        (PhaseName::RealServersFirst, first),
        (directors, director_steps),
        (PhaseName::RealServersLast, last),
    ]
    .into_iter()
    .filter(|(_, steps)| !steps.is_empty())
    .map(|(phase, steps)| Phase { phase, steps })
    .collect();
    let address_moves = identity::address_moves(old, new, &renames);
    let capacity = capacity::capacity(old, new);
    let mut unsafe_list = unsafe_changes(old, new);
    unsafe_list.extend(agent_port_change(old, new));
    unsafe_list.extend(identity::unsafe_changes(old, new, &address_moves));
    unsafe_list.extend(capacity::unsafe_changes(
        old,
        new,
        &capacity,
        rules.capacity_share,
    ));
    RolloutPlan {
        phases,
        unsafe_changes: unsafe_list,
        consequences: Consequences {
            master_moves,
            renames,
            address_moves,
        },
        capacity,
    }
}

fn find_host<'a>(inventory: &'a Inventory, name: &str) -> Option<&'a Host> {
    inventory.hosts.iter().find(|host| host.name == name)
}

fn push_step(
    steps: &mut Vec<Step>,
    machine: &str,
    role: &'static str,
    note: Option<&'static str>,
    actions: Vec<Action>,
) {
    if !actions.is_empty() {
        steps.push(Step {
            machine: machine.to_owned(),
            role,
            note,
            actions,
        });
    }
}

fn settings(host: &Host) -> BTreeMap<&str, &str> {
    host.sysctl
        .iter()
        .map(|setting| (setting.key.as_str(), setting.value.as_str()))
        .collect()
}

/// A new real server: its kernel parameters and module first, then the
/// interface and its VIPs.
fn new_host(host: &Host) -> Vec<Action> {
    let mut actions = vec![Action::SetKernelParameters {
        settings: host
            .sysctl
            .iter()
            .map(|setting| format!("{} = {}", setting.key, setting.value))
            .collect(),
    }];
    if let VipInterface::Dummy(device) = &host.interface {
        actions.push(Action::LoadDummyModule);
        actions.push(Action::CreateInterface {
            device: device.clone(),
        });
    }
    actions.extend(host.vips.iter().map(|vip| Action::AddVip {
        vip: *vip,
        device: host.interface.device().to_owned(),
    }));
    actions.extend(host.agent_port.map(|port| Action::StartAgent { port }));
    actions
}

/// A real server no longer in the inventory: its VIPs, its interface, its
/// files.
fn removed_host(host: &Host) -> Vec<Action> {
    let device = host.interface.device();
    let mut actions: Vec<Action> = host
        .vips
        .iter()
        .map(|vip| Action::RemoveVip {
            vip: *vip,
            device: device.to_owned(),
        })
        .collect();
    if let VipInterface::Dummy(device) = &host.interface {
        actions.push(Action::DeleteInterface {
            device: device.clone(),
        });
    }
    actions.push(Action::RemoveFiles);
    actions
}

/// A real server in both inventories: what it does before the directors,
/// and what after them.
fn changed_host(old: &Host, new: &Host) -> (Vec<Action>, Vec<Action>) {
    let mut before = kernel_parameter_changes(old, new);
    let mut after = Vec::new();
    let (old_device, new_device) = (old.interface.device(), new.interface.device());
    let moved = old.interface != new.interface;
    if old.stack != new.stack {
        before.push(Action::ChangeStack {
            from: old.stack.name(),
            to: new.stack.name(),
        });
    }
    if let VipInterface::Dummy(device) = &new.interface {
        if !matches!(old.interface, VipInterface::Dummy(_)) {
            before.push(Action::LoadDummyModule);
        }
        if moved {
            before.push(Action::CreateInterface {
                device: device.clone(),
            });
        }
    }
    for vip in new.vips.iter() {
        if !old.vips.contains(vip) {
            before.push(Action::AddVip {
                vip: *vip,
                device: new_device.to_owned(),
            });
        } else if moved {
            before.push(Action::MoveVip {
                vip: *vip,
                from: old_device.to_owned(),
                to: new_device.to_owned(),
            });
        }
    }
    let leaving: Vec<Action> = old
        .vips
        .iter()
        .filter(|vip| !new.vips.contains(vip))
        .map(|vip| Action::RemoveVip {
            vip: *vip,
            device: old_device.to_owned(),
        })
        .collect();
    let old_device_empties = moved && matches!(old.interface, VipInterface::Dummy(_));
    if leaving.is_empty() {
        if old_device_empties {
            before.push(Action::DeleteInterface {
                device: old_device.to_owned(),
            });
        }
    } else {
        after.extend(leaving);
        if old_device_empties {
            after.push(Action::DeleteInterface {
                device: old_device.to_owned(),
            });
        }
    }
    match (old.agent_port, new.agent_port) {
        (None, Some(port)) => before.push(Action::StartAgent { port }),
        (Some(was), Some(port)) if was != port => before.push(Action::StartAgent { port }),
        (Some(_), None) => after.push(Action::StopAgent),
        _ => {}
    }
    (before, after)
}

/// The agent's port of an inventory (every host has the same one).
fn agent_port(inventory: &Inventory) -> Option<u16> {
    inventory.hosts.first().and_then(|host| host.agent_port)
}

/// A change of the agent's port cannot be ordered: the hosts move their
/// agent first, and until the directors move their checks, those fail on
/// every real server at once.
fn agent_port_change(old: &Inventory, new: &Inventory) -> Option<UnsafeChange> {
    let (Some(was), Some(port)) = (agent_port(old), agent_port(new)) else {
        return None;
    };
    (was != port).then(|| UnsafeChange {
        code: Code::AgentPortChange,
        path: InventoryPath::at("vip_agent").key("port"),
        message: format!(
            "the VIP-aware agent moves from port {was} to {port}: once the real servers \
             listen on {port}, the directors still ask {was} until they are reloaded, and \
             every real server fails that check at once"
        ),
        fix: format!(
            "remove `vip_agent` and roll that out (directors first, then the agents stop), \
             then write `vip_agent: {{port: {port}}}` and roll that out"
        ),
    })
}

fn kernel_parameter_changes(old: &Host, new: &Host) -> Vec<Action> {
    let (was, will) = (settings(old), settings(new));
    let set: Vec<String> = new
        .sysctl
        .iter()
        .filter(|setting| was.get(setting.key.as_str()) != Some(&setting.value.as_str()))
        .map(|setting| format!("{} = {}", setting.key, setting.value))
        .collect();
    let unset: Vec<String> = old
        .sysctl
        .iter()
        .filter(|setting| !will.contains_key(setting.key.as_str()))
        .map(|setting| setting.key.clone())
        .collect();
    let mut actions = Vec::new();
    if !set.is_empty() {
        actions.push(Action::SetKernelParameters { settings: set });
    }
    if !unset.is_empty() {
        actions.push(Action::UnsetKernelParameters { keys: unset });
    }
    actions
}

/// `TCP 192.0.2.1:80`, `TCP [2001:db8::1]:80`.
fn virtual_server_name(service: &IpvsService) -> String {
    match service.vip {
        IpAddr::V4(vip) => format!("{} {vip}:{}", service.protocol, service.port),
        IpAddr::V6(vip) => format!("{} [{vip}]:{}", service.protocol, service.port),
    }
}

type ServiceKey = (&'static str, IpAddr, u16);

fn by_key(services: &[IpvsService]) -> BTreeMap<ServiceKey, &IpvsService> {
    services
        .iter()
        .map(|service| ((service.protocol, service.vip, service.port), service))
        .collect()
}

/// The IPVS and VRRP changes, the same on every director.
fn shared_director_actions(old: &Inventory, new: &Inventory) -> Vec<Action> {
    let mut actions = vrrp_address_changes(old, new);
    actions.extend(vrrp_setting_changes(old, new));
    let (old_table, new_table) = (ipvs_services(old), ipvs_services(new));
    let (was, will) = (by_key(&old_table), by_key(&new_table));
    for (key, service) in &will {
        match was.get(key) {
            None => actions.push(Action::AddVirtualServer {
                virtual_server: virtual_server_name(service),
                real_servers: service
                    .real_servers
                    .iter()
                    .map(|(host, address, weight)| format!("{host} ({address}) weight {weight}"))
                    .collect(),
            }),
            Some(previous) => actions.extend(virtual_server_changes(previous, service)),
        }
    }
    actions.extend(health_check_changes(old, new, &was, &will));
    if agent_port(old) != agent_port(new) && !new.directors.is_empty() {
        actions.push(Action::AgentChecks {
            port: agent_port(new),
        });
    }
    for (key, service) in &was {
        if !will.contains_key(key) {
            actions.push(Action::RemoveVirtualServer {
                virtual_server: virtual_server_name(service),
            });
        }
    }
    actions
}

fn vrrp_address_changes(old: &Inventory, new: &Inventory) -> Vec<Action> {
    let (was, will) = (unique_vips(&old.services), unique_vips(&new.services));
    let held = will
        .iter()
        .filter(|vip| !was.contains(vip))
        .map(|vip| Action::AddVrrpAddress { vip: *vip });
    let released = was
        .iter()
        .filter(|vip| !will.contains(vip))
        .map(|vip| Action::RemoveVrrpAddress { vip: *vip });
    held.chain(released).collect()
}

/// Whether what the directors' VRRP advertisements carry, or are checked
/// against, changes: the VRRP addresses (keepalived 2.2.7, Debian 12's,
/// drops an advert whose address count differs from its own list:
/// `vrrp_check_packet`), the virtual router id, `advert_int` and the
/// password (both releases drop a mismatch), or, with unicast VRRP, the
/// directors' addresses (each accepts only its listed peers). Reloaded one
/// at a time, the backup hears no valid advert for three intervals and
/// takes the VIPs while the master still holds them, until the last
/// director is reloaded; reloaded together, the gap stays under that.
fn adverts_change(old: &Inventory, new: &Inventory) -> bool {
    if !vrrp_address_changes(old, new).is_empty() {
        return true;
    }
    let (Some(was), Some(will)) = (&old.vrrp, &new.vrrp) else {
        return false;
    };
    let peers = |inventory: &Inventory| -> BTreeSet<IpAddr> {
        inventory
            .directors
            .iter()
            .flat_map(|director| director.addresses.iter().copied())
            .collect()
    };
    mastership::adverts_differ(was, will)
        || was.advert_int != will.advert_int
        || was.password != will.password
        || was.unicast != will.unicast
        || (will.unicast && peers(old) != peers(new))
}

fn vrrp_setting_changes(old: &Inventory, new: &Inventory) -> Vec<Action> {
    let (Some(was), Some(will)) = (&old.vrrp, &new.vrrp) else {
        return Vec::new();
    };
    let mut changes = mastership::group_changes(was, will);
    if was.advert_int != will.advert_int {
        changes.push(format!(
            "advert_int {} -> {}",
            was.advert_int, will.advert_int
        ));
    }
    if was.password != will.password {
        changes.push("the password changes".to_owned());
    }
    let on_off = |on: bool| if on { "on" } else { "off" };
    if was.sync_connections != will.sync_connections {
        changes.push(format!(
            "connection sync {} -> {}",
            on_off(was.sync_connections),
            on_off(will.sync_connections)
        ));
    }
    if was.unicast != will.unicast {
        changes.push(format!(
            "unicast {} -> {}",
            on_off(was.unicast),
            on_off(will.unicast)
        ));
    }
    if was.notify != will.notify {
        changes.push("the notify scripts change".to_owned());
    }
    changes
        .into_iter()
        .map(|change| Action::ChangeVrrp { change })
        .collect()
}

fn virtual_server_changes(old: &IpvsService, new: &IpvsService) -> Vec<Action> {
    let name = virtual_server_name(new);
    let mut actions = Vec::new();
    if old.scheduler != new.scheduler {
        actions.push(Action::ChangeVirtualServer {
            virtual_server: name.clone(),
            change: format!("scheduler {} -> {}", old.scheduler, new.scheduler),
        });
    }
    if old.persistence != new.persistence {
        let seconds = |persistence: Option<u32>| {
            persistence.map_or_else(|| "none".to_owned(), |seconds| format!("{seconds} s"))
        };
        actions.push(Action::ChangeVirtualServer {
            virtual_server: name.clone(),
            change: format!(
                "persistence {} -> {}",
                seconds(old.persistence),
                seconds(new.persistence)
            ),
        });
    }
    if old.port_group.is_some() != new.port_group.is_some() {
        let on_off = |on: bool| if on { "on" } else { "off" };
        actions.push(Action::ChangeVirtualServer {
            virtual_server: name.clone(),
            change: format!(
                "persistence across ports {} -> {} (keepalived replaces the virtual server, \
                 and connections established through the old one end: do it in a quiet hour)",
                on_off(old.port_group.is_some()),
                on_off(new.port_group.is_some())
            ),
        });
    }
    if old.sorry_server != new.sorry_server {
        let address =
            |sorry: Option<IpAddr>| sorry.map_or_else(|| "none".to_owned(), |a| a.to_string());
        actions.push(Action::ChangeVirtualServer {
            virtual_server: name.clone(),
            change: format!(
                "sorry server {} -> {}",
                address(old.sorry_server),
                address(new.sorry_server)
            ),
        });
    }
    for (host, address, weight) in &new.real_servers {
        let Some((was, _, before)) = old.real_servers.iter().find(|(_, a, _)| a == address) else {
            actions.push(Action::AddRealServer {
                virtual_server: name.clone(),
                host: host.clone(),
                address: *address,
                weight: *weight,
            });
            continue;
        };
        if was != host {
            actions.push(Action::RenameRealServer {
                virtual_server: name.clone(),
                address: *address,
                from: was.clone(),
                to: host.clone(),
            });
        }
        if before != weight {
            actions.push(Action::ChangeWeight {
                virtual_server: name.clone(),
                host: host.clone(),
                address: *address,
                from: *before,
                to: *weight,
            });
        }
    }
    for (host, address, _) in &old.real_servers {
        if !new.real_servers.iter().any(|(_, a, _)| a == address) {
            actions.push(Action::RemoveRealServer {
                virtual_server: name.clone(),
                host: host.clone(),
                address: *address,
            });
        }
    }
    actions
}

/// A service whose health check changes: one line per virtual server that
/// both inventories have.
fn health_check_changes(
    old: &Inventory,
    new: &Inventory,
    was: &BTreeMap<ServiceKey, &IpvsService>,
    will: &BTreeMap<ServiceKey, &IpvsService>,
) -> Vec<Action> {
    let mut actions = Vec::new();
    for service in &new.services {
        let Some(previous) = old.services.iter().find(|s| s.name == service.name) else {
            continue;
        };
        if previous.health_check == service.health_check {
            continue;
        }
        for (key, server) in will {
            if was.contains_key(key) && serves(service, server) {
                actions.push(Action::ChangeVirtualServer {
                    virtual_server: virtual_server_name(server),
                    change: format!("the health check of service {} changes", service.name),
                });
            }
        }
    }
    actions
}

fn serves(service: &Service, server: &IpvsService) -> bool {
    service.vips.contains(&server.vip)
        && service.ports.iter().any(|port| port.port() == server.port)
}

/// One step per director: backups (in inventory order) before the master.
fn director_steps(old: &Inventory, new: &Inventory) -> Vec<Step> {
    let shared = shared_director_actions(old, new);
    let master = |d: &&Director| mastership::masters_any(new, &d.name);
    let mut ordered: Vec<&Director> = new.directors.iter().filter(|d| !master(d)).collect();
    ordered.extend(new.directors.iter().filter(master));
    let mut steps = Vec::new();
    for director in ordered {
        let previous = old.directors.iter().find(|d| d.name == director.name);
        let mut actions = previous.map_or_else(
            || vec![Action::StartKeepalived],
            |previous| own_director_changes(previous, director),
        );
        if previous.is_some() {
            actions.extend(
                mastership::priority_changes(old, new, &director.name)
                    .into_iter()
                    .map(|change| Action::ChangeVrrp { change }),
            );
        }
        if previous.is_some() {
            actions.extend(shared.iter().cloned());
        }
        let note = if previous.is_none() {
            Some("new")
        } else if master(&director) {
            Some("VRRP master")
        } else {
            None
        };
        push_step(&mut steps, &director.name, "director", note, actions);
    }
    for director in &old.directors {
        if !new.directors.iter().any(|d| d.name == director.name) {
            push_step(
                &mut steps,
                &director.name,
                "director",
                Some("removed"),
                vec![Action::StopKeepalived],
            );
        }
    }
    steps
}

fn own_director_changes(old: &Director, new: &Director) -> Vec<Action> {
    let mut changes = Vec::new();
    if old.priority != new.priority {
        changes.push(format!("priority {} -> {}", old.priority, new.priority));
    }
    if old.interface != new.interface {
        changes.push(format!("interface {} -> {}", old.interface, new.interface));
    }
    if old.addresses != new.addresses {
        changes.push("its own addresses change".to_owned());
    }
    if old.track_interfaces != new.track_interfaces {
        changes.push(format!(
            "tracked interfaces [{}] -> [{}]",
            old.track_interfaces.join(", "),
            new.track_interfaces.join(", ")
        ));
    }
    changes
        .into_iter()
        .map(|change| Action::ChangeVrrp { change })
        .collect()
}

/// Every real server that takes new connections in `old` (weight above 0)
/// and that `new` takes out of a virtual server: its established
/// connections would break. Grouped by cause, one entry each.
fn unsafe_changes(old: &Inventory, new: &Inventory) -> Vec<UnsafeChange> {
    let new_table = ipvs_services(new);
    let will = by_key(&new_table);
    let new_vips = unique_vips(&new.services);
    // cause → (path, message, fix), hosts in order of first appearance.
    let mut found: Vec<(Cause, Vec<String>)> = Vec::new();
    for service in ipvs_services(old) {
        let key = (service.protocol, service.vip, service.port);
        let next = will.get(&key);
        for (host, address, weight) in &service.real_servers {
            if *weight == 0 || next.is_some_and(|n| n.real_servers.iter().any(|r| r.1 == *address))
            {
                continue;
            }
            let cause = cause(
                old,
                new,
                &service,
                host,
                *address,
                next.is_some(),
                &new_vips,
            );
            match found.iter_mut().find(|(seen, _)| *seen == cause) {
                Some((_, hosts)) if !hosts.contains(host) => hosts.push(host.clone()),
                Some(_) => {}
                None => found.push((cause, vec![host.clone()])),
            }
        }
    }
    found
        .into_iter()
        .map(|(cause, hosts)| cause.describe(&hosts))
        .collect()
}

/// Why a real server leaves a virtual server.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cause {
    /// The host is no longer in the inventory.
    HostRemoved(String),
    /// The VIP is no longer in the inventory.
    VipRemoved { service: String, vip: IpAddr },
    /// The service no longer balances this VIP and port.
    VirtualServerRemoved { service: String, name: String },
    /// The host no longer serves the service.
    HostLeavesService { host: String, service: String },
    /// The host's address of that family changes.
    AddressChanges { host: String, from: IpAddr },
}

fn cause(
    old: &Inventory,
    new: &Inventory,
    service: &IpvsService,
    host: &str,
    address: IpAddr,
    virtual_server_stays: bool,
    new_vips: &[IpAddr],
) -> Cause {
    let owner = old
        .services
        .iter()
        .find(|s| serves(s, service))
        .map_or_else(String::new, |s| s.name.clone());
    let Some(next) = find_host(new, host) else {
        return Cause::HostRemoved(host.to_owned());
    };
    if !new_vips.contains(&service.vip) {
        return Cause::VipRemoved {
            service: owner,
            vip: service.vip,
        };
    }
    if !virtual_server_stays {
        return Cause::VirtualServerRemoved {
            service: owner,
            name: virtual_server_name(service),
        };
    }
    if next.addresses.contains(&address) {
        Cause::HostLeavesService {
            host: host.to_owned(),
            service: owner,
        }
    } else {
        Cause::AddressChanges {
            host: host.to_owned(),
            from: address,
        }
    }
}

impl Cause {
    fn describe(&self, hosts: &[String]) -> UnsafeChange {
        let wait = if hosts.len() == 1 {
            "wait until its connections have ended (ipvsadm -L -n: ActiveConn 0 on the directors)"
        } else {
            "wait until their connections have ended (ipvsadm -L -n: ActiveConn 0 on the directors)"
        };
        match self {
            Cause::HostRemoved(host) => UnsafeChange {
                code: Code::RemoveUndrainedHost,
                path: InventoryPath::at("hosts").key(host),
                message: format!(
                    "{host} is removed while the directors still send it new connections"
                ),
                fix: format!(
                    "first roll out `drain: true` on hosts.{host}; {wait}; then remove it"
                ),
            },
            Cause::VipRemoved { service, vip } => UnsafeChange {
                code: Code::RemoveUndrainedVip,
                path: InventoryPath::at("services").key(service).key("vips"),
                message: format!(
                    "{vip} is removed while its real servers still take new connections for it ({})",
                    hosts.join(", ")
                ),
                fix: format!(
                    "first roll out `drain: [{service}]` on {}; {wait}; then remove {vip}",
                    host_paths(hosts)
                ),
            },
            Cause::VirtualServerRemoved { service, name } => UnsafeChange {
                code: Code::RemoveUndrainedVirtualServer,
                path: InventoryPath::at("services").key(service),
                message: format!(
                    "virtual server {name} is removed while its real servers still take new connections ({})",
                    hosts.join(", ")
                ),
                fix: format!(
                    "first roll out `drain: [{service}]` on {}; {wait}; then remove it",
                    host_paths(hosts)
                ),
            },
            Cause::HostLeavesService { host, service } => UnsafeChange {
                code: Code::LeaveServiceUndrained,
                path: InventoryPath::at("hosts").key(host).key("services"),
                message: format!(
                    "{host} leaves service {service} while the directors still send it new connections there"
                ),
                fix: format!(
                    "first roll out `drain: [{service}]` on hosts.{host}; {wait}; then take {service} out of its services"
                ),
            },
            Cause::AddressChanges { host, from } => UnsafeChange {
                code: Code::ReaddressUndrainedHost,
                path: InventoryPath::at("hosts").key(host).key("address"),
                message: format!(
                    "{host}'s address {from} changes while the directors still send it new connections"
                ),
                fix: format!(
                    "first roll out `drain: true` on hosts.{host}; {wait}; then change its address"
                ),
            },
        }
    }
}

fn host_paths(hosts: &[String]) -> String {
    hosts
        .iter()
        .map(|host| InventoryPath::at("hosts").key(host))
        .collect::<Vec<_>>()
        .join(", ")
}
