//! Reading the live system, for `verify`: the interfaces and their
//! addresses, kernel parameters, loaded modules and installed files, into a
//! [`LiveState`] that `verify` compares with the inventory. Only reads;
//! nothing here changes the system.
//!
//! Addresses come from iproute2's JSON output (`ip -d -j addr show`), a format
//! iproute2 keeps stable for scripts, rather than from its human-readable
//! output or ifconfig's; kernel parameters from `/proc/sys`, modules from
//! `/proc/modules` and `/sys/module`. What the next boot reads (the
//! sysctl.d directories, the network stack's programs, unit links and
//! files) is read below the root through [`Root`], a link followed only
//! within it, as found: `verify` judges it. A `LiveState` serializes to JSON, so a
//! machine's state can be recorded (`verify --print-state`) and compared
//! later or in tests (`verify --state FILE`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::arp;

pub mod agent_client;
mod root;

pub use root::{FileState, Root};

/// What `verify` read of a machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveState {
    /// The machine's host name (`/proc/sys/kernel/hostname`).
    #[serde(default)]
    pub hostname: String,
    /// Every interface with its addresses, as `ip -d -j addr show` prints them
    /// (the fields `verify` uses).
    #[serde(default)]
    pub interfaces: Vec<Link>,
    /// Kernel parameters, by their path below `/proc/sys` (such as
    /// `net/ipv4/conf/all/arp_ignore`), with the value's whitespace
    /// squeezed to single spaces; `None` when the parameter does not exist.
    #[serde(default)]
    pub sysctl: BTreeMap<String, Option<String>>,
    /// The kernel modules asked about that are loaded (or built in).
    #[serde(default)]
    pub modules: BTreeSet<String>,
    /// The files asked about, by their absolute path on the machine.
    #[serde(default)]
    pub files: BTreeMap<PathBuf, FileState>,
    /// The programs asked about that are running (by process name).
    #[serde(default)]
    pub processes: BTreeSet<String>,
    /// The IPVS table as `ipvsadm -S -n` prints it (the rules format that
    /// `ipvsadm-restore` reads), when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipvs: Option<String>,
    /// The IPVS connection sync daemons as `ipvsadm -L --daemon` prints
    /// them (`master sync daemon (mcast=eth0, syncid=51)`, one line per
    /// daemon, nothing when none runs), read with the IPVS table. `None` in
    /// recordings made before it was read: then nothing is said of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipvs_daemons: Option<String>,
    /// The IPVS table's counters as `ipvsadm -L -n --stats --exact` prints
    /// them (connections, packets and bytes per virtual and real server),
    /// read with the IPVS table, for `verify --format prometheus`. `None`
    /// in recordings made before it was read: then no counter is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipvs_stats: Option<String>,
    /// With `verify --arp`: each address asked about by ARP, with the MAC
    /// addresses that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arp: Option<arp::Answers>,
    /// What the next boot reads (real servers): the sysctl.d files and
    /// what the host's network stack needs. `None` in recordings made
    /// before it was read: then nothing is said of the next boot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot: Option<Boot>,
    /// With `vip_agent` (real servers): the VIP-aware health agent's
    /// answer for each VIP, asked on the host's own address as a director
    /// asks it: `200 present`, `503 <reason>`, or why there was none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<BTreeMap<IpAddr, String>>,
}

/// What the next boot will read, found below the root: read as it is, to be
/// judged by `verify` (which files systemd-sysctl applies, whether the
/// network stack reads the rendered files).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Boot {
    /// Every `*.conf` entry (hidden names left out) of the directories
    /// systemd-sysctl reads ([`SYSCTL_DIRS`]), directory by directory in
    /// that order, names sorted; a directory that is another's (`/lib`
    /// merged into `/usr/lib`) is read once.
    #[serde(default)]
    pub sysctl_d: Vec<ConfEntry>,
    /// Paths asked about (such as `/usr/sbin/ifup`), and whether they exist.
    #[serde(default)]
    pub exists: BTreeMap<PathBuf, bool>,
    /// Files asked about (such as `/etc/network/interfaces`).
    #[serde(default)]
    pub files: BTreeMap<PathBuf, FileState>,
    /// systemd units asked about, with the links that enable or mask them.
    #[serde(default)]
    pub units: BTreeMap<String, Unit>,
    /// Directories that exist but could not be listed, and why: what the
    /// next boot reads from them is not known.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unreadable: BTreeMap<PathBuf, String>,
}

