//! The inventory's problems told where they are written: the YAML layer's
//! error as a diagnostic (its code, its words in YAML's terms, its place,
//! and a duplicate key's earlier copy), and the places of the problems
//! found after parsing, which name their value by path.

use std::collections::{HashMap, HashSet};

use crate::code::Code;
use crate::diagnostic::{closest, Diagnostic, Location, Related};
use crate::yaml::{Found, InventoryPath, Kind, Mismatch};

/// Places each problem found after parsing, which names its value by path,
/// where that value is written in `text` (and the other value of a problem
/// about two); a path not written (an inherited default) stays unplaced.
pub fn locate(text: &str, problems: &mut [Diagnostic]) {
    let wanted: HashSet<&str> = problems
        .iter()
        .filter(|problem| problem.location.is_none())
        .flat_map(|problem| {
            let related = problem.related.as_ref().map(|related| &related.path);
            problem.path.iter().chain(&problem.within).chain(related)
        })
        .map(String::as_str)
        .collect();
    if wanted.is_empty() {
        return;
    }
    let found: HashMap<InventoryPath, _> = crate::yaml::locate(text, &wanted);
    let place = |path: &str| {
        found.get(path).map(|place| Location {
            line: place.line(),
            column: place.column(),
        })
    };
    let places: Vec<_> = problems
        .iter()
        .map(|problem| {
            let related = problem.related.as_ref().map(|related| place(&related.path));
            let own = problem.path.as_deref().and_then(place);
            (
                own.or_else(|| problem.within.as_deref().and_then(place)),
                related,
            )
        })
        .collect();
    // Each line shown, found in one pass: a problem on each of 100,000
    // hosts must not read the text once per problem.
    let shown: HashSet<usize> = places
        .iter()
        .filter_map(|(location, _)| location.map(|place| place.line))
        .collect();
    let lines: HashMap<usize, &str> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(number, _)| shown.contains(number))
        .collect();
    for (problem, (location, related)) in problems.iter_mut().zip(places) {
        if problem.location.is_none() {
            problem.location = location;
            problem.source_line = location
                .and_then(|place| lines.get(&place.line))
                .map(|line| (*line).to_owned());
        }
        if let (Some(other), Some(location)) = (&mut problem.related, related) {
            other.location = other.location.or(location);
        }
    }
}

/// The text of the line a location is on.
fn source_line(text: &str, place: Location) -> Option<String> {
    text.lines()
        .nth(place.line.saturating_sub(1))
        .map(str::to_owned)
}

/// Turns the YAML layer's error into a located diagnostic, wording serde's
/// generic errors as ones that say how to fix the input. The
/// code, the path, the place and the message come from the error's parts.
pub(super) fn to_diagnostic(file: &str, text: &str, error: &crate::yaml::Error) -> Diagnostic {
    // The reader's own errors (a control character) are placed by a byte
    // offset only.
    let reader_offset = error.offset();
    let location = match (reader_offset, error.parts()) {
        (Some(offset), _) => Some(location_of(text, offset)),
        // serde places a duplicate field at its mapping: here, its key.
        (None, Some(Mismatch::DuplicateKey { later, .. })) => Some(from_yaml(*later)),
        (None, _) => error.location().map(from_yaml),
    };
    let mut message = worded(error);
    if reader_offset.is_some() {
        message.push_str(": remove the character");
    }
    if error.context() == Some("while parsing a block mapping") {
        message.push_str(" (check the indentation: the keys of one mapping must line up)");
    }
    Diagnostic {
        file: file.to_owned(),
        location,
        path: error.path().map(ToString::to_string),
        code: code_of(error),
        message,
        source_line: location.and_then(|place| source_line(text, place)),
        related: earlier_key(error),
        within: None,
    }
}

/// The rule an error breaks: a value's own error carries its code (see
/// `diagnostic::error_with_code`), the others have one by their kind.
fn code_of(error: &crate::yaml::Error) -> Code {
    match error.kind() {
        Kind::Syntax | Kind::Unreadable | Kind::Limit => Code::YamlSyntax,
        Kind::InvalidType => Code::InvalidType,
        Kind::InvalidValue => Code::InvalidValue,
        Kind::UnknownKey => Code::UnknownKey,
        Kind::UnknownValue => Code::UnknownValue,
        Kind::MissingKey => Code::MissingKey,
        Kind::DuplicateKey => Code::DuplicateKey,
        Kind::Custom => error.rule::<Code>().copied().unwrap_or(Code::YamlSyntax),
    }
}

/// The earlier copy of a key written twice, as the problem's second place.
fn earlier_key(error: &crate::yaml::Error) -> Option<Related> {
    match error.parts() {
        Some(Mismatch::DuplicateKey {
            path,
            earlier: Some(earlier),
            ..
        }) => Some(Related {
            path: path.to_string(),
            location: Some(from_yaml(*earlier)),
        }),
        _ => None,
    }
}

/// The YAML layer's place as a diagnostic's.
fn from_yaml(place: crate::yaml::Location) -> Location {
    Location {
        line: place.line(),
        column: place.column(),
    }
}

