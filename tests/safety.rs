//! The output directory as a trust boundary: links and special files below
//! it are refused and nothing outside is touched; runs killed at any point
//! leave every file old or new and the next run converges; concurrent runs
//! take turns.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use crate::support::{lvs_dr_gen, read_tree, text, Run, INVENTORY};

const MANIFEST: &str = ".lvs-dr-gen-manifest";

/// A workspace with the inventory, an output directory `out`, and a folder
/// `outside` with one precious file that no run may touch.
struct Setup {
    dir: tempfile::TempDir,
    precious: PathBuf,
    precious_before: (Vec<u8>, SystemTime),
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("inventory.yaml"), INVENTORY).expect("inventory");
        fs::create_dir_all(dir.path().join("outside")).expect("outside");
        let precious = dir.path().join("outside/60-lvs-dr.conf");
        fs::write(&precious, "precious\n").expect("precious");
        let precious_before = file_state(&precious);
        Setup {
            dir,
            precious,
            precious_before,
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// `lvs-dr-gen COMMAND inventory.yaml --out out` in the workspace.
    fn lvs(&self, command: &str) -> Run {
        lvs_dr_gen([command, "inventory.yaml", "--out", "out"]).dir(self.dir.path())
    }

    /// Asserts that `render` and `check` both refuse with exactly
    /// `message`, and that neither the output directory nor anything
    /// outside it changed.
    fn assert_refused(&self, message: &str) {
        let before = snapshot(&self.path("out"));
        for command in ["check", "render"] {
            self.lvs(command)
                .status(2)
                .stdout("")
                .stderr(format!("error: in out: {message}\n"))
                .run();
        }
        assert_eq!(snapshot(&self.path("out")), before, "nothing written");
        assert_eq!(
            file_state(&self.precious),
            self.precious_before,
            "the file outside is untouched"
        );
        assert_eq!(fs::read_dir(self.path("outside")).unwrap().count(), 1);
    }
}

/// A file's bytes and mtime.
fn file_state(path: &Path) -> (Vec<u8>, SystemTime) {
    let meta = fs::symlink_metadata(path).expect("metadata");
    (
        fs::read(path).expect("read"),
        meta.modified().expect("mtime"),
    )
}

/// Every entry below `root` without following links: path → what it is
/// (a link's target, a file's bytes, "dir" or "other").
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut entries = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("entry").path();
            let kind = fs::symlink_metadata(&path).expect("metadata").file_type();
            let what = if kind.is_symlink() {
                format!("link {}", fs::read_link(&path).unwrap().display())
            } else if kind.is_dir() {
                pending.push(path.clone());
                "dir".into()
            } else if kind.is_file() {
                text(&fs::read(&path).unwrap())
            } else {
                "other".into()
            };
            entries.insert(path.strip_prefix(root).unwrap().to_path_buf(), what);
        }
    }
    entries
}

fn refusal(path: &str, kind: &str, wanted: &str) -> String {
    format!(
        "{path} is {kind}, where lvs-dr-gen needs {wanted}; it never follows links or touches \
         other kinds of file below the output directory: remove it, or choose another output directory"
    )
}

#[test]
fn a_linked_host_folder_is_refused() {
    let setup = Setup::new();
    fs::create_dir(setup.path("out")).unwrap();
    symlink("../outside", setup.path("out/web01")).unwrap();
    setup.assert_refused(&refusal("web01", "a symbolic link", "a folder"));
}

#[test]
fn a_linked_etc_is_refused() {
    let setup = Setup::new();
    fs::create_dir_all(setup.path("out/web02")).unwrap();
    symlink(setup.path("outside"), setup.path("out/web02/etc")).unwrap();
    setup.assert_refused(&refusal("web02/etc", "a symbolic link", "a folder"));
}

