//! `plan`: the rollout from the inventory running now to the next one.

use crate::cli::PlanArgs;
use crate::outcome::{Failure, Outcome, Planned};
use crate::rollout;

/// `plan`: both inventories validated, then the rollout between them.
pub fn run(args: &PlanArgs) -> Result<Outcome, Failure> {
    let before = super::setup::load(&args.old, false)?;
    let after = super::setup::load(&args.new, false)?;
    let rules = rollout::Rules {
        capacity_share: args.capacity_share,
    };
    Ok(Outcome::Planned(Box::new(Planned {
        old: args.old.display().to_string(),
        new: args.new.display().to_string(),
        plan: rollout::plan(&before, &after, rules),
        before,
        after,
    })))
}
