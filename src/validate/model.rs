//! The validated inventory: what the rest of the program trusts.
//!
//! Built only by `validate`, from a parsed inventory: defaults are already
//! applied, references resolved, and every rule checked, so rendering needs
//! no further checks and cannot fail on the data. The type system keeps it
//! so: [`Inventory`] has a field only `validate` can set, so no other module
//! can build one (this module is `validate`'s: `crate::validate::model`).

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::values::{CheckKind, DnsType, PortSpec, Scheduler, Stack, Style};

/// Everything lvs-dr-gen renders, from one inventory file.
///
/// Only `validate::validate` makes one; elsewhere the mark cannot be had:
///
/// ```compile_fail
/// use lvs_dr_gen::validate::model::{Inventory, Validated};
/// let model = Inventory {
///     source_name: String::new(),
///     services: Vec::new(),
///     hosts: Vec::new(),
///     directors: Vec::new(),
///     vrrp: None,
///     _validated: Validated::new(),
/// };
/// ```
#[derive(Debug, Clone)]
pub struct Inventory {
    /// The inventory's file name (no directory), quoted in file headers.
    pub source_name: String,
    /// The balanced services, in inventory order.
    pub services: Vec<Service>,
    /// The real servers, in inventory order.
    pub hosts: Vec<Host>,
    /// The directors, in inventory order; empty when the inventory has none.
    pub directors: Vec<Director>,
    /// The VRRP settings; present exactly when there are directors.
    pub vrrp: Option<Vrrp>,
    /// Set by `validate` only: no other module can write this field, so
    /// none can build an `Inventory` that skipped the rules.
    pub(super) _validated: Validated,
}

/// The mark of an [`Inventory`] built by `validate`, which alone can make
/// one.
#[derive(Debug, Clone, Copy)]
pub struct Validated(());

impl Validated {
    /// The mark, for `validate`.
    pub(super) fn new() -> Self {
        Validated(())
    }
}

/// An LVS director and what its keepalived.conf needs of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Director {
    /// Its name, also its folder in the output and keepalived's `router_id`.
    pub name: String,
    /// Its own addresses on the segment, at most one per family.
    pub addresses: Vec<IpAddr>,
    /// The network card facing the real servers.
    pub interface: String,
    /// Its VRRP priority.
    pub priority: u32,
    /// Whether it starts as the VRRP master (the highest priority).
    pub master: bool,
    /// Where its keepalived.conf goes, relative to its root.
    pub keepalived_path: PathBuf,
    /// Where its IPVS kernel parameters go, relative to its root.
    pub sysctl_path: PathBuf,
    /// Where its module list (`ip_vs`) goes, relative to its root.
    pub modules_path: PathBuf,
    /// Network cards besides `interface` whose loss puts its VRRP instances
    /// in FAULT (keepalived's `track_interface`).
    pub track_interfaces: Vec<String>,
}

/// VRRP settings shared by the directors.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Vrrp {
    /// The virtual router id of the services in no named group (group
    /// `lvs_dr`); `None` when every service is in a named group.
    pub virtual_router_id: Option<u32>,
    /// Seconds between advertisements.
    pub advert_int: u32,
    /// The VRRP version 2 password of the IPv4 instance, if any.
    pub password: Option<String>,
    /// Whether keepalived runs the IPVS connection sync daemon.
    pub sync_connections: bool,
    /// Whether the advertisements go by unicast to the other directors.
    pub unicast: bool,
    /// The scripts run on VRRP state changes; all `None` without any.
    pub notify: VrrpNotify,
    /// The VRRP groups, each with VIPs: `lvs_dr` (the services in no named
    /// group) first when it has any, then the named ones in inventory order.
    pub groups: Vec<VrrpGroup>,
    /// Whether the inventory names groups (`vrrp.groups`): each director
    /// then runs both connection sync daemons at once.
    pub named_groups: bool,
    /// Seconds a returning director waits before it takes a group back
    /// (keepalived's `preempt_delay`); `None`: at once, its instances
    /// starting as MASTER where it has the highest priority.
    pub preempt_delay: Option<u32>,
}

impl Vrrp {
    /// The sync daemon's id: the lowest virtual router id of the groups
    /// (the one router id of an inventory without named groups), so that
    /// clusters on one segment ignore each other's sync messages and the
    /// order of the groups does not change it.
    pub fn sync_id(&self) -> Option<u32> {
        self.groups
            .iter()
            .map(|group| group.virtual_router_id)
            .min()
    }

