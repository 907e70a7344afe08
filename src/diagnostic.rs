//! How problems with an inventory are told to the user: where (file, line
//! and column, or a path such as `hosts.web01.services[1]`), what is wrong,
//! and how to fix it, with the offending line and a caret when it is known.

use std::fmt;

/// A line and column in the inventory file, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1.
    pub column: usize,
}

/// One problem found in an inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The inventory's file name as given on the command line.
    pub file: String,
    /// Where the parser met the problem, if it knows.
    pub location: Option<Location>,
    /// The path to the offending value, such as `hosts.web01.services[1]`.
    pub path: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The offending source line, shown under the message.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A problem found after parsing, located by its path in the inventory.
    pub fn at_path(file: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_owned(),
            location: None,
            path: Some(path.into()),
            message: message.into(),
            source_line: None,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "{}", printable(&self.file))?;
        if let Some(place) = self.location {
            write!(formatter, ":{}:{}", place.line, place.column)?;
        }
        if let Some(path) = &self.path {
            write!(formatter, ": {}", printable(path))?;
        }
        write!(formatter, ": error: {}", printable(&self.message))?;
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
            message: "bad".into(),
            source_line: Some("  vips: [x]".into()),
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
            location: Some(Location { line: 3, column: 8 }),
            path: None,
            message: "unknown value `r\u{1}r`".into(),
            source_line: Some("a: \"i\r\u{1b}x".into()),
        };
        assert_eq!(
            diagnostic.to_string(),
            "inventory.yaml:3:8: error: unknown value `r\\u{1}r`\n  |\n3 | a: \"i\\r\\u{1b}x\n  |              ^"
        );
    }

    #[test]
    fn path_problems_name_the_path() {
        let diagnostic = Diagnostic::at_path("i.yaml", "hosts.a.services[1]", "unknown");
        assert_eq!(
            diagnostic.to_string(),
            "i.yaml: hosts.a.services[1]: error: unknown"
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
