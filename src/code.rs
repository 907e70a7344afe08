//! The stable names of the rules an inventory, its output or a rollout can
//! break: one [`Code`] per rule, with its string form (the `code` of JSON
//! diagnostics and of `plan`'s unsafe changes) and a one-line description.
//!
//! The list of codes in doc/diagnostics.md is generated from this table and
//! checked against it by test (`UPDATE_GOLDEN=1 cargo test` rewrites it).
//! To add a rule: add one line to its group below, then emit it as
//! `Code::TheName`. A code is never renamed or reused for another rule.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// Declares [`Code`] from one line per code, in groups: the variant, its
/// string form and its description, so that the enum, its strings, its
/// descriptions, [`Code::ALL`] and [`Code::GROUPS`] cannot drift apart.
macro_rules! codes {
    ($(
        $group:literal {
            $( $variant:ident = $name:literal : $description:literal, )*
        }
    )*) => {
        /// The stable name of a rule: the `code` of a JSON diagnostic
        /// (doc/diagnostics.md, "JSON diagnostics"). Scripts rely on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $( #[doc = $description] $variant, )* )*
        }

        impl Code {
            /// Every code, in the order of the documentation.
            pub const ALL: &'static [Code] = &[$( $( Code::$variant, )* )*];

            /// The codes by group, each with its heading in the docs.
            pub const GROUPS: &'static [(&'static str, &'static [Code])] =
                &[$( ($group, &[$( Code::$variant, )*]), )*];

            /// The stable string form, such as `unknown-key`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $( Code::$variant => $name, )* )*
                }
            }

            /// What breaks the rule, in one line (for the docs).
            pub const fn description(self) -> &'static str {
                match self {
                    $( $( Code::$variant => $description, )* )*
                }
            }
        }
    };
}