#[test]
fn a_linked_file_is_refused_even_when_listed_in_the_manifest() {
    let setup = Setup::new();
    setup.lvs("render").run();
    let target = setup.path("out/web01/etc/sysctl.d/60-lvs-dr.conf");
    fs::remove_file(&target).unwrap();
    symlink(&setup.precious, &target).unwrap();
    setup.assert_refused(&refusal(
        "web01/etc/sysctl.d/60-lvs-dr.conf",
        "a symbolic link",
        "a regular file",
    ));
}

#[test]
fn a_manifest_line_behind_a_linked_folder_removes_nothing_outside() {
    let setup = Setup::new();
    setup.lvs("render").run();
    fs::create_dir(setup.path("out/ghost")).unwrap();
    symlink(setup.path("outside"), setup.path("out/ghost/etc")).unwrap();
    let mut manifest = fs::read_to_string(setup.path("out").join(MANIFEST)).unwrap();
    manifest.push_str("ghost/etc/60-lvs-dr.conf\n");
    fs::write(setup.path("out").join(MANIFEST), manifest).unwrap();
    setup.assert_refused(&refusal("ghost/etc", "a symbolic link", "a folder"));
}

#[test]
fn a_linked_manifest_is_refused() {
    let setup = Setup::new();
    fs::create_dir(setup.path("out")).unwrap();
    symlink(&setup.precious, setup.path("out").join(MANIFEST)).unwrap();
    setup.assert_refused(&refusal(MANIFEST, "a symbolic link", "a regular file"));
}

