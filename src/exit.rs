//! The exit statuses, in one place: their codes (diff(1)'s 0, 1 and 2, 3
//! for an unsafe rollout, 4 for a first rollout), what each command means by them, and the help
//! text that says so (`--help`, the man pages; the README's table matches
//! it, a test holds them together).

/// How a command ended, as its exit code tells scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// All well: written, valid, in sync, as the inventory says, safe.
    Success,
    /// Differences found: `check` out of sync, `verify`/`apply` drift,
    /// `diff` installed files that differ.
    Differences,
    /// Trouble: an invalid inventory, bad usage, an unreadable or unwritable
    /// file, a refused or failed `apply`.
    Trouble,
    /// `plan` found a change that would fail requests in one step.
    Unsafe,
    /// `deployed`: no machine has a deployed inventory, a first rollout.
    NothingDeployed,
}

impl ExitStatus {
    /// The exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Differences => 1,
            ExitStatus::Trouble => 2,
            ExitStatus::Unsafe => 3,
            ExitStatus::NothingDeployed => 4,
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status.code())
    }
}

/// Trouble, in every command's words.
const TROUBLE: &str = "the inventory is invalid, the usage is wrong, or a file could not be read \
                       or written";

/// Trouble, in the `site` commands' words.
const SITE_TROUBLE: &str = "the site file or an inventory is invalid, the usage is wrong, or a \
                            file could not be read or written";

/// The statuses a command ends with and what each means there, by the
/// command's name; the program's own (`lvs-dr-gen`) for the top level.
pub fn meanings(command: &str) -> Vec<(ExitStatus, &'static str)> {
    use ExitStatus::{Differences, NothingDeployed, Success, Trouble, Unsafe};
    if let Some(meanings) = site_meanings(command) {
        return meanings;
    }
    match command {
        "render" => vec![(Success, "the files are written"), (Trouble, TROUBLE)],
        "check" => vec![
            (
                Success,
                "the output directory is in sync with the inventory",
            ),
            (Differences, "a file would change"),
            (Trouble, TROUBLE),
        ],
        "diff" => vec![
            (Success, "the installed files are the rendered ones"),
            (Differences, "a file would change"),
            (Trouble, TROUBLE),
        ],
        "verify" => vec![
            (
                Success,
                "the machine is as the inventory says (real servers down included)",
            ),
            (Differences, "drift"),
            (Trouble, "the inventory or the live state cannot be read"),
        ],
        "apply" => vec![
            (Success, "the machine is as the inventory says afterwards"),
            (Differences, "verify still finds drift afterwards"),
            (Trouble, "apply refused or failed"),
        ],
        "plan" => vec![
            (Success, "the rollout is safe"),
            (Trouble, TROUBLE),
            (
                Unsafe,
                "a change would fail requests if rolled out in one step",
            ),
        ],
        "validate" => vec![
            (Success, "the inventory is valid (warnings included)"),
            (Trouble, TROUBLE),
        ],
        "import" => vec![
            (Success, "the import is complete"),
            (
                Differences,
                "the inventory is written but leaves out the parts listed",
            ),
            (
                Trouble,
                "nothing written: a configuration is unreadable, or the usage is wrong",
            ),
        ],
        "deployed" => vec![
            (Success, "the machines agree on the deployed inventory"),
            (Differences, "the machines disagree"),
            (
                Trouble,
                "a record cannot be read, is invalid, or --out cannot be written",
            ),
            (
                NothingDeployed,
                "no machine has a deployed inventory: a first rollout",
            ),
        ],
        "init" => vec![
            (Success, "the starter inventory is written"),
            (Trouble, "the file exists or cannot be written"),
        ],
        "agent" => vec![
            (Success, "never: it serves until it is stopped (SIGTERM)"),
            (
                Trouble,
                "no listening socket: neither one passed by systemd nor --listen",
            ),
        ],
        "schema" | "completions" => vec![(Success, "printed")],
        _ => {
            vec![
            (Success, "success (check: in sync; plan: safe)"),
            (
                Differences,
                "check, diff: differences; verify, apply: drift; deployed: the machines disagree",
            ),
            (Trouble, "invalid inventory, usage or I/O error, apply refused"),
            (Unsafe, "plan: a change is unsafe in one step"),
            (NothingDeployed, "deployed: nothing deployed yet, a first rollout"),
        ]
        }
    }
}

/// The statuses of the `site` commands (`site`, `site-validate`, ...), by
/// name; `None` for any other command.
fn site_meanings(command: &str) -> Option<Vec<(ExitStatus, &'static str)>> {
    use ExitStatus::{Differences, Success, Trouble, Unsafe};
    Some(match command {
        "site-validate" => vec![
            (Success, "every cluster is valid, alone and together"),
            (Trouble, SITE_TROUBLE),
        ],
        "site-render" => vec![
            (Success, "every cluster's files are written"),
            (Trouble, SITE_TROUBLE),
        ],
        "site-check" => vec![
            (Success, "every cluster's output folder is in sync"),
            (Differences, "a file of a cluster would change"),
            (Trouble, SITE_TROUBLE),
        ],
        "site-plan" => vec![
            (Success, "every cluster's rollout is safe"),
            (Trouble, SITE_TROUBLE),
            (
                Unsafe,
                "a cluster's change would fail requests if rolled out in one step",
            ),
        ],
        "site" => vec![
            (
                Success,
                "valid, written, in sync, or safe, in every cluster",
            ),
            (Differences, "check: a file of a cluster would change"),
            (Trouble, SITE_TROUBLE),
            (Unsafe, "plan: a cluster's change is unsafe in one step"),
        ],
        _ => return None,
    })
}

/// The "Exit status:" paragraph of `command`'s help.
pub fn help(command: &str) -> String {
    let lines: Vec<String> = meanings(command)
        .into_iter()
        .map(|(status, meaning)| format!("  {}  {meaning}", status.code()))
        .collect();
    format!("Exit status:\n{}", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_its_own_code() {
        let all = [
            ExitStatus::Success,
            ExitStatus::Differences,
            ExitStatus::Trouble,
            ExitStatus::Unsafe,
            ExitStatus::NothingDeployed,
        ];
        let codes: Vec<u8> = all.iter().map(|status| status.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn the_readme_lists_the_programs_statuses_as_the_help_does() {
        let readme = include_str!("../README.md");
        for (status, meaning) in meanings("lvs-dr-gen") {
            let row = format!("| {} | {meaning} |", status.code());
            assert!(readme.contains(&row), "README.md lacks the row {row}");
        }
    }

    #[test]
    fn the_programs_help_names_every_code() {
        let help = help("lvs-dr-gen");
        for code in ["  0  ", "  1  ", "  2  ", "  3  ", "  4  "] {
            assert!(help.contains(code), "{help}");
        }
    }
}
