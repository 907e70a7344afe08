//! The rules of a service's health check: which kind of check (HTTP,
//! HTTPS, TCP, UDP or DNS) each balanced port gets, and the refusal of a
//! check that can never pass on its port, such as plain HTTP on 443, where
//! the real servers speak TLS, or a TCP check of a port balanced as UDP:
//! keepalived would take every one of them out.

use super::model;
use super::problems::Problems;
use crate::code::Code;
use crate::inventory::{self, CheckKinds};
use crate::values::{CheckKind, DnsType, PortSpec, Protocol};
use crate::yaml::InventoryPath;

/// Seconds between health checks unless the inventory says otherwise.
pub const DEFAULT_CHECK_INTERVAL: u32 = 6;
/// Seconds a health check waits for the answer unless the inventory says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: u32 = 3;
/// Retries of a failed health check unless the inventory says otherwise.
pub const DEFAULT_RETRY: u32 = 3;
/// Seconds between those retries unless the inventory says otherwise.
pub const DEFAULT_DELAY_BEFORE_RETRY: u32 = 3;

/// The port of HTTPS (RFC 9110): its clients speak TLS first, so a real
/// server that serves them answers no plain HTTP there.
const HTTPS_PORT: u32 = 443;
/// The port of plain HTTP: a server that serves its clients there fails
/// every TLS handshake.
const HTTP_PORT: u32 = 80;

/// Where a port's kind of check comes from, to name it in a refusal.
#[derive(Clone, Copy)]
enum Source {
    /// `kind: KIND`, for every port.
    Every,
    /// `kind: {PORT: KIND}`.
    Port(PortSpec),
    /// `tls: true` or `tls: false`.
    Tls,
    /// Nothing written: the default (never refused).
    Default,
}

/// Checks the health check of the service at `service_path` (such as
/// `services.www`), balanced on `ports`, and builds its model with the
/// defaults applied; every problem is added to `problems`.
pub(super) fn health_check(
    service_path: &InventoryPath,
    check: &inventory::HealthCheck,
    ports: &[PortSpec],
    problems: &mut Problems,
) -> model::HealthCheck {
    let path = service_path.clone().key("health_check");
    if check.kind.is_some() && check.tls.is_some() {
        problems.add(
            Code::HealthCheckTlsWithKind,
            path.clone().key("tls"),
            "`tls` is the older way to write `kind: https` (or `kind: http`), and this check \
             has `kind`: remove `tls`",
        );
    }
    if let Some(CheckKinds::PerPort(kinds)) = &check.kind {
        for (port, _) in &kinds.0 {
            check_port_is_balanced(&path, *port, ports, problems);
        }
    }
    let kinds: Vec<(PortSpec, CheckKind)> = ports
        .iter()
        .map(|port| {
            let (kind, source) = port_kind(check, *port);
            let checked = check.port.map_or(u32::from(port.port()), |port| port.get());
            if !refuse_other_protocol(&path, kind, source, *port, checked, problems) {
                refuse_impossible(&path, kind, source, checked, problems);
            }
            (*port, kind)
        })
        .collect();
    let uses = Uses::of(check, &kinds, ports);
    refuse_missing_keys(&path, check, &uses, problems);
    if !uses.page {
        refuse_page_keys(&path, check, &kinds, problems);
    }
    refuse_unread_keys(&path, check, &uses, problems);
    model_check(check, kinds, &uses)
}

/// Which of the kinds' own keys the check reads on some port: the page's
/// (HTTP, HTTPS), the question's (DNS), the datagram's (UDP).
struct Uses {
    page: bool,
    dns: bool,
    udp: bool,
}

impl Uses {
    /// What the check with the ports' `kinds` reads.
    fn of(
        check: &inventory::HealthCheck,
        kinds: &[(PortSpec, CheckKind)],
        ports: &[PortSpec],
    ) -> Self {
        let is = |wanted: CheckKind| move |kind: CheckKind| kind == wanted;
        Uses {
            page: any_port(check, kinds, ports, CheckKind::fetches_page, || {
                check.tls.is_some() || check.path.is_some()
            }),
            dns: any_port(check, kinds, ports, is(CheckKind::Dns), || {
                check.query.is_some()
            }),
            udp: any_port(check, kinds, ports, is(CheckKind::Udp), || {
                check.send.is_some() || check.reply.is_some()
            }),
        }
    }
}

