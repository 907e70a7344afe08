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

/// Every rule of a plain scalar, each checked against the value written
/// here and against `serde_yaml_ng` 0.10's reading of the same text.
#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;

    use super::super::from_str;
    use super::super::node::{ours, theirs, Float, Node};
    use super::{digits_but_not_number, parse_bool, parse_f64, parse_int, parse_null};

    fn str(text: &str) -> Node {
        Node::Str(text.to_owned())
    }

    fn float(value: f64) -> Node {
        Node::F64(Float(value))
    }

    /// `text` as a document and as a value in a sequence reads as
    /// `expected`, with us and with `serde_yaml_ng`.
    fn reads(cases: &[(&str, Node)]) {
        for (text, expected) in cases {
            let mut documents = vec![(*text).to_owned(), format!("- {text}\n")];
            if !text.is_empty() && !text.contains([',', '[', ']', '{', '}']) {
                documents.push(format!("[{text}]"));
            }
            for document in documents {
                let expected = if document == *text {
                    expected.clone()
                } else {
                    Node::Seq(vec![expected.clone()])
                };
                assert_eq!(
                    ours(&document).as_ref(),
                    Ok(&expected),
                    "ours: {document:?}"
                );
                assert_eq!(
                    theirs(&document).as_ref(),
                    Ok(&expected),
                    "serde_yaml_ng: {document:?}"
                );
            }
        }
    }

    /// `text` read as a `T` gives the same value (or refusal) with us and
    /// with `serde_yaml_ng`, and the value is `expected`.
    fn typed<T: DeserializeOwned + PartialEq + Clone + std::fmt::Debug>(
        text: &str,
        expected: Option<T>,
    ) {
        let ours = from_str::<T>(text).ok();
        let theirs = serde_yaml_ng::from_str::<T>(text).ok();
        assert_eq!(
            (ours, theirs),
            (expected.clone(), expected),
            "(ours, serde_yaml_ng) for {text:?} as {}",
            std::any::type_name::<T>()
        );
    }

    #[test]
    fn null_is_four_words_and_the_empty_plain_scalar() {
        reads(&[
            ("null", Node::Null),
            ("Null", Node::Null),
            ("NULL", Node::Null),
            ("~", Node::Null),
            ("", Node::Null),
            ("nULL", str("nULL")),
            ("nil", str("nil")),
            ("None", str("None")),
            ("'null'", str("null")),
            ("\"~\"", str("~")),
        ]);
        assert_eq!(parse_null("null"), Some(()));
        assert_eq!(parse_null(""), None, "empty is null only when untagged");
        typed::<Option<u8>>("~", Some(None));
        typed::<Option<u8>>("''", None);
        typed::<()>("null", Some(()));
    }

    #[test]
    fn booleans_are_true_and_false_in_three_spellings() {
        reads(&[
            ("true", Node::Bool(true)),
            ("True", Node::Bool(true)),
            ("TRUE", Node::Bool(true)),
            ("false", Node::Bool(false)),
            ("False", Node::Bool(false)),
            ("FALSE", Node::Bool(false)),
            ("tRUE", str("tRUE")),
            ("'true'", str("true")),
        ]);
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("yes"), None);
        typed::<bool>("false", Some(false));
        typed::<bool>("'true'", None);
        typed::<bool>("1", None);
    }

    /// YAML 1.1's booleans, octals, sexagesimals and digit separators are
    /// strings in YAML 1.2, and so in `serde_yaml_ng`.
    #[test]
    fn yaml_1_1_forms_are_strings() {
        reads(&[
            ("yes", str("yes")),
            ("Yes", str("Yes")),
            ("YES", str("YES")),
            ("no", str("no")),
            ("No", str("No")),
            ("on", str("on")),
            ("On", str("On")),
            ("off", str("off")),
            ("OFF", str("OFF")),
            ("y", str("y")),
            ("n", str("n")),
            ("Y", str("Y")),
            ("N", str("N")),
            ("0777", str("0777")),
            ("-0777", str("-0777")),
            ("+0777", str("+0777")),
            ("00", str("00")),
            ("012345678901234567890", str("012345678901234567890")),
            ("1:20", str("1:20")),
            ("190:20:30", str("190:20:30")),
            ("1_000", str("1_000")),
            ("0x_1F", str("0x_1F")),
            ("0b1010_0111", str("0b1010_0111")),
            ("1_000.5", str("1_000.5")),
            ("2001-12-14", str("2001-12-14")),
            ("0X1F", str("0X1F")),
            ("0O17", str("0O17")),
            ("0B11", str("0B11")),
            ("=", str("=")),
            ("<<", str("<<")),
        ]);
        typed::<bool>("yes", None);
        typed::<u32>("0777", None);
        typed::<String>("0777", Some("0777".to_owned()));
        typed::<String>("yes", Some("yes".to_owned()));
        assert!(digits_but_not_number("0777"));
        assert!(digits_but_not_number("-01"));
        assert!(digits_but_not_number("+00"));
        assert!(!digits_but_not_number("0"));
        assert!(!digits_but_not_number("0.5"));
        assert!(!digits_but_not_number("0x10"));
    }

    #[test]
    fn decimal_integers_with_and_without_signs() {
        reads(&[
            ("0", Node::U64(0)),
            ("+0", Node::U64(0)),
            ("-0", Node::I64(0)),
            ("7", Node::U64(7)),
            ("+7", Node::U64(7)),
            ("-7", Node::I64(-7)),
            ("++7", str("++7")),
            ("+-7", str("+-7")),
            ("--7", str("--7")),
            ("-+7", str("-+7")),
            ("7 ", Node::U64(7)),
            ("1 2", str("1 2")),
            ("1,2", str("1,2")),
            ("١٢", str("١٢")),
        ]);
        typed::<u16>("65535", Some(65535));
        typed::<u16>("65536", None);
        typed::<i8>("-128", Some(-128));
        typed::<i8>("-129", None);
        typed::<u8>("-0", None);
        typed::<i64>("-0", Some(0));
        typed::<i64>("+-1", None);
    }

    #[test]
    fn integers_in_bases_16_8_and_2_with_signs() {
        reads(&[
            ("0x1F", Node::U64(31)),
            ("0x1f", Node::U64(31)),
            ("+0x1F", Node::U64(31)),
            ("-0x1F", Node::I64(-31)),
            ("0x", str("0x")),
            ("0x-1", str("0x-1")),
            ("0x+1", str("0x+1")),
            ("-0x-1", str("-0x-1")),
            ("0xG", str("0xG")),
            ("0o17", Node::U64(15)),
            ("+0o17", Node::U64(15)),
            ("-0o17", Node::I64(-15)),
            ("0o8", str("0o8")),
            ("0o", str("0o")),
            ("0b101", Node::U64(5)),
            ("+0b101", Node::U64(5)),
            ("-0b101", Node::I64(-5)),
            ("0b102", str("0b102")),
            ("0b", str("0b")),
            ("0x00", Node::U64(0)),
            ("0o0777", Node::U64(511)),
            ("0b0", Node::U64(0)),
        ]);
        typed::<i32>("-0x10", Some(-16));
        typed::<i32>("+0x10", Some(16));
        typed::<u32>("-0x10", None);
        typed::<u32>("0o777", Some(511));
        typed::<i64>("0x-1", None);
        typed::<u64>("0b11", Some(3));
        assert_eq!(parse_int("0x10", false, u64::from_str_radix), Some(16));
        assert_eq!(parse_int("-0x10", true, i64::from_str_radix), Some(-16));
        assert_eq!(parse_int("-0x10", false, u64::from_str_radix), None);
    }

    /// An integer takes the smallest of u64, i64, u128, i128 that holds
    /// it; beyond them a decimal one is a float, another base a string.
    #[test]
    fn integers_overflow_into_wider_types_then_floats_or_strings() {
        reads(&[
            ("18446744073709551615", Node::U64(u64::MAX)),
            ("18446744073709551616", Node::U128(1 << 64)),
            ("-9223372036854775808", Node::I64(i64::MIN)),
            ("-9223372036854775809", Node::I128(-(1 << 63) - 1)),
            ("0xFFFFFFFFFFFFFFFF", Node::U64(u64::MAX)),
            ("0x10000000000000000", Node::U128(1 << 64)),
            ("-0x8000000000000000", Node::I64(i64::MIN)),
            ("-0x8000000000000001", Node::I128(-(1 << 63) - 1)),
            (
                "340282366920938463463374607431768211455",
                Node::U128(u128::MAX),
            ),
            (
                "340282366920938463463374607431768211456",
                float(3.402_823_669_209_385e38),
            ),
            (
                "-170141183460469231731687303715884105729",
                float(-1.701_411_834_604_692_3e38),
            ),
            (
                "0x100000000000000000000000000000000",
                str("0x100000000000000000000000000000000"),
            ),
        ]);
        typed::<u64>("18446744073709551616", None);
        typed::<u128>("18446744073709551616", Some(1 << 64));
        typed::<i128>("-0x8000000000000001", Some(-(1 << 63) - 1));
        typed::<i64>("9223372036854775808", None);
    }

    #[test]
    fn floats_and_their_infinities_and_nans() {
        reads(&[
            ("1.5", float(1.5)),
            ("+1.5", float(1.5)),
            ("-1.5", float(-1.5)),
            (".5", float(0.5)),
            ("-.5", float(-0.5)),
            ("1.", float(1.0)),
            ("00.5", float(0.5)),
            ("0.0", float(0.0)),
            ("-0.0", float(-0.0)),
            ("1e3", float(1000.0)),
            ("1E3", float(1000.0)),
            ("1e+3", float(1000.0)),
            ("1e-3", float(0.001)),
            ("6.02e23", float(6.02e23)),
            ("1e400", str("1e400")),
            ("-1e400", str("-1e400")),
            ("1e-400", float(0.0)),
            ("1.5.", str("1.5.")),
            ("1e", str("1e")),
            ("e3", str("e3")),
            ("++1.5", str("++1.5")),
            ("+-1.5", str("+-1.5")),
            (".inf", float(f64::INFINITY)),
            (".Inf", float(f64::INFINITY)),
            (".INF", float(f64::INFINITY)),
            ("+.inf", float(f64::INFINITY)),
            ("+.INF", float(f64::INFINITY)),
            ("-.inf", float(f64::NEG_INFINITY)),
            ("-.Inf", float(f64::NEG_INFINITY)),
            ("-.INF", float(f64::NEG_INFINITY)),
            (".iNF", str(".iNF")),
            ("inf", str("inf")),
            ("-inf", str("-inf")),
            ("infinity", str("infinity")),
            (".nan", float(f64::NAN)),
            (".NaN", float(f64::NAN)),
            (".NAN", float(f64::NAN)),
            ("+.nan", str("+.nan")),
            ("-.nan", str("-.nan")),
            (".Nan", str(".Nan")),
            ("nan", str("nan")),
            ("NaN", str("NaN")),
        ]);
        assert_eq!(parse_f64("+.inf"), Some(f64::INFINITY));
        assert!(parse_f64(".nan").is_some_and(|nan| nan.is_nan() && nan.is_sign_positive()));
        assert_eq!(parse_f64("1e400"), None);
        typed::<f64>("7", Some(7.0));
        typed::<f64>("-.inf", Some(f64::NEG_INFINITY));
        typed::<f64>("'1.5'", None);
        typed::<f32>("1.5", Some(1.5));
        typed::<u8>("1.5", None);
    }

    /// Quoted and block scalars are strings whatever they spell; a YAML
    /// core tag forces the type (and refuses text that is not of it); a
    /// local tag `!x` names an enum variant.
    #[test]
    fn quoting_and_tags_decide_over_the_text() {
        reads(&[
            ("'1'", str("1")),
            ("\"0x10\"", str("0x10")),
            ("'.inf'", str(".inf")),
            ("!!str 1", str("1")),
            ("!!int '0x10'", Node::U64(16)),
            ("!!int \"-7\"", Node::I64(-7)),
            ("!!float '1'", float(1.0)),
            ("!!float '.nan'", float(f64::NAN)),
            ("!!bool 'true'", Node::Bool(true)),
            ("!!null '~'", Node::Null),
            ("!x 1", Node::Tagged("x".to_owned(), Box::new(Node::U64(1)))),
            ("!x '1'", Node::Tagged("x".to_owned(), Box::new(str("1")))),
            ("! 1", Node::Tagged("!".to_owned(), Box::new(Node::U64(1)))),
        ]);
        for refused in [
            "!!int x",
            "!!float x",
            "!!bool yes",
            "!!null ''",
            "!!int 1.5",
        ] {
            assert!(ours(refused).is_err(), "{refused}");
            assert_eq!(ours(refused), theirs(refused), "{refused}");
        }
        // Typed, a core tag is read only on a plain or literal scalar.
        typed::<u8>("!!int '7'", None);
        typed::<u8>("'7'", None);
        typed::<bool>("!!bool 'true'", None);
        typed::<bool>("!!bool true", Some(true));
        typed::<u8>("|\n  7\n", None);
        typed::<u8>("!!int |\n  7\n", None);
        typed::<u8>("!!int |-\n  7\n", Some(7));
        typed::<u8>("!!int >-\n  7\n", None);
        typed::<String>("!!int 7", Some("7".to_owned()));
    }
}
