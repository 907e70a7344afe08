//! `verify`: is a live machine what the inventory says? Pure: compares the
//! validated model and the rendered files of one machine with a recorded
//! [`LiveState`] (read by `live`), check by check, each with what was
//! expected and what was found. What the next boot will do is judged in
//! `stack` (will the network stack read the rendered files?) and
//! `nextboot` (which value will systemd-sysctl give each rendered kernel
//! parameter?). The report's forms (text, JSON, Prometheus) are in `report`.

mod check;
pub mod director;
mod ipvs_checks;
mod ipvs_table;
pub mod nextboot;
mod segment_arp;
pub mod stack;
pub mod vrrp;

use check::sysctl_check;
pub use check::{Check, Status};

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;

use serde::Serialize;

use crate::live::{self, FileState, LiveState, Probe, IPV4_CONF};
use crate::machine::{DirectorSetup, Machine, Role};
use crate::render::Tree;
use crate::validate::model::{host_prefix, Host, VipInterface};

/// What the live state must hold for the checks of `machine`, besides the
/// interfaces and ARP parameters, which are always read; with `arp`, a
/// director also asks the segment who answers for its VIPs.
pub fn probe(machine: &Machine<'_>, arp: bool) -> Probe {
    let files = &machine.files;
    let mut probe = Probe {
        files: files.keys().cloned().collect(),
        ..Probe::default()
    };
    match &machine.role {
        Role::RealServer(host) => {
            probe.sysctl = host
                .sysctl
                .iter()
                .map(|setting| live::sysctl_path(&setting.key))
                .collect();
            if matches!(host.interface, VipInterface::Dummy(_)) {
                probe.modules.insert(DUMMY_MODULE.to_owned());
            }
            probe.boot = Some(stack::probe(host));
            probe.agent = agent_questions(host);
        }
        Role::Director(expected) => {
            probe.processes.insert(director::KEEPALIVED.to_owned());
            probe.ipvs = true;
            probe.sysctl = director::rendered_sysctl_keys(expected, files)
                .into_iter()
                .collect();
            probe.modules = director::rendered_modules(files, &expected.modules_file)
                .into_iter()
                .collect();
            if arp {
                probe.arp = director::arp_question(expected);
            }
        }
    }
    probe
}

/// Each VIP of `host` with the agent's address to ask about it on: the
/// host's own address of the VIP's family, as the directors ask. None
/// without `vip_agent`.
fn agent_questions(host: &Host) -> Vec<(IpAddr, std::net::SocketAddr)> {
    let Some(port) = host.agent_port else {
        return Vec::new();
    };
    host.vips
        .iter()
        .filter_map(|vip| {
            let address = host
                .addresses
                .iter()
                .find(|address| address.is_ipv4() == vip.is_ipv4())?;
            Some((*vip, std::net::SocketAddr::new(*address, port)))
        })
        .collect()
}

/// The agent's answer about each VIP: `200 present` expected. A state
/// recorded without the agent's answers says nothing of them.
fn agent_checks(host: &Host, live: &LiveState) -> Vec<Check> {
    let mut checks = Vec::new();
    if let (Some(_), Some(boot)) = (host.agent_port, &live.boot) {
        let unit = crate::render::AGENT_SOCKET_UNIT;
        let state = boot.units.get(unit).cloned().unwrap_or_default();
        let found = match (&state.masked_by, state.wanted_in.first()) {
            (Some(mask), _) => format!("masked by {}", mask.display()),
            (None, Some(wants)) => format!("enabled ({})", wants.display()),
            (None, None) => "not enabled".to_owned(),
        };
        let expected = "enabled";
        checks.push(Check::new(
            "agent-socket",
            unit,
            found.starts_with("enabled"),
            expected,
            found,
        ));
    }
    let (Some(_), Some(answers)) = (host.agent_port, &live.agent) else {
        return checks;
    };
    let expected = "200 present";
    checks.extend(host.vips.iter().map(|vip| {
        let found = answers
            .get(vip)
            .map_or_else(|| "not asked".to_owned(), Clone::clone);
        Check::new("agent", vip.to_string(), found == expected, expected, found)
    }));
    checks
}

