//! One machine of the inventory, as the commands that act on a live machine
//! (`verify`, `apply`, `diff`) see it: its name, its role with what the
//! inventory sets up on it, and its rendered files by their path on the
//! machine. Only that machine's files are rendered: a director's
//! keepalived.conf lists every real server, but no other machine's files
//! are needed to check or change this one.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::diagnostic::closest;
use crate::render::{self, IpvsService, RenderError, Renderer, Tree};
use crate::validate::model::{self, Host, Inventory};

/// A machine of the inventory and its rendered files.
#[derive(Debug, Clone)]
pub struct Machine<'a> {
    /// A real server or a director, with what the inventory sets up on it.
    pub role: Role<'a>,
    /// Its rendered files, by their absolute path on the machine.
    pub files: Tree,
}

/// What a machine is in the cluster.
#[derive(Debug, Clone)]
pub enum Role<'a> {
    /// A real server.
    RealServer(&'a Host),
    /// A director.
    Director(Box<DirectorSetup>),
}

/// What the inventory sets up on one director: its identity on the
/// segment, the VIPs it carries as VRRP master, the IPVS table its
/// keepalived.conf builds, the sync daemon, and where its files go.
#[derive(Debug, Clone)]
pub struct DirectorSetup {
    /// The director's name.
    pub name: String,
    /// The interface that carries the VIPs when it is the VRRP master.
    pub interface: String,
    /// Its own addresses on the segment.
    pub addresses: Vec<IpAddr>,
    /// The other directors and the real servers, to name the machine
    /// behind a MAC address that answers ARP.
    pub neighbours: Vec<Neighbour>,
    /// Every VIP of the inventory.
    pub vips: Vec<IpAddr>,
    /// The VRRP groups with their VIPs (one, `lvs_dr`, holding every VIP,
    /// without named groups): the director holds all of a group's VIPs as
    /// its master, or none as a backup.
    pub groups: Vec<GroupSetup>,
    /// The IPVS table keepalived builds from the rendered configuration.
    pub ipvs: Vec<IpvsService>,
    /// The connection sync daemon of the rendered `lvs_sync_daemon`, when
    /// `vrrp.sync_connections`.
    pub sync: Option<SyncDaemon>,
    /// Where its IPVS kernel parameters are installed (absolute).
    pub sysctl_file: PathBuf,
    /// Where its module list (`ip_vs`) is installed (absolute).
    pub modules_file: PathBuf,
    /// Where its keepalived.conf is installed (absolute).
    pub keepalived_file: PathBuf,
}

/// A VRRP group as a director holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSetup {
    /// Its name (`lvs_dr` without named groups).
    pub name: String,
    /// Its VIPs.
    pub vips: Vec<IpAddr>,
}

/// The IPVS connection sync daemon keepalived runs: without named groups
/// the master daemon while the director is VRRP master and the backup
/// daemon otherwise; with them both at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDaemon {
    /// The interface it sends or listens on (`mcast=`).
    pub interface: String,
    /// Its sync id (`syncid=`), the (lowest) virtual router id.
    pub id: u32,
    /// Whether keepalived runs the master and the backup daemon at once
    /// (`lvs_sync_daemon` without an instance, with named groups).
    pub both: bool,
}

/// Another machine of the segment.
#[derive(Debug, Clone)]
pub struct Neighbour {
    /// Its name in the inventory.
    pub name: String,
    /// One of its addresses.
    pub address: IpAddr,
    /// Whether it is a director (else a real server).
    pub director: bool,
}

/// Why a machine cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum MachineError {
    /// The name is neither a host nor a director; the text names the
    /// nearest machine or lists them all.
    #[error("{0}")]
    Unknown(String),
    /// Its files could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
}

impl Machine<'_> {
    /// Its name in the inventory.
    pub fn name(&self) -> &str {
        self.role.name()
    }

    /// `real-server` or `director`.
    pub fn role_name(&self) -> &'static str {
        match self.role {
            Role::RealServer(_) => "real-server",
            Role::Director(_) => "director",
        }
    }
}

impl Role<'_> {
    /// The machine's name in the inventory.
    pub fn name(&self) -> &str {
        match self {
            Role::RealServer(host) => &host.name,
            Role::Director(setup) => &setup.name,
        }
    }
}

