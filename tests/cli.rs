//! The commands' behaviour on a real output directory.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::support::{read_tree, run_in, text, INVENTORY};

/// A temp directory with `inventory.yaml`; output goes to `out/` in it.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new(inventory: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("inventory.yaml"), inventory).expect("write inventory");
        Workspace { dir }
    }

    fn path(&self, relative: &str) -> std::path::PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, contents: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, contents).expect("write");
    }

    /// Runs the binary; returns (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = run_in(self.dir.path(), args);
        (
            output.status.code().expect("exit code"),
            text(&output.stdout),
            text(&output.stderr),
        )
    }

    fn render(&self) -> (i32, String, String) {
        self.run(&["render", "inventory.yaml", "--out", "out"])
    }

    /// Renders with `--templates DIR`.
    fn render_with_templates(&self, dir: &str) -> (i32, String, String) {
        self.run(&[
            "render",
            "inventory.yaml",
            "--out",
            "out",
            "--templates",
            dir,
        ])
    }

    fn check(&self) -> (i32, String, String) {
        self.run(&["check", "inventory.yaml", "--out", "out"])
    }
}

fn modified(path: &Path) -> SystemTime {
    fs::metadata(path)
        .and_then(|meta| meta.modified())
        .expect("mtime")
}

#[test]
fn render_writes_each_host_and_a_second_run_writes_nothing() {
    let work = Workspace::new(INVENTORY);
    assert_eq!(
        work.render(),
        (
            0,
            "2 hosts: 5 files written, 0 unchanged, 0 removed\n".into(),
            String::new()
        )
    );
    let sysctl = work.path("out/web01/etc/sysctl.d/60-lvs-dr.conf");
    let before = modified(&sysctl);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        work.render(),
        (
            0,
            "2 hosts: 0 files written, 5 unchanged, 0 removed\n".into(),
            String::new()
        )
    );
    assert_eq!(
        modified(&sysctl),
        before,
        "an unchanged file keeps its mtime"
    );
    let manifest = fs::read_to_string(work.path("out/.lvs-dr-gen-manifest")).expect("manifest");
    assert_eq!(
        manifest
            .lines()
            .filter(|line| !line.starts_with('#'))
            .collect::<Vec<_>>(),
        [
            "web01/etc/modules-load.d/lvs-dr.conf",
            "web01/etc/network/interfaces.d/lvs-dr",
            "web01/etc/sysctl.d/60-lvs-dr.conf",
            "web02/etc/network/interfaces.d/lvs-dr",
            "web02/etc/sysctl.d/60-lvs-dr.conf",
        ]
    );
}

#[test]
fn output_is_the_same_bytes_every_run_and_from_any_directory() {
    let work = Workspace::new(INVENTORY);
    work.render();
    let first = read_tree(&work.path("out"), &[]);
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let inventory = work.path("inventory.yaml");
    let output = run_in(
        elsewhere.path(),
        &["render", inventory.to_str().unwrap(), "--out", "again"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(read_tree(&elsewhere.path().join("again"), &[]), first);
}

#[test]
fn a_removed_host_and_a_mode_change_are_pruned() {
    let work = Workspace::new(INVENTORY);
    work.render();
    let without_web02 = INVENTORY.split("  web02:").next().unwrap();
    let now_loopback = without_web02.replace(
        "    services: [www]\n",
        "    services: [www]\n    interface: lo\n",
    );
    work.write("inventory.yaml", &now_loopback);
    assert_eq!(
        work.render(),
        (
            0,
            "1 host: 2 files written, 0 unchanged, 3 removed\n".into(),
            String::new()
        )
    );
    let files: Vec<String> = read_tree(&work.path("out"), &[".lvs-dr-gen-manifest"])
        .keys()
        .map(|path| path.display().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "web01/etc/network/interfaces.d/lvs-dr",
            "web01/etc/sysctl.d/60-lvs-dr.conf"
        ]
    );
    assert!(
        !work.path("out/web02").exists(),
        "the removed host's folder is gone"
    );
    assert!(!work.path("out/web01/etc/modules-load.d").exists());
}

#[test]
fn a_file_it_did_not_write_is_never_overwritten() {
    let work = Workspace::new(INVENTORY);
    work.write("out/web01/etc/sysctl.d/60-lvs-dr.conf", "# mine\n");
    let (code, stdout, stderr) = work.render();
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        "error: in out: this file is not written by lvs-dr-gen (not in .lvs-dr-gen-manifest); \
         move it away or choose another output directory:\n  web01/etc/sysctl.d/60-lvs-dr.conf\n"
    );
    assert_eq!(
        read_tree(&work.path("out"), &[]).len(),
        1,
        "nothing else was written, not even a manifest"
    );
    assert_eq!(
        fs::read_to_string(work.path("out/web01/etc/sysctl.d/60-lvs-dr.conf")).unwrap(),
        "# mine\n"
    );
}

