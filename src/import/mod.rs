//! `import`: the inventory of a running cluster, from its directors'
//! keepalived.conf (all of them at once: they must agree), with a comment
//! on each choice and a [`Finding`] for each part the inventory cannot
//! express, with its file and line.
//!
//! The steps: `keepalived_conf` reads each director's configuration below
//! its root, [`extract`] turns it into what keepalived does with it
//! ([`model`]), [`cluster`] maps the directors together to a [`draft`]
//! inventory, and [`import`] proves the draft: it validates and renders it
//! with the real pipeline, reads the rendered keepalived.conf back, and
//! compares what keepalived would do with it ([`meaning`]) with the
//! original, less what the findings leave out. A difference is trouble,
//! never a quiet change of meaning.

mod cluster;
mod draft;
mod extract;
mod hosts;
mod meaning;
mod model;
mod services;
mod terms;

pub use terms::{Finding, Import, ImportError, Note, Options};

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::keepalived_conf::{self, Place};
use crate::live::Root;

/// Where a director's keepalived reads its configuration.
pub const KEEPALIVED_CONF: &str = "/etc/keepalived/keepalived.conf";

/// Imports the directors `(name, root)`: each one's
/// /etc/keepalived/keepalived.conf below its root, read as keepalived on
/// that machine would (configuration id: its name).
pub fn import(directors: &[(String, Root)], options: &Options) -> Result<Import, ImportError> {
    let Read {
        mut findings,
        mut notes,
        files,
        models,
    } = read_all(directors)?;
    let inputs: Vec<cluster::Input<'_>> = directors
        .iter()
        .zip(&models)
        .map(|((name, _), director)| cluster::Input { name, director })
        .collect();
    let draft = cluster::draft(&inputs, options, &mut findings)?;
    weights(&draft, &mut findings);
    findings.sort_by(|a, b| (&a.director, &a.place).cmp(&(&b.director, &b.place)));
    notes.sort_by(|a, b| (&a.director, &a.place).cmp(&(&b.director, &b.place)));
    let names: Vec<&str> = directors.iter().map(|(name, _)| name.as_str()).collect();
    let mut header = vec![format!(
        "Imported by `lvs-dr-gen import` from the keepalived.conf of {}.",
        names.join(", ")
    )];
    if !findings.is_empty() {
        header.push(format!(
            "Incomplete: {} part(s) of the configuration are not expressed here; import's report lists each with its file and line.",
            findings.len()
        ));
    }
    let inventory = draft.yaml(&header);
    prove(&inventory, &inputs, &findings)?;
    Ok(Import {
        inventory,
        findings,
        notes,
        files,
    })
}

/// Every director's configuration read and extracted.
struct Read {
    findings: Vec<Finding>,
    notes: Vec<Note>,
    files: Vec<(String, Vec<String>)>,
    models: Vec<model::Director>,
}

/// Reads and extracts each director's configuration.
fn read_all(directors: &[(String, Root)]) -> Result<Read, ImportError> {
    let mut read = Read {
        findings: Vec::new(),
        notes: Vec::new(),
        files: Vec::new(),
        models: Vec::new(),
    };
    for (name, root) in directors {
        let config = keepalived_conf::read(root, KEEPALIVED_CONF, name)
            .map_err(|error| ImportError::Read(format!("{name}: {error}")))?;
        for unread in &config.unread {
            read.findings.push(Finding {
                director: name.clone(),
                place: unread.place.clone(),
                part: "not read".into(),
                reason: unread.reason.clone(),
                dropped: Vec::new(),
            });
        }
        let extracted = extract::extract(name, &config.statements);
        read.findings.extend(extracted.findings);
        read.notes.extend(extracted.notes);
        read.files.push((name.clone(), config.files));
        read.models.push(extracted.director);
    }
    Ok(read)
}

/// A host whose weight differs between services (0, drained, aside) is
/// reported: the inventory gives a host one weight.
fn weights(draft: &draft::Draft, findings: &mut Vec<Finding>) {
    for host in &draft.hosts {
        if let Err(service) = host.weight() {
            findings.push(Finding {
                director: draft.directors.first().map(|d| d.name.clone()).unwrap_or_default(),
                place: Place { file: String::new(), line: 0 },
                part: format!("the weights of {}", host.name),
                reason: format!("its weight in {service} differs from its weight elsewhere: the inventory gives a host one weight (and 0 where drained)"),
                dropped: Vec::new(),
            });
        }
    }
}

