//! How a `Deserialize` impl's own error tells the YAML layer more than its
//! message: the caller's rule it breaks (lvs-dr-gen's diagnostic `Code`,
//! which this layer carries without knowing it), or that it is a key
//! written twice. A leaf of the YAML layer.
//!
//! A `Deserialize` impl is generic over its deserializer's error type `E`,
//! and serde's `de::Error::custom` takes only a message; so what it says
//! waits in a thread-local slot while `E::custom(message)` runs, and the
//! slot is emptied again when that returns (or unwinds). The YAML layer's
//! error takes it from there ([`take`]); any other `E` (serde's own value
//! errors, `serde_yaml_ng`'s in the differential tests) never looks, and
//! it is dropped without a trace in the message.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;

use serde::de;

/// What a custom error says beyond its message.
pub(super) enum Pending {
    /// The rule it breaks, in the caller's terms.
    Rule(Box<dyn Any + Send + Sync>),
    /// It is a key written twice in one mapping.
    DuplicateKey,
}

thread_local! {
    /// What the error being built says, for `Error::custom` to take.
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
}

/// An error that breaks the caller's `rule`, for a value's `Deserialize` to
/// return: the YAML layer's error carries `rule` beside the message (read
/// it back with `Error::rule`), never inside the text.
pub fn error_with_rule<E: de::Error>(
    rule: impl Any + Send + Sync,
    message: impl fmt::Display,
) -> E {
    custom(Pending::Rule(Box::new(rule)), message)
}

/// The error of a mapping type's own check that a key is written once: the
/// YAML layer names the key and both of its places, as for serde's
/// duplicate field.
pub fn duplicate_key_error<E: de::Error>(message: impl fmt::Display) -> E {
    custom(Pending::DuplicateKey, message)
}

/// `E::custom(message)` with `pending` in the slot while it runs.
fn custom<E: de::Error>(pending: Pending, message: impl fmt::Display) -> E {
    /// Empties the slot when the call ends, however it ends.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            PENDING.with(|slot| slot.borrow_mut().take());
        }
    }
    PENDING.with(|slot| *slot.borrow_mut() = Some(pending));
    let _clear = Clear;
    E::custom(message)
}

/// What the error being built on this thread says, if anything, taken out
/// of the slot: for the YAML layer's `de::Error::custom`.
pub(super) fn take() -> Option<Pending> {
    PENDING.with(|slot| slot.borrow_mut().take())
}