/// The keys a kind needs: a `path` for a page, a `query` for DNS.
fn refuse_missing_keys(
    path: &InventoryPath,
    check: &inventory::HealthCheck,
    uses: &Uses,
    problems: &mut Problems,
) {
    if uses.page && check.path.is_none() {
        problems.add_missing(
            Code::HealthCheckWithoutPath,
            (path.clone().key("path"), path),
            "an HTTP or HTTPS check fetches a page from each real server: add its `path`, \
             such as `path: /healthz`, or write `kind: tcp` to check only that the port \
             accepts connections",
        );
    }
    if uses.dns && check.query.is_none() {
        problems.add_missing(
            Code::HealthCheckDnsWithoutQuery,
            (path.clone().key("query"), path),
            "a DNS check asks each real server for a name and passes on an answer without \
             error: add the `query`, a name the servers answer for (such as `query: \
             www.example.org`; `query: .` asks a resolver for the root), or write `kind: udp`",
        );
    }
}

/// Whether the check is of a kind `wanted` on some balanced port; for a
/// service without ports (refused elsewhere when directors balance it), as
/// `kind` says for every port, else as `written` (whether that kind's keys
/// are written) says.
fn any_port(
    check: &inventory::HealthCheck,
    kinds: &[(PortSpec, CheckKind)],
    ports: &[PortSpec],
    wanted: impl Fn(CheckKind) -> bool,
    written: impl Fn() -> bool,
) -> bool {
    match (&check.kind, ports.is_empty()) {
        (Some(CheckKinds::Every(kind)), true) => wanted(*kind),
        (_, true) => written(),
        (_, false) => kinds.iter().any(|(_, kind)| wanted(*kind)),
    }
}

/// The kind of check on the balanced `port`, and where it comes from: the
/// inventory's `kind` (for every port, or for this one), else `tls`, else
/// the default: on a TCP port, with a `path`, HTTPS where the checked port
/// is 443 and HTTP elsewhere, without one TCP; on a UDP port, DNS with a
/// `query`, UDP without.
fn port_kind(check: &inventory::HealthCheck, port: PortSpec) -> (CheckKind, Source) {
    let written = match &check.kind {
        Some(CheckKinds::Every(kind)) => Some((*kind, Source::Every)),
        Some(CheckKinds::PerPort(kinds)) => kinds
            .0
            .iter()
            .find(|(spec, _)| *spec == port)
            .map(|(_, kind)| (*kind, Source::Port(port))),
        None => check.tls.map(|tls| {
            let kind = if tls {
                CheckKind::Https
            } else {
                CheckKind::Http
            };
            (kind, Source::Tls)
        }),
    };
    written.unwrap_or_else(|| {
        let checked = check.port.map_or(u32::from(port.port()), |port| port.get());
        let kind = match (port.protocol(), &check.path, &check.query, checked) {
            (Protocol::Udp, _, Some(_), _) => CheckKind::Dns,
            (Protocol::Udp, _, None, _) => CheckKind::Udp,
            (Protocol::Tcp, None, _, _) => CheckKind::Tcp,
            (Protocol::Tcp, Some(_), _, HTTPS_PORT) => CheckKind::Https,
            (Protocol::Tcp, Some(_), _, _) => CheckKind::Http,
        };
        (kind, Source::Default)
    })
}

/// A port named in `kind` must be one the service balances.
fn check_port_is_balanced(
    path: &InventoryPath,
    port: PortSpec,
    ports: &[PortSpec],
    problems: &mut Problems,
) {
    if ports.contains(&port) {
        return;
    }
    let written: Vec<String> = ports.iter().map(ToString::to_string).collect();
    let hint = match ports.iter().find(|spec| spec.port() == port.port()) {
        Some(same_number) => format!("did you mean `{same_number}`?"),
        None if ports.is_empty() => "it balances none".to_owned(),
        None => format!("name one of its ports: {}", written.join(", ")),
    };
    problems.add(
        Code::HealthCheckUnknownPort,
        path.clone().key("kind").key(port),
        format!(
            "the service balances no port {}/{}, so no check would run there: {hint}",
            port.port(),
            port.protocol().name()
        ),
    );
}

