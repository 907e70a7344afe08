//! Reading the inventory file: its YAML shape as serde types, parsed with
//! the location of the first problem the parser meets.
//!
//! This module knows the *syntax* of an inventory (which keys exist, which
//! values are well-formed); what the values mean together is checked in
//! `validate`. Unknown keys are refused with the nearest valid key; how
//! the problems are worded and placed is `problems`.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, Hash, RandomState};
use std::marker::PhantomData;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::values::{
    AdvertInterval, CheckKind, CheckSeconds, DnsName, DnsType, Drain, GroupName, HostAddresses,
    HostName, Hysteresis, InterfaceName, NetworkDevice, OneLine, Port, PortSpec, PreemptDelay,
    Priority, Quorum, RelativePath, Release, Retries, RouterId, Scheduler, ScriptPath, Seconds,
    Segment, ServiceName, Stack, StatusCode, Style, SysctlKey, SysctlValue, UdpPayload, UdpReply,
    UrlPath, Version, Vip, VrrpPassword, Weight,
};
use crate::yaml::duplicate_key_error;

mod problems;

pub use problems::locate;

/// The whole inventory, as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// The format version; checked while parsing (it must be 1).
    pub version: Version,
    /// Settings every host inherits; a host may override each of them.
    #[serde(default)]
    pub defaults: Settings,
    /// The balanced services by name, in the order written. With directors,
    /// every service must be served by at least one host, and a VIP, port
    /// and protocol may be balanced by one service only (services may share
    /// a VIP on other ports).
    #[serde(default)]
    pub services: OrderedMap<ServiceName, Service>,
    /// The real servers by name, in the order written; at least one. A name
    /// names the host's folder in the output (OUT/NAME/), so names must
    /// differ in more than letter case.
    #[serde(default)]
    #[schemars(extend("minProperties" = 1))]
    pub hosts: OrderedMap<HostName, Host>,
    /// The LVS directors (keepalived) by name, in the order written;
    /// optional. A name names the director's folder in the output, so it
    /// must differ in more than letter case from the other directors' and
    /// from every host's. With directors, `vrrp` is required, every service
    /// needs `ports` and a host that serves it, and every host needs an
    /// address in the family of each VIP it carries.
    #[serde(default)]
    pub directors: OrderedMap<HostName, Director>,
    /// The VRRP settings the directors share: required with directors, and
    /// refused without them.
    pub vrrp: Option<Vrrp>,
    /// The L2 segment of directors and real servers: at most one IPv4 and
    /// one IPv6 prefix, without host bits. Optional; when given, every host
    /// and director address of a prefix's family must lie inside it (direct
    /// routing hands packets to the real servers by MAC address, so no
    /// router may stand between them).
    #[serde(default)]
    pub segment: Vec<Segment>,
    /// The VIP-aware health agent (`lvs-dr-gen agent`), off unless written.
    /// When set, every real server gets the agent's systemd units (a
    /// socket on its own addresses at `port`), and every director checks,
    /// besides each service's own check, that each real server still
    /// carries the virtual server's VIP: a real server whose VIP is gone
    /// (or whose ARP settings no longer keep it silent) leaves that VIP's
    /// virtual servers. Roll the hosts out before the directors.
    pub vip_agent: Option<VipAgent>,
}

/// The VIP-aware health agent's settings.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VipAgent {
    /// The TCP port the agent listens on, on each real server's own
    /// addresses; no service's port (nor its check's) may be the same.
    pub port: Port,
}

/// An LVS director: a keepalived host that holds the VIPs by VRRP and
/// balances them over the real servers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Director {
    /// The director's own address(es) on the segment: never a VIP nor
    /// another director's or host's address, and one in each address family
    /// the VIPs use (the directors reach the real servers and check them
    /// from it).
    pub address: HostAddresses,
    /// The network card facing the real servers (not `lo`): it sends the
    /// VRRP advertisements and carries the VIPs while the director is the
    /// master.
    pub interface: NetworkDevice,
    /// Its VRRP priority, a different one for each director; the highest
    /// starts as the master, the others as backups.
    pub priority: Priority,
    /// Where its kernel files go, relative to its root.
    #[serde(default)]
    pub paths: DirectorPaths,
    /// Other network cards whose loss should hand the VIPs to another
    /// director (keepalived's `track_interface`), such as the uplink to the
    /// clients when it is not `interface`. Unset: none; keepalived already
    /// tracks `interface` itself (the VRRP instance goes to FAULT and gives
    /// up the VIPs when it goes down), so it is not listed here.
    #[serde(default)]
    pub track_interface: Vec<NetworkDevice>,
}

