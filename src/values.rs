//! The inventory's scalar values, each a type that parses and checks itself.
//!
//! Every value that ends up in a generated file (addresses, names, ports,
//! sysctl keys and values, paths) has its own `Deserialize` here, so a bad
//! value is refused while the YAML parser still knows its line and column,
//! and so nothing that reaches a template can carry a newline, a quote or any
//! other character that would add a line to a config file.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use ipnet::IpNet;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::Deserialize;
use serde_json::json;

use crate::code::Code;
use crate::diagnostic::error_with_code;

/// Implements `Deserialize` for a type from its `FromStr`, so that the
/// parse error (a full sentence) is reported at the value's location.
macro_rules! deserialize_from_str {
    ($type:ty, $code:expr, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(FromStrVisitor::<$type>::new($code, $expecting))
            }
        }
    };
}

/// Implements `Deserialize` as above and `JsonSchema` from a JSON literal:
/// the schema sits next to the parsing code it describes, and takes the
/// same description.
macro_rules! value_type {
    ($type:ty, $code:expr, $expecting:literal, $schema:tt) => {
        deserialize_from_str!($type, $code, $expecting);
        impl JsonSchema for $type {
            fn schema_name() -> Cow<'static, str> {
                stringify!($type).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                let mut schema = json_schema!($schema);
                schema.insert("description".into(), $expecting.into());
                schema
            }
        }
    };
}

/// An IPv4 address in dotted-quad form without leading zeros, as Rust's
/// parser reads it (a JSON Schema pattern, without anchors).
const IPV4_PATTERN: &str = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}";
/// The characters of an IPv6 address, with at least one colon: a pattern
/// cannot say more in a readable way; the parser checks the rest.
const IPV6_PATTERN: &str = "[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*";
/// One label of an RFC 1123 host name.
const LABEL_PATTERN: &str = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/// A Linux device name's characters and length (see `is_linux_device_name`).
const DEVICE_PATTERN: &str = "[A-Za-z0-9_.-]{1,15}";
/// Printable ASCII without space, `"`, `'`, `\\`, `#`, `{` and `}`: safe in
/// keepalived.conf.
const KEEPALIVED_WORD_CLASS: &str = r"!$-&(-\[\]-z|~";

/// A visitor that accepts strings (and, for convenience, integers written
/// without quotes) and hands them to `FromStr`; its errors carry `code`.
struct FromStrVisitor<T> {
    code: Code,
    expecting: &'static str,
    _type: std::marker::PhantomData<T>,
}

impl<T> FromStrVisitor<T> {
    fn new(code: Code, expecting: &'static str) -> Self {
        FromStrVisitor {
            code,
            expecting,
            _type: std::marker::PhantomData,
        }
    }
}

impl<T: FromStr<Err = String>> Visitor<'_> for FromStrVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        value
            .parse()
            .map_err(|message: String| error_with_code(self.code, message))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        self.visit_str(&value.to_string())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        self.visit_str(&value.to_string())
    }
}

/// The inventory format version; only 1 exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version;

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct VersionVisitor;
        impl Visitor<'_> for VersionVisitor {
            type Value = Version;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("the number 1 (write `version: 1`)")
            }
            fn visit_u64<E: de::Error>(self, number: u64) -> Result<Version, E> {
                if number == 1 {
                    Ok(Version)
                } else {
                    Err(error_with_code(
                        Code::UnsupportedVersion,
                        format!(
                            "unsupported inventory version {number}: this lvs-dr-gen reads version 1"
                        ),
                    ))
                }
            }
            fn visit_i64<E: de::Error>(self, number: i64) -> Result<Version, E> {
                Err(E::invalid_value(Unexpected::Signed(number), &self))
            }
        }
        deserializer.deserialize_any(VersionVisitor)
    }
}

impl JsonSchema for Version {
    fn schema_name() -> Cow<'static, str> {
        "Version".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"description": "The inventory format version: 1.", "const": 1})
    }
}

/// A virtual IP: one IPv4 or IPv6 address that the directors balance and
/// every real server of the service carries as a host address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Vip(IpAddr);

impl FromStr for Vip {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let not_an_address = || format!("`{}` is not an IPv4 or IPv6 address", text.escape_debug());
        let address = if text.contains('/') {
            let network: IpNet = text.parse().map_err(|_| not_an_address())?;
            if network.prefix_len() != network.max_prefix_len() {
                return Err(format!(
                    "VIP `{text}` has prefix /{}: a VIP is a single address (/{}); \
                     LVS direct routing needs host routes, and a wider prefix on lo would make \
                     the whole range local to this server",
                    network.prefix_len(),
                    network.max_prefix_len()
                ));
            }
            network.addr()
        } else {
            text.parse::<IpAddr>().map_err(|_| not_an_address())?
        };
        check_unicast(address, "a VIP")?;
        Ok(Vip(address))
    }
}

value_type!(Vip, Code::InvalidVip, "an IP address such as 198.51.100.10 or 2001:db8::10",
    {"type": "string", "pattern": format!("^({IPV4_PATTERN}(/32)?|{IPV6_PATTERN}(/128)?)$")}
);

/// A host's own address on the segment it shares with the directors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostAddress(IpAddr);

impl FromStr for HostAddress {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let address: IpAddr = text.parse().map_err(|_| {
            format!(
                "`{}` is not an IPv4 or IPv6 address (write the address alone, without a prefix)",
                text.escape_debug()
            )
        })?;
        check_unicast(address, "a host address")?;
        Ok(HostAddress(address))
    }
}

value_type!(HostAddress, Code::InvalidHostAddress, "an IP address such as 192.0.2.11",
    {"type": "string", "pattern": format!("^({IPV4_PATTERN}|{IPV6_PATTERN})$")}
);

