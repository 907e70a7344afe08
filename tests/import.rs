//! `import` beyond its golden cases (tests/import/corpus/, one test each
//! in the `golden` test target, `tests/golden/import.rs`): the exit status
//! says whether an import is complete, doc/import.md's counts are the
//! corpus's, and trouble exits 2 with nothing on standard output.

use std::fs;
use std::path::Path;

use crate::support::corpus::{cases, run};
use crate::support::lvs_dr_gen;

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
        let output = lvs_dr_gen(&args).dir(dir.path()).status(2).stdout("").run();
        assert!(
            output.stderr.contains(message),
            "{args:?}: {}",
            output.stderr
        );
    }
}
