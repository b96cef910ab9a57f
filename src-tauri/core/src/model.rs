//! Identifiers and the 64-bit precision policy.
//!
//! JavaScript numbers are exact only up to 2^53. The policy, decided here once:
//! - [`Offset`] (queue offsets, commit-log positions, message counts that can grow without bound)
//!   travels as a decimal **string** and is exported to TypeScript as `string`;
//! - [`Millis`] (milliseconds since the epoch, durations) travels as a **number**: the current epoch
//!   in ms is about 2^40.5, far below 2^53, so it is exact for the next quarter-million years.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Identifies a saved connection (a UUID string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(transparent)]
pub struct ConnectionId(pub String);

impl ConnectionId {
    pub fn new_random() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 64-bit value that must not lose precision in JavaScript: serialized as a decimal string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, specta::Type)]
#[specta(type = String)]
pub struct Offset(pub i64);

impl Serialize for Offset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Text(String),
            Number(i64),
        }
        match Repr::deserialize(d)? {
            Repr::Text(t) => t.trim().parse().map(Offset).map_err(serde::de::Error::custom),
            Repr::Number(n) => Ok(Offset(n)),
        }
    }
}

/// Milliseconds (since the epoch, or a duration): a JSON number, exact below 2^53 (see module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, specta::Type)]
#[specta(type = u32)] // exported as a TS `number` (f64 would add `| null` for NaN)
pub struct Millis(pub i64);

/// `serde(transparent)` would make specta ignore `type = f64`: serialize the inner number by hand.
macro_rules! number_newtype_serde {
    ($t:ident, $inner:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(s)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$inner>::deserialize(d).map($t)
            }
        }
    };
}
number_newtype_serde!(Millis, i64);
number_newtype_serde!(Count, u64);

impl Millis {
    pub fn now() -> Self {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Self(ms)
    }
}

/// A count (messages scanned, items done): a JSON number, exact below 2^53 (9 * 10^15), which no
/// count of messages or queues in a cluster approaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, specta::Type)]
#[specta(type = u32)] // exported as a TS `number` (f64 would add `| null` for NaN)
pub struct Count(pub u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip_as_strings_beyond_2_pow_53() {
        let big = Offset(9_007_199_254_740_993);
        let json = serde_json::to_string(&big).unwrap();
        assert_eq!(json, "\"9007199254740993\"");
        assert_eq!(serde_json::from_str::<Offset>(&json).unwrap(), big);
        assert_eq!(serde_json::from_str::<Offset>("42").unwrap(), Offset(42));
        assert!(serde_json::from_str::<Offset>("\"12x\"").is_err());
    }

    #[test]
    fn millis_are_numbers() {
        assert_eq!(
            serde_json::to_string(&Millis(1_700_000_000_000)).unwrap(),
            "1700000000000"
        );
        assert!(Millis::now().0 > 1_600_000_000_000);
    }
}

/// A JSON document carried as (pretty-printed) text: serde_json's own value type cannot cross IPC
/// (its numbers may be 64-bit), and the UI only shows it. Built from exact `serde_json` values, so
/// a large number in it keeps every digit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(transparent)]
pub struct JsonText(pub String);

impl JsonText {
    pub fn of(v: &serde_json::Value) -> Self {
        Self(serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()))
    }

    /// Parses stored JSON text; text that is not JSON is kept as it is.
    pub fn parse(text: &str) -> Self {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => Self::of(&v),
            Err(_) => Self(text.to_owned()),
        }
    }

    /// The document as a JSON value (a string value when the text is not JSON).
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or_else(|_| serde_json::Value::String(self.0.clone()))
    }
}

/// (year, month, day) of a day number since 1970-01-01 (proleptic Gregorian, Howard Hinnant's
/// civil-from-days), so UTC dates need no date crate.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}
