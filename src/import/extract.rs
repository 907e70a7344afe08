//! From a director's statement tree to what keepalived does with it
//! ([`model::Director`]), keepalived's defaults applied; every keyword the
//! inventory cannot express becomes a [`Finding`] with its place and why,
//! and every keyword that changes nothing a [`Note`].

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::model::{
    Check, CheckKind, Director, Instance, Notify, Protocol, RealServer, SyncDaemon, VirtualServer,
};
use super::terms::{Finding, Note};
use crate::keepalived_conf::{Place, Statement};

/// keepalived's defaults (2.2.7 and 2.3.3 alike: its
/// `keepalived/check/check_data.c`, `check_api.c`, `check_http.c`,
/// `vrrp/vrrp_data.c`).
mod default {
    pub const PRIORITY: u32 = 100;
    pub const ADVERT_INT: u32 = 1;
    pub const GARP_MASTER_DELAY: &str = "5";
    pub const SCHEDULER: &str = "wlc";
    pub const DELAY_LOOP: u32 = 60;
    pub const CONNECT_TIMEOUT: u32 = 5;
    pub const RETRY: u32 = 1;
    pub const HTTP_DELAY_BEFORE_RETRY: u32 = 3;
    pub const TCP_DELAY_BEFORE_RETRY: u32 = 1;
    pub const WEIGHT: u32 = 1;
    pub const QUORUM: u32 = 1;
}

/// What one director's configuration gave.
pub struct Extracted {
    /// What keepalived does with it.
    pub director: Director,
    /// What the inventory cannot express.
    pub findings: Vec<Finding>,
    /// What the import noted (defaults written out, deprecated spellings).
    pub notes: Vec<Note>,
}

/// Reads the statements of `director`'s configuration.
pub fn extract(director: &str, statements: &[Statement]) -> Extracted {
    let mut run = Run {
        name: director.to_owned(),
        out: Director::default(),
        findings: Vec::new(),
        notes: Vec::new(),
        groups: BTreeMap::new(),
        sync_groups: Vec::new(),
        fwmark_groups: Vec::new(),
    };
    // Groups first: a virtual server may name a group written after it.
    for statement in statements {
        match statement.keyword.as_str() {
            "virtual_server_group" => run.server_group(statement),
            "global_defs" => run.global_defs(statement),
            _ => {}
        }
    }
    for statement in statements {
        match statement.keyword.as_str() {
            "virtual_server_group" | "global_defs" => {}
            "vrrp_sync_group" => run.sync_group(statement),
            "vrrp_instance" => run.instance(statement),
            "virtual_server" => run.virtual_server(statement),
            "vrrp_script" | "vrrp_track_file" | "track_file" | "vrrp_track_process" => run.not_expressible(
                statement,
                "a tracked script, file or process: the inventory's directors track interfaces only (`track_interface`)",
            ),
            "static_ipaddress" | "static_routes" | "static_rules" => run.not_expressible(
                statement,
                "static addresses and routes: keepalived's own network setup is not part of the inventory",
            ),
            _ => run.not_expressible(statement, "not a part of an LVS-DR director that the inventory describes"),
        }
    }
    run.apply_sync_groups();
    Extracted {
        director: run.out,
        findings: run.findings,
        notes: run.notes,
    }
}

struct Run {
    name: String,
    out: Director,
    findings: Vec<Finding>,
    notes: Vec<Note>,
    /// `virtual_server_group` name → its members and place.
    groups: BTreeMap<String, (Vec<(IpAddr, u16)>, Place)>,
    /// `vrrp_sync_group`s: name, instances, notify scripts.
    sync_groups: Vec<(String, Vec<String>, Notify, Place)>,
    /// Groups with `fwmark` members.
    fwmark_groups: Vec<String>,
}

/// The words of a statement, for messages: `virtual_server 10.0.0.1 80`.
fn shown(statement: &Statement) -> String {
    let mut text = statement.keyword.clone();
    for arg in &statement.args {
        text.push(' ');
        text.push_str(arg);
    }
    text
}

