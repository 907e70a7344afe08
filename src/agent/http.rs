//! The little HTTP the VIP-aware health agent speaks: one request per
//! connection (`GET /vip/<ip>`, HTTP/1.0 or 1.1, as keepalived's
//! `HTTP_GET` sends it), one answer, then the connection closes. Pure: a
//! request's bytes in, a [`Response`] out, so that every kind of garbage
//! is unit-tested without a socket.

use std::net::IpAddr;

/// The most a request may hold, request line and headers together:
/// keepalived's is about 100 bytes. A longer one is refused unread.
pub const MAX_REQUEST: usize = 4096;

/// An answer: its status code and a one-line body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The body, one line without its newline.
    pub body: String,
}

impl Response {
    /// An answer of `status` with `body`.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Response {
            status,
            body: body.into(),
        }
    }

    /// The bytes sent: an HTTP/1.0 status line, the headers that close the
    /// connection, and the body with a newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            503 => "Service Unavailable",
            _ => "Error",
        };
        let allow = if self.status == 405 {
            "Allow: GET\r\n"
        } else {
            ""
        };
        format!(
            "HTTP/1.0 {} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
             {allow}Cache-Control: no-store\r\nConnection: close\r\n\r\n{}\n",
            self.status,
            self.body.len() + 1,
            self.body
        )
        .into_bytes()
    }
}

/// What a complete request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `GET /vip/<ip>`: whether this host carries the VIP.
    Vip(IpAddr),
    /// Anything else, already answered (400, 404, 405).
    Refused(Response),
}

/// Whether `bytes` hold a complete request head (up to its blank line).
pub fn is_complete(bytes: &[u8]) -> bool {
    head_end(bytes).is_some()
}

/// The end of the request head: the blank line (CRLF CRLF, or LF LF as
/// lenient clients send).
fn head_end(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = bytes.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Parses a request head (or what arrived of it: an incomplete one is a
/// 400). Never panics, whatever the bytes.
pub fn parse(bytes: &[u8]) -> Request {
    let bad = |why: &str| Request::Refused(Response::new(400, why));
    if bytes.len() > MAX_REQUEST {
        return bad("request too large");
    }
    let Some(end) = head_end(bytes) else {
        return bad("incomplete request");
    };
    let Ok(head) = std::str::from_utf8(&bytes[..end]) else {
        return bad("request is not UTF-8");
    };
    let line = head.lines().next().unwrap_or_default();
    let mut words = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return bad("malformed request line");
    };
    if !matches!(version, "HTTP/1.0" | "HTTP/1.1") {
        return bad("only HTTP/1.0 and HTTP/1.1");
    }
    if method != "GET" {
        return Request::Refused(Response::new(405, "only GET"));
    }
    let Some(vip) = target.strip_prefix("/vip/") else {
        return Request::Refused(Response::new(404, "ask GET /vip/<address>"));
    };
    match vip.parse::<IpAddr>() {
        Ok(ip) => Request::Vip(ip),
        Err(_) => bad("not an IP address after /vip/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(bytes: &[u8]) -> u16 {
        match parse(bytes) {
            Request::Refused(response) => response.status,
            Request::Vip(ip) => panic!("{ip} accepted"),
        }
    }

    #[test]
    fn keepalived_requests_are_understood() {
        let ipv4 = b"GET /vip/10.0.0.100 HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.11:9180\r\n\r\n";
        assert_eq!(parse(ipv4), Request::Vip("10.0.0.100".parse().unwrap()));
        let ipv6 = b"GET /vip/2001:db8::100 HTTP/1.1\r\nHost: [2001:db8::11]:9180\r\n\r\n";
        assert_eq!(parse(ipv6), Request::Vip("2001:db8::100".parse().unwrap()));
        assert_eq!(
            parse(b"GET /vip/10.0.0.100 HTTP/1.0\n\n"),
            Request::Vip("10.0.0.100".parse().unwrap())
        );
    }

    #[test]
    fn everything_else_is_refused() {
        assert_eq!(refused(b"GET / HTTP/1.0\r\n\r\n"), 404);
        assert_eq!(refused(b"GET /vips/10.0.0.1 HTTP/1.0\r\n\r\n"), 404);
        assert_eq!(refused(b"POST /vip/10.0.0.1 HTTP/1.0\r\n\r\n"), 405);
        assert_eq!(refused(b"HEAD /vip/10.0.0.1 HTTP/1.0\r\n\r\n"), 405);
        assert_eq!(refused(b"GET /vip/10.0.0.300 HTTP/1.0\r\n\r\n"), 400);
        assert_eq!(refused(b"GET /vip/[2001:db8::1] HTTP/1.0\r\n\r\n"), 400);
        assert_eq!(refused(b"GET /vip/10.0.0.1/ HTTP/1.0\r\n\r\n"), 400);
        assert_eq!(refused(b"GET /vip/10.0.0.1 HTTP/2.0\r\n\r\n"), 400);
        assert_eq!(refused(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 400);
        assert_eq!(refused(b"GET /vip/10.0.0.1  HTTP/1.0\r\n\r\n"), 400);
        assert_eq!(refused(b"GET /vip/10.0.0.1\r\n\r\n"), 400);
        assert_eq!(refused(b"GET /vip/10.0.0.1 HTTP/1.0\r\n"), 400);
        assert_eq!(refused(b""), 400);
        assert_eq!(refused(b"\xff\xfe GET /vip/10.0.0.1 HTTP/1.0\r\n\r\n"), 400);
    }

    #[test]
    fn oversize_requests_are_refused() {
        let mut big = b"GET /vip/10.0.0.1 HTTP/1.0\r\nX: ".to_vec();
        big.resize(MAX_REQUEST + 1, b'a');
        big.extend_from_slice(b"\r\n\r\n");
        assert_eq!(refused(&big), 400);
        match parse(&big) {
            Request::Refused(response) => assert_eq!(response.body, "request too large"),
            Request::Vip(_) => unreachable!(),
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 7u32;
        for length in 0..600 {
            let bytes: Vec<u8> = (0..length)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    // Mostly the bytes requests are made of, so that the
                    // parser gets past its first steps.
                    b"GET /vip/1.: \r\n\xc3\x28"[(seed >> 16) as usize % 17]
                })
                .collect();
            let _ = parse(&bytes);
            let _ = is_complete(&bytes);
        }
    }

    #[test]
    fn responses_close_and_count_their_body() {
        let text = String::from_utf8(Response::new(503, "absent").to_bytes()).unwrap();
        assert!(
            text.starts_with("HTTP/1.0 503 Service Unavailable\r\n"),
            "{text}"
        );
        assert!(text.contains("Content-Length: 7\r\n"), "{text}");
        assert!(text.contains("Connection: close\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\nabsent\n"), "{text}");
        let text = String::from_utf8(Response::new(405, "only GET").to_bytes()).unwrap();
        assert!(text.contains("Allow: GET\r\n"), "{text}");
    }
}
