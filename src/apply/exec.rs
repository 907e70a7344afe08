//! The part of `apply` that touches the system: reads the [`Situation`]
//! (through `live`, as `verify` does), runs `keepalived -t`, and carries
//! out each [`HostAction`] with `ip`, `modprobe`, `networkctl`, a signal or a
//! write below /proc/sys.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{HostAction, Situation};
use crate::live::{self, LiveError};
use crate::machine::{Machine, Role};
use crate::verify;

/// The process name of systemd-networkd (the kernel keeps 15 characters).
const NETWORKD: &str = "systemd-network";

/// Where `apply` keeps, per keepalived pid, the configuration it last
/// gave that keepalived: a later `apply` reloads only when the installed
/// one differs. Below /run: gone at the next boot, as is the process.
pub const LOADED_DIR: &str = "/run/lvs-dr-gen";

/// Whether this process runs as root (effective uid 0).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Reads what `apply` decides on: `verify`'s live state with the rendered
/// sysctl files' keys and modules, whether systemd-networkd runs, and the
/// keepalived of `pid_file` (directors).
pub fn read_situation(
    machine: &Machine<'_>,
    root: &Path,
    pid_file: &Path,
) -> Result<Situation, LiveError> {
    let mut probe = verify::probe(machine, false);
    probe.sysctl.extend(super::sysctl_keys(machine));
    probe.modules.extend(super::modules(machine));
    probe.processes.insert(NETWORKD.to_owned());
    let live = live::read(&probe, root)?;
    let (keepalived, keepalived_loaded) = match machine.role {
        Role::RealServer(_) => (None, None),
        Role::Director(_) => {
            let pid = keepalived_pid(pid_file);
            (pid, pid.and_then(|pid| fs::read(loaded_file(pid)).ok()))
        }
    };
    Ok(Situation {
        networkd: live.processes.contains(NETWORKD),
        live,
        systemd: Path::new("/run/systemd/system").is_dir(),
        keepalived,
        keepalived_loaded,
    })
}

/// The pid in `pid_file`, if a process named keepalived has it.
pub fn keepalived_pid(pid_file: &Path) -> Option<u32> {
    let pid: u32 = fs::read_to_string(pid_file).ok()?.trim().parse().ok()?;
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    (comm.trim() == verify::director::KEEPALIVED).then_some(pid)
}

fn loaded_file(pid: u32) -> PathBuf {
    Path::new(LOADED_DIR).join(format!("keepalived-{pid}.conf"))
}

/// `keepalived -t -f CONFIG`: whether keepalived accepts the installed
/// configuration; the error holds what it printed. `drained` is how many
/// of its virtual servers have every real server drained (weight 0): for
/// each, keepalived 2.2.7 and 2.3.3 report that the quorum exceeds the
/// real servers' total weight, and `-t` fails, though keepalived runs it as
/// meant (the virtual server stays, new connections get no real server,
/// established ones finish). When those reports are all `-t` printed,
/// the configuration is accepted with a note ([`only_drain_reports`]).
pub fn keepalived_test(config: &Path, drained: usize) -> Result<Option<String>, String> {
    let output = Command::new("keepalived")
        .arg("-t")
        .arg("-f")
        .arg(config)
        .output()
        .map_err(|error| {
            format!("cannot run `keepalived -t`: {error}; is keepalived installed?")
        })?;
    if output.status.success() {
        return Ok(None);
    }
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    if drained > 0 && only_drain_reports(&text, drained) {
        return Ok(Some(format!(
            "keepalived -t reports the quorum of {drained} virtual server{} whose real servers are \
             all drained (weight 0) as out of reach, as it does for every fully drained virtual \
             server; accepted",
            if drained == 1 { "" } else { "s" }
        )));
    }
    Err(format!(
        "`keepalived -t -f {}` failed ({}):\n{}",
        config.display(),
        output.status,
        text.trim_end()
    ))
}

