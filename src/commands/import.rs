//! `import`: the inventory of a running cluster, from its directors'
//! keepalived.conf (`crate::import`), written to a new file or standard
//! output.

use std::net::IpAddr;
use std::path::Path;

use crate::cli::ImportArgs;
use crate::import::{self, Options};
use crate::live::Root;
use crate::outcome::{Failure, Imported, Outcome, Trouble};
use crate::output;

/// `import`: reads each director's root and writes the inventory.
pub fn run(args: &ImportArgs) -> Result<Outcome, Failure> {
    let directors = roots(&args.directors)?;
    let options = Options {
        bodies: args.bodies.clone(),
        addresses: addresses(&args.addresses)?,
    };
    let import = import::import(&directors, &options)
        .map_err(|error| Trouble::message(error.to_string()))?;
    if let Some(path) = &args.output {
        output::write_new_file(path, import.inventory.as_bytes()).map_err(|error| {
            Trouble::message(format!("cannot write {}: {error}", path.display()))
        })?;
    }
    Ok(Outcome::Imported(Box::new(Imported {
        import,
        written_to: args.output.clone(),
    })))
}

/// `--director NAME=ROOT`: each director's name and its opened root.
fn roots(given: &[String]) -> Result<Vec<(String, Root)>, Trouble> {
    given
        .iter()
        .map(|given| {
            let (name, root) = given.split_once('=').ok_or_else(|| {
                Trouble::message(format!(
                    "--director {given}: write NAME=ROOT, such as lb1=/"
                ))
            })?;
            let root = Root::open(Path::new(root)).map_err(|error| {
                Trouble::message(format!("--director {given}: {root}: {error}"))
            })?;
            Ok((name.to_owned(), root))
        })
        .collect()
}

/// `--address NAME=ADDRESS[,ADDRESS]`: each name's addresses.
fn addresses(given: &[String]) -> Result<std::collections::BTreeMap<String, Vec<IpAddr>>, Trouble> {
    let mut named = std::collections::BTreeMap::new();
    for given in given {
        let (name, list) = given.split_once('=').ok_or_else(|| {
            Trouble::message(format!("--address {given}: write NAME=ADDRESS[,ADDRESS]"))
        })?;
        let addresses = list
            .split(',')
            .map(str::parse::<IpAddr>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| Trouble::message(format!("--address {given}: {error}")))?;
        named.insert(name.to_owned(), addresses);
    }
    Ok(named)
}