/// A director's kernel file locations; each one unset is the built-in one.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectorPaths {
    /// The IPVS kernel parameters (read by systemd-sysctl).
    pub sysctl: Option<RelativePath>,
    /// The module list that loads IPVS before those are applied (read by
    /// systemd-modules-load).
    pub modules: Option<RelativePath>,
}

/// VRRP settings shared by all directors.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vrrp {
    /// The virtual router id of the services in no group (all of them
    /// without `groups`): no other VRRP router on the segment may use it,
    /// nor a group of `groups`. Required unless every service is in a
    /// group, and then refused (nothing would use it).
    pub virtual_router_id: Option<RouterId>,
    /// Seconds between advertisements; at most 40 when any VIP is IPv6
    /// (VRRP version 3 counts it in hundredths of a second, up to 40.95).
    pub advert_int: Option<AdvertInterval>,
    /// Optional VRRP version 2 password (`auth_type PASS`), for the IPv4
    /// VIPs only; refused when every VIP is IPv6 (VRRP version 3 has no
    /// authentication).
    pub password: Option<VrrpPassword>,
    /// Copy the IPVS connection table from the VRRP master to the other
    /// directors (keepalived's `lvs_sync_daemon`, by multicast), so that
    /// established connections survive a failover. Unset: on with two or
    /// more directors, except with `unicast` (which usually means a segment
    /// without multicast, where the sync daemon cannot run).
    pub sync_connections: Option<bool>,
    /// Send the VRRP advertisements to the other directors' own addresses
    /// instead of the VRRP multicast group (for segments that drop
    /// multicast). Unset: false.
    pub unicast: Option<bool>,
    /// Scripts keepalived runs when the directors' VRRP state changes (for
    /// alerting): one path, run on every change with the group or instance,
    /// its name, the new state and the priority as arguments (`notify`), or
    /// a path per state (`{master: ..., backup: ..., fault: ...}`). Absolute
    /// paths without arguments. keepalived runs them as root with
    /// `enable_script_security`: each script and every directory above it
    /// must be owned by root and writable by no one else, or keepalived
    /// disables the script at start (it logs "Unsafe permissions").
    pub notify: Option<Notify>,
    /// VRRP groups by name, so that both directors carry traffic: each
    /// group's VIPs (those of its `services`) move between the directors as
    /// one, with its own `virtual_router_id` and its own master (the
    /// director with its highest priority), such as one group mastered by
    /// each of two directors. The services in no group form the group
    /// `lvs_dr`, with `vrrp.virtual_router_id` and the directors' own
    /// `priority`. With groups, each director runs the master and the
    /// backup connection sync daemon at once (keepalived's `lvs_sync_daemon`
    /// without an instance), so that every group's connections survive a
    /// failover either way, and `preempt_delay` defaults to 5.
    #[serde(default)]
    pub groups: OrderedMap<GroupName, VrrpGroup>,
    /// Seconds a director that comes back (its keepalived started) waits
    /// before it takes back a group it has the highest priority in, while
    /// the director holding the group sends it the group's connections
    /// (keepalived's `preempt_delay`; its VRRP instances then all start as
    /// BACKUP), 0 to 1000. Without it the returning director takes the
    /// group within about a second, before connections opened meanwhile
    /// have reached it, and those break. Unset: 5 with `groups`, otherwise
    /// none (the master's instances start as MASTER and take the VIPs back
    /// at once).
    pub preempt_delay: Option<PreemptDelay>,
}

/// A VRRP group: VIPs that VRRP moves between the directors as one, with
/// their own virtual router id and order of directors. Its IPv4 and IPv6
/// VIPs are two VRRP instances of one keepalived sync group, so they fail
/// over together.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VrrpGroup {
    /// The group's virtual router id: no other group, and no other VRRP
    /// router on the segment, may use it.
    pub virtual_router_id: RouterId,
    /// The services whose VIPs the group holds: at least one, each a name
    /// under `services`, each in one group only. A VIP shared by two
    /// services must be in one group: both services in it, or neither in a
    /// group.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub services: Vec<ServiceName>,
    /// Each director's priority in the group, every director named once;
    /// the highest is the group's master, and no two may be equal. Unset:
    /// the directors' own `priority`.
    #[serde(default)]
    pub priorities: OrderedMap<HostName, Priority>,
}

