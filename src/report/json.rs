//! The JSON renderer, for scripts and CI: problems as JSON lines on
//! standard output (one object per problem, the shape of
//! doc/diagnostics.md), and `verify`, `apply` and `plan` as one document
//! each (doc/verify.md, doc/rollout.md). The summary lines for people go to
//! standard error, as text; what has no JSON form is printed as text.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::renderer::Renderer;
use super::site::{all_safe, site_line};
use super::text::{self, Text};
use crate::code::Code;
use crate::diagnostic::{Diagnostic, Warning};
use crate::outcome::{Applied, Checked, ClusterOutcome, Outcome, Planned, SiteRun};
use crate::output::Change;
use crate::verify::Report;

/// The JSON renderer.
pub struct Json;

impl Renderer for Json {
    fn render(
        &self,
        outcome: &Outcome,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<()> {
        match outcome {
            Outcome::Invalid(invalid) => {
                write_lines(&invalid.problems, out)?;
                writeln!(err, "{}", text::invalid_summary(invalid))
            }
            Outcome::Trouble(trouble) => write_lines(&trouble.problems, out),
            Outcome::Validated(validated) => {
                for warning in &validated.warnings {
                    writeln!(out, "{}", Warning(warning).to_json())?;
                }
                out.flush()?;
                writeln!(err, "{}", text::validated_line(validated))
            }
            Outcome::Rendered(rendered) => writeln!(err, "{}", text::rendered_line(rendered)),
            Outcome::Checked(checked) => {
                write_lines(&drift(checked, "lvs-dr-gen render"), out)?;
                out.flush()?;
                writeln!(err, "{}", text::checked_line(checked))
            }
            Outcome::Verified(report) => {
                write_document(&verify(report), out)?;
                writeln!(err, "{}", text::verify_summary(report))
            }
            Outcome::Applied(applied) => {
                text::write_notes(applied, err)?;
                match &applied.end {
                    Ok(report) => {
                        write_document(&apply(applied, report), out)?;
                        writeln!(err, "{}", text::verify_summary(report))
                    }
                    Err(trouble) => write_lines(&trouble.problems, out),
                }
            }
            Outcome::Planned(planned) => writeln!(out, "{}", plan(planned)),
            Outcome::Site(run) => write_site(run, out, err),
            _ => Text.render(outcome, out, err),
        }
    }
}

/// One JSON object per problem and line.
fn write_lines(problems: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for problem in problems {
        writeln!(out, "{}", problem.to_json())?;
    }
    out.flush()
}

/// One pretty-printed document and a line break.
fn write_document(document: &Value, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{document:#}")?;
    out.flush()
}

/// What `check` found out of sync, one problem per file; `render` is the
/// command that updates them.
fn drift(checked: &Checked, render: &str) -> Vec<Diagnostic> {
    checked
        .transaction
        .changes
        .iter()
        .map(|change| {
            let what = match change {
                Change::Create { .. } => "would be created",
                Change::Update { .. } => "would be updated",
                Change::Remove { .. } => "would be removed",
                Change::Leftover { .. } => {
                    "is a temp file of an interrupted run and would be removed"
                }
            };
            Diagnostic::in_file(
                checked.out.join(change.path()).display().to_string(),
                Code::OutOfSync,
                format!("{what}: run `{render}` to update the output"),
            )
        })
        .collect()
}

/// A verify report as one document: `{"host", "role", "status", "checks":
/// [{"check", "subject", "status", "expected", "found"}]}`.
pub fn verify(report: &Report) -> Value {
    json!({
        "host": report.host,
        "role": report.role,
        "status": report.status(),
        "checks": report.checks,
    })
}

/// `apply` as one document: the actions (each with its printed line), the
/// notes and verify's report.
fn apply(applied: &Applied, report: &Report) -> Value {
    let planned = applied.actions.as_ref();
    let lines = planned.map(|actions| text::apply_lines(actions, applied.dry_run));
    let actions: Vec<Value> = planned
        .map(|actions| actions.actions.as_slice())
        .unwrap_or_default()
        .iter()
        .zip(lines.unwrap_or_default())
        .map(|(action, line)| {
            let mut value = serde_json::to_value(action).unwrap_or(Value::Null);
            value["line"] = Value::String(line);
            value
        })
        .collect();
    let notes: &[String] = planned.map_or(&[], |actions| actions.notes.as_slice());
    json!({
        "host": report.host,
        "role": report.role,
        "dry_run": applied.dry_run,
        "changed": !applied.dry_run && !actions.is_empty(),
        "actions": actions,
        "notes": notes,
        "verify": {
            "status": report.status(),
            "checks": report.checks,
        },
    })
}

/// `plan` as one document: both inventories, whether the rollout is safe,
/// its phases and its unsafe changes.
fn plan(planned: &Planned) -> Value {
    json!({
        "old": planned.old,
        "new": planned.new,
        "safe": planned.plan.unsafe_changes.is_empty(),
        "phases": planned.plan.phases,
        "unsafe": planned.plan.unsafe_changes,
        "consequences": planned.plan.consequences,
        "capacity": planned.plan.capacity,
    })
}

/// A `site` command: the clusters' problems and files out of sync as JSON
/// lines (each on its own file), or for `plan` one document; the lines for
/// people on standard error.
fn write_site(run: &SiteRun, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
    if run.old.is_some() {
        write_document(&site_plan(run), out)?;
        return writeln!(err, "{}", site_line(run));
    }
    for cluster in &run.clusters {
        let name = &cluster.name;
        match &cluster.outcome {
            ClusterOutcome::Ran(Outcome::Validated(validated)) => {
                for warning in &validated.warnings {
                    writeln!(out, "{}", Warning(warning).to_json())?;
                }
                writeln!(err, "{name}: {}", text::validated_line(validated))?;
            }
            ClusterOutcome::Ran(Outcome::Rendered(rendered)) => {
                writeln!(err, "{name}: {}", text::rendered_line(rendered))?;
            }
            ClusterOutcome::Ran(Outcome::Checked(checked)) => {
                let render = format!("lvs-dr-gen site render {}", run.file);
                write_lines(&drift(checked, &render), out)?;
                writeln!(err, "{name}: {}", text::checked_state(checked))?;
            }
            _ => {}
        }
    }
    out.flush()?;
    writeln!(err, "{}", site_line(run))
}

/// `site plan` as one document: both site files, whether every rollout is
/// safe, and per cluster its name, what happens to it (`planned`, `added`,
/// `removed`) and its plan (`plan --format json`'s document) or inventory.
fn site_plan(run: &SiteRun) -> Value {
    let clusters: Vec<Value> = run
        .clusters
        .iter()
        .map(|cluster| match &cluster.outcome {
            ClusterOutcome::Ran(Outcome::Planned(planned)) => json!({
                "name": cluster.name,
                "change": "planned",
                "plan": plan(planned),
            }),
            ClusterOutcome::Added(inventory) => json!({
                "name": cluster.name,
                "change": "added",
                "inventory": inventory,
            }),
            ClusterOutcome::Removed(inventory) => json!({
                "name": cluster.name,
                "change": "removed",
                "inventory": inventory,
            }),
            ClusterOutcome::Ran(_) => json!({"name": cluster.name}),
        })
        .collect();
    json!({
        "old": run.old,
        "new": run.file,
        "safe": all_safe(run),
        "clusters": clusters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Trouble;
    use crate::verify::Check;

    fn report() -> Report {
        Report {
            host: "web01".into(),
            role: "real-server",
            checks: vec![Check::new(
                "file",
                "/etc/x",
                false,
                "as rendered",
                "missing",
            )],
            director: None,
        }
    }

    fn printed(outcome: &Outcome) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        Json.render(outcome, &mut out, &mut err).unwrap();
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn a_verify_report_is_one_document_with_the_documented_shape() {
        let (out, err) = printed(&Outcome::Verified(report()));
        let value: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["status"], "drift");
        assert_eq!(value["checks"][0]["found"], "missing");
        assert_eq!(err, "web01 (real-server): 1 checks, 1 drift\n");
    }

    #[test]
    fn trouble_is_its_diagnostics_one_per_line() {
        let problems = vec![
            Diagnostic::in_file("a", Code::OutputIo, "one"),
            Diagnostic::in_file("b", Code::OutputIo, "two"),
        ];
        let outcome = Outcome::Trouble(Trouble {
            message: "not shown".into(),
            problems,
        });
        let (out, err) = printed(&outcome);
        assert_eq!(out.lines().count(), 2);
        assert!(err.is_empty());
        for line in out.lines() {
            let value: Value = serde_json::from_str(line).unwrap();
            assert_eq!(value["code"], "output-io");
        }
    }
}
