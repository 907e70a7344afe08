//! The kernel parameters of the next boot: which value of each rendered key
//! systemd-sysctl will write, worked out from the sysctl.d files recorded
//! in [`Boot`] as systemd 252 (Debian 12) and 257 (Debian 13) do it
//! (src/sysctl/sysctl.c and src/basic/conf-files.c):
//!
//! - the `*.conf` files of /etc/sysctl.d, /run/sysctl.d,
//!   /usr/local/lib/sysctl.d and /usr/lib/sysctl.d (and /lib/sysctl.d),
//!   a name found in an earlier directory hiding the same name in later
//!   ones (a link to /dev/null, read as empty, so masks it), all names
//!   sorted together (byte order) and read in that order;
//! - per line: blank lines and lines starting with `#` or `;` skipped;
//!   `key = value`, a leading `-` on the key meaning "ignore a failure";
//!   `-key` without `=` excludes the key from globs; the key normalized
//!   (if its first separator is a dot, dots and slashes swap);
//! - a later assignment of a key replaces an earlier one (the same value
//!   keeps the earlier's place); a glob key (`*`, `?`, `[`) writes every
//!   matching parameter that no explicit key names, the glob assigned
//!   last winning.
//!
//! /etc/sysctl.conf counts only as the file it is reached by: Debian 12's
//! procps links /etc/sysctl.d/99-sysctl.conf to it, Debian 13's does not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Check, Status};
use crate::live::{self, Boot, ConfEntry, FileState};
use crate::validate::model::Host;

/// One assignment of a sysctl.d file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The key, normalized to its path below /proc/sys.
    pub key: String,
    /// The key as written (without the `-`).
    pub written: String,
    /// The value; `None` for `-key`, which excludes the key from globs.
    pub value: Option<String>,
    /// The file, as listed in its directory.
    pub file: PathBuf,
    /// Its line, from 1.
    pub line: usize,
}

/// Where the value of a key at the next boot comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Set by an explicit key.
    Set(&'a Assignment),
    /// Set by a glob key that matches it.
    Glob(&'a Assignment),
    /// Excluded from globs by `-key` and set by no file: the kernel's
    /// default stays.
    Excluded(&'a Assignment),
    /// Set by no file: the kernel's default stays.
    Unset,
}

/// The sysctl.d files systemd-sysctl reads, in its order: the first entry
/// of each name (directories in their order), names sorted.
pub fn read_order(entries: &[ConfEntry]) -> Vec<&ConfEntry> {
    let mut by_name: BTreeMap<&str, &ConfEntry> = BTreeMap::new();
    for entry in entries {
        let Some(name) = entry.path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if name.starts_with('.') || Path::new(name).extension().is_none_or(|e| e != "conf") {
            continue;
        }
        by_name.entry(name).or_insert(entry);
    }
    by_name.into_values().collect()
}

/// Whether the entry is a link to /dev/null (a mask: nothing to read).
fn masks(entry: &ConfEntry) -> bool {
    entry
        .link
        .as_ref()
        .is_some_and(|target| live::lexical(&entry.path, target) == Path::new("/dev/null"))
}

/// The text systemd-sysctl reads from an entry, or why it cannot be told.
fn text_of(entry: &ConfEntry) -> Result<&str, String> {
    if masks(entry) {
        return Ok("");
    }
    match &entry.file {
        FileState::Text(text) => Ok(text),
        // A dangling link: systemd-sysctl skips the file (ENOENT).
        FileState::Missing => Ok(""),
        FileState::NotText => Err(format!("{} is not text", entry.path.display())),
        FileState::Unreadable(why) => Err(format!("{} unreadable: {why}", entry.path.display())),
    }
}

/// The assignments of one file, in order.
pub fn parse(file: &Path, text: &str) -> Vec<Assignment> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((key, value)) => (key.strip_prefix('-').unwrap_or(key), Some(value.trim())),
            // Without `=`, only `-key` means something (a glob exclusion).
            None => match line.strip_prefix('-') {
                Some(key) => (key, None),
                None => continue,
            },
        };
        let written = key.trim();
        found.push(Assignment {
            key: normalize(written),
            written: written.to_owned(),
            value: value.map(str::to_owned),
            file: file.to_path_buf(),
            line: index + 1,
        });
    }
    found
}

