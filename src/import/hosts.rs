//! Who the real servers are: each real server address becomes a host,
//! named by `--address NAME=…` (which also puts an IPv4 and an IPv6
//! address on one host), else by the comment just above its `real_server`
//! when that is one host name used alike everywhere (lvs-dr-gen's own
//! files write the host's name there), else after its address
//! (`rs-192-0-2-11`). Addresses are never paired by guesswork: unnamed
//! IPv4 and IPv6 real servers stay separate hosts, and their services are
//! split per family.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::model::VirtualServer;
use super::terms::Options;

/// The hosts of the real server addresses.
#[derive(Debug, Default)]
pub struct Hosts {
    by_address: BTreeMap<IpAddr, String>,
}

impl Hosts {
    /// The host name of a real server address.
    pub fn name_of(&self, address: IpAddr) -> String {
        self.by_address
            .get(&address)
            .cloned()
            .unwrap_or_else(|| generated_name(address))
    }

    /// A host's addresses, IPv4 first.
    pub fn addresses(&self, name: &str) -> Vec<IpAddr> {
        let mut addresses: Vec<IpAddr> = self
            .by_address
            .iter()
            .filter(|(_, host)| host.as_str() == name)
            .map(|(address, _)| *address)
            .collect();
        addresses.sort_by_key(|address| (!address.is_ipv4(), *address));
        addresses
    }
}

/// `rs-192-0-2-11`, `rs-2001-db8--11`.
fn generated_name(address: IpAddr) -> String {
    format!("rs-{}", address.to_string().replace(['.', ':'], "-"))
}

/// Whether `text` is a host name the inventory accepts.
fn host_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 63
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// Names every real server address of `servers`; `comments` gets what was
/// chosen.
pub fn identify(servers: &[VirtualServer], options: &Options, comments: &mut Vec<String>) -> Hosts {
    let mut hosts = Hosts::default();
    let mut from_comments: BTreeMap<IpAddr, Option<String>> = BTreeMap::new();
    for real in servers.iter().flat_map(|server| &server.real_servers) {
        let named = real.comment.clone().filter(|comment| host_name(comment));
        from_comments
            .entry(real.address)
            .and_modify(|seen| {
                if *seen != named {
                    *seen = None;
                }
            })
            .or_insert(named);
    }
    let mut by_comment = 0;
    let mut by_address = 0;
    for (address, comment) in from_comments {
        let given = options
            .addresses
            .iter()
            .find(|(_, addresses)| addresses.contains(&address))
            .map(|(name, _)| name.clone());
        let name = match (given, comment) {
            (Some(name), _) => name,
            (None, Some(name)) => {
                by_comment += 1;
                name
            }
            (None, None) => {
                by_address += 1;
                generated_name(address)
            }
        };
        hosts.by_address.insert(address, name);
    }
    if by_comment > 0 {
        comments.push(format!(
            "{by_comment} real server address(es) named after the comment above their `real_server` (lvs-dr-gen's own files write the host's name there)"
        ));
    }
    if by_address > 0 {
        comments.push(format!(
            "{by_address} real server address(es) named after the address (rs-…): rename them, and give an IPv4 and an IPv6 address of one machine with `--address NAME=IPV4,IPV6` to make them one host (unpaired, each family's VIPs are a service of their own)"
        ));
    }
    hosts
}
