//! Many conversations in one ZIP, for an admin's bulk export: one Gantry JSON file per
//! conversation and a `manifest.json` listing them.
//!
//! File names come from titles, which anyone can set, so they are reduced to lowercase
//! ASCII letters, digits and dashes, bounded in length, and made unique by the
//! conversation's id: `2026-11-24-trip-plans-0193….json`. No name can hold a path
//! separator, `..`, or anything a file system might read specially.

use std::collections::HashSet;
use std::io::Write;

use crate::{Error, Result};
use serde::Serialize;
use time::OffsetDateTime;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::{ConversationExport, utc, utc_rfc3339};

/// The name of the ZIP's table of contents.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Longest title part of a file name, in bytes (all ASCII).
const MAX_SLUG_BYTES: usize = 60;

/// Writes the exports into `out` as a ZIP (deflate), one JSON file per conversation named
/// by [`zip_entry_name`], then `manifest.json` with the count, the time and the list.
/// Exports are consumed one at a time, so a large instance need not hold them all.
///
/// `out` need not seek (a network stream will do): sizes follow each entry's data.
/// Returns `out`, flushed.
///
/// The same conversation twice is refused (the second would overwrite the first when
/// unpacked); a failing `out` is reported as unavailable.
pub fn write_zip<W: Write>(
    exports: impl IntoIterator<Item = ConversationExport>,
    out: W,
) -> Result<W> {
    let mut zip = ZipWriter::new_stream(out);
    let mut names = HashSet::new();
    let mut entries = Vec::new();
    for export in exports {
        let name = zip_entry_name(&export);
        if !names.insert(name.clone()) {
            return Err(Error::conflict(format!(
                "conversation {} appears twice in the export",
                export.conversation.id
            )));
        }
        let json = export.to_json()?;
        zip.start_file(
            name.as_str(),
            options(export.conversation.updated_at, json.len()),
        )
        .map_err(zip_error)?;
        zip.write_all(&json).map_err(io_error)?;
        entries.push(ManifestEntry {
            file: name,
            id: export.conversation.id.to_string(),
            title: export.conversation.title,
            messages: export.messages.len(),
            updated_at: export.conversation.updated_at,
        });
    }

    let generated_at = OffsetDateTime::now_utc();
    let manifest = Manifest {
        format: "gantry.export-manifest",
        version: super::VERSION,
        count: entries.len(),
        generated_at,
        conversations: entries,
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|error| Error::internal_from("writing the manifest failed", error))?;
    zip.start_file(MANIFEST_FILE, options(generated_at, json.len()))
        .map_err(zip_error)?;
    zip.write_all(&json).map_err(io_error)?;
    let mut out = zip.finish().map_err(zip_error)?.into_inner();
    out.flush().map_err(io_error)?;
    Ok(out)
}

/// The file name a conversation gets in a ZIP: its creation date (UTC), its title reduced
/// to at most 60 lowercase ASCII letters, digits and dashes (`conversation` when nothing
/// is left), and its id, e.g. `2026-11-24-trip-plans-0193a4c2-….json`. Safe to unpack
/// anywhere: no separators, no `..`, no leading dot, at most 120 bytes.
pub fn zip_entry_name(export: &ConversationExport) -> String {
    let created = utc(export.conversation.created_at);
    let mut slug = String::with_capacity(MAX_SLUG_BYTES);
    let mut dash_pending = false;
    for c in export.conversation.title.chars().flat_map(ascii_fold) {
        if c.is_ascii_alphanumeric() {
            if dash_pending && !slug.is_empty() {
                if slug.len() + 1 >= MAX_SLUG_BYTES {
                    break;
                }
                slug.push('-');
            }
            dash_pending = false;
            if slug.len() >= MAX_SLUG_BYTES {
                break;
            }
            slug.push(c.to_ascii_lowercase());
        } else {
            dash_pending = true;
        }
    }
    if slug.is_empty() {
        slug.push_str("conversation");
    }
    format!(
        "{:04}-{:02}-{:02}-{slug}-{}.json",
        created.year().clamp(0, 9999),
        u8::from(created.month()),
        created.day(),
        export.conversation.id
    )
}

/// Latin letters with accents as their plain letters, so `Café` names a file `cafe`.
fn ascii_fold(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
        'À'..='Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "AE",
        'ç' | 'ć' | 'č' => "c",
        'Ç' | 'Ć' | 'Č' => "C",
        'ď' | 'đ' | 'ð' => "d",
        'Ď' | 'Đ' | 'Ð' => "D",
        'è'..='ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'È'..='Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ì'..='ï' | 'ī' | 'į' | 'ı' => "i",
        'Ì'..='Ï' | 'Ī' | 'Į' | 'İ' => "I",
        'ł' | 'ľ' | 'ĺ' => "l",
        'Ł' | 'Ľ' | 'Ĺ' => "L",
        'ñ' | 'ń' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ň' => "N",
        'ò'..='ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò'..='Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "OE",
        'ŕ' | 'ř' => "r",
        'Ŕ' | 'Ř' => "R",
        'ś' | 'š' | 'ş' => "s",
        'Ś' | 'Š' | 'Ş' => "S",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'Ť' | 'Ţ' => "T",
        'ù'..='ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'Ù'..='Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'þ' => "th",
        'Þ' => "TH",
        _ => "",
    };
    let own = if folded.is_empty() { Some(c) } else { None };
    folded.chars().chain(own)
}

/// Deflate, the time the conversation last changed (ZIP stores local times without a
/// zone; UTC is used), and ZIP64 only when a file needs it.
fn options(modified: OffsetDateTime, size: usize) -> SimpleFileOptions {
    let modified = utc(modified);
    let mut options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644)
        .large_file(u64::try_from(size).unwrap_or(u64::MAX) >= u64::from(u32::MAX));
    let year = u16::try_from(modified.year()).unwrap_or(0);
    if let Ok(time) = DateTime::from_date_and_time(
        year,
        u8::from(modified.month()),
        modified.day(),
        modified.hour(),
        modified.minute(),
        modified.second(),
    ) {
        options = options.last_modified_time(time);
    }
    options
}

fn io_error(error: std::io::Error) -> Error {
    Error::unavailable(
        crate::Backend::Component("export output"),
        error.to_string(),
    )
}

fn zip_error(error: zip::result::ZipError) -> Error {
    match error {
        zip::result::ZipError::Io(error) => io_error(error),
        other => Error::internal_from("writing the ZIP failed", other),
    }
}

/// The ZIP's table of contents.
#[derive(Serialize)]
struct Manifest {
    format: &'static str,
    version: u32,
    count: usize,
    #[serde(with = "utc_rfc3339")]
    generated_at: OffsetDateTime,
    conversations: Vec<ManifestEntry>,
}

#[derive(Serialize)]
struct ManifestEntry {
    file: String,
    id: String,
    title: String,
    messages: usize,
    #[serde(with = "utc_rfc3339")]
    updated_at: OffsetDateTime,
}