#[test]
fn a_fifo_or_a_folder_where_a_file_goes_is_refused() {
    let setup = Setup::new();
    fs::create_dir_all(setup.path("out/web01/etc/sysctl.d")).unwrap();
    let status = Command::new("mkfifo")
        .arg(setup.path("out/web01/etc/sysctl.d/60-lvs-dr.conf"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    setup.assert_refused(&refusal(
        "web01/etc/sysctl.d/60-lvs-dr.conf",
        "a FIFO",
        "a regular file",
    ));
    fs::remove_file(setup.path("out/web01/etc/sysctl.d/60-lvs-dr.conf")).unwrap();
    fs::create_dir(setup.path("out/web01/etc/sysctl.d/60-lvs-dr.conf")).unwrap();
    setup.assert_refused(&refusal(
        "web01/etc/sysctl.d/60-lvs-dr.conf",
        "a folder",
        "a regular file",
    ));
}

#[test]
fn a_file_where_a_folder_goes_is_refused() {
    let setup = Setup::new();
    fs::create_dir_all(setup.path("out/web01")).unwrap();
    fs::write(setup.path("out/web01/etc"), "a file\n").unwrap();
    setup.assert_refused(&refusal("web01/etc", "a regular file", "a folder"));
}

#[test]
fn the_output_directory_itself_may_be_a_link() {
    let setup = Setup::new();
    fs::create_dir(setup.path("real-out")).unwrap();
    symlink("real-out", setup.path("out")).unwrap();
    setup.lvs("render").run();
    setup.lvs("check").run();
    assert!(setup
        .path("real-out/web01/etc/sysctl.d/60-lvs-dr.conf")
        .is_file());
}

#[test]
fn leftover_temp_files_are_shown_by_check_and_removed_by_render() {
    let setup = Setup::new();
    setup.lvs("render").run();
    let leftover = setup.path("out/web01/etc/sysctl.d/.lvs-dr-gen-Ab12Cd");
    fs::write(&leftover, "half").unwrap();
    let not_ours = setup.path("out/web01/etc/sysctl.d/.lvs-dr-gen-mine");
    fs::write(&not_ours, "kept").unwrap();
    setup
        .lvs("check")
        .status(1)
        .stdout(
            "Only in web01/etc/sysctl.d: .lvs-dr-gen-Ab12Cd (temp file of an interrupted run)\n",
        )
        .stderr("out: 1 file would change; run `lvs-dr-gen render` to update\n")
        .run();
    setup
        .lvs("render")
        .stdout(
            "2 hosts: 0 files written, 5 unchanged, 0 removed; \
             1 temp file of an interrupted run removed\n",
        )
        .stderr("")
        .run();
    assert!(!leftover.exists());
    assert!(not_ours.exists(), "only names of the exact pattern go");
    setup.lvs("check").run();
}

#[test]
fn a_host_selection_leaves_the_other_hosts_leftovers_alone() {
    let setup = Setup::new();
    setup.lvs("render").run();
    let theirs = setup.path("out/web02/etc/sysctl.d/.lvs-dr-gen-Zz99zz");
    let ours = setup.path("out/web01/etc/sysctl.d/.lvs-dr-gen-Aa11aa");
    fs::write(&theirs, "half").unwrap();
    fs::write(&ours, "half").unwrap();
    setup.lvs("render").args(["--host", "web01"]).run();
    assert!(!ours.exists());
    assert!(theirs.exists(), "web02 was not selected");
}

#[test]
fn a_run_waits_for_one_that_holds_the_lock() {
    let setup = Setup::new();
    fs::create_dir(setup.path("out")).unwrap();
    // flock(1) holds the same lock a run takes: flock(2) on the directory.
    let mut holder = Command::new("flock")
        .args(["--exclusive", "out", "--command", "sleep 2"])
        .current_dir(setup.dir.path())
        .spawn()
        .expect("flock(1) runs");
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    setup
        .lvs("render")
        .stderr("waiting for another lvs-dr-gen run in out to finish\n")
        .run();
    assert!(start.elapsed() >= Duration::from_millis(1200), "it waited");
    assert!(holder.wait().unwrap().success());
}

/// An inventory of `hosts` generated hosts (bench/gen-inventory), with
/// `somaxconn` in every host's sysctl file.
fn generated_inventory(hosts: usize, somaxconn: u32) -> String {
    let output = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/gen-inventory"))
        .arg(hosts.to_string())
        .output()
        .expect("bench/gen-inventory runs");
    assert!(output.status.success());
    text(&output.stdout).replace(
        "net.core.somaxconn: 4096",
        &format!("net.core.somaxconn: {somaxconn}"),
    )
}

#[test]
fn two_runs_at_once_take_turns() {
    let work = tempfile::tempdir().unwrap();
    fs::write(
        work.path().join("inventory.yaml"),
        generated_inventory(200, 4096),
    )
    .unwrap();
    let halves: [Vec<String>; 2] = [(0..100), (100..200)].map(|range| {
        range
            .flat_map(|host| ["--host".to_owned(), format!("web{host:05}")])
            .collect()
    });
    for round in 0..20 {
        let out = format!("out{round}");
        let runs: Vec<_> = halves
            .iter()
            .map(|half| {
                lvs_dr_gen(["render", "inventory.yaml", "--out", &out])
                    .args(half)
                    .dir(work.path())
                    .spawn()
            })
            .collect();
        for run in runs {
            run.wait();
        }
        // Round `round`: both halves are in the manifest and on disk.
        lvs_dr_gen(["check", "inventory.yaml", "--out", &out])
            .dir(work.path())
            .run();
    }
}

/// The state of one file after a killed run, compared with the trees
/// before and after.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Phase {
    /// Nothing had changed yet.
    NotStarted,
    /// Some files old, some new, or temp files about.
    Midway,
    /// Every file was new.
    Done,
}

/// The system calls at which the kill test stops `render`: together they
/// cover the whole run (reading the tree, staging, the sync, renaming,
/// removing, the manifest).
const KILL_SYSCALLS: [&str; 4] = ["openat", "syncfs", "renameat", "unlinkat"];

/// Kills `render` with SIGKILL at 26 points spread over a run that
/// creates, updates and removes hundreds of files, and after each asserts:
/// every file is its old or its new contents, byte for byte; `check` names
/// exactly the files still to change; the next `render` converges, leaves
/// no temp file, and `check` then finds nothing.
///
/// The points are exact, not timed: strace(1) counts a full run's system
/// calls, then delivers SIGKILL on entry to the Nth `openat`, `syncfs`,
/// `renameat` or `unlinkat` of the run under test (`-e inject`).
#[test]
fn a_run_killed_anywhere_leaves_old_or_new_files_and_the_next_converges() {
    let work = memory_backed_tempdir();
    let root = work.path();
    let render = |out: &str| {
        lvs_dr_gen(["render", "inventory.yaml", "--out", out])
            .dir(root)
            .run();
    };
    // The old tree has 20 hosts more; in the new one every sysctl file
    // changes, every other file stays.
    fs::write(root.join("inventory.yaml"), generated_inventory(220, 4096)).unwrap();
    render("old");
    fs::write(root.join("inventory.yaml"), generated_inventory(200, 8192)).unwrap();
    render("new");
    let old = read_tree(&root.join("old"), &[MANIFEST]);
    let new = read_tree(&root.join("new"), &[MANIFEST]);

    copy_tree(&root.join("old"), &root.join("counted"));
    let counts = count_syscalls(root, "counted");
    let renames = counts["renameat"];
    let mut midway_renames = 0;
    for (syscall, nth) in kill_points(&counts) {
        let out = format!("killed-{syscall}-{nth}");
        copy_tree(&root.join("old"), &root.join(&out));
        kill_render_at(root, &out, syscall, nth);
        let phase = assert_old_or_new(&root.join(&out), &old, &new);
        // Rename 1 puts the covering manifest in place; renames 2 to
        // renames - 1 the new files, all staged by then.
        if syscall == "renameat" && (2..renames).contains(&nth) {
            assert_eq!(phase, Phase::Midway, "killed at {syscall} {nth}");
            midway_renames += 1;
        }
        assert_check_lists_exactly_the_difference(root, &out, &new);
        render(&out);
        assert_same_files(&read_tree(&root.join(&out), &[MANIFEST]), &new, &out);
        lvs_dr_gen(["check", "inventory.yaml", "--out", &out])
            .dir(root)
            .run();
    }
    assert!(
        midway_renames >= 8,
        "kills inside the rename phase: {midway_renames}"
    );
}

/// Asserts that two trees hold the same files, naming those that differ.
fn assert_same_files(
    actual: &BTreeMap<PathBuf, Vec<u8>>,
    expected: &BTreeMap<PathBuf, Vec<u8>>,
    what: &str,
) {
    let differing: Vec<_> = actual
        .keys()
        .chain(expected.keys())
        .filter(|path| actual.get(*path) != expected.get(*path))
        .collect();
    assert!(differing.is_empty(), "{what}: not converged: {differing:?}");
}

/// How often a full `render` of `out` makes each of [`KILL_SYSCALLS`].
fn count_syscalls(root: &Path, out: &str) -> BTreeMap<&'static str, u32> {
    let trace_calls = format!("trace={}", KILL_SYSCALLS.join(","));
    let trace = lvs_dr_gen(["render", "inventory.yaml", "--out", out])
        .dir(root)
        .under([
            "strace",
            "-f",
            "-qq",
            "-o",
            "/dev/stderr",
            "-e",
            trace_calls.as_str(),
        ])
        .run()
        .stderr;
    KILL_SYSCALLS
        .into_iter()
        .map(|syscall| {
            let calls = trace
                .lines()
                .filter(|line| line.contains(&format!("{syscall}(")))
                .count();
            (syscall, u32::try_from(calls).unwrap())
        })
        .collect()
}

