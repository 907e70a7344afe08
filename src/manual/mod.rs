//! The manual: the man pages that `lvs-dr-gen manpages` writes, and the
//! Markdown twin of the inventory format's page (doc/inventory.md).
//!
//! A command's page is `clap_mangen`'s page of its clap definition, with an
//! EXAMPLES and a SEE ALSO section added before VERSION. The format page,
//! lvs-dr-gen-inventory(5), is generated from the inventory's JSON Schema
//! (`inventory`). Both are built here as a small document (sections of
//! paragraphs, key entries and examples) and turned into roff, through the
//! `roff` crate that escapes the text, or into Markdown. Nothing here writes
//! a file: `pages` returns them for `cli` to write.

mod inventory;
mod page;

use clap_mangen::roff::{bold, italic, roman, Inline, Roff};

pub use inventory::{inventory_page, INVENTORY_PAGE};
pub use page::{code, format_see_also, marked, text, Block, Page, Section, Span};
use page::{references, RELATED};

/// The program's name, which every page name starts with.
const PROGRAM: &str = "lvs-dr-gen";

/// Each man page: its file name and contents, for `lvs-dr-gen manpages`.
/// `command` is the command line as users see it (without hidden
/// subcommands); `version` goes into each page's title line.
pub fn pages(command: &clap::Command, version: &str) -> Vec<(String, String)> {
    let command = command.clone().disable_help_subcommand(true);
    let mut pages = vec![(
        format!("{PROGRAM}.1"),
        command_page(command.clone(), PROGRAM, &command),
    )];
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let sub = sub.clone().disable_help_subcommand(true);
        let name = format!("{PROGRAM}-{}", sub.get_name());
        let page = sub.clone().name(name.clone()).version(version.to_owned());
        pages.push((
            format!("{name}.1"),
            command_page(page, sub.get_name(), &command),
        ));
        // A command's own commands (`site validate`): a page each, named as
        // the command's page lists them (lvs-dr-gen-site-validate).
        for nested in sub.get_subcommands().filter(|nested| !nested.is_hide_set()) {
            let key = format!("{}-{}", sub.get_name(), nested.get_name());
            let name = format!("{PROGRAM}-{key}");
            let page = nested
                .clone()
                .name(name.clone())
                .version(version.to_owned());
            pages.push((format!("{name}.1"), command_page(page, &key, &command)));
        }
    }
    let inventory = inventory::inventory_page();
    pages.push((
        format!("{}.{}", inventory.name, inventory.section),
        to_roff(&inventory, version),
    ));
    pages
}

/// `clap_mangen`'s page of `command`, with EXIT STATUS, EXAMPLES and SEE
/// ALSO before its VERSION section (which say what the help's closing
/// lines say); `key` is the subcommand's name (or the program's).
fn command_page(command: clap::Command, key: &str, program: &clap::Command) -> String {
    let command = command
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .expect("rendering into memory cannot fail");
    let page = String::from_utf8(page).expect("clap_mangen writes UTF-8");
    let extra = roff_sections(&[
        exit_status_section(key),
        examples_section(key),
        see_also_section(key, program),
    ]);
    match page.find("\n.SH VERSION\n") {
        Some(at) => format!("{}\n{extra}{}", &page[..at], &page[at + 1..]),
        None => format!("{page}{extra}"),
    }
}

