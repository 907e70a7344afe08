//! Turning a parsed inventory into the trusted model, with every problem
//! that needs more than one value to see (references, duplicates, settings
//! that would break direct routing) reported at once, by inventory path.
//! The director side (keepalived) has its own rules in `directors`, and a
//! service's health check (the kind of check on each port) in `health_check`.

mod agent;
mod boot_paths;
mod director_options;
mod directors;
mod health_check;
pub mod model;
mod problems;
mod stack;
mod vrrp_groups;

pub use directors::DEFAULT_ADVERT_INT;
pub use health_check::{
    DEFAULT_CHECK_INTERVAL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DELAY_BEFORE_RETRY, DEFAULT_RETRY,
};
pub use stack::{DEFAULT_NETDEV_PATH, DEFAULT_NETPLAN_PATH, DEFAULT_NETWORK_PATH, DEFAULT_STACK};
pub use vrrp_groups::{DEFAULT_GROUP, DEFAULT_GROUP_PREEMPT_DELAY};

use std::borrow::{Borrow, Cow};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::code::Code;
use crate::diagnostic::{closest, Diagnostic};
use crate::inventory::{self, OrderedMap};
use crate::values::{
    Drain, HostName, InterfaceName, RelativePath, Scheduler, Style, SysctlKey, SysctlValue, Vip,
};
use crate::yaml::InventoryPath;
use boot_paths::{check_conf_suffix, check_interfaces_path, check_modules_path, check_sysctl_path};
pub use boot_paths::{DEFAULT_INTERFACES_PATH, DEFAULT_MODULES_PATH, DEFAULT_SYSCTL_PATH};
use model::{Drained, Host, OutputPaths, Service, SysctlSetting, VipInterface};
use problems::Problems;

/// The interface that carries the VIPs unless the inventory says otherwise.
pub const DEFAULT_INTERFACE: &str = "dummy0";

/// The kernel parameters every LVS-DR real server gets (the article's set).
///
/// ARP requests are answered by the interface they arrive on, and for
/// `arp_ignore`/`arp_announce` the kernel uses the larger of `conf/all` and
/// `conf/<that interface>` (Documentation/networking/ip-sysctl.rst), so the
/// `all` keys hide the VIPs on every interface. Keys for the VIP interface
/// itself would change nothing, and would make `sysctl -p` fail before the
/// interface exists; so none are written, and the file applies cleanly at
/// boot (systemd-sysctl runs before networking.service).
pub const BUILTIN_SYSCTL: [(&str, &str); 4] = [
    // Reply to ARP only for addresses on the interface the request came in on.
    ("net.ipv4.conf.all.arp_ignore", "1"),
    // Never use a VIP as the source of our own ARP requests.
    ("net.ipv4.conf.all.arp_announce", "2"),
    ("net.ipv4.icmp_echo_ignore_broadcasts", "1"),
    ("net.ipv4.tcp_syncookies", "1"),
];

/// A real server's IPVS weight unless the inventory says otherwise.
pub const DEFAULT_WEIGHT: u32 = 1;

/// The longest interface name or alias label Linux accepts (IFNAMSIZ - 1).
const MAX_LABEL_LENGTH: usize = 15;

/// Checks a parsed inventory and builds the model, or returns every problem.
pub fn validate(
    file: &str,
    raw: &inventory::Inventory,
) -> Result<model::Inventory, Vec<Diagnostic>> {
    let mut problems = Problems {
        file,
        list: Vec::new(),
    };
    let services = validate_services(&raw.services, &mut problems);
    check_host_addresses(raw, &mut problems);
    if raw.hosts.0.is_empty() {
        problems.add(
            Code::NoHosts,
            InventoryPath::at("hosts"),
            "the inventory has no hosts: add at least one under `hosts`",
        );
    }
    let agent_port = agent::validate_agent(raw.vip_agent.as_ref(), &services, &mut problems);
    let mut shared = Shared::default();
    let index = ServiceIndex::new(&services);
    let hosts: Vec<Host> = raw
        .hosts
        .0
        .iter()
        .map(|(name, host)| {
            validate_host(
                name,
                host,
                &raw.defaults,
                &index,
                &mut problems,
                &mut shared,
            )
        })
        .map(|host| Host { agent_port, ..host })
        .collect();
    let (directors, vrrp) = directors::validate_directors(raw, &services, &hosts, &mut problems);
    director_options::check_sorry_servers(raw, &services, &hosts, &mut problems);
    if problems.list.is_empty() {
        Ok(model::Inventory {
            source_name: source_name(file),
            services,
            hosts,
            directors,
            vrrp,
            _validated: model::Validated::new(),
        })
    } else {
        Err(problems.into_unique())
    }
}

