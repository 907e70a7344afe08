//! Reading a keepalived.conf as keepalived reads it, into a tree of
//! statements (keyword, arguments, block) that each know their file and
//! line: for `import`, which maps the tree to an inventory.
//!
//! Followed as keepalived 2.2 and 2.3 do (lib/parser.c): comments (`#`,
//! `!`), double quotes, `{` and `}` anywhere on a line, `@ID` and `@^ID`
//! conditional lines (ID is the configuration id, keepalived's `-i`, by
//! default the host name up to its first dot: here the director's name),
//! `$NAME=value` definitions (also of several lines, continued with `\`)
//! and their use as `$NAME` or `${NAME}`, the built-in `$_PWD`, `$_HASH`
//! and `$_BANG`, and `include` (and `includer`, `includem`, `includew`,
//! `includeb`, `includea`) with glob patterns, a relative pattern taken
//! from the folder of the file that includes it.
//!
//! Every file is read below a [`Root`], the director's `/` or a copy of
//! it: an absolute include path is a path below that root, `..` and links
//! never lead out of it (`openat2`'s `RESOLVE_IN_ROOT`), and nothing else
//! is read. What the reader does not follow (`~SEQ`, `~LST`, definitions
//! with parameters, `$_RANDOM`, `$_ENV`, `$_INSTANCE`) and what keepalived
//! would skip (an include that matches nothing, a folder or an executable
//! file, an unbalanced brace) is listed in [`Config::unread`] with its
//! place, never dropped silently.

mod glob;
mod lines;

use std::fmt;
use std::path::Path;

use crate::live::{FileState, Root};
use lines::{Definitions, Expansion};

/// Where a statement is written: the file's path on the machine and the
/// line, from 1.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// The file, as a path on the machine (such as
    /// `/etc/keepalived/conf.d/web.conf`).
    pub file: String,
    /// The line, from 1.
    pub line: usize,
}

impl fmt::Display for Place {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}", self.file, self.line)
    }
}

/// One keyword with its arguments, and its block when a `{` follows.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The first word, such as `virtual_server`.
    pub keyword: String,
    /// The other words, quotes removed.
    pub args: Vec<String>,
    /// The statements between `{` and `}`, when the keyword has a block.
    pub block: Option<Vec<Statement>>,
    /// Where the keyword is written.
    pub place: Place,
    /// The comment on the line just above, when that whole line was one
    /// (lvs-dr-gen's own files name the real servers' hosts so).
    pub comment: Option<String>,
}

impl Statement {
    /// The statements of its block (none without one).
    pub fn children(&self) -> &[Statement] {
        self.block.as_deref().unwrap_or_default()
    }
}

/// A part of the configuration that the reader did not read the way
/// keepalived would, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// Where it is.
    pub place: Place,
    /// Why it was not read.
    pub reason: String,
}

/// A keepalived configuration read with its includes.
#[derive(Debug, Default)]
pub struct Config {
    /// The top-level statements, includes resolved, in keepalived's order.
    pub statements: Vec<Statement>,
    /// Every file read, in order (the main file first).
    pub files: Vec<String>,
    /// What was not read as keepalived would read it.
    pub unread: Vec<Unread>,
}

/// Why the main configuration file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No such file below the root.
    #[error("{0}: no such file")]
    Missing(String),
    /// It exists but could not be read.
    #[error("{0}: cannot read it: {1}")]
    Unreadable(String, String),
}

/// How deep includes may nest before the reader stops (a file that
/// includes itself).
const MAX_INCLUDE_DEPTH: usize = 16;

/// Reads `path` (absolute, as on the machine) below `root` as keepalived
/// would on the machine whose configuration id is `config_id`.
pub fn read(root: &Root, path: &str, config_id: &str) -> Result<Config, ReadError> {
    let mut reader = Reader::new(Some(root), config_id);
    match root.read(Path::new(path)) {
        FileState::Text(text) => reader.file(path, &text, 0),
        FileState::Missing => return Err(ReadError::Missing(path.to_owned())),
        FileState::NotText => {
            return Err(ReadError::Unreadable(
                path.to_owned(),
                "not UTF-8 text".into(),
            ))
        }
        FileState::Unreadable(why) => return Err(ReadError::Unreadable(path.to_owned(), why)),
    }
    Ok(reader.finish())
}

