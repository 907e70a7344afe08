//! Rendering: the validated model and the templates in, an in-memory tree of
//! files out (path below the output directory → bytes), one unit (a host or
//! a director) at a time, so that units render in parallel and a large
//! inventory never has all its files in memory at once. Nothing here
//! touches the disk except reading user templates; writing is `output`'s.
//!
//! The built-in templates are compiled into the binary from `templates/`;
//! `--templates DIR` overrides any of them by file name. Every interpolated
//! value passes a formatter that refuses line breaks and other control
//! characters, so no value can add a line to a generated file, whatever the
//! template. The directors' keepalived.conf is built from the context in
//! `director`.

mod director;

pub use director::{body_digest, ipvs_services, unique_vips, IpvsService, SYNC_GROUP_IPV6};

use std::collections::BTreeMap;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;

use crate::code::Code;
use crate::validate::model::{
    Director, Host, Inventory, Service, SysctlSetting, VipInterface, Vrrp,
};
use crate::values::{PortSpec, Stack, Style};

/// The generated files: path below the output directory → contents.
/// A `BTreeMap`, so that every walk over it is in one stable order.
pub type Tree = BTreeMap<PathBuf, Vec<u8>>;

/// The built-in templates: name → source, from `templates/`.
pub const BUILTIN_TEMPLATES: [(&str, &str); 13] = [
    ("header.j2", include_str!("../../templates/header.j2")),
    (
        "agent-service.j2",
        include_str!("../../templates/agent-service.j2"),
    ),
    (
        "agent-socket.j2",
        include_str!("../../templates/agent-socket.j2"),
    ),
    (
        "director-modules.j2",
        include_str!("../../templates/director-modules.j2"),
    ),
    (
        "director-sysctl.j2",
        include_str!("../../templates/director-sysctl.j2"),
    ),
    (
        "interfaces-iproute2.j2",
        include_str!("../../templates/interfaces-iproute2.j2"),
    ),
    (
        "interfaces-net-tools.j2",
        include_str!("../../templates/interfaces-net-tools.j2"),
    ),
    (
        "keepalived.j2",
        include_str!("../../templates/keepalived.j2"),
    ),
    ("modules.j2", include_str!("../../templates/modules.j2")),
    ("netplan.j2", include_str!("../../templates/netplan.j2")),
    (
        "networkd-netdev.j2",
        include_str!("../../templates/networkd-netdev.j2"),
    ),
    (
        "networkd-network.j2",
        include_str!("../../templates/networkd-network.j2"),
    ),
    ("sysctl.j2", include_str!("../../templates/sysctl.j2")),
];

/// The stanza name that carries VIPs on lo: an alias, so that ifdown
/// removes only the VIPs and never flushes 127.0.0.1.
pub const LOOPBACK_STANZA: &str = "lo:lvs";

/// Why rendering failed: a user template that does not load or compile, or
/// that tried to write something the formatter refuses.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template directory that cannot be read.
    #[error("cannot read template directory {}: {source}", .dir.display())]
    TemplateDir {
        /// The directory.
        dir: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// A file in the template directory that would override nothing.
    #[error("{}: unknown template name; the templates are {}", .path.display(), known_templates())]
    UnknownTemplate {
        /// The file.
        path: PathBuf,
    },
    /// A keepalived.conf (from a user template) with a keyword keepalived
    /// refuses.
    #[error("{template}: line {line} of the rendered {path} uses `{keyword}`, which keepalived reports as deprecated and `keepalived -t` refuses: use `{replacement}`", path = .path.display())]
    DeprecatedKeyword {
        /// The template's name.
        template: &'static str,
        /// The rendered file.
        path: PathBuf,
        /// Its line.
        line: usize,
        /// The keyword.
        keyword: &'static str,
        /// What to write instead.
        replacement: &'static str,
    },
    /// A template error, with its name and line.
    #[error("{}", display_template_error(.0))]
    Template(#[from] Error),
}

impl RenderError {
    /// The stable name of this kind of error in JSON diagnostics
    /// (doc/diagnostics.md, "JSON diagnostics").
    pub fn code(&self) -> Code {
        match self {
            RenderError::TemplateDir { .. } => Code::TemplateDirUnreadable,
            RenderError::UnknownTemplate { .. } => Code::UnknownTemplate,
            RenderError::DeprecatedKeyword { .. } => Code::TemplateDeprecatedKeyword,
            RenderError::Template(_) => Code::TemplateError,
        }
    }

    /// The file the error is about, when there is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            RenderError::TemplateDir { dir, .. } => Some(dir),
            RenderError::UnknownTemplate { path } => Some(path),
            RenderError::DeprecatedKeyword { .. } | RenderError::Template(_) => None,
        }
    }
}

