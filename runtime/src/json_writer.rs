//! Compact JSON for the served documents, byte for byte as
//! `serde_json::to_vec` writes it, with strings written a word at a time.
//!
//! serde_json escapes a string one byte at a time through its formatter and
//! writes each run between escapes as a separate fragment; a document's bytes are
//! mostly keys, media types and `$ref`s, so that was a large share of assembly
//! (BENCHMARKS.md, "Document assembly"). Here a string is
//! checked eight bytes at a time for the three things JSON escapes (`"`, `\`,
//! control characters) and, having none (nearly always), copied at once; one
//! that has them is escaped as serde_json does. Numbers are written with the
//! crates serde_json uses (`itoa`, `zmij`), so the output is the same bytes:
//! `tests/common` compares every checked document's served bytes with
//! `serde_json::to_vec` of its typed form.
//!
//! It also writes JSON already serialised as is ([`Raw`]): the served document
//! holds each operation as its bytes, written as soon as it was checked.

use std::fmt;

use serde::ser::{self, Serialize};

/// Why a value could not be written: a `Serialize` implementation's own
/// error, or a map key that is not a string (as serde_json refuses them).
#[derive(Debug)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

fn key_must_be_a_string() -> Error {
    Error("key must be a string".to_owned())
}

type Result<T = ()> = std::result::Result<T, Error>;

/// Appends `value` to `out` as compact JSON.
pub(crate) fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result {
    value.serialize(&mut Writer { out, raw: false })
}

/// JSON written as it is: a part of the document serialised earlier. Only
/// this module's writer knows it; serde_json would write it as a string.
pub(crate) struct Raw<'a>(pub &'a str);

/// The name [`Raw`] goes by, for the writer to tell it from other newtypes.
const RAW: &str = "$hookspec::json_writer::Raw";

impl Serialize for Raw<'_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(RAW, self.0)
    }
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    /// Set while a [`Raw`]'s text is written: the next string goes in as is.
    raw: bool,
}

/// For each byte, what JSON writes in its place inside a string: 0 for the
/// byte itself, else the letter after `\` (`u` for `\u00XX`).
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Whether any byte of `bytes` must be escaped in a JSON string. Strings of
/// eight bytes or more are read a word at a time, the last word overlapping
/// the one before it; shorter ones a byte at a time.
fn needs_escape(bytes: &[u8]) -> bool {
    if bytes.len() < 8 {
        return bytes.iter().any(|&byte| ESCAPE[usize::from(byte)] != 0);
    }
    let mut chunks = bytes.chunks_exact(8);
    if chunks.any(word_needs_escape) {
        return true;
    }
    !bytes.len().is_multiple_of(8) && word_needs_escape(&bytes[bytes.len() - 8..])
}

/// Whether any of eight bytes must be escaped: a byte below 0x20, or equal to
/// `"` or `\`, leaves its high bit set in the words below (the usual "has a
/// zero byte" test: a borrow may set more bits above a match, never one
/// where there is none).
fn word_needs_escape(chunk: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    fn has_zero(word: u64) -> u64 {
        word.wrapping_sub(ONES) & !word & HIGHS
    }
    let mut word = [0u8; 8];
    word.copy_from_slice(chunk);
    let word = u64::from_le_bytes(word);
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let quote = has_zero(word ^ (ONES * u64::from(b'"')));
    let backslash = has_zero(word ^ (ONES * u64::from(b'\\')));
    control | quote | backslash != 0
}