/// Refuses addresses that can never be a routable unicast address of a host.
fn check_unicast(address: IpAddr, what: &str) -> Result<(), String> {
    let reason = match address {
        _ if address.is_unspecified() => Some("the unspecified address"),
        _ if address.is_loopback() => Some("a loopback address"),
        _ if address.is_multicast() => Some("a multicast address"),
        IpAddr::V4(v4) if v4.is_broadcast() => Some("the broadcast address"),
        IpAddr::V4(v4) if v4.is_link_local() => Some("a link-local address"),
        IpAddr::V6(v6) if v6.is_unicast_link_local() => Some("a link-local address"),
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => {
            Some("an IPv4-mapped IPv6 address (write the IPv4 address)")
        }
        _ => None,
    };
    match reason {
        Some(reason) => Err(format!("{address} is {reason}, which cannot be {what}")),
        None => Ok(()),
    }
}

/// A host name (RFC 1123): it names the host's folder in the output tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostName(String);

impl FromStr for HostName {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if text.len() <= 253 && text.split('.').all(label_ok) {
            Ok(HostName(text.to_owned()))
        } else {
            Err(format!(
                "`{}` is not a valid host name: use RFC 1123 names, dot-separated labels of \
                 1-63 letters, digits and hyphens that neither start nor end with a hyphen",
                text.escape_debug()
            ))
        }
    }
}

value_type!(HostName, Code::InvalidHostName, "a host name such as webserver01",
    {"type": "string", "maxLength": 253, "pattern": format!("^{LABEL_PATTERN}(\\.{LABEL_PATTERN})*$")}
);

impl fmt::Display for HostName {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// The name of a service (a set of VIPs balanced together).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceName(String);

impl FromStr for ServiceName {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let valid = (1..=63).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if valid {
            Ok(ServiceName(text.to_owned()))
        } else {
            Err(format!(
                "`{}` is not a valid service name: use 1-63 letters, digits, `_`, `.` or `-`",
                text.escape_debug()
            ))
        }
    }
}

value_type!(ServiceName, Code::InvalidServiceName, "a service name such as www",
    {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,63}$"}
);

impl fmt::Display for ServiceName {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// The name of a VRRP group (`vrrp.groups`): keepalived's
/// `vrrp_sync_group` of the group, and the start of its instances' names
/// (`NAME_ipv4`, `NAME_ipv6`); the notify scripts get it as an argument.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupName(String);

impl FromStr for GroupName {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let valid = (1..=63).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if valid {
            Ok(GroupName(text.to_owned()))
        } else {
            Err(format!(
                "`{}` is not a valid VRRP group name: use 1-63 letters, digits, `_`, `.` or `-`",
                text.escape_debug()
            ))
        }
    }
}

value_type!(GroupName, Code::InvalidGroupName, "a VRRP group name such as web",
    {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,63}$"}
);

impl fmt::Display for GroupName {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Where a host carries its VIPs: a dummy interface it creates, or `lo`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InterfaceName(String);

/// Prefixes of the names Linux and udev give network cards: a VIP on such an
/// interface would be answered by ARP, since `arp_ignore=1` replies for any
/// address configured on the interface the request came in on.
const NETWORK_CARD_PREFIXES: [&str; 4] = ["eth", "en", "wl", "ww"];

impl FromStr for InterfaceName {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if !is_linux_device_name(text) {
            return Err(format!(
                "`{}` is not a valid interface name: use `lo` or 1-15 letters, digits, `_`, `.` \
                 or `-` (Linux's limit), such as dummy0",
                text.escape_debug()
            ));
        }
        if let Some(prefix) = NETWORK_CARD_PREFIXES.iter().find(|p| text.starts_with(*p)) {
            return Err(format!(
                "`{text}` looks like a network card (it starts with `{prefix}`): the VIPs must \
                 sit on a dummy interface such as dummy0, or on lo, never on the interface that \
                 receives ARP requests, or this server would answer ARP for them"
            ));
        }
        Ok(InterfaceName(text.to_owned()))
    }
}

value_type!(InterfaceName, Code::InvalidInterface, "an interface name such as dummy0 or lo",
    {"type": "string", "pattern": format!("^(?!({})){DEVICE_PATTERN}$", NETWORK_CARD_PREFIXES.join("|")), "not": {"enum": [".", ".."]}}
);

impl InterfaceName {
    /// Whether this is the loopback interface rather than a dummy one.
    pub fn is_loopback(&self) -> bool {
        self.0 == "lo"
    }
}

impl fmt::Display for InterfaceName {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Whether Linux accepts `text` as a network device name: 1-15 letters,
/// digits, `_`, `.` or `-`, not `.` or `..` (`dev_valid_name` in the kernel,
/// narrowed to characters that are safe in every config file).
fn is_linux_device_name(text: &str) -> bool {
    (1..=15).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && text != "."
        && text != ".."
}

/// The network card a director uses on the real servers' segment: it sends
/// the VRRP advertisements and carries the VIPs while it is the master.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NetworkDevice(String);

impl FromStr for NetworkDevice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text == "lo" {
            return Err(
                "a director's `interface` is the network card on the real servers' segment, \
                 not `lo`: VRRP advertisements and the forwarded packets leave through it"
                    .to_owned(),
            );
        }
        if !is_linux_device_name(text) {
            return Err(format!(
                "`{}` is not a valid interface name: use 1-15 letters, digits, `_`, `.` or `-` \
                 (Linux's limit), such as eth0",
                text.escape_debug()
            ));
        }
        Ok(NetworkDevice(text.to_owned()))
    }
}

value_type!(NetworkDevice, Code::InvalidNetworkDevice, "an interface name such as eth0",
    {"type": "string", "pattern": format!("^{DEVICE_PATTERN}$"), "not": {"enum": [".", "..", "lo"]}}
);

/// A host's own addresses: one address, or a list with at most one IPv4 and
/// one IPv6 address (the directors send a VIP's packets to the address of
/// the VIP's family).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAddresses(Vec<IpAddr>);