fn known_templates() -> String {
    BUILTIN_TEMPLATES.map(|(name, _)| name).join(", ")
}

fn display_template_error(error: &Error) -> String {
    let mut text = format!("template error: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Renders every file of the given hosts (all when `only` is empty).
pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// Sets up the template environment, with `overrides` (a directory) taking
    /// precedence over the built-in templates, name by name.
    pub fn new(overrides: Option<&Path>) -> Result<Self, RenderError> {
        let overrides = match overrides {
            Some(dir) => Some(read_overrides(dir)?),
            None => None,
        };
        let mut env = Environment::new();
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_formatter(single_line_formatter);
        env.set_loader(move |name| {
            let user = overrides.as_ref().and_then(|map| map.get(name).cloned());
            Ok(user.or_else(|| builtin_template(name).map(str::to_owned)))
        });
        Ok(Renderer { env })
    }

    /// Renders every unit's files into one tree, for `verify`, which
    /// compares one machine's files (a director's lists every real server).
    pub fn render(&self, inventory: &Inventory) -> Result<Tree, RenderError> {
        let mut tree = Tree::new();
        for unit in 0..units(inventory) {
            self.render_unit(inventory, unit, &mut tree)?;
        }
        Ok(tree)
    }

    /// Renders the files of one unit (see [`units`]) into `tree`: the
    /// `unit`th host, or after the hosts a director. Units render
    /// independently, in any order or in parallel.
    pub fn render_unit(
        &self,
        inventory: &Inventory,
        unit: usize,
        tree: &mut Tree,
    ) -> Result<(), RenderError> {
        match inventory.hosts.get(unit) {
            Some(host) => self.render_host(&inventory.source_name, &inventory.services, host, tree),
            None => match (
                &inventory.vrrp,
                inventory.directors.get(unit - inventory.hosts.len()),
            ) {
                (Some(vrrp), Some(director)) => {
                    self.render_director(inventory, director, vrrp, tree)
                }
                _ => Ok(()),
            },
        }
    }

    fn render_director(
        &self,
        inventory: &Inventory,
        director: &Director,
        vrrp: &Vrrp,
        tree: &mut Tree,
    ) -> Result<(), RenderError> {
        const TEMPLATE: &str = "keepalived.j2";
        let context =
            Value::from_serialize(director::DirectorContext::new(inventory, director, vrrp));
        let text = self.env.get_template(TEMPLATE)?.render(&context)?;
        let root = PathBuf::from(&director.name);
        let path = root.join(&director.keepalived_path);
        if let Some((line, keyword, replacement)) = director::deprecated_keyword(&text) {
            return Err(RenderError::DeprecatedKeyword {
                template: TEMPLATE,
                path,
                line,
                keyword,
                replacement,
            });
        }
        tree.insert(path, text.into_bytes());
        for (template, path) in [
            ("director-sysctl.j2", &director.sysctl_path),
            ("director-modules.j2", &director.modules_path),
        ] {
            let text = self.env.get_template(template)?.render(&context)?;
            tree.insert(root.join(path), text.into_bytes());
        }
        Ok(())
    }

    fn render_host(
        &self,
        source: &str,
        services: &[Service],
        host: &Host,
        tree: &mut Tree,
    ) -> Result<(), RenderError> {
        let context = Value::from_serialize(HostContext::new(source, services, host));
        let root = PathBuf::from(&host.name);
        for (template, path) in host_files(host) {
            let text = self.env.get_template(template)?.render(&context)?;
            tree.insert(root.join(path), text.into_bytes());
        }
        Ok(())
    }
}

/// The host's files and the template of each: its stack's files that carry
/// the VIPs, the module list (for a dummy interface) and the sysctl file.
fn host_files(host: &Host) -> Vec<(&'static str, &Path)> {
    let dummy = matches!(host.interface, VipInterface::Dummy(_));
    let paths = &host.paths;
    let mut files = match host.stack {
        Stack::Ifupdown => {
            let template = match host.style {
                Style::Iproute2 => "interfaces-iproute2.j2",
                Style::NetTools => "interfaces-net-tools.j2",
            };
            vec![(template, paths.interfaces.as_path())]
        }
        Stack::Networkd if dummy => vec![
            ("networkd-netdev.j2", paths.netdev.as_path()),
            ("networkd-network.j2", paths.network.as_path()),
        ],
        Stack::Networkd => vec![("networkd-network.j2", paths.network.as_path())],
        Stack::Netplan => vec![("netplan.j2", paths.netplan.as_path())],
    };
    if dummy {
        files.push(("modules.j2", paths.modules.as_path()));
    }
    files.push(("sysctl.j2", paths.sysctl.as_path()));
    if host.agent_port.is_some() {
        files.push(("agent-socket.j2", Path::new(AGENT_SOCKET_PATH)));
        files.push(("agent-service.j2", Path::new(AGENT_SERVICE_PATH)));
    }
    files
}

/// Where a real server's VIP-aware health agent's socket unit goes.
pub const AGENT_SOCKET_PATH: &str = "etc/systemd/system/lvs-dr-gen-agent.socket";
/// Where its service unit goes.
pub const AGENT_SERVICE_PATH: &str = "etc/systemd/system/lvs-dr-gen-agent.service";
/// The agent's socket unit, which `apply` enables.
pub const AGENT_SOCKET_UNIT: &str = "lvs-dr-gen-agent.socket";

/// The permissions of a generated file, by its path below the output
/// directory (`<unit>/<path on the machine>`): rw------- for netplan's files
/// (netplan warns about YAML files that others can read, and validation
/// keeps them in etc/netplan), rw-r--r-- for the rest, configuration read
/// by root-run services.
pub fn file_mode(path: &Path) -> u32 {
    let on_machine: PathBuf = path.components().skip(1).collect();
    if on_machine.starts_with("etc/netplan") {
        0o600
    } else {
        0o644
    }
}

/// How many units of output the inventory has: each host, then each
/// director (when there are VRRP settings to render them with). Every file
/// of a unit is below the folder named after it.
pub fn units(inventory: &Inventory) -> usize {
    let directors = if inventory.vrrp.is_some() {
        inventory.directors.len()
    } else {
        0
    };
    inventory.hosts.len() + directors
}

/// The name of unit `unit` (see [`units`]): its folder below the output
/// directory.
pub fn unit_name(inventory: &Inventory, unit: usize) -> &str {
    match inventory.hosts.get(unit) {
        Some(host) => &host.name,
        None => &inventory.directors[unit - inventory.hosts.len()].name,
    }
}

fn builtin_template(name: &str) -> Option<&'static str> {
    BUILTIN_TEMPLATES
        .iter()
        .find(|(builtin, _)| *builtin == name)
        .map(|(_, source)| *source)
}

