//! The terms of an import: what the user tells it ([`Options`]), what it
//! finds ([`Finding`], [`Note`]), what it gives ([`Import`]), or why it
//! gives nothing ([`ImportError`]).

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::keepalived_conf::Place;

/// What the user tells `import` beside the configurations.
#[derive(Debug, Default)]
pub struct Options {
    /// `--address NAME=ADDRESS[,ADDRESS]`: a director's own addresses, or
    /// a real server's name (and its two families' addresses).
    pub addresses: BTreeMap<String, Vec<IpAddr>>,
    /// `--expect BODY`: page bodies whose MD5 a `digest` may be.
    pub bodies: Vec<String>,
}

/// A part of a configuration the inventory cannot express.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The director whose configuration it is in (empty: the cluster's).
    pub director: String,
    /// Where it is written.
    pub place: Place,
    /// The part, as written.
    pub part: String,
    /// Why the inventory cannot express it, and what to do.
    pub reason: String,
    /// What the comparison of meanings leaves out because of it: VIPs
    /// (`vip 10.0.0.1`), IPVS services (`TCP 10.0.0.1:80`, `FWM 1`), real
    /// servers (`TCP 10.0.0.1:80 -> 10.0.0.11`), the `sync daemon`.
    pub dropped: Vec<String>,
}

/// Something `import` read that changes nothing (a default written out, a
/// deprecated spelling), said so that nothing goes unmentioned.
#[derive(Debug, Clone)]
pub struct Note {
    /// The director.
    pub director: String,
    /// Where it is written.
    pub place: Place,
    /// The part, as written.
    pub part: String,
    /// What it means for the import.
    pub text: String,
}

/// Why there is no inventory.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// No `--director` given.
    #[error("no director given: name each with --director NAME=ROOT")]
    NoDirector,
    /// A configuration could not be read.
    #[error("{0}")]
    Read(String),
    /// The first director has no VRRP instance.
    #[error("{0}'s configuration has no vrrp_instance: an LVS-DR director of the inventory holds its VIPs by VRRP")]
    NoVrrp(String),
    /// A director's own address is unknown.
    #[error("{0}'s own address is not in its configuration (no unicast_src_ip): give it with --address {0}=ADDRESS (and ,IPV6ADDRESS with IPv6 VIPs)")]
    NoAddress(String),
    /// The directors are not one cluster.
    #[error("{0}")]
    Disagree(String),
    /// The draft is not a valid inventory.
    #[error("the imported inventory is not valid, which is a bug of import: {0}")]
    Invalid(String),
    /// The rendered configuration would not mean the same.
    #[error("the inventory's rendered keepalived.conf of {director} would not mean the same as the original, which is a bug of import; only in the original:{original}; only in the rendered one:{rendered}")]
    Meaning {
        /// The director.
        director: String,
        /// Facts only in the original.
        original: String,
        /// Facts only in the rendered one.
        rendered: String,
    },
}

/// A finished import: the inventory, and what it leaves out.
#[derive(Debug)]
pub struct Import {
    /// The inventory, as YAML.
    pub inventory: String,
    /// What could not be expressed, by director, file and line.
    pub findings: Vec<Finding>,
    /// What was read and changes nothing.
    pub notes: Vec<Note>,
    /// Each director's files read.
    pub files: Vec<(String, Vec<String>)>,
}

impl Import {
    /// Whether everything was expressed.
    pub fn complete(&self) -> bool {
        self.findings.is_empty()
    }
}
