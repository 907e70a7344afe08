//! The commands' behaviour on a real output directory.

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::support::{lvs_dr_gen, read_tree, text, Run, INVENTORY};

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

    /// `lvs-dr-gen ARGS` in the workspace.
    fn lvs(&self, args: &[&str]) -> Run {
        lvs_dr_gen(args).dir(self.dir.path())
    }

    fn render(&self) -> Run {
        self.lvs(&["render", "inventory.yaml", "--out", "out"])
    }

    /// Renders with `--templates DIR`.
    fn render_with_templates(&self, dir: &str) -> Run {
        self.render().args(["--templates", dir])
    }

    fn check(&self) -> Run {
        self.lvs(&["check", "inventory.yaml", "--out", "out"])
    }

    /// `apply --dry-run` for `host`, its files installed below `root`.
    fn apply_dry_run(&self, host: &str, root: &str) -> Run {
        self.lvs(&[
            "apply",
            "inventory.yaml",
            "--host",
            host,
            "--root",
            root,
            "--dry-run",
        ])
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
    work.render()
        .stdout("2 hosts: 5 files written, 0 unchanged, 0 removed\n")
        .stderr("")
        .run();
    let sysctl = work.path("out/web01/etc/sysctl.d/60-lvs-dr.conf");
    let before = modified(&sysctl);
    std::thread::sleep(Duration::from_millis(20));
    work.render()
        .stdout("2 hosts: 0 files written, 5 unchanged, 0 removed\n")
        .stderr("")
        .run();
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
    work.render().run();
    let first = read_tree(&work.path("out"), &[]);
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let inventory = work.path("inventory.yaml");
    lvs_dr_gen(["render", inventory.to_str().unwrap(), "--out", "again"])
        .dir(elsewhere.path())
        .run();
    assert_eq!(read_tree(&elsewhere.path().join("again"), &[]), first);
}

#[test]
fn a_removed_host_and_a_mode_change_are_pruned() {
    let work = Workspace::new(INVENTORY);
    work.render().run();
    let without_web02 = INVENTORY.split("  web02:").next().unwrap();
    let now_loopback = without_web02.replace(
        "    services: [www]\n",
        "    services: [www]\n    interface: lo\n",
    );
    work.write("inventory.yaml", &now_loopback);
    work.render()
        .stdout("1 host: 2 files written, 0 unchanged, 3 removed\n")
        .stderr("")
        .run();
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
    work.render()
        .status(2)
        .stdout("")
        .stderr(
            "error: in out: this file is not written by lvs-dr-gen (not in \
             .lvs-dr-gen-manifest); move it away or choose another output directory:\n  \
             web01/etc/sysctl.d/60-lvs-dr.conf\n",
        )
        .run();
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
    work.render().run();
    work.write("out/web02/etc/hosts", "127.0.0.1 localhost\n");
    let only_web01 = INVENTORY.split("  web02:").next().unwrap().to_owned();
    work.write("inventory.yaml", &only_web01);
    work.render().run();
    assert_eq!(
        fs::read_to_string(work.path("out/web02/etc/hosts")).unwrap(),
        "127.0.0.1 localhost\n"
    );
}

#[test]
fn check_reports_drift_as_a_diff_with_exit_1_and_sync_with_exit_0() {
    let work = Workspace::new(INVENTORY);
    // Nothing rendered yet.
    let stdout = work.check().status(1).run().stdout;
    assert!(
        stdout.contains("--- /dev/null\n+++ b/web01/etc/sysctl.d/60-lvs-dr.conf\n"),
        "{stdout}"
    );
    assert!(!work.path("out").exists(), "check writes nothing");

    work.render().run();
    work.check()
        .stdout("")
        .stderr("out: in sync (5 files)\n")
        .run();

    work.write(
        "inventory.yaml",
        &INVENTORY.replace("198.51.100.10", "198.51.100.99"),
    );
    let stdout = work
        .check()
        .status(1)
        .stderr("out: 2 files would change; run `lvs-dr-gen render` to update\n")
        .run()
        .stdout;
    assert!(stdout.contains(
        "--- a/web01/etc/network/interfaces.d/lvs-dr\n+++ b/web01/etc/network/interfaces.d/lvs-dr\n"
    ));
    assert!(stdout.contains("\n-    up ip -4 addr add 198.51.100.10/32 dev dummy0\n+    up ip -4 addr add 198.51.100.99/32 dev dummy0\n"), "{stdout}");
    assert!(stdout.contains("\n-    down ip -4 addr del 198.51.100.10/32 dev lo\n+    down ip -4 addr del 198.51.100.99/32 dev lo\n"), "{stdout}");
}

