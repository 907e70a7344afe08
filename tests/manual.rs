//! The man pages that `lvs-dr-gen manpages` writes: the format page,
//! lvs-dr-gen-inventory(5), names every key and value type of the JSON
//! Schema; every command's page has EXAMPLES and SEE ALSO; groff renders
//! each page without a warning. (doc/inventory.md, the format page in
//! Markdown, is kept equal to the generated text by a unit test in
//! src/manual/markdown.rs.)

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{lvs_dr_gen, text};

/// The pages, by file name, written into a temporary directory.
fn pages() -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    lvs_dr_gen(["manpages", "--out", "man"])
        .dir(dir.path())
        .run();
    fs::read_dir(dir.path().join("man"))
        .expect("man/")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).expect("a page"))
        })
        .collect()
}

/// Every key under `properties` anywhere in the schema.
fn schema_keys(schema: &Value, keys: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                keys.extend(properties.keys().cloned());
            }
            map.values().for_each(|value| schema_keys(value, keys));
        }
        Value::Array(items) => items.iter().for_each(|value| schema_keys(value, keys)),
        _ => {}
    }
}

/// Text as the `roff` crate writes it: `-` escaped.
fn roff(text: &str) -> String {
    text.replace('-', "\\-")
}

#[test]
fn the_format_page_names_every_key_and_value_type_of_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(root.join("schema/inventory.schema.json")).expect("schema"),
    )
    .expect("JSON");
    let mut keys = Vec::new();
    schema_keys(&schema, &mut keys);
    keys.sort();
    keys.dedup();
    assert!(keys.len() >= 30, "only {} keys: {keys:?}", keys.len());
    let pages = pages();
    let page = &pages["lvs-dr-gen-inventory.5"];
    let markdown = fs::read_to_string(root.join("doc/inventory.md")).expect("doc/inventory.md");
    for key in &keys {
        // Each key is an entry's term: a .TP line of its own, in bold.
        assert!(
            page.contains(&format!(".TP\n\\fB{}\\fR\n", roff(key))),
            "lvs-dr-gen-inventory.5 has no entry for the key `{key}`"
        );
        assert!(
            markdown.contains(&format!("- `{key}`\n")),
            "doc/inventory.md has no entry for the key `{key}`"
        );
    }
    let types = schema["$defs"].as_object().expect("$defs");
    for (name, definition) in types {
        if definition.get("properties").is_none() {
            assert!(
                page.contains(&format!(".TP\n\\fI{name}\\fR\n")),
                "lvs-dr-gen-inventory.5 has no entry for the value type {name}"
            );
        }
    }
    for section in [
        "NAME",
        "DESCRIPTION",
        "KEYS",
        "\"VALUE TYPES\"",
        "EXAMPLES",
        "FILES",
    ] {
        assert!(page.contains(&format!("\n.SH {section}\n")), "no {section}");
    }
    // The shipped example, whole.
    let example = fs::read_to_string(root.join("examples/inventory.yaml")).expect("example");
    assert!(
        page.contains(&roff(example.lines().nth(5).unwrap())),
        "{page}"
    );
    assert!(
        markdown.contains(&example),
        "doc/inventory.md lacks the example"
    );
}

#[test]
fn every_page_has_examples_and_see_also() {
    let pages = pages();
    assert!(pages.len() >= 8, "{:?}", pages.keys());
    for (name, page) in &pages {
        let examples = page.find("\n.SH EXAMPLES\n");
        let see_also = page.find("\n.SH \"SEE ALSO\"\n");
        assert!(
            examples.is_some() && see_also.is_some() && examples < see_also,
            "{name}: no EXAMPLES followed by SEE ALSO:\n{page}"
        );
        if let Some(version) = page.find("\n.SH VERSION\n") {
            assert!(see_also < Some(version), "{name}: SEE ALSO after VERSION");
        }
        // A page name's dashes after the program's are the command's spaces
        // (lvs-dr-gen-site-check.1: `lvs-dr-gen site check`).
        let command = name.strip_suffix(".1").map_or(String::new(), |page| {
            page.strip_prefix("lvs-dr-gen-")
                .map_or(page.to_owned(), |sub| {
                    format!("lvs-dr-gen {}", sub.replace('-', " "))
                })
        });
        if !command.is_empty() {
            assert!(
                page.contains(&format!(".EX\n{}", roff(&command))),
                "{name}: no example runs `{command}`"
            );
        }
        let see_also = &page[see_also.unwrap()..];
        let own = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(page, _)| page);
        for reference in [
            "lvs-dr-gen-inventory\\fR(5)",
            "keepalived.conf\\fR(5)",
            "ipvsadm\\fR(8)",
        ] {
            if reference.starts_with(own) {
                continue;
            }
            assert!(
                see_also.contains(&roff(reference)),
                "{name}: SEE ALSO lacks {reference}"
            );
        }
        assert!(
            !see_also.contains(&format!("\\fB{}\\fR(", roff(own))),
            "{name}: SEE ALSO names the page itself"
        );
    }
}

#[test]
fn man_renders_every_page_without_warnings() {
    if Command::new("man").arg("--version").output().is_err() {
        eprintln!("man (man-db) is not installed: the pages' rendering is not checked here");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, page) in pages() {
        let path = dir.path().join(&name);
        fs::write(&path, page).expect("write a page");
        let output = Command::new("man")
            .args(["--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z"])
            .arg(&path)
            .env("LC_ALL", "C.UTF-8")
            .env("MANWIDTH", "80")
            .output()
            .expect("man runs");
        assert!(
            output.status.success(),
            "man -l {name}: {}",
            text(&output.stderr)
        );
        assert_eq!(text(&output.stderr), "", "man --warnings -l {name}");
    }
}
