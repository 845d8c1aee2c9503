//! .docx to text: the body of `word/document.xml`, unpacked under a size cap.

use std::io::{Cursor, Read};

use quick_xml::events::Event;

use super::decode::decode;
use super::error::{ExtractError, damaged};
use super::{ExtractLimits, FileKind};

/// The body text of a .docx: `w:t` runs, a newline per paragraph (`w:p`) and line break
/// (`w:br`, `w:cr`), a tab per `w:tab` outside tab-stop definitions (`w:tabs`). Headers,
/// footers and comments live in other parts and are not read.
pub(super) fn docx_to_text(bytes: &[u8], limits: &ExtractLimits) -> Result<String, ExtractError> {
    let kind = FileKind::Docx;
    let limit = limits.max_bytes;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| damaged(kind, format!("not a zip archive: {e}")))?;
    let mut entry = archive
        .by_name("word/document.xml")
        .map_err(|e| damaged(kind, format!("no readable word/document.xml: {e}")))?;
    // The declared size is checked first, then the actual one: a zip can lie.
    if entry.size() > limit as u64 {
        return Err(ExtractError::UnpacksTooLarge { limit });
    }
    // Sized from the declaration, so an honest file is read without regrowing the buffer.
    let mut xml = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(limit).min(limit));
    (&mut entry)
        .take(limit as u64 + 1)
        .read_to_end(&mut xml)
        .map_err(|e| damaged(kind, format!("word/document.xml: {e}")))?;
    if xml.len() > limit {
        return Err(ExtractError::UnpacksTooLarge { limit });
    }
    let xml = decode(&xml);
    docx_xml_to_text(&xml).map_err(|e| damaged(kind, format!("word/document.xml: {e}")))
}

fn docx_xml_to_text(xml: &str) -> Result<String, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = String::with_capacity(xml.len() / 4);
    let mut in_text = false;
    let mut in_tab_stops = 0usize;
    loop {
        match reader.read_event()? {
            Event::Start(e) => match e.local_name().as_ref() {
                "t" => in_text = true,
                "tabs" => in_tab_stops += 1,
                "tab" if in_tab_stops == 0 => out.push('\t'),
                "br" | "cr" => out.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" if in_tab_stops == 0 => out.push('\t'),
                "br" | "cr" | "p" => out.push('\n'),
                "noBreakHyphen" => out.push('-'),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "tabs" => in_tab_stops = in_tab_stops.saturating_sub(1),
                "p" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                let c = match r.resolve_char_ref()? {
                    Some(c) => Some(c),
                    None => match &*r {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                if let Some(c) = c {
                    out.push(c);
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}