/// Refuses a check that speaks another transport than its balanced `port`
/// where it checks that port itself (no `port:` elsewhere): a TCP, HTTP or
/// HTTPS check of a UDP port, a UDP or DNS check of a TCP port. A server
/// that serves only the balanced protocol there fails it every time, and
/// one that serves both passes it while the balanced service is down.
/// Returns whether it refused.
fn refuse_other_protocol(
    path: &InventoryPath,
    kind: CheckKind,
    source: Source,
    port: PortSpec,
    checked: u32,
    problems: &mut Problems,
) -> bool {
    if kind.protocol() == port.protocol() || checked != u32::from(port.port()) {
        return false;
    }
    let (balanced, spoken) = (
        port.protocol().name().to_ascii_uppercase(),
        kind.protocol().name().to_ascii_uppercase(),
    );
    let (first, others) = match port.protocol() {
        Protocol::Udp => ("udp", "or `dns`, with a `query`"),
        Protocol::Tcp => ("tcp", "or `http` or `https`, with a `path`"),
    };
    let (at, fix) = match source {
        Source::Port(port) => (
            path.clone().key("kind").key(port),
            format!("write `{port}: {first}` ({others})"),
        ),
        Source::Every => (
            path.clone().key("kind"),
            format!(
                "leave `kind` out (each port then gets a check of its own protocol) or give the \
                 ports their own kinds, such as `kind: {{{port}: {first}}}` ({others})"
            ),
        ),
        Source::Tls => (
            path.clone().key("tls"),
            format!(
                "remove `tls` (each port then gets a check of its own protocol) and give the \
                 ports their own kinds, such as `kind: {{{port}: {first}}}` ({others})"
            ),
        ),
        Source::Default => return false,
    };
    problems.add(
        Code::HealthCheckCannotPass,
        at,
        format!(
            "{} of port {port} speaks {spoken}, and the service balances that port as \
             {balanced}: keepalived takes out every real server that serves only {balanced} \
             there, and keeps one that serves both while its {balanced} service is down: {fix}, \
             or point the check at a \
             {spoken} port with `port:`",
            article(kind)
        ),
    );
    true
}

/// The check's kind with its article, for a message: `a TCP check`.
fn article(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::Http => "an HTTP check",
        CheckKind::Https => "an HTTPS (TLS) check",
        CheckKind::Tcp => "a TCP check",
        CheckKind::Udp => "a UDP check",
        CheckKind::Dns => "a DNS check",
    }
}

/// Refuses a check whose kind never passes on the port it checks: plain
/// HTTP on 443, TLS on 80. Other ports may carry either (plain HTTP on
/// 8443 is unusual, not impossible).
fn refuse_impossible(
    path: &InventoryPath,
    kind: CheckKind,
    source: Source,
    checked: u32,
    problems: &mut Problems,
) {
    let (what, why, wanted, other_port) = match (kind, checked) {
        (CheckKind::Http, HTTPS_PORT) => (
            "a plain HTTP check",
            "port 443 speaks HTTPS, and an HTTPS server answers no plain HTTP",
            CheckKind::Https,
            "a plain-HTTP port",
        ),
        (CheckKind::Https, HTTP_PORT) => (
            "an HTTPS (TLS) check",
            "port 80 speaks plain HTTP, and a plain HTTP server fails every TLS handshake",
            CheckKind::Http,
            "a TLS port",
        ),
        _ => return,
    };
    let wanted = wanted.name();
    let (at, fix) = match source {
        Source::Default => return,
        Source::Every => (
            path.clone().key("kind"),
            format!(
                "leave `kind` out (a check with a `path` is HTTPS on port 443 and HTTP on the \
                 others) or write `kind: {wanted}`, point the check at {other_port} with \
                 `port:`, or check only the connection with `kind: tcp`"
            ),
        ),
        Source::Port(port) => (
            path.clone().key("kind").key(port),
            format!(
                "write `{port}: {wanted}`, point the check at {other_port} with `port:`, or \
                 check only the connection with `{port}: tcp`"
            ),
        ),
        Source::Tls => (
            path.clone().key("tls"),
            format!(
                "remove `tls` (a check with a `path` is HTTPS on port 443 and HTTP on the \
                 others) or write `kind: {wanted}`, point the check at {other_port} with \
                 `port:`, or check only the connection with `kind: tcp`"
            ),
        ),
    };
    problems.add(
        Code::HealthCheckCannotPass,
        at,
        format!(
            "{what} of port {checked} can never pass: {why}, so keepalived would take every \
             real server out of the service: {fix}"
        ),
    );
}

