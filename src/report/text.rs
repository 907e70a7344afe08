//! The text renderer, for people: results on standard output, messages and
//! one summary line on standard error. Every outcome has a text form; the
//! other renderers print in it what they have no form of their own for,
//! and take their summary lines from here.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::renderer::Renderer;
use super::site::{added, removed, site_line};
use crate::apply::{self, HostActions};
use crate::deployed::{Disagreement, Verdict};
use crate::diagnostic::{plural, Warning};
use crate::diff;
use crate::import::Import;
use crate::live::FileState;
use crate::outcome::{
    Applied, Checked, ClusterOutcome, Deployed, Diffed, Imported, Invalid, Machines, Outcome,
    Rendered, SiteRun, Validated,
};
use crate::output;
use crate::rollout::RolloutPlan;
use crate::verify::{Report, Status};

/// The text renderer.
pub struct Text;

impl Renderer for Text {
    fn render(
        &self,
        outcome: &Outcome,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<()> {
        match outcome {
            Outcome::Invalid(invalid) => {
                for problem in &invalid.problems {
                    writeln!(err, "{problem}")?;
                }
                writeln!(err, "{}", invalid_summary(invalid))
            }
            Outcome::Trouble(trouble) => writeln!(err, "error: {}", trouble.message),
            Outcome::Validated(validated) => {
                for warning in &validated.warnings {
                    writeln!(err, "{}", Warning(warning))?;
                }
                writeln!(out, "{}", validated_line(validated))
            }
            Outcome::Rendered(rendered) => writeln!(out, "{}", rendered_line(rendered)),
            Outcome::Checked(checked) => {
                checked.transaction.write_diff(out, checked.color)?;
                out.flush()?;
                writeln!(err, "{}", checked_line(checked))
            }
            Outcome::Initialized(file) => writeln!(
                out,
                "{shown}: starter inventory written; edit it, then run `lvs-dr-gen validate \
                 {shown}`",
                shown = file.display()
            ),
            Outcome::Diffed(diffed) => write_diffed(diffed, out, err),
            Outcome::Verified(report) => {
                out.write_all(verify(report).as_bytes())?;
                out.flush()?;
                writeln!(err, "{}", verify_summary(report))
            }
            Outcome::StateRecorded(state) => {
                let text = serde_json::to_string_pretty(state).map_err(io::Error::other)?;
                writeln!(out, "{text}")
            }
            Outcome::Applied(applied) => write_applied(applied, out, err),
            Outcome::Planned(planned) => {
                out.write_all(plan(&planned.plan, &planned.old, &planned.new).as_bytes())
            }
            Outcome::Deployed(deployed) => write_deployed(deployed, out, err),
            Outcome::Imported(imported) => write_imported(imported, out, err),
            Outcome::Site(run) => write_site(run, out, err),
            Outcome::Printed(text) => out.write_all(text.as_bytes()),
            Outcome::Done => Ok(()),
        }
    }
}

/// A `site` command: each cluster's outcome as its own command prints it,
/// named after the cluster, then the site's line (on standard output where
/// `validate` and `render` print theirs, else on standard error).
fn write_site(run: &SiteRun, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
    let mut summary_on_out = false;
    for cluster in &run.clusters {
        let name = &cluster.name;
        match &cluster.outcome {
            ClusterOutcome::Ran(Outcome::Validated(validated)) => {
                for warning in &validated.warnings {
                    writeln!(err, "{}", Warning(warning))?;
                }
                writeln!(out, "{name}: {}", validated_line(validated))?;
                summary_on_out = true;
            }
            ClusterOutcome::Ran(Outcome::Rendered(rendered)) => {
                writeln!(out, "{name}: {}", rendered_line(rendered))?;
                summary_on_out = true;
            }
            ClusterOutcome::Ran(Outcome::Checked(checked)) => {
                // The cluster first: its diff's paths are below its folder.
                out.flush()?;
                writeln!(err, "{name}: {}", checked_state(checked))?;
                checked.transaction.write_diff(out, checked.color)?;
                out.flush()?;
            }
            ClusterOutcome::Ran(Outcome::Planned(planned)) => {
                writeln!(out, "cluster {name}:")?;
                out.write_all(plan(&planned.plan, &planned.old, &planned.new).as_bytes())?;
                writeln!(out)?;
            }
            ClusterOutcome::Ran(other) => Text.render(other, out, err)?,
            ClusterOutcome::Added(inventory) => {
                writeln!(out, "cluster {name}:\n{}\n", added(inventory))?;
            }
            ClusterOutcome::Removed(inventory) => {
                writeln!(out, "cluster {name}:\n{}\n", removed(inventory))?;
            }
        }
    }
    if summary_on_out {
        return writeln!(out, "{}", site_line(run));
    }
    out.flush()?;
    writeln!(err, "{}", site_line(run))
}

/// "2 hosts", or "2 hosts, 2 directors" when there are directors.
pub fn machines(machines: Machines) -> String {
    let hosts = format!("{} host{}", machines.hosts, plural(machines.hosts));
    match machines.directors {
        0 => hosts,
        directors => format!("{hosts}, {directors} director{}", plural(directors)),
    }
}

/// "inventory.yaml: 2 problems found; nothing was written".
pub fn invalid_summary(invalid: &Invalid) -> String {
    let count = invalid.problems.len();
    let tail = if invalid.writing {
        "; nothing was written"
    } else {
        ""
    };
    format!(
        "{}: {count} problem{} found{tail}",
        invalid.file,
        plural(count)
    )
}

/// "inventory.yaml: valid (2 hosts, 2 directors, 1 service)".
pub fn validated_line(validated: &Validated) -> String {
    format!(
        "{}: valid ({}, {} service{})",
        validated.file,
        machines(validated.machines),
        validated.services,
        plural(validated.services)
    )
}

/// "2 hosts, 2 directors: 7 files written, 0 unchanged, 0 removed".
pub fn rendered_line(rendered: &Rendered) -> String {
    let summary = &rendered.summary;
    let leftovers = match summary.leftovers {
        0 => String::new(),
        count => format!(
            "; {count} temp file{} of an interrupted run removed",
            plural(count)
        ),
    };
    format!(
        "{}: {} file{} written, {} unchanged, {} removed{leftovers}",
        machines(rendered.machines),
        summary.written,
        plural(summary.written),
        summary.unchanged,
        summary.removed
    )
}

/// "out/: in sync (7 files)", or how many files would change.
pub fn checked_line(checked: &Checked) -> String {
    match checked.transaction.changes.len() {
        0 => checked_state(checked),
        _ => format!(
            "{}; run `lvs-dr-gen render` to update",
            checked_state(checked)
        ),
    }
}

/// "out/: in sync (7 files)", "out/: 2 files would change".
pub fn checked_state(checked: &Checked) -> String {
    let out = checked.out.display();
    match checked.transaction.changes.len() {
        0 => format!("{out}: in sync ({} files)", checked.transaction.unchanged),
        count => format!("{out}: {count} file{} would change", plural(count)),
    }
}

/// `diff`'s report: the diffs, the stanzas and parameters found elsewhere
/// on standard output; the files not read and the summary on standard
/// error.
fn write_diffed(diffed: &Diffed, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
    write_diff_report(&diffed.report, out, diffed.color)?;
    out.flush()?;
    for (path, why) in &diffed.report.unreadable {
        writeln!(err, "error: cannot read {}: {why}", path.display())?;
    }
    writeln!(err, "{}", diff_summary(&diffed.report, &diffed.machine))
}

/// The diffs (`a/` the installed file, `b/` the rendered one, as `check`
/// shows them), then the stanzas and the kernel parameters and modules
/// found elsewhere.
fn write_diff_report(report: &diff::Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    for file in &report.files {
        let shown = file.path.strip_prefix("/").unwrap_or(&file.path).display();
        let (old_name, old): (String, &[u8]) = match &file.installed {
            FileState::Text(text) => (format!("a/{shown}"), text.as_bytes()),
            FileState::Missing => ("/dev/null".to_owned(), &[]),
            FileState::NotText => {
                writeln!(
                    out,
                    "{}: not text (not UTF-8), so not compared",
                    file.path.display()
                )?;
                continue;
            }
            FileState::Unreadable(_) => continue,
        };
        output::write_file_diff(
            out,
            (&old_name, old),
            (&format!("b/{shown}"), &file.rendered),
            color,
        )?;
    }
    for stanza in &report.stanzas {
        writeln!(
            out,
            "{}:{}: {}",
            stanza.file.display(),
            stanza.line,
            stanza.why
        )?;
        for line in &stanza.text {
            writeln!(out, "    {line}")?;
        }
    }
    for setting in &report.settings {
        let verdict = if setting.differs() {
            format!(
                "{} sets {}: the value read last wins, so remove one of them",
                setting.our_file.display(),
                setting.ours
            )
        } else {
            format!(
                "the same value as {}: the line can go",
                setting.our_file.display()
            )
        };
        writeln!(
            out,
            "{}:{}: {} = {} ({verdict})",
            setting.file.display(),
            setting.line,
            setting.key,
            setting.value
        )?;
    }
    for module in &report.modules {
        writeln!(
            out,
            "{}:{}: {} (loaded by {} too: the line can go)",
            module.file.display(),
            module.line,
            module.module,
            module.our_file.display()
        )?;
    }
    Ok(())
}

/// `diff`'s summary line: "web01: 1 of 3 rendered files differs, ...".
fn diff_summary(report: &diff::Report, name: &str) -> String {
    let differing = report.files_differing();
    let mut parts = vec![format!(
        "{differing} of {} rendered file{} differ{}",
        report.files.len(),
        plural(report.files.len()),
        if differing == 1 { "s" } else { "" }
    )];
    if !report.stanzas.is_empty() {
        parts.push(format!(
            "{} hand-written stanza{} in the way",
            report.stanzas.len(),
            plural(report.stanzas.len())
        ));
    }
    if !report.settings.is_empty() {
        let other = report.settings.iter().filter(|s| s.differs()).count();
        parts.push(format!(
            "{} kernel parameter{} also set elsewhere ({other} to another value)",
            report.settings.len(),
            plural(report.settings.len())
        ));
    }
    if !report.unreadable.is_empty() {
        parts.push(format!(
            "{} file{} not read",
            report.unreadable.len(),
            plural(report.unreadable.len())
        ));
    }
    format!("{name}: {}", parts.join(", "))
}

/// One line per check: `ok`, `DOWN`, `DRIFT` or `ERROR`, the check, its
/// subject, what was expected and what was found.
pub fn verify(report: &Report) -> String {
    let mut out = String::new();
    for check in &report.checks {
        let status = match check.status {
            Status::Ok => "ok",
            Status::Down => "DOWN",
            Status::Drift => "DRIFT",
            Status::Error => "ERROR",
        };
        let _ = writeln!(
            out,
            "{status:<5} {} {}: expected {}; found {}",
            check.kind, check.subject, check.expected, check.found
        );
    }
    out
}

/// verify's summary line: "web01 (real-server): 14 checks, 2 drift".
pub fn verify_summary(report: &Report) -> String {
    let count = |status| {
        report
            .checks
            .iter()
            .filter(|check| check.status == status)
            .count()
    };
    let mut line = format!(
        "{} ({}): {} checks",
        report.host,
        report.role,
        report.checks.len()
    );
    match (count(Status::Drift), count(Status::Error)) {
        (0, 0) => line.push_str(", all as the inventory says"),
        (drift, errors) => {
            if drift > 0 {
                let _ = write!(line, ", {drift} drift");
            }
            if errors > 0 {
                let _ = write!(line, ", {errors} could not be checked");
            }
        }
    }
    let down = count(Status::Down);
    if down > 0 {
        let _ = write!(line, "; {down} real server{} down", plural(down));
    }
    line
}

/// The lines of the actions `apply` runs (or with `--dry-run` would run),
/// or that there is nothing to change.
pub fn apply_lines(actions: &HostActions, dry_run: bool) -> Vec<String> {
    actions
        .actions
        .iter()
        .map(|action| apply::line(action, dry_run))
        .collect()
}

/// `apply`: the action lines, the notes, then verify's report or why apply
/// stopped.
fn write_applied(applied: &Applied, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
    if let Some(actions) = &applied.actions {
        let lines = apply_lines(actions, applied.dry_run);
        for line in &lines {
            writeln!(out, "{line}")?;
        }
        if lines.is_empty() {
            writeln!(out, "{}", apply::NOTHING)?;
        }
        out.flush()?;
    }
    write_notes(applied, err)?;
    match &applied.end {
        Ok(report) => {
            out.write_all(verify(report).as_bytes())?;
            out.flush()?;
            writeln!(err, "{}", verify_summary(report))
        }
        Err(trouble) => writeln!(err, "error: {}", trouble.message),
    }
}

/// `apply`'s notes, one line each on standard error.
pub fn write_notes(applied: &Applied, err: &mut dyn Write) -> io::Result<()> {
    for note in &applied.notes {
        writeln!(err, "apply: note: {note}")?;
    }
    Ok(())
}

/// `deployed`: the agreed inventory on standard output (unless written to
/// `--out`), and what the records say on standard error.
fn write_deployed(deployed: &Deployed, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
    match &deployed.verdict {
        Verdict::Agreed { text, summary } => {
            if deployed.written_to.is_none() {
                out.write_all(text.as_bytes())?;
                out.flush()?;
            }
            writeln!(err, "deployed: {summary}")
        }
        Verdict::FirstRollout { summary } => writeln!(err, "deployed: {summary}"),
        Verdict::Disagree(disagreement) => {
            write!(err, "deployed: {}", disagreement_report(disagreement))
        }
    }
}

/// Who holds what, what differs, and how to converge.
pub fn disagreement_report(disagreement: &Disagreement) -> String {
    let mut out = String::from("the machines disagree on the deployed inventory:\n");
    for (number, version) in disagreement.versions.iter().enumerate() {
        let _ = writeln!(
            out,
            "  version {} ({}, {}): {}",
            number + 1,
            version.fingerprint,
            version.file,
            version.holders.join(", ")
        );
    }
    if !disagreement.forgotten.is_empty() {
        let _ = writeln!(
            out,
            "  no deployed inventory, though version 1 names them: {}",
            disagreement.forgotten.join(", ")
        );
    }
    for difference in &disagreement.differences {
        let _ = writeln!(
            out,
            "\nwhat differs (`lvs-dr-gen plan {} {}`):",
            difference.from, difference.to
        );
        for line in plan(&difference.plan, &difference.from, &difference.to).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    out.push_str("\nhow to converge, before rolling out anything else:\n");
    if disagreement.versions.len() > 1 {
        out.push_str(
            "  - a rollout stopped half-way left the machines it reached on its new version: \
             finish it. Roll out that version again (its file is above), planning from the \
             version the other machines hold: the machines already on it have nothing to change \
             (contrib/ansible: -e lvs_dr_inventory=FILE -e lvs_dr_deployed_from=MACHINE, a \
             machine still on the older version; other tools: lvs-dr-gen deployed --from \
             MACHINE). A change made by hand on one machine: roll out the version the others \
             hold, from that machine's.\n",
        );
    }
    if !disagreement.forgotten.is_empty() {
        out.push_str(
            "  - a machine without one was reinstalled, or left out of a rollout: run \
             `lvs-dr-gen verify` there with the deployed inventory; when it passes, record that \
             inventory on it (/var/lib/lvs-dr-gen/inventory.yaml); when it does not, install its \
             files from that inventory and run `lvs-dr-gen apply` there first.\n",
        );
    }
    out
}

/// `import`: the inventory on standard output (unless written to
/// `--output`), the report on standard error.
fn write_imported(imported: &Imported, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
    if imported.written_to.is_none() {
        out.write_all(imported.import.inventory.as_bytes())?;
        out.flush()?;
    }
    err.write_all(import_report(&imported.import).as_bytes())
}

/// `import`'s report for people: files read, each finding with what it
/// leaves out, each note, and the verdict.
pub fn import_report(import: &Import) -> String {
    let mut out = String::new();
    for (director, files) in &import.files {
        let _ = writeln!(out, "{director}: read {}", files.join(", "));
    }
    for finding in &import.findings {
        let place = if finding.place.line == 0 {
            String::new()
        } else {
            format!(" {}", finding.place)
        };
        let _ = writeln!(
            out,
            "not expressible: {}{place}: {}: {}",
            finding.director, finding.part, finding.reason
        );
        if !finding.dropped.is_empty() {
            let _ = writeln!(out, "  left out: {}", finding.dropped.join(", "));
        }
    }
    for note in &import.notes {
        let _ = writeln!(
            out,
            "note: {} {}: {}: {}",
            note.director, note.place, note.part, note.text
        );
    }
    let verdict = if import.complete() {
        "complete: the inventory's rendered keepalived.conf means what the directors' do".to_owned()
    } else {
        format!(
            "incomplete: {} part{} not expressible (above); the rest of the rendered keepalived.conf means what the directors' do",
            import.findings.len(),
            if import.findings.len() == 1 { "" } else { "s" }
        )
    };
    let _ = writeln!(out, "import: {verdict}");
    out
}

/// The rollout as text for code review.
pub fn plan(plan: &RolloutPlan, old_name: &str, new_name: &str) -> String {
    let mut out = String::new();
    if plan.is_empty() {
        let _ = writeln!(out, "{old_name} -> {new_name}: no machine changes");
        return out;
    }
    let machines = plan.machines();
    let _ = writeln!(
        out,
        "{old_name} -> {new_name}: {machines} machine{} change{}",
        plural(machines),
        if machines == 1 { "s" } else { "" }
    );
    for (number, phase) in plan.phases.iter().enumerate() {
        let _ = writeln!(out, "\n{}. {}:", number + 1, phase.phase.title());
        for step in &phase.steps {
            let note = step
                .note
                .map_or_else(String::new, |note| format!(" ({note})"));
            let _ = writeln!(out, "   {} {}{note}", step.role, step.machine);
            for action in &step.actions {
                let _ = writeln!(out, "     - {}", action.describe());
            }
        }
    }
    let consequences = plan.consequences.describe();
    if !consequences.is_empty() {
        let _ = writeln!(out, "\nconsequences:");
        for line in consequences {
            let _ = writeln!(out, "   {line}");
        }
    }
    let changed: Vec<String> = plan
        .capacity
        .iter()
        .filter(|row| row.before.is_some() && row.after.is_some() && row.before != row.after)
        .map(|row| {
            let (before, after) = (row.before.unwrap_or(0), row.after.unwrap_or(0));
            format!("{} weight {before} -> {after}", row.service)
        })
        .collect();
    if !changed.is_empty() {
        let _ = writeln!(
            out,
            "\ncapacity (the weight taking new connections): {}",
            changed.join(", ")
        );
    }
    if !plan.unsafe_changes.is_empty() {
        let count = plan.unsafe_changes.len();
        let _ = writeln!(
            out,
            "\nunsafe: {count} change{} would fail requests if rolled out in one step:",
            plural(count)
        );
        for change in &plan.unsafe_changes {
            let _ = writeln!(out, "   {}: {}", change.path, change.message);
            let _ = writeln!(out, "     fix: {}", change.fix);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Trouble;
    use crate::verify::Check;

    fn report() -> Report {
        Report {
            host: "web\"01".into(),
            role: "real-server",
            checks: vec![
                Check::new("vip", "192.0.2.1", true, "on lo as /32", "on lo as /32"),
                Check::new("file", "/etc/a\\b", false, "as rendered", "missing"),
            ],
            director: None,
        }
    }

    fn printed(outcome: &Outcome) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        Text.render(outcome, &mut out, &mut err).unwrap();
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn a_verify_report_has_one_line_per_check_and_a_summary() {
        let (out, err) = printed(&Outcome::Verified(report()));
        assert_eq!(
            out,
            "ok    vip 192.0.2.1: expected on lo as /32; found on lo as /32\n\
             DRIFT file /etc/a\\b: expected as rendered; found missing\n"
        );
        assert_eq!(err, "web\"01 (real-server): 2 checks, 1 drift\n");
    }

    #[test]
    fn trouble_is_one_error_line_on_standard_error() {
        let outcome = Outcome::Trouble(Trouble::message("cannot read x: gone"));
        assert_eq!(
            printed(&outcome),
            (String::new(), "error: cannot read x: gone\n".into())
        );
    }

    #[test]
    fn machines_are_counted_in_words() {
        let count = |hosts, directors| machines(Machines { hosts, directors });
        assert_eq!(count(1, 0), "1 host");
        assert_eq!(count(2, 1), "2 hosts, 1 director");
    }

    #[test]
    fn apply_prints_its_lines_then_the_report() {
        let applied = Applied {
            notes: vec!["keepalived is not running".into()],
            actions: Some(HostActions::default()),
            dry_run: true,
            end: Ok(report()),
        };
        let (out, err) = printed(&Outcome::Applied(Box::new(applied)));
        assert!(
            out.starts_with("apply: nothing to change\nok    vip"),
            "{out}"
        );
        assert_eq!(
            err,
            "apply: note: keepalived is not running\nweb\"01 (real-server): 2 checks, 1 drift\n"
        );
    }
}
