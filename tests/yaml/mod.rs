//! The YAML layer (`src/yaml/`) compared with `serde_yaml_ng` 0.10, the
//! library whose behaviour it promises.
//!
//! A text compares equal when both read it to the same [`Node`] (the same
//! visitor calls: types, values, order, tags), or both refuse it with the
//! same message. The differences that are meant are [`Intended`]; each has
//! its reason there, and any other difference fails.
//!
//! The texts: the golden inventories (also read as the `Inventory` type),
//! the property generator's inventories (tests/property, valid, mutated and
//! corrupted), the corner cases below, and the random and mutated documents
//! of [`fuzz`]; and every plain-scalar rule, with its value ([`scalar`]).

mod corpus;
mod fuzz;
mod node;
mod property;
mod scalar;

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};

use libyaml_safer::EventData;

use lvs_dr_gen::yaml::{self, Kind, Location};

use node::Node;

/// A difference from `serde_yaml_ng` that is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Intended {
    /// libyaml-safer 0.3.0 panics on a tag right before a comma in a flow
    /// collection (`[!x, y]`, a `TODO` in its scanner), where libyaml reads
    /// a tagged empty value. We catch the panic and refuse the text as a
    /// tag not followed by a space; `serde_yaml_ng` reads the empty value.
    /// A tagged value is never valid in an inventory.
    TagBeforeComma,
    /// An alias inside its own anchor's node (`&a [*a]`): both refuse it
    /// as "recursion limit exceeded", we at the alias, `serde_yaml_ng`
    /// (which expands the alias again and again) where the nesting limit
    /// ran out, or with no place.
    AliasInItsAnchor,
    /// A struct's "invalid type" error: ours names the keys it takes
    /// ("expected a mapping of keys (address, weight, ...)", see
    /// `StructKeys` in de.rs), `serde_yaml_ng`'s names the Rust type
    /// ("expected struct Host"); the rest of the message is the same.
    StructKeysNamed,
    /// An anchor name defined twice in the document. An alias refers to
    /// the latest node of that name (YAML 1.2, 7.1), as ours does; in
    /// `serde_yaml_ng` 0.10 the second definition takes the id of the next
    /// anchor (`anchors.len()` of a map that did not grow, loader.rs), so
    /// its aliases may read a later node. Checked: with every definition
    /// renamed apart (`&a` ... `&a` ... `*a` as `&a_1` ... `&a_2` ...
    /// `*a_2`), `serde_yaml_ng` reads the same value as ours, or refuses
    /// the text as ours does.
    RedefinedAnchor,
}

/// What reading one text with both libraries showed.
#[derive(Debug, PartialEq)]
pub(super) enum Verdict {
    /// The same value, or the same refusal.
    Same,
    /// A difference that [`Intended`] explains.
    Intended(Intended),
    /// Anything else: the report names both readings.
    Differs(String),
}

/// Reads `text` with both libraries into `T` and compares: values by
/// `show` (their `Debug` text), errors by message (a code that a
/// `Deserialize` impl of ours gives its error never enters the message, and
/// `serde_yaml_ng`'s error drops it: `diagnostic::error_with_code`).
pub(super) fn compare_as<T: serde::de::DeserializeOwned>(
    text: &str,
    show: impl Fn(&T) -> String,
) -> Verdict {
    let ours = panic::catch_unwind(AssertUnwindSafe(|| yaml::from_str::<T>(text)));
    let theirs = panic::catch_unwind(AssertUnwindSafe(|| serde_yaml_ng::from_str::<T>(text)));
    let (ours, theirs) = match (ours, theirs) {
        (Ok(ours), Ok(theirs)) => (ours, theirs),
        (Err(_), _) => return Verdict::Differs(format!("our reader panicked on {text:?}")),
        (_, Err(_)) => return Verdict::Differs(format!("serde_yaml_ng panicked on {text:?}")),
    };
    if let Some(renamed) = anchors_renamed(text) {
        return match (&ours, serde_yaml_ng::from_str::<T>(&renamed)) {
            (Ok(ours), Ok(theirs)) if show(ours) == show(&theirs) => {
                Verdict::Intended(Intended::RedefinedAnchor)
            }
            (Err(_), Err(_)) => Verdict::Intended(Intended::RedefinedAnchor),
            (ours, theirs) => Verdict::Differs(format!(
                "{text:?} (anchors renamed apart: {renamed:?}): ours {}, serde_yaml_ng {}",
                ours.as_ref().map_or_else(ToString::to_string, &show),
                theirs.as_ref().map_or_else(ToString::to_string, &show),
            )),
        };
    }
    match (ours, theirs) {
        (Ok(ours), Ok(theirs)) => {
            let (ours, theirs) = (show(&ours), show(&theirs));
            if ours == theirs {
                Verdict::Same
            } else {
                Verdict::Differs(format!(
                    "{text:?}: values differ\n  ours:          {ours}\n  serde_yaml_ng: {theirs}"
                ))
            }
        }
        (Err(ours), Err(theirs)) => {
            let theirs = theirs.to_string();
            let ours_text = ours.to_string();
            if ours_text == theirs {
                Verdict::Same
            } else if let Some(intended) = intended(text, &ours, Some(&theirs)) {
                Verdict::Intended(intended)
            } else {
                Verdict::Differs(format!(
                    "{text:?}: errors differ\n  ours:          {ours_text}\n  serde_yaml_ng: {theirs}"
                ))
            }
        }
        (Err(ours), Ok(theirs)) => match intended(text, &ours, None) {
            Some(intended) => Verdict::Intended(intended),
            None => Verdict::Differs(format!(
                "{text:?}: we refuse, serde_yaml_ng reads it\n  ours:          {ours}\n  \
                 serde_yaml_ng: {}",
                show(&theirs)
            )),
        },
        (Ok(ours), Err(theirs)) => Verdict::Differs(format!(
            "{text:?}: we read it, serde_yaml_ng refuses\n  ours:          {}\n  \
             serde_yaml_ng: {theirs}",
            show(&ours)
        )),
    }
}

