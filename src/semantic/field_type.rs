//! Value types of fields and function results, with Sentry's `meta.fields` / `meta.units` names.

use serde::Serialize;
use std::fmt;

/// The type of a field, search key or function result, as Sentry reports it in `meta.fields`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", content = "unit", rename_all = "lowercase")]
pub enum FieldType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// A floating-point number.
    Number,
    /// A length of time; values are in `unit` (milliseconds for every built-in field).
    Duration(DurationUnit),
    /// A ratio where 1.0 is 100 %.
    Percentage,
    /// An instant (UTC).
    Date,
    /// An amount of data in `unit`.
    Size(SizeUnit),
    /// `true` or `false`.
    Boolean,
    /// Events per `unit` of time.
    Rate(RateUnit),
}

impl FieldType {
    /// Sentry's type name in `meta.fields`: `string`, `integer`, `number`, `duration`,
    /// `percentage`, `date`, `size`, `boolean`, `rate`.
    pub fn meta_type(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Duration(_) => "duration",
            FieldType::Percentage => "percentage",
            FieldType::Date => "date",
            FieldType::Size(_) => "size",
            FieldType::Boolean => "boolean",
            FieldType::Rate(_) => "rate",
        }
    }

    /// Sentry's unit in `meta.units` (`millisecond`, `byte`, `1/minute`, …), or `None`.
    pub fn meta_unit(self) -> Option<&'static str> {
        match self {
            FieldType::Duration(unit) => Some(unit.as_str()),
            FieldType::Size(unit) => Some(unit.as_str()),
            FieldType::Rate(unit) => Some(unit.as_str()),
            _ => None,
        }
    }

    /// Builds a type from Sentry's type and unit names, as `meta.fields` and `meta.units`
    /// give them (`"duration"` + `"millisecond"`). A duration or size without a unit takes
    /// Sentry's default (millisecond, byte); a unit-typed name such as `"millisecond"` or
    /// `"kibibyte"` alone also works, as Sentry's response handler accepts it.
    pub fn from_meta(ty: &str, unit: Option<&str>) -> Option<FieldType> {
        if let Some(unit) = DurationUnit::parse(ty) {
            return Some(FieldType::Duration(unit));
        }
        if let Some(unit) = SizeUnit::parse(ty) {
            return Some(FieldType::Size(unit));
        }
        Some(match ty {
            "string" => FieldType::String,
            "integer" => FieldType::Integer,
            "number" => FieldType::Number,
            "percentage" => FieldType::Percentage,
            "date" => FieldType::Date,
            "boolean" => FieldType::Boolean,
            "duration" => FieldType::Duration(match unit {
                None => DurationUnit::Millisecond,
                Some(unit) => DurationUnit::parse(unit)?,
            }),
            "size" => FieldType::Size(match unit {
                None => SizeUnit::Byte,
                Some(unit) => SizeUnit::parse(unit)?,
            }),
            "rate" => FieldType::Rate(RateUnit::parse(unit?)?),
            _ => return None,
        })
    }

    /// True for types that compare and aggregate as numbers: integer, number, duration,
    /// percentage, size and rate.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldType::Integer
                | FieldType::Number
                | FieldType::Duration(_)
                | FieldType::Percentage
                | FieldType::Size(_)
                | FieldType::Rate(_)
        )
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.meta_unit() {
            Some(unit) => write!(f, "{} ({unit})", self.meta_type()),
            None => f.write_str(self.meta_type()),
        }
    }
}

/// Declares a unit enum with its Sentry names, `as_str` and `parse`.
macro_rules! unit_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// Every unit, in order of size.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// Sentry's name for the unit.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// The unit with Sentry's name `text`, if any.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}

unit_enum! {
    /// A unit of time (Sentry's DURATION_UNITS).
    DurationUnit {
        /// 1 ns.
        Nanosecond = "nanosecond",
        /// 1 µs.
        Microsecond = "microsecond",
        /// 1 ms; the unit of every built-in duration field.
        Millisecond = "millisecond",
        /// 1 s.
        Second = "second",
        /// 60 s.
        Minute = "minute",
        /// 3600 s.
        Hour = "hour",
        /// 86400 s.
        Day = "day",
        /// 7 days.
        Week = "week",
    }
}