/// The line and column (both from 1, the column in characters) of a byte
/// offset in `text`.
fn location_of(text: &str, offset: usize) -> Location {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    Location {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// The error's message, with serde's own kinds of error (from their parts)
/// worded in the terms of YAML (a list, a mapping, text, a number) rather
/// than Rust's (a sequence, a map, a string, u32, struct Host), with the fix
/// for a single value written where a list belongs, and the nearest valid
/// choice for an unknown key or value.
fn worded(error: &crate::yaml::Error) -> String {
    match error.parts() {
        Some(Mismatch::Invalid { found, expected }) => invalid(found, expected),
        Some(Mismatch::UnknownKey { found, expected }) => unknown("key", found, expected),
        Some(Mismatch::UnknownValue { found, expected }) => unknown("value", found, expected),
        Some(Mismatch::MissingKey(key)) => {
            let example = if *key == "version" {
                " (`version: 1`)"
            } else {
                ""
            };
            format!("missing required key `{key}`: add it{example}")
        }
        Some(Mismatch::DuplicateKey { .. }) | None => error.message(),
    }
}

/// "found the text "x", expected a list: write it as a list, such as `[x]`".
fn invalid(found: &Found, expected: &str) -> String {
    let (found, scalar) = match found {
        Found::Text(text) => (format!("the text {text:?}"), Some(text.clone())),
        Found::Number(number) => (format!("the number {number}"), Some(number.clone())),
        Found::Bool(value) => (
            format!("`{value}` (true or false)"),
            Some(value.to_string()),
        ),
        Found::List => ("a list".to_owned(), None),
        Found::Mapping => ("a mapping".to_owned(), None),
        Found::Empty => ("an empty value".to_owned(), None),
        Found::Other(other) => (other.clone(), None),
    };
    let expected = match expected {
        "a sequence" => "a list",
        "a map" => "a mapping",
        "a string" => "text",
        "a boolean" => "true or false",
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "usize" => "a whole number",
        other if other.starts_with("struct ") => "a mapping",
        other => other,
    };
    let fix = match (expected, scalar) {
        ("a list", Some(value)) => format!(": write it as a list, such as `[{value}]`"),
        _ => String::new(),
    };
    format!("found {found}, expected {expected}{fix}")
}

/// "unknown key `x`: did you mean `y`? (valid: a, y)".
fn unknown(what: &str, found: &str, expected: &[&str]) -> String {
    let choices = expected.join(", ");
    match closest(found, expected.iter().copied()) {
        Some(nearest) => {
            format!("unknown {what} `{found}`: did you mean `{nearest}`? (valid: {choices})")
        }
        None => format!("unknown {what} `{found}` (valid: {choices})"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    use crate::yaml::Error as YamlError;
    use serde::de::{Error as _, Unexpected};

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        let error = YamlError::unknown_field("interfce", &["address", "services", "interface"]);
        assert_eq!(
            worded(&error),
            "unknown key `interfce`: did you mean `interface`? \
             (valid: address, services, interface)"
        );
    }

    #[test]
    fn type_errors_speak_yaml() {
        for (error, ours) in [
            (
                YamlError::invalid_type(Unexpected::Seq, &"a mapping of keys (address, services)"),
                "found a list, expected a mapping of keys (address, services)",
            ),
            (
                YamlError::invalid_type(Unexpected::Str("198.51.100.1"), &"a sequence"),
                "found the text \"198.51.100.1\", expected a list: write it as a list, such \
                 as `[198.51.100.1]`",
            ),
            (
                YamlError::invalid_type(Unexpected::Unsigned(80), &"a sequence"),
                "found the number 80, expected a list: write it as a list, such as `[80]`",
            ),
            (
                YamlError::invalid_type(Unexpected::Map, &"struct Host"),
                "found a mapping, expected a mapping",
            ),
            (
                YamlError::invalid_value(Unexpected::Signed(-1), &"a whole number of seconds"),
                "found the number -1, expected a whole number of seconds",
            ),
            (
                YamlError::invalid_type(Unexpected::Float(1.5), &"u32"),
                "found the number 1.5, expected a whole number",
            ),
            (
                YamlError::invalid_type(Unexpected::Float(2.0), &"u32"),
                "found the number 2.0, expected a whole number",
            ),
            (
                YamlError::invalid_type(Unexpected::Bool(true), &"a string"),
                "found `true` (true or false), expected text",
            ),
        ] {
            assert_eq!(worded(&error), ours, "{error}");
        }
    }

    #[test]
    fn unknown_variants_suggest_the_nearest() {
        let error = YamlError::unknown_variant("nettools", &["iproute2", "net-tools"]);
        assert_eq!(
            worded(&error),
            "unknown value `nettools`: did you mean `net-tools`? (valid: iproute2, net-tools)"
        );
    }

    #[test]
    fn syntax_errors_show_their_place_apart_and_reader_errors_by_offset() {
        let text = "version: 1\nservices:\n  www:\n    vips: [192.0.2.1]\n   ports: [80]\n";
        let error = parse("i.yaml", text).unwrap_err();
        let place = error.location.map(|place| (place.line, place.column));
        assert_eq!(place, Some((5, 4)), "{}", error.message);
        assert!(
            !error.message.contains("line 5 column 4"),
            "{}",
            error.message
        );
        let error = parse("i.yaml", "version: 1\nhosts:\n  a\u{1}: {}\n").unwrap_err();
        let place = error.location.map(|place| (place.line, place.column));
        assert_eq!(place, Some((3, 4)), "{}", error.message);
        assert!(error.message.ends_with(": remove the character"));
        assert!(!error.message.contains("position"), "{}", error.message);
    }

    /// A problem found after parsing is placed at its value; the other of
    /// two at its own; a key not written at its mapping; a path not written
    /// anywhere stays unplaced.
    #[test]
    fn problems_found_after_parsing_are_placed_by_path() {
        let text = "version: 1\nservices:\n  www: {vips: [192.0.2.9, 192.0.2.9]}\n\
                    hosts:\n  a:\n    address: 192.0.2.1\n    services: [www]\n";
        let diagnostic = |path: &str| Diagnostic::at_path("i.yaml", Code::DuplicateVip, path, "x");
        let mut problems = [
            diagnostic("services.www.vips[1]").also("services.www.vips[0]"),
            diagnostic("hosts.a"),
            diagnostic("hosts.a.address"),
            diagnostic("services.www.ports").within("services.www"),
            diagnostic("vrrp"),
        ];
        locate(text, &mut problems);
        let places: Vec<_> = problems
            .iter()
            .map(|problem| {
                let place = |location: Option<Location>| location.map(|l| (l.line, l.column));
                let related = problem.related.as_ref().and_then(|r| place(r.location));
                (place(problem.location), related)
            })
            .collect();
        assert_eq!(
            places,
            [
                (Some((3, 27)), Some((3, 16))),
                (Some((5, 3)), None),
                (Some((6, 14)), None),
                (Some((3, 3)), None),
                (None, None),
            ]
        );
        assert_eq!(
            problems[2].source_line.as_deref(),
            Some("    address: 192.0.2.1")
        );
    }

    /// A value reached through an alias is placed where its anchor wrote
    /// it; a text that ends in a block scalar without a line break (which
    /// libyaml-safer cannot read as it is) is placed all the same.
    #[test]
    fn aliases_and_a_block_scalar_at_the_end_are_placed() {
        let text = "a: &list [x, y]\nb: *list\nc: |\n  text";
        let mut problems = [
            Diagnostic::at_path("i.yaml", Code::InvalidValue, "b[1]", "x"),
            Diagnostic::at_path("i.yaml", Code::InvalidValue, "c", "x"),
        ];
        locate(text, &mut problems);
        let places: Vec<_> = problems
            .iter()
            .map(|problem| problem.location.map(|l| (l.line, l.column)))
            .collect();
        assert_eq!(places, [Some((1, 14)), Some((3, 4))]);
    }

    /// Each kind of error gets its code and its path from the error itself,
    /// and the message holds neither the code nor a control character.
    #[test]
    fn each_kind_of_error_has_its_code_and_path() {
        for (text, code, path) in [
            (
                "version: 1\nhosts:\n  a:\n    adress: 192.0.2.1\n",
                Code::UnknownKey,
                Some("hosts.a"),
            ),
            (
                "version: 1\ndefaults:\n  style: nettools\n",
                Code::UnknownValue,
                Some("defaults.style"),
            ),
            ("hosts: {}\n", Code::MissingKey, None),
            ("version: 1\nhosts: [a]\n", Code::InvalidType, Some("hosts")),
            ("version: 1\nversion: 1\n", Code::DuplicateKey, None),
            (
                "version: 1\nhosts:\n  a:\n    address: 192.0.2.300\n",
                Code::InvalidHostAddress,
                Some("hosts.a.address"),
            ),
            ("version: 2\n", Code::UnsupportedVersion, Some("version")),
            ("version: \"1\n", Code::YamlSyntax, None),
        ] {
            let error = parse("i.yaml", text).unwrap_err();
            assert_eq!((error.code, error.path.as_deref()), (code, path), "{text}");
            assert!(!error.message.contains(code.as_str()), "{}", error.message);
            assert!(
                !error.message.contains(char::is_control),
                "{}",
                error.message
            );
        }
    }

    /// A key written twice is placed at its later copy, and names the
    /// earlier one.
    #[test]
    fn duplicate_hosts_are_refused_with_both_places() {
        let text =
            "version: 1\nhosts:\n  a:\n    address: 192.0.2.1\n  a:\n    address: 192.0.2.2\n";
        let error = parse("i.yaml", text).unwrap_err();
        assert!(
            error.message.contains("duplicate key `a`"),
            "{}",
            error.message
        );
        assert_eq!(error.location.map(|l| l.line), Some(5));
        assert!(error.to_string().contains("(also at 3:3)"), "{error}");
        let related = error.related.expect("the earlier copy");
        assert_eq!(related.path, "hosts.a");
        assert_eq!(related.location, Some(Location { line: 3, column: 3 }));
    }
}
