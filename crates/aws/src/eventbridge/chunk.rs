//! How PutEvents entries are measured and grouped into requests.

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use std::ops::Range;

/// PutEvents takes at most ten entries per request.
pub const MAX_ENTRIES_PER_REQUEST: usize = 10;
/// PutEvents takes at most 256 KB of entries per request.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// Size of an entry as EventBridge counts it against the request limit: 14 bytes for a
/// `Time`, plus the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each resource.
pub fn entry_size(entry: &PutEventsRequestEntry) -> usize {
    let time = if entry.time().is_some() { 14 } else { 0 };
    let text = |s: Option<&str>| s.map_or(0, str::len);
    time + text(entry.source())
        + text(entry.detail_type())
        + text(entry.detail())
        + entry.resources().iter().map(String::len).sum::<usize>()
}

/// Splits entries of the given sizes, in order, into requests that respect both limits.
/// Every size must already be at most [`MAX_REQUEST_BYTES`].
pub fn chunk_ranges(sizes: &[usize]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, &size) in sizes.iter().enumerate() {
        if i > start && (i - start == MAX_ENTRIES_PER_REQUEST || bytes + size > MAX_REQUEST_BYTES) {
            ranges.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < sizes.len() {
        ranges.push(start..sizes.len());
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_counts_what_eventbridge_counts() {
        let entry = PutEventsRequestEntry::builder()
            .source("com.orders")
            .detail_type("OrderCreated")
            .detail(r#"{"é":1}"#)
            .resources("arn:a")
            .time(aws_sdk_eventbridge::primitives::DateTime::from_secs(0))
            .event_bus_name("bus-names-do-not-count")
            .trace_header("neither-do-trace-headers")
            .build();
        // Time + source + detail-type + detail (é is two bytes) + resource.
        assert_eq!(entry_size(&entry), 14 + 10 + 12 + 8 + 5);
    }

    #[test]
    // A one-range chunking is an expected value here, not a mistaken `(0..10).collect()`.
    #[allow(clippy::single_range_in_vec_init)]
    fn chunks_by_count_and_by_bytes() {
        let kb = 1024;
        let cases: Vec<(Vec<usize>, Vec<Range<usize>>)> = vec![
            (vec![], vec![]),
            (vec![1; 25], vec![0..10, 10..20, 20..25]),
            (vec![1; 10], vec![0..10]),
            (vec![100 * kb; 3], vec![0..2, 2..3]),
            (vec![256 * kb, 1], vec![0..1, 1..2]),
            (vec![128 * kb, 128 * kb, 1], vec![0..2, 2..3]),
        ];
        for (sizes, expected) in cases {
            assert_eq!(chunk_ranges(&sizes), expected, "{sizes:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn chunks_cover_everything_in_order_within_limits(
            sizes in proptest::collection::vec(1usize..=MAX_REQUEST_BYTES, 0..60)
        ) {
            let ranges = chunk_ranges(&sizes);
            let mut next = 0;
            for r in &ranges {
                proptest::prop_assert_eq!(r.start, next);
                proptest::prop_assert!(!r.is_empty() && r.len() <= MAX_ENTRIES_PER_REQUEST);
                proptest::prop_assert!(sizes[r.clone()].iter().sum::<usize>() <= MAX_REQUEST_BYTES);
                next = r.end;
            }
            proptest::prop_assert_eq!(next, sizes.len());
        }
    }
}