/// Reads the `*.j2` files of an override directory; a `*.j2` file that
/// matches no built-in name is an error (most likely a typo that would
/// otherwise be silently ignored). Other files are left alone.
fn read_overrides(dir: &Path) -> Result<BTreeMap<String, String>, RenderError> {
    let dir_error = |source| RenderError::TemplateDir {
        dir: dir.to_path_buf(),
        source,
    };
    let mut templates = BTreeMap::new();
    for entry in fs::read_dir(dir).map_err(dir_error)? {
        let path = entry.map_err(dir_error)?.path();
        if path.extension().is_none_or(|ext| ext != "j2") {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_owned();
        if builtin_template(&name).is_none() {
            return Err(RenderError::UnknownTemplate { path });
        }
        let source = fs::read_to_string(&path).map_err(dir_error)?;
        templates.insert(name, source);
    }
    Ok(templates)
}

/// The default formatter, except that a value containing a line break or
/// any other control character is an error instead of output.
fn single_line_formatter(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> Result<(), Error> {
    let text = value.to_string();
    if let Some(bad) = text.chars().find(|c| c.is_control()) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "refusing to write {text:?}: a value must not contain the control character \
                 {bad:?}, which could add a line to a configuration file"
            ),
        ));
    }
    minijinja::escape_formatter(out, state, value)
}

