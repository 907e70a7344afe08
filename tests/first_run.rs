//! A new user's first ten minutes: `init`, the help that points to the
//! format page, check's colours, and the messages of the rough edges they
//! met, each pinned.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use crate::support::{run_in, text, BINARY, INVENTORY};

/// Runs the binary in `dir`; returns (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = run_in(dir, args);
    (
        output.status.code().expect("exit code"),
        text(&output.stdout),
        text(&output.stderr),
    )
}

#[test]
fn init_writes_a_commented_starter_that_validates_and_renders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, stdout, stderr) = run(dir.path(), &["init"]);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            0,
            "inventory.yaml: starter inventory written; edit it, then run \
             `lvs-dr-gen validate inventory.yaml`\n",
            ""
        )
    );
    let starter = fs::read_to_string(dir.path().join("inventory.yaml")).expect("written");
    let (_, printed, _) = run(dir.path(), &["init", "-"]);
    assert_eq!(printed, starter, "`init -` prints the same text");
    for pointer in [
        "man 5 lvs-dr-gen-inventory",
        "doc/inventory.md",
        "/usr/share/doc/lvs-dr-gen/examples/inventory.yaml",
    ] {
        assert!(starter.contains(pointer), "the starter names {pointer}");
    }
    assert_eq!(
        run(dir.path(), &["validate", "inventory.yaml"]),
        (
            0,
            "inventory.yaml: valid (2 hosts, 2 directors, 1 service)\n".into(),
            String::new()
        )
    );
    let (code, _, stderr) = run(dir.path(), &["render", "inventory.yaml", "--out", "out"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let mode = fs::metadata(dir.path().join("inventory.yaml"))
        .expect("metadata")
        .permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o644
    );
}

#[test]
fn the_starter_uses_documentation_addresses_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, starter, _) = run(dir.path(), &["init", "-"]);
    let addresses: Vec<std::net::IpAddr> = starter
        .split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
        .filter_map(|word| word.trim_matches(|c| c == ':' || c == '.').parse().ok())
        .collect();
    assert!(addresses.len() >= 10, "{addresses:?}");
    for address in addresses {
        let documentation = match address {
            std::net::IpAddr::V4(v4) => {
                let [a, b, c, _] = v4.octets();
                [(192, 0, 2), (198, 51, 100), (203, 0, 113)].contains(&(a, b, c))
            }
            std::net::IpAddr::V6(v6) => v6.segments()[..2] == [0x2001, 0xdb8],
        };
        assert!(documentation, "{address} is not a documentation address");
    }
}

#[test]
fn init_never_overwrites_and_never_follows_a_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("mine.yaml"), "my own\n").expect("write");
    let (code, stdout, stderr) = run(dir.path(), &["init", "mine.yaml"]);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            2,
            "",
            "error: mine.yaml exists, and init never overwrites a file: name another file, \
             or `-` for standard output\n"
        )
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("mine.yaml")).expect("kept"),
        "my own\n"
    );
    symlink("elsewhere.yaml", dir.path().join("link.yaml")).expect("symlink");
    let (code, _, stderr) = run(dir.path(), &["init", "link.yaml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!dir.path().join("elsewhere.yaml").exists(), "link followed");
    let (code, _, stderr) = run(dir.path(), &["init", "missing/inventory.yaml"]);
    assert_eq!(
        (code, stderr.as_str()),
        (
            2,
            "error: cannot write missing/inventory.yaml: its directory does not exist; create \
             it first\n"
        )
    );
    let names: Vec<_> = fs::read_dir(dir.path())
        .expect("list")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temp file left: {names:?}");
}

#[test]
fn help_points_to_the_format_page_the_starter_and_the_example() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["--help"][..],
        &["-h"],
        &["render", "--help"],
        &["check", "--help"],
        &["validate", "--help"],
        &["diff", "--help"],
    ] {
        let (code, stdout, _) = run(dir.path(), args);
        assert_eq!(code, 0);
        for pointer in [
            "man 5 lvs-dr-gen-inventory",
            "lvs-dr-gen init",
            "/usr/share/doc/lvs-dr-gen/examples/inventory.yaml",
        ] {
            assert!(
                stdout.contains(pointer),
                "{args:?} lacks {pointer}:\n{stdout}"
            );
        }
    }
}

