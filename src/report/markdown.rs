//! `plan --format markdown`: the rollout plan as one Markdown document for
//! a merge request comment. Pure: from the plan and the two inventories to
//! a string, the same bytes for the same input.
//!
//! In the order a reviewer needs it: the verdict, the unsafe changes with
//! their fix, a summary (the machines that change, the phases, what the
//! change does beyond them, each service's capacity before and after), a
//! Mermaid diagram of the cluster after the change (`mermaid`), then the
//! steps per phase. Machines whose steps are the same are listed as one.
//! The document stays under the forges' comment limit (65,536 characters on
//! GitHub): long lists are cut where they are, and the steps where the
//! budget ends, each cut said with what is left out and where the whole
//! plan is (`lvs-dr-gen plan OLD NEW`'s text).

use std::fmt::Write as _;
use std::io::{self, Write};

use super::renderer::Renderer;
use super::text::Text;
use crate::diagnostic;
use crate::outcome::{ClusterOutcome, Outcome, Planned, SiteRun};
use crate::rollout::{Phase, RolloutPlan, ServiceCapacity, Step};
use crate::validate::model::Inventory;

mod mermaid;

/// The first line of every document: CI finds its earlier comment by it,
/// to update that one in place.
pub const MARKER: &str = "<!-- lvs-dr-gen plan -->";

/// GitHub's limit for a comment, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// What the document aims to stay under, leaving room below the limit.
const BUDGET: usize = 60_000;

/// The most unsafe changes, capacity rows, names and actions per step
/// listed one by one; the rest are counted.
const MOST_UNSAFE: usize = 40;
const MOST_ROWS: usize = 40;
const MOST_NAMES: usize = 12;
const MOST_ACTIONS: usize = 40;

/// The Markdown renderer: a rollout plan as one document; anything else
/// (an invalid inventory) as text.
pub struct Markdown;

