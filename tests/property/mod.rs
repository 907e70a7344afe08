//! Property tests of the whole pipeline, through the real binary: generated
//! inventories (`spec`, written as YAML in many ways by `yaml`) must render,
//! deterministically, whatever their presentation and host order; each
//! single mutation that makes one of them invalid (`mutate`) must be
//! refused with exit 2, a message naming the inventory path, and nothing
//! written; and no corrupted text may make the binary panic.
//!
//! A fixed seed and case counts by default (CI); `LVS_PROPERTY_CASES=N`
//! runs N cases of each property, `LVS_PROPERTY_SEED=S` another seed.
//! `LVS_PROPERTY_DUMP=DIR` with the ignored test `property::dump` writes
//! generated inventories and their rendered trees for the consumer check
//! (tests/consumers/property).

pub mod mutate;
pub mod spec;
pub mod yaml;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

use crate::support::{lvs_dr_gen, read_tree, Output};

/// Cases of the render property in a plain `cargo test` (each renders
/// four times); the refusal and corruption properties run more, being
/// cheaper.
const RENDER_CASES: u32 = 256;
/// Cases of the refusal and corruption properties in a plain `cargo test`.
const REFUSE_CASES: u32 = 512;
/// The seed of a plain `cargo test`.
const DEFAULT_SEED: u64 = 20_261_126;
const MANIFEST: &str = ".lvs-dr-gen-manifest";

type Tree = BTreeMap<PathBuf, Vec<u8>>;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |value| {
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a whole number"))
    })
}

/// A runner with the configured case count and seed.
fn runner(cases: u32) -> (TestRunner, u64) {
    let seed = env_number("LVS_PROPERTY_SEED", DEFAULT_SEED);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    (TestRunner::new_with_rng(config, rng), seed)
}

/// Runs `test` on `cases` values of `strategy` and prints the count and
/// time past the test harness's capture, so CI logs show them.
fn check<S: Strategy>(
    name: &str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: Debug,
{
    let cases = u32::try_from(env_number("LVS_PROPERTY_CASES", u64::from(default_cases)))
        .expect("a case count below 2^32");
    let (mut runner, seed) = runner(cases);
    let start = Instant::now();
    let result = runner.run(&strategy, test);
    let line = format!(
        "property {name}: {cases} cases, seed {seed}, {:.1} s: {}\n",
        start.elapsed().as_secs_f64(),
        if result.is_ok() { "passed" } else { "FAILED" }
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Err(error) = result {
        panic!("property {name} (seed {seed}): {error}");
    }
}

/// A fresh scratch directory, on tmpfs when there is one: every render
/// ends with `syncfs`, which on a disk waits for everything other
/// processes wrote (here it made a case up to ten times slower).
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return dir;
        }
    }
    tempfile::tempdir().expect("temp dir")
}

/// Writes `inventory` into a fresh directory and runs `args` there, with
/// `OUT` standing for the output directory (also fresh).
fn run_on(inventory: &str, args: &[&str]) -> (Output, Tree, tempfile::TempDir) {
    let dir = scratch();
    std::fs::write(dir.path().join("inventory.yaml"), inventory).expect("write inventory");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("utf-8 temp path").to_owned();
    let args: Vec<&str> = args
        .iter()
        .map(|arg| if *arg == "OUT" { out_arg.as_str() } else { arg })
        .collect();
    let output = lvs_dr_gen(args).dir(dir.path()).output();
    let tree = read_tree(&out, &[]);
    (output, tree, dir)
}

fn render(inventory: &str) -> (Output, Tree) {
    let (output, tree, _dir) = run_on(inventory, &["render", "inventory.yaml", "--out", "OUT"]);
    (output, tree)
}

/// Fails unless `output` is a clean exit 0 without a panic.
fn rendered(output: &Output, inventory: &str) -> Result<(), TestCaseError> {
    let stderr = &output.stderr;
    prop_assert!(
        output.status.code() == Some(0),
        "a valid inventory was not rendered (exit {:?}):\n{stderr}\n--- inventory:\n{inventory}",
        output.status.code()
    );
    Ok(())
}

/// Fails if a message shows a control character (other than a newline
/// or a tab) raw: it could move the cursor or recolour the user's terminal.
fn no_raw_controls(stderr: &str, inventory: &str) -> Result<(), TestCaseError> {
    let raw = stderr
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t'));
    prop_assert!(
        raw.is_none(),
        "the message shows {:?} raw:\n{}\n--- inventory:\n{inventory}",
        raw.unwrap_or_default(),
        stderr.escape_debug()
    );
    Ok(())
}