unit_enum! {
    /// A unit of data (Sentry's SIZE_UNITS).
    SizeUnit {
        /// 1 bit.
        Bit = "bit",
        /// 8 bits.
        Byte = "byte",
        /// 1024 bytes.
        Kibibyte = "kibibyte",
        /// 1024² bytes.
        Mebibyte = "mebibyte",
        /// 1024³ bytes.
        Gibibyte = "gibibyte",
        /// 1024⁴ bytes.
        Tebibyte = "tebibyte",
        /// 1024⁵ bytes.
        Pebibyte = "pebibyte",
        /// 1024⁶ bytes.
        Exbibyte = "exbibyte",
        /// 1000 bytes.
        Kilobyte = "kilobyte",
        /// 1000² bytes.
        Megabyte = "megabyte",
        /// 1000³ bytes.
        Gigabyte = "gigabyte",
        /// 1000⁴ bytes.
        Terabyte = "terabyte",
        /// 1000⁵ bytes.
        Petabyte = "petabyte",
        /// 1000⁶ bytes.
        Exabyte = "exabyte",
    }
}

unit_enum! {
    /// The time base of a rate (`eps()` is per second, `epm()` per minute).
    RateUnit {
        /// Events per second.
        PerSecond = "1/second",
        /// Events per minute.
        PerMinute = "1/minute",
    }
}

impl DurationUnit {
    /// The length of one unit in milliseconds.
    pub fn in_millis(self) -> f64 {
        match self {
            DurationUnit::Nanosecond => 1e-6,
            DurationUnit::Microsecond => 1e-3,
            DurationUnit::Millisecond => 1.0,
            DurationUnit::Second => 1e3,
            DurationUnit::Minute => 60e3,
            DurationUnit::Hour => 3_600e3,
            DurationUnit::Day => 86_400e3,
            DurationUnit::Week => 604_800e3,
        }
    }
}

impl SizeUnit {
    /// The size of one unit in bytes.
    pub fn in_bytes(self) -> f64 {
        match self {
            SizeUnit::Bit => 0.125,
            SizeUnit::Byte => 1.0,
            SizeUnit::Kibibyte => 1024f64,
            SizeUnit::Mebibyte => 1024f64.powi(2),
            SizeUnit::Gibibyte => 1024f64.powi(3),
            SizeUnit::Tebibyte => 1024f64.powi(4),
            SizeUnit::Pebibyte => 1024f64.powi(5),
            SizeUnit::Exbibyte => 1024f64.powi(6),
            SizeUnit::Kilobyte => 1e3,
            SizeUnit::Megabyte => 1e6,
            SizeUnit::Gigabyte => 1e9,
            SizeUnit::Terabyte => 1e12,
            SizeUnit::Petabyte => 1e15,
            SizeUnit::Exabyte => 1e18,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_names_round_trip() {
        let all = [
            FieldType::String,
            FieldType::Integer,
            FieldType::Number,
            FieldType::Duration(DurationUnit::Millisecond),
            FieldType::Duration(DurationUnit::Second),
            FieldType::Percentage,
            FieldType::Date,
            FieldType::Size(SizeUnit::Kibibyte),
            FieldType::Boolean,
            FieldType::Rate(RateUnit::PerMinute),
        ];
        for ty in all {
            assert_eq!(
                FieldType::from_meta(ty.meta_type(), ty.meta_unit()),
                Some(ty),
                "{ty}"
            );
        }
    }

    #[test]
    fn unit_typed_meta_names_and_defaults() {
        assert_eq!(
            FieldType::from_meta("millisecond", None),
            Some(FieldType::Duration(DurationUnit::Millisecond))
        );
        assert_eq!(
            FieldType::from_meta("byte", None),
            Some(FieldType::Size(SizeUnit::Byte))
        );
        assert_eq!(
            FieldType::from_meta("duration", None),
            Some(FieldType::Duration(DurationUnit::Millisecond))
        );
        assert_eq!(
            FieldType::from_meta("rate", None),
            None,
            "a rate needs its unit"
        );
        assert_eq!(FieldType::from_meta("duration", Some("parsec")), None);
        assert_eq!(FieldType::from_meta("array", None), None);
    }

    #[test]
    fn display_and_numeric() {
        assert_eq!(
            FieldType::Duration(DurationUnit::Millisecond).to_string(),
            "duration (millisecond)"
        );
        assert_eq!(FieldType::Boolean.to_string(), "boolean");
        assert!(FieldType::Percentage.is_numeric());
        assert!(!FieldType::Date.is_numeric());
        assert!(!FieldType::String.is_numeric());
        assert_eq!(DurationUnit::Minute.in_millis(), 60_000.0);
        assert_eq!(SizeUnit::Mebibyte.in_bytes(), 1_048_576.0);
    }
}
