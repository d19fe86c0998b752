//! Picture strings: the small format languages with which JSONata 2.0.6 writes and reads
//! numbers and timestamps, as XPath and XQuery Functions and Operators 3.1 defines them
//! (<https://www.w3.org/TR/xpath-functions-31/>) and the JSONata reference describes
//! them (<https://docs.jsonata.org/numeric-functions>,
//! <https://docs.jsonata.org/date-time-functions>).
//!
//! - Integer pictures (F&O §4.6.1, `fn:format-integer`): `$formatInteger` and
//!   `$parseInteger`; `integer.rs` analyses them, `digit_pattern.rs` holds decimal
//!   digit patterns (`#,##0`) and `words.rs` words, Roman numerals and letters.
//! - Date/time pictures (F&O §9.8.4, `fn:format-dateTime`): `$fromMillis` and `$now`
//!   format with them (`datetime.rs`), `$toMillis` parses with them
//!   (`datetime_parse.rs`); `calendar.rs` does the day arithmetic.
//! - Number pictures (F&O §4.7, `fn:format-number`): `$formatNumber`; `number.rs` is
//!   the entry and the decimal format, `number_picture.rs` the sub-picture analysis,
//!   `number_render.rs` the writing.

mod calendar;
mod datetime;
mod datetime_parse;
mod digit_pattern;
mod integer;
mod number;
mod number_picture;
mod number_render;
mod words;

pub(super) use calendar::utc_millis;
pub(super) use datetime::{DateTimePicture, ISO_8601, Offset};
pub(super) use integer::call as format_or_parse_integer;
pub(super) use number::call as format_number;
