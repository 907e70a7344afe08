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

use rayon::prelude::*;
use similar::TextDiff;

use crate::code::Code;
use crate::outdir::{Compared, ConfinedError, Cursor, Existing, OutDir};
use crate::render::{file_mode, RenderError, Tree};

/// The manifest's file name, at the top of the output directory.
pub const MANIFEST_NAME: &str = ".lvs-dr-gen-manifest";

const MANIFEST_HEADER: &str =
    "# Files written by lvs-dr-gen. It updates and removes only the files listed here.\n";

/// The manifest is read by lvs-dr-gen and by people: rw-r--r--. Each
/// generated file's mode is `render::file_mode`'s.
const MANIFEST_MODE: u32 = 0o644;

/// Why the output directory could not be read or written or written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file system operation failed, or met a link or a special file.
    #[error(transparent)]
    Confined(#[from] ConfinedError),
    /// Files in the way that lvs-dr-gen did not write.
    #[error("{} not written by lvs-dr-gen (not in {MANIFEST_NAME}); move {} away or choose another output directory:\n{}",
        if .paths.len() == 1 { "this file is" } else { "these files are" },
        if .paths.len() == 1 { "it" } else { "them" },
        .paths.iter().map(|p| format!("  {}", p.display())).collect::<Vec<_>>().join("\n"))]
    Foreign {
        /// The files, below the output directory.
        paths: Vec<PathBuf>,
    },
    /// A template that failed to render; reported before any problem of
    /// the output directory, and with nothing written.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A manifest line that is not a safe relative path.
    #[error("{MANIFEST_NAME}: line {line} is not a path below the output directory; restore the file or delete the line")]
    CorruptManifest {
        /// The line number, from 1.
        line: usize,
    },
}

/// Whether a run only looks (`check`) or writes (`render`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only; shares the lock with other readers.
    Read,
    /// Creates the output directory if needed; holds the lock alone.
    Write,
}

impl OutputError {
    /// The stable name of this kind of error in JSON diagnostics
    /// (doc/diagnostics.md, "JSON diagnostics"); each new kind gets its own.
    pub fn code(&self) -> Code {
        match self {
            OutputError::Confined(ConfinedError::Io { .. }) => Code::OutputIo,
            OutputError::Confined(ConfinedError::Refused { .. }) => Code::OutputNotARegularFile,
            OutputError::Foreign { .. } => Code::OutputForeignFile,
            OutputError::CorruptManifest { .. } => Code::OutputCorruptManifest,
            OutputError::Render(error) => error.code(),
        }
    }
}

/// The files a run writes, unit by unit: a unit is one host's or
/// director's files, all below the folder named after it. A run renders,
/// compares and writes a batch of units at a time, in parallel, and keeps
/// no unit's contents longer than that.
pub trait Source: Sync {
    /// How many units there are.
    fn units(&self) -> usize;
    /// Whether unit `unit` is written (a `--host` selection); the others
    /// are rendered only for their errors.
    fn selected(&self, unit: usize) -> bool;
    /// The files of unit `unit`, in path order. The same unit always
    /// renders the same files.
    fn files(&self, unit: usize) -> Result<Tree, RenderError>;
}

/// A tree already in memory is a source of one unit per file.
impl Source for Tree {
    fn units(&self) -> usize {
        self.len()
    }

    fn selected(&self, _unit: usize) -> bool {
        true
    }

    fn files(&self, unit: usize) -> Result<Tree, RenderError> {
        Ok(self
            .iter()
            .nth(unit)
            .map(|(path, text)| (path.clone(), text.clone()))
            .into_iter()
            .collect())
    }
}

/// How many units are rendered and compared at a time: enough to keep the
/// cores busy, few enough that their contents take little memory.
const BATCH: usize = 512;