/// A key as systemd normalizes it (`sysctl_normalize`): if the first
/// separator is a dot, dots become slashes and slashes dots; then empty
/// and `.` components go, and the leading slash.
pub fn normalize(key: &str) -> String {
    let swapped: String = match key.find(['/', '.']) {
        Some(first) if key[first..].starts_with('.') => key
            .chars()
            .map(|c| match c {
                '.' => '/',
                '/' => '.',
                other => other,
            })
            .collect(),
        _ => key.to_owned(),
    };
    swapped
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a key is a glob (systemd's `string_is_glob`).
fn is_glob(key: &str) -> bool {
    key.contains(['*', '?', '['])
}

/// The assignments in force after every file is read: per key the last
/// value (the same value again keeps the earlier line), in the order
/// systemd-sysctl applies them.
pub fn assignments(order: &[&ConfEntry]) -> Result<Vec<Assignment>, String> {
    let mut applied: Vec<Assignment> = Vec::new();
    for entry in order {
        for assignment in parse(&entry.path, text_of(entry)?) {
            if let Some(at) = applied.iter().position(|a| a.key == assignment.key) {
                if applied[at].value == assignment.value {
                    continue;
                }
                applied.remove(at);
            }
            applied.push(assignment);
        }
    }
    Ok(applied)
}

/// Where the value of `key` (normalized) comes from at the next boot.
pub fn outcome<'a>(applied: &'a [Assignment], key: &str) -> Outcome<'a> {
    if let Some(explicit) = applied.iter().find(|a| a.key == key) {
        return match explicit.value {
            Some(_) => Outcome::Set(explicit),
            None => Outcome::Excluded(explicit),
        };
    }
    applied
        .iter()
        .rev()
        .find(|a| a.value.is_some() && is_glob(&a.key) && glob_matches(&a.key, key))
        .map_or(Outcome::Unset, Outcome::Glob)
}

/// Whether the path `path` matches the glob `pattern` component by
/// component, as glob(3) matches paths below /proc/sys.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let patterns: Vec<&str> = pattern.split('/').collect();
    let names: Vec<&str> = path.split('/').collect();
    patterns.len() == names.len()
        && patterns.iter().zip(&names).all(|(pattern, name)| {
            (!name.starts_with('.') || pattern.starts_with('.'))
                && fnmatch(pattern.as_bytes(), name.as_bytes())
        })
}

/// fnmatch(3) on one path component: `*`, `?`, `[...]` (with `!` or `^`
/// and ranges), `\` escaping.
fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|skip| fnmatch(rest, &name[skip..])),
        Some((b'?', rest)) => !name.is_empty() && fnmatch(rest, &name[1..]),
        Some((b'[', rest)) => match (name.split_first(), bracket(rest)) {
            (Some((&c, name_rest)), Some((set, after))) => {
                set.matches(c) && fnmatch(after, name_rest)
            }
            // An unclosed `[` is a literal.
            (Some((&c, name_rest)), None) => c == b'[' && fnmatch(rest, name_rest),
            (None, _) => false,
        },
        Some((b'\\', [escaped, rest @ ..])) => {
            name.first() == Some(escaped) && fnmatch(rest, &name[1..])
        }
        Some((&literal, rest)) => name.first() == Some(&literal) && fnmatch(rest, &name[1..]),
    }
}

/// A bracket expression's set of bytes.
struct ByteSet {
    negated: bool,
    ranges: Vec<(u8, u8)>,
}

impl ByteSet {
    fn matches(&self, c: u8) -> bool {
        self.ranges.iter().any(|(a, b)| (*a..=*b).contains(&c)) != self.negated
    }
}

