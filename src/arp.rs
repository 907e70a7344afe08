//! Who answers ARP for an address on the segment, for `verify --arp`:
//! [`ask`] sends ARP requests (RFC 826) out of one interface through a
//! packet socket and collects every reply, by address asked, with the MAC
//! address that answered. Several machines answering for one address is
//! exactly what `verify --arp` looks for (a real server answering for a
//! VIP), which the kernel's neighbour table cannot show: it keeps one.
//!
//! The frames are built and read here (pure, unit-tested); the socket is
//! rustix's. Binding a packet socket to an interface needs a
//! `struct sockaddr_ll`, which neither rustix nor socket2 nor nix can build
//! without `unsafe`: [`LinkLayerAddress`]'s `SocketAddrArg` impl is the
//! crate's one `unsafe` item, handing a `#[repr(C)]` copy of the kernel's
//! struct to rustix; the allowance is on that impl alone.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use rustix::net::addr::{SocketAddrArg, SocketAddrLen, SocketAddrOpaque};
use rustix::net::{
    self, netdevice, sockopt, AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType,
};

/// A MAC address, as `52:54:00:12:34:56`.
pub type Mac = String;

/// The addresses asked about, each with the MAC addresses that answered
/// (none when no one did).
pub type Answers = BTreeMap<Ipv4Addr, BTreeSet<Mac>>;

/// How many times each address is asked, and how long apart: a lost frame
/// or a neighbour busy resolving does not hide an answer.
const ROUNDS: u32 = 3;
const ROUND_GAP: Duration = Duration::from_millis(200);
/// How long replies are awaited after the last request.
const LINGER: Duration = Duration::from_millis(800);

/// The `EtherType` of ARP.
const ETHERTYPE_ARP: u16 = 0x0806;
/// ARP's operation codes.
const REQUEST: u16 = 1;
const REPLY: u16 = 2;
/// An Ethernet header and an ARP packet for IPv4 over Ethernet.
const FRAME_LEN: usize = 14 + 28;

/// Asks, from `interface` with `sender` as the source address, who has each
/// of `targets`; returns every answer. Needs `CAP_NET_RAW` (root).
pub fn ask(interface: &str, sender: Ipv4Addr, targets: &[Ipv4Addr]) -> io::Result<Answers> {
    let own_mac = own_mac(interface)?;
    let socket = bound_socket(interface)?;
    let mut answers: Answers = targets.iter().map(|ip| (*ip, BTreeSet::new())).collect();
    let mut buffer = [0u8; 1600];
    for round in 0..ROUNDS {
        for target in targets {
            net::send(
                &socket,
                &request(own_mac, sender, *target),
                SendFlags::empty(),
            )?;
        }
        let gap = if round + 1 == ROUNDS {
            LINGER
        } else {
            ROUND_GAP
        };
        let until = Instant::now() + gap;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            sockopt::set_socket_timeout(&socket, sockopt::Timeout::Recv, Some(left.max(MIN_WAIT)))?;
            let length = match net::recv(&socket, &mut buffer[..], RecvFlags::empty()) {
                Ok((length, _)) => length,
                Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => continue,
                Err(error) => return Err(error.into()),
            };
            if let Some((ip, mac)) = reply(&buffer[..length.min(buffer.len())], own_mac) {
                if let Some(macs) = answers.get_mut(&ip) {
                    macs.insert(format_mac(mac));
                }
            }
        }
    }
    Ok(answers)
}

/// A receive timeout of zero means "wait forever" to the kernel.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// A packet socket for ARP, bound to `interface`.
fn bound_socket(interface: &str) -> io::Result<OwnedFd> {
    let protocol = net::eth::ARP;
    let socket = net::socket_with(
        AddressFamily::PACKET,
        SocketType::RAW,
        SocketFlags::CLOEXEC,
        Some(protocol),
    )?;
    let index = netdevice::name_to_index(&socket, interface)?;
    let address = LinkLayerAddress {
        family: AddressFamily::PACKET.as_raw(),
        protocol: ETHERTYPE_ARP.to_be(),
        ifindex: i32::try_from(index).map_err(|_| io::Error::other("interface index too large"))?,
        hatype: 0,
        pkttype: 0,
        halen: 0,
        addr: [0; 8],
    };
    net::bind(&socket, &address)?;
    Ok(socket)
}

