use super::*;

/// One address per refused range, each naming the range, and public addresses next to them.
#[test]
fn rfc6890_one_row_per_range() {
    let rows: [(&str, Option<&str>); 42] = [
        // IPv4 special-purpose ranges.
        ("0.0.0.0", Some("this network")),
        ("0.1.2.3", Some("this network")),
        ("10.1.2.3", Some("private-use")),
        ("100.64.0.1", Some("shared address space")),
        ("100.127.255.254", Some("shared address space")),
        ("127.0.0.1", Some("loopback")),
        ("127.1.2.3", Some("loopback")),
        ("169.254.169.254", Some("link-local")),
        ("172.16.0.1", Some("private-use")),
        ("172.31.255.254", Some("private-use")),
        ("192.0.0.8", Some("IETF protocol assignments")),
        ("192.0.2.1", Some("documentation")),
        ("192.88.99.1", Some("6to4 relay anycast")),
        ("192.168.1.1", Some("private-use")),
        ("198.18.0.1", Some("benchmarking")),
        ("198.19.255.254", Some("benchmarking")),
        ("198.51.100.1", Some("documentation")),
        ("203.0.113.1", Some("documentation")),
        ("224.0.0.1", Some("multicast")),
        ("240.0.0.1", Some("reserved")),
        ("255.255.255.255", Some("reserved")),
        // IPv6 special-purpose ranges.
        ("::", Some("unspecified")),
        ("::1", Some("loopback")),
        ("::7f00:1", Some("IPv4-compatible")),
        ("::808:808", Some("IPv4-compatible")),
        ("64:ff9b:1::a00:5", Some("local-use NAT64")),
        ("100::1", Some("discard-only")),
        ("2001::1", Some("IETF protocol assignments")),
        ("2001:db8::1", Some("documentation")),
        ("3fff::1", Some("documentation")),
        ("fd00::1", Some("unique local")),
        ("fe80::1", Some("link-local")),
        ("fec0::1", Some("site-local")),
        ("ff02::1", Some("multicast")),
        ("4000::1", Some("not global unicast")),
        // Forms that carry an IPv4 address are judged by it.
        ("::ffff:127.0.0.1", Some("loopback")),
        ("::ffff:10.0.0.1", Some("private-use")),
        ("64:ff9b::a00:5", Some("private-use")),
        ("64:ff9b::7f00:1", Some("loopback")),
        ("2002:7f00:1::", Some("loopback")),
        ("2002:c612:1::1", Some("benchmarking")),
        ("2002:a9fe:a9fe::", Some("link-local")),
    ];
    for (address, expected) in rows {
        let ip: IpAddr = address.parse().unwrap();
        let found = refusal(ip);
        match expected {
            Some(name) => assert!(
                found.is_some_and(|f| f.contains(name)),
                "{address}: {found:?}, expected {name}"
            ),
            None => assert_eq!(found, None, "{address}"),
        }
    }
}

#[test]
fn global_unicast_is_public_also_through_nat64_and_6to4() {
    for address in [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "198.17.255.255",
        "2606:4700::1111",
        "2a00:1450:4001::1",
        "64:ff9b::808:808",
        "::ffff:8.8.8.8",
        "2002:808:808::",
    ] {
        assert!(is_public(address.parse().unwrap()), "{address}");
    }
}
