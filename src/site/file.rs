//! The site file as written: its YAML shape (serde types), parsed by the
//! inventory's own YAML reader, so that its errors have a line and column
//! and its unknown keys a suggestion, as an inventory's do.
//!
//! ```yaml
//! version: 1
//! clusters:
//!   east:
//!     inventory: east/inventory.yaml   # relative to this file's folder
//!     out: east/rendered               # where `site render` writes its files
//! ```

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::code::Code;
use crate::diagnostic::{error_with_code, Diagnostic};
use crate::inventory::OrderedMap;
use crate::yaml::InventoryPath;

/// The whole site file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    /// The format version; only 1 exists.
    pub version: SiteVersion,
    /// The clusters by name, in the order written (the order of every
    /// report); at least one.
    #[serde(default)]
    pub clusters: OrderedMap<ClusterName, ClusterEntry>,
}

/// One cluster of the site: its inventory and its output folder, both
/// relative to the site file's folder.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterEntry {
    /// The cluster's inventory, an ordinary lvs-dr-gen inventory.
    pub inventory: SitePath,
    /// The folder `site render` writes the cluster's files to, as
    /// `render --out` would.
    pub out: SitePath,
}

/// The path of cluster `name`'s `key` in the site file, such as
/// `clusters.east.inventory`.
pub fn entry_path(name: &ClusterName, key: &str) -> InventoryPath {
    InventoryPath::at("clusters").key(name).key(key)
}

/// Parses the site file's text; `file` names it in the error.
pub fn parse(file: &str, text: &str) -> Result<SiteFile, Box<Diagnostic>> {
    crate::inventory::parse_as(file, text)
}

/// The site file's format version: 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteVersion;

impl<'de> Deserialize<'de> for SiteVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct VersionVisitor;
        impl Visitor<'_> for VersionVisitor {
            type Value = SiteVersion;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("the number 1 (write `version: 1`)")
            }
            fn visit_u64<E: de::Error>(self, number: u64) -> Result<SiteVersion, E> {
                if number == 1 {
                    Ok(SiteVersion)
                } else {
                    Err(error_with_code(
                        Code::UnsupportedVersion,
                        format!(
                            "unsupported site file version {number}: this lvs-dr-gen reads \
                             version 1"
                        ),
                    ))
                }
            }
        }
        deserializer.deserialize_any(VersionVisitor)
    }
}

/// A cluster's name: 1-63 letters, digits, `_`, `.` or `-`, as a service's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusterName(String);

impl ClusterName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ClusterName {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let valid = crate::values::is_plain_name(text, 63);
        if valid {
            Ok(ClusterName(text.to_owned()))
        } else {
            Err(format!(
                "`{}` is not a usable cluster name: use 1-63 letters, digits, `_`, `.` or `-`",
                text.escape_debug()
            ))
        }
    }
}

impl fmt::Display for ClusterName {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A path below the site file's folder, such as `east/inventory.yaml`:
/// relative, without `..`, of letters, digits, `_`, `.`, `-` and `+`, so
/// that a site names only files of its own repository and two paths are
/// compared by their components.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SitePath(PathBuf);

impl SitePath {
    /// The path, as normalised (`a//b` and `a/./b` are `a/b`).
    pub fn get(&self) -> &Path {
        &self.0
    }

    /// Its components in lower case: two paths that differ only in letter
    /// case are one folder on a case-insensitive file system (a checkout
    /// on macOS), so they are compared so.
    pub fn folded(&self) -> Vec<String> {
        self.0
            .components()
            .map(|part| part.as_os_str().to_string_lossy().to_ascii_lowercase())
            .collect()
    }
}

impl std::str::FromStr for SitePath {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let path = Path::new(text);
        let safe = |component: Component| match component {
            Component::Normal(part) => part.to_str().is_some_and(|part| {
                part.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'+'))
            }),
            _ => false,
        };
        if !text.is_empty() && path.components().all(safe) {
            Ok(SitePath(path.components().collect()))
        } else {
            Err(format!(
                "`{}` is not a usable path: write a path relative to the site file's folder, \
                 such as east/inventory.yaml, made of letters, digits, `_`, `.`, `-` and `+`, \
                 without `..` and not absolute",
                text.escape_debug()
            ))
        }
    }
}

/// Deserialises a `FromStr` type from text (or a number written without
/// quotes), its errors carrying `code`.
macro_rules! from_text {
    ($type:ty, $code:expr, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct TextVisitor;
                impl Visitor<'_> for TextVisitor {
                    type Value = $type;
                    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                        formatter.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, value: &str) -> Result<$type, E> {
                        value
                            .parse()
                            .map_err(|message: String| error_with_code($code, message))
                    }
                    fn visit_u64<E: de::Error>(self, value: u64) -> Result<$type, E> {
                        self.visit_str(&value.to_string())
                    }
                    fn visit_i64<E: de::Error>(self, value: i64) -> Result<$type, E> {
                        self.visit_str(&value.to_string())
                    }
                }
                deserializer.deserialize_any(TextVisitor)
            }
        }
    };
}

from_text!(
    ClusterName,
    Code::InvalidClusterName,
    "a cluster name such as east"
);
from_text!(
    SitePath,
    Code::InvalidSitePath,
    "a path such as east/inventory.yaml"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_below_the_site_folder() {
        for bad in ["", "/etc/x.yaml", "../x.yaml", "a/../../x", "a b", "."] {
            assert!(bad.parse::<SitePath>().is_err(), "{bad}");
        }
        let path: SitePath = "East//./rendered".parse().unwrap();
        assert_eq!(path.get(), Path::new("East/rendered"));
        assert_eq!(path.folded(), ["east", "rendered"]);
    }

    #[test]
    fn a_site_file_parses_with_its_clusters_in_order() {
        let text = "version: 1\nclusters:\n  west: {inventory: w.yaml, out: w}\n  \
                    east: {inventory: e.yaml, out: e}\n";
        let site = parse("site.yaml", text).unwrap();
        let names: Vec<&str> = site.clusters.0.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["west", "east"]);
    }

    #[test]
    fn problems_have_a_line_a_column_and_a_code() {
        let text = "version: 1\nclusters:\n  east:\n    inventory: ../e.yaml\n    out: e\n";
        let problem = parse("site.yaml", text).unwrap_err();
        assert_eq!(problem.code, Code::InvalidSitePath);
        assert_eq!(problem.location.map(|l| (l.line, l.column)), Some((4, 16)));
        let text = "version: 1\nclusters:\n  east:\n    inventroy: e.yaml\n";
        let problem = parse("site.yaml", text).unwrap_err();
        assert_eq!(problem.code, Code::UnknownKey);
        assert!(
            problem.message.contains("`inventory`"),
            "{}",
            problem.message
        );
    }
}