/// Whether `verify --arp` can ask about `machine`: a director with an IPv4
/// address, and a recorded state (if any) that holds ARP answers. The error
/// says why not.
pub fn arp_possible(machine: &Machine<'_>, recorded: Option<&LiveState>) -> Result<(), String> {
    let Role::Director(expected) = &machine.role else {
        return Err(format!(
            "`--arp` is for directors: `{}` is a real server; run `verify --arp` on a \
             director to see which machines answer ARP for the VIPs",
            machine.name()
        ));
    };
    if director::arp_question(expected).is_none() {
        return Err(format!(
            "`--arp` asks by ARP, which is IPv4 only, and director `{}` has no IPv4 address \
             (nor the inventory an IPv4 VIP)",
            expected.name
        ));
    }
    if recorded.is_some_and(|state| state.arp.is_none()) {
        return Err(
            "the recorded state holds no ARP answers; record it with `verify --print-state --arp`"
                .to_owned(),
        );
    }
    Ok(())
}

/// The kernel module of dummy interfaces.
const DUMMY_MODULE: &str = "dummy";

/// All checks of one machine.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The machine's name in the inventory.
    pub host: String,
    /// `real-server` or `director`.
    pub role: &'static str,
    /// The checks, in a stable order.
    pub checks: Vec<Check>,
    /// A director's VRRP states and real servers, for the Prometheus
    /// output; `None` for a real server.
    #[serde(skip)]
    pub director: Option<DirectorState>,
}

/// What a director's Prometheus output publishes besides its checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectorState {
    /// Each VRRP instance of its rendered keepalived.conf, and the state
    /// the director holds it in.
    pub vrrp: Vec<(vrrp::Instance, vrrp::State)>,
    /// The inventory's real servers as its IPVS table has them.
    pub backends: Vec<director::Backend>,
}

/// The VRRP states and real servers of a director.
fn director_state(expected: &DirectorSetup, files: &Tree, live: &LiveState) -> DirectorState {
    let running = live.processes.contains(director::KEEPALIVED);
    let conf = files
        .get(&expected.keepalived_file)
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default();
    DirectorState {
        vrrp: vrrp::instances(&conf)
            .into_iter()
            .map(|instance| {
                let state = vrrp::state(&instance, live, running);
                (instance, state)
            })
            .collect(),
        backends: director::backends(expected, live),
    }
}

impl Report {
    /// The worst outcome: `Error` over `Drift` over `Down` over `Ok`.
    pub fn status(&self) -> Status {
        let has = |status| self.checks.iter().any(|check| check.status == status);
        [Status::Error, Status::Drift, Status::Down]
            .into_iter()
            .find(|status| has(*status))
            .unwrap_or(Status::Ok)
    }
}

/// Compares the live state of `machine` with the inventory and its rendered
/// files.
pub fn verify(machine: &Machine<'_>, live: &LiveState) -> Report {
    let files = &machine.files;
    let mut checks: Vec<Check> = files
        .iter()
        .map(|(path, bytes)| file_check(path, bytes, live.files.get(path)))
        .collect();
    if let (Role::RealServer(host), Some(boot)) = (&machine.role, &live.boot) {
        checks.extend(stack::checks(host, boot));
    }
    let director = match &machine.role {
        Role::RealServer(host) => {
            checks.extend(real_server_checks(host, live));
            None
        }
        Role::Director(expected) => {
            checks.extend(director::checks(expected, files, live));
            Some(director_state(expected, files, live))
        }
    };
    Report {
        host: machine.name().to_owned(),
        role: machine.role_name(),
        checks,
        director,
    }
}

