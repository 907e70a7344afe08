//! The inventory format's page, lvs-dr-gen-inventory(5), generated from the
//! inventory's JSON Schema.
//!
//! The schema is derived from the types the parser reads, their doc
//! comments and the defaults `validate` applies (see `schema`), so every
//! key, its type, default, range and rules come from the same source as the
//! parser and cannot drift from it. Each mapping of the schema (the top
//! level, `defaults`, `hosts.NAME`, ...) becomes a subsection with one entry
//! per key, in the order a walk from the top level meets them; every other
//! definition is a value type. What this module adds is the frame: the
//! introduction, the example, FILES and SEE ALSO.

use serde_json::{Map, Value};

use super::page::{code, format_see_also, marked, text, Block, Page, Section, Span};
use crate::schema;

/// The format page's name.
pub const INVENTORY_PAGE: &str = "lvs-dr-gen-inventory";

/// The shipped example, shown whole under EXAMPLES.
const EXAMPLE: &str = include_str!("../../examples/inventory.yaml");

/// The introduction, before the schema's own description: paragraphs with
/// `literals` in backticks.
const INTRODUCTION: [&str; 4] = [
    "An inventory is one YAML file that describes an LVS direct-routing cluster: the balanced \
     services and their virtual IPs (VIPs), the real servers (`hosts`) that carry them, and \
     optionally the LVS directors that balance them with keepalived. `lvs-dr-gen render` \
     writes each machine's files from it, `lvs-dr-gen check` compares them with a directory, \
     and `lvs-dr-gen verify` compares a running machine with it.",
    "Keys are written in lower case as below; an unknown key, a repeated key and a value of the \
     wrong type are errors, named with their line and column. Mappings of names (`services`, \
     `hosts`, `directors`, `sysctl`) keep the order they are written in. A key may be left out \
     unless it is marked as required here or its description says when it is needed; a key \
     whose type ends in \"or empty\" may also be given an empty value (`~`), which is the same \
     as leaving it out.",
    "`lvs-dr-gen validate` checks a file: a problem with its shape (a key, a type, the form \
     of a value) is reported at its line and column; a file in shape is checked against every \
     rule between values, and each broken one is reported by its path in the inventory (such \
     as `hosts.web01.services[1]`). `render` writes nothing while any problem remains. \
     `lvs-dr-gen schema` prints the format as a JSON Schema for editors, which check the shape \
     and show the descriptions below; this page is generated from that schema, so both say \
     the same.",
    "This page lists the keys of each mapping, from the top level down (a NAME in a path \
     stands for a name of the user's choice), then the value types the keys refer to.",
];

/// The page, from the inventory's JSON Schema.
pub fn inventory_page() -> Page {
    let schema = schema::inventory_schema();
    let walk = Walk::new(&schema);
    let description: Vec<Block> = INTRODUCTION
        .iter()
        .map(|paragraph| Block::Paragraph(marked(paragraph)))
        .collect();
    Page {
        name: INVENTORY_PAGE,
        section: "5",
        summary: "the inventory file of lvs-dr-gen: services, VIPs, real servers and directors",
        sections: vec![
            Section {
                title: "DESCRIPTION",
                blocks: description,
            },
            Section {
                title: "KEYS",
                blocks: walk.key_blocks(),
            },
            Section {
                title: "VALUE TYPES",
                blocks: walk.value_type_blocks(),
            },
            examples_section(),
            files_section(),
            Section {
                title: "SEE ALSO",
                blocks: vec![Block::Paragraph(format_see_also(&[
                    "lvs-dr-gen",
                    "lvs-dr-gen-validate",
                    "lvs-dr-gen-render",
                    "lvs-dr-gen-check",
                    "lvs-dr-gen-verify",
                    "lvs-dr-gen-schema",
                ]))],
            },
        ],
    }
}

fn examples_section() -> Section {
    Section {
        title: "EXAMPLES",
        blocks: vec![
            Block::Paragraph(marked(
                "The example that the Debian package installs as \
                 `/usr/share/doc/lvs-dr-gen/examples/inventory.yaml`: two directors balance \
                 the VIPs of one service over two web servers.",
            )),
            Block::Example {
                language: "yaml",
                text: EXAMPLE.to_owned(),
            },
            Block::Paragraph(marked(
                "The smallest inventory: one service, one real server, no directors.",
            )),
            Block::Example {
                language: "yaml",
                text: "version: 1\nservices:\n  www:\n    vips: [198.51.100.10]\nhosts:\n  \
                       web01:\n    address: 192.0.2.11\n    services: [www]\n"
                    .to_owned(),
            },
        ],
    }
}

