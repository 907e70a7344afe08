//! The format page in Markdown: doc/inventory.md, the twin of
//! lvs-dr-gen-inventory(5) for readers of the repository.
//!
//! Compiled for the tests only: the committed doc/inventory.md must equal
//! what this module makes of the page, and `UPDATE_GOLDEN=1 cargo test`
//! rewrites it (refused when `CI` is set), as for the golden files and the
//! committed schema.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use super::{inventory::inventory_page, Block, Page, Span};

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
                    let _ = writeln!(out, "{}", markdown_spans(spans));
                }
                Block::Heading(title) => {
                    let _ = writeln!(out, "### {}", escape_markdown(title));
                }
                Block::Entry { term, body } => {
                    let _ = writeln!(out, "- {}", markdown_spans(term));
                    for paragraph in body {
                        let _ = write!(out, "\n  {}\n", markdown_spans(paragraph));
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
        "{title}\n\n<!-- Generated from the inventory's types (src/inventory.rs, src/values.rs) \
         through their JSON Schema by src/manual/; do not edit: `UPDATE_GOLDEN=1 cargo test` \
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

mod tests {
    use super::*;
    use crate::manual::{code, text};

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
    fn markdown_escapes_running_text_only() {
        let spans = [text("a_b <c> "), code("x_y")];
        assert_eq!(markdown_spans(&spans), "a\\_b \\<c\\> `x_y`");
    }
}
