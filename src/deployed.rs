//! `deployed`: the inventory a cluster was last rolled out with, taken from
//! its machines, not from whoever ran the last rollout.
//!
//! Each machine keeps the inventory it was last rolled out with
//! (contrib/ansible records it in `/var/lib/lvs-dr-gen/inventory.yaml` after
//! `apply` succeeded there). A rollout tool fetches those records into one
//! folder, a folder per machine asked, named after it, with the machine's
//! `inventory.yaml` in it when it has one (an empty file counts as none, so
//! that `ssh MACHINE cat ... >FILE` can fetch it); this module decides from
//! them:
//!
//! - **agreed**: every record is the same, and every machine asked that
//!   the recorded inventory names has one: that is OLD for `plan`;
//! - **first rollout**: no machine asked has a record;
//! - **disagree**: two records differ (a rollout stopped half-way, or a
//!   change made by hand), or a machine the recorded inventory names has
//!   none (reinstalled, or left out of a rollout): the report says which
//!   machines hold what, what differs (`plan` from one to the other) and
//!   how to converge. Nothing may be planned from such a cluster until it
//!   agrees; `--from MACHINE` takes one machine's record on purpose.
//!
//! Pure but for reading the folder (`read`), so the rules are unit-tested.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use crate::rollout::{self, RolloutPlan};
use crate::validate::model::Inventory;
use crate::{inventory, validate};

/// The record's file name in each machine's folder.
pub const RECORD: &str = "inventory.yaml";

/// One machine asked, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// Its name (its folder's).
    pub name: String,
    /// The record's text, when it has one.
    pub record: Option<String>,
}

/// What the records say.
#[derive(Debug)]
pub enum Verdict {
    /// The deployed inventory, and what to tell the user.
    Agreed {
        /// The record, byte for byte.
        text: String,
        /// A line for standard error.
        summary: String,
    },
    /// No machine has a record.
    FirstRollout {
        /// A line for standard error.
        summary: String,
    },
    /// Who holds what, and what differs.
    Disagree(Disagreement),
}

/// Machines that disagree on the deployed inventory.
#[derive(Debug)]
pub struct Disagreement {
    /// Each distinct record, in the order of its first holder.
    pub versions: Vec<RecordVersion>,
    /// The machines asked that the first version names but that hold none.
    pub forgotten: Vec<String>,
    /// What each later version changes from the first (`plan`).
    pub differences: Vec<Difference>,
}

/// One version of the record.
#[derive(Debug, PartialEq, Eq)]
pub struct RecordVersion {
    /// A short fingerprint, to tell versions apart.
    pub fingerprint: String,
    /// The record's file, below the folder read.
    pub file: String,
    /// The machines that hold it.
    pub holders: Vec<String>,
}

/// What a later version changes from the first.
#[derive(Debug)]
pub struct Difference {
    /// The first version's file.
    pub from: String,
    /// The later version's file.
    pub to: String,
    /// The rollout from one to the other.
    pub plan: RolloutPlan,
}

/// The machines' folders below `dir`, by name, with their records.
pub fn read(dir: &Path) -> Result<Vec<Machine>, String> {
    let entries =
        fs::read_dir(dir).map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    let mut machines = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
        let path = entry.path();
        if !path.is_dir() {
            return Err(format!(
                "{} is not a folder: {} holds one folder per machine asked, named after it",
                path.display(),
                dir.display()
            ));
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let file = path.join(RECORD);
        let record = match fs::read_to_string(&file) {
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => Some(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(format!("cannot read {}: {error}", file.display())),
        };
        machines.insert(name.clone(), Machine { name, record });
    }
    Ok(machines.into_values().collect())
}

/// One version of the record, and the machines that hold it.
struct Version<'a> {
    text: &'a str,
    holders: Vec<&'a str>,
    model: Inventory,
    file: String,
}

/// A short fingerprint of a record, to tell versions apart in reports.
fn fingerprint(text: &str) -> String {
    format!("{:x}", md5::compute(text.as_bytes()))[..12].to_owned()
}