#[test]
fn files_next_to_the_output_are_left_alone_when_pruning() {
    let work = Workspace::new(INVENTORY);
    work.render();
    work.write("out/web02/etc/hosts", "127.0.0.1 localhost\n");
    let only_web01 = INVENTORY.split("  web02:").next().unwrap().to_owned();
    work.write("inventory.yaml", &only_web01);
    assert_eq!(work.render().0, 0);
    assert_eq!(
        fs::read_to_string(work.path("out/web02/etc/hosts")).unwrap(),
        "127.0.0.1 localhost\n"
    );
}

#[test]
fn check_reports_drift_as_a_diff_with_exit_1_and_sync_with_exit_0() {
    let work = Workspace::new(INVENTORY);
    let (code, stdout, stderr) = work.check();
    assert_eq!(code, 1, "nothing rendered yet: {stderr}");
    assert!(
        stdout.contains("--- /dev/null\n+++ b/web01/etc/sysctl.d/60-lvs-dr.conf\n"),
        "{stdout}"
    );
    assert!(!work.path("out").exists(), "check writes nothing");

    work.render();
    assert_eq!(
        work.check(),
        (0, String::new(), "out: in sync (5 files)\n".into())
    );

    work.write(
        "inventory.yaml",
        &INVENTORY.replace("198.51.100.10", "198.51.100.99"),
    );
    let (code, stdout, stderr) = work.check();
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "out: 2 files would change; run `lvs-dr-gen render` to update\n"
    );
    assert!(stdout.contains(
        "--- a/web01/etc/network/interfaces.d/lvs-dr\n+++ b/web01/etc/network/interfaces.d/lvs-dr\n"
    ));
    assert!(stdout.contains("\n-    up ip -4 addr add 198.51.100.10/32 dev dummy0\n+    up ip -4 addr add 198.51.100.99/32 dev dummy0\n"), "{stdout}");
    assert!(stdout.contains("\n-    down ip -4 addr del 198.51.100.10/32 dev lo\n+    down ip -4 addr del 198.51.100.99/32 dev lo\n"), "{stdout}");
}

#[test]
fn check_exits_2_on_an_invalid_inventory() {
    let work = Workspace::new("version: 1\nhosts: {}\n");
    assert_eq!(
        work.check(),
        (
            2,
            String::new(),
            "inventory.yaml:2:1: error: hosts: the inventory has no hosts: add at least one under `hosts`\n  \
             |\n2 | hosts: {}\n  | ^\n\
             inventory.yaml: 1 problem found\n"
                .into()
        )
    );
}

#[test]
fn host_selects_hosts_and_leaves_the_others_alone() {
    let work = Workspace::new(INVENTORY);
    let (code, stdout, _) = work.run(&[
        "render",
        "inventory.yaml",
        "--out",
        "out",
        "--host",
        "web02",
    ]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, "1 host: 2 files written, 0 unchanged, 0 removed\n")
    );
    assert!(!work.path("out/web01").exists());
    work.render();
    let (code, stdout, _) = work.run(&[
        "render",
        "inventory.yaml",
        "--out",
        "out",
        "--host",
        "web01",
    ]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, "1 host: 0 files written, 3 unchanged, 0 removed\n")
    );
    assert!(
        work.path("out/web02/etc/sysctl.d/60-lvs-dr.conf").exists(),
        "web02 is not pruned"
    );
    let (code, _, stderr) = work.run(&[
        "render",
        "inventory.yaml",
        "--out",
        "out",
        "--host",
        "web03",
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: --host web03: no such host in the inventory; did you mean `web01`?\n"
    );
}

#[test]
fn templates_override_the_builtins_by_name() {
    let work = Workspace::new(INVENTORY);
    work.write(
        "tpl/sysctl.j2",
        "# {{ host.name }}\n{% for s in host.sysctl %}{{ s.key }}={{ s.value }}\n{% endfor %}",
    );
    work.write("tpl/notes.txt", "not a template, ignored\n");
    let (code, _, stderr) = work.render_with_templates("tpl");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        fs::read_to_string(work.path("out/web01/etc/sysctl.d/60-lvs-dr.conf")).unwrap(),
        "# web01\nnet.ipv4.conf.all.arp_ignore=1\nnet.ipv4.conf.all.arp_announce=2\n\
         net.ipv4.icmp_echo_ignore_broadcasts=1\nnet.ipv4.tcp_syncookies=1\n"
    );
    let interfaces =
        fs::read_to_string(work.path("out/web01/etc/network/interfaces.d/lvs-dr")).unwrap();
    assert!(interfaces.starts_with("# Generated by lvs-dr-gen from inventory.yaml; do not edit.\n"));
}

