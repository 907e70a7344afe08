//! The serde `Deserializer` over the stream of events: paths, enums named
//! by tags, the recursion limit, and lengths checked at a collection's end.

use libyaml_safer::ScalarStyle;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, Unexpected, Visitor};

use super::error::{Error, ErrorImpl};
use super::expected::{invalid_type, Elements, StructKeys};
use super::path::InventoryPath;
use super::position::Mark;
use super::reader::{Event, Scalar, Stream};
use super::scalar::{
    is_plain_or_tagged_literal, parse_bool, parse_f64, parse_int, parse_null, parse_signed_int,
    visit_scalar, BOOL_TAG, FLOAT_TAG, INT_TAG, NULL_TAG,
};

/// The nesting limit, as `serde_yaml_ng`'s.
const RECURSION_LIMIT: u8 = 128;

/// Reads one document; `added_break` is where a line break was added at
/// the end of the text (see `from_str`).
pub(super) fn read<T: DeserializeOwned>(
    text: &str,
    added_break: Option<usize>,
) -> Result<T, Error> {
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

/// How a number is read from a scalar's text: the visitor's value, or the
/// visitor back when the text is not such a number.
type VisitNumber<'de, V> = fn(&str, V) -> Result<Result<<V as Visitor<'de>>::Value, Error>, V>;

/// Where a value is in the document while it is read: a chain through
/// the parents on the stack, so that reading a value builds no path; an
/// error turns it into its [`InventoryPath`].
#[derive(Clone, Copy)]
pub(super) enum Path<'p> {
    Root,
    Seq { parent: &'p Path<'p>, index: usize },
    Map { parent: &'p Path<'p>, key: &'p str },
    Unknown { parent: &'p Path<'p> },
}

impl Path<'_> {
    /// The path, as the errors name it (`hosts.web01.services[1]`; a list
    /// or mapping as a key is `?`).
    fn to_inventory_path(self) -> InventoryPath {
        match self {
            Path::Root => InventoryPath::root(),
            Path::Seq { parent, index } => parent.to_inventory_path().index(index),
            Path::Map { parent, key } => parent.to_inventory_path().key(key),
            Path::Unknown { parent } => parent.to_inventory_path().key("?"),
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
pub(super) struct Deserializer<'s, 'a, 'p> {
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
                key_mark: mark,
            };
            let value = visitor
                .visit_map(&mut map)
                .map_err(|error| map.name_duplicate(error))?;
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
                key_mark: Mark::default(),
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
        .map_err(|error| error.fix_mark(mark, || self.path.to_inventory_path()))
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
    /// The key being read or last read, when a scalar, and where it is:
    /// the path of its value, and the place of a key written twice (only
    /// this one key's; no mapping keeps the places of its keys).
    key: Option<String>,
    key_mark: Mark,
}

impl MapAccess<'_, '_, '_, '_> {
    /// A duplicate key error met while reading this mapping (serde's
    /// duplicate field, right after its key, or a map type's check of the
    /// key) names the key last read as the later copy, by the path of its
    /// value (`PATH.KEY`, or `PATH.?` for a list or mapping as a key).
    fn name_duplicate(&self, error: Error) -> Error {
        let key_path = || {
            let parent = self.de.path;
            match &self.key {
                Some(key) => Path::Map {
                    parent: &parent,
                    key,
                },
                None => Path::Unknown { parent: &parent },
            }
            .to_inventory_path()
        };
        error.name_duplicate(key_path, self.key_mark)
    }
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
        let (event, mark) = self.de.stream.peek()?;
        self.key = match event {
            Event::MappingEnd | Event::Void => return Ok(None),
            Event::Scalar(scalar) => Some(scalar.value.clone()),
            _ => None,
        };
        self.key_mark = *mark;
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
                .map_err(|error| error.fix_mark(mark, || self.path.to_inventory_path()));
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
        .map_err(|error| error.fix_mark(mark, || self.path.to_inventory_path()))
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
        .map_err(|error| error.fix_mark(mark, || self.path.to_inventory_path()))
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
        .map_err(|error| error.fix_mark(mark, || self.path.to_inventory_path()))
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
        .map_err(|error| error.fix_mark(mark, || self.path.to_inventory_path()))
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
        .map_err(|error| error.fix_mark(mark, || self.path.to_inventory_path()))
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
                key_mark: mark,
            }),
            other => Err(invalid_type(&other, &visitor)),
        }
        .map_err(|error| error.fix_mark(mark, || self.path.to_inventory_path()))
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
        result.map_err(|error| error.fix_mark(mark, || self.path.to_inventory_path()))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.ignore_any()?;
        visitor.visit_unit()
    }
}