/// [`compare_as`] into a [`Node`]: every value the text holds.
pub(super) fn compare(text: &str) -> Verdict {
    compare_as::<Node>(text, |node| format!("{node:?}"))
}

/// [`compare_as`] into the inventory type, as `lvs-dr-gen` reads a file.
pub(super) fn compare_inventory(text: &str) -> Verdict {
    compare_as::<lvs_dr_gen::inventory::Inventory>(text, |inventory| format!("{inventory:?}"))
}

/// The intended difference that our error `error` (for `text`) stands
/// for, if any; `theirs` is `serde_yaml_ng`'s error message, if it refused.
fn intended(text: &str, error: &yaml::Error, theirs: Option<&str>) -> Option<Intended> {
    match (error.kind(), theirs) {
        (Kind::Unreadable, _)
            if error
                .message()
                .starts_with("did not find expected whitespace or line break") =>
        {
            Some(Intended::TagBeforeComma)
        }
        (Kind::Limit, Some(theirs))
            if theirs.starts_with("recursion limit exceeded")
                && error
                    .location()
                    .and_then(|place| text_at(text, place))
                    .is_some_and(|rest| rest.starts_with('*')) =>
        {
            Some(Intended::AliasInItsAnchor)
        }
        (Kind::Syntax | Kind::Unreadable | Kind::Limit, _) => None,
        (_, Some(theirs))
            if without_struct_name(&error.to_string())
                .is_some_and(|ours| without_struct_name(theirs) == Some(ours)) =>
        {
            Some(Intended::StructKeysNamed)
        }
        _ => None,
    }
}

/// The text from `place` on, its line and column (from 1, the column in
/// characters) counted as libyaml counts them: a line ends at `\r\n`,
/// `\r`, `\n`, NEL, LS or PS.
fn text_at(text: &str, place: Location) -> Option<&str> {
    let (mut line, mut column) = (1, 1);
    let mut characters = text.char_indices().peekable();
    while let Some((at, character)) = characters.next() {
        if (line, column) == (place.line(), place.column()) {
            return text.get(at..);
        }
        match character {
            '\r' if characters.peek().is_some_and(|&(_, next)| next == '\n') => {}
            '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => (line, column) = (line + 1, 1),
            _ => column += 1,
        }
    }
    None
}

