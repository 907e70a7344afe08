//! The inventory `import` writes, before it is text: the VRRP settings,
//! the directors, the services and the hosts, and the comments on what
//! was chosen; [`Draft::yaml`] writes it as an inventory (values that
//! `validate` then checks, each quoted where YAML needs it).

use std::fmt::Write as _;
use std::net::IpAddr;

use super::model::{CheckKind, Notify, Protocol};

/// The inventory to write.
#[derive(Debug, Default)]
pub struct Draft {
    /// `vrrp`.
    pub vrrp: VrrpDraft,
    /// `directors`.
    pub directors: Vec<DirectorDraft>,
    /// `services`.
    pub services: Vec<ServiceDraft>,
    /// `hosts`.
    pub hosts: Vec<HostDraft>,
    /// What was chosen, one comment each.
    pub comments: Vec<String>,
}

/// `vrrp`.
#[derive(Debug, Default)]
pub struct VrrpDraft {
    /// `virtual_router_id`.
    pub vrid: u32,
    /// `advert_int`.
    pub advert_int: u32,
    /// `password`.
    pub password: Option<String>,
    /// `unicast`.
    pub unicast: bool,
    /// `sync_connections`, when not the default.
    pub sync_connections: Option<bool>,
    /// `notify`.
    pub notify: Notify,
    /// `groups`: empty for one VRRP group (`virtual_router_id` and the
    /// directors' own priorities, as an inventory without groups).
    pub groups: Vec<GroupDraft>,
}

/// A VRRP group (`vrrp.groups.NAME`): one of the directors' sync groups or
/// lone instances.
#[derive(Debug)]
pub struct GroupDraft {
    /// Its name.
    pub name: String,
    /// `virtual_router_id`.
    pub vrid: u32,
    /// `priorities`: each director's, in the directors' order.
    pub priorities: Vec<(String, u32)>,
}

/// A director.
#[derive(Debug)]
pub struct DirectorDraft {
    /// Its name.
    pub name: String,
    /// `address`.
    pub addresses: Vec<IpAddr>,
    /// `interface`.
    pub interface: String,
    /// `priority`.
    pub priority: u32,
    /// `track_interface`.
    pub track: Vec<String>,
}

/// A service.
#[derive(Debug)]
pub struct ServiceDraft {
    /// Its name.
    pub name: String,
    /// The index of its VRRP group in [`VrrpDraft::groups`] (0 without).
    pub group: usize,
    /// `vips`.
    pub vips: Vec<IpAddr>,
    /// `ports`.
    pub ports: Vec<(u16, Protocol)>,
    /// `scheduler`.
    pub scheduler: String,
    /// `persistence`.
    pub persistence: Option<u32>,
    /// `persistence_across_ports`.
    pub across_ports: bool,
    /// `health_check`.
    pub check: Option<CheckDraft>,
    /// `sorry_server`.
    pub sorry: Vec<IpAddr>,
    /// `quorum`.
    pub quorum: u32,
    /// `hysteresis`.
    pub hysteresis: u32,
    /// `alpha`.
    pub alpha: bool,
}

/// A health check.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckDraft {
    /// `path`.
    pub path: Option<String>,
    /// The digest read (for comparison only).
    pub digest: Option<String>,
    /// `expect`, found from the digest and `--expect`.
    pub expect: Option<String>,
    /// `status_code`.
    pub status_code: Option<u32>,
    /// `port`.
    pub port: Option<u16>,
    /// `interval`, `connect_timeout`, `retry`, `delay_before_retry`.
    pub timers: (u32, u32, u32, u32),
    /// The kind on each port.
    pub kinds: Vec<((u16, Protocol), CheckKind)>,
}

/// A host.
#[derive(Debug)]
pub struct HostDraft {
    /// Its name.
    pub name: String,
    /// `address`.
    pub addresses: Vec<IpAddr>,
    /// Its services, each with its weight there.
    pub services_weights: Vec<(String, u32)>,
}