impl Run {
    fn finding(&mut self, statement: &Statement, reason: &str, dropped: Vec<String>) {
        self.findings.push(Finding {
            director: self.name.clone(),
            place: statement.place.clone(),
            part: shown(statement),
            reason: reason.to_owned(),
            dropped,
        });
    }

    fn not_expressible(&mut self, statement: &Statement, reason: &str) {
        self.finding(statement, reason, Vec::new());
    }

    fn note(&mut self, statement: &Statement, text: &str) {
        self.notes.push(Note {
            director: self.name.clone(),
            place: statement.place.clone(),
            part: shown(statement),
            text: text.to_owned(),
        });
    }

    /// The first argument as a number, or a finding.
    fn number(&mut self, statement: &Statement) -> Option<u32> {
        let parsed = statement
            .args
            .first()
            .and_then(|arg| arg.parse::<u32>().ok());
        if parsed.is_none() {
            self.not_expressible(
                statement,
                "not a whole number: the inventory takes whole seconds and counts",
            );
        }
        parsed
    }

    fn global_defs(&mut self, statement: &Statement) {
        let mut script_user = None;
        let mut security = false;
        for child in statement.children() {
            match child.keyword.as_str() {
                "router_id" => self.note(
                    child,
                    "the rendered configuration names the director by its inventory name",
                ),
                "lvs_sync_daemon" => self.sync_daemon(child, None),
                "enable_script_security" => security = true,
                "script_user" => script_user = child.args.first().cloned(),
                "nftables_ipvs" => self.out.nftables_ipvs = true,
                "vrrp_version" if child.args.first().map(String::as_str) == Some("2") => {
                    self.note(child, "keepalived's default (VRRP version 2 for IPv4)");
                }
                "vrrp_garp_interval" | "vrrp_gna_interval"
                    if child.args.first().map(String::as_str) == Some("0") =>
                {
                    self.note(child, "keepalived's default");
                }
                "notification_email" | "notification_email_from" | "smtp_server"
                | "smtp_connect_timeout" | "smtp_alert" | "smtp_helo_name" => self
                    .not_expressible(
                        child,
                        "e-mail alerts: the inventory's directors alert through notify scripts (`vrrp.notify`)",
                    ),
                "vrrp_strict" => self.not_expressible(
                    child,
                    "strict RFC mode (it also adds firewall rules that drop traffic to the VIPs): the rendered configuration does not set it",
                ),
                _ => self.not_expressible(child, "a global setting the rendered configuration does not set"),
            }
        }
        match (security, script_user.as_deref()) {
            (true, Some("root")) => self.out.script_security = true,
            (false, None) => {}
            _ => self.not_expressible(
                statement,
                "script security other than `enable_script_security` with `script_user root`, which lvs-dr-gen writes with notify scripts",
            ),
        }
    }

    /// `lvs_sync_daemon IF [INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group A]`,
    /// or the deprecated `lvs_sync_daemon_interface IF` of `instance`.
    fn sync_daemon(&mut self, statement: &Statement, instance: Option<&str>) {
        let Some(interface) = statement.args.first().cloned() else {
            return self.not_expressible(statement, "no interface");
        };
        let mut daemon = SyncDaemon {
            interface,
            instance: instance.map(str::to_owned),
            id: None,
            group: None,
            place: statement.place.clone(),
        };
        // As keepalived's lvs_syncd_handler(): keywords with a value, and
        // the older `IF INSTANCE [SYNCID]` by position.
        let args = &statement.args;
        let mut at = 1;
        while at < args.len() {
            let value = args.get(at + 1);
            match (args[at].as_str(), value) {
                ("inst", Some(name)) => daemon.instance = Some(name.clone()),
                ("id", Some(id)) => daemon.id = id.parse().ok(),
                ("group", Some(group)) => daemon.group = group.parse().ok(),
                ("maxlen" | "port" | "ttl", Some(_)) => self.not_expressible(
                    statement,
                    "the sync daemon's maxlen, port or ttl: lvs-dr-gen keeps the kernel's",
                ),
                (name, _) if at == 1 && daemon.instance.is_none() => {
                    daemon.instance = Some(name.to_owned());
                    at += 1;
                    continue;
                }
                (id, _) if at == 2 => {
                    daemon.id = id.parse().ok();
                    at += 1;
                    continue;
                }
                _ => {
                    self.not_expressible(statement, "an option keepalived does not know");
                    at += 1;
                    continue;
                }
            }
            at += 2;
        }
        if self.out.sync_daemon.is_some() {
            return self.not_expressible(statement, "a second sync daemon");
        }
        self.out.sync_daemon = Some(daemon);
    }

