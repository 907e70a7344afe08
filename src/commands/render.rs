//! `render`: every host's and director's files written below the output
//! directory, through the output-directory transaction; and what `render`
//! and `check` share: the inventory's units as the transaction's source,
//! and the errors of the output directory as trouble.

use std::collections::BTreeSet;
use std::io;
use std::path::Path;

use crate::cli::OutputArgs;
use crate::code::Code;
use crate::diagnostic::{closest, Diagnostic};
use crate::outcome::{Failure, Machines, Outcome, Rendered, Trouble};
use crate::outdir::ConfinedError;
use crate::output::{self, Access, OutputError, Transaction};
use crate::render::{self, RenderError, Renderer, Tree};
use crate::validate::model::Inventory;

/// `render`: writes the files, atomically, and removes those the inventory
/// no longer makes.
pub fn run(args: &OutputArgs) -> Result<Outcome, Failure> {
    let (transaction, machines) = prepare(args, Access::Write)?;
    let summary = transaction
        .commit()
        .map_err(|error| output_trouble(&args.out, &error))?;
    Ok(Outcome::Rendered(Rendered { machines, summary }))
}

/// Loads, validates and renders the inventory of `args` and compares it
/// with the output directory: the transaction, and the machines it covers.
pub fn prepare(
    args: &OutputArgs,
    access: Access,
) -> Result<(Transaction<'static>, Machines), Failure> {
    let model = super::setup::load(&args.inventory, access == Access::Write)?;
    check_selection(&model, &args.hosts)?;
    let selected: BTreeSet<String> = args.hosts.iter().cloned().collect();
    transaction(
        model,
        &args.out,
        args.templates.as_deref(),
        selected,
        access,
    )
}

/// Renders the valid `model` (the machines of `selected`, empty: all) and
/// compares it with the output directory `out`: the transaction, and the
/// machines it covers. `site render` and `site check` prepare each
/// cluster's this way.
pub fn transaction(
    model: Inventory,
    out: &Path,
    templates: Option<&Path>,
    selected: BTreeSet<String>,
    access: Access,
) -> Result<(Transaction<'static>, Machines), Failure> {
    let renderer = super::setup::renderer(templates)?;
    let machines = covered(&model, &selected);
    let only_hosts = (!selected.is_empty()).then(|| selected.clone());
    // Always the whole inventory: a director's file lists every real server,
    // and every unit is rendered for its errors.
    let source = Rendering {
        renderer,
        model,
        selected,
    };
    let on_wait = || {
        eprintln!(
            "waiting for another lvs-dr-gen run in {} to finish",
            out.display()
        );
    };
    let transaction = output::prepare(out, Box::new(source), only_hosts.as_ref(), access, on_wait)
        .map_err(|error| output_trouble(out, &error))?;
    Ok((transaction, machines))
}

/// The machines a run covers: all, or those of the `--host` selection.
fn covered(model: &Inventory, selected: &BTreeSet<String>) -> Machines {
    if selected.is_empty() {
        return Machines {
            hosts: model.hosts.len(),
            directors: model.directors.len(),
        };
    }
    let directors = model
        .directors
        .iter()
        .filter(|director| selected.contains(&director.name))
        .count();
    Machines {
        hosts: selected.len() - directors,
        directors,
    }
}

/// The inventory's units (hosts, then directors) as the transaction's
/// source, rendered on demand; `selected` is the `--host` selection
/// (empty: all).
struct Rendering {
    renderer: Renderer,
    model: Inventory,
    selected: BTreeSet<String>,
}

impl output::Source for Rendering {
    fn units(&self) -> usize {
        render::units(&self.model)
    }

    fn selected(&self, unit: usize) -> bool {
        self.selected.is_empty() || self.selected.contains(render::unit_name(&self.model, unit))
    }

    fn files(&self, unit: usize) -> Result<Tree, RenderError> {
        let mut files = Tree::new();
        self.renderer.render_unit(&self.model, unit, &mut files)?;
        Ok(files)
    }
}

/// Refuses `--host` names that are neither a host nor a director.
fn check_selection(model: &Inventory, names: &[String]) -> Result<(), Trouble> {
    let known: Vec<&str> = model
        .hosts
        .iter()
        .map(|host| host.name.as_str())
        .chain(
            model
                .directors
                .iter()
                .map(|director| director.name.as_str()),
        )
        .collect();
    let messages: Vec<String> = names
        .iter()
        .filter(|name| !known.contains(&name.as_str()))
        .map(|name| {
            let hint = closest(name, known.iter().copied()).map_or_else(
                || format!("hosts: {}", known.join(", ")),
                |near| format!("did you mean `{near}`?"),
            );
            format!("--host {name}: no such host in the inventory; {hint}")
        })
        .collect();
    if messages.is_empty() {
        return Ok(());
    }
    Err(Trouble {
        problems: messages
            .iter()
            .map(|message| Diagnostic::in_file("", Code::UnknownHostSelected, message))
            .collect(),
        message: messages.join("\nerror: "),
    })
}

/// An error of the output directory as trouble: in text the directory and
/// what is wrong; in JSON one problem per file in the way, so that CI can
/// show each.
pub fn output_trouble(out: &Path, error: &OutputError) -> Trouble {
    if let OutputError::Render(error) = error {
        return super::setup::render_trouble(error);
    }
    let problems = match error {
        OutputError::Foreign { paths } => paths
            .iter()
            .map(|path| {
                Diagnostic::in_file(
                    out.join(path).display().to_string(),
                    error.code(),
                    format!(
                        "not written by lvs-dr-gen (not in {}); move it away or choose another \
                         output directory",
                        output::MANIFEST_NAME
                    ),
                )
            })
            .collect(),
        _ => vec![Diagnostic::in_file(
            out.display().to_string(),
            error.code(),
            out_dir_problem(error).unwrap_or_else(|| error.to_string()),
        )],
    };
    let message = match out_dir_problem(error) {
        Some(problem) => format!("--out {}: {problem}", out.display()),
        None => format!("in {}: {error}", out.display()),
    };
    Trouble { message, problems }
}

/// What is wrong with the `--out` path itself (an error with no path below
/// it), in words that say how to fix it.
fn out_dir_problem(error: &OutputError) -> Option<String> {
    match error {
        OutputError::Confined(ConfinedError::Io { path, source })
            if path.as_os_str().is_empty() =>
        {
            Some(if source.kind() == io::ErrorKind::NotADirectory {
                "not a directory; give a directory (it is created if missing)".to_owned()
            } else {
                source.to_string()
            })
        }
        _ => None,
    }
}
