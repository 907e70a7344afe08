//! Whether the host's network stack will read the rendered files at the
//! next boot, from what [`Boot`] recorded below the root: ifupdown
//! installed, `networking.service` enabled and the file sourced by
//! /etc/network/interfaces; systemd-networkd enabled; netplan installed
//! (its generator hands the configuration to systemd-networkd, which it
//! enables itself, so networkd must only not be masked).

use std::path::{Path, PathBuf};

use super::check::{Check, Status};
use super::nextboot::{glob_matches, unreadable_below};
use crate::live::{self, Boot, BootProbe, FileState};
use crate::validate::model::{Host, VipInterface};
use crate::values::Stack;

/// ifupdown's programs (either, /sbin being /usr/sbin where /usr is merged).
const IFUP: [&str; 2] = ["/sbin/ifup", "/usr/sbin/ifup"];
/// ifupdown's main file.
const INTERFACES: &str = "/etc/network/interfaces";
/// ifupdown's unit, which runs `ifup -a` at boot.
const NETWORKING: &str = "networking.service";
/// systemd-networkd's unit.
const NETWORKD: &str = "systemd-networkd.service";
/// netplan's program (its package also installs the generator).
const NETPLAN: &str = "/usr/sbin/netplan";

/// What to read below the root for the checks of `host`'s stack.
pub fn probe(host: &Host) -> BootProbe {
    let mut probe = BootProbe::default();
    match host.stack {
        Stack::Ifupdown => {
            probe.exists.extend(IFUP.map(PathBuf::from));
            probe.files.insert(INTERFACES.into());
            probe.units.insert(NETWORKING.to_owned());
        }
        Stack::Networkd => {
            probe.units.insert(NETWORKD.to_owned());
        }
        Stack::Netplan => {
            probe.exists.insert(NETPLAN.into());
            probe.units.insert(NETWORKD.to_owned());
        }
    }
    if host.agent_port.is_some() {
        probe
            .units
            .insert(crate::render::AGENT_SOCKET_UNIT.to_owned());
    }
    probe
}

/// The rendered files of the host's stack, by their path on the machine.
fn stack_files(host: &Host) -> Vec<PathBuf> {
    let paths = &host.paths;
    let files = match host.stack {
        Stack::Ifupdown => vec![&paths.interfaces],
        Stack::Networkd if matches!(host.interface, VipInterface::Dummy(_)) => {
            vec![&paths.netdev, &paths.network]
        }
        Stack::Networkd => vec![&paths.network],
        Stack::Netplan => vec![&paths.netplan],
    };
    files
        .into_iter()
        .map(|path| Path::new("/").join(path))
        .collect()
}

/// One `read-at-boot` check per rendered file of the host's stack.
pub fn checks(host: &Host, boot: &Boot) -> Vec<Check> {
    let reader = match host.stack {
        Stack::Ifupdown => "ifupdown",
        Stack::Networkd => "systemd-networkd",
        Stack::Netplan => "netplan",
    };
    stack_files(host)
        .into_iter()
        .map(|file| {
            let (problems, facts) = match host.stack {
                Stack::Ifupdown => ifupdown(&file, boot),
                Stack::Networkd => networkd(boot),
                Stack::Netplan => netplan(boot),
            };
            let (status, found) = if let Some(why) = unreadable_below(boot, &live::UNIT_DIRS) {
                (Status::Error, format!("cannot tell: {why}"))
            } else if problems.is_empty() {
                (Status::Ok, format!("read: {}", facts.join(", ")))
            } else {
                (Status::Drift, format!("not read: {}", problems.join("; ")))
            };
            Check {
                kind: KIND,
                subject: file.display().to_string(),
                status,
                expected: format!("read by {reader} at boot"),
                found,
            }
        })
        .collect()
}

/// The check's name.
const KIND: &str = "read-at-boot";

/// Why ifupdown would not read `file` at boot (empty when it would), and
/// the facts that say it would.
fn ifupdown(file: &Path, boot: &Boot) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut facts = Vec::new();
    match IFUP
        .iter()
        .find(|path| boot.exists.get(Path::new(path)) == Some(&true))
    {
        Some(ifup) => facts.push(format!("{ifup} installed")),
        None => problems.push(format!(
            "ifupdown is not installed (no {})",
            IFUP.join(" or ")
        )),
    }
    unit_enabled(NETWORKING, boot, &mut problems, &mut facts);
    match boot.files.get(Path::new(INTERFACES)) {
        Some(FileState::Text(text)) => match sourcing_line(text, file) {
            Some((line, words)) => facts.push(format!("`{words}` at {INTERFACES}:{line}")),
            None => problems.push(format!(
                "{INTERFACES} has no `source` or `source-directory` line that includes it \
                 (Debian's has `source /etc/network/interfaces.d/*`)"
            )),
        },
        Some(FileState::Unreadable(why)) => {
            problems.push(format!("{INTERFACES} is unreadable: {why}"));
        }
        _ => problems.push(format!("{INTERFACES} is missing")),
    }
    (problems, facts)
}

