//! How `check` shows a change: one file's unified diff (the `similar`
//! crate's), coloured as git colours it when the output is a terminal.

use std::io::{self, Write};

use similar::TextDiff;

/// Writes the unified diff of one file, `old` and `new` each with the name
/// its header shows; nothing when they are equal. With `color`, the lines
/// are coloured as git colours them (see [`paint_diff`]).
pub fn write_file_diff(
    out: &mut dyn Write,
    (old_name, old): (&str, &[u8]),
    (new_name, new): (&str, &[u8]),
    color: bool,
) -> io::Result<()> {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    let text = diff.unified_diff().header(old_name, new_name).to_string();
    if color {
        out.write_all(paint_diff(&text).as_bytes())
    } else {
        out.write_all(text.as_bytes())
    }
}

/// ANSI escapes of the diff's colours, as git's defaults: bold file
/// headers, cyan hunk headers, red removed and green added lines.
const BOLD: &str = "\x1b[1m";
const CYAN: &str = "\x1b[36m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[m";

/// One file's unified diff with git's colours. The lines before the first
/// hunk are the file header; inside a hunk every line starts with ` `, `-`,
/// `+` or `\`, so a removed line that starts with `--` is never taken for a
/// header. The escape that ends a colour comes before the line break, as
/// git writes it.
pub fn paint_diff(text: &str) -> String {
    let mut painted = String::with_capacity(text.len() + text.len() / 4);
    let mut in_hunk = false;
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if body.starts_with("@@") {
            in_hunk = true;
        }
        let color = if body.starts_with("@@") {
            CYAN
        } else if !in_hunk {
            BOLD
        } else if body.starts_with('-') {
            RED
        } else if body.starts_with('+') {
            GREEN
        } else {
            ""
        };
        if color.is_empty() || body.is_empty() {
            painted.push_str(line);
        } else {
            painted.push_str(color);
            painted.push_str(body);
            painted.push_str(RESET);
            painted.push_str(end);
        }
    }
    painted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_are_painted_as_git_paints_them() {
        let text = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n same\n--- removed, starting with dashes\n+added\n\\ No newline at end of file\n";
        assert_eq!(
            paint_diff(text),
            "\x1b[1m--- a/f\x1b[m\n\x1b[1m+++ b/f\x1b[m\n\x1b[36m@@ -1,3 +1,3 @@\x1b[m\n same\n\
             \x1b[31m--- removed, starting with dashes\x1b[m\n\x1b[32m+added\x1b[m\n\
             \\ No newline at end of file\n"
        );
    }
}