/// What the templates see of a host; field names are the template API.
#[derive(Serialize)]
struct HostContext<'a> {
    source: &'a str,
    /// The network stack: `ifupdown`, `networkd` or `netplan`.
    stack: &'static str,
    host: HostView<'a>,
    /// The host's services in full, for templates that need ports or
    /// health checks.
    services: Vec<ServiceView<'a>>,
    paths: PathsView,
    /// The agent socket's `ListenStream=` address and port, when the host
    /// has one address; `None` with two (one per family: the agent takes a
    /// single socket, so it listens on every address) or without an agent.
    agent_listen: Option<String>,
}

/// `ADDR:PORT` (`[ADDR]:PORT` for IPv6) of the host's only address and
/// the agent's port.
fn agent_listen(host: &Host) -> Option<String> {
    let port = host.agent_port?;
    match host.addresses.as_slice() {
        [address] => Some(std::net::SocketAddr::new(*address, port).to_string()),
        _ => None,
    }
}

#[derive(Serialize)]
struct ServiceView<'a> {
    name: &'a str,
    vips: &'a [IpAddr],
    /// Each port as `80/tcp`.
    ports: Vec<String>,
    persistence: Option<u32>,
    health_check: Option<HealthCheckView<'a>>,
}

#[derive(Serialize)]
struct HealthCheckView<'a> {
    /// `None` for a check that fetches no page (TCP on every port).
    path: Option<&'a str>,
    expect: Option<&'a str>,
}

impl<'a> ServiceView<'a> {
    fn new(service: &'a Service) -> Self {
        let port = |spec: &PortSpec| format!("{}/{}", spec.port(), spec.protocol().name());
        ServiceView {
            name: &service.name,
            vips: &service.vips,
            ports: service.ports.iter().map(port).collect(),
            persistence: service.persistence,
            health_check: service.health_check.as_ref().map(|check| HealthCheckView {
                path: check.path.as_deref(),
                expect: check.expect.as_deref(),
            }),
        }
    }
}

#[derive(Serialize)]
struct HostView<'a> {
    name: &'a str,
    /// The host's first address (its only one, usually).
    address: IpAddr,
    /// All its addresses, at most one per family.
    addresses: &'a [IpAddr],
    /// Its IPVS weight on the directors.
    weight: u32,
    services: &'a [String],
    /// The kernel device carrying the VIPs: `dummy0` or `lo`.
    device: &'a str,
    /// The ifupdown stanza name: the device, or `lo:lvs` on loopback.
    stanza: &'a str,
    /// Whether the device is a dummy interface the stanza creates.
    dummy: bool,
    ipv4: Vec<Ipv4View>,
    ipv6: Vec<IpAddr>,
    sysctl: &'a [SysctlSetting],
    /// The VIP-aware health agent's port, when the inventory has one.
    agent_port: Option<u16>,
}

