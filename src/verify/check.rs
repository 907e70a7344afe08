//! One check of `verify`: its subject, what was expected and found, and
//! its [`Status`]; what every checker (real server, director, next boot,
//! stack) produces and every report form prints.

use serde::Serialize;

use crate::live;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// As the inventory says.
    Ok,
    /// A real server that keepalived's health check took out of the IPVS
    /// table: the cluster working as configured, not drift.
    Down,
    /// Not as the inventory says.
    Drift,
    /// Could not be checked (the live state is unreadable).
    Error,
}

/// One check: what was expected of one subject and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The kind of check, such as `vip` or `arp_ignore`.
    #[serde(rename = "check")]
    pub kind: &'static str,
    /// What it is about: a file, an address, an interface, a parameter.
    pub subject: String,
    /// The outcome.
    pub status: Status,
    /// What the inventory says.
    pub expected: String,
    /// What the machine has.
    pub found: String,
}

impl Check {
    /// A check that holds when `ok`, else drift.
    pub fn new(
        check: &'static str,
        subject: impl Into<String>,
        ok: bool,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        Check {
            kind: check,
            subject: subject.into(),
            status: if ok { Status::Ok } else { Status::Drift },
            expected: expected.into(),
            found: found.into(),
        }
    }
}

/// A kernel parameter as rendered (`value`) against the live one.
pub(super) fn sysctl_check(key: &str, value: &str, found: Option<&Option<String>>) -> Check {
    let expected = live::squeeze(value);
    let found = match found {
        Some(Some(value)) => value.clone(),
        _ => "missing".to_owned(),
    };
    Check::new("sysctl", key, found == expected, expected, found)
}
