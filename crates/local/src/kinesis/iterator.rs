//! Shard iterators: where a reader is in a shard, handed out as opaque text that expires.
//!
//! The text is base64 of `stream/shard/offset/issued_ms`. Any text that does not read back
//! as one is refused as an invalid iterator; one issued more than
//! [`ITERATOR_LIFETIME_MS`] ago as expired.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// How long an iterator stays valid: five minutes.
pub const ITERATOR_LIFETIME_MS: i64 = 300_000;

/// A reader's place in a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The stream's name.
    pub stream: String,
    /// The shard's index in the stream.
    pub shard: u32,
    /// The offset of the next record to read.
    pub offset: u64,
    /// When the iterator was handed out, epoch milliseconds.
    pub issued_ms: i64,
}

impl Position {
    /// The iterator's text.
    pub fn encode(&self) -> String {
        STANDARD.encode(format!(
            "{}/{}/{}/{}",
            self.stream, self.shard, self.offset, self.issued_ms
        ))
    }

    /// The position an iterator's text names, or `None` when it names none.
    pub fn decode(text: &str) -> Option<Position> {
        let bytes = STANDARD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.rsplitn(4, '/');
        let issued_ms = parts.next()?.parse().ok()?;
        let offset = parts.next()?.parse().ok()?;
        let shard = parts.next()?.parse().ok()?;
        let stream = parts.next()?.to_owned();
        (!stream.is_empty()).then_some(Position {
            stream,
            shard,
            offset,
            issued_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iterator_reads_back_and_nothing_else_does() {
        let p = Position {
            stream: "orders".into(),
            shard: 2,
            offset: 17,
            issued_ms: 1_765_000_000_000,
        };
        assert_eq!(Position::decode(&p.encode()), Some(p.clone()));
        assert!(p.encode().len() <= 512);
        for bad in [
            "",
            "not base64!",
            &STANDARD.encode("orders/x/1/2"),
            &STANDARD.encode("/1/2/3"),
        ] {
            assert_eq!(Position::decode(bad), None, "{bad}");
        }
    }
}