/// A check that fetches no page on any port (TCP, UDP or DNS only) has no
/// use for the page's keys; they would let a reader believe the page is
/// checked.
fn refuse_page_keys(
    path: &InventoryPath,
    check: &inventory::HealthCheck,
    kinds: &[(PortSpec, CheckKind)],
    problems: &mut Problems,
) {
    let written = [
        ("path", check.path.is_some()),
        ("expect", check.expect.is_some()),
        ("status_code", check.status_code.is_some()),
    ];
    let mut names: Vec<&str> = Vec::new();
    for (_, kind) in kinds {
        if !names.contains(&kind.name()) {
            names.push(kind.name());
        }
    }
    let what = match names.as_slice() {
        [] | ["tcp"] => {
            "this is a TCP check on every port, which only connects and reads no page".to_owned()
        }
        _ => format!(
            "no port's check fetches a page (this check is {} here)",
            names.join(" and ")
        ),
    };
    for (key, _) in written.iter().filter(|(_, present)| *present) {
        problems.add(
            Code::HealthCheckTcpReadsNoPage,
            path.clone().key(key),
            format!(
                "{what}, so `{key}` would never be checked: remove it, or make the check fetch a \
                 page (`kind: http` or `https`, with a `path`)"
            ),
        );
    }
}

/// Refuses the keys of a DNS or UDP check where no port's check is of that
/// kind: they would let a reader believe the question is asked or the
/// datagram sent.
fn refuse_unread_keys(
    path: &InventoryPath,
    check: &inventory::HealthCheck,
    uses: &Uses,
    problems: &mut Problems,
) {
    let written = [
        ("query", check.query.is_some(), uses.dns, "dns"),
        ("query_type", check.query_type.is_some(), uses.dns, "dns"),
        ("send", check.send.is_some(), uses.udp, "udp"),
        ("reply", check.reply.is_some(), uses.udp, "udp"),
    ];
    for (key, _, _, kind) in written
        .iter()
        .filter(|(_, present, used, _)| *present && !used)
    {
        problems.add(
            Code::HealthCheckUnreadKey,
            path.clone().key(key),
            format!(
                "no port's check is `{kind}`, so `{key}` would never be used: remove it, or make \
                 a UDP port's check `{kind}` (`kind: {kind}`, or `kind: {{53/udp: {kind}}}` for \
                 one port)"
            ),
        );
    }
}

/// The model of a valid check. With neither `expect` nor `status_code`, a
/// healthy page is one that answers 200; a DNS question is of type SOA
/// unless written.
fn model_check(
    check: &inventory::HealthCheck,
    kinds: Vec<(PortSpec, CheckKind)>,
    uses: &Uses,
) -> model::HealthCheck {
    let expect = check.expect.as_ref().map(|text| text.get().clone());
    let status_code = match (&expect, check.status_code) {
        (_, Some(code)) => Some(code.get()),
        (Some(_), None) => None,
        (None, None) => uses.page.then_some(200),
    };
    model::HealthCheck {
        kinds,
        path: check.path.as_ref().map(|path| path.get().clone()),
        expect,
        status_code,
        port: check.port.map(|port| port.get()),
        interval: check.interval.map_or(DEFAULT_CHECK_INTERVAL, |s| s.get()),
        connect_timeout: check
            .connect_timeout
            .map_or(DEFAULT_CONNECT_TIMEOUT, |s| s.get()),
        retry: check.retry.map_or(DEFAULT_RETRY, |n| n.get()),
        delay_before_retry: check
            .delay_before_retry
            .map_or(DEFAULT_DELAY_BEFORE_RETRY, |s| s.get()),
        query: check
            .query
            .as_ref()
            .filter(|_| uses.dns)
            .map(|name| (name.get().clone(), check.query_type.unwrap_or(DnsType::Soa))),
        send: check
            .send
            .as_ref()
            .filter(|_| uses.udp)
            .map(|hex| hex.get().clone()),
        reply: check
            .reply
            .as_ref()
            .filter(|_| uses.udp)
            .map(|hex| hex.get().clone()),
    }
}

