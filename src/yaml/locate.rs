//! Where the values that problems found after parsing name are written: the
//! text read once more, only when there are problems.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use libyaml_safer::ScalarStyle;

use super::error::Error;
use super::path::InventoryPath;
use super::position::{Location, Mark};
use super::reader::{Event, Stream};

/// Where each of the `wanted` paths (such as `hosts.web01.services[1]`;
/// [`InventoryPath`]s, or the text of paths still built as text) is
/// written in `text`, a document that parsed:
/// the hook that places the problems found after parsing, which name their
/// value by its path. An entry of a mapping is placed at its value when that
/// is a scalar written out, else at its key (a list, a mapping or an empty
/// value begins there); an item of a list at the item; a value reached
/// through an alias at its anchored node, where it is written. The text is
/// read again only when there is a problem, so a valid inventory keeps no
/// position at all, and only up to the last wanted path; a path not written
/// (an inherited default) is left out.
pub fn locate<P, S>(text: &str, wanted: &HashSet<P, S>) -> HashMap<InventoryPath, Location>
where
    P: Borrow<str> + Hash + Eq,
    S: BuildHasher,
{
    search(text, wanted, Place::Value)
}

/// Where the first key at `path` (such as `hosts.web01`) is written in
/// `text`: the earlier copy of a key written twice, which the parser met
/// only as the later one. Read up to the first syntax error, if any (the
/// key comes before the duplicate).
pub(super) fn first_key(text: &str, path: &InventoryPath) -> Option<Location> {
    search(text, &HashSet::from([path.as_str()]), Place::Key).remove(path.as_str())
}

/// Where [`search`] places an entry of a mapping.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// At its value when that is a scalar written out, else at its key.
    Value,
    /// At its key.
    Key,
}

/// The places of the `wanted` paths in `text`, the first of each.
fn search<P, S>(
    text: &str,
    wanted: &HashSet<P, S>,
    entries_at: Place,
) -> HashMap<InventoryPath, Location>
where
    P: Borrow<str> + Hash + Eq,
    S: BuildHasher,
{
    let with_break;
    let (text, added_break) = if text.ends_with(['\n', '\r']) {
        (text, None)
    } else {
        // As in `from_str`: libyaml-safer panics on a block scalar at the end.
        with_break = format!("{text}\n");
        (with_break.as_str(), Some(text.len()))
    };
    let mut locator = Locator {
        stream: Stream::new(text, added_break),
        wanted,
        entries_at,
        path: InventoryPath::root(),
        found: HashMap::new(),
    };
    // The text parsed before; an error here only ends the search early.
    let _ = locator.node(None);
    locator.found
}

/// The state of [`locate`]: the path of the node being read.
struct Locator<'a, 'w, P, S> {
    stream: Stream<'a>,
    wanted: &'w HashSet<P, S>,
    entries_at: Place,
    path: InventoryPath,
    found: HashMap<InventoryPath, Location>,
}

impl<P: Borrow<str> + Hash + Eq, S: BuildHasher> Locator<'_, '_, P, S> {
    /// The next event, with an alias followed to its anchored node.
    fn event(&mut self) -> Result<(Event, Mark), Error> {
        let (event, mark) = self.stream.next()?;
        match event {
            Event::Alias(id) => {
                self.stream.jump(id, mark)?;
                self.stream.next()
            }
            _ => Ok((event, mark)),
        }
    }

    /// Reads one node at `self.path`; `key` is the mark of its key.
    fn node(&mut self, key: Option<Mark>) -> Result<(), Error> {
        let (event, mark) = self.event()?;
        if self.wanted.contains(self.path.as_str()) {
            let written = matches!(&event, Event::Scalar(scalar)
                if !scalar.value.is_empty() || scalar.style != ScalarStyle::Plain);
            let at_value = written && self.entries_at == Place::Value;
            let place = if at_value { mark } else { key.unwrap_or(mark) };
            self.found
                .entry(self.path.clone())
                .or_insert(Location::from(place));
        }
        match event {
            Event::MappingStart(_) => self.entries(),
            Event::SequenceStart(_) => self.items(),
            _ => Ok(()),
        }
    }

    /// Whether every wanted path is found: the search ends there.
    fn done(&self) -> bool {
        self.found.len() == self.wanted.len()
    }

    /// The entries of a mapping, each at `PATH.KEY`, up to its end (or
    /// until the search is done).
    fn entries(&mut self) -> Result<(), Error> {
        loop {
            if self.done() {
                return Ok(());
            }
            if matches!(self.stream.peek()?.0, Event::MappingEnd) {
                self.stream.next()?;
                return Ok(());
            }
            let depth = self.path.depth();
            let (key, key_mark) = self.event()?;
            let name = if let Event::Scalar(scalar) = key {
                scalar.value
            } else {
                // A list or mapping as a key: read past it, named `?`.
                self.stream.put_back((key, key_mark));
                self.node(None)?;
                "?".to_owned()
            };
            self.path.push_key(&name);
            self.node(Some(key_mark))?;
            self.path.back_to(depth);
        }
    }

    /// The items of a list, each at `PATH[INDEX]`, up to its end (or
    /// until the search is done).
    fn items(&mut self) -> Result<(), Error> {
        for index in 0.. {
            if self.done() {
                break;
            }
            if matches!(self.stream.peek()?.0, Event::SequenceEnd) {
                self.stream.next()?;
                break;
            }
            let depth = self.path.depth();
            self.path.push_index(index);
            self.node(None)?;
            self.path.back_to(depth);
        }
        Ok(())
    }
}
