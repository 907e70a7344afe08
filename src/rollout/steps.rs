//! The parts of a rollout plan: its phases of steps per machine, each
//! step's actions, and the changes that are unsafe in one step with their
//! fix.

use std::net::IpAddr;

use serde::Serialize;

use crate::code::Code;
use crate::validate::model::host_prefix;
use crate::yaml::InventoryPath;

/// When a group of steps runs, relative to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseName {
    /// Real servers, before the directors send them anything new.
    RealServersFirst,
    /// Directors, one at a time, backups first.
    Directors,
    /// Directors, all at once: their VRRP advertisements change
    /// (see `adverts_change`), and a director reloaded alone would ignore
    /// the others' (or they its) until they are reloaded too.
    DirectorsTogether,
    /// Real servers, after the directors stopped sending them what they lose.
    RealServersLast,
}

impl PhaseName {
    /// What the phase is and why it comes where it does.
    pub fn title(self) -> &'static str {
        match self {
            PhaseName::RealServersFirst => {
                "real servers, before the directors send them anything new (in any order)"
            }
            PhaseName::Directors => {
                "directors, one at a time, backups first (keepalived -t, then a reload, not a restart)"
            }
            PhaseName::DirectorsTogether => {
                "directors, together, as their VRRP advertisements change (one reloaded alone would \
                 ignore the others'): keepalived -t on each, then all reloaded at once"
            }
            PhaseName::RealServersLast => {
                "real servers, after the directors stopped sending them what they lose"
            }
        }
    }
}

/// One phase: the machines that act in it.
#[derive(Debug, Serialize)]
pub struct Phase {
    /// Which phase.
    pub phase: PhaseName,
    /// One step per machine, in the order they are to run.
    pub steps: Vec<Step>,
}

/// What one machine does in one phase.
#[derive(Debug, Serialize)]
pub struct Step {
    /// The host or director.
    pub machine: String,
    /// `real-server` or `director`.
    pub role: &'static str,
    /// `new`, `removed`, `renamed`, `VRRP master`, or nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
    /// Its actions, in order.
    pub actions: Vec<Action>,
}

/// One change on one machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Kernel parameters that are new or change (the sysctl.d file, then
    /// their runtime values).
    SetKernelParameters {
        /// `key = value`, each.
        settings: Vec<String>,
    },
    /// Kernel parameters no longer set: their runtime values stay as they
    /// are until the next boot.
    UnsetKernelParameters {
        /// The keys.
        keys: Vec<String>,
    },
    /// Load the dummy module (and the modules-load.d file for boot).
    LoadDummyModule,
    /// Hand the VIP interface from one network stack to another.
    ChangeStack {
        /// The stack that configured it (`ifupdown`, `networkd`, `netplan`).
        from: &'static str,
        /// The stack that takes it over.
        to: &'static str,
    },
    /// Create a dummy interface.
    CreateInterface {
        /// Its name.
        device: String,
    },
    /// Add a VIP as a host address.
    AddVip {
        /// The VIP.
        vip: IpAddr,
        /// Where.
        device: String,
    },
    /// Add a VIP on another device, then remove it from the old one.
    MoveVip {
        /// The VIP.
        vip: IpAddr,
        /// Where it was.
        from: String,
        /// Where it goes.
        to: String,
    },
    /// Remove a VIP.
    RemoveVip {
        /// The VIP.
        vip: IpAddr,
        /// Where it was.
        device: String,
    },
    /// Delete a dummy interface that carries nothing any more.
    DeleteInterface {
        /// Its name.
        device: String,
    },
    /// Remove the host's rendered files: it is no longer in the inventory.
    RemoveFiles,
    /// A renamed host: its files and the inventory under the new name.
    Rename {
        /// Its name until now.
        from: String,
    },
    /// Install keepalived.conf and start keepalived on a new director.
    StartKeepalived,
    /// Stop keepalived on a director no longer in the inventory.
    StopKeepalived,
    /// A VRRP address the directors now hold.
    AddVrrpAddress {
        /// The VIP.
        vip: IpAddr,
    },
    /// A VRRP address the directors no longer hold.
    RemoveVrrpAddress {
        /// The VIP.
        vip: IpAddr,
    },
    /// Start the VIP-aware health agent (its units installed, `apply`
    /// enables its socket), then `verify`: it answers 200 for every VIP.
    StartAgent {
        /// The agent's port.
        port: u16,
    },
    /// Stop and disable the agent, once no director checks it.
    StopAgent,
    /// The directors' VIP-aware checks of every real server: added (on
    /// `port`) or removed (`None`).
    AgentChecks {
        /// The agent's port, or `None` when the checks are removed.
        port: Option<u16>,
    },
    /// A VRRP setting of this director or of all of them changes.
    ChangeVrrp {
        /// Which, and from what to what.
        change: String,
    },
    /// A new virtual server, with its real servers.
    AddVirtualServer {
        /// `TCP 192.0.2.1:80`.
        virtual_server: String,
        /// Its real servers, `host (address) weight W`.
        real_servers: Vec<String>,
    },
    /// A virtual server removed, with its real servers.
    RemoveVirtualServer {
        /// `TCP 192.0.2.1:80`.
        virtual_server: String,
    },
    /// A virtual server's scheduling, persistence or health check changes.
    ChangeVirtualServer {
        /// `TCP 192.0.2.1:80`.
        virtual_server: String,
        /// What changes.
        change: String,
    },
    /// A real server added to a virtual server.
    AddRealServer {
        /// `TCP 192.0.2.1:80`.
        virtual_server: String,
        /// The host.
        host: String,
        /// Its address.
        address: IpAddr,
        /// Its weight.
        weight: u32,
    },
    /// A real server's weight changes (0: drained).
    ChangeWeight {
        /// `TCP 192.0.2.1:80`.
        virtual_server: String,
        /// The host.
        host: String,
        /// Its address.
        address: IpAddr,
        /// The weight before.
        from: u32,
        /// The weight after.
        to: u32,
    },
    /// A real server's address now belongs to another host name (renamed,
    /// or the address passed to another host): IPVS is unchanged.
    RenameRealServer {
        /// `TCP 192.0.2.1:80`.
        virtual_server: String,
        /// The address.
        address: IpAddr,
        /// The host that had it.
        from: String,
        /// The host that has it.
        to: String,
    },
    /// A real server taken out of a virtual server.
    RemoveRealServer {
        /// `TCP 192.0.2.1:80`.
        virtual_server: String,
        /// The host.
        host: String,
        /// Its address.
        address: IpAddr,
    },
}

