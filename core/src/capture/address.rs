//! Where a capture may be led: a page on the internet must not redirect a
//! capture into this computer or its local network (the person's router,
//! intranet, cloud metadata service), or that page would end up in a
//! bundle. Once a capture's first answer came from a public address, every
//! later request must go to a public address too.
//!
//! Main types: [`Class`] (why an address is not public, from [`classify`]),
//! [`Guard`] (one capture's rule, shared with its resolver) and
//! [`GuardedResolver`] (reqwest's DNS hook: names are resolved here and
//! their addresses checked before any connection is made, so a public name
//! that resolves to 127.0.0.1, or rebinds to it, is refused too). Literal
//! addresses in URLs never reach a resolver: [`Guard::check_url`] checks
//! them before the request. Through a proxy the client never sees the
//! address (the proxy resolves names), so only literal addresses and local
//! names (`localhost`, `.local`, `.internal`, one-label names…) are refused.
//!
//! A first URL on a local address is the person's own choice and is fetched,
//! redirects included: the rule only applies to captures that start public.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why an address is not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16.
    Private,
    /// 100.64/10, carrier-grade NAT.
    Shared,
    /// 169.254/16, fe80::/10.
    LinkLocal,
    /// fc00::/7 (and the old site-local fec0::/10).
    UniqueLocal,
    /// 0.0.0.0/8, ::.
    Unspecified,
    /// 224/4, ff00::/8.
    Multicast,
    /// 240/4, 255.255.255.255, and other blocks no host on the internet has
    /// (documentation, benchmarking, protocol assignments, discard, Teredo).
    Reserved,
}

impl Class {
    /// In English, for `a … address`.
    pub fn en(self) -> &'static str {
        match self {
            Class::Loopback => "loopback (this computer)",
            Class::Private => "private network",
            Class::Shared => "shared (carrier-grade NAT)",
            Class::LinkLocal => "link-local",
            Class::UniqueLocal => "unique-local",
            Class::Unspecified => "unspecified",
            Class::Multicast => "multicast",
            Class::Reserved => "reserved",
        }
    }

    /// In Spanish, for `una dirección …`.
    pub fn es(self) -> &'static str {
        match self {
            Class::Loopback => "de bucle local (esta computadora)",
            Class::Private => "de red privada",
            Class::Shared => "compartida (NAT de operador)",
            Class::LinkLocal => "de enlace local",
            Class::UniqueLocal => "local única",
            Class::Unspecified => "no especificada",
            Class::Multicast => "de multidifusión",
            Class::Reserved => "reservada",
        }
    }
}

/// Why an IPv4 address is not public; `None` when it is.
fn classify_v4(ip: Ipv4Addr) -> Option<Class> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => Class::Unspecified,
        (10, _, _) => Class::Private,
        (100, 64..=127, _) => Class::Shared,
        (127, _, _) => Class::Loopback,
        (169, 254, _) => Class::LinkLocal,
        (172, 16..=31, _) => Class::Private,
        (192, 168, _) => Class::Private,
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Class::Reserved,
        (198, 18..=19, _) => Class::Reserved,
        (224..=239, _, _) => Class::Multicast,
        (240..=255, _, _) => Class::Reserved,
        _ => return None,
    })
}