/// Appends `value` as a JSON string.
fn write_str(out: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if needs_escape(bytes) {
        write_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// The contents of a string that has something to escape, as serde_json
/// escapes them (short forms where JSON has them, else `\u00xx`).
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape = ESCAPE[usize::from(byte)];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..index]);
        start = index + 1;
        if escape == b'u' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        } else {
            out.extend_from_slice(&[b'\\', escape]);
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

fn write_integer<I: itoa::Integer>(out: &mut Vec<u8>, value: I) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// A float as serde_json writes it: shortest round-trip form; `null` for NaN
/// and the infinities, which JSON cannot hold.
fn write_float<F: zmij::Float>(out: &mut Vec<u8>, value: F, finite: bool) {
    if finite {
        out.extend_from_slice(zmij::Buffer::new().format_finite(value).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// An array or object under way.
struct Compound<'w, 'a> {
    writer: &'w mut Writer<'a>,
    first: bool,
}

impl Compound<'_, '_> {
    /// The separator before every element but the first.
    fn separate(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.writer.out.push(b',');
        }
    }

    fn key(&mut self, key: &str) {
        self.separate();
        write_str(self.writer.out, key);
        self.writer.out.push(b':');
    }

    fn close(self, bracket: u8) -> Result {
        self.writer.out.push(bracket);
        Ok(())
    }

    /// Closes a variant's content and the object around it (`{"Variant":...}`).
    fn close_variant(self, bracket: u8) -> Result {
        self.writer.out.extend_from_slice(&[bracket, b'}']);
        Ok(())
    }
}

impl<'w, 'a> Writer<'a> {
    fn open(&'w mut self, bracket: u8) -> Compound<'w, 'a> {
        self.out.push(bracket);
        Compound {
            writer: self,
            first: true,
        }
    }

    /// `{"variant":` and the bracket of its content.
    fn open_variant(&'w mut self, variant: &str, bracket: u8) -> Compound<'w, 'a> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        self.open(bracket)
    }
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, value: bool) -> Result {
        let text: &[u8] = if value { b"true" } else { b"false" };
        self.out.extend_from_slice(text);
        Ok(())
    }

    fn serialize_i8(self, value: i8) -> Result {
        write_integer(self.out, value);
        Ok(())
    }

    fn serialize_i16(self, value: i16) -> Result {
        write_integer(self.out, value);
        Ok(())
    }

    fn serialize_i32(self, value: i32) -> Result {
        write_integer(self.out, value);
        Ok(())
    }

    fn serialize_i64(self, value: i64) -> Result {
        write_integer(self.out, value);
        Ok(())
    }

    fn serialize_i128(self, value: i128) -> Result {
        write_integer(self.out, value);
        Ok(())
    }

    fn serialize_u8(self, value: u8) -> Result {
        write_integer(self.out, value);
        Ok(())
    }

    fn serialize_u16(self, value: u16) -> Result {
        write_integer(self.out, value);
        Ok(())
    }

    fn serialize_u32(self, value: u32) -> Result {
        write_integer(self.out, value);
        Ok(())
    }

    fn serialize_u64(self, value: u64) -> Result {
        write_integer(self.out, value);
        Ok(())
    }

    fn serialize_u128(self, value: u128) -> Result {
        write_integer(self.out, value);
        Ok(())
    }

    fn serialize_f32(self, value: f32) -> Result {
        write_float(self.out, value, value.is_finite());
        Ok(())
    }

    fn serialize_f64(self, value: f64) -> Result {
        write_float(self.out, value, value.is_finite());
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result {
        write_str(self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, value: &str) -> Result {
        if self.raw {
            self.out.extend_from_slice(value.as_bytes());
        } else {
            write_str(self.out, value);
        }
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result {
        let mut array = self.open(b'[');
        for byte in value {
            array.separate();
            write_integer(array.writer.out, *byte);
        }
        array.close(b']')
    }

    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result {
        write_str(self.out, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result {
        if name != RAW {
            return value.serialize(self);
        }
        self.raw = true;
        let written = value.serialize(&mut *self);
        self.raw = false;
        written
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Ok(self.open(b'['))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Ok(self.open(b'['))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Ok(self.open(b'['))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Ok(self.open_variant(variant, b'['))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Ok(self.open(b'{'))
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Ok(self.open(b'{'))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Ok(self.open_variant(variant, b'{'))
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.separate();
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result {
        self.close(b']')
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result {
        self.close(b']')
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result {
        self.close(b']')
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result {
        self.close_variant(b']')
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.separate();
        key.serialize(MapKey {
            out: self.writer.out,
        })?;
        self.writer.out.push(b':');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result {
        self.close(b'}')
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.key(key);
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result {
        self.close(b'}')
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        ser::SerializeStruct::serialize_field(self, key, value)
    }

    fn end(self) -> Result {
        self.close_variant(b'}')
    }
}

/// A map key: strings as they are, numbers and booleans quoted, anything else
/// refused, as serde_json does.
struct MapKey<'a> {
    out: &'a mut Vec<u8>,
}

impl MapKey<'_> {
    fn quoted(self, write: impl FnOnce(&mut Vec<u8>)) -> Result {
        self.out.push(b'"');
        write(self.out);
        self.out.push(b'"');
        Ok(())
    }
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, value: &str) -> Result {
        write_str(self.out, value);
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_bool(self, value: bool) -> Result {
        self.serialize_str(if value { "true" } else { "false" })
    }

    fn serialize_i8(self, value: i8) -> Result {
        self.quoted(|out| write_integer(out, value))
    }

    fn serialize_i16(self, value: i16) -> Result {
        self.quoted(|out| write_integer(out, value))
    }

    fn serialize_i32(self, value: i32) -> Result {
        self.quoted(|out| write_integer(out, value))
    }

    fn serialize_i64(self, value: i64) -> Result {
        self.quoted(|out| write_integer(out, value))
    }

    fn serialize_i128(self, value: i128) -> Result {
        self.quoted(|out| write_integer(out, value))
    }

    fn serialize_u8(self, value: u8) -> Result {
        self.quoted(|out| write_integer(out, value))
    }

    fn serialize_u16(self, value: u16) -> Result {
        self.quoted(|out| write_integer(out, value))
    }

    fn serialize_u32(self, value: u32) -> Result {
        self.quoted(|out| write_integer(out, value))
    }

    fn serialize_u64(self, value: u64) -> Result {
        self.quoted(|out| write_integer(out, value))
    }

    fn serialize_u128(self, value: u128) -> Result {
        self.quoted(|out| write_integer(out, value))
    }

    fn serialize_f32(self, value: f32) -> Result {
        if !value.is_finite() {
            return Err(Error("float key must be finite".to_owned()));
        }
        self.quoted(|out| write_float(out, value, true))
    }

    fn serialize_f64(self, value: f64) -> Result {
        if !value.is_finite() {
            return Err(Error("float key must be finite".to_owned()));
        }
        self.quoted(|out| write_float(out, value, true))
    }

    fn serialize_bytes(self, _value: &[u8]) -> Result {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Err(key_must_be_a_string())
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn written<T: Serialize + ?Sized>(value: &T) -> String {
        let mut out = Vec::new();
        write(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn serde_json_writes<T: Serialize + ?Sized>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn every_byte_that_must_be_escaped_is_found_wherever_it_is() {
        for byte in 0u8..=0x7f {
            let must = byte < 0x20 || byte == b'"' || byte == b'\\';
            // At every position of a word, of a second word, and of the tail.
            for length in [1, 7, 8, 9, 16, 21] {
                for at in 0..length {
                    let mut bytes = vec![b'a'; length];
                    bytes[at] = byte;
                    assert_eq!(
                        needs_escape(&bytes),
                        must,
                        "byte {byte:#04x} at {at} of {length}"
                    );
                }
            }
        }
        // Bytes of multi-byte characters never need escaping.
        assert!(!needs_escape("résumé ✓ 請求書 €".as_bytes()));
        assert!(!needs_escape(&[
            0x7f, 0x80, 0xff, 0xa0, 0x21, 0x5b, 0x5d, 0x23
        ]));
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_ascii: String = (0u8..=0x7f).map(char::from).collect();
        every_ascii.push_str("é ✓ \u{2028} \u{1F600}");
        for text in [
            "",
            "plain",
            "#/components/schemas/Invoice",
            "quote \" backslash \\ slash /",
            "line\nbreak\ttab\r\u{8}\u{c}\u{0}\u{1f}",
            "\"",
            "ends with a backslash \\",
            &every_ascii,
        ] {
            assert_eq!(written(text), serde_json_writes(text), "{text:?}");
        }
    }

    #[test]
    fn values_are_written_as_serde_json_writes_them() {
        let value = json!({
            "openapi": "3.1.0",
            "numbers": [0, -1, 18446744073709551615u64, -9223372036854775808i64,
                        1.5, 0.1, 1e300, -2.5e-8, 100.0, 1e21],
            "flags": [true, false, null],
            "nested": {"empty": {}, "list": [], "key with \"quotes\"": ["a\\b"]},
        });
        assert_eq!(written(&value), serde_json_writes(&value));

        #[derive(serde::Serialize)]
        enum Shape {
            Unit,
            Newtype(u8),
            Tuple(u8, &'static str),
            Struct { side: f32 },
        }
        #[derive(serde::Serialize)]
        struct Everything {
            shapes: Vec<Shape>,
            optional: Option<u16>,
            absent: Option<u16>,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u16>,
            by_number: BTreeMap<u16, char>,
            by_flag: BTreeMap<bool, ()>,
            bytes: ByteString,
            not_a_number: f64,
            infinite: f32,
            tuple: (i8, u128, i128),
        }
        let everything = Everything {
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(1, "two"),
                Shape::Struct { side: 0.25 },
            ],
            optional: Some(3),
            absent: None,
            skipped: None,
            by_number: BTreeMap::from([(200, 'a'), (404, '"')]),
            by_flag: BTreeMap::from([(true, ())]),
            bytes: ByteString(&[0, 1, 255]),
            not_a_number: f64::NAN,
            infinite: f32::INFINITY,
            tuple: (-8, u128::MAX, i128::MIN),
        };
        assert_eq!(written(&everything), serde_json_writes(&everything));
    }

    #[test]
    fn keys_that_are_not_strings_are_refused_as_serde_json_refuses_them() {
        let by_list = BTreeMap::from([(vec![1], 1)]);
        let mut out = Vec::new();
        let ours = write(&mut out, &by_list).unwrap_err().to_string();
        let theirs = serde_json::to_vec(&by_list).unwrap_err().to_string();
        assert_eq!(ours, theirs);
        let by_nan = BTreeMap::from([(OrderedNan, 1)]);
        assert!(write(&mut Vec::new(), &by_nan).is_err());
        assert!(serde_json::to_vec(&by_nan).is_err());
    }

    /// Serialised as bytes (serde_json writes an array of numbers).
    struct ByteString(&'static [u8]);

    impl Serialize for ByteString {
        fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    /// A map key that is a float and not a number.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct OrderedNan;

    impl Serialize for OrderedNan {
        fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.serialize_f64(f64::NAN)
        }
    }

    #[test]
    fn raw_json_is_written_as_it_is() {
        let operation = r#"{"summary":"a \"quoted\" word"}"#;
        let item = BTreeMap::from([("post", Raw(operation))]);
        assert_eq!(
            written(&item),
            format!(r#"{{"post":{operation}}}"#),
            "written unescaped"
        );
        // Only the raw text itself: the strings after it are escaped again.
        let after = (Raw("[1]"), "a\"b");
        assert_eq!(written(&after), r#"[[1],"a\"b"]"#);
    }
}
