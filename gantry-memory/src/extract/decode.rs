//! Text decoding for files of unknown encoding: UTF-8, UTF-16 by its BOM, or the legacy
//! single-byte Windows-1252.

use std::borrow::Cow;

/// Decodes text of unknown encoding: UTF-8 (without its BOM), UTF-16 when a BOM says so,
/// and otherwise Latin-1 with Windows-1252's printable characters in 0x80–0x9F (where
/// Latin-1 has only invisible controls, which normalisation would delete anyway): the
/// legacy encodings of most non-UTF-8 text files met in practice.
pub(super) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_utf8_or_legacy(rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Cow::Owned(decode_utf16(rest, u16::from_le_bytes));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Cow::Owned(decode_utf16(rest, u16::from_be_bytes));
    }
    decode_utf8_or_legacy(bytes)
}

fn decode_utf8_or_legacy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect()),
    }
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|p| unit([p[0], p[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Windows-1252 for 0x80–0x9F, Latin-1 (byte = code point) for the rest.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_bytes_decode_as_windows_1252() {
        assert_eq!(decode(b"caf\xe9 \x93q\x94"), "café “q”");
        assert_eq!(decode(b"\xff\xfeh\x00i\x00"), "hi");
    }
}
