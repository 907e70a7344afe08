//! `deployed`: the inventory a cluster was last rolled out with, decided
//! from its machines' own records (`crate::deployed`), written to `--out`
//! or standard output for `plan` as OLD.

use crate::cli::DeployedArgs;
use crate::deployed::{self, Verdict};
use crate::outcome::{Deployed, Failure, Outcome, Trouble};
use crate::output;

/// `deployed`: reads the records below DIR and decides.
pub fn run(args: &DeployedArgs) -> Result<Outcome, Failure> {
    let name = args.dir.display().to_string();
    let verdict = deployed::read(&args.dir)
        .and_then(|machines| {
            deployed::decide(name.trim_end_matches('/'), &machines, args.from.as_deref())
        })
        .map_err(Trouble::message)?;
    if let (Verdict::Agreed { text, .. }, Some(file)) = (&verdict, &args.out) {
        output::replace_file(file, text.as_bytes()).map_err(|error| {
            Trouble::message(format!("cannot write {}: {error}", file.display()))
        })?;
    }
    Ok(Outcome::Deployed(Deployed {
        verdict,
        written_to: args.out.clone(),
    }))
}
