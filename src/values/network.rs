//! The machines and their network: VIPs and host addresses, host, service
//! and VRRP group names, interfaces, devices and segments.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::json;

use super::parse::{DEVICE_PATTERN, IPV4_PATTERN, IPV6_PATTERN, LABEL_PATTERN};
use crate::code::Code;
use crate::diagnostic::error_with_code;

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
        let valid = is_plain_name(text, 63);
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
        let valid = is_plain_name(text, 63);
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
    is_plain_name(text, 15) && text != "." && text != ".."
}

/// Whether `text` is 1 to `max` letters, digits, `_`, `.` or `-`: the names
/// (services, VRRP groups, clusters, devices) that are safe as they are in
/// every config file and path.
pub fn is_plain_name(text: &str, max: usize) -> bool {
    (1..=max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
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

checked_value! {
    copy Vip => IpAddr,
    copy HostAddress => IpAddr,
    copy Segment => IpNet,
}

checked_value! {
    HostName => String,
    ServiceName => String,
    GroupName => String,
    InterfaceName => String,
    NetworkDevice => String,
    HostAddresses => Vec<IpAddr>,
}
