//! Every schema, whatever `openapiv3` variant it parsed into, seen through the same fields, so
//! the conversion in [`super::schema`] has one case per meaning rather than per variant.

use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

/// A schema position: a reference or an inline schema, whichever box it came in.
#[derive(Clone, Copy)]
pub(super) enum SchemaRef<'a> {
    Ref(&'a str),
    Inline(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Schema>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Box<Schema>>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

pub(super) enum Additional<'a> {
    None,
    Any,
    Schema(SchemaRef<'a>),
}

/// Every schema, whatever `openapiv3` variant it parsed into, seen through the same fields.
pub(super) struct Shape<'a> {
    pub(super) kind: Option<&'a str>,
    pub(super) binary: bool,
    pub(super) enum_strings: Vec<String>,
    pub(super) properties: Vec<(&'a str, SchemaRef<'a>)>,
    pub(super) required: &'a [String],
    pub(super) additional: Additional<'a>,
    pub(super) items: Option<SchemaRef<'a>>,
    pub(super) one_of: &'a [ReferenceOr<Schema>],
    /// `oneOf` or `anyOf`, whichever `one_of` came from (for pointers).
    pub(super) one_of_key: &'static str,
    pub(super) all_of: &'a [ReferenceOr<Schema>],
}

fn additional(value: &Option<AdditionalProperties>) -> Additional<'_> {
    match value {
        None | Some(AdditionalProperties::Any(false)) => Additional::None,
        Some(AdditionalProperties::Any(true)) => Additional::Any,
        Some(AdditionalProperties::Schema(schema)) => Additional::Schema((&**schema).into()),
    }
}

/// An array schema's `maxItems`, whichever `openapiv3` variant it parsed into.
pub(super) fn max_items(schema: &Schema) -> Option<usize> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Array(array)) => array.max_items,
        SchemaKind::Any(any) => any.max_items,
        _ => None,
    }
}

/// The size caps of a file property: `x-max-bytes: {"*": 26214400, "video/*": 524288000}`
/// maps MIME patterns (`*`, `type/*` or an exact type) to the most bytes the server takes.
pub(super) fn max_bytes(data: &openapiv3::SchemaData) -> Result<Vec<(String, u64)>, String> {
    let Some(caps) = data.extensions.get("x-max-bytes") else {
        return Ok(Vec::new());
    };
    let caps = caps
        .as_object()
        .ok_or("`x-max-bytes` must map MIME patterns (`*`, `video/*`) to byte counts")?;
    caps.iter()
        .map(|(pattern, bytes)| {
            let bytes = bytes.as_u64().ok_or_else(|| {
                format!("`x-max-bytes` of `{pattern}` must be a whole number of bytes")
            })?;
            let prefix = match pattern.as_str() {
                "*" => "",
                pattern => pattern.strip_suffix('*').unwrap_or(pattern),
            };
            Ok((prefix.to_owned(), bytes))
        })
        .collect()
}

/// Whether `schema` is a date-time string: formatted `date-time`, or (a spec defect with one
/// reading) unformatted with an RFC 3339 date-time as its example.
pub(super) enum DateTime {
    No,
    Formatted,
    ByExample,
}

pub(super) fn date_time(schema: &Schema) -> DateTime {
    let SchemaKind::Type(Type::String(string)) = &schema.schema_kind else {
        return DateTime::No;
    };
    match &string.format {
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => DateTime::Formatted,
        VariantOrUnknownOrEmpty::Empty
            if string.enumeration.is_empty()
                && schema
                    .schema_data
                    .example
                    .as_ref()
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(looks_like_date_time) =>
        {
            DateTime::ByExample
        }
        _ => DateTime::No,
    }
}

/// `2021-06-23T03:30:00+05:30`, `2026-01-01T10:00:00.000Z`: a date, `T`, a time with seconds,
/// then `Z` or an offset.
fn looks_like_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let zone = text.ends_with('Z')
        || text
            .len()
            .checked_sub(6)
            .and_then(|at| text.get(at..))
            .is_some_and(|offset| {
                matches!(offset.as_bytes(), [b'+' | b'-', a, b, b':', c, d]
                    if [a, b, c, d].iter().all(|digit| digit.is_ascii_digit()))
            });
    digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10)
        && bytes.get(10) == Some(&b'T')
        && digits(11..13)
        && bytes.get(13) == Some(&b':')
        && digits(14..16)
        && bytes.get(16) == Some(&b':')
        && digits(17..19)
        && zone
}

pub(super) fn shape(schema: &Schema) -> Shape<'_> {
    let mut shape = Shape {
        kind: None,
        binary: false,
        enum_strings: Vec::new(),
        properties: Vec::new(),
        required: &[],
        additional: Additional::None,
        items: None,
        one_of: &[],
        one_of_key: "oneOf",
        all_of: &[],
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => {
            shape.kind = Some("string");
            shape.binary = matches!(
                string.format,
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
            );
            shape.enum_strings = string.enumeration.iter().flatten().cloned().collect();
        }
        SchemaKind::Type(Type::Number(_)) => shape.kind = Some("number"),
        SchemaKind::Type(Type::Integer(_)) => shape.kind = Some("integer"),
        SchemaKind::Type(Type::Boolean(_)) => shape.kind = Some("boolean"),
        SchemaKind::Type(Type::Array(array)) => {
            shape.kind = Some("array");
            shape.items = array.items.as_ref().map(SchemaRef::from);
        }
        SchemaKind::Type(Type::Object(object)) => {
            shape.kind = Some("object");
            shape.properties = object
                .properties
                .iter()
                .map(|(k, v)| (k.as_str(), v.into()))
                .collect();
            shape.required = &object.required;
            shape.additional = additional(&object.additional_properties);
        }
        SchemaKind::OneOf { one_of } => shape.one_of = one_of,
        SchemaKind::AnyOf { any_of } => {
            shape.one_of = any_of;
            shape.one_of_key = "anyOf";
        }
        SchemaKind::AllOf { all_of } => shape.all_of = all_of,
        // `not` constrains without describing: nothing to generate from it.
        SchemaKind::Not { .. } => {}
        SchemaKind::Any(any) => {
            shape.kind = any.typ.as_deref();
            shape.binary = any.format.as_deref() == Some("binary");
            shape.enum_strings = any
                .enumeration
                .iter()
                .filter_map(|value| value.as_str().map(str::to_owned))
                .collect();
            shape.properties = any
                .properties
                .iter()
                .map(|(k, v)| (k.as_str(), v.into()))
                .collect();
            shape.required = &any.required;
            shape.additional = additional(&any.additional_properties);
            shape.items = any.items.as_ref().map(SchemaRef::from);
            if any.one_of.is_empty() {
                shape.one_of = &any.any_of;
                shape.one_of_key = "anyOf";
            } else {
                shape.one_of = &any.one_of;
            }
            shape.all_of = &any.all_of;
        }
    }
    shape
}

#[cfg(test)]
mod tests {
    #[test]
    fn date_times_are_read_from_examples_only_when_unmistakable() {
        for text in [
            "2021-06-23T03:30:00+05:30",
            "2026-01-01T10:00:00.000Z",
            "2026-01-01T10:00:00Z",
        ] {
            assert!(super::looks_like_date_time(text), "{text}");
        }
        for text in [
            "2021-06-23",
            "10:00",
            "2021-06-23 03:30:00",
            "2021-06-23T03:30",
            "tomorrow",
            "",
        ] {
            assert!(!super::looks_like_date_time(text), "{text}");
        }
    }
}
