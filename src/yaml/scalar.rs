//! How a scalar resolves to a value, as `serde_yaml_ng` 0.10 resolves it:
//! null, booleans, integers in their bases and signs, floats, and the
//! strings that look like numbers.

use libyaml_safer::ScalarStyle;
use serde::de::{self, Unexpected, Visitor};

use super::error::Error;
use super::reader::Scalar;

/// The tags that force a scalar's type.
pub(super) const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
pub(super) const INT_TAG: &str = "tag:yaml.org,2002:int";
pub(super) const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
pub(super) const NULL_TAG: &str = "tag:yaml.org,2002:null";

/// A scalar handed to `visitor` by its tag, or by its text when untagged
/// and plain; quoted and block scalars are strings.
pub(super) fn visit_scalar<'de, V: Visitor<'de>>(
    visitor: V,
    scalar: &Scalar,
    tagged_already: bool,
) -> Result<V::Value, Error> {
    let text = scalar.value.as_str();
    if let (Some(tag), false) = (&scalar.tag, tagged_already) {
        if tag == BOOL_TAG {
            return match parse_bool(text) {
                Some(boolean) => visitor.visit_bool(boolean),
                None => Err(de::Error::invalid_value(
                    Unexpected::Str(text),
                    &"a boolean",
                )),
            };
        } else if tag == INT_TAG {
            return match visit_int(text, visitor) {
                Ok(result) => result,
                Err(_) => Err(de::Error::invalid_value(
                    Unexpected::Str(text),
                    &"an integer",
                )),
            };
        } else if tag == FLOAT_TAG {
            return match parse_f64(text) {
                Some(float) => visitor.visit_f64(float),
                None => Err(de::Error::invalid_value(Unexpected::Str(text), &"a float")),
            };
        } else if tag == NULL_TAG {
            return match parse_null(text) {
                Some(()) => visitor.visit_unit(),
                None => Err(de::Error::invalid_value(Unexpected::Str(text), &"null")),
            };
        } else if tag.starts_with('!') && scalar.style == ScalarStyle::Plain {
            return visit_untagged_scalar(visitor, text);
        }
    } else if scalar.style == ScalarStyle::Plain {
        return visit_untagged_scalar(visitor, text);
    }
    visitor.visit_str(text)
}

pub(super) fn parse_null(text: &str) -> Option<()> {
    matches!(text, "null" | "Null" | "NULL" | "~").then_some(())
}

pub(super) fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// An integer with an optional `0x`, `0o` or `0b` prefix; `radix` parses
/// the digits. `negative`: only a `-`-prefixed number (or plain digits)
/// parses; otherwise only an unsigned one.
pub(super) fn parse_int<T>(
    text: &str,
    negative: bool,
    radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    if negative {
        for (prefix, base) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
            if let Some(rest) = text.strip_prefix(prefix) {
                if let Ok(int) = radix(&format!("-{rest}"), base) {
                    return Some(int);
                }
            }
        }
        if digits_but_not_number(text) {
            return None;
        }
        return radix(text, 10).ok();
    }
    let unpositive = text.strip_prefix('+').unwrap_or(text);
    for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = radix(rest, base) {
                return Some(int);
            }
        }
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(text) {
        return None;
    }
    radix(unpositive, 10).ok()
}

/// A signed integer, as `serde_yaml_ng` reads one for `deserialize_i64`.
pub(super) fn parse_signed_int<T>(
    text: &str,
    radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    let unpositive = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = radix(rest, base) {
                return Some(int);
            }
        }
        if let Some(rest) = text.strip_prefix(&format!("-{prefix}")) {
            if let Ok(int) = radix(&format!("-{rest}"), base) {
                return Some(int);
            }
        }
    }
    if digits_but_not_number(text) {
        return None;
    }
    radix(unpositive, 10).ok()
}

