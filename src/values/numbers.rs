//! Numbers: the inventory version, whole numbers within a range (priorities,
//! weights, ports, timers) and persistence durations.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::Deserialize;

use crate::code::Code;
use crate::diagnostic::error_with_code;

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

impl<const MIN: u32, const MAX: u32> Ranged<MIN, MAX> {
    /// The checked value.
    pub fn get(&self) -> u32 {
        self.0
    }
}

checked_value! {
    copy Seconds => u32,
}
