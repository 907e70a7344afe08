//! The format page in Markdown: doc/inventory.md, the twin of
//! lvs-dr-gen-inventory(5) for readers of the repository.
//!
//! A test, not part of the program: the committed doc/inventory.md must
//! equal what this module makes of the page, and `UPDATE_GOLDEN=1 cargo
//! test` rewrites it (refused when `CI` is set), as for the golden files
//! and the committed schema.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use lvs_dr_gen::manual::{code, inventory_page, text, Block, Page, Span};

/// Markdown's special characters in running text, escaped.
fn escape_markdown(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '\\' | '*' | '_' | '<' | '>' | '[' | ']' | '`') {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

/// A paragraph's spans as Markdown.
fn markdown_spans(spans: &[Span]) -> String {
    let mut out = String::new();
    for span in spans {
        match span {
            Span::Text(text) => out.push_str(&escape_markdown(text)),
            Span::Code(text) | Span::Pattern(text) => {
                let _ = write!(out, "`{text}`");
            }
            Span::Type(text) => {
                let _ = write!(out, "*{text}*");
            }
            Span::Page(name, section) => {
                let _ = write!(out, "**{}**({section})", escape_markdown(name));
            }
        }
    }
    out
}

/// The longest line `wrap` makes, unless a word is longer.
const WIDTH: usize = 100;

/// A paragraph broken into lines of at most `WIDTH` characters, each
/// starting with `indent`. It never breaks before a word that would start
/// a list item, heading, quote or table at the beginning of a line.
fn wrap(paragraph: &str, indent: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in paragraph.split(' ') {
        let fits = indent.len() + line.len() + 1 + word.len() <= WIDTH;
        if !line.is_empty() && !fits && may_start_a_line(word) {
            lines.push(std::mem::take(&mut line));
        } else if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
        .iter()
        .map(|line| format!("{indent}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a line may start with `word` and stay running text.
fn may_start_a_line(word: &str) -> bool {
    let after_digits = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let numbered = after_digits.len() < word.len()
        && (after_digits.starts_with('.') || after_digits.starts_with(')'));
    // `-`, `*`, `+` and `#` open a list item or heading only before a space;
    // a line of `-`, `=` or `_` alone underlines or rules.
    let marks_only = word.chars().all(|c| "-*+#=_".contains(c));
    !numbered && !marks_only && !word.starts_with(['>', '|'])
}

/// A section title as a Markdown heading writes it: `SEE ALSO` is
/// `See also`.
fn sentence_case(title: &str) -> String {
    let lower = title.to_lowercase();
    let mut characters = lower.chars();
    characters.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(characters).collect()
    })
}

/// The whole page in Markdown, for doc/.
pub fn to_markdown(page: &Page) -> String {
    let mut out = format!(
        "# {}({})\n\n{}\n",
        page.name,
        page.section,
        escape_markdown(&format!("{} - {}", page.name, page.summary))
    );
    for section in &page.sections {
        let _ = write!(out, "\n## {}\n", sentence_case(section.title));
        for block in &section.blocks {
            out.push('\n');
            match block {
                Block::Paragraph(spans) => {
                    let _ = writeln!(out, "{}", wrap(&markdown_spans(spans), ""));
                }
                Block::Heading(title) => {
                    let _ = writeln!(out, "### {}", escape_markdown(title));
                }
                Block::Entry { term, body } => {
                    let _ = writeln!(out, "- {}", markdown_spans(term));
                    for paragraph in body {
                        let _ = write!(out, "\n{}\n", wrap(&markdown_spans(paragraph), "  "));
                    }
                }
                Block::Example { language, text } => {
                    let _ = write!(out, "```{language}\n{text}```\n");
                }
            }
        }
    }
    out
}

/// doc/inventory.md: the format page in Markdown, with a note that it is
/// generated.
pub fn inventory_markdown() -> String {
    let page = to_markdown(&inventory_page());
    let (title, rest) = page.split_once("\n\n").unwrap_or((&page, ""));
    format!(
        "{title}\n\n<!-- Generated from the inventory's types (src/inventory.rs, src/values/)\n\
         through their JSON Schema by src/manual/; do not edit: `UPDATE_GOLDEN=1 cargo test`\n\
         rewrites it. -->\n\n{rest}"
    )
}

/// Whether the tests should rewrite the committed copies: `UPDATE_GOLDEN=1`,
/// refused when `CI` is set (a committed copy is a reviewed change).
fn updating() -> bool {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1");
    assert!(
        !(update && std::env::var_os("CI").is_some()),
        "UPDATE_GOLDEN is refused when CI is set: doc/inventory.md is a reviewed change, not \
         test output"
    );
    update
}

#[test]
fn doc_inventory_md_is_the_generated_page() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("doc/inventory.md");
    let generated = inventory_markdown();
    if updating() {
        fs::create_dir_all(path.parent().expect("doc/")).expect("create doc/");
        fs::write(&path, &generated).expect("write doc/inventory.md");
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    let diff = similar::TextDiff::from_lines(&committed, &generated)
        .unified_diff()
        .header("doc/inventory.md", "generated")
        .to_string();
    assert!(
        committed == generated,
        "doc/inventory.md is not the page the inventory's types give \
         (UPDATE_GOLDEN=1 cargo test rewrites it; review the diff):\n{diff}"
    );
}

#[test]
fn long_paragraphs_are_wrapped_where_markdown_allows() {
    let words = "word ".repeat(30);
    let text = format!("{words}- not a list item");
    let wrapped = wrap(&text, "  ");
    assert!(
        wrapped
            .lines()
            .all(|line| line.starts_with("  ") && !line.starts_with("  -")),
        "{wrapped}"
    );
    assert!(wrapped.lines().count() > 1, "{wrapped}");
    assert!(
        wrapped.lines().all(|line| line.len() <= WIDTH + 8),
        "{wrapped}"
    );
    assert_eq!(
        wrapped.split_whitespace().collect::<Vec<_>>().join(" "),
        text.trim()
    );
}

#[test]
fn markdown_escapes_running_text_only() {
    let spans = [text("a_b <c> "), code("x_y")];
    assert_eq!(markdown_spans(&spans), "a\\_b \\<c\\> `x_y`");
}

#[test]
fn ranges_and_defaults_are_stated() {
    let page = to_markdown(&inventory_page());
    assert!(
        page.contains("Type: an integer from 1 to 255, or empty. Default: `1`."),
        "{page}"
    );
    assert!(page.contains("Type: *HostAddresses*; required."), "{page}");
    assert!(
        page.contains(
            "Type: a mapping of at least 1 *HostName* to a mapping (see `hosts.NAME`), or \
             empty."
        ),
        "{page}"
    );
}