impl Renderer for Markdown {
    fn render(
        &self,
        outcome: &Outcome,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<()> {
        match outcome {
            Outcome::Planned(planned) => out.write_all(
                markdown(
                    &planned.plan,
                    &planned.before,
                    &planned.after,
                    &planned.old,
                    &planned.new,
                )
                .as_bytes(),
            ),
            Outcome::Site(run) if run.old.is_some() => out.write_all(site_plan(run).as_bytes()),
            _ => Text.render(outcome, out, err),
        }
    }
}

/// The plan from `old_name` to `new_name` as one Markdown document.
pub fn markdown(
    plan: &RolloutPlan,
    old: &Inventory,
    new: &Inventory,
    old_name: &str,
    new_name: &str,
) -> String {
    let whole = format!("`lvs-dr-gen plan {} {}`", code(old_name), code(new_name));
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(
        out,
        "### Rollout plan: `{}` → `{}`\n",
        code(old_name),
        code(new_name)
    );
    verdict(&mut out, plan);
    if plan.is_empty() {
        return out;
    }
    unsafe_section(&mut out, plan, &whole);
    summary(&mut out, plan, old, new);
    let _ = writeln!(out, "#### The cluster after the change\n");
    out.push_str(&mermaid::diagram(plan, old, new));
    let _ = writeln!(out, "\n{}\n", mermaid::LEGEND);
    steps_section(&mut out, plan, &whole);
    debug_assert!(out.chars().count() <= COMMENT_LIMIT);
    out
}

/// What a site's document keeps free below the comment limit for its own
/// lines and the forges' additions (the CI templates add a link).
const SITE_RESERVE: usize = 2_000;

/// `site plan --format markdown`: the marker, a table of the clusters'
/// verdicts, then the plan of each cluster whose machines change, in the
/// site's order, as long as the comment holds it (each is at most
/// [`BUDGET`] characters, so the first always fits; one that does not is
/// named with the command that prints it).
pub fn site_plan(run: &SiteRun) -> String {
    let old = run.old.as_deref().unwrap_or_default();
    let mut document = String::new();
    let _ = writeln!(document, "{MARKER}");
    let _ = writeln!(
        document,
        "### Rollout plan of the site: `{}` → `{}`\n",
        code(old),
        code(&run.file)
    );
    let _ = writeln!(document, "| cluster | verdict |\n|---|---|");
    let mut sections = Vec::new();
    for cluster in &run.clusters {
        let verdict = match &cluster.outcome {
            ClusterOutcome::Ran(Outcome::Planned(planned)) => {
                if !planned.plan.is_empty() {
                    sections.push((cluster.name.as_str(), planned));
                }
                cluster_verdict(planned)
            }
            ClusterOutcome::Added(inventory) => {
                format!("new in the site (`{}`): a first rollout", code(inventory))
            }
            ClusterOutcome::Removed(inventory) => {
                format!("no longer in the site (was `{}`)", code(inventory))
            }
            ClusterOutcome::Ran(_) => String::new(),
        };
        let _ = writeln!(document, "| `{}` | {verdict} |", code(&cluster.name));
    }
    document.push('\n');
    for (name, planned) in sections {
        let full = markdown(
            &planned.plan,
            &planned.before,
            &planned.after,
            &planned.old,
            &planned.new,
        );
        let body = full.strip_prefix(MARKER).unwrap_or(&full).trim_start();
        let section = format!("---\n\n**Cluster `{}`**\n\n{body}\n", code(name));
        if document.chars().count() + section.chars().count() + SITE_RESERVE <= COMMENT_LIMIT {
            document.push_str(&section);
        } else {
            let _ = writeln!(
                document,
                "---\n\n**Cluster `{}`:** its plan does not fit in this comment; \
                 `lvs-dr-gen plan {} {}` prints it.\n",
                code(name),
                code(&planned.old),
                code(&planned.new)
            );
        }
    }
    document
}

/// One cluster's verdict for the site's table.
fn cluster_verdict(planned: &Planned) -> String {
    let plan = &planned.plan;
    if plan.is_empty() {
        return "no machine changes".to_owned();
    }
    let machines = plan.machines();
    let changes = format!(
        "{machines} machine{} change{}",
        diagnostic::plural(machines),
        if machines == 1 { "s" } else { "" }
    );
    match plan.unsafe_changes.len() {
        0 => format!("**safe:** {changes}"),
        count => format!(
            "**unsafe:** {count} change{} would fail requests; {changes}",
            diagnostic::plural(count)
        ),
    }
}

/// `text` fit for a code span: no backtick, no line break.
fn code(text: &str) -> String {
    text.chars()
        .map(|c| if c == '`' || c.is_control() { '?' } else { c })
        .collect()
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn verdict(out: &mut String, plan: &RolloutPlan) {
    let machines = plan.machines();
    if plan.is_empty() {
        let _ = writeln!(out, "**No machine changes.**");
        return;
    }
    let count = plan.unsafe_changes.len();
    let change = format!(
        "{} change{} in {}",
        plural(machines, "machine", "machines"),
        if machines == 1 { "s" } else { "" },
        plural(plan.phases.len(), "phase", "phases")
    );
    if count == 0 {
        let _ = writeln!(out, "**Safe:** {change}.\n");
    } else {
        let _ = writeln!(
            out,
            "**Unsafe:** {} would fail requests if rolled out in one step \
             (`plan` exits 3). {change}.\n",
            plural(count, "change", "changes")
        );
    }
}

fn unsafe_section(out: &mut String, plan: &RolloutPlan, whole: &str) {
    if plan.unsafe_changes.is_empty() {
        return;
    }
    let _ = writeln!(out, "#### Unsafe changes, with their fix\n");
    for (number, change) in plan.unsafe_changes.iter().take(MOST_UNSAFE).enumerate() {
        let _ = writeln!(
            out,
            "{}. `{}` ({}): {}  \n   **Fix:** {}",
            number + 1,
            change.path,
            change.code,
            change.message,
            change.fix
        );
    }
    let rest = plan.unsafe_changes.len().saturating_sub(MOST_UNSAFE);
    if rest > 0 {
        let _ = writeln!(
            out,
            "\n*{} more cut here; {whole} lists them all.*",
            plural(rest, "unsafe change", "unsafe changes")
        );
    }
    out.push('\n');
}

fn summary(out: &mut String, plan: &RolloutPlan, old: &Inventory, new: &Inventory) {
    let _ = writeln!(out, "#### Summary\n");
    let (real, directors) = machines_by_role(plan);
    let mut lines = Vec::new();
    if !real.is_empty() {
        lines.push(format!(
            "{}: {}",
            plural(real.len(), "real server", "real servers"),
            names(&real)
        ));
    }
    if !directors.is_empty() {
        lines.push(format!(
            "{}: {}",
            plural(directors.len(), "director", "directors"),
            names(&directors)
        ));
    }
    let _ = writeln!(out, "- **Machines that change:** {}", lines.join("; "));
    let phases: Vec<String> = plan
        .phases
        .iter()
        .enumerate()
        .map(|(number, phase)| {
            format!(
                "{}. {} ({})",
                number + 1,
                short_title(phase),
                phase.steps.len()
            )
        })
        .collect();
    let _ = writeln!(out, "- **Phases:** {}", phases.join(" → "));
    for line in plan.consequences.describe() {
        let _ = writeln!(out, "- **Consequence:** {line}");
    }
    let _ = writeln!(
        out,
        "- **Directors:** {} before, {} after; **real servers:** {} before, {} after",
        old.directors.len(),
        new.directors.len(),
        old.hosts.len(),
        new.hosts.len()
    );
    out.push('\n');
    capacity_table(out, &plan.capacity);
}

/// The changing machines' names, real servers and directors, each once.
fn machines_by_role(plan: &RolloutPlan) -> (Vec<&str>, Vec<&str>) {
    let (mut real, mut directors) = (Vec::new(), Vec::new());
    for step in plan.phases.iter().flat_map(|phase| &phase.steps) {
        let list = if step.role == "director" {
            &mut directors
        } else {
            &mut real
        };
        if !list.contains(&step.machine.as_str()) {
            list.push(step.machine.as_str());
        }
    }
    (real, directors)
}

/// Up to [`MOST_NAMES`] names, then how many more.
fn names(list: &[&str]) -> String {
    let shown: Vec<&str> = list.iter().take(MOST_NAMES).copied().collect();
    let rest = list.len().saturating_sub(MOST_NAMES);
    if rest == 0 {
        shown.join(", ")
    } else {
        format!("{} and {rest} more", shown.join(", "))
    }
}

fn short_title(phase: &Phase) -> &'static str {
    use crate::rollout::PhaseName;
    match phase.phase {
        PhaseName::RealServersFirst => "real servers first",
        PhaseName::Directors => "directors, one at a time",
        PhaseName::DirectorsTogether => "directors together",
        PhaseName::RealServersLast => "real servers last",
    }
}

/// Each service's weight taking new connections, before and after; the
/// ones whose weight changes first, the rest counted when many.
fn capacity_table(out: &mut String, rows: &[ServiceCapacity]) {
    if rows.is_empty() {
        return;
    }
    let changes = |row: &&ServiceCapacity| row.before != row.after;
    let mut shown: Vec<&ServiceCapacity> = rows.iter().filter(changes).collect();
    let unchanged: Vec<&ServiceCapacity> = rows.iter().filter(|row| !changes(row)).collect();
    let room = MOST_ROWS.saturating_sub(shown.len());
    let cut_changed = shown.len().saturating_sub(MOST_ROWS);
    shown.truncate(MOST_ROWS);
    if unchanged.len() <= room {
        shown.extend(&unchanged);
        shown.sort_by_key(|row| rows.iter().position(|r| std::ptr::eq(r, *row)));
    }
    let _ = writeln!(
        out,
        "**Capacity** (the weight taking new connections; drained real servers count 0):\n"
    );
    let _ = writeln!(out, "| service | before | after | |");
    let _ = writeln!(out, "|---|---:|---:|---|");
    for row in &shown {
        let cell = |weight: Option<u64>| weight.map_or_else(|| "—".to_owned(), |w| w.to_string());
        let note = match (row.before, row.after) {
            (None, _) => "new".to_owned(),
            (_, None) => "removed".to_owned(),
            (Some(before), Some(0)) if before > 0 => {
                if row.sorry_server {
                    "no weight: the sorry server answers".to_owned()
                } else {
                    "**no weight**".to_owned()
                }
            }
            (Some(before), Some(after)) if before != after && before > 0 => {
                format!("{} %", after * 100 / before)
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {note} |",
            row.service,
            cell(row.before),
            cell(row.after)
        );
    }
    if cut_changed > 0 {
        let _ = writeln!(
            out,
            "\n*{} whose weight changes cut here.*",
            plural(cut_changed, "more service", "more services")
        );
    }
    if unchanged.len() > room {
        let _ = writeln!(
            out,
            "\n*{} with the same weight before and after not listed.*",
            plural(unchanged.len(), "service", "services")
        );
    }
    out.push('\n');
}

/// The steps per phase, machines with the same actions as one; cut where
/// the budget ends, saying how many machine steps are left out.
fn steps_section(out: &mut String, plan: &RolloutPlan, whole: &str) {
    let _ = writeln!(out, "#### Steps\n");
    let total: usize = plan.phases.iter().map(|phase| phase.steps.len()).sum();
    let mut length = out.chars().count();
    let mut written = 0;
    for (number, phase) in plan.phases.iter().enumerate() {
        let heading = format!("**{}. {}**\n\n", number + 1, phase.phase.title());
        let mut parts = vec![(heading, 0)];
        parts.extend(
            same_steps(&phase.steps)
                .into_iter()
                .map(|group| (step_text(&group), group.len())),
        );
        if let Some((text, _)) = parts.last_mut() {
            text.push('\n');
        }
        for (text, steps) in parts {
            let size = text.chars().count();
            if length + size > BUDGET {
                let _ = writeln!(
                    out,
                    "\n*The rest of the steps ({} of {total} machine steps, from phase {}) is \
                     cut here, to stay under the comment limit; {whole} prints the whole plan.*",
                    total - written,
                    number + 1
                );
                return;
            }
            out.push_str(&text);
            length += size;
            written += steps;
        }
    }
}

/// The phase's steps, those with the same role, note and actions as one
/// group, in the order of their first member.
fn same_steps(steps: &[Step]) -> Vec<Vec<&Step>> {
    let mut groups: Vec<Vec<&Step>> = Vec::new();
    for step in steps {
        let same = groups.iter_mut().find(|group| {
            let first = group[0];
            first.role == step.role && first.note == step.note && first.actions == step.actions
        });
        match same {
            Some(group) => group.push(step),
            None => groups.push(vec![step]),
        }
    }
    groups
}

fn step_text(group: &[&Step]) -> String {
    let first = group[0];
    let role = if first.role == "director" {
        "director"
    } else {
        "real server"
    };
    let note = first
        .note
        .map_or_else(String::new, |note| format!(", {note}"));
    let machines: Vec<&str> = group.iter().map(|step| step.machine.as_str()).collect();
    let mut text = if group.len() == 1 {
        format!("- **{}** ({role}{note})\n", first.machine)
    } else {
        format!(
            "- **{}** ({} {role}s{note}, each:)\n",
            names(&machines),
            group.len()
        )
    };
    for action in first.actions.iter().take(MOST_ACTIONS) {
        let _ = writeln!(text, "  - {}", action.describe());
    }
    let rest = first.actions.len().saturating_sub(MOST_ACTIONS);
    if rest > 0 {
        let _ = writeln!(
            text,
            "  - *{} more cut here*",
            plural(rest, "action", "actions")
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::{markdown, COMMENT_LIMIT, MARKER};
    use crate::rollout::{plan, Rules};
    use crate::validate::model::Inventory;
    use crate::{inventory, validate};

    fn model(text: &str) -> Inventory {
        let raw = inventory::parse("i.yaml", text).expect("inventory parses");
        validate::validate("i.yaml", &raw).expect("inventory is valid")
    }

    /// A cluster of `hosts` real servers in `services` services, the
    /// first `new_from` of them in OLD only up to there.
    fn cluster(services: usize, hosts: usize, drained_from: usize) -> String {
        let mut text = String::from(
            "version: 1\nsegment: [10.0.0.0/8]\nvrrp: {virtual_router_id: 51}\ndirectors:\n  \
             lb1: {address: 10.255.0.2, interface: eth0, priority: 150}\n  \
             lb2: {address: 10.255.0.3, interface: eth0, priority: 100}\nservices:\n",
        );
        for service in 0..services {
            let _ = writeln!(
                text,
                "  s{service}: {{vips: [198.51.{}.{}], ports: [80]}}",
                service / 200,
                service % 200 + 1
            );
        }
        text.push_str("hosts:\n");
        for host in 0..hosts {
            let drain = if host >= drained_from {
                ", drain: true"
            } else {
                ""
            };
            let _ = writeln!(
                text,
                "  web{host}: {{address: 10.{}.{}.{}, services: [s{}]{drain}}}",
                host / 65536,
                host / 250 % 250,
                host % 250 + 1,
                host % services
            );
        }
        text
    }

    fn document(old: &str, new: &str) -> String {
        let (old, new) = (model(old), model(new));
        let plan = plan(&old, &new, Rules::default());
        markdown(&plan, &old, &new, "old.yaml", "new.yaml")
    }

    /// The diagram's Mermaid text.
    fn diagram(text: &str) -> &str {
        let start = text.find("```mermaid").expect("a diagram");
        let length = text[start + 3..].find("```").expect("its end");
        &text[start..start + length + 6]
    }

    #[test]
    fn thousands_of_real_servers_are_grouped_in_the_diagram() {
        // 3,000 real servers added to 40 services of 1,000.
        let text = document(
            &cluster(40, 1000, usize::MAX),
            &cluster(40, 4000, usize::MAX),
        );
        assert!(text.starts_with(MARKER));
        let length = text.chars().count();
        assert!(length <= COMMENT_LIMIT, "{length} characters");
        assert!(
            text.contains("real servers, new, each:"),
            "same steps as one"
        );
        let diagram = diagram(&text);
        assert!(diagram.contains("unchanged real servers"), "{diagram}");
        assert!(diagram.contains("added real servers"), "{diagram}");
        assert!(diagram.contains("more services that change"), "{diagram}");
        assert!(diagram.len() < 20_000, "diagram of {} bytes", diagram.len());
        let edges = diagram
            .lines()
            .filter(|line| line.contains("--") || line.contains("==>"));
        assert!(edges.count() < 300);
    }

    #[test]
    fn a_plan_too_long_for_a_comment_is_cut_and_says_where_the_whole_is() {
        // 3,000 services, each with a real server of its own, added: every
        // step differs.
        let (old, new) = (cluster(20, 20, usize::MAX), cluster(3000, 3000, usize::MAX));
        let text = document(&old, &new);
        let length = text.chars().count();
        assert!(length <= COMMENT_LIMIT, "{length} characters");
        assert!(
            text.contains(
                "is cut here, to stay under the comment limit; `lvs-dr-gen plan \
                           old.yaml new.yaml` prints the whole plan"
            ),
            "{}",
            &text[text.len() - 600..]
        );
        assert!(text.contains("whose weight changes cut here"));
        assert!(!text.contains("- **web2999** (real server, new)"));
        assert!(
            text.contains("- **web20** (real server, new)"),
            "steps up to the cut"
        );
        assert!(diagram(&text).len() < 20_000);
    }

    #[test]
    fn a_small_plan_is_whole_and_lists_every_machine() {
        let old = cluster(2, 4, usize::MAX);
        let new = cluster(2, 5, 3);
        let text = document(&old, &new);
        assert!(!text.contains("cut here"), "{text}");
        for name in ["web3", "web4"] {
            assert!(
                text.contains(&format!("{name}<br/>")),
                "{name} drawn: {text}"
            );
        }
        assert!(text.contains("drained now"), "{text}");
        assert!(text.contains("added"), "{text}");
    }

    #[test]
    fn the_same_plan_gives_the_same_bytes() {
        let (old, new) = (cluster(5, 300, usize::MAX), cluster(5, 320, 290));
        assert_eq!(document(&old, &new), document(&old, &new));
    }

    #[test]
    fn nothing_to_do_is_one_line_after_the_title() {
        let old = cluster(1, 2, usize::MAX);
        let text = document(&old, &old);
        assert!(text.ends_with("**No machine changes.**\n"), "{text}");
        assert!(!text.contains("mermaid"));
    }
}
