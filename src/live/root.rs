//! Reading below a root: a machine's `/`, or a copy of one for `diff
//! --root`, through `openat2(2)` so that no link leads out of it, and each
//! installed file as found ([`FileState`]).

use std::fs;
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use rustix::fs::{FileType, Mode, OFlags, ResolveFlags};
use serde::{Deserialize, Serialize};

/// An installed file as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "text")]
pub enum FileState {
    /// The file does not exist.
    Missing,
    /// Its contents, when they are UTF-8.
    Text(String),
    /// Its contents are not UTF-8 (so not a file lvs-dr-gen wrote).
    NotText,
    /// It could not be read, and why.
    Unreadable(String),
}

/// A directory read as if it were `/` (the machine's root, or a copy of one
/// for `diff --root`): a path is resolved below it with `openat2(2)`'s
/// `RESOLVE_IN_ROOT`, so a link is followed only as far as the root, never
/// out of it, and a FIFO or device is never opened for reading.
#[derive(Debug)]
pub struct Root {
    fd: std::os::fd::OwnedFd,
}

impl Root {
    /// Opens the directory `path`.
    pub fn open(path: &Path) -> io::Result<Root> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(path, flags, Mode::empty())?;
        Ok(Root { fd })
    }

    /// Opens `path` (absolute, as on the machine) below the root.
    fn open_below(&self, path: &Path, flags: OFlags) -> io::Result<std::os::fd::OwnedFd> {
        let relative = path.strip_prefix("/").unwrap_or(path);
        let relative = if relative.as_os_str().is_empty() {
            Path::new(".")
        } else {
            relative
        };
        // openat2(2) refuses O_PATH with flags that have no meaning for it.
        let flags = if flags.contains(OFlags::PATH) {
            flags | OFlags::CLOEXEC
        } else {
            flags | OFlags::RDONLY | OFlags::NOCTTY | OFlags::NONBLOCK | OFlags::CLOEXEC
        };
        Ok(rustix::fs::openat2(
            &self.fd,
            relative,
            flags,
            Mode::empty(),
            ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
        )?)
    }

    /// The regular file at `path` below the root.
    pub fn read(&self, path: &Path) -> FileState {
        let read = || -> io::Result<Vec<u8>> {
            let fd = self.open_below(path, OFlags::empty())?;
            let stat = rustix::fs::fstat(&fd)?;
            if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
                return Err(io::Error::other("not a regular file"));
            }
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut fs::File::from(fd), &mut bytes)?;
            Ok(bytes)
        };
        match read() {
            Ok(bytes) => String::from_utf8(bytes).map_or(FileState::NotText, FileState::Text),
            Err(error) if error.kind() == io::ErrorKind::NotFound => FileState::Missing,
            Err(error) => FileState::Unreadable(error.to_string()),
        }
    }

    /// The device and inode of the file at `path` below the root, which
    /// tell two paths of one file apart from two files (Debian links
    /// /etc/sysctl.d/99-sysctl.conf to ../sysctl.conf).
    pub fn identity(&self, path: &Path) -> Option<(u64, u64)> {
        let fd = self.open_below(path, OFlags::PATH).ok()?;
        let stat = rustix::fs::fstat(&fd).ok()?;
        Some((stat.st_dev, stat.st_ino))
    }

    /// Whether the file at `path` below the root has an execute bit
    /// (keepalived skips such a file where an include matches it).
    pub fn is_executable(&self, path: &Path) -> bool {
        self.open_below(path, OFlags::PATH)
            .and_then(|fd| Ok(rustix::fs::fstat(&fd)?))
            .is_ok_and(|stat| stat.st_mode & 0o111 != 0)
    }

    /// Where the symbolic link at `path` below the root points, as written
    /// in the link; `None` when it is not a link (or cannot be read).
    pub fn link(&self, path: &Path) -> Option<PathBuf> {
        let name = path.file_name()?;
        let parent = self
            .open_below(path.parent()?, OFlags::PATH | OFlags::DIRECTORY)
            .ok()?;
        let target = rustix::fs::readlinkat(&parent, name, Vec::new()).ok()?;
        Some(PathBuf::from(
            <std::ffi::OsString as OsStringExt>::from_vec(target.into_bytes()),
        ))
    }

    /// The names in the directory `path` below the root, sorted; `None`
    /// when there is no such directory.
    pub fn list(&self, path: &Path) -> io::Result<Option<Vec<String>>> {
        let fd = match self.open_below(path, OFlags::DIRECTORY) {
            Ok(fd) => fd,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        let mut names = Vec::new();
        for entry in rustix::fs::Dir::read_from(&fd)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
        }
        names.sort();
        Ok(Some(names))
    }
}
