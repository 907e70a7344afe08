//! Text that reaches a file: kernel parameter names and values, relative
//! and script paths, URL paths, and one line of free text.

use std::borrow::Cow;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::parse::KEEPALIVED_WORD_CLASS;
use crate::code::Code;
use crate::diagnostic::error_with_code;

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

checked_value! {
    SysctlKey => String,
    SysctlValue => String,
    RelativePath => PathBuf,
    UrlPath => String,
    ScriptPath => String,
    OneLine => String,
}
