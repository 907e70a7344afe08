//! `import` on the corpus (tests/import/corpus/CASE): each case's
//! directors' roots (`directors/NAME/etc/keepalived/…`) and its `args`
//! give an inventory, a report and an exit status, compared with
//! `expected/` (written by `UPDATE_GOLDEN=1 cargo test`, reviewed). import
//! itself renders each inventory and compares what keepalived would do with
//! it with the original (less the parts it reports), so a case that passes
//! here was also proven that way; the VM suite's `import` case proves it
//! with keepalived and the kernel. Also: doc/import.md's counts are the
//! corpus's, and trouble exits 2 with nothing on standard output.

use std::fs;
use std::path::{Path, PathBuf};

use crate::golden::updating;
use crate::support::{diff, run_in, text};

/// The corpus cases, sorted.
fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import/corpus");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .expect("tests/import/corpus exists")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.join("args").exists())
        .collect();
    cases.sort();
    cases
}

/// The arguments of a case: its `args` file's words (comments aside), then
/// `--director NAME=directors/NAME` for each director, sorted.
fn arguments(case: &Path) -> Vec<String> {
    let mut args = vec!["import".to_owned()];
    let written = fs::read_to_string(case.join("args")).expect("args");
    for line in written.lines().filter(|line| !line.starts_with('#')) {
        args.extend(line.split_whitespace().map(str::to_owned));
    }
    let mut directors: Vec<String> = fs::read_dir(case.join("directors"))
        .expect("directors/")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    directors.sort();
    for name in directors {
        args.push("--director".into());
        args.push(format!("{name}=directors/{name}"));
    }
    args
}

/// The run's outputs: inventory, report, status.
fn run(case: &Path) -> [(String, String); 3] {
    let args = arguments(case);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run_in(case, &args);
    let status = output
        .status
        .code()
        .map_or("signal".into(), |c| c.to_string());
    [
        ("inventory.yaml".into(), text(&output.stdout)),
        ("report".into(), text(&output.stderr)),
        ("status".into(), format!("{status}\n")),
    ]
}

#[test]
fn every_corpus_configuration_imports_as_expected() {
    let cases = cases();
    assert!(
        cases.len() >= 10,
        "the corpus has only {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for (file, actual) in run(case) {
            let path = case.join("expected").join(&file);
            if updating() {
                fs::create_dir_all(path.parent().expect("parent")).expect("expected/");
                fs::write(&path, &actual).expect("write expectation");
                continue;
            }
            let expected = fs::read_to_string(&path).unwrap_or_default();
            if expected != actual {
                failures.push(diff(&expected, &actual, &format!("{name}/expected/{file}")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} import expectations differ (UPDATE_GOLDEN=1 cargo test rewrites them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A complete import exits 0 and says so; an incomplete one exits 1, says
/// how many parts, and every one has a place.
#[test]
fn the_exit_status_says_whether_the_import_is_complete() {
    for case in cases() {
        let [(_, inventory), (_, report), (_, status)] = run(&case);
        let name = case.display();
        match status.trim() {
            "0" => assert!(report.contains("import: complete"), "{name}: {report}"),
            "1" => {
                assert!(report.contains("import: incomplete"), "{name}: {report}");
                assert!(inventory.contains("# Incomplete:"), "{name}: {inventory}");
                for line in report
                    .lines()
                    .filter(|l| l.starts_with("not expressible: "))
                {
                    assert!(
                        line.contains("/etc/keepalived/") || line.contains("the weights of"),
                        "{name}: a finding without its place: {line}"
                    );
                }
            }
            other => panic!("{name}: exit {other}: {report}"),
        }
        assert!(
            inventory.starts_with("# Imported by `lvs-dr-gen import`"),
            "{name}"
        );
    }
}

/// doc/import.md gives the corpus's counts: configurations, and parts
/// reported as not expressible.
#[test]
fn the_documented_counts_are_the_corpus() {
    let cases = cases();
    let mut parts = 0;
    let mut complete = 0;
    for case in &cases {
        let report = fs::read_to_string(case.join("expected/report")).unwrap_or_default();
        parts += report
            .lines()
            .filter(|l| l.starts_with("not expressible: "))
            .count();
        complete += usize::from(report.contains("import: complete"));
    }
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("doc/import.md"))
        .expect("doc/import.md");
    let sentence = format!(
        "The corpus has {} configurations ({} imported completely) with {} parts reported as not expressible",
        cases.len(),
        complete,
        parts
    );
    assert!(
        doc.contains(&sentence),
        "doc/import.md should say: {sentence}"
    );
}

/// No director, a missing configuration, a director without its address:
/// exit 2, a message, no inventory.
#[test]
fn trouble_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let corpus = cases();
    let puppet = corpus
        .iter()
        .find(|case| case.ends_with("puppet"))
        .expect("the puppet case");
    let lb1 = format!("lb1={}", puppet.join("directors/lb1").display());
    for (args, message) in [
        (vec!["import"], "--director"),
        (
            vec!["import", "--director", "lb1=."],
            "/etc/keepalived/keepalived.conf: no such file",
        ),
        (
            vec!["import", "--director", &lb1],
            "give it with --address lb1=ADDRESS",
        ),
        (vec!["import", "--director", "lb1"], "write NAME=ROOT"),
    ] {
        let output = run_in(dir.path(), &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains(message),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
