//! The value encoding: every stored value is `[ENCODING_VERSION][postcard bytes]`.
//!
//! The leading byte lets a later build change the encoding of a type and still tell old
//! values from new ones; a value with an unknown byte, or bytes postcard cannot read in
//! full, is reported as corrupt, never unwrapped. Keys are not encoded here: ids are
//! stored as their UTF-8 bytes (see `shop.rs`).

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The version byte in front of every value this build writes.
pub const ENCODING_VERSION: u8 = 1;

/// Why stored bytes could not be decoded.
#[derive(Debug)]
pub enum DecodeError {
    /// No bytes at all, so not even a version byte.
    Empty,
    /// The version byte is not one this build reads.
    UnknownVersion(u8),
    /// postcard could not read the bytes as the expected type.
    Postcard(postcard::Error),
    /// The value was read but bytes were left over.
    TrailingBytes(usize),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty value (no encoding version byte)"),
            Self::UnknownVersion(v) => write!(
                f,
                "encoding version {v}, but this build reads only version {ENCODING_VERSION}"
            ),
            Self::Postcard(e) => write!(f, "undecodable bytes: {e}"),
            Self::TrailingBytes(n) => write!(f, "{n} unexpected bytes after the value"),
        }
    }
}

/// Encodes a value with the version byte in front.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_extend(value, vec![ENCODING_VERSION])
}

/// Decodes a value written by [`encode`], checking the version byte and that every byte
/// is used.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let (&version, body) = bytes.split_first().ok_or(DecodeError::Empty)?;
    if version != ENCODING_VERSION {
        return Err(DecodeError::UnknownVersion(version));
    }
    let (value, rest) = postcard::take_from_bytes(body).map_err(DecodeError::Postcard)?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(DecodeError::TrailingBytes(rest.len()))
    }
}

/// A key as an operator can read it in an error: quoted and escaped when it is text
/// (`"gid://shopify/Product/1\0cross_sell"`), `0x…` hex otherwise.
#[must_use]
pub fn text_key(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(text) => format!("{text:?}"),
        Err(_) => format!("0x{}", hex::encode(key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_values_start_with_the_version_byte_and_round_trip() {
        let bytes = encode(&("abc", 7_u32)).unwrap();
        assert_eq!(bytes[0], ENCODING_VERSION);
        assert_eq!(
            decode::<(String, u32)>(&bytes).unwrap(),
            ("abc".to_owned(), 7)
        );
    }

    #[test]
    fn decoding_rejects_empty_unknown_version_garbage_and_trailing_bytes() {
        assert!(matches!(decode::<u32>(&[]), Err(DecodeError::Empty)));
        let mut future = encode(&5_u32).unwrap();
        future[0] = 9;
        assert!(matches!(
            decode::<u32>(&future),
            Err(DecodeError::UnknownVersion(9))
        ));
        assert!(matches!(
            decode::<String>(&[ENCODING_VERSION, 200]),
            Err(DecodeError::Postcard(_))
        ));
        let mut long = encode(&5_u32).unwrap();
        long.push(0);
        assert!(matches!(
            decode::<u32>(&long),
            Err(DecodeError::TrailingBytes(1))
        ));
    }

    #[test]
    fn keys_print_as_quoted_text_or_hex() {
        assert_eq!(text_key(b"gid://x/1\0upsell"), r#""gid://x/1\0upsell""#);
        assert_eq!(text_key(&[0xff, 0x01]), "0xff01");
    }
}