fn files_section() -> Section {
    let entry = |path: &str, what: &str| Block::Entry {
        term: vec![code(path)],
        body: vec![marked(what)],
    };
    Section {
        title: "FILES",
        blocks: vec![
            entry(
                "/usr/share/doc/lvs-dr-gen/examples/inventory.yaml",
                "The example above.",
            ),
            entry(
                "/usr/share/lvs-dr-gen/inventory.schema.json",
                "The JSON Schema of the format, as `lvs-dr-gen schema` prints it.",
            ),
            entry(
                "/usr/share/lvs-dr-gen/templates/",
                "The built-in templates, to copy for `--templates`.",
            ),
        ],
    }
}

/// The paragraphs of a description: blank lines part them, and single line
/// breaks (those of the doc comments) are spaces.
fn paragraphs(description: &str) -> Vec<Vec<Span>> {
    description
        .split("\n\n")
        .map(|paragraph| marked(&paragraph.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect()
}

/// A description as one sentence: capitalized, with a full stop (the value
/// types' descriptions are the parser's "expected ..." phrases).
fn sentence(description: &str) -> String {
    let mut characters = description.chars();
    let mut sentence: String = characters
        .next()
        .map(|first| first.to_uppercase().chain(characters).collect())
        .unwrap_or_default();
    if !sentence.ends_with('.') {
        sentence.push('.');
    }
    sentence
}

/// The name a `$ref` points to.
fn reference(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|target| target.strip_prefix("#/$defs/"))
}

/// Whether a schema is only `{"type": "null"}`.
fn is_null(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// The types a schema allows, `null` aside, and whether it allows `null`.
fn types(schema: &Value) -> (Vec<&str>, bool) {
    let all: Vec<&str> = match schema.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let nullable = all.contains(&"null")
        || schema
            .get("anyOf")
            .and_then(Value::as_array)
            .is_some_and(|options| options.iter().any(is_null));
    (all.into_iter().filter(|t| *t != "null").collect(), nullable)
}

/// A JSON value as it is written in YAML.
fn literal(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The mappings of the schema (definitions with properties) by where they
/// are met from the top level, and the definitions.
struct Walk<'a> {
    root: &'a Value,
    definitions: &'a Map<String, Value>,
    /// Each mapping's definition name (None: the top level) and its paths,
    /// in the order first met.
    mappings: Vec<(Option<String>, Vec<String>)>,
}

impl<'a> Walk<'a> {
    fn new(root: &'a Value) -> Self {
        let definitions = root
            .get("$defs")
            .and_then(Value::as_object)
            .expect("the inventory schema has definitions");
        let mut walk = Walk {
            root,
            definitions,
            mappings: vec![(None, vec![String::new()])],
        };
        walk.visit(root, "");
        walk
    }

    /// Records the mappings below `schema` (a mapping at `path`), depth
    /// first, keys in the schema's (alphabetical) order.
    fn visit(&mut self, schema: &Value, path: &str) {
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        for (key, property) in properties {
            let key_path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            let (target, target_path) = match self.mapping_of(property) {
                Some(target) => (target, key_path),
                None => match property
                    .get("additionalProperties")
                    .and_then(|values| self.mapping_of(values))
                {
                    Some(target) => (target, format!("{key_path}.NAME")),
                    None => continue,
                },
            };
            if let Some((_, paths)) = self
                .mappings
                .iter_mut()
                .find(|(name, _)| name.as_deref() == Some(target))
            {
                paths.push(target_path);
                continue;
            }
            self.mappings
                .push((Some(target.to_owned()), vec![target_path.clone()]));
            let definition = &self.definitions[target];
            self.visit(definition, &target_path);
        }
    }

    /// The mapping definition a property refers to, directly or as one of
    /// its choices (an optional value, or a value that is text or a
    /// mapping, such as `notify`).
    fn mapping_of(&self, property: &Value) -> Option<&'a str> {
        if let Some((name, definition)) =
            reference(property).and_then(|target| self.definitions.get_key_value(target))
        {
            return definition
                .get("properties")
                .is_some()
                .then_some(name.as_str());
        }
        property
            .get("anyOf")
            .and_then(Value::as_array)?
            .iter()
            .find_map(|option| self.mapping_of(option))
    }

    /// The first path of a mapping definition, which its subsection's
    /// title starts with.
    fn path_of(&self, definition: &str) -> String {
        self.mappings
            .iter()
            .find(|(name, _)| name.as_deref() == Some(definition))
            .and_then(|(_, paths)| paths.first().cloned())
            .unwrap_or_default()
    }

    /// One subsection per mapping, with an entry per key.
    fn key_blocks(&self) -> Vec<Block> {
        let mut blocks = Vec::new();
        for (name, paths) in &self.mappings {
            let definition = match name {
                Some(name) => &self.definitions[name],
                None => self.root,
            };
            let title = if name.is_none() {
                "The top level".to_owned()
            } else {
                paths.join(", ")
            };
            blocks.push(Block::Heading(title));
            if let Some(description) = name
                .as_ref()
                .and(definition.get("description"))
                .and_then(Value::as_str)
            {
                blocks.extend(paragraphs(description).into_iter().map(Block::Paragraph));
            }
            let required: Vec<&str> = definition
                .get("required")
                .and_then(Value::as_array)
                .map(|keys| keys.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let properties = definition.get("properties").and_then(Value::as_object);
            for (key, property) in properties.into_iter().flatten() {
                blocks.push(self.key_entry(key, property, required.contains(&key.as_str())));
            }
        }
        blocks
    }

    /// A key's entry: its type, whether it is required, its default, then
    /// its description.
    fn key_entry(&self, key: &str, property: &Value, required: bool) -> Block {
        let (_, nullable) = types(property);
        let mut facts = vec![text("Type: ")];
        facts.extend(self.describe(property));
        if nullable {
            facts.push(text(", or empty"));
        }
        facts.push(text(if required { "; required." } else { "." }));
        if let Some(default) = property.get("default") {
            facts.push(text(" Default: "));
            facts.push(code(literal(default)));
            facts.push(text("."));
        }
        let mut body = vec![facts];
        if let Some(description) = property.get("description").and_then(Value::as_str) {
            body.extend(paragraphs(description));
        }
        Block::Entry {
            term: vec![code(key)],
            body,
        }
    }

    /// One entry per definition that is not a mapping, by name.
    fn value_type_blocks(&self) -> Vec<Block> {
        let mut blocks = vec![Block::Paragraph(marked(
            "The forms of the values above. A pattern is matched against the whole value; the \
             description says in words what `lvs-dr-gen validate` accepts.",
        ))];
        for (name, definition) in self.definitions {
            if definition.get("properties").is_some() {
                continue;
            }
            let mut body = Vec::new();
            if let Some(description) = definition.get("description").and_then(Value::as_str) {
                body.push(marked(&sentence(description)));
            }
            let choices = definition.get("oneOf").and_then(Value::as_array);
            if choices.is_some() {
                body.push(vec![text("One of:")]);
            } else {
                let mut form = vec![text("Form: ")];
                form.extend(self.describe_value(definition));
                form.push(text("."));
                body.push(form);
            }
            for choice in choices.into_iter().flatten() {
                let mut line = vec![code(choice.get("const").map(literal).unwrap_or_default())];
                if let Some(description) = choice.get("description").and_then(Value::as_str) {
                    line.push(text(": "));
                    line.extend(marked(description));
                }
                body.push(line);
            }
            blocks.push(Block::Entry {
                term: vec![Span::Type(name.clone())],
                body,
            });
        }
        blocks
    }

    /// What a key's value is, in words: a value type by name, a mapping
    /// by its subsection, or the form in full.
    fn describe(&self, schema: &Value) -> Vec<Span> {
        if let Some(target) = reference(schema) {
            return match self.mapping_of(schema) {
                Some(mapping) => vec![
                    text("a mapping (see "),
                    code(self.path_of(mapping)),
                    text(")"),
                ],
                None => vec![Span::Type(target.to_owned())],
            };
        }
        if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
            let alternatives: Vec<&Value> = options.iter().filter(|o| !is_null(o)).collect();
            if alternatives.len() == 1 {
                return self.describe(alternatives[0]);
            }
        }
        self.describe_value(schema)
    }

    /// The form of a value: its constant, choices, alternatives or type
    /// with ranges, length, pattern and exclusions.
    fn describe_value(&self, schema: &Value) -> Vec<Span> {
        let mut spans = Vec::new();
        if let Some(value) = schema.get("const") {
            spans.extend([text("the number "), code(literal(value))]);
        } else if let Some(choices) = schema.get("oneOf").and_then(Value::as_array) {
            spans.push(text("one of "));
            for (index, choice) in choices.iter().enumerate() {
                if index > 0 {
                    spans.push(text(", "));
                }
                spans.push(code(choice.get("const").map(literal).unwrap_or_default()));
            }
        } else if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
            for (index, option) in options.iter().filter(|o| !is_null(o)).enumerate() {
                if index > 0 {
                    spans.push(text(", or "));
                }
                spans.extend(self.describe(option));
            }
        } else {
            spans.extend(self.describe_type(schema));
        }
        if let Some(excluded) = schema.pointer("/not/enum").and_then(Value::as_array) {
            spans.push(text(", but not "));
            for (index, value) in excluded.iter().enumerate() {
                if index > 0 {
                    spans.push(text(" or "));
                }
                spans.push(code(literal(value)));
            }
        }
        if let Some(pattern) = schema.pointer("/not/pattern").and_then(Value::as_str) {
            spans.extend([
                text(", and not matching "),
                Span::Pattern(pattern.to_owned()),
            ]);
        }
        spans
    }

    /// The form of a value of one JSON type.
    fn describe_type(&self, schema: &Value) -> Vec<Span> {
        let (types, _) = types(schema);
        let mut spans = Vec::new();
        match types.first().copied() {
            Some("integer") => {
                spans.push(text("an integer"));
                spans.extend(range(schema, "minimum", "maximum"));
            }
            Some("boolean") => spans.extend([code("true"), text(" or "), code("false")]),
            Some("string") => {
                spans.push(text("a string"));
                if let Some(length) = schema.get("maxLength") {
                    spans.push(text(format!(" of at most {} characters", literal(length))));
                }
                if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                    spans.extend([text(" matching "), Span::Pattern(pattern.to_owned())]);
                }
            }
            Some("array") => {
                spans.push(text("a list"));
                if let Some(items) = schema.get("items") {
                    spans.push(text(format!(
                        " of {}",
                        count(schema, "minItems", "maxItems")
                    )));
                    spans.extend(self.describe(items));
                }
            }
            Some("object") => {
                spans.push(text("a mapping"));
                if let Some(names) = schema.get("propertyNames") {
                    let count = count(schema, "minProperties", "maxProperties");
                    spans.push(text(format!(" of {count}")));
                    spans.extend(self.describe(names));
                }
                if let Some(values) = schema.get("additionalProperties") {
                    spans.push(text(" to "));
                    spans.extend(self.describe(values));
                }
            }
            Some(other) => spans.push(text(format!("a {other}"))),
            None => spans.push(text("any value")),
        }
        spans
    }
}