impl<'de> Deserialize<'de> for HostAddresses {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AddressesVisitor;
        impl<'de> Visitor<'de> for AddressesVisitor {
            type Value = HostAddresses;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str(
                    "an IP address such as 192.0.2.11, or a list of one IPv4 and one IPv6 address",
                )
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<HostAddresses, E> {
                let address: HostAddress = text.parse().map_err(|message: String| {
                    error_with_code(Code::InvalidHostAddress, message)
                })?;
                Ok(HostAddresses(vec![address.0]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<HostAddresses, A::Error> {
                let mut addresses: Vec<IpAddr> = Vec::new();
                while let Some(HostAddress(address)) = seq.next_element()? {
                    if addresses
                        .iter()
                        .any(|seen| seen.is_ipv4() == address.is_ipv4())
                    {
                        return Err(error_with_code(
                            Code::InvalidHostAddresses,
                            format!("{address}: a host has at most one IPv4 and one IPv6 address"),
                        ));
                    }
                    addresses.push(address);
                }
                if addresses.is_empty() {
                    return Err(error_with_code(
                        Code::InvalidHostAddresses,
                        "the address list is empty: write the host's own address",
                    ));
                }
                Ok(HostAddresses(addresses))
            }
        }
        deserializer.deserialize_any(AddressesVisitor)
    }
}

impl JsonSchema for HostAddresses {
    fn schema_name() -> Cow<'static, str> {
        "HostAddresses".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let address = generator.subschema_for::<HostAddress>();
        // Two addresses of one family: both IPv4, or both IPv6.
        let same_family =
            |pattern: &str| json!({"minItems": 2, "items": {"pattern": format!("^({pattern})$")}});
        json_schema!({
            "description": "An IP address, or a list of one IPv4 and one IPv6 address.",
            "anyOf": [
                address,
                {
                    "type": "array",
                    "items": address,
                    "minItems": 1,
                    "maxItems": 2,
                    "not": {"anyOf": [same_family(IPV4_PATTERN), same_family(IPV6_PATTERN)]}
                }
            ]
        })
    }
}

/// The L2 segment the directors and real servers share, as a prefix such as
/// `192.0.2.0/24`: direct routing only reaches real servers on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment(IpNet);

impl FromStr for Segment {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let network: IpNet = text.parse().map_err(|_| {
            format!(
                "`{}` is not a network prefix: write it as 192.0.2.0/24 or 2001:db8::/64",
                text.escape_debug()
            )
        })?;
        if network.trunc() != network {
            return Err(format!(
                "`{text}` has host bits set: the segment's prefix is {}",
                network.trunc()
            ));
        }
        Ok(Segment(network))
    }
}

impl Segment {
    /// The segment of `length` bits around `address`, such as the /24 of
    /// 192.0.2.7: a network, so none of the checks above can fail.
    pub fn around(address: IpAddr, length: u8) -> Option<Segment> {
        IpNet::new(address, length)
            .ok()
            .map(|net| Segment(net.trunc()))
    }
}

value_type!(Segment, Code::InvalidSegment, "a network prefix such as 192.0.2.0/24",
    {"type": "string", "pattern": format!("^({IPV4_PATTERN}/(3[0-2]|[12]?[0-9])|{IPV6_PATTERN}/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$")}
);

/// A whole number from `MIN` to `MAX`, such as a VRRP priority or a weight;
/// the error names the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranged<const MIN: u32, const MAX: u32>(u32);

impl<'de, const MIN: u32, const MAX: u32> Deserialize<'de> for Ranged<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RangedVisitor<const MIN: u32, const MAX: u32>;
        impl<const MIN: u32, const MAX: u32> Visitor<'_> for RangedVisitor<MIN, MAX> {
            type Value = Ranged<MIN, MAX>;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                write!(formatter, "a whole number from {MIN} to {MAX}")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
                match u32::try_from(value) {
                    Ok(number) if (MIN..=MAX).contains(&number) => Ok(Ranged(number)),
                    _ => Err(error_with_code(
                        Code::OutOfRange,
                        format!(
                            "{value} is out of range: write a whole number from {MIN} to {MAX}"
                        ),
                    )),
                }
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
                match u64::try_from(value) {
                    Ok(value) => self.visit_u64(value),
                    Err(_) => Err(error_with_code(
                        Code::OutOfRange,
                        format!(
                            "{value} is out of range: write a whole number from {MIN} to {MAX}"
                        ),
                    )),
                }
            }
        }
        deserializer.deserialize_any(RangedVisitor::<MIN, MAX>)
    }
}

impl<const MIN: u32, const MAX: u32> JsonSchema for Ranged<MIN, MAX> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Ranged_{MIN}_{MAX}").into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "integer", "minimum": MIN, "maximum": MAX})
    }
}

/// A VRRP priority: 1-254 (255 is reserved for the owner of the addresses).
pub type Priority = Ranged<1, 254>;
/// A VRRP virtual router id, unique on the segment.
pub type RouterId = Ranged<1, 255>;
/// A VRRP advertisement interval in seconds.
pub type AdvertInterval = Ranged<1, 255>;
/// Seconds a returning director waits before it takes a VRRP group back
/// (keepalived's `preempt_delay`, 0 to 1000).
pub type PreemptDelay = Ranged<0, 1000>;
/// A real server's IPVS weight; 0 sends it no new connections (drained).
pub type Weight = Ranged<0, 65535>;
/// A TCP or UDP port number.
pub type Port = Ranged<1, 65535>;
/// An HTTP status code.
pub type StatusCode = Ranged<100, 599>;
/// The minimum total weight of a virtual server's healthy real servers
/// (keepalived's `quorum`).
pub type Quorum = Ranged<1, 1_000_000_000>;
/// How far the healthy weight may swing around the quorum before the
/// virtual server changes side (keepalived's `hysteresis`).
pub type Hysteresis = Ranged<0, 1_000_000_000>;
/// A health-check interval or timeout in seconds.
pub type CheckSeconds = Ranged<1, 3600>;
/// How often a failed health check is retried before the server is removed.
pub type Retries = Ranged<0, 100>;

