//! Mutations of a valid inventory's YAML tree, each making exactly one
//! thing invalid (a number out of range, a control character, a newline or
//! a brace injected into a value or a name, a name or an address reused, a
//! health check that cannot pass),
//! with the inventory path the error message must name.

use super::yaml::{Key, Kind, Node, Scalar};

/// One step down the tree: the n-th entry of a mapping, or the n-th item of
/// a sequence.
#[derive(Debug, Clone, Copy)]
enum Step {
    Entry(usize),
    Item(usize),
}

/// A mutated tree and what its error must say.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// What was changed, for failure messages.
    pub what: String,
    /// The invalid inventory.
    pub root: Node,
    /// The inventory path the message must name, such as `hosts.web0.weight`.
    pub path: String,
}

/// Control characters injected into values and names.
const CONTROLS: [char; 7] = ['\u{1}', '\t', '\r', '\u{7f}', '\u{1b}', '\u{8}', '\u{c}'];

/// Every mutation of `root` that `choice` can pick; `choice` picks one: a
/// reuse (of a name, an address, a priority...) one time in three, else a
/// bad value (out of range, or with a control character, a newline or a
/// brace injected), as there are many more values than reuses.
pub fn mutate(root: &Node, choice: u64) -> Option<Mutation> {
    let mut values = Vec::new();
    collect(root, &mut Vec::new(), "", choice, &mut values);
    let mut reused = Vec::new();
    reuses(root, &mut reused);
    let mut found = if choice % 3 == 0 && !reused.is_empty() {
        reused
    } else {
        values
    };
    if found.is_empty() {
        return None;
    }
    let index = usize::try_from((choice / 3) % found.len() as u64).expect("small");
    let (what, path, change) = found.swap_remove(index);
    let mut mutated = root.clone();
    change(&mut mutated);
    Some(Mutation {
        what,
        root: mutated,
        path,
    })
}

type Change = Box<dyn Fn(&mut Node)>;

fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn node_at<'a>(root: &'a mut Node, steps: &[Step]) -> &'a mut Node {
    steps.iter().fold(root, |node, step| match (node, step) {
        (Node::Map { entries, .. }, Step::Entry(index)) => &mut entries[*index].1,
        (Node::Seq(items), Step::Item(index)) => &mut items[*index],
        (node, step) => panic!("no {step:?} in {node:?}"),
    })
}

fn key_at<'a>(root: &'a mut Node, map: &[Step], index: usize) -> &'a mut Key {
    match node_at(root, map) {
        Node::Map { entries, .. } => &mut entries[index].0,
        node => panic!("not a mapping: {node:?}"),
    }
}

/// `text` with `inject` inserted in the middle.
fn inject(text: &str, inject: &str) -> String {
    let middle = text.chars().count() / 2;
    let mut out: String = text.chars().take(middle).collect();
    out.push_str(inject);
    out.extend(text.chars().skip(middle));
    out
}

/// The injections a text value or a name refuses.
fn injections(braces_ok: bool, choice: u64) -> Vec<(&'static str, String)> {
    let control = CONTROLS[usize::try_from(choice % CONTROLS.len() as u64).expect("small")];
    let mut list = vec![
        ("a control character", control.to_string()),
        ("a newline", "\n".to_owned()),
    ];
    if !braces_ok {
        list.push(("a `}`", "}".to_owned()));
        list.push(("a `{`", "x {".to_owned()));
    }
    list
}

fn collect(
    node: &Node,
    steps: &mut Vec<Step>,
    path: &str,
    choice: u64,
    found: &mut Vec<(String, String, Change)>,
) {
    match node {
        Node::Map { entries, .. } => {
            for (index, (key, value)) in entries.iter().enumerate() {
                if key.chosen {
                    for (what, bad) in injections(false, choice) {
                        let map = steps.clone();
                        let new = inject(&key.text, &bad);
                        found.push((
                            format!("{what} in the name `{}` under `{path}`", key.text),
                            path.to_owned(),
                            Box::new(move |root| key_at(root, &map, index).text.clone_from(&new)),
                        ));
                    }
                }
                steps.push(Step::Entry(index));
                collect(value, steps, &child_path(path, &key.text), choice, found);
                steps.pop();
            }
        }
        Node::Seq(items) => {
            for (index, item) in items.iter().enumerate() {
                steps.push(Step::Item(index));
                collect(item, steps, &format!("{path}[{index}]"), choice, found);
                steps.pop();
            }
        }
        Node::Scalar(scalar, kind) => scalar_mutations(scalar, *kind, steps, path, choice, found),
    }
}

