//! The one module that changes the output directory, through the confined
//! handle of `outdir`.
//!
//! A run first *prepares* a [`Transaction`]: it compares the rendered tree with the disk and with
//! the manifest of files lvs-dr-gen wrote before, refuses to go on if it
//! would overwrite a file it did not write or meet anything but folders and
//! regular files, and finds the temp files an interrupted run left. `render`
//! then *commits* the transaction (each file atomically: written to a temp file
//! beside it, all of them flushed to disk with one syncfs(2), then renamed
//! into place; unchanged files are not touched, so their mtime stays), and
//! `check` prints it as a unified diff.
//! The manifest on disk always lists at least every file lvs-dr-gen owns,
//! even if a run is cut short, so no file is ever orphaned or taken for a
//! foreign one. A run holds a lock on the output directory from preparing
//! to the end, so two runs on one directory take turns.
//!
//! Memory stays flat with the size of the inventory: the rendered files
//! come from a [`Source`] one unit (host or director) at a time, rendered
//! in parallel a batch at a time, compared and dropped; a transaction keeps
//! the paths of changed files and renders their new contents again when it
//! is committed or shown. `render` makes every system call on the output
//! directory from one thread, in one order; `check`, which changes
//! nothing, also reads in parallel.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use crate::outdir::{ConfinedError, Cursor, Existing, OutDir};
use crate::render::{file_mode, Tree};

mod change;
mod compare;
mod error;
mod unified_diff;

pub use change::{Change, Source, Summary};
use compare::{compare_all, for_each_rendered, leftovers, read, split, Comparison};
pub use error::{Access, OutputError, MANIFEST_NAME};
pub use unified_diff::write_file_diff;

const MANIFEST_HEADER: &str =
    "# Files written by lvs-dr-gen. It updates and removes only the files listed here.\n";

/// The manifest is read by lvs-dr-gen and by people: rw-r--r--. Each
/// generated file's mode is `render::file_mode`'s.
const MANIFEST_MODE: u32 = 0o644;

/// The output-directory transaction: what a run would change below the
/// output directory, holding its lock until dropped; `render` commits it,
/// `check` shows it as a diff.
pub struct Transaction<'a> {
    /// The locked output directory; `None` when a read-only run found none.
    dir: Option<OutDir>,
    source: Box<dyn Source + 'a>,
    /// The differences, in path order.
    pub changes: Vec<Change>,
    /// How many rendered files are already up to date.
    pub unchanged: usize,
    manifest_before: BTreeSet<PathBuf>,
    manifest_after: BTreeSet<PathBuf>,
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("dir", &self.dir)
            .field("changes", &self.changes)
            .field("unchanged", &self.unchanged)
            .finish_non_exhaustive()
    }
}

/// Renders `source` and compares it with the output directory `out`,
/// holding its lock (`on_wait` is called if another run holds it for over
/// a second). Files that lvs-dr-gen wrote before and `source` lacks are
/// removed: all of them, or with `only_hosts` (a `--host` selection) only
/// those in these hosts' folders. A render error comes before any error of
/// the output directory, and a run that writes creates the output
/// directory only once everything rendered.
pub fn prepare<'a>(
    out: &Path,
    source: Box<dyn Source + 'a>,
    only_hosts: Option<&BTreeSet<String>>,
    access: Access,
    on_wait: impl Fn(),
) -> Result<Transaction<'a>, OutputError> {
    loop {
        // Errors of the output directory wait until everything rendered.
        let opened = OutDir::open(out).and_then(|dir| {
            if let Some(dir) = &dir {
                dir.lock(access == Access::Write, &on_wait)?;
            }
            Ok(dir)
        });
        let (dir, not_opened) = match opened {
            Ok(dir) => (dir, None),
            Err(error) => (None, Some(error)),
        };
        let manifest_before = match &dir {
            Some(dir) => read_manifest(&mut dir.cursor()),
            None => Ok(BTreeSet::new()),
        };
        let compared = compare_all(
            dir.as_ref(),
            &*source,
            access,
            manifest_before.as_ref().ok(),
        )?;
        if let Some(error) = not_opened {
            return Err(error.into());
        }
        let manifest_before = manifest_before?;
        let dir = match (dir, access) {
            (Some(dir), _) => Some(dir),
            (None, Access::Read) => None,
            (None, Access::Write) => {
                let dir = OutDir::create(out)?;
                dir.lock(true, &on_wait)?;
                if !dir.is_empty()? {
                    // Another run made it in the meantime: prepare again.
                    continue;
                }
                Some(dir)
            }
        };
        return finish(dir, source, only_hosts, access, manifest_before, compared);
    }
}