/// Reads one configuration given as text (lvs-dr-gen's own rendering, which
/// includes nothing), as the file `path`.
pub fn read_text(path: &str, text: &str, config_id: &str) -> Vec<Statement> {
    let mut reader = Reader::new(None, config_id);
    reader.file(path, text, 0);
    reader.finish().statements
}

/// A line as keepalived hands it to its keyword handlers: its words, or a
/// lone `{` or `}`.
#[derive(Debug)]
struct Line {
    words: Vec<String>,
    place: Place,
    comment: Option<String>,
}

impl Line {
    fn is(&self, brace: &str) -> bool {
        self.words.len() == 1 && self.words[0] == brace
    }
}

/// The reader's state across files: definitions live on across includes,
/// as in keepalived.
struct Reader<'a> {
    /// Below which includes are read (none: includes are not followed).
    root: Option<&'a Root>,
    config_id: &'a str,
    definitions: Definitions,
    /// The definition of several lines being read, by name.
    multiline: Option<String>,
    lines: Vec<Line>,
    config: Config,
}

impl<'a> Reader<'a> {
    fn new(root: Option<&'a Root>, config_id: &'a str) -> Self {
        Reader {
            root,
            config_id,
            definitions: Definitions::new(),
            multiline: None,
            lines: Vec::new(),
            config: Config::default(),
        }
    }

    /// The statements of the lines read, with what did not parse.
    fn finish(mut self) -> Config {
        let lines = std::mem::take(&mut self.lines);
        let mut at = 0;
        let mut statements = Vec::new();
        loop {
            let (mut block, next, closed) = tree(&lines, at, &mut self.config.unread);
            statements.append(&mut block);
            if !closed {
                break;
            }
            self.config.unread.push(Unread {
                place: lines[next - 1].place.clone(),
                reason: "a `}` closes no block (keepalived reports \"Extra '}' found\")".into(),
            });
            at = next;
        }
        self.config.statements = statements;
        self.config
    }

    fn unread(&mut self, place: &Place, reason: String) {
        self.config.unread.push(Unread {
            place: place.clone(),
            reason,
        });
    }

    /// One file's lines, in order.
    fn file(&mut self, path: &str, text: &str, depth: usize) {
        self.config.files.push(path.to_owned());
        let folder = parent(path);
        let mut comment: Option<String> = None;
        for (index, raw) in text.lines().enumerate() {
            let place = Place {
                file: path.to_owned(),
                line: index + 1,
            };
            let raw = raw.trim_end_matches('\r');
            if raw.trim().is_empty() {
                comment = None;
                self.multiline = None;
                continue;
            }
            let line = lines::decomment(raw);
            if let Some(name) = self.multiline.clone() {
                self.continue_definition(&name, &line.text);
                continue;
            }
            if line.text.is_empty() {
                comment = line.comment.or(comment);
                continue;
            }
            self.logical(&line.text, &place, comment.take(), &folder, depth);
        }
        self.multiline = None;
    }

    /// A line of a definition of several lines.
    fn continue_definition(&mut self, name: &str, text: &str) {
        let (part, more) = match text.strip_suffix('\\') {
            Some(part) => (part.trim_end(), true),
            None => (text, false),
        };
        if !part.is_empty() {
            self.definitions
                .entry(name.to_owned())
                .or_default()
                .push(part.to_owned());
        }
        if !more {
            self.multiline = None;
        }
    }

    /// One logical line: conditional, definition, expansion, include, or
    /// words.
    fn logical(
        &mut self,
        text: &str,
        place: &Place,
        comment: Option<String>,
        folder: &str,
        depth: usize,
    ) {
        let mut text = text.to_owned();
        for _ in 0..MAX_INCLUDE_DEPTH {
            let Some(kept) = lines::conditional(&text, self.config_id) else {
                return;
            };
            text = kept.to_owned();
            if let Some((name, value)) = lines::definition(&text) {
                self.define(name, value);
                return;
            }
            if text.starts_with("~SEQ") || text.starts_with("~LST") {
                let keyword = &text[..4];
                self.unread(
                    place,
                    format!("keepalived's `{keyword}` repeats lines; lvs-dr-gen's reader does not expand it: write the lines out"),
                );
                return;
            }
            if !text.contains('$') {
                break;
            }
            match lines::expand(&text, &self.definitions, folder) {
                Expansion::Unsupported(what) => {
                    self.unread(
                        place,
                        format!("lvs-dr-gen's reader does not expand {what}: write its value out"),
                    );
                    return;
                }
                Expansion::Lines(expanded) if expanded.len() > 1 => {
                    for line in expanded {
                        let line = lines::decomment(&line).text;
                        if !line.is_empty() {
                            self.logical(&line, place, None, folder, depth);
                        }
                    }
                    return;
                }
                Expansion::Lines(expanded) => {
                    let expanded = lines::decomment(&expanded[0]).text;
                    let again =
                        expanded != text && (expanded.starts_with('@') || expanded.contains('$'));
                    text = expanded;
                    if !again {
                        break;
                    }
                }
            }
        }
        if let Some(pattern) = include_pattern(&text) {
            self.include(pattern, place, folder, depth);
            return;
        }
        let mut comment = comment;
        for part in lines::split_braces(&text) {
            match lines::words(part) {
                Ok(words) if !words.is_empty() => self.lines.push(Line {
                    words,
                    place: place.clone(),
                    comment: comment.take(),
                }),
                Ok(_) => {}
                Err(why) => self.unread(
                    place,
                    format!("{why}: keepalived reads the line up to the quote"),
                ),
            }
        }
    }