/// The VRRP notify scripts: one for every state change, or one per state.
#[derive(Debug)]
pub enum Notify {
    /// keepalived's `notify`: every change, the state as an argument.
    Every(ScriptPath),
    /// keepalived's `notify_master`, `notify_backup` and `notify_fault`.
    PerState(NotifyScripts),
}

/// A notify script per VRRP state; each one left out runs nothing.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifyScripts {
    /// Run when this director becomes the master (it holds the VIPs).
    pub master: Option<ScriptPath>,
    /// Run when it becomes a backup.
    pub backup: Option<ScriptPath>,
    /// Run when it goes to FAULT (a tracked interface is down, or unicast
    /// VRRP has no peer).
    pub fault: Option<ScriptPath>,
}

impl<'de> Deserialize<'de> for Notify {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NotifyVisitor;

        impl<'de> Visitor<'de> for NotifyVisitor {
            type Value = Notify;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str(
                    "a script path, or a mapping of `master`, `backup` and `fault` to paths",
                )
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Notify, E> {
                ScriptPath::deserialize(de::IntoDeserializer::<E>::into_deserializer(text))
                    .map(Notify::Every)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Notify, A::Error> {
                NotifyScripts::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(Notify::PerState)
            }
        }

        deserializer.deserialize_any(NotifyVisitor)
    }
}

impl JsonSchema for Notify {
    fn schema_name() -> Cow<'static, str> {
        "Notify".into()
    }

    fn inline_schema() -> bool {
        true
    }

    /// One script path, or a mapping of states to script paths.
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let path = generator.subschema_for::<ScriptPath>();
        let scripts = generator.subschema_for::<NotifyScripts>();
        json_schema!({"anyOf": [path, scripts]})
    }
}

/// Settings that `defaults` gives every host and a host may override.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The interface carrying the VIPs: `lo`, or a dummy interface that the
    /// ifupdown stanza creates. Never a network card (names beginning with
    /// `eth`, `en`, `wl` or `ww` are refused): it would answer ARP for the
    /// VIPs. With the `net-tools` style, the alias label of the last IPv4
    /// VIP (`INTERFACE:N`) must fit Linux's 15 characters.
    pub interface: Option<InterfaceName>,
    /// Which commands add the VIPs.
    pub style: Option<Style>,
    /// Which network configuration system reads the VIPs: `ifupdown` (the
    /// default), `networkd` or `netplan`. `style: net-tools` needs
    /// `ifupdown`; netplan with a dummy interface needs `release: trixie`.
    pub stack: Option<Stack>,
    /// The Debian release the hosts run, where the stack's files depend on
    /// it (netplan's dummy devices exist on Debian 13 only).
    pub release: Option<Release>,
    /// Extra kernel parameters, merged key by key over the built-in set
    /// (`net.ipv4.conf.all.arp_ignore: 1`, `net.ipv4.conf.all.arp_announce:
    /// 2`, `net.ipv4.icmp_echo_ignore_broadcasts: 1`,
    /// `net.ipv4.tcp_syncookies: 1`). `arp_ignore` on `all` or on the VIP
    /// interface must stay 1, 2 or 3, and `arp_announce` there 2: other
    /// values break direct routing.
    #[serde(default)]
    pub sysctl: OrderedMap<SysctlKey, SysctlValue>,
    /// Where the generated files go, relative to the host's root (OUT/NAME/).
    #[serde(default)]
    pub paths: Paths,
}

/// Output file locations, relative to the host's root (a leading `/` is
/// ignored); a host's path left out falls back to `defaults.paths`, then to
/// the built-in default. The three files must differ, and each must be
/// where Debian reads it at boot.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Paths {
    /// The ifupdown stanza file: directly in `etc/network/interfaces.d/`
    /// (which Debian's /etc/network/interfaces sources), named with
    /// letters, digits, `_` and `-` only (ifupdown's `source-directory`
    /// skips other names); never `etc/network/interfaces` itself.
    pub interfaces: Option<RelativePath>,
    /// The kernel module list: a `.conf` file in `etc/modules-load.d/`, or
    /// `etc/modules` (systemd-modules-load reads both).
    pub modules: Option<RelativePath>,
    /// The kernel parameter file: a `.conf` file in `etc/sysctl.d/`, which
    /// systemd-sysctl reads at boot (`etc/sysctl.conf` is not read on Debian
    /// 13).
    pub sysctl: Option<RelativePath>,
    /// The systemd-networkd `.netdev` file that creates a dummy interface.
    pub netdev: Option<RelativePath>,
    /// The systemd-networkd `.network` file with the VIPs.
    pub network: Option<RelativePath>,
    /// The netplan YAML file.
    pub netplan: Option<RelativePath>,
}

