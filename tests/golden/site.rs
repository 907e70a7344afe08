//! The site cases: each folder under golden/site/ holds a `site.yaml` and
//! the cluster inventories it lists, and runs in a scratch copy (the site
//! writes beside its file):
//!
//! - valid: `site render site.yaml` writes exactly `expected/` (the output
//!   folders, without their manifests), `site validate` prints
//!   `expected.validate.txt`, and `site check` then finds every folder in
//!   sync;
//! - invalid: `site render` prints exactly `expected.stderr` and exits with
//!   `expected.status`, `--format json` prints `expected.jsonl` (one object
//!   per problem, each on its file), and nothing is written;
//! - with an `old/site.yaml`: `site plan old/site.yaml site.yaml` prints
//!   `expected.plan.txt`, `.json` and `.md` on standard output, exiting
//!   `expected.plan.status`.
//!
//! Besides (`site-checks::<what>`): each cluster's files from `site render`
//! are byte for byte `render`'s of its inventory, `site check` in one run
//! names the problems of three files with their lines, paths are relative
//! to the site file's folder, and `site check` exits 1 naming the one
//! cluster whose folder is out of sync (after a clean run exits 0).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use libtest_mimic::{Failed, Trial};

use crate::render::{check_json_lines, compare_trees};
use crate::support::{diff, lvs_dr_gen, read_tree, updating, Output};
use crate::{read, verdict, Kind};

const MANIFEST: &str = ".lvs-dr-gen-manifest";

/// The site cases: every folder of golden/site/.
pub const KIND: Kind = Kind {
    name: "site",
    root: "golden/site",
    inputs: &["site.yaml"],
    at_least: 10,
    not_cases: &[],
};

/// A test per case, and the checks beside them.
pub fn trials() -> Vec<Trial> {
    let mut trials = KIND.trials(check);
    trials.extend([
        Trial::test(
            "site-checks::clusters-render-as-their-inventories-alone",
            clusters_render_as_their_inventories_alone,
        ),
        Trial::test(
            "site-checks::check-names-every-problem-of-three-files",
            check_names_every_problem_of_three_files,
        ),
        Trial::test(
            "site-checks::paths-are-relative-to-the-site-files-folder",
            paths_are_relative_to_the_site_files_folder,
        ),
        Trial::test(
            "site-checks::check-finds-the-cluster-out-of-sync",
            check_finds_the_cluster_out_of_sync,
        ),
    ]);
    trials
}

/// The folder golden/site/`name`.
fn case_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(KIND.root)
        .join(name)
}

/// Copies the case's inputs (everything but `expected*`) into `into`;
/// their paths.
fn scratch(case: &Path, into: &Path) -> Vec<PathBuf> {
    let inputs: Vec<PathBuf> = read_tree(case, &[])
        .into_keys()
        .filter(|path| !path.to_string_lossy().starts_with("expected"))
        .collect();
    for path in &inputs {
        let target = into.join(path);
        fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        fs::copy(case.join(path), target).expect("copy");
    }
    inputs
}

/// The files below `dir` that are not inputs or manifests.
fn written(dir: &Path, inputs: &[PathBuf]) -> BTreeMap<PathBuf, Vec<u8>> {
    read_tree(dir, &[])
        .into_iter()
        .filter(|(path, _)| !inputs.contains(path) && !path.ends_with(MANIFEST))
        .collect()
}

/// `lvs-dr-gen site ARGS` in `dir`.
fn site(dir: &Path, args: &[&str]) -> Output {
    lvs_dr_gen(["site"]).args(args).dir(dir).output()
}

/// Runs one case; compares, or rewrites the expectations with
/// `UPDATE_GOLDEN=1`.
pub fn check(case: &Path) -> Result<(), String> {
    run(case, updating())
}

/// Runs one case and compares it with its expectations, whatever
/// `UPDATE_GOLDEN` says (for the negative controls).
pub fn compare(case: &Path) -> Result<(), String> {
    run(case, false)
}

/// Runs one case; rewrites its expectations if `update`, else compares.
fn run(case: &Path, update: bool) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let inputs = scratch(case, dir.path());
    let mut problems = Vec::new();
    let render = site(dir.path(), &["render", "site.yaml"]);
    if render.code() == 0 {
        check_valid(case, dir.path(), &inputs, &render, update, &mut problems);
    } else {
        check_invalid(case, dir.path(), &inputs, &render, update, &mut problems);
    }
    if case.join("old/site.yaml").exists() {
        check_plan(case, dir.path(), update, &mut problems);
    }
    verdict(&problems)
}