impl Action {
    /// The action as a line for people.
    pub fn describe(&self) -> String {
        match self {
            Action::SetKernelParameters { settings } => {
                format!("set kernel parameters: {}", settings.join(", "))
            }
            Action::UnsetKernelParameters { keys } => format!(
                "no longer set (the running values stay until the next boot): {}",
                keys.join(", ")
            ),
            Action::LoadDummyModule => "load the dummy module".to_owned(),
            Action::ChangeStack { from, to } => format!(
                "hand the VIP interface from {from} to {to}: install {to}'s files and apply them, \
                 then remove {from}'s file without taking the interface down"
            ),
            Action::CreateInterface { device } => format!("create {device}"),
            Action::AddVip { vip, device } => format!("add {} on {device}", with_prefix(*vip)),
            Action::MoveVip { vip, from, to } => format!(
                "move {} from {from} to {to} (added on {to} before it leaves {from})",
                with_prefix(*vip)
            ),
            Action::RemoveVip { vip, device } => {
                format!("remove {} from {device}", with_prefix(*vip))
            }
            Action::DeleteInterface { device } => format!("delete {device}"),
            Action::RemoveFiles => "remove the files lvs-dr-gen rendered for it".to_owned(),
            Action::Rename { from } => format!(
                "known as {from} until now: install its files and the inventory under the new \
                 name (nothing live changes for the rename)"
            ),
            Action::StartKeepalived => "install keepalived.conf, then start keepalived".to_owned(),
            Action::StopKeepalived => {
                "stop keepalived (a VRRP master hands its VIPs to the other director)".to_owned()
            }
            Action::AddVrrpAddress { vip } => format!("VRRP: hold {vip}"),
            Action::RemoveVrrpAddress { vip } => format!("VRRP: release {vip}"),
            Action::ChangeVrrp { change } => format!("VRRP: {change}"),
            Action::StartAgent { port } => format!(
                "start the VIP-aware health agent on port {port} (apply enables \
                 lvs-dr-gen-agent.socket), then verify: it answers 200 for every VIP"
            ),
            Action::StopAgent => "stop the VIP-aware health agent (systemctl disable --now \
                                  lvs-dr-gen-agent.socket lvs-dr-gen-agent.service)"
                .to_owned(),
            Action::AgentChecks { port: Some(port) } => format!(
                "health checks: every real server's VIP-aware agent asked about each VIP \
                 (port {port})"
            ),
            Action::AgentChecks { port: None } => {
                "health checks: the VIP-aware agent checks removed".to_owned()
            }
            Action::AddVirtualServer {
                virtual_server,
                real_servers,
            } => format!(
                "add virtual server {virtual_server} with {}",
                if real_servers.is_empty() {
                    "no real server".to_owned()
                } else {
                    real_servers.join(", ")
                }
            ),
            Action::RemoveVirtualServer { virtual_server } => {
                format!("remove virtual server {virtual_server}")
            }
            Action::ChangeVirtualServer {
                virtual_server,
                change,
            } => format!("{virtual_server}: {change}"),
            Action::AddRealServer {
                virtual_server,
                host,
                address,
                weight,
            } => format!("{virtual_server}: add {host} ({address}), weight {weight}"),
            Action::ChangeWeight {
                virtual_server,
                host,
                address,
                from,
                to,
            } => format!(
                "{virtual_server}: {host} ({address}) weight {from} -> {to}{}",
                if *to == 0 { " (drained)" } else { "" }
            ),
            Action::RenameRealServer {
                virtual_server,
                address,
                from,
                to,
            } => format!(
                "{virtual_server}: {address} is {to} now, no longer {from} (IPVS unchanged)"
            ),
            Action::RemoveRealServer {
                virtual_server,
                host,
                address,
            } => format!("{virtual_server}: remove {host} ({address})"),
        }
    }
}

/// A change that would fail requests if rolled out in one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnsafeChange {
    /// A stable name of the kind of change, for scripts.
    pub code: Code,
    /// Where in the new inventory (or the old one, for what it removes).
    pub path: InventoryPath,
    /// What is unsafe, and why.
    pub message: String,
    /// The way to roll it out safely.
    pub fix: String,
}

/// A VIP as the host carries it: /32 or /128.
pub(super) fn with_prefix(vip: IpAddr) -> String {
    format!("{vip}/{}", host_prefix(vip))
}
