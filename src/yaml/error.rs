//! The YAML layer's error: its message, code, path and place.

use std::fmt::{self, Write as _};

use serde::de::{self, Expected, Unexpected};

use super::de::Path;
use super::reader::Mark;
use crate::code::Code;
use crate::diagnostic::take_pending_code;

/// Where an error is: line and column, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub(super) line: usize,
    pub(super) column: usize,
}

impl From<Mark> for Location {
    fn from(mark: Mark) -> Self {
        let from_one = |count: u64| {
            usize::try_from(count)
                .unwrap_or(usize::MAX)
                .saturating_add(1)
        };
        Location {
            line: from_one(mark.line),
            column: from_one(mark.column),
        }
    }
}

impl Location {
    /// The line, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column in characters, from 1.
    pub fn column(&self) -> usize {
        self.column
    }
}

/// A YAML syntax error or a value that does not fit its type; serde's own
/// kinds of error also keep their parts (see [`Mismatch`]).
pub struct Error(pub(super) Box<ErrorImpl>, pub(super) Option<Box<Mismatch>>);

/// serde's own kinds of error (and a key written twice) in their parts, for
/// the caller to word and place in its own terms (the message keeps serde's
/// words and place, as `serde_yaml_ng`'s).
#[derive(Debug, Clone, PartialEq)]
pub enum Mismatch {
    /// A value of the wrong type (`invalid type`) or an unusable one
    /// (`invalid value`): what was found, and what the type expects, as its
    /// visitor says it (`a sequence`, `struct Host`, `u32`).
    Invalid { found: Found, expected: String },
    /// A key that names no field, and the keys there are.
    UnknownKey {
        found: String,
        expected: &'static [&'static str],
    },
    /// A value that names no variant, and the values there are.
    UnknownValue {
        found: String,
        expected: &'static [&'static str],
    },
    /// A required key that is not written.
    MissingKey(&'static str),
    /// A key written twice in one mapping (serde's duplicate field, or a
    /// mapping type's own check of its keys): the key's path (such as
    /// `hosts.web01`), where the later copy is, and where the earlier one
    /// is (found by reading the text again, see `from_str`; `None` when
    /// not found, as for two keys equal only once read, `1` and `0x1`).
    DuplicateKey {
        path: String,
        later: Location,
        earlier: Option<Location>,
    },
}

/// What a [`Mismatch::Invalid`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// Text, as written.
    Text(String),
    /// A number, as serde shows it (a float with its decimal point).
    Number(String),
    Bool(bool),
    List,
    Mapping,
    /// An empty value (`~`, or nothing).
    Empty,
    /// Anything else, in serde's words.
    Other(String),
}

impl From<Unexpected<'_>> for Found {
    fn from(unexpected: Unexpected) -> Self {
        match unexpected {
            Unexpected::Str(text) => Found::Text(text.to_owned()),
            Unexpected::Unsigned(number) => Found::Number(number.to_string()),
            Unexpected::Signed(number) => Found::Number(number.to_string()),
            Unexpected::Float(number) => {
                let text = number.to_string();
                let whole = number.is_finite() && !text.contains(['.', 'e', 'E']);
                Found::Number(if whole { format!("{text}.0") } else { text })
            }
            Unexpected::Bool(value) => Found::Bool(value),
            Unexpected::Seq => Found::List,
            Unexpected::Map => Found::Mapping,
            Unexpected::Unit => Found::Empty,
            other => Found::Other(other.to_string()),
        }
    }
}

pub(super) enum ErrorImpl {
    /// A message from a `Deserialize` impl, with the rule it breaks when
    /// known, and where it happened once known.
    Message(String, Option<Code>, Option<(Mark, String)>),
    /// libyaml's own error, in its parts.
    Syntax(Syntax),
    /// A panic of libyaml-safer, as a syntax error.
    ParserPanic(Syntax),
    EndOfStream,
    MoreThanOneDocument,
    RecursionLimitExceeded(Mark),
    RepetitionLimitExceeded,
    UnknownAnchor(Mark),
    BytesUnsupported,
}

impl Error {
    pub(super) fn new(inner: ErrorImpl) -> Self {
        Error(Box::new(inner), None)
    }

    /// One of serde's own kinds of error, with its code and its parts.
    fn mismatch(code: Code, message: impl fmt::Display, mismatch: Mismatch) -> Self {
        let mut error = Error::with_code(code, message);
        error.1 = Some(Box::new(mismatch));
        error
    }

    /// The parts of one of serde's own kinds of error, when it is one.
    pub fn parts(&self) -> Option<&Mismatch> {
        self.1.as_deref()
    }

    /// Where the error is, when known.
    pub fn location(&self) -> Option<Location> {
        self.mark().map(Location::from)
    }

