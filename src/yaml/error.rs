//! The YAML layer's error: its kind, message, path and place, and serde's
//! own kinds of error in their parts, for the caller to word and map to
//! its own codes.

use std::any::Any;
use std::fmt::{self, Write as _};

use serde::de::{self, Expected, Unexpected};

use super::path::InventoryPath;
use super::position::{Location, Mark};
use super::rule::{self, Pending};

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
    Invalid {
        /// What the text holds.
        found: Found,
        /// What the type takes.
        expected: String,
    },
    /// A key that names no field, and the keys there are.
    UnknownKey {
        /// The key as written.
        found: String,
        /// The keys the mapping takes.
        expected: &'static [&'static str],
    },
    /// A value that names no variant, and the values there are.
    UnknownValue {
        /// The value as written.
        found: String,
        /// The values the type takes.
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
        /// The key's path.
        path: InventoryPath,
        /// Where the later copy is written.
        later: Location,
        /// Where the earlier copy is written, when found.
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
    /// `true` or `false`.
    Bool(bool),
    /// A list (a YAML sequence).
    List,
    /// A mapping.
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

/// What kind of problem an error is, for the caller to map to its own
/// terms (lvs-dr-gen's diagnostic codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The text is not one YAML document: libyaml's syntax errors (in its
    /// words), an unknown anchor, a second document, the text ending inside
    /// a value; also bytes asked for, which YAML cannot hold.
    Syntax,
    /// Text that libyaml reads and libyaml-safer cannot (it panicked),
    /// refused as a syntax error (see `Stream::parser_panic`).
    Unreadable,
    /// Nesting deeper than the recursion limit, or aliases repeated past
    /// the repetition limit.
    Limit,
    /// A value of the wrong type (serde's `invalid type`).
    InvalidType,
    /// A value its type refuses (serde's `invalid value` and `invalid
    /// length`).
    InvalidValue,
    /// A key that names no field.
    UnknownKey,
    /// A value that names no variant.
    UnknownValue,
    /// A required key that is not written.
    MissingKey,
    /// A key written twice in one mapping: serde's duplicate field, or a
    /// mapping type's own check ([`super::duplicate_key_error`]).
    DuplicateKey,
    /// A `Deserialize` impl's own message (serde's `custom`), with the
    /// caller's rule when it gave one ([`super::error_with_rule`]).
    Custom,
}

pub(super) enum ErrorImpl {
    /// A message from a `Deserialize` impl or one of serde's own kinds of
    /// error, and where it happened once known.
    Message(Message, Option<(Mark, InventoryPath)>),
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

/// A message error's text, kind, and the caller's rule when it gave one.
pub(super) struct Message {
    pub(super) text: String,
    kind: Kind,
    rule: Option<Box<dyn Any + Send + Sync>>,
}

impl Error {
    pub(super) fn new(inner: ErrorImpl) -> Self {
        Error(Box::new(inner), None)
    }

