//! The JSON Schema that `lvs-dr-gen schema` prints is the committed
//! schema/inventory.schema.json, so that a change to the inventory's types
//! shows up as a reviewable diff of the schema (`UPDATE_GOLDEN=1 cargo test`
//! rewrites it, as for the golden files).

use std::fs;
use std::path::Path;

use crate::support::{diff, lvs_dr_gen, updating};

#[test]
fn the_schema_is_the_committed_copy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let printed = lvs_dr_gen(["schema"]).dir(root).run().stdout;
    let schema: serde_json::Value = serde_json::from_str(&printed).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let committed = root.join("schema/inventory.schema.json");
    if updating() {
        fs::write(&committed, &printed).expect("write schema/inventory.schema.json");
        return;
    }
    let expected = fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        printed == expected,
        "`lvs-dr-gen schema` differs from schema/inventory.schema.json \
         (UPDATE_GOLDEN=1 cargo test rewrites it):\n{}",
        diff(&expected, &printed, "inventory.schema.json")
    );
}

#[test]
fn the_example_names_the_installed_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = fs::read_to_string(root.join("examples/inventory.yaml")).expect("example");
    assert_eq!(
        example.lines().next(),
        Some("# yaml-language-server: $schema=/usr/share/lvs-dr-gen/inventory.schema.json")
    );
}
