//! The Debian package and the crate describe the same release.

/// `debian/changelog`'s newest version is `Cargo.toml`'s (a Cargo
/// pre-release `-rc.1` is Debian's `~rc.1`; a rebuild for one release,
/// `debian/for-release`, adds `~deb12u1`), so a release cannot ship a
/// package that claims another version than `lvs-dr-gen --version`.
#[test]
fn the_package_version_is_the_crate_version() {
    let changelog =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/debian/changelog"))
            .expect("debian/changelog is readable");
    let first = changelog.lines().next().unwrap_or_default();
    let version = first
        .split(['(', ')'])
        .nth(1)
        .unwrap_or_else(|| panic!("no version in {first:?}"));
    assert_eq!(
        without_release_rebuild(version),
        env!("CARGO_PKG_VERSION").replacen('-', "~", 1),
        "debian/changelog and Cargo.toml disagree: add a changelog entry (dch -v VERSION)"
    );
}

/// `version` without the suffix of a rebuild for one Debian release
/// (`0.1.0~deb12u1` is `0.1.0`).
fn without_release_rebuild(version: &str) -> &str {
    match version.rsplit_once("~deb") {
        Some((upstream, release))
            if release.split_once('u').is_some_and(|(number, update)| {
                [number, update]
                    .iter()
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            }) =>
        {
            upstream
        }
        _ => version,
    }
}

#[test]
fn a_rebuild_for_one_release_keeps_the_crate_version() {
    assert_eq!(without_release_rebuild("0.1.0~deb12u1"), "0.1.0");
    assert_eq!(without_release_rebuild("1.0.0~rc.1~deb12u3"), "1.0.0~rc.1");
    assert_eq!(without_release_rebuild("0.1.0"), "0.1.0");
    assert_eq!(without_release_rebuild("0.1.0~deb12"), "0.1.0~deb12");
    assert_eq!(without_release_rebuild("0.1.0~debXu1"), "0.1.0~debXu1");
}

/// The documentation the package ships has no line longer than lintian
/// allows in a source file (`very-long-line-length-in-source-file`: 512),
/// so a wide table row fails here, not after the package builds.
#[test]
fn the_shipped_documentation_has_no_line_lintian_calls_too_long() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md"), root.join("CHANGELOG.md")];
    for entry in std::fs::read_dir(root.join("doc")).expect("doc/ is readable") {
        let path = entry.expect("doc/ entry").path();
        if path.extension().is_some_and(|extension| extension == "md") {
            files.push(path);
        }
    }
    let long: Vec<String> = files
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            text.lines()
                .enumerate()
                .filter(|(_, line)| line.chars().count() > 512)
                .map(|(index, line)| {
                    format!(
                        "{}:{}: {} characters",
                        path.display(),
                        index + 1,
                        line.chars().count()
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        long.is_empty(),
        "lines lintian calls too long:\n{}",
        long.join("\n")
    );
}

/// The package installs README.md, CHANGELOG.md and doc/*.md side by side
/// in /usr/share/doc/lvs-dr-gen/ (debian/lvs-dr-gen.docs), so no page of
/// doc/ may share a name with the two at the top.
#[test]
fn no_documentation_page_shadows_the_readme_or_the_changelog() {
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("doc");
    for name in ["README.md", "CHANGELOG.md"] {
        assert!(
            !doc.join(name).exists(),
            "doc/{name} would replace the top {name} in /usr/share/doc/lvs-dr-gen"
        );
    }
}
