//! Where a record goes: the 128-bit hash key space split between a stream's shards, and a
//! partition key's place in it.

use md5::{Digest, Md5};

/// One shard's part of the hash key space, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashRange {
    /// The lowest hash key of the range.
    pub start: u128,
    /// The highest hash key of the range.
    pub end: u128,
}

impl HashRange {
    /// Whether `key` falls in the range.
    pub fn contains(&self, key: u128) -> bool {
        (self.start..=self.end).contains(&key)
    }
}

/// The ranges of `count` shards (at least one), as CreateStream splits the space: each
/// shard starts at `i × ⌊2^128 / count⌋` and ends where the next starts; the last ends at
/// `2^128 − 1`.
pub fn split(count: u32) -> Vec<HashRange> {
    let count = u128::from(count.max(1));
    if count == 1 {
        return vec![HashRange {
            start: 0,
            end: u128::MAX,
        }];
    }
    // ⌊2^128 / n⌋ without 2^128 itself: ⌊(2^128 − 1) / n⌋, plus one when n divides 2^128.
    let width = u128::MAX / count + u128::from(u128::MAX % count == count - 1);
    (0..count)
        .map(|i| HashRange {
            start: i * width,
            end: if i + 1 == count {
                u128::MAX
            } else {
                (i + 1) * width - 1
            },
        })
        .collect()
}

/// A partition key's hash key: the MD5 of its UTF-8 bytes read as a big-endian integer.
pub fn hash_key(partition_key: &str) -> u128 {
    u128::from_be_bytes(Md5::digest(partition_key.as_bytes()).into())
}

/// An `ExplicitHashKey`: a decimal integer below 2^128, or `None`.
pub fn parse_hash_key(text: &str) -> Option<u128> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_whole_space_without_overlap() {
        for count in 1..=40 {
            let ranges = split(count);
            assert_eq!(ranges.len(), count as usize);
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[ranges.len() - 1].end, u128::MAX);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end + 1, pair[1].start, "{count} shards");
            }
        }
    }

    /// The figures CreateStream gives two and three shards.
    #[test]
    fn ranges_are_the_ones_aws_gives() {
        let two = split(2);
        assert_eq!(
            two[0].end,
            170_141_183_460_469_231_731_687_303_715_884_105_727
        );
        let three = split(3);
        assert_eq!(
            three[1].start,
            113_427_455_640_312_821_154_458_202_477_256_070_485
        );
        assert_eq!(
            three[2].start,
            226_854_911_280_625_642_308_916_404_954_512_140_970
        );
    }

    #[test]
    fn a_partition_key_hashes_as_md5_big_endian() {
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
        assert_eq!(hash_key("a"), 0x0cc1_75b9_c0f1_b6a8_31c3_99e2_6977_2661);
        assert_eq!(
            parse_hash_key("340282366920938463463374607431768211455"),
            Some(u128::MAX)
        );
        assert_eq!(
            parse_hash_key("340282366920938463463374607431768211456"),
            None
        );
        assert_eq!(parse_hash_key("-1"), None);
        assert_eq!(parse_hash_key(""), None);
    }
}
