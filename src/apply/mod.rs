//! `apply`: brings a live machine to its rendered state without touching
//! what stays, after config management installed its files. Pure: from the
//! validated model, the rendered files and a recorded [`Situation`] (the
//! same [`LiveState`] `verify` reads, and a little more), [`plan`] computes
//! the list of [`HostAction`]s in the order they must run; [`refusals`] says
//! why nothing may run. The one part that changes the system is `exec`.
//!
//! The order, and why: on a real server the kernel parameters come first
//! (`arp_ignore`/`arp_announce` must hold before a VIP exists, or the host
//! answers ARP for it), then the dummy module, the interface if missing,
//! the VIPs added, and last the stale VIPs removed (the directors were
//! drained of them by the rollout `plan` gives). No interface that keeps
//! VIPs is ever taken down. On a director the module comes first (the
//! `net.ipv4.vs` keys exist only once `ip_vs` is loaded), then its kernel
//! parameters, then keepalived reloads its configuration (SIGHUP: VRRP
//! state and the IPVS table stay), never a restart.

pub mod exec;

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::live::{self, FileState, LiveState};
use crate::machine::{Machine, Role};
use crate::render::Tree;
use crate::validate::model::{host_prefix, Host, VipInterface};
use crate::values::{Stack, Style};
use crate::verify::{director::rendered_modules, nextboot};

/// What `apply` reads of the machine: `verify`'s live state, and what
/// deciding on the reloads needs.
#[derive(Debug, Clone, Default)]
pub struct Situation {
    /// The live state, read with `verify`'s probe and the rendered sysctl
    /// files' keys.
    pub live: LiveState,
    /// Whether systemd-networkd runs in this network namespace.
    pub networkd: bool,
    /// Whether systemd is the init system (`/run/systemd/system` exists).
    pub systemd: bool,
    /// The keepalived of the pid file, if it runs: its pid.
    pub keepalived: Option<u32>,
    /// The configuration `apply` last gave that keepalived (started or
    /// reloaded it with), if any.
    pub keepalived_loaded: Option<Vec<u8>>,
}

/// One change to the live system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum HostAction {
    /// Write a kernel parameter below /proc/sys, as `sysctl -p` would.
    Sysctl {
        /// The key as the file writes it.
        key: String,
        /// Its path below /proc/sys.
        path: String,
        /// The value to write.
        value: String,
        /// The live value; `None` when the parameter does not exist yet.
        now: Option<String>,
    },
    /// Load a kernel module (`modprobe`).
    LoadModule {
        /// The module.
        module: String,
    },
    /// Create a dummy interface (`ip link add NAME type dummy`).
    CreateDummy {
        /// The interface.
        device: String,
    },
    /// Set an interface up (`ip link set NAME up`).
    LinkUp {
        /// The interface.
        device: String,
    },
    /// Add a VIP as a host address (/32, /128; IPv6 `nodad`).
    AddAddress {
        /// The VIP.
        address: IpAddr,
        /// The interface.
        device: String,
        /// The net-tools alias label (`dummy0:1`), when the stanza's
        /// ifconfig commands give one.
        #[serde(skip_serializing_if = "Option::is_none")]
        label: Option<String>,
    },
    /// Remove a host address the inventory no longer has.
    RemoveAddress {
        /// The address.
        address: IpAddr,
        /// Its prefix length (32 or 128).
        prefix: u8,
        /// The interface.
        device: String,
    },
    /// Delete a dummy interface the VIPs left (`ip link del NAME`): after
    /// a move from `dummy0` to `lo`, nothing makes it at the next boot.
    DeleteDummy {
        /// The interface.
        device: String,
    },
    /// Make systemd-networkd load the installed files (`networkctl
    /// reload`; for netplan `netplan generate` first), so that it does not
    /// put back what its old configuration had.
    ReloadNetworkd {
        /// Whether netplan generates networkd's files.
        netplan: bool,
    },
    /// Reload keepalived's configuration: SIGHUP to its pid.
    ReloadKeepalived {
        /// keepalived's pid (from its pid file).
        pid: u32,
    },
    /// Start keepalived (`systemctl start keepalived`).
    StartKeepalived,
    /// Enable and start the VIP-aware health agent's socket (`systemctl
    /// enable --now lvs-dr-gen-agent.socket`), once the VIPs are in place.
    EnableAgent,
}

