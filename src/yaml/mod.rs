//! Reading YAML into serde types one event at a time.
//!
//! `serde_yaml_ng`'s loader keeps every event of a document (about 100 bytes
//! each, a dozen per host) before it deserialises the first value, so at
//! 100,000 hosts the event list alone weighed 200 MB. This deserialiser pulls
//! the events from libyaml-safer (libyaml in safe Rust: the same events,
//! marks and syntax messages as the libyaml that `serde_yaml_ng` wraps) as the
//! value is built, and keeps only the nodes that carry an anchor, to replay
//! them at their aliases.
//!
//! It follows `serde_yaml_ng` 0.10 in everything an inventory can show: how
//! untagged scalars resolve (null, booleans, integers, floats, strings), the
//! path and `line L column C` an error names, syntax errors worded as libyaml
//! words them, YAML tags read as enum variants, the recursion and repetition
//! limits, and errors in document order (the deserialiser sees a syntax
//! error only when it reaches it, as there).
//!
//! libyaml-safer 0.3.0 (the newest) panics on three inputs that libyaml
//! reads, each found again by the differential fuzz run (tests/yaml/):
//! a block scalar ending the text without a line break, and a
//! double-quoted scalar ending it with a backslash (it reads past its
//! input, where libyaml has a NUL), and a tag right before a comma in a
//! flow collection (a `TODO` in its scanner). None can be told from the
//! text before parsing without a second scanner, and a line break added
//! to every text would move the place of every error at its end; so the
//! reader catches the panic (`catch_unwind`, with a panic hook that keeps
//! quiet while it parses), and `from_str` parses the first two again in a
//! way that gives libyaml's result. The third is refused (see
//! `Stream::parser_panic`).
//!
//! The layer is a leaf: it knows nothing of lvs-dr-gen. Its errors carry
//! a [`Kind`], and a value's own error the caller's rule
//! ([`error_with_rule`]), for the caller to map to its codes; paths are
//! [`InventoryPath`]s. Inside, `position` (marks and places), `path` and
//! `rule` are leaves; `error` builds on them, `reader` on `error`, then
//! `scalar`, `expected`, `de` and `locate`.

mod de;
mod error;
mod expected;
mod locate;
mod path;
mod position;
mod reader;
mod rule;
mod scalar;

use serde::de::DeserializeOwned;

use de::read;
use error::ErrorImpl;
pub use error::{Error, Found, Kind, Mismatch};
pub use locate::locate;
pub use path::InventoryPath;
pub use position::Location;
pub use rule::{duplicate_key_error, error_with_rule};

/// Parses one YAML document into a `T`.
///
/// A key written twice is met at its later copy; the error's parts name
/// the earlier one too ([`Mismatch::DuplicateKey`]), found by reading the
/// text again then (no mapping keeps the places of its keys).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    read_document(text).map_err(|error| place_earlier_key(error, text))
}

/// Adds where the earlier copy of a duplicate key is in `text`, read again
/// for it (only then, so a valid document keeps no key's place).
fn place_earlier_key(mut error: Error, text: &str) -> Error {
    if let Some(Mismatch::DuplicateKey {
        path,
        later,
        earlier,
    }) = error.1.as_deref_mut()
    {
        *earlier = locate::first_key(text, path).filter(|first| first != later);
    }
    error
}

/// Reads one document into a `T`.
///
/// libyaml-safer 0.3.0 panics on a block scalar (`|`, `>`) whose last line
/// ends the text without a line break; that parse is done again with the
/// line break added, and taken off the scalar's value again, which gives
/// the value libyaml reads. It also panics on a double-quoted scalar that
/// ends the text with a backslash (see `escape_at_end`).
fn read_document<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    match read::<T>(text, None) {
        Err(error)
            if matches!(*error.0, ErrorImpl::ParserPanic(..)) && !text.ends_with(['\n', '\r']) =>
        {
            if let Some(error) = escape_at_end::<T>(text) {
                return Err(error);
            }
            read(&format!("{text}\n"), Some(text.len()))
        }
        result => result,
    }
}