/// The inventory file's own name, for headers: no directory, so output does
/// not depend on where the inventory was read from.
fn source_name(file: &str) -> String {
    Path::new(file)
        .file_name()
        .map_or_else(
            || file.to_owned(),
            |name| name.to_string_lossy().into_owned(),
        )
        .escape_debug()
        .to_string()
}

fn validate_services(
    services: &OrderedMap<crate::values::ServiceName, inventory::Service>,
    problems: &mut Problems,
) -> Vec<Service> {
    services
        .0
        .iter()
        .map(|(name, service)| {
            let path = InventoryPath::at("services").key(name);
            if service.vips.is_empty() {
                problems.add_missing(
                    Code::ServiceWithoutVips,
                    (path.clone().key("vips"), &path),
                    "a service needs at least one VIP: list them under `vips`",
                );
            }
            report_repeats(
                &service.vips,
                |vip| vip.get().to_string(),
                (&path, "vips"),
                ("VIP", Code::DuplicateVip),
                problems,
            );
            report_repeats(
                &service.ports,
                |port| format!("{}/{}", port.port(), port.protocol().name()),
                (&path, "ports"),
                ("port", Code::DuplicatePort),
                problems,
            );
            let options = director_options::service_options(&path, service, problems);
            Service {
                name: name.get().clone(),
                vips: service.vips.iter().map(Vip::get).collect(),
                ports: service.ports.clone(),
                scheduler: service.scheduler.unwrap_or(Scheduler::Wlc),
                persistence: service.persistence.map(|seconds| seconds.get()),
                health_check: service.health_check.as_ref().map(|check| {
                    health_check::health_check(&path, check, &service.ports, problems)
                }),
                sorry_servers: options.sorry_servers,
                alpha: options.alpha,
                quorum: options.quorum,
                hysteresis: options.hysteresis,
                persistence_across_ports: options.persistence_across_ports,
            }
        })
        .collect()
}

/// Reports each item of the list `{parent}.{field}` that repeats an earlier
/// one; the item is `describe`d and the path built only when it does.
fn report_repeats<T: Eq + Hash>(
    items: &[T],
    describe: impl Fn(&T) -> String,
    (parent, field): (&InventoryPath, &str),
    (what, code): (&str, Code),
    problems: &mut Problems,
) {
    if items.len() < 2 {
        return;
    }
    let mut seen = HashMap::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        if let Some(&first) = seen.get(item) {
            problems.add_pair(
                code,
                (
                    parent.clone().key(field).index(index),
                    parent.clone().key(field).index(first),
                ),
                format!("{what} {} is listed twice: remove one", describe(item)),
            );
        } else {
            seen.insert(item, index);
        }
    }
}