#[test]
fn a_misnamed_or_broken_template_is_an_error_and_nothing_is_written() {
    let work = Workspace::new(INVENTORY);
    work.write("typo/sysctl.jinja.j2", "x\n");
    let (code, _, stderr) = work.render_with_templates("typo");
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: typo/sysctl.jinja.j2: unknown template name; the templates are header.j2, \
         director-modules.j2, director-sysctl.j2, interfaces-iproute2.j2, interfaces-net-tools.j2, keepalived.j2, modules.j2, netplan.j2, \
         networkd-netdev.j2, networkd-network.j2, sysctl.j2\n"
    );
    work.write("broken/sysctl.j2", "{{ host.nmae }}\n");
    let (code, _, stderr) = work.render_with_templates("broken");
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: template error: "), "{stderr}");
    assert!(stderr.contains("sysctl.j2"), "{stderr}");
    assert!(!work.path("out").exists());
}

#[test]
fn a_template_cannot_write_a_value_with_a_line_break() {
    let work = Workspace::new(INVENTORY);
    work.write(
        "evil/sysctl.j2",
        "{{ host.name ~ '\\nnet.ipv4.conf.all.arp_ignore = 0' }}\n",
    );
    let (code, _, stderr) = work.render_with_templates("evil");
    assert_eq!(code, 2);
    assert!(stderr.contains("control character"), "{stderr}");
    assert!(!work.path("out").exists());
}