/// Completes a transaction from the comparison: the files to remove, the leftover
/// temp files, the manifest after.
fn finish<'a>(
    dir: Option<OutDir>,
    source: Box<dyn Source + 'a>,
    only_hosts: Option<&BTreeSet<String>>,
    access: Access,
    manifest_before: BTreeSet<PathBuf>,
    compared: Comparison,
) -> Result<Transaction<'a>, OutputError> {
    let Comparison {
        mut changes,
        unchanged,
        foreign,
        error,
        rendered: mut manifest_after,
    } = compared;
    if let Some((_, error)) = error {
        return Err(error);
    }
    if !foreign.is_empty() {
        let mut paths = foreign;
        paths.sort();
        return Err(OutputError::Foreign { paths });
    }
    if let Some(dir) = &dir {
        let mut cursor = dir.cursor();
        let in_scope = |path: &Path| match (only_hosts, path.components().next()) {
            (None, _) => true,
            (Some(hosts), Some(Component::Normal(host))) => {
                hosts.contains(&*host.to_string_lossy())
            }
            (Some(_), _) => false,
        };
        let mut kept = Vec::new();
        for path in manifest_before.difference(&manifest_after) {
            if !in_scope(path) {
                kept.push(path.clone());
            } else if let Existing::File(old) = read(&mut cursor, path)? {
                let old = if access == Access::Read {
                    old
                } else {
                    Vec::new()
                };
                changes.push(Change::Remove {
                    path: path.clone(),
                    old,
                });
            }
        }
        // With `--host`, the other hosts' folders are left alone, leftovers too.
        changes.extend(leftovers(
            dir,
            &mut cursor,
            manifest_after
                .iter()
                .chain(&manifest_before)
                .filter(|path| in_scope(path)),
            access,
        )?);
        manifest_after.extend(kept);
    }
    changes.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(Transaction {
        dir,
        source,
        changes,
        unchanged,
        manifest_before,
        manifest_after,
    })
}

fn read_manifest(cursor: &mut Cursor<'_>) -> Result<BTreeSet<PathBuf>, OutputError> {
    let Existing::File(bytes) = read(cursor, Path::new(MANIFEST_NAME))? else {
        return Ok(BTreeSet::new());
    };
    let text = String::from_utf8(bytes).map_err(|error| ConfinedError::Io {
        path: PathBuf::from(MANIFEST_NAME),
        source: io::Error::new(io::ErrorKind::InvalidData, error),
    })?;
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
            return Err(OutputError::CorruptManifest { line: index + 1 });
        }
        paths.insert(path);
    }
    Ok(paths)
}

fn manifest_text<'a>(paths: impl Iterator<Item = &'a PathBuf>) -> Vec<u8> {
    let mut text = MANIFEST_HEADER.to_owned();
    for path in paths {
        text.push_str(&path.to_string_lossy());
        text.push('\n');
    }
    text.into_bytes()
}

/// A temp file staged in place of its target, not yet renamed.
struct Staged<'a> {
    target: &'a Path,
    temp: std::ffi::OsString,
}

