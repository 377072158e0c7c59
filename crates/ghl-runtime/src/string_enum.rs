//! [`string_enum!`](crate::string_enum): the enums the generated crates use for a schema's
//! string values.

/// Defines an enum of the string values a schema lists, the way every generated crate needs
/// it: one unit variant per value, and `Unknown(String)` for a value the spec did not list, so
/// a value HighLevel adds later deserializes instead of failing the whole answer.
///
/// The enum gets `#[non_exhaustive]` (a value added later breaks no `match`), `Debug`,
/// `Clone`, `PartialEq`, `Eq`, `Hash`, `as_str()` (the wire value), `Display` (the same),
/// conversions from and into `String`, and serde's `Serialize` and `Deserialize` as a JSON
/// string. Each variant's docs start with its wire value; doc comments written on the enum and
/// its variants are kept.
///
/// ```
/// ghl_runtime::string_enum! {
///     /// Whether a post is live.
///     pub enum PostStatus {
///         Published = "PUBLISHED",
///         /// Not visible yet.
///         Draft = "DRAFT",
///     }
/// }
///
/// assert_eq!(PostStatus::Published.as_str(), "PUBLISHED");
/// assert_eq!(PostStatus::from("ARCHIVED".to_owned()), PostStatus::Unknown("ARCHIVED".into()));
/// assert_eq!(serde_json::to_string(&PostStatus::Draft).unwrap(), r#""DRAFT""#);
/// let parsed: PostStatus = serde_json::from_str(r#""PUBLISHED""#).unwrap();
/// assert_eq!(parsed, PostStatus::Published);
/// ```
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        ///
        /// Values this crate does not know yet deserialize to `Unknown` instead of failing.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $(#[$variant_meta])*
                $variant,
            )*
            /// A value the spec did not list.
            Unknown(::std::string::String),
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $( $wire => Self::$variant, )*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::std::convert::From<$name> for ::std::string::String {
            fn from(value: $name) -> Self {
                match value {
                    $( $name::$variant => $wire.to_owned(), )*
                    $name::Unknown(value) => value,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                let value: ::std::string::String =
                    $crate::__private::serde::Deserialize::deserialize(deserializer)?;
                ::std::result::Result::Ok(Self::from(value))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::string_enum! {
        /// Test values.
        pub enum Status {
            Spaced = "a b",
            Plain = "Ok",
        }
    }

    crate::string_enum! {
        /// No values listed at all.
        pub(crate) enum Empty {}
    }

    #[test]
    fn values_round_trip_and_unknown_ones_are_kept() {
        assert_eq!(Status::Spaced.as_str(), "a b");
        assert_eq!(Status::Plain.to_string(), "Ok");
        assert_eq!(String::from(Status::Spaced), "a b");
        let json = serde_json::to_string(&vec![Status::Plain, Status::Unknown("new".into())]);
        assert_eq!(json.unwrap(), r#"["Ok","new"]"#);
        let parsed: Vec<Status> = serde_json::from_str(r#"["a b","later"]"#).unwrap();
        assert_eq!(parsed, [Status::Spaced, Status::Unknown("later".into())]);
        assert!(serde_json::from_str::<Status>("1").is_err());
        let empty: Empty = serde_json::from_str(r#""x""#).unwrap();
        assert_eq!(empty.as_str(), "x");
        // Matching on the known values needs a wildcard: the enum is `#[non_exhaustive]`
        // to callers in other crates, and `Unknown` is always there.
        assert!(matches!(Status::from("Ok".to_owned()), Status::Plain));
    }
}
