//! Each face an export drew with goes into the PDF as a Type0 font over a CID font, cut
//! down to the glyphs drawn (subsetter renumbers them, and the new numbers are the CIDs),
//! with a `W` widths array and a ToUnicode map so text can be copied, searched and read
//! back.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;
use ttf_parser::Tag;

use super::fonts::Face;

const SYSTEM_INFO: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// How many PDF objects one font takes, numbered from the first [`Embedding::write`] gets.
pub(super) const OBJECTS: i32 = 5;

/// A face's glyphs as they go into the PDF.
#[derive(Debug)]
pub(super) struct Embedding<'a> {
    face: &'a Face,
    remapper: GlyphRemapper,
    /// `None` when the face could not be subset: it is then named, not embedded, and
    /// its CIDs are its own glyph ids.
    program: Option<Program>,
}

#[derive(Debug)]
enum Program {
    /// A TrueType font (glyf outlines), for `FontFile2`.
    TrueType(Vec<u8>),
    /// A bare CFF font program, CID-keyed by subsetter, for `FontFile3`.
    Cff(Vec<u8>),
}

impl<'a> Embedding<'a> {
    pub(super) fn new(face: &'a Face) -> Self {
        let glyphs: Vec<u16> = face.used().keys().copied().collect();
        let remapper = GlyphRemapper::new_from_glyphs_sorted(&glyphs);
        let program = match subsetter::subset(face.data(), face.index(), &remapper) {
            Ok(subset) => program(subset),
            Err(error) => {
                tracing::warn!(%error, "a font cannot be subset, so the PDF names it without embedding it");
                None
            }
        };
        Self {
            face,
            remapper,
            program,
        }
    }

    /// The CID that draws a glyph.
    pub(super) fn cid(&self, glyph: u16) -> u16 {
        match self.program {
            Some(_) => self.remapper.get(glyph).unwrap_or(0),
            None => glyph,
        }
    }

    /// Writes the font's objects, numbered from `first` on.
    pub(super) fn write(&self, pdf: &mut Pdf, first: i32) {
        let [type0_id, cid_id, descriptor_id, cmap_id, file_id] =
            [0, 1, 2, 3, 4].map(|offset| Ref::new(first + offset));
        let Some(ttf) = self.face.parse() else {
            return;
        };
        let units_per_em = f32::from(ttf.units_per_em().max(1));
        let scale = |units: i16| f32::from(units) * 1000.0 / units_per_em;
        let cff = matches!(self.program, Some(Program::Cff(_)));
        let name = self.base_font(&ttf);

        let mut type0 = pdf.type0_font(type0_id);
        if cff {
            type0.base_font(Name(format!("{name}-Identity-H").as_bytes()));
        } else {
            type0.base_font(Name(name.as_bytes()));
        }
        type0
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_id)
            .to_unicode(cmap_id);
        type0.finish();

        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(if cff {
            CidFontType::Type0
        } else {
            CidFontType::Type2
        })
        .base_font(Name(name.as_bytes()))
        .system_info(SYSTEM_INFO)
        .font_descriptor(descriptor_id);
        if !cff {
            cid.cid_to_gid_map_predefined(Name(b"Identity"));
        }
        // One run of widths per CID range (not the `first last width` form, which some
        // readers mis-parse).
        let mut widths = cid.widths();
        if self.program.is_some() {
            widths.consecutive(
                0,
                self.remapper
                    .remapped_gids()
                    .map(|glyph| self.face.advance(&ttf, glyph)),
            );
        } else {
            for &glyph in self.face.used().keys() {
                widths.consecutive(glyph, [self.face.advance(&ttf, glyph)]);
            }
        }
        widths.finish();
        cid.finish();

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), SYSTEM_INFO);
        for (&glyph, &c) in self.face.used() {
            cmap.pair(self.cid(glyph), c);
        }
        let cmap = deflate(cmap.finish().as_slice());
        pdf.cmap(cmap_id, &cmap).filter(Filter::FlateDecode);

        let mut flags = FontFlags::SYMBOLIC;
        flags.set(FontFlags::FIXED_PITCH, ttf.is_monospaced());
        flags.set(FontFlags::ITALIC, ttf.is_italic() || ttf.is_oblique());
        let bbox = ttf.global_bounding_box();
        let mut descriptor = pdf.font_descriptor(descriptor_id);
        descriptor
            .name(Name(name.as_bytes()))
            .flags(flags)
            .bbox(Rect::new(
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ))
            .italic_angle(ttf.italic_angle())
            .ascent(scale(ttf.ascender()))
            .descent(scale(ttf.descender()))
            .cap_height(scale(ttf.capital_height().unwrap_or(ttf.ascender())))
            .stem_v(10.0 + 0.244 * (f32::from(ttf.weight().to_number()) - 50.0));
        match &self.program {
            Some(Program::TrueType(_)) => {
                descriptor.font_file2(file_id);
            }
            Some(Program::Cff(_)) => {
                descriptor.font_file3(file_id);
            }
            None => {}
        }
        descriptor.finish();

        match &self.program {
            Some(Program::TrueType(data)) => {
                let length = i32::try_from(data.len()).unwrap_or(i32::MAX);
                pdf.stream(file_id, &deflate(data))
                    .filter(Filter::FlateDecode)
                    .pair(Name(b"Length1"), length);
            }
            Some(Program::Cff(data)) => {
                pdf.stream(file_id, &deflate(data))
                    .filter(Filter::FlateDecode)
                    .pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
            }
            None => {}
        }
    }

    /// The face's PostScript name behind a subset tag: six capitals that depend on the
    /// glyphs kept, so the same export gets the same name.
    fn base_font(&self, ttf: &ttf_parser::Face<'_>) -> String {
        let name = ttf
            .names()
            .into_iter()
            .filter(|name| name.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|name| name.to_string())
            .map(|name| {
                name.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                    .take(60)
                    .collect::<String>()
            })
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "Font".to_owned());
        let mut hash = Sha256::new();
        hash.update(name.as_bytes());
        for glyph in self.face.used().keys() {
            hash.update(glyph.to_be_bytes());
        }
        let tag: String = hash
            .finalize()
            .iter()
            .take(6)
            .map(|byte| char::from(b'A' + byte % 26))
            .collect();
        format!("{tag}+{name}")
    }
}

/// The font program to embed from a subset: the bare CFF table for CFF outlines (as PDF
/// wants), the whole TrueType file otherwise.
fn program(subset: Vec<u8>) -> Option<Program> {
    let raw = ttf_parser::RawFace::parse(&subset, 0).ok()?;
    let cff = raw.table(Tag::from_bytes(b"CFF ")).map(<[u8]>::to_vec);
    Some(match cff {
        Some(cff) => Program::Cff(cff),
        None => Program::TrueType(subset),
    })
}

pub(super) fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}
