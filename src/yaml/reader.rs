//! The events of one document, pulled from libyaml-safer on demand: marks,
//! anchors recorded and replayed at their aliases, syntax errors worded as
//! libyaml words them, and the parser's panics caught.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::BufReader;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Once;

use libyaml_safer::{EventData, Parser, ScalarStyle};

use super::error::{Error, ErrorImpl, Syntax};
use super::position::Mark;

/// How much of the text the parser decodes at a time (libyaml's raw
/// input buffer).
const INPUT_CHUNK: usize = 16384;

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
pub(super) enum Event {
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
pub(super) struct Scalar {
    pub(super) value: String,
    pub(super) tag: Option<String>,
    pub(super) style: ScalarStyle,
}

/// The events of one node, in order, with their marks.
type Events = Rc<[(Event, Mark)]>;

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
pub(super) struct Stream<'a> {
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
    pub(super) fn new(text: &'a str, added_break: Option<usize>) -> Self {
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
    pub(super) fn peek(&mut self) -> Result<&(Event, Mark), Error> {
        // `next` takes the peeked event first, so this peeks it again.
        let next = self.next()?;
        Ok(self.peeked.insert(next))
    }

    /// Takes the next event: a peeked one, then a replayed alias's, then
    /// the parser's.
    pub(super) fn next(&mut self) -> Result<(Event, Mark), Error> {
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
    pub(super) fn put_back(&mut self, event: (Event, Mark)) {
        debug_assert!(self.peeked.is_none());
        self.peeked = Some(event);
    }

    /// Replays the anchored node `id` next (an alias at `mark`).
    pub(super) fn jump(&mut self, id: usize, mark: Mark) -> Result<(), Error> {
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
    pub(super) fn finish(&mut self) -> Result<(), Error> {
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
