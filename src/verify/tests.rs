//! Tests of the checks on recorded live states.
