//! Sequence numbers: 56 decimal digits that rise within a shard, as Kinesis's do.
//!
//! `49` + the stream's creation second (10 digits) + the shard's index (6) + the record's
//! offset in the shard (38). The number says which stream and shard it belongs to, so
//! `AT_SEQUENCE_NUMBER` of another shard's record is refused, and within a shard it orders
//! as the offset does. Numbers are not stored per record: they follow from the offset.

/// How many digits a sequence number has.
pub const DIGITS: usize = 56;

/// The sequence number of the record at `offset` of shard `shard` of a stream created at
/// `created_s`.
pub fn format(created_s: i64, shard: u32, offset: u64) -> String {
    format!(
        "49{:010}{:06}{:038}",
        created_s.rem_euclid(10_000_000_000),
        shard,
        offset
    )
}

/// What a sequence number of this engine says: the stream's creation second, the shard's
/// index and the record's offset; `None` for any other text.
pub fn parse(text: &str) -> Option<(i64, u32, u64)> {
    if text.len() != DIGITS || !text.starts_with("49") || !text.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let created = text[2..12].parse().ok()?;
    let shard = text[12..18].parse().ok()?;
    let offset = text[18..].parse().ok()?;
    Some((created, shard, offset))
}

/// Whether `text` is a sequence number as the API's pattern allows: `0`, or up to 129
/// digits without a leading zero.
pub fn is_well_formed(text: &str) -> bool {
    text == "0"
        || (!text.is_empty()
            && text.len() <= 129
            && !text.starts_with('0')
            && text.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_rise_with_the_offset_and_read_back() {
        let a = format(1_765_000_000, 3, 9);
        let b = format(1_765_000_000, 3, 10);
        assert_eq!(a.len(), DIGITS);
        assert!(a < b, "same width, so text order is number order");
        assert_eq!(parse(&b), Some((1_765_000_000, 3, 10)));
        assert!(is_well_formed(&a));
        assert_eq!(parse("49"), None);
        assert_eq!(parse(&format!("48{}", &a[2..])), None);
    }
}