/// Why systemd-networkd would not read its files at boot, and the facts.
fn networkd(boot: &Boot) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut facts = Vec::new();
    unit_enabled(NETWORKD, boot, &mut problems, &mut facts);
    (problems, facts)
}

/// Why netplan would not read its file at boot, and the facts.
fn netplan(boot: &Boot) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut facts = Vec::new();
    if boot.exists.get(Path::new(NETPLAN)) == Some(&true) {
        facts.push(format!("{NETPLAN} installed"));
    } else {
        problems.push(format!("netplan is not installed (no {NETPLAN})"));
    }
    let masked = boot
        .units
        .get(NETWORKD)
        .and_then(|unit| unit.masked_by.as_ref());
    if let Some(mask) = masked {
        problems.push(format!(
            "{NETWORKD}, which applies netplan's configuration, is masked by {}",
            mask.display()
        ));
    }
    (problems, facts)
}

/// Whether `unit` is enabled (a link in a `*.wants` or `*.requires`
/// directory) and not masked, as a problem or a fact.
fn unit_enabled(unit: &str, boot: &Boot, problems: &mut Vec<String>, facts: &mut Vec<String>) {
    let state = boot.units.get(unit).cloned().unwrap_or_default();
    if let Some(mask) = &state.masked_by {
        problems.push(format!("{unit} is masked by {}", mask.display()));
    } else if let Some(wants) = state.wanted_in.first() {
        facts.push(format!("{unit} enabled ({})", wants.display()));
    } else {
        problems.push(format!(
            "{unit} is not enabled (no link to it in a *.wants directory of \
             /etc/systemd/system; `systemctl enable {unit}`)"
        ));
    }
}

/// The first line of an interfaces file that includes `file`, with its
/// words: `source PATTERN` (shell wildcards) or `source-directory DIR`
/// (only names of letters, digits, `_` and `-`, as run-parts reads them);
/// a relative path is relative to /etc/network (interfaces(5)).
pub fn sourcing_line(text: &str, file: &Path) -> Option<(usize, String)> {
    let base = Path::new(INTERFACES).parent()?;
    text.lines().enumerate().find_map(|(index, line)| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (keyword, argument) = match words.as_slice() {
            [keyword, argument] => (*keyword, base.join(argument)),
            _ => return None,
        };
        let includes = match keyword {
            "source" => glob_matches(
                argument.to_str()?.trim_start_matches('/'),
                file.to_str()?.trim_start_matches('/'),
            ),
            "source-directory" => {
                let name = file.file_name()?.to_str()?;
                file.parent() == Some(argument.as_path())
                    && !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            }
            _ => false,
        };
        includes.then(|| (index + 1, words.join(" ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "/etc/network/interfaces.d/lvs-dr";

    #[test]
    fn debians_source_line_includes_the_stanza_file() {
        let text = "# interfaces(5)\n\nsource /etc/network/interfaces.d/*\n\nauto lo\n";
        assert_eq!(
            sourcing_line(text, Path::new(OURS)),
            Some((3, "source /etc/network/interfaces.d/*".to_owned()))
        );
        assert_eq!(
            sourcing_line("source interfaces.d/*\n", Path::new(OURS)),
            Some((1, "source interfaces.d/*".to_owned()))
        );
        assert_eq!(
            sourcing_line(
                "source-directory /etc/network/interfaces.d\n",
                Path::new(OURS)
            ),
            Some((1, "source-directory /etc/network/interfaces.d".to_owned()))
        );
    }

    #[test]
    fn a_file_no_line_includes_is_not_read() {
        for text in [
            "auto lo\niface lo inet loopback\n",
            "# source /etc/network/interfaces.d/*\n",
            "source /etc/network/interfaces.d/*.cfg\n",
        ] {
            assert_eq!(sourcing_line(text, Path::new(OURS)), None, "{text}");
        }
        // run-parts names only: a dot keeps the file out of source-directory.
        assert_eq!(
            sourcing_line(
                "source-directory interfaces.d\n",
                Path::new("/etc/network/interfaces.d/lvs-dr.cfg")
            ),
            None
        );
    }
}