    /// The rule the input breaks: the code a value's `Deserialize` gave its
    /// error, or the one of serde's own kind of error; `yaml-syntax` for the
    /// parser's errors and messages without one.
    pub fn code(&self) -> Code {
        match &*self.0 {
            ErrorImpl::Message(_, Some(code), _) => *code,
            _ => Code::YamlSyntax,
        }
    }

    /// The path of the value the error is about, such as
    /// `hosts.web01.address`, when it is below the top level.
    pub fn path(&self) -> Option<&str> {
        match &*self.0 {
            ErrorImpl::Message(_, _, Some((_, path))) if path != "." => Some(path),
            _ => None,
        }
    }

    /// What is wrong, without the path and the place that `Display` adds
    /// (a syntax error's text names its places itself, as libyaml words it).
    pub fn message(&self) -> String {
        struct Unplaced<'a>(&'a Error);
        impl fmt::Display for Unplaced<'_> {
            fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                self.0.message_no_mark(formatter)
            }
        }
        match &*self.0 {
            ErrorImpl::Message(message, _, _) => message.clone(),
            ErrorImpl::Syntax(syntax) | ErrorImpl::ParserPanic(syntax) => syntax.unplaced(),
            _ => Unplaced(self).to_string(),
        }
    }

    /// The byte offset of an error the reader meets before the parser (a
    /// control character), which libyaml places by offset only.
    pub fn offset(&self) -> Option<usize> {
        match &*self.0 {
            ErrorImpl::Syntax(Syntax {
                offset: Some(offset),
                mark,
                ..
            }) if mark.line == 0 && mark.column == 0 => usize::try_from(*offset).ok(),
            _ => None,
        }
    }

    /// The construct libyaml was reading when it met a syntax error, such
    /// as `while parsing a block mapping`.
    pub fn context(&self) -> Option<&str> {
        match &*self.0 {
            ErrorImpl::Syntax(syntax) | ErrorImpl::ParserPanic(syntax) => {
                syntax.context.as_ref().map(|(context, _)| context.as_str())
            }
            _ => None,
        }
    }

    /// A message error carrying `code`.
    fn with_code(code: Code, message: impl fmt::Display) -> Self {
        Error::new(ErrorImpl::Message(message.to_string(), Some(code), None))
    }

    fn mark(&self) -> Option<Mark> {
        match &*self.0 {
            ErrorImpl::Message(_, _, Some((mark, _)))
            | ErrorImpl::Syntax(Syntax { mark, .. })
            | ErrorImpl::ParserPanic(Syntax { mark, .. })
            | ErrorImpl::RecursionLimitExceeded(mark)
            | ErrorImpl::UnknownAnchor(mark) => Some(*mark),
            _ => None,
        }
    }

    /// Names the key `path` at `mark` as the one written twice, when this
    /// is a duplicate key error that names none yet (an inner mapping's
    /// key is named where that mapping is read).
    pub(super) fn name_duplicate(mut self, path: impl FnOnce() -> String, mark: Mark) -> Self {
        if self.code() == Code::DuplicateKey && self.1.is_none() {
            self.1 = Some(Box::new(Mismatch::DuplicateKey {
                path: path(),
                later: mark.into(),
                earlier: None,
            }));
        }
        self
    }

    /// Adds where the earlier copy of a duplicate key is in `text`, read
    /// again for it (only then, so a valid document keeps no key's place).
    pub(super) fn place_earlier_key(mut self, text: &str) -> Self {
        if let Some(Mismatch::DuplicateKey {
            path,
            later,
            earlier,
        }) = self.1.as_deref_mut()
        {
            *earlier = super::locate::first_key(text, path).filter(|first| first != later);
        }
        self
    }

    /// Sets where a message happened, unless an inner value already did.
    pub(super) fn fix_mark(mut self, mark: Mark, path: Path) -> Self {
        if let ErrorImpl::Message(_, _, place @ None) = &mut *self.0 {
            *place = Some((mark, path.to_string()));
        }
        self
    }

    fn message_no_mark(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        match &*self.0 {
            ErrorImpl::Message(message, _, None) => formatter.write_str(message),
            ErrorImpl::Syntax(syntax) | ErrorImpl::ParserPanic(syntax) => {
                write!(formatter, "{syntax}")
            }
            ErrorImpl::Message(message, _, Some((_, path))) => {
                if path != "." {
                    write!(formatter, "{path}: ")?;
                }
                formatter.write_str(message)
            }
            ErrorImpl::EndOfStream => formatter.write_str("EOF while parsing a value"),
            ErrorImpl::MoreThanOneDocument => formatter.write_str(
                "deserializing from YAML containing more than one document is not supported",
            ),
            ErrorImpl::RecursionLimitExceeded(_) => formatter.write_str("recursion limit exceeded"),
            ErrorImpl::RepetitionLimitExceeded => formatter.write_str("repetition limit exceeded"),
            ErrorImpl::UnknownAnchor(_) => formatter.write_str("unknown anchor"),
            ErrorImpl::BytesUnsupported => formatter
                .write_str("serialization and deserialization of bytes in YAML is not implemented"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        self.message_no_mark(formatter)?;
        let worded = matches!(&*self.0, ErrorImpl::Syntax(..) | ErrorImpl::ParserPanic(..));
        if let (false, Some(mark)) = (worded, self.mark()) {
            if mark.line != 0 || mark.column != 0 {
                write!(formatter, " at {mark}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "Error({:?})", self.to_string())
    }
}

impl std::error::Error for Error {}

/// serde's own kinds of error keep their words (as serde writes them) and
/// get their code here, by kind; a custom message gets the code of
/// [`crate::diagnostic::error_with_code`], when that is what calls it, as a
/// [`Code`] (the message is kept as it is, never read for a code).
impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        let code = take_pending_code();
        Error::new(ErrorImpl::Message(message.to_string(), code, None))
    }

    fn invalid_type(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        Error::mismatch(
            Code::InvalidType,
            format_args!("invalid type: {unexpected}, expected {expected}"),
            Mismatch::Invalid {
                found: unexpected.into(),
                expected: expected.to_string(),
            },
        )
    }

    fn invalid_value(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        Error::mismatch(
            Code::InvalidValue,
            format_args!("invalid value: {unexpected}, expected {expected}"),
            Mismatch::Invalid {
                found: unexpected.into(),
                expected: expected.to_string(),
            },
        )
    }

    fn invalid_length(len: usize, expected: &dyn Expected) -> Self {
        Error::with_code(
            Code::InvalidValue,
            format_args!("invalid length {len}, expected {expected}"),
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Error::mismatch(
            Code::UnknownValue,
            format_args!(
                "unknown variant `{variant}`, {}",
                one_of(expected, "variants")
            ),
            Mismatch::UnknownValue {
                found: variant.to_owned(),
                expected,
            },
        )
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Error::mismatch(
            Code::UnknownKey,
            format_args!("unknown field `{field}`, {}", one_of(expected, "fields")),
            Mismatch::UnknownKey {
                found: field.to_owned(),
                expected,
            },
        )
    }

    fn missing_field(field: &'static str) -> Self {
        Error::mismatch(
            Code::MissingKey,
            format_args!("missing field `{field}`"),
            Mismatch::MissingKey(field),
        )
    }

    fn duplicate_field(field: &'static str) -> Self {
        Error::with_code(
            Code::DuplicateKey,
            format_args!("duplicate field `{field}`"),
        )
    }
}

/// The choices as serde words them: "there are no fields", "expected `a`",
/// "expected `a` or `b`", "expected one of `a`, `b`, `c`".
fn one_of(names: &[&str], what: &str) -> String {
    match names {
        [] => format!("there are no {what}"),
        [one] => format!("expected `{one}`"),
        [first, second] => format!("expected `{first}` or `{second}`"),
        _ => {
            let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            format!("expected one of {}", names.join(", "))
        }
    }
}

/// A syntax error in its parts: the problem, where it is, and the construct
/// being read (libyaml's context) with where that began.
#[derive(Debug, Clone)]
pub(super) struct Syntax {
    pub(super) problem: String,
    pub(super) mark: Mark,
    /// The byte offset of a reader error, placed by nothing else.
    pub(super) offset: Option<u64>,
    pub(super) context: Option<(String, Mark)>,
}

impl Syntax {
    /// The error without the problem's own place (shown apart), the
    /// context's place kept when it is another.
    fn unplaced(&self) -> String {
        let mut text = self.problem.clone();
        self.write_context(&mut text);
        text
    }

    fn write_context(&self, text: &mut String) {
        if let Some((context, mark)) = &self.context {
            // Writing to a String cannot fail.
            let _ = write!(text, ", {context}");
            if (mark.line != 0 || mark.column != 0)
                && (mark.line != self.mark.line || mark.column != self.mark.column)
            {
                let _ = write!(text, " at {mark}");
            }
        }
    }
}

/// Worded as `serde_yaml_ng` words libyaml's errors: the problem and its
/// place, then the context and its place when that differs.
impl fmt::Display for Syntax {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        let mut text = self.problem.clone();
        if self.mark.line != 0 || self.mark.column != 0 {
            let _ = write!(text, " at {}", self.mark);
        } else if let Some(offset) = self.offset {
            let _ = write!(text, " at position {offset}");
        }
        self.write_context(&mut text);
        formatter.write_str(&text)
    }
}