#[cfg(test)]
mod tests {
    use crate::code::Code;
    use crate::inventory;
    use crate::validate::validate;
    use crate::values::CheckKind::{self, Dns, Http, Https, Tcp, Udp};

    /// Each port as written with its kind, or the codes of the problems.
    type Kinds = Result<Vec<(String, CheckKind)>, Vec<Code>>;

    /// The kind of check on each port of the one service `web` with
    /// `ports` and `check` (YAML flow mappings), or the problems' codes.
    fn kinds(ports: &str, check: &str) -> Kinds {
        let text = format!(
            "version: 1\nservices:\n  web: {{vips: [198.51.100.1], ports: {ports}, \
             health_check: {check}}}\nhosts:\n  web01: {{address: 192.0.2.11, services: [web]}}\n"
        );
        let raw = inventory::parse("i.yaml", &text).expect("parses");
        match validate("i.yaml", &raw) {
            Ok(model) => Ok(model.services[0]
                .health_check
                .as_ref()
                .expect("a check")
                .kinds
                .iter()
                .map(|(port, kind)| (port.to_string(), *kind))
                .collect()),
            Err(problems) => Err(problems.iter().map(|p| p.code).collect()),
        }
    }

    /// The kinds of a valid check, as `kinds` returns them inside `Ok`.
    fn owned(list: &[(&str, CheckKind)]) -> Vec<(String, CheckKind)> {
        list.iter().map(|(p, k)| ((*p).to_owned(), *k)).collect()
    }

    #[test]
    fn a_path_check_is_https_where_the_checked_port_is_443() {
        let both = Ok(owned(&[("80", Http), ("443", Https)]));
        assert_eq!(kinds("[80, 443]", "{path: /h}"), both);
        // A UDP port gets a UDP check: the page is another port's.
        assert_eq!(
            kinds("[443, 443/udp]", "{path: /h}"),
            Ok(owned(&[("443", Https), ("443/udp", Udp)]))
        );
        // The checked port decides, not the balanced one.
        assert_eq!(
            kinds("[80, 443]", "{path: /h, port: 80}"),
            Ok(owned(&[("80", Http), ("443", Http)]))
        );
        assert_eq!(
            kinds("[8080]", "{path: /h, port: 443}"),
            Ok(owned(&[("8080", Https)]))
        );
        // 8443 is HTTPS by custom only: plain HTTP unless written.
        assert_eq!(kinds("[8443]", "{path: /h}"), Ok(owned(&[("8443", Http)])));
    }

    #[test]
    fn without_a_path_the_check_is_tcp() {
        assert_eq!(
            kinds("[25, 443]", "{}"),
            Ok(owned(&[("25", Tcp), ("443", Tcp)]))
        );
        assert_eq!(
            kinds("[53/udp]", "{port: 53}"),
            Ok(owned(&[("53/udp", Udp)]))
        );
    }

    #[test]
    fn a_udp_port_gets_dns_with_a_query_and_udp_without() {
        assert_eq!(
            kinds("[53, 53/udp]", "{query: www.example.org}"),
            Ok(owned(&[("53", Tcp), ("53/udp", Dns)]))
        );
        assert_eq!(
            kinds("[123/udp]", "{send: e3000000, reply: x4}"),
            Ok(owned(&[("123/udp", Udp)]))
        );
        assert_eq!(
            kinds("[80, 514/udp]", "{path: /h, kind: {514/udp: udp}}"),
            Ok(owned(&[("80", Http), ("514/udp", Udp)]))
        );
    }

