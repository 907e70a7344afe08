//! The `import` subcommand's arguments and run: reads the directors' roots,
//! writes the inventory (standard output, or a new file), the report on
//! standard error, and says by its exit status whether the import is
//! complete.

use std::io::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use super::Options;
use crate::live::Root;

/// Exit status: everything was expressed.
pub const COMPLETE: u8 = 0;
/// Exit status: the inventory is written, and the report lists what it
/// leaves out.
pub const INCOMPLETE: u8 = 1;
/// Exit status: no inventory (unreadable configuration, usage, a bug).
pub const TROUBLE: u8 = 2;

/// The arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A director, NAME=ROOT: its name in the inventory, and the folder its
    /// files are below (`/` on the director itself, or a copy of its /etc).
    /// Its /etc/keepalived/keepalived.conf is read with its includes, as
    /// keepalived would with the configuration id NAME; nothing outside
    /// ROOT is read. Repeat it for every director of the cluster.
    #[arg(long = "director", value_name = "NAME=ROOT", required = true)]
    directors: Vec<String>,
    /// NAME=ADDRESS[,ADDRESS]: a director's own address(es) (needed unless
    /// its configuration has `unicast_src_ip`), or the name of the real
    /// server with these addresses (an IPv4 and an IPv6 address make one
    /// host). Repeatable.
    #[arg(long = "address", value_name = "NAME=ADDRESS[,ADDRESS]")]
    addresses: Vec<String>,
    /// A health page's body, for a check written with its MD5 `digest`: the
    /// inventory writes the body (`expect`). Repeatable.
    #[arg(long = "expect", value_name = "BODY")]
    bodies: Vec<String>,
    /// Write the inventory to FILE (which must not exist) instead of
    /// standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs `import`; the exit status.
pub fn run(args: &Args) -> u8 {
    match try_run(args) {
        Ok(status) => status,
        Err(message) => {
            eprintln!("error: {message}");
            TROUBLE
        }
    }
}

fn try_run(args: &Args) -> Result<u8, String> {
    let mut directors = Vec::new();
    for given in &args.directors {
        let (name, root) = given
            .split_once('=')
            .ok_or_else(|| format!("--director {given}: write NAME=ROOT, such as lb1=/"))?;
        let root = Root::open(std::path::Path::new(root))
            .map_err(|error| format!("--director {given}: {root}: {error}"))?;
        directors.push((name.to_owned(), root));
    }
    let mut options = Options {
        bodies: args.bodies.clone(),
        ..Options::default()
    };
    for given in &args.addresses {
        let (name, list) = given
            .split_once('=')
            .ok_or_else(|| format!("--address {given}: write NAME=ADDRESS[,ADDRESS]"))?;
        let addresses = list
            .split(',')
            .map(str::parse::<IpAddr>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("--address {given}: {error}"))?;
        options.addresses.insert(name.to_owned(), addresses);
    }
    let outcome = super::import(&directors, &options).map_err(|error| error.to_string())?;
    match &args.output {
        Some(path) => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
            file.write_all(outcome.inventory.as_bytes())
                .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        }
        None => print!("{}", outcome.inventory),
    }
    eprint!("{}", outcome.report());
    Ok(if outcome.complete() {
        COMPLETE
    } else {
        INCOMPLETE
    })
}