/// Validates and renders `inventory`, reads each director's rendered
/// keepalived.conf back, and compares its meaning with the original's,
/// both less what the findings leave out.
fn prove(
    inventory: &str,
    inputs: &[cluster::Input<'_>],
    findings: &[Finding],
) -> Result<(), ImportError> {
    let file = "inventory.yaml";
    let raw = crate::inventory::parse(file, inventory)
        .map_err(|problem| ImportError::Invalid(problem.to_string()))?;
    let model = crate::validate::validate(file, &raw).map_err(|problems| {
        ImportError::Invalid(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let tree = crate::render::Renderer::new(None)
        .and_then(|renderer| renderer.render(&model))
        .map_err(|error| ImportError::Invalid(error.to_string()))?;
    let dropped: Vec<String> = findings
        .iter()
        .flat_map(|f| f.dropped.iter().cloned())
        .collect();
    for input in inputs {
        let Some(director) = model.directors.iter().find(|d| d.name == input.name) else {
            continue;
        };
        let path = std::path::Path::new(&director.name).join(&director.keepalived_path);
        let text = tree
            .get(&path)
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default();
        let statements = keepalived_conf::read_text(KEEPALIVED_CONF, &text, input.name);
        let rendered = extract::extract(input.name, &statements).director;
        let keep = |lines: BTreeSet<String>| -> BTreeSet<String> {
            lines
                .into_iter()
                .filter(|line| !meaning::dropped(line, &dropped))
                .collect()
        };
        let original = keep(meaning::lines(input.director));
        let again = keep(meaning::lines(&rendered));
        if original != again {
            let list = |a: &BTreeSet<String>, b: &BTreeSet<String>| {
                a.difference(b).fold(String::new(), |mut text, line| {
                    let _ = write!(text, "\n  {line}");
                    text
                })
            };
            return Err(ImportError::Meaning {
                director: input.name.to_owned(),
                original: list(&original, &again),
                rendered: list(&again, &original),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn puppet() -> (Vec<(String, Root)>, Options) {
        let case =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import/corpus/puppet");
        let directors = ["lb1", "lb2"]
            .map(|name| {
                (
                    name.to_owned(),
                    Root::open(&case.join("directors").join(name)).unwrap(),
                )
            })
            .into_iter()
            .collect();
        let mut options = Options::default();
        for (name, address) in [
            ("lb1", "192.0.2.2"),
            ("lb2", "192.0.2.3"),
            ("web1", "192.0.2.21"),
            ("web2", "192.0.2.22"),
        ] {
            options
                .addresses
                .insert(name.into(), vec![address.parse().unwrap()]);
        }
        (directors, options)
    }

    /// The proof is real: the imported inventory proves, the same with one
    /// weight changed, one priority changed or a VIP added does not.
    #[test]
    fn a_changed_inventory_does_not_prove() {
        let (directors, options) = puppet();
        let outcome = import(&directors, &options).unwrap();
        assert!(outcome.complete(), "{:?}", outcome.findings);
        let read = read_all(&directors).unwrap();
        let inputs: Vec<cluster::Input<'_>> = directors
            .iter()
            .zip(&read.models)
            .map(|((name, _), director)| cluster::Input { name, director })
            .collect();
        assert!(prove(&outcome.inventory, &inputs, &[]).is_ok());
        for (from, to) in [
            ("    weight: 2\n", "    weight: 3\n"),
            ("    priority: 150\n", "    priority: 140\n"),
            (
                "vips: [198.51.100.10, 198.51.100.11]",
                "vips: [198.51.100.10, 198.51.100.11, 198.51.100.12]",
            ),
            ("    scheduler: wrr\n", "    scheduler: rr\n"),
            ("      connect_timeout: 3\n", "      connect_timeout: 4\n"),
        ] {
            assert!(outcome.inventory.contains(from), "{from}");
            let changed = outcome.inventory.replace(from, to);
            match prove(&changed, &inputs, &[]) {
                Err(ImportError::Meaning {
                    original, rendered, ..
                }) => {
                    assert!(!original.is_empty() || !rendered.is_empty());
                }
                other => panic!("{from} -> {to}: {other:?}"),
            }
        }
    }

    /// The active-active corpus case with each director's keepalived.conf
    /// changed by `edit`, imported.
    fn active_active(edit: impl Fn(&str, &str) -> String) -> Result<Import, ImportError> {
        let case = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/import/corpus/active-active/directors");
        let dir = tempfile::tempdir().unwrap();
        let mut directors = Vec::new();
        for name in ["lb1", "lb2"] {
            let conf =
                std::fs::read_to_string(case.join(name).join("etc/keepalived/keepalived.conf"))
                    .unwrap();
            let folder = dir.path().join(name).join("etc/keepalived");
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("keepalived.conf"), edit(name, &conf)).unwrap();
            directors.push((name.to_owned(), Root::open(&dir.path().join(name)).unwrap()));
        }
        let mut options = Options::default();
        for (name, address) in [("lb1", "192.0.2.2"), ("lb2", "192.0.2.3")] {
            options
                .addresses
                .insert(name.into(), vec![address.parse().unwrap()]);
        }
        import(&directors, &options)
    }

    /// Several VRRP instances import as groups, completely; what groups
    /// cannot express is a finding with its place, never dropped silently:
    /// a sync daemon bound to one instance, a group without a master, a
    /// virtual server whose VIPs are in two groups.
    #[test]
    fn groups_import_and_what_they_cannot_express_is_reported() {
        let complete = active_active(|_, conf| conf.to_owned()).unwrap();
        assert!(complete.complete(), "{:?}", complete.findings);
        assert!(complete.inventory.contains("  groups:\n    A:\n      virtual_router_id: 70\n      services: [service1]\n      priorities: {lb1: 150, lb2: 100}\n"), "{}", complete.inventory);
        let parts = |outcome: &Import| -> Vec<String> {
            outcome
                .findings
                .iter()
                .map(|f| format!("{} {}: {}", f.director, f.place, f.part))
                .collect()
        };
        let bound = active_active(|_, conf| {
            conf.replace(
                "lvs_sync_daemon eth0 id 70",
                "lvs_sync_daemon eth0 inst A id 70",
            )
        })
        .unwrap();
        assert_eq!(
            parts(&bound),
            [
                "lb1 /etc/keepalived/keepalived.conf:6: lvs_sync_daemon",
                "lb2 /etc/keepalived/keepalived.conf:6: lvs_sync_daemon"
            ]
        );
        let tie = active_active(|name, conf| {
            if name == "lb2" {
                conf.replace("priority 150", "priority 100")
            } else {
                conf.to_owned()
            }
        })
        .unwrap();
        let found = parts(&tie);
        assert!(
            found.contains(
                &"lb1 /etc/keepalived/keepalived.conf:20: VRRP group B (virtual_router_id 71)"
                    .to_owned()
            ),
            "{found:?}"
        );
        assert!(
            tie.findings
                .iter()
                .any(|f| f.dropped == ["TCP 198.51.100.41:80"]),
            "{found:?}"
        );
        let span = active_active(|_, conf| {
            conf.replace("virtual_server 198.51.100.41 80 {", "virtual_server_group both {\n    198.51.100.40 8080\n    198.51.100.41 8080\n}\nvirtual_server 198.51.100.41 80 {")
                .replace("virtual_server 198.51.100.40 80 {\n    delay_loop 6", "virtual_server group both {\n    delay_loop 6\n    lvs_sched wlc\n    lvs_method DR\n    protocol TCP\n    real_server 192.0.2.41 8080 {\n    }\n}\nvirtual_server 198.51.100.40 80 {\n    delay_loop 6")
        })
        .unwrap();
        assert!(
            span.findings
                .iter()
                .any(|f| f.reason.contains("in 2 VRRP groups (A, B)")),
            "{:?}",
            span.findings
        );
    }

    /// What a finding leaves out is left out of the comparison, and only
    /// that: the VIP dropped, the check of one real server dropped.
    #[test]
    fn left_out_keys_match_their_facts_only() {
        let keys = [
            "vip 10.0.0.1".to_owned(),
            "TCP 10.0.0.1:80 -> 10.0.0.11 check".to_owned(),
        ];
        assert!(meaning::dropped("vip 10.0.0.1: vrid 1", &keys));
        assert!(!meaning::dropped("vip 10.0.0.10: vrid 1", &keys));
        assert!(meaning::dropped(
            "TCP 10.0.0.1:80 -> 10.0.0.11 check: [x]",
            &keys
        ));
        assert!(!meaning::dropped(
            "TCP 10.0.0.1:80 -> 10.0.0.11: weight 1",
            &keys
        ));
        let server = ["TCP 10.0.0.1:80".to_owned()];
        assert!(meaning::dropped(
            "TCP 10.0.0.1:80 -> 10.0.0.11: weight 1",
            &server
        ));
        assert!(meaning::dropped(
            "TCP 10.0.0.1:80 -> 10.0.0.11 check: [x]",
            &server
        ));
        assert!(!meaning::dropped(
            "TCP 10.0.0.1:8080: scheduler wlc",
            &server
        ));
    }
}