/// The files of `tree` that belong to a host (not to a director, not the
/// manifest).
fn host_files<'a>(tree: &'a Tree, hosts: &[String]) -> BTreeMap<&'a PathBuf, &'a Vec<u8>> {
    tree.iter()
        .filter(|(path, _)| {
            path.components()
                .next()
                .is_some_and(|first| hosts.iter().any(|host| first.as_os_str() == host.as_str()))
        })
        .collect()
}

/// The lines of a file, sorted: the same for two keepalived.conf files that
/// list the same real servers in another order.
fn sorted_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    lines.sort_unstable();
    lines
}

/// The first IPVS virtual service (address, port, protocol) that a
/// keepalived.conf defines twice, if any.
fn duplicate_virtual_server(bytes: &[u8]) -> Option<String> {
    let config = String::from_utf8_lossy(bytes);
    let mut seen = Vec::new();
    let mut current = None;
    for line in config.lines() {
        if let Some(rest) = line.strip_prefix("virtual_server ") {
            current = Some(rest.trim_end_matches(" {").to_owned());
        } else if let (Some(protocol), Some(server)) =
            (line.strip_prefix("    protocol "), current.take())
        {
            let key = format!("{server} {protocol}");
            if seen.contains(&key) {
                return Some(key);
            }
            seen.push(key);
        }
    }
    None
}

/// A shuffle of `0..count` from `seed`.
fn shuffled(count: usize, seed: u64) -> Vec<usize> {
    let mut dice = yaml::Dice::new(seed);
    let mut order: Vec<usize> = (0..count).collect();
    for index in (1..count).rev() {
        order.swap(index, dice.below(index + 1));
    }
    order
}

fn differing(a: &Tree, b: &Tree) -> Vec<String> {
    let mut paths: Vec<String> = a
        .iter()
        .filter(|(path, bytes)| b.get(*path) != Some(*bytes))
        .map(|(path, _)| path.display().to_string())
        .collect();
    paths.extend(
        b.keys()
            .filter(|path| !a.contains_key(*path))
            .map(|path| path.display().to_string()),
    );
    paths
}

#[test]
fn valid_inventories_render_deterministically() {
    let strategy = (spec::inventory(), any::<u64>(), any::<u64>(), any::<u64>());
    check(
        "render",
        RENDER_CASES,
        strategy,
        |(spec, look, other_look, order_seed)| {
            let identity: Vec<usize> = (0..spec.hosts.len()).collect();
            let inventory = yaml::write(&spec.to_node(&identity), look);
            let (output, first, dir) =
                run_on(&inventory, &["render", "inventory.yaml", "--out", "OUT"]);
            rendered(&output, &inventory)?;
            prop_assert!(!first.is_empty(), "nothing rendered:\n{inventory}");
            // check right after render: in sync.
            let out = dir.path().join("out");
            let out = out.to_str().expect("utf-8 temp path");
            let check = lvs_dr_gen(["check", "inventory.yaml", "--out", out])
                .dir(dir.path())
                .output();
            prop_assert!(
                check.status.code() == Some(0),
                "check right after render: exit {:?}\n{}{}\n--- inventory:\n{inventory}",
                check.status.code(),
                check.stdout,
                check.stderr
            );

            for (path, bytes) in &first {
                let duplicate = duplicate_virtual_server(bytes);
                prop_assert!(
                    duplicate.is_none(),
                    "{} defines {:?} twice:\n{inventory}",
                    path.display(),
                    duplicate
                );
            }

            // Twice: byte-identical, the manifest included.
            let (output, second) = render(&inventory);
            rendered(&output, &inventory)?;
            prop_assert!(
                first == second,
                "two renders differ in {:?}:\n{inventory}",
                differing(&first, &second)
            );

            // Written another way (flow or block, key order, quoting, comments,
            // line endings): the same tree.
            let restyled = yaml::write(&spec.to_node(&identity), other_look);
            let (output, third) = render(&restyled);
            rendered(&output, &restyled)?;
            prop_assert!(
                first == third,
                "the same inventory written two ways renders differently in {:?}:\n\
             --- first:\n{inventory}\n--- second:\n{restyled}",
                differing(&first, &third)
            );

            // Hosts in another order: every host's files are the same; the
            // directors list the same real servers (in inventory order).
            let order = shuffled(spec.hosts.len(), order_seed);
            let reordered = yaml::write(&spec.to_node(&order), look);
            let (output, fourth) = render(&reordered);
            rendered(&output, &reordered)?;
            let hosts: Vec<String> = spec.hosts.iter().map(|host| host.name.clone()).collect();
            prop_assert!(
            host_files(&first, &hosts) == host_files(&fourth, &hosts),
            "reordering the hosts changed a host's files:\n--- first:\n{inventory}\n--- reordered:\n{reordered}"
        );
            let files = |tree: &Tree| -> Vec<PathBuf> {
                tree.keys()
                    .filter(|p| *p != Path::new(MANIFEST))
                    .cloned()
                    .collect()
            };
            prop_assert_eq!(files(&first), files(&fourth));
            for (path, bytes) in &first {
                if path != Path::new(MANIFEST) {
                    prop_assert!(
                        sorted_lines(bytes) == sorted_lines(&fourth[path]),
                        "reordering the hosts changed more than the order of {}:\n{reordered}",
                        path.display()
                    );
                }
            }
            Ok(())
        },
    );
}