/// A valid site: the files written, `validate`'s text, `check` in sync.
fn check_valid(
    case: &Path,
    dir: &Path,
    inputs: &[PathBuf],
    render: &Output,
    update: bool,
    problems: &mut Vec<String>,
) {
    let tree = written(dir, inputs);
    let validate = site(dir, &["validate", "site.yaml"]);
    let validate_text = format!("{}{}", validate.stdout, validate.stderr);
    if update {
        let expected = case.join("expected");
        let _ = fs::remove_dir_all(&expected);
        for (path, contents) in &tree {
            let target = expected.join(path);
            fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            fs::write(target, contents).expect("write expected file");
        }
        fs::write(case.join("expected.validate.txt"), &validate_text).expect("write");
        return;
    }
    if !render.stderr.is_empty() {
        problems.push(format!(
            "site render wrote to standard error:\n{}",
            render.stderr
        ));
    }
    compare_trees(&read_tree(&case.join("expected"), &[]), &tree, problems);
    let expected = read(&case.join("expected.validate.txt"));
    if validate_text != expected {
        problems.push(diff(&expected, &validate_text, "expected.validate.txt"));
    }
    if validate.code() != 0 {
        problems.push(format!("site validate exited {}", validate.code()));
    }
    let check = site(dir, &["check", "site.yaml"]);
    if check.code() != 0 || !check.stdout.is_empty() {
        problems.push(format!(
            "site check after site render: exit {}\n{}{}",
            check.code(),
            check.stdout,
            check.stderr
        ));
    }
}

/// An invalid site: the messages, the exit status, the JSON lines, and
/// nothing written.
fn check_invalid(
    case: &Path,
    dir: &Path,
    inputs: &[PathBuf],
    render: &Output,
    update: bool,
    problems: &mut Vec<String>,
) {
    let status = render.code();
    let json = site(dir, &["render", "site.yaml", "--format", "json"]);
    if update {
        let _ = fs::remove_dir_all(case.join("expected"));
        fs::write(case.join("expected.stderr"), &render.stderr).expect("write");
        fs::write(case.join("expected.status"), format!("{status}\n")).expect("write");
        fs::write(case.join("expected.jsonl"), &json.stdout).expect("write");
        return;
    }
    let expected_status = read(&case.join("expected.status"));
    if status.to_string() != expected_status.trim() {
        problems.push(format!(
            "exit status {status}, expected {}",
            expected_status.trim()
        ));
    }
    let expected_stderr = read(&case.join("expected.stderr"));
    if render.stderr != expected_stderr {
        problems.push(diff(&expected_stderr, &render.stderr, "stderr"));
    }
    if json.code() != status {
        problems.push(format!("--format json: exit {}, not {status}", json.code()));
    }
    let expected_json = read(&case.join("expected.jsonl"));
    if json.stdout != expected_json {
        problems.push(diff(&expected_json, &json.stdout, "expected.jsonl"));
    }
    problems.extend(check_json_lines(&json.stdout, &render.stderr));
    let tree = written(dir, inputs);
    if !tree.is_empty() {
        problems.push(format!("an invalid site wrote files: {:?}", tree.keys()));
    }
}

/// `site plan old/site.yaml site.yaml` in text, JSON and Markdown.
fn check_plan(case: &Path, dir: &Path, update: bool, problems: &mut Vec<String>) {
    let run = |format: &str| {
        site(
            dir,
            &["plan", "old/site.yaml", "site.yaml", "--format", format],
        )
    };
    let outputs = [
        ("txt", run("text")),
        ("json", run("json")),
        ("md", run("markdown")),
    ];
    let status = outputs[0].1.code();
    if update {
        for (extension, output) in &outputs {
            let name = format!("expected.plan.{extension}");
            fs::write(case.join(name), &output.stdout).expect("write");
        }
        fs::write(case.join("expected.plan.status"), format!("{status}\n")).expect("write");
        return;
    }
    let expected_status = read(&case.join("expected.plan.status"));
    if status.to_string() != expected_status.trim() {
        problems.push(format!(
            "plan exit {status}, expected {}",
            expected_status.trim()
        ));
    }
    for (extension, output) in &outputs {
        if output.code() != status {
            problems.push(format!("plan --format {extension}: exit {}", output.code()));
        }
        let name = format!("expected.plan.{extension}");
        let expected = read(&case.join(&name));
        if output.stdout != expected {
            problems.push(diff(&expected, &output.stdout, &name));
        }
    }
    match serde_json::from_str::<serde_json::Value>(&outputs[1].1.stdout) {
        Ok(document) => {
            let safe = document["safe"].as_bool();
            if safe != Some(status == 0) {
                problems.push(format!("\"safe\": {safe:?} but exit status {status}"));
            }
        }
        Err(error) => problems.push(format!("plan --format json is not one document: {error}")),
    }
}