#[test]
fn each_command_s_help_says_only_what_applies_to_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, validate, _) = run(dir.path(), &["validate", "--help"]);
    let (_, render, _) = run(dir.path(), &["render", "--help"]);
    let (_, check, _) = run(dir.path(), &["check", "--help"]);
    for help in [&validate, &render] {
        assert!(!help.contains("check"), "{help}");
        assert!(!help.contains("out of sync"), "{help}");
        assert!(!help.contains("--color"), "{help}");
    }
    assert!(check.contains("and one per file out of sync"), "{check}");
    assert!(check.contains("--color <WHEN>"), "{check}");
}

#[test]
fn completions_are_offered_for_the_shells_the_package_ships() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, help, _) = run(dir.path(), &["completions", "--help"]);
    assert!(help.contains("bash") && help.contains("zsh") && help.contains("fish"));
    assert!(
        !help.contains("elvish") && !help.contains("powershell"),
        "{help}"
    );
    let (code, stdout, stderr) = run(dir.path(), &["completions", "elvish"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with(
            "error: invalid value 'elvish' for '<SHELL>'\n  [possible values: bash, zsh, fish]\n"
        ),
        "{stderr}"
    );
}

#[test]
fn an_out_that_is_a_file_is_named_with_the_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("inventory.yaml"), INVENTORY).expect("write");
    fs::write(dir.path().join("afile"), "").expect("write");
    for command in ["render", "check"] {
        let (code, stdout, stderr) =
            run(dir.path(), &[command, "inventory.yaml", "--out", "afile"]);
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (
                2,
                "",
                "error: --out afile: not a directory; give a directory (it is created if \
                 missing)\n"
            ),
            "{command}"
        );
    }
    let (code, stdout, _) = run(
        dir.path(),
        &[
            "render",
            "inventory.yaml",
            "--out",
            "afile",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        stdout,
        "{\"code\":\"output-io\",\"column\":null,\"file\":\"afile\",\"line\":null,\
         \"message\":\"not a directory; give a directory (it is created if missing)\",\
         \"path\":null,\"related\":null,\"severity\":\"error\"}\n"
    );
}

/// A rendered output with one file changed by hand: `check` shows a diff.
fn drifted() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("inventory.yaml"), INVENTORY).expect("write");
    assert_eq!(
        run(dir.path(), &["render", "inventory.yaml", "--out", "out"]).0,
        0
    );
    let sysctl = dir.path().join("out/web01/etc/sysctl.d/60-lvs-dr.conf");
    let text = fs::read_to_string(&sysctl).expect("read");
    fs::write(
        &sysctl,
        text.replace("arp_announce = 2", "arp_announce = 1"),
    )
    .expect("write");
    dir
}

/// `check`'s stdout with `args` added and `no_color` as `NO_COLOR`.
fn check_output(dir: &Path, args: &[&str], no_color: Option<&str>) -> String {
    let mut command = Command::new(BINARY);
    command
        .args(["check", "inventory.yaml", "--out", "out"])
        .args(args)
        .current_dir(dir);
    match no_color {
        Some(value) => command.env("NO_COLOR", value),
        None => command.env_remove("NO_COLOR"),
    };
    let output = command.output().expect("runs");
    assert_eq!(output.status.code(), Some(1));
    text(&output.stdout)
}

#[test]
fn check_colours_its_diff_as_git_does_when_asked() {
    let dir = drifted();
    let plain = check_output(dir.path(), &[], None);
    assert!(!plain.contains('\x1b'), "auto: stdout is no terminal here");
    assert_eq!(check_output(dir.path(), &["--color", "never"], None), plain);
    let painted = check_output(dir.path(), &["--color", "always"], None);
    assert_eq!(
        check_output(dir.path(), &["--color", "always"], Some("1")),
        painted,
        "--color always wins over NO_COLOR"
    );
    let expected = "\x1b[1m--- a/web01/etc/sysctl.d/60-lvs-dr.conf\x1b[m\n\
        \x1b[1m+++ b/web01/etc/sysctl.d/60-lvs-dr.conf\x1b[m\n\
        \x1b[36m@@ -7,6 +7,6 @@\x1b[m\n";
    assert!(painted.starts_with(expected), "{painted:?}");
    assert!(
        painted.contains(
            "\x1b[31m-net.ipv4.conf.all.arp_announce = 1\x1b[m\n\
             \x1b[32m+net.ipv4.conf.all.arp_announce = 2\x1b[m\n"
        ),
        "{painted:?}"
    );
    let unpainted: String = painted
        .replace("\x1b[1m", "")
        .replace("\x1b[36m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[m", "");
    assert_eq!(unpainted, plain, "colours only, the same text");
}
