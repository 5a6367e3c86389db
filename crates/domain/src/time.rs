//! Time as the domain sees it: UTC instants with millisecond precision.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// A UTC instant in whole milliseconds since the Unix epoch; on the wire RFC 3339 with
/// milliseconds and `Z` (`2025-05-09T04:26:26.850Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    pub fn from_datetime(at: OffsetDateTime) -> Self {
        Self((at.unix_timestamp_nanos() / 1_000_000) as i64)
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1000)))
    }

    /// Parses RFC 3339 with any offset and precision (finer than milliseconds is truncated).
    pub fn parse(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .map(Self::from_datetime)
    }

    pub fn to_rfc3339(self) -> String {
        self.rfc3339().to_owned()
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, written digit by digit: every answer carries a few of
    /// these, and the formatting machinery cost more than the rest of a cached read.
    fn rfc3339(self) -> Rfc3339Text {
        let at = OffsetDateTime::from_unix_timestamp_nanos(self.0 as i128 * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let mut text = *b"0000-00-00T00:00:00.000Z";
        let parts = [
            (0..4, at.year().unsigned_abs()),
            (5..7, u32::from(at.month() as u8)),
            (8..10, u32::from(at.day())),
            (11..13, u32::from(at.hour())),
            (14..16, u32::from(at.minute())),
            (17..19, u32::from(at.second())),
            (20..23, u32::from(at.millisecond())),
        ];
        for (digits, mut value) in parts {
            for digit in text[digits].iter_mut().rev() {
                *digit = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        Rfc3339Text(text)
    }
}

/// A time as RFC 3339 text, kept on the stack.
struct Rfc3339Text([u8; 24]);

impl std::ops::Deref for Rfc3339Text {
    type Target = str;

    fn deref(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 date-time"))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .examples(["2025-05-09T04:26:26.850Z"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_and_z() {
        let at = Timestamp::parse("2025-05-09T06:26:26.850123+02:00").unwrap();
        assert_eq!(at.to_rfc3339(), "2025-05-09T04:26:26.850Z");
        assert_eq!(Timestamp::parse(&at.to_rfc3339()), Some(at));
        assert_eq!(
            Timestamp::from_millis(5).to_rfc3339(),
            "1970-01-01T00:00:00.005Z",
            "every part keeps its leading zeros"
        );
        let json = serde_json::to_string(&Timestamp::from_millis(-1)).unwrap();
        assert_eq!(json, "\"1969-12-31T23:59:59.999Z\"");
    }
}
