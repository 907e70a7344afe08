//! The one module that touches the output directory.
//!
//! A run first *plans*: it compares the rendered tree with the disk and with
//! the manifest of files lvs-dr-gen wrote before, and refuses to go on if it
//! would overwrite a file it did not write. `render` then *applies* the plan
//! (each file atomically: written to a temp file beside it, all of them
//! flushed to disk with one syncfs(2), then renamed into place; unchanged
//! files are not touched, so their mtime stays), and `check` prints it as a
//! unified diff.
//! The manifest on disk always lists at least every file lvs-dr-gen owns,
//! even if a run is cut short, so no file is ever orphaned or taken for a
//! foreign one.

use std::collections::BTreeSet;
use std::fs::{self, File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use similar::TextDiff;

use crate::render::Tree;

/// The manifest's file name, at the top of the output directory.
pub const MANIFEST_NAME: &str = ".lvs-dr-gen-manifest";

const MANIFEST_HEADER: &str =
    "# Files written by lvs-dr-gen. It updates and removes only the files listed here.\n";

/// Generated files are configuration read by root-run services: rw-r--r--.
const FILE_MODE: u32 = 0o644;

/// Why the output directory could not be planned or written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file system operation failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// Files in the way that lvs-dr-gen did not write.
    #[error("{} not written by lvs-dr-gen (not in {MANIFEST_NAME}); move {} away or choose another output directory:\n{}",
        if .paths.len() == 1 { "this file is" } else { "these files are" },
        if .paths.len() == 1 { "it" } else { "them" },
        .paths.iter().map(|p| format!("  {}", p.display())).collect::<Vec<_>>().join("\n"))]
    Foreign {
        /// The files, below the output directory.
        paths: Vec<PathBuf>,
    },
    /// A manifest line that is not a safe relative path.
    #[error("{}: line {line} is not a path below the output directory; restore the file or delete the line", .manifest.display())]
    CorruptManifest {
        /// The manifest.
        manifest: PathBuf,
        /// The line number, from 1.
        line: usize,
    },
}

impl OutputError {
    /// The stable name of this kind of error in JSON diagnostics (README,
    /// "JSON diagnostics"); each new kind gets its own.
    pub fn code(&self) -> &'static str {
        match self {
            OutputError::Io { .. } => "output-io",
            OutputError::Foreign { .. } => "output-foreign-file",
            OutputError::CorruptManifest { .. } => "output-corrupt-manifest",
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One file that a run would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new file.
    Create {
        /// Below the output directory.
        path: PathBuf,
        /// The new contents.
        new: Vec<u8>,
    },
    /// A file lvs-dr-gen wrote before, with other contents now.
    Update {
        /// Below the output directory.
        path: PathBuf,
        /// The contents on disk.
        old: Vec<u8>,
        /// The new contents.
        new: Vec<u8>,
    },
    /// A file lvs-dr-gen wrote before that the inventory no longer produces.
    Remove {
        /// Below the output directory.
        path: PathBuf,
        /// The contents on disk.
        old: Vec<u8>,
    },
}

/// What a run would do to the output directory.
#[derive(Debug)]
pub struct Plan {
    out: PathBuf,
    /// The files that would change, in path order.
    pub changes: Vec<Change>,
    /// How many rendered files are already up to date.
    pub unchanged: usize,
    manifest_before: BTreeSet<PathBuf>,
    manifest_after: BTreeSet<PathBuf>,
}

/// What `apply` did, for the summary line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files created or updated.
    pub written: usize,
    /// Files already up to date.
    pub unchanged: usize,
    /// Files removed.
    pub removed: usize,
}