/// One entry of a configuration directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfEntry {
    /// Its path on the machine, as listed (`/etc/sysctl.d/99-sysctl.conf`).
    pub path: PathBuf,
    /// Where it points, when it is a symbolic link (`../sysctl.conf`,
    /// `/dev/null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<PathBuf>,
    /// Its contents, a link followed only within the root.
    pub file: FileState,
}

/// How a systemd unit is enabled or masked, from the files systemd reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// The `*.wants` and `*.requires` directories that hold a link to it
    /// (`systemctl enable` makes them from its `[Install]` section).
    #[serde(default)]
    pub wanted_in: Vec<PathBuf>,
    /// The unit file that masks it (a link to /dev/null or an empty file
    /// in /etc/systemd/system or /run/systemd/system), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_by: Option<PathBuf>,
}

/// An interface, as in iproute2's JSON output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The kernel's name of the device.
    pub ifname: String,
    /// The interface flags, such as `UP` and `LOWER_UP`.
    #[serde(default)]
    pub flags: Vec<String>,
    /// The addresses.
    #[serde(default)]
    pub addr_info: Vec<Address>,
    /// The kind of a virtual device (`ip -d`), such as `dummy`; none for a
    /// physical one and for `lo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkinfo: Option<LinkInfo>,
}

impl Link {
    /// Whether the interface is administratively up.
    pub fn is_up(&self) -> bool {
        self.flags.iter().any(|flag| flag == "UP")
    }

    /// Whether the interface is a dummy device (`ip link add NAME type
    /// dummy`).
    pub fn is_dummy(&self) -> bool {
        self.linkinfo
            .as_ref()
            .is_some_and(|info| info.info_kind == "dummy")
    }
}

/// What `ip -d` says of a virtual device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    /// The device's kind: `dummy`, `veth`, `bridge`, ...
    pub info_kind: String,
}

/// An address of an interface, as in iproute2's JSON output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// `inet` or `inet6`.
    pub family: String,
    /// The address.
    pub local: String,
    /// Its prefix length.
    pub prefixlen: u8,
    /// `global`, `host`, `link`, ...
    #[serde(default)]
    pub scope: String,
    /// IPv6: duplicate address detection has not finished.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tentative: bool,
    /// IPv6: duplicate address detection found the address in use.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dadfailed: bool,
}

/// What to read besides the interfaces and the ARP parameters, which are
/// always read.
#[derive(Debug, Default)]
pub struct Probe {
    /// Kernel parameters, by their path below `/proc/sys`.
    pub sysctl: BTreeSet<String>,
    /// Kernel modules.
    pub modules: BTreeSet<String>,
    /// Files, by their absolute path on the machine (below the root).
    pub files: BTreeSet<PathBuf>,
    /// Programs, by process name.
    pub processes: BTreeSet<String>,
    /// Whether to read the IPVS table.
    pub ipvs: bool,
    /// Whom to ask by ARP, if anyone.
    pub arp: Option<ArpQuestion>,
    /// What of the next boot to read, if anything (real servers).
    pub boot: Option<BootProbe>,
    /// The VIPs to ask the VIP-aware health agent about, each with the
    /// agent's address and port to ask on (real servers with `vip_agent`).
    pub agent: Vec<(IpAddr, SocketAddr)>,
}

/// What of the next boot to read besides the sysctl.d directories, which
/// are always read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BootProbe {
    /// Paths whose existence matters (programs).
    pub exists: BTreeSet<PathBuf>,
    /// Files to read.
    pub files: BTreeSet<PathBuf>,
    /// systemd units (`networking.service`).
    pub units: BTreeSet<String>,
}