/// The error libyaml gives a double-quoted scalar that ends the text with
/// a backslash (`"a\`): it reads the NUL after its input as an unknown
/// escape ("found unknown escape character" at the backslash), where
/// libyaml-safer 0.3.0 reads past its input and panics. The text with an
/// unknown escape there (`\q`) gives that error; `None` when the text is
/// not such a scalar.
fn escape_at_end<T: DeserializeOwned>(text: &str) -> Option<Error> {
    if !text.ends_with('\\') {
        return None;
    }
    let error = read::<T>(&format!("{text}q"), None).err()?;
    match &*error.0 {
        ErrorImpl::Syntax(syntax)
            if syntax.problem.starts_with("found unknown escape character")
                && syntax.mark.index + 1 == text.len() as u64 =>
        {
            Some(error)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::de::{self, Unexpected};
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: String,
        count: Option<u32>,
        #[serde(default)]
        list: Vec<String>,
        #[serde(default)]
        flag: bool,
    }

    #[test]
    fn aliases_replay_their_anchored_node() {
        let sample: Vec<Sample> =
            from_str("- {name: a, list: &l [x, y]}\n- {name: b, list: *l, count: ~}\n").unwrap();
        assert_eq!(sample[1].list, ["x", "y"]);
        assert_eq!(sample[1].count, None);
    }

    #[test]
    fn errors_name_the_path_and_place() {
        let error = from_str::<Vec<Sample>>("- name: a\n  count: many\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            ".[0].count: invalid type: string \"many\", expected u32 at line 2 column 10"
        );
        assert_eq!(
            error.location().map(|l| (l.line(), l.column())),
            Some((2, 10))
        );
    }

    #[test]
    fn syntax_errors_read_as_libyaml_words_them() {
        let error = from_str::<Sample>("name: a\n list: [\n").unwrap_err();
        assert!(error.to_string().contains(" at line "), "{error}");
        let error = from_str::<Sample>("name: a\n---\nname: b\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "deserializing from YAML containing more than one document is not supported"
        );
        let error = from_str::<Sample>("name: *nowhere\n").unwrap_err();
        assert_eq!(error.to_string(), "unknown anchor at line 1 column 7");
    }

    #[test]
    fn a_tag_before_a_comma_is_refused_not_a_panic() {
        let error = from_str::<Vec<String>>("[a, !x, b]\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "did not find expected whitespace or line break at line 1 column 7, \
             while scanning a tag at line 1 column 5"
        );
        assert_eq!(
            error.location().map(|l| (l.line(), l.column())),
            Some((1, 7))
        );
    }

    #[test]
    fn a_block_scalar_may_end_the_text_without_a_line_break() {
        for (text, value) in [
            ("a: |\n  x", "x"),
            ("a: >\n  x\n  y", "x y"),
            ("a: |+\n  x", "x"),
            ("a: |-\n  x", "x"),
            ("a: |\n  x\n", "x\n"),
        ] {
            let read: HashMap<String, String> = from_str(text).unwrap();
            assert_eq!(read["a"], value, "{text:?}");
        }
    }

    /// libyaml's words and place, not a panic or a place past the text.
    #[test]
    fn a_backslash_ending_a_double_quoted_scalar_and_the_text_is_an_unknown_escape() {
        for (text, message) in [
            (
                "\"\\",
                "found unknown escape character at line 1 column 2, while parsing a quoted scalar",
            ),
            (
                "a: \"x\\",
                "found unknown escape character at line 1 column 6, \
                 while parsing a quoted scalar at line 1 column 4",
            ),
        ] {
            let error = from_str::<HashMap<String, String>>(text).unwrap_err();
            assert_eq!(error.to_string(), message, "{text:?}");
        }
        let read: HashMap<String, String> = from_str("a: |\n  x\\").unwrap();
        assert_eq!(read["a"], "x\\");
    }

    #[test]
    fn an_alias_in_its_own_anchor_is_refused() {
        assert!(from_str::<Vec<Vec<String>>>("&a [*a]\n").is_err());
    }

    /// serde's own kinds of error read as serde words them, and carry their
    /// kind.
    #[test]
    fn serde_error_kinds_keep_their_words_and_get_their_kind() {
        use serde::de::value::Error as Serde;
        /// Makes the error with `$call` as ours and as serde's own.
        macro_rules! kind {
            ($call:expr, $kind:expr) => {{
                fn ours() -> Error {
                    use de::Error as _;
                    type E = Error;
                    $call
                }
                fn serdes() -> Serde {
                    use de::Error as _;
                    type E = Serde;
                    $call
                }
                let (ours, serdes) = (ours(), serdes());
                assert_eq!(ours.message(), serdes.to_string());
                assert_eq!(ours.kind(), $kind, "{serdes}");
            }};
        }
        kind!(E::unknown_field("x", &[]), Kind::UnknownKey);
        kind!(E::unknown_field("x", &["a"]), Kind::UnknownKey);
        kind!(E::unknown_field("x", &["a", "b"]), Kind::UnknownKey);
        kind!(E::unknown_field("x", &["a", "b", "c"]), Kind::UnknownKey);
        kind!(E::unknown_variant("x", &[]), Kind::UnknownValue);
        kind!(
            E::unknown_variant("x", &["a", "b", "c"]),
            Kind::UnknownValue
        );
        kind!(E::missing_field("x"), Kind::MissingKey);
        kind!(E::duplicate_field("x"), Kind::DuplicateKey);
        kind!(
            E::invalid_type(Unexpected::Str("x"), &"a number"),
            Kind::InvalidType
        );
        kind!(
            E::invalid_value(Unexpected::Signed(-1), &"a port"),
            Kind::InvalidValue
        );
        kind!(E::invalid_length(3, &"two"), Kind::InvalidValue);
        kind!(E::custom("words"), Kind::Custom);
    }

    /// The parser's own errors: syntax, what libyaml-safer cannot read,
    /// and the limits.
    #[test]
    fn parser_errors_have_their_kind() {
        for (text, kind) in [
            ("a: [\n", Kind::Syntax),
            ("a: *nowhere\n", Kind::Syntax),
            ("a: [x]\n---\na: [y]\n", Kind::Syntax),
            ("a: [b, !x, c]\n", Kind::Unreadable),
            ("a: &x [*x]\n", Kind::Limit),
        ] {
            let error = from_str::<HashMap<String, Vec<String>>>(text).unwrap_err();
            assert_eq!(error.kind(), kind, "{text:?}: {error}");
        }
    }

    /// Keys checked as the inventory's mappings check theirs: a key read
    /// (as its scalar resolves: `0x1` is 1) that equals an earlier one is
    /// refused with [`duplicate_key_error`].
    #[derive(Debug)]
    struct Names(Vec<serde_json::Value>);

    impl<'de> Deserialize<'de> for Names {
        fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Keys;
            impl<'de> de::Visitor<'de> for Keys {
                type Value = Names;
                fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                    formatter.write_str("a mapping")
                }
                fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Names, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(key) = map.next_key::<serde_json::Value>()? {
                        if keys.contains(&key) {
                            return Err(duplicate_key_error(format!("duplicate key {key:?}")));
                        }
                        map.next_value::<de::IgnoredAny>()?;
                        keys.push(key);
                    }
                    Ok(Names(keys))
                }
            }
            deserializer.deserialize_map(Keys)
        }
    }

    /// A key written twice names both copies in its parts: the later where
    /// the parser met it (a duplicate field too, which serde's message
    /// places at its mapping), the earlier found by reading again.
    #[test]
    fn a_duplicate_key_names_both_copies() {
        let place = |line, column| Location { line, column };
        let duplicate = |error: Error| match error.parts() {
            Some(Mismatch::DuplicateKey {
                path,
                later,
                earlier,
            }) => (path.to_string(), *later, *earlier),
            other => panic!("{error}: {other:?}"),
        };
        let names: Names = from_str("a: 1\nb: 2\n0x1: 3\n").unwrap();
        assert_eq!(names.0.len(), 3, "keys written once are read");
        let error = from_str::<Names>("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(error.kind(), Kind::DuplicateKey);
        assert_eq!(
            duplicate(error),
            ("a".to_owned(), place(3, 1), Some(place(1, 1)))
        );
        let error =
            from_str::<Vec<Sample>>("- name: x\n- {name: y, count: 1, count: 2}\n").unwrap_err();
        assert_eq!(
            error.location(),
            Some(place(2, 3)),
            "serde's place: {error}"
        );
        assert_eq!(
            duplicate(error),
            (".[1].count".to_owned(), place(2, 23), Some(place(2, 13)))
        );
        let error = from_str::<HashMap<String, Names>>("m: {a: 1}\nn: {a: 1, a: 2}\n").unwrap_err();
        assert_eq!(
            duplicate(error),
            ("n.a".to_owned(), place(2, 11), Some(place(2, 5)))
        );
        // Equal only once read: the earlier copy is not found by its text.
        let error = from_str::<Names>("1: 1\n0x1: 2\n").unwrap_err();
        assert_eq!(duplicate(error), ("0x1".to_owned(), place(2, 1), None));
    }

    /// A value's error built with the caller's rule carries it typed, the
    /// message as written; a plain `custom` after it carries none.
    #[test]
    fn an_error_with_a_rule_carries_it_beside_its_message() {
        #[derive(Debug, PartialEq)]
        struct Rule(u8);
        let error: Error = error_with_rule(Rule(7), "bad");
        assert_eq!(
            (error.kind(), error.rule::<Rule>(), error.message()),
            (Kind::Custom, Some(&Rule(7)), "bad".to_owned())
        );
        assert_eq!(error.rule::<u8>(), None, "another type");
        let plain = <Error as de::Error>::custom("words");
        assert_eq!((plain.kind(), plain.rule::<Rule>()), (Kind::Custom, None));
        // Another error type drops the rule: not in its message.
        let theirs: de::value::Error = error_with_rule(Rule(7), "bad");
        assert_eq!(theirs.to_string(), "bad");
        let plain = <Error as de::Error>::custom("words");
        assert_eq!(plain.rule::<Rule>(), None, "the slot is empty after");
    }
}