/// A real server's drain: `true` for every service it serves, or the names
/// of the services it is drained in. A drained real server keeps its VIPs
/// but the directors give it weight 0: no new connections, established
/// ones finish. The way to take a real server or a VIP out without failing
/// a request: drain it in one rollout, remove it in the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drain {
    /// `true` or `false`: every service, or none.
    All(bool),
    /// Only these services.
    Services(Vec<ServiceName>),
}

impl<'de> Deserialize<'de> for Drain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Drain, D::Error> {
        struct DrainVisitor;
        impl<'de> Visitor<'de> for DrainVisitor {
            type Value = Drain;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("true, false, or a list of the host's services such as [www]")
            }
            fn visit_bool<E: de::Error>(self, drained: bool) -> Result<Drain, E> {
                Ok(Drain::All(drained))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Drain, A::Error> {
                let mut services = Vec::new();
                while let Some(service) = seq.next_element::<ServiceName>()? {
                    services.push(service);
                }
                if services.is_empty() {
                    return Err(error_with_code(
                        Code::InvalidDrain,
                        "the drain list is empty: write `drain: false`, or name the services to drain",
                    ));
                }
                Ok(Drain::Services(services))
            }
        }
        deserializer.deserialize_any(DrainVisitor)
    }
}

impl JsonSchema for Drain {
    fn schema_name() -> Cow<'static, str> {
        "Drain".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let service = generator.subschema_for::<ServiceName>();
        json_schema!({
            "description": "true drains the host in every service it serves, a list only in those services: the directors give it weight 0 (no new connections; established ones finish).",
            "anyOf": [
                {"type": "boolean"},
                {"type": "array", "items": service, "minItems": 1}
            ]
        })
    }
}

/// An IPVS scheduler, as keepalived's `lvs_sched` names it (ipvsadm(8)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheduler {
    /// Round robin.
    Rr,
    /// Weighted round robin.
    Wrr,
    /// Least connections.
    Lc,
    /// Weighted least connections (IPVS's default).
    Wlc,
    /// Locality-based least connections.
    Lblc,
    /// Locality-based least connections with replication.
    Lblcr,
    /// Destination hashing.
    Dh,
    /// Source hashing.
    Sh,
    /// Shortest expected delay.
    Sed,
    /// Never queue.
    Nq,
    /// Weighted failover.
    Fo,
    /// Weighted overflow.
    Ovf,
    /// Maglev hashing.
    Mh,
}

/// The VRRP password (`auth_type PASS`): VRRP version 2 carries at most 8
/// characters, and keepalived would cut a longer one silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrrpPassword(String);

impl FromStr for VrrpPassword {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let printable = text.bytes().all(|b| {
            b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\' | b'#' | b'!' | b'{' | b'}')
        });
        if (1..=8).contains(&text.len()) && printable {
            Ok(VrrpPassword(text.to_owned()))
        } else {
            Err(
                "a VRRP password is 1-8 printable ASCII characters without spaces, quotes, `\\`, \
                 `#`, `!`, `{` or `}` (VRRP version 2 carries 8; keepalived would cut a longer one)"
                    .to_owned(),
            )
        }
    }
}

value_type!(VrrpPassword, Code::InvalidVrrpPassword, "a password of 1-8 characters",
    {"type": "string", "pattern": format!("^[{}]{{1,8}}$", KEEPALIVED_WORD_CLASS.replace('!', ""))}
);

/// Which commands the interfaces stanza uses to add the VIPs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    /// `ip addr add`, from iproute2 (always present: ifupdown depends on it).
    Iproute2,
    /// `ifconfig` with alias labels, from net-tools (must be installed).
    NetTools,
}

/// Which network configuration system of the real server reads the VIPs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Stack {
    /// ifupdown: a stanza in /etc/network/interfaces.d (Debian's classic
    /// installs).
    Ifupdown,
    /// systemd-networkd: a `.netdev` and a `.network` in
    /// /etc/systemd/network (Debian 12 and 13, cloud images included).
    Networkd,
    /// netplan: a YAML file in /etc/netplan; a dummy interface needs
    /// netplan.io 0.107 or later (`release: trixie`).
    Netplan,
}

impl Stack {
    /// The stack's name as written in the inventory.
    pub fn name(self) -> &'static str {
        match self {
            Stack::Ifupdown => "ifupdown",
            Stack::Networkd => "networkd",
            Stack::Netplan => "netplan",
        }
    }
}

/// The Debian release a real server runs, where a stack's files depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Release {
    /// Debian 12.
    Bookworm,
    /// Debian 13.
    Trixie,
}

/// A transport protocol of a balanced port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// TCP, the default.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// The protocol's name as written in the inventory.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A balanced port: `80`, `443/tcp` or `53/udp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortSpec {
    /// The port number, 1-65535.
    port: u16,
    /// The protocol; TCP when not written.
    protocol: Protocol,
}

impl PortSpec {
    /// The port number, 1-65535.
    pub fn port(self) -> u16 {
        self.port
    }

    /// The protocol.
    pub fn protocol(self) -> Protocol {
        self.protocol
    }
}

