//! The forms of a `verify` report: text for people (one line per check),
//! JSON (one document, the shape documented in doc/verify.md), and the
//! Prometheus text exposition format for the textfile collector of
//! `node_exporter` (one gauge sample per check).

use std::fmt::Write as _;

use serde_json::json;

use super::{Report, Status};

/// The metric name of the Prometheus output.
pub const METRIC: &str = "lvs_dr_gen_verify_ok";

/// One line per check: `ok`, `DRIFT` or `ERROR`, the check, its subject,
/// what was expected and what was found.
pub fn text(report: &Report) -> String {
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

/// The summary line: "web01 (real-server): 14 checks, 2 drift".
pub fn summary(report: &Report) -> String {
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
        let _ = write!(
            line,
            "; {down} real server{} down",
            if down == 1 { "" } else { "s" }
        );
    }
    line
}

/// The report as one JSON document:
/// `{"host", "role", "status", "checks": [{"check", "subject", "status",
/// "expected", "found"}]}`, statuses `ok`, `drift` or `error`.
pub fn json(report: &Report) -> String {
    let document = json!({
        "host": report.host,
        "role": report.role,
        "status": report.status(),
        "checks": report.checks,
    });
    format!("{document:#}\n")
}

/// The Prometheus text format: one gauge, 1 when the check holds and 0 when
/// not (drift, a real server down, or unreadable), with the labels `host`, `role`, `check` and
/// `subject`.
pub fn prometheus(report: &Report) -> String {
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
    fn text_has_one_line_per_check() {
        assert_eq!(
            text(&report()),
            "ok    vip 192.0.2.1: expected on lo as /32; found on lo as /32\n\
             DRIFT file /etc/a\\b: expected as rendered; found missing\n"
        );
        assert_eq!(
            summary(&report()),
            "web\"01 (real-server): 2 checks, 1 drift"
        );
    }

    #[test]
    fn prometheus_escapes_labels() {
        let text = prometheus(&report());
        assert!(text.contains(
            "lvs_dr_gen_verify_ok{host=\"web\\\"01\",role=\"real-server\",check=\"file\",\
             subject=\"/etc/a\\\\b\"} 0\n"
        ));
    }

    #[test]
    fn json_has_the_documented_shape() {
        let value: serde_json::Value = serde_json::from_str(&json(&report())).unwrap();
        assert_eq!(value["status"], "drift");
        assert_eq!(value["checks"][1]["found"], "missing");
        assert_eq!(value["checks"][0]["status"], "ok");
    }
}
