//! Negative controls of the harness itself: on a copy of a real case, the
//! comparison finds nothing, then finds exactly the one thing changed in
//! the expectations (a byte, a file more, a file fewer, the messages, the
//! JSON report, a plan's text, a site's messages); a folder without its
//! inputs fails rather than passing. Named `controls::<what>`.

use std::fs;
use std::path::Path;
use std::process::Command;

use libtest_mimic::{Failed, Trial};

use crate::plan::Planned;
use crate::render::Rendered;
use crate::{plan, render, site};

/// The controls, one test each.
pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test("controls::a-changed-byte-fails", a_changed_byte_fails),
        Trial::test("controls::a-file-fewer-fails", a_file_fewer_fails),
        Trial::test("controls::a-file-more-fails", a_file_more_fails),
        Trial::test("controls::changed-messages-fail", changed_messages_fail),
        Trial::test("controls::a-changed-plan-fails", a_changed_plan_fails),
        Trial::test(
            "controls::a-changed-site-message-fails",
            a_changed_site_message_fails,
        ),
        Trial::test(
            "controls::a-folder-without-inputs-fails",
            a_folder_without_inputs_fails,
        ),
    ]
}

/// A copy of `golden/<case>` in a temp directory.
fn copy_of(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let status = Command::new("cp")
        .arg("-a")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("golden")
                .join(case),
        )
        .arg(dir.path().join("case"))
        .status()
        .expect("cp runs");
    assert!(status.success(), "cp -a golden/{case}");
    dir
}

/// The render case in `dir`/case compares clean; after `change`, it
/// reports exactly `expected` problems, each starting as given.
fn render_control(case: &str, change: impl FnOnce(&Path), expected: &[&str]) -> Result<(), Failed> {
    let copy = copy_of(case);
    let case = copy.path().join("case");
    let clean = Rendered::of(&case).compare(&case);
    if !clean.is_empty() {
        return Err(format!("the unchanged copy differs: {clean:?}").into());
    }
    change(&case);
    found(&Rendered::of(&case).compare(&case), expected)
}

/// Whether `problems` are exactly those that start as `expected` does.
fn found(problems: &[String], expected: &[&str]) -> Result<(), Failed> {
    let matches = problems.len() == expected.len()
        && problems
            .iter()
            .zip(expected)
            .all(|(problem, start)| problem.starts_with(start));
    if matches {
        Ok(())
    } else {
        Err(format!("expected problems starting {expected:?}, found {problems:?}").into())
    }
}

/// Replaces the first `from` in `path` with `to`.
fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{}: no {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).expect("write");
}

fn a_changed_byte_fails() -> Result<(), Failed> {
    render_control(
        "article-cluster",
        |case| {
            edit(
                &case.join("expected/webserver01/etc/sysctl.d/60-lvs-dr.conf"),
                "arp_ignore = 1",
                "arp_ignore = 8",
            );
        },
        &["--- expected/webserver01/etc/sysctl.d/60-lvs-dr.conf\n+++ actual/"],
    )
}

fn a_file_fewer_fails() -> Result<(), Failed> {
    render_control(
        "article-cluster",
        |case| {
            fs::remove_file(case.join("expected/lb02/etc/keepalived/keepalived.conf"))
                .expect("remove");
        },
        &["unexpected file: lb02/etc/keepalived/keepalived.conf"],
    )
}

fn a_file_more_fails() -> Result<(), Failed> {
    render_control(
        "article-cluster",
        |case| fs::write(case.join("expected/lb02/etc/extra"), "x\n").expect("write"),
        &["missing file: lb02/etc/extra"],
    )
}

fn changed_messages_fail() -> Result<(), Failed> {
    render_control(
        "invalid-director-addresses",
        |case| {
            edit(&case.join("expected.stderr"), "error", "warning");
            edit(&case.join("expected.jsonl"), "\"error\"", "\"warning\"");
        },
        &["--- expected/stderr\n", "--- expected/expected.jsonl\n"],
    )
}

fn a_changed_plan_fails() -> Result<(), Failed> {
    let copy = copy_of("plan/01-add-vip");
    let case = copy.path().join("case");
    let clean = Planned::of(&case).compare(&case);
    if !clean.is_empty() {
        return Err(format!("the unchanged copy differs: {clean:?}").into());
    }
    let mut text = fs::read(case.join("expected.txt")).expect("read");
    text.push(b'\n');
    fs::write(case.join("expected.txt"), text).expect("write");
    found(
        &Planned::of(&case).compare(&case),
        &["--- expected/expected.txt\n"],
    )
}

fn a_changed_site_message_fails() -> Result<(), Failed> {
    let copy = copy_of("site/invalid-vip-in-two-clusters");
    let case = copy.path().join("case");
    if let Err(problems) = site::compare(&case) {
        return Err(format!("the unchanged copy differs: {problems}").into());
    }
    edit(&case.join("expected.stderr"), "error", "warning");
    match site::compare(&case) {
        Err(problems) if problems.starts_with("--- expected/stderr\n") => Ok(()),
        other => Err(format!("a changed site message: not reported, but {other:?}").into()),
    }
}

fn a_folder_without_inputs_fails() -> Result<(), Failed> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (kind, check, message) in [
        (
            render::KIND,
            render::check as fn(&Path) -> Result<(), String>,
            "golden/empty has no inventory.yaml: every folder of golden/ is a case",
        ),
        (
            plan::KIND,
            plan::check,
            "golden/plan/empty has no old.yaml or new.yaml: every folder of golden/plan/ is a \
             case",
        ),
        (
            site::KIND,
            site::check,
            "golden/site/empty has no site.yaml: every folder of golden/site/ is a case",
        ),
    ] {
        match kind.run_case("empty", dir.path(), check) {
            Err(failed)
                if failed
                    .message()
                    .is_some_and(|text| text.starts_with(message)) => {}
            other => return Err(format!("{message}: not reported, but {other:?}").into()),
        }
    }
    Ok(())
}
