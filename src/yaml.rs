//! Reading YAML into serde types one event at a time.
//!
//! `serde_yaml_ng`'s loader keeps every event of a document (about 100 bytes
//! each, a dozen per host) before it deserialises the first value, so at
//! 100,000 hosts the event list alone weighed 200 MB. This deserialiser pulls
//! the events from libyaml-safer (libyaml in safe Rust: the same events,
//! marks and syntax messages as the libyaml that `serde_yaml_ng` wraps) as the
//! value is built, and keeps only the nodes that carry an anchor, to replay
//! them at their aliases.
//!
//! It follows `serde_yaml_ng` 0.10 in everything an inventory can show: how
//! untagged scalars resolve (null, booleans, integers, floats, strings), the
//! path and `line L column C` an error names, syntax errors worded as libyaml
//! words them, YAML tags read as enum variants, the recursion and repetition
//! limits, and errors in document order (the deserialiser sees a syntax
//! error only when it reaches it, as there).

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::io::BufReader;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Once;

use libyaml_safer::{EventData, Parser, ScalarStyle};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Expected, IgnoredAny, Unexpected, Visitor,
};

use crate::code::Code;
use crate::diagnostic::take_code;

/// How much of the text the parser decodes at a time (libyaml's raw
/// input buffer).
const INPUT_CHUNK: usize = 16384;
/// The nesting limit, as `serde_yaml_ng`'s.
const RECURSION_LIMIT: u8 = 128;
/// The tags that force a scalar's type.
const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
const INT_TAG: &str = "tag:yaml.org,2002:int";
const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
const NULL_TAG: &str = "tag:yaml.org,2002:null";

/// Parses one YAML document into a `T`.
///
/// libyaml-safer 0.3.0 panics on a block scalar (`|`, `>`) whose last line
/// ends the text without a line break; that parse is done again with the
/// line break added, and taken off the scalar's value again, which gives
/// the value libyaml reads.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    match read::<T>(text, None) {
        Err(error)
            if matches!(*error.0, ErrorImpl::ParserPanic(..)) && !text.ends_with(['\n', '\r']) =>
        {
            read(&format!("{text}\n"), Some(text.len()))
        }
        result => result,
    }
}

/// Reads one document; `added_break` is where a line break was added at
/// the end of the text (see `from_str`).
fn read<T: DeserializeOwned>(text: &str, added_break: Option<usize>) -> Result<T, Error> {
    let mut stream = Stream::new(text, added_break);
    let value = T::deserialize(&mut Deserializer {
        stream: &mut stream,
        path: Path::Root,
        remaining_depth: RECURSION_LIMIT,
        current_enum: None,
    })?;
    stream.finish()?;
    Ok(value)
}

/// A place in the text: line and column from 0 (the column in characters),
/// and the byte offset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Mark {
    index: u64,
    line: u64,
    column: u64,
}

impl From<libyaml_safer::Mark> for Mark {
    fn from(mark: libyaml_safer::Mark) -> Self {
        Mark {
            index: mark.index,
            line: mark.line,
            column: mark.column,
        }
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        if self.line != 0 || self.column != 0 {
            write!(
                formatter,
                "line {} column {}",
                self.line + 1,
                self.column + 1
            )
        } else {
            write!(formatter, "position {}", self.index)
        }
    }
}

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

/// A YAML syntax error or a value that does not fit its type; serde's own
/// kinds of error also keep their parts (see [`Mismatch`]).
pub struct Error(Box<ErrorImpl>, Option<Box<Mismatch>>);

/// serde's own kinds of error in their parts, for the caller to word in
/// its own terms (the message keeps serde's words, as `serde_yaml_ng`'s).
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

enum ErrorImpl {
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
    fn new(inner: ErrorImpl) -> Self {
        Error(Box::new(inner), None)
    }

    /// One of serde's own kinds of error, coded and with its parts.
    fn mismatch(code: Code, message: impl fmt::Display, mismatch: Mismatch) -> Self {
        let mut error = Error::coded(code, message);
        error.1 = Some(Box::new(mismatch));
        error
    }