impl Transaction<'_> {
    /// Commits the transaction: the manifest first grows to cover every file
    /// about to be written, then leftover temp files go, files are written
    /// and removed, and the manifest shrinks to what is now on disk.
    pub fn commit(&self) -> Result<Summary, OutputError> {
        let dir = self.dir.as_ref().ok_or_else(|| ConfinedError::Io {
            path: PathBuf::new(),
            source: io::ErrorKind::NotFound.into(),
        })?;
        let mut summary = Summary {
            unchanged: self.unchanged,
            ..Summary::default()
        };
        let mut cursor = dir.cursor();
        if !self.changes.is_empty() {
            let covering = self.manifest_before.union(&self.manifest_after);
            write_manifest(&mut cursor, &manifest_text(covering))?;
            summary.leftovers = self.remove_files(&mut cursor, |change| {
                matches!(change, Change::Leftover { .. })
            })?;
            summary.written = self.install_new_contents(dir, &mut cursor)?;
            summary.removed = self.remove_files(&mut cursor, |change| {
                matches!(change, Change::Remove { .. })
            })?;
            // The renames and removals are durable before the manifest
            // forgets the removed files.
            dir.sync_file_system()?;
        }
        write_manifest(&mut cursor, &manifest_text(self.manifest_after.iter()))?;
        Ok(summary)
    }

    /// Writes every created or updated file: all are staged and flushed to
    /// disk with one sync before any is renamed into place, so after a
    /// crash every file holds its old or its new text. On failure the temp
    /// files staged so far are removed.
    fn install_new_contents(
        &self,
        dir: &OutDir,
        cursor: &mut Cursor<'_>,
    ) -> Result<usize, OutputError> {
        let mut staged = Vec::new();
        let result = self
            .stage_all(cursor, &mut staged)
            .and_then(|()| Ok(dir.sync_file_system()?))
            .and_then(|()| rename_all(cursor, &mut staged));
        if result.is_err() {
            for file in &staged {
                let (folder, _) = split(file.target);
                if let Ok(Some(open)) = cursor.enter(folder, false) {
                    let _ = open.remove(&file.temp);
                }
            }
        }
        result
    }

    /// Stages the new contents of every created or updated file, in path
    /// order, rendering them again unit by unit.
    fn stage_all<'p>(
        &'p self,
        cursor: &mut Cursor<'_>,
        staged: &mut Vec<Staged<'p>>,
    ) -> Result<(), OutputError> {
        let mut units: Vec<usize> = Vec::new();
        let mut paths: Vec<Vec<&Path>> = Vec::new();
        for change in &self.changes {
            if let Some(unit) = change.unit() {
                if units.last() == Some(&unit) {
                    if let Some(last) = paths.last_mut() {
                        last.push(change.path());
                    }
                } else {
                    units.push(unit);
                    paths.push(vec![change.path()]);
                }
            }
        }
        let mut paths = paths.into_iter();
        for_each_rendered(&*self.source, &units, |_, files| {
            for path in paths.next().unwrap_or_default() {
                let (folder, _) = split(path);
                let new = files.get(path).map_or(&[][..], Vec::as_slice);
                let open = cursor.enter(folder, true)?.ok_or_else(|| missing(folder))?;
                let temp = open.stage(new, file_mode(path), false)?;
                staged.push(Staged { target: path, temp });
            }
            Ok(())
        })
    }

    /// Removes the files of the changes that `which` selects, and the
    /// folders that leaves empty.
    fn remove_files(
        &self,
        cursor: &mut Cursor<'_>,
        which: impl Fn(&Change) -> bool,
    ) -> Result<usize, OutputError> {
        let mut emptied = BTreeSet::new();
        let mut count = 0;
        for change in self.changes.iter().filter(|change| which(change)) {
            let (folder, name) = split(change.path());
            if let Some(open) = cursor.enter(folder, false)? {
                open.remove(name)?;
                emptied.insert(folder);
                count += 1;
            }
        }
        for folder in emptied.into_iter().rev() {
            cursor.remove_empty_folders(folder);
        }
        Ok(count)
    }

    /// Writes the transaction as a unified diff, `a/` for the disk and `b/` for the
    /// rendered files, as git shows them; a leftover temp file as diff -r
    /// shows a file on one side only. New contents are rendered again, one
    /// unit at a time.
    pub fn write_diff(&self, out: &mut dyn Write, color: bool) -> io::Result<()> {
        let mut rendered: Option<(usize, Tree)> = None;
        for change in &self.changes {
            let path = change.path();
            let shown = path.display();
            let new = match change.unit() {
                Some(unit) => {
                    if rendered.as_ref().is_none_or(|(last, _)| *last != unit) {
                        let files = self.source.files(unit).map_err(io::Error::other)?;
                        rendered = Some((unit, files));
                    }
                    rendered
                        .as_ref()
                        .and_then(|(_, files)| files.get(path))
                        .map_or(&[][..], Vec::as_slice)
                }
                None => &[][..],
            };
            let (old_name, new_name, old) = match change {
                Change::Create { .. } => ("/dev/null".to_owned(), format!("b/{shown}"), &[][..]),
                Change::Update { old, .. } => {
                    (format!("a/{shown}"), format!("b/{shown}"), &old[..])
                }
                Change::Remove { old, .. } => {
                    (format!("a/{shown}"), "/dev/null".to_owned(), &old[..])
                }
                Change::Leftover { path } => {
                    let (folder, name) = split(path);
                    let folder = if folder.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        folder
                    };
                    writeln!(
                        out,
                        "Only in {}: {} (temp file of an interrupted run)",
                        folder.display(),
                        name.to_string_lossy()
                    )?;
                    continue;
                }
            };
            write_file_diff(out, (&old_name, old), (&new_name, new), color)?;
        }
        Ok(())
    }
}

/// Writes `contents` to a new file at `path` (for `init`), as `render`
/// writes: to a temp file beside it, flushed to disk, then renamed into
/// place, but only if nothing is at `path`: an existing file, link or
/// folder there is never replaced or followed (the error's kind is then
/// `AlreadyExists`). The folder of `path` must exist.
pub fn write_new_file(path: &Path, contents: &[u8]) -> Result<(), ConfinedError> {
    write_one_file(path, contents, false)
}

/// Writes `contents` to the file at `path` (for `deployed --out`), the same
/// way, replacing a file there: a reader sees the old file or the new one,
/// never a part of it. A link at `path` is replaced, not followed.
pub fn replace_file(path: &Path, contents: &[u8]) -> Result<(), ConfinedError> {
    write_one_file(path, contents, true)
}

