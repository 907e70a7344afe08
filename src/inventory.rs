//! Reading the inventory file: its YAML shape as serde types, parsed with
//! the location of the first problem the parser meets.
//!
//! This module knows the *syntax* of an inventory (which keys exist, which
//! values are well-formed); what the values mean together is checked in
//! `validate`. Unknown keys are refused with the nearest valid key.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, Hash, RandomState};
use std::marker::PhantomData;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::code::Code;
use crate::diagnostic::{closest, error_with_code, Diagnostic, Location, Related};
use crate::values::{
    AdvertInterval, CheckKind, CheckSeconds, Drain, GroupName, HostAddresses, HostName, Hysteresis,
    InterfaceName, NetworkDevice, OneLine, Port, PortSpec, PreemptDelay, Priority, Quorum,
    RelativePath, Release, Retries, RouterId, Scheduler, ScriptPath, Seconds, Segment, ServiceName,
    Stack, StatusCode, Style, SysctlKey, SysctlValue, UrlPath, Version, Vip, VrrpPassword, Weight,
};
use crate::yaml::{Found, Mismatch};

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
/// `SSL_GET`), or by connecting over TCP (`TCP_CHECK`); a real server that
/// fails it is taken out of that port's virtual server until it passes
/// again. A check that cannot pass (plain HTTP on 443, HTTPS on 80) is
/// refused.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    /// What the check speaks: `http`, `https` or `tcp`, for every port, or
    /// per port as written in `ports` (`{80: http, 443: https}`). Unset: with
    /// a `path`, `https` where the checked port is 443 and `http` elsewhere;
    /// without one, `tcp`.
    pub kind: Option<CheckKinds>,
    /// The page fetched from each real server (HTTP and HTTPS checks; needed
    /// by them, refused on a check that is TCP on every port).
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
                formatter.write_str("`http`, `https` or `tcp`, or a mapping of ports to them")
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
                    return Err(error_with_code(
                        Code::DuplicateKey,
                        format!("duplicate key `{key}`: each name may appear once in a mapping"),
                    ));
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
    crate::yaml::from_str(text).map_err(|error| Box::new(to_diagnostic(file, text, &error)))
}

/// Places each problem found after parsing, which names its value by path,
/// where that value is written in `text` (and the other value of a problem
/// about two); a path not written (an inherited default) stays unplaced.
pub fn locate(text: &str, problems: &mut [Diagnostic]) {
    let wanted: HashSet<&str> = problems
        .iter()
        .filter(|problem| problem.location.is_none())
        .flat_map(|problem| {
            let related = problem.related.as_ref().map(|related| &related.path);
            problem.path.iter().chain(&problem.within).chain(related)
        })
        .map(String::as_str)
        .collect();
    if wanted.is_empty() {
        return;
    }
    let found = crate::yaml::locate(text, &wanted);
    let place = |path: &str| {
        found.get(path).map(|place| Location {
            line: place.line(),
            column: place.column(),
        })
    };
    let places: Vec<_> = problems
        .iter()
        .map(|problem| {
            let related = problem.related.as_ref().map(|related| place(&related.path));
            let own = problem.path.as_deref().and_then(place);
            (
                own.or_else(|| problem.within.as_deref().and_then(place)),
                related,
            )
        })
        .collect();
    // Each line shown, found in one pass: a problem on each of 100,000
    // hosts must not read the text once per problem.
    let shown: HashSet<usize> = places
        .iter()
        .filter_map(|(location, _)| location.map(|place| place.line))
        .collect();
    let lines: HashMap<usize, &str> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(number, _)| shown.contains(number))
        .collect();
    for (problem, (location, related)) in problems.iter_mut().zip(places) {
        if problem.location.is_none() {
            problem.location = location;
            problem.source_line = location
                .and_then(|place| lines.get(&place.line))
                .map(|line| (*line).to_owned());
        }
        if let (Some(other), Some(location)) = (&mut problem.related, related) {
            other.location = other.location.or(location);
        }
    }
}