/// The directories whose `*.conf` files systemd-sysctl reads at boot, in
/// its order (systemd's `CONF_PATHS("sysctl.d")`; `/lib/sysctl.d` only in
/// builds with split /usr, and the same directory as `/usr/lib/sysctl.d`
/// where /usr is merged, as Debian 12 and 13 require).
pub const SYSCTL_DIRS: [&str; 5] = [
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
];

/// The directories of systemd's unit files that can hold `*.wants`
/// links, in its order.
pub const UNIT_DIRS: [&str; 5] = [
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// The unit directories where a link to /dev/null masks a unit.
const MASKING_DIRS: [&str; 2] = ["/etc/systemd/system", "/run/systemd/system"];

/// ARP requests to send: from which interface and address, for which
/// addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArpQuestion {
    /// The interface to send from.
    pub interface: String,
    /// The sender address the requests carry (the machine's own).
    pub sender: Ipv4Addr,
    /// The addresses asked about.
    pub targets: Vec<Ipv4Addr>,
}

/// Why the live state could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// `ip` could not be run.
    #[error("cannot run `ip -d -j addr show`: {0}; is iproute2 installed?")]
    IpUnavailable(io::Error),
    /// `ip` failed.
    #[error("`ip -d -j addr show` failed: {0}")]
    IpFailed(String),
    /// `ip` printed something that is not the expected JSON.
    #[error("cannot parse the output of `ip -d -j addr show`: {0}")]
    IpOutput(serde_json::Error),
    /// `ipvsadm` could not be run or failed.
    #[error("cannot read IPVS with `ipvsadm {0}`: {1}; is ipvsadm installed?")]
    Ipvsadm(String, String),
    /// ARP requests could not be sent or their answers not read.
    #[error("cannot ask by ARP from {0}: {1}; `--arp` needs root (CAP_NET_RAW) and the director's interface")]
    Arp(String, io::Error),
    /// The root directory could not be opened.
    #[error("cannot open --root {}: {source}", .path.display())]
    Root {
        /// The directory.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// A file below /proc could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Proc {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
}

/// The directory of the per-interface IPv4 parameters below `/proc/sys`.
pub const IPV4_CONF: &str = "net/ipv4/conf";

/// Reads the live state of this machine: the interfaces, the ARP parameters
/// of every interface (and `all`), and what `probe` asks for; files below
/// `root`.
pub fn read(probe: &Probe, root: &Path) -> Result<LiveState, LiveError> {
    let hostname = hostname()?;
    let interfaces = read_links()?;
    let sysctl = read_sysctl_keys(probe.sysctl.clone())?;
    let loaded = read_proc(Path::new("/proc/modules")).unwrap_or_default();
    let modules = probe
        .modules
        .iter()
        .filter(|name| module_loaded(&loaded, name))
        .cloned()
        .collect();
    let files = probe
        .files
        .iter()
        .map(|path| (path.clone(), read_file(&below(root, path))))
        .collect();
    let processes = running(&probe.processes);
    let ipvs = if probe.ipvs { Some(read_ipvs()?) } else { None };
    let ipvs_daemons = if probe.ipvs {
        Some(ipvsadm(&["-L", "--daemon"])?)
    } else {
        None
    };
    let ipvs_stats = if probe.ipvs {
        Some(ipvsadm(&["-L", "-n", "--stats", "--exact"])?)
    } else {
        None
    };
    let arp = match &probe.arp {
        Some(question) => Some(
            arp::ask(&question.interface, question.sender, &question.targets)
                .map_err(|error| LiveError::Arp(question.interface.clone(), error))?,
        ),
        None => None,
    };
    let boot = match &probe.boot {
        Some(wanted) => {
            let below = Root::open(root).map_err(|source| LiveError::Root {
                path: root.to_path_buf(),
                source,
            })?;
            Some(read_boot(&below, wanted))
        }
        None => None,
    };
    let agent = (!probe.agent.is_empty()).then(|| ask_agent(&probe.agent));
    Ok(LiveState {
        hostname,
        interfaces,
        sysctl,
        modules,
        files,
        processes,
        ipvs,
        ipvs_daemons,
        ipvs_stats,
        arp,
        boot,
        agent,
    })
}