/// Host addresses must be unique, never a VIP, and host names must differ
/// in more than letter case (they become folder names).
fn check_host_addresses(raw: &inventory::Inventory, problems: &mut Problems) {
    let hosts = &raw.hosts.0;
    let mut owners: HashMap<IpAddr, &HostName> = HashMap::with_capacity(hosts.len());
    let mut folded: HashMap<Cow<str>, &HostName> = HashMap::with_capacity(hosts.len());
    for (name, host) in hosts {
        for address in host.address.get() {
            if let Some(first) = owners.insert(*address, name) {
                owners.insert(*address, first);
                problems.add_pair(
                    Code::DuplicateAddress,
                    (
                        InventoryPath::at("hosts").key(name).key("address"),
                        InventoryPath::at("hosts").key(first).key("address"),
                    ),
                    format!(
                        "{address} is also the address of host {first}: each host needs its own"
                    ),
                );
            }
        }
        if let Some(first) = folded.insert(ascii_lowercase(name.get()), name) {
            problems.add_pair(
                Code::HostNameCase,
                (InventoryPath::at("hosts").key(name), InventoryPath::at("hosts").key(first)),
                format!("host names `{first}` and `{name}` differ only in letter case; host names are case-insensitive and name folders: rename one"),
            );
        }
    }
    for (service, definition) in &raw.services.0 {
        for (index, vip) in definition.vips.iter().enumerate() {
            if let Some(owner) = owners.get(&vip.get()) {
                problems.add_pair(
                    Code::VipIsHostAddress,
                    (
                        InventoryPath::at("services").key(service).key("vips").index(index),
                        InventoryPath::at("hosts").key(owner).key("address"),
                    ),
                    format!("{} is the address of host {owner}: a VIP must never be a real server's own address", vip.get()),
                );
            }
        }
    }
}

/// `text` in lower case, copied only if it has an upper-case letter.
fn ascii_lowercase(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// The hosts' lists seen so far, each once (see `model::Host`).
#[derive(Default)]
struct Shared {
    /// The service names and VIPs of each distinct list of served
    /// services (by index into the inventory's services).
    served: HashMap<Vec<usize>, Served>,
    sysctl: HashSet<Arc<[SysctlSetting]>>,
    paths: HashSet<Arc<OutputPaths>>,
    /// The kernel parameters of hosts that set none, by VIP device.
    inherited_sysctl: HashMap<String, Arc<[SysctlSetting]>>,
    /// The paths of hosts that set none.
    inherited_paths: Option<Arc<OutputPaths>>,
}

/// What a list of served services gives a host: their names and VIPs.
#[derive(Clone)]
struct Served {
    services: Arc<[String]>,
    /// Every VIP of those services, once, in order of first appearance.
    vips: Arc<[IpAddr]>,
}

impl Shared {
    /// The names and VIPs of the services at `indices`, built once per
    /// distinct list.
    fn served(&mut self, indices: Vec<usize>, services: &[Service]) -> Served {
        self.served
            .entry(indices)
            .or_insert_with_key(|indices| {
                let served = || indices.iter().map(|&index| &services[index]);
                let mut vips: Vec<IpAddr> = Vec::new();
                for vip in served().flat_map(|service| &service.vips) {
                    if !vips.contains(vip) {
                        vips.push(*vip);
                    }
                }
                Served {
                    services: served().map(|service| service.name.clone()).collect(),
                    vips: vips.into(),
                }
            })
            .clone()
    }
}

/// The copy of `value` in `seen`, added when it is new.
fn share<T, V>(seen: &mut HashSet<Arc<T>>, value: V) -> Arc<T>
where
    T: ?Sized + Hash + Eq,
    V: Borrow<T> + Into<Arc<T>>,
{
    if let Some(known) = seen.get(value.borrow()) {
        return Arc::clone(known);
    }
    let value: Arc<T> = value.into();
    seen.insert(Arc::clone(&value));
    value
}

/// The services of the inventory by name, for looking up the hosts' lists.
struct ServiceIndex<'a> {
    services: &'a [Service],
    by_name: HashMap<&'a str, usize>,
}

impl<'a> ServiceIndex<'a> {
    fn new(services: &'a [Service]) -> Self {
        let by_name = services
            .iter()
            .enumerate()
            .map(|(index, service)| (service.name.as_str(), index))
            .collect();
        ServiceIndex { services, by_name }
    }
}

