//! [`InventoryPath`]: where a value is in the inventory, such as
//! `hosts.web01.services[1]`. The YAML layer's errors name their value by
//! it, `locate` finds where one is written, and the problems found after
//! parsing name their value by it; built from keys and list indices only,
//! so every side writes a path the same way. A leaf of the YAML layer.

use std::borrow::Borrow;
use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};

/// Where a value is in a YAML document: its keys and list indices from the
/// top, written `hosts.web01.services[1]` (a key after a `.`, an index in
/// brackets; the document itself is `.`, an item of a top-level list
/// `.[0]`; a list or mapping used as a key is `?`). This text is the path
/// in every message, in `--format json` and in the JSON Schema's terms.
///
/// ```text
/// InventoryPath::at("hosts").key(name).key("services").index(1)   hosts.web01.services[1]
/// InventoryPath::at("directors").key("lb1").key("track_interface").index(0)
/// ```
///
/// Two paths are equal when they write the same text (so a key holding a
/// `.` may read as two keys, as it always has in messages).
#[derive(Debug, Clone)]
pub struct InventoryPath {
    /// The text `Display` writes; each segment is appended as it is added.
    text: String,
    /// How many keys and indices: 0 for the document itself.
    segments: usize,
}

/// A point of a path to come back to ([`InventoryPath::back_to`]): a walk
/// adds a segment, reads below it, and takes it off again.
#[derive(Debug, Clone, Copy)]
pub(super) struct Depth {
    length: usize,
    segments: usize,
}

impl InventoryPath {
    /// The document itself: the path with no key or index.
    pub fn root() -> Self {
        InventoryPath {
            text: ".".to_owned(),
            segments: 0,
        }
    }

    /// The top-level key `key`, such as `hosts`: the first segment of
    /// almost every path (`InventoryPath::at("hosts").key(name)`).
    pub fn at(key: impl fmt::Display) -> Self {
        InventoryPath::root().key(key)
    }

    /// This path's entry `key` (`hosts` → `hosts.web01`).
    #[must_use]
    pub fn key(mut self, key: impl fmt::Display) -> Self {
        self.before_key();
        // Writing to a String cannot fail.
        let _ = write!(self.text, "{key}");
        self
    }

    /// This path's list item `index`, from 0 (`vips` → `vips[1]`).
    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.push_index(index);
        self
    }

    /// Whether this is the document itself (written `.`).
    pub fn is_root(&self) -> bool {
        self.text == "."
    }

    /// The text, as `Display` writes it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub(super) fn push_key(&mut self, key: &str) {
        self.before_key();
        self.text.push_str(key);
    }

    pub(super) fn push_index(&mut self, index: usize) {
        // The document's own items are `.[0]`: the root's `.` stays.
        let _ = write!(self.text, "[{index}]");
        self.segments += 1;
    }

    /// The `.` between a path and its entry's key (the root's own `.` goes).
    fn before_key(&mut self) {
        if self.segments == 0 {
            self.text.clear();
        } else {
            self.text.push('.');
        }
        self.segments += 1;
    }

    /// Where this path is now, to come back to.
    pub(super) fn depth(&self) -> Depth {
        Depth {
            length: self.text.len(),
            segments: self.segments,
        }
    }

    /// Back to the path this was at `depth`.
    pub(super) fn back_to(&mut self, depth: Depth) {
        if depth.segments == 0 {
            *self = InventoryPath::root();
        } else {
            self.text.truncate(depth.length);
            self.segments = depth.segments;
        }
    }
}

impl fmt::Display for InventoryPath {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

impl PartialEq for InventoryPath {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for InventoryPath {}

/// Hashed as its text, so that a set or map of paths can be looked up by
/// the text of a path (see the `Borrow<str>` impl).
impl Hash for InventoryPath {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.as_str().hash(state);
    }
}

/// A path is its text: a set of paths can be looked up by the text of a
/// path, as a diagnostic holds it.
impl Borrow<str> for InventoryPath {
    fn borrow(&self) -> &str {
        &self.text
    }
}

/// Written as its text, as in messages (`--format json`).
impl serde::Serialize for InventoryPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// A diagnostic keeps the path's text.
impl From<InventoryPath> for String {
    fn from(path: InventoryPath) -> String {
        path.text
    }
}

/// A path lent is a path: `problems.add(code, &path, …)`.
impl From<&InventoryPath> for InventoryPath {
    fn from(path: &InventoryPath) -> InventoryPath {
        path.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::InventoryPath;

    #[test]
    fn paths_write_as_messages_name_them() {
        let host = InventoryPath::at("hosts").key("web01");
        assert_eq!(host.to_string(), "hosts.web01");
        assert_eq!(
            host.clone().key("services").index(1).to_string(),
            "hosts.web01.services[1]"
        );
        assert_eq!(
            InventoryPath::at("directors")
                .key("lb1")
                .key("track_interface")
                .index(0)
                .to_string(),
            "directors.lb1.track_interface[0]"
        );
        assert_eq!(InventoryPath::root().to_string(), ".");
        assert!(InventoryPath::root().is_root() && !host.is_root());
        assert_eq!(
            InventoryPath::root().index(0).key("count").to_string(),
            ".[0].count"
        );
        assert_eq!(InventoryPath::at("a").index(0).index(2).as_str(), "a[0][2]");
        // An empty key at the top is a segment all the same (`serde_yaml_ng`).
        assert_eq!(InventoryPath::at("").key("y").to_string(), ".y");
        assert_eq!(InventoryPath::at("").index(0).to_string(), "[0]");
    }

    #[test]
    fn a_walk_comes_back_to_where_it_was() {
        let mut path = InventoryPath::root();
        let top = path.depth();
        path.push_key("hosts");
        let hosts = path.depth();
        path.push_key("a");
        path.push_index(1);
        assert_eq!(path.as_str(), "hosts.a[1]");
        path.back_to(hosts);
        path.push_key("b");
        assert_eq!(path.as_str(), "hosts.b");
        path.back_to(top);
        assert!(path.is_root());
        path.push_index(0);
        assert_eq!(path.as_str(), ".[0]");
    }

    #[test]
    fn a_set_of_paths_is_looked_up_by_text() {
        let paths = HashSet::from([InventoryPath::at("hosts").key("a").key("address")]);
        assert!(paths.contains("hosts.a.address"));
        assert!(!paths.contains("hosts.a"));
    }
}
