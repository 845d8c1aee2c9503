//! Text becomes glyphs here, one per character: from the style's DejaVu face, else another
//! DejaVu face, else an installed font that has it, else a visible replacement. There is
//! no shaping, so every character keeps its own glyph and its place in logical order.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::REPLACEMENT_CHARACTER;
use super::system::{self, Preference};

/// The styles text is set in, each a DejaVu face built into the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Font {
    Regular,
    Bold,
    Italic,
    Mono,
}

impl Font {
    /// The built-in faces, in the order they stand in for one another.
    const ALL: [Font; 4] = [Font::Regular, Font::Italic, Font::Bold, Font::Mono];

    fn data(self) -> &'static [u8] {
        match self {
            Font::Regular => dejavu::sans::regular(),
            Font::Bold => dejavu::sans::bold(),
            Font::Italic => dejavu::sans::oblique(),
            Font::Mono => dejavu::sans_mono::regular(),
        }
    }

    fn preference(self) -> Preference {
        match self {
            Font::Regular | Font::Italic => Preference::Regular,
            Font::Bold => Preference::Bold,
            Font::Mono => Preference::Mono,
        }
    }
}

/// A glyph as drawn: an index into [`Fonts::faces`] and the glyph's id in that face.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Glyph {
    pub(super) face: u16,
    pub(super) id: u16,
}

/// A glyph with what wrapping needs to know about it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Placed {
    pub(super) glyph: Glyph,
    /// In thousandths of the font size.
    pub(super) advance: f32,
    /// A space, where a line may break.
    pub(super) space: bool,
}

/// A font file's face that an export drew with, and the glyphs it drew.
pub(super) struct Face {
    data: Cow<'static, [u8]>,
    index: u32,
    units_per_em: f32,
    /// Each glyph drawn and the character it shows (the lowest, when several share one).
    used: BTreeMap<u16, char>,
}

impl fmt::Debug for Face {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Face")
            .field("bytes", &self.data.len())
            .field("index", &self.index)
            .field("used", &self.used.len())
            .finish()
    }
}

impl Face {
    pub(super) fn data(&self) -> &[u8] {
        &self.data
    }

    pub(super) fn index(&self) -> u32 {
        self.index
    }

    pub(super) fn used(&self) -> &BTreeMap<u16, char> {
        &self.used
    }

    pub(super) fn parse(&self) -> Option<ttf_parser::Face<'_>> {
        ttf_parser::Face::parse(&self.data, self.index).ok()
    }

    /// A glyph's advance in thousandths of the font size.
    pub(super) fn advance(&self, face: &ttf_parser::Face<'_>, id: u16) -> f32 {
        let units = face.glyph_hor_advance(ttf_parser::GlyphId(id)).unwrap_or(0);
        f32::from(units) * 1000.0 / self.units_per_em
    }

    fn lookup(&self, c: char) -> Option<(u16, f32)> {
        let face = self.parse()?;
        let id = face.glyph_index(c).filter(|id| id.0 != 0)?.0;
        Some((id, self.advance(&face, id)))
    }
}

/// Marks a lookup that does not depend on the glyph before it.
const NO_FACE: u16 = u16::MAX;

/// The faces one export draws with, loaded as its text needs them.
#[derive(Debug)]
pub(super) struct Fonts {
    faces: Vec<Face>,
    builtin: [Option<u16>; 4],
    /// Installed faces by their index in [`system`], `None` when unreadable.
    system: HashMap<usize, Option<u16>>,
    /// A character in a style (and, for a mark, after a face) and what shows it.
    resolved: HashMap<(Font, char, u16), Option<Placed>>,
    /// ASCII, the bulk of most text, resolved in each style without hashing.
    ascii: [[Option<Placed>; 128]; 4],
}

impl Default for Fonts {
    fn default() -> Self {
        Self {
            faces: Vec::new(),
            builtin: [None; 4],
            system: HashMap::new(),
            resolved: HashMap::new(),
            ascii: [[None; 128]; 4],
        }
    }
}

impl Fonts {
    pub(super) fn faces(&self) -> &[Face] {
        &self.faces
    }