/// One difference between the output directory and the rendered tree.
/// New contents are not kept: they are rendered again, unit by unit, when
/// the transaction is committed or shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new file.
    Create {
        /// Below the output directory.
        path: PathBuf,
        /// The unit of the [`Source`] that renders it.
        unit: usize,
    },
    /// A file lvs-dr-gen wrote before, with other contents now.
    Update {
        /// Below the output directory.
        path: PathBuf,
        /// The unit of the [`Source`] that renders it.
        unit: usize,
        /// The contents on disk; kept by a read-only transaction only, for its diff.
        old: Vec<u8>,
    },
    /// A file lvs-dr-gen wrote before that the inventory no longer produces.
    Remove {
        /// Below the output directory.
        path: PathBuf,
        /// The contents on disk; kept by a read-only transaction only, for its diff.
        old: Vec<u8>,
    },
    /// A temp file of an interrupted run, in a folder lvs-dr-gen manages.
    Leftover {
        /// Below the output directory.
        path: PathBuf,
    },
}

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

/// What committing a transaction did, for the summary line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files created or updated.
    pub written: usize,
    /// Files already up to date.
    pub unchanged: usize,
    /// Files removed.
    pub removed: usize,
    /// Temp files of interrupted runs removed.
    pub leftovers: usize,
}

/// What comparing the rendered files with the disk found so far.
#[derive(Default)]
struct Comparison {
    changes: Vec<Change>,
    unchanged: usize,
    foreign: Vec<PathBuf>,
    /// The error of the first file, in path order, that could not be read.
    error: Option<(PathBuf, OutputError)>,
    /// Every rendered file of the selected units.
    rendered: BTreeSet<PathBuf>,
}

/// How one rendered file compares with the disk.
enum Seen {
    Unchanged,
    Create,
    Update(Vec<u8>),
    Foreign,
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

/// Renders the `units` of `source` a batch at a time, the units of a batch
/// in parallel on the other cores while this thread handles the batch
/// before, and hands each unit's files to `each`, in order. Stops at the
/// first render error or error of `each`.
///
/// Every system call on the output directory stays on this one thread: the
/// renderers only compute, so a run's calls come in one deterministic order
/// (the kill test of tests/safety.rs stops a run at its Nth call).
fn for_each_rendered<E: From<RenderError>>(
    source: &dyn Source,
    units: &[usize],
    mut each: impl FnMut(usize, Tree) -> Result<(), E>,
) -> Result<(), E> {
    // The thread pool starts here, on this thread (it reads the CPU quota).
    rayon::current_num_threads();
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            for batch in units.chunks(BATCH) {
                let rendered: Vec<_> = batch
                    .par_iter()
                    .map(|&unit| (unit, source.files(unit)))
                    .collect();
                if send.send(rendered).is_err() {
                    return;
                }
            }
        });
        for rendered in receive {
            for (unit, files) in rendered {
                each(unit, files?)?;
            }
        }
        Ok(())
    })
}

/// Renders every unit of `source` and compares the selected ones with the
/// disk (with no directory, or no manifest to compare against, every file
/// is new). Stops at the first unit, in order, that fails to render; an
/// error of the disk waits until everything rendered.
fn compare_all(
    dir: Option<&OutDir>,
    source: &dyn Source,
    access: Access,
    manifest: Option<&BTreeSet<PathBuf>>,
) -> Result<Comparison, OutputError> {
    let units: Vec<usize> = (0..source.units()).collect();
    if let (Some(dir), Some(manifest), Access::Read) = (dir, manifest, access) {
        return compare_in_parallel(dir, source, &units, manifest);
    }
    let mut found = Comparison::default();
    let mut cursor = dir.map(OutDir::cursor);
    for_each_rendered(source, &units, |unit, files| {
        if !source.selected(unit) {
            return Ok::<_, OutputError>(());
        }
        for (path, new) in files {
            let seen = match (&mut cursor, manifest) {
                (Some(cursor), Some(manifest)) => {
                    compare_file(cursor, &path, &new, manifest, access)
                }
                _ => Ok(Seen::Create),
            };
            found.record(path, unit, seen);
        }
        Ok(())
    })?;
    Ok(found)
}

