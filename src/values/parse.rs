//! What the value types share: the JSON Schema patterns of their text, and
//! the visitor that hands a YAML scalar to a type's `FromStr`.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};

use crate::code::Code;
use crate::diagnostic::error_with_code;

/// An IPv4 address in dotted-quad form without leading zeros, as Rust's
/// parser reads it (a JSON Schema pattern, without anchors).
pub(super) const IPV4_PATTERN: &str = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}";
/// The characters of an IPv6 address, with at least one colon: a pattern
/// cannot say more in a readable way; the parser checks the rest.
pub(super) const IPV6_PATTERN: &str = "[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*";
/// One label of an RFC 1123 host name.
pub(super) const LABEL_PATTERN: &str = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/// A Linux device name's characters and length (see `is_linux_device_name`).
pub(super) const DEVICE_PATTERN: &str = "[A-Za-z0-9_.-]{1,15}";
/// Printable ASCII without space, `"`, `'`, `\\`, `#`, `{` and `}`: safe in
/// keepalived.conf.
pub(super) const KEEPALIVED_WORD_CLASS: &str = r"!$-&(-\[\]-z|~";

/// A visitor that accepts strings (and, for convenience, integers written
/// without quotes) and hands them to `FromStr`; its errors carry `code`.
pub struct FromStrVisitor<T> {
    code: Code,
    expecting: &'static str,
    _type: std::marker::PhantomData<T>,
}

impl<T> FromStrVisitor<T> {
    pub fn new(code: Code, expecting: &'static str) -> Self {
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
