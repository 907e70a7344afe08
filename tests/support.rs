//! Running the binary and comparing trees of files.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// The binary under test, built by cargo for the integration tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_lvs-dr-gen");

/// Runs the binary with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .current_dir(dir)
        .env_remove("COLUMNS")
        .output()
        .expect("the lvs-dr-gen binary runs")
}

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