/// The same as [`compare_all`] for a read-only run, which makes no change
/// a crash could cut short: each unit is rendered and compared with the
/// disk on the core that rendered it, a batch of units at a time.
fn compare_in_parallel(
    dir: &OutDir,
    source: &dyn Source,
    units: &[usize],
    manifest: &BTreeSet<PathBuf>,
) -> Result<Comparison, OutputError> {
    let mut found = Comparison::default();
    for batch in units.chunks(BATCH) {
        let compared: Vec<_> = batch
            .par_iter()
            .map(|&unit| {
                let files = source.files(unit)?;
                if !source.selected(unit) {
                    return Ok(Vec::new());
                }
                let mut cursor = dir.cursor();
                Ok(files
                    .into_iter()
                    .map(|(path, new)| {
                        let seen = compare_file(&mut cursor, &path, &new, manifest, Access::Read);
                        (path, seen)
                    })
                    .collect::<Vec<_>>())
            })
            .collect();
        for (&unit, result) in batch.iter().zip(compared) {
            for (path, seen) in result.map_err(OutputError::Render)? {
                found.record(path, unit, seen);
            }
        }
    }
    Ok(found)
}

impl Comparison {
    /// Counts one rendered file in; of the files that could not be read,
    /// the first one's in path order is the error.
    fn record(&mut self, path: PathBuf, unit: usize, seen: Result<Seen, OutputError>) {
        match seen {
            Ok(Seen::Unchanged) => self.unchanged += 1,
            Ok(Seen::Create) => self.changes.push(Change::Create {
                path: path.clone(),
                unit,
            }),
            Ok(Seen::Update(old)) => self.changes.push(Change::Update {
                path: path.clone(),
                unit,
                old,
            }),
            Ok(Seen::Foreign) => self.foreign.push(path.clone()),
            Err(error) => {
                if self.error.as_ref().is_none_or(|(first, _)| path < *first) {
                    self.error = Some((path.clone(), error));
                }
            }
        }
        self.rendered.insert(path);
    }
}

/// Compares one rendered file with the disk. A file in the way that the
/// manifest does not list is foreign.
fn compare_file(
    cursor: &mut Cursor<'_>,
    path: &Path,
    new: &[u8],
    manifest: &BTreeSet<PathBuf>,
    access: Access,
) -> Result<Seen, OutputError> {
    let (folder, name) = split(path);
    let Some(open) = cursor.enter(folder, false)? else {
        return Ok(Seen::Create);
    };
    Ok(match open.compare(name, new, access == Access::Read)? {
        Compared::Missing => Seen::Create,
        Compared::Same => Seen::Unchanged,
        Compared::Different(_) if !manifest.contains(path) => Seen::Foreign,
        Compared::Different(old) => Seen::Update(old),
    })
}

/// The temp files interrupted runs left in the folders that hold `files`,
/// and at the top; a read-only run lists the folders in parallel.
fn leftovers<'a>(
    dir: &OutDir,
    cursor: &mut Cursor<'_>,
    files: impl Iterator<Item = &'a PathBuf>,
    access: Access,
) -> Result<Vec<Change>, OutputError> {
    let folders: BTreeSet<&Path> = files
        .filter_map(|path| path.parent())
        .chain([Path::new("")])
        .collect();
    let folders: Vec<&Path> = folders.into_iter().collect();
    if access == Access::Write {
        return leftovers_in(cursor, &folders);
    }
    let found: Vec<_> = folders
        .par_chunks(BATCH)
        .map(|chunk| leftovers_in(&mut dir.cursor(), chunk))
        .collect();
    let mut all = Vec::new();
    for chunk in found {
        all.extend(chunk?);
    }
    Ok(all)
}

