//! The output directory as a confined root: every file operation below it
//! (read, create, rename, remove, mkdir, list, lock) goes through here, and
//! none of them follows a symbolic link.
//!
//! The output directory lives in a repository other people commit to, so
//! anything below it is untrusted: a committed `web01/etc -> /etc` must not
//! make lvs-dr-gen write into /etc, and a manifest line must not make it
//! remove a file elsewhere. Instead of checking paths and then using them
//! (which races), each path is walked from a handle on the output directory
//! one component at a time with `openat(2)` and `O_NOFOLLOW`, so the kernel
//! refuses a link at the moment it would be followed. Only the `--out` path
//! itself, as given on the command line, may be a link.
//!
//! A [`Cursor`] keeps the handles of the folders it walked last, so that a
//! run that visits paths in sorted order opens each folder once.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::fs::{AtFlags, FileType, FlockOperation, Mode, OFlags, RenameFlags};
use rustix::io::Errno;

/// The prefix of the temp files a run stages its new files under.
const TEMP_PREFIX: &str = ".lvs-dr-gen-";
/// How many random characters follow [`TEMP_PREFIX`].
const TEMP_RANDOM_LEN: usize = 6;

/// Mode of created folders: rwxr-xr-x.
const DIR_MODE: u32 = 0o755;

/// Why an operation below the output directory was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ConfinedError {
    /// A file system call failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path below the output directory (empty: the directory itself).
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// Something other than what lvs-dr-gen reads, writes or removes there:
    /// a symbolic link, a FIFO, a device, a folder where a file goes.
    #[error("{} is {kind}, where lvs-dr-gen needs {wanted}; it never follows links or touches other kinds of file below the output directory: remove it, or choose another output directory", .path.display())]
    Refused {
        /// The path below the output directory.
        path: PathBuf,
        /// What is there ("a symbolic link", "a FIFO", ...).
        kind: &'static str,
        /// What lvs-dr-gen needs there ("a folder", "a regular file").
        wanted: &'static str,
    },
}

fn io_error(path: &Path) -> impl FnOnce(Errno) -> ConfinedError + '_ {
    move |errno| ConfinedError::Io {
        path: path.to_path_buf(),
        source: errno.into(),
    }
}

/// A handle on the output directory, opened once; the root of every path
/// lvs-dr-gen touches.
#[derive(Debug)]
pub struct OutDir {
    root: OwnedFd,
}