    #[test]
    fn a_check_of_another_protocol_than_its_port_is_refused() {
        let cannot = Err(vec![Code::HealthCheckCannotPass]);
        assert_eq!(kinds("[53/udp]", "{kind: tcp}"), cannot);
        assert_eq!(kinds("[53, 53/udp]", "{kind: {53/udp: tcp}}"), cannot);
        assert_eq!(kinds("[443/udp]", "{path: /h, kind: https}"), cannot);
        assert_eq!(kinds("[443, 443/udp]", "{path: /h, tls: true}"), cannot);
        assert_eq!(kinds("[80]", "{kind: udp}"), cannot);
        assert_eq!(kinds("[53]", "{kind: dns, query: a.example}"), cannot);
        // Checked on the same number, the balanced protocol still counts.
        assert_eq!(kinds("[53/udp]", "{kind: tcp, port: 53}"), cannot);
        // Pointed at another port, the check may speak what that port does.
        assert_eq!(
            kinds("[53/udp]", "{kind: http, path: /h, port: 8053}"),
            Ok(owned(&[("53/udp", Http)]))
        );
        assert_eq!(
            kinds("[8125]", "{kind: udp, port: 8126}"),
            Ok(owned(&[("8125", Udp)]))
        );
    }

    #[test]
    fn a_dns_check_needs_its_query_and_keys_no_port_reads_are_refused() {
        assert_eq!(
            kinds("[53/udp]", "{kind: dns}"),
            Err(vec![Code::HealthCheckDnsWithoutQuery])
        );
        assert_eq!(
            kinds("[53/udp]", "{kind: dns, query_type: A}"),
            Err(vec![Code::HealthCheckDnsWithoutQuery])
        );
        let unread = |n| Err(vec![Code::HealthCheckUnreadKey; n]);
        assert_eq!(kinds("[80]", "{query: a.example}"), unread(1));
        assert_eq!(kinds("[80]", "{send: '00', reply: xx}"), unread(2));
        assert_eq!(
            kinds("[53/udp]", "{query: a.example, send: '00'}"),
            unread(1)
        );
        assert_eq!(
            kinds("[53/udp]", "{kind: udp, query: a.example, query_type: A}"),
            unread(2)
        );
        assert_eq!(
            kinds("[53/udp]", "{path: /h}"),
            Err(vec![Code::HealthCheckTcpReadsNoPage])
        );
    }

    #[test]
    fn written_kinds_win_and_tls_still_works() {
        assert_eq!(
            kinds("[8443]", "{path: /h, kind: https}"),
            Ok(owned(&[("8443", Https)]))
        );
        assert_eq!(
            kinds("[8443]", "{path: /h, kind: http}"),
            Ok(owned(&[("8443", Http)]))
        );
        assert_eq!(
            kinds("[443]", "{path: /h, tls: true}"),
            Ok(owned(&[("443", Https)]))
        );
        assert_eq!(
            kinds(
                "[80, 443/tcp, 8443]",
                "{path: /h, kind: {443: tcp, 8443: https}}"
            ),
            Ok(owned(&[("80", Http), ("443", Tcp), ("8443", Https)]))
        );
    }

    #[test]
    fn checks_that_cannot_pass_are_refused() {
        let cannot = Err(vec![Code::HealthCheckCannotPass]);
        assert_eq!(kinds("[443]", "{path: /h, kind: http}"), cannot);
        assert_eq!(kinds("[443]", "{path: /h, tls: false}"), cannot);
        assert_eq!(kinds("[80]", "{path: /h, kind: https}"), cannot);
        assert_eq!(kinds("[80, 443]", "{path: /h, kind: {443: http}}"), cannot);
        assert_eq!(kinds("[8080]", "{path: /h, kind: https, port: 80}"), cannot);
        // TCP connects to either.
        assert!(kinds("[80, 443]", "{kind: tcp}").is_ok());
    }
}