/// Why an IPv6 address is not public; `None` when it is. Addresses that
/// carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by it.
fn classify_v6(ip: Ipv6Addr) -> Option<Class> {
    if ip.is_unspecified() {
        return Some(Class::Unspecified);
    }
    if ip.is_loopback() {
        return Some(Class::Loopback);
    }
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        // ::ffff:a.b.c.d, an IPv4 address in IPv6 form.
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => return classify_v4(embedded(hi, lo)),
        // ::a.b.c.d, the old "compatible" form, which no host uses any more.
        [0, 0, 0, 0, 0, 0, hi, lo] => {
            return Some(classify_v4(embedded(hi, lo)).unwrap_or(Class::Reserved));
        }
        // 64:ff9b::a.b.c.d, NAT64: reaches the IPv4 address through a gateway.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => return classify_v4(embedded(hi, lo)),
        // 2002:a.b.c.d::/48, 6to4.
        [0x2002, hi, lo, ..] => return classify_v4(embedded(hi, lo)),
        _ => {}
    }
    Some(match s[0] {
        0xfe80..=0xfebf => Class::LinkLocal,
        0xfc00..=0xfdff | 0xfec0..=0xfeff => Class::UniqueLocal,
        0xff00..=0xffff => Class::Multicast,
        // 2001:db8::/32 documentation, 2001::/32 Teredo, 100::/64 discard,
        // 64:ff9b:1::/48 local NAT64.
        0x2001 if s[1] == 0x0db8 || s[1] == 0 => Class::Reserved,
        0x0100 if s[1..4] == [0, 0, 0] => Class::Reserved,
        0x0064 if s[1] == 0xff9b && s[2] == 1 => Class::Reserved,
        // Everything else outside 2000::/3 is unassigned.
        0x2000..=0x3fff => return None,
        _ => Class::Reserved,
    })
}

/// Why an address is not public; `None` when it is.
pub fn classify(ip: IpAddr) -> Option<Class> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// True for names that only mean something on this computer or its local
/// network: `localhost` and `*.localhost`, `.local` (mDNS), `.internal`,
/// `.lan`, `.home.arpa`, `.intranet`, `.corp`, and names of one label
/// (`router`), which resolve through the local network's search domains.
pub fn is_local_name(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if !h.contains('.') {
        return true;
    }
    [
        "localhost",
        "local",
        "internal",
        "lan",
        "home.arpa",
        "intranet",
        "corp",
    ]
    .iter()
    .any(|suffix| h == *suffix || h.ends_with(&format!(".{suffix}")))
}

/// A redirect that was not followed because of where it led.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The URL the server redirected to.
    pub url: String,
    /// Why, in English.
    pub en: String,
    /// Why, in Spanish.
    pub es: String,
}

/// One capture's rule: local addresses are allowed until the first answer
/// came from a public address; from then on, only public ones.
#[derive(Debug, Default)]
pub struct Guard {
    public_only: AtomicBool,
    /// Where the capture started (the first answer's address, or its host
    /// through a proxy), for the messages.
    start: Mutex<String>,
    treat_as_public: Vec<IpAddr>,
    /// What the resolver refused last, for the request that asked.
    refused: Mutex<Option<(String, IpAddr, Class)>>,
}

impl Guard {
    /// A guard that treats `treat_as_public` as public addresses.
    pub fn new(treat_as_public: &[IpAddr]) -> Guard {
        Guard {
            treat_as_public: treat_as_public.to_vec(),
            ..Guard::default()
        }
    }

