//! `verify`: this machine's live state (or a recorded one) against the
//! inventory, check by check. Read-only.

use std::fs;
use std::path::Path;

use crate::cli::VerifyArgs;
use crate::code::Code;
use crate::live::{self, LiveState};
use crate::outcome::{Failure, Outcome, Trouble};
use crate::verify;

/// `verify`: reads the live state (or `--state`'s) and compares it; with
/// `--print-state`, only records it.
pub fn run(args: &VerifyArgs) -> Result<Outcome, Failure> {
    let trouble = |message: String| Trouble::coded(Code::VerifyTrouble, "", message);
    let model = super::setup::load(&args.machine.inventory, false)?;
    let recorded = match &args.state {
        Some(path) => Some(read_state(path).map_err(trouble)?),
        None => None,
    };
    let recorded_name = recorded.as_ref().map(|state| state.hostname.as_str());
    let machine = super::setup::machine(&model, &args.machine, recorded_name, trouble)?;
    if args.arp {
        verify::arp_possible(&machine, recorded.as_ref()).map_err(trouble)?;
    }
    let state = match recorded {
        Some(state) => state,
        None => live::read(&verify::probe(&machine, args.arp), &args.machine.root)
            .map_err(|error| trouble(error.to_string()))?,
    };
    if args.print_state {
        return Ok(Outcome::StateRecorded(Box::new(state)));
    }
    Ok(Outcome::Verified(verify::verify(&machine, &state)))
}

/// A live state recorded by `verify --print-state`.
fn read_state(path: &Path) -> Result<LiveState, String> {
    fs::read_to_string(path)
        .map_err(|error| error.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|error| error.to_string()))
        .map_err(|error| format!("cannot read {}: {error}", path.display()))
}
