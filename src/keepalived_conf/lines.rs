//! keepalived's line grammar, one physical line at a time, as its
//! `read_line()` (lib/parser.c) has it: comments, `@id` conditional lines,
//! `$NAME=value` definitions and their expansion, and the split of a line
//! at `{` and `}` into words.

use std::collections::BTreeMap;

/// A comment removed from a line: whether the whole line was one, and its
/// text without the `#` or `!`.
pub struct Decommented {
    /// The line without its comment and without surrounding white space;
    /// a trailing `\` is kept (it continues a definition).
    pub text: String,
    /// The comment's text when the whole line was a comment.
    pub comment: Option<String>,
}

/// keepalived's `decomment()`: removes leading white space, a comment
/// (from a `#` or `!` outside double quotes), the `\` of an escaped `#` or
/// `!`, and trailing white space, keeping a final `\`.
pub fn decomment(line: &str) -> Decommented {
    let line = line.trim_start_matches([' ', '\t']);
    let mut text = String::with_capacity(line.len());
    let mut quote = false;
    let mut continued = false;
    let mut comment = None;
    let mut chars = line.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                quote = !quote;
                text.push(c);
            }
            '\\' => match chars.peek() {
                None => continued = true,
                Some(&(_, next)) if !quote && (next == '#' || next == '!') => {
                    text.push(next);
                    chars.next();
                }
                Some(&(_, next)) => {
                    text.push(c);
                    text.push(next);
                    chars.next();
                }
            },
            '#' | '!' if !quote => {
                if at == 0 {
                    comment = Some(line[1..].trim().to_owned());
                }
                break;
            }
            _ => text.push(c),
        }
    }
    let mut text = text.trim_end_matches([' ', '\t']).to_owned();
    if continued {
        text.push('\\');
    }
    Decommented { text, comment }
}

/// A line that starts `@ID` or `@^ID`: the rest of the line when it applies
/// to the configuration id `config_id` (keepalived's `-i`, by default the
/// host name up to its first dot), or `None` when keepalived skips it.
pub fn conditional<'a>(line: &'a str, config_id: &str) -> Option<&'a str> {
    let Some(rest) = line.strip_prefix('@') else {
        return Some(line);
    };
    let (reverse, rest) = match rest.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let end = rest.find([' ', '\t'])?;
    let matches = &rest[..end] == config_id;
    (matches != reverse).then(|| rest[end..].trim_start_matches([' ', '\t']))
}

/// A definition line `$NAME=value`: the name and the value (a value ending
/// in `\` continues on the next lines).
pub fn definition(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix('$')?;
    let first = rest.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let name = &rest[..end];
    let value = rest[end..]
        .trim_start_matches([' ', '\t'])
        .strip_prefix('=')?;
    Some((name, value.trim_start_matches([' ', '\t'])))
}

/// What a `$` in a line expands to, or why the reader cannot expand it.
pub enum Expansion {
    /// The line with every definition replaced (a definition of several
    /// lines, used alone on a line, gives several lines).
    Lines(Vec<String>),
    /// A part of keepalived's definitions that this reader does not follow.
    Unsupported(String),
}

/// The definitions in force: name → lines of its value.
pub type Definitions = BTreeMap<String, Vec<String>>;

/// keepalived's built-in definitions that depend on nothing but the file:
/// `$_HASH`, `$_BANG` and `$_PWD` (the folder of the file being read).
pub fn builtin(name: &str, folder: &str) -> Option<String> {
    match name {
        "_HASH" => Some("#".to_owned()),
        "_BANG" => Some("!".to_owned()),
        "_PWD" => Some(folder.to_owned()),
        _ => None,
    }
}