/// One file written atomically beside its folder's other files: staged,
/// flushed, renamed into place (over what is there with `replace`).
fn write_one_file(path: &Path, contents: &[u8], replace: bool) -> Result<(), ConfinedError> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| ConfinedError::Io {
        path: path.to_path_buf(),
        source: io::ErrorKind::InvalidInput.into(),
    })?;
    let dir = OutDir::open(folder)?.ok_or_else(|| missing(folder))?;
    let mut cursor = dir.cursor();
    let open = cursor
        .enter(Path::new(""), false)?
        .ok_or_else(|| missing(folder))?;
    // rw-r--r--: an inventory, read by whoever renders it.
    let temp = open.stage(contents, 0o644, true)?;
    let renamed = if replace {
        open.rename(&temp, name)
    } else {
        open.rename_new(&temp, name)
    };
    if let Err(error) = renamed {
        let _ = open.remove(&temp);
        return Err(error);
    }
    open.sync()
}

/// Renames each staged file into place, in path order; the ones renamed
/// leave `staged`.
fn rename_all(cursor: &mut Cursor<'_>, staged: &mut Vec<Staged<'_>>) -> Result<usize, OutputError> {
    let count = staged.len();
    let mut files = std::mem::take(staged).into_iter();
    while let Some(file) = files.next() {
        let (folder, name) = split(file.target);
        let renamed = cursor.enter(folder, false).and_then(|open| {
            open.ok_or_else(|| missing(folder))?
                .rename(&file.temp, name)
        });
        if let Err(error) = renamed {
            staged.push(file);
            staged.extend(files);
            return Err(error.into());
        }
    }
    Ok(count)
}

fn missing(folder: &Path) -> ConfinedError {
    ConfinedError::Io {
        path: folder.to_path_buf(),
        source: io::ErrorKind::NotFound.into(),
    }
}

/// Writes the manifest `text` so that readers see the old one or the new
/// one, never a part, and the rename itself survives a crash; unchanged,
/// it is left alone.
fn write_manifest(cursor: &mut Cursor<'_>, text: &[u8]) -> Result<(), OutputError> {
    let top = cursor
        .enter(Path::new(""), false)?
        .ok_or_else(|| missing(Path::new("")))?;
    let name = OsStr::new(MANIFEST_NAME);
    if matches!(top.read(name)?, Existing::File(old) if old == text) {
        return Ok(());
    }
    let temp = top.stage(text, MANIFEST_MODE, true)?;
    if let Err(error) = top.rename(&temp, name) {
        let _ = top.remove(&temp);
        return Err(error.into());
    }
    Ok(top.sync()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn tree(files: &[(&str, &str)]) -> Tree {
        files
            .iter()
            .map(|(path, text)| (PathBuf::from(path), text.as_bytes().to_vec()))
            .collect()
    }

    fn hosts(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    /// A transaction of `files` for a run that writes, over the hosts `only`.
    fn prepare_writing(out: &Path, files: &Tree, only: &[&str]) -> Transaction<'static> {
        prepare(
            out,
            Box::new(files.clone()),
            Some(&hosts(only)),
            Access::Write,
            || {},
        )
        .unwrap()
    }

    #[test]
    fn a_second_run_changes_nothing() {
        let out = tempfile::tempdir().unwrap();
        let files = tree(&[("a/etc/x", "1\n"), ("b/etc/y", "2\n")]);
        let first = prepare_writing(out.path(), &files, &["a", "b"])
            .commit()
            .unwrap();
        assert_eq!(
            first,
            Summary {
                written: 2,
                ..Summary::default()
            }
        );
        let second = prepare_writing(out.path(), &files, &["a", "b"]);
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
        prepare_writing(out.path(), &files, &["a", "b"])
            .commit()
            .unwrap();
        let only_a = tree(&[("a/etc/x", "1\n")]);
        let partial = prepare_writing(out.path(), &only_a, &["a"]);
        assert!(partial.changes.is_empty());
        drop(partial); // it holds the lock on the directory
        let removed_b = prepare_writing(out.path(), &only_a, &["a", "b"]);
        assert_eq!(removed_b.changes.len(), 1);
        removed_b.commit().unwrap();
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
        let error = prepare(
            out.path(),
            Box::new(tree(&[("a/etc/x", "1\n")])),
            Some(&hosts(&["a"])),
            Access::Read,
            || {},
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
        let error =
            prepare(out.path(), Box::new(Tree::new()), None, Access::Read, || {}).unwrap_err();
        assert!(
            matches!(error, OutputError::CorruptManifest { line: 2, .. }),
            "{error}"
        );
    }
}
