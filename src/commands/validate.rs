//! `validate`: the inventory checked, every problem reported, nothing
//! rendered; and what is valid but likely unintended, as warnings.

use std::path::Path;

use crate::outcome::{Failure, Machines, Outcome, Validated};
use crate::rollout;

/// `validate`: what the valid inventory describes.
pub fn run(inventory: &Path) -> Result<Outcome, Failure> {
    let (model, text) = super::setup::load_with_text(inventory, false)?;
    let file = inventory.display().to_string();
    let mut warnings = rollout::drained_warnings(&file, &model);
    crate::inventory::locate(&text, &mut warnings);
    Ok(Outcome::Validated(Validated {
        file,
        warnings,
        machines: Machines {
            hosts: model.hosts.len(),
            directors: model.directors.len(),
        },
        services: model.services.len(),
    }))
}
