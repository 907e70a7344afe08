//! The VRRP instances of a director, read from its rendered keepalived.conf
//! (name, virtual router id, interface, VIPs, tracked interfaces), and the
//! state the director holds each one in, judged from its live addresses
//! and links: what `verify --format prometheus` publishes per instance, so
//! that alert rules can find a VRRP group with no master, or two.
//!
//! The instances come from the rendered file rather than the model, so that
//! whatever the file says (one instance per address family today, several
//! VRRP groups later) is what is published.

use std::net::IpAddr;

use crate::live::{Link, LiveState};

/// A `vrrp_instance` of a keepalived.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Its name (`lvs_dr_ipv4`).
    pub name: String,
    /// Its `virtual_router_id`.
    pub vrid: u32,
    /// The interface it runs on and puts its VIPs on.
    pub interface: String,
    /// Its `virtual_ipaddress` entries, without prefix.
    pub vips: Vec<IpAddr>,
    /// Its `track_interface` entries: any of them down puts it in FAULT.
    pub track: Vec<String>,
}

/// The state a director holds a VRRP instance in, as seen from outside
/// keepalived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Every VIP of the instance on its interface.
    Master,
    /// keepalived runs, its links are up, and no VIP of the instance is on
    /// the interface.
    Backup,
    /// keepalived runs, but the interface or a tracked one is missing, down
    /// or without carrier: keepalived holds the instance in FAULT.
    Fault,
    /// keepalived is not running.
    Stopped,
    /// Some of the instance's VIPs on its interface but not all: not a
    /// state keepalived leaves an instance in (VIPs changed by hand).
    Partial,
}

impl State {
    /// Every state, in the order the Prometheus output lists them.
    pub const ALL: [State; 5] = [
        State::Master,
        State::Backup,
        State::Fault,
        State::Stopped,
        State::Partial,
    ];

    /// Its name in the Prometheus output.
    pub fn name(self) -> &'static str {
        match self {
            State::Master => "master",
            State::Backup => "backup",
            State::Fault => "fault",
            State::Stopped => "stopped",
            State::Partial => "partial",
        }
    }
}

/// The `vrrp_instance` blocks of a keepalived.conf, in file order. A line
/// is a keyword and its values; `#` and `!` start comments; blocks open
/// with `{` at the end of a line and close with a line `}`.
pub fn instances(conf: &str) -> Vec<Instance> {
    let mut found = Vec::new();
    let mut current: Option<Instance> = None;
    // The block the current line is in, below the vrrp_instance: its
    // keyword, and how deep the braces are inside the instance.
    let mut inner: Option<String> = None;
    let mut depth = 0usize;
    for line in conf.lines() {
        let line = line.split(['#', '!']).next().unwrap_or_default().trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(&first) = words.first() else {
            continue;
        };
        let Some(instance) = current.as_mut() else {
            if first == "vrrp_instance" && words.last() == Some(&"{") && words.len() == 3 {
                current = Some(Instance {
                    name: words[1].to_owned(),
                    vrid: 0,
                    interface: String::new(),
                    vips: Vec::new(),
                    track: Vec::new(),
                });
                depth = 0;
            }
            continue;
        };
        if first == "}" {
            if depth == 0 {
                found.extend(current.take());
            } else {
                depth -= 1;
                if depth == 0 {
                    inner = None;
                }
            }
            continue;
        }
        if words.last() == Some(&"{") {
            depth += 1;
            if depth == 1 {
                inner = Some(first.to_owned());
            }
            continue;
        }
        match (inner.as_deref(), first) {
            (None, "interface") => {
                words
                    .get(1)
                    .copied()
                    .unwrap_or_default()
                    .clone_into(&mut instance.interface);
            }
            (None, "virtual_router_id") => {
                instance.vrid = words.get(1).and_then(|id| id.parse().ok()).unwrap_or(0);
            }
            (Some("virtual_ipaddress"), address) => {
                let address = address.split('/').next().unwrap_or_default();
                instance.vips.extend(address.parse::<IpAddr>().ok());
            }
            (Some("track_interface"), device) => instance.track.push(device.to_owned()),
            _ => {}
        }
    }
    found
}

/// The state `live` holds `instance` in.
pub fn state(instance: &Instance, live: &LiveState, keepalived_running: bool) -> State {
    if !keepalived_running {
        return State::Stopped;
    }
    let link = |name: &str| live.interfaces.iter().find(|link| link.ifname == name);
    let working = |name: &str| link(name).is_some_and(carries);
    if !working(&instance.interface) || !instance.track.iter().all(|name| working(name)) {
        return State::Fault;
    }
    let held = link(&instance.interface).map_or(0, |link| {
        instance
            .vips
            .iter()
            .filter(|vip| {
                link.addr_info
                    .iter()
                    .any(|address| address.local.parse::<IpAddr>().ok() == Some(**vip))
            })
            .count()
    });
    match held {
        0 => State::Backup,
        count if count == instance.vips.len() => State::Master,
        _ => State::Partial,
    }
}