/// The temp files in `folders`, in order.
fn leftovers_in(cursor: &mut Cursor<'_>, folders: &[&Path]) -> Result<Vec<Change>, OutputError> {
    let mut found = Vec::new();
    for folder in folders {
        if let Some(open) = cursor.enter(folder, false)? {
            for name in open.leftover_temp_files()? {
                found.push(Change::Leftover {
                    path: folder.join(name),
                });
            }
        }
    }
    Ok(found)
}

/// The file at `path` below the output directory: missing, or its bytes.
fn read(cursor: &mut Cursor<'_>, path: &Path) -> Result<Existing, OutputError> {
    let (folder, name) = split(path);
    Ok(match cursor.enter(folder, false)? {
        Some(open) => open.read(name)?,
        None => Existing::Missing,
    })
}

/// A file's folder and name; both paths here are plain relative paths
/// (the tree's by construction, the manifest's by `read_manifest`).
fn split(path: &Path) -> (&Path, &OsStr) {
    (
        path.parent().unwrap_or(Path::new("")),
        path.file_name().unwrap_or_default(),
    )
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

impl Change {
    /// The file's path below the output directory.
    pub fn path(&self) -> &Path {
        match self {
            Change::Create { path, .. }
            | Change::Update { path, .. }
            | Change::Remove { path, .. }
            | Change::Leftover { path } => path,
        }
    }

    /// The unit that renders the file's new contents, if it has any.
    fn unit(&self) -> Option<usize> {
        match self {
            Change::Create { unit, .. } | Change::Update { unit, .. } => Some(*unit),
            Change::Remove { .. } | Change::Leftover { .. } => None,
        }
    }
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

/// Writes the unified diff of one file, `old` and `new` each with the name
/// its header shows; nothing when they are equal. With `color`, the lines
/// are coloured as git colours them (see [`paint_diff`]).
pub fn write_file_diff(
    out: &mut dyn Write,
    (old_name, old): (&str, &[u8]),
    (new_name, new): (&str, &[u8]),
    color: bool,
) -> io::Result<()> {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    let text = diff.unified_diff().header(old_name, new_name).to_string();
    if color {
        out.write_all(paint_diff(&text).as_bytes())
    } else {
        out.write_all(text.as_bytes())
    }
}

/// ANSI escapes of the diff's colours, as git's defaults: bold file
/// headers, cyan hunk headers, red removed and green added lines.
const BOLD: &str = "\x1b[1m";
const CYAN: &str = "\x1b[36m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[m";

/// One file's unified diff with git's colours. The lines before the first
/// hunk are the file header; inside a hunk every line starts with ` `, `-`,
/// `+` or `\`, so a removed line that starts with `--` is never taken for a
/// header. The escape that ends a colour comes before the line break, as
/// git writes it.
pub fn paint_diff(text: &str) -> String {
    let mut painted = String::with_capacity(text.len() + text.len() / 4);
    let mut in_hunk = false;
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if body.starts_with("@@") {
            in_hunk = true;
        }
        let color = if body.starts_with("@@") {
            CYAN
        } else if !in_hunk {
            BOLD
        } else if body.starts_with('-') {
            RED
        } else if body.starts_with('+') {
            GREEN
        } else {
            ""
        };
        if color.is_empty() || body.is_empty() {
            painted.push_str(line);
        } else {
            painted.push_str(color);
            painted.push_str(body);
            painted.push_str(RESET);
            painted.push_str(end);
        }
    }
    painted
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

    #[test]
    fn diffs_are_painted_as_git_paints_them() {
        let text = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n same\n--- removed, starting with dashes\n+added\n\\ No newline at end of file\n";
        assert_eq!(
            paint_diff(text),
            "\x1b[1m--- a/f\x1b[m\n\x1b[1m+++ b/f\x1b[m\n\x1b[36m@@ -1,3 +1,3 @@\x1b[m\n same\n\
             \x1b[31m--- removed, starting with dashes\x1b[m\n\x1b[32m+added\x1b[m\n\
             \\ No newline at end of file\n"
        );
    }
}
