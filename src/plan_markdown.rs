//! `plan --format markdown`: placeholder.
use crate::model::Inventory;
use crate::rollout::Plan;

/// The plan as one Markdown document.
pub fn markdown(_plan: &Plan, _old: &Inventory, _new: &Inventory, _o: &str, _n: &str) -> String {
    String::new()
}