    /// The parts of one of serde's own kinds of error, when it is one.
    pub fn parts(&self) -> Option<&Mismatch> {
        self.1.as_deref()
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
    fn coded(code: Code, message: impl fmt::Display) -> Self {
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

    /// Sets where a message happened, unless an inner value already did.
    fn fix_mark(mut self, mark: Mark, path: Path) -> Self {
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
/// get their code here, by kind; a custom message gets the code that
/// [`crate::diagnostic::coded`] put in it, if any.
impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        let mut message = message.to_string();
        let code = take_code(&mut message);
        Error::new(ErrorImpl::Message(message, code, None))
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
        Error::coded(
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

/// A syntax error in its parts: the problem, where it is, and the construct
/// being read (libyaml's context) with where that began.
#[derive(Debug, Clone)]
struct Syntax {
    problem: String,
    mark: Mark,
    /// The byte offset of a reader error, placed by nothing else.
    offset: Option<u64>,
    context: Option<(String, Mark)>,
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

/// libyaml's error in its parts.
fn syntax_error(error: &libyaml_safer::Error) -> Syntax {
    let mark = error.problem_mark().map(Mark::from).unwrap_or_default();
    Syntax {
        // libyaml-safer 0.3.0 misspells one of libyaml's messages.
        problem: error
            .problem()
            .replace("hexdecimal number", "hexadecimal number"),
        mark,
        offset: reader_offset(error).filter(|&offset| offset != 0),
        context: error.context().map(|context| {
            let context_mark = error.context_mark().map(Mark::from).unwrap_or_default();
            (context.to_owned(), context_mark)
        }),
    }
}

/// The byte offset of a reader error (a control character, bad UTF-8),
/// which libyaml-safer shows only in its message: "... (offset N, value V)".
fn reader_offset(error: &libyaml_safer::Error) -> Option<u64> {
    if error.kind() != libyaml_safer::ErrorKind::Reader {
        return None;
    }
    let text = error.to_string();
    let (_, after) = text.rsplit_once("(offset ")?;
    after.split(',').next()?.parse().ok()
}

thread_local! {
    /// Set while libyaml-safer parses on this thread: its panics are caught
    /// and reported as syntax errors.
    static PARSING: Cell<bool> = const { Cell::new(false) };
}

/// Keeps the panic hook quiet about the parser's panics, which
/// `Stream::read_parser` catches; any other panic is reported as before.
fn quiet_parser_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !PARSING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// One event, as the deserialiser needs it. Anchors are resolved while
/// reading: an alias names the recording of its anchored node.
#[derive(Debug, Clone)]
enum Event {
    Alias(usize),
    Scalar(Scalar),
    SequenceStart(Option<String>),
    SequenceEnd,
    MappingStart(Option<String>),
    MappingEnd,
    /// An empty stream: a document with nothing in it.
    Void,
}

#[derive(Debug, Clone)]
struct Scalar {
    value: String,
    tag: Option<String>,
    style: ScalarStyle,
}

/// The events of one node, in order, with their marks.
type Events = Rc<[(Event, Mark)]>;

/// How a number is read from a scalar's text: the visitor's value, or the
/// visitor back when the text is not such a number.
type VisitNumber<'de, V> = fn(&str, V) -> Result<Result<<V as Visitor<'de>>::Value, Error>, V>;

/// The recording of one anchored node, while it is read.
struct Recorder {
    id: usize,
    events: Vec<(Event, Mark)>,
    depth: usize,
}

/// Why the document cannot be read further.
#[derive(Clone)]
enum Failure {
    Syntax(Syntax),
    Panic(Syntax),
    UnknownAnchor(Mark),
}

/// The events of one document, read on demand.
struct Stream<'a> {
    parser: Parser<BufReader<&'a [u8]>>,
    /// The text, to place a parser panic.
    text: &'a str,
    /// Where a line break was added to the text (see `from_str`).
    added_break: Option<u64>,
    /// Where the last event read from the parser ended.
    last_end: Mark,
    /// The next event, when something looked at it without taking it.
    peeked: Option<(Event, Mark)>,
    /// Aliases being replayed: a recording and how far it has been read.
    replays: Vec<(Events, usize)>,
    /// Anchor names and the recordings they stand for.
    anchors: HashMap<String, usize>,
    /// Each anchored node's events, once read to its end.
    recordings: Vec<Option<Events>>,
    /// The anchored nodes being read now (nested anchors: several).
    recorders: Vec<Recorder>,
    /// The parse error that ended the document, reported on every read past it.
    failure: Option<Failure>,
    /// The document's end (or the stream's) was read.
    ended: bool,
    /// The stream's end was read.
    at_stream_end: bool,
    /// Events read from the parser for this document.
    read: usize,
    /// Aliases followed, for the repetition limit.
    jumps: usize,
}

impl<'a> Stream<'a> {
    fn new(text: &'a str, added_break: Option<usize>) -> Self {
        let mut parser = Parser::new();
        parser.set_encoding(libyaml_safer::Encoding::Utf8);
        // libyaml-safer decodes all that its input offers at once into a
        // buffer of `char`s (4 bytes each); fed 16 KiB at a time, as libyaml
        // reads a string, it never holds more.
        parser.set_input(BufReader::with_capacity(INPUT_CHUNK, text.as_bytes()));
        quiet_parser_panics();
        Stream {
            parser,
            text,
            added_break: added_break.map(|index| index as u64),
            last_end: Mark::default(),
            peeked: None,
            replays: Vec::new(),
            anchors: HashMap::new(),
            recordings: Vec::new(),
            recorders: Vec::new(),
            failure: None,
            ended: false,
            at_stream_end: false,
            read: 0,
            jumps: 0,
        }
    }

    fn failure_error(failure: &Failure) -> Error {
        Error::new(match failure {
            Failure::Syntax(syntax) => ErrorImpl::Syntax(syntax.clone()),
            Failure::Panic(syntax) => ErrorImpl::ParserPanic(syntax.clone()),
            Failure::UnknownAnchor(mark) => ErrorImpl::UnknownAnchor(*mark),
        })
    }

    /// Looks at the next event without taking it.
    fn peek(&mut self) -> Result<&(Event, Mark), Error> {
        // `next` takes the peeked event first, so this peeks it again.
        let next = self.next()?;
        Ok(self.peeked.insert(next))
    }

    /// Takes the next event: a peeked one, then a replayed alias's, then
    /// the parser's.
    fn next(&mut self) -> Result<(Event, Mark), Error> {
        if let Some(next) = self.peeked.take() {
            return Ok(next);
        }
        while let Some((events, position)) = self.replays.last_mut() {
            if let Some(next) = events.get(*position) {
                *position += 1;
                return Ok(next.clone());
            }
            self.replays.pop();
        }
        self.read_parser()
    }

    /// Puts back an event just taken.
    fn put_back(&mut self, event: (Event, Mark)) {
        debug_assert!(self.peeked.is_none());
        self.peeked = Some(event);
    }

    /// Replays the anchored node `id` next (an alias at `mark`).
    fn jump(&mut self, id: usize, mark: Mark) -> Result<(), Error> {
        self.jumps += 1;
        if self.jumps > self.read.saturating_mul(100) {
            return Err(Error::new(ErrorImpl::RepetitionLimitExceeded));
        }
        match self.recordings.get(id) {
            Some(Some(events)) => {
                self.replays.push((Rc::clone(events), 0));
                Ok(())
            }
            // An alias inside its own anchor's node: endless.
            _ => Err(Error::new(ErrorImpl::RecursionLimitExceeded(mark))),
        }
    }

    /// The parser's next event of this document.
    fn read_parser(&mut self) -> Result<(Event, Mark), Error> {
        if let Some(failure) = &self.failure {
            return Err(Self::failure_error(failure));
        }
        if self.ended {
            return Err(Error::new(ErrorImpl::EndOfStream));
        }
        loop {
            PARSING.with(|flag| flag.set(true));
            let parsed = panic::catch_unwind(AssertUnwindSafe(|| self.parser.parse()));
            PARSING.with(|flag| flag.set(false));
            let event = match parsed {
                Ok(Ok(event)) => event,
                Ok(Err(error)) => {
                    let syntax = syntax_error(&error);
                    return Err(self.fail(Failure::Syntax(syntax)));
                }
                Err(_) => {
                    let syntax = self.parser_panic();
                    return Err(self.fail(Failure::Panic(syntax)));
                }
            };
            self.last_end = Mark::from(event.end_mark);
            let mark = Mark::from(event.start_mark);
            let (event, anchor) = match event.data {
                EventData::StreamStart { .. } | EventData::DocumentStart { .. } => continue,
                EventData::StreamEnd => {
                    self.ended = true;
                    self.at_stream_end = true;
                    if self.read == 0 {
                        self.read += 1;
                        return Ok((Event::Void, mark));
                    }
                    return Err(Error::new(ErrorImpl::EndOfStream));
                }
                EventData::DocumentEnd { .. } => {
                    self.ended = true;
                    return Err(Error::new(ErrorImpl::EndOfStream));
                }
                EventData::Alias { anchor } => {
                    let Some(&id) = self.anchors.get(&anchor) else {
                        return Err(self.fail(Failure::UnknownAnchor(mark)));
                    };
                    (Event::Alias(id), None)
                }
                EventData::Scalar {
                    anchor,
                    tag,
                    mut value,
                    style,
                    ..
                } => {
                    let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                    if block && self.added_break.is_some_and(|at| event.end_mark.index > at) {
                        // The line break `from_str` added is not the text's.
                        if value.ends_with('\n') {
                            value.pop();
                        }
                    }
                    (Event::Scalar(Scalar { value, tag, style }), anchor)
                }
                EventData::SequenceStart { anchor, tag, .. } => (Event::SequenceStart(tag), anchor),
                EventData::SequenceEnd => (Event::SequenceEnd, None),
                EventData::MappingStart { anchor, tag, .. } => (Event::MappingStart(tag), anchor),
                EventData::MappingEnd => (Event::MappingEnd, None),
            };
            self.read += 1;
            if let Some(anchor) = anchor {
                let id = self.recordings.len();
                self.recordings.push(None);
                self.anchors.insert(anchor, id);
                self.recorders.push(Recorder {
                    id,
                    events: Vec::new(),
                    depth: 0,
                });
            }
            if !self.recorders.is_empty() {
                self.record(&event, mark);
            }
            return Ok((event, mark));
        }
    }

    /// Ends the document with `failure`, reported now and at every read.
    fn fail(&mut self, failure: Failure) -> Error {
        let error = Self::failure_error(&failure);
        self.failure = Some(failure);
        error
    }

    /// The error for a panic of libyaml-safer. The one known (0.3.0) is a
    /// tag followed by a comma in a flow collection (`[!x, y]`), where it
    /// has a `TODO` and libyaml reads a tagged empty value; a tagged value
    /// is never valid in an inventory, so it is refused in libyaml's words
    /// for a tag not followed by a space. Other panics name the place
    /// after the last event read.
    fn parser_panic(&self) -> Syntax {
        let start = usize::try_from(self.last_end.index).unwrap_or(usize::MAX);
        let mut mark = self.last_end;
        let mut tag: Option<Mark> = None;
        for character in self.text.get(start..).unwrap_or_default().chars() {
            match (character, tag) {
                ('!', None) => tag = Some(mark),
                (',', Some(tag_mark)) => {
                    return Syntax {
                        problem: "did not find expected whitespace or line break".to_owned(),
                        mark,
                        offset: None,
                        context: Some(("while scanning a tag".to_owned(), tag_mark)),
                    };
                }
                (' ' | '\t' | '\r' | '\n' | '[' | ']' | '{' | '}', Some(_)) => tag = None,
                _ => {}
            }
            mark.index += character.len_utf8() as u64;
            if character == '\n' {
                mark.line += 1;
                mark.column = 0;
            } else {
                mark.column += 1;
            }
        }
        Syntax {
            problem: format!("the YAML parser failed after {}", self.last_end),
            mark: self.last_end,
            offset: None,
            context: None,
        }
    }

    /// Adds an event to each anchored node being read, and keeps the nodes
    /// that it ends.
    fn record(&mut self, event: &Event, mark: Mark) {
        for recorder in &mut self.recorders {
            recorder.events.push((event.clone(), mark));
            match event {
                Event::SequenceStart(_) | Event::MappingStart(_) => recorder.depth += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    recorder.depth = recorder.depth.saturating_sub(1);
                }
                _ => {}
            }
        }
        let mut index = 0;
        while index < self.recorders.len() {
            if self.recorders[index].depth == 0 {
                let done = self.recorders.remove(index);
                self.recordings[done.id] = Some(done.events.into());
            } else {
                index += 1;
            }
        }
    }

    /// After the value: the rest of the document must read without error,
    /// and no second document may follow.
    fn finish(&mut self) -> Result<(), Error> {
        self.peeked = None;
        self.replays.clear();
        loop {
            match self.read_parser() {
                Ok(_) => {}
                Err(error) if matches!(*error.0, ErrorImpl::EndOfStream) => break,
                Err(error) => return Err(error),
            }
        }
        if self.at_stream_end {
            return Ok(());
        }
        match self.parser.parse() {
            Ok(event) if matches!(event.data, EventData::StreamEnd) => Ok(()),
            _ => Err(Error::new(ErrorImpl::MoreThanOneDocument)),
        }
    }
}

/// Where a value is in the document, like `hosts.web01.services[1]`.
#[derive(Clone, Copy)]
enum Path<'p> {
    Root,
    Seq { parent: &'p Path<'p>, index: usize },
    Map { parent: &'p Path<'p>, key: &'p str },
    Unknown { parent: &'p Path<'p> },
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        struct Parent<'a>(&'a Path<'a>);

        impl fmt::Display for Parent<'_> {
            fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                match self.0 {
                    Path::Root => Ok(()),
                    path => write!(formatter, "{path}."),
                }
            }
        }

        match self {
            Path::Root => formatter.write_str("."),
            Path::Seq { parent, index } => write!(formatter, "{parent}[{index}]"),
            Path::Map { parent, key } => write!(formatter, "{}{key}", Parent(parent)),
            Path::Unknown { parent } => write!(formatter, "{}?", Parent(parent)),
        }
    }
}

/// The enum whose variant a YAML tag named, while its content is read.
#[derive(Clone)]
struct CurrentEnum {
    name: Option<&'static str>,
    tag: String,
}

/// Deserialises one value from the stream; `path` names where it is.
struct Deserializer<'s, 'a, 'p> {
    stream: &'s mut Stream<'a>,
    path: Path<'p>,
    remaining_depth: u8,
    current_enum: Option<CurrentEnum>,
}