/// Each command's examples: the subcommand (or the program's name), what
/// the example does, and the command line.
const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        PROGRAM,
        "Check the inventory, then write each host's and director's files below out/:",
        "lvs-dr-gen validate inventory.yaml\nlvs-dr-gen render inventory.yaml --out out/",
    ),
    (
        PROGRAM,
        "In CI, fail when the committed out/ differs from what the inventory gives:",
        "lvs-dr-gen check inventory.yaml --out out/",
    ),
    (
        PROGRAM,
        "On a real server or director, compare the machine with the inventory:",
        "lvs-dr-gen verify /etc/lvs-dr/inventory.yaml",
    ),
    (
        "render",
        "Write the files of every host and director below out/:",
        "lvs-dr-gen render inventory.yaml --out out/",
    ),
    (
        "render",
        "Only web01's files, leaving the others' alone:",
        "lvs-dr-gen render inventory.yaml --out out/ --host web01",
    ),
    (
        "render",
        "With local copies of some templates (the others are built in):",
        "lvs-dr-gen render inventory.yaml --out out/ --templates templates/",
    ),
    (
        "check",
        "Show as a diff what render would change; exit 1 if anything would:",
        "lvs-dr-gen check inventory.yaml --out out/",
    ),
    (
        "check",
        "The same for CI, one JSON object per problem or file out of sync:",
        "lvs-dr-gen check inventory.yaml --out out/ --format json",
    ),
    (
        "validate",
        "Check an inventory and report every problem with its location:",
        "lvs-dr-gen validate inventory.yaml",
    ),
    (
        "validate",
        "The shipped example:",
        "lvs-dr-gen validate /usr/share/doc/lvs-dr-gen/examples/inventory.yaml",
    ),
    (
        "validate",
        "For CI annotations, one JSON object per problem on standard output:",
        "lvs-dr-gen validate inventory.yaml --format json",
    ),
    (
        "verify",
        "On a real server or director named as in the inventory:",
        "lvs-dr-gen verify /etc/lvs-dr/inventory.yaml",
    ),
    (
        "verify",
        "On the director lb01, also asking which machines answer ARP for the VIPs \
                 (as root):",
        "lvs-dr-gen verify /etc/lvs-dr/inventory.yaml --host lb01 --arp",
    ),
    (
        "verify",
        "For node_exporter's textfile collector, written to a temp file and renamed:",
        "lvs-dr-gen verify /etc/lvs-dr/inventory.yaml --format prometheus \\\n    \
                 >/var/lib/prometheus/node-exporter/lvs-dr.prom.tmp &&\n\
                 mv /var/lib/prometheus/node-exporter/lvs-dr.prom.tmp \\\n    \
                 /var/lib/prometheus/node-exporter/lvs-dr.prom",
    ),
    (
        "verify",
        "Record web01's live state, and compare it later, elsewhere:",
        "lvs-dr-gen verify inventory.yaml --print-state >web01.json\n\
                 lvs-dr-gen verify inventory.yaml --state web01.json",
    ),
    (
        "apply",
        "As root on a real server or director, once config management installed its \
                 files: bring it to them, then verify:",
        "lvs-dr-gen apply /etc/lvs-dr/inventory.yaml",
    ),
    (
        "apply",
        "Only print what it would do (needs no root):",
        "lvs-dr-gen apply /etc/lvs-dr/inventory.yaml --dry-run",
    ),
    (
        "apply",
        "A director whose keepalived runs in a network namespace with its own pid file:",
        "ip netns exec lb1 lvs-dr-gen apply inventory.yaml --host lb1 \\\n    \
                 --keepalived-pid /run/keepalived-lb1.pid",
    ),
    (
        "init",
        "Write a commented starter inventory to inventory.yaml (never over a file):",
        "lvs-dr-gen init",
    ),
    ("init", "Print it instead:", "lvs-dr-gen init -"),
    (
        "plan",
        "The rollout of a merge request's inventory over the one on main:",
        "git show main:lvs/inventory.yaml >/tmp/old.yaml\n\
                 lvs-dr-gen plan /tmp/old.yaml lvs/inventory.yaml",
    ),
    (
        "plan",
        "The same for automation, one JSON document (exit 3: a change is unsafe):",
        "lvs-dr-gen plan /tmp/old.yaml lvs/inventory.yaml --format json",
    ),
    (
        "plan",
        "One Markdown document with a diagram, for a merge request comment:",
        "lvs-dr-gen plan /tmp/old.yaml lvs/inventory.yaml --format markdown >plan.md",
    ),
    (
        "deployed",
        "The deployed inventory from the records fetched into deployed/MACHINE/inventory.yaml, \
         then the plan from it (exit 4: nothing deployed yet; 1: the machines disagree):",
        "lvs-dr-gen deployed deployed/ --out /tmp/old.yaml\n\
         lvs-dr-gen plan /tmp/old.yaml lvs/inventory.yaml",
    ),
    (
        "deployed",
        "Fetching the records with ssh (an empty file: the machine has none):",
        "for m in lb1 lb2 web1 web2; do mkdir -p deployed/$m; ssh $m \\\n\
         'cat /var/lib/lvs-dr-gen/inventory.yaml 2>/dev/null; true' >deployed/$m/inventory.yaml; done",
    ),
    (
        "diff",
        "On a real server set up by hand, before its files are replaced (read-only):",
        "lvs-dr-gen diff inventory.yaml --host webserver01",
    ),
    (
        "diff",
        "Against a copy of a machine's files below another root:",
        "lvs-dr-gen diff inventory.yaml --host lb01 --root /srv/backup/lb01",
    ),
    (
        "import",
        "On the director lb1, with a copy of lb2's files below copies/lb2 (exit 1: the report \
                 lists what the inventory leaves out):",
        "lvs-dr-gen import --director lb1=/ --director lb2=copies/lb2 \\\n    \
                 --address lb1=192.0.2.2 --address lb2=192.0.2.3 -o inventory.yaml",
    ),
    (
        "import",
        "A real server with an IPv4 and an IPv6 address, and the body of the health page that \
                 keepalived checks by its MD5 digest:",
        "lvs-dr-gen import --director lb1=/ --address web01=192.0.2.11,2001:db8::11 \\\n    \
                 --address lb1=192.0.2.2,2001:db8::2 --expect running",
    ),
    (
        "agent",
        "By hand on a real server, to try it, then asked as a director asks it (systemd starts \
                 it from lvs-dr-gen-agent.socket otherwise):",
        "lvs-dr-gen agent --listen 192.0.2.11:9180 &\n\
         curl -i http://192.0.2.11:9180/vip/198.51.100.1",
    ),
    (
        "schema",
        "Save the schema for an editor or a CI step:",
        "lvs-dr-gen schema >inventory.schema.json",
    ),
    (
        "schema",
        "With the package installed, yaml-language-server (as used by editors) finds \
                 the installed schema through this first line of the inventory:",
        "# yaml-language-server: $schema=/usr/share/lvs-dr-gen/inventory.schema.json",
    ),
    (
        "completions",
        "For bash, for the current user (the Debian package installs all three):",
        "lvs-dr-gen completions bash \\\n    \
                 >~/.local/share/bash-completion/completions/lvs-dr-gen",
    ),
    (
        "completions",
        "For zsh, into a directory on $fpath:",
        "lvs-dr-gen completions zsh >~/.zfunc/_lvs-dr-gen",
    ),
    (
        "completions",
        "For fish:",
        "lvs-dr-gen completions fish >~/.config/fish/completions/lvs-dr-gen.fish",
    ),
    (
        PROGRAM,
        "In CI, a site of several clusters in one command: every problem of every inventory \
         (and across them) on its file and line, and every cluster's folder in sync:",
        "lvs-dr-gen site check lvs/site.yaml",
    ),
    (
        "site",
        "A site file, lvs/site.yaml, listing three clusters (paths relative to its folder):",
        "version: 1\nclusters:\n  \
         east: {inventory: east/inventory.yaml, out: east/rendered}\n  \
         west: {inventory: west/inventory.yaml, out: west/rendered}\n  \
         mail: {inventory: mail/inventory.yaml, out: mail/rendered}",
    ),
    (
        "site",
        "Check it in CI: every cluster valid, alone and together, and in sync:",
        "lvs-dr-gen site check lvs/site.yaml",
    ),
    (
        "site-validate",
        "Check every cluster's inventory and the clusters together:",
        "lvs-dr-gen site validate lvs/site.yaml",
    ),
    (
        "site-validate",
        "For CI annotations, one JSON object per problem, each with its file and line:",
        "lvs-dr-gen site validate lvs/site.yaml --format json | jq -r -f contrib/ci/github.jq",
    ),
    (
        "site-render",
        "Write every cluster's files below its own output folder (nothing when any file has a \
         problem):",
        "lvs-dr-gen site render lvs/site.yaml",
    ),
    (
        "site-check",
        "The drift check of a site for CI; exit 1 if any cluster's folder would change:",
        "lvs-dr-gen site check lvs/site.yaml",
    ),
    (
        "site-check",
        "The same as JSON lines for the CI annotations of contrib/ci:",
        "lvs-dr-gen site check lvs/site.yaml --format json",
    ),
    (
        "site-plan",
        "The rollout of a merge request's site over the one on main, every cluster's \
         inventory taken from main's folder:",
        "mkdir -p /tmp/main && git archive main lvs | tar -x -C /tmp/main\n\
         lvs-dr-gen site plan /tmp/main/lvs/site.yaml lvs/site.yaml",
    ),
    (
        "site-plan",
        "One Markdown document for the merge request's comment (exit 3: a change is unsafe):",
        "lvs-dr-gen site plan /tmp/main/lvs/site.yaml lvs/site.yaml --format markdown >plan.md",
    ),
    (
        "manpages",
        "Write the man pages, as the Debian package's build does:",
        "lvs-dr-gen manpages --out man/",
    ),
];

