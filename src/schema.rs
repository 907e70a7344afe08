//! The inventory's JSON Schema (draft 2020-12), for editors
//! (yaml-language-server) and CI.
//!
//! It is generated from the types the parser itself reads (`inventory` and
//! `values` derive or implement `JsonSchema`), so the schema cannot drift
//! from the parser: descriptions come from their doc comments, patterns and
//! ranges sit next to the parsing code, and unknown keys are refused by
//! `additionalProperties: false` exactly where serde refuses them. This
//! module adds what the types do not know: the title, the description of
//! what only `validate` checks, and the defaults `validate` applies.

use schemars::generate::SchemaSettings;
use schemars::Schema;
use serde_json::{json, Value};

use crate::inventory::Inventory;
use crate::validate;
use crate::values::{Scheduler, Style};

/// The root description: what the schema checks, and what it leaves to
/// `lvs-dr-gen validate`.
const DESCRIPTION: &str = "An lvs-dr-gen inventory: the balanced services and their VIPs, the \
    real servers (hosts), and optionally the LVS directors (keepalived), from which lvs-dr-gen \
    renders each host's ifupdown stanza, module list and sysctl file, and each director's \
    keepalived.conf. This schema checks the shape of the file: keys, types, ranges, enums and \
    the form of names and addresses. Rules that need more than one value stay in \
    `lvs-dr-gen validate`, which also reports every problem with its location: references \
    between hosts and services, duplicate addresses, names and priorities, VIPs that are host \
    addresses, address families and the segment, unicast-only addresses and VIP prefixes, \
    kernel parameters that break direct routing, and the file names ifupdown and systemd read.";

/// The defaults `validate` applies to keys left out: (definition, key,
/// value). Each entry must name a key of the schema (a test checks it).
fn defaults() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("Settings", "interface", json!(validate::DEFAULT_INTERFACE)),
        ("Settings", "style", json!(Style::Iproute2)),
        ("Settings", "stack", json!(validate::DEFAULT_STACK)),
        (
            "Paths",
            "interfaces",
            json!(validate::DEFAULT_INTERFACES_PATH),
        ),
        ("Paths", "modules", json!(validate::DEFAULT_MODULES_PATH)),
        ("Paths", "sysctl", json!(validate::DEFAULT_SYSCTL_PATH)),
        ("Paths", "netdev", json!(validate::DEFAULT_NETDEV_PATH)),
        ("Paths", "network", json!(validate::DEFAULT_NETWORK_PATH)),
        ("Paths", "netplan", json!(validate::DEFAULT_NETPLAN_PATH)),
        ("Service", "scheduler", json!(Scheduler::Wlc)),
        ("Host", "weight", json!(validate::DEFAULT_WEIGHT)),
        (
            "HealthCheck",
            "interval",
            json!(validate::DEFAULT_CHECK_INTERVAL),
        ),
        (
            "HealthCheck",
            "connect_timeout",
            json!(validate::DEFAULT_CONNECT_TIMEOUT),
        ),
        ("HealthCheck", "retry", json!(validate::DEFAULT_RETRY)),
        (
            "HealthCheck",
            "delay_before_retry",
            json!(validate::DEFAULT_DELAY_BEFORE_RETRY),
        ),
        ("Vrrp", "advert_int", json!(validate::DEFAULT_ADVERT_INT)),
    ]
}

/// The schema, as a JSON value.
///
/// # Panics
///
/// When one of the defaults names a property the generated schema
/// lacks: a bug that `cargo test` catches (the tests build the schema).
pub fn inventory_schema() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    let mut schema: Schema = generator.into_root_schema_for::<Inventory>();
    schema.insert("title".into(), json!("lvs-dr-gen inventory"));
    schema.insert("description".into(), json!(DESCRIPTION));
    let mut value = schema.to_value();
    for (definition, key, default) in defaults() {
        let pointer = format!("/$defs/{definition}/properties/{key}");
        let property = value
            .pointer_mut(&pointer)
            .and_then(Value::as_object_mut)
            .unwrap_or_else(|| panic!("the schema has no {pointer} for its default"));
        property.insert("default".into(), default);
    }
    value
}

/// The schema as pretty-printed JSON, as `lvs-dr-gen schema` prints it.
///
/// # Panics
///
/// As [`inventory_schema`]; a JSON value always serializes.
pub fn inventory_schema_text() -> String {
    serde_json::to_string_pretty(&inventory_schema()).expect("a JSON value serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_draft_2020_12_and_closed() {
        let schema = inventory_schema();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(schema["additionalProperties"], false);
        for (name, definition) in schema["$defs"].as_object().expect("definitions") {
            if definition.get("properties").is_some() {
                assert_eq!(definition["additionalProperties"], false, "{name}");
            }
        }
    }

    #[test]
    fn every_default_names_a_key() {
        // inventory_schema panics on a default for a key it lacks.
        let schema = inventory_schema();
        assert_eq!(
            schema["$defs"]["Service"]["properties"]["scheduler"]["default"],
            "wlc"
        );
    }
}
