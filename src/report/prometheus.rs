//! The Prometheus renderer: a `verify` report in the text exposition format
//! for the textfile collector of `node_exporter` (one gauge sample per
//! check). Errors before a report, which have no metric, print as text.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::text::{self, Text};
use super::Renderer;
use crate::outcome::Outcome;
use crate::verify::{Report, Status};

/// The Prometheus renderer.
pub struct Prometheus;

/// The metric name of the Prometheus output.
pub const METRIC: &str = "lvs_dr_gen_verify_ok";

impl Renderer for Prometheus {
    fn render(
        &self,
        outcome: &Outcome,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<()> {
        match outcome {
            Outcome::Verified(report) => {
                out.write_all(exposition(report).as_bytes())?;
                out.flush()?;
                writeln!(err, "{}", text::verify_summary(report))
            }
            _ => Text.render(outcome, out, err),
        }
    }
}

/// The Prometheus text format: one gauge, 1 when the check holds and 0 when
/// not (drift, a real server down, or unreadable), with the labels `host`,
/// `role`, `check` and `subject`.
pub fn exposition(report: &Report) -> String {
    let mut out = format!(
        "# HELP {METRIC} Whether a check of lvs-dr-gen verify holds (1) or not (0): drift, a \
         real server down, or not readable.\n# TYPE {METRIC} gauge\n"
    );
    for check in &report.checks {
        let _ = writeln!(
            out,
            "{METRIC}{{host=\"{}\",role=\"{}\",check=\"{}\",subject=\"{}\"}} {}",
            label(&report.host),
            report.role,
            check.kind,
            label(&check.subject),
            u8::from(check.status == Status::Ok)
        );
    }
    out
}

/// A label value escaped as the exposition format requires: backslash,
/// double quote and line feed.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
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
        }
    }

    #[test]
    fn labels_are_escaped() {
        let text = exposition(&report());
        assert!(text.contains(
            "lvs_dr_gen_verify_ok{host=\"web\\\"01\",role=\"real-server\",check=\"file\",\
             subject=\"/etc/a\\\\b\"} 0\n"
        ));
        assert!(text.contains("check=\"vip\",subject=\"192.0.2.1\"} 1\n"));
    }

    #[test]
    fn an_error_before_the_report_prints_as_text() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let outcome = Outcome::Trouble(Trouble::message("no inventory"));
        Prometheus.render(&outcome, &mut out, &mut err).unwrap();
        assert!(out.is_empty());
        assert_eq!(String::from_utf8(err).unwrap(), "error: no inventory\n");
    }
}