fn validate_host(
    name: &HostName,
    host: &inventory::Host,
    defaults: &inventory::Settings,
    services: &ServiceIndex,
    problems: &mut Problems,
    shared: &mut Shared,
) -> Host {
    let path = InventoryPath::at("hosts").key(name);
    let served = resolve_services(&path, &host.services, services, problems);
    let Served { services, vips } = shared.served(served, services.services);
    let interface = pick(host.interface.as_ref(), defaults.interface.as_ref()).map_or_else(
        || VipInterface::Dummy(DEFAULT_INTERFACE.to_owned()),
        |name: &InterfaceName| {
            if name.is_loopback() {
                VipInterface::Loopback
            } else {
                VipInterface::Dummy(name.get().clone())
            }
        },
    );
    let style = pick(host.style.as_ref(), defaults.style.as_ref())
        .copied()
        .unwrap_or(Style::Iproute2);
    if style == Style::NetTools {
        check_alias_labels(&path, &interface, &vips, problems);
    }
    let stack = stack::host_stack(&path, host, defaults, &interface, problems);
    let sysctl = host_sysctl(&path, host, defaults, interface.device(), problems, shared);
    let paths = host_paths(&path, host, defaults, problems, shared);
    let drained = host_drain(&path, host.drain.as_ref(), &services, problems);
    Host {
        name: name.get().clone(),
        addresses: host.address.get().clone(),
        weight: host.weight.map_or(DEFAULT_WEIGHT, |weight| weight.get()),
        drained,
        services,
        vips,
        interface,
        style,
        stack,
        sysctl,
        paths,
        agent_port: None,
    }
}

/// The services the host is drained in; each one listed must be one it
/// serves (a drain elsewhere would do nothing, and is most likely a typo).
fn host_drain(
    path: &InventoryPath,
    drain: Option<&Drain>,
    served: &[String],
    problems: &mut Problems,
) -> Drained {
    match drain {
        None | Some(Drain::All(false)) => Drained::No,
        Some(Drain::All(true)) => Drained::All,
        Some(Drain::Services(names)) => {
            for (index, name) in names.iter().enumerate() {
                if !served.contains(name.get()) {
                    let hint = closest(name.get(), served.iter().map(String::as_str)).map_or_else(
                        || format!("it serves {}", served.join(", ")),
                        |near| format!("did you mean `{near}`?"),
                    );
                    problems.add(
                        Code::DrainUnservedService,
                        path.clone().key("drain").index(index),
                        format!("`{name}` is not a service of this host, so there is nothing to drain: {hint}"),
                    );
                }
            }
            Drained::Services(names.iter().map(|name| name.get().clone()).collect())
        }
    }
}

/// The host's merged kernel parameters. A host that sets none has those of
/// every such host with the same VIP device, merged once; if that found a
/// problem, each such host is merged (and reported) as before.
fn host_sysctl(
    path: &InventoryPath,
    host: &inventory::Host,
    defaults: &inventory::Settings,
    device: &str,
    problems: &mut Problems,
    shared: &mut Shared,
) -> Arc<[SysctlSetting]> {
    let inherited = host.sysctl.0.is_empty();
    if let Some(known) = shared.inherited_sysctl.get(device).filter(|_| inherited) {
        return Arc::clone(known);
    }
    let known_problems = problems.list.len();
    let merged = merge_sysctl(path, &defaults.sysctl, &host.sysctl, device, problems);
    let merged = share(&mut shared.sysctl, merged);
    if inherited && problems.list.len() == known_problems {
        shared
            .inherited_sysctl
            .insert(device.to_owned(), Arc::clone(&merged));
    }
    merged
}

/// The host's output paths; those of hosts that set none are resolved
/// once, unless that found a problem (which may name the host).
fn host_paths(
    path: &InventoryPath,
    host: &inventory::Host,
    defaults: &inventory::Settings,
    problems: &mut Problems,
    shared: &mut Shared,
) -> Arc<OutputPaths> {
    let own = &host.paths;
    let inherited = own.interfaces.is_none()
        && own.modules.is_none()
        && own.sysctl.is_none()
        && own.netdev.is_none()
        && own.network.is_none()
        && own.netplan.is_none();
    if let Some(known) = shared.inherited_paths.as_ref().filter(|_| inherited) {
        return Arc::clone(known);
    }
    let known_problems = problems.list.len();
    let paths = share(
        &mut shared.paths,
        resolve_paths(path, own, &defaults.paths, problems),
    );
    if inherited && problems.list.len() == known_problems {
        shared.inherited_paths = Some(Arc::clone(&paths));
    }
    paths
}

