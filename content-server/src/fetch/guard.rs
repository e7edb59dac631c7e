//! Where feed pictures may be fetched from. Their addresses come from third-party feed
//! content: without a guard, a feed naming `http://192.168.1.1/…` would make the server
//! fetch from the local network (and show what it finds on public screens). Only public
//! addresses are reached, checked after name resolution and at every redirect, unless the
//! `feed_pictures_private` setting allows private ones (pictures on an intranet).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether `ip` is reachable on the public internet (not loopback, private, link-local,
/// shared, documentation, multicast or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        // Shared address space (carrier-grade NAT), and "this network".
        || (a == 100 && (64..128).contains(&b))
        || a == 0)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7 and link-local fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80)
}

/// The refusal for a URL whose host is a literal non-public address (names are checked
/// when resolved, by [`PublicOnly`]).
pub fn literal_refusal(url: &reqwest::Url) -> Option<String> {
    let ip = match url.host()? {
        url::Host::Ipv4(v4) => IpAddr::V4(v4),
        url::Host::Ipv6(v6) => IpAddr::V6(v6),
        url::Host::Domain(_) => return None,
    };
    (!is_public(ip)).then(|| format!("{url}: {ip} is not a public address"))
}

/// A resolver keeping only public addresses.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| is_public(a.ip()))
                .collect();
            if public.is_empty() && !found.is_empty() {
                return Err(format!("{host} resolves only to non-public addresses").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_pass() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.1.1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
        for public in ["93.184.216.34", "2a01:4f8::1", "::ffff:93.184.216.34"] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn literal_hosts_are_checked_and_names_left_to_the_resolver() {
        let url = |s: &str| reqwest::Url::parse(s).unwrap();
        assert!(
            literal_refusal(&url("http://192.168.1.10/cam.jpg"))
                .unwrap()
                .contains("192.168.1.10")
        );
        assert!(literal_refusal(&url("http://[::1]:8080/x.png")).is_some());
        assert!(literal_refusal(&url("https://93.184.216.34/x.png")).is_none());
        assert!(literal_refusal(&url("https://www.cchpm.fr/x.png")).is_none());
    }
}
