//! The inventory's scalar values, each a type that parses and checks itself.
//!
//! Every value that ends up in a generated file (addresses, names, ports,
//! sysctl keys and values, paths) has its own `Deserialize` here, so a bad
//! value is refused while the YAML parser still knows its line and column,
//! and so nothing that reaches a template can carry a newline, a quote or any
//! other character that would add a line to a config file. A value's field
//! is private to its module: the only way to make one is to parse it.
//!
//! `network` holds addresses, names, interfaces and segments; `numbers` the
//! version, ranged numbers and durations; `service` how a service is
//! balanced, checked and drained, and the stacks a host runs; `text` kernel
//! parameters, paths and free text; `parse` what they share.

/// Implements `Deserialize` for a type from its `FromStr`, so that the
/// parse error (a full sentence) is reported at the value's location.
macro_rules! deserialize_from_str {
    ($type:ty, $code:expr, $expecting:literal) => {
        impl<'de> ::serde::Deserialize<'de> for $type {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                deserializer.deserialize_any($crate::values::parse::FromStrVisitor::<$type>::new(
                    $code, $expecting,
                ))
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
        impl ::schemars::JsonSchema for $type {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($type).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let mut schema = ::schemars::json_schema!($schema);
                schema.insert("description".into(), $expecting.into());
                schema
            }
        }
    };
}

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

mod network;
mod numbers;
mod parse;
mod service;
mod text;

pub use network::*;
pub use numbers::*;
pub use service::*;
pub use text::*;

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

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
        let port = "443/udp".parse::<PortSpec>().unwrap();
        assert_eq!((port.port(), port.protocol()), (443, Protocol::Udp));
        assert_eq!("80".parse::<PortSpec>().unwrap().protocol(), Protocol::Tcp);
        for bad in ["0", "65536", "80/sctp", "http", "-1", "80/"] {
            assert!(bad.parse::<PortSpec>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn udp_bytes_are_hex_pairs_and_only_a_reply_has_wildcards() {
        assert_eq!("1B 00 04".parse::<UdpPayload>().unwrap().get(), "1b0004");
        assert_eq!("1b00".parse::<UdpPayload>().unwrap().get(), "1b00");
        assert_eq!("1c XX".parse::<UdpReply>().unwrap().get(), "1cxx");
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
            "/etc/sysctl.conf"
                .parse::<RelativePath>()
                .unwrap()
                .get()
                .clone(),
            PathBuf::from("etc/sysctl.conf")
        );
        assert_eq!(
            "etc//./x".parse::<RelativePath>().unwrap().get().clone(),
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