#[test]
fn check_exits_2_on_an_invalid_inventory() {
    let work = Workspace::new("version: 1\nhosts: {}\n");
    work.check()
        .status(2)
        .stdout("")
        .stderr(
            "inventory.yaml:2:1: error: hosts: the inventory has no hosts: add at least one \
             under `hosts`\n  |\n2 | hosts: {}\n  | ^\n\
             inventory.yaml: 1 problem found\n",
        )
        .run();
}

#[test]
fn host_selects_hosts_and_leaves_the_others_alone() {
    let work = Workspace::new(INVENTORY);
    work.render()
        .args(["--host", "web02"])
        .stdout("1 host: 2 files written, 0 unchanged, 0 removed\n")
        .run();
    assert!(!work.path("out/web01").exists());
    work.render().run();
    work.render()
        .args(["--host", "web01"])
        .stdout("1 host: 0 files written, 3 unchanged, 0 removed\n")
        .run();
    assert!(
        work.path("out/web02/etc/sysctl.d/60-lvs-dr.conf").exists(),
        "web02 is not pruned"
    );
    work.render()
        .args(["--host", "web03"])
        .status(2)
        .stderr("error: --host web03: no such host in the inventory; did you mean `web01`?\n")
        .run();
}

#[test]
fn templates_override_the_builtins_by_name() {
    let work = Workspace::new(INVENTORY);
    work.write(
        "tpl/sysctl.j2",
        "# {{ host.name }}\n{% for s in host.sysctl %}{{ s.key }}={{ s.value }}\n{% endfor %}",
    );
    work.write("tpl/notes.txt", "not a template, ignored\n");
    work.render_with_templates("tpl").run();
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
    work.render_with_templates("typo")
        .status(2)
        .stderr(
            "error: typo/sysctl.jinja.j2: unknown template name; the templates are header.j2, \
             agent-service.j2, agent-socket.j2, director-modules.j2, director-sysctl.j2, interfaces-iproute2.j2, \
             interfaces-net-tools.j2, keepalived.j2, modules.j2, netplan.j2, \
             networkd-netdev.j2, networkd-network.j2, sysctl.j2\n",
        )
        .run();
    work.write("broken/sysctl.j2", "{{ host.nmae }}\n");
    let stderr = work.render_with_templates("broken").status(2).run().stderr;
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
    let stderr = work.render_with_templates("evil").status(2).run().stderr;
    assert!(stderr.contains("control character"), "{stderr}");
    assert!(!work.path("out").exists());
}

#[test]
fn validate_reports_a_summary() {
    let work = Workspace::new(INVENTORY);
    work.lvs(&["validate", "inventory.yaml"])
        .stdout("inventory.yaml: valid (2 hosts, 1 service)\n")
        .stderr("")
        .run();
    let stderr = work
        .lvs(&["validate", "missing.yaml"])
        .status(2)
        .run()
        .stderr;
    assert!(
        stderr.starts_with("error: cannot read inventory missing.yaml: "),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let work = Workspace::new(INVENTORY);
    let stderr = work
        .lvs(&["render", "inventory.yaml"])
        .status(2)
        .run()
        .stderr;
    assert!(stderr.contains("--out <OUT>"), "{stderr}");
    work.lvs(&["--help"]).run();
    work.lvs(&["--version"])
        .stdout(format!("lvs-dr-gen {}\n", env!("CARGO_PKG_VERSION")))
        .run();
}

#[test]
fn completions_and_man_pages_are_generated() {
    let work = Workspace::new(INVENTORY);
    let stdout = work.lvs(&["completions", "bash"]).run().stdout;
    assert!(
        stdout.contains("complete -F _lvs__dr__gen") && stdout.contains("render"),
        "{stdout}"
    );
    for shell in ["bash", "zsh", "fish"] {
        let script = work.lvs(&["completions", shell]).run().stdout;
        assert!(!script.contains("manpages"), "{shell}: {script}");
    }
    work.lvs(&["manpages", "--out", "man"]).run();
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
            "lvs-dr-gen-agent.1",
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
            "lvs-dr-gen-site-check.1",
            "lvs-dr-gen-site-plan.1",
            "lvs-dr-gen-site-render.1",
            "lvs-dr-gen-site-validate.1",
            "lvs-dr-gen-site.1",
            "lvs-dr-gen-validate.1",
            "lvs-dr-gen-verify.1",
            "lvs-dr-gen.1"
        ]
    );
    // The site page lists its commands' pages, and none for `help`.
    let site_page = std::fs::read_to_string(work.path("man/lvs-dr-gen-site.1")).unwrap();
    assert!(
        site_page.contains(r"lvs\-dr\-gen\-site\-check") && !site_page.contains(r"site\-help"),
        "{site_page}"
    );
}

