//! A new user's first ten minutes: `init`, the help that points to the
//! format page, check's colours, and the messages of the rough edges they
//! met, each pinned.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use crate::support::{lvs_dr_gen, INVENTORY};

#[test]
fn init_writes_a_commented_starter_that_validates_and_renders() {
    let dir = tempfile::tempdir().expect("temp dir");
    lvs_dr_gen(["init"])
        .dir(dir.path())
        .stdout(
            "inventory.yaml: starter inventory written; edit it, then run \
             `lvs-dr-gen validate inventory.yaml`\n",
        )
        .stderr("")
        .run();
    let starter = fs::read_to_string(dir.path().join("inventory.yaml")).expect("written");
    // `init -` prints the same text.
    lvs_dr_gen(["init", "-"])
        .dir(dir.path())
        .stdout(&starter)
        .run();
    for pointer in [
        "man 5 lvs-dr-gen-inventory",
        "doc/inventory.md",
        "/usr/share/doc/lvs-dr-gen/examples/inventory.yaml",
    ] {
        assert!(starter.contains(pointer), "the starter names {pointer}");
    }
    lvs_dr_gen(["validate", "inventory.yaml"])
        .dir(dir.path())
        .stdout("inventory.yaml: valid (2 hosts, 2 directors, 1 service)\n")
        .stderr("")
        .run();
    lvs_dr_gen(["render", "inventory.yaml", "--out", "out"])
        .dir(dir.path())
        .stderr("")
        .run();
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
    let starter = lvs_dr_gen(["init", "-"]).dir(dir.path()).output().stdout;
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
    lvs_dr_gen(["init", "mine.yaml"])
        .dir(dir.path())
        .status(2)
        .stdout("")
        .stderr(
            "error: mine.yaml exists, and init never overwrites a file: name another file, \
             or `-` for standard output\n",
        )
        .run();
    assert_eq!(
        fs::read_to_string(dir.path().join("mine.yaml")).expect("kept"),
        "my own\n"
    );
    symlink("elsewhere.yaml", dir.path().join("link.yaml")).expect("symlink");
    lvs_dr_gen(["init", "link.yaml"])
        .dir(dir.path())
        .status(2)
        .run();
    assert!(!dir.path().join("elsewhere.yaml").exists(), "link followed");
    lvs_dr_gen(["init", "missing/inventory.yaml"])
        .dir(dir.path())
        .status(2)
        .stderr(
            "error: cannot write missing/inventory.yaml: its directory does not exist; create \
             it first\n",
        )
        .run();
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
        let stdout = lvs_dr_gen(args).dir(dir.path()).run().stdout;
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
    let help = |command| {
        lvs_dr_gen([command, "--help"])
            .dir(dir.path())
            .output()
            .stdout
    };
    let (validate, render, check) = (help("validate"), help("render"), help("check"));
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
    let help = lvs_dr_gen(["completions", "--help"])
        .dir(dir.path())
        .output()
        .stdout;
    assert!(help.contains("bash") && help.contains("zsh") && help.contains("fish"));
    assert!(
        !help.contains("elvish") && !help.contains("powershell"),
        "{help}"
    );
    let stderr = lvs_dr_gen(["completions", "elvish"])
        .dir(dir.path())
        .status(2)
        .stdout("")
        .run()
        .stderr;
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
        lvs_dr_gen([command, "inventory.yaml", "--out", "afile"])
            .dir(dir.path())
            .status(2)
            .stdout("")
            .stderr(
                "error: --out afile: not a directory; give a directory (it is created if \
                 missing)\n",
            )
            .run();
    }
    lvs_dr_gen([
        "render",
        "inventory.yaml",
        "--out",
        "afile",
        "--format",
        "json",
    ])
    .dir(dir.path())
    .status(2)
    .stdout(
        "{\"code\":\"output-io\",\"column\":null,\"file\":\"afile\",\"line\":null,\
         \"message\":\"not a directory; give a directory (it is created if missing)\",\
         \"path\":null,\"related\":null,\"severity\":\"error\"}\n",
    )
    .run();
}

/// A rendered output with one file changed by hand: `check` shows a diff.
fn drifted() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("inventory.yaml"), INVENTORY).expect("write");
    lvs_dr_gen(["render", "inventory.yaml", "--out", "out"])
        .dir(dir.path())
        .run();
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
    let check = lvs_dr_gen(["check", "inventory.yaml", "--out", "out"])
        .args(args)
        .dir(dir)
        .status(1);
    let check = match no_color {
        Some(value) => check.env("NO_COLOR", value),
        None => check.env_remove("NO_COLOR"),
    };
    check.run().stdout
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