fn real_server_checks(host: &Host, live: &LiveState) -> Vec<Check> {
    let device = host.interface.device();
    let mut checks = vec![interface_check(device, live)];
    for vip in host.vips.iter() {
        checks.push(vip_check(*vip, device, live));
        checks.push(vip_elsewhere_check(*vip, device, live));
    }
    if matches!(host.interface, VipInterface::Dummy(_)) {
        checks.push(extra_address_check(host, device, live));
    }
    checks.extend(arp_checks(host, live));
    checks.extend(host.sysctl.iter().map(|setting| {
        let path = live::sysctl_path(&setting.key);
        sysctl_check(&setting.key, &setting.value, live.sysctl.get(&path))
    }));
    if let Some(boot) = &live.boot {
        checks.extend(nextboot::checks(host, boot));
    }
    checks.extend(agent_checks(host, live));
    if matches!(host.interface, VipInterface::Dummy(_)) {
        let loaded = live.modules.contains(DUMMY_MODULE);
        checks.push(Check::new(
            "module",
            DUMMY_MODULE,
            loaded,
            "loaded",
            if loaded { "loaded" } else { "not loaded" },
        ));
    }
    checks
}

/// The installed file against the rendered one, byte for byte.
fn file_check(path: &Path, rendered: &[u8], found: Option<&FileState>) -> Check {
    let subject = path.display().to_string();
    let expected = "as rendered";
    let (status, found) = match found {
        None | Some(FileState::Missing) => (Status::Drift, "missing".to_owned()),
        Some(FileState::NotText) => (Status::Drift, "not a text file".to_owned()),
        Some(FileState::Unreadable(reason)) => (Status::Error, format!("unreadable: {reason}")),
        Some(FileState::Text(text)) if text.as_bytes() == rendered => {
            (Status::Ok, "as rendered".to_owned())
        }
        Some(FileState::Text(text)) => (Status::Drift, first_difference(rendered, text)),
    };
    Check {
        kind: "file",
        subject,
        status,
        expected: expected.to_owned(),
        found,
    }
}

/// "differs at line N: `found line`", for a file that is not as rendered.
fn first_difference(rendered: &[u8], found: &str) -> String {
    let rendered = String::from_utf8_lossy(rendered);
    let mut expected_lines = rendered.split_inclusive('\n');
    let mut found_lines = found.split_inclusive('\n');
    let mut line = 1;
    loop {
        match (expected_lines.next(), found_lines.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (_, Some(b)) => {
                return format!("differs at line {line}: `{}`", b.trim_end_matches('\n'));
            }
            (Some(_), None) => return format!("differs: ends before line {line}"),
            (None, None) => return "differs".to_owned(),
        }
    }
}

fn interface_check(device: &str, live: &LiveState) -> Check {
    let found = match live.interfaces.iter().find(|link| link.ifname == device) {
        None => "missing",
        Some(link) if link.is_up() => "up",
        Some(_) => "down",
    };
    Check::new("interface", device, found == "up", "up", found)
}

/// Every address equal to `vip`, as (interface, address).
fn places(vip: IpAddr, live: &LiveState) -> Vec<(&str, &live::Address)> {
    live.interfaces
        .iter()
        .flat_map(|link| {
            link.addr_info
                .iter()
                .filter(move |address| address.local.parse::<IpAddr>() == Ok(vip))
                .map(move |address| (link.ifname.as_str(), address))
        })
        .collect()
}

/// "on dummy0 as /32", with IPv6 DAD states.
fn describe(device: &str, address: &live::Address) -> String {
    let mut text = format!("on {device} as /{}", address.prefixlen);
    if address.tentative {
        text.push_str(", tentative");
    }
    if address.dadfailed {
        text.push_str(", dadfailed");
    }
    text
}