impl<'a> Deserializer<'_, 'a, '_> {
    fn next_event(&mut self) -> Result<(Event, Mark), Error> {
        let next = self.stream.next()?;
        self.current_enum = None;
        Ok(next)
    }

    /// Follows an alias: its anchored node is read next.
    fn jump(&mut self, id: usize, mark: Mark) -> Result<(), Error> {
        self.current_enum = None;
        self.stream.jump(id, mark)
    }

    /// A child deserialiser at `path`.
    fn child<'c>(&'c mut self, path: Path<'c>) -> Deserializer<'c, 'a, 'c> {
        Deserializer {
            stream: &mut *self.stream,
            path,
            remaining_depth: self.remaining_depth,
            current_enum: None,
        }
    }

    /// Skips one node.
    fn ignore_any(&mut self) -> Result<(), Error> {
        let mut depth = 0_usize;
        loop {
            match self.next_event()?.0 {
                Event::Alias(_) | Event::Scalar(_) | Event::Void => {}
                Event::SequenceStart(_) | Event::MappingStart(_) => depth += 1,
                Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            }
            if depth == 0 {
                return Ok(());
            }
        }
    }

    fn visit_sequence<'de, V: Visitor<'de>>(
        &mut self,
        visitor: V,
        mark: Mark,
    ) -> Result<V::Value, Error> {
        let (value, len) = self.recursion_check(mark, |de| {
            let mut seq = SeqAccess {
                empty: false,
                de,
                len: 0,
            };
            let value = visitor.visit_seq(&mut seq)?;
            Ok((value, seq.len))
        })?;
        self.end_sequence(len)?;
        Ok(value)
    }