#[test]
fn mutated_inventories_are_refused_with_their_path() {
    let strategy = (spec::inventory(), any::<u64>(), any::<u64>());
    check("refuse", REFUSE_CASES, strategy, |(spec, look, choice)| {
        let identity: Vec<usize> = (0..spec.hosts.len()).collect();
        let root = spec.to_node(&identity);
        let mutation = mutate::mutate(&root, choice).expect("every inventory has a mutation");
        let inventory = yaml::write(&mutation.root, look);
        let (output, tree, dir) = run_on(&inventory, &["render", "inventory.yaml", "--out", "OUT"]);
        let stderr = &output.stderr;
        prop_assert!(
            output.status.code() == Some(2),
            "{} was not refused with exit 2 (exit {:?}):\n{stderr}\n--- inventory:\n{inventory}",
            mutation.what,
            output.status.code()
        );
        prop_assert!(
            stderr.contains(&format!("{}: ", mutation.path)),
            "the error for {} does not name `{}`:\n{stderr}\n--- inventory:\n{inventory}",
            mutation.what,
            mutation.path
        );
        prop_assert!(!stderr.contains("panicked"), "{stderr}");
        no_raw_controls(stderr, &inventory)?;
        prop_assert!(
            tree.is_empty() && !dir.path().join("out").exists(),
            "{} wrote {:?}",
            mutation.what,
            tree.keys()
        );
        Ok(())
    });
}

#[test]
fn corrupted_text_never_panics() {
    let edits = proptest::collection::vec((any::<u64>(), any::<u8>()), 1..4);
    let strategy = (spec::inventory(), any::<u64>(), edits);
    check("corrupt", REFUSE_CASES, strategy, |(spec, look, edits)| {
        let identity: Vec<usize> = (0..spec.hosts.len()).collect();
        let mut bytes = yaml::write(&spec.to_node(&identity), look).into_bytes();
        for (at, byte) in edits {
            let at = usize::try_from(at % (bytes.len() as u64)).expect("small");
            match byte % 3 {
                0 => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, byte),
                _ => bytes[at] = byte,
            }
        }
        let dir = scratch();
        std::fs::write(dir.path().join("inventory.yaml"), &bytes).expect("write inventory");
        let output = lvs_dr_gen(["validate", "inventory.yaml"])
            .dir(dir.path())
            .output();
        let stderr = &output.stderr;
        let inventory = String::from_utf8_lossy(&bytes);
        prop_assert!(
            matches!(output.status.code(), Some(0 | 2)) && !stderr.contains("panicked"),
            "exit {:?}:\n{stderr}\n--- inventory:\n{inventory}",
            output.status.code()
        );
        no_raw_controls(stderr, &inventory)?;
        prop_assert!(
            output.status.code() == Some(0) || stderr.contains("error"),
            "exit 2 without an error message:\n{stderr}\n--- inventory:\n{inventory}"
        );
        Ok(())
    });
}

/// Writes `LVS_PROPERTY_DUMP_CASES` (300) generated inventories and their
/// rendered trees to `$LVS_PROPERTY_DUMP/case-NNNN/{inventory.yaml,out/}`,
/// for the consumer check.
#[test]
#[ignore = "run by tests/consumers/property"]
fn dump() {
    let dir = PathBuf::from(std::env::var("LVS_PROPERTY_DUMP").expect("LVS_PROPERTY_DUMP=DIR"));
    let count = env_number("LVS_PROPERTY_DUMP_CASES", 300);
    let (mut runner, seed) = runner(1);
    let strategy = (spec::inventory(), any::<u64>());
    for case in 0..count {
        let (spec, look) = strategy
            .new_tree(&mut runner)
            .expect("a generated inventory")
            .current();
        let identity: Vec<usize> = (0..spec.hosts.len()).collect();
        let inventory = yaml::write(&spec.to_node(&identity), look);
        let case_dir = dir.join(format!("case-{case:04}"));
        std::fs::create_dir_all(&case_dir).expect("create the case directory");
        std::fs::write(case_dir.join("inventory.yaml"), &inventory).expect("write inventory");
        lvs_dr_gen(["render", "inventory.yaml", "--out", "out"])
            .dir(&case_dir)
            .run();
    }
    let line = format!(
        "dumped {count} rendered inventories (seed {seed}) to {}\n",
        dir.display()
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
}