/// A balanced service: its VIPs and what the directors need to know of it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// The virtual IPs of the service: at least one, each listed once. A VIP
    /// is one unicast address (a `/32` or `/128` suffix may be written, a
    /// wider prefix is refused; unspecified, loopback, multicast, broadcast,
    /// link-local and IPv4-mapped addresses are refused), and never a
    /// host's or director's own address.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub vips: Vec<Vip>,
    /// The balanced ports, each listed once: a number (TCP), or a number
    /// with `/tcp` or `/udp`. With directors at least one is required (they
    /// balance by port); otherwise the ports are only named in a comment of
    /// the real servers' files.
    #[serde(default)]
    pub ports: Vec<PortSpec>,
    /// The IPVS scheduler (keepalived's `lvs_sched`).
    pub scheduler: Option<Scheduler>,
    /// How long, in seconds, a client sticks to one real server
    /// (keepalived's `persistence_timeout`); 0 or left out: not at all.
    pub persistence: Option<Seconds>,
    /// How the directors check that a real server is healthy; without it,
    /// they keep every real server in the IPVS table.
    pub health_check: Option<HealthCheck>,
    /// Where the directors send the service's clients when no real server
    /// is healthy (keepalived's `sorry_server`, forwarded by direct routing
    /// like a real server, so it must carry the VIPs as the real servers
    /// do): one address, or one IPv4 and one IPv6 address, one in the
    /// family of each VIP. Needs a `health_check`; never a VIP, a director,
    /// or a host that serves the service; a host of the inventory must carry
    /// the service's VIPs. The port is the balanced port (direct routing
    /// cannot change it), so no port is written.
    pub sorry_server: Option<HostAddresses>,
    /// Real servers start out of the pool until their first check passes
    /// (keepalived's `alpha`, with `warmup 0` so that the first checks run
    /// at once rather than at a random moment within the check interval):
    /// at every keepalived start, and for each real server a reload adds.
    /// Unset: false, keepalived's own default, and what existing
    /// configurations have. Recommended where servers join the inventory
    /// before their application answers: without it such a server takes
    /// its share of new connections until its check fails (`connect_timeout`
    /// plus `retry` times `delay_before_retry`). With it, the master's pool
    /// is empty after a keepalived start until the checks answer (the
    /// master takes the VIPs back at once). Refused without a
    /// `health_check`.
    pub alpha: Option<bool>,
    /// The least total weight of healthy real servers the service runs on
    /// (keepalived's `quorum`); below it, every real server is taken out
    /// and the sorry server answers alone. Needs `sorry_server` (without
    /// one keepalived only logs the loss); at most the total weight of the
    /// service's real servers. Unset: 1 (the sorry server answers when none
    /// is healthy).
    pub quorum: Option<Quorum>,
    /// How far the healthy weight may fall below the quorum before the sorry
    /// server takes over, and must rise above it before the real servers
    /// return (keepalived's `hysteresis`), so that one flapping server does
    /// not swing every client; below the quorum. Unset: 0.
    pub hysteresis: Option<Hysteresis>,
    /// One persistence for all the service's ports of a protocol: a client
    /// stays on one real server on 80 and 443 alike. The directors balance
    /// the ports as one IPVS service by firewall mark (a `virtual_server_group`
    /// with keepalived's `nftables_ipvs`, which sets the mark itself);
    /// without it, IPVS keeps a persistence per port. Needs `persistence`
    /// and at least two ports of one protocol. Unset: false.
    pub persistence_across_ports: Option<bool>,
}