impl OutDir {
    /// Opens `path`, which may itself be a link; `None` if it does not exist.
    pub fn open(path: &Path) -> Result<Option<OutDir>, ConfinedError> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        match rustix::fs::open(path, flags, Mode::empty()) {
            Ok(root) => Ok(Some(OutDir { root })),
            Err(Errno::NOENT) => Ok(None),
            Err(errno) => Err(io_error(Path::new(""))(errno)),
        }
    }

    /// Creates `path` and its parents as needed (they are the user's
    /// choice, outside the confined tree), then opens it.
    pub fn create(path: &Path) -> Result<OutDir, ConfinedError> {
        std::fs::create_dir_all(path).map_err(|source| ConfinedError::Io {
            path: PathBuf::new(),
            source,
        })?;
        OutDir::open(path)?.ok_or_else(|| io_error(Path::new(""))(Errno::NOENT))
    }

    /// Holds an advisory lock on the output directory itself (flock(2) on
    /// its handle) until this `OutDir` is dropped: exclusive for a run that
    /// writes, shared for one that only reads. Calls `on_wait` once if the
    /// lock is still taken after a second, then waits. The kernel drops the
    /// lock when its holder exits, so a killed run never blocks the next.
    pub fn lock(&self, exclusive: bool, on_wait: impl FnOnce()) -> Result<(), ConfinedError> {
        let (try_now, wait) = if exclusive {
            (
                FlockOperation::NonBlockingLockExclusive,
                FlockOperation::LockExclusive,
            )
        } else {
            (
                FlockOperation::NonBlockingLockShared,
                FlockOperation::LockShared,
            )
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(1) {
            match rustix::fs::flock(&self.root, try_now) {
                Ok(()) => return Ok(()),
                Err(Errno::WOULDBLOCK) => std::thread::sleep(Duration::from_millis(20)),
                Err(errno) => return Err(io_error(Path::new(""))(errno)),
            }
        }
        on_wait();
        rustix::fs::flock(&self.root, wait).map_err(io_error(Path::new("")))
    }

    /// Flushes everything written to the file system that holds the output
    /// directory (syncfs(2)): one journal commit for a whole run instead of
    /// an fsync for each of thousands of files and folders.
    pub fn sync_file_system(&self) -> Result<(), ConfinedError> {
        rustix::fs::syncfs(&self.root).map_err(io_error(Path::new("")))
    }

    /// Whether the directory has no entries at all.
    pub fn is_empty(&self) -> Result<bool, ConfinedError> {
        let mut listing =
            rustix::fs::Dir::read_from(&self.root).map_err(io_error(Path::new("")))?;
        for entry in listing.by_ref() {
            let entry = entry.map_err(io_error(Path::new("")))?;
            if ![&b"."[..], b".."].contains(&entry.file_name().to_bytes()) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A cursor that walks folders below this directory.
    pub fn cursor(&self) -> Cursor<'_> {
        Cursor {
            root: self,
            open: Vec::new(),
        }
    }
}

/// How a file on disk compares with the contents it should have.
#[derive(Debug)]
pub enum Compared {
    /// There is no file.
    Missing,
    /// The file has exactly these contents.
    Same,
    /// The file has other contents: these, when asked to keep them (else
    /// empty, and perhaps not read at all).
    Different(Vec<u8>),
}

/// What is at a path where lvs-dr-gen reads a file.
#[derive(Debug)]
pub enum Existing {
    /// Nothing.
    Missing,
    /// A regular file with these contents.
    File(Vec<u8>),
}

/// Walks folders below an [`OutDir`], keeping the handles of the last path
/// walked so that the next one reopens only what differs.
pub struct Cursor<'a> {
    root: &'a OutDir,
    /// The folders open now, from the top: (name, handle).
    open: Vec<(OsString, OwnedFd)>,
}

impl Cursor<'_> {
    /// The folder `dir` (relative, plain components only), opened without
    /// following links; created with its parents when `create` is set,
    /// `None` when it (or a parent) does not exist and `create` is not.
    pub fn enter(&mut self, dir: &Path, create: bool) -> Result<Option<Folder<'_>>, ConfinedError> {
        let names: Vec<&OsStr> = dir
            .components()
            .map(|part| match part {
                Component::Normal(name) => Ok(name),
                _ => Err(ConfinedError::Refused {
                    path: dir.to_path_buf(),
                    kind: "not a plain relative path",
                    wanted: "a path below the output directory",
                }),
            })
            .collect::<Result<_, _>>()?;
        let shared = self
            .open
            .iter()
            .zip(&names)
            .take_while(|((open, _), name)| open.as_os_str() == **name)
            .count();
        self.open.truncate(shared);
        for name in &names[shared..] {
            let path: PathBuf = self
                .open
                .iter()
                .map(|(name, _)| name.as_os_str())
                .chain([*name])
                .collect();
            let parent = self.handle();
            let Some(folder) = open_folder(parent, name, &path, create)? else {
                return Ok(None);
            };
            self.open.push(((*name).to_owned(), folder));
        }
        Ok(Some(Folder {
            fd: self.handle(),
            path: dir.to_path_buf(),
        }))
    }

    /// The handle of the innermost open folder.
    fn handle(&self) -> BorrowedFd<'_> {
        self.open
            .last()
            .map_or(self.root.root.as_fd(), |(_, fd)| fd.as_fd())
    }

    /// Removes the folders of `dir` that are empty, innermost first, up to
    /// (not including) the output directory; stops at the first that is not.
    pub fn remove_empty_folders(&mut self, dir: &Path) {
        let mut names: Vec<&OsStr> = dir.iter().collect();
        while let Some(name) = names.pop() {
            let parent: PathBuf = names.iter().collect();
            // The folder's own handle must not stay open in the cursor.
            self.open.truncate(0);
            let Ok(Some(folder)) = self.enter(&parent, false) else {
                return;
            };
            if rustix::fs::unlinkat(folder.fd, name, AtFlags::REMOVEDIR).is_err() {
                return;
            }
        }
    }
}