/// Replaces `$NAME` and `${NAME}` in `line` with their definitions, as
/// keepalived's `replace_param()`: a name not defined stays as written.
pub fn expand(line: &str, definitions: &Definitions, folder: &str) -> Expansion {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, used, braces) = if let Some(inner) = after.strip_prefix('{') {
            let Some(end) = inner.find('}') else {
                out.push('$');
                rest = after;
                continue;
            };
            let body = &inner[..end];
            if body.contains([' ', '\t']) {
                return Expansion::Unsupported(format!(
                    "the definition with parameters `${{{body}}}`"
                ));
            }
            (body, end + 2, true)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end, false)
        };
        let known = definitions
            .get(name)
            .cloned()
            .or_else(|| builtin(name, folder).map(|value| vec![value]));
        let valid_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        match known {
            Some(value) if valid_name => {
                if value.len() > 1 {
                    if !out.trim().is_empty() || !after[used..].trim().is_empty() {
                        return Expansion::Unsupported(format!(
                            "the definition of several lines `${name}` used within a line"
                        ));
                    }
                    return Expansion::Lines(value);
                }
                out.push_str(value.first().map_or("", String::as_str));
                rest = &after[used..];
            }
            _ if valid_name && name.starts_with('_') && !braces => {
                return Expansion::Unsupported(format!(
                    "keepalived's built-in definition `${name}`"
                ));
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Expansion::Lines(vec![out])
}

/// A line cut at its `{` and `}` outside double quotes, as keepalived
/// reads it: the text before a brace, the brace alone, the text after.
pub fn split_braces(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quote = false;
    for (at, c) in line.char_indices() {
        match c {
            '"' => quote = !quote,
            '{' | '}' if !quote => {
                let before = line[start..at].trim();
                if !before.is_empty() {
                    parts.push(before);
                }
                parts.push(&line[at..=at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    let last = line[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

/// The words of a line: separated by white space, a double-quoted string
/// one word without its quotes. `Err` when a quote is not closed.
pub fn words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let Some(end) = quoted.find('"') else {
                return Err(format!("unmatched quote in `{line}`"));
            };
            words.push(quoted[..end].to_owned());
            rest = quoted[end + 1..].trim_start();
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            words.push(rest[..end].to_owned());
            rest = rest[end..].trim_start();
        }
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_quotes_and_escapes_stay() {
        let line = decomment("   virtual_server 10.0.0.1 80 { # web");
        assert_eq!(line.text, "virtual_server 10.0.0.1 80 {");
        assert!(line.comment.is_none());
        assert_eq!(
            decomment("notify \"/bin/a # b\" ! x").text,
            "notify \"/bin/a # b\""
        );
        assert_eq!(decomment("path /a\\#b").text, "path /a#b");
        assert_eq!(
            decomment("  # webserver01").comment.as_deref(),
            Some("webserver01")
        );
        assert_eq!(
            decomment("! old style").comment.as_deref(),
            Some("old style")
        );
        assert_eq!(decomment("$A=b \\  ").text, "$A=b \\");
    }

    #[test]
    fn conditional_lines_follow_the_config_id() {
        assert_eq!(
            conditional("@lb1 priority 150", "lb1"),
            Some("priority 150")
        );
        assert_eq!(conditional("@lb1 priority 150", "lb2"), None);
        assert_eq!(
            conditional("@^lb1 priority 100", "lb2"),
            Some("priority 100")
        );
        assert_eq!(conditional("@^lb1 priority 100", "lb1"), None);
        assert_eq!(conditional("priority 1", "lb1"), Some("priority 1"));
    }

    #[test]
    fn definitions_expand_as_keepalived_does() {
        assert_eq!(definition("$VIP=10.0.0.1"), Some(("VIP", "10.0.0.1")));
        assert_eq!(definition("$VIP = 10.0.0.1"), Some(("VIP", "10.0.0.1")));
        assert_eq!(definition("$1=x"), None);
        let mut definitions = Definitions::new();
        definitions.insert("VIP".into(), vec!["10.0.0.1".into()]);
        let Expansion::Lines(lines) =
            expand("virtual_server $VIP ${VIP}x $OTHER", &definitions, "/e")
        else {
            panic!("expanded")
        };
        assert_eq!(lines, ["virtual_server 10.0.0.1 10.0.0.1x $OTHER"]);
        assert!(matches!(
            expand("x $_RANDOM", &definitions, "/e"),
            Expansion::Unsupported(_)
        ));
        let Expansion::Lines(lines) = expand("include $_PWD/a", &definitions, "/etc/k") else {
            panic!("expanded")
        };
        assert_eq!(lines, ["include /etc/k/a"]);
    }

    #[test]
    fn braces_split_a_line_and_quotes_make_one_word() {
        assert_eq!(
            split_braces("real_server 10.0.0.11 80 { weight 1 }"),
            ["real_server 10.0.0.11 80", "{", "weight 1", "}"]
        );
        assert_eq!(split_braces("notify \"/a {b}\""), ["notify \"/a {b}\""]);
        assert_eq!(
            words("notify \"/usr/bin/x y\" z").unwrap(),
            ["notify", "/usr/bin/x y", "z"]
        );
        assert!(words("a \"b").is_err());
    }
}