    fn visit_mapping<'de, V: Visitor<'de>>(
        &mut self,
        visitor: V,
        mark: Mark,
    ) -> Result<V::Value, Error> {
        let (value, len) = self.recursion_check(mark, |de| {
            let mut map = MapAccess {
                empty: false,
                de,
                len: 0,
                key: None,
            };
            let value = visitor.visit_map(&mut map)?;
            Ok((value, map.len))
        })?;
        self.end_mapping(len)?;
        Ok(value)
    }

    fn end_sequence(&mut self, len: usize) -> Result<(), Error> {
        let total = {
            let mut seq = SeqAccess {
                empty: false,
                de: self,
                len,
            };
            while de::SeqAccess::next_element::<IgnoredAny>(&mut seq)?.is_some() {}
            seq.len
        };
        self.next_event()?;
        if total == len {
            Ok(())
        } else {
            Err(de::Error::invalid_length(
                total,
                &Elements(len, "sequence of", "element"),
            ))
        }
    }

    fn end_mapping(&mut self, len: usize) -> Result<(), Error> {
        let total = {
            let mut map = MapAccess {
                empty: false,
                de: self,
                len,
                key: None,
            };
            while de::MapAccess::next_entry::<IgnoredAny, IgnoredAny>(&mut map)?.is_some() {}
            map.len
        };
        self.next_event()?;
        if total == len {
            Ok(())
        } else {
            Err(de::Error::invalid_length(
                total,
                &Elements(len, "map containing", "entry"),
            ))
        }
    }

    fn recursion_check<T>(
        &mut self,
        mark: Mark,
        inner: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let previous = self.remaining_depth;
        self.remaining_depth = previous
            .checked_sub(1)
            .ok_or_else(|| Error::new(ErrorImpl::RecursionLimitExceeded(mark)))?;
        let result = inner(self);
        self.remaining_depth = previous;
        result
    }

    /// A scalar read as an integer or a float (`deserialize_u64` and kin).
    fn number<'de, V: Visitor<'de>>(
        &mut self,
        visitor: V,
        tag: &str,
        visit: VisitNumber<'de, V>,
    ) -> Result<V::Value, Error> {
        let tagged_already = self.current_enum.is_some();
        let (next, mark) = self.next_event()?;
        match next {
            Event::Alias(id) => {
                self.jump(id, mark)?;
                return self.number(visitor, tag, visit);
            }
            Event::Scalar(ref scalar)
                if is_plain_or_tagged_literal(tag, scalar, tagged_already) =>
            {
                match visit(&scalar.value, visitor) {
                    Ok(result) => result,
                    Err(visitor) => Err(invalid_type(&next, &visitor)),
                }
            }
            _ => Err(invalid_type(&next, &visitor)),
        }
        .map_err(|error| error.fix_mark(mark, self.path))
    }
}

/// "sequence of 2 elements", "map containing 1 entry".
struct Elements(usize, &'static str, &'static str);

impl Expected for Elements {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        let Elements(count, what, one) = *self;
        match (count, one) {
            (1, _) => write!(formatter, "{what} 1 {one}"),
            (_, "entry") => write!(formatter, "{what} {count} entries"),
            _ => write!(formatter, "{what} {count} {one}s"),
        }
    }
}

struct SeqAccess<'d, 's, 'a, 'p> {
    empty: bool,
    de: &'d mut Deserializer<'s, 'a, 'p>,
    len: usize,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, '_, '_, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.empty {
            return Ok(None);
        }
        match self.de.stream.peek()?.0 {
            Event::SequenceEnd | Event::Void => Ok(None),
            _ => {
                let parent = self.de.path;
                let path = Path::Seq {
                    parent: &parent,
                    index: self.len,
                };
                self.len += 1;
                seed.deserialize(&mut self.de.child(path)).map(Some)
            }
        }
    }
}

struct MapAccess<'d, 's, 'a, 'p> {
    empty: bool,
    de: &'d mut Deserializer<'s, 'a, 'p>,
    len: usize,
    key: Option<String>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, '_, '_, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.empty {
            return Ok(None);
        }
        self.key = match &self.de.stream.peek()?.0 {
            Event::MappingEnd | Event::Void => return Ok(None),
            Event::Scalar(scalar) => Some(scalar.value.clone()),
            _ => None,
        };
        self.len += 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let parent = self.de.path;
        let path = match &self.key {
            Some(key) => Path::Map {
                parent: &parent,
                key,
            },
            None => Path::Unknown { parent: &parent },
        };
        seed.deserialize(&mut self.de.child(path))
    }
}

/// An enum whose variant a YAML tag names (`!name value`).
struct EnumAccess<'d, 's, 'a, 'p> {
    de: &'d mut Deserializer<'s, 'a, 'p>,
    name: Option<&'static str>,
    tag: String,
}

impl<'de, 'd, 'a, 'p> de::EnumAccess<'de> for EnumAccess<'d, '_, 'a, 'p> {
    type Error = Error;
    type Variant = Deserializer<'d, 'a, 'p>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), Error> {
        let variant = seed.deserialize(de::value::StrDeserializer::<Error>::new(&self.tag))?;
        let content = Deserializer {
            stream: &mut *self.de.stream,
            path: self.de.path,
            remaining_depth: self.de.remaining_depth,
            current_enum: Some(CurrentEnum {
                name: self.name,
                tag: self.tag,
            }),
        };
        Ok((variant, content))
    }
}

