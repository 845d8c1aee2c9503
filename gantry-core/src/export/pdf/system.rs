//! The machine's own fonts, for characters DejaVu lacks (Chinese, Japanese, Korean, Thai,
//! Devanagari...). They are listed with fontdb on the first export that needs one, and
//! each face's character map is read the first time the search reaches it, then kept; so
//! exports without such characters never touch the disk, and most that have them read
//! only the first few faces.

use std::path::PathBuf;
use std::sync::OnceLock;

use ttf_parser::Tag;

/// What a style wants from a fallback face, so bold text gets a bold face where one exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Preference {
    Regular,
    Bold,
    Mono,
}

impl Preference {
    const ALL: [Preference; 3] = [Preference::Regular, Preference::Bold, Preference::Mono];
}

/// One face of an installed font file.
#[derive(Debug)]
struct SystemFace {
    path: PathBuf,
    index: u32,
    family: String,
    weight: u16,
    upright: bool,
    normal_width: bool,
    monospaced: bool,
    /// The characters its cmap maps to a glyph, as sorted inclusive ranges; `None` when
    /// it cannot be embedded. Read on first use.
    coverage: OnceLock<Option<Vec<(u32, u32)>>>,
}

impl SystemFace {
    fn covers(&self, c: char) -> bool {
        let coverage = self.coverage.get_or_init(|| {
            let data = std::fs::read(&self.path).ok()?;
            coverage(&data, self.index)
        });
        coverage
            .as_deref()
            .is_some_and(|coverage| in_ranges(coverage, c))
    }
}

fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let c = u32::from(c);
    let after = ranges.partition_point(|&(start, _)| start <= c);
    after > 0 && ranges.get(after - 1).is_some_and(|&(_, end)| c <= end)
}

/// The installed faces and, for each preference, the order they are tried in.
#[derive(Debug)]
struct SystemFonts {
    faces: Vec<SystemFace>,
    orders: [Vec<usize>; 3],
}

fn system_fonts() -> &'static SystemFonts {
    static FONTS: OnceLock<SystemFonts> = OnceLock::new();
    FONTS.get_or_init(SystemFonts::load)
}

/// The first installed face, in this preference's order, that has `c`.
pub(super) fn find(c: char, preference: Preference) -> Option<usize> {
    let fonts = system_fonts();
    let order = fonts.orders.get(preference as usize)?;
    order
        .iter()
        .copied()
        .find(|&face| fonts.faces.get(face).is_some_and(|face| face.covers(c)))
}

/// A face's font file and its index in it, read anew for each export that uses it.
pub(super) fn read(face: usize) -> Option<(Vec<u8>, u32)> {
    let face = system_fonts().faces.get(face)?;
    match std::fs::read(&face.path) {
        Ok(data) => Some((data, face.index)),
        Err(error) => {
            tracing::warn!(path = %face.path.display(), %error, "a fallback font cannot be read");
            None
        }
    }
}

impl SystemFonts {
    fn load() -> Self {
        let mut database = fontdb::Database::new();
        database.load_system_fonts();
        let mut faces: Vec<SystemFace> = database
            .faces()
            .filter_map(|info| {
                let fontdb::Source::File(path) = &info.source else {
                    return None;
                };
                let family = info
                    .families
                    .first()
                    .map(|(name, _)| name.clone())
                    .unwrap_or_default();
                // Not every monospaced face says so in its tables.
                let monospaced = info.monospaced || family.contains("Mono");
                Some(SystemFace {
                    path: path.clone(),
                    index: info.index,
                    family,
                    weight: info.weight.0,
                    upright: info.style == fontdb::Style::Normal,
                    normal_width: info.stretch == fontdb::Stretch::Normal,
                    monospaced,
                    coverage: OnceLock::new(),
                })
            })
            .collect();
        faces.sort_by(|a, b| (&a.path, a.index).cmp(&(&b.path, b.index)));
        // Upright faces of the wanted weight and spacing first, then by family name, so
        // the choice is the same on every run.
        let orders = Preference::ALL.map(|preference| {
            let mut order: Vec<usize> = (0..faces.len()).collect();
            order.sort_by_key(|&index| {
                let face = &faces[index];
                let weight = if preference == Preference::Bold {
                    700
                } else {
                    400
                };
                (
                    face.monospaced != (preference == Preference::Mono),
                    !face.upright,
                    face.weight.abs_diff(weight),
                    !face.normal_width,
                    &face.family,
                    index,
                )
            });
            order
        });
        tracing::debug!(faces = faces.len(), "system fonts listed for PDF fallback");
        Self { faces, orders }
    }
}

/// The characters a face has glyphs for, or `None` when it cannot be embedded: no outlines
/// a PDF can use (colour bitmap emoji, CFF2) or a licence that forbids it.
fn coverage(data: &[u8], index: u32) -> Option<Vec<(u32, u32)>> {
    let face = ttf_parser::Face::parse(data, index).ok()?;
    let raw = face.raw_face();
    let outlines = raw.table(Tag::from_bytes(b"glyf")).is_some()
        || raw.table(Tag::from_bytes(b"CFF ")).is_some();
    let licensed = face.is_subsetting_allowed()
        && face.is_outline_embedding_allowed()
        && face.permissions() != Some(ttf_parser::Permissions::Restricted);
    if !outlines || !licensed {
        return None;
    }
    // Code points come in runs, so ranges are built as they come, then merged across
    // subtables.
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for subtable in face.tables().cmap?.subtables {
        if subtable.is_unicode() {
            subtable.codepoints(|point| {
                if subtable
                    .glyph_index(point)
                    .is_some_and(|glyph| glyph.0 != 0)
                {
                    match ranges.last_mut() {
                        Some((start, end)) if *start <= point && point <= *end + 1 => {
                            *end = (*end).max(point);
                        }
                        _ => ranges.push((point, point)),
                    }
                }
            });
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some((_, last)) if start <= *last + 1 => *last = (*last).max(end),
            _ => merged.push((start, end)),
        }
    }
    (!merged.is_empty()).then_some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_is_found_by_range() {
        let ranges = [(0x41, 0x5A), (0x3040, 0x309F)];
        assert!(in_ranges(&ranges, 'A') && in_ranges(&ranges, 'Z') && in_ranges(&ranges, 'ぁ'));
        assert!(!in_ranges(&ranges, '@') && !in_ranges(&ranges, 'a') && !in_ranges(&ranges, '中'));
        assert!(!in_ranges(&[], 'a'));
    }

    #[test]
    fn dejavu_coverage_is_read_from_its_cmap() {
        let ranges = coverage(dejavu::sans::regular(), 0).expect("DejaVu is embeddable");
        assert!(ranges.windows(2).all(|pair| pair[0].1 + 1 < pair[1].0));
        for c in ['a', 'Ж', 'א', '→', '\u{FFFD}'] {
            assert!(in_ranges(&ranges, c), "{c}");
        }
        assert!(!in_ranges(&ranges, '中') && !in_ranges(&ranges, '\u{378}'));
    }
}