/// Compares the rendered `tree` with the output directory `out`. Files that
/// lvs-dr-gen wrote before and `tree` lacks are removed: all of them, or
/// with `only_hosts` (a `--host` selection) only those in these hosts'
/// folders.
pub fn plan(
    out: &Path,
    tree: &Tree,
    only_hosts: Option<&BTreeSet<String>>,
) -> Result<Plan, OutputError> {
    let manifest_before = read_manifest(out)?;
    let mut changes = Vec::new();
    let mut unchanged = 0;
    let mut foreign = Vec::new();
    for (path, new) in tree {
        match read_existing(&out.join(path))? {
            Existing::Missing => changes.push(Change::Create {
                path: path.clone(),
                new: new.clone(),
            }),
            Existing::File(old) if old == *new => unchanged += 1,
            Existing::File(old) if manifest_before.contains(path) => changes.push(Change::Update {
                path: path.clone(),
                old,
                new: new.clone(),
            }),
            Existing::File(_) | Existing::NotAFile => foreign.push(path.clone()),
        }
    }
    if !foreign.is_empty() {
        return Err(OutputError::Foreign { paths: foreign });
    }
    let in_scope = |path: &Path| match (only_hosts, path.components().next()) {
        (None, _) => true,
        (Some(hosts), Some(Component::Normal(host))) => hosts.contains(&*host.to_string_lossy()),
        (Some(_), _) => false,
    };
    let mut manifest_after: BTreeSet<PathBuf> = tree.keys().cloned().collect();
    for path in &manifest_before {
        if tree.contains_key(path) {
            continue;
        }
        if !in_scope(path) {
            manifest_after.insert(path.clone());
            continue;
        }
        if let Existing::File(old) = read_existing(&out.join(path))? {
            changes.push(Change::Remove {
                path: path.clone(),
                old,
            });
        }
    }
    changes.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(Plan {
        out: out.to_path_buf(),
        changes,
        unchanged,
        manifest_before,
        manifest_after,
    })
}

impl Change {
    /// The file's path below the output directory.
    pub fn path(&self) -> &Path {
        match self {
            Change::Create { path, .. }
            | Change::Update { path, .. }
            | Change::Remove { path, .. } => path,
        }
    }
}

enum Existing {
    Missing,
    File(Vec<u8>),
    NotAFile,
}

/// Reads a file without following a symlink in its place.
fn read_existing(path: &Path) -> Result<Existing, OutputError> {
    match fs::symlink_metadata(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Existing::Missing),
        Err(error) => Err(io_error(path)(error)),
        Ok(meta) if !meta.is_file() => Ok(Existing::NotAFile),
        Ok(_) => fs::read(path).map(Existing::File).map_err(io_error(path)),
    }
}

fn read_manifest(out: &Path) -> Result<BTreeSet<PathBuf>, OutputError> {
    let manifest = out.join(MANIFEST_NAME);
    let text = match fs::read_to_string(&manifest) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        result => result.map_err(io_error(&manifest))?,
    };
    let mut paths = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let path = PathBuf::from(line);
        let safe = path
            .components()
            .all(|part| matches!(part, Component::Normal(_)));
        if !safe || path.as_os_str().is_empty() {
            return Err(OutputError::CorruptManifest {
                manifest,
                line: index + 1,
            });
        }
        paths.insert(path);
    }
    Ok(paths)
}

fn manifest_text(paths: &BTreeSet<PathBuf>) -> Vec<u8> {
    let mut text = MANIFEST_HEADER.to_owned();
    for path in paths {
        text.push_str(&path.to_string_lossy());
        text.push('\n');
    }
    text.into_bytes()
}

impl Plan {
    /// Carries the plan out: the manifest first grows to cover every file
    /// about to be written, then files are written and removed, then the
    /// manifest shrinks to what is now on disk.
    pub fn apply(&self) -> Result<Summary, OutputError> {
        let mut summary = Summary {
            unchanged: self.unchanged,
            ..Summary::default()
        };
        if !self.changes.is_empty() {
            fs::create_dir_all(&self.out).map_err(io_error(&self.out))?;
            let covering = self
                .manifest_before
                .union(&self.manifest_after)
                .cloned()
                .collect();
            self.write_manifest(&covering)?;
            summary.written = self.install_new_contents()?;
            summary.removed = self.remove_old_files()?;
            // The renames and removals are durable before the manifest
            // forgets the removed files.
            sync_file_system(&self.out)?;
        }
        self.write_manifest(&self.manifest_after)?;
        Ok(summary)
    }

