//! Where the daemon listens and the invocation's trace header.

use super::{DAEMON_ADDRESS_VAR, XrayError};
use std::net::{SocketAddr, ToSocketAddrs};

/// The UDP address of the daemon from a value of `AWS_XRAY_DAEMON_ADDRESS`: either
/// `host:port` (both protocols) or `tcp:host:port udp:host:port`, in any order.
pub fn daemon_udp_address(value: &str) -> Result<SocketAddr, XrayError> {
    let value = value.trim();
    let parts: Vec<&str> = value.split_whitespace().collect();
    let udp = match parts.as_slice() {
        [single] if !single.starts_with("tcp:") => single.strip_prefix("udp:").unwrap_or(single),
        [_, _] => parts
            .iter()
            .find_map(|part| part.strip_prefix("udp:"))
            .ok_or_else(|| XrayError::BadDaemonAddress(value.to_owned()))?,
        _ => return Err(XrayError::BadDaemonAddress(value.to_owned())),
    };
    let mut resolved = udp
        .to_socket_addrs()
        .map_err(|source| XrayError::Unresolved {
            address: value.to_owned(),
            source,
        })?;
    resolved
        .next()
        .ok_or_else(|| XrayError::BadDaemonAddress(value.to_owned()))
}

/// The daemon address from the environment: `None` when `AWS_XRAY_DAEMON_ADDRESS` is unset
/// (tracing is off), an error when it is set but unusable.
pub fn daemon_address_from_env() -> Option<Result<SocketAddr, XrayError>> {
    std::env::var(DAEMON_ADDRESS_VAR)
        .ok()
        .map(|value| daemon_udp_address(&value))
}

/// The `Root` of a trace header as written, unchecked: what log lines carry as the trace
/// id. [`TraceHeader::parse`] is the checked reading the daemon needs.
pub fn root_of(header: &str) -> Option<&str> {
    header
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Root="))
}

/// An X-Ray trace header: `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceHeader {
    /// The trace id: `1-<8 hex epoch seconds>-<24 hex>`.
    pub root: String,
    /// The id of the segment that made the traced call: 16 hex digits, else dropped.
    pub parent: Option<String>,
    /// `Some(true)` for `Sampled=1`, `Some(false)` for `Sampled=0`, `None` when undecided.
    pub sampled: Option<bool>,
}

impl TraceHeader {
    /// Reads a header; `None` when it has no well-formed `Root`. A malformed `Parent` is
    /// dropped rather than sent, since the daemon would reject the whole document.
    pub fn parse(header: &str) -> Option<Self> {
        let mut root = None;
        let mut parent = None;
        let mut sampled = None;
        for part in header.split(';') {
            let Some((key, value)) = part.split_once('=') else {
                continue;
            };
            match key.trim() {
                "Root" => root = Some(value.trim()),
                "Parent" => parent = Some(value.trim()),
                "Sampled" => {
                    sampled = match value.trim() {
                        "1" => Some(true),
                        "0" => Some(false),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
        let root = root.filter(|root| is_trace_id(root))?;
        Some(Self {
            root: root.to_owned(),
            parent: parent.filter(|p| is_hex(p, 16)).map(str::to_owned),
            sampled,
        })
    }

    /// Whether subsegments of this trace are recorded: sampled, with a parent to attach to.
    pub(super) fn recorded_parent(&self) -> Option<&str> {
        match self.sampled {
            Some(true) => self.parent.as_deref(),
            _ => None,
        }
    }
}

/// `1-<8 hex digits of epoch seconds>-<24 hex digits>`.
fn is_trace_id(value: &str) -> bool {
    let mut parts = value.split('-');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("1"), Some(time), Some(random), None) if is_hex(time, 8) && is_hex(random, 24)
    )
}

pub(super) fn is_hex(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::xray::test_fixtures::{PARENT, ROOT};
    use proptest::prelude::*;

    #[test]
    fn daemon_address_forms() {
        let cases: &[(&str, Option<&str>)] = &[
            ("169.254.79.129:2000", Some("169.254.79.129:2000")),
            (" 127.0.0.1:2000 ", Some("127.0.0.1:2000")),
            ("udp:127.0.0.1:2001", Some("127.0.0.1:2001")),
            (
                "tcp:127.0.0.1:2000 udp:127.0.0.2:2001",
                Some("127.0.0.2:2001"),
            ),
            (
                "udp:127.0.0.3:2002 tcp:127.0.0.1:2000",
                Some("127.0.0.3:2002"),
            ),
            ("[::1]:2000", Some("[::1]:2000")),
            ("tcp:127.0.0.1:2000", None),
            ("tcp:127.0.0.1:2000 tcp:127.0.0.1:2001", None),
            ("a:1 b:2 c:3", None),
            ("127.0.0.1", None),
            ("", None),
        ];
        for (value, expected) in cases {
            let got = daemon_udp_address(value).ok();
            let expected = expected.map(|e| e.parse::<SocketAddr>().expect("valid case"));
            assert_eq!(got, expected, "{value:?}");
        }
    }

    #[test]
    fn trace_header_forms() {
        let full = |parent: Option<&str>, sampled| {
            Some(TraceHeader {
                root: ROOT.to_owned(),
                parent: parent.map(str::to_owned),
                sampled,
            })
        };
        let cases: Vec<(String, Option<TraceHeader>)> = vec![
            (
                format!("Root={ROOT};Parent={PARENT};Sampled=1"),
                full(Some(PARENT), Some(true)),
            ),
            (
                format!("Root={ROOT};Parent={PARENT};Sampled=1;Lineage=a87bd80c:1|68fd508a:5"),
                full(Some(PARENT), Some(true)),
            ),
            (
                format!("Sampled=0; Parent={PARENT}; Root={ROOT}"),
                full(Some(PARENT), Some(false)),
            ),
            (
                format!("Root={ROOT};Parent={PARENT};Sampled=?"),
                full(Some(PARENT), None),
            ),
            (format!("Root={ROOT};Sampled=1"), full(None, Some(true))),
            (
                format!("Root={ROOT};Parent=not-hex;Sampled=1"),
                full(None, Some(true)),
            ),
            (format!("Parent={PARENT};Sampled=1"), None),
            ("Root=1-5759e988;Sampled=1".to_owned(), None),
            ("Root=2-5759e988-bd862e3fe1be46a994272793".to_owned(), None),
            (String::new(), None),
        ];
        for (header, expected) in cases {
            assert_eq!(TraceHeader::parse(&header), expected, "{header:?}");
        }
    }

    proptest! {
        #[test]
        fn any_header_parses_without_panicking(header in ".*") {
            let _ = TraceHeader::parse(&header);
        }

        #[test]
        fn well_formed_headers_round_trip(
            time in "[0-9a-f]{8}", random in "[0-9a-f]{24}", parent in "[0-9a-f]{16}",
            sampled in proptest::option::of(any::<bool>()),
        ) {
            let root = format!("1-{time}-{random}");
            let flag = match sampled { Some(true) => "1", Some(false) => "0", None => "?" };
            let parsed = TraceHeader::parse(&format!("Root={root};Parent={parent};Sampled={flag}"));
            prop_assert_eq!(parsed, Some(TraceHeader { root, parent: Some(parent), sampled }));
        }
    }
}
