//! What several commands start with: the inventory read, parsed and
//! validated (every problem found), the renderer with its templates, and
//! the machine a command runs on with its files rendered.

use std::fs;
use std::path::Path;

use crate::cli::MachineArgs;
use crate::code::Code;
use crate::machine::{self, Machine};
use crate::outcome::{Failure, Invalid, Trouble};
use crate::render::{RenderError, Renderer};
use crate::validate::model::Inventory;
use crate::{inventory, live};

/// Reads, parses and validates the inventory at `path`; every problem
/// found, with `writing` when the command would have written files.
pub fn load(path: &Path, writing: bool) -> Result<Inventory, Failure> {
    load_with_text(path, writing).map(|(model, _)| model)
}

/// [`load`], with the inventory's text (to locate later diagnostics in).
pub fn load_with_text(path: &Path, writing: bool) -> Result<(Inventory, String), Failure> {
    let file = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|error| {
        let message = format!("cannot read inventory {file}: {error}");
        Trouble::coded(Code::InventoryUnreadable, &file, message)
    })?;
    let problems = match inventory::parse(&file, &text) {
        Ok(raw) => match crate::validate::validate(&file, &raw) {
            Ok(model) => return Ok((model, text)),
            Err(mut problems) => {
                inventory::locate(&text, &mut problems);
                problems
            }
        },
        Err(problem) => vec![*problem],
    };
    Err(Failure::Invalid(Invalid {
        file,
        problems,
        writing,
    }))
}

/// The renderer, with the override templates of `templates`.
pub fn renderer(templates: Option<&Path>) -> Result<Renderer, Trouble> {
    Renderer::new(templates).map_err(|error| render_trouble(&error))
}

/// A template that failed, as trouble about its file.
pub fn render_trouble(error: &RenderError) -> Trouble {
    let file = error
        .file()
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    Trouble::coded(error.code(), file, error.to_string())
}

/// The machine of `args` (`--host`, or the name a recorded state gives,
/// or this machine's host name) with its files rendered; `trouble` words
/// the error when it cannot be named or found (a template's error is the
/// template's).
pub fn machine<'a>(
    model: &'a Inventory,
    args: &MachineArgs,
    recorded_name: Option<&str>,
    trouble: impl Fn(String) -> Trouble,
) -> Result<Machine<'a>, Trouble> {
    let name = match (&args.host, recorded_name) {
        (Some(name), _) => name.clone(),
        (None, Some(name)) => name.to_owned(),
        (None, None) => live::hostname().map_err(|error| trouble(error.to_string()))?,
    };
    let renderer = renderer(args.templates.as_deref())?;
    machine::load(model, &renderer, &name).map_err(|error| match error {
        machine::MachineError::Unknown(message) => trouble(message),
        machine::MachineError::Render(error) => render_trouble(&error),
    })
}
