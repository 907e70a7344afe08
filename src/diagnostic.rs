//! How problems with an inventory are told to the user: where (file, line
//! and column, or a path such as `hosts.web01.services[1]`), what is wrong,
//! and how to fix it, with the offending line and a caret when it is known.

use std::fmt;

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
    pub fn also(mut self, path: impl Into<String>) -> Self {
        self.related = Some(Related {
            path: path.into(),
            location: None,
        });
        self
    }

    /// The same problem, about a key not written: placed at the mapping
    /// at `path` that should hold it.
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

/// Marks the code in a parse error's message. This is the one place a code
/// travels inside text: a value's `Deserialize` is generic over the error
/// type and serde's `de::Error::custom` takes only a message, so [`coded`]
/// puts the code's exact [`Code::as_str`] form between two of these marks in
/// front of the message, and [`take_code`] reads it back from there, as a
/// `Code` or not at all (never from a message's words). The mark is a
/// control character, which user input in a message never holds raw (it is
/// always escaped). The YAML layer owning the error type its values raise
/// (issue 23 parts 1 and 3) would remove it.
const CODE_MARK: char = '\u{1f}';

/// A parse error message that carries `code`; see [`take_code`].
pub fn coded(code: Code, message: impl fmt::Display) -> String {
    format!("{CODE_MARK}{code}{CODE_MARK}{message}")
}

/// Removes the code that [`coded`] put in `message`, returning it; `None`
/// (and `message` unchanged) when there is none.
pub fn take_code(message: &mut String) -> Option<Code> {
    let start = message.find(CODE_MARK)?;
    let length = message[start + 1..].find(CODE_MARK)?;
    let code = message[start + 1..start + 1 + length].parse().ok()?;
    message.replace_range(start..start + length + 2, "");
    Some(code)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "{}", printable(&self.file))?;
        let (path, message) = (
            self.path.as_deref().map(printable),
            printable(&self.message),
        );
        match (self.location, path) {
            (Some(place), Some(path)) => write!(
                formatter,
                ":{}:{}: error: {path}: {}",
                place.line, place.column, message
            )?,
            (Some(place), None) => write!(
                formatter,
                ":{}:{}: error: {}",
                place.line, place.column, message
            )?,
            (None, Some(path)) => write!(formatter, ": {path}: error: {message}")?,
            (None, None) => write!(formatter, ": error: {message}")?,
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

    #[test]
    fn codes_travel_inside_messages() {
        let mut message = format!("hosts.a: {}", coded(Code::InvalidHostName, "`x` is bad"));
        assert_eq!(take_code(&mut message), Some(Code::InvalidHostName));
        assert_eq!(message, "hosts.a: `x` is bad");
        assert_eq!(take_code(&mut message), None);
        let mut unknown = "\u{1f}no-such-code\u{1f}text".to_owned();
        assert_eq!(take_code(&mut unknown), None);
        assert_eq!(unknown, "\u{1f}no-such-code\u{1f}text");
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