fn scalar_mutations(
    scalar: &Scalar,
    kind: Kind,
    steps: &[Step],
    path: &str,
    choice: u64,
    found: &mut Vec<(String, String, Change)>,
) {
    let mut push = |what: String, new: Scalar| {
        let at = steps.to_vec();
        found.push((
            what,
            path.to_owned(),
            Box::new(move |root| {
                if let Node::Scalar(scalar, _) = node_at(root, &at) {
                    *scalar = new.clone();
                }
            }),
        ));
    };
    match (scalar, kind) {
        (_, Kind::Number { min, max }) => {
            let bad = match choice % 3 {
                0 if min > 0 => min - 1,
                1 => 1_000_000_000_000,
                _ => max + 1,
            };
            push(format!("{path} out of range: {bad}"), Scalar::Int(bad));
        }
        (Scalar::Str(text), Kind::Port) => {
            let bad =
                ["0", "65536", "70000/udp", "0/tcp"][usize::try_from(choice % 4).expect("small")];
            push(
                format!("{path}: port {bad} (was {text})"),
                Scalar::Str(bad.to_owned()),
            );
        }
        (Scalar::Str(text), Kind::Text { braces_ok }) => {
            for (what, bad) in injections(braces_ok, choice) {
                push(
                    format!("{what} in {path} `{text}`"),
                    Scalar::Str(inject(text, &bad)),
                );
            }
        }
        _ => {}
    }
}

/// The entries of the top-level mapping `name`, with their step.
fn section<'a>(root: &'a Node, name: &str) -> Option<(Step, &'a [(Key, Node)])> {
    let Node::Map { entries, .. } = root else {
        return None;
    };
    entries
        .iter()
        .enumerate()
        .find(|(_, (key, _))| key.text == name)
        .and_then(|(index, (_, node))| match node {
            Node::Map { entries, .. } => Some((Step::Entry(index), entries.as_slice())),
            _ => None,
        })
}

/// The index of field `name` in a mapping's entries.
fn field(entries: &[(Key, Node)], name: &str) -> Option<usize> {
    entries.iter().position(|(key, _)| key.text == name)
}

/// Mutations that reuse a name, an address or a priority, or that make a
/// health check one that cannot pass.
fn reuses(root: &Node, found: &mut Vec<(String, String, Change)>) {
    duplicate_keys(root, &mut Vec::new(), "", found);
    if let Some((hosts_step, hosts)) = section(root, "hosts") {
        reuse_names_in_other_case("hosts", hosts_step, hosts, found);
        reuse_host_addresses(hosts_step, hosts, found);
        if let Some((directors_step, directors)) = section(root, "directors") {
            let (name, _) = &hosts[0];
            let new = name.text.clone();
            for (index, (director, _)) in directors.iter().enumerate() {
                found.push((
                    format!("director {} renamed to host {new}", director.text),
                    format!("directors.{new}"),
                    Box::new({
                        let new = new.clone();
                        move |root| key_at(root, &[directors_step], index).text.clone_from(&new)
                    }),
                ));
            }
            reuse_priorities(directors_step, directors, found);
            reuse_names_in_other_case("directors", directors_step, directors, found);
        }
    }
    if let Some((services_step, services)) = section(root, "services") {
        plain_http_on_443(services_step, services, found);
        reuse_vips(services_step, services, found);
        if let Some((hosts_step, hosts)) = section(root, "hosts") {
            vip_as_host_address(services, hosts_step, hosts, found);
        }
        if section(root, "directors").is_some() {
            reuse_virtual_service(services_step, services, found);
        }
    }
}

/// A chosen name made equal to an earlier one in the same mapping.
fn duplicate_keys(
    node: &Node,
    steps: &mut Vec<Step>,
    path: &str,
    found: &mut Vec<(String, String, Change)>,
) {
    let Node::Map { entries, .. } = node else {
        return;
    };
    if entries.len() >= 2 && entries.iter().all(|(key, _)| key.chosen) {
        let first = entries[0].0.text.clone();
        let last = entries.len() - 1;
        let map = steps.clone();
        found.push((
            format!("`{first}` twice in {path}"),
            path.to_owned(),
            Box::new(move |root| key_at(root, &map, last).text.clone_from(&first)),
        ));
    }
    for (index, (key, value)) in entries.iter().enumerate() {
        steps.push(Step::Entry(index));
        duplicate_keys(value, steps, &child_path(path, &key.text), found);
        steps.pop();
    }
}