impl FromStr for PortSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (number, protocol) = match text.split_once('/') {
            None => (text, Protocol::Tcp),
            Some((number, "tcp")) => (number, Protocol::Tcp),
            Some((number, "udp")) => (number, Protocol::Udp),
            Some((_, other)) => {
                return Err(format!(
                    "unknown protocol `{}` in port `{}`: write `tcp` or `udp`, as in `443/tcp`",
                    other.escape_debug(),
                    text.escape_debug()
                ))
            }
        };
        match number.parse::<u32>() {
            Ok(port @ 1..=65535) => Ok(PortSpec {
                port: u16::try_from(port).expect("range checked"),
                protocol,
            }),
            Ok(port) => Err(format!("port {port} is out of range: ports are 1-65535")),
            Err(_) => Err(format!(
                "`{}` is not a port: write a number 1-65535, optionally with `/tcp` or `/udp`",
                text.escape_debug()
            )),
        }
    }
}

value_type!(PortSpec, Code::InvalidPort, "a port such as 80, 443/tcp or 53/udp",
    {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535}, {"type": "string", "pattern": "^[0-9]{1,5}(/(tcp|udp))?$"}]}
);

impl fmt::Display for PortSpec {
    /// As the inventory writes it most shortly: `80` (TCP), `53/udp`.
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        match self.protocol {
            Protocol::Tcp => write!(formatter, "{}", self.port),
            Protocol::Udp => write!(formatter, "{}/udp", self.port),
        }
    }
}

/// What a director's health check speaks to a real server's port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    /// Plain HTTP: keepalived's `HTTP_GET` fetches `path`.
    Http,
    /// HTTP over TLS: keepalived's `SSL_GET` fetches `path`.
    Https,
    /// A TCP connection only: keepalived's `TCP_CHECK`.
    Tcp,
    /// A UDP datagram (`send`), and with `reply` its answer: keepalived's `UDP_CHECK`.
    Udp,
    /// A DNS question (`query`) answered without error: keepalived's `DNS_CHECK`.
    Dns,
}

impl CheckKind {
    /// Whether the check fetches a page (and so needs its `path`).
    pub fn fetches_page(self) -> bool {
        matches!(self, CheckKind::Http | CheckKind::Https)
    }

    /// The transport the check speaks: UDP for `udp` and `dns`, TCP for
    /// the others.
    pub fn protocol(self) -> Protocol {
        match self {
            CheckKind::Udp | CheckKind::Dns => Protocol::Udp,
            CheckKind::Http | CheckKind::Https | CheckKind::Tcp => Protocol::Tcp,
        }
    }

    /// Its name as the inventory writes it.
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Http => "http",
            CheckKind::Https => "https",
            CheckKind::Tcp => "tcp",
            CheckKind::Udp => "udp",
            CheckKind::Dns => "dns",
        }
    }
}

/// The longest `send` or `reply` of a UDP check, in bytes: keepalived
/// reads its configuration in lines of at most 1023 characters (fgets into
/// 1024 bytes), and a longer hex string would be cut into two lines.
pub const MAX_UDP_BYTES: usize = 256;

/// A hex string of at most [`MAX_UDP_BYTES`] bytes, as keepalived reads
/// it: two digits a byte, optionally spaced between bytes (`1b 00 04`),
/// and, where `wildcard`, `x` for a digit that may be anything. Returns the
/// digits in lower case without spaces.
fn parse_hex(text: &str, wildcard: bool) -> Result<String, String> {
    let hex = text.replace(' ', "").to_ascii_lowercase();
    let digits_only = hex
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || (wildcard && b == b'x'));
    let grouped = text.split(' ').all(|group| group.len() % 2 == 0);
    // `0x1b` is far more often a C-style prefix than a byte whose second
    // digit may be anything: refused, so that it is written as meant.
    let prefixed = hex.starts_with("0x");
    if hex.is_empty() || !digits_only || !grouped || prefixed {
        let any = if wildcard {
            ", and `x` for a digit that may be anything"
        } else {
            " (`x`, any digit, is for `reply`: a datagram is sent as written)"
        };
        return Err(format!(
            "`{}` is not hex bytes: write two hex digits a byte without `0x`, such as `1b00` or \
             `1b 00`{any}",
            text.escape_debug()
        ));
    }
    if hex.len() / 2 > MAX_UDP_BYTES {
        return Err(format!(
            "{} bytes is more than a UDP check takes: at most {MAX_UDP_BYTES} (keepalived reads \
             its configuration in lines of at most 1023 characters)",
            hex.len() / 2
        ));
    }
    Ok(hex)
}

/// The datagram a UDP check sends (`send`), as hex: two digits a byte,
/// optionally spaced between bytes (`1b 00 04`). Kept as keepalived reads
/// it: lower case, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpPayload(String);

impl FromStr for UdpPayload {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        parse_hex(text, false).map(UdpPayload)
    }
}

value_type!(UdpPayload, Code::InvalidHexBytes, "hex bytes such as 1b00 or \"1b 00\"",
    {"type": "string", "pattern": "^ *([0-9A-Fa-f]{2} *)+$"}
);

/// The start of the answer a UDP check needs (`reply`), as hex: two digits
/// a byte, optionally spaced between bytes, `x` for a digit that may be
/// anything (`1c xx`). Kept as keepalived reads it: lower case, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpReply(String);

impl FromStr for UdpReply {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        parse_hex(text, true).map(UdpReply)
    }
}

value_type!(UdpReply, Code::InvalidHexBytes, "hex bytes such as 1c00 or \"1c xx\" (x: any digit)",
    {"type": "string", "pattern": "^ *([0-9A-Fa-fXx]{2} *)+$"}
);

/// The longest domain name in DNS (RFC 1035: 255 octets on the wire, 253
/// characters written without the final dot).
const MAX_DNS_NAME: usize = 253;

/// The name a DNS check asks for, such as `www.example.org` (a final dot
/// is allowed; `.` alone is the root): labels of 1 to 63 letters, digits,
/// `-` and `_`. keepalived writes each label with a one-byte length, so a
/// longer label would make a question no server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsName(String);