codes! {
    "Parsing (with line and column)" {
        YamlSyntax = "yaml-syntax": "the text is not well-formed YAML (indentation, quotes, brackets), or holds a control character",
        UnknownKey = "unknown-key": "a key the inventory format does not have (the nearest valid key is suggested)",
        MissingKey = "missing-key": "a required key is missing",
        DuplicateKey = "duplicate-key": "a name appears twice in one mapping",
        UnknownValue = "unknown-value": "a value that is not one of its choices, such as `style`, `stack` or `scheduler`",
        InvalidType = "invalid-type": "a value of the wrong kind: text where a list belongs, a mapping where a number belongs",
        InvalidValue = "invalid-value": "a value of the right kind that its key does not take",
        OutOfRange = "out-of-range": "a number outside its range (a weight, a priority, a port, seconds)",
        UnsupportedVersion = "unsupported-version": "a `version` other than 1",
        InvalidVip = "invalid-vip": "a VIP that is not a unicast IP address, or has a prefix other than /32 or /128",
        InvalidHostAddress = "invalid-host-address": "a host or director address that is not a unicast IP address",
        InvalidHostAddresses = "invalid-host-addresses": "two addresses of one family for one host or director, or an empty address list",
        InvalidHostName = "invalid-host-name": "a host or director name that is not an RFC 1123 host name",
        InvalidServiceName = "invalid-service-name": "a service name that is not 1-63 letters, digits, `_`, `.` or `-`",
        InvalidGroupName = "invalid-group-name": "a VRRP group name that is not 1-63 letters, digits, `_`, `.` or `-`",
        InvalidInterface = "invalid-interface": "an interface for the VIPs that is not a Linux device name, or looks like a network card (`eth…`, `en…`)",
        InvalidNetworkDevice = "invalid-network-device": "a director's `interface` that is not a Linux device name, or is `lo`",
        InvalidSegment = "invalid-segment": "a segment that is not a network prefix, or has host bits set",
        InvalidVrrpPassword = "invalid-vrrp-password": "a VRRP password that is not 1-8 characters keepalived can read",
        InvalidPort = "invalid-port": "a port that is not `N`, `N/tcp` or `N/udp`",
        InvalidSysctlKey = "invalid-sysctl-key": "a kernel parameter name that is not dotted lower-case words, such as `net.ipv4.tcp_syncookies`",
        InvalidSysctlValue = "invalid-sysctl-value": "a kernel parameter value that is not one line of printable text (or is true/false)",
        InvalidPath = "invalid-path": "an output path with `..`, a trailing `/` or characters other than letters, digits, `_`, `.`, `-` and `+`",
        InvalidUrlPath = "invalid-url-path": "a health check `path` that is not a URL path keepalived can read",
        InvalidScriptPath = "invalid-script-path": "a notify script that is not an absolute path of letters, digits, `_`, `.`, `-`, `+` and `/`",
        InvalidText = "invalid-text": "text that is not one line keepalived can read (such as `expect`)",
        InvalidHexBytes = "invalid-hex-bytes": "a UDP check's `send` or `reply` that is not hex bytes (two digits a byte, at most 256 bytes; `x` for any digit in `reply` only)",
        InvalidDnsName = "invalid-dns-name": "a DNS check's `query` that is not a domain name (labels of 1-63 letters, digits, `-`, `_`)",
        InvalidDrain = "invalid-drain": "an empty `drain` list (write `drain: false`, or name the services)",
    }
    "Rules across values (with a path)" {
        NoHosts = "no-hosts": "the inventory has no hosts",
        ServiceWithoutVips = "service-without-vips": "a service has no VIPs",
        DuplicateVip = "duplicate-vip": "a VIP is listed twice in one service",
        DuplicatePort = "duplicate-port": "a port is listed twice in one service",
        DuplicateService = "duplicate-service": "a host lists a service twice",
        DuplicateAddress = "duplicate-address": "two hosts have the same address",
        HostNameCase = "host-name-case": "two host names differ only in letter case",
        VipIsHostAddress = "vip-is-host-address": "a VIP is also a host's own address",
        HostWithoutServices = "host-without-services": "a host serves no service",
        UnknownService = "unknown-service": "a host names a service that is not defined",
        DrainUnservedService = "drain-unserved-service": "a host drains a service it does not serve",
        AliasLabelTooLong = "alias-label-too-long": "the net-tools style's alias label of an extra IPv4 VIP is longer than 15 characters",
        SysctlBreaksDirectRouting = "sysctl-breaks-direct-routing": "a kernel parameter set to a value that breaks direct routing (ARP answers for the VIPs)",
        PathReused = "path-reused": "two generated files of a host have the same path",
        InterfacesPathWholeFile = "interfaces-path-whole-file": "the ifupdown stanza would replace `/etc/network/interfaces`",
        InterfacesPathSkipped = "interfaces-path-skipped": "ifupdown's `source-directory` would skip the stanza file's name",
        ConfSuffixMissing = "conf-suffix-missing": "a `modules-load.d` or `sysctl.d` file whose name does not end in `.conf`",
        SysctlPathNotReadAtBoot = "sysctl-path-not-read-at-boot": "a sysctl file that is not applied at boot (such as `etc/sysctl.conf` on Debian 13)",
        PathNotReadAtBoot = "path-not-read-at-boot": "a generated file in a place its reader does not look at boot",
        StyleNeedsIfupdown = "style-needs-ifupdown": "`style: net-tools` on a host whose stack has no commands to write",
        NetplanDummyNeedsTrixie = "netplan-dummy-needs-trixie": "netplan dummy devices on a host not marked `release: trixie` (Debian 12's netplan refuses them)",
    }
    "Directors and health checks (with a path)" {
        VrrpWithoutDirectors = "vrrp-without-directors": "`vrrp` is set but there are no directors",
        MissingVrrp = "missing-vrrp": "there are directors but no `vrrp`",
        VrrpPasswordIpv6Only = "vrrp-password-ipv6-only": "a VRRP password with only IPv6 VIPs (VRRP version 3 has no password)",
        DirectorNameTaken = "director-name-taken": "a director has the name of a host (letter case aside)",
        DirectorAddressTaken = "director-address-taken": "a director has the address of a host or of another director",
        DirectorAddressIsVip = "director-address-is-vip": "a director's address is a VIP",
        DirectorNameCase = "director-name-case": "two director names differ only in letter case",
        DirectorFamilyWithoutAddress = "director-family-without-address": "the directors balance VIPs of a family they have no address of",
        VrrpUnicastWithoutPeer = "vrrp-unicast-without-peer": "unicast VRRP with a single director: no peer to send advertisements to",
        DuplicatePriority = "duplicate-priority": "two directors have the same VRRP priority",
        MissingRouterId = "missing-router-id": "no `vrrp.virtual_router_id` for the services in no VRRP group",
        RouterIdUnused = "router-id-unused": "a `vrrp.virtual_router_id` while every service is in a VRRP group",
        DuplicateRouterId = "duplicate-router-id": "two VRRP groups have the same `virtual_router_id`",
        GroupWithoutServices = "group-without-services": "a VRRP group lists no service",
        GroupUnknownService = "group-unknown-service": "a VRRP group names a service that is not defined",
        ServiceInTwoGroups = "service-in-two-groups": "a service is listed in two VRRP groups, or twice in one",
        VipInTwoGroups = "vip-in-two-groups": "a VIP of services in two VRRP groups (a VIP moves with one group)",
        GroupNameReserved = "group-name-reserved": "a VRRP group named `lvs_dr`, the name of the services in no group",
        GroupUnknownDirector = "group-unknown-director": "a VRRP group's `priorities` name a director that is not defined",
        GroupPriorityMissing = "group-priority-missing": "a VRRP group's `priorities` leave a director out",
        GroupPriorityTie = "group-priority-tie": "two directors have the same priority in a VRRP group",
        AdvertIntTooLongForIpv6 = "advert-int-too-long-for-ipv6": "an `advert_int` longer than VRRP version 3 allows, with IPv6 VIPs",
        DuplicateVirtualService = "duplicate-virtual-service": "two services balance the same VIP, port and protocol",
        ServiceWithoutPorts = "service-without-ports": "a service the directors balance has no ports",
        ServiceWithoutHosts = "service-without-hosts": "a service the directors balance has no real servers",
        VipFamilyWithoutAddress = "vip-family-without-address": "a host carries a VIP of a family it has no address of",
        DuplicateSegmentFamily = "duplicate-segment-family": "the segment has two prefixes of one family",
        AddressOutsideSegment = "address-outside-segment": "a host's or director's address is outside the segment",
        HealthCheckTlsWithKind = "health-check-tls-with-kind": "a health check has both `tls` and `kind`",
        HealthCheckWithoutPath = "health-check-without-path": "an HTTP or HTTPS health check has no `path`",
        HealthCheckUnknownPort = "health-check-unknown-port": "a health check names a port the service does not balance",
        HealthCheckCannotPass = "health-check-cannot-pass": "a health check that can never pass (TLS to a plain HTTP port, plain HTTP to 443, TCP to a UDP port, UDP to a TCP port)",
        HealthCheckTcpReadsNoPage = "health-check-tcp-reads-no-page": "a health check that fetches no page on any port (TCP, UDP, DNS) with a `path`, `expect` or `status_code` it would never check",
        HealthCheckDnsWithoutQuery = "health-check-dns-without-query": "a DNS health check has no `query`",
        HealthCheckUnreadKey = "health-check-unread-key": "a health check with `query`, `query_type`, `send` or `reply` that no port's kind of check reads",
        SorryServerFamily = "sorry-server-family": "a service's VIPs and sorry servers differ in address family",
        SorryServerTaken = "sorry-server-taken": "a sorry server that is a VIP, a director, or a real server of its own service",
        SorryServerWithoutVip = "sorry-server-without-vip": "a sorry server that is a host of the inventory not carrying the service's VIPs",
        SorryServerWithoutHealthCheck = "sorry-server-without-health-check": "a sorry server on a service without a health check (it would never answer)",
        AlphaWithoutHealthCheck = "alpha-without-health-check": "`alpha: true` on a service without a health check",
        QuorumWithoutSorryServer = "quorum-without-sorry-server": "`quorum` or `hysteresis` on a service without a sorry server",
        QuorumUnreachable = "quorum-unreachable": "a quorum above the total weight of the service's real servers, or a hysteresis not below the quorum",
        PersistenceAcrossPortsUnusable = "persistence-across-ports-unusable": "`persistence_across_ports` without `persistence`, or with fewer than two ports of one protocol",
        TrackInterfaceRepeated = "track-interface-repeated": "a director tracks its own VRRP interface, or one interface twice",
        VipAgentPortTaken = "vip-agent-port-taken": "`vip_agent.port` is a TCP port a service balances or checks on its real servers",
    }
    "Sites (`site`: several clusters checked together, with a path)" {
        SiteWithoutClusters = "site-without-clusters": "a site file lists no cluster",
        InvalidClusterName = "invalid-cluster-name": "a cluster name that is not 1-63 letters, digits, `_`, `.` or `-`",
        InvalidSitePath = "invalid-site-path": "a cluster's `inventory` or `out` that is not a relative path below the site file's folder (no `..`)",
        ClusterInventoryUnreadable = "cluster-inventory-unreadable": "a cluster's inventory file cannot be read (placed on its `inventory` in the site file)",
        ClusterInventoryTwice = "cluster-inventory-twice": "two clusters name the same inventory file",
        ClusterOutputCollision = "cluster-output-collision": "two clusters' output folders are the same, or one is inside the other",
        ClusterVipTaken = "cluster-vip-taken": "a VIP is also a VIP of another cluster",
        ClusterAddressTaken = "cluster-address-taken": "a host's or director's address is also an address or a VIP of another cluster",
        ClusterNameTaken = "cluster-name-taken": "a host or director name is also a machine of another cluster (letter case aside)",
        ClusterRouterIdTaken = "cluster-router-id-taken": "two clusters whose directors may share a segment use the same `virtual_router_id` in one address family, or the same connection sync id",
    }
    "Around the inventory" {
        InventoryUnreadable = "inventory-unreadable": "the inventory file cannot be read",
        UnknownHostSelected = "unknown-host-selected": "`--host` names no host or director of the inventory",
        TemplateDirUnreadable = "template-dir-unreadable": "the `--templates` directory cannot be read",
        UnknownTemplate = "unknown-template": "a file in the `--templates` directory that is not a template lvs-dr-gen knows",
        TemplateDeprecatedKeyword = "template-deprecated-keyword": "a user template uses a keepalived keyword that keepalived no longer reads",
        TemplateError = "template-error": "a template fails to compile or render",
        OutputIo = "output-io": "reading or writing the output directory failed",
        OutputNotARegularFile = "output-not-a-regular-file": "a link, FIFO, device or folder where lvs-dr-gen reads, writes or removes",
        OutputForeignFile = "output-foreign-file": "a file lvs-dr-gen did not write is in the way (one per file)",
        OutputCorruptManifest = "output-corrupt-manifest": "the output directory's manifest cannot be read",
    }
    "`check` only" {
        OutOfSync = "out-of-sync": "a file `render` would create, update or remove, or a temp file of an interrupted run it would remove (one per file; `file` is `OUT/<host>/…`; the diff is not printed with `--format json`)",
    }
    "`verify` only" {
        VerifyTrouble = "verify-trouble": "`verify` cannot read the live state (a recorded state file, a command it runs) or render the files it compares",
    }
    "`apply` only" {
        ApplyNotRoot = "apply-not-root": "`apply` was run without root and without `--dry-run`; nothing was changed",
        ApplyFilesNotInstalled = "apply-files-not-installed": "an installed file is missing or not the rendered one: config management must install OUT/<host>/ before `apply`; nothing was changed",
        ApplyKeepalivedRejects = "apply-keepalived-rejects": "on a director, `keepalived -t` rejects the installed keepalived.conf; nothing was changed",
        ApplyTrouble = "apply-trouble": "`apply` cannot read the live state or find the machine in the inventory; nothing was changed",
        ApplyFailed = "apply-failed": "an action of `apply` failed (a command or a write below /proc/sys); the actions before it were done",
    }
    "`plan` (the `code` of each change in `plan --format json`'s `unsafe` list)" {
        RemoveUndrainedHost = "remove-undrained-host": "a host is removed while the directors still send it new connections",
        RemoveUndrainedVip = "remove-undrained-vip": "a VIP is removed while its real servers still take new connections for it",
        RemoveUndrainedVirtualServer = "remove-undrained-virtual-server": "a virtual server is removed while its real servers still take new connections",
        LeaveServiceUndrained = "leave-service-undrained": "a host leaves a service while the directors still send it new connections there",
        ReaddressUndrainedHost = "readdress-undrained-host": "a host's address changes while the directors still send it new connections",
        AddressChangesHost = "address-changes-host": "an address passes from one host name to another while the directors send it new connections",
        CapacityBelowShare = "capacity-below-share": "a service is left with less than a share of the weight that took its new connections (`--capacity-share`, one half by default)",
        AgentPortChange = "agent-port-change": "the VIP-aware agent's port changes: the directors would ask the old port of agents that moved",
        ServiceWithoutWeight = "service-without-weight": "a service keeps its VIPs but is left with no weight taking new connections, and no sorry server",
    }
    "Warnings (`validate`: reported, exit 0)" {
        ServiceFullyDrained = "service-fully-drained": "every real server of a service is drained: the directors accept no new connection for its VIPs",
    }
}