/// 26 (system call, Nth call) pairs spread over the run: 10 `openat`, both
/// `syncfs`, 10 `renameat`, 4 `unlinkat`, each set evenly over its calls,
/// first and last included.
fn kill_points(counts: &BTreeMap<&'static str, u32>) -> Vec<(&'static str, u32)> {
    let spread = |syscall: &'static str, points: u32| {
        let calls = counts[syscall];
        assert!(calls >= points, "{syscall}: only {calls} calls");
        (0..points).map(move |point| (syscall, 1 + point * (calls - 1) / (points - 1)))
    };
    spread("openat", 10)
        .chain(spread("syncfs", 2))
        .chain(spread("renameat", 10))
        .chain(spread("unlinkat", 4))
        .collect()
}

/// Runs `render` on `out` under strace, which sends it SIGKILL on entry to
/// the `nth` call of `syscall`; asserts that it died of it.
fn kill_render_at(root: &Path, out: &str, syscall: &str, nth: u32) {
    let status = lvs_dr_gen(["render", "inventory.yaml", "--out", out])
        .dir(root)
        .under([
            "strace",
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            "-e",
            format!("trace={syscall}").as_str(),
            "-e",
            format!("inject={syscall}:signal=KILL:when={nth}").as_str(),
        ])
        .output()
        .status;
    // strace exits as its tracee did: killed by SIGKILL.
    assert_eq!(
        status.signal().or(status.code().map(|code| code - 128)),
        Some(9),
        "render was killed at {syscall} {nth}"
    );
}

