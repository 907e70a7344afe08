//! What every format's renderer is: one way to print any outcome.

use std::io::{self, Write};

use crate::outcome::Outcome;

/// A renderer of outcomes in one format.
pub trait Renderer {
    /// Prints `outcome`: its result on `out` (standard output), messages
    /// for people on `err` (standard error).
    fn render(&self, outcome: &Outcome, out: &mut dyn Write, err: &mut dyn Write)
        -> io::Result<()>;
}