    /// One of serde's own kinds of error, with its parts.
    fn mismatch(kind: Kind, message: impl fmt::Display, mismatch: Mismatch) -> Self {
        let mut error = Error::of_kind(kind, message);
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

    /// What kind of problem this is.
    pub fn kind(&self) -> Kind {
        match &*self.0 {
            ErrorImpl::Message(message, _) => message.kind,
            ErrorImpl::ParserPanic(_) => Kind::Unreadable,
            ErrorImpl::RecursionLimitExceeded(_) | ErrorImpl::RepetitionLimitExceeded => {
                Kind::Limit
            }
            ErrorImpl::Syntax(_)
            | ErrorImpl::EndOfStream
            | ErrorImpl::MoreThanOneDocument
            | ErrorImpl::UnknownAnchor(_)
            | ErrorImpl::BytesUnsupported => Kind::Syntax,
        }
    }

    /// The rule the input breaks in the caller's terms, when the value's
    /// `Deserialize` gave its error one of type `R`
    /// ([`super::error_with_rule`]).
    pub fn rule<R: Any>(&self) -> Option<&R> {
        match &*self.0 {
            ErrorImpl::Message(message, _) => message.rule.as_deref()?.downcast_ref(),
            _ => None,
        }
    }

    /// The path of the value the error is about, such as
    /// `hosts.web01.address`, when it is below the top level.
    pub fn path(&self) -> Option<&InventoryPath> {
        match &*self.0 {
            ErrorImpl::Message(_, Some((_, path))) if !path.is_root() => Some(path),
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
            ErrorImpl::Message(message, _) => message.text.clone(),
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
            }) if !mark.has_line() => usize::try_from(*offset).ok(),
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

    /// A message error of `kind`.
    fn of_kind(kind: Kind, message: impl fmt::Display) -> Self {
        Error::from_message(Message {
            text: message.to_string(),
            kind,
            rule: None,
        })
    }

    fn from_message(message: Message) -> Self {
        Error::new(ErrorImpl::Message(message, None))
    }

    fn mark(&self) -> Option<Mark> {
        match &*self.0 {
            ErrorImpl::Message(_, Some((mark, _)))
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
    pub(super) fn name_duplicate(
        mut self,
        path: impl FnOnce() -> InventoryPath,
        mark: Mark,
    ) -> Self {
        if self.kind() == Kind::DuplicateKey && self.1.is_none() {
            self.1 = Some(Box::new(Mismatch::DuplicateKey {
                path: path(),
                later: mark.into(),
                earlier: None,
            }));
        }
        self
    }

    /// Sets where a message happened, at the value `path` names, unless an
    /// inner value already did.
    pub(super) fn fix_mark(mut self, mark: Mark, path: impl FnOnce() -> InventoryPath) -> Self {
        if let ErrorImpl::Message(_, place @ None) = &mut *self.0 {
            *place = Some((mark, path()));
        }
        self
    }

    fn message_no_mark(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        match &*self.0 {
            ErrorImpl::Message(message, None) => formatter.write_str(&message.text),
            ErrorImpl::Syntax(syntax) | ErrorImpl::ParserPanic(syntax) => {
                write!(formatter, "{syntax}")
            }
            ErrorImpl::Message(message, Some((_, path))) => {
                if !path.is_root() {
                    write!(formatter, "{path}: ")?;
                }
                formatter.write_str(&message.text)
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
            if mark.has_line() {
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
/// get their kind here; a custom message gets the caller's rule, or the
/// kind of a duplicate key, when [`super::error_with_rule`] or
/// [`super::duplicate_key_error`] is what calls it (the message is kept as
/// it is, never read for either).
impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        let (kind, rule) = match rule::take() {
            Some(Pending::Rule(rule)) => (Kind::Custom, Some(rule)),
            Some(Pending::DuplicateKey) => (Kind::DuplicateKey, None),
            None => (Kind::Custom, None),
        };
        Error::from_message(Message {
            text: message.to_string(),
            kind,
            rule,
        })
    }

    fn invalid_type(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        Error::mismatch(
            Kind::InvalidType,
            format_args!("invalid type: {unexpected}, expected {expected}"),
            Mismatch::Invalid {
                found: unexpected.into(),
                expected: expected.to_string(),
            },
        )
    }

    fn invalid_value(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        Error::mismatch(
            Kind::InvalidValue,
            format_args!("invalid value: {unexpected}, expected {expected}"),
            Mismatch::Invalid {
                found: unexpected.into(),
                expected: expected.to_string(),
            },
        )
    }

    fn invalid_length(len: usize, expected: &dyn Expected) -> Self {
        Error::of_kind(
            Kind::InvalidValue,
            format_args!("invalid length {len}, expected {expected}"),
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Error::mismatch(
            Kind::UnknownValue,
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
            Kind::UnknownKey,
            format_args!("unknown field `{field}`, {}", one_of(expected, "fields")),
            Mismatch::UnknownKey {
                found: field.to_owned(),
                expected,
            },
        )
    }

    fn missing_field(field: &'static str) -> Self {
        Error::mismatch(
            Kind::MissingKey,
            format_args!("missing field `{field}`"),
            Mismatch::MissingKey(field),
        )
    }

    fn duplicate_field(field: &'static str) -> Self {
        Error::of_kind(
            Kind::DuplicateKey,
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
            if mark.has_line() && (mark.line != self.mark.line || mark.column != self.mark.column) {
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
        if self.mark.has_line() {
            let _ = write!(text, " at {}", self.mark);
        } else if let Some(offset) = self.offset {
            let _ = write!(text, " at position {offset}");
        }
        self.write_context(&mut text);
        formatter.write_str(&text)
    }
}
