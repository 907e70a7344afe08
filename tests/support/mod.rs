//! What the tests share: running the binary (`run`), the inventory most
//! of them start from, reading and comparing trees of files, and whether to
//! rewrite the committed expectations (`UPDATE_GOLDEN`).

pub mod corpus;
mod run;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

pub use run::{lvs_dr_gen, Output, Run};

/// Two real servers, one on dummy0 and one on lo, of one service with an
/// IPv4 and an IPv6 VIP: the inventory of the CLI and safety tests.
pub const INVENTORY: &str = "\
version: 1
services:
  www:
    vips: [198.51.100.10, \"2001:db8::10\"]
hosts:
  web01:
    address: 192.0.2.11
    services: [www]
  web02:
    address: 192.0.2.12
    services: [www]
    interface: lo
";

/// Standard output and error as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every regular file below `root`, as relative path → contents, skipping
/// the names in `skip` at the top level.
pub fn read_tree(root: &Path, skip: &[&str]) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    if root.exists() {
        collect(root, root, skip, &mut files);
    }
    files
}

fn collect(root: &Path, dir: &Path, skip: &[&str], files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("directory entry").path();
        let relative = path.strip_prefix(root).expect("below root").to_path_buf();
        if dir == root && skip.iter().any(|name| relative == Path::new(name)) {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, skip, files);
        } else {
            files.insert(relative, fs::read(&path).expect("readable file"));
        }
    }
}

/// A unified diff of two texts, for failure messages.
pub fn diff(expected: &str, actual: &str, name: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .header(&format!("expected/{name}"), &format!("actual/{name}"))
        .to_string()
}

/// Whether to rewrite the committed expectations (golden files, the
/// schema) from the current output rather than compare with them:
/// `UPDATE_GOLDEN=1`, refused when `CI` is set.
pub fn updating() -> bool {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1");
    assert!(
        !(update && std::env::var_os("CI").is_some()),
        "UPDATE_GOLDEN is refused when CI is set: golden files are reviewed changes, not test output"
    );
    update
}
