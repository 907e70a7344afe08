//! `lvs-dr-gen agent`: the VIP-aware health agent of a real server. The
//! directors' keepalived asks it, with one `HTTP_GET` per real server and
//! VIP, whether this host still carries the VIP: `GET /vip/<ip>` is
//! answered 200 `present` when the VIP is a host address here (/32 or
//! /128, not tentative, on an interface that is up) and, for an IPv4 VIP,
//! ARP stays silent (every interface's effective `arp_ignore` ≥ 1 and
//! `arp_announce` ≥ 2, the larger of `all` and its own), 503 with the
//! reason otherwise. A real server whose VIP is gone thus leaves that
//! VIP's virtual servers (keepalived takes a real server out at the first
//! failing checker of its `real_server` block).
//!
//! The agent reads the live system the way `verify` does (`live`: `ip -d
//! -j addr show` and /proc/sys), afresh for every request; it needs no
//! inventory and no privilege. It is one long-lived process that serves
//! one connection at a time (a request is read for at most
//! [`REQUEST_DEADLINE`]), started by systemd on the first connection to
//! `lvs-dr-gen-agent.socket`, which hands it the listening socket as its
//! standard input (`StandardInput=socket`, `Accept=no`), or listening on
//! `--listen ADDR:PORT` itself. The socket comes through standard input
//! rather than as fd 3 (`LISTEN_FDS`) because taking a raw fd number is
//! `unsafe` in Rust, which this crate denies; standard input can be
//! borrowed safely.
//!
//! [`ask`] is the other end, for `verify`'s `agent` check.

pub mod http;

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use crate::live::{self, LiveState, IPV4_CONF};
use crate::validate::model::host_prefix;
use http::{Request, Response};

/// How long a connection may take to send its request: a client that
/// sends nothing holds the agent no longer than this.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(2);

/// Whether this host carries `vip` so that the directors may send it
/// the VIP's connections: `Ok` or the reason why not, in one line.
pub fn judge(vip: IpAddr, live: &LiveState) -> Result<(), String> {
    let prefix = host_prefix(vip);
    let places: Vec<(&live::Link, &live::Address)> = live
        .interfaces
        .iter()
        .flat_map(|link| link.addr_info.iter().map(move |address| (link, address)))
        .filter(|(_, address)| address.local.parse::<IpAddr>() == Ok(vip))
        .collect();
    let usable = |(link, address): &(&live::Link, &live::Address)| {
        link.is_up() && address.prefixlen == prefix && !address.tentative && !address.dadfailed
    };
    if !places.iter().any(usable) {
        return Err(match places.first() {
            None => format!("absent: {vip} is not an address of this host"),
            Some((link, address)) => {
                let mut why = format!(
                    "absent: {vip} is on {} as /{}",
                    link.ifname, address.prefixlen
                );
                if address.prefixlen != prefix {
                    let _ = write!(why, ", not /{prefix}");
                }
                if !link.is_up() {
                    let _ = write!(why, ", and {} is down", link.ifname);
                }
                if address.tentative {
                    why.push_str(", tentative (duplicate address detection not finished)");
                }
                if address.dadfailed {
                    why.push_str(", duplicate address detection failed");
                }
                why
            }
        });
    }
    if vip.is_ipv4() {
        arp_silent(live)?;
    }
    Ok(())
}

/// Whether every interface but `lo` has an effective `arp_ignore` ≥ 1 and
/// `arp_announce` ≥ 2 (as the LVS-DR kernel parameters set them): else
/// this host may answer ARP for the VIP and draw the clients' packets
/// past the directors.
fn arp_silent(live: &LiveState) -> Result<(), String> {
    let value = |scope: &str, key: &str| {
        live.sysctl
            .get(&format!("{IPV4_CONF}/{scope}/{key}"))
            .and_then(Option::as_deref)
            .and_then(|text| text.trim().parse::<u32>().ok())
    };
    let prefix = format!("{IPV4_CONF}/");
    let mut interfaces: Vec<&str> = live
        .sysctl
        .keys()
        .filter_map(|key| key.strip_prefix(&prefix)?.split_once('/'))
        .map(|(name, _)| name)
        .filter(|name| !matches!(*name, "all" | "default" | "lo"))
        .collect();
    interfaces.dedup();
    for name in interfaces {
        for (key, least) in [("arp_ignore", 1), ("arp_announce", 2)] {
            let (Some(all), Some(own)) = (value("all", key), value(name, key)) else {
                return Err(format!("arp unknown: cannot read {key} of all or {name}"));
            };
            let effective = all.max(own);
            if effective < least {
                return Err(format!(
                    "arp: {key} of {name} is {effective} (all={all}, {name}={own}), below {least}: \
                     this host may answer ARP for the VIP"
                ));
            }
        }
    }
    Ok(())
}

