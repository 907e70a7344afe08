//! `check`: what `render` would change below the output directory, without
//! writing: the drift check for CI.

use super::render::prepare;
use crate::cli::CheckArgs;
use crate::outcome::{Checked, Failure, Outcome};
use crate::output::Access;

/// `check`: the transaction `render` would commit, for the reporter to
/// show as a diff (or as one problem per file).
pub fn run(args: &CheckArgs) -> Result<Outcome, Failure> {
    let (transaction, _) = prepare(&args.output, Access::Read)?;
    Ok(Outcome::Checked(Box::new(Checked {
        out: args.output.out.clone(),
        transaction,
        color: args.color.enabled(),
    })))
}
