//! ipvsadm's output as `verify` reads it: the table (`ipvsadm -S -n`), the
//! connection counters (`-L -n --stats --exact`) and the sync daemons
//! (`-L --daemon`), each keyed by its virtual server as `verify` names it
//! (`TCP 10.0.0.100:80`, `FWM 1000`).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

/// The process name of keepalived, which builds the table.
pub const KEEPALIVED: &str = "keepalived";

/// A virtual server of the live table: `TCP 10.0.0.100:80`.
pub(super) type ServiceKey = String;

/// The live IPVS table: each virtual server's settings and real servers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Virtual server → its scheduler and persistence.
    pub services: BTreeMap<ServiceKey, (String, Option<u32>)>,
    /// (virtual server, real server) → forwarding method and weight.
    pub real_servers: BTreeMap<(ServiceKey, SocketAddr), (String, u32)>,
}

/// The start of a firewall-mark virtual server's key: `FWM 1000`.
pub(super) const FWMARK: &str = "FWM";

/// Parses `ipvsadm -S -n` (`-A -t VIP:PORT -s rr -p 300`,
/// `-a -t VIP:PORT -r RIP:PORT -g -w 1`, and `-A -f MARK …` for a
/// firewall-mark service); lines it does not know are left out.
pub fn parse_table(text: &str) -> Table {
    let mut table = Table::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let value = |flag: &str| {
            words
                .iter()
                .position(|word| *word == flag)
                .and_then(|at| words.get(at + 1).copied())
        };
        let service = match (value("-t"), value("-u"), value("-f")) {
            (Some(address), _, _) => format!("TCP {address}"),
            (None, Some(address), _) => format!("UDP {address}"),
            (None, None, Some(mark)) => format!("{FWMARK} {mark}"),
            (None, None, None) => continue,
        };
        match words.first().copied() {
            Some("-A") => {
                let scheduler = value("-s").unwrap_or("wlc").to_owned();
                let persistence = value("-p").and_then(|seconds| seconds.parse().ok());
                table.services.insert(service, (scheduler, persistence));
            }
            Some("-a") => {
                let Some(real) = value("-r").and_then(|real| real.parse().ok()) else {
                    continue;
                };
                let method = if words.contains(&"-g") {
                    "route"
                } else if words.contains(&"-i") {
                    "tunnel"
                } else if words.contains(&"-m") {
                    "masquerade"
                } else {
                    "unknown"
                };
                let weight = value("-w").and_then(|w| w.parse().ok()).unwrap_or(1);
                table
                    .real_servers
                    .insert((service, real), (method.to_owned(), weight));
            }
            _ => {}
        }
    }
    table
}

/// The key of a virtual server, as `ipvsadm -S -n` writes its address.
pub(super) fn key(protocol: &str, vip: IpAddr, port: u16) -> ServiceKey {
    format!("{protocol} {}", SocketAddr::new(vip, port))
}

/// Parses `ipvsadm -L -n --stats --exact`: the connections of each real
/// server (`Conns`, the first number after its address), by the key of its
/// virtual server (`TCP 10.0.0.100:80`, `FWM 1000`; an IPv6 firewall-mark
/// service's trailing `IPv6` left out) and its address.
pub fn parse_connections(text: &str) -> BTreeMap<(ServiceKey, SocketAddr), u64> {
    let mut counters = BTreeMap::new();
    let mut service: Option<ServiceKey> = None;
    for line in text.lines() {
        let mut words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&FWMARK) && words.get(2) == Some(&"IPv6") {
            words.remove(2);
        }
        match words.as_slice() {
            [protocol @ ("TCP" | "UDP" | "SCTP" | "FWM"), address, count, ..]
                if count.parse::<u64>().is_ok() =>
            {
                service = Some(format!("{protocol} {address}"));
            }
            ["->", real, count, ..] => {
                let (Some(service), Ok(real), Ok(count)) =
                    (&service, real.parse::<SocketAddr>(), count.parse::<u64>())
                else {
                    continue;
                };
                counters.insert((service.clone(), real), count);
            }
            _ => {}
        }
    }
    counters
}

/// A sync daemon as `ipvsadm -L --daemon` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveDaemon {
    /// `master` or `backup`.
    pub state: String,
    /// Its interface (`mcast=`).
    pub interface: String,
    /// Its sync id (`syncid=`).
    pub id: Option<u32>,
}

impl LiveDaemon {
    pub(super) fn describe(&self) -> String {
        let id = self.id.map_or_else(|| "?".to_owned(), |id| id.to_string());
        format!("{} daemon on {}, syncid {id}", self.state, self.interface)
    }
}

/// Parses `ipvsadm -L --daemon`: `master sync daemon (mcast=eth0,
/// syncid=51)` and `backup sync daemon (...)`, one line each; newer
/// ipvsadm adds `maxlen=`, `group=`, `port=`, `ttl=` inside the
/// parentheses, which are left out.
pub fn parse_daemons(text: &str) -> Vec<LiveDaemon> {
    text.lines()
        .filter_map(|line| {
            let (state, rest) = line.trim().split_once(" sync daemon (")?;
            let fields = rest.trim_end_matches(')');
            let field = |name: &str| {
                fields
                    .split(',')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_owned())
            };
            Some(LiveDaemon {
                state: state.to_owned(),
                interface: field("mcast").unwrap_or_default(),
                id: field("syncid").and_then(|id| id.parse().ok()),
            })
        })
        .collect()
}