    /// Every virtual router id the directors use, in group order (each
    /// for an IPv4 and an IPv6 instance where the group has both).
    pub fn router_ids(&self) -> Vec<u32> {
        self.groups
            .iter()
            .map(|group| group.virtual_router_id)
            .collect()
    }
}

/// VIPs that VRRP moves between the directors as one (keepalived's
/// `vrrp_sync_group` of an IPv4 and an IPv6 instance, or one instance).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VrrpGroup {
    /// Its name: `lvs_dr` for the services in no named group.
    pub name: String,
    /// Its virtual router id.
    pub virtual_router_id: u32,
    /// The services whose VIPs it holds, in inventory order.
    pub services: Vec<String>,
    /// Its VIPs, each once, in inventory order.
    pub vips: Vec<IpAddr>,
    /// Every director's priority in it, in the directors' order.
    pub priorities: Vec<(String, u32)>,
}

impl VrrpGroup {
    /// The director that holds the group while every director is up: the
    /// highest priority (validation refuses a tie).
    pub fn master(&self) -> Option<&str> {
        self.priorities
            .iter()
            .max_by_key(|(_, priority)| *priority)
            .map(|(name, _)| name.as_str())
    }

    /// The priority of `director` in the group.
    pub fn priority_of(&self, director: &str) -> Option<u32> {
        self.priorities
            .iter()
            .find(|(name, _)| name == director)
            .map(|(_, priority)| *priority)
    }
}

/// The VRRP notify scripts (absolute paths, one word each).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct VrrpNotify {
    /// keepalived's `notify`: run on every state change.
    pub every: Option<String>,
    /// `notify_master`.
    pub master: Option<String>,
    /// `notify_backup`.
    pub backup: Option<String>,
    /// `notify_fault`.
    pub fault: Option<String>,
}

impl VrrpNotify {
    /// Whether any script is set (keepalived then needs script security).
    pub fn any(&self) -> bool {
        self.every.is_some()
            || self.master.is_some()
            || self.backup.is_some()
            || self.fault.is_some()
    }
}

/// A balanced service.
#[derive(Debug, Clone)]
pub struct Service {
    /// The service's name.
    pub name: String,
    /// Its virtual IPs, in inventory order.
    pub vips: Vec<IpAddr>,
    /// Its balanced ports (used by the director side).
    pub ports: Vec<PortSpec>,
    /// The IPVS scheduler (used by the director side).
    pub scheduler: Scheduler,
    /// Client persistence in seconds (used by the director side).
    pub persistence: Option<u32>,
    /// The health check (used by the director side).
    pub health_check: Option<HealthCheck>,
    /// What answers when no real server is healthy: at most one address
    /// per family, one for each VIP family (director side).
    pub sorry_servers: Vec<IpAddr>,
    /// Whether real servers start out of the pool until checked.
    pub alpha: bool,
    /// The least healthy weight before the sorry server takes over.
    pub quorum: Option<u32>,
    /// The quorum's flap dampener.
    pub hysteresis: Option<u32>,
    /// Whether one persistence spans the ports of a protocol (one IPVS
    /// service by firewall mark per family and protocol).
    pub persistence_across_ports: bool,
}

/// A health check: what a director polls on each real server, port by port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// The kind of check on each balanced port, in the service's order.
    pub kinds: Vec<(PortSpec, CheckKind)>,
    /// The page's path, such as `/ldcheck.php`, when a port's check fetches
    /// one (HTTP or HTTPS).
    pub path: Option<String>,
    /// The exact body a healthy server returns, such as `running`.
    pub expect: Option<String>,
    /// The HTTP status a healthy server returns; 200 when a page is fetched
    /// and neither this nor `expect` is given.
    pub status_code: Option<u32>,
    /// The port checked; the balanced port when `None`.
    pub port: Option<u32>,
    /// Seconds between checks (keepalived's `delay_loop`).
    pub interval: u32,
    /// Seconds to wait for an answer.
    pub connect_timeout: u32,
    /// Failed attempts retried before the server is taken out.
    pub retry: u32,
    /// Seconds between those attempts.
    pub delay_before_retry: u32,
    /// The question of a DNS check: the name, and its record type (`SOA`
    /// unless written), when a port's check is DNS.
    pub query: Option<(String, DnsType)>,
    /// The datagram a UDP check sends, as hex; keepalived's own when `None`.
    pub send: Option<String>,
    /// The start of the answer a UDP check needs, as hex (`x`: any digit);
    /// no answer is needed when `None`.
    pub reply: Option<String>,
}

