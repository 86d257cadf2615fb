//! The guard against server-side request forgery: callback URLs come from API
//! users, so a URL must not make our server call into our own network.
//!
//! Three layers: the URL's scheme and, for IP literals, its address
//! ([`AddressPolicy::check_url`]; the `url` crate has already turned decimal, octal
//! and hex IPv4 spellings into addresses); the addresses a name resolves to, checked
//! by the HTTP client's resolver at connect time ([`GuardedResolver`]), so a name
//! that resolves to a public address when checked and to a private one when used
//! (DNS rebinding) is still refused; and no redirects (set on the client).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

use super::record::redact_url;

/// Why an address is refused, or `None` for a public unicast address.
pub(crate) fn refused_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: [([u8; 4], u32, &str); 15] = [
        ([0, 0, 0, 0], 8, "unspecified (0.0.0.0/8)"),
        ([10, 0, 0, 0], 8, "private (10.0.0.0/8)"),
        ([100, 64, 0, 0], 10, "shared address space (100.64.0.0/10)"),
        ([127, 0, 0, 0], 8, "loopback (127.0.0.0/8)"),
        (
            [169, 254, 0, 0],
            16,
            "link-local (169.254.0.0/16, cloud metadata)",
        ),
        ([172, 16, 0, 0], 12, "private (172.16.0.0/12)"),
        (
            [192, 0, 0, 0],
            24,
            "IETF protocol assignments (192.0.0.0/24)",
        ),
        ([192, 0, 2, 0], 24, "documentation (192.0.2.0/24)"),
        ([192, 88, 99, 0], 24, "6to4 relay anycast (192.88.99.0/24)"),
        ([192, 168, 0, 0], 16, "private (192.168.0.0/16)"),
        ([198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"),
        ([198, 51, 100, 0], 24, "documentation (198.51.100.0/24)"),
        ([203, 0, 113, 0], 24, "documentation (203.0.113.0/24)"),
        ([224, 0, 0, 0], 4, "multicast (224.0.0.0/4)"),
        ([240, 0, 0, 0], 4, "reserved or broadcast (240.0.0.0/4)"),
    ];
    RANGES
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, why)| *why)
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified (::)");
    }
    if ip.is_loopback() {
        return Some("loopback (::1)");
    }
    // IPv4 addresses written as IPv6 are judged as the IPv4 address they carry.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refused_v4(v4).map(|_| "IPv4-mapped form of a refused IPv4 address");
    }
    // SIIT's IPv4-translated addresses (::ffff:0:a.b.c.d): a translator turns
    // them into whatever IPv4 address it serves, so none is admitted.
    if s[..6] == [0, 0, 0, 0, 0xffff, 0] {
        return Some("IPv4-translated (::ffff:0:0:0/96)");
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return refused_v4(v4).map(|_| "IPv4-compatible form of a refused IPv4 address");
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return refused_v4(v4).map(|_| "NAT64 form of a refused IPv4 address");
    }
    // Local-use NAT64 (RFC 8215): the network's own translator, mapping to
    // addresses only it knows, so the whole prefix is refused.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        return Some("local-use NAT64 (64:ff9b:1::/48)");
    }
    if s[0] == 0x2002 {
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return refused_v4(v4).map(|_| "6to4 form of a refused IPv4 address");
    }
    match s[0] {
        x if x & 0xfe00 == 0xfc00 => Some("unique local (fc00::/7)"),
        x if x & 0xffc0 == 0xfe80 => Some("link-local (fe80::/10)"),
        x if x & 0xffc0 == 0xfec0 => Some("site-local (fec0::/10)"),
        x if x & 0xff00 == 0xff00 => Some("multicast (ff00::/8)"),
        0x2001 if s[1] == 0x0db8 => Some("documentation (2001:db8::/32)"),
        // The tunnel's far end carries an IPv4 address of its own (obfuscated),
        // which may be a refused one: the whole prefix is refused.
        0x2001 if s[1] == 0 => Some("Teredo tunnel (2001::/32)"),
        0x0100 if s[1..4] == [0, 0, 0] => Some("discard (100::/64)"),
        _ => None,
    }
}

