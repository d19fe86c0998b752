//! The engine's unit of expiry: it reads time from the one [`Clock`](crate::clock::Clock)
//! it was given (the system clock on AWS, the virtual clock in the local cloud).

/// Epoch seconds of an epoch-millisecond instant, rounded down (the unit of `expiration`).
pub(crate) fn seconds_of(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_down_even_before_the_epoch() {
        assert_eq!(seconds_of(1_999), 1);
        assert_eq!(seconds_of(-1), -1);
    }
}