/// The set of a bracket expression (after its `[`) and the pattern after
/// its `]`; `None` when it is not closed.
fn bracket(pattern: &[u8]) -> Option<(ByteSet, &[u8])> {
    let (negated, mut rest) = match pattern.first() {
        Some(b'!' | b'^') => (true, &pattern[1..]),
        _ => (false, pattern),
    };
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let (&c, after) = rest.split_first()?;
        if c == b']' && !first {
            return Some((ByteSet { negated, ranges }, after));
        }
        first = false;
        match after {
            [b'-', end, tail @ ..] if *end != b']' => {
                ranges.push((c, *end));
                rest = tail;
            }
            _ => {
                ranges.push((c, c));
                rest = after;
            }
        }
    }
}

/// For each rendered kernel parameter of `host`, the value it will have
/// after the next boot against the rendered one, naming the file and line
/// that sets it.
pub fn checks(host: &Host, boot: &Boot) -> Vec<Check> {
    let order = read_order(&boot.sysctl_d);
    let ours = Path::new("/").join(&host.paths.sysctl);
    let applied = match unreadable_below(boot, &live::SYSCTL_DIRS) {
        Some(why) => Err(why),
        None => assignments(&order),
    };
    host.sysctl
        .iter()
        .map(|setting| {
            let expected = format!(
                "{} ({})",
                live::squeeze(&setting.value),
                ours.file_name().unwrap_or_default().to_string_lossy()
            );
            match &applied {
                Ok(applied) => {
                    let (ok, found) = judge(
                        &setting.value,
                        outcome(applied, &normalize(&setting.key)),
                        &order,
                        &ours,
                    );
                    Check::new(KIND, setting.key.clone(), ok, expected, found)
                }
                Err(why) => Check {
                    kind: KIND,
                    subject: setting.key.clone(),
                    status: Status::Error,
                    expected,
                    found: format!("cannot tell: {why}"),
                },
            }
        })
        .collect()
}

/// Whether the outcome is the rendered `value`, and what was found.
fn judge(value: &str, outcome: Outcome<'_>, order: &[&ConfEntry], ours: &Path) -> (bool, String) {
    let same = |a: &Assignment| {
        live::squeeze(a.value.as_deref().unwrap_or_default()) == live::squeeze(value)
    };
    let value_of = |a: &Assignment| live::squeeze(a.value.as_deref().unwrap_or_default());
    match outcome {
        Outcome::Set(a) => (
            same(a),
            format!("{} from {}", value_of(a), where_from(a, order, ours)),
        ),
        Outcome::Glob(a) => (
            same(a),
            format!(
                "{} from the glob `{}` at {}",
                value_of(a),
                a.written,
                where_from(a, order, ours)
            ),
        ),
        Outcome::Excluded(a) => (
            false,
            format!(
                "not set (the kernel's default): `-{}` at {}",
                a.written,
                where_from(a, order, ours)
            ),
        ),
        Outcome::Unset => (
            false,
            "not set by any sysctl.d file: the kernel's default".to_owned(),
        ),
    }
}

/// `file:line`, and how the file stands to ours: read after it, or ours
/// not read at all, or ours not setting the key.
fn where_from(a: &Assignment, order: &[&ConfEntry], ours: &Path) -> String {
    let position = |file: &Path| order.iter().position(|entry| entry.path == file);
    let place = format!("{}:{}", shown(order, &a.file), a.line);
    if a.file == ours {
        return place;
    }
    match (position(&a.file), position(ours)) {
        (Some(theirs), Some(our)) if theirs > our => format!("{place}, read after ours"),
        (_, None) => format!("{place}, and {} is not read", ours.display()),
        _ => format!("{place}, and ours does not set it"),
    }
}

/// "DIR unreadable: why" for the first directory below one of `dirs` that
/// could not be listed.
pub fn unreadable_below(boot: &Boot, dirs: &[&str]) -> Option<String> {
    boot.unreadable
        .iter()
        .find(|(path, _)| dirs.iter().any(|dir| path.starts_with(dir)))
        .map(|(path, why)| format!("{} unreadable: {why}", path.display()))
}

/// The check's name.
const KIND: &str = "next-boot";

