//! The file names an `include` matches: glob(3) with `GLOB_BRACE`, as
//! keepalived calls it (`*`, `?`, `[...]`, `{a,b}`; a leading `.` matched
//! only by a `.`), over the folders of a [`Root`], so that nothing outside
//! it is listed.

use std::path::Path;

use crate::live::Root;

/// The paths `pattern` (absolute, as on the machine) matches below `root`:
/// each brace alternative in turn, the matches of each sorted by name as
/// glob(3) sorts them. A pattern without wildcards is itself, whether or
/// not it exists (the caller reports a missing file).
pub fn expand(root: &Root, pattern: &str) -> Vec<String> {
    braces(pattern)
        .iter()
        .flat_map(|one| matches(root, one))
        .collect()
}

/// `a{b,c}d{e,f}` → `abde abdf acde acdf`, in that order; a `{` without a
/// `,` before its `}` stays as written.
fn braces(pattern: &str) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_owned()];
    };
    let mut depth = 0;
    let mut commas = Vec::new();
    let mut close = None;
    for (at, c) in pattern[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + at);
                    break;
                }
            }
            ',' if depth == 1 => commas.push(open + at),
            _ => {}
        }
    }
    let Some(close) = close.filter(|_| !commas.is_empty()) else {
        let (head, tail) = pattern.split_at(open + 1);
        return braces(tail)
            .into_iter()
            .map(|rest| format!("{head}{rest}"))
            .collect();
    };
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    let mut bounds = vec![open];
    bounds.extend(&commas);
    bounds.push(close);
    bounds
        .windows(2)
        .flat_map(|pair| braces(&format!("{head}{}{tail}", &pattern[pair[0] + 1..pair[1]])))
        .collect()
}

/// The paths one brace-free pattern matches, component by component.
fn matches(root: &Root, pattern: &str) -> Vec<String> {
    if !pattern.contains(['*', '?', '[']) {
        return vec![pattern.to_owned()];
    }
    let mut found = vec![String::from(if pattern.starts_with('/') {
        "/"
    } else {
        ""
    })];
    for component in pattern.split('/').filter(|part| !part.is_empty()) {
        let wild = component.contains(['*', '?', '[']);
        let mut next = Vec::new();
        for folder in &found {
            let join = |name: &str| {
                if folder.is_empty() || folder.ends_with('/') {
                    format!("{folder}{name}")
                } else {
                    format!("{folder}/{name}")
                }
            };
            if !wild {
                next.push(join(component));
                continue;
            }
            let listed = root
                .list(Path::new(if folder.is_empty() { "." } else { folder }))
                .ok()
                .flatten()
                .unwrap_or_default();
            next.extend(
                listed
                    .iter()
                    .filter(|name| matches_name(component, name))
                    .map(|name| join(name)),
            );
        }
        found = next;
    }
    found
}

/// Whether `name` matches the wildcard `pattern` (one path component).
pub fn matches_name(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    match_from(&pattern, &name)
}

fn match_from(pattern: &[char], name: &[char]) -> bool {
    match pattern.first() {
        None => name.is_empty(),
        Some('*') => (0..=name.len()).any(|skip| match_from(&pattern[1..], &name[skip..])),
        Some('?') => !name.is_empty() && match_from(&pattern[1..], &name[1..]),
        Some('[') => match (class(&pattern[1..]), name.first()) {
            (Some((matches, used)), Some(c)) => {
                matches(*c) && match_from(&pattern[1 + used..], &name[1..])
            }
            (None, Some('[')) => match_from(&pattern[1..], &name[1..]),
            _ => false,
        },
        Some('\\') if pattern.len() > 1 => {
            name.first() == Some(&pattern[1]) && match_from(&pattern[2..], &name[1..])
        }
        Some(c) => name.first() == Some(c) && match_from(&pattern[1..], &name[1..]),
    }
}

/// A `[...]` class after its `[`: a test and how many characters it took
/// (with its `]`), or `None` when it is not closed.
#[allow(clippy::type_complexity)]
fn class(pattern: &[char]) -> Option<(Box<dyn Fn(char) -> bool>, usize)> {
    let negated = matches!(pattern.first(), Some('!' | '^'));
    let start = usize::from(negated);
    let end = pattern
        .iter()
        .enumerate()
        .skip(start + 1)
        .find(|(_, c)| **c == ']')
        .map(|(at, _)| at)?;
    let items: Vec<char> = pattern[start..end].to_vec();
    let test = move |c: char| {
        let mut at = 0;
        let mut hit = false;
        while at < items.len() {
            if at + 2 < items.len() && items[at + 1] == '-' {
                hit |= items[at] <= c && c <= items[at + 2];
                at += 3;
            } else {
                hit |= items[at] == c;
                at += 1;
            }
        }
        hit != negated
    };
    Some((Box::new(test), end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_as_glob_does() {
        assert!(matches_name("*.conf", "lvs.conf"));
        assert!(!matches_name("*.conf", ".hidden.conf"));
        assert!(!matches_name("*.conf", "lvs.conf.bak"));
        assert!(matches_name("vs-[0-9]?.conf", "vs-1a.conf"));
        assert!(!matches_name("vs-[!0-9].conf", "vs-1.conf"));
        assert!(matches_name("a\\*", "a*"));
    }

    #[test]
    fn braces_expand_in_order() {
        assert_eq!(
            braces("/e/{a,b}/x{1,2}"),
            ["/e/a/x1", "/e/a/x2", "/e/b/x1", "/e/b/x2"]
        );
        assert_eq!(braces("/e/{a}"), ["/e/{a}"]);
    }

    #[test]
    fn folders_are_listed_below_the_root_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc/k/conf.d")).unwrap();
        for name in ["b.conf", "a.conf", "c.txt"] {
            std::fs::write(dir.path().join("etc/k/conf.d").join(name), "").unwrap();
        }
        let root = Root::open(dir.path()).unwrap();
        assert_eq!(
            expand(&root, "/etc/k/conf.d/*.conf"),
            ["/etc/k/conf.d/a.conf", "/etc/k/conf.d/b.conf"]
        );
        assert_eq!(
            expand(&root, "/etc/k/../../../etc/k/conf.d/{b,a}.conf"),
            [
                "/etc/k/../../../etc/k/conf.d/b.conf",
                "/etc/k/../../../etc/k/conf.d/a.conf"
            ]
        );
        assert_eq!(expand(&root, "/etc/*/conf.d/c.*"), ["/etc/k/conf.d/c.txt"]);
    }
}