/// `text` with each anchor definition given its own name and each alias
/// the name of the definition it refers to (the latest before it), when a
/// name is defined twice in the first document; `None` otherwise.
fn anchors_renamed(text: &str) -> Option<String> {
    let mut parser = libyaml_safer::Parser::new();
    let mut input = text.as_bytes();
    parser.set_input_string(&mut input);
    let mut definitions: BTreeMap<String, usize> = BTreeMap::new();
    let mut edits: Vec<(usize, String, String)> = Vec::new();
    let mut redefined = false;
    loop {
        let Ok(Ok(event)) = panic::catch_unwind(AssertUnwindSafe(|| parser.parse())) else {
            break;
        };
        let at = usize::try_from(event.start_mark.index).ok()?;
        let (anchor, alias) = match event.data {
            EventData::Scalar { anchor, .. }
            | EventData::SequenceStart { anchor, .. }
            | EventData::MappingStart { anchor, .. } => (anchor, None),
            EventData::Alias { anchor } => (None, Some(anchor)),
            EventData::DocumentEnd { .. } | EventData::StreamEnd => break,
            _ => continue,
        };
        if let Some(name) = anchor {
            let count = definitions.entry(name.clone()).or_default();
            *count += 1;
            redefined |= *count > 1;
            // The anchor is the node's first property, or follows its tag.
            let from = text.get(at..)?.find(&format!("&{name}"))? + at;
            edits.push((from, format!("&{name}"), format!("&{name}_{count}")));
        } else if let Some(name) = alias {
            let count = definitions.get(&name).copied().unwrap_or(0);
            edits.push((at, format!("*{name}"), format!("*{name}_{count}")));
        }
    }
    if !redefined {
        return None;
    }
    let mut renamed = text.to_owned();
    for (at, old, new) in edits.iter().rev() {
        if !renamed.get(*at..)?.starts_with(old.as_str()) {
            return None;
        }
        renamed.replace_range(*at..*at + old.len(), new);
    }
    Some(renamed)
}

/// `message` with "a mapping of keys (...)" and "struct Name" both written
/// "struct ?".
fn without_struct_name(message: &str) -> Option<String> {
    if let Some((before, after)) = message.split_once("a mapping of keys (") {
        let (_, after) = after.split_once(')')?;
        return Some(format!("{before}struct ?{after}"));
    }
    let (before, after) = message.split_once("struct ")?;
    let name_end = after
        .find(|c: char| !c.is_alphanumeric() && c != '_')
        .unwrap_or(after.len());
    Some(format!("{before}struct ?{}", &after[name_end..]))
}

/// Counts of a batch of comparisons; the differences themselves, up to a
/// few, for the failure message.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub(super) same: usize,
    pub(super) intended: BTreeMap<Intended, usize>,
    pub(super) differing: usize,
    pub(super) examples: Vec<String>,
}

impl Tally {
    /// Adds one verdict.
    pub(super) fn add(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Same => self.same += 1,
            Verdict::Intended(intended) => *self.intended.entry(intended).or_default() += 1,
            Verdict::Differs(report) => {
                self.differing += 1;
                if self.examples.len() < 30 {
                    self.examples.push(report);
                }
            }
        }
    }

    /// How many texts were compared.
    pub(super) fn total(&self) -> usize {
        self.same + self.intended.values().sum::<usize>() + self.differing
    }

    /// Fails with the examples when any text read differently.
    pub(super) fn assert_none_differ(&self, what: &str) {
        assert!(
            self.differing == 0,
            "{what}: {} of {} texts read differently from serde_yaml_ng:\n{}",
            self.differing,
            self.total(),
            self.examples.join("\n")
        );
    }
}

/// The golden inventories: the same values, or the same refusals, and as
/// the `Inventory` type the same inventory (or the same error message).
#[test]
fn golden_inventories_read_as_serde_yaml_ng_reads_them() {
    let mut tally = Tally::default();
    let mut files = 0;
    for text in corpus::golden_inventories() {
        files += 1;
        tally.add(compare(&text));
        tally.add(compare_inventory(&text));
    }
    assert!(files > 50, "only {files} golden inventories found");
    tally.assert_none_differ("golden inventories");
    // Only the struct's error messages differ, in their words.
    assert!(
        tally
            .intended
            .keys()
            .all(|&kind| kind == Intended::StructKeysNamed),
        "{tally:?}"
    );
}

/// Every corner case: a value or refusal as `serde_yaml_ng`'s, or a
/// difference that is meant.
#[test]
fn corner_cases_read_as_serde_yaml_ng_reads_them() {
    let mut tally = Tally::default();
    for text in corpus::CORNER_CASES {
        tally.add(compare(text));
    }
    tally.assert_none_differ("corner cases");
}

/// The cases of the one intended difference, each of them seen.
#[test]
fn a_tag_before_a_comma_is_the_intended_difference() {
    for text in ["[!x, y]\n", "{a: !x, b: c}\n", "[a, !!str, b]"] {
        assert_eq!(
            compare(text),
            Verdict::Intended(Intended::TagBeforeComma),
            "{text:?}"
        );
        assert!(serde_yaml_ng::from_str::<Node>(text).is_ok(), "{text:?}");
    }
}