/// Opens `name` in `parent` as a folder without following a link; creates
/// it first if it is missing and `create` is set.
fn open_folder(
    parent: BorrowedFd<'_>,
    name: &OsStr,
    path: &Path,
    create: bool,
) -> Result<Option<OwnedFd>, ConfinedError> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rustix::fs::openat(parent, name, flags, Mode::empty()) {
        Ok(fd) => Ok(Some(fd)),
        Err(Errno::NOENT) if create => {
            match rustix::fs::mkdirat(parent, name, Mode::from_raw_mode(DIR_MODE)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(errno) => return Err(io_error(path)(errno)),
            }
            rustix::fs::openat(parent, name, flags, Mode::empty())
                .map(Some)
                .map_err(io_error(path))
        }
        Err(Errno::NOENT) => Ok(None),
        Err(Errno::LOOP | Errno::NOTDIR) => Err(refused(parent, name, path, "a folder")),
        Err(errno) => Err(io_error(path)(errno)),
    }
}

/// The error for something at `name` that is not what lvs-dr-gen needs.
fn refused(
    parent: BorrowedFd<'_>,
    name: &OsStr,
    path: &Path,
    wanted: &'static str,
) -> ConfinedError {
    match rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => ConfinedError::Refused {
            path: path.to_path_buf(),
            kind: kind_name(FileType::from_raw_mode(stat.st_mode)),
            wanted,
        },
        Err(errno) => io_error(path)(errno),
    }
}

/// "a symbolic link", "a FIFO", ... for messages.
fn kind_name(kind: FileType) -> &'static str {
    match kind {
        FileType::RegularFile => "a regular file",
        FileType::Directory => "a folder",
        FileType::Symlink => "a symbolic link",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Unknown => "a file of unknown kind",
    }
}

/// One open folder below the output directory, and its path there.
pub struct Folder<'a> {
    fd: BorrowedFd<'a>,
    path: PathBuf,
}