    /// Why `ip` is not public for this capture; `None` when it is.
    pub fn class_of(&self, ip: IpAddr) -> Option<Class> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if self.treat_as_public.contains(&ip) {
            return None;
        }
        classify(ip)
    }

    /// Called after the first answer: when it came from a public address
    /// (`remote`) or, through a proxy, from a host that is neither a local
    /// name nor a local literal address, later requests must stay public.
    pub fn started(&self, url: &url::Url, remote: Option<IpAddr>, via_proxy: bool) {
        let public = if via_proxy {
            match url.host() {
                Some(url::Host::Domain(d)) => !is_local_name(d),
                Some(url::Host::Ipv4(ip)) => self.class_of(IpAddr::V4(ip)).is_none(),
                Some(url::Host::Ipv6(ip)) => self.class_of(IpAddr::V6(ip)).is_none(),
                None => false,
            }
        } else {
            remote.is_some_and(|ip| self.class_of(ip).is_none())
        };
        if public {
            let shown = match (via_proxy, remote) {
                (false, Some(ip)) => ip.to_string(),
                _ => url.host_str().unwrap_or("").to_string(),
            };
            if let Ok(mut s) = self.start.lock() {
                *s = shown;
            }
            self.public_only.store(true, Ordering::SeqCst);
        }
    }

    /// Whether later requests must go to public addresses.
    pub fn public_only(&self) -> bool {
        self.public_only.load(Ordering::SeqCst)
    }

    fn start(&self) -> String {
        self.start.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn refusal(&self, url: &url::Url, what_en: String, what_es: String) -> Refusal {
        let start = self.start();
        Refusal {
            url: url.to_string(),
            en: format!(
                "refused to follow the redirect to {url}: {what_en}, and the capture started at the public address {start}; a page on the internet may not lead a capture into this computer or its local network, so only the answers before the redirect are kept"
            ),
            es: format!(
                "no se siguió la redirección a {url}: {what_es}, y la captura empezó en la dirección pública {start}; una página de internet no puede llevar una captura a esta computadora ni a su red local, así que solo se guardan las respuestas anteriores a la redirección"
            ),
        }
    }

    /// Checks a URL about to be requested: its host when it is a literal
    /// address, and (through a proxy, which resolves names itself) when it
    /// is a local name. Names are checked by [`GuardedResolver`] otherwise.
    pub fn check_url(&self, url: &url::Url, via_proxy: bool) -> Result<(), Refusal> {
        if !self.public_only() {
            return Ok(());
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Domain(d)) if via_proxy && is_local_name(d) => {
                return Err(self.refusal(
                    url,
                    format!("`{d}` is a name on this computer or its local network"),
                    format!("`{d}` es un nombre de esta computadora o de su red local"),
                ));
            }
            _ => return Ok(()),
        };
        match self.class_of(ip) {
            None => Ok(()),
            Some(class) => Err(self.refusal(
                url,
                format!("{ip} is a {} address", class.en()),
                format!("{ip} es una dirección {}", class.es()),
            )),
        }
    }

    /// The refusal the resolver made while `url` was requested, if any.
    pub fn take_refusal(&self, url: &url::Url) -> Option<Refusal> {
        let (name, ip, class) = self.refused.lock().ok()?.take()?;
        Some(self.refusal(
            url,
            format!("`{name}` resolves to {ip}, a {} address", class.en()),
            format!("`{name}` apunta a {ip}, una dirección {}", class.es()),
        ))
    }

    /// The addresses a name may be connected to: all of them until the
    /// capture is public-only, then only public ones (an error, recorded
    /// for [`Guard::take_refusal`], when none is left).
    fn filter(&self, name: &str, addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, String> {
        if !self.public_only() {
            return Ok(addrs);
        }
        let mut first_refused = None;
        let kept: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| match self.class_of(a.ip()) {
                None => true,
                Some(class) => {
                    if first_refused.is_none() {
                        first_refused = Some((a.ip(), class));
                    }
                    false
                }
            })
            .collect();
        match (kept.is_empty(), first_refused) {
            (true, Some((ip, class))) => {
                if let Ok(mut r) = self.refused.lock() {
                    *r = Some((name.to_string(), ip, class));
                }
                Err(format!(
                    "`{name}` resolves only to addresses that are not public ({ip})"
                ))
            }
            _ => Ok(kept),
        }
    }
}

