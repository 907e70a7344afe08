//! `diff`: before adopting lvs-dr-gen on a machine set up by hand, how the
//! files it renders for that machine differ from what is installed there,
//! and what else on the machine would get in their way.
//!
//! Pure, like `verify`'s comparison: [`wanted`] says which files to read
//! (the rendered ones, and on a real server the ifupdown and sysctl files
//! that could also configure its VIPs), `live::Root` reads them, and
//! [`compare`] turns the files found into a [`Report`]: a unified diff per
//! rendered file, the hand-written ifupdown stanzas that mention the
//! host's VIP interface or VIPs (a second stanza for one interface
//! conflicts with lvs-dr-gen's), and the kernel parameters of lvs-dr-gen's
//! set by other sysctl files, with their values.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::diagnostic::plural;
use crate::live::{self, FileState};
use crate::machine::{Machine, Role};
use crate::render::Tree;
use crate::render::LOOPBACK_STANZA;
use crate::validate::model::{Host, VipInterface};

/// ifupdown's main file.
const INTERFACES: &str = "/etc/network/interfaces";
/// The folder ifupdown's main file sources on Debian.
const INTERFACES_D: &str = "/etc/network/interfaces.d";
/// The sysctl file procps reads after the sysctl.d folders.
const SYSCTL_CONF: &str = "/etc/sysctl.conf";
/// Debian's list of modules to load at boot (kmod reads it too).
const MODULES: &str = "/etc/modules";
/// The folders whose `*.conf` files systemd-modules-load reads.
const MODULES_DIRS: [&str; 4] = [
    "/etc/modules-load.d",
    "/run/modules-load.d",
    "/usr/lib/modules-load.d",
    "/lib/modules-load.d",
];

/// The folders whose listings [`wanted`] needs, for `machine`.
pub fn folders(machine: &Machine<'_>) -> Vec<PathBuf> {
    match machine.role {
        Role::RealServer(_) => std::iter::once(INTERFACES_D)
            .chain(live::SYSCTL_DIRS)
            .chain(MODULES_DIRS)
            .map(PathBuf::from)
            .collect(),
        Role::Director(_) => Vec::new(),
    }
}

/// The files to read: the rendered ones, and on a real server ifupdown's
/// and sysctl's other files, found in `listings` (folder → names).
pub fn wanted(
    machine: &Machine<'_>,
    listings: &BTreeMap<PathBuf, Vec<String>>,
) -> BTreeSet<PathBuf> {
    let mut paths: BTreeSet<PathBuf> = machine.files.keys().cloned().collect();
    if let Role::RealServer(_) = machine.role {
        paths.insert(INTERFACES.into());
        paths.insert(SYSCTL_CONF.into());
        paths.insert(MODULES.into());
        for (folder, names) in listings {
            let sysctl = folder != Path::new(INTERFACES_D);
            paths.extend(
                names
                    .iter()
                    .filter(|name| {
                        !sysctl || Path::new(name).extension().is_some_and(|e| e == "conf")
                    })
                    .filter(|name| !name.starts_with('.'))
                    .map(|name| folder.join(name)),
            );
        }
    }
    paths
}

/// What `diff` found.
#[derive(Debug, Default)]
pub struct Report {
    /// The rendered files, by their path on the machine, with what is there.
    pub files: Vec<FileComparison>,
    /// Hand-written stanzas that touch the host's VIP interface or VIPs.
    pub stanzas: Vec<StanzaFinding>,
    /// Kernel parameters of lvs-dr-gen's set by other files.
    pub settings: Vec<SettingFinding>,
    /// Kernel modules of lvs-dr-gen's that other files load too.
    pub modules: Vec<ModuleFinding>,
    /// Files that could not be read, and why.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// One rendered file and the file at its path on the machine.
#[derive(Debug)]
pub struct FileComparison {
    /// The path on the machine.
    pub path: PathBuf,
    /// The rendered contents.
    pub rendered: Vec<u8>,
    /// What is there.
    pub installed: FileState,
}

impl FileComparison {
    /// Whether the installed file is exactly the rendered one.
    pub fn same(&self) -> bool {
        matches!(&self.installed, FileState::Text(text) if text.as_bytes() == self.rendered)
    }
}

/// An ifupdown stanza written by hand that concerns the host's VIPs.
#[derive(Debug, PartialEq, Eq)]
pub struct StanzaFinding {
    /// The file.
    pub file: PathBuf,
    /// Its first line's number, from 1.
    pub line: usize,
    /// The stanza's lines, as written.
    pub text: Vec<String>,
    /// Why it matters, and what to do.
    pub why: String,
}

/// A kernel parameter that lvs-dr-gen sets, set in another file too.
#[derive(Debug, PartialEq, Eq)]
pub struct SettingFinding {
    /// The file.
    pub file: PathBuf,
    /// The line's number, from 1.
    pub line: usize,
    /// The key, as written there.
    pub key: String,
    /// The value there.
    pub value: String,
    /// lvs-dr-gen's value.
    pub ours: String,
    /// lvs-dr-gen's sysctl file.
    pub our_file: PathBuf,
}

/// A kernel module that lvs-dr-gen's module list loads, listed in another
/// file too (harmless: a module loads once).
#[derive(Debug, PartialEq, Eq)]
pub struct ModuleFinding {
    /// The file.
    pub file: PathBuf,
    /// The line's number, from 1.
    pub line: usize,
    /// The module.
    pub module: String,
    /// lvs-dr-gen's module list.
    pub our_file: PathBuf,
}

impl SettingFinding {
    /// Whether the other file sets another value than lvs-dr-gen's.
    pub fn differs(&self) -> bool {
        live::squeeze(&self.value) != live::squeeze(&self.ours)
    }
}

impl Report {
    /// How many rendered files differ from the installed ones.
    pub fn files_differing(&self) -> usize {
        self.files.iter().filter(|file| !file.same()).count()
    }

