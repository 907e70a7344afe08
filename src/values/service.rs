//! How a service is balanced and checked (scheduler, ports, check kinds,
//! UDP and DNS check payloads, the VRRP password) and the network stacks a
//! host runs.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::network::ServiceName;
use super::parse::KEEPALIVED_WORD_CLASS;
use crate::code::Code;
use crate::diagnostic::error_with_code;

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

checked_value! {
    VrrpPassword => String,
    UdpPayload => String,
    UdpReply => String,
    DnsName => String,
}
