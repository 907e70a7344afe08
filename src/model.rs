//! The validated inventory: what the rest of the program trusts.
//!
//! Built only by `validate`, from a parsed inventory: defaults are already
//! applied, references resolved, and every rule checked, so rendering needs
//! no further checks and cannot fail on the data.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::values::{PortSpec, Style};

/// Everything lvs-dr-gen renders, from one inventory file.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// The inventory's file name (no directory), quoted in file headers.
    pub source_name: String,
    /// The balanced services, in inventory order.
    pub services: Vec<Service>,
    /// The real servers, in inventory order.
    pub hosts: Vec<Host>,
}

/// A balanced service.
#[derive(Debug, Clone)]
pub struct Service {
    /// The service's name.
    pub name: String,
    /// Its virtual IPs, in inventory order.
    pub vips: Vec<IpAddr>,
    /// Its balanced ports (used by the director side).
    pub ports: Vec<PortSpec>,
    /// Client persistence in seconds (used by the director side).
    pub persistence: Option<u32>,
    /// The health check (used by the director side).
    pub health_check: Option<HealthCheck>,
}

/// An HTTP health check: the page a director polls on each real server.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    /// The page's path, such as `/ldcheck.php`.
    pub path: String,
    /// The exact body a healthy server returns, such as `running`.
    pub expect: Option<String>,
}

/// Where a host carries its VIPs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VipInterface {
    /// A dummy interface that the stanza creates, such as `dummy0`.
    Dummy(String),
    /// The loopback interface `lo`.
    Loopback,
}

impl VipInterface {
    /// The kernel's name of the device.
    pub fn device(&self) -> &str {
        match self {
            VipInterface::Dummy(name) => name,
            VipInterface::Loopback => "lo",
        }
    }
}

/// A kernel parameter and its value, as written to the sysctl file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SysctlSetting {
    /// The dotted parameter name.
    pub key: String,
    /// The value.
    pub value: String,
}

/// Where a host's generated files go, relative to its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputPaths {
    /// The ifupdown stanza file.
    pub interfaces: PathBuf,
    /// The kernel module list (written only for a dummy interface).
    pub modules: PathBuf,
    /// The kernel parameter file.
    pub sysctl: PathBuf,
}

/// A real server and everything its files need.
#[derive(Debug, Clone)]
pub struct Host {
    /// The host name, also its folder in the output.
    pub name: String,
    /// The host's own address.
    pub address: IpAddr,
    /// The names of the services it serves, in inventory order.
    pub services: Vec<String>,
    /// Every VIP of those services, each once, in inventory order.
    pub vips: Vec<IpAddr>,
    /// Where the VIPs live.
    pub interface: VipInterface,
    /// Which commands add them.
    pub style: Style,
    /// The kernel parameters: the built-in LVS-DR set with the inventory's
    /// extras merged over it.
    pub sysctl: Vec<SysctlSetting>,
    /// Where its files go.
    pub paths: OutputPaths,
}