/// The answer to one request's bytes; `read` reads the live system (only
/// for a well-formed `GET /vip/<ip>`).
pub fn answer(request: &[u8], read: impl FnOnce() -> Result<LiveState, String>) -> Response {
    match http::parse(request) {
        Request::Refused(response) => response,
        Request::Vip(vip) => match read() {
            Err(error) => Response::new(503, format!("unknown: {error}")),
            Ok(live) => match judge(vip, &live) {
                Ok(()) => Response::new(200, "present"),
                Err(why) => Response::new(503, why),
            },
        },
    }
}

/// The listening socket systemd hands over as standard input
/// (`StandardInput=socket` in lvs-dr-gen-agent.service); the error says
/// what standard input is instead.
pub fn inherited_listener() -> Result<TcpListener, String> {
    let stdin = io::stdin();
    let fd = stdin.as_fd();
    match rustix::net::sockopt::socket_acceptconn(fd) {
        Ok(true) => {}
        Ok(false) => return Err("standard input is a socket that does not listen".to_owned()),
        Err(error) => return Err(format!("standard input is not a socket ({error})")),
    }
    let owned = fd
        .try_clone_to_owned()
        .map_err(|error| format!("cannot take the socket of standard input: {error}"))?;
    Ok(TcpListener::from(owned))
}

/// Serves connections on `listener` one after the other, for as long as
/// the process runs. A failed connection is dropped; nothing ends the
/// loop.
pub fn serve(listener: &TcpListener) -> ! {
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(error) = serve_one(stream) {
                    // A client gone, or one too slow: nothing to answer.
                    let _ = error;
                }
            }
            // Out of file descriptors or memory, for a moment: wait.
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Reads one request (bounded in size and time), answers it, closes.
fn serve_one(mut stream: TcpStream) -> io::Result<()> {
    let request = read_request(&mut stream)?;
    let response = answer(&request, || {
        live::read_network().map_err(|error| error.to_string())
    });
    stream.set_write_timeout(Some(REQUEST_DEADLINE))?;
    stream.write_all(&response.to_bytes())?;
    linger(&mut stream)
}

/// Closes our side, then reads what the client still sends (a request
/// refused unread, up to 64 KiB, for at most a moment) before the socket
/// closes: closing with unread bytes would reset the connection, and the
/// client could lose the answer.
fn linger(stream: &mut TcpStream) -> io::Result<()> {
    stream.shutdown(std::net::Shutdown::Write)?;
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut sink = [0u8; 4096];
    let mut left: usize = 64 * 1024;
    while left > 0 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
    Ok(())
}

