//! Addresses a URL that came from outside (a CV link in a Talentwunder upload) may reach in a
//! deployed stack: only the public internet. Inside a Lambda, 127.0.0.1:9001 is the runtime
//! API, 169.254.169.254 the metadata service and the private ranges the customer's VPC; a
//! host name is no proof, since it can resolve to any of them. So the name is resolved
//! once, every address checked, and the connection pinned to the addresses checked
//! ([`crate::http::VendorClient::pinned`]): a second lookup (DNS rebinding) never happens.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Whether the public internet routes to `ip` (not loopback, private, link-local, shared
/// CGNAT, unspecified, broadcast, multicast or documentation space; IPv6 likewise, and a
/// v4-mapped or NAT64-embedded v4 address as that v4 address).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // 100.64.0.0/10, shared address space (carrier-grade NAT).
        || (a == 100 && (64..128).contains(&b))
        // 198.18.0.0/15, benchmarking; 240.0.0.0/4, reserved.
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    // 64:ff9b::/96 (NAT64) carries a v4 address: judged as that address.
    if ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., a, b, c, d] = ip.octets();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local, fe80::/10 link-local, 2001:db8::/32 documentation.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // ::/96 v4-compatible (deprecated) addresses.
        || ip.segments()[..6] == [0, 0, 0, 0, 0, 0])
}

/// Why a host may not be reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreachable {
    /// The name does not resolve (now): a later run may succeed.
    #[error("{host} could not be resolved: {reason}")]
    Unresolved {
        /// The host.
        host: String,
        /// The resolver's answer.
        reason: String,
    },
    /// It is, or resolves to, an address that is not on the public internet.
    #[error("{host} resolves to {ip}, which is not a public address")]
    NotPublic {
        /// The host.
        host: String,
        /// The first address refused.
        ip: IpAddr,
    },
}

/// The addresses of `host:port`, every one of them public, to pin the connection to.
pub async fn public_addrs(host: &str, port: u16) -> Result<Vec<SocketAddr>, Unreachable> {
    // An IP literal in a URL is bracketed for v6 (`[::1]`); the resolver takes it bare.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|e| Unreachable::Unresolved {
            host: host.to_string(),
            reason: e.to_string(),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Unreachable::Unresolved {
            host: host.to_string(),
            reason: "no address".into(),
        });
    }
    match addrs.iter().find(|a| !is_public(a.ip())) {
        Some(a) => Err(Unreachable::NotPublic {
            host: host.to_string(),
            ip: a.ip(),
        }),
        None => Ok(addrs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s28_13_loopback_private_link_local_and_mapped_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.0.0.53",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "151.101.1.1", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn s28_13_a_name_that_resolves_to_loopback_is_refused() {
        let refused = public_addrs("localhost", 443).await.unwrap_err();
        assert!(
            matches!(refused, Unreachable::NotPublic { ref ip, .. } if ip.is_loopback()),
            "{refused:?}"
        );
        assert!(matches!(
            public_addrs("[::1]", 443).await,
            Err(Unreachable::NotPublic { .. })
        ));
    }
}