/// The interface's own MAC address, from sysfs.
fn own_mac(interface: &str) -> io::Result<[u8; 6]> {
    let text = fs::read_to_string(format!("/sys/class/net/{interface}/address"))?;
    parse_mac(text.trim()).ok_or_else(|| {
        io::Error::other(format!(
            "{interface} has no Ethernet address ({})",
            text.trim()
        ))
    })
}

/// An ARP request, broadcast: who has `target`? Tell `sender` (`mac`).
fn request(mac: [u8; 6], sender: Ipv4Addr, target: Ipv4Addr) -> [u8; FRAME_LEN] {
    let mut frame = [0u8; FRAME_LEN];
    frame[0..6].copy_from_slice(&[0xff; 6]);
    frame[6..12].copy_from_slice(&mac);
    frame[12..14].copy_from_slice(&ETHERTYPE_ARP.to_be_bytes());
    let arp = &mut frame[14..];
    arp[0..2].copy_from_slice(&1u16.to_be_bytes()); // Ethernet
    arp[2..4].copy_from_slice(&0x0800u16.to_be_bytes()); // IPv4
    arp[4] = 6;
    arp[5] = 4;
    arp[6..8].copy_from_slice(&REQUEST.to_be_bytes());
    arp[8..14].copy_from_slice(&mac);
    arp[14..18].copy_from_slice(&sender.octets());
    // The target MAC address (18..24) stays zero: that is what is asked.
    arp[24..28].copy_from_slice(&target.octets());
    frame
}

/// The sender of an ARP reply for IPv4 over Ethernet — the address it
/// answers for and its MAC address — unless the frame is something else or
/// our own (a packet socket also sees the frames this machine sends).
fn reply(frame: &[u8], own_mac: [u8; 6]) -> Option<(Ipv4Addr, [u8; 6])> {
    let arp = frame.get(14..FRAME_LEN)?;
    let is_reply = frame[12..14] == ETHERTYPE_ARP.to_be_bytes()
        && arp[0..6] == [0, 1, 8, 0, 6, 4]
        && arp[6..8] == REPLY.to_be_bytes();
    let mac: [u8; 6] = arp[8..14].try_into().ok()?;
    let ip: [u8; 4] = arp[14..18].try_into().ok()?;
    (is_reply && frame[6..12] != own_mac).then_some((Ipv4Addr::from(ip), mac))
}

fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let bytes: Vec<u8> = text
        .split(':')
        .map(|part| u8::from_str_radix(part, 16).ok())
        .collect::<Option<_>>()?;
    bytes.try_into().ok()
}

fn format_mac(mac: [u8; 6]) -> Mac {
    mac.map(|byte| format!("{byte:02x}")).join(":")
}

/// The kernel's `struct sockaddr_ll` (`linux/if_packet.h`), field for field.
#[repr(C)]
struct LinkLayerAddress {
    family: u16,
    /// The `EtherType`, in network byte order.
    protocol: u16,
    ifindex: i32,
    hatype: u16,
    pkttype: u8,
    halen: u8,
    addr: [u8; 8],
}