/// The machine `name` of the inventory, its files rendered by `renderer`;
/// a host name with a domain (`web01.example.org`) also matches its first
/// label.
pub fn load<'a>(
    model: &'a Inventory,
    renderer: &Renderer,
    name: &str,
) -> Result<Machine<'a>, MachineError> {
    let (unit, role) = find(model, name).map_err(MachineError::Unknown)?;
    let mut unit_files = Tree::new();
    renderer.render_unit(model, unit, &mut unit_files)?;
    Ok(Machine {
        files: on_machine(&unit_files, role.name()),
        role,
    })
}

/// The render unit and the role of `name` (see [`load`]); the error names
/// the nearest machine, or lists them all.
pub fn find<'a>(model: &'a Inventory, name: &str) -> Result<(usize, Role<'a>), String> {
    let short = name.split('.').next().unwrap_or(name);
    for candidate in [name, short] {
        if let Some(unit) = model.hosts.iter().position(|host| host.name == candidate) {
            return Ok((unit, Role::RealServer(&model.hosts[unit])));
        }
        if let Some(index) = model.directors.iter().position(|d| d.name == candidate) {
            let director = &model.directors[index];
            let setup = director_setup(model, director);
            return Ok((model.hosts.len() + index, Role::Director(Box::new(setup))));
        }
    }
    let known: Vec<&str> = model
        .hosts
        .iter()
        .map(|host| host.name.as_str())
        .chain(model.directors.iter().map(|d| d.name.as_str()))
        .collect();
    let hint = closest(name, known.iter().copied()).map_or_else(
        || format!("the inventory has {}", known.join(", ")),
        |near| format!("did you mean `{near}`?"),
    );
    Err(format!(
        "`{name}` is neither a host nor a director in the inventory; {hint}"
    ))
}

/// The files of the unit `name` in a rendered tree (paths below
/// `<name>/`), by their absolute path on the machine.
pub fn on_machine(tree: &Tree, name: &str) -> Tree {
    tree.iter()
        .filter_map(|(path, bytes)| {
            let below = path.strip_prefix(name).ok()?;
            Some((Path::new("/").join(below), bytes.clone()))
        })
        .collect()
}

/// What the inventory sets up on `director`.
fn director_setup(model: &Inventory, director: &model::Director) -> DirectorSetup {
    DirectorSetup {
        name: director.name.clone(),
        interface: director.interface.clone(),
        addresses: director.addresses.clone(),
        neighbours: neighbours(model, &director.name),
        vips: render::unique_vips(&model.services),
        groups: model.vrrp.as_ref().map_or_else(Vec::new, |vrrp| {
            vrrp.groups
                .iter()
                .map(|group| GroupSetup {
                    name: group.name.clone(),
                    vips: group.vips.clone(),
                })
                .collect()
        }),
        ipvs: render::ipvs_services(model),
        sync: sync_daemon(model, director),
        sysctl_file: Path::new("/").join(&director.sysctl_path),
        modules_file: Path::new("/").join(&director.modules_path),
        keepalived_file: Path::new("/").join(&director.keepalived_path),
    }
}

/// The sync daemon the rendered `lvs_sync_daemon` runs: with
/// `vrrp.sync_connections` and a VIP for VRRP to carry, on the director's
/// interface with the (lowest) virtual router id as sync id.
fn sync_daemon(model: &Inventory, director: &model::Director) -> Option<SyncDaemon> {
    let vrrp = model.vrrp.as_ref().filter(|vrrp| vrrp.sync_connections)?;
    if render::unique_vips(&model.services).is_empty() {
        return None;
    }
    Some(SyncDaemon {
        interface: director.interface.clone(),
        id: vrrp.sync_id()?,
        both: vrrp.named_groups,
    })
}

/// Every director but `own` and every real server, with each address.
fn neighbours(model: &Inventory, own: &str) -> Vec<Neighbour> {
    let directors = model
        .directors
        .iter()
        .filter(|director| director.name != own)
        .flat_map(|director| {
            director
                .addresses
                .iter()
                .map(|a| (&director.name, *a, true))
        });
    let hosts = model
        .hosts
        .iter()
        .flat_map(|host| host.addresses.iter().map(|a| (&host.name, *a, false)));
    directors
        .chain(hosts)
        .map(|(name, address, director)| Neighbour {
            name: name.clone(),
            address,
            director,
        })
        .collect()
}