/// The request's head, or what came of it before [`REQUEST_DEADLINE`],
/// the end of the stream or [`http::MAX_REQUEST`] + 1 bytes.
fn read_request(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let deadline = Instant::now() + REQUEST_DEADLINE;
    let mut request = Vec::new();
    let mut chunk = [0u8; 1024];
    while !http::is_complete(&request) && request.len() <= http::MAX_REQUEST {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => request.extend_from_slice(&chunk[..n]),
            Err(error) if matches!(error.kind(), io::ErrorKind::Interrupted) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                break
            }
            Err(error) => return Err(error),
        }
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{agent_client, Address, Link};

    fn link(name: &str, up: bool, addresses: &[(&str, u8, bool)]) -> Link {
        Link {
            ifname: name.to_owned(),
            flags: if up {
                vec!["UP".to_owned()]
            } else {
                Vec::new()
            },
            addr_info: addresses
                .iter()
                .map(|(local, prefixlen, tentative)| Address {
                    family: if local.contains(':') { "inet6" } else { "inet" }.to_owned(),
                    local: (*local).to_owned(),
                    prefixlen: *prefixlen,
                    scope: "global".to_owned(),
                    tentative: *tentative,
                    dadfailed: false,
                })
                .collect(),
            linkinfo: None,
        }
    }

    fn state(links: Vec<Link>, arp: &[(&str, &str, &str)]) -> LiveState {
        let mut live = LiveState {
            interfaces: links,
            ..LiveState::default()
        };
        for (scope, ignore, announce) in arp {
            for (key, value) in [("arp_ignore", ignore), ("arp_announce", announce)] {
                live.sysctl.insert(
                    format!("{IPV4_CONF}/{scope}/{key}"),
                    Some((*value).to_owned()),
                );
            }
        }
        live
    }

    const SILENT: &[(&str, &str, &str)] =
        &[("all", "1", "2"), ("eth0", "0", "0"), ("lo", "0", "0")];

    fn rs(vips: &[(&str, u8, bool)], arp: &[(&str, &str, &str)]) -> LiveState {
        state(
            vec![
                link("lo", true, &[("127.0.0.1", 8, false)]),
                link("eth0", true, &[("10.0.0.11", 24, false)]),
                link("dummy0", true, vips),
            ],
            arp,
        )
    }

    fn vip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_vip_carried_with_arp_silent_is_present() {
        let live = rs(
            &[("10.0.0.100", 32, false), ("2001:db8::100", 128, false)],
            SILENT,
        );
        assert_eq!(judge(vip("10.0.0.100"), &live), Ok(()));
        assert_eq!(judge(vip("2001:db8::100"), &live), Ok(()));
    }

    #[test]
    fn a_missing_or_unusable_vip_is_absent_with_its_reason() {
        let live = rs(
            &[("10.0.0.101", 24, false), ("2001:db8::100", 128, true)],
            SILENT,
        );
        let why = |ip| judge(vip(ip), &live).unwrap_err();
        assert_eq!(
            why("10.0.0.100"),
            "absent: 10.0.0.100 is not an address of this host"
        );
        assert_eq!(
            why("10.0.0.101"),
            "absent: 10.0.0.101 is on dummy0 as /24, not /32"
        );
        assert!(
            why("2001:db8::100").contains("tentative"),
            "{}",
            why("2001:db8::100")
        );
        let down = state(
            vec![link("dummy0", false, &[("10.0.0.100", 32, false)])],
            SILENT,
        );
        assert_eq!(
            judge(vip("10.0.0.100"), &down).unwrap_err(),
            "absent: 10.0.0.100 is on dummy0 as /32, and dummy0 is down"
        );
    }

    #[test]
    fn a_host_that_may_answer_arp_fails_ipv4_vips_only() {
        let vips = [("10.0.0.100", 32, false), ("2001:db8::100", 128, false)];
        let loud = rs(
            &vips,
            &[("all", "0", "2"), ("eth0", "0", "2"), ("lo", "0", "0")],
        );
        let why = judge(vip("10.0.0.100"), &loud).unwrap_err();
        assert!(
            why.starts_with("arp: arp_ignore of dummy0 is 0")
                || why.starts_with("arp: arp_ignore of eth0 is 0"),
            "{why}"
        );
        assert_eq!(judge(vip("2001:db8::100"), &loud), Ok(()));
        // The interface's own value counts where it is the larger.
        let own = rs(
            &vips,
            &[
                ("all", "0", "0"),
                ("eth0", "1", "2"),
                ("dummy0", "1", "2"),
                ("lo", "0", "0"),
            ],
        );
        assert_eq!(judge(vip("10.0.0.100"), &own), Ok(()));
        let announce = rs(&vips, &[("all", "1", "1"), ("eth0", "0", "0")]);
        assert!(judge(vip("10.0.0.100"), &announce)
            .unwrap_err()
            .contains("arp_announce of eth0 is 1"));
    }

    #[test]
    fn answers_carry_status_and_reason() {
        let live = rs(&[("10.0.0.100", 32, false)], SILENT);
        let ask = |bytes: &[u8]| answer(bytes, || Ok(live.clone()));
        assert_eq!(
            ask(b"GET /vip/10.0.0.100 HTTP/1.0\r\n\r\n"),
            Response::new(200, "present")
        );
        assert_eq!(ask(b"GET /vip/10.0.0.200 HTTP/1.0\r\n\r\n").status, 503);
        assert_eq!(ask(b"GET /metrics HTTP/1.0\r\n\r\n").status, 404);
        let unreadable = answer(b"GET /vip/10.0.0.100 HTTP/1.0\r\n\r\n", || {
            Err("no ip".into())
        });
        assert_eq!(unreadable, Response::new(503, "unknown: no ip"));
    }

    /// The agent over a real socket: served by [`serve`] on a loopback
    /// port, asked by [`live::agent_client::ask`], with garbage and a silent client between.
    #[test]
    fn serves_over_tcp_and_survives_garbage() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || serve(&listener));
        let mut garbage = TcpStream::connect(address).unwrap();
        garbage.write_all(&[0xff; 10_000]).unwrap();
        let mut reply = Vec::new();
        let _ = garbage.read_to_end(&mut reply);
        assert!(
            reply.starts_with(b"HTTP/1.0 400 "),
            "{}",
            String::from_utf8_lossy(&reply)
        );
        // 127.0.0.1 is this machine's own address, on lo: /8, not /32.
        let (status, body) =
            agent_client::ask(address, vip("127.0.0.1"), Duration::from_secs(5)).unwrap();
        assert_eq!(
            (status, body.as_str()),
            (503, "absent: 127.0.0.1 is on lo as /8, not /32")
        );
        let (status, _) =
            agent_client::ask(address, vip("192.0.2.1"), Duration::from_secs(5)).unwrap();
        assert_eq!(status, 503);
    }
}