// SAFETY: `f` gets a pointer to `self`, a `#[repr(C)]` value laid out as the
// kernel's `struct sockaddr_ll` and readable for its whole size, which is
// the length passed; the pointer lives as long as the call (rustix's
// contract for `SocketAddrArg`).
#[expect(
    unsafe_code,
    reason = "rustix builds no `sockaddr_ll`: the crate's one unsafe item (doc/architecture.md)"
)]
unsafe impl SocketAddrArg for LinkLayerAddress {
    unsafe fn with_sockaddr<R>(
        &self,
        f: impl FnOnce(*const SocketAddrOpaque, SocketAddrLen) -> R,
    ) -> R {
        // 20 bytes (a test checks), which fits any length type.
        #[allow(clippy::cast_possible_truncation)]
        const LEN: SocketAddrLen = size_of::<LinkLayerAddress>() as SocketAddrLen;
        f(std::ptr::from_ref(self).cast(), LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: [u8; 6] = [0x52, 0x54, 0, 0, 0, 2];
    const THEIRS: [u8; 6] = [0x52, 0x54, 0, 0, 0, 0x11];

    /// A reply of `mac` for `ip` to us, as a real server's kernel sends it.
    fn reply_frame(mac: [u8; 6], ip: Ipv4Addr) -> Vec<u8> {
        let mut frame = request(mac, ip, Ipv4Addr::new(10, 0, 0, 2)).to_vec();
        frame[0..6].copy_from_slice(&OURS);
        frame[20..22].copy_from_slice(&REPLY.to_be_bytes());
        frame[32..38].copy_from_slice(&OURS);
        frame.resize(60, 0); // Ethernet pads to its minimum length
        frame
    }

    #[test]
    fn requests_are_broadcast_arp_for_ipv4_over_ethernet() {
        let frame = request(
            OURS,
            Ipv4Addr::new(10, 0, 0, 2),
            Ipv4Addr::new(10, 0, 0, 100),
        );
        let expected: [u8; FRAME_LEN] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0, 0, 2, 0x08,
            0x06, // Ethernet
            0, 1, 0x08, 0, 6, 4, 0, 1, // IPv4 over Ethernet, request
            0x52, 0x54, 0, 0, 0, 2, 10, 0, 0, 2, // sender
            0, 0, 0, 0, 0, 0, 10, 0, 0, 100, // target
        ];
        assert_eq!(frame, expected);
    }

    #[test]
    fn replies_name_the_address_and_the_mac_that_answered() {
        let vip = Ipv4Addr::new(10, 0, 0, 100);
        assert_eq!(reply(&reply_frame(THEIRS, vip), OURS), Some((vip, THEIRS)));
    }

    #[test]
    fn requests_own_frames_and_short_frames_are_not_replies() {
        let vip = Ipv4Addr::new(10, 0, 0, 100);
        let request = request(THEIRS, Ipv4Addr::new(10, 0, 0, 3), vip);
        assert_eq!(reply(&request, OURS), None);
        assert_eq!(reply(&reply_frame(OURS, vip), OURS), None);
        assert_eq!(reply(&reply_frame(THEIRS, vip)[..30], OURS), None);
        let mut not_arp = reply_frame(THEIRS, vip);
        not_arp[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
        assert_eq!(reply(&not_arp, OURS), None);
    }

    #[test]
    fn macs_read_and_print_as_sysfs_writes_them() {
        assert_eq!(parse_mac("52:54:00:00:00:11"), Some(THEIRS));
        assert_eq!(format_mac(THEIRS), "52:54:00:00:00:11");
        assert_eq!(parse_mac("00:00:00:00"), None);
        assert_eq!(parse_mac("zz:54:00:00:00:11"), None);
    }

    #[test]
    fn the_link_layer_address_has_the_kernels_size() {
        assert_eq!(size_of::<LinkLayerAddress>(), 20);
    }

    /// The `unsafe` lint is allowed on one item only: the `SocketAddrArg` impl
    /// above; no module or crate-wide `#![allow]` and no other item.
    #[test]
    fn the_unsafe_lint_is_allowed_on_the_one_impl_only() {
        let mut allowances = Vec::new();
        let mut folders = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(folder) = folders.pop() {
            for entry in fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|extension| extension == "rs") {
                    let text = fs::read_to_string(&path).unwrap();
                    let lines: Vec<&str> = text.lines().collect();
                    for (index, line) in lines.iter().enumerate() {
                        if line.contains(concat!("unsafe", "_code")) {
                            let item = lines[index..].iter().find(|l| l.starts_with("unsafe "));
                            allowances.push((path.clone(), item.map(ToString::to_string)));
                        }
                    }
                }
            }
        }
        assert_eq!(allowances.len(), 1, "{allowances:?}");
        assert!(allowances[0].0.ends_with("src/arp.rs"));
        assert_eq!(
            allowances[0].1.as_deref(),
            Some("unsafe impl SocketAddrArg for LinkLayerAddress {")
        );
    }
}