/// Why a callback URL was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The host or address.
    pub target: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "callback URL refused: `{}` is {}",
            self.target, self.reason
        )
    }
}

impl std::error::Error for Refused {}

/// Which addresses callbacks may be sent to: public unicast addresses only, unless
/// allowed here (for tests and local demos).
#[derive(Clone, Debug, Default)]
pub struct AddressPolicy {
    allowed: Vec<(IpAddr, u8)>,
    /// Admit nothing but the allowed networks: no public address, and no names
    /// (which are refused without being resolved, so no DNS query is made).
    listed_only: bool,
}

impl AddressPolicy {
    /// Public addresses only: the default.
    pub fn public_only() -> Self {
        AddressPolicy::default()
    }

    /// Nothing but the networks allowed with [`allow_loopback`](Self::allow_loopback)
    /// and [`allow_network`](Self::allow_network): public addresses and all names
    /// are refused, names without a DNS query. For tests and local demos.
    pub fn listed_only() -> Self {
        AddressPolicy {
            allowed: Vec::new(),
            listed_only: true,
        }
    }

    /// Also admits `127.0.0.0/8` and `::1`, for tests and local demos.
    pub fn allow_loopback(self) -> Self {
        self.allow_network(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), 8)
            .allow_network(IpAddr::V6(Ipv6Addr::LOCALHOST), 128)
    }

    /// Also admits the network `address/prefix`.
    pub fn allow_network(mut self, address: IpAddr, prefix: u8) -> Self {
        self.allowed.push((address, prefix));
        self
    }

    fn is_allowed(&self, ip: IpAddr) -> bool {
        self.allowed.iter().any(|(net, prefix)| match (net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                in_v4(ip, net.octets(), u32::from(*prefix).min(32))
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let prefix = u32::from(*prefix).min(128);
                let mask = if prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - prefix)
                };
                (u128::from(ip) & mask) == (u128::from(*net) & mask)
            }
            _ => false,
        })
    }

    /// Whether a callback may connect to `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Refused> {
        if self.is_allowed(ip) {
            return Ok(());
        }
        if self.listed_only {
            return Err(Refused {
                target: ip.to_string(),
                reason: "not on the allow-list".to_owned(),
            });
        }
        match refused_range(ip) {
            None => Ok(()),
            Some(reason) => Err(Refused {
                target: ip.to_string(),
                reason: format!("a {reason} address"),
            }),
        }
    }

    /// Whether a callback may be sent to `url`, as far as the URL alone tells:
    /// its scheme, and its address when the host is an IP literal. Names are
    /// checked when they are resolved.
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused {
                target: redact_url(url.as_str()),
                reason: format!("not http or https (scheme `{}`)", url.scheme()),
            });
        }
        match url.host() {
            None => Err(Refused {
                target: redact_url(url.as_str()),
                reason: "a URL without a host".to_owned(),
            }),
            Some(Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip)),
            Some(Host::Domain(name)) if self.listed_only => Err(Refused {
                target: name.to_owned(),
                reason: "a name, and this policy admits listed addresses only".to_owned(),
            }),
            Some(Host::Domain(_)) => Ok(()),
        }
    }
}

/// Looks up the addresses of a callback URL's host name. The SSRF guard filters
/// whatever it returns, at connect time, so a lookup can come from any resolver
/// (a DNS client of the application's choice, a test stub) without weakening
/// the policy. The default asks the system resolver. Any
/// `Fn(String) -> impl Future<Output = io::Result<Vec<IpAddr>>>` is one.
pub trait NameLookup: Send + Sync + 'static {
    /// The addresses `host` resolves to now.
    fn lookup(&self, host: String) -> LookupFuture;
}

/// What a [`NameLookup`] returns.
pub type LookupFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;

impl<F, Fut> NameLookup for F
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = std::io::Result<Vec<IpAddr>>> + Send + 'static,
{
    fn lookup(&self, host: String) -> LookupFuture {
        Box::pin(self(host))
    }
}