/// What bash offers for the last of `words` with the script that
/// `completions bash` prints.
fn bash_completion(work: &Workspace, words: &str) -> Vec<String> {
    let script = work.lvs(&["completions", "bash"]).run().stdout;
    work.write("completion.bash", &script);
    let output = Command::new("bash")
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
    assert_eq!(bash_completion(&work, "lvs-dr-gen site ch"), ["check"]);
    assert_eq!(
        bash_completion(&work, "lvs-dr-gen site check --f"),
        ["--format"]
    );
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
    work.render()
        .args(["--host", "lb2"])
        .stdout("0 hosts, 1 director: 3 files written, 0 unchanged, 0 removed\n")
        .stderr("")
        .run();
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
    work.render()
        .stdout("2 hosts, 2 directors: 12 files written, 0 unchanged, 0 removed\n")
        .run();
    // web02 leaves the service's hosts: both directors' configs change.
    work.write(
        "inventory.yaml",
        &CLUSTER.replace("  web02: {address: 192.0.2.12, services: [www]}\n", ""),
    );
    let diff = work.check().status(1).run().stdout;
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
    work.render()
        .stdout("2 hosts: 0 files written, 6 unchanged, 6 removed\n")
        .stderr("")
        .run();
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
    let stderr = work.render_with_templates("old").status(2).run().stderr;
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
    work.render().run();
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
    work.render().run();
    let output = work
        .apply_dry_run("web02", "out/web02")
        .status_one_of(&[0, 1])
        .run();
    let (stdout, stderr) = (output.stdout, output.stderr);
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
    let json = work
        .apply_dry_run("web02", "out/web02")
        .args(["--format", "json"])
        .status_one_of(&[0, 1])
        .run()
        .stdout;
    let document: serde_json::Value = serde_json::from_str(&json).expect("one JSON document");
    assert_eq!(document["dry_run"], true);
    assert_eq!(document["changed"], false);
    assert_eq!(document["host"], "web02");
    assert!(document["verify"]["checks"].is_array(), "{json}");
}

#[test]
fn apply_refuses_when_the_files_are_not_installed() {
    let work = Workspace::new(INVENTORY);
    work.render().run();
    work.write("root/etc/sysctl.d/60-lvs-dr.conf", "changed by hand\n");
    let stderr = work
        .apply_dry_run("web01", "root")
        .status(2)
        .stdout("")
        .run()
        .stderr;
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
    let stdout = work
        .apply_dry_run("web01", "root")
        .args(["--format", "json"])
        .status(2)
        .run()
        .stdout;
    assert!(
        stdout.contains("\"code\":\"apply-files-not-installed\""),
        "{stdout}"
    );
}

#[test]
fn apply_names_an_unknown_host() {
    let work = Workspace::new(INVENTORY);
    let stderr = work
        .lvs(&["apply", "inventory.yaml", "--host", "web03", "--dry-run"])
        .status(2)
        .run()
        .stderr;
    assert!(
        stderr.contains("`web03` is neither a host nor a director"),
        "{stderr}"
    );
}

/// What keepalived says its version is, if it runs here.
fn keepalived_version() -> Option<String> {
    let output = Command::new("keepalived").arg("--version").output().ok()?;
    let said = text(&output.stderr) + &text(&output.stdout);
    output
        .status
        .success()
        .then(|| said.lines().next().unwrap_or("keepalived").to_owned())
}