    fn sync_group(&mut self, statement: &Statement) {
        let name = statement.args.first().cloned().unwrap_or_default();
        let mut members = Vec::new();
        let mut notify = Notify::default();
        for child in statement.children() {
            match child.keyword.as_str() {
                "group" => members.extend(child.children().iter().flat_map(|member| {
                    std::iter::once(member.keyword.clone()).chain(member.args.iter().cloned())
                })),
                "notify" | "notify_master" | "notify_backup" | "notify_fault" => {
                    self.notify(child, &mut notify);
                }
                _ => {
                    self.not_expressible(
                        child,
                        "a sync group setting the inventory cannot express",
                    );
                }
            }
        }
        self.sync_groups
            .push((name, members, notify, statement.place.clone()));
    }

    /// A notify script: an absolute path without arguments.
    fn notify(&mut self, statement: &Statement, notify: &mut Notify) {
        let script = match statement.args.as_slice() {
            [path] if path.starts_with('/') && !path.contains(char::is_whitespace) => path.clone(),
            _ => {
                return self.not_expressible(
                    statement,
                    "a notify script with arguments or a relative path: the inventory takes an absolute path without arguments",
                )
            }
        };
        let slot = match statement.keyword.as_str() {
            "notify" => &mut notify.every,
            "notify_master" => &mut notify.master,
            "notify_backup" => &mut notify.backup,
            _ => &mut notify.fault,
        };
        *slot = Some(script);
    }

