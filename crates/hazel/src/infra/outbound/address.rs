//! Which addresses the outbound client may connect to in strict mode: globally routable unicast
//! only (the special-purpose address registries of RFC 6890, RFC 8190 and their updates). One
//! table of refused ranges for each family; an IPv6 address that carries an IPv4 address
//! (IPv4-mapped, NAT64 RFC 6052, 6to4 RFC 3056) is judged by the IPv4 address it reaches, so that
//! `64:ff9b::a00:5` is refused like `10.0.0.5` on a network with a NAT64 gateway.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A range no strict-mode connection may reach: `(network, prefix length, what it is)`.
type V4Range = (Ipv4Addr, u8, &'static str);
type V6Range = (Ipv6Addr, u8, &'static str);

/// IPv4 special-purpose ranges (RFC 6890 §2.2.2 and the IANA registry).
const REFUSED_V4: [V4Range; 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8, "\"this network\" (RFC 791)"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private-use (RFC 1918)"),
    (
        Ipv4Addr::new(100, 64, 0, 0),
        10,
        "shared address space (RFC 6598)",
    ),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback (RFC 1122)"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local (RFC 3927)"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private-use (RFC 1918)"),
    (
        Ipv4Addr::new(192, 0, 0, 0),
        24,
        "IETF protocol assignments (RFC 6890)",
    ),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "documentation (RFC 5737)"),
    (
        Ipv4Addr::new(192, 88, 99, 0),
        24,
        "6to4 relay anycast (RFC 7526)",
    ),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "private-use (RFC 1918)"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking (RFC 2544)"),
    (
        Ipv4Addr::new(198, 51, 100, 0),
        24,
        "documentation (RFC 5737)",
    ),
    (
        Ipv4Addr::new(203, 0, 113, 0),
        24,
        "documentation (RFC 5737)",
    ),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast (RFC 5771)"),
    (
        Ipv4Addr::new(240, 0, 0, 0),
        4,
        "reserved and broadcast (RFC 1112, RFC 919)",
    ),
];

/// IPv6 special-purpose ranges (RFC 6890 §2.2.3 and the IANA registry) that are not judged by an
/// embedded IPv4 address. Anything outside global unicast `2000::/3` is refused too.
const REFUSED_V6: [V6Range; 12] = [
    (Ipv6Addr::UNSPECIFIED, 128, "unspecified (RFC 4291)"),
    (Ipv6Addr::LOCALHOST, 128, "loopback (RFC 4291)"),
    (
        Ipv6Addr::UNSPECIFIED,
        96,
        "IPv4-compatible, deprecated (RFC 4291)",
    ),
    (
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
        48,
        "local-use NAT64 (RFC 8215)",
    ),
    (
        Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0),
        64,
        "discard-only (RFC 6666)",
    ),
    (
        Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0),
        23,
        "IETF protocol assignments: Teredo, ORCHID, … (RFC 2928)",
    ),
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        "documentation (RFC 3849)",
    ),
    (
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
        "documentation (RFC 9637)",
    ),
    (
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
        "unique local (RFC 4193)",
    ),
    (
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
        10,
        "link-local (RFC 4291)",
    ),
    (
        Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0),
        10,
        "site-local, deprecated (RFC 3879)",
    ),
    (
        Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0),
        8,
        "multicast (RFC 4291)",
    ),
];

/// Global unicast (RFC 4291 §2.4): the only IPv6 space an outbound fetch may reach.
const GLOBAL_UNICAST: V6Range = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3, "");

fn in_v4(ip: Ipv4Addr, (network, prefix, _): &V4Range) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(*network) & mask
}

fn in_v6(ip: Ipv6Addr, (network, prefix, _): &V6Range) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(*network) & mask
}

/// The IPv4 address an IPv6 address reaches, for the forms that carry one: IPv4-mapped
/// `::ffff:0:0/96`, the NAT64 well-known prefix `64:ff9b::/96` (RFC 6052) and 6to4 `2002::/16`.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(ip);
    let low32 = |bits: u128| Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    if bits >> 32 == 0xffff {
        return Some(low32(bits));
    }
    if bits >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
        return Some(low32(bits));
    }
    if bits >> 112 == 0x2002 {
        return Some(low32(bits >> 80));
    }
    None
}

/// Why `ip` may not be contacted in strict mode, or nothing when it is globally routable.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => REFUSED_V4
            .iter()
            .find(|range| in_v4(v4, range))
            .map(|(_, _, name)| *name),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => refusal(IpAddr::V4(v4)),
            None => REFUSED_V6
                .iter()
                .find(|range| in_v6(v6, range))
                .map(|(_, _, name)| *name)
                .or_else(|| {
                    (!in_v6(v6, &GLOBAL_UNICAST)).then_some("not global unicast (RFC 4291)")
                }),
        },
    }
}

/// Whether an address may be contacted in strict mode: only globally routable unicast.
pub fn is_public(ip: IpAddr) -> bool {
    refusal(ip).is_none()
}

#[cfg(test)]
mod tests;