impl HostDraft {
    /// The host's weight (the one it has most often, 0 aside) and the
    /// services it is drained in (weight 0); `Err` with a service whose
    /// weight is neither.
    pub fn weight(&self) -> Result<(u32, Vec<String>), String> {
        let mut counts: Vec<(u32, usize)> = Vec::new();
        for (_, weight) in self.services_weights.iter().filter(|(_, w)| *w > 0) {
            match counts.iter_mut().find(|(w, _)| w == weight) {
                Some(count) => count.1 += 1,
                None => counts.push((*weight, 1)),
            }
        }
        let weight = counts
            .iter()
            .max_by_key(|(weight, count)| (*count, std::cmp::Reverse(*weight)))
            .map_or(1, |(weight, _)| *weight);
        let mut drained = Vec::new();
        for (service, own) in &self.services_weights {
            if *own == 0 {
                drained.push(service.clone());
            } else if *own != weight {
                return Err(service.clone());
            }
        }
        Ok((weight, drained))
    }
}

/// An address as YAML: IPv6 quoted.
fn address(address: &IpAddr) -> String {
    if address.is_ipv4() {
        address.to_string()
    } else {
        format!("\"{address}\"")
    }
}

/// One address or a list of them.
fn addresses(list: &[IpAddr]) -> String {
    match list {
        [one] => address(one),
        _ => format!(
            "[{}]",
            list.iter().map(address).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A port as `ports` writes it.
fn port((number, protocol): (u16, Protocol)) -> String {
    match protocol {
        Protocol::Tcp => number.to_string(),
        Protocol::Udp => format!("{number}/udp"),
    }
}

/// A string as a double-quoted YAML scalar.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

impl Draft {
    /// The inventory as YAML, with `header` (comment lines) first.
    pub fn yaml(&self, header: &[String]) -> String {
        let mut out = String::new();
        for line in header {
            let _ = writeln!(out, "# {line}");
        }
        if !self.comments.is_empty() {
            out.push_str("#\n# What import chose:\n");
            for comment in &self.comments {
                let _ = writeln!(out, "# - {comment}");
            }
        }
        out.push_str("version: 1\n\nvrrp:\n");
        self.write_vrrp(&mut out);
        out.push_str("\ndirectors:\n");
        for director in &self.directors {
            let _ = write!(
                out,
                "  {}:\n    address: {}\n    interface: {}\n    priority: {}\n",
                director.name,
                addresses(&director.addresses),
                director.interface,
                director.priority
            );
            if !director.track.is_empty() {
                let _ = writeln!(out, "    track_interface: [{}]", director.track.join(", "));
            }
        }
        out.push_str("\nservices:\n");
        for service in &self.services {
            write_service(&mut out, service);
        }
        out.push_str("\nhosts:\n");
        for host in &self.hosts {
            let _ = write!(
                out,
                "  {}:\n    address: {}\n",
                host.name,
                addresses(&host.addresses)
            );
            if let Ok((weight, drained)) = host.weight() {
                if weight != 1 {
                    let _ = writeln!(out, "    weight: {weight}");
                }
                if !drained.is_empty() {
                    let _ = writeln!(out, "    drain: [{}]", drained.join(", "));
                }
            }
            let services: Vec<&str> = host
                .services_weights
                .iter()
                .map(|(s, _)| s.as_str())
                .collect();
            let _ = writeln!(out, "    services: [{}]", services.join(", "));
        }
        out
    }

    fn write_vrrp(&self, out: &mut String) {
        let vrrp = &self.vrrp;
        if vrrp.groups.is_empty() {
            let _ = writeln!(out, "  virtual_router_id: {}", vrrp.vrid);
        }
        let _ = writeln!(out, "  advert_int: {}", vrrp.advert_int);
        if let Some(password) = &vrrp.password {
            let _ = writeln!(out, "  password: {}", quoted(password));
        }
        if vrrp.unicast {
            out.push_str("  unicast: true\n");
        }
        if let Some(sync) = vrrp.sync_connections {
            let _ = writeln!(out, "  sync_connections: {sync}");
        }
        let notify = &vrrp.notify;
        if let Some(every) = &notify.every {
            let _ = writeln!(out, "  notify: {}", quoted(every));
        } else if notify.any() {
            out.push_str("  notify:\n");
            for (state, script) in [
                ("master", &notify.master),
                ("backup", &notify.backup),
                ("fault", &notify.fault),
            ] {
                if let Some(script) = script {
                    let _ = writeln!(out, "    {state}: {}", quoted(script));
                }
            }
        }
        self.write_groups(out);
    }

    /// `preempt_delay: 0` and `groups`, each with its services, when there
    /// are named groups. A group no imported service is in is left out (its
    /// VIPs are reported as balanced by no virtual server).
    fn write_groups(&self, out: &mut String) {
        if self.vrrp.groups.is_empty() {
            return;
        }
        // With groups preempt_delay defaults to 5 s; keepalived.conf without
        // it takes a group back at once.
        out.push_str(
            "  preempt_delay: 0
  groups:
",
        );
        for (index, group) in self.vrrp.groups.iter().enumerate() {
            let services: Vec<&str> = self
                .services
                .iter()
                .filter(|service| service.group == index)
                .map(|service| service.name.as_str())
                .collect();
            if services.is_empty() {
                continue;
            }
            let priorities: Vec<String> = group
                .priorities
                .iter()
                .map(|(director, priority)| format!("{director}: {priority}"))
                .collect();
            let _ = write!(
                out,
                "    {}:\n      virtual_router_id: {}\n      services: [{}]\n      priorities: {{{}}}\n",
                key(&group.name),
                group.vrid,
                services.join(", "),
                priorities.join(", ")
            );
        }
    }
}

/// A name as a YAML mapping key: quoted unless YAML reads it as a string
/// as it is.
fn key(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && !["y", "n", "yes", "no", "on", "off", "true", "false", "null"]
            .contains(&name.to_ascii_lowercase().as_str());
    if plain {
        name.to_owned()
    } else {
        quoted(name)
    }
}

fn write_service(out: &mut String, service: &ServiceDraft) {
    let vips: Vec<String> = service.vips.iter().map(address).collect();
    let ports: Vec<String> = service.ports.iter().copied().map(port).collect();
    let _ = write!(
        out,
        "  {}:\n    vips: [{}]\n    ports: [{}]\n    scheduler: {}\n",
        service.name,
        vips.join(", "),
        ports.join(", "),
        service.scheduler
    );
    if let Some(seconds) = service.persistence {
        let _ = writeln!(out, "    persistence: {seconds}");
    }
    if service.across_ports {
        out.push_str("    persistence_across_ports: true\n");
    }
    if let Some(check) = &service.check {
        write_check(out, check);
    }
    if !service.sorry.is_empty() {
        let _ = writeln!(out, "    sorry_server: {}", addresses(&service.sorry));
    }
    if service.quorum != 1 {
        let _ = writeln!(out, "    quorum: {}", service.quorum);
    }
    if service.hysteresis != 0 {
        let _ = writeln!(out, "    hysteresis: {}", service.hysteresis);
    }
    if service.alpha {
        out.push_str("    alpha: true\n");
    }
}

fn write_check(out: &mut String, check: &CheckDraft) {
    out.push_str("    health_check:\n");
    if let Some(path) = &check.path {
        let _ = writeln!(out, "      path: {}", quoted(path));
    }
    if let Some(expect) = &check.expect {
        let _ = writeln!(out, "      expect: {}", quoted(expect));
    }
    if let Some(code) = check.status_code {
        let _ = writeln!(out, "      status_code: {code}");
    }
    if let Some(port) = check.port {
        let _ = writeln!(out, "      port: {port}");
    }
    let name = |kind: CheckKind| match kind {
        CheckKind::Http => "http",
        CheckKind::Https => "https",
        CheckKind::Tcp => "tcp",
        CheckKind::Udp => "udp",
    };
    // As validation chooses a port's kind when the inventory names none.
    let default = |spec: &(u16, Protocol)| match (spec.1, &check.path, check.port.unwrap_or(spec.0))
    {
        (Protocol::Udp, _, _) => CheckKind::Udp,
        (Protocol::Tcp, None, _) => CheckKind::Tcp,
        (Protocol::Tcp, Some(_), 443) => CheckKind::Https,
        (Protocol::Tcp, Some(_), _) => CheckKind::Http,
    };
    if check
        .kinds
        .iter()
        .any(|(spec, kind)| default(spec) != *kind)
    {
        let first = check.kinds[0].1;
        if check.kinds.iter().all(|(_, kind)| *kind == first) {
            let _ = writeln!(out, "      kind: {}", name(first));
        } else {
            let map: Vec<String> = check
                .kinds
                .iter()
                .map(|(spec, kind)| format!("{}: {}", port(*spec), name(*kind)))
                .collect();
            let _ = writeln!(out, "      kind: {{{}}}", map.join(", "));
        }
    }
    let (interval, connect_timeout, retry, delay) = check.timers;
    let _ = writeln!(
        out,
        "      interval: {interval}\n      connect_timeout: {connect_timeout}\n      retry: {retry}\n      delay_before_retry: {delay}"
    );
}
