//! The services and hosts an import writes, from the virtual servers the
//! directors agree on: virtual servers alike but for VIP and port become
//! one service (an IPv4 and an IPv6 piece alike merged), each in the VRRP
//! group its VIPs are in (`cluster` decides that), with its check and the
//! hosts behind it. Every choice leaves a comment, every part that cannot
//! be expressed a [`Finding`].

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::draft::{CheckDraft, Draft, HostDraft, ServiceDraft};
use super::model::{Check, CheckKind, Protocol, VirtualServer};
use super::terms::{Finding, Options};

/// What makes virtual servers one service (all but the VIP, the port,
/// the family, the sorry server and the checked port).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signature {
    scheduler: String,
    persistence: Option<u32>,
    one_service: bool,
    quorum: u32,
    hysteresis: u32,
    alpha: bool,
    /// The check, its port and kinds left out.
    check: Option<CheckDraft>,
    hosts: Vec<(String, u32)>,
}

/// A virtual server on its way to a service.
struct Part {
    signature: Signature,
    /// Its VRRP group's index among the imported ones.
    group: usize,
    ipv4: bool,
    sorry: Option<IpAddr>,
    /// Each member with its port, protocol and check kind.
    members: Vec<(IpAddr, Port)>,
    /// The port its check connects to, when it has one of its own.
    checked: Option<u16>,
    /// Whether its check connects to each member's own port.
    checks_own_port: bool,
    /// The service's name in the comment above it (`Service www: …`).
    named: Option<String>,
}

/// A balanced port with its check's kind.
type Port = (u16, Protocol, Option<CheckKind>);

/// What groups parts into services: their signature, the checked port
/// (`None`: each its own), the family, the sorry server and the VRRP group.
type Key = (Signature, Option<u16>, bool, Option<IpAddr>, usize);

/// A key's VIPs, each with its ports.
type Piece = (Key, Vec<(IpAddr, Vec<Port>)>);

/// VIPs with the same ports, of one key.
struct Rectangle {
    key: Key,
    vips: Vec<IpAddr>,
    ports: Vec<Port>,
}

/// A service before it is named: an IPv4 and an IPv6 rectangle alike.
struct Merged {
    signature: Signature,
    group: usize,
    port: Option<u16>,
    vips: Vec<IpAddr>,
    ports: Vec<Port>,
    sorry: Vec<IpAddr>,
}

/// Builds the services: virtual servers alike but for VIP and port, their
/// VIPs with the same ports one service; an IPv4 and an IPv6 piece alike
/// merged.
pub fn services(
    servers: &[VirtualServer],
    groups: &[usize],
    hosts: &super::hosts::Hosts,
    options: &Options,
    draft: &mut Draft,
    findings: &mut Vec<Finding>,
) {
    let parts: Vec<Part> = servers
        .iter()
        .zip(groups)
        .map(|(server, group)| Part {
            group: *group,
            ..part(server, hosts, options, findings)
        })
        .collect();
    let merged = merge(rectangles(&parts));
    let names = service_names(&parts, &merged, &mut draft.comments);
    for (service, name) in merged.into_iter().zip(names) {
        for (host, weight) in &service.signature.hosts {
            hosts_entry(draft, hosts, host)
                .services_weights
                .push((name.clone(), *weight));
        }
        let check = service.signature.check.clone().map(|mut check| {
            check.port = service.port;
            check.kinds = service
                .ports
                .iter()
                .filter_map(|(number, protocol, kind)| {
                    kind.map(|kind| ((*number, *protocol), kind))
                })
                .collect();
            check
        });
        let signature = &service.signature;
        draft.services.push(ServiceDraft {
            name,
            group: service.group,
            vips: service.vips,
            ports: service
                .ports
                .iter()
                .map(|(number, protocol, _)| (*number, *protocol))
                .collect(),
            scheduler: signature.scheduler.clone(),
            persistence: signature.persistence,
            across_ports: signature.one_service,
            check,
            sorry: service.sorry,
            quorum: signature.quorum,
            hysteresis: signature.hysteresis,
            alpha: signature.alpha,
        });
    }
}

/// The checked port of a part: each its own (none written) when all parts
/// alike check their own, one port when they all check it, else its own.
fn checked_port(parts: &[Part], part: &Part) -> Option<u16> {
    let alike: Vec<&Part> = parts
        .iter()
        .filter(|p| p.signature == part.signature)
        .collect();
    if alike.iter().all(|p| p.checks_own_port) || (part.checks_own_port && part.checked.is_none()) {
        None
    } else {
        part.checked
    }
}