/// The bounds `low` and `high` of a schema, as "1 to 254", "at least 1"
/// or "at most 2".
fn bounds(schema: &Value, low: &str, high: &str) -> Option<String> {
    let low = schema.get(low).map(literal);
    let high = schema.get(high).map(literal);
    match (low, high) {
        (Some(low), Some(high)) => Some(format!("{low} to {high}")),
        (Some(low), None) => Some(format!("at least {low}")),
        (None, Some(high)) => Some(format!("at most {high}")),
        (None, None) => None,
    }
}

/// A number's range: " from 1 to 254", " of at least 1".
fn range(schema: &Value, low: &str, high: &str) -> Option<Span> {
    bounds(schema, low, high).map(|bounds| {
        let preposition = if bounds.starts_with("at ") {
            "of"
        } else {
            "from"
        };
        text(format!(" {preposition} {bounds}"))
    })
}

/// How many items or entries, before what they are: "at least 1 ", or
/// nothing.
fn count(schema: &Value, low: &str, high: &str) -> String {
    bounds(schema, low, high).map_or_else(String::new, |bounds| format!("{bounds} "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_are_named_by_their_paths() {
        let schema = schema::inventory_schema();
        let walk = Walk::new(&schema);
        let titles: Vec<String> = walk
            .mappings
            .iter()
            .map(|(_, paths)| paths.join(", "))
            .collect();
        assert_eq!(
            titles,
            [
                "",
                "defaults",
                "defaults.paths, hosts.NAME.paths",
                "directors.NAME",
                "directors.NAME.paths",
                "hosts.NAME",
                "services.NAME",
                "services.NAME.health_check",
                "vip_agent",
                "vrrp",
                "vrrp.groups.NAME",
                "vrrp.notify"
            ]
        );
    }
}