    /// `text` as glyphs in `font`. Tabs become four spaces and line breaks one; invisible
    /// characters are dropped, and so is a combining mark no font has; any other character
    /// no font has becomes [`REPLACEMENT_CHARACTER`].
    pub(super) fn encode(&mut self, text: &str, font: Font) -> Vec<Placed> {
        let mut out = Vec::with_capacity(text.len());
        let mut previous = NO_FACE;
        for c in text.chars() {
            let kind = kind(c);
            let (c, context, count) = match kind {
                Kind::Invisible => continue,
                Kind::Tab => (' ', NO_FACE, 4),
                Kind::Space => (' ', NO_FACE, 1),
                // A mark sits best on its base letter's face.
                Kind::Mark => (c, previous, 1),
                Kind::Visible => (c, NO_FACE, 1),
            };
            let placed = match self.resolve(font, c, context) {
                Some(placed) => placed,
                None if kind == Kind::Mark => continue,
                None => match self.resolve(font, REPLACEMENT_CHARACTER, NO_FACE) {
                    Some(placed) => placed,
                    None => continue,
                },
            };
            previous = placed.glyph.face;
            out.extend(std::iter::repeat_n(placed, count));
        }
        out
    }

    fn resolve(&mut self, font: Font, c: char, context: u16) -> Option<Placed> {
        let ascii = (c.is_ascii() && context == NO_FACE).then_some((font as usize, c as usize));
        if let Some((style, code)) = ascii
            && let Some(known) = self
                .ascii
                .get(style)
                .and_then(|row| row.get(code))
                .copied()
                .flatten()
        {
            return Some(known);
        }
        let key = (font, c, context);
        if let Some(&known) = self.resolved.get(&key) {
            return known;
        }
        let placed = self.find(font, c, context).map(|(face, id, advance)| {
            if let Some(entry) = self.faces.get_mut(usize::from(face)) {
                entry
                    .used
                    .entry(id)
                    .and_modify(|shown| *shown = (*shown).min(c))
                    .or_insert(c);
            }
            Placed {
                glyph: Glyph { face, id },
                advance,
                space: c == ' ',
            }
        });
        if let Some((style, code)) = ascii
            && let Some(slot) = self.ascii.get_mut(style).and_then(|row| row.get_mut(code))
        {
            *slot = placed;
        }
        self.resolved.insert(key, placed);
        placed
    }

    /// The face with a glyph for `c`, the glyph and its advance.
    fn find(&mut self, font: Font, c: char, context: u16) -> Option<(u16, u16, f32)> {
        let lookup = |fonts: &Self, face: u16| {
            let (id, advance) = fonts.faces.get(usize::from(face))?.lookup(c)?;
            Some((face, id, advance))
        };
        if context != NO_FACE
            && let Some(found) = lookup(self, context)
        {
            return Some(found);
        }
        let others = Font::ALL.into_iter().filter(|&other| other != font);
        for builtin in std::iter::once(font).chain(others) {
            if let Some(found) = self.builtin(builtin).and_then(|face| lookup(self, face)) {
                return Some(found);
            }
        }
        let installed = system::find(c, font.preference())?;
        let face = self.system(installed)?;
        lookup(self, face)
    }

    fn builtin(&mut self, font: Font) -> Option<u16> {
        let slot = font as usize;
        if let Some(face) = self.builtin.get(slot).copied().flatten() {
            return Some(face);
        }
        let face = self.add(Cow::Borrowed(font.data()), 0)?;
        if let Some(entry) = self.builtin.get_mut(slot) {
            *entry = Some(face);
        }
        Some(face)
    }

    fn system(&mut self, installed: usize) -> Option<u16> {
        if let Some(&face) = self.system.get(&installed) {
            return face;
        }
        let face =
            system::read(installed).and_then(|(data, index)| self.add(Cow::Owned(data), index));
        self.system.insert(installed, face);
        face
    }

    fn add(&mut self, data: Cow<'static, [u8]>, index: u32) -> Option<u16> {
        let units_per_em = ttf_parser::Face::parse(&data, index).ok()?.units_per_em();
        let id = u16::try_from(self.faces.len())
            .ok()
            .filter(|&id| id != NO_FACE)?;
        self.faces.push(Face {
            data,
            index,
            units_per_em: f32::from(units_per_em.max(1)),
            used: BTreeMap::new(),
        });
        Some(id)
    }
}

/// The characters of `texts` that no font can show, in code point order.
pub(super) fn unshowable<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<char> {
    let mut distinct = BTreeSet::new();
    for text in texts {
        distinct.extend(
            text.chars()
                .filter(|&c| !c.is_ascii() && kind(c) == Kind::Visible),
        );
    }
    let builtin: Vec<ttf_parser::Face<'static>> = Font::ALL
        .iter()
        .filter_map(|font| ttf_parser::Face::parse(font.data(), 0).ok())
        .collect();
    distinct
        .into_iter()
        .filter(|&c| {
            let in_builtin = builtin
                .iter()
                .any(|face| face.glyph_index(c).is_some_and(|id| id.0 != 0));
            !in_builtin && system::find(c, Preference::Regular).is_none()
        })
        .collect()
}