/// A command's examples: what each does, then the command line.
pub fn examples(key: &str) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    EXAMPLES
        .iter()
        .filter(move |(command, _, _)| *command == key)
        .map(|(_, what, command)| (*what, *command))
}

/// The EXIT STATUS section of a command's page, from `exit`.
fn exit_status_section(key: &str) -> Section {
    let blocks = crate::exit::meanings(key)
        .into_iter()
        .map(|(status, meaning)| Block::Entry {
            term: vec![code(status.code().to_string())],
            body: vec![vec![text(meaning)]],
        })
        .collect();
    Section {
        title: "EXIT STATUS",
        blocks,
    }
}

/// The EXAMPLES section of a command's page.
fn examples_section(key: &str) -> Section {
    let blocks = examples(key)
        .flat_map(|(what, command)| {
            [
                Block::Paragraph(vec![text(what)]),
                Block::Example {
                    language: "sh",
                    text: format!("{command}\n"),
                },
            ]
        })
        .collect();
    Section {
        title: "EXAMPLES",
        blocks,
    }
}

/// The SEE ALSO section of a command's page: the program's other pages,
/// the format page, and the pages of what the output configures.
fn see_also_section(key: &str, program: &clap::Command) -> Section {
    let own = std::iter::once(PROGRAM.to_owned()).chain(
        program
            .get_subcommands()
            .filter(|sub| !sub.is_hide_set())
            .map(|sub| format!("{PROGRAM}-{}", sub.get_name())),
    );
    let this = if key == PROGRAM {
        PROGRAM.to_owned()
    } else {
        format!("{PROGRAM}-{key}")
    };
    let mut pages: Vec<(String, &'static str)> = own
        .filter(|page| *page != this)
        .map(|page| (page, "1"))
        .collect();
    pages.push((INVENTORY_PAGE.to_owned(), "5"));
    pages.extend(
        RELATED
            .iter()
            .map(|(name, section)| ((*name).to_owned(), *section)),
    );
    Section {
        title: "SEE ALSO",
        blocks: vec![Block::Paragraph(references(&pages))],
    }
}

/// Marks where roff may break a pattern; replaced by `\:` after the
/// `roff` crate has escaped the text (it would escape a backslash).
const BREAK_MARK: char = '\u{200b}';

/// A pattern with break marks after each `|` and before each `(`.
fn breakable(pattern: &str) -> String {
    let mut marked = String::with_capacity(pattern.len() * 2);
    for character in pattern.chars() {
        if character == '(' && !marked.is_empty() {
            marked.push(BREAK_MARK);
        }
        marked.push(character);
        if character == '|' {
            marked.push(BREAK_MARK);
        }
    }
    marked
}

/// A paragraph's spans as roff inlines: literals bold, types italic.
fn roff_inlines(spans: &[Span]) -> Vec<Inline> {
    let mut inlines = Vec::with_capacity(spans.len());
    for span in spans {
        match span {
            Span::Text(text) => inlines.push(roman(text.as_str())),
            Span::Code(text) => inlines.push(bold(text.as_str())),
            Span::Pattern(text) => inlines.push(bold(breakable(text))),
            Span::Type(text) => inlines.push(italic(text.as_str())),
            Span::Page(name, section) => {
                inlines.push(bold(name.as_str()));
                inlines.push(roman(format!("({section})")));
            }
        }
    }
    inlines
}

/// Appends the sections to `roff`. A paragraph right after a heading needs
/// no `.PP` (mandoc calls one superfluous), but one after another block
/// does.
fn add_sections(roff: &mut Roff, sections: &[Section]) {
    for section in sections {
        roff.control("SH", [section.title]);
        let mut after_heading = true;
        for block in &section.blocks {
            match block {
                Block::Paragraph(spans) => {
                    if !after_heading {
                        roff.control("PP", []);
                    }
                    roff.text(roff_inlines(spans));
                }
                Block::Heading(title) => {
                    roff.control("SS", [title.as_str()]);
                    after_heading = true;
                    continue;
                }
                Block::Entry { term, body } => {
                    roff.control("TP", []);
                    roff.text(roff_inlines(term));
                    for (index, paragraph) in body.iter().enumerate() {
                        if index > 0 {
                            roff.control("IP", []);
                        }
                        roff.text(roff_inlines(paragraph));
                    }
                }
                Block::Example { text, .. } => {
                    if !after_heading {
                        roff.control("PP", []);
                    }
                    roff.control("RS", ["4"]);
                    roff.control("EX", []);
                    for line in text.lines() {
                        roff.text([roman(line)]);
                    }
                    roff.control("EE", []);
                    roff.control("RE", []);
                }
            }
            after_heading = false;
        }
    }
}

/// Roff source of the sections alone, to append to a page that defines
/// the apostrophe string already (the `roff` crate's preamble). They are
/// set left-aligned and without hyphenation, as page names and commands
/// are not words to stretch or split.
fn roff_sections(sections: &[Section]) -> String {
    let mut roff = Roff::new();
    roff.control("ad", ["l"]);
    roff.control("nh", []);
    add_sections(&mut roff, sections);
    strip_preamble(&roff.render())
}

/// The roff text without the preamble that every `Roff::render` starts with.
fn strip_preamble(rendered: &str) -> String {
    let preamble = Roff::new().render();
    let body = rendered.strip_prefix(preamble.as_str()).unwrap_or(rendered);
    body.replace(BREAK_MARK, "\\:")
}

/// The whole page in roff, with `version` in its title line.
pub fn to_roff(page: &Page, version: &str) -> String {
    let mut roff = Roff::new();
    let source = format!("{PROGRAM} {version}");
    roff.control("TH", [page.name, page.section, "\"\"", source.as_str()]);
    // Left-aligned, without hyphenation, as DocBook's pages are: a line
    // broken inside a pattern cannot be justified, and keys are not words.
    roff.control("ad", ["l"]);
    roff.control("nh", []);
    roff.control("SH", ["NAME"]);
    roff.text([roman(format!("{} - {}", page.name, page.summary))]);
    add_sections(&mut roff, &page.sections);
    roff.render().replace(BREAK_MARK, "\\:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_mark_literals() {
        assert_eq!(
            marked("Overrides `defaults.style`."),
            [text("Overrides "), code("defaults.style"), text(".")]
        );
    }

    #[test]
    fn every_command_has_examples() {
        use clap::CommandFactory;
        let command = crate::cli::Cli::command();
        let mut names = vec![PROGRAM.to_owned()];
        for sub in command.get_subcommands() {
            names.push(sub.get_name().to_owned());
            for nested in sub
                .get_subcommands()
                .filter(|nested| nested.get_name() != "help")
            {
                names.push(format!("{}-{}", sub.get_name(), nested.get_name()));
            }
        }
        assert!(names.contains(&"site-plan".to_owned()), "{names:?}");
        for name in &names {
            assert!(examples(name).next().is_some(), "no examples for {name}");
        }
    }

    #[test]
    fn patterns_may_break_after_alternatives() {
        assert_eq!(breakable("^(a|b)$"), "^\u{200b}(a|\u{200b}b)$");
    }
}