impl<'de> de::VariantAccess<'de> for Deserializer<'_, '_, '_> {
    type Error = Error;

    fn unit_variant(mut self) -> Result<(), Error> {
        de::Deserialize::deserialize(&mut self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(mut self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(&mut self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        mut self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(&mut self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        mut self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_struct(&mut self, "", fields, visitor)
    }
}

/// An enum written as a plain scalar: the scalar names the variant.
struct UnitVariantAccess<'d, 's, 'a, 'p> {
    de: &'d mut Deserializer<'s, 'a, 'p>,
}

impl<'de> de::EnumAccess<'de> for UnitVariantAccess<'_, '_, '_, '_> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), Error> {
        Ok((seed.deserialize(&mut *self.de)?, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariantAccess<'_, '_, '_, '_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"newtype variant",
        ))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"tuple variant",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"struct variant",
        ))
    }
}

/// A scalar handed to `visitor` by its tag, or by its text when untagged
/// and plain; quoted and block scalars are strings.
fn visit_scalar<'de, V: Visitor<'de>>(
    visitor: V,
    scalar: &Scalar,
    tagged_already: bool,
) -> Result<V::Value, Error> {
    let text = scalar.value.as_str();
    if let (Some(tag), false) = (&scalar.tag, tagged_already) {
        if tag == BOOL_TAG {
            return match parse_bool(text) {
                Some(boolean) => visitor.visit_bool(boolean),
                None => Err(de::Error::invalid_value(
                    Unexpected::Str(text),
                    &"a boolean",
                )),
            };
        } else if tag == INT_TAG {
            return match visit_int(text, visitor) {
                Ok(result) => result,
                Err(_) => Err(de::Error::invalid_value(
                    Unexpected::Str(text),
                    &"an integer",
                )),
            };
        } else if tag == FLOAT_TAG {
            return match parse_f64(text) {
                Some(float) => visitor.visit_f64(float),
                None => Err(de::Error::invalid_value(Unexpected::Str(text), &"a float")),
            };
        } else if tag == NULL_TAG {
            return match parse_null(text) {
                Some(()) => visitor.visit_unit(),
                None => Err(de::Error::invalid_value(Unexpected::Str(text), &"null")),
            };
        } else if tag.starts_with('!') && scalar.style == ScalarStyle::Plain {
            return visit_untagged_scalar(visitor, text);
        }
    } else if scalar.style == ScalarStyle::Plain {
        return visit_untagged_scalar(visitor, text);
    }
    visitor.visit_str(text)
}

fn parse_null(text: &str) -> Option<()> {
    matches!(text, "null" | "Null" | "NULL" | "~").then_some(())
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// An integer with an optional `0x`, `0o` or `0b` prefix; `radix` parses
/// the digits. `negative`: only a `-`-prefixed number (or plain digits)
/// parses; otherwise only an unsigned one.
fn parse_int<T>(
    text: &str,
    negative: bool,
    radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    if negative {
        for (prefix, base) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
            if let Some(rest) = text.strip_prefix(prefix) {
                if let Ok(int) = radix(&format!("-{rest}"), base) {
                    return Some(int);
                }
            }
        }
        if digits_but_not_number(text) {
            return None;
        }
        return radix(text, 10).ok();
    }
    let unpositive = text.strip_prefix('+').unwrap_or(text);
    for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = radix(rest, base) {
                return Some(int);
            }
        }
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(text) {
        return None;
    }
    radix(unpositive, 10).ok()
}

/// A signed integer, as `serde_yaml_ng` reads one for `deserialize_i64`.
fn parse_signed_int<T>(
    text: &str,
    radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    let unpositive = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = radix(rest, base) {
                return Some(int);
            }
        }
        if let Some(rest) = text.strip_prefix(&format!("-{prefix}")) {
            if let Ok(int) = radix(&format!("-{rest}"), base) {
                return Some(int);
            }
        }
    }
    if digits_but_not_number(text) {
        return None;
    }
    radix(unpositive, 10).ok()
}

fn parse_f64(text: &str) -> Option<f64> {
    let unpositive = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    if let ".inf" | ".Inf" | ".INF" = unpositive {
        return Some(f64::INFINITY);
    }
    if let "-.inf" | "-.Inf" | "-.INF" = text {
        return Some(f64::NEG_INFINITY);
    }
    if let ".nan" | ".NaN" | ".NAN" = text {
        return Some(f64::NAN.copysign(1.0));
    }
    unpositive
        .parse::<f64>()
        .ok()
        .filter(|float| float.is_finite())
}

/// Leading zeros followed by digits: a string in YAML 1.2.
fn digits_but_not_number(text: &str) -> bool {
    let text = text.strip_prefix(['-', '+']).unwrap_or(text);
    text.len() > 1 && text.starts_with('0') && text[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Visits an integer of the smallest type that holds it, or hands the
/// visitor back when the text is no integer.
fn visit_int<'de, V: Visitor<'de>>(text: &str, visitor: V) -> Result<Result<V::Value, Error>, V> {
    if let Some(int) = parse_int(text, false, u64::from_str_radix) {
        return Ok(visitor.visit_u64(int));
    }
    if let Some(int) = parse_int(text, true, i64::from_str_radix) {
        return Ok(visitor.visit_i64(int));
    }
    if let Some(int) = parse_int(text, false, u128::from_str_radix) {
        return Ok(visitor.visit_u128(int));
    }
    if let Some(int) = parse_int(text, true, i128::from_str_radix) {
        return Ok(visitor.visit_i128(int));
    }
    Err(visitor)
}

fn visit_untagged_scalar<'de, V: Visitor<'de>>(visitor: V, text: &str) -> Result<V::Value, Error> {
    if text.is_empty() || parse_null(text).is_some() {
        return visitor.visit_unit();
    }
    if let Some(boolean) = parse_bool(text) {
        return visitor.visit_bool(boolean);
    }
    let visitor = match visit_int(text, visitor) {
        Ok(result) => return result,
        Err(visitor) => visitor,
    };
    if !digits_but_not_number(text) {
        if let Some(float) = parse_f64(text) {
            return visitor.visit_f64(float);
        }
    }
    visitor.visit_str(text)
}

fn is_plain_or_tagged_literal(expected: &str, scalar: &Scalar, tagged_already: bool) -> bool {
    match (scalar.style, &scalar.tag, tagged_already) {
        (ScalarStyle::Plain, _, _) => true,
        (ScalarStyle::Literal, Some(tag), false) => tag == expected,
        _ => false,
    }
}

/// A struct's visitor whose errors name the keys the struct takes, where
/// serde's would name the Rust type ("expected struct Host").
struct StructKeys<V> {
    visitor: V,
    fields: &'static [&'static str],
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StructKeys<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "a mapping of keys ({})", self.fields.join(", "))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(map)
    }
}