/// How the directors check each real server of the service, port by port:
/// by fetching a page over HTTP or HTTPS (keepalived's `HTTP_GET`,
/// `SSL_GET`), by connecting over TCP (`TCP_CHECK`), by a UDP datagram
/// (`UDP_CHECK`) or by a DNS question (`DNS_CHECK`); a real server that
/// fails it is taken out of that port's virtual server until it passes
/// again. A check that cannot pass (plain HTTP on 443, HTTPS on 80, a TCP
/// check of a UDP port or a UDP one of a TCP port) is refused.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    /// What the check speaks: `http`, `https`, `tcp`, `udp` or `dns`, for
    /// every port, or per port as written in `ports` (`{80: http, 53/udp:
    /// dns}`). Unset: on a TCP port, with a `path`, `https` where the checked
    /// port is 443 and `http` elsewhere, without one `tcp`; on a UDP port,
    /// with a `query`, `dns`, without one `udp`.
    pub kind: Option<CheckKinds>,
    /// The page fetched from each real server (HTTP and HTTPS checks; needed
    /// by them, refused on a check that fetches a page on no port).
    pub path: Option<UrlPath>,
    /// The body that page must return, exactly (keepalived compares its MD5
    /// digest).
    pub expect: Option<OneLine>,
    /// The HTTP status that page must return. With neither `expect` nor
    /// `status_code` it is 200; with `expect` alone, none is written and
    /// keepalived's own default applies.
    pub status_code: Option<StatusCode>,
    /// The port checked (keepalived's `connect_port`); left out: the
    /// balanced port.
    pub port: Option<Port>,
    /// The older way to write `kind: https` (true) or `kind: http` (false);
    /// not together with `kind`.
    pub tls: Option<bool>,
    /// Seconds between checks (keepalived's `delay_loop`).
    pub interval: Option<CheckSeconds>,
    /// Seconds to wait for the answer.
    pub connect_timeout: Option<CheckSeconds>,
    /// Retries before the server is taken out.
    pub retry: Option<Retries>,
    /// Seconds between retries.
    pub delay_before_retry: Option<CheckSeconds>,
    /// The name a DNS check asks each real server for (needed by `dns`),
    /// such as `www.example.org`; the check passes on an answer without
    /// error (NOERROR), so the name must be one the server answers for.
    pub query: Option<DnsName>,
    /// The record type a DNS check asks for. Unset: `SOA`.
    pub query_type: Option<DnsType>,
    /// The datagram a UDP check sends, as hex (`"1b 00"`). Unset:
    /// keepalived's own 32 bytes (`keepalived check - …`).
    pub send: Option<UdpPayload>,
    /// The start of the answer a UDP check needs, as hex, `x` for any digit
    /// (`"1c xx"`; `xx`: any answer). Unset: no answer is needed, and only an
    /// ICMP "port unreachable" fails the check, so a server that hangs passes.
    pub reply: Option<UdpReply>,
}

/// The kind of a health check: one for every balanced port, or one for
/// some ports (the others get the default kind).
#[derive(Debug)]
pub enum CheckKinds {
    /// The same kind on every port.
    Every(CheckKind),
    /// A kind for each port named, as written in `ports`.
    PerPort(OrderedMap<PortSpec, CheckKind>),
}

impl<'de> Deserialize<'de> for CheckKinds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KindsVisitor;

        impl<'de> Visitor<'de> for KindsVisitor {
            type Value = CheckKinds;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str(
                    "`http`, `https`, `tcp`, `udp` or `dns`, or a mapping of ports to them",
                )
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<CheckKinds, E> {
                CheckKind::deserialize(de::IntoDeserializer::<E>::into_deserializer(text))
                    .map(CheckKinds::Every)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CheckKinds, A::Error> {
                OrderedMap::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(CheckKinds::PerPort)
            }
        }

        deserializer.deserialize_any(KindsVisitor)
    }
}

impl JsonSchema for CheckKinds {
    fn schema_name() -> Cow<'static, str> {
        "CheckKinds".into()
    }

    fn inline_schema() -> bool {
        true
    }

    /// One kind, or a mapping from ports (`80`, `443/tcp`, `53/udp`) to kinds.
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let kind = generator.subschema_for::<CheckKind>();
        json_schema!({
            "anyOf": [
                kind,
                {
                    "type": "object",
                    "propertyNames": {"pattern": "^[0-9]{1,5}(/(tcp|udp))?$"},
                    "additionalProperties": kind,
                },
            ],
        })
    }
}

/// A real server.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// The host's own address(es): never a VIP nor another host's or
    /// director's address. With directors, one in the family of each VIP the
    /// host carries (the directors forward a VIP's packets to the host's
    /// address of the same family).
    pub address: HostAddresses,
    /// Its IPVS weight on the directors; 0 sends it no new connections
    /// (drained).
    pub weight: Option<Weight>,
    /// Drained: `true` in every service it serves, or a list of those
    /// services. The directors give it weight 0 there (no new connections;
    /// established ones finish) and it keeps its VIPs, so that it can be
    /// removed in a later rollout without failing a request.
    pub drain: Option<Drain>,
    /// The services whose VIPs this host carries: at least one, each a name
    /// under `services`, listed once.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub services: Vec<ServiceName>,
    /// Overrides `defaults.interface`.
    pub interface: Option<InterfaceName>,
    /// Overrides `defaults.style`.
    pub style: Option<Style>,
    /// Overrides `defaults.stack`.
    pub stack: Option<Stack>,
    /// Overrides `defaults.release`.
    pub release: Option<Release>,
    /// Merged key by key over `defaults.sysctl`.
    #[serde(default)]
    pub sysctl: OrderedMap<SysctlKey, SysctlValue>,
    /// Overrides `defaults.paths`, path by path.
    #[serde(default)]
    pub paths: Paths,
}

