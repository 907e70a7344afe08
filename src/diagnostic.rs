//! How problems with an inventory are told to the user: where (file, line
//! and column, or a path such as `hosts.web01.services[1]`), what is wrong,
//! and how to fix it, with the offending line and a caret when it is known.

use std::fmt;

use serde::de;

use serde_json::{json, Value};

use crate::code::Code;

/// A line and column in the inventory file, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1.
    pub column: usize,
}

/// One problem found in an inventory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The inventory's file name as given on the command line.
    pub file: String,
    /// Where the parser met the problem, if it knows.
    pub location: Option<Location>,
    /// The path to the offending value, such as `hosts.web01.services[1]`.
    pub path: Option<String>,
    /// The stable name of the rule the input breaks, such as `unknown-key`
    /// or `duplicate-address`: scripts may rely on it (doc/diagnostics.md,
    /// "JSON diagnostics").
    pub code: Code,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The offending source line, shown under the message.
    pub source_line: Option<String>,
    /// The other value a problem about two values names (the earlier of
    /// two duplicates).
    pub related: Option<Related>,
    /// Where to place the problem when its own path is not written (a
    /// missing key): the path of the mapping that should hold it. Not shown.
    pub within: Option<String>,
}

/// The second place of a problem about two values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Related {
    /// The other value's path, such as `hosts.web01.address`.
    pub path: String,
    /// Where it is written, once known.
    pub location: Option<Location>,
}

impl Diagnostic {
    /// A problem found after parsing, located by its path in the inventory.
    pub fn at_path(
        file: &str,
        code: Code,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.to_owned(),
            location: None,
            path: Some(path.into()),
            code,
            message: message.into(),
            source_line: None,
            related: None,
            within: None,
        }
    }

    /// The same problem, naming a second value at `path` (the earlier of two
    /// duplicates).
    #[must_use]
    pub fn also(mut self, path: impl Into<String>) -> Self {
        self.related = Some(Related {
            path: path.into(),
            location: None,
        });
        self
    }

    /// The same problem, about a key not written: placed at the mapping
    /// at `path` that should hold it.
    #[must_use]
    pub fn within(mut self, path: impl Into<String>) -> Self {
        self.within = Some(path.into());
        self
    }
}

impl Diagnostic {
    /// A problem outside the inventory (an output file, a template), named
    /// by its file (empty when there is none); no line or inventory path.
    pub fn in_file(file: impl Into<String>, code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            location: None,
            path: None,
            code,
            message: message.into(),
            source_line: None,
            related: None,
            within: None,
        }
    }

    /// The problem as one JSON object, the stable machine-readable form:
    /// every key is always present, `null` when unknown. `related` is the
    /// second value of a problem about two, `{path, line, column}`.
    pub fn to_json(&self) -> Value {
        let related = self.related.as_ref().map(|related| {
            json!({
                "path": related.path,
                "line": related.location.map(|place| place.line),
                "column": related.location.map(|place| place.column),
            })
        });
        json!({
            "severity": "error",
            "code": self.code,
            "file": (!self.file.is_empty()).then_some(&self.file),
            "line": self.location.map(|place| place.line),
            "column": self.location.map(|place| place.column),
            "path": self.path,
            "message": self.message,
            "related": related,
        })
    }
}

/// A parse error that breaks the rule `code`, for a value's `Deserialize`
/// to return: the way a code travels from a value to its diagnostic, as a
/// [`Code`], never inside the message's text. The YAML layer's error
/// carries it as the caller's rule (`crate::yaml::error_with_rule`, which
/// says how), and `inventory` reads it back; any other error type drops it
/// without a trace in the message.
pub fn error_with_code<E: de::Error>(code: Code, message: impl fmt::Display) -> E {
    crate::yaml::error_with_rule(code, message)
}

/// A diagnostic told as a warning (`validate` reports it and still exits
/// 0): the same text and JSON with `warning` where an error says `error`.
pub struct Warning<'a>(pub &'a Diagnostic);

impl Warning<'_> {
    /// The JSON form, `"severity": "warning"`.
    pub fn to_json(&self) -> Value {
        let mut value = self.0.to_json();
        value["severity"] = "warning".into();
        value
    }
}

impl fmt::Display for Warning<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        self.0.write(formatter, "warning")
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        self.write(formatter, "error")
    }
}