/// The VIP-aware health agent's answer about each VIP (`200 present`,
/// `503 <reason>`), or why it gave none.
fn ask_agent(questions: &[(IpAddr, SocketAddr)]) -> BTreeMap<IpAddr, String> {
    questions
        .iter()
        .map(|(vip, agent)| {
            let answer = match agent_client::ask(*agent, *vip, AGENT_TIMEOUT) {
                Ok((status, body)) => format!("{status} {body}"),
                Err(why) => why,
            };
            (*vip, answer)
        })
        .collect()
}

/// How long `verify` waits for the agent (as long as the directors'
/// default `connect_timeout`).
const AGENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Reads the interfaces and their addresses, and the ARP parameters of
/// every interface (and `all`): what every reading holds, and all the
/// VIP-aware health agent needs. The other fields are left empty.
pub fn read_network() -> Result<LiveState, LiveError> {
    Ok(LiveState {
        interfaces: read_links()?,
        sysctl: read_sysctl_keys(BTreeSet::new())?,
        ..LiveState::default()
    })
}

/// The kernel parameters `keys` and the ARP parameters of every interface.
fn read_sysctl_keys(
    mut keys: BTreeSet<String>,
) -> Result<BTreeMap<String, Option<String>>, LiveError> {
    keys.extend(arp_keys(&list_dir(
        &Path::new("/proc/sys").join(IPV4_CONF),
    )?));
    keys.into_iter()
        .map(|key| {
            let value = read_sysctl(&key)?;
            Ok((key, value))
        })
        .collect()
}

/// Reads what the next boot reads, below `root`: the sysctl.d entries and
/// what `wanted` asks for.
pub fn read_boot(root: &Root, wanted: &BootProbe) -> Boot {
    let mut sysctl_d = Vec::new();
    let mut unreadable = BTreeMap::new();
    for dir in distinct_dirs(root, &SYSCTL_DIRS) {
        let names = match root.list(&dir) {
            Ok(names) => names.unwrap_or_default(),
            Err(error) => {
                unreadable.insert(dir, error.to_string());
                continue;
            }
        };
        for name in names {
            if name.starts_with('.') || Path::new(&name).extension().is_none_or(|e| e != "conf") {
                continue;
            }
            let path = dir.join(&name);
            sysctl_d.push(ConfEntry {
                link: root.link(&path),
                file: root.read(&path),
                path,
            });
        }
    }
    let exists = wanted
        .exists
        .iter()
        .map(|path| (path.clone(), root.identity(path).is_some()))
        .collect();
    let files = wanted
        .files
        .iter()
        .map(|path| (path.clone(), root.read(path)))
        .collect();
    let units = wanted
        .units
        .iter()
        .map(|name| (name.clone(), read_unit(root, name, &mut unreadable)))
        .collect();
    Boot {
        sysctl_d,
        exists,
        files,
        units,
        unreadable,
    }
}

/// The directories of `dirs` that exist below the root, each directory
/// once (a link such as Debian's `/lib -> usr/lib` makes two paths of one).
fn distinct_dirs(root: &Root, dirs: &[&str]) -> Vec<PathBuf> {
    let mut seen = BTreeSet::new();
    dirs.iter()
        .map(PathBuf::from)
        .filter(|dir| root.identity(dir).is_some_and(|id| seen.insert(id)))
        .collect()
}