/// reqwest's DNS hook for one capture: the system resolver (getaddrinfo, on
/// the blocking pool), then [`Guard`]'s filter on every address returned.
pub struct GuardedResolver {
    /// The capture's rule, shared with its request loop.
    pub guard: Arc<Guard>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.guard.clone();
        let name = name.as_str().to_string();
        Box::pin(async move {
            type BoxError = Box<dyn std::error::Error + Send + Sync>;
            let host = name.clone();
            let found = tokio::task::spawn_blocking(move || {
                (host.as_str(), 0).to_socket_addrs().map(Vec::from_iter)
            })
            .await;
            let addrs = match found {
                Ok(Ok(addrs)) => addrs,
                Ok(Err(e)) => return Err(BoxError::from(e)),
                Err(e) => return Err(BoxError::from(e)),
            };
            match guard.filter(&name, addrs) {
                Ok(kept) => Ok::<reqwest::dns::Addrs, BoxError>(Box::new(kept.into_iter())),
                Err(why) => Err(BoxError::from(why)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> Option<Class> {
        classify(s.parse().unwrap())
    }

    #[test]
    fn local_addresses_of_every_kind_are_not_public() {
        for (ip, want) in [
            ("127.0.0.1", Class::Loopback),
            ("127.255.0.9", Class::Loopback),
            ("10.1.2.3", Class::Private),
            ("172.16.0.1", Class::Private),
            ("172.31.255.255", Class::Private),
            ("192.168.1.1", Class::Private),
            ("100.64.0.1", Class::Shared),
            ("100.127.255.254", Class::Shared),
            ("169.254.169.254", Class::LinkLocal),
            ("0.0.0.0", Class::Unspecified),
            ("224.0.0.1", Class::Multicast),
            ("255.255.255.255", Class::Reserved),
            ("192.0.2.7", Class::Reserved),
            ("::1", Class::Loopback),
            ("::", Class::Unspecified),
            ("fe80::1", Class::LinkLocal),
            ("fd00::1", Class::UniqueLocal),
            ("fc12::1", Class::UniqueLocal),
            ("ff02::1", Class::Multicast),
            ("::ffff:127.0.0.1", Class::Loopback),
            ("::ffff:10.0.0.1", Class::Private),
            ("::ffff:169.254.169.254", Class::LinkLocal),
            ("::127.0.0.1", Class::Loopback),
            ("64:ff9b::a00:1", Class::Private),
            ("2002:c0a8:101::1", Class::Private),
            ("2001:db8::1", Class::Reserved),
        ] {
            assert_eq!(class(ip), Some(want), "{ip}");
        }
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.1",
            "193.0.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(class(ip), None, "{ip}");
        }
    }

    #[test]
    fn local_names_are_recognised() {
        for n in [
            "localhost",
            "LOCALHOST.",
            "a.localhost",
            "printer.local",
            "metadata.google.internal",
            "router",
            "nas.home.arpa",
        ] {
            assert!(is_local_name(n), "{n}");
        }
        for n in ["x.com", "localhost.example.com", "local.example"] {
            assert!(!is_local_name(n), "{n}");
        }
    }

    #[test]
    fn a_capture_that_started_public_refuses_local_addresses() {
        let g = Guard::new(&["127.0.0.2".parse().unwrap()]);
        let url = |s: &str| url::Url::parse(s).unwrap();
        // Before the first answer, anything goes.
        assert!(g.check_url(&url("http://10.0.0.1/"), false).is_ok());
        // A start on 127.0.0.1 is the person's choice: still anything goes.
        g.started(
            &url("http://127.0.0.1/"),
            Some("127.0.0.1".parse().unwrap()),
            false,
        );
        assert!(!g.public_only());
        g.started(
            &url("http://127.0.0.2/"),
            Some("127.0.0.2".parse().unwrap()),
            false,
        );
        assert!(g.public_only());
        for to in [
            "http://127.0.0.1:8080/",
            "http://10.0.0.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            let r = g.check_url(&url(to), false).unwrap_err();
            assert!(r.en.contains("127.0.0.2"), "{}", r.en);
            assert!(r.es.starts_with("no se siguió"), "{}", r.es);
        }
        assert!(g.check_url(&url("http://127.0.0.2:9/"), false).is_ok());
        // Names are for the resolver, except local ones through a proxy.
        assert!(g.check_url(&url("http://localhost/"), false).is_ok());
        assert!(g.check_url(&url("http://localhost/"), true).is_err());
        let kept = g
            .filter(
                "mixed.example",
                vec![
                    "10.0.0.1:80".parse().unwrap(),
                    "127.0.0.2:80".parse().unwrap(),
                ],
            )
            .unwrap();
        assert_eq!(kept, ["127.0.0.2:80".parse::<SocketAddr>().unwrap()]);
        assert!(g.filter("x", vec!["[::1]:80".parse().unwrap()]).is_err());
        let r = g.take_refusal(&url("http://x/")).unwrap();
        assert!(r.en.contains("`x` resolves to ::1"), "{}", r.en);
    }
}