/// Whether every line `keepalived -t` printed is one of the two reports it
/// makes for a virtual server whose real servers' weights add up to 0
/// (`check_data.c`: the quorum reduced to 0, then the hysteresis), with
/// one quorum report per fully drained virtual server.
pub fn only_drain_reports(text: &str, drained: usize) -> bool {
    let quorum = |line: &str| {
        line.starts_with("Warning - quorum ")
            && line.ends_with(" exceeds total weight of real servers 0, reducing quorum to 0")
    };
    let hysteresis = |line: &str| {
        line.starts_with("Virtual server ")
            && line.ends_with(" >= quorum 0; setting hysteresis to 4294967295")
    };
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    lines.iter().all(|line| quorum(line) || hysteresis(line))
        && lines.iter().filter(|line| quorum(line)).count() == drained
}

/// Carries out actions; knows keepalived's pid file and the configuration
/// a reload or start gives it.
#[derive(Debug)]
pub struct Executor<'a> {
    /// keepalived's pid file.
    pub pid_file: &'a Path,
    /// The installed keepalived.conf (directors).
    pub keepalived_config: Option<&'a [u8]>,
}

impl Executor<'_> {
    /// Carries out `action`; the error says what failed.
    pub fn run(&self, action: &HostAction) -> Result<(), String> {
        match action {
            HostAction::Sysctl { path, value, .. } => {
                let file = Path::new("/proc/sys").join(path);
                fs::write(&file, value.as_bytes())
                    .map_err(|error| format!("cannot write {}: {error}", file.display()))
            }
            HostAction::LoadModule { module } => command("modprobe", &[module]),
            HostAction::CreateDummy { device } => {
                command("ip", &["link", "add", "dev", device, "type", "dummy"])
            }
            HostAction::LinkUp { device } => command("ip", &["link", "set", "dev", device, "up"]),
            HostAction::AddAddress {
                address,
                device,
                label,
            } => {
                let cidr = format!(
                    "{address}/{}",
                    crate::validate::model::host_prefix(*address)
                );
                let mut args = vec!["addr", "add", &cidr, "dev", device];
                if let Some(label) = label {
                    args.extend(["label", label]);
                }
                if address.is_ipv6() {
                    args.push("nodad");
                }
                command("ip", &args)
            }
            HostAction::RemoveAddress {
                address,
                prefix,
                device,
            } => command(
                "ip",
                &["addr", "del", &format!("{address}/{prefix}"), "dev", device],
            ),
            HostAction::DeleteDummy { device } => command("ip", &["link", "del", "dev", device]),
            HostAction::ReloadNetworkd { netplan } => {
                if *netplan {
                    command("netplan", &["generate"])?;
                }
                command("networkctl", &["reload"])
            }
            HostAction::ReloadKeepalived { pid } => {
                let target = i32::try_from(*pid)
                    .ok()
                    .and_then(rustix::process::Pid::from_raw)
                    .ok_or_else(|| format!("pid {pid} is not a process id"))?;
                rustix::process::kill_process(target, rustix::process::Signal::HUP).map_err(
                    |error| format!("cannot send SIGHUP to keepalived ({pid}): {error}"),
                )?;
                self.remember(*pid);
                Ok(())
            }
            HostAction::EnableAgent => command(
                "systemctl",
                &["enable", "--now", crate::render::AGENT_SOCKET_UNIT],
            ),
            HostAction::StartKeepalived => {
                command("systemctl", &["start", "keepalived"])?;
                if let Some(pid) = keepalived_pid(self.pid_file) {
                    self.remember(pid);
                }
                Ok(())
            }
        }
    }

    /// Records the configuration keepalived `pid` was given. A record that
    /// cannot be written costs one needless reload at the next `apply`.
    fn remember(&self, pid: u32) {
        let Some(config) = self.keepalived_config else {
            return;
        };
        let write = || -> io::Result<()> {
            fs::create_dir_all(LOADED_DIR)?;
            fs::write(loaded_file(pid), config)
        };
        if let Err(error) = write() {
            eprintln!(
                "apply: warning: cannot record the configuration given to keepalived in {LOADED_DIR}: \
                 {error}; the next apply reloads it again"
            );
        }
    }
}

/// Runs `program` with `args`; the error holds its output.
fn command(program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|error| format!("cannot run `{program}`: {error}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "`{program} {}` failed ({}): {}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    ))
}
