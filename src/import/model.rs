//! What a director's keepalived.conf makes keepalived do, as far as an
//! inventory can say it: its VRRP instances and the IPVS virtual servers
//! with their real servers and checks, each with keepalived's defaults
//! applied (so that two configurations written differently compare equal
//! when keepalived acts the same on them), and where each is written.

use std::net::IpAddr;

use crate::keepalived_conf::Place;

/// One director's configuration as keepalived acts on it.
#[derive(Debug, Clone, Default)]
pub struct Director {
    /// Its VRRP instances, in the order written.
    pub instances: Vec<Instance>,
    /// The IPVS connection sync daemon (`lvs_sync_daemon`).
    pub sync_daemon: Option<SyncDaemon>,
    /// Its virtual servers, in the order written.
    pub virtual_servers: Vec<VirtualServer>,
    /// Whether `global_defs` has `nftables_ipvs` (keepalived marks the
    /// packets of a `virtual_server_group` and balances it as one service).
    pub nftables_ipvs: bool,
    /// Whether `global_defs` has `enable_script_security` with
    /// `script_user root` (what lvs-dr-gen writes with notify scripts).
    pub script_security: bool,
}

/// A VRRP instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Its name in the configuration.
    pub name: String,
    /// Where it is written.
    pub place: Place,
    /// `virtual_router_id`.
    pub vrid: u32,
    /// `priority` (keepalived's default 100).
    pub priority: u32,
    /// `advert_int` in seconds (default 1).
    pub advert_int: u32,
    /// `interface`.
    pub interface: String,
    /// The VIPs (`virtual_ipaddress`), each a host address.
    pub vips: Vec<IpAddr>,
    /// `unicast_src_ip`.
    pub unicast_source: Option<IpAddr>,
    /// `unicast_peer`, in order.
    pub unicast_peers: Vec<IpAddr>,
    /// `auth_pass` of `authentication { auth_type PASS }`.
    pub password: Option<String>,
    /// `track_interface`.
    pub track_interfaces: Vec<String>,
    /// Its notify scripts, or its sync group's.
    pub notify: Notify,
    /// The sync group it belongs to, by name.
    pub sync_group: Option<String>,
}

impl Instance {
    /// Whether its VIPs are IPv4 (VRRP version 2; IPv6 is version 3).
    pub fn ipv4(&self) -> bool {
        self.vips.first().is_none_or(IpAddr::is_ipv4)
    }
}

/// The notify scripts of an instance or sync group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notify {
    /// `notify`.
    pub every: Option<String>,
    /// `notify_master`.
    pub master: Option<String>,
    /// `notify_backup`.
    pub backup: Option<String>,
    /// `notify_fault`.
    pub fault: Option<String>,
}

impl Notify {
    /// Whether any script is set.
    pub fn any(&self) -> bool {
        self.every.is_some()
            || self.master.is_some()
            || self.backup.is_some()
            || self.fault.is_some()
    }
}

/// `lvs_sync_daemon INTERFACE [INSTANCE] [id N] [group ADDRESS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDaemon {
    /// The interface it multicasts on.
    pub interface: String,
    /// The instance whose state it follows.
    pub instance: Option<String>,
    /// The sync id (default 0... keepalived's default is the instance's
    /// virtual router id).
    pub id: Option<u32>,
    /// The multicast group, when not the kernel's default.
    pub group: Option<IpAddr>,
    /// Where it is written.
    pub place: Place,
}

/// TCP or UDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// As `ipvsadm -S -n` and keepalived's `protocol` write it.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
}

/// An IPVS virtual server of keepalived's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualServer {
    /// Where it is written.
    pub place: Place,
    /// The comment just above it (lvs-dr-gen's files name the service:
    /// `Service www: …`).
    pub comment: Option<String>,
    /// The VIPs and ports it balances: one, or a group's members.
    pub members: Vec<(IpAddr, u16)>,
    /// The `virtual_server_group` it balances, by name.
    pub group: Option<String>,
    /// Whether keepalived balances the group as one service by firewall
    /// mark (`nftables_ipvs`); otherwise one service per member.
    pub one_service: bool,
    /// `protocol`.
    pub protocol: Protocol,
    /// `lvs_sched`.
    pub scheduler: String,
    /// `persistence_timeout` in seconds, when set.
    pub persistence: Option<u32>,
    /// `quorum` (default 1).
    pub quorum: u32,
    /// `hysteresis` (default 0).
    pub hysteresis: u32,
    /// `alpha`, and whether `warmup 0` goes with it.
    pub alpha: bool,
    /// `sorry_server`: its address.
    pub sorry_server: Option<IpAddr>,
    /// The real servers, in order.
    pub real_servers: Vec<RealServer>,
}

impl VirtualServer {
    /// The key of the IPVS service of each member, as `ipvsadm -S -n`
    /// writes it (`TCP 10.0.0.1:80`), or of the one firewall-mark service.
    pub fn keys(&self) -> Vec<String> {
        if self.one_service {
            return vec![format!(
                "group {}",
                self.group.as_deref().unwrap_or_default()
            )];
        }
        self.members
            .iter()
            .map(|(vip, port)| service_key(self.protocol, *vip, *port))
            .collect()
    }
}

/// `TCP 10.0.0.1:80`, `TCP [2001:db8::1]:80`.
pub fn service_key(protocol: Protocol, vip: IpAddr, port: u16) -> String {
    format!(
        "{} {}",
        protocol.name(),
        std::net::SocketAddr::new(vip, port)
    )
}

/// A real server of a virtual server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealServer {
    /// Where it is written.
    pub place: Place,
    /// The comment just above it (lvs-dr-gen's files name the host so).
    pub comment: Option<String>,
    /// Its address.
    pub address: IpAddr,
    /// Its port as written (`None`: none, as in a group).
    pub port: Option<u16>,
    /// Its weight (the virtual server's `weight`, default 1, when unset).
    pub weight: u32,
    /// Its health checks, in order.
    pub checks: Vec<Check>,
}

/// What a health check speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckKind {
    /// `HTTP_GET`.
    Http,
    /// `SSL_GET`.
    Https,
    /// `TCP_CHECK`.
    Tcp,
    /// `UDP_CHECK` without `payload` or `require_reply` (the inventory's
    /// `kind: udp` without `send` or `reply`).
    Udp,
}

/// A health check with keepalived's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// `HTTP_GET`, `SSL_GET`, `TCP_CHECK` or `UDP_CHECK`.
    pub kind: CheckKind,
    /// The page (`url { path }`), for HTTP and HTTPS.
    pub path: Option<String>,
    /// `digest`, lower case.
    pub digest: Option<String>,
    /// `status_code`: `None` is keepalived's default, 200 to 299.
    pub status_code: Option<u32>,
    /// `connect_port`, when set.
    pub connect_port: Option<u16>,
    /// Seconds between checks (`delay_loop`, default 60).
    pub interval: u32,
    /// `connect_timeout` (default 5).
    pub connect_timeout: u32,
    /// `retry` (default 1).
    pub retry: u32,
    /// `delay_before_retry` (default 3 for HTTP and HTTPS, 1 for TCP).
    pub delay_before_retry: u32,
    /// `warmup` 0 (with `alpha`, what lvs-dr-gen writes); `false`:
    /// keepalived's default, a random time within the interval.
    pub no_warmup: bool,
}