    /// `$NAME=value`, or the first line of a definition of several lines.
    fn define(&mut self, name: &str, value: &str) {
        match value.strip_suffix('\\') {
            Some(first) => {
                let first = first.trim_end();
                self.definitions.insert(
                    name.to_owned(),
                    if first.is_empty() {
                        Vec::new()
                    } else {
                        vec![first.to_owned()]
                    },
                );
                self.multiline = Some(name.to_owned());
            }
            None => {
                self.definitions
                    .insert(name.to_owned(), vec![value.to_owned()]);
            }
        }
    }

    /// The files an include matches, read in turn.
    fn include(&mut self, pattern: &str, place: &Place, folder: &str, depth: usize) {
        if depth >= MAX_INCLUDE_DEPTH {
            self.unread(
                place,
                format!("includes nest deeper than {MAX_INCLUDE_DEPTH} files (does a file include itself?)"),
            );
            return;
        }
        let absolute = if pattern.starts_with('/') {
            pattern.to_owned()
        } else {
            format!("{}/{pattern}", folder.trim_end_matches('/'))
        };
        let Some(root) = self.root else {
            return self.unread(place, format!("`include {pattern}` is not followed here"));
        };
        let paths = glob::expand(root, &absolute);
        let mut read = 0;
        for path in paths {
            if root.is_executable(Path::new(&path)) {
                self.unread(
                    place,
                    format!("{path} is executable: keepalived skips such a file (\"not a regular non-executable file\")"),
                );
                continue;
            }
            match root.read(Path::new(&path)) {
                FileState::Text(text) => {
                    read += 1;
                    self.file(&path, &text, depth + 1);
                }
                FileState::Missing => {}
                FileState::NotText => {
                    self.unread(place, format!("{path} is not UTF-8 text: not read"));
                }
                FileState::Unreadable(why) => {
                    self.unread(
                        place,
                        format!("{path} cannot be read ({why}); keepalived skips it too"),
                    );
                }
            }
        }
        if read == 0 {
            self.unread(
                place,
                format!("`include {pattern}` matches no file here: keepalived skips it too; if the machine has such files, copy them below the root given to import"),
            );
        }
    }
}

/// The pattern of an include line, keepalived's `is_include()`.
fn include_pattern(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("include")?;
    let rest = match rest.chars().next()? {
        ' ' | '\t' => rest,
        'r' | 'm' | 'w' | 'b' | 'a' if rest[1..].starts_with([' ', '\t']) => &rest[1..],
        _ => return None,
    };
    Some(rest.trim())
}

/// The folder of a path on the machine.
fn parent(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".to_owned(),
        Some(at) => path[..at].to_owned(),
        None => ".".to_owned(),
    }
}

