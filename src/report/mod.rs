//! The reporter: prints a command's [`Outcome`] in the format the user
//! chose, one renderer per format, each its own module and tested on its
//! own: `text` for people (every outcome), `json` for scripts and CI,
//! `prometheus` for `verify`'s textfile collector, and `markdown` for
//! `plan` in a merge request; `site` holds what they all say of a `site`
//! command. A renderer that has no
//! form of its own for an outcome (Prometheus for an error) prints it as
//! text. The commands never print; this module never decides.

pub mod json;
pub mod markdown;
pub mod prometheus;
mod renderer;
pub mod site;
pub mod text;

pub use renderer::Renderer;

/// The output formats, across commands; each command offers the ones it
/// has (its `--format` help says what each prints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people: messages on standard error, results on standard output.
    Text,
    /// For scripts and CI: JSON on standard output.
    Json,
    /// The Prometheus text exposition format (`verify`).
    Prometheus,
    /// One Markdown document for a merge request comment (`plan`).
    Markdown,
}

/// The renderer of `format`.
pub fn renderer(format: Format) -> &'static dyn Renderer {
    match format {
        Format::Text => &text::Text,
        Format::Json => &json::Json,
        Format::Prometheus => &prometheus::Prometheus,
        Format::Markdown => &markdown::Markdown,
    }
}