impl fmt::Display for HostAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostAction::Sysctl {
                key, value, now, ..
            } => {
                let now = now.as_deref().unwrap_or("missing");
                write!(f, "set {key} = {value} (now {now})")
            }
            HostAction::LoadModule { module } => write!(f, "load module {module} (modprobe)"),
            HostAction::CreateDummy { device } => write!(f, "create {device} (type dummy)"),
            HostAction::LinkUp { device } => write!(f, "set {device} up"),
            HostAction::AddAddress {
                address,
                device,
                label,
            } => {
                write!(f, "add {address}/{} on {device}", host_prefix(*address))?;
                if let Some(label) = label {
                    write!(f, " (label {label})")?;
                }
                if address.is_ipv6() {
                    f.write_str(" (nodad)")?;
                }
                Ok(())
            }
            HostAction::RemoveAddress {
                address,
                prefix,
                device,
            } => write!(f, "remove {address}/{prefix} from {device}"),
            HostAction::DeleteDummy { device } => {
                write!(
                    f,
                    "delete {device} (a dummy interface with nothing left on it)"
                )
            }
            HostAction::ReloadNetworkd { netplan: false } => {
                f.write_str("reload systemd-networkd (networkctl reload)")
            }
            HostAction::ReloadNetworkd { netplan: true } => {
                f.write_str("reload systemd-networkd (netplan generate; networkctl reload)")
            }
            HostAction::ReloadKeepalived { pid } => {
                write!(f, "reload keepalived (SIGHUP to pid {pid})")
            }
            HostAction::StartKeepalived => {
                f.write_str("start keepalived (systemctl start keepalived)")
            }
            HostAction::EnableAgent => f.write_str(
                "enable and start the VIP-aware health agent (systemctl enable --now \
                 lvs-dr-gen-agent.socket)",
            ),
        }
    }
}

/// The line printed for `action`: `apply: add ...`, or with `dry_run`
/// `apply: would add ...`.
pub fn line(action: &HostAction, dry_run: bool) -> String {
    if dry_run {
        format!("apply: would {action}")
    } else {
        format!("apply: {action}")
    }
}

/// The line printed when there is nothing to do.
pub const NOTHING: &str = "apply: nothing to change";

/// The host actions: what `apply` does to this machine, in order, and
/// what it cannot do but must say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostActions {
    /// The actions, in the order they run.
    pub actions: Vec<HostAction>,
    /// Things to tell the operator (keepalived not running without
    /// systemd to start it).
    pub notes: Vec<String>,
}

/// The installed files that are not the rendered ones, each with what is
/// wrong: any of them and `apply` refuses, because the live state it would
/// make is not the one the next boot makes.
pub fn refusals(files: &Tree, installed: &BTreeMap<PathBuf, FileState>) -> Vec<String> {
    files
        .iter()
        .filter_map(|(path, rendered)| {
            let problem = match installed.get(path) {
                None | Some(FileState::Missing) => "is missing".to_owned(),
                Some(FileState::Text(text)) if text.as_bytes() == rendered.as_slice() => {
                    return None
                }
                Some(FileState::Text(_) | FileState::NotText) => {
                    "differs from the rendered one".to_owned()
                }
                Some(FileState::Unreadable(reason)) => format!("cannot be read: {reason}"),
            };
            Some(format!("{} {problem}", path.display()))
        })
        .collect()
}

/// The host actions that bring the live state of `machine` to its
/// rendered files, in order. None: nothing to change.
pub fn actions(machine: &Machine<'_>, now: &Situation) -> HostActions {
    let files = &machine.files;
    match &machine.role {
        Role::RealServer(host) => real_server_actions(host, files, now),
        Role::Director(expected) => {
            let mut plan = HostActions {
                actions: module_actions(files, &expected.modules_file, &now.live),
                notes: Vec::new(),
            };
            plan.actions
                .extend(sysctl_actions(files, &expected.sysctl_file, &now.live));
            let config = files.get(&expected.keepalived_file);
            match now.keepalived {
                Some(pid) if now.keepalived_loaded.as_ref() != config => {
                    plan.actions.push(HostAction::ReloadKeepalived { pid });
                }
                Some(_) => {}
                None if now.systemd => plan.actions.push(HostAction::StartKeepalived),
                None => plan.notes.push(
                    "keepalived is not running, and systemd is not here to start it: start \
                     keepalived, then run apply again"
                        .to_owned(),
                ),
            }
            plan
        }
    }
}

