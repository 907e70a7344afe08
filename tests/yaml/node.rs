//! `Node`, a value that records exactly what a YAML
//! deserialiser told its visitor (which `visit_*` and with what, in
//! order), so that our reading and `serde_yaml_ng`'s can be compared
//! call for call.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess};

/// One value as `deserialize_any` handed it over.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    U128(u128),
    I128(i128),
    F64(Float),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order (duplicates kept: the deserialiser does
    /// not judge them).
    Map(Vec<(Node, Node)>),
    /// A value with a YAML tag `!name`, read as an enum variant.
    Tagged(String, Box<Node>),
}

/// A float compared by its bits: NaN equals NaN, and 0.0 is not -0.0.
#[derive(Clone, Copy)]
pub(super) struct Float(pub(super) f64);

impl PartialEq for Float {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl fmt::Debug for Float {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "{:?}", self.0)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> de::Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Bool(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Node, E> {
        Ok(Node::U64(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Node, E> {
        Ok(Node::I64(value))
    }

    fn visit_u128<E>(self, value: u128) -> Result<Node, E> {
        Ok(Node::U128(value))
    }

    fn visit_i128<E>(self, value: i128) -> Result<Node, E> {
        Ok(Node::I128(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Node, E> {
        Ok(Node::F64(Float(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Node, E> {
        Ok(Node::Str(value.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Node::Map(entries))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
        let (tag, variant): (String, _) = data.variant()?;
        let value = variant.newtype_variant::<Node>()?;
        Ok(Node::Tagged(tag, Box::new(value)))
    }
}

/// A plain scalar's value as read by our deserialiser.
pub(super) fn ours(text: &str) -> Result<Node, String> {
    lvs_dr_gen::yaml::from_str::<Node>(text).map_err(|error| error.to_string())
}

/// The same with `serde_yaml_ng`.
pub(super) fn theirs(text: &str) -> Result<Node, String> {
    serde_yaml_ng::from_str::<Node>(text).map_err(|error| error.to_string())
}