/// The services a real server is drained in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drained {
    /// None: it takes new connections everywhere.
    No,
    /// Every service it serves.
    All,
    /// These services (a subset of the ones it serves).
    Services(Vec<String>),
}

impl Drained {
    /// Whether the host is drained in `service`.
    pub fn covers(&self, service: &str) -> bool {
        match self {
            Drained::No => false,
            Drained::All => true,
            Drained::Services(names) => names.iter().any(|name| name == service),
        }
    }
}

impl Host {
    /// Its IPVS weight in `service`: 0 where it is drained.
    pub fn weight_in(&self, service: &str) -> u32 {
        if self.drained.covers(service) {
            0
        } else {
            self.weight
        }
    }
}

impl HealthCheck {
    /// The kind of check on the balanced `port` (validation gave every port
    /// of the service one; TCP for any other).
    pub fn kind(&self, port: PortSpec) -> CheckKind {
        self.kinds
            .iter()
            .find(|(spec, _)| *spec == port)
            .map_or(CheckKind::Tcp, |(_, kind)| *kind)
    }
}

/// The prefix length of `ip` as a host address, as the VIPs are carried:
/// 32 for IPv4, 128 for IPv6.
pub fn host_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() {
        32
    } else {
        128
    }
}

/// Where a host carries its VIPs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VipInterface {
    /// A dummy interface that the stanza creates, such as `dummy0`.
    Dummy(String),
    /// The loopback interface `lo`.
    Loopback,
}

impl VipInterface {
    /// The kernel's name of the device.
    pub fn device(&self) -> &str {
        match self {
            VipInterface::Dummy(name) => name,
            VipInterface::Loopback => "lo",
        }
    }
}

/// A kernel parameter and its value, as written to the sysctl file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SysctlSetting {
    /// The dotted parameter name.
    pub key: String,
    /// The value.
    pub value: String,
}

/// Where a host's generated files go, relative to its root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OutputPaths {
    /// The ifupdown stanza file (ifupdown).
    pub interfaces: PathBuf,
    /// The kernel module list (written only for a dummy interface).
    pub modules: PathBuf,
    /// The kernel parameter file.
    pub sysctl: PathBuf,
    /// The systemd-networkd `.netdev` file (networkd, dummy interface).
    pub netdev: PathBuf,
    /// The systemd-networkd `.network` file (networkd).
    pub network: PathBuf,
    /// The netplan YAML file (netplan).
    pub netplan: PathBuf,
}

/// A real server and everything its files need.
///
/// The lists that many hosts have alike (services and their VIPs, kernel
/// parameters, paths) are shared between them: one copy each, so that the
/// model of 100,000 hosts stays small.
#[derive(Debug, Clone)]
pub struct Host {
    /// The host name, also its folder in the output.
    pub name: String,
    /// The host's own addresses, at most one per family, in inventory order.
    pub addresses: Vec<IpAddr>,
    /// Its IPVS weight on the directors, where it is not drained.
    pub weight: u32,
    /// The services it is drained in: the directors give it weight 0 there.
    pub drained: Drained,
    /// The names of the services it serves, in inventory order.
    pub services: Arc<[String]>,
    /// Every VIP of those services, each once, in inventory order.
    pub vips: Arc<[IpAddr]>,
    /// Where the VIPs live.
    pub interface: VipInterface,
    /// Which commands add them (ifupdown only).
    pub style: Style,
    /// Which network configuration system reads them.
    pub stack: Stack,
    /// The kernel parameters: the built-in LVS-DR set with the inventory's
    /// extras merged over it.
    pub sysctl: Arc<[SysctlSetting]>,
    /// Where its files go.
    pub paths: Arc<OutputPaths>,
    /// The VIP-aware health agent's port (`vip_agent.port`), when the
    /// inventory has the agent: the host gets its units, `verify` asks it
    /// about each VIP, and the directors check it per virtual server.
    pub agent_port: Option<u16>,
}