    /// Writes every created or updated file: all are staged and flushed to
    /// disk with one sync before any is renamed into place, so after a
    /// crash every file holds its old or its new text.
    fn install_new_contents(&self) -> Result<usize, OutputError> {
        let mut staged = Vec::new();
        for change in &self.changes {
            if let Change::Create { path, new } | Change::Update { path, new, .. } = change {
                staged.push(stage(&self.out.join(path), new)?);
            }
        }
        sync_file_system(&self.out)?;
        let count = staged.len();
        for file in staged {
            file.install()?;
        }
        Ok(count)
    }

    /// Removes the files the inventory no longer produces, and the folders
    /// that leaves empty.
    fn remove_old_files(&self) -> Result<usize, OutputError> {
        let mut count = 0;
        for change in &self.changes {
            if let Change::Remove { path, .. } = change {
                let path = self.out.join(path);
                fs::remove_file(&path).map_err(io_error(&path))?;
                remove_empty_parents(&self.out, &path);
                count += 1;
            }
        }
        Ok(count)
    }

    fn write_manifest(&self, paths: &BTreeSet<PathBuf>) -> Result<(), OutputError> {
        let path = self.out.join(MANIFEST_NAME);
        let text = manifest_text(paths);
        if fs::read(&path).ok().as_deref() == Some(text.as_slice()) {
            return Ok(());
        }
        write_atomically(&path, &text)
    }

    /// The plan as a unified diff, `a/` for the disk and `b/` for the
    /// rendered files, as git shows them.
    pub fn diff(&self) -> String {
        let mut text = String::new();
        for change in &self.changes {
            let path = change.path().display();
            let (old_name, new_name, old, new) = match change {
                Change::Create { new, .. } => (
                    "/dev/null".to_owned(),
                    format!("b/{path}"),
                    &[][..],
                    &new[..],
                ),
                Change::Update { old, new, .. } => {
                    (format!("a/{path}"), format!("b/{path}"), &old[..], &new[..])
                }
                Change::Remove { old, .. } => (
                    format!("a/{path}"),
                    "/dev/null".to_owned(),
                    &old[..],
                    &[][..],
                ),
            };
            let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
            let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
            text.push_str(&diff.unified_diff().header(&old_name, &new_name).to_string());
        }
        text
    }
}

/// Writes `contents` to `path` so that readers see the old file or the new
/// one, never a part: a temp file in the same directory, fsync, rename,
/// then fsync of the directory so the rename itself survives a crash.
fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), OutputError> {
    let staged = stage(path, contents)?;
    File::open(&staged.temp)
        .and_then(|file| file.sync_all())
        .map_err(io_error(&staged.temp))?;
    let dir = staged
        .target
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    staged.install()?;
    File::open(&dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error(&dir))
}

/// New contents written next to their target under a temporary name, not
/// yet in place. Dropped without `install`, the temp file is deleted.
struct Staged {
    temp: tempfile::TempPath,
    target: PathBuf,
}

/// Writes `contents` to a temp file in `path`'s directory, mode 0644. The
/// file is closed at once, so thousands can be staged without running out
/// of file descriptors.
fn stage(path: &Path, contents: &[u8]) -> Result<Staged, OutputError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".lvs-dr-gen-")
        .tempfile_in(dir)
        .map_err(io_error(dir))?;
    temp.write_all(contents).map_err(io_error(temp.path()))?;
    temp.as_file()
        .set_permissions(Permissions::from_mode(FILE_MODE))
        .map_err(io_error(temp.path()))?;
    Ok(Staged {
        temp: temp.into_temp_path(),
        target: path.to_path_buf(),
    })
}