/// Whether `ipvsadm -S -n`, which apply runs to read the IPVS table,
/// works here; why not, if not (no ipvsadm, or a kernel without `IP_VS`).
fn ipvs_readable() -> Result<(), String> {
    let output = Command::new("ipvsadm")
        .args(["-S", "-n"])
        .output()
        .map_err(|error| format!("no ipvsadm: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(text(&output.stderr).lines().next().unwrap_or("").to_owned())
    }
}

/// `apply` on a director runs `keepalived -t` on the installed
/// keepalived.conf before it reads anything of the machine, and refuses,
/// changing nothing, when keepalived rejects it or cannot be run. Which of
/// that this machine can show depends on whether keepalived is installed
/// and IPVS can be read; the test asserts exactly the outcome its
/// situation calls for, and prints (past the harness's capture) which it
/// was:
///
/// - anywhere: an installed keepalived.conf that is not the rendered one is
///   refused before keepalived runs;
/// - keepalived not installed: the rendered configuration, and one with a
///   keyword keepalived does not know, are both refused at `keepalived -t`;
/// - keepalived installed: the one with the unknown keyword is refused with
///   keepalived's own message, before IPVS is read; the rendered one
///   passes, and apply goes on to read IPVS: where it cannot (no ipvsadm,
///   a kernel without `IP_VS`) it stops there and says so, else it reports
///   what it would do.
#[test]
fn apply_on_a_director_runs_keepalived_t_first() {
    let example =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/inventory.yaml"))
            .unwrap();
    let work = Workspace::new(&example);
    work.render().run();
    work.write(
        "out/lb01/etc/keepalived/keepalived.conf",
        "vrrp_instance {\n",
    );
    let stderr = work
        .apply_dry_run("lb01", "out/lb01")
        .status(2)
        .stdout("")
        .run()
        .stderr;
    assert!(
        stderr.contains("keepalived.conf differs from the rendered one"),
        "{stderr}"
    );

    let builtin =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/keepalived.j2"))
            .expect("built-in template");
    let unknown = builtin.replacen(
        "global_defs {\n",
        "global_defs {\n    lvs_dr_gen_no_such_keyword 1\n",
        1,
    );
    assert_ne!(unknown, builtin, "the template opens global_defs");
    work.write("unknown/keepalived.j2", &unknown);
    work.render_with_templates("unknown").run();
    let rejected = work
        .apply_dry_run("lb01", "out/lb01")
        .args(["--templates", "unknown"])
        .status(2)
        .stdout("")
        .run()
        .stderr;
    work.render().run();
    let rendered = work.apply_dry_run("lb01", "out/lb01");

    let branch = match keepalived_version() {
        None => refused_without_keepalived(&rejected, rendered),
        Some(version) => checked_by_keepalived(&version, &rejected, rendered),
    };
    let line = format!("apply_on_a_director_runs_keepalived_t_first: {branch}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Without keepalived: the configuration keepalived would reject and the
/// rendered one are both refused at `keepalived -t`. The branch taken.
fn refused_without_keepalived(rejected: &str, rendered: Run) -> String {
    let accepted = rendered.status(2).stdout("").run().stderr;
    for stderr in [rejected, &accepted] {
        assert!(
            stderr.starts_with("error: cannot run `keepalived -t`: ")
                && stderr.ends_with("; is keepalived installed?; nothing was changed\n"),
            "{stderr}"
        );
    }
    "keepalived not installed: apply refused at `keepalived -t`, before reading the machine"
        .to_owned()
}

/// With keepalived (`version`): the unknown keyword refused with its own
/// message before IPVS is read; the rendered configuration passes, and
/// apply reads IPVS next. The branch taken.
fn checked_by_keepalived(version: &str, rejected: &str, rendered: Run) -> String {
    assert!(
        rejected.starts_with("error: `keepalived -t -f ")
            && rejected.contains("Unknown keyword 'lvs_dr_gen_no_such_keyword'")
            && rejected.ends_with("nothing was changed\n")
            && !rejected.contains("IPVS"),
        "{rejected}"
    );
    if let Err(why) = ipvs_readable() {
        let stderr = rendered.status(2).stdout("").run().stderr;
        assert!(
            stderr.starts_with("error: cannot read IPVS with `ipvsadm -S -n`: ")
                && stderr.ends_with("; nothing was changed\n"),
            "{stderr}"
        );
        return format!(
            "{version}, IPVS not readable ({why}): keepalived -t rejected an unknown keyword, \
             passed the rendered configuration, and apply stopped at reading IPVS"
        );
    }
    let output = rendered.status_one_of(&[0, 1]).run();
    let actions: Vec<&str> = output
        .stdout
        .lines()
        .filter(|line| line.starts_with("apply:"))
        .collect();
    assert!(
        actions == ["apply: nothing to change"]
            || (!actions.is_empty()
                && actions.iter().all(|line| line.starts_with("apply: would "))),
        "{}",
        output.stdout
    );
    assert!(
        output.stderr.contains("lb01 (director): "),
        "{}",
        output.stderr
    );
    format!(
        "{version}, IPVS readable: keepalived -t rejected an unknown keyword, passed the \
         rendered configuration, and apply reported what it would do"
    )
}