/// The parts by key, each key's VIPs with the same ports together.
fn rectangles(parts: &[Part]) -> Vec<Rectangle> {
    let mut pieces: Vec<Piece> = Vec::new();
    for part in parts {
        let key = (
            part.signature.clone(),
            checked_port(parts, part),
            part.ipv4,
            part.sorry,
            part.group,
        );
        let index = pieces
            .iter()
            .position(|piece| piece.0 == key)
            .unwrap_or_else(|| {
                pieces.push((key.clone(), Vec::new()));
                pieces.len() - 1
            });
        for (vip, port) in &part.members {
            let vips = &mut pieces[index].1;
            match vips.iter_mut().find(|(v, _)| v == vip) {
                Some((_, list)) => list.push(*port),
                None => vips.push((*vip, vec![*port])),
            }
        }
    }
    let mut rectangles: Vec<Rectangle> = Vec::new();
    for (key, vips) in pieces {
        for (vip, ports) in vips {
            match rectangles
                .iter_mut()
                .find(|r| r.key == key && r.ports == ports)
            {
                Some(rectangle) => rectangle.vips.push(vip),
                None => rectangles.push(Rectangle {
                    key: key.clone(),
                    vips: vec![vip],
                    ports,
                }),
            }
        }
    }
    rectangles
}

/// An IPv4 and an IPv6 rectangle alike are one service.
fn merge(rectangles: Vec<Rectangle>) -> Vec<Merged> {
    let mut merged: Vec<Merged> = Vec::new();
    for Rectangle { key, vips, ports } in rectangles {
        let (signature, port, ipv4, sorry, group) = key;
        let partner = merged.iter_mut().find(|m| {
            m.signature == signature
                && m.group == group
                && m.port == port
                && m.ports == ports
                && m.vips.iter().all(|v| v.is_ipv4() != ipv4)
                && m.sorry.iter().all(|s| s.is_ipv4() != ipv4)
                && m.sorry.is_empty() == sorry.is_none()
        });
        match partner {
            Some(m) => {
                m.vips.extend(vips);
                m.sorry.extend(sorry);
            }
            None => merged.push(Merged {
                signature,
                group,
                port,
                vips,
                ports,
                sorry: sorry.into_iter().collect(),
            }),
        }
    }
    merged
}

/// The services' names: the one comment above all their virtual servers
/// (`Service NAME: …`), else `service1`, `service2`, …
fn service_names(parts: &[Part], merged: &[Merged], comments: &mut Vec<String>) -> Vec<String> {
    let mut taken = BTreeSet::new();
    let names: Vec<String> = merged
        .iter()
        .enumerate()
        .map(|(index, service)| {
            let given: BTreeSet<&Option<String>> = parts
                .iter()
                .filter(|part| {
                    part.members.iter().any(|(vip, port)| {
                        service.vips.contains(vip) && service.ports.iter().any(|p| p.0 == port.0)
                    })
                })
                .map(|part| &part.named)
                .collect();
            match given.into_iter().collect::<Vec<_>>().as_slice() {
                [Some(name)] if taken.insert(name.clone()) => name.clone(),
                _ => format!("service{}", index + 1),
            }
        })
        .collect();
    let from_comments = names
        .iter()
        .filter(|name| !name.starts_with("service"))
        .count();
    if from_comments > 0 {
        comments.push(format!("{from_comments} service(s) named after the comment above their virtual servers (`Service NAME: …`, as lvs-dr-gen writes it)"));
    }
    if from_comments < names.len() {
        comments.push("services named service1, service2, …: rename them (a name appears only in comments of the rendered files)".into());
    }
    names
}

/// The draft's host of that name, added on first use.
fn hosts_entry<'a>(
    draft: &'a mut Draft,
    hosts: &super::hosts::Hosts,
    name: &str,
) -> &'a mut HostDraft {
    if let Some(index) = draft.hosts.iter().position(|h| h.name == name) {
        return &mut draft.hosts[index];
    }
    let addresses = hosts.addresses(name);
    draft.hosts.push(HostDraft {
        name: name.to_owned(),
        addresses,
        services_weights: Vec::new(),
    });
    draft.hosts.last_mut().expect("just pushed")
}