/// The "invalid type: ..., expected ..." error for `event`.
fn invalid_type(event: &Event, expected: &dyn Expected) -> Error {
    enum Void {}

    struct InvalidType<'a> {
        expected: &'a dyn Expected,
    }

    impl Visitor<'_> for InvalidType<'_> {
        type Value = Void;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            self.expected.fmt(formatter)
        }
    }

    match event {
        Event::Scalar(scalar) => match visit_scalar(InvalidType { expected }, scalar, false) {
            Ok(void) => match void {},
            Err(error) => error,
        },
        Event::SequenceStart(_) => de::Error::invalid_type(Unexpected::Seq, expected),
        Event::MappingStart(_) => de::Error::invalid_type(Unexpected::Map, expected),
        Event::Void => Error::new(ErrorImpl::EndOfStream),
        Event::Alias(_) | Event::SequenceEnd | Event::MappingEnd => {
            de::Error::custom("unexpected end of a collection")
        }
    }
}

/// A tag `!name` as the name of an enum variant.
fn parse_tag(tag: Option<&String>) -> Option<String> {
    let rest = tag?.strip_prefix('!')?;
    Some(if rest.is_empty() { "!" } else { rest }.to_owned())
}

/// Whether a scalar is empty and plain: an empty collection.
fn is_empty_plain(event: &Event) -> bool {
    match event {
        Event::Void => true,
        Event::Scalar(scalar) => scalar.value.is_empty() && scalar.style == ScalarStyle::Plain,
        _ => false,
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'_, '_, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let tagged_already = self.current_enum.is_some();
        let (next, mark) = self.next_event()?;
        let tag = match &next {
            Event::Scalar(scalar) => scalar.tag.as_ref(),
            Event::SequenceStart(tag) | Event::MappingStart(tag) => tag.as_ref(),
            _ => None,
        };
        let enum_tag = if tagged_already { None } else { parse_tag(tag) };
        if let Some(tag) = enum_tag {
            self.stream.put_back((next, mark));
            return visitor
                .visit_enum(EnumAccess {
                    de: &mut *self,
                    name: None,
                    tag,
                })
                .map_err(|error| error.fix_mark(mark, self.path));
        }
        match next {
            Event::Alias(id) => {
                self.jump(id, mark)?;
                return self.deserialize_any(visitor);
            }
            Event::Scalar(scalar) => visit_scalar(visitor, &scalar, tagged_already),
            Event::SequenceStart(_) => self.visit_sequence(visitor, mark),
            Event::MappingStart(_) => self.visit_mapping(visitor, mark),
            Event::Void => visitor.visit_none(),
            Event::SequenceEnd | Event::MappingEnd => {
                Err(de::Error::custom("unexpected end of a collection"))
            }
        }
        .map_err(|error| error.fix_mark(mark, self.path))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let tagged_already = self.current_enum.is_some();
        let (next, mark) = self.next_event()?;
        match next {
            Event::Alias(id) => {
                self.jump(id, mark)?;
                return self.deserialize_bool(visitor);
            }
            Event::Scalar(ref scalar)
                if is_plain_or_tagged_literal(BOOL_TAG, scalar, tagged_already) =>
            {
                match parse_bool(&scalar.value) {
                    Some(boolean) => visitor.visit_bool(boolean),
                    None => Err(invalid_type(&next, &visitor)),
                }
            }
            _ => Err(invalid_type(&next, &visitor)),
        }
        .map_err(|error| error.fix_mark(mark, self.path))
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.number(visitor, INT_TAG, |text, visitor| {
            match parse_signed_int(text, i64::from_str_radix) {
                Some(int) => Ok(visitor.visit_i64(int)),
                None => Err(visitor),
            }
        })
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.number(visitor, INT_TAG, |text, visitor| {
            match parse_signed_int(text, i128::from_str_radix) {
                Some(int) => Ok(visitor.visit_i128(int)),
                None => Err(visitor),
            }
        })
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.number(visitor, INT_TAG, |text, visitor| {
            match parse_int(text, false, u64::from_str_radix) {
                Some(int) => Ok(visitor.visit_u64(int)),
                None => Err(visitor),
            }
        })
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.number(visitor, INT_TAG, |text, visitor| {
            match parse_int(text, false, u128::from_str_radix) {
                Some(int) => Ok(visitor.visit_u128(int)),
                None => Err(visitor),
            }
        })
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.number(visitor, FLOAT_TAG, |text, visitor| match parse_f64(text) {
            Some(float) => Ok(visitor.visit_f64(float)),
            None => Err(visitor),
        })
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let (next, mark) = self.next_event()?;
        match next {
            Event::Scalar(scalar) => visitor.visit_str(&scalar.value),
            Event::Alias(id) => {
                self.jump(id, mark)?;
                return self.deserialize_str(visitor);
            }
            other => Err(invalid_type(&other, &visitor)),
        }
        .map_err(|error| error.fix_mark(mark, self.path))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(Error::new(ErrorImpl::BytesUnsupported))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(Error::new(ErrorImpl::BytesUnsupported))
    }

    /// `null`, `~` and an empty plain scalar are `None`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let tagged_already = self.current_enum.is_some();
        let is_some = match &self.stream.peek()?.0 {
            &Event::Alias(id) => {
                let (_, mark) = self.stream.next()?;
                self.jump(id, mark)?;
                return self.deserialize_option(visitor);
            }
            Event::Scalar(scalar) => {
                if scalar.style != ScalarStyle::Plain {
                    true
                } else if let (Some(tag), false) = (&scalar.tag, tagged_already) {
                    if tag == NULL_TAG {
                        if parse_null(&scalar.value).is_some() {
                            false
                        } else {
                            return Err(de::Error::invalid_value(
                                Unexpected::Str(&scalar.value),
                                &"null",
                            ));
                        }
                    } else {
                        true
                    }
                } else {
                    !scalar.value.is_empty() && parse_null(&scalar.value).is_none()
                }
            }
            Event::SequenceStart(_) | Event::MappingStart(_) => true,
            Event::Void => false,
            Event::SequenceEnd | Event::MappingEnd => {
                return Err(de::Error::custom("unexpected end of a collection"));
            }
        };
        if is_some {
            visitor.visit_some(self)
        } else {
            self.next_event()?;
            visitor.visit_none()
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let tagged_already = self.current_enum.is_some();
        let (next, mark) = self.next_event()?;
        match next {
            Event::Scalar(scalar) => {
                let is_null = if scalar.style != ScalarStyle::Plain {
                    false
                } else if let (Some(tag), false) = (&scalar.tag, tagged_already) {
                    tag == NULL_TAG && parse_null(&scalar.value).is_some()
                } else {
                    scalar.value.is_empty() || parse_null(&scalar.value).is_some()
                };
                if is_null {
                    visitor.visit_unit()
                } else {
                    Err(de::Error::invalid_value(
                        Unexpected::Str(&scalar.value),
                        &"null",
                    ))
                }
            }
            Event::Alias(id) => {
                self.jump(id, mark)?;
                return self.deserialize_unit(visitor);
            }
            Event::Void => visitor.visit_unit(),
            other => Err(invalid_type(&other, &visitor)),
        }
        .map_err(|error| error.fix_mark(mark, self.path))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let mark = self.stream.peek()?.1;
        self.recursion_check(mark, |de| visitor.visit_newtype_struct(de))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let (next, mark) = self.next_event()?;
        match next {
            Event::Alias(id) => {
                self.jump(id, mark)?;
                return self.deserialize_seq(visitor);
            }
            Event::SequenceStart(_) => self.visit_sequence(visitor, mark),
            other if is_empty_plain(&other) => visitor.visit_seq(SeqAccess {
                empty: true,
                de: self,
                len: 0,
            }),
            other => Err(invalid_type(&other, &visitor)),
        }
        .map_err(|error| error.fix_mark(mark, self.path))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let (next, mark) = self.next_event()?;
        match next {
            Event::Alias(id) => {
                self.jump(id, mark)?;
                return self.deserialize_map(visitor);
            }
            Event::MappingStart(_) => self.visit_mapping(visitor, mark),
            other if is_empty_plain(&other) => visitor.visit_map(MapAccess {
                empty: true,
                de: self,
                len: 0,
                key: None,
            }),
            other => Err(invalid_type(&other, &visitor)),
        }
        .map_err(|error| error.fix_mark(mark, self.path))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(StructKeys { visitor, fields })
    }

    /// A unit variant is its name as a scalar; a tag `!Variant` names the
    /// variant of the value it is on.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (next, mark) = self.stream.peek()?.clone();
        let result = if let Some(current) = self.current_enum.clone() {
            match &next {
                Event::Scalar(scalar) if !scalar.value.is_empty() => {
                    visitor.visit_enum(UnitVariantAccess { de: &mut *self })
                }
                _ => Err(de::Error::custom(match current.name {
                    Some(outer) => format!(
                        "deserializing nested enum in {outer}::{} from YAML is not supported yet",
                        current.tag
                    ),
                    None => format!(
                        "deserializing nested enum in !{} from YAML is not supported yet",
                        current.tag
                    ),
                })),
            }
        } else {
            match &next {
                &Event::Alias(id) => {
                    self.stream.next()?;
                    self.jump(id, mark)?;
                    return self.deserialize_enum(name, variants, visitor);
                }
                Event::Scalar(Scalar { tag, .. })
                | Event::MappingStart(tag)
                | Event::SequenceStart(tag) => match parse_tag(tag.as_ref()) {
                    Some(tag) => {
                        return visitor.visit_enum(EnumAccess {
                            de: &mut *self,
                            name: Some(name),
                            tag,
                        });
                    }
                    None => match next {
                        Event::Scalar(_) => {
                            visitor.visit_enum(UnitVariantAccess { de: &mut *self })
                        }
                        Event::MappingStart(_) => Err(de::Error::invalid_type(
                            Unexpected::Map,
                            &"a YAML tag starting with '!'",
                        )),
                        _ => Err(de::Error::invalid_type(
                            Unexpected::Seq,
                            &"a YAML tag starting with '!'",
                        )),
                    },
                },
                Event::Void => Err(Error::new(ErrorImpl::EndOfStream)),
                Event::SequenceEnd | Event::MappingEnd => {
                    Err(de::Error::custom("unexpected end of a collection"))
                }
            }
        };
        result.map_err(|error| error.fix_mark(mark, self.path))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.ignore_any()?;
        visitor.visit_unit()
    }
}