impl FromStr for DnsName {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let labels = text.strip_suffix('.').unwrap_or(text);
        let valid = text == "."
            || (!labels.is_empty()
                && labels.len() <= MAX_DNS_NAME
                && labels.split('.').all(|label| {
                    (1..=63).contains(&label.len())
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                }));
        if valid {
            Ok(DnsName(text.to_owned()))
        } else {
            Err(format!(
                "`{}` is not a domain name a DNS check can ask for: write labels of 1 to 63 \
                 letters, digits, `-` or `_` between dots, at most {MAX_DNS_NAME} characters, \
                 such as `www.example.org` (`.` for the root)",
                text.escape_debug()
            ))
        }
    }
}

value_type!(DnsName, Code::InvalidDnsName, "a domain name such as www.example.org",
    {"type": "string", "maxLength": 254, "pattern": "^(\\.|([A-Za-z0-9_-]{1,63}\\.)*[A-Za-z0-9_-]{1,63}\\.?)$"}
);

/// The record type a DNS check asks for (those keepalived's `DNS_CHECK` knows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum DnsType {
    /// An IPv4 address.
    A,
    /// An IPv6 address.
    Aaaa,
    /// A canonical name.
    Cname,
    /// A mail exchanger.
    Mx,
    /// A name server.
    Ns,
    /// The start of a zone's authority (keepalived's default).
    Soa,
    /// Text.
    Txt,
}

impl DnsType {
    /// The type as keepalived's `type` names it.
    pub fn name(self) -> &'static str {
        match self {
            DnsType::A => "A",
            DnsType::Aaaa => "AAAA",
            DnsType::Cname => "CNAME",
            DnsType::Mx => "MX",
            DnsType::Ns => "NS",
            DnsType::Soa => "SOA",
            DnsType::Txt => "TXT",
        }
    }
}

/// The longest persistence keepalived accepts: `persistence_timeout` is
/// 1 to 2678400 seconds (31 days), and keepalived -t refuses more
/// ("outside range [1, 2678400]"); 0 writes no `persistence_timeout`.
pub const MAX_PERSISTENCE: u32 = 2_678_400;

/// A persistence duration in whole seconds, 0 to [`MAX_PERSISTENCE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(u32);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecondsVisitor;
        impl Visitor<'_> for SecondsVisitor {
            type Value = Seconds;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                write!(
                    formatter,
                    "a whole number of seconds from 0 to {MAX_PERSISTENCE}"
                )
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Seconds, E> {
                match u32::try_from(value) {
                    Ok(seconds) if seconds <= MAX_PERSISTENCE => Ok(Seconds(seconds)),
                    _ => Err(error_with_code(
                        Code::OutOfRange,
                        format!(
                            "{value} seconds is more than keepalived's persistence_timeout takes \
                             ({MAX_PERSISTENCE}, 31 days): write 0 to {MAX_PERSISTENCE}"
                        ),
                    )),
                }
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Seconds, E> {
                u64::try_from(value)
                    .map_err(|_| E::invalid_value(Unexpected::Signed(value), &self))
                    .and_then(|value| self.visit_u64(value))
            }
        }
        deserializer.deserialize_any(SecondsVisitor)
    }
}

impl JsonSchema for Seconds {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Seconds".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "integer", "minimum": 0, "maximum": MAX_PERSISTENCE})
    }
}

/// A kernel parameter name in dotted form, such as `net.ipv4.tcp_syncookies`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SysctlKey(String);

impl FromStr for SysctlKey {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let valid = !text.is_empty()
            && text.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
            })
            && text.split('.').all(|part| !part.is_empty())
            && text.contains('.');
        if valid {
            Ok(SysctlKey(text.to_owned()))
        } else {
            Err(format!(
                "`{}` is not a kernel parameter name: write it dotted, in lower case \
                 (letters, digits, `_`, `-`), such as net.ipv4.tcp_syncookies",
                text.escape_debug()
            ))
        }
    }
}

value_type!(
    SysctlKey, Code::InvalidSysctlKey,
    "a kernel parameter name such as net.ipv4.tcp_syncookies",
    {"type": "string", "pattern": "^[a-z0-9_-]+(\\.[a-z0-9_-]+)+$"}
);

impl fmt::Display for SysctlKey {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A kernel parameter value: an integer, or a string on one line (such as
/// `"32768 60999"` for `net.ipv4.ip_local_port_range`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SysctlValue(String);

impl<'de> Deserialize<'de> for SysctlValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl Visitor<'_> for ValueVisitor {
            type Value = SysctlValue;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("an integer or a string on one line")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<SysctlValue, E> {
                Ok(SysctlValue(value.to_string()))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<SysctlValue, E> {
                Ok(SysctlValue(value.to_string()))
            }
            fn visit_bool<E: de::Error>(self, value: bool) -> Result<SysctlValue, E> {
                Err(error_with_code(
                    Code::InvalidSysctlValue,
                    format!(
                        "`{value}` is not a kernel parameter value: write {}",
                        u8::from(value)
                    ),
                ))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<SysctlValue, E> {
                let printable = value.chars().all(|c| !c.is_control());
                if value.trim().is_empty() || value.trim() != value || !printable {
                    return Err(error_with_code(
                        Code::InvalidSysctlValue,
                        format!(
                            "`{}` is not a usable kernel parameter value: it must be one line of \
                             printable text, not empty and without leading or trailing spaces",
                            value.escape_debug()
                        ),
                    ));
                }
                Ok(SysctlValue(value.to_owned()))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

impl JsonSchema for SysctlValue {
    fn schema_name() -> Cow<'static, str> {
        "SysctlValue".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An integer, or one line of printable text without leading or trailing spaces.",
            "anyOf": [
                {"type": "integer"},
                {"type": "string", "pattern": "^[^\\x00-\\x20\\x7f-\\x9f]([^\\x00-\\x1f\\x7f-\\x9f]*[^\\x00-\\x20\\x7f-\\x9f])?$"}
            ]
        })
    }
}

impl fmt::Display for SysctlValue {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A path relative to a host's root, such as `etc/sysctl.d/60-lvs-dr.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelativePath(PathBuf);

impl FromStr for RelativePath {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let trimmed = text.strip_prefix('/').unwrap_or(text);
        let path = Path::new(trimmed);
        let safe_component = |component: Component| match component {
            Component::Normal(part) => part.to_str().is_some_and(|part| {
                part.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'+'))
            }),
            _ => false,
        };
        if !trimmed.is_empty() && !trimmed.ends_with('/') && path.components().all(safe_component) {
            // Rebuilt from its components: `etc//x` and `etc/./x` are `etc/x`.
            Ok(RelativePath(path.components().collect()))
        } else {
            Err(format!(
                "`{}` is not a usable file path: write a path below the host's root such as \
                 etc/sysctl.d/60-lvs-dr.conf, made of letters, digits, `_`, `.`, `-` and `+`, \
                 without `..`",
                text.escape_debug()
            ))
        }
    }
}

