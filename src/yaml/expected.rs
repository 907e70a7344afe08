//! What the deserialiser says it expected, and the error for what it found
//! instead: a collection's length, a struct's keys (named, where serde
//! names the Rust type), and the type of an event.

use std::fmt;

use serde::de::{self, Expected, Unexpected, Visitor};

use super::error::{Error, ErrorImpl};
use super::reader::Event;
use super::scalar::visit_scalar;

/// "sequence of 2 elements", "map containing 1 entry".
pub(super) struct Elements(
    pub(super) usize,
    pub(super) &'static str,
    pub(super) &'static str,
);

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

/// A struct's visitor whose errors name the keys the struct takes, where
/// serde's would name the Rust type ("expected struct Host").
pub(super) struct StructKeys<V> {
    pub(super) visitor: V,
    pub(super) fields: &'static [&'static str],
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
pub(super) fn invalid_type(event: &Event, expected: &dyn Expected) -> Error {
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
