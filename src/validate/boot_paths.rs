//! Where the generated files must go for a Debian boot to read them:
//! ifupdown's interfaces.d, systemd-sysctl's sysctl.d, systemd-modules-load's
//! modules-load.d (and /etc/modules), each `*.conf` where that is all the
//! reader takes; the same on Debian 12 and 13.

use std::path::{Path, PathBuf};

use super::problems::Problems;
use crate::code::Code;
use crate::yaml::InventoryPath;

/// Default location of the ifupdown stanza file. No dot in the file name:
/// `source-directory` includes only names matching `^[a-zA-Z0-9_-]+$`
/// (interfaces(5)).
pub const DEFAULT_INTERFACES_PATH: &str = "etc/network/interfaces.d/lvs-dr";
/// Default location of the module list read by systemd-modules-load.
pub const DEFAULT_MODULES_PATH: &str = "etc/modules-load.d/lvs-dr.conf";
/// Default location of the kernel parameters read by systemd-sysctl.
pub const DEFAULT_SYSCTL_PATH: &str = "etc/sysctl.d/60-lvs-dr.conf";

pub(super) fn check_interfaces_path(
    (file, origin): &(PathBuf, InventoryPath),
    problems: &mut Problems,
) {
    if file == Path::new("etc/network/interfaces") {
        problems.add(
            Code::InterfacesPathWholeFile,
            origin.clone(),
            "lvs-dr-gen writes whole files, and etc/network/interfaces also configures lo and the \
             uplink: put the VIP stanza in its own file under etc/network/interfaces.d/",
        );
    } else if file.parent() == Some(Path::new("etc/network/interfaces.d")) {
        let name = file
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            problems.add(
                Code::InterfacesPathSkipped,
                origin.clone(),
                format!(
                    "`{name}` would be skipped by ifupdown's `source-directory`, which includes \
                     only names made of letters, digits, `_` and `-`: drop the `.`, e.g. `lvs-dr`"
                ),
            );
        }
    } else {
        problems.add(
            Code::PathNotReadAtBoot,
            origin.clone(),
            format!(
                "{} would not be read at boot: Debian's /etc/network/interfaces includes \
                 /etc/network/interfaces.d: put the stanza there, e.g. `{DEFAULT_INTERFACES_PATH}`",
                file.display()
            ),
        );
    }
}

/// Refuses a sysctl file that systemd-sysctl would not read at boot on
/// Debian 12 and 13 alike: anything outside /etc/sysctl.d, and
/// `etc/sysctl.conf` in particular: Debian 13's procps (4.0.4) no longer
/// ships the link `/etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf` that
/// makes Debian 12 read it. `example` is the path suggested instead.
pub(super) fn check_sysctl_path(
    (file, origin): &(PathBuf, InventoryPath),
    example: &str,
    problems: &mut Problems,
) {
    if file == Path::new("etc/sysctl.conf") {
        problems.add(
            Code::SysctlPathNotReadAtBoot,
            origin.clone(),
            format!(
                "etc/sysctl.conf is not applied at boot on Debian 13: its procps no longer links \
                 /etc/sysctl.d/99-sysctl.conf to it, and systemd-sysctl reads only the sysctl.d \
                 directories: use a file there, e.g. `{example}`"
            ),
        );
    } else if file.parent() != Some(Path::new("etc/sysctl.d")) {
        problems.add(
            Code::PathNotReadAtBoot,
            origin.clone(),
            format!(
                "{} would not be applied at boot: systemd-sysctl reads /etc/sysctl.d/*.conf: \
                 use a file there, e.g. `{example}`",
                file.display()
            ),
        );
    }
}

/// Refuses a module list that systemd-modules-load would not read at boot:
/// it reads /etc/modules-load.d/*.conf, and `/etc/modules` through the link
/// `/etc/modules-load.d/modules.conf` that Debian 12 and 13 both ship.
/// `example` is the path suggested instead.
pub(super) fn check_modules_path(
    (file, origin): &(PathBuf, InventoryPath),
    example: &str,
    problems: &mut Problems,
) {
    if file != Path::new("etc/modules") && file.parent() != Some(Path::new("etc/modules-load.d")) {
        problems.add(
            Code::PathNotReadAtBoot,
            origin.clone(),
            format!(
                "{} would not be read at boot: systemd-modules-load reads \
                 /etc/modules-load.d/*.conf and /etc/modules: use one of them, e.g. \
                 `{example}`",
                file.display()
            ),
        );
    }
}

pub(super) fn check_conf_suffix(
    (file, origin): &(PathBuf, InventoryPath),
    directory: &str,
    reader: &str,
    problems: &mut Problems,
) {
    if file.parent() == Some(Path::new(directory))
        && file.extension().is_none_or(|ext| ext != "conf")
    {
        problems.add(
            Code::ConfSuffixMissing,
            origin.clone(),
            format!(
                "{reader} reads only *.conf files in /{directory}: name it e.g. `{}.conf`",
                file.display()
            ),
        );
    }
}