value_type!(
    RelativePath, Code::InvalidPath,
    "a file path such as etc/sysctl.d/60-lvs-dr.conf",
    {"type": "string", "pattern": "^/?[A-Za-z0-9_.+-]+(/+[A-Za-z0-9_.+-]+)*$", "not": {"pattern": "(^|/)\\.\\.?(/|$)"}}
);

impl fmt::Display for RelativePath {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "{}", self.0.display())
    }
}

/// The HTTP path a director's health check fetches, such as `/ldcheck.php`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPath(String);

impl FromStr for UrlPath {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        // keepalived's config tokenizer splits `{` and `}` off any word
        // (keepalived -t: "Unexpected '{'"), so they could open a block.
        let valid = text.starts_with('/')
            && text.bytes().all(|b| {
                b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\' | b'#' | b'{' | b'}')
            });
        if valid {
            Ok(UrlPath(text.to_owned()))
        } else {
            Err(format!(
                "`{}` is not a usable URL path: start it with `/` and use printable ASCII \
                 without spaces, quotes, `\\`, `#`, `{{` or `}}`",
                text.escape_debug()
            ))
        }
    }
}

value_type!(UrlPath, Code::InvalidUrlPath, "a URL path such as /ldcheck.php",
    {"type": "string", "pattern": format!("^/[{KEEPALIVED_WORD_CLASS}]*$")}
);

/// A script keepalived runs on a VRRP state change, such as
/// `/usr/local/sbin/vrrp-alert`: an absolute path of letters, digits, `_`,
/// `.`, `-`, `+` and `/` only, so that it is one word on keepalived's line
/// (no spaces, quotes or newlines: nothing can add an argument or a line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptPath(String);

impl FromStr for ScriptPath {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let safe = text.len() <= 4095
            && text.starts_with('/')
            && !text.ends_with('/')
            && text.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'+' | b'/')
            })
            && text
                .split('/')
                .skip(1)
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if safe {
            Ok(ScriptPath(text.to_owned()))
        } else {
            Err(format!(
                "`{}` is not a usable script path: write an absolute path such as \
                 /usr/local/sbin/vrrp-alert, made of letters, digits, `_`, `.`, `-`, `+` and \
                 `/`, without `..` (arguments are not allowed: keepalived passes the instance, \
                 state and priority; wrap other arguments in a script)",
                text.escape_debug()
            ))
        }
    }
}

value_type!(ScriptPath, Code::InvalidScriptPath, "an absolute script path such as /usr/local/sbin/vrrp-alert",
    {"type": "string", "maxLength": 4095, "pattern": "^(/[A-Za-z0-9_.+-]+)+$", "not": {"pattern": "/\\.\\.?(/|$)"}}
);

/// A single line of printable text, such as the body a health check expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneLine(String);

impl FromStr for OneLine {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text.is_empty() || text.chars().any(char::is_control) {
            Err(format!(
                "`{}` must be one line of printable text, not empty",
                text.escape_debug()
            ))
        } else {
            Ok(OneLine(text.to_owned()))
        }
    }
}

value_type!(OneLine, Code::InvalidText, "one line of text",
    {"type": "string", "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]+$"}
);

/// Read access to each checked value; the only way to make one is to
/// parse it (`FromStr`, `Deserialize`), so none skips its checks. A small
/// value (an address, a number) is handed out as a copy, a larger one by
/// reference.
macro_rules! checked_value {
    ($($type:ty => $inner:ty),* $(,)?) => {
        $(impl $type {
            /// The checked value.
            pub fn get(&self) -> &$inner {
                &self.0
            }
        })*
    };
    ($(copy $type:ty => $inner:ty),* $(,)?) => {
        $(impl $type {
            /// The checked value.
            pub fn get(&self) -> $inner {
                self.0
            }
        })*
    };
}

checked_value! {
    copy Vip => IpAddr,
    copy HostAddress => IpAddr,
    copy Segment => IpNet,
    copy Seconds => u32,
}

checked_value! {
    HostName => String,
    ServiceName => String,
    GroupName => String,
    InterfaceName => String,
    NetworkDevice => String,
    HostAddresses => Vec<IpAddr>,
    VrrpPassword => String,
    SysctlKey => String,
    SysctlValue => String,
    RelativePath => PathBuf,
    UrlPath => String,
    ScriptPath => String,
    OneLine => String,
    UdpPayload => String,
    UdpReply => String,
    DnsName => String,
}