/// Decides from the machines asked (`dir` names their folders in
/// messages); `from` takes that machine's record whatever the others hold.
/// An unreadable or invalid record is trouble (`Err`), naming its file.
pub fn decide(dir: &str, machines: &[Machine], from: Option<&str>) -> Result<Verdict, String> {
    let versions = versions(dir, machines)?;
    if let Some(from) = from {
        return chosen(&versions, machines, from);
    }
    let Some(first) = versions.first() else {
        return Ok(Verdict::FirstRollout {
            summary: format!(
                "no machine of the {} asked has a deployed inventory: a first rollout",
                machines.len()
            ),
        });
    };
    let forgotten = forgotten(&first.model, machines);
    if versions.len() == 1 && forgotten.is_empty() {
        let without: Vec<&str> = machines
            .iter()
            .filter(|machine| machine.record.is_none())
            .map(|machine| machine.name.as_str())
            .collect();
        let mut summary = format!(
            "{} agree on the deployed inventory {}",
            plural_machines(first.holders.len()),
            fingerprint(first.text)
        );
        if !without.is_empty() {
            let _ = write!(
                summary,
                "; {} without one, not in it: {}",
                plural_machines(without.len()),
                without.join(", ")
            );
        }
        return Ok(Verdict::Agreed {
            text: first.text.to_owned(),
            summary,
        });
    }
    Ok(Verdict::Disagree(disagreement(&versions, &forgotten)))
}

fn plural_machines(count: usize) -> String {
    format!("{count} machine{}", if count == 1 { "" } else { "s" })
}

/// The distinct records, each validated, in the order of their first
/// holder (machines are sorted by name).
fn versions<'a>(dir: &str, machines: &'a [Machine]) -> Result<Vec<Version<'a>>, String> {
    let mut versions: Vec<Version> = Vec::new();
    for machine in machines {
        let Some(text) = machine.record.as_deref() else {
            continue;
        };
        if let Some(version) = versions.iter_mut().find(|v| v.text == text) {
            version.holders.push(&machine.name);
            continue;
        }
        let file = format!("{dir}/{}/{RECORD}", machine.name);
        let model = inventory::parse(&file, text)
            .map_err(|problem| vec![*problem])
            .and_then(|raw| validate::validate(&file, &raw))
            .map_err(|problems| {
                let first = problems
                    .first()
                    .map_or_else(String::new, ToString::to_string);
                format!(
                    "{file}, the inventory recorded on {}, is not a valid inventory ({} problems; \
                     the first: {first})",
                    machine.name,
                    problems.len()
                )
            })?;
        versions.push(Version {
            text,
            holders: vec![&machine.name],
            model,
            file,
        });
    }
    Ok(versions)
}

/// The machines asked that `model` names (a host or a director) but that
/// have no record.
fn forgotten<'a>(model: &Inventory, machines: &'a [Machine]) -> Vec<&'a str> {
    machines
        .iter()
        .filter(|machine| machine.record.is_none() && names(model, &machine.name))
        .map(|machine| machine.name.as_str())
        .collect()
}

fn names(model: &Inventory, name: &str) -> bool {
    model.hosts.iter().any(|host| host.name == name)
        || model.directors.iter().any(|director| director.name == name)
}

/// `--from MACHINE`: its record, on purpose.
fn chosen(versions: &[Version], machines: &[Machine], from: &str) -> Result<Verdict, String> {
    if !machines.iter().any(|machine| machine.name == from) {
        return Err(format!(
            "--from {from}: {from} is not one of the machines asked"
        ));
    }
    let Some(version) = versions.iter().find(|v| v.holders.contains(&from)) else {
        return Err(format!("--from {from}: {from} has no deployed inventory"));
    };
    let others = versions.len() - 1;
    Ok(Verdict::Agreed {
        text: version.text.to_owned(),
        summary: format!(
            "the deployed inventory {} of {from}, as asked (--from), held by {}; {others} other \
             version{} on the machines",
            fingerprint(version.text),
            version.holders.join(", "),
            if others == 1 { "" } else { "s" }
        ),
    })
}