/// A host's own setting, else the default one.
fn pick<'a, T>(own: Option<&'a T>, default: Option<&'a T>) -> Option<&'a T> {
    own.or(default)
}

/// The indices of the services a host names, each once, in the order
/// written; unknown and repeated names are reported.
fn resolve_services(
    path: &InventoryPath,
    names: &[crate::values::ServiceName],
    services: &ServiceIndex,
    problems: &mut Problems,
) -> Vec<usize> {
    if names.is_empty() {
        problems.add(
            Code::HostWithoutServices,
            path.clone().key("services"),
            "the host serves no service: list at least one under `services`",
        );
    }
    report_repeats(
        names,
        |name| name.get().clone(),
        (path, "services"),
        ("service", Code::DuplicateService),
        problems,
    );
    let mut served: Vec<usize> = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        match services.by_name.get(name.get().as_str()) {
            Some(&service) if !served.contains(&service) => served.push(service),
            Some(_) => {}
            None => {
                let known: Vec<&str> = services
                    .services
                    .iter()
                    .map(|service| service.name.as_str())
                    .collect();
                let hint = match closest(name.get(), known.iter().copied()) {
                    Some(nearest) => format!("did you mean `{nearest}`?"),
                    None if known.is_empty() => "define it under `services`".to_owned(),
                    None => format!("defined services: {}", known.join(", ")),
                };
                problems.add(
                    Code::UnknownService,
                    path.clone().key("services").index(index),
                    format!("unknown service `{name}`: {hint}"),
                );
            }
        }
    }
    served
}

/// net-tools names every extra IPv4 address by an alias label `<dev>:<n>`,
/// which must fit Linux's 15 characters.
fn check_alias_labels(
    path: &InventoryPath,
    interface: &VipInterface,
    vips: &[IpAddr],
    problems: &mut Problems,
) {
    let ipv4_count = vips.iter().filter(|vip| vip.is_ipv4()).count();
    let last_alias = match interface {
        VipInterface::Dummy(_) => ipv4_count.saturating_sub(1),
        VipInterface::Loopback => ipv4_count,
    };
    if last_alias == 0 {
        return;
    }
    let label = format!("{}:{last_alias}", interface.device());
    if label.len() > MAX_LABEL_LENGTH {
        problems.add(
            Code::AliasLabelTooLong,
            path,
            format!(
                "the net-tools style gives each extra IPv4 VIP an alias label, up to `{label}`, \
                 which is longer than Linux's {MAX_LABEL_LENGTH} characters: use a shorter \
                 interface name or `style: iproute2`"
            ),
        );
    }
}

/// The built-in set, then the defaults' extras, then the host's, each key
/// overriding in place; then the overrides that would break direct routing
/// are refused.
fn merge_sysctl(
    path: &InventoryPath,
    defaults: &OrderedMap<SysctlKey, SysctlValue>,
    own: &OrderedMap<SysctlKey, SysctlValue>,
    device: &str,
    problems: &mut Problems,
) -> Vec<SysctlSetting> {
    let mut merged: Vec<(SysctlSetting, Option<InventoryPath>)> = BUILTIN_SYSCTL
        .iter()
        .map(|(key, value)| {
            (
                SysctlSetting {
                    key: (*key).to_owned(),
                    value: (*value).to_owned(),
                },
                None,
            )
        })
        .collect();
    let layers = [
        (InventoryPath::at("defaults").key("sysctl"), defaults),
        (path.clone().key("sysctl"), own),
    ];
    for (origin, layer) in &layers {
        for (key, value) in &layer.0 {
            let setting = SysctlSetting {
                key: key.get().clone(),
                value: value.get().clone(),
            };
            let source = Some(origin.clone().key(key));
            match merged
                .iter_mut()
                .find(|(existing, _)| existing.key == *key.get())
            {
                Some(slot) => *slot = (setting, source),
                None => merged.push((setting, source)),
            }
        }
    }
    for (setting, source) in &merged {
        if let (Some(source), Some(message)) = (source, breaks_direct_routing(setting, device)) {
            problems.add(Code::SysctlBreaksDirectRouting, source.clone(), message);
        }
    }
    merged.into_iter().map(|(setting, _)| setting).collect()
}

