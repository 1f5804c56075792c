//! `model::parse_timestamp` / `format_timestamp` (a small RFC 3339 reader and writer in the
//! core, replacing the `time` crate to keep the npm package's WebAssembly small) agree with the
//! `time` crate on valid, nearly valid and random input.

use proptest::prelude::*;
use rolegate_core::model::{format_timestamp, parse_timestamp};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn reference_parse(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339).ok().map(|t| t.unix_timestamp())
}

fn reference_format(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs).ok().and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_else(|| secs.to_string())
}

#[test]
fn known_values() {
    assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_timestamp("2030-01-01T00:00:00Z"), Some(1_893_456_000));
    assert_eq!(parse_timestamp("2030-01-01T01:30:00+01:30"), Some(1_893_456_000));
    assert_eq!(parse_timestamp("2029-12-31t19:00:00.999-05:00"), Some(1_893_456_000));
    assert_eq!(parse_timestamp("2016-12-31T23:59:60Z"), Some(1_483_228_799));
    assert_eq!(parse_timestamp("2024-02-29 12:00:00Z"), Some(1_709_208_000));
    for bad in [
        "", "2030-01-01", "2030-01-01T00:00:00", "2030-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2030-01-01T24:00:00Z",
        "2030-01-01T00:60:00Z", "2030-01-01T00:00:60Z", "2030-01-01T00:00:00+24:00", "2030-01-01T00:00:00+01:60", "2030-01-01T00:00:00.Z",
        "2030-01-01T00:00:00Zx", "2030-13-01T00:00:00Z", "2030-00-01T00:00:00Z", "2030-01-00T00:00:00Z", "+2030-01-01T00:00:00Z",
        "2030-01-01T00:00:00+0100",
    ] {
        assert_eq!(parse_timestamp(bad), None, "{bad}");
        assert_eq!(reference_parse(bad), None, "{bad}");
    }
    assert_eq!(format_timestamp(0), "1970-01-01T00:00:00Z");
    assert_eq!(format_timestamp(1_893_456_000), "2030-01-01T00:00:00Z");
    assert_eq!(format_timestamp(-62_167_219_201), "-62167219201");
    assert_eq!(format_timestamp(253_402_300_800), "253402300800");
}

/// Leap seconds, month ends and offsets around them, every month of a leap and a common year.
#[test]
fn leap_seconds_and_month_ends_match_time() {
    for year in [1972, 1999, 2000, 2016, 2023, 2024, 2100, 0, 9999] {
        for month in 1..=12 {
            for day in [1, 28, 29, 30, 31] {
                for (h, m, s) in [(23, 59, 60), (23, 59, 59), (0, 0, 60), (22, 59, 60), (0, 59, 60), (12, 0, 0)] {
                    for off in ["Z", "+00:00", "-00:00", "+01:00", "-01:00", "+23:59", "-23:59", "+00:30"] {
                        for frac in ["", ".5", ".999999999", ".0000000001"] {
                            let t = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{frac}{off}");
                            assert_eq!(parse_timestamp(&t), reference_parse(&t), "{t}");
                        }
                    }
                }
            }
        }
    }
}

fn near_valid() -> impl Strategy<Value = String> {
    "[0-9]{4}-[01][0-9]-[0-3][0-9][Tt x][0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{0,12})?([Zz]|[+-][0-2][0-9]:[0-6][0-9]|)"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn parse_agrees_with_time(s in near_valid()) {
        prop_assert_eq!(parse_timestamp(&s), reference_parse(&s), "{}", s);
    }

    #[test]
    fn parse_agrees_with_time_on_mutations(s in near_valid(), at in 0usize..40, c in any::<char>()) {
        let mut chars: Vec<char> = s.chars().collect();
        if at < chars.len() { chars[at] = c } else { chars.push(c) }
        let s: String = chars.into_iter().collect();
        prop_assert_eq!(parse_timestamp(&s), reference_parse(&s), "{}", s);
    }

    #[test]
    fn parse_agrees_with_time_on_any_string(s in "\\PC{0,40}") {
        prop_assert_eq!(parse_timestamp(&s), reference_parse(&s), "{}", s);
    }

    #[test]
    fn format_agrees_with_time(secs in -70_000_000_000i64..260_000_000_000i64) {
        prop_assert_eq!(format_timestamp(secs), reference_format(secs));
        if let Some(t) = parse_timestamp(&format_timestamp(secs)) {
            prop_assert_eq!(t, secs);
        }
    }
}