    /// Whether adopting lvs-dr-gen would change anything: a file differs,
    /// a stanza conflicts, or another file sets another value.
    pub fn differs(&self) -> bool {
        self.files_differing() > 0
            || !self.stanzas.is_empty()
            || self.settings.iter().any(SettingFinding::differs)
    }
}

/// Compares what was read (`found`, by path on the machine) with the
/// machine's rendered files.
pub fn compare(machine: &Machine<'_>, found: &BTreeMap<PathBuf, FileState>) -> Report {
    let rendered = &machine.files;
    let mut report = Report::default();
    for (path, state) in found {
        if let FileState::Unreadable(why) = state {
            report.unreadable.push((path.clone(), why.clone()));
        }
    }
    for (path, bytes) in rendered {
        report.files.push(FileComparison {
            path: path.clone(),
            rendered: bytes.clone(),
            installed: found.get(path).cloned().unwrap_or(FileState::Missing),
        });
    }
    if let Role::RealServer(host) = machine.role {
        for (path, state) in found {
            let FileState::Text(text) = state else {
                continue;
            };
            if rendered.contains_key(path) {
                continue;
            }
            if path == Path::new(INTERFACES) || path.starts_with(INTERFACES_D) {
                report.stanzas.extend(stanzas_in(host, path, text));
            } else if path == Path::new(MODULES)
                || MODULES_DIRS.iter().any(|dir| path.starts_with(dir))
            {
                report
                    .modules
                    .extend(modules_in(host, rendered, path, text));
            } else {
                report.settings.extend(settings_in(host, path, text));
            }
        }
    }
    report
}

/// The words that start an ifupdown stanza (interfaces(5)).
const STANZA_STARTS: [&str; 6] = [
    "iface",
    "auto",
    "mapping",
    "source",
    "source-directory",
    "rename",
];

/// The stanzas of an interfaces file that mention the host's stanza name
/// (or dummy device) or one of its VIPs.
fn stanzas_in(host: &Host, file: &Path, text: &str) -> Vec<StanzaFinding> {
    let (stanza_name, device) = match &host.interface {
        VipInterface::Dummy(name) => (name.as_str(), Some(name.as_str())),
        VipInterface::Loopback => (LOOPBACK_STANZA, None),
    };
    let ours = Path::new("/").join(&host.paths.interfaces);
    let mut found = Vec::new();
    for (line, lines) in stanzas(text) {
        let words: Vec<&str> = lines
            .iter()
            .flat_map(|line| line.split_whitespace())
            .collect();
        let head: Vec<&str> = lines[0].split_whitespace().collect();
        let defines_ours = matches!(head.first(), Some(&("iface" | "auto")))
            || head.first().is_some_and(|word| word.starts_with("allow-"));
        let defines_ours = defines_ours && head[1..].contains(&stanza_name);
        let names_device = device.is_some_and(|device| words.contains(&device));
        let vips: Vec<IpAddr> = words
            .iter()
            .filter_map(|word| address_in(word))
            .filter(|address| host.vips.contains(address))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let why = if defines_ours {
            format!(
                "a stanza for {stanza_name}, which {} defines too: two stanzas for one \
                 interface conflict; remove this one when you install lvs-dr-gen's",
                ours.display()
            )
        } else if !vips.is_empty() {
            let list: Vec<String> = vips.iter().map(ToString::to_string).collect();
            format!(
                "this stanza adds the VIP{} {}, which {} puts on {}: a VIP on two \
                 interfaces; remove it here",
                plural(list.len()),
                list.join(", "),
                ours.display(),
                host.interface.device()
            )
        } else if names_device {
            format!(
                "this stanza uses {}, the interface of the VIPs in {}: check that they \
                 do not fight over it",
                host.interface.device(),
                ours.display()
            )
        } else {
            continue;
        };
        found.push(StanzaFinding {
            file: file.to_path_buf(),
            line,
            text: lines.iter().map(|line| (*line).to_owned()).collect(),
            why,
        });
    }
    found
}

/// The stanzas of an interfaces file: each one's first line number and its
/// lines (comments and blank lines left out).
fn stanzas(text: &str) -> Vec<(usize, Vec<&str>)> {
    let mut stanzas: Vec<(usize, Vec<&str>)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let first = trimmed.split_whitespace().next().unwrap_or_default();
        let starts = STANZA_STARTS.contains(&first) || first.starts_with("allow-");
        match stanzas.last_mut() {
            Some((_, lines)) if !starts => lines.push(trimmed),
            _ => stanzas.push((index + 1, vec![trimmed])),
        }
    }
    stanzas
}