impl Folder<'_> {
    fn path_of(&self, name: &OsStr) -> PathBuf {
        self.path.join(name)
    }

    /// Compares the regular file `name` with `new`, refusing what `read`
    /// refuses; the old contents are kept when `keep` is set. With
    /// `keep` unset, a file of another size is not read at all.
    pub fn compare(&self, name: &OsStr, new: &[u8], keep: bool) -> Result<Compared, ConfinedError> {
        let Some((fd, size)) = self.open_regular(name)? else {
            return Ok(Compared::Missing);
        };
        if !keep && size != new.len() {
            return Ok(Compared::Different(Vec::new()));
        }
        // One read(2) of one byte more than fstat(2) said: a shorter answer
        // is the whole file, whatever the file does meanwhile.
        let mut contents = vec![0; size + 1];
        let first =
            rustix::io::read(&fd, &mut contents[..]).map_err(io_error(&self.path_of(name)))?;
        contents.truncate(first);
        if first == size + 1 {
            File::from(fd)
                .read_to_end(&mut contents)
                .map_err(|source| ConfinedError::Io {
                    path: self.path_of(name),
                    source,
                })?;
        }
        Ok(if contents == new {
            Compared::Same
        } else if keep {
            Compared::Different(contents)
        } else {
            Compared::Different(Vec::new())
        })
    }

    /// Opens the regular file `name` for reading, with its size; `None` if
    /// there is nothing. A link, FIFO, device or folder there is refused,
    /// and never opened for reading (a FIFO would block).
    fn open_regular(&self, name: &OsStr) -> Result<Option<(OwnedFd, usize)>, ConfinedError> {
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(self.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(Errno::LOOP) => {
                return Err(refused(
                    self.fd,
                    name,
                    &self.path_of(name),
                    "a regular file",
                ))
            }
            Err(errno) => return Err(io_error(&self.path_of(name))(errno)),
        };
        let stat = rustix::fs::fstat(&fd).map_err(io_error(&self.path_of(name)))?;
        let kind = FileType::from_raw_mode(stat.st_mode);
        if kind != FileType::RegularFile {
            return Err(ConfinedError::Refused {
                path: self.path_of(name),
                kind: kind_name(kind),
                wanted: "a regular file",
            });
        }
        Ok(Some((fd, usize::try_from(stat.st_size).unwrap_or(0))))
    }

    /// Reads the regular file `name`; a link, FIFO, device or folder there
    /// is refused, and never opened for reading (a FIFO would block).
    pub fn read(&self, name: &OsStr) -> Result<Existing, ConfinedError> {
        let path = self.path_of(name);
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(self.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Existing::Missing),
            Err(Errno::LOOP) => return Err(refused(self.fd, name, &path, "a regular file")),
            Err(errno) => return Err(io_error(&path)(errno)),
        };
        let stat = rustix::fs::fstat(&fd).map_err(io_error(&path))?;
        let kind = FileType::from_raw_mode(stat.st_mode);
        if kind != FileType::RegularFile {
            return Err(ConfinedError::Refused {
                path,
                kind: kind_name(kind),
                wanted: "a regular file",
            });
        }
        let mut contents = Vec::with_capacity(usize::try_from(stat.st_size).unwrap_or(0));
        File::from(fd)
            .read_to_end(&mut contents)
            .map_err(|source| ConfinedError::Io { path, source })?;
        Ok(Existing::File(contents))
    }

    /// Writes `contents` to a new temp file in this folder with `mode`, and
    /// returns its name. The file is closed at once, so that thousands can
    /// be staged without running out of file descriptors.
    pub fn stage(&self, contents: &[u8], mode: u32, sync: bool) -> Result<OsString, ConfinedError> {
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        loop {
            let name = OsString::from(temp_name());
            let path = self.path_of(&name);
            let fd = match rustix::fs::openat(self.fd, &name, flags, Mode::from_raw_mode(mode)) {
                Ok(fd) => fd,
                Err(Errno::EXIST) => continue,
                Err(errno) => return Err(io_error(&path)(errno)),
            };
            let written = rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))
                .map_err(io_error(&path))
                .and_then(|()| {
                    let mut file = File::from(fd);
                    file.write_all(contents)
                        .and_then(|()| if sync { file.sync_all() } else { Ok(()) })
                        .map_err(|source| ConfinedError::Io {
                            path: path.clone(),
                            source,
                        })
                });
            if let Err(error) = written {
                let _ = rustix::fs::unlinkat(self.fd, &name, AtFlags::empty());
                return Err(error);
            }
            return Ok(name);
        }
    }

    /// Renames `temp` over `name`: readers see the old file or the new one.
    /// Whatever is at `name` is replaced, never followed.
    pub fn rename(&self, temp: &OsStr, name: &OsStr) -> Result<(), ConfinedError> {
        rustix::fs::renameat(self.fd, temp, self.fd, name).map_err(io_error(&self.path_of(name)))
    }

    /// Renames `temp` to `name` only if nothing is there (renameat2(2) with
    /// `RENAME_NOREPLACE`): a file, link or folder at `name` stays as it
    /// is, and the error's kind is `AlreadyExists`.
    pub fn rename_new(&self, temp: &OsStr, name: &OsStr) -> Result<(), ConfinedError> {
        rustix::fs::renameat_with(self.fd, temp, self.fd, name, RenameFlags::NOREPLACE)
            .map_err(io_error(&self.path_of(name)))
    }

    /// Removes the file `name` (a link would be removed, not followed; the
    /// plan refuses links before anything is removed).
    pub fn remove(&self, name: &OsStr) -> Result<(), ConfinedError> {
        rustix::fs::unlinkat(self.fd, name, AtFlags::empty()).map_err(io_error(&self.path_of(name)))
    }

    /// Flushes the folder itself, so that a rename in it survives a crash.
    pub fn sync(&self) -> Result<(), ConfinedError> {
        rustix::fs::fsync(self.fd).map_err(io_error(&self.path))
    }

    /// The temp files an interrupted run left in this folder: regular files
    /// named exactly like the ones [`Folder::stage`] makes, in name order.
    pub fn leftover_temp_files(&self) -> Result<Vec<OsString>, ConfinedError> {
        let listing = rustix::fs::openat(
            self.fd,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .and_then(rustix::fs::Dir::new)
        .map_err(io_error(&self.path))?;
        let mut names = Vec::new();
        for entry in listing {
            let entry = entry.map_err(io_error(&self.path))?;
            let name = OsStr::from_bytes(entry.file_name().to_bytes());
            if is_temp_name(name) && self.is_regular_file(name, entry.file_type())? {
                names.push(name.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    fn is_regular_file(&self, name: &OsStr, listed: FileType) -> Result<bool, ConfinedError> {
        if listed != FileType::Unknown {
            return Ok(listed == FileType::RegularFile);
        }
        let stat = rustix::fs::statat(self.fd, name, AtFlags::SYMLINK_NOFOLLOW)
            .map_err(io_error(&self.path_of(name)))?;
        Ok(FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile)
    }
}

/// A fresh temp file name: the prefix and six random letters and digits.
fn temp_name() -> String {
    let mut name = String::from(TEMP_PREFIX);
    name.extend((0..TEMP_RANDOM_LEN).map(|_| fastrand::alphanumeric()));
    name
}

/// Whether `name` is exactly a name [`temp_name`] makes.
pub fn is_temp_name(name: &OsStr) -> bool {
    name.as_bytes()
        .strip_prefix(TEMP_PREFIX.as_bytes())
        .is_some_and(|rest| {
            rest.len() == TEMP_RANDOM_LEN && rest.iter().all(u8::is_ascii_alphanumeric)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn out() -> (tempfile::TempDir, OutDir) {
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::open(dir.path()).unwrap().unwrap();
        (dir, out)
    }

    #[test]
    fn temp_names_match_their_pattern_and_nothing_else() {
        assert!(is_temp_name(OsStr::new(&temp_name())));
        assert!(is_temp_name(OsStr::new(".lvs-dr-gen-aZ09xy")));
        for other in [
            ".lvs-dr-gen-abc",
            ".lvs-dr-gen-abcdefg",
            ".lvs-dr-gen-ab.def",
            "lvs-dr",
            ".lvs-dr-gen-manifest",
        ] {
            assert!(!is_temp_name(OsStr::new(other)), "{other}");
        }
    }

    #[test]
    fn a_linked_folder_is_refused_on_the_way_down() {
        let (dir, out) = out();
        let outside = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("web01")).unwrap();
        symlink(outside.path(), dir.path().join("web01/etc")).unwrap();
        let mut cursor = out.cursor();
        let error = cursor
            .enter(Path::new("web01/etc/sysctl.d"), true)
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "web01/etc is a symbolic link, where lvs-dr-gen needs a folder; it never follows links or touches other kinds of file below the output directory: remove it, or choose another output directory"
        );
        assert_eq!(
            fs::read_dir(outside.path()).unwrap().count(),
            0,
            "nothing created outside"
        );
    }

    #[test]
    fn a_linked_or_special_file_is_never_read() {
        let (dir, out) = out();
        symlink("/etc/hostname", dir.path().join("link")).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            dir.path().join("fifo"),
            FileType::Fifo,
            Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        fs::create_dir(dir.path().join("folder")).unwrap();
        let mut cursor = out.cursor();
        let top = cursor.enter(Path::new(""), false).unwrap().unwrap();
        for (name, kind) in [
            ("link", "a symbolic link"),
            ("fifo", "a FIFO"),
            ("folder", "a folder"),
        ] {
            match top.read(OsStr::new(name)) {
                Err(ConfinedError::Refused { kind: found, .. }) => assert_eq!(found, kind),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(matches!(
            top.read(OsStr::new("missing")),
            Ok(Existing::Missing)
        ));
    }

    #[test]
    fn staged_files_are_found_as_leftovers_until_renamed() {
        let (dir, out) = out();
        let mut cursor = out.cursor();
        let folder = cursor.enter(Path::new("a/b"), true).unwrap().unwrap();
        let temp = folder.stage(b"new\n", 0o644, false).unwrap();
        assert_eq!(folder.leftover_temp_files().unwrap(), vec![temp.clone()]);
        folder.rename(&temp, OsStr::new("file")).unwrap();
        assert!(folder.leftover_temp_files().unwrap().is_empty());
        assert_eq!(fs::read(dir.path().join("a/b/file")).unwrap(), b"new\n");
    }
}