impl fmt::Display for Code {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A code's exact string form is its only text form: JSON carries it as is.
impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Reads a code back from its exact [`Code::as_str`] form; anything else
/// (another case, a prefix, extra text) is not a code.
impl FromStr for Code {
    type Err = UnknownCode;

    fn from_str(text: &str) -> Result<Self, UnknownCode> {
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == text)
            .ok_or(UnknownCode)
    }
}

/// The text is not the string form of any [`Code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownCode;

/// The generated list of codes in doc/diagnostics.md: a heading line per
/// group, then one bullet per code with its description.
#[cfg(test)]
fn markdown_list() -> String {
    use fmt::Write as _;

    let mut text = String::new();
    for (group, codes) in Code::GROUPS {
        // Writing to a String cannot fail.
        let _ = write!(text, "{group}:\n\n");
        for code in *codes {
            let _ = writeln!(text, "- `{code}`: {}", code.description());
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// The marks around the generated list in doc/diagnostics.md.
    const LIST_START: &str =
        "<!-- codes: generated from src/code.rs, `UPDATE_GOLDEN=1 cargo test` rewrites it -->\n";
    const LIST_END: &str = "<!-- end of codes -->";

    fn repository() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn every_code_round_trips_through_its_string_form() {
        let mut seen = BTreeSet::new();
        for &code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} is listed twice");
            assert_eq!(code.as_str().parse::<Code>(), Ok(code));
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
            let name = code.as_str();
            assert!(
                !name.is_empty()
                    && name.split('-').all(|word| !word.is_empty()
                        && word
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{name} is not kebab-case"
            );
            assert!(!code.description().contains('\n'), "{name}: one line");
        }
        let grouped: usize = Code::GROUPS.iter().map(|(_, codes)| codes.len()).sum();
        assert_eq!(grouped, Code::ALL.len());
        assert_eq!("Unknown-Key".parse::<Code>(), Err(UnknownCode));
        assert_eq!("unknown-key ".parse::<Code>(), Err(UnknownCode));
    }

    /// doc/diagnostics.md lists exactly the codes of [`Code`], each with its
    /// description; `UPDATE_GOLDEN=1` rewrites the list from the enum.
    #[test]
    fn the_docs_list_every_code_and_nothing_else() {
        let path = repository().join("doc/diagnostics.md");
        let text = std::fs::read_to_string(&path).unwrap();
        let start = text.find(LIST_START).expect("the start mark of the list") + LIST_START.len();
        let end = start
            + text[start..]
                .find(LIST_END)
                .expect("the end mark of the list");
        let expected = markdown_list();
        if text[start..end] == expected {
            return;
        }
        let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1");
        assert!(
            update && std::env::var_os("CI").is_none(),
            "doc/diagnostics.md's list of codes differs from src/code.rs \
             (UPDATE_GOLDEN=1 cargo test rewrites it):\n--- doc\n{}\n--- enum\n{expected}",
            &text[start..end]
        );
        let rewritten = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(&path, rewritten).unwrap();
    }

    /// Every code in the golden cases' expected JSON (diagnostics and plan
    /// changes) is a [`Code`]; and the golden cases use most of them.
    #[test]
    fn every_code_in_the_golden_cases_is_a_code() {
        let mut files = Vec::new();
        for case in std::fs::read_dir(repository().join("golden")).unwrap() {
            let case = case.unwrap().path();
            files.push(case.join("expected.jsonl"));
            if case.ends_with("plan") {
                for plan in std::fs::read_dir(&case).unwrap() {
                    files.push(plan.unwrap().path().join("expected.json"));
                }
            }
            if case.ends_with("site") {
                for site in std::fs::read_dir(&case).unwrap() {
                    files.push(site.unwrap().path().join("expected.jsonl"));
                }
            }
        }
        let mut found = 0;
        for file in files.iter().filter(|file| file.is_file()) {
            let text = std::fs::read_to_string(file).unwrap();
            for line in text.lines().filter(|line| !line.trim().is_empty()) {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                let codes: Vec<&serde_json::Value> = match value.get("unsafe") {
                    Some(changes) => changes
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|change| &change["code"])
                        .collect(),
                    None => vec![&value["code"]],
                };
                for code in codes {
                    let code = code
                        .as_str()
                        .unwrap_or_else(|| panic!("{}: no code", file.display()));
                    assert!(
                        code.parse::<Code>().is_ok(),
                        "{}: `{code}` is not a Code",
                        file.display()
                    );
                    found += 1;
                }
            }
        }
        assert!(found > 50, "only {found} codes found in golden/");
    }
}