/// A temp directory on tmpfs where there is one: a kill test needs no
/// disk, and syncfs(2) on a disk shared with other work can take seconds.
fn memory_backed_tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    }
}

fn copy_tree(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Every file below `out` holds its old or new contents; temp files are
/// the only others. Returns how far the killed run had got.
fn assert_old_or_new(
    out: &Path,
    old: &BTreeMap<PathBuf, Vec<u8>>,
    new: &BTreeMap<PathBuf, Vec<u8>>,
) -> Phase {
    let now = read_tree(out, &[MANIFEST]);
    let mut temp_files = 0;
    for (path, contents) in &now {
        if is_temp_file(path) {
            temp_files += 1;
            continue;
        }
        assert!(
            old.get(path) == Some(contents) || new.get(path) == Some(contents),
            "{}: neither the old nor the new contents",
            path.display()
        );
    }
    let files: BTreeMap<_, _> = now
        .into_iter()
        .filter(|(path, _)| !is_temp_file(path))
        .collect();
    if temp_files == 0 && &files == old {
        Phase::NotStarted
    } else if temp_files == 0 && &files == new {
        Phase::Done
    } else {
        Phase::Midway
    }
}

fn is_temp_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with(".lvs-dr-gen-") && name != MANIFEST)
}

/// `check` lists (as diff headers or "Only in" lines) exactly the files
/// that differ from `new`, and the temp files.
fn assert_check_lists_exactly_the_difference(
    root: &Path,
    out: &str,
    new: &BTreeMap<PathBuf, Vec<u8>>,
) {
    let now = read_tree(&root.join(out), &[MANIFEST]);
    let mut expected: Vec<String> = now
        .iter()
        .filter(|(path, contents)| is_temp_file(path) || new.get(*path) != Some(*contents))
        .map(|(path, _)| path.display().to_string())
        .chain(
            new.keys()
                .filter(|path| !now.contains_key(*path))
                .map(|path| path.display().to_string()),
        )
        .collect();
    expected.sort();
    let check = lvs_dr_gen(["check", "inventory.yaml", "--out", out])
        .dir(root)
        .output();
    let mut listed: Vec<String> = check
        .stdout
        .lines()
        .filter_map(|line| {
            if let Some(rest) = line.strip_prefix("Only in ") {
                let (folder, name) = rest.split_once(": ")?;
                let name = name.split(' ').next()?;
                return Some(if folder == "." {
                    name.to_owned()
                } else {
                    format!("{folder}/{name}")
                });
            }
            let path = line
                .strip_prefix("--- a/")
                .or(line.strip_prefix("+++ b/"))?;
            Some(path.to_owned())
        })
        .collect();
    listed.sort();
    listed.dedup();
    assert_eq!(listed, expected, "check lists exactly what differs");
    assert_eq!(check.code(), i32::from(!expected.is_empty()));
}