/// Where each of the `wanted` paths (as [`Path`] writes them, such as
/// `hosts.web01.services[1]`) is written in `text`, a document that parsed:
/// the hook that places the problems found after parsing, which name their
/// value by its path. An entry of a mapping is placed at its value when that
/// is a scalar written out, else at its key (a list, a mapping or an empty
/// value begins there); an item of a list at the item; a value reached
/// through an alias at its anchored node, where it is written. The text is
/// read again only when there is a problem, so a valid inventory keeps no
/// position at all; a path not written (an inherited default) is left out.
pub fn locate(text: &str, wanted: &HashSet<&str>) -> HashMap<String, Location> {
    let with_break;
    let (text, added_break) = if text.ends_with(['\n', '\r']) {
        (text, None)
    } else {
        // As in `from_str`: libyaml-safer panics on a block scalar at the end.
        with_break = format!("{text}\n");
        (with_break.as_str(), Some(text.len()))
    };
    let mut locator = Locator {
        stream: Stream::new(text, added_break),
        wanted,
        path: String::new(),
        found: HashMap::new(),
    };
    // The text parsed before; an error here only ends the search early.
    let _ = locator.node(None);
    locator.found
}

/// The state of [`locate`]: the path of the node being read.
struct Locator<'a, 'w> {
    stream: Stream<'a>,
    wanted: &'w HashSet<&'w str>,
    path: String,
    found: HashMap<String, Location>,
}

impl Locator<'_, '_> {
    /// The next event, with an alias followed to its anchored node.
    fn event(&mut self) -> Result<(Event, Mark), Error> {
        let (event, mark) = self.stream.next()?;
        match event {
            Event::Alias(id) => {
                self.stream.jump(id, mark)?;
                self.stream.next()
            }
            _ => Ok((event, mark)),
        }
    }