/// A YAML mapping kept in the order it was written, refusing duplicate keys
/// (serde's maps would keep the last one silently, or reorder).
#[derive(Debug)]
pub struct OrderedMap<K, V>(pub Vec<(K, V)>);

impl<K, V> Default for OrderedMap<K, V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<K: JsonSchema, V: JsonSchema> JsonSchema for OrderedMap<K, V> {
    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}_to_{}", K::schema_name(), V::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    /// A mapping whose keys are `K`s and values `V`s; an empty value (`~`)
    /// is an empty mapping, as the parser reads it.
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["object", "null"],
            "propertyNames": generator.subschema_for::<K>(),
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }
}

impl<'de, K, V> Deserialize<'de> for OrderedMap<K, V>
where
    K: de::DeserializeOwned + fmt::Display + Eq + Hash,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);

        impl<'de, K, V> Visitor<'de> for MapVisitor<K, V>
        where
            K: de::DeserializeOwned + fmt::Display + Eq + Hash,
            V: Deserialize<'de>,
        {
            type Value = OrderedMap<K, V>;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a mapping (`name: ...`, one line per entry)")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OrderedMap::default())
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(K, V)> = Vec::new();
                let mut hashes = KeyHashes::default();
                while let Some(key) = map.next_key_seed(UniqueKey {
                    earlier: &entries,
                    hashes: &mut hashes,
                })? {
                    let value = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(OrderedMap(entries))
            }
        }

        /// The hashes of the keys so far: a key whose hash is new is new,
        /// without a copy of any key (a mapping of 100,000 hosts would
        /// otherwise hold each name twice); only an equal hash needs a look
        /// at the earlier keys themselves.
        #[derive(Default)]
        struct KeyHashes {
            seen: HashSet<u64>,
            hasher: RandomState,
        }

        /// Parses a key and refuses it if an earlier entry has it; the check
        /// runs while the parser is on the key, so the error points at it.
        struct UniqueKey<'a, K, V> {
            earlier: &'a [(K, V)],
            hashes: &'a mut KeyHashes,
        }

        impl<'de, K, V> de::DeserializeSeed<'de> for UniqueKey<'_, K, V>
        where
            K: de::DeserializeOwned + fmt::Display + Eq + Hash,
        {
            type Value = K;

            fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K, D::Error> {
                deserializer.deserialize_any(self)
            }
        }

        impl<K, V> Visitor<'_> for UniqueKey<'_, K, V>
        where
            K: de::DeserializeOwned + fmt::Display + Eq + Hash,
        {
            type Value = K;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a name")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<K, E> {
                // Through K's own `Deserialize`, so its errors carry its code.
                let key = K::deserialize(de::IntoDeserializer::<E>::into_deserializer(text))?;
                let new_hash = self.hashes.seen.insert(self.hashes.hasher.hash_one(&key));
                if !new_hash && self.earlier.iter().any(|(earlier, _)| *earlier == key) {
                    return Err(duplicate_key_error(format!(
                        "duplicate key `{key}`: each name may appear once in a mapping"
                    )));
                }
                Ok(key)
            }

            fn visit_u64<E: de::Error>(self, number: u64) -> Result<K, E> {
                self.visit_str(&number.to_string())
            }

            fn visit_i64<E: de::Error>(self, number: i64) -> Result<K, E> {
                self.visit_str(&number.to_string())
            }
        }

        deserializer.deserialize_any(MapVisitor(PhantomData))
    }
}

/// Parses the inventory text; `file` names it in the error.
pub fn parse(file: &str, text: &str) -> Result<Inventory, Box<Diagnostic>> {
    parse_as(file, text)
}

/// Parses `text` as a `T` with the inventory's YAML reader and its located,
/// worded errors (the site file uses it too); `file` names it in the error.
pub fn parse_as<T: de::DeserializeOwned>(file: &str, text: &str) -> Result<T, Box<Diagnostic>> {
    crate::yaml::from_str(text)
        .map_err(|error| Box::new(problems::to_diagnostic(file, text, &error)))
}