impl<const MIN: u32, const MAX: u32> Ranged<MIN, MAX> {
    /// The checked value.
    pub fn get(&self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_paths_are_one_absolute_word() {
        for good in ["/usr/local/sbin/vrrp-alert", "/etc/keepalived/a_b.c+d"] {
            assert!(good.parse::<ScriptPath>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "sbin/alert",
            "/usr/local/sbin/alert master",
            "/x\n}",
            "/x\"y",
            "/x'",
            "/usr/../bin/sh",
            "/usr/./x",
            "//x",
            "/x/",
            "/x;reboot",
            "/x$HOME",
        ] {
            assert!(bad.parse::<ScriptPath>().is_err(), "{bad}");
        }
    }

    #[test]
    fn vips_accept_host_prefixes_only() {
        assert!("198.19.253.1".parse::<Vip>().is_ok());
        assert!("198.19.253.1/32".parse::<Vip>().is_ok());
        assert!("2a00:e10:1000:7:124::a1/128".parse::<Vip>().is_ok());
        let wide = "198.19.253.0/24".parse::<Vip>().unwrap_err();
        assert!(
            wide.contains("/24") && wide.contains("host routes"),
            "{wide}"
        );
        assert!("2001:db8::1/64".parse::<Vip>().is_err());
        assert!("2001:db8::1/32".parse::<Vip>().is_err());
        assert!("198.19.253.1/33".parse::<Vip>().is_err());
        assert!("198.19.253.1/".parse::<Vip>().is_err());
        assert!("127.0.0.2".parse::<Vip>().is_err());
        assert!("fe80::1".parse::<Vip>().is_err());
        assert!("224.0.0.1".parse::<Vip>().is_err());
        assert!("::ffff:192.0.2.1".parse::<Vip>().is_err());
    }

    #[test]
    fn vrrp_passwords_fit_vrrp_2_and_keepalived_syntax() {
        assert!("lvs-dr".parse::<VrrpPassword>().is_ok());
        assert!("12345678".parse::<VrrpPassword>().is_ok());
        for bad in ["", "123456789", "a b", "a{b", "a}", "#x", "!x", "a\"b"] {
            assert!(bad.parse::<VrrpPassword>().is_err(), "{bad}");
        }
    }

    #[test]
    fn host_names_follow_rfc_1123() {
        for good in ["web01", "3com", "a.b-c.example", "WEB01"] {
            assert!(good.parse::<HostName>().is_ok(), "{good}");
        }
        for bad in [
            "", "-web", "web-", "web_01", "a..b", "../etc", "web 01", "w\neb",
        ] {
            assert!(bad.parse::<HostName>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn interface_names_follow_linux_rules() {
        assert!("dummy0".parse::<InterfaceName>().is_ok());
        assert!("lo".parse::<InterfaceName>().unwrap().is_loopback());
        assert!("vip.0-a_b".parse::<InterfaceName>().is_ok());
        for bad in [
            "",
            ".",
            "..",
            "dummy0:1",
            "a234567890123456",
            "dum my",
            "eth0",
            "ens3",
        ] {
            assert!(bad.parse::<InterfaceName>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ports_take_a_protocol() {
        assert_eq!(
            "443/udp".parse::<PortSpec>().unwrap(),
            PortSpec {
                port: 443,
                protocol: Protocol::Udp
            }
        );
        assert_eq!("80".parse::<PortSpec>().unwrap().protocol, Protocol::Tcp);
        for bad in ["0", "65536", "80/sctp", "http", "-1", "80/"] {
            assert!(bad.parse::<PortSpec>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn udp_bytes_are_hex_pairs_and_only_a_reply_has_wildcards() {
        assert_eq!("1B 00 04".parse::<UdpPayload>().unwrap().0, "1b0004");
        assert_eq!("1b00".parse::<UdpPayload>().unwrap().0, "1b00");
        assert_eq!("1c XX".parse::<UdpReply>().unwrap().0, "1cxx");
        assert!("x4".parse::<UdpPayload>().is_err());
        for bad in ["", " ", "1", "1b0", "1 b", "zz", "1b\t00", "0x1b"] {
            assert!(bad.parse::<UdpPayload>().is_err(), "{bad:?}");
            assert!(bad.parse::<UdpReply>().is_err(), "{bad:?}");
        }
        let longest = "ab".repeat(MAX_UDP_BYTES);
        assert!(longest.parse::<UdpPayload>().is_ok());
        assert!(format!("{longest}ab").parse::<UdpPayload>().is_err());
    }

    #[test]
    fn dns_names_are_labels_keepalived_can_encode() {
        for good in [
            ".",
            "example.org",
            "example.org.",
            "_sip._udp.example.org",
            "a",
        ] {
            assert!(good.parse::<DnsName>().is_ok(), "{good}");
        }
        let label = "a".repeat(63);
        assert!(format!("{label}.org").parse::<DnsName>().is_ok());
        for bad in [
            "",
            "..",
            ".example.org",
            "a..b",
            "a b",
            "a{b",
            "ex\u{e4}mple.org",
            &format!("a{label}.org"),
            &format!("{}a", "a.".repeat(127)),
        ] {
            assert!(bad.parse::<DnsName>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_stay_below_the_root() {
        assert!("etc/modules".parse::<RelativePath>().is_ok());
        assert_eq!(
            "/etc/sysctl.conf".parse::<RelativePath>().unwrap().0,
            PathBuf::from("etc/sysctl.conf")
        );
        assert_eq!(
            "etc//./x".parse::<RelativePath>().unwrap().0,
            PathBuf::from("etc/x")
        );
        for bad in [
            "",
            "/",
            "../etc/x",
            "etc/../../x",
            "./etc",
            "etc/x/",
            "etc/a b",
            "etc/\nx",
        ] {
            assert!(bad.parse::<RelativePath>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sysctl_keys_are_dotted_lower_case() {
        assert!("net.ipv4.conf.all.arp_ignore".parse::<SysctlKey>().is_ok());
        for bad in [
            "",
            "net",
            "net..ipv4",
            "net/ipv4/x",
            "Net.ipv4",
            "net.ipv4.x = 1",
        ] {
            assert!(bad.parse::<SysctlKey>().is_err(), "{bad:?}");
        }
    }
}