/// How the unit `name` is enabled (links in `*.wants` and `*.requires`
/// directories) or masked.
fn read_unit(root: &Root, name: &str, unreadable: &mut BTreeMap<PathBuf, String>) -> Unit {
    let mut unit = Unit::default();
    for dir in distinct_dirs(root, &UNIT_DIRS) {
        let entries = match root.list(&dir) {
            Ok(entries) => entries.unwrap_or_default(),
            Err(error) => {
                unreadable.insert(dir, error.to_string());
                continue;
            }
        };
        for entry in entries {
            let extension = Path::new(&entry).extension();
            if !extension.is_some_and(|e| e == "wants" || e == "requires") {
                continue;
            }
            let wants = dir.join(&entry);
            if let Ok(Some(units)) = root.list(&wants) {
                if units.iter().any(|unit| unit == name) {
                    unit.wanted_in.push(wants);
                }
            }
        }
    }
    unit.masked_by = MASKING_DIRS
        .iter()
        .map(|dir| Path::new(dir).join(name))
        .find(|path| {
            let null_link = root
                .link(path)
                .is_some_and(|target| lexical(path, &target) == Path::new("/dev/null"));
            null_link || matches!(root.read(path), FileState::Text(text) if text.is_empty())
        });
    unit
}

/// Where the link at `path` pointing to `target` leads, worked out on the
/// names alone (`..` taken back, `.` dropped), as the machine sees it.
pub fn lexical(path: &Path, target: &Path) -> PathBuf {
    let joined = match path.parent() {
        Some(parent) => parent.join(target),
        None => target.to_path_buf(),
    };
    let mut out = PathBuf::from("/");
    for component in joined.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::Normal(name) => out.push(name),
            _ => {}
        }
    }
    out
}

/// This machine's host name.
pub fn hostname() -> Result<String, LiveError> {
    Ok(read_proc(Path::new("/proc/sys/kernel/hostname"))?
        .trim()
        .to_owned())
}

/// The `arp_ignore` and `arp_announce` keys of the given entries of
/// `net/ipv4/conf` (interfaces, `all` and `default`), `default` left out:
/// it applies only to interfaces created later.
pub fn arp_keys(entries: &[String]) -> Vec<String> {
    entries
        .iter()
        .filter(|name| *name != "default")
        .flat_map(|name| {
            ["arp_ignore", "arp_announce"].map(|key| format!("{IPV4_CONF}/{name}/{key}"))
        })
        .collect()
}

/// `path` (absolute) below `root`.
pub fn below(root: &Path, path: &Path) -> PathBuf {
    root.join(path.strip_prefix("/").unwrap_or(path))
}