/// Who holds what, and what differs.
fn disagreement(versions: &[Version], forgotten: &[&str]) -> Disagreement {
    let first = &versions[0];
    Disagreement {
        versions: versions
            .iter()
            .map(|version| RecordVersion {
                fingerprint: fingerprint(version.text),
                file: version.file.clone(),
                holders: version
                    .holders
                    .iter()
                    .map(|name| (*name).to_owned())
                    .collect(),
            })
            .collect(),
        forgotten: forgotten.iter().map(|name| (*name).to_owned()).collect(),
        differences: versions
            .iter()
            .skip(1)
            .map(|version| Difference {
                from: first.file.clone(),
                to: version.file.clone(),
                plan: rollout::plan(&first.model, &version.model, rollout::Rules::default()),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::{decide, Machine, Verdict};

    const A: &str = "version: 1\nservices:\n  www: {vips: [198.51.100.1], ports: [80]}\nhosts:\n  \
                     rs1: {address: 192.0.2.11, services: [www]}\n  \
                     rs2: {address: 192.0.2.12, services: [www]}\n";

    fn b() -> String {
        format!("{A}  rs3: {{address: 192.0.2.13, services: [www]}}\n")
    }

    fn machine(name: &str, record: Option<&str>) -> Machine {
        Machine {
            name: name.to_owned(),
            record: record.map(str::to_owned),
        }
    }

    #[test]
    fn the_same_record_everywhere_is_the_deployed_inventory() {
        let machines = [
            machine("rs1", Some(A)),
            machine("rs2", Some(A)),
            machine("rs9", None),
        ];
        let Ok(Verdict::Agreed { text, summary }) = decide("d", &machines, None) else {
            panic!("not agreed");
        };
        assert_eq!(text, A);
        assert!(summary.starts_with("2 machines agree"), "{summary}");
        assert!(
            summary.ends_with("1 machine without one, not in it: rs9"),
            "{summary}"
        );
    }

    #[test]
    fn no_record_anywhere_is_a_first_rollout() {
        let machines = [machine("rs1", None), machine("rs2", None)];
        assert!(matches!(
            decide("d", &machines, None),
            Ok(Verdict::FirstRollout { .. })
        ));
    }

    #[test]
    fn two_records_disagree_with_who_holds_what_and_what_differs() {
        let b = b();
        let machines = [machine("rs1", Some(A)), machine("rs2", Some(&b))];
        let Ok(Verdict::Disagree(report)) = decide("d", &machines, None) else {
            panic!("not a disagreement");
        };
        let files: Vec<(&str, &[String])> = report
            .versions
            .iter()
            .map(|version| (version.file.as_str(), version.holders.as_slice()))
            .collect();
        assert_eq!(
            files,
            [
                ("d/rs1/inventory.yaml", &["rs1".to_owned()][..]),
                ("d/rs2/inventory.yaml", &["rs2".to_owned()][..])
            ]
        );
        assert_eq!(report.differences.len(), 1);
    }

    #[test]
    fn a_machine_the_record_names_without_one_disagrees() {
        let machines = [machine("rs1", Some(A)), machine("rs2", None)];
        let Ok(Verdict::Disagree(report)) = decide("d", &machines, None) else {
            panic!("not a disagreement");
        };
        assert_eq!(report.forgotten, ["rs2"]);
        assert!(report.differences.is_empty());
    }

    #[test]
    fn from_takes_one_machines_record_on_purpose() {
        let b = b();
        let machines = [machine("rs1", Some(A)), machine("rs2", Some(&b))];
        let Ok(Verdict::Agreed { text, .. }) = decide("d", &machines, Some("rs2")) else {
            panic!("not agreed");
        };
        assert_eq!(text, b);
        assert!(decide("d", &machines, Some("rs7")).is_err());
    }

    #[test]
    fn an_invalid_record_is_trouble_naming_its_file() {
        let machines = [machine("rs1", Some("version: 1\nhosts: {}\n"))];
        let error = decide("d", &machines, None).expect_err("invalid");
        assert!(
            error.starts_with("d/rs1/inventory.yaml, the inventory recorded on rs1"),
            "{error}"
        );
    }
}
