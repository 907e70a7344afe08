//! What the command line's options mean to a run: the report format of
//! each command's `--format`, and whether `--color` colours the output.

use std::io::{self, IsTerminal};

use crate::cli::{ApplyFormat, ColorArgs, ColorChoice, Format, PlanFormat, VerifyFormat};
use crate::report;

impl From<Format> for report::Format {
    fn from(format: Format) -> Self {
        match format {
            Format::Text => report::Format::Text,
            Format::Json => report::Format::Json,
        }
    }
}

impl From<VerifyFormat> for report::Format {
    fn from(format: VerifyFormat) -> Self {
        match format {
            VerifyFormat::Text => report::Format::Text,
            VerifyFormat::Json => report::Format::Json,
            VerifyFormat::Prometheus => report::Format::Prometheus,
        }
    }
}

impl From<ApplyFormat> for report::Format {
    fn from(format: ApplyFormat) -> Self {
        match format {
            ApplyFormat::Text => report::Format::Text,
            ApplyFormat::Json => report::Format::Json,
        }
    }
}

impl From<PlanFormat> for report::Format {
    fn from(format: PlanFormat) -> Self {
        match format {
            PlanFormat::Text => report::Format::Text,
            PlanFormat::Json => report::Format::Json,
            PlanFormat::Markdown => report::Format::Markdown,
        }
    }
}

impl ColorArgs {
    /// Whether to colour standard output.
    pub fn enabled(&self) -> bool {
        colors(
            self.color,
            io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        )
    }
}

/// Whether to colour, by the choice, whether the output is a terminal, and
/// `NO_COLOR` (<https://no-color.org>: set and not empty, it turns colours
/// off unless the command line asks for them).
fn colors(choice: ColorChoice, terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && no_color.is_none_or(std::ffi::OsStr::is_empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_follow_the_choice_the_terminal_and_no_color() {
        use std::ffi::OsStr;
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(colors(ColorChoice::Auto, true, None));
        assert!(colors(ColorChoice::Auto, true, empty));
        assert!(!colors(ColorChoice::Auto, true, set));
        assert!(!colors(ColorChoice::Auto, false, None));
        assert!(colors(ColorChoice::Always, false, set));
        assert!(!colors(ColorChoice::Never, true, None));
    }
}
