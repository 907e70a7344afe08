//! `validate`: the inventory checked, every problem reported, nothing
//! rendered.

use std::path::Path;

use crate::outcome::{Failure, Machines, Outcome, Validated};

/// `validate`: what the valid inventory describes.
pub fn run(inventory: &Path) -> Result<Outcome, Failure> {
    let model = super::load(inventory, false)?;
    Ok(Outcome::Validated(Validated {
        file: inventory.display().to_string(),
        machines: Machines {
            hosts: model.hosts.len(),
            directors: model.directors.len(),
        },
        services: model.services.len(),
    }))
}
