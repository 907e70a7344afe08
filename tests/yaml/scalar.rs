//! Every rule of a plain scalar (src/yaml/scalar.rs), each checked against
//! the value written here and against `serde_yaml_ng` 0.10's reading of
//! the same text.

use lvs_dr_gen::yaml::from_str;
use serde::de::DeserializeOwned;

use super::node::{ours, theirs, Float, Node};

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
