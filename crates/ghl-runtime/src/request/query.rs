//! Query values as the API reads them: a value serialized straight to the strings of its query
//! parameter (numbers as written, no JSON detour), and path segments percent-encoded.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

/// Characters left as they are in a path segment: RFC 3986 unreserved characters.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment: everything but RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) is encoded, so `/`, `?`, `#`, `%` and spaces cannot change the
/// shape of the URL. Numbers print as [`Display`](fmt::Display) prints them, so an integral
/// `f64` such as `50.0` becomes `50`.
///
/// ```
/// assert_eq!(ghl_runtime::encode_path_segment(&"a b/c?d"), "a%20b%2Fc%3Fd");
/// assert_eq!(ghl_runtime::encode_path_segment(&50.0_f64), "50");
/// ```
pub fn encode_path_segment(value: &dyn fmt::Display) -> String {
    let raw = value.to_string();
    // Ids are nearly always unreserved already: then the string is returned as it is.
    if let std::borrow::Cow::Owned(encoded) = utf8_percent_encode(&raw, PATH_SEGMENT).into() {
        return encoded;
    }
    raw
}

/// Renders a serializable value as the list of strings a query parameter or a multipart
/// text field carries: scalars give one string, sequences one per element, `None`/unit
/// give nothing. Objects are refused.
pub(crate) fn render_scalars<T: Serialize + ?Sized>(value: &T) -> Result<Vec<String>, String> {
    let json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    render_json(&json, &mut out, 0)?;
    Ok(out)
}

fn render_json(value: &serde_json::Value, out: &mut Vec<String>, depth: u8) -> Result<(), String> {
    use serde_json::Value;
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push(if *b { "true" } else { "false" }.to_owned()),
        Value::Number(n) => out.push(render_number(n)),
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) if depth == 0 => {
            for item in items {
                render_json(item, out, depth + 1)?;
            }
        }
        Value::Array(_) => return Err("nested arrays cannot be sent as a parameter".to_owned()),
        Value::Object(_) => {
            return Err("objects cannot be sent as a query or form-field parameter".to_owned());
        }
    }
    Ok(())
}

/// Appends `(name, wrap(string))` for each string `value` renders to, as
/// [`render_scalars`] would render it. Scalars and flat sequences of scalars are rendered
/// straight from `Serialize`, without building a `serde_json::Value`; anything else
/// (objects, enum variants with data, nested sequences, bytes, out-of-range 128-bit
/// integers) goes through [`render_scalars`], which also words the error. On error nothing
/// is appended.
pub(crate) fn push_scalars<T: Serialize + ?Sized, U>(
    out: &mut Vec<(&'static str, U)>,
    name: &'static str,
    value: &T,
    wrap: fn(String) -> U,
) -> Result<(), String> {
    let start = out.len();
    let direct = value.serialize(Direct {
        push: &mut |v| out.push((name, wrap(v))),
        nested: false,
    });
    if direct.is_ok() {
        return Ok(());
    }
    out.truncate(start);
    let values = render_scalars(value)?;
    out.extend(values.into_iter().map(|v| (name, wrap(v))));
    Ok(())
}

/// The direct renderer gave up: the value needs [`render_scalars`].
#[derive(Debug)]
struct Fallback;

impl fmt::Display for Fallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a scalar")
    }
}

impl std::error::Error for Fallback {}

impl serde::ser::Error for Fallback {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Fallback
    }
}

/// Renders scalars like `serde_json::to_value` followed by `render_json` do.
struct Direct<'a> {
    push: &'a mut dyn FnMut(String),
    /// Inside a sequence: another sequence is refused.
    nested: bool,
}

/// A float as `serde_json` keeps it (non-finite values become `null`: nothing) and
/// [`render_number`] prints it.
fn render_f64(f: f64, push: &mut dyn FnMut(String)) {
    if !f.is_finite() {
        return;
    }
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        push((f as i64).to_string());
    } else {
        push(format!("{f}"));
    }
}

impl<'a> serde::Serializer for Direct<'a> {
    type Ok = ();
    type Error = Fallback;
    type SerializeSeq = DirectSeq<'a>;
    type SerializeTuple = DirectSeq<'a>;
    type SerializeTupleStruct = DirectSeq<'a>;
    type SerializeTupleVariant = serde::ser::Impossible<(), Fallback>;
    type SerializeMap = serde::ser::Impossible<(), Fallback>;
    type SerializeStruct = serde::ser::Impossible<(), Fallback>;
    type SerializeStructVariant = serde::ser::Impossible<(), Fallback>;

    fn serialize_bool(self, v: bool) -> Result<(), Fallback> {
        (self.push)(if v { "true" } else { "false" }.to_owned());
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Fallback> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Fallback> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Fallback> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Fallback> {
        (self.push)(v.to_string());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Fallback> {
        match i64::try_from(v) {
            Ok(v) => self.serialize_i64(v),
            Err(_) => match u64::try_from(v) {
                Ok(v) => self.serialize_u64(v),
                Err(_) => Err(Fallback),
            },
        }
    }
    fn serialize_u8(self, v: u8) -> Result<(), Fallback> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Fallback> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Fallback> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Fallback> {
        (self.push)(v.to_string());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Fallback> {
        u64::try_from(v)
            .map_err(|_| Fallback)
            .and_then(|v| self.serialize_u64(v))
    }
    fn serialize_f32(self, v: f32) -> Result<(), Fallback> {
        render_f64(f64::from(v), self.push);
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Fallback> {
        render_f64(v, self.push);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Fallback> {
        (self.push)(v.to_string());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Fallback> {
        (self.push)(v.to_owned());
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Fallback> {
        Err(Fallback)
    }
    fn serialize_none(self) -> Result<(), Fallback> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Fallback> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Fallback> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Fallback> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Fallback> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Fallback> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Fallback> {
        Err(Fallback)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<DirectSeq<'a>, Fallback> {
        if self.nested {
            return Err(Fallback);
        }
        Ok(DirectSeq { push: self.push })
    }
    fn serialize_tuple(self, len: usize) -> Result<DirectSeq<'a>, Fallback> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<DirectSeq<'a>, Fallback> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Fallback> {
        Err(Fallback)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Fallback> {
        Err(Fallback)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Fallback> {
        Err(Fallback)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Fallback> {
        Err(Fallback)
    }
}

/// The elements of a top-level sequence: scalars only.
struct DirectSeq<'a> {
    push: &'a mut dyn FnMut(String),
}

impl DirectSeq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        value.serialize(Direct {
            push: &mut *self.push,
            nested: true,
        })
    }
}

impl serde::ser::SerializeSeq for DirectSeq<'_> {
    type Ok = ();
    type Error = Fallback;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.element(value)
    }
    fn end(self) -> Result<(), Fallback> {
        Ok(())
    }
}

impl serde::ser::SerializeTuple for DirectSeq<'_> {
    type Ok = ();
    type Error = Fallback;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.element(value)
    }
    fn end(self) -> Result<(), Fallback> {
        Ok(())
    }
}

impl serde::ser::SerializeTupleStruct for DirectSeq<'_> {
    type Ok = ();
    type Error = Fallback;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.element(value)
    }
    fn end(self) -> Result<(), Fallback> {
        Ok(())
    }
}

fn render_number(n: &serde_json::Number) -> String {
    if n.is_f64() {
        if let Some(f) = n.as_f64() {
            // Integral values print without ".0"; 2^53 bounds the exactly representable ints.
            if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                return format!("{}", f as i64);
            }
            return format!("{f}");
        }
    }
    n.to_string()
}