/// An IPv4 VIP and the label net-tools gives it: the device itself for the
/// first VIP on a dummy device, else `<device>:<n>` (lo keeps its own label
/// for 127.0.0.1).
#[derive(Serialize)]
struct Ipv4View {
    address: IpAddr,
    label: String,
}

/// The absolute paths of the host's files, for comments that refer to them.
#[derive(Serialize)]
struct PathsView {
    interfaces: String,
    modules: String,
    sysctl: String,
    netdev: String,
    network: String,
    netplan: String,
}

impl<'a> HostContext<'a> {
    fn new(source: &'a str, services: &'a [Service], host: &'a Host) -> Self {
        let device = host.interface.device();
        let dummy = matches!(host.interface, VipInterface::Dummy(_));
        let first_alias = usize::from(!dummy);
        let ipv4 = host
            .vips
            .iter()
            .filter(|vip| vip.is_ipv4())
            .enumerate()
            .map(|(index, address)| {
                let alias = index + first_alias;
                let label = if alias == 0 {
                    device.to_owned()
                } else {
                    format!("{device}:{alias}")
                };
                Ipv4View {
                    address: *address,
                    label,
                }
            })
            .collect();
        let absolute = |path: &Path| format!("/{}", path.display());
        let services = host
            .services
            .iter()
            .filter_map(|name| services.iter().find(|service| service.name == *name))
            .map(ServiceView::new)
            .collect();
        HostContext {
            source,
            stack: host.stack.name(),
            services,
            host: HostView {
                name: &host.name,
                address: host.addresses[0],
                addresses: &host.addresses,
                weight: host.weight,
                services: &host.services,
                device,
                stanza: if dummy { device } else { LOOPBACK_STANZA },
                dummy,
                ipv4,
                ipv6: host
                    .vips
                    .iter()
                    .filter(|vip| vip.is_ipv6())
                    .copied()
                    .collect(),
                sysctl: &host.sysctl,
                agent_port: host.agent_port,
            },
            agent_listen: agent_listen(host),
            paths: PathsView {
                interfaces: absolute(&host.paths.interfaces),
                modules: absolute(&host.paths.modules),
                sysctl: absolute(&host.paths.sysctl),
                netdev: absolute(&host.paths.netdev),
                network: absolute(&host.paths.network),
                netplan: absolute(&host.paths.netplan),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_template_compiles() {
        let renderer = Renderer::new(None).unwrap();
        for (name, _) in BUILTIN_TEMPLATES {
            renderer.env.get_template(name).unwrap();
        }
    }

    #[test]
    fn netplan_files_are_private() {
        assert_eq!(
            file_mode(Path::new("web01/etc/netplan/60-lvs-dr.yaml")),
            0o600
        );
        assert_eq!(file_mode(Path::new("web01/etc/netplanx/a.yaml")), 0o644);
        assert_eq!(file_mode(Path::new("etc/netplan/60-lvs-dr.yaml")), 0o644);
        assert_eq!(
            file_mode(Path::new("web01/etc/systemd/network/10-lvs-dr.network")),
            0o644
        );
    }

    #[test]
    fn values_with_line_breaks_are_refused() {
        let mut env = Environment::new();
        env.set_formatter(single_line_formatter);
        env.add_template("t", "x = {{ value }}\n").unwrap();
        let template = env.get_template("t").unwrap();
        assert_eq!(
            template
                .render(minijinja::context! { value => "1" })
                .unwrap(),
            "x = 1"
        );
        let error = template
            .render(minijinja::context! { value => "1\nnet.ipv4.conf.all.arp_ignore = 0" })
            .unwrap_err();
        assert!(error.to_string().contains("control character"), "{error}");
    }
}
