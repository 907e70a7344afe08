//! `apply`: brings this machine to its rendered state once its files are
//! installed. It refuses (changing nothing) when it must, reads the
//! machine's situation, computes the host actions (`apply`, pure), carries
//! them out one by one (`apply::exec`), and ends with verify's report.

use std::time::{Duration, Instant};

use crate::apply::{self, exec, HostAction, HostActions, Situation};
use crate::cli::ApplyArgs;
use crate::code::Code;
use crate::diagnostic::plural;
use crate::live::{self, LiveError};
use crate::machine::{Machine, Role};
use crate::outcome::{Applied, Outcome, Trouble};
use crate::validate::model::Inventory;
use crate::verify::{self, Report};

/// How long `apply` waits, after starting or reloading keepalived, for
/// the IPVS table to be the rendered one before its verify reports drift.
const KEEPALIVED_SETTLE: Duration = Duration::from_secs(10);

/// `apply`: what it did and verify's report, or why it refused.
pub fn run(args: &ApplyArgs) -> Outcome {
    let model = match super::setup::load(&args.machine.inventory, false) {
        Ok(model) => model,
        Err(failure) => return failure.into(),
    };
    let mut notes = Vec::new();
    match prepare(args, &model, &mut notes) {
        Ok((machine, situation, keepalived_config)) => {
            let actions = apply::actions(&machine, &situation);
            notes.extend(actions.notes.iter().cloned());
            let end = carry_out(args, &machine, &actions, keepalived_config.as_deref());
            Outcome::Applied(Box::new(Applied {
                notes,
                actions: Some(actions),
                dry_run: args.dry_run,
                end,
            }))
        }
        Err(trouble) if !notes.is_empty() => Outcome::Applied(Box::new(Applied {
            notes,
            actions: None,
            dry_run: args.dry_run,
            end: Err(trouble),
        })),
        Err(trouble) => Outcome::Trouble(trouble),
    }
}

/// Everything before the first change: the machine, the refusals, and the
/// machine's situation; with the keepalived.conf a reload gives keepalived
/// (directors).
fn prepare<'a>(
    args: &ApplyArgs,
    model: &'a Inventory,
    notes: &mut Vec<String>,
) -> Result<(Machine<'a>, Situation, Option<Vec<u8>>), Trouble> {
    let machine = super::setup::machine(model, &args.machine, None, |message| {
        refusal(Code::ApplyTrouble, &message)
    })?;
    let keepalived_config = refusals(args, &machine, notes)?;
    let situation = exec::read_situation(&machine, &args.machine.root, &args.keepalived_pid)
        .map_err(|error| refusal(Code::ApplyTrouble, &error.to_string()))?;
    Ok((machine, situation, keepalived_config))
}

/// Why `apply` changes nothing: `message`, and that nothing was changed.
fn refusal(code: Code, message: &str) -> Trouble {
    Trouble::coded(code, "", format!("{message}; nothing was changed"))
}

/// What makes `apply` refuse before it reads or changes anything: not
/// root (without `--dry-run`), installed files that are not the rendered
/// ones, and on a director a keepalived.conf that `keepalived -t` rejects.
/// Returns the director's keepalived.conf, which a reload gives keepalived.
fn refusals(
    args: &ApplyArgs,
    machine: &Machine<'_>,
    notes: &mut Vec<String>,
) -> Result<Option<Vec<u8>>, Trouble> {
    if !args.dry_run && !exec::is_root() {
        return Err(refusal(
            Code::ApplyNotRoot,
            "apply changes kernel parameters, interfaces and addresses and needs root: run it \
             as root (sudo), or with --dry-run to see what it would do",
        ));
    }
    let root = &args.machine.root;
    let wrong = apply::refusals(
        &machine.files,
        &live::read_files(machine.files.keys(), root),
    );
    if !wrong.is_empty() {
        let message = format!(
            "the installed files are not the rendered ones: {}. Install OUT/{}/ below {} \
             first (lvs-dr-gen render, then your config management copies the files), then \
             run apply again",
            wrong.join("; "),
            machine.name(),
            root.display()
        );
        return Err(refusal(Code::ApplyFilesNotInstalled, &message));
    }
    match &machine.role {
        Role::Director(setup) => {
            let installed = live::below(root, &setup.keepalived_file);
            let drained = verify::director::fully_drained(&setup.ipvs);
            let note = exec::keepalived_test(&installed, drained)
                .map_err(|error| refusal(Code::ApplyKeepalivedRejects, &error))?;
            notes.extend(note);
            Ok(machine.files.get(&setup.keepalived_file).cloned())
        }
        Role::RealServer(_) => Ok(None),
    }
}

/// Carries out the actions (unless `--dry-run`), then verifies; the
/// report, or why apply stopped.
fn carry_out(
    args: &ApplyArgs,
    machine: &Machine<'_>,
    actions: &HostActions,
    keepalived_config: Option<&[u8]>,
) -> Result<Report, Trouble> {
    if !args.dry_run {
        let executor = exec::Executor {
            pid_file: &args.keepalived_pid,
            keepalived_config,
        };
        run_actions(&executor, &actions.actions)?;
    }
    let settle = !args.dry_run
        && actions.actions.iter().any(|action| {
            matches!(
                action,
                HostAction::ReloadKeepalived { .. } | HostAction::StartKeepalived
            )
        });
    final_verify(machine, &args.machine.root, settle)
        .map_err(|error| refusal(Code::ApplyTrouble, &error.to_string()))
}

/// Carries out `actions` in order, stopping at the first that fails.
fn run_actions(executor: &exec::Executor<'_>, actions: &[HostAction]) -> Result<(), Trouble> {
    for (index, action) in actions.iter().enumerate() {
        if let Err(error) = executor.run(action) {
            let message = format!(
                "apply: `{action}` failed: {error}; {index} action{} before it {} done, the \
                 rest not; fix the cause and run apply again",
                plural(index),
                if index == 1 { "was" } else { "were" }
            );
            return Err(Trouble::coded(Code::ApplyFailed, "", message));
        }
    }
    Ok(())
}

/// verify, on the live state read anew; with `settle`, read again until
/// no drift is left or [`KEEPALIVED_SETTLE`] has passed (keepalived
/// rebuilds its IPVS table after a start or reload).
fn final_verify(
    machine: &Machine<'_>,
    root: &std::path::Path,
    settle: bool,
) -> Result<Report, LiveError> {
    let start = Instant::now();
    loop {
        let state = live::read(&verify::probe(machine, false), root)?;
        let report = verify::verify(machine, &state);
        let done = !matches!(report.status(), verify::Status::Drift);
        if done || !settle || start.elapsed() >= KEEPALIVED_SETTLE {
            return Ok(report);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
