//! A director's configuration as the lines of what keepalived does with
//! it, one fact per line, in a fixed order: two configurations mean the
//! same to keepalived when their lines are equal. `import` compares the
//! original's (less the parts it reports as not expressible) with those of
//! the configuration it renders from the inventory it wrote.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::model::{Check, CheckKind, Director};

/// The facts, sorted. Each line starts with the key that a finding's
/// `dropped` names (a VIP: `vip 10.0.0.1`; a virtual server: `TCP
/// 10.0.0.1:80`; a real server of one: `TCP 10.0.0.1:80 -> 10.0.0.11`).
pub fn lines(director: &Director) -> BTreeSet<String> {
    let mut lines = BTreeSet::new();
    for instance in &director.instances {
        let mut peers: Vec<String> = instance
            .unicast_peers
            .iter()
            .map(ToString::to_string)
            .collect();
        peers.sort();
        // keepalived tracks the instance's own interface whether listed or not.
        let mut tracked: Vec<String> = instance
            .track_interfaces
            .iter()
            .filter(|device| **device != instance.interface)
            .cloned()
            .collect();
        tracked.sort();
        for vip in &instance.vips {
            lines.insert(format!(
                "vip {vip}: vrid {} priority {} advert_int {} interface {} unicast {} peers [{}] password {} track [{}] notify {:?}",
                instance.vrid,
                instance.priority,
                instance.advert_int,
                instance.interface,
                instance.unicast_source.map_or("-".to_owned(), |a| a.to_string()),
                peers.join(" "),
                instance.password.as_deref().unwrap_or("-"),
                tracked.join(" "),
                instance.notify,
            ));
        }
    }
    if let Some(daemon) = &director.sync_daemon {
        let vrid = director
            .instances
            .iter()
            .find(|instance| Some(&instance.name) == daemon.instance.as_ref())
            .map(|instance| (instance.vrid, instance.vips.first().copied()));
        lines.insert(format!(
            "sync daemon: interface {} follows {:?} id {:?} group {:?}",
            daemon.interface,
            vrid,
            daemon.id.or(vrid.map(|(id, _)| id)),
            daemon.group,
        ));
    }
    for server in &director.virtual_servers {
        let keys = server.keys();
        let members: Vec<String> = keys
            .iter()
            .map(|key| {
                if server.one_service {
                    let mut members: Vec<String> = server
                        .members
                        .iter()
                        .map(|(vip, port)| std::net::SocketAddr::new(*vip, *port).to_string())
                        .collect();
                    members.sort();
                    format!("FWM [{} {}]", server.protocol.name(), members.join(" "))
                } else {
                    key.clone()
                }
            })
            .collect();
        for key in members {
            lines.insert(format!(
                "{key}: scheduler {} persistence {:?} quorum {} hysteresis {} alpha {} sorry {:?}",
                server.scheduler,
                server.persistence,
                server.quorum,
                server.hysteresis,
                server.alpha,
                server.sorry_server,
            ));
            for real in &server.real_servers {
                let mut checks: Vec<String> = real
                    .checks
                    .iter()
                    .map(|check| check_line(check, server.members.first().map(|m| m.1)))
                    .collect();
                checks.sort();
                lines.insert(format!("{key} -> {}: weight {}", real.address, real.weight));
                lines.insert(format!(
                    "{key} -> {} check: [{}]",
                    real.address,
                    checks.join("; ")
                ));
            }
        }
    }
    lines
}

/// One check; its `connect_port` written out when it is the balanced
/// port (keepalived checks the real server's port then, which is it).
fn check_line(check: &Check, own_port: Option<u16>) -> String {
    let mut text = String::new();
    let kind = match check.kind {
        CheckKind::Http => "HTTP_GET",
        CheckKind::Https => "SSL_GET",
        CheckKind::Tcp => "TCP_CHECK",
        CheckKind::Udp => "UDP_CHECK",
    };
    let _ = write!(
        text,
        "{kind} path {:?} digest {:?} status {:?} port {:?} interval {} timeout {} retry {} delay {} no_warmup {}",
        check.path,
        check.digest,
        check.status_code,
        check.connect_port.or(own_port),
        check.interval,
        check.connect_timeout,
        check.retry,
        check.delay_before_retry,
        check.no_warmup,
    );
    text
}

/// Whether `line` is about one of `keys` (a line's key is its text up to
/// the first `:` after the key, or up to ` -> ` for a real server).
pub fn dropped(line: &str, keys: &[String]) -> bool {
    keys.iter().any(|key| {
        line.strip_prefix(key.as_str()).is_some_and(|rest| {
            rest.starts_with(':') || rest.starts_with(" -> ") || rest.starts_with(" check:")
        })
    })
}