/// Whether a link can carry VRRP: up, with carrier (keepalived takes an
/// interface without `IFF_RUNNING` as down).
fn carries(link: &Link) -> bool {
    link.is_up() && !link.flags.iter().any(|flag| flag == "NO-CARRIER")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Address;

    const CONF: &str = "\
global_defs {
    router_id lb1
}

vrrp_sync_group lvs_dr {
    group {
        lvs_dr_ipv4
        lvs_dr_ipv6
    }
}

vrrp_instance lvs_dr_ipv4 {
    state MASTER
    interface eth0
    virtual_router_id 51
    track_interface {
        eth1
    }
    unicast_peer {
        192.0.2.3
    }
    authentication {
        auth_type PASS
        auth_pass secret
    }
    virtual_ipaddress {
        198.51.100.1/32 dev eth0
        198.51.100.9/32 dev eth0
    }
}

vrrp_instance lvs_dr_ipv6 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        2001:db8::1/128 dev eth0
    }
}

virtual_server 198.51.100.1 80 {
    real_server 192.0.2.11 80 {
        weight 3
    }
}
";

    fn link(name: &str, flags: &[&str], addresses: &[&str]) -> Link {
        Link {
            ifname: name.into(),
            flags: flags.iter().map(|flag| (*flag).to_owned()).collect(),
            addr_info: addresses
                .iter()
                .map(|local| Address {
                    family: if local.contains(':') { "inet6" } else { "inet" }.into(),
                    local: (*local).into(),
                    prefixlen: 32,
                    scope: "global".into(),
                    tentative: false,
                    dadfailed: false,
                })
                .collect(),
            linkinfo: None,
        }
    }

    fn live(links: Vec<Link>) -> LiveState {
        LiveState {
            interfaces: links,
            ..LiveState::default()
        }
    }

    const UP: &[&str] = &["BROADCAST", "MULTICAST", "UP", "LOWER_UP"];

    #[test]
    fn instances_are_read_with_their_vips_and_tracked_interfaces() {
        let found = instances(CONF);
        assert_eq!(
            found,
            [
                Instance {
                    name: "lvs_dr_ipv4".into(),
                    vrid: 51,
                    interface: "eth0".into(),
                    vips: vec![
                        "198.51.100.1".parse().unwrap(),
                        "198.51.100.9".parse().unwrap()
                    ],
                    track: vec!["eth1".into()],
                },
                Instance {
                    name: "lvs_dr_ipv6".into(),
                    vrid: 51,
                    interface: "eth0".into(),
                    vips: vec!["2001:db8::1".parse().unwrap()],
                    track: vec![],
                },
            ]
        );
    }

    #[test]
    fn the_state_follows_the_vips_links_and_keepalived() {
        let ipv4 = &instances(CONF)[0];
        let both = ["192.0.2.2", "198.51.100.1", "198.51.100.9"];
        let master = live(vec![link("eth0", UP, &both), link("eth1", UP, &[])]);
        assert_eq!(state(ipv4, &master, true), State::Master);
        assert_eq!(state(ipv4, &master, false), State::Stopped);
        let backup = live(vec![
            link("eth0", UP, &["192.0.2.2"]),
            link("eth1", UP, &[]),
        ]);
        assert_eq!(state(ipv4, &backup, true), State::Backup);
        let partial = live(vec![
            link("eth0", UP, &["192.0.2.2", "198.51.100.9"]),
            link("eth1", UP, &[]),
        ]);
        assert_eq!(state(ipv4, &partial, true), State::Partial);
        let tracked_down = live(vec![
            link("eth0", UP, &["192.0.2.2"]),
            link("eth1", &["BROADCAST", "NO-CARRIER", "UP"], &[]),
        ]);
        assert_eq!(state(ipv4, &tracked_down, true), State::Fault);
        let tracked_missing = live(vec![link("eth0", UP, &["192.0.2.2"])]);
        assert_eq!(state(ipv4, &tracked_missing, true), State::Fault);
        let own_down = live(vec![
            link("eth0", &["BROADCAST"], &["192.0.2.2"]),
            link("eth1", UP, &[]),
        ]);
        assert_eq!(state(ipv4, &own_down, true), State::Fault);
    }
}