/// The system resolver.
pub(crate) struct SystemLookup;

impl NameLookup for SystemLookup {
    fn lookup(&self, host: String) -> LookupFuture {
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .map(|addr| addr.ip())
                .collect())
        })
    }
}

/// The HTTP client's resolver: looks the name up, then keeps only the
/// addresses the policy admits, at the moment of connecting (every new
/// connection looks the name up again, so a name rebound to a refused address
/// between two attempts is refused on the second).
pub(crate) struct GuardedResolver {
    pub policy: Arc<AddressPolicy>,
    pub lookup: Arc<dyn NameLookup>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        let resolving = self.lookup.lookup(host.clone());
        Box::pin(async move {
            let resolved = resolving.await?;
            let mut first_refusal = None;
            let admitted: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|ip| match policy.check_ip(*ip) {
                    Ok(()) => true,
                    Err(refused) => {
                        first_refusal.get_or_insert(refused);
                        false
                    }
                })
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if admitted.is_empty() {
                // The addresses a name resolves to are the network's, not the API
                // user's: they go to the log only, never into the error that
                // reaches records and problem details.
                match first_refusal {
                    Some(refused) => tracing::warn!(
                        host = %host,
                        address = %refused.target,
                        reason = %refused.reason,
                        "a callback's host resolves only to refused addresses"
                    ),
                    None => {
                        tracing::warn!(host = %host, "a callback's host resolves to no address")
                    }
                }
                return Err(Box::new(Refused {
                    target: host,
                    reason: "a name that resolves only to refused addresses".to_owned(),
                })
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(admitted.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_check(url: &str) -> Result<(), Refused> {
        AddressPolicy::public_only().check_url(&Url::parse(url).unwrap())
    }

    #[test]
    fn every_refused_form_is_refused() {
        let refused = [
            ("http://127.0.0.1/", "loopback"),
            ("http://127.1.2.3/", "loopback"),
            ("http://10.1.2.3/", "private"),
            ("http://172.16.0.1/", "private"),
            ("http://172.31.255.255/", "private"),
            ("http://192.168.1.1/", "private"),
            ("http://100.64.0.1/", "shared address space"),
            ("http://169.254.169.254/latest/meta-data/", "link-local"),
            ("http://0.0.0.0/", "unspecified"),
            ("http://224.0.0.1/", "multicast"),
            ("http://255.255.255.255/", "broadcast"),
            ("http://[::1]/", "loopback"),
            ("http://[::]/", "unspecified"),
            ("http://[fc00::1]/", "unique local"),
            ("http://[fd12:3456::1]/", "unique local"),
            ("http://[fe80::1]/", "link-local"),
            ("http://[ff02::1]/", "multicast"),
            ("http://[::ffff:127.0.0.1]/", "IPv4-mapped"),
            ("http://[::ffff:10.0.0.1]/", "IPv4-mapped"),
            ("http://[::ffff:169.254.169.254]/", "IPv4-mapped"),
            ("http://[::127.0.0.1]/", "IPv4-compatible"),
            ("http://[64:ff9b::7f00:1]/", "NAT64"),
            ("http://[2002:7f00:1::]/", "6to4"),
            ("http://[2002:a00:1::]/", "6to4"),
            ("http://[64:ff9b::a00:1]/", "NAT64"),
            ("http://[64:ff9b::a9fe:a9fe]/", "NAT64"),
            ("http://[::ffff:192.168.0.1]/", "IPv4-mapped"),
            ("http://192.0.2.10/", "documentation (192.0.2.0/24)"),
            ("http://198.51.100.7/", "documentation (198.51.100.0/24)"),
            ("http://203.0.113.99/", "documentation (203.0.113.0/24)"),
            ("http://198.18.0.1/", "benchmarking"),
            ("http://198.19.255.255/", "benchmarking"),
            ("http://240.0.0.1/", "reserved"),
            ("http://192.0.0.8/", "IETF protocol assignments"),
            ("http://192.88.99.1/", "6to4 relay anycast"),
            ("http://[fec0::1]/", "site-local"),
            ("http://[feff::1]/", "site-local"),
            ("http://[2001:db8::1]/", "documentation (2001:db8::/32)"),
            ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo"),
            ("http://[100::1]/", "discard"),
            ("http://[64:ff9b:1::808:808]/", "local-use NAT64"),
            ("http://[64:ff9b:1:ffff::a00:1]/", "local-use NAT64"),
            ("http://[::ffff:0:808:808]/", "IPv4-translated"),
            ("http://[::ffff:0:7f00:1]/", "IPv4-translated"),
            // Spellings of 127.0.0.1 that the URL parser turns into the address.
            ("http://2130706433/", "loopback"),
            ("http://0x7f000001/", "loopback"),
            ("http://0177.0.0.1/", "loopback"),
            ("http://0x7f.1/", "loopback"),
            ("http://127.1/", "loopback"),
            ("http://017700000001/", "loopback"),
            ("ftp://example.com/", "not http or https"),
            ("file:///etc/passwd", "not http or https"),
        ];
        for (url, why) in refused {
            let error = url_check(url).expect_err(url);
            assert!(error.reason.contains(why), "{url}: {error}");
        }
    }

    #[test]
    fn public_addresses_and_names_pass_the_url_check() {
        for url in [
            "https://93.184.215.14/hook",
            "http://[2606:4700::1111]/",
            "https://hooks.example.com/x",
            "http://[::ffff:8.8.8.8]/",
            "http://[64:ff9b::808:808]/",
            "http://[2002:808:808::1]/",
            "http://[2001:4860:4860::8888]/",
            "http://198.20.0.1/",
            "http://100.128.0.1/",
        ] {
            assert_eq!(url_check(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn allow_list_admits_loopback_only_when_asked() {
        let policy = AddressPolicy::public_only().allow_loopback();
        assert_eq!(policy.check_ip("127.0.0.1".parse().unwrap()), Ok(()));
        assert_eq!(policy.check_ip("::1".parse().unwrap()), Ok(()));
        assert!(policy.check_ip("10.0.0.1".parse().unwrap()).is_err());
        assert!(policy
            .check_ip(
                "[::ffff:10.0.0.1]"
                    .trim_matches(['[', ']'])
                    .parse()
                    .unwrap()
            )
            .is_err());
    }

    #[test]
    fn listed_only_admits_the_list_and_nothing_else() {
        let policy = AddressPolicy::listed_only().allow_loopback();
        let check = |url: &str| policy.check_url(&Url::parse(url).unwrap());
        assert_eq!(check("http://127.0.0.1:9000/hooks"), Ok(()));
        assert_eq!(check("http://[::1]/"), Ok(()));
        assert_eq!(
            check("https://93.184.215.14/").unwrap_err().reason,
            "not on the allow-list"
        );
        assert_eq!(
            check("https://hooks.example.com/").unwrap_err().reason,
            "a name, and this policy admits listed addresses only"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn names_resolving_to_refused_addresses_are_refused() {
        use reqwest::dns::Resolve;
        let resolver = GuardedResolver {
            policy: Arc::new(AddressPolicy::public_only()),
            lookup: Arc::new(SystemLookup),
        };
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let error = match resolver.resolve(name).await {
            Ok(_) => panic!("localhost was admitted"),
            Err(error) => error,
        };
        let refused = error.downcast_ref::<Refused>().expect("a Refused error");
        assert_eq!(refused.target, "localhost");
        // The resolved address is the network's: it goes to the log only.
        assert_eq!(
            refused.to_string(),
            "callback URL refused: `localhost` is a name that resolves only to refused addresses"
        );

        let open = GuardedResolver {
            policy: Arc::new(AddressPolicy::public_only().allow_loopback()),
            lookup: Arc::new(SystemLookup),
        };
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = match open.resolve(name).await {
            Ok(addrs) => addrs.collect(),
            Err(error) => panic!("{error}"),
        };
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
    }
}