/// The text of the line a location is on.
fn source_line(text: &str, place: Location) -> Option<String> {
    text.lines()
        .nth(place.line.saturating_sub(1))
        .map(str::to_owned)
}

/// Turns the YAML layer's error into a located diagnostic, wording serde's
/// generic errors as ones that say how to fix the input. The
/// code, the path, the place and the message come from the error's parts.
fn to_diagnostic(file: &str, text: &str, error: &crate::yaml::Error) -> Diagnostic {
    // The reader's own errors (a control character) are placed by a byte
    // offset only.
    let reader_offset = error.offset();
    let location = match (reader_offset, error.parts()) {
        (Some(offset), _) => Some(location_of(text, offset)),
        // serde places a duplicate field at its mapping: here, its key.
        (None, Some(Mismatch::DuplicateKey { later, .. })) => Some(from_yaml(*later)),
        (None, _) => error.location().map(from_yaml),
    };
    let mut message = worded(error);
    if reader_offset.is_some() {
        message.push_str(": remove the character");
    }
    if error.context() == Some("while parsing a block mapping") {
        message.push_str(" (check the indentation: the keys of one mapping must line up)");
    }
    Diagnostic {
        file: file.to_owned(),
        location,
        path: error.path().map(str::to_owned),
        code: error.code(),
        message,
        source_line: location.and_then(|place| source_line(text, place)),
        related: earlier_key(error),
        within: None,
    }
}

/// The earlier copy of a key written twice, as the problem's second place.
fn earlier_key(error: &crate::yaml::Error) -> Option<Related> {
    match error.parts() {
        Some(Mismatch::DuplicateKey {
            path,
            earlier: Some(earlier),
            ..
        }) => Some(Related {
            path: path.clone(),
            location: Some(from_yaml(*earlier)),
        }),
        _ => None,
    }
}

/// The YAML layer's place as a diagnostic's.
fn from_yaml(place: crate::yaml::Location) -> Location {
    Location {
        line: place.line(),
        column: place.column(),
    }
}