/// In `section` (hosts or directors), the last one renamed to the first
/// one's name in other letter case.
fn reuse_names_in_other_case(
    section: &'static str,
    step: Step,
    entries: &[(Key, Node)],
    found: &mut Vec<(String, String, Change)>,
) {
    if entries.len() < 2 {
        return;
    }
    let first = &entries[0].0.text;
    let upper = first.to_ascii_uppercase();
    let new = if upper == *first {
        first.to_ascii_lowercase()
    } else {
        upper
    };
    if new == *first {
        return;
    }
    let last = entries.len() - 1;
    found.push((
        format!("{section}: {} renamed to {new}", entries[last].0.text),
        format!("{section}.{new}"),
        Box::new(move |root| key_at(root, &[step], last).text.clone_from(&new)),
    ));
}

/// The last host given the first host's address, or a VIP as its address.
fn reuse_host_addresses(
    hosts_step: Step,
    hosts: &[(Key, Node)],
    found: &mut Vec<(String, String, Change)>,
) {
    let last = hosts.len() - 1;
    let Node::Map { entries, .. } = &hosts[last].1 else {
        return;
    };
    let Some(address) = field(entries, "address") else {
        return;
    };
    let at = vec![hosts_step, Step::Entry(last), Step::Entry(address)];
    if last > 0 {
        if let Node::Map { entries: first, .. } = &hosts[0].1 {
            let theirs = first[field(first, "address").expect("address")].1.clone();
            let at = at.clone();
            found.push((
                format!(
                    "host {} given host {}'s address",
                    hosts[last].0.text, hosts[0].0.text
                ),
                format!("hosts.{}.address", hosts[last].0.text),
                Box::new(move |root| *node_at(root, &at) = theirs.clone()),
            ));
        }
    }
}

/// The last director given the first one's priority.
fn reuse_priorities(
    directors_step: Step,
    directors: &[(Key, Node)],
    found: &mut Vec<(String, String, Change)>,
) {
    let last = directors.len() - 1;
    if last == 0 {
        return;
    }
    let priority = |node: &Node| match node {
        Node::Map { entries, .. } => {
            let index = field(entries, "priority").expect("priority");
            (index, entries[index].1.clone())
        }
        node => panic!("not a director: {node:?}"),
    };
    let (_, first) = priority(&directors[0].1);
    let (index, _) = priority(&directors[last].1);
    let at = vec![directors_step, Step::Entry(last), Step::Entry(index)];
    found.push((
        format!(
            "director {} given the first one's priority",
            directors[last].0.text
        ),
        format!("directors.{}.priority", directors[last].0.text),
        Box::new(move |root| *node_at(root, &at) = first.clone()),
    ));
}

/// A service's last VIP made equal to its first, and a host's address made
/// equal to a VIP.
fn reuse_vips(
    services_step: Step,
    services: &[(Key, Node)],
    found: &mut Vec<(String, String, Change)>,
) {
    for (index, (name, service)) in services.iter().enumerate() {
        let Node::Map { entries, .. } = service else {
            continue;
        };
        let vips_index = field(entries, "vips").expect("vips");
        let Node::Seq(vips) = &entries[vips_index].1 else {
            continue;
        };
        if vips.len() >= 2 {
            let last = vips.len() - 1;
            let first = vips[0].clone();
            let at = vec![
                services_step,
                Step::Entry(index),
                Step::Entry(vips_index),
                Step::Item(last),
            ];
            found.push((
                format!("service {}'s VIP listed twice", name.text),
                format!("services.{}.vips[{last}]", name.text),
                Box::new(move |root| *node_at(root, &at) = first.clone()),
            ));
        }
    }
}