impl Diagnostic {
    /// The text form, with `severity` (`error`, `warning`) after the place.
    fn write(&self, formatter: &mut fmt::Formatter, severity: &str) -> fmt::Result {
        write!(formatter, "{}", printable(&self.file))?;
        let (path, message) = (
            self.path.as_deref().map(printable),
            printable(&self.message),
        );
        match (self.location, path) {
            (Some(place), Some(path)) => write!(
                formatter,
                ":{}:{}: {severity}: {path}: {}",
                place.line, place.column, message
            )?,
            (Some(place), None) => write!(
                formatter,
                ":{}:{}: {severity}: {}",
                place.line, place.column, message
            )?,
            (None, Some(path)) => write!(formatter, ": {path}: {severity}: {message}")?,
            (None, None) => write!(formatter, ": {severity}: {message}")?,
        }
        if let Some(related) = &self.related {
            match related.location {
                Some(place) => write!(formatter, " (also at {}:{})", place.line, place.column)?,
                None => write!(formatter, " (also at {})", printable(&related.path))?,
            }
        }
        if let (Some(place), Some(line)) = (self.location, &self.source_line) {
            let number = place.line.to_string();
            let gutter = " ".repeat(number.len());
            // Keep tabs so the caret lines up under the offending column,
            // and as many spaces as each shown character takes.
            let indent: String = line
                .chars()
                .take(place.column.saturating_sub(1))
                .map(|c| match c {
                    '\t' => "\t".to_owned(),
                    c => " ".repeat(printable(&c.to_string()).chars().count()),
                })
                .collect();
            write!(
                formatter,
                "\n{gutter} |\n{number} | {}\n{gutter} | {indent}^",
                printable(line)
            )?;
        }
        Ok(())
    }
}

/// `text` with every control character but the tab escaped (`\r`,
/// `\u{1b}`): a message must not move the cursor or recolour the
/// terminal, whatever the inventory holds.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// "s" unless `count` is 1: "1 file", "2 files".
pub fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// The candidate closest to `found`, when it is close enough to be the
/// likely intent (a typo, a missing or extra letter, a case slip).
pub fn closest<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| {
            let distance = strsim::damerau_levenshtein(
                &found.to_ascii_lowercase(),
                &candidate.to_ascii_lowercase(),
            );
            (distance, candidate)
        })
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn located_problems_show_the_line_and_a_caret() {
        let diagnostic = Diagnostic {
            file: "inventory.yaml".into(),
            location: Some(Location {
                line: 12,
                column: 9,
            }),
            path: None,
            code: Code::InvalidValue,
            message: "bad".into(),
            source_line: Some("  vips: [x]".into()),
            related: None,
            within: None,
        };
        assert_eq!(
            diagnostic.to_string(),
            "inventory.yaml:12:9: error: bad\n   |\n12 |   vips: [x]\n   |         ^"
        );
    }

    #[test]
    fn control_characters_are_shown_escaped_and_the_caret_still_lines_up() {
        let diagnostic = Diagnostic {
            file: "inventory.yaml".into(),
            code: Code::UnknownValue,
            location: Some(Location { line: 3, column: 8 }),
            path: None,
            message: "unknown value `r\u{1}r`".into(),
            source_line: Some("a: \"i\r\u{1b}x".into()),
            related: None,
            within: None,
        };
        assert_eq!(
            diagnostic.to_string(),
            "inventory.yaml:3:8: error: unknown value `r\\u{1}r`\n  |\n3 | a: \"i\\r\\u{1b}x\n  |              ^"
        );
    }

    #[test]
    fn path_problems_name_the_path() {
        let diagnostic = Diagnostic::at_path(
            "i.yaml",
            Code::UnknownService,
            "hosts.a.services[1]",
            "unknown",
        );
        assert_eq!(
            diagnostic.to_string(),
            "i.yaml: hosts.a.services[1]: error: unknown"
        );
    }

    /// The code reaches the YAML layer's error as a `Code`, and no message
    /// (ours, or another error type's) holds it; none is left after.
    #[test]
    fn codes_travel_typed_never_in_the_message() {
        let ours: crate::yaml::Error = error_with_code(Code::InvalidHostName, "`x` is bad");
        assert_eq!(ours.rule::<Code>(), Some(&Code::InvalidHostName));
        assert_eq!(ours.message(), "`x` is bad");
        let theirs: de::value::Error = error_with_code(Code::InvalidHostName, "`x` is bad");
        assert_eq!(theirs.to_string(), "`x` is bad");
        // A plain `custom` after a dropped code gets none.
        let plain = <crate::yaml::Error as de::Error>::custom("words");
        assert_eq!(plain.rule::<Code>(), None);
        // Through the parser to the diagnostic: typed, and not in the text.
        let problem = crate::inventory::parse(
            "i.yaml",
            "version: 1\nhosts:\n  a:\n    address: 192.0.2.300\n",
        )
        .unwrap_err();
        assert_eq!(problem.code, Code::InvalidHostAddress);
        assert!(
            !problem.message.contains(Code::InvalidHostAddress.as_str()),
            "{}",
            problem.message
        );
        assert!(
            !problem.message.chars().any(char::is_control),
            "{}",
            problem.message
        );
        assert!(
            !problem
                .to_string()
                .contains(Code::InvalidHostAddress.as_str()),
            "{problem}"
        );
    }

    #[test]
    fn json_has_every_key() {
        let diagnostic = Diagnostic::at_path("i.yaml", Code::UnknownService, "hosts.a", "unknown");
        assert_eq!(
            diagnostic.to_json().to_string(),
            r#"{"code":"unknown-service","column":null,"file":"i.yaml","line":null,"message":"unknown","path":"hosts.a","related":null,"severity":"error"}"#
        );
    }

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(
            closest("interfce", ["address", "interface"]),
            Some("interface")
        );
        assert_eq!(closest("zzz", ["address", "interface"]), None);
    }
}
