//! Durations in configuration are written as a number and a unit (`500ms`, `30s`, `5m`, `1h`), as
//! nuts-node writes them, so that a bare number never has to be guessed as seconds or milliseconds.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*value))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(serde::de::Error::custom)
}

/// A configured duration as whole seconds, for checks that count in Unix seconds; saturates
/// rather than wraps (validation keeps every configured duration far below the bound).
pub fn seconds(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

/// Parses `<digits><unit>` with unit `ms`, `s`, `m` or `h`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(|| {
        format!("duration `{text}` has no unit; write it as e.g. `30s`, `500ms`, `5m`")
    })?;
    let (digits, unit) = text.split_at(split);
    let amount: u64 = digits
        .parse()
        .map_err(|_| format!("duration `{text}` does not start with a whole number"))?;
    let millis_per_unit = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => {
            return Err(format!(
                "duration `{text}` has unknown unit `{unit}`; use ms, s, m or h"
            ));
        }
    };
    amount
        .checked_mul(millis_per_unit)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("duration `{text}` is too large"))
}

pub fn format(value: Duration) -> String {
    let millis = value.as_millis();
    if !millis.is_multiple_of(1_000) {
        format!("{millis}ms")
    } else {
        format!("{}s", millis / 1_000)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse("1h").unwrap(), Duration::from_secs(3600));
    }

    #[test]
    fn refuses_missing_or_unknown_unit_and_overflow() {
        assert!(parse("30").unwrap_err().contains("no unit"));
        assert!(parse("3d").unwrap_err().contains("unknown unit"));
        assert!(parse("s").unwrap_err().contains("whole number"));
        assert!(parse("99999999999999999999h").is_err());
    }

    #[test]
    fn formats_back_to_the_same_duration() {
        for text in ["250ms", "30s", "3600s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