impl Staged {
    /// Renames the temp file over the target: readers see the old file or
    /// the new one.
    fn install(self) -> Result<(), OutputError> {
        let Staged { temp, target } = self;
        temp.persist(&target)
            .map_err(|error| io_error(&target)(error.error))
    }
}

/// Flushes everything written to the file system that holds `dir`
/// (syncfs(2)): one journal commit for a whole run instead of an fsync
/// for each of thousands of files and folders.
fn sync_file_system(dir: &Path) -> Result<(), OutputError> {
    File::open(dir).map_err(io_error(dir)).and_then(|dir_file| {
        rustix::fs::syncfs(&dir_file).map_err(|errno| io_error(dir)(errno.into()))
    })
}

/// Removes the directories that a removal left empty, up to `out`.
fn remove_empty_parents(out: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(current) = dir {
        if current == out || fs::remove_dir(current).is_err() {
            break;
        }
        dir = current.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> Tree {
        files
            .iter()
            .map(|(path, text)| (PathBuf::from(path), text.as_bytes().to_vec()))
            .collect()
    }

    fn hosts(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn a_second_run_changes_nothing() {
        let out = tempfile::tempdir().unwrap();
        let files = tree(&[("a/etc/x", "1\n"), ("b/etc/y", "2\n")]);
        let first = plan(out.path(), &files, Some(&hosts(&["a", "b"])))
            .unwrap()
            .apply()
            .unwrap();
        assert_eq!(
            first,
            Summary {
                written: 2,
                unchanged: 0,
                removed: 0
            }
        );
        let second = plan(out.path(), &files, Some(&hosts(&["a", "b"]))).unwrap();
        assert!(second.changes.is_empty());
        assert_eq!(second.unchanged, 2);
        let mode = fs::metadata(out.path().join("a/etc/x"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }

    #[test]
    fn files_of_hosts_not_rendered_are_kept() {
        let out = tempfile::tempdir().unwrap();
        let files = tree(&[("a/etc/x", "1\n"), ("b/etc/y", "2\n")]);
        plan(out.path(), &files, Some(&hosts(&["a", "b"])))
            .unwrap()
            .apply()
            .unwrap();
        let only_a = tree(&[("a/etc/x", "1\n")]);
        let partial = plan(out.path(), &only_a, Some(&hosts(&["a"]))).unwrap();
        assert!(partial.changes.is_empty());
        let removed_b = plan(out.path(), &only_a, Some(&hosts(&["a", "b"]))).unwrap();
        assert_eq!(removed_b.changes.len(), 1);
        removed_b.apply().unwrap();
        assert!(!out.path().join("b").exists(), "empty folders go too");
        assert_eq!(
            fs::read_to_string(out.path().join(MANIFEST_NAME)).unwrap(),
            format!("{MANIFEST_HEADER}a/etc/x\n")
        );
    }

    #[test]
    fn a_foreign_file_is_never_overwritten() {
        let out = tempfile::tempdir().unwrap();
        fs::create_dir_all(out.path().join("a/etc")).unwrap();
        fs::write(out.path().join("a/etc/x"), "mine\n").unwrap();
        let error = plan(
            out.path(),
            &tree(&[("a/etc/x", "1\n")]),
            Some(&hosts(&["a"])),
        )
        .unwrap_err();
        assert!(
            matches!(error, OutputError::Foreign { ref paths } if paths == &[PathBuf::from("a/etc/x")])
        );
    }

    #[test]
    fn a_manifest_cannot_point_outside() {
        let out = tempfile::tempdir().unwrap();
        fs::write(out.path().join(MANIFEST_NAME), "a/x\n../../etc/passwd\n").unwrap();
        let error = plan(out.path(), &Tree::new(), None).unwrap_err();
        assert!(
            matches!(error, OutputError::CorruptManifest { line: 2, .. }),
            "{error}"
        );
    }
}
