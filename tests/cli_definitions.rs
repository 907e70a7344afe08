//! The command line's definitions as clap sees them: consistent, with
//! help texts lintian accepts, and every visible command's exit statuses.

use clap::CommandFactory;
use lvs_dr_gen::cli::Cli;
use lvs_dr_gen::commands::public_command;

#[test]
fn the_command_line_is_consistent() {
    Cli::command().debug_assert();
}

/// Every help text of the command line, its subcommands and arguments.
fn help_texts(command: &clap::Command, texts: &mut Vec<String>) {
    texts.extend(command.get_about().map(ToString::to_string));
    texts.extend(command.get_long_about().map(ToString::to_string));
    for argument in command.get_arguments() {
        texts.extend(argument.get_help().map(ToString::to_string));
        texts.extend(argument.get_long_help().map(ToString::to_string));
    }
    for subcommand in command.get_subcommands() {
        help_texts(subcommand, texts);
    }
}

/// Debian 12's lintian reads the strings of the binary run together: a
/// text that ends in "with" before one that starts with "The" is its
/// misspelling `withThe` (`spelling-error-in-binary`), and which texts
/// lie side by side is the linker's choice. So no help text ends in
/// "with" (clap drops the final period of a one-line help).
#[test]
fn no_help_text_ends_in_with() {
    let mut texts = Vec::new();
    help_texts(&Cli::command(), &mut texts);
    let ending: Vec<&String> = texts
        .iter()
        .filter(|text| text.trim_end().trim_end_matches('.').ends_with(" with"))
        .collect();
    assert!(ending.is_empty(), "help texts ending in `with`: {ending:?}");
    assert!(texts.len() > 50, "only {} help texts found", texts.len());
}

#[test]
fn every_visible_command_ends_its_long_help_with_its_exit_statuses() {
    let mut checked = 0;
    for command in public_command().get_subcommands() {
        // A command's own commands too (`site check`).
        let nested = command
            .get_subcommands()
            .filter(|nested| nested.get_name() != "help");
        for command in std::iter::once(command).chain(nested) {
            let help = command
                .get_after_long_help()
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(
                help.starts_with("Exit status:\n  0  "),
                "{}: {help}",
                command.get_name()
            );
            checked += 1;
        }
    }
    assert!(checked > 16, "only {checked} commands checked");
}