fn read_links() -> Result<Vec<Link>, LiveError> {
    let output = Command::new("ip")
        .args(["-d", "-j", "addr", "show"])
        .output()
        .map_err(LiveError::IpUnavailable)?;
    if !output.status.success() {
        return Err(LiveError::IpFailed(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    parse_links(&output.stdout)
}

/// The names in `wanted` of the processes running (`/proc/<pid>/comm`) in
/// this process's network namespace: a keepalived in another namespace
/// (another director on the same kernel, a container) manages another
/// IPVS table and other addresses, so it does not count.
fn running(wanted: &BTreeSet<String>) -> BTreeSet<String> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return BTreeSet::new();
    };
    let own = fs::read_link("/proc/self/ns/net").ok();
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|entry| {
            same_namespace(
                own.as_deref(),
                fs::read_link(entry.path().join("ns/net")).ok().as_deref(),
            )
        })
        .filter_map(|entry| fs::read_to_string(entry.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| wanted.contains(name))
        .collect()
}

/// Whether a process whose network namespace link (`/proc/<pid>/ns/net`,
/// such as `net:[4026531840]`) is `theirs` runs in ours (`own`). When
/// either cannot be read (another user's process, without privileges),
/// the process counts: better a keepalived counted than one missed.
pub fn same_namespace(own: Option<&Path>, theirs: Option<&Path>) -> bool {
    match (own, theirs) {
        (Some(own), Some(theirs)) => own == theirs,
        _ => true,
    }
}

fn read_ipvs() -> Result<String, LiveError> {
    ipvsadm(&["-S", "-n"])
}

/// What `ipvsadm` prints with `args`. The kernel answers by netlink for
/// this process's network namespace (IPVS, its table and its sync daemons
/// are per namespace); there is no file below /proc for the sync daemons.
fn ipvsadm(args: &[&str]) -> Result<String, LiveError> {
    let output = Command::new("ipvsadm")
        .args(args)
        .output()
        .map_err(|error| LiveError::Ipvsadm(args.join(" "), error.to_string()))?;
    if !output.status.success() {
        return Err(LiveError::Ipvsadm(
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Parses the output of `ip -d -j addr show`.
pub fn parse_links(json: &[u8]) -> Result<Vec<Link>, LiveError> {
    serde_json::from_slice(json).map_err(LiveError::IpOutput)
}

fn read_proc(path: &Path) -> Result<String, LiveError> {
    fs::read_to_string(path).map_err(|source| LiveError::Proc {
        path: path.to_path_buf(),
        source,
    })
}

fn list_dir(dir: &Path) -> Result<Vec<String>, LiveError> {
    let entries = fs::read_dir(dir).map_err(|source| LiveError::Proc {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

fn read_sysctl(key: &str) -> Result<Option<String>, LiveError> {
    let path = Path::new("/proc/sys").join(key);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(Some(squeeze(&text))),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LiveError::Proc { path, source }),
    }
}

/// `text` with its whitespace squeezed to single spaces and trimmed, as
/// sysctl values compare.
pub fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `name` is in `/proc/modules` (loaded) or `/sys/module` (built in
/// or loaded).
fn module_loaded(proc_modules: &str, name: &str) -> bool {
    proc_modules
        .lines()
        .any(|line| line.split_whitespace().next() == Some(name))
        || Path::new("/sys/module").join(name).is_dir()
}

/// The files at `paths` (absolute on the machine), read below `root`.
pub fn read_files<'a>(
    paths: impl IntoIterator<Item = &'a PathBuf>,
    root: &Path,
) -> BTreeMap<PathBuf, FileState> {
    paths
        .into_iter()
        .map(|path| (path.clone(), read_file(&below(root, path))))
        .collect()
}

fn read_file(path: &Path) -> FileState {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_or(FileState::NotText, FileState::Text),
        Err(error) if error.kind() == io::ErrorKind::NotFound => FileState::Missing,
        Err(error) => FileState::Unreadable(error.to_string()),
    }
}

/// The path below `/proc/sys` of a sysctl key as sysctl.d writes it: dots
/// separate the components unless the key uses slashes (so that interface
/// names with dots, such as `eth0.100`, can be written).
pub fn sysctl_path(key: &str) -> String {
    if key.contains('/') {
        key.trim_start_matches('/').to_owned()
    } else {
        key.replace('.', "/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iproute2_json_parses() {
        let links = parse_links(include_bytes!(
            "../../tests/fixtures/verify/ip-addr-tentative.json"
        ))
        .unwrap();
        assert_eq!(links[0].ifname, "v0");
        assert!(!links[0].is_up());
        let v6 = &links[0].addr_info[1];
        assert_eq!((v6.family.as_str(), v6.tentative), ("inet6", true));
        assert_eq!(links[0].addr_info[0].prefixlen, 24);
    }

    #[test]
    fn sysctl_keys_map_to_proc_paths() {
        assert_eq!(
            sysctl_path("net.ipv4.conf.all.arp_ignore"),
            "net/ipv4/conf/all/arp_ignore"
        );
        assert_eq!(
            sysctl_path("net/ipv4/conf/eth0.100/arp_ignore"),
            "net/ipv4/conf/eth0.100/arp_ignore"
        );
    }

    #[test]
    fn arp_keys_leave_default_out() {
        let keys = arp_keys(&["all".into(), "default".into(), "eth0".into()]);
        assert_eq!(
            keys,
            [
                "net/ipv4/conf/all/arp_ignore",
                "net/ipv4/conf/all/arp_announce",
                "net/ipv4/conf/eth0/arp_ignore",
                "net/ipv4/conf/eth0/arp_announce"
            ]
        );
    }

    #[test]
    fn processes_count_in_their_own_network_namespace_only() {
        let root = Path::new("net:[4026531840]");
        let lb2 = Path::new("net:[4026532301]");
        assert!(same_namespace(Some(root), Some(root)));
        assert!(!same_namespace(Some(root), Some(lb2)));
        assert!(same_namespace(Some(root), None));
        assert!(same_namespace(None, Some(lb2)));
    }

    /// A root laid out as Debian's: /lib a link to usr/lib, a unit
    /// enabled in /etc and masked in /run, sysctl.d entries that are links.
    #[test]
    fn the_next_boot_is_read_below_the_root() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in [
            "usr/lib/sysctl.d",
            "etc/sysctl.d",
            "etc/systemd/system/multi-user.target.wants",
            "run/systemd/system",
            "usr/sbin",
        ] {
            fs::create_dir_all(root.join(folder)).unwrap();
        }
        symlink("usr/lib", root.join("lib")).unwrap();
        symlink("usr/sbin", root.join("sbin")).unwrap();
        fs::write(root.join("usr/lib/sysctl.d/50-default.conf"), "a = 1\n").unwrap();
        fs::write(root.join("etc/sysctl.conf"), "b = 2\n").unwrap();
        symlink("../sysctl.conf", root.join("etc/sysctl.d/99-sysctl.conf")).unwrap();
        symlink("/dev/null", root.join("etc/sysctl.d/50-default.conf")).unwrap();
        fs::write(root.join("etc/sysctl.d/README.sysctl"), "").unwrap();
        fs::write(root.join("etc/sysctl.d/.hidden.conf"), "").unwrap();
        symlink(
            "/lib/systemd/system/networking.service",
            root.join("etc/systemd/system/multi-user.target.wants/networking.service"),
        )
        .unwrap();
        symlink(
            "/dev/null",
            root.join("run/systemd/system/systemd-networkd.service"),
        )
        .unwrap();
        fs::write(root.join("usr/sbin/ifup"), "").unwrap();
        let wanted = BootProbe {
            exists: ["/sbin/ifup", "/usr/sbin/netplan"]
                .map(PathBuf::from)
                .into(),
            files: BTreeSet::new(),
            units: ["networking.service", "systemd-networkd.service"]
                .map(String::from)
                .into(),
        };
        let boot = read_boot(&Root::open(root).unwrap(), &wanted);
        let listed: Vec<(&str, Option<&str>)> = boot
            .sysctl_d
            .iter()
            .map(|e| {
                (
                    e.path.to_str().unwrap(),
                    e.link.as_deref().and_then(Path::to_str),
                )
            })
            .collect();
        // /lib/sysctl.d is /usr/lib/sysctl.d: listed once.
        assert_eq!(
            listed,
            [
                ("/etc/sysctl.d/50-default.conf", Some("/dev/null")),
                ("/etc/sysctl.d/99-sysctl.conf", Some("../sysctl.conf")),
                ("/usr/lib/sysctl.d/50-default.conf", None),
            ]
        );
        assert_eq!(boot.sysctl_d[1].file, FileState::Text("b = 2\n".into()));
        assert!(boot.exists[Path::new("/sbin/ifup")]);
        assert!(!boot.exists[Path::new("/usr/sbin/netplan")]);
        assert_eq!(
            boot.units["networking.service"],
            Unit {
                wanted_in: vec!["/etc/systemd/system/multi-user.target.wants".into()],
                masked_by: None
            }
        );
        assert_eq!(
            boot.units["systemd-networkd.service"].masked_by.as_deref(),
            Some(Path::new("/run/systemd/system/systemd-networkd.service"))
        );
    }

    #[test]
    fn links_lead_where_their_names_say() {
        let link = Path::new("/etc/sysctl.d/99-sysctl.conf");
        assert_eq!(
            lexical(link, Path::new("../sysctl.conf")),
            Path::new("/etc/sysctl.conf")
        );
        assert_eq!(
            lexical(link, Path::new("/dev/null")),
            Path::new("/dev/null")
        );
        assert_eq!(
            lexical(link, Path::new("../../../../dev/./null")),
            Path::new("/dev/null")
        );
    }

    #[test]
    fn values_squeeze_like_sysctl() {
        assert_eq!(squeeze("4096\t87380  6291456\n"), "4096 87380 6291456");
    }
}
