//! The Prometheus renderer: a `verify` report in the text exposition format
//! for the textfile collector of `node_exporter` (one gauge sample per
//! check). Errors before a report, which have no metric, print as text.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::renderer::Renderer;
use super::text::{self, Text};
use crate::outcome::Outcome;
use crate::verify::director::Backend;
use crate::verify::{vrrp, Check, DirectorState, Report, Status};

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

/// The Prometheus text format, for `node_exporter`'s textfile collector.
/// Every machine: `lvs_dr_gen_verify_ok` (1 when a check holds, 0 when
/// not) and `lvs_dr_gen_verify_status` (each check's status as a state set),
/// labelled `host`, `role`, `check` and `subject`. A director also: the
/// state it holds each VRRP instance in, and for each real server of each
/// virtual server its weight in the inventory, whether its health check
/// took it out, and its connection count, labelled as `node_exporter`'s IPVS
/// collector labels the same real server (doc/alerts.md).
pub fn exposition(report: &Report) -> String {
    let mut out = format!(
        "# HELP {METRIC} Whether a check of lvs-dr-gen verify holds (1) or not (0): drift, a \
         real server down, or not readable.\n# TYPE {METRIC} gauge\n"
    );
    for check in &report.checks {
        let _ = writeln!(
            out,
            "{METRIC}{{{}}} {}",
            check_labels(report, check),
            u8::from(check.status == Status::Ok)
        );
    }
    out.push_str(
        "# HELP lvs_dr_gen_verify_status The status of a check of lvs-dr-gen verify, one sample \
         per status: 1 for the check's status (ok, down, drift, error), 0 for the others.\n\
         # TYPE lvs_dr_gen_verify_status gauge\n",
    );
    for check in &report.checks {
        for status in STATUSES {
            let _ = writeln!(
                out,
                "lvs_dr_gen_verify_status{{{},status=\"{}\"}} {}",
                check_labels(report, check),
                status_name(status),
                u8::from(check.status == status)
            );
        }
    }
    if let Some(director) = &report.director {
        out.push_str(&director_metrics(&report.host, director));
    }
    out
}

/// Every status, in the order the state set lists them.
const STATUSES: [Status; 4] = [Status::Ok, Status::Down, Status::Drift, Status::Error];

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Down => "down",
        Status::Drift => "drift",
        Status::Error => "error",
    }
}

/// `host="…",role="…",check="…",subject="…"`.
fn check_labels(report: &Report, check: &Check) -> String {
    format!(
        "host=\"{}\",role=\"{}\",check=\"{}\",subject=\"{}\"",
        label(&report.host),
        report.role,
        check.kind,
        label(&check.subject)
    )
}

/// A director's VRRP states and real servers.
fn director_metrics(host: &str, director: &DirectorState) -> String {
    let host = label(host);
    let mut out = String::from(
        "# HELP lvs_dr_gen_vrrp_state The state this director holds a VRRP instance in, one \
         sample per state: 1 for its state (master: every VIP of the instance on its interface; \
         backup: none; fault: the interface or a tracked one down; stopped: keepalived not \
         running; partial: some VIPs only), 0 for the others.\n\
         # TYPE lvs_dr_gen_vrrp_state gauge\n",
    );
    for (instance, held) in &director.vrrp {
        let vips: Vec<String> = instance.vips.iter().map(ToString::to_string).collect();
        for state in vrrp::State::ALL {
            let _ = writeln!(
                out,
                "lvs_dr_gen_vrrp_state{{host=\"{host}\",vrrp_instance=\"{}\",vrid=\"{}\",\
                 interface=\"{}\",vips=\"{}\",state=\"{}\"}} {}",
                label(&instance.name),
                instance.vrid,
                label(&instance.interface),
                vips.join(" "),
                state.name(),
                u8::from(*held == state)
            );
        }
    }
    let labels: Vec<String> = director
        .backends
        .iter()
        .map(|backend| backend_labels(&host, backend, &director.vrrp))
        .collect();
    out.push_str(
        "# HELP lvs_dr_gen_ipvs_backend_weight_expected The weight the inventory gives a real \
         server of a virtual server (0 when drained), labelled as node_exporter's IPVS \
         collector labels it.\n# TYPE lvs_dr_gen_ipvs_backend_weight_expected gauge\n",
    );
    for (backend, labels) in director.backends.iter().zip(&labels) {
        let _ = writeln!(
            out,
            "lvs_dr_gen_ipvs_backend_weight_expected{{{labels}}} {}",
            backend.weight
        );
    }
    out.push_str(
        "# HELP lvs_dr_gen_ipvs_backend_down Whether keepalived's health check took a real \
         server out of this director's IPVS table (1) or not (0).\n\
         # TYPE lvs_dr_gen_ipvs_backend_down gauge\n",
    );
    for (backend, labels) in director.backends.iter().zip(&labels) {
        let _ = writeln!(
            out,
            "lvs_dr_gen_ipvs_backend_down{{{labels}}} {}",
            u8::from(backend.down)
        );
    }
    let counted: Vec<_> = director
        .backends
        .iter()
        .zip(&labels)
        .filter_map(|(backend, labels)| Some((backend.connections?, labels)))
        .collect();
    if !counted.is_empty() {
        out.push_str(
            "# HELP lvs_dr_gen_ipvs_backend_connections_total The connections IPVS scheduled to \
             a real server since it entered this director's table (ipvsadm --stats).\n\
             # TYPE lvs_dr_gen_ipvs_backend_connections_total counter\n",
        );
        for (connections, labels) in counted {
            let _ = writeln!(
                out,
                "lvs_dr_gen_ipvs_backend_connections_total{{{labels}}} {connections}"
            );
        }
    }
    out
}

/// A real server's labels: the inventory's names, and `node_exporter`'s IPVS
/// labels with its values (`local_address` empty and `local_port` 0 for a
/// firewall-mark service, whose `local_mark` is the mark as `/proc/net/ip_vs`
/// prints it, eight upper-case hex digits).
fn backend_labels(host: &str, backend: &Backend, vrrp: &[(vrrp::Instance, vrrp::State)]) -> String {
    let instance = vrrp
        .iter()
        .find(|(instance, _)| instance.vips.contains(&backend.vip))
        .map(|(instance, _)| instance.name.as_str())
        .unwrap_or_default();
    let (local_address, local_port) = backend.local.map_or((String::new(), 0), |local| {
        (local.ip().to_string(), local.port())
    });
    let mark = backend
        .mark
        .map(|mark| format!("{mark:08X}"))
        .unwrap_or_default();
    format!(
        "host=\"{host}\",service=\"{}\",virtual_server=\"{}\",vrrp_instance=\"{}\",\
         real_server=\"{}\",proto=\"{}\",local_address=\"{local_address}\",\
         local_port=\"{local_port}\",local_mark=\"{mark}\",remote_address=\"{}\",\
         remote_port=\"{}\"",
        label(&backend.service),
        label(&backend.virtual_server),
        label(instance),
        label(&backend.host),
        backend.protocol,
        backend.remote.ip(),
        backend.remote.port()
    )
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
            director: None,
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