/// Why a kernel parameter would make this real server answer ARP for its
/// VIPs (and steal their traffic from the director), if it would.
fn breaks_direct_routing(setting: &SysctlSetting, device: &str) -> Option<String> {
    let scope = ["all".to_owned(), device.to_owned()]
        .into_iter()
        .find(|scope| setting.key.starts_with(&format!("net.ipv4.conf.{scope}.")))?;
    let parameter = &setting.key[format!("net.ipv4.conf.{scope}.").len()..];
    let value = setting.value.parse::<i64>().ok();
    match parameter {
        "arp_ignore" if !matches!(value, Some(1..=3)) => Some(format!(
            "arp_ignore = {} on `{scope}` breaks LVS direct routing: below 1 this server answers \
             ARP for its VIPs and takes their traffic from the director, and 8 would stop it \
             answering ARP at all; use 1 (or 2 or 3)",
            setting.value
        )),
        "arp_announce" if value != Some(2) => Some(format!(
            "arp_announce = {} on `{scope}` breaks LVS direct routing: below 2 this server may \
             announce a VIP as the source of its own ARP requests; use 2",
            setting.value
        )),
        _ => None,
    }
}

/// Each output path: the host's own, else the default one, else built-in;
/// then the rules the consuming programs impose on names.
fn resolve_paths(
    path: &InventoryPath,
    own: &inventory::Paths,
    defaults: &inventory::Paths,
    problems: &mut Problems,
) -> OutputPaths {
    let choose = |field: &str,
                  own: &Option<RelativePath>,
                  default: &Option<RelativePath>,
                  builtin: &str|
     -> (PathBuf, InventoryPath) {
        match (own, default) {
            (Some(own), _) => (own.get().clone(), path.clone().key("paths").key(field)),
            (None, Some(default)) => (
                default.get().clone(),
                InventoryPath::at("defaults").key("paths").key(field),
            ),
            (None, None) => (PathBuf::from(builtin), path.clone().key("paths").key(field)),
        }
    };
    let interfaces = choose(
        "interfaces",
        &own.interfaces,
        &defaults.interfaces,
        DEFAULT_INTERFACES_PATH,
    );
    let modules = choose(
        "modules",
        &own.modules,
        &defaults.modules,
        DEFAULT_MODULES_PATH,
    );
    let sysctl = choose("sysctl", &own.sysctl, &defaults.sysctl, DEFAULT_SYSCTL_PATH);
    check_interfaces_path(&interfaces, problems);
    check_conf_suffix(
        &modules,
        "etc/modules-load.d",
        "systemd-modules-load",
        problems,
    );
    check_conf_suffix(&sysctl, "etc/sysctl.d", "systemd-sysctl", problems);
    check_sysctl_path(&sysctl, DEFAULT_SYSCTL_PATH, problems);
    check_modules_path(&modules, DEFAULT_MODULES_PATH, problems);
    let netdev = choose("netdev", &own.netdev, &defaults.netdev, DEFAULT_NETDEV_PATH);
    let network = choose(
        "network",
        &own.network,
        &defaults.network,
        DEFAULT_NETWORK_PATH,
    );
    let netplan = choose(
        "netplan",
        &own.netplan,
        &defaults.netplan,
        DEFAULT_NETPLAN_PATH,
    );
    stack::check_stack_paths(&netdev, &network, &netplan, problems);
    let chosen = [&interfaces, &modules, &sysctl, &netdev, &network, &netplan];
    for (index, (file, origin)) in chosen.iter().enumerate() {
        if let Some((_, earlier)) = chosen[..index].iter().find(|(earlier, _)| earlier == file) {
            problems.add_pair(
                Code::PathReused,
                (origin.clone(), earlier.clone()),
                format!(
                    "{} is already used for another generated file: give each its own path",
                    file.display()
                ),
            );
        }
    }
    OutputPaths {
        interfaces: interfaces.0,
        modules: modules.0,
        sysctl: sysctl.0,
        netdev: netdev.0,
        network: network.0,
        netplan: netplan.0,
    }
}