/// The statements from `lines[at]` to the `}` that closes them (or the
/// end): the statements, where reading stopped, and whether a `}` stopped
/// it.
fn tree(lines: &[Line], mut at: usize, unread: &mut Vec<Unread>) -> (Vec<Statement>, usize, bool) {
    let mut statements = Vec::new();
    while at < lines.len() {
        let line = &lines[at];
        at += 1;
        if line.is("}") {
            return (statements, at, true);
        }
        if line.is("{") {
            let (_, next, _) = tree(lines, at, unread);
            unread.push(Unread {
                place: line.place.clone(),
                reason: "a block without a keyword (keepalived ignores the `{`)".into(),
            });
            at = next;
            continue;
        }
        let mut statement = Statement {
            keyword: line.words[0].clone(),
            args: line.words[1..].to_vec(),
            block: None,
            place: line.place.clone(),
            comment: line.comment.clone(),
        };
        if lines.get(at).is_some_and(|next| next.is("{")) {
            let (block, next, closed) = tree(lines, at + 1, unread);
            if !closed {
                unread.push(Unread {
                    place: line.place.clone(),
                    reason: format!(
                        "the block of `{}` is not closed by a `}}`",
                        statement.keyword
                    ),
                });
            }
            statement.block = Some(block);
            at = next;
        }
        statements.push(statement);
    }
    (statements, at, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn outline(statements: &[Statement]) -> Vec<String> {
        statements
            .iter()
            .flat_map(|statement| {
                let mut lines = vec![format!(
                    "{} {} @{}",
                    statement.keyword,
                    statement.args.join(" "),
                    statement.place
                )];
                lines.extend(
                    outline(statement.children())
                        .into_iter()
                        .map(|line| format!("  {line}")),
                );
                lines
            })
            .collect()
    }

    #[test]
    fn includes_definitions_and_conditionals_are_followed_with_places() {
        let dir = machine(&[
            (
                "/etc/keepalived/keepalived.conf",
                "$VIP=10.0.0.100\n@lb1 $PRIO=150\n@^lb1 $PRIO=100\n\
                 vrrp_instance VI_1 { priority $PRIO\n virtual_ipaddress {\n ${VIP}/32\n }\n}\n\
                 include conf.d/*.conf\n",
            ),
            (
                "/etc/keepalived/conf.d/b.conf",
                "# web\nvirtual_server $VIP 80 {\n}\n",
            ),
            (
                "/etc/keepalived/conf.d/a.conf",
                "! a\nvirtual_server $VIP 443 {}\n",
            ),
        ]);
        let root = Root::open(dir.path()).unwrap();
        let config = read(&root, "/etc/keepalived/keepalived.conf", "lb2").unwrap();
        assert_eq!(
            outline(&config.statements),
            [
                "vrrp_instance VI_1 @/etc/keepalived/keepalived.conf:4",
                "  priority 100 @/etc/keepalived/keepalived.conf:4",
                "  virtual_ipaddress  @/etc/keepalived/keepalived.conf:5",
                "    10.0.0.100/32  @/etc/keepalived/keepalived.conf:6",
                "virtual_server 10.0.0.100 443 @/etc/keepalived/conf.d/a.conf:2",
                "virtual_server 10.0.0.100 80 @/etc/keepalived/conf.d/b.conf:2",
            ]
        );
        assert_eq!(config.statements[2].comment.as_deref(), Some("web"));
        assert!(config.unread.is_empty(), "{:?}", config.unread);
    }

    #[test]
    fn what_is_not_followed_is_listed() {
        let dir = machine(&[(
            "/etc/keepalived/keepalived.conf",
            "~SEQ(i,1,3) real_server 10.0.0.$i 80\ninclude /etc/keepalived/missing/*.conf\n\
             include ../../../../outside.conf\n}\nvirtual_server 10.0.0.1 80 {\n",
        )]);
        let root = Root::open(dir.path()).unwrap();
        let config = read(&root, "/etc/keepalived/keepalived.conf", "lb1").unwrap();
        let lines: Vec<usize> = config.unread.iter().map(|u| u.place.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5], "{:?}", config.unread);
        assert!(matches!(
            read(&root, "/etc/keepalived/none.conf", "lb1"),
            Err(ReadError::Missing(_))
        ));
    }

    #[test]
    fn definitions_of_several_lines_expand_to_lines() {
        let dir = machine(&[(
            "/etc/keepalived/keepalived.conf",
            "$CHECK=TCP_CHECK { \\\n  connect_timeout 3 \\\n}\n\nreal_server 10.0.0.11 80 {\n$CHECK\n}\n",
        )]);
        let root = Root::open(dir.path()).unwrap();
        let config = read(&root, "/etc/keepalived/keepalived.conf", "lb1").unwrap();
        assert_eq!(
            outline(&config.statements),
            [
                "real_server 10.0.0.11 80 @/etc/keepalived/keepalived.conf:5",
                "  TCP_CHECK  @/etc/keepalived/keepalived.conf:6",
                "    connect_timeout 3 @/etc/keepalived/keepalived.conf:6",
            ]
        );
    }
}
