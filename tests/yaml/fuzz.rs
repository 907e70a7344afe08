//! A fuzz-style run on stable Rust: random YAML documents from a small
//! grammar, and mutations of the corpus (golden inventories, corner cases,
//! generated documents), each read by us and by `serde_yaml_ng` and
//! compared (see the parent module). A fixed seed, so a run is repeatable.
//!
//! `cargo test` runs [`DEFAULT_INPUTS`]; the ignored test `million` runs
//! `LVS_YAML_FUZZ_INPUTS` (1,000,000 by default) and prints the count and
//! time, best in a release build:
//!
//! ```sh
//! cargo test --release --locked --test integration yaml::fuzz::million -- --ignored --nocapture
//! ```

use std::time::Instant;

use super::{compare, corpus, Tally, Verdict};

/// Inputs of the default run.
const DEFAULT_INPUTS: usize = 10_000;
/// The seed of a run, unless `LVS_YAML_FUZZ_SEED` says another.
const DEFAULT_SEED: u64 = 23;

/// Scalars as a document may write them: numbers of every base and sign,
/// floats, the null and boolean words and YAML 1.1's, quoted, odd.
const SCALARS: &[&str] = &[
    "0",
    "-0",
    "+0",
    "7",
    "-7",
    "+7",
    "007",
    "-007",
    "0x1F",
    "-0x1f",
    "+0x1F",
    "0x",
    "0x-1",
    "0X1F",
    "0o17",
    "-0o17",
    "0o8",
    "0b101",
    "-0b101",
    "0b2",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
    "340282366920938463463374607431768211456",
    "0x100000000000000000000000000000000",
    "1.5",
    "-1.5",
    ".5",
    "5.",
    "1e3",
    "1E-3",
    "1e400",
    ".inf",
    "-.Inf",
    "+.INF",
    ".nan",
    ".NaN",
    "+.nan",
    "nan",
    "inf",
    "1_000",
    "1:30",
    "null",
    "Null",
    "~",
    "NULL",
    "nULL",
    "true",
    "False",
    "TRUE",
    "tRUE",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "'1'",
    "\"0x10\"",
    "''",
    "\"\"",
    "'it''s'",
    "\"a\\tb\"",
    "\"\\u00e9\"",
    "a",
    "web01",
    "10.0.0.1",
    "2001:db8::1",
    "10.0.0.0/24",
    "eth0",
    "a b",
    "a:b",
    "a#b",
    "-a",
    "?a",
    "<<",
    "=",
    "é",
    "ü:",
    "http://x/y",
];

/// Pieces that are YAML syntax, inserted by mutations.
const TOKENS: &[&str] = &[
    "- ",
    ": ",
    ":",
    "-",
    "? ",
    "[",
    "]",
    "{",
    "}",
    ",",
    ", ",
    "&a ",
    "&b ",
    "*a",
    "*b",
    "*c",
    "!x ",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!null ",
    "!!bool ",
    "! ",
    "!<x> ",
    "|",
    "|-",
    "|+",
    ">",
    ">-",
    "|2",
    "'",
    "\"",
    "#",
    " #c",
    "\n",
    "\n  ",
    "\n- ",
    "  ",
    "\t",
    "---",
    "---\n",
    "...",
    "...\n",
    "<<: ",
    "<<: *a",
    "%YAML 1.2\n",
    "%TAG ! x:\n",
    "\r\n",
    "\r",
    "\\",
    "\u{0}",
    "\u{1}",
    "\u{85}",
    "\u{feff}",
    "\u{2028}",
    "é",
    "0x",
    "0o",
    "0b",
    ".inf",
    ".nan",
    "~",
    "@",
    "`",
    "%",
];

/// A deterministic random source (splitmix64), like the property
/// generator's dice.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `bound` (at least 1).
    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % (bound.max(1) as u64)).expect("small")
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Writes random YAML: block and flow collections, scalars, anchors,
/// aliases, tags, merge keys, block scalars, comments and document markers.
struct Writer<'d> {
    dice: &'d mut Dice,
    out: String,
    anchors: usize,
}