fn real_server_actions(host: &Host, files: &Tree, now: &Situation) -> HostActions {
    let device = host.interface.device();
    let link = now
        .live
        .interfaces
        .iter()
        .find(|link| link.ifname == device);
    let sysctl_file = Path::new("/").join(&host.paths.sysctl);
    // A parameter of the VIP interface itself exists only once the
    // interface does: it is written right after the interface is made.
    let own_conf = [
        format!("net/ipv4/conf/{device}/"),
        format!("net/ipv6/conf/{device}/"),
    ];
    let (after_link, before): (Vec<HostAction>, Vec<HostAction>) =
        sysctl_actions(files, &sysctl_file, &now.live)
            .into_iter()
            .partition(|action| {
                matches!(action, HostAction::Sysctl { path, now: None, .. }
                    if link.is_none() && own_conf.iter().any(|conf| path.starts_with(conf)))
            });
    let mut actions = before;
    actions.extend(module_actions(
        files,
        &Path::new("/").join(&host.paths.modules),
        &now.live,
    ));
    let mut network = Vec::new();
    match (link, &host.interface) {
        (None, VipInterface::Dummy(_)) => {
            network.push(HostAction::CreateDummy {
                device: device.to_owned(),
            });
            network.push(HostAction::LinkUp {
                device: device.to_owned(),
            });
        }
        (Some(link), _) if link.is_up() => {}
        _ => network.push(HostAction::LinkUp {
            device: device.to_owned(),
        }),
    }
    network.extend(after_link);
    network.extend(missing_vips(host, now));
    let misplaced = misplaced_vips(host, now);
    let emptied = emptied_dummies(&misplaced, now);
    network.extend(misplaced);
    network.extend(emptied);
    network.extend(stale_vips(host, now));
    let reload = matches!(host.stack, Stack::Networkd | Stack::Netplan)
        && now.networkd
        && !network.is_empty();
    actions.extend(network);
    if reload {
        actions.push(HostAction::ReloadNetworkd {
            netplan: host.stack == Stack::Netplan,
        });
    }
    let mut notes = Vec::new();
    if host.agent_port.is_some() && !agent_enabled(now) {
        if now.systemd {
            actions.push(HostAction::EnableAgent);
        } else {
            notes.push(
                "the VIP-aware health agent's socket is not enabled, and systemd is not here \
                 to enable it: the directors will take this host out of every virtual server"
                    .to_owned(),
            );
        }
    }
    HostActions { actions, notes }
}

/// Whether the agent's socket unit is enabled (a `*.wants` link to it).
fn agent_enabled(now: &Situation) -> bool {
    now.live
        .boot
        .as_ref()
        .and_then(|boot| boot.units.get(crate::render::AGENT_SOCKET_UNIT))
        .is_some_and(|unit| !unit.wanted_in.is_empty() && unit.masked_by.is_none())
}

/// The parameters of the rendered sysctl file at `path` whose live value
/// differs, in the file's order (the last assignment of a key wins, as
/// with `sysctl -p`).
fn sysctl_actions(files: &Tree, path: &Path, live: &LiveState) -> Vec<HostAction> {
    let Some(bytes) = files.get(path) else {
        return Vec::new();
    };
    let assignments = nextboot::parse(path, &String::from_utf8_lossy(bytes));
    let mut last: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, assignment) in assignments.iter().enumerate() {
        last.insert(&assignment.key, index);
    }
    assignments
        .iter()
        .enumerate()
        .filter(|(index, a)| last.get(a.key.as_str()) == Some(index))
        .filter_map(|(_, assignment)| {
            let value = live::squeeze(assignment.value.as_deref()?);
            let now = live.sysctl.get(&assignment.key).cloned().flatten();
            (now.as_deref() != Some(value.as_str())).then(|| HostAction::Sysctl {
                key: assignment.written.clone(),
                path: assignment.key.clone(),
                value,
                now,
            })
        })
        .collect()
}

/// The kernel parameters (paths below /proc/sys) of the rendered sysctl
/// file of `machine`, for the probe.
pub fn sysctl_keys(machine: &Machine<'_>) -> Vec<String> {
    let path = sysctl_file(machine);
    machine
        .files
        .get(&path)
        .map(|bytes| nextboot::parse(&path, &String::from_utf8_lossy(bytes)))
        .unwrap_or_default()
        .into_iter()
        .map(|assignment| assignment.key)
        .collect()
}

fn sysctl_file(machine: &Machine<'_>) -> PathBuf {
    match &machine.role {
        Role::RealServer(host) => Path::new("/").join(&host.paths.sysctl),
        Role::Director(setup) => setup.sysctl_file.clone(),
    }
}

/// The modules of the rendered module list at `path` that are not loaded.
fn module_actions(files: &Tree, path: &Path, live: &LiveState) -> Vec<HostAction> {
    rendered_modules(files, path)
        .into_iter()
        .filter(|module| !live.modules.contains(module))
        .map(|module| HostAction::LoadModule { module })
        .collect()
}

/// The modules of the rendered module list of `machine`, for the probe.
pub fn modules(machine: &Machine<'_>) -> Vec<String> {
    let path = match &machine.role {
        Role::RealServer(host) => Path::new("/").join(&host.paths.modules),
        Role::Director(setup) => setup.modules_file.clone(),
    };
    rendered_modules(&machine.files, &path)
}