/// A file for people: a link that another file is read through names both
/// (`/etc/sysctl.conf via /etc/sysctl.d/99-sysctl.conf`).
fn shown(order: &[&ConfEntry], file: &Path) -> String {
    let entry = order.iter().find(|entry| entry.path == file);
    match entry.and_then(|entry| entry.link.as_ref()) {
        Some(target) => format!(
            "{} via {}",
            live::lexical(file, target).display(),
            file.display()
        ),
        None => file.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, text: &str) -> ConfEntry {
        ConfEntry {
            path: path.into(),
            link: None,
            file: FileState::Text(text.into()),
        }
    }

    fn link(path: &str, target: &str, file: FileState) -> ConfEntry {
        ConfEntry {
            path: path.into(),
            link: Some(target.into()),
            file,
        }
    }

    fn value_of(entries: &[ConfEntry], key: &str) -> Option<(String, String, usize)> {
        let order = read_order(entries);
        let applied = assignments(&order).unwrap();
        match outcome(&applied, &normalize(key)) {
            Outcome::Set(a) | Outcome::Glob(a) => Some((
                a.value.clone().unwrap(),
                a.file.display().to_string(),
                a.line,
            )),
            Outcome::Excluded(_) | Outcome::Unset => None,
        }
    }

    const KEY: &str = "net.ipv4.conf.all.arp_ignore";

    #[test]
    fn names_sort_across_directories_and_the_later_file_wins() {
        let entries = [
            entry(
                "/etc/sysctl.d/60-lvs-dr.conf",
                "net.ipv4.conf.all.arp_ignore = 1\n",
            ),
            entry(
                "/etc/sysctl.d/99-zzz.conf",
                "net.ipv4.conf.all.arp_ignore = 0\n",
            ),
            entry(
                "/usr/lib/sysctl.d/70-vendor.conf",
                "net.ipv4.conf.all.arp_ignore = 2\n",
            ),
        ];
        let order: Vec<String> = read_order(&entries)
            .iter()
            .map(|e| e.path.display().to_string())
            .collect();
        assert_eq!(
            order,
            [
                "/etc/sysctl.d/60-lvs-dr.conf",
                "/usr/lib/sysctl.d/70-vendor.conf",
                "/etc/sysctl.d/99-zzz.conf"
            ]
        );
        assert_eq!(
            value_of(&entries, KEY),
            Some(("0".into(), "/etc/sysctl.d/99-zzz.conf".into(), 1))
        );
        // Without 99-zzz, /usr/lib's 70- sorts after /etc's 60-.
        assert_eq!(
            value_of(
                &entries[..1]
                    .iter()
                    .chain(&entries[2..])
                    .cloned()
                    .collect::<Vec<_>>(),
                KEY
            ),
            Some(("2".into(), "/usr/lib/sysctl.d/70-vendor.conf".into(), 1))
        );
    }

    #[test]
    fn an_earlier_directory_masks_the_same_name_and_dev_null_masks_it_all() {
        let vendor = entry(
            "/usr/lib/sysctl.d/99-vendor.conf",
            "net.ipv4.conf.all.arp_ignore = 0\n",
        );
        let own = entry(
            "/etc/sysctl.d/60-lvs-dr.conf",
            "net.ipv4.conf.all.arp_ignore = 1\n",
        );
        let replaced = entry("/etc/sysctl.d/99-vendor.conf", "# replaced\n");
        assert_eq!(
            value_of(&[own.clone(), replaced, vendor.clone()], KEY),
            Some(("1".into(), "/etc/sysctl.d/60-lvs-dr.conf".into(), 1))
        );
        let masked = link(
            "/etc/sysctl.d/99-vendor.conf",
            "/dev/null",
            FileState::Unreadable("not a regular file".into()),
        );
        assert_eq!(
            value_of(&[own.clone(), masked, vendor.clone()], KEY),
            Some(("1".into(), "/etc/sysctl.d/60-lvs-dr.conf".into(), 1))
        );
        // A name in /run masks /usr/lib's too; the first directory's wins.
        let run = entry(
            "/run/sysctl.d/99-vendor.conf",
            "net.ipv4.conf.all.arp_ignore = 8\n",
        );
        assert_eq!(
            value_of(&[own, run, vendor], KEY),
            Some(("8".into(), "/run/sysctl.d/99-vendor.conf".into(), 1))
        );
    }

    #[test]
    fn lines_parse_as_systemd_sysctl_reads_them() {
        let text = "# comment\n; also\n\n  -net.ipv4.conf.all.arp_ignore =  3 \nbroken line\n\
                    net/ipv4/conf/eth0.100/arp_ignore = 4\nnet.ipv4.conf.eth0/200.arp_ignore=5\n";
        let found = parse(Path::new("/etc/sysctl.d/a.conf"), text);
        let keys: Vec<(&str, Option<&str>, usize)> = found
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_deref(), a.line))
            .collect();
        assert_eq!(
            keys,
            [
                ("net/ipv4/conf/all/arp_ignore", Some("3"), 4),
                ("net/ipv4/conf/eth0.100/arp_ignore", Some("4"), 6),
                ("net/ipv4/conf/eth0.200/arp_ignore", Some("5"), 7),
            ]
        );
        assert_eq!(normalize("/net//ipv4/./conf"), "net/ipv4/conf");
    }

    #[test]
    fn an_explicit_key_beats_any_glob_and_a_glob_sets_what_none_names() {
        let ours = entry(
            "/etc/sysctl.d/60-lvs-dr.conf",
            "net.ipv4.conf.all.arp_ignore = 1\n",
        );
        let glob = entry(
            "/etc/sysctl.d/99-glob.conf",
            "net.ipv4.conf.*.arp_ignore = 0\n",
        );
        assert_eq!(
            value_of(&[ours.clone(), glob.clone()], KEY),
            Some(("1".into(), "/etc/sysctl.d/60-lvs-dr.conf".into(), 1))
        );
        assert_eq!(
            value_of(
                &[ours.clone(), glob.clone()],
                "net.ipv4.conf.eth0.arp_ignore"
            ),
            Some(("0".into(), "/etc/sysctl.d/99-glob.conf".into(), 1))
        );
        // `-key` later excludes the key: ours is undone.
        let exclude = entry("/etc/sysctl.d/99-x.conf", "-net.ipv4.conf.all.arp_ignore\n");
        let order_entries = [ours, glob, exclude];
        let order = read_order(&order_entries);
        let applied = assignments(&order).unwrap();
        assert!(matches!(
            outcome(&applied, &normalize(KEY)),
            Outcome::Excluded(a) if a.line == 1
        ));
        assert!(glob_matches(
            "net/ipv4/conf/e[a-z]h?/arp_*",
            "net/ipv4/conf/eth0/arp_ignore"
        ));
        assert!(!glob_matches(
            "net/ipv4/conf/[!e]*/arp_ignore",
            "net/ipv4/conf/eth0/arp_ignore"
        ));
        assert!(!glob_matches(
            "net/*/arp_ignore",
            "net/ipv4/conf/all/arp_ignore"
        ));
    }

    #[test]
    fn debians_99_sysctl_conf_link_is_a_file_of_etc_sysctl_d() {
        let ours = entry(
            "/etc/sysctl.d/60-lvs-dr.conf",
            "net.ipv4.conf.all.arp_ignore = 1\n",
        );
        let conf = link(
            "/etc/sysctl.d/99-sysctl.conf",
            "../sysctl.conf",
            FileState::Text("#kernel.x = 1\nnet.ipv4.conf.all.arp_ignore=0\n".into()),
        );
        let entries = [ours, conf];
        let order = read_order(&entries);
        assert_eq!(
            value_of(&entries, KEY),
            Some(("0".into(), "/etc/sysctl.d/99-sysctl.conf".into(), 2))
        );
        assert_eq!(
            shown(&order, Path::new("/etc/sysctl.d/99-sysctl.conf")),
            "/etc/sysctl.conf via /etc/sysctl.d/99-sysctl.conf"
        );
    }
}
