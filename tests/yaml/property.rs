//! The property generator's inventories (tests/property: `spec` draws an
//! inventory, `yaml` writes it in one of many presentations, `mutate` makes
//! one thing in it invalid), compared as the inventory type and as values.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::{compare, compare_inventory, Tally};
use crate::property::yaml::{write, Dice};
use crate::property::{mutate, spec};

/// The generator's seed (the property tests' default).
const SEED: u64 = 20_261_126;

/// `count` generated inventories, each written in its own presentation;
/// with each, one mutation of it and one corruption of its bytes.
pub(super) fn documents(count: usize) -> Vec<String> {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&SEED.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let strategy = (spec::inventory(), any::<u64>(), any::<u64>(), any::<u64>());
    let mut documents = Vec::with_capacity(count * 3);
    for _ in 0..count {
        let (spec, look, choice, corruption) = strategy
            .new_tree(&mut runner)
            .expect("a generated inventory")
            .current();
        let identity: Vec<usize> = (0..spec.hosts.len()).collect();
        let root = spec.to_node(&identity);
        let valid = write(&root, look);
        documents.push(corrupted(&valid, corruption));
        documents.push(valid);
        if let Some(mutation) = mutate::mutate(&root, choice) {
            documents.push(write(&mutation.root, look));
        }
    }
    documents
}

/// `text` with one to three bytes removed, inserted or replaced, as the
/// property test `corrupted_text_never_panics` does (a result that is not
/// UTF-8 is read as the binary reads a file: lossily here).
fn corrupted(text: &str, seed: u64) -> String {
    let mut dice = Dice::new(seed);
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=dice.below(3) {
        let at = dice.below(bytes.len());
        let byte = u8::try_from(dice.below(256)).expect("a byte");
        match byte % 3 {
            0 => {
                bytes.remove(at);
            }
            1 => bytes.insert(at, byte),
            _ => bytes[at] = byte,
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The generator's inventories read as `serde_yaml_ng` reads them: valid
/// ones to the same inventory, mutated and corrupted ones to the same
/// value, or the same refusal.
#[test]
fn generated_inventories_read_as_serde_yaml_ng_reads_them() {
    let documents = documents(100);
    let mut tally = Tally::default();
    for text in &documents {
        tally.add(compare(text));
        tally.add(compare_inventory(text));
    }
    tally.assert_none_differ("generated inventories");
    assert!(tally.same >= 500, "{tally:?}");
}
