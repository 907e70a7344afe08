//! Asking a real server's VIP-aware health agent (`lvs-dr-gen agent`)
//! about a VIP, as the directors' `HTTP_GET` does: what `verify`'s `agent`
//! check reads. The client half lives here, beside the other readings of
//! the live system; the agent itself (the server) is `crate::agent`.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

/// Asks the agent at `agent` about `vip`, as a director would: the status
/// code and the body's first line, or why there was no answer within
/// `timeout`.
pub fn ask(agent: SocketAddr, vip: IpAddr, timeout: Duration) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect_timeout(&agent, timeout)
        .map_err(|error| format!("no answer from {agent}: {error}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|error| format!("{agent}: {error}"))?;
    let host = match agent {
        SocketAddr::V4(_) => agent.to_string(),
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
    };
    let request = format!("GET /vip/{vip} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|error| format!("cannot ask {agent}: {error}"))?;
    let mut reply = Vec::new();
    stream
        .take(64 * 1024)
        .read_to_end(&mut reply)
        .map_err(|error| format!("no answer from {agent}: {error}"))?;
    parse_reply(&reply).ok_or_else(|| format!("{agent} does not answer in HTTP"))
}

/// The status code and the body's first line of an HTTP reply.
fn parse_reply(reply: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(reply);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.lines().next().unwrap_or_default().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_by_status_and_first_line() {
        assert_eq!(
            parse_reply(b"HTTP/1.0 200 OK\r\nContent-Length: 8\r\n\r\npresent\n"),
            Some((200, "present".to_owned()))
        );
        assert_eq!(parse_reply(b"SSH-2.0-OpenSSH\r\n"), None);
    }
}