    /// Reads one node at `self.path`; `key` is the mark of its key.
    fn node(&mut self, key: Option<Mark>) -> Result<(), Error> {
        let (event, mark) = self.event()?;
        if self.wanted.contains(self.path.as_str()) {
            let written = matches!(&event, Event::Scalar(scalar)
                if !scalar.value.is_empty() || scalar.style != ScalarStyle::Plain);
            let place = if written { mark } else { key.unwrap_or(mark) };
            self.found.entry(self.path.clone()).or_insert(Location {
                line: usize::try_from(place.line).unwrap_or(usize::MAX) + 1,
                column: usize::try_from(place.column).unwrap_or(usize::MAX) + 1,
            });
        }
        match event {
            Event::MappingStart(_) => self.entries(),
            Event::SequenceStart(_) => self.items(),
            _ => Ok(()),
        }
    }

    /// The entries of a mapping, each at `PATH.KEY`, up to its end.
    fn entries(&mut self) -> Result<(), Error> {
        loop {
            if matches!(self.stream.peek()?.0, Event::MappingEnd) {
                self.stream.next()?;
                return Ok(());
            }
            let length = self.path.len();
            let (key, key_mark) = self.event()?;
            let name = if let Event::Scalar(scalar) = key {
                scalar.value
            } else {
                // A list or mapping as a key: read past it, named `?`.
                self.stream.put_back((key, key_mark));
                self.node(None)?;
                "?".to_owned()
            };
            if length != 0 {
                self.path.push('.');
            }
            self.path.push_str(&name);
            self.node(Some(key_mark))?;
            self.path.truncate(length);
        }
    }

    /// The items of a list, each at `PATH[INDEX]`, up to its end.
    fn items(&mut self) -> Result<(), Error> {
        for index in 0.. {
            if matches!(self.stream.peek()?.0, Event::SequenceEnd) {
                self.stream.next()?;
                break;
            }
            let length = self.path.len();
            let _ = write!(self.path, "[{index}]");
            self.node(None)?;
            self.path.truncate(length);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: String,
        count: Option<u32>,
        #[serde(default)]
        list: Vec<String>,
        #[serde(default)]
        flag: bool,
    }

    #[test]
    fn aliases_replay_their_anchored_node() {
        let sample: Vec<Sample> =
            from_str("- {name: a, list: &l [x, y]}\n- {name: b, list: *l, count: ~}\n").unwrap();
        assert_eq!(sample[1].list, ["x", "y"]);
        assert_eq!(sample[1].count, None);
    }

    #[test]
    fn errors_name_the_path_and_place() {
        let error = from_str::<Vec<Sample>>("- name: a\n  count: many\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            ".[0].count: invalid type: string \"many\", expected u32 at line 2 column 10"
        );
        assert_eq!(
            error.location().map(|l| (l.line(), l.column())),
            Some((2, 10))
        );
    }

    #[test]
    fn syntax_errors_read_as_libyaml_words_them() {
        let error = from_str::<Sample>("name: a\n list: [\n").unwrap_err();
        assert!(error.to_string().contains(" at line "), "{error}");
        let error = from_str::<Sample>("name: a\n---\nname: b\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "deserializing from YAML containing more than one document is not supported"
        );
        let error = from_str::<Sample>("name: *nowhere\n").unwrap_err();
        assert_eq!(error.to_string(), "unknown anchor at line 1 column 7");
    }

    #[test]
    fn a_tag_before_a_comma_is_refused_not_a_panic() {
        let error = from_str::<Vec<String>>("[a, !x, b]\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "did not find expected whitespace or line break at line 1 column 7, \
             while scanning a tag at line 1 column 5"
        );
        assert_eq!(
            error.location().map(|l| (l.line(), l.column())),
            Some((1, 7))
        );
    }

    #[test]
    fn a_block_scalar_may_end_the_text_without_a_line_break() {
        for (text, value) in [
            ("a: |\n  x", "x"),
            ("a: >\n  x\n  y", "x y"),
            ("a: |+\n  x", "x"),
            ("a: |-\n  x", "x"),
            ("a: |\n  x\n", "x\n"),
        ] {
            let read: HashMap<String, String> = from_str(text).unwrap();
            assert_eq!(read["a"], value, "{text:?}");
        }
    }

    #[test]
    fn an_alias_in_its_own_anchor_is_refused() {
        assert!(from_str::<Vec<Vec<String>>>("&a [*a]\n").is_err());
    }

    /// serde's own kinds of error read as serde words them, and carry their
    /// code.
    #[test]
    fn serde_error_kinds_keep_their_words_and_get_their_code() {
        use serde::de::value::Error as Serde;
        /// Makes the error with `$call` as ours and as serde's own.
        macro_rules! kind {
            ($call:expr, $code:expr) => {{
                fn ours() -> Error {
                    use de::Error as _;
                    type E = Error;
                    $call
                }
                fn serdes() -> Serde {
                    use de::Error as _;
                    type E = Serde;
                    $call
                }
                let (ours, serdes) = (ours(), serdes());
                assert_eq!(ours.message(), serdes.to_string());
                assert_eq!(ours.code(), $code, "{serdes}");
            }};
        }
        kind!(E::unknown_field("x", &[]), Code::UnknownKey);
        kind!(E::unknown_field("x", &["a"]), Code::UnknownKey);
        kind!(E::unknown_field("x", &["a", "b"]), Code::UnknownKey);
        kind!(E::unknown_field("x", &["a", "b", "c"]), Code::UnknownKey);
        kind!(E::unknown_variant("x", &[]), Code::UnknownValue);
        kind!(
            E::unknown_variant("x", &["a", "b", "c"]),
            Code::UnknownValue
        );
        kind!(E::missing_field("x"), Code::MissingKey);
        kind!(E::duplicate_field("x"), Code::DuplicateKey);
        kind!(
            E::invalid_type(Unexpected::Str("x"), &"a number"),
            Code::InvalidType
        );
        kind!(
            E::invalid_value(Unexpected::Signed(-1), &"a port"),
            Code::InvalidValue
        );
        kind!(E::invalid_length(3, &"two"), Code::InvalidValue);
        kind!(E::custom("words"), Code::YamlSyntax);
    }

    #[test]
    fn a_coded_message_gives_its_code_and_loses_the_mark() {
        let error = <Error as de::Error>::custom(crate::diagnostic::coded(Code::InvalidVip, "bad"));
        assert_eq!(
            (error.code(), error.message()),
            (Code::InvalidVip, "bad".to_owned())
        );
    }
}