    /// Gives each instance of a sync group the group's notify scripts.
    fn apply_sync_groups(&mut self) {
        for (name, members, notify, _) in &self.sync_groups {
            for instance in &mut self.out.instances {
                if members.contains(&instance.name) {
                    instance.sync_group = Some(name.clone());
                    if notify.any() {
                        instance.notify = notify.clone();
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn instance(&mut self, statement: &Statement) {
        let mut instance = Instance {
            name: statement.args.first().cloned().unwrap_or_default(),
            place: statement.place.clone(),
            vrid: 0,
            priority: default::PRIORITY,
            advert_int: default::ADVERT_INT,
            interface: String::new(),
            vips: Vec::new(),
            unicast_source: None,
            unicast_peers: Vec::new(),
            password: None,
            track_interfaces: Vec::new(),
            notify: Notify::default(),
            sync_group: None,
        };
        let mut unicast_options = 0;
        for child in statement.children() {
            match child.keyword.as_str() {
                "state" => self.note(
                    child,
                    "the initial state: the rendered file starts the highest priority as MASTER, the others as BACKUP (preemption decides either way)",
                ),
                "interface" => instance.interface = child.args.first().cloned().unwrap_or_default(),
                "virtual_router_id" => instance.vrid = self.number(child).unwrap_or(0),
                "priority" => instance.priority = self.number(child).unwrap_or(default::PRIORITY),
                "advert_int" => instance.advert_int = self.number(child).unwrap_or(default::ADVERT_INT),
                "virtual_ipaddress" => self.vips(child, &mut instance),
                "authentication" => self.authentication(child, &mut instance),
                "unicast_src_ip" => instance.unicast_source = child.args.first().and_then(|a| a.parse().ok()),
                "unicast_peer" => instance.unicast_peers.extend(
                    child.children().iter().filter_map(|peer| peer.keyword.parse::<IpAddr>().ok()),
                ),
                "unicast_fault_no_peer" | "check_unicast_src" => unicast_options += 1,
                "track_interface" => {
                    for device in child.children() {
                        if device.args.is_empty() {
                            instance.track_interfaces.push(device.keyword.clone());
                        } else {
                            self.not_expressible(device, "a tracked interface with a weight: the inventory's take the instance to FAULT");
                        }
                    }
                }
                "notify" | "notify_master" | "notify_backup" | "notify_fault" => {
                    self.notify(child, &mut instance.notify);
                }
                "garp_master_delay" if child.args.first().map(String::as_str) == Some(default::GARP_MASTER_DELAY) => {
                    self.note(child, "keepalived's default");
                }
                "lvs_sync_daemon_interface" => {
                    let name = instance.name.clone();
                    self.note(child, "deprecated: the rendered file writes `lvs_sync_daemon` in global_defs");
                    self.sync_daemon(child, Some(&name));
                }
                "nopreempt" | "preempt_delay" => self.not_expressible(
                    child,
                    "the rendered directors always preempt: the highest priority takes the VIPs back at once",
                ),
                _ => self.not_expressible(child, "a VRRP setting the rendered configuration does not set"),
            }
        }
        if !instance.unicast_peers.is_empty() && unicast_options < 2 {
            self.not_expressible(
                statement,
                "unicast VRRP without both `unicast_fault_no_peer` and `check_unicast_src`, which the rendered file adds",
            );
        }
        if instance.vrid == 0 || instance.interface.is_empty() {
            let key = format!("vrrp {}", instance.name);
            return self.finding(
                statement,
                "no virtual_router_id or interface: keepalived does not run it",
                vec![key],
            );
        }
        self.out.instances.push(instance);
    }

    /// `virtual_ipaddress { ADDRESS[/PREFIX] [dev IF] ... }`.
    fn vips(&mut self, statement: &Statement, instance: &mut Instance) {
        for entry in statement.children() {
            let (address, prefix) = entry
                .keyword
                .split_once('/')
                .map_or((entry.keyword.as_str(), None), |(a, p)| (a, Some(p)));
            let Ok(address) = address.parse::<IpAddr>() else {
                self.not_expressible(entry, "not an IP address");
                continue;
            };
            let host = if address.is_ipv4() { "32" } else { "128" };
            if prefix.is_some_and(|prefix| prefix != host) {
                self.finding(
                    entry,
                    &format!("a VIP with a prefix: lvs-dr-gen puts every VIP on the director as /{host}, without the route to the prefix that this one adds"),
                    vec![format!("vip {address}")],
                );
            }
            let mut words = entry.args.iter();
            while let Some(word) = words.next() {
                match (word.as_str(), words.next()) {
                    ("dev", Some(device))
                        if *device == instance.interface || instance.interface.is_empty() => {}
                    _ => {
                        self.not_expressible(entry, "a VIP option lvs-dr-gen does not write (only `dev` of the instance's interface)");
                        break;
                    }
                }
            }
            if let Some(first) = instance.vips.first() {
                if first.is_ipv4() != address.is_ipv4() {
                    self.not_expressible(entry, "a VIP of the other address family than the instance's first: keepalived does not advertise it in this instance");
                    continue;
                }
            }
            instance.vips.push(address);
        }
    }

    fn authentication(&mut self, statement: &Statement, instance: &mut Instance) {
        let mut kind = None;
        for child in statement.children() {
            match child.keyword.as_str() {
                "auth_type" => kind = child.args.first().cloned(),
                "auth_pass" => instance.password = child.args.first().cloned(),
                _ => self
                    .not_expressible(child, "an authentication setting lvs-dr-gen does not write"),
            }
        }
        if kind.as_deref() != Some("PASS") {
            instance.password = None;
            self.not_expressible(statement, "authentication other than `auth_type PASS`");
        }
    }

    /// `virtual_server_group NAME { ADDRESS[-LAST] PORT ... }`.
    fn server_group(&mut self, statement: &Statement) {
        let name = statement.args.first().cloned().unwrap_or_default();
        let mut members = Vec::new();
        for entry in statement.children() {
            if entry.keyword == "fwmark" {
                self.fwmark_groups.push(name.clone());
                continue;
            }
            let port = entry.args.first().and_then(|port| port.parse::<u16>().ok());
            match (range(&entry.keyword), port) {
                (Some(addresses), Some(port)) => {
                    members.extend(addresses.into_iter().map(|address| (address, port)));
                }
                _ => self.not_expressible(entry, "not an address (or range) and a port"),
            }
        }
        self.groups.insert(name, (members, statement.place.clone()));
    }

    #[allow(clippy::too_many_lines)]
    fn virtual_server(&mut self, statement: &Statement) {
        let (members, group) = match statement.args.as_slice() {
            [kind, mark] if kind == "fwmark" => {
                let key = format!("FWM {mark}");
                return self.finding(
                    statement,
                    "a firewall-mark service whose marks firewall rules outside keepalived.conf set: lvs-dr-gen makes one only for `persistence_across_ports`, with keepalived marking the service's VIPs and ports itself (nftables_ipvs); check that the rules mark exactly one service's VIPs and ports, then write that service with `persistence_across_ports: true`",
                    vec![key],
                );
            }
            [kind, name] if kind == "group" => {
                if self.fwmark_groups.contains(name) {
                    return self.finding(
                        statement,
                        "a group with `fwmark` members, whose marks firewall rules outside keepalived.conf set",
                        vec![format!("group {name}")],
                    );
                }
                let Some((members, _)) = self.groups.get(name).cloned() else {
                    return self.finding(statement, "no such virtual_server_group", Vec::new());
                };
                (members, Some(name.clone()))
            }
            [address, port] => match (address.parse::<IpAddr>(), port.parse::<u16>()) {
                (Ok(address), Ok(port)) => (vec![(address, port)], None),
                _ => return self.finding(statement, "not an address and a port", Vec::new()),
            },
            _ => return self.finding(statement, "not an address and a port", Vec::new()),
        };
        let one_service = group.is_some() && self.out.nftables_ipvs;
        let mut server = VirtualServer {
            place: statement.place.clone(),
            comment: statement.comment.clone(),
            members,
            group,
            one_service,
            protocol: Protocol::Udp,
            scheduler: default::SCHEDULER.to_owned(),
            persistence: None,
            quorum: default::QUORUM,
            hysteresis: 0,
            alpha: false,
            sorry_server: None,
            real_servers: Vec::new(),
        };
        let mut inherited = Timers::default();
        let mut weight = default::WEIGHT;
        let mut method = None;
        let mut protocol_written = false;
        let mut real_servers = Vec::new();
        for child in statement.children() {
            match child.keyword.as_str() {
                "delay_loop" => inherited.interval = self.number(child),
                "connect_timeout" => inherited.connect_timeout = self.number(child),
                "retry" => inherited.retry = self.number(child),
                "delay_before_retry" => inherited.delay_before_retry = self.number(child),
                "warmup" => inherited.warmup = self.number(child),
                "lvs_sched" | "lb_algo" => {
                    server.scheduler = child.args.first().cloned().unwrap_or_default();
                }
                "lvs_method" | "lb_kind" => method = child.args.first().cloned(),
                "protocol" => {
                    protocol_written = true;
                    match child.args.first().map(String::as_str) {
                        Some("TCP") => server.protocol = Protocol::Tcp,
                        Some("UDP") => server.protocol = Protocol::Udp,
                        _ => {
                            let keys = server.keys();
                            return self.finding(child, "a protocol other than TCP or UDP", keys);
                        }
                    }
                }
                "persistence_timeout" => server.persistence = self.number(child).filter(|s| *s > 0),
                "quorum" => server.quorum = self.number(child).unwrap_or(default::QUORUM),
                "hysteresis" => server.hysteresis = self.number(child).unwrap_or(0),
                "alpha" => server.alpha = true,
                "weight" => weight = self.number(child).unwrap_or(default::WEIGHT),
                "ip_family" => self.note(child, "follows from the addresses"),
                "sorry_server" => {
                    server.sorry_server = child.args.first().and_then(|a| a.parse().ok());
                    let port = child.args.get(1).and_then(|p| p.parse::<u16>().ok());
                    if port.is_some_and(|port| server.members.iter().any(|(_, own)| *own != port)) {
                        self.not_expressible(child, "a sorry server on another port: direct routing cannot change the port, so the rendered one uses the balanced port");
                    }
                }
                "real_server" => real_servers.push(child),
                _ => self.not_expressible(
                    child,
                    "a virtual server setting the rendered configuration does not set",
                ),
            }
        }
        if !protocol_written {
            self.note(statement, "no `protocol`: keepalived balances UDP (\"no protocol set - defaulting to UDP\"), so the inventory's port is `/udp`");
        }
        match method.as_deref() {
            Some("DR") => {}
            other => {
                let keys = server.keys();
                let what = other.map_or_else(
                    || "no lvs_method, so NAT (keepalived's default)".to_owned(),
                    |m| format!("lvs_method {m}"),
                );
                return self.finding(
                    statement,
                    &format!("{what}: lvs-dr-gen balances by direct routing only"),
                    keys,
                );
            }
        }
        for child in real_servers {
            if let Some(real) = self.real_server(child, &server, &inherited, weight) {
                server.real_servers.push(real);
            }
        }
        if server.real_servers.is_empty() {
            let keys = server.keys();
            return self.finding(statement, "no real server: keepalived ignores the virtual server (\"has no real servers - ignoring\")", keys);
        }
        self.out.virtual_servers.push(server);
    }

    fn real_server(
        &mut self,
        statement: &Statement,
        server: &VirtualServer,
        inherited: &Timers,
        weight: u32,
    ) -> Option<RealServer> {
        let Some(address) = statement
            .args
            .first()
            .and_then(|a| a.parse::<IpAddr>().ok())
        else {
            self.not_expressible(statement, "not an IP address");
            return None;
        };
        let port = statement.args.get(1).and_then(|p| p.parse::<u16>().ok());
        let mut real = RealServer {
            place: statement.place.clone(),
            comment: statement.comment.clone(),
            address,
            port,
            weight,
            checks: Vec::new(),
        };
        if port.is_some_and(|port| server.members.iter().any(|(_, own)| *own != port)) {
            let keys = server
                .keys()
                .into_iter()
                .map(|key| format!("{key} -> {address}"))
                .collect();
            self.finding(statement, "a real server port other than the balanced one: direct routing forwards to the client's port, and the rendered real server has that port", keys);
        }
        let mut timers = inherited.clone();
        for child in statement.children() {
            match child.keyword.as_str() {
                "weight" => real.weight = self.number(child).unwrap_or(weight),
                "delay_loop" => timers.interval = self.number(child).or(timers.interval),
                "connect_timeout" => timers.connect_timeout = self.number(child).or(timers.connect_timeout),
                "retry" => timers.retry = self.number(child).or(timers.retry),
                "delay_before_retry" => timers.delay_before_retry = self.number(child).or(timers.delay_before_retry),
                "warmup" => timers.warmup = self.number(child).or(timers.warmup),
                "lvs_method" if child.args.first().map(String::as_str) == Some("DR") => {}
                "HTTP_GET" | "SSL_GET" | "TCP_CHECK" if checks_own_udp_port(child, server) => {
                    self.tcp_check_of_udp_port(child, server, address, &timers, &mut real);
                }
                "HTTP_GET" | "SSL_GET" | "TCP_CHECK" | "UDP_CHECK" => {
                    if let Some(check) = self.check(child, &timers, server.alpha) {
                        real.checks.push(check);
                    }
                }
                "MISC_CHECK" | "SMTP_CHECK" | "DNS_CHECK" | "PING_CHECK" | "BFD_CHECK"
                | "FILE_CHECK" => self.not_expressible(
                    child,
                    "a health check import cannot express (it reads HTTP, HTTPS, TCP and UDP checks)",
                ),
                _ => self.not_expressible(child, "a real server setting the rendered configuration does not set"),
            }
        }
        Some(real)
    }

    /// A TCP-speaking check of a UDP port, which validation refuses: the
    /// inventory's UDP check with the same timers takes its place, and the
    /// real server's checks leave the comparison (they differ on purpose).
    fn tcp_check_of_udp_port(
        &mut self,
        statement: &Statement,
        server: &VirtualServer,
        address: IpAddr,
        timers: &Timers,
        real: &mut RealServer,
    ) {
        let keys = server
            .keys()
            .into_iter()
            .map(|key| format!("{key} -> {address}"))
            .collect();
        self.finding(
            statement,
            "a TCP check of a port balanced as UDP: it passes or fails on whatever listens on TCP at that number; the inventory's UDP check (`kind: udp`, the same timers) takes its place: review it, or write `kind: dns` with a `query` for a DNS server",
            keys,
        );
        if let Some(mut check) = self.check(statement, timers, server.alpha) {
            check.kind = CheckKind::Udp;
            check.path = None;
            check.digest = None;
            check.status_code = None;
            real.checks.push(check);
        }
    }

    fn check(&mut self, statement: &Statement, timers: &Timers, alpha: bool) -> Option<Check> {
        let kind = match statement.keyword.as_str() {
            "HTTP_GET" => CheckKind::Http,
            "SSL_GET" => CheckKind::Https,
            "UDP_CHECK" => CheckKind::Udp,
            _ => CheckKind::Tcp,
        };
        let mut timers = timers.clone();
        let mut check = Check {
            kind,
            path: None,
            digest: None,
            status_code: None,
            connect_port: None,
            interval: 0,
            connect_timeout: 0,
            retry: 0,
            delay_before_retry: 0,
            no_warmup: false,
        };
        let mut urls = 0;
        for child in statement.children() {
            match child.keyword.as_str() {
                "url" if matches!(kind, CheckKind::Http | CheckKind::Https) => {
                    urls += 1;
                    self.url(child, &mut check);
                }
                "connect_port" => {
                    check.connect_port = child.args.first().and_then(|p| p.parse().ok());
                }
                "connect_timeout" => {
                    timers.connect_timeout = self.number(child).or(timers.connect_timeout);
                }
                "retry" => timers.retry = self.number(child).or(timers.retry),
                "nb_get_retry" => {
                    self.note(
                        child,
                        "deprecated spelling of `retry` (keepalived 2.2 and later warn)",
                    );
                    timers.retry = self.number(child).or(timers.retry);
                }
                "delay_before_retry" => {
                    timers.delay_before_retry = self.number(child).or(timers.delay_before_retry);
                }
                "delay_loop" => timers.interval = self.number(child).or(timers.interval),
                "warmup" => timers.warmup = self.number(child).or(timers.warmup),
                _ => self.not_expressible(
                    child,
                    "a check setting the rendered configuration does not set",
                ),
            }
        }
        if urls > 1 {
            self.not_expressible(
                statement,
                "several pages in one check: the inventory's check fetches one",
            );
        }
        if matches!(kind, CheckKind::Http | CheckKind::Https) && check.path.is_none() {
            self.not_expressible(
                statement,
                "a page check without a page: keepalived ignores it",
            );
            return None;
        }
        check.interval = timers.interval.unwrap_or(default::DELAY_LOOP);
        check.connect_timeout = timers.connect_timeout.unwrap_or(default::CONNECT_TIMEOUT);
        check.retry = timers.retry.unwrap_or(default::RETRY);
        check.delay_before_retry = timers.delay_before_retry.unwrap_or(match kind {
            CheckKind::Tcp | CheckKind::Udp => default::TCP_DELAY_BEFORE_RETRY,
            _ => default::HTTP_DELAY_BEFORE_RETRY,
        });
        match timers.warmup {
            None => {}
            Some(0) if alpha => check.no_warmup = true,
            Some(_) => self.not_expressible(
                statement,
                "a warmup: lvs-dr-gen writes `warmup 0` with `alpha` only, and keepalived's random warmup otherwise",
            ),
        }
        Some(check)
    }

    fn url(&mut self, statement: &Statement, check: &mut Check) {
        for child in statement.children() {
            match child.keyword.as_str() {
                "path" => check.path = child.args.first().cloned(),
                "digest" => check.digest = child.args.first().map(|d| d.to_ascii_lowercase()),
                "status_code" => match child.args.as_slice() {
                    [code] if code.parse::<u32>().is_ok() => check.status_code = code.parse().ok(),
                    _ => self.not_expressible(
                        child,
                        "several status codes or a range: the inventory takes one",
                    ),
                },
                _ => self.not_expressible(
                    child,
                    "a page check setting the rendered configuration does not set",
                ),
            }
        }
    }
}

/// The check timers a virtual server or real server passes on.
#[derive(Debug, Clone, Default)]
struct Timers {
    interval: Option<u32>,
    connect_timeout: Option<u32>,
    retry: Option<u32>,
    delay_before_retry: Option<u32>,
    warmup: Option<u32>,
}

/// keepalived's address range `10.0.0.1-5` (the last byte, or the last
/// group of an IPv6 address, runs to the number after the `-`), or one
/// address.
fn range(text: &str) -> Option<Vec<IpAddr>> {
    let Some((first, last)) = text.split_once('-') else {
        return text.parse().ok().map(|address| vec![address]);
    };
    match first.parse::<IpAddr>().ok()? {
        IpAddr::V4(address) => {
            let [a, b, c, start] = address.octets();
            let end: u8 = last.parse().ok()?;
            Some((start..=end).map(|d| IpAddr::from([a, b, c, d])).collect())
        }
        IpAddr::V6(address) => {
            let mut segments = address.segments();
            let start = segments[7];
            let end = u16::from_str_radix(last, 16).ok()?;
            Some(
                (start..=end)
                    .map(|s| {
                        segments[7] = s;
                        IpAddr::from(segments)
                    })
                    .collect(),
            )
        }
    }
}

/// Whether a TCP-speaking check (`HTTP_GET`, `SSL_GET`, `TCP_CHECK`) of a
/// UDP virtual server checks the balanced port itself (no `connect_port`,
/// or the balanced one): validation refuses that check, since it tests
/// whatever listens on TCP at the same number.
fn checks_own_udp_port(check: &Statement, server: &VirtualServer) -> bool {
    let connect_port = check
        .children()
        .iter()
        .find(|child| child.keyword == "connect_port")
        .and_then(|child| child.args.first()?.parse::<u16>().ok());
    server.protocol == Protocol::Udp
        && connect_port.is_none_or(|port| server.members.iter().any(|(_, own)| *own == port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_expand_on_the_last_part() {
        assert_eq!(
            range("10.0.0.1-3").unwrap(),
            ["10.0.0.1", "10.0.0.2", "10.0.0.3"].map(|a| a.parse::<IpAddr>().unwrap())
        );
        assert_eq!(range("2001:db8::a-b").unwrap().len(), 2);
        assert_eq!(range("10.0.0.9").unwrap().len(), 1);
        assert!(range("10.0.0.1-x").is_none());
    }
}