impl Writer<'_> {
    /// A node's properties: maybe an anchor, maybe a tag.
    fn properties(&mut self) {
        if self.dice.one_in(8) {
            // A new name, or now and then one defined before.
            let number = if self.dice.one_in(6) {
                self.dice.below(self.anchors + 1)
            } else {
                self.anchors
            };
            self.anchors += 1;
            let name = format!("&a{number} ");
            self.out.push_str(&name);
        }
        if self.dice.one_in(10) {
            let tag = self.dice.pick(&[
                "!x ", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "! ",
            ]);
            self.out.push_str(tag);
        }
    }

    /// A scalar, an alias or a block scalar, where a value goes.
    fn scalar(&mut self, indent: usize, in_flow: bool) {
        if self.dice.one_in(10) {
            let alias = format!("*a{}", self.dice.below(self.anchors + 2));
            self.out.push_str(&alias);
            return;
        }
        self.properties();
        if !in_flow && self.dice.one_in(8) {
            let header = self.dice.pick(&["|", "|-", "|+", ">", ">-", ">+", "|1"]);
            self.out.push_str(header);
            for _ in 0..self.dice.below(3) {
                self.out.push('\n');
                self.out.push_str(&" ".repeat(indent + 2));
                let line = self.dice.pick(SCALARS);
                self.out.push_str(line);
            }
            return;
        }
        let scalar = self.dice.pick(SCALARS);
        self.out.push_str(scalar);
    }

    /// A flow collection.
    fn flow(&mut self, depth: usize) {
        let mapping = self.dice.one_in(2);
        self.out.push(if mapping { '{' } else { '[' });
        for index in 0..self.dice.below(4) {
            if index > 0 {
                self.out.push_str(", ");
            }
            if mapping {
                self.scalar(0, true);
                self.out.push_str(": ");
            }
            self.value(depth + 1, 0, true);
        }
        self.out.push(if mapping { '}' } else { ']' });
    }

    /// Any value at `indent`.
    fn value(&mut self, depth: usize, indent: usize, in_flow: bool) {
        match (self.dice.below(6), depth < 4) {
            (0, true) => self.flow(depth),
            (1, true) if !in_flow => self.block_mapping(depth, indent + 2, true),
            (2, true) if !in_flow => self.block_sequence(depth, indent + 2),
            _ => self.scalar(indent, in_flow),
        }
    }

    /// A block mapping on its own lines at `indent` (after a key when
    /// `nested`).
    fn block_mapping(&mut self, depth: usize, indent: usize, nested: bool) {
        if nested {
            self.properties();
        }
        for _ in 0..=self.dice.below(3) {
            if nested || !self.out.is_empty() {
                self.out.push('\n');
            }
            self.out.push_str(&" ".repeat(indent));
            if self.dice.one_in(12) {
                let merge = if self.dice.one_in(2) {
                    "<<: *a0"
                } else {
                    "<<: [*a0, *a1]"
                };
                self.out.push_str(merge);
                continue;
            }
            if self.dice.one_in(15) {
                self.out.push_str("? ");
            }
            self.scalar(indent, true);
            self.out.push(':');
            if self.dice.one_in(15) {
                continue;
            }
            self.out.push(' ');
            self.value(depth + 1, indent, false);
            if self.dice.one_in(12) {
                self.out.push_str(" # comment");
            }
        }
    }

    /// A block sequence at `indent`.
    fn block_sequence(&mut self, depth: usize, indent: usize) {
        for _ in 0..=self.dice.below(3) {
            self.out.push('\n');
            self.out.push_str(&" ".repeat(indent));
            self.out.push_str("- ");
            self.value(depth + 1, indent, false);
        }
    }
}