/// How a character is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Visible,
    /// A combining mark, drawn over the character before it where a font has it.
    Mark,
    /// Drawn as a space.
    Space,
    /// Drawn as four spaces.
    Tab,
    /// Not drawn.
    Invisible,
}

fn kind(c: char) -> Kind {
    match c {
        ' '..='~' => Kind::Visible,
        '\t' => Kind::Tab,
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => Kind::Space,
        // Variation selectors and emoji skin tones only change the character before them.
        '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' | '\u{1F3FB}'..='\u{1F3FF}' => {
            Kind::Invisible
        }
        c => match c.general_category() {
            // Zero-width spaces and joiners, direction marks, soft hyphens, tags, controls.
            GeneralCategory::Control | GeneralCategory::Format => Kind::Invisible,
            GeneralCategory::NonspacingMark
            | GeneralCategory::SpacingMark
            | GeneralCategory::EnclosingMark => Kind::Mark,
            _ => Kind::Visible,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replacement(fonts: &mut Fonts, font: Font) -> Placed {
        fonts.encode(&REPLACEMENT_CHARACTER.to_string(), font)[0]
    }

    #[test]
    fn every_style_shows_the_scripts_dejavu_has() {
        let text = "Grüße — „ok“ € 10… Ωμέγα Жук Հայ ქართ שלום مرحبا → ≤ ✓";
        for font in Font::ALL {
            let mut fonts = Fonts::default();
            let mark = replacement(&mut fonts, font);
            let glyphs = fonts.encode(text, font);
            assert_eq!(glyphs.len(), text.chars().count(), "{font:?}");
            assert!(!glyphs.contains(&mark), "{font:?}");
            assert!(glyphs.iter().all(|glyph| glyph.advance > 0.0), "{font:?}");
        }
    }

    #[test]
    fn a_style_lacking_a_script_borrows_another_dejavu_face() {
        // DejaVu Sans Mono has no Hebrew; DejaVu Sans does.
        let mut fonts = Fonts::default();
        let code = fonts.encode("x = שלום", Font::Mono);
        let mono = code[0].glyph.face;
        assert!(code[4..].iter().all(|glyph| glyph.glyph.face != mono));
        assert_ne!(code[4], replacement(&mut fonts, Font::Mono));
    }

    #[test]
    fn invisible_characters_are_dropped() {
        let mut fonts = Fonts::default();
        // Joiners, variation selectors, skin tones, direction marks, a soft hyphen.
        let glyphs = fonts.encode(
            "a\u{200D}b\u{FE0F}c\u{1F3FD}d\u{200F}e\u{AD}f",
            Font::Regular,
        );
        assert_eq!(glyphs.len(), 6);
        let tab = fonts.encode("\tx", Font::Regular);
        assert_eq!(tab.len(), 5);
        assert!(tab[..4].iter().all(|glyph| glyph.space));
    }

    #[test]
    fn combining_accents_are_drawn_when_a_font_has_them() {
        let mut fonts = Fonts::default();
        let glyphs = fonts.encode("e\u{301}", Font::Regular);
        assert_eq!(glyphs.len(), 2);
        assert_ne!(glyphs[1], replacement(&mut fonts, Font::Regular));
    }

    #[test]
    fn a_character_no_font_has_becomes_a_replacement() {
        // U+0378 is unassigned, so no font has it.
        let mut fonts = Fonts::default();
        let glyphs = fonts.encode("a\u{378}b", Font::Bold);
        assert_eq!(glyphs.len(), 3);
        assert_eq!(glyphs[1], replacement(&mut fonts, Font::Bold));
        assert_eq!(unshowable(["a\u{378}b Жук", "\u{378}"]), vec!['\u{378}']);
    }

    #[test]
    fn used_glyphs_remember_their_characters() {
        let mut fonts = Fonts::default();
        let glyphs = fonts.encode("Ab A", Font::Regular);
        let face = &fonts.faces()[usize::from(glyphs[0].glyph.face)];
        let shown: Vec<char> = face.used().values().copied().collect();
        assert_eq!(shown.len(), 3);
        for c in ['A', 'b', ' '] {
            assert!(shown.contains(&c));
        }
    }
}
