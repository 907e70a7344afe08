//! The Debian package and the crate describe the same release.

/// `debian/changelog`'s newest version is `Cargo.toml`'s (a Cargo
/// pre-release `-rc.1` is Debian's `~rc.1`), so a release cannot ship a
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
        version,
        env!("CARGO_PKG_VERSION").replacen('-', "~", 1),
        "debian/changelog and Cargo.toml disagree: add a changelog entry (dch -v VERSION)"
    );
}
