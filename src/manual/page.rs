//! A manual page as data: its sections of paragraphs, entries and
//! examples, in spans of text, code, types, patterns and references to
//! other pages; the man pages (roff) and doc/inventory.md are both made
//! from it.

/// A piece of running text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// Plain text.
    Text(String),
    /// Literal text a user types or reads in a file: a key, a value, a path.
    Code(String),
    /// The name of a value type, described under VALUE TYPES.
    Type(String),
    /// A pattern (regular expression): code that may break after `|` and
    /// before `(`, as long patterns do not fit a terminal's line.
    Pattern(String),
    /// A reference to a man page: name and section.
    Page(String, &'static str),
}

/// Plain text.
pub fn text(text: impl Into<String>) -> Span {
    Span::Text(text.into())
}

/// Literal text.
pub fn code(text: impl Into<String>) -> Span {
    Span::Code(text.into())
}

/// Text with `literal` parts between backticks, as the doc comments of the
/// inventory types write them.
pub fn marked(source: &str) -> Vec<Span> {
    source
        .split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(index, part)| {
            if index % 2 == 1 {
                code(part)
            } else {
                text(part)
            }
        })
        .collect()
}

/// A part of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Paragraph(Vec<Span>),
    /// A subsection's title.
    Heading(String),
    /// A term (a key, a value type) and its paragraphs.
    Entry {
        /// What is described.
        term: Vec<Span>,
        /// Its description, one paragraph an item.
        body: Vec<Vec<Span>>,
    },
    /// Lines shown as they are (a command, a file), in the given language
    /// for Markdown (`sh`, `yaml`).
    Example {
        /// The language, for Markdown's code fence.
        language: &'static str,
        /// The lines, with a final newline.
        text: String,
    },
}

/// A section: its title, in capitals as man pages write it, and its blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The title, such as `SEE ALSO`.
    pub title: &'static str,
    /// What it holds.
    pub blocks: Vec<Block>,
}

/// A whole page: its name, section number, one-line summary and sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page's name, such as `lvs-dr-gen-inventory`.
    pub name: &'static str,
    /// The manual section, such as `5`.
    pub section: &'static str,
    /// What the page is about, for the NAME section.
    pub summary: &'static str,
    /// The sections after NAME.
    pub sections: Vec<Section>,
}

/// The pages every page refers to, after those of the program itself.
pub(super) const RELATED: [(&str, &str); 5] = [
    ("keepalived.conf", "5"),
    ("interfaces", "5"),
    ("sysctl.d", "5"),
    ("modules-load.d", "5"),
    ("ipvsadm", "8"),
];

/// References to man pages, as a SEE ALSO paragraph: `a(1), b(5)`.
pub(super) fn references(pages: &[(String, &'static str)]) -> Vec<Span> {
    let mut spans = Vec::new();
    for (index, (name, section)) in pages.iter().enumerate() {
        if index > 0 {
            spans.push(text(", "));
        }
        spans.push(Span::Page(name.clone(), section));
    }
    spans
}

/// The SEE ALSO paragraph of the format page.
pub fn format_see_also(program: &[&str]) -> Vec<Span> {
    let mut pages: Vec<(String, &'static str)> = program
        .iter()
        .map(|page| ((*page).to_owned(), "1"))
        .collect();
    pages.extend(
        RELATED
            .iter()
            .map(|(name, section)| ((*name).to_owned(), *section)),
    );
    references(&pages)
}