pub(super) fn parse_f64(text: &str) -> Option<f64> {
    let unpositive = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    if let ".inf" | ".Inf" | ".INF" = unpositive {
        return Some(f64::INFINITY);
    }
    if let "-.inf" | "-.Inf" | "-.INF" = text {
        return Some(f64::NEG_INFINITY);
    }
    if let ".nan" | ".NaN" | ".NAN" = text {
        return Some(f64::NAN.copysign(1.0));
    }
    unpositive
        .parse::<f64>()
        .ok()
        .filter(|float| float.is_finite())
}

/// Leading zeros followed by digits: a string in YAML 1.2.
fn digits_but_not_number(text: &str) -> bool {
    let text = text.strip_prefix(['-', '+']).unwrap_or(text);
    text.len() > 1 && text.starts_with('0') && text[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Visits an integer of the smallest type that holds it, or hands the
/// visitor back when the text is no integer.
fn visit_int<'de, V: Visitor<'de>>(text: &str, visitor: V) -> Result<Result<V::Value, Error>, V> {
    if let Some(int) = parse_int(text, false, u64::from_str_radix) {
        return Ok(visitor.visit_u64(int));
    }
    if let Some(int) = parse_int(text, true, i64::from_str_radix) {
        return Ok(visitor.visit_i64(int));
    }
    if let Some(int) = parse_int(text, false, u128::from_str_radix) {
        return Ok(visitor.visit_u128(int));
    }
    if let Some(int) = parse_int(text, true, i128::from_str_radix) {
        return Ok(visitor.visit_i128(int));
    }
    Err(visitor)
}

fn visit_untagged_scalar<'de, V: Visitor<'de>>(visitor: V, text: &str) -> Result<V::Value, Error> {
    if text.is_empty() || parse_null(text).is_some() {
        return visitor.visit_unit();
    }
    if let Some(boolean) = parse_bool(text) {
        return visitor.visit_bool(boolean);
    }
    let visitor = match visit_int(text, visitor) {
        Ok(result) => return result,
        Err(visitor) => visitor,
    };
    if !digits_but_not_number(text) {
        if let Some(float) = parse_f64(text) {
            return visitor.visit_f64(float);
        }
    }
    visitor.visit_str(text)
}

pub(super) fn is_plain_or_tagged_literal(
    expected: &str,
    scalar: &Scalar,
    tagged_already: bool,
) -> bool {
    match (scalar.style, &scalar.tag, tagged_already) {
        (ScalarStyle::Plain, _, _) => true,
        (ScalarStyle::Literal, Some(tag), false) => tag == expected,
        _ => false,
    }
}

/// The helpers' own answers; every rule with the value it gives, also
/// against `serde_yaml_ng`, is in tests/yaml/scalar.rs.
#[cfg(test)]
mod tests {
    use super::{digits_but_not_number, parse_bool, parse_f64, parse_int, parse_null};

    #[test]
    fn the_helpers_answer_as_their_rules_say() {
        assert_eq!(parse_null("null"), Some(()));
        assert_eq!(parse_null(""), None, "empty is null only when untagged");
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("yes"), None);
        assert!(digits_but_not_number("0777"));
        assert!(digits_but_not_number("-01"));
        assert!(digits_but_not_number("+00"));
        assert!(!digits_but_not_number("0"));
        assert!(!digits_but_not_number("0.5"));
        assert!(!digits_but_not_number("0x10"));
        assert_eq!(parse_int("0x10", false, u64::from_str_radix), Some(16));
        assert_eq!(parse_int("-0x10", true, i64::from_str_radix), Some(-16));
        assert_eq!(parse_int("-0x10", false, u64::from_str_radix), None);
        assert_eq!(parse_f64("+.inf"), Some(f64::INFINITY));
        assert!(parse_f64(".nan").is_some_and(|nan| nan.is_nan() && nan.is_sign_positive()));
        assert_eq!(parse_f64("1e400"), None);
    }
}