/// The line and column (both from 1, the column in characters) of a byte
/// offset in `text`.
fn location_of(text: &str, offset: usize) -> Location {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    Location {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// The error's message, with serde's own kinds of error (from their parts)
/// worded in the terms of YAML (a list, a mapping, text, a number) rather
/// than Rust's (a sequence, a map, a string, u32, struct Host), with the fix
/// for a single value written where a list belongs, and the nearest valid
/// choice for an unknown key or value.
fn worded(error: &crate::yaml::Error) -> String {
    match error.parts() {
        Some(Mismatch::Invalid { found, expected }) => invalid(found, expected),
        Some(Mismatch::UnknownKey { found, expected }) => unknown("key", found, expected),
        Some(Mismatch::UnknownValue { found, expected }) => unknown("value", found, expected),
        Some(Mismatch::MissingKey(key)) => {
            let example = if *key == "version" {
                " (`version: 1`)"
            } else {
                ""
            };
            format!("missing required key `{key}`: add it{example}")
        }
        Some(Mismatch::DuplicateKey { .. }) | None => error.message(),
    }
}

/// "found the text "x", expected a list: write it as a list, such as `[x]`".
fn invalid(found: &Found, expected: &str) -> String {
    let (found, scalar) = match found {
        Found::Text(text) => (format!("the text {text:?}"), Some(text.clone())),
        Found::Number(number) => (format!("the number {number}"), Some(number.clone())),
        Found::Bool(value) => (
            format!("`{value}` (true or false)"),
            Some(value.to_string()),
        ),
        Found::List => ("a list".to_owned(), None),
        Found::Mapping => ("a mapping".to_owned(), None),
        Found::Empty => ("an empty value".to_owned(), None),
        Found::Other(other) => (other.clone(), None),
    };
    let expected = match expected {
        "a sequence" => "a list",
        "a map" => "a mapping",
        "a string" => "text",
        "a boolean" => "true or false",
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "usize" => "a whole number",
        other if other.starts_with("struct ") => "a mapping",
        other => other,
    };
    let fix = match (expected, scalar) {
        ("a list", Some(value)) => format!(": write it as a list, such as `[{value}]`"),
        _ => String::new(),
    };
    format!("found {found}, expected {expected}{fix}")
}

/// "unknown key `x`: did you mean `y`? (valid: a, y)".
fn unknown(what: &str, found: &str, expected: &[&str]) -> String {
    let choices = expected.join(", ");
    match closest(found, expected.iter().copied()) {
        Some(nearest) => {
            format!("unknown {what} `{found}`: did you mean `{nearest}`? (valid: {choices})")
        }
        None => format!("unknown {what} `{found}` (valid: {choices})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::yaml::Error as YamlError;
    use serde::de::{Error as _, Unexpected};

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        let error = YamlError::unknown_field("interfce", &["address", "services", "interface"]);
        assert_eq!(
            worded(&error),
            "unknown key `interfce`: did you mean `interface`? \
             (valid: address, services, interface)"
        );
    }

    #[test]
    fn type_errors_speak_yaml() {
        for (error, ours) in [
            (
                YamlError::invalid_type(Unexpected::Seq, &"a mapping of keys (address, services)"),
                "found a list, expected a mapping of keys (address, services)",
            ),
            (
                YamlError::invalid_type(Unexpected::Str("198.51.100.1"), &"a sequence"),
                "found the text \"198.51.100.1\", expected a list: write it as a list, such \
                 as `[198.51.100.1]`",
            ),
            (
                YamlError::invalid_type(Unexpected::Unsigned(80), &"a sequence"),
                "found the number 80, expected a list: write it as a list, such as `[80]`",
            ),
            (
                YamlError::invalid_type(Unexpected::Map, &"struct Host"),
                "found a mapping, expected a mapping",
            ),
            (
                YamlError::invalid_value(Unexpected::Signed(-1), &"a whole number of seconds"),
                "found the number -1, expected a whole number of seconds",
            ),
            (
                YamlError::invalid_type(Unexpected::Float(1.5), &"u32"),
                "found the number 1.5, expected a whole number",
            ),
            (
                YamlError::invalid_type(Unexpected::Float(2.0), &"u32"),
                "found the number 2.0, expected a whole number",
            ),
            (
                YamlError::invalid_type(Unexpected::Bool(true), &"a string"),
                "found `true` (true or false), expected text",
            ),
        ] {
            assert_eq!(worded(&error), ours, "{error}");
        }
    }

    #[test]
    fn unknown_variants_suggest_the_nearest() {
        let error = YamlError::unknown_variant("nettools", &["iproute2", "net-tools"]);
        assert_eq!(
            worded(&error),
            "unknown value `nettools`: did you mean `net-tools`? (valid: iproute2, net-tools)"
        );
    }

    #[test]
    fn syntax_errors_show_their_place_apart_and_reader_errors_by_offset() {
        let text = "version: 1\nservices:\n  www:\n    vips: [192.0.2.1]\n   ports: [80]\n";
        let error = parse("i.yaml", text).unwrap_err();
        let place = error.location.map(|place| (place.line, place.column));
        assert_eq!(place, Some((5, 4)), "{}", error.message);
        assert!(
            !error.message.contains("line 5 column 4"),
            "{}",
            error.message
        );
        let error = parse("i.yaml", "version: 1\nhosts:\n  a\u{1}: {}\n").unwrap_err();
        let place = error.location.map(|place| (place.line, place.column));
        assert_eq!(place, Some((3, 4)), "{}", error.message);
        assert!(error.message.ends_with(": remove the character"));
        assert!(!error.message.contains("position"), "{}", error.message);
    }

    /// A problem found after parsing is placed at its value; the other of
    /// two at its own; a key not written at its mapping; a path not written
    /// anywhere stays unplaced.
    #[test]
    fn problems_found_after_parsing_are_placed_by_path() {
        let text = "version: 1\nservices:\n  www: {vips: [192.0.2.9, 192.0.2.9]}\n\
                    hosts:\n  a:\n    address: 192.0.2.1\n    services: [www]\n";
        let diagnostic = |path: &str| Diagnostic::at_path("i.yaml", Code::DuplicateVip, path, "x");
        let mut problems = [
            diagnostic("services.www.vips[1]").also("services.www.vips[0]"),
            diagnostic("hosts.a"),
            diagnostic("hosts.a.address"),
            diagnostic("services.www.ports").within("services.www"),
            diagnostic("vrrp"),
        ];
        locate(text, &mut problems);
        let places: Vec<_> = problems
            .iter()
            .map(|problem| {
                let place = |location: Option<Location>| location.map(|l| (l.line, l.column));
                let related = problem.related.as_ref().and_then(|r| place(r.location));
                (place(problem.location), related)
            })
            .collect();
        assert_eq!(
            places,
            [
                (Some((3, 27)), Some((3, 16))),
                (Some((5, 3)), None),
                (Some((6, 14)), None),
                (Some((3, 3)), None),
                (None, None),
            ]
        );
        assert_eq!(
            problems[2].source_line.as_deref(),
            Some("    address: 192.0.2.1")
        );
    }

    /// A value reached through an alias is placed where its anchor wrote
    /// it; a text that ends in a block scalar without a line break (which
    /// libyaml-safer cannot read as it is) is placed all the same.
    #[test]
    fn aliases_and_a_block_scalar_at_the_end_are_placed() {
        let text = "a: &list [x, y]\nb: *list\nc: |\n  text";
        let mut problems = [
            Diagnostic::at_path("i.yaml", Code::InvalidValue, "b[1]", "x"),
            Diagnostic::at_path("i.yaml", Code::InvalidValue, "c", "x"),
        ];
        locate(text, &mut problems);
        let places: Vec<_> = problems
            .iter()
            .map(|problem| problem.location.map(|l| (l.line, l.column)))
            .collect();
        assert_eq!(places, [Some((1, 14)), Some((3, 4))]);
    }

    /// Each kind of error gets its code and its path from the error itself,
    /// and the message holds neither the code nor a control character.
    #[test]
    fn each_kind_of_error_has_its_code_and_path() {
        for (text, code, path) in [
            (
                "version: 1\nhosts:\n  a:\n    adress: 192.0.2.1\n",
                Code::UnknownKey,
                Some("hosts.a"),
            ),
            (
                "version: 1\ndefaults:\n  style: nettools\n",
                Code::UnknownValue,
                Some("defaults.style"),
            ),
            ("hosts: {}\n", Code::MissingKey, None),
            ("version: 1\nhosts: [a]\n", Code::InvalidType, Some("hosts")),
            ("version: 1\nversion: 1\n", Code::DuplicateKey, None),
            (
                "version: 1\nhosts:\n  a:\n    address: 192.0.2.300\n",
                Code::InvalidHostAddress,
                Some("hosts.a.address"),
            ),
            ("version: 2\n", Code::UnsupportedVersion, Some("version")),
            ("version: \"1\n", Code::YamlSyntax, None),
        ] {
            let error = parse("i.yaml", text).unwrap_err();
            assert_eq!((error.code, error.path.as_deref()), (code, path), "{text}");
            assert!(!error.message.contains(code.as_str()), "{}", error.message);
            assert!(
                !error.message.contains(char::is_control),
                "{}",
                error.message
            );
        }
    }

    /// A key written twice is placed at its later copy, and names the
    /// earlier one.
    #[test]
    fn duplicate_hosts_are_refused_with_both_places() {
        let text =
            "version: 1\nhosts:\n  a:\n    address: 192.0.2.1\n  a:\n    address: 192.0.2.2\n";
        let error = parse("i.yaml", text).unwrap_err();
        assert!(
            error.message.contains("duplicate key `a`"),
            "{}",
            error.message
        );
        assert_eq!(error.location.map(|l| l.line), Some(5));
        assert!(error.to_string().contains("(also at 3:3)"), "{error}");
        let related = error.related.expect("the earlier copy");
        assert_eq!(related.path, "hosts.a");
        assert_eq!(related.location, Some(Location { line: 3, column: 3 }));
    }
}
