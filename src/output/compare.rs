//! The rendered files against the disk: a batch of units at a time, in
//! parallel, each file created, unchanged, updated or foreign, and the
//! temp files an interrupted run left.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::outdir::{Compared, Cursor, Existing, OutDir};
use crate::render::{RenderError, Tree};

use super::change::{Change, Source};
use super::error::{Access, OutputError};

/// How many units are rendered and compared at a time: enough to keep the
/// cores busy, few enough that their contents take little memory.
const BATCH: usize = 512;

/// What comparing the rendered files with the disk found so far.
#[derive(Default)]
pub(super) struct Comparison {
    pub(super) changes: Vec<Change>,
    pub(super) unchanged: usize,
    pub(super) foreign: Vec<PathBuf>,
    /// The error of the first file, in path order, that could not be read.
    pub(super) error: Option<(PathBuf, OutputError)>,
    /// Every rendered file of the selected units.
    pub(super) rendered: BTreeSet<PathBuf>,
}

/// How one rendered file compares with the disk.
enum Seen {
    Unchanged,
    Create,
    Update(Vec<u8>),
    Foreign,
}

/// Renders the `units` of `source` a batch at a time, the units of a batch
/// in parallel on the other cores while this thread handles the batch
/// before, and hands each unit's files to `each`, in order. Stops at the
/// first render error or error of `each`.
///
/// Every system call on the output directory stays on this one thread: the
/// renderers only compute, so a run's calls come in one deterministic order
/// (the kill test of tests/safety.rs stops a run at its Nth call).
pub(super) fn for_each_rendered<E: From<RenderError>>(
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
pub(super) fn compare_all(
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
pub(super) fn compare_in_parallel(
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
pub(super) fn leftovers<'a>(
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
pub(super) fn read(cursor: &mut Cursor<'_>, path: &Path) -> Result<Existing, OutputError> {
    let (folder, name) = split(path);
    Ok(match cursor.enter(folder, false)? {
        Some(open) => open.read(name)?,
        None => Existing::Missing,
    })
}

/// A file's folder and name; both paths here are plain relative paths
/// (the tree's by construction, the manifest's by `read_manifest`).
pub(super) fn split(path: &Path) -> (&Path, &OsStr) {
    (
        path.parent().unwrap_or(Path::new("")),
        path.file_name().unwrap_or_default(),
    )
}