/// The address in a word such as `198.51.100.1`, `198.51.100.1/32` or
/// `2001:db8::1/128`.
fn address_in(word: &str) -> Option<IpAddr> {
    let word = word.trim_matches(|c: char| matches!(c, ',' | ';' | '"' | '\''));
    word.split('/').next()?.parse().ok()
}

/// The lines of a sysctl file that set a kernel parameter the host's
/// sysctl file sets (compared by their path below /proc/sys, so that
/// `net.ipv4.conf.all.arp_ignore` and `net/ipv4/conf/all/arp_ignore` are
/// one key).
fn settings_in(host: &Host, file: &Path, text: &str) -> Vec<SettingFinding> {
    let ours: BTreeMap<String, &str> = host
        .sysctl
        .iter()
        .map(|setting| (live::sysctl_path(&setting.key), setting.value.as_str()))
        .collect();
    let our_file = Path::new("/").join(&host.paths.sysctl);
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().trim_start_matches('-');
        if let Some(our_value) = ours.get(&live::sysctl_path(key)) {
            found.push(SettingFinding {
                file: file.to_path_buf(),
                line: index + 1,
                key: key.to_owned(),
                value: value.trim().to_owned(),
                ours: (*our_value).to_owned(),
                our_file: our_file.clone(),
            });
        }
    }
    found
}

/// The lines of a module list that load a module the host's own module
/// list loads.
fn modules_in(host: &Host, rendered: &Tree, file: &Path, text: &str) -> Vec<ModuleFinding> {
    let our_file = Path::new("/").join(&host.paths.modules);
    let Some(ours) = rendered.get(&our_file) else {
        return Vec::new();
    };
    let ours = String::from_utf8_lossy(ours);
    let ours: BTreeSet<&str> = module_names(&ours).map(|(_, name)| name).collect();
    module_names(text)
        .filter(|(_, name)| ours.contains(name))
        .map(|(line, name)| ModuleFinding {
            file: file.to_path_buf(),
            line,
            module: name.to_owned(),
            our_file: our_file.clone(),
        })
        .collect()
}

/// The module names of a module list, with their line numbers: the first
/// word of each line that is not a comment.
fn module_names(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(index, line)| {
        let name = line.split_whitespace().next()?;
        (!name.starts_with(['#', ';'])).then_some((index + 1, name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_split_at_their_first_words() {
        let text = "# comment\nauto lo\niface lo inet loopback\n\nauto dummy0\niface dummy0 inet static\naddress 198.19.253.1\n  up ip addr add x\n";
        let found = stanzas(text);
        assert_eq!(
            found,
            [
                (2, vec!["auto lo"]),
                (3, vec!["iface lo inet loopback"]),
                (5, vec!["auto dummy0"]),
                (
                    6,
                    vec![
                        "iface dummy0 inet static",
                        "address 198.19.253.1",
                        "up ip addr add x"
                    ]
                ),
            ]
        );
    }

    #[test]
    fn addresses_are_found_with_or_without_a_prefix() {
        assert_eq!(address_in("198.19.254.1/32"), "198.19.254.1".parse().ok());
        assert_eq!(address_in("2a00:e10::a1/128"), "2a00:e10::a1".parse().ok());
        assert_eq!(address_in("dummy0"), None);
    }
}