fn vip_check(vip: IpAddr, device: &str, live: &LiveState) -> Check {
    let expected = format!("on {device} as /{}", host_prefix(vip));
    let found = places(vip, live)
        .into_iter()
        .find(|(name, _)| *name == device)
        .map_or_else(|| "missing".to_owned(), |(name, a)| describe(name, a));
    Check::new("vip", vip.to_string(), found == expected, expected, found)
}

fn vip_elsewhere_check(vip: IpAddr, device: &str, live: &LiveState) -> Check {
    let others: Vec<String> = places(vip, live)
        .into_iter()
        .filter(|(name, _)| *name != device)
        .map(|(name, address)| describe(name, address))
        .collect();
    let expected = format!("on no interface but {device}");
    let found = if others.is_empty() {
        expected.clone()
    } else {
        format!("also {}", others.join(", "))
    };
    Check::new(
        "vip-elsewhere",
        vip.to_string(),
        others.is_empty(),
        expected,
        found,
    )
}

/// No address on the dummy interface but the VIPs (and IPv6 link-local
/// addresses, which the kernel adds itself).
fn extra_address_check(host: &Host, device: &str, live: &LiveState) -> Check {
    let extra: Vec<String> = live
        .interfaces
        .iter()
        .filter(|link| link.ifname == device)
        .flat_map(|link| &link.addr_info)
        .filter(|address| address.scope != "link")
        .filter(|address| {
            address
                .local
                .parse::<IpAddr>()
                .map_or(true, |ip| !host.vips.contains(&ip))
        })
        .map(|address| format!("{}/{}", address.local, address.prefixlen))
        .collect();
    let expected = "no address but the VIPs";
    let found = if extra.is_empty() {
        expected.to_owned()
    } else {
        format!("also {}", extra.join(", "))
    };
    Check::new("extra-address", device, extra.is_empty(), expected, found)
}

/// For every interface, the effective `arp_ignore` and `arp_announce`
/// (the larger of `all` and the interface's) against the rendered ones.
fn arp_checks(host: &Host, live: &LiveState) -> Vec<Check> {
    let rendered: BTreeMap<String, &str> = host
        .sysctl
        .iter()
        .map(|setting| (live::sysctl_path(&setting.key), setting.value.as_str()))
        .collect();
    let prefix = format!("{IPV4_CONF}/");
    let mut interfaces: Vec<&str> = live
        .sysctl
        .keys()
        .filter_map(|key| key.strip_prefix(&prefix)?.split_once('/'))
        .filter(|(name, key)| *name != "all" && *name != "default" && key.starts_with("arp_"))
        .map(|(name, _)| name)
        .collect();
    interfaces.dedup();
    let mut checks = Vec::new();
    for name in interfaces {
        for key in ["arp_ignore", "arp_announce"] {
            checks.push(arp_check(key, name, &rendered, live));
        }
    }
    checks
}

fn arp_check(
    key: &'static str,
    interface: &str,
    rendered: &BTreeMap<String, &str>,
    live: &LiveState,
) -> Check {
    let number = |value: Option<&str>| value.and_then(|v| v.trim().parse::<u32>().ok());
    let path = |scope: &str| format!("{IPV4_CONF}/{scope}/{key}");
    let expected = number(rendered.get(&path("all")).copied())
        .unwrap_or(0)
        .max(number(rendered.get(&path(interface)).copied()).unwrap_or(0));
    let live_value = |scope: &str| number(live.sysctl.get(&path(scope)).and_then(Option::as_deref));
    let (Some(all), Some(own)) = (live_value("all"), live_value(interface)) else {
        return Check {
            kind: key,
            subject: interface.to_owned(),
            status: Status::Error,
            expected: expected.to_string(),
            found: format!("unreadable: {key} of all or {interface} missing"),
        };
    };
    let effective = all.max(own);
    let mut found = String::new();
    let _ = write!(found, "{effective} = max(all={all}, {interface}={own})");
    Check::new(
        key,
        interface,
        effective == expected,
        expected.to_string(),
        found,
    )
}
