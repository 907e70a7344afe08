//! The rules of the real servers' network stacks (ifupdown, systemd-networkd,
//! netplan): which combinations of stack, style, interface and release take
//! effect on Debian 12 and 13, and where each stack reads its files.

use std::path::{Path, PathBuf};

use super::model::VipInterface;
use super::problems::Problems;
use crate::code::Code;
use crate::inventory;
use crate::values::{Release, Stack, Style};
use crate::yaml::InventoryPath;

/// The network stack unless the inventory says otherwise.
pub const DEFAULT_STACK: Stack = Stack::Ifupdown;
/// Default location of systemd-networkd's `.netdev` file. `10-`: before the
/// files other tools put there (netplan's are `10-netplan-*`).
pub const DEFAULT_NETDEV_PATH: &str = "etc/systemd/network/10-lvs-dr.netdev";
/// Default location of systemd-networkd's `.network` file. networkd applies
/// the first `.network` file, in name order, that matches a link, so the
/// name sorts before the catch-all files of images (`99-*`) and before
/// netplan's `10-netplan-*`.
pub const DEFAULT_NETWORK_PATH: &str = "etc/systemd/network/10-lvs-dr.network";
/// Default location of the netplan file: after the installer's and
/// cloud-init's (`00-installer-config.yaml`, `50-cloud-init.yaml`).
pub const DEFAULT_NETPLAN_PATH: &str = "etc/netplan/60-lvs-dr.yaml";

/// A host's own setting and its inventory path, else the default's.
pub(super) fn origin<'a, T>(
    host_path: &InventoryPath,
    key: &str,
    own: Option<&'a T>,
    default: Option<&'a T>,
) -> Option<(&'a T, InventoryPath)> {
    match (own, default) {
        (Some(own), _) => Some((own, host_path.clone().key(key))),
        (None, Some(default)) => Some((default, InventoryPath::at("defaults").key(key))),
        (None, None) => None,
    }
}

/// The host's stack (a release matters only to the refusals), after refusing what would not take effect with it.
pub(super) fn host_stack(
    path: &InventoryPath,
    host: &inventory::Host,
    defaults: &inventory::Settings,
    interface: &VipInterface,
    problems: &mut Problems,
) -> Stack {
    let stack = origin(path, "stack", host.stack.as_ref(), defaults.stack.as_ref());
    let release = pick_release(path, host, defaults);
    let Some((&stack, stack_origin)) = stack else {
        return DEFAULT_STACK;
    };
    if stack != Stack::Ifupdown {
        let style = origin(path, "style", host.style.as_ref(), defaults.style.as_ref());
        if let Some((Style::NetTools, style_origin)) = style {
            problems.add(
                Code::StyleNeedsIfupdown,
                style_origin,
                format!(
                    "the net-tools style writes ifconfig commands into an ifupdown stanza; \
                     `stack: {}` has no commands to write: remove `style: net-tools` from \
                     these hosts, or use `stack: ifupdown`",
                    stack.name()
                ),
            );
        }
    }
    if stack == Stack::Netplan
        && matches!(interface, VipInterface::Dummy(_))
        && release != Some(Release::Trixie)
    {
        problems.add(
            Code::NetplanDummyNeedsTrixie,
            stack_origin,
            "netplan has `dummy-devices` since 0.107: Debian 13 (trixie) has netplan.io 1.1.2, \
             but Debian 12 (bookworm) has 0.106, whose `netplan generate` refuses the key and \
             with it every netplan file, the uplink's included. For Debian 13 hosts set \
             `release: trixie`; on Debian 12 use `stack: networkd` (its files are read beside \
             netplan's) or `interface: lo`",
        );
    }
    stack
}

fn pick_release(
    path: &InventoryPath,
    host: &inventory::Host,
    defaults: &inventory::Settings,
) -> Option<Release> {
    origin(
        path,
        "release",
        host.release.as_ref(),
        defaults.release.as_ref(),
    )
    .map(|(release, _)| *release)
}

/// Refuses a networkd or netplan file its reader would not read at boot:
/// systemd-networkd reads `/etc/systemd/network/*.netdev` and `*.network`,
/// netplan `/etc/netplan/*.yaml`.
pub(super) fn check_stack_paths(
    netdev: &(PathBuf, InventoryPath),
    network: &(PathBuf, InventoryPath),
    netplan: &(PathBuf, InventoryPath),
    problems: &mut Problems,
) {
    let rules = [
        (
            netdev,
            "etc/systemd/network",
            "netdev",
            "systemd-networkd",
            DEFAULT_NETDEV_PATH,
        ),
        (
            network,
            "etc/systemd/network",
            "network",
            "systemd-networkd",
            DEFAULT_NETWORK_PATH,
        ),
        (
            netplan,
            "etc/netplan",
            "yaml",
            "netplan",
            DEFAULT_NETPLAN_PATH,
        ),
    ];
    for ((file, origin), directory, suffix, reader, example) in rules {
        let in_directory = file.parent() == Some(Path::new(directory));
        let suffixed = file.extension().is_some_and(|ext| ext == suffix);
        if !(in_directory && suffixed) {
            problems.add(
                Code::PathNotReadAtBoot,
                origin.clone(),
                format!(
                    "{} would not be read at boot: {reader} reads /{directory}/*.{suffix}: use a \
                     file there, e.g. `{example}`",
                    file.display()
                ),
            );
        }
    }
}