/// A random document.
fn random_document(dice: &mut Dice) -> String {
    let mut writer = Writer {
        dice,
        out: String::new(),
        anchors: 0,
    };
    if writer.dice.one_in(10) {
        writer.out.push_str("---");
        writer
            .out
            .push(if writer.dice.one_in(2) { '\n' } else { ' ' });
    }
    match writer.dice.below(4) {
        0 => writer.flow(0),
        1 => writer.block_sequence(0, 0),
        2 => writer.scalar(0, false),
        _ => writer.block_mapping(0, 0, false),
    }
    let mut out = writer.out;
    if out.starts_with('\n') {
        out.remove(0);
    }
    match dice.below(6) {
        0 => {}
        1 => out.push_str("\n...\n"),
        2 => out.push_str("\n---\nx: 1\n"),
        _ => out.push('\n'),
    }
    out
}

/// `text` with one to four edits at character boundaries: a token
/// inserted, a range removed, a line repeated or cut, the end cut off.
fn mutated(text: &str, dice: &mut Dice) -> String {
    let mut text = text.to_owned();
    for _ in 0..=dice.below(4) {
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(at, _)| at)
            .chain([text.len()])
            .collect();
        let at = boundaries[dice.below(boundaries.len())];
        match dice.below(5) {
            0 | 1 => {
                let token = dice.pick(TOKENS);
                text.insert_str(at, token);
            }
            2 => {
                let end = boundaries[(boundaries.partition_point(|&b| b < at) + 1 + dice.below(4))
                    .min(boundaries.len() - 1)];
                text.replace_range(at..end, "");
            }
            3 => {
                let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
                let end = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
                let line = text[start..end].to_owned();
                if dice.one_in(2) {
                    text.insert_str(start, &line);
                } else {
                    text.replace_range(start..end, "");
                }
            }
            _ => text.truncate(at),
        }
    }
    text
}

/// Runs `inputs` comparisons from `seed`: alternately a random document
/// and a mutation of a corpus document (or of an earlier random one).
fn run(inputs: usize, seed: u64) -> Tally {
    let mut corpus: Vec<String> = corpus::golden_inventories();
    corpus.extend(corpus::CORNER_CASES.iter().map(|text| (*text).to_owned()));
    corpus.extend(super::property::documents(20));
    let mut dice = Dice(seed);
    let mut tally = Tally::default();
    for input in 0..inputs {
        let text = if input % 2 == 0 {
            random_document(&mut dice)
        } else {
            let base = if dice.one_in(3) {
                random_document(&mut dice)
            } else {
                corpus[dice.below(corpus.len())].clone()
            };
            mutated(&base, &mut dice)
        };
        let verdict = compare(&text);
        if let Verdict::Differs(report) = &verdict {
            if tally.differing == 0 {
                eprintln!("input {input} (seed {seed}): {report}");
            }
        }
        tally.add(verdict);
    }
    tally
}

fn seed() -> u64 {
    std::env::var("LVS_YAML_FUZZ_SEED").map_or(DEFAULT_SEED, |seed| {
        seed.parse().expect("LVS_YAML_FUZZ_SEED is a whole number")
    })
}

/// The default run: no panic, no difference without its reason.
#[test]
fn random_and_mutated_documents_read_as_serde_yaml_ng_reads_them() {
    let tally = run(DEFAULT_INPUTS, seed());
    tally.assert_none_differ("fuzz");
    assert!(tally.same > DEFAULT_INPUTS / 2, "{tally:?}");
}

/// The long run: `LVS_YAML_FUZZ_INPUTS` inputs (1,000,000 by default).
#[test]
#[ignore = "a long run (about a minute in a release build); see the module's doc"]
fn million() {
    let inputs = std::env::var("LVS_YAML_FUZZ_INPUTS").map_or(1_000_000, |count| {
        count
            .parse()
            .expect("LVS_YAML_FUZZ_INPUTS is a whole number")
    });
    let seed = seed();
    let start = Instant::now();
    let tally = run(inputs, seed);
    eprintln!(
        "yaml fuzz: {inputs} inputs, seed {seed}, {:.1} s: {} same, intended differences {:?}, {} \
         differing",
        start.elapsed().as_secs_f64(),
        tally.same,
        tally.intended,
        tally.differing
    );
    tally.assert_none_differ("fuzz");
}