/// A service's health check made plain HTTP (`kind: http`) of port 443
/// (`port: 443`), which can never pass: HTTPS servers answer no plain HTTP.
fn plain_http_on_443(
    services_step: Step,
    services: &[(Key, Node)],
    found: &mut Vec<(String, String, Change)>,
) {
    for (index, (name, service)) in services.iter().enumerate() {
        let Node::Map { entries, .. } = service else {
            continue;
        };
        let Some(check_index) = field(entries, "health_check") else {
            continue;
        };
        // Without ports there is no virtual server, and so no check to refuse.
        if !matches!(vips_and_ports(service), Some((_, _, Some((_, ports)))) if !ports.is_empty()) {
            continue;
        }
        let at = vec![services_step, Step::Entry(index), Step::Entry(check_index)];
        found.push((
            format!(
                "service {}'s health check made `kind: http, port: 443`",
                name.text
            ),
            format!("services.{}.health_check.kind", name.text),
            Box::new(move |root| {
                let Node::Map { entries, .. } = node_at(root, &at) else {
                    return;
                };
                entries.retain(|(key, _)| !matches!(key.text.as_str(), "kind" | "port" | "tls"));
                entries.push((
                    Key::field("kind"),
                    Node::Scalar(Scalar::Str("http".to_owned()), Kind::Fixed),
                ));
                entries.push((
                    Key::field("port"),
                    Node::Scalar(Scalar::Int(443), Kind::Fixed),
                ));
            }),
        ));
    }
}

/// A field of a mapping holding a sequence: its index and its items.
type Field = (usize, Vec<Node>);

/// The VIPs and ports of a service's mapping.
fn vips_and_ports(service: &Node) -> Option<(usize, Vec<Node>, Option<Field>)> {
    let Node::Map { entries, .. } = service else {
        return None;
    };
    let vips_index = field(entries, "vips")?;
    let Node::Seq(vips) = &entries[vips_index].1 else {
        return None;
    };
    let ports = field(entries, "ports").and_then(|index| match &entries[index].1 {
        Node::Seq(ports) => Some((index, ports.clone())),
        _ => None,
    });
    Some((vips_index, vips.clone(), ports))
}

/// The last host given the first service's first VIP as its address.
fn vip_as_host_address(
    services: &[(Key, Node)],
    hosts_step: Step,
    hosts: &[(Key, Node)],
    found: &mut Vec<(String, String, Change)>,
) {
    let Some((name, service)) = services.first() else {
        return;
    };
    let Some((_, vips, _)) = vips_and_ports(service) else {
        return;
    };
    let Some(Node::Scalar(Scalar::Str(vip), kind)) = vips.first() else {
        return;
    };
    let address = vip.split('/').next().unwrap_or(vip).to_owned();
    let last = hosts.len() - 1;
    let Node::Map { entries, .. } = &hosts[last].1 else {
        return;
    };
    let at = vec![
        hosts_step,
        Step::Entry(last),
        Step::Entry(field(entries, "address").expect("address")),
    ];
    let node = Node::Scalar(Scalar::Str(address), *kind);
    found.push((
        format!(
            "host {} given the VIP {vip} as its address",
            hosts[last].0.text
        ),
        format!("services.{}.vips[0]", name.text),
        Box::new(move |root| *node_at(root, &at) = node.clone()),
    ));
}

/// With directors: the last service given the first one's first VIP and
/// first port, so two services balance one IPVS virtual service.
fn reuse_virtual_service(
    services_step: Step,
    services: &[(Key, Node)],
    found: &mut Vec<(String, String, Change)>,
) {
    let last = services.len() - 1;
    if last == 0 {
        return;
    }
    let (
        Some((_, first_vips, Some((_, first_ports)))),
        Some((vips_index, _, Some((ports_index, _)))),
    ) = (
        vips_and_ports(&services[0].1),
        vips_and_ports(&services[last].1),
    )
    else {
        return;
    };
    let (vip, port) = (first_vips[0].clone(), first_ports[0].clone());
    let service = vec![services_step, Step::Entry(last)];
    found.push((
        format!(
            "service {} given service {}'s first VIP and port",
            services[last].0.text, services[0].0.text
        ),
        format!("services.{}.ports[0]", services[last].0.text),
        Box::new(move |root| {
            if let Node::Map { entries, .. } = node_at(root, &service) {
                entries[vips_index].1 = Node::Seq(vec![vip.clone()]);
                entries[ports_index].1 = Node::Seq(vec![port.clone()]);
            }
        }),
    ));
}
