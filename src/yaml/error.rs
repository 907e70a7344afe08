//! The YAML layer's error: its message, code, path and place.

use std::fmt;

use serde::de::{self, Expected, Unexpected};

use super::de::Path;
use super::reader::Mark;
use crate::code::Code;
use crate::diagnostic::take_code;

/// Where an error is: line and column, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    line: usize,
    column: usize,
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

/// A YAML syntax error or a value that does not fit its type.
pub struct Error(pub(super) Box<ErrorImpl>);

pub(super) enum ErrorImpl {
    /// A message from a `Deserialize` impl, with the rule it breaks when
    /// known, and where it happened once known.
    Message(String, Option<Code>, Option<(Mark, String)>),
    /// libyaml's own error, already worded, at its problem's mark.
    Syntax(String, Mark),
    /// A panic of libyaml-safer, worded as a syntax error.
    ParserPanic(String, Mark),
    EndOfStream,
    MoreThanOneDocument,
    RecursionLimitExceeded(Mark),
    RepetitionLimitExceeded,
    UnknownAnchor(Mark),
    BytesUnsupported,
}

impl Error {
    pub(super) fn new(inner: ErrorImpl) -> Self {
        Error(Box::new(inner))
    }

    /// Where the error is, when known.
    pub fn location(&self) -> Option<Location> {
        self.mark().map(|mark| Location {
            line: usize::try_from(mark.line)
                .unwrap_or(usize::MAX)
                .saturating_add(1),
            column: usize::try_from(mark.column)
                .unwrap_or(usize::MAX)
                .saturating_add(1),
        })
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
        if let ErrorImpl::Message(message, _, _) = &*self.0 {
            message.clone()
        } else {
            Unplaced(self).to_string()
        }
    }

    /// A message error carrying `code`.
    fn coded(code: Code, message: impl fmt::Display) -> Self {
        Error::new(ErrorImpl::Message(message.to_string(), Some(code), None))
    }

    fn mark(&self) -> Option<Mark> {
        match &*self.0 {
            ErrorImpl::Message(_, _, Some((mark, _)))
            | ErrorImpl::Syntax(_, mark)
            | ErrorImpl::ParserPanic(_, mark)
            | ErrorImpl::RecursionLimitExceeded(mark)
            | ErrorImpl::UnknownAnchor(mark) => Some(*mark),
            _ => None,
        }
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
            ErrorImpl::Message(message, _, None)
            | ErrorImpl::Syntax(message, _)
            | ErrorImpl::ParserPanic(message, _) => formatter.write_str(message),
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
/// get their code here, by kind; a custom message gets the code that
/// [`crate::diagnostic::coded`] put in it, if any.
impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        let mut message = message.to_string();
        let code = take_code(&mut message);
        Error::new(ErrorImpl::Message(message, code, None))
    }

    fn invalid_type(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        Error::coded(
            Code::InvalidType,
            format_args!("invalid type: {unexpected}, expected {expected}"),
        )
    }

    fn invalid_value(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        Error::coded(
            Code::InvalidValue,
            format_args!("invalid value: {unexpected}, expected {expected}"),
        )
    }

    fn invalid_length(len: usize, expected: &dyn Expected) -> Self {
        Error::coded(
            Code::InvalidValue,
            format_args!("invalid length {len}, expected {expected}"),
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Error::coded(
            Code::UnknownValue,
            format_args!(
                "unknown variant `{variant}`, {}",
                one_of(expected, "variants")
            ),
        )
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Error::coded(
            Code::UnknownKey,
            format_args!("unknown field `{field}`, {}", one_of(expected, "fields")),
        )
    }

    fn missing_field(field: &'static str) -> Self {
        Error::coded(Code::MissingKey, format_args!("missing field `{field}`"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Error::coded(
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