/// A virtual server's part; real servers whose checks differ from the
/// first's are reported.
fn part(
    server: &VirtualServer,
    hosts: &super::hosts::Hosts,
    options: &Options,
    findings: &mut Vec<Finding>,
) -> Part {
    let reference = &server.real_servers[0].checks;
    for real in &server.real_servers[1..] {
        if !same_checks(&real.checks, reference) {
            let keys = server
                .keys()
                .iter()
                .map(|key| format!("{key} -> {} check", real.address))
                .collect();
            findings.push(Finding {
                director: String::new(),
                place: real.place.clone(),
                part: format!("real_server {}", real.address),
                reason: format!("its checks differ from the first real server's ({}): the inventory checks a service's real servers alike, so the rendered one gets that check", server.real_servers[0].place),
                dropped: keys,
            });
        }
    }
    let check = check_draft(server, reference, options, findings);
    let mut host_weights: Vec<(String, u32)> = server
        .real_servers
        .iter()
        .map(|real| (hosts.name_of(real.address), real.weight))
        .collect();
    host_weights.sort();
    let first = reference.first();
    let checked = first
        .and_then(|c| c.connect_port)
        .filter(|_| !server.one_service);
    let checks_own_port = server.one_service
        || first.is_none()
        || server
            .members
            .iter()
            .all(|(_, own)| checked.is_none_or(|p| p == *own));
    let kind = |port: u16| {
        reference
            .iter()
            .find(|c| c.connect_port.is_none_or(|p| p == port) || !server.one_service)
            .map(|c| c.kind)
    };
    Part {
        group: 0,
        signature: Signature {
            scheduler: server.scheduler.clone(),
            persistence: server.persistence,
            one_service: server.one_service,
            quorum: server.quorum,
            hysteresis: server.hysteresis,
            alpha: server.alpha,
            check,
            hosts: host_weights,
        },
        ipv4: server.members[0].0.is_ipv4(),
        sorry: server.sorry_server,
        members: server
            .members
            .iter()
            .map(|(vip, port)| (*vip, (*port, server.protocol, kind(*port))))
            .collect(),
        checked,
        checks_own_port,
        named: server
            .comment
            .as_deref()
            .and_then(|comment| comment.strip_prefix("Service "))
            .and_then(|rest| rest.split_once(':'))
            .map(|(name, _)| name.to_owned())
            .filter(|name| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            }),
    }
}

/// Two real servers' checks alike, places aside.
fn same_checks(a: &[Check], b: &[Check]) -> bool {
    a == b
}

/// The service's check from a real server's checks (its port and kinds
/// are set per service), `None` without one.
fn check_draft(
    server: &VirtualServer,
    checks: &[Check],
    options: &Options,
    findings: &mut Vec<Finding>,
) -> Option<CheckDraft> {
    let first = checks.first()?;
    let check_keys: Vec<String> = server
        .keys()
        .iter()
        .flat_map(|key| {
            server
                .real_servers
                .iter()
                .map(move |real| format!("{key} -> {} check", real.address))
        })
        .collect();
    let mut report = |part: String, reason: &str| {
        findings.push(Finding {
            director: String::new(),
            place: server.real_servers[0].place.clone(),
            part,
            reason: reason.to_owned(),
            dropped: check_keys.clone(),
        });
    };
    if checks.len() > 1 && !server.one_service {
        report(
            format!("real_server {}", server.real_servers[0].address),
            "several checks on one real server: the inventory's service has one check per port",
        );
    }
    if server.alpha && !first.no_warmup {
        report("alpha".into(), "`alpha` without `warmup 0`: the rendered file adds `warmup 0`, so that the first checks run at once");
    }
    let mut draft = CheckDraft {
        path: first.path.clone(),
        digest: first.digest.clone(),
        expect: first.digest.as_ref().and_then(|digest| {
            options
                .bodies
                .iter()
                .find(|body| &crate::render::body_digest(body) == digest)
                .cloned()
        }),
        status_code: first.status_code,
        port: None,
        timers: (
            first.interval,
            first.connect_timeout,
            first.retry,
            first.delay_before_retry,
        ),
        kinds: Vec::new(),
    };
    if first.digest.is_some() && draft.expect.is_none() {
        report(
            format!("digest {}", first.digest.as_deref().unwrap_or_default()),
            "the page's MD5 digest: the inventory writes the page's body (`expect`), which cannot be found from its MD5; give the body with `--expect BODY` (import checks that its MD5 is this digest); without it the imported check reads the status only",
        );
        draft.digest = None;
    }
    if matches!(first.kind, CheckKind::Http | CheckKind::Https)
        && first.status_code.is_none()
        && first.digest.is_none()
    {
        report(
            format!("url {}", first.path.as_deref().unwrap_or_default()),
            "a page check without `status_code` or `digest`: keepalived accepts any status 200 to 299, the inventory's check 200 only",
        );
    }
    Some(draft)
}