#[test]
fn validate_reports_a_summary() {
    let work = Workspace::new(INVENTORY);
    assert_eq!(
        work.run(&["validate", "inventory.yaml"]),
        (
            0,
            "inventory.yaml: valid (2 hosts, 1 service)\n".into(),
            String::new()
        )
    );
    let (code, _, stderr) = work.run(&["validate", "missing.yaml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: cannot read inventory missing.yaml: "),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let work = Workspace::new(INVENTORY);
    let (code, _, stderr) = work.run(&["render", "inventory.yaml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--out <OUT>"), "{stderr}");
    assert_eq!(work.run(&["--help"]).0, 0);
    let (code, stdout, _) = work.run(&["--version"]);
    assert_eq!(
        (code, stdout),
        (0, format!("lvs-dr-gen {}\n", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn completions_and_man_pages_are_generated() {
    let work = Workspace::new(INVENTORY);
    let (code, stdout, _) = work.run(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("complete -F _lvs__dr__gen") && stdout.contains("render"),
        "{stdout}"
    );
    for shell in ["bash", "zsh", "fish"] {
        let (code, script, _) = work.run(&["completions", shell]);
        assert_eq!(code, 0);
        assert!(!script.contains("manpages"), "{shell}: {script}");
    }
    assert_eq!(work.run(&["manpages", "--out", "man"]).0, 0);
    let main_page = std::fs::read_to_string(work.path("man/lvs-dr-gen.1")).unwrap();
    assert!(main_page.contains(r"lvs\-dr\-gen\-render"), "{main_page}");
    assert!(
        !main_page.contains(r"lvs\-dr\-gen\-help"),
        "no page is written for help, so none is listed: {main_page}"
    );
    let pages: Vec<String> = read_tree(&work.path("man"), &[])
        .keys()
        .map(|path| path.display().to_string())
        .collect();
    assert_eq!(
        pages,
        [
            "lvs-dr-gen-apply.1",
            "lvs-dr-gen-check.1",
            "lvs-dr-gen-completions.1",
            "lvs-dr-gen-deployed.1",
            "lvs-dr-gen-diff.1",
            "lvs-dr-gen-import.1",
            "lvs-dr-gen-init.1",
            "lvs-dr-gen-inventory.5",
            "lvs-dr-gen-plan.1",
            "lvs-dr-gen-render.1",
            "lvs-dr-gen-schema.1",
            "lvs-dr-gen-validate.1",
            "lvs-dr-gen-verify.1",
            "lvs-dr-gen.1"
        ]
    );
}

/// What bash offers for the last of `words` with the script that
/// `completions bash` prints.
fn bash_completion(work: &Workspace, words: &str) -> Vec<String> {
    let (_, script, _) = work.run(&["completions", "bash"]);
    work.write("completion.bash", &script);
    let output = std::process::Command::new("bash")
        .current_dir(work.path(""))
        .arg("-c")
        .arg(format!(
            "source ./completion.bash; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _lvs__dr__gen lvs-dr-gen \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        ))
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn bash_completes_commands_and_their_options() {
    let work = Workspace::new(INVENTORY);
    assert_eq!(bash_completion(&work, "lvs-dr-gen re"), ["render"]);
    assert_eq!(bash_completion(&work, "lvs-dr-gen render --o"), ["--out"]);
    assert_eq!(bash_completion(&work, "lvs-dr-gen completions f"), ["fish"]);
}

const CLUSTER: &str = "\
version: 1
vrrp: {virtual_router_id: 51}
directors:
  lb1: {address: 192.0.2.2, interface: eth0, priority: 150}
  lb2: {address: 192.0.2.3, interface: eth0, priority: 100}
services:
  www: {vips: [198.51.100.10], ports: [80], health_check: {path: /ldcheck.php, expect: running}}
hosts:
  web01: {address: 192.0.2.11, services: [www]}
  web02: {address: 192.0.2.12, services: [www]}
";

const KEEPALIVED_CONF: &str = "etc/keepalived/keepalived.conf";

#[test]
fn host_selects_a_director_with_every_real_server_in_its_config() {
    let work = Workspace::new(CLUSTER);
    let (code, stdout, stderr) =
        work.run(&["render", "inventory.yaml", "--out", "out", "--host", "lb2"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        "0 hosts, 1 director: 3 files written, 0 unchanged, 0 removed\n"
    );
    let tree = read_tree(&work.path("out"), &[".lvs-dr-gen-manifest"]);
    let path = Path::new("lb2").join(KEEPALIVED_CONF);
    assert_eq!(
        tree.keys().collect::<Vec<_>>(),
        [
            &path,
            &Path::new("lb2").join("etc/modules-load.d/lvs-dr-director.conf"),
            &Path::new("lb2").join("etc/sysctl.d/60-lvs-dr-director.conf"),
        ]
    );
    let config = text(&tree[&path]);
    assert!(config.contains("real_server 192.0.2.11 80 {"), "{config}");
    assert!(config.contains("real_server 192.0.2.12 80 {"), "{config}");
    assert!(config.contains("state BACKUP"), "{config}");
}

#[test]
fn removed_directors_are_pruned_and_check_shows_a_real_server_leaving() {
    let work = Workspace::new(CLUSTER);
    let (code, stdout, _) = work.run(&["render", "inventory.yaml", "--out", "out"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "2 hosts, 2 directors: 12 files written, 0 unchanged, 0 removed\n"
    );
    // web02 leaves the service's hosts: both directors' configs change.
    work.write(
        "inventory.yaml",
        &CLUSTER.replace("  web02: {address: 192.0.2.12, services: [www]}\n", ""),
    );
    let (code, diff, _) = work.run(&["check", "inventory.yaml", "--out", "out"]);
    assert_eq!(code, 1);
    assert!(
        diff.contains(&format!("--- a/lb1/{KEEPALIVED_CONF}")),
        "{diff}"
    );
    assert!(diff.contains("-    real_server 192.0.2.12 80 {"), "{diff}");
    // Without directors their files go, as a removed host's do.
    let without: String = CLUSTER
        .lines()
        .filter(|line| {
            !line.starts_with("vrrp") && !line.starts_with("director") && !line.starts_with("  lb")
        })
        .flat_map(|line| [line, "\n"])
        .collect();
    work.write("inventory.yaml", &without);
    let (code, stdout, stderr) = work.run(&["render", "inventory.yaml", "--out", "out"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(stdout, "2 hosts: 0 files written, 6 unchanged, 6 removed\n");
    assert!(!work.path("out/lb1").exists() && !work.path("out/lb2").exists());
}

#[test]
fn a_template_with_a_deprecated_keepalived_keyword_is_refused() {
    let work = Workspace::new(CLUSTER);
    let builtin =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/keepalived.j2"))
            .expect("built-in template");
    work.write(
        "old/keepalived.j2",
        &builtin.replace("retry {{", "nb_get_retry {{"),
    );
    let (code, _, stderr) = work.render_with_templates("old");
    assert_eq!(code, 2);
    assert!(
        stderr.contains("uses `nb_get_retry`, which keepalived reports as deprecated")
            && stderr.contains("use `retry`"),
        "{stderr}"
    );
    assert!(!work.path("out").exists());
}

#[test]
fn netplan_files_are_written_readable_by_root_only() {
    use std::os::unix::fs::PermissionsExt;
    let inventory = INVENTORY.replacen(
        "services:",
        "defaults:\n  stack: netplan\n  interface: lo\nservices:",
        1,
    );
    let work = Workspace::new(&inventory);
    let (status, _, stderr) = work.render();
    assert_eq!(status, 0, "{stderr}");
    let mode = |path: &str| {
        fs::metadata(work.path(path))
            .expect("written")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("out/web01/etc/netplan/60-lvs-dr.yaml"), 0o600);
    assert_eq!(mode("out/web01/etc/sysctl.d/60-lvs-dr.conf"), 0o644);
}

#[test]
fn apply_dry_run_prints_would_lines_and_changes_nothing() {
    // Read-only on this machine: --dry-run reads its live state, changes
    // nothing, and needs no root.
    let work = Workspace::new(INVENTORY);
    assert_eq!(work.render().0, 0);
    let (code, stdout, stderr) = work.run(&[
        "apply",
        "inventory.yaml",
        "--host",
        "web02",
        "--root",
        "out/web02",
        "--dry-run",
    ]);
    assert!(code <= 1, "exit {code}: {stdout}{stderr}");
    let actions: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("apply:"))
        .collect();
    assert!(!actions.is_empty(), "{stdout}");
    assert!(
        actions == ["apply: nothing to change"]
            || actions.iter().all(|line| line.starts_with("apply: would ")),
        "{stdout}"
    );
    assert!(stderr.contains("web02 (real-server): "), "{stderr}");
    let (code, json, _) = work.run(&[
        "apply",
        "inventory.yaml",
        "--host",
        "web02",
        "--root",
        "out/web02",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert!(code <= 1);
    let document: serde_json::Value = serde_json::from_str(&json).expect("one JSON document");
    assert_eq!(document["dry_run"], true);
    assert_eq!(document["changed"], false);
    assert_eq!(document["host"], "web02");
    assert!(document["verify"]["checks"].is_array(), "{json}");
}

#[test]
fn apply_refuses_when_the_files_are_not_installed() {
    let work = Workspace::new(INVENTORY);
    assert_eq!(work.render().0, 0);
    work.write("root/etc/sysctl.d/60-lvs-dr.conf", "changed by hand\n");
    let (code, stdout, stderr) = work.run(&[
        "apply",
        "inventory.yaml",
        "--host",
        "web01",
        "--root",
        "root",
        "--dry-run",
    ]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with(
            "error: the installed files are not the rendered ones: \
             /etc/modules-load.d/lvs-dr.conf is missing; \
             /etc/network/interfaces.d/lvs-dr is missing; \
             /etc/sysctl.d/60-lvs-dr.conf differs from the rendered one. \
             Install OUT/web01/ below root first"
        ) && stderr.ends_with("; nothing was changed\n"),
        "{stderr}"
    );
    let (code, stdout, _) = work.run(&[
        "apply",
        "inventory.yaml",
        "--host",
        "web01",
        "--root",
        "root",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(code, 2);
    assert!(
        stdout.contains("\"code\":\"apply-files-not-installed\""),
        "{stdout}"
    );
}

#[test]
fn apply_names_an_unknown_host() {
    let work = Workspace::new(INVENTORY);
    let (code, _, stderr) = work.run(&["apply", "inventory.yaml", "--host", "web03", "--dry-run"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`web03` is neither a host nor a director"),
        "{stderr}"
    );
}

#[test]
fn apply_on_a_director_runs_keepalived_t_first() {
    // Without keepalived installed (this machine) or with the installed
    // keepalived.conf broken, apply refuses before anything else.
    let example =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/inventory.yaml"))
            .unwrap();
    let work = Workspace::new(&example);
    assert_eq!(work.render().0, 0);
    work.write(
        "out/lb01/etc/keepalived/keepalived.conf",
        "vrrp_instance {\n",
    );
    let (code, stdout, stderr) = work.run(&[
        "apply",
        "inventory.yaml",
        "--host",
        "lb01",
        "--root",
        "out/lb01",
        "--dry-run",
    ]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("keepalived.conf differs from the rendered one"),
        "{stderr}"
    );
    assert_eq!(work.render().0, 0);
    let (code, stdout, stderr) = work.run(&[
        "apply",
        "inventory.yaml",
        "--host",
        "lb01",
        "--root",
        "out/lb01",
        "--dry-run",
    ]);
    if code == 2 {
        assert!(stderr.contains("keepalived -t"), "{stderr}");
        assert!(stderr.ends_with("nothing was changed\n"), "{stderr}");
        assert_eq!(stdout, "");
    }
}