/// The VIPs that are not on the VIP interface as host addresses, in the
/// inventory's order.
fn missing_vips(host: &Host, now: &Situation) -> Vec<HostAction> {
    let device = host.interface.device();
    let present: Vec<IpAddr> = host_addresses(device, now).map(|(ip, _)| ip).collect();
    let labels = net_tools_labels(host);
    host.vips
        .iter()
        .filter(|vip| !present.contains(vip))
        .map(|vip| HostAction::AddAddress {
            address: *vip,
            device: device.to_owned(),
            label: labels.get(vip).cloned(),
        })
        .collect()
}

/// The /32 and /128 addresses live on `device`, each with what `ip`
/// reported of it: where `apply` looks for VIPs present and stale.
fn host_addresses<'a>(
    device: &'a str,
    now: &'a Situation,
) -> impl Iterator<Item = (IpAddr, &'a crate::live::Address)> + 'a {
    now.live
        .interfaces
        .iter()
        .filter(move |link| link.ifname == device)
        .flat_map(|link| &link.addr_info)
        .filter_map(|address| {
            let ip = address.local.parse::<IpAddr>().ok()?;
            (address.prefixlen == host_prefix(ip)).then_some((ip, address))
        })
}

/// The host's VIPs still held as /32 or /128 on another interface (the
/// old one, after a move from `dummy0` to `lo` or back): removed there once
/// they are on the VIP interface, so that only one interface carries them
/// (verify's `vip-elsewhere`). A dummy interface left empty is deleted
/// after ([`emptied_dummies`]).
fn misplaced_vips(host: &Host, now: &Situation) -> Vec<HostAction> {
    let device = host.interface.device();
    let others = now
        .live
        .interfaces
        .iter()
        .filter(|link| link.ifname != device);
    others
        .flat_map(|link| {
            host_addresses(&link.ifname, now)
                .filter(|(ip, _)| host.vips.contains(ip))
                .map(|(ip, address)| HostAction::RemoveAddress {
                    address: ip,
                    prefix: address.prefixlen,
                    device: link.ifname.clone(),
                })
        })
        .collect()
}

/// The dummy interfaces that removing the `misplaced` VIPs leaves with
/// nothing but link-scope addresses (IPv6 `fe80::/10`): deleted, as `plan` says
/// ("delete dummy0"), so that the live state is the one the next boot
/// makes. Only an interface this run empties: a dummy found empty is not
/// the inventory's.
fn emptied_dummies(misplaced: &[HostAction], now: &Situation) -> Vec<HostAction> {
    let removed_from = |link: &crate::live::Link, ip: &str| {
        misplaced.iter().any(|action| {
            matches!(action, HostAction::RemoveAddress { address, device, .. }
                if *device == link.ifname && ip.parse::<IpAddr>().ok() == Some(*address))
        })
    };
    now.live
        .interfaces
        .iter()
        .filter(|link| link.is_dummy())
        .filter(|link| {
            let addresses: Vec<_> = link
                .addr_info
                .iter()
                .filter(|address| address.scope != "link")
                .collect();
            !addresses.is_empty()
                && addresses
                    .iter()
                    .all(|address| removed_from(link, &address.local))
        })
        .map(|link| HostAction::DeleteDummy {
            device: link.ifname.clone(),
        })
        .collect()
}

/// The alias label the net-tools stanza gives each IPv4 VIP that needs one
/// (`dummy0:1`; the first VIP on a dummy device has the device's own), so
/// that an address `apply` adds is the one `ifdown` removes.
fn net_tools_labels(host: &Host) -> BTreeMap<IpAddr, String> {
    if host.style != Style::NetTools || host.stack != Stack::Ifupdown {
        return BTreeMap::new();
    }
    let device = host.interface.device();
    let first = usize::from(host.interface == VipInterface::Loopback);
    host.vips
        .iter()
        .filter(|vip| vip.is_ipv4())
        .enumerate()
        .filter(|(index, _)| index + first > 0)
        .map(|(index, vip)| (*vip, format!("{device}:{}", index + first)))
        .collect()
}

/// The host addresses (/32, /128) of the VIP interface that the inventory
/// does not give it; never the loopback's own (127.0.0.0/8, `::1`).
fn stale_vips(host: &Host, now: &Situation) -> Vec<HostAction> {
    let device = host.interface.device();
    host_addresses(device, now)
        .filter(|(ip, address)| {
            !ip.is_loopback() && address.scope != "link" && !host.vips.contains(ip)
        })
        .map(|(ip, address)| HostAction::RemoveAddress {
            address: ip,
            prefix: address.prefixlen,
            device: device.to_owned(),
        })
        .collect()
}
