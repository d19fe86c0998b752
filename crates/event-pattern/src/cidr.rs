//! IP addresses and `cidr` ranges.

use std::net::{Ipv4Addr, Ipv6Addr};

/// An inclusive range of IPv4 (4 bytes) or IPv6 (16 bytes) addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct IpRange {
    low: Vec<u8>,
    high: Vec<u8>,
}

impl IpRange {
    pub(crate) fn contains(&self, ip: &[u8]) -> bool {
        ip.len() == self.low.len() && self.low.as_slice() <= ip && ip <= self.high.as_slice()
    }

    /// A string that is an IP address, as a one-address range; `None` for any other string.
    pub(crate) fn single(text: &str) -> Option<IpRange> {
        let ip = ip_bytes(text).ok()?;
        Some(IpRange {
            low: ip.clone(),
            high: ip,
        })
    }

    /// Parses `address/bits`, with EventBridge's reasons for malformed ranges.
    pub(crate) fn cidr(text: &str) -> Result<IpRange, String> {
        let parts = java_split(text, '/');
        if parts.len() != 2 {
            return Err("Malformed CIDR, one '/' required".to_owned());
        }
        let bits: i32 = parts[1]
            .parse()
            .map_err(|_| "Malformed CIDR, mask bits must be an integer".to_owned())?;
        if bits < 0 {
            return Err("Malformed CIDR, mask bits must not be negative".to_owned());
        }
        let ip = ip_bytes(parts[0])?;
        if ip.len() == 4 && bits > 31 {
            return Err("IPv4 mask bits must be < 32".to_owned());
        }
        if ip.len() == 16 && bits > 127 {
            return Err("IPv6 mask bits must be < 128".to_owned());
        }
        let mut low = ip.clone();
        let mut high = ip;
        let mut remaining = bits as usize;
        for (l, h) in low.iter_mut().zip(high.iter_mut()) {
            let keep = remaining.min(8);
            remaining -= keep;
            let mask: u8 = if keep == 0 { 0 } else { 0xffu8 << (8 - keep) };
            *l &= mask;
            *h |= !mask;
        }
        Ok(IpRange { low, high })
    }
}

/// The bytes of an IP address written the way EventBridge accepts one.
pub(crate) fn ip_bytes(text: &str) -> Result<Vec<u8>, String> {
    if looks_like_ipv4(text) {
        let mut out = Vec::with_capacity(4);
        for part in text.split('.') {
            match part.parse::<u32>() {
                Ok(n) if n <= 255 => out.push(n as u8),
                _ => return Err(format!("Invalid IP address: {text}")),
            }
        }
        return Ok(out);
    }
    if looks_like_ipv6(text) {
        let ip: Ipv6Addr = text
            .parse()
            .map_err(|_| format!("Invalid IP address: {text}"))?;
        // An IPv4-mapped IPv6 address is read as the IPv4 address it carries.
        if let Some(v4) = ip.to_ipv4_mapped() {
            return Ok(Ipv4Addr::octets(&v4).to_vec());
        }
        return Ok(ip.octets().to_vec());
    }
    Err(format!("Nonstandard IP address: {text}"))
}

/// `[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+`
fn looks_like_ipv4(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `[0-9a-fA-F:]*:[0-9a-fA-F:]*`
fn looks_like_ipv6(text: &str) -> bool {
    text.contains(':') && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
}

/// `String.split` as the reference implementation uses it: trailing empty parts dropped.
fn java_split(text: &str, sep: char) -> Vec<&str> {
    let mut parts: Vec<&str> = text.split(sep).collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    if parts.len() == 1 && parts[0].is_empty() && !text.is_empty() {
        parts.clear();
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_ranges_contain_their_addresses() {
        let r = IpRange::cidr("10.0.0.0/24").expect("valid");
        assert!(r.contains(&ip_bytes("10.0.0.255").expect("ip")));
        assert!(!r.contains(&ip_bytes("10.0.1.0").expect("ip")));
        let r6 = IpRange::cidr("2001:db8::/32").expect("valid");
        assert!(r6.contains(&ip_bytes("2001:db8:1::1").expect("ip")));
        assert!(!r6.contains(&ip_bytes("2001:db9::1").expect("ip")));
        assert!(!r6.contains(&ip_bytes("10.0.0.1").expect("ip")));
    }

    #[test]
    fn malformed_cidrs_give_eventbridge_reasons() {
        let cases = [
            ("10.0.0.0", "Malformed CIDR, one '/' required"),
            ("10.0.0.0/x", "Malformed CIDR, mask bits must be an integer"),
            (
                "10.0.0.0/-1",
                "Malformed CIDR, mask bits must not be negative",
            ),
            ("10.0.0.0/32", "IPv4 mask bits must be < 32"),
            ("::/128", "IPv6 mask bits must be < 128"),
            ("xx.11.xx/24", "Nonstandard IP address: xx.11.xx"),
            ("1.2.3.999/8", "Invalid IP address: 1.2.3.999"),
        ];
        for (text, reason) in cases {
            assert_eq!(IpRange::cidr(text).unwrap_err(), reason, "{text}");
        }
    }
}