/// Each cluster's files from `site render` are byte for byte those of
/// `render` on its inventory alone, manifests included: a site changes
/// nothing of what a cluster gets. (Negative control: two clusters'
/// folders differ.)
fn clusters_render_as_their_inventories_alone() -> Result<(), Failed> {
    let dir = tempfile::tempdir().expect("temp dir");
    scratch(&case_dir("three-clusters"), dir.path());
    let rendered = site(dir.path(), &["render", "site.yaml"]);
    if rendered.code() != 0 {
        return Err(format!("site render: {}", rendered.stderr).into());
    }
    let alone = tempfile::tempdir().expect("temp dir");
    for name in ["east", "west", "mail"] {
        let out = alone.path().join(name);
        let inventory = format!("clusters/{name}.yaml");
        let render = lvs_dr_gen(["render", inventory.as_str(), "--out"])
            .args([out.to_str().expect("utf-8")])
            .dir(dir.path())
            .output();
        if render.code() != 0 {
            return Err(format!("render {inventory}: {}", render.stderr).into());
        }
        let by_site = read_tree(&dir.path().join("rendered").join(name), &[]);
        let by_render = read_tree(&out, &[]);
        if by_site.len() <= 5 || by_site != by_render {
            return Err(format!(
                "{name}: site render wrote {:?}, render {:?}",
                by_site.keys(),
                by_render.keys()
            )
            .into());
        }
    }
    let east = read_tree(&dir.path().join("rendered/east"), &[]);
    if east == read_tree(&alone.path().join("west"), &[]) {
        return Err("the east and west folders are the same: the comparison shows nothing".into());
    }
    Ok(())
}

/// `site check` is one command for a site of three clusters: every
/// problem of every file, each on its file, line and column, in text and
/// as JSON lines for the CI annotations; exit 2, nothing compared.
fn check_names_every_problem_of_three_files() -> Result<(), Failed> {
    let dir = tempfile::tempdir().expect("temp dir");
    scratch(&case_dir("invalid-cluster-files"), dir.path());
    let output = site(dir.path(), &["check", "site.yaml", "--format", "json"]);
    if output.code() != 2 {
        return Err(format!("exit {}, not 2", output.code()).into());
    }
    let lines: Vec<serde_json::Value> = output
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let files: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter_map(|line| line["file"].as_str())
        .collect();
    if files.len() < 3 {
        return Err(format!("problems in only {files:?}").into());
    }
    for line in &lines {
        let placed = line["line"].as_u64().is_some_and(|n| n > 0)
            && line["column"].as_u64().is_some_and(|n| n > 0)
            && line["path"].as_str().is_some();
        if !placed {
            return Err(format!("a problem without its place: {line}").into());
        }
    }
    Ok(())
}

/// A site in a folder: the site file's folder is joined to every path it
/// gives, in messages too.
fn paths_are_relative_to_the_site_files_folder() -> Result<(), Failed> {
    let dir = tempfile::tempdir().expect("temp dir");
    scratch(
        &case_dir("invalid-vip-in-two-clusters"),
        &dir.path().join("lvs"),
    );
    let output = site(dir.path(), &["validate", "lvs/site.yaml"]);
    let stderr = &output.stderr;
    let as_expected = output.code() == 2
        && stderr.starts_with("lvs/west.yaml:")
        && stderr.contains("(lvs/east.yaml:")
        && stderr.ends_with("lvs/site.yaml: 1 problem found\n");
    if as_expected {
        Ok(())
    } else {
        Err(format!("exit {}:\n{stderr}", output.code()).into())
    }
}

/// `site check` after `site render` exits 0; after one cluster's inventory
/// changes, 1, naming that cluster and only its files, in text and JSON.
fn check_finds_the_cluster_out_of_sync() -> Result<(), Failed> {
    let dir = tempfile::tempdir().expect("temp dir");
    scratch(&case_dir("three-clusters"), dir.path());
    let rendered = site(dir.path(), &["render", "site.yaml"]);
    let clean = site(dir.path(), &["check", "site.yaml"]);
    if rendered.code() != 0 || clean.code() != 0 {
        return Err(format!("render {}, check {}", rendered.code(), clean.code()).into());
    }
    let east = dir.path().join("clusters/east.yaml");
    let text = fs::read_to_string(&east).expect("read");
    fs::write(&east, text.replace("weight: 2", "weight: 3")).expect("write");
    let check = site(dir.path(), &["check", "site.yaml"]);
    let json = site(dir.path(), &["check", "site.yaml", "--format", "json"]);
    let files: Vec<String> = json
        .stdout
        .lines()
        .map(|line| {
            let line: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            line["file"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    let as_expected = check.code() == 1
        && json.code() == 1
        && check
            .stderr
            .starts_with("east: rendered/east: 2 files would change\n")
        && check
            .stderr
            .contains("west: rendered/west: in sync (12 files)\n")
        && check.stderr.ends_with(
            "site.yaml: 1 of 3 clusters out of sync; run `lvs-dr-gen site render site.yaml` to \
             update\n",
        )
        && check
            .stdout
            .contains("-        weight 2\n+        weight 3\n")
        && files
            == [
                "rendered/east/lb-east1/etc/keepalived/keepalived.conf",
                "rendered/east/lb-east2/etc/keepalived/keepalived.conf",
            ];
    if as_expected {
        Ok(())
    } else {
        Err(format!(
            "exit {} and {}:\n{}{}\n{files:?}",
            check.code(),
            json.code(),
            check.stderr,
            check.stdout
        )
        .into())
    }
}
