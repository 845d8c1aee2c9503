//! A conversation as a PDF to print or share: the title, then each message under a
//! heading with its role and time, lines wrapped to the page, as many A4 pages as it takes.
//!
//! Text is set in DejaVu Sans (regular, bold, oblique) with DejaVu Sans Mono for code, built
//! into the binary: they cover Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic
//! and many symbols. A character DejaVu lacks (Chinese, Japanese, Korean, Thai...) comes
//! from the first installed font that has it. Each font used is embedded, cut down to the
//! glyphs drawn, with a map back to Unicode so the text can be copied and searched. A
//! character no font has is drawn as [`REPLACEMENT_CHARACTER`] and a note under the title
//! names it; the JSON and Markdown exports keep every character.
//!
//! There is no shaping: each character gets its own glyph, placed left to right in the
//! order it was typed. Latin, Greek, Cyrillic and CJK text look right; Arabic letters stand
//! unjoined, right-to-left text runs left to right, and Indic scripts lose their conjuncts
//! and reordered vowels. Invisible characters (joiners, variation selectors, skin tones,
//! direction marks) are dropped.

use std::io::Write;

use crate::model::{MessageRole, MessageStatus};
use crate::{Error, Result};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{ConversationExport, human_time, role_label};

mod embed;
mod fonts;
mod system;
mod wrap;

use embed::Embedding;
use fonts::{Font, Fonts, Glyph};

/// What a character no available font can show is drawn as.
pub const REPLACEMENT_CHARACTER: char = '\u{FFFD}';

/// Writes the export as a PDF into `out`. Fails only when `out` does.
pub fn write_pdf(export: &ConversationExport, out: &mut impl Write) -> Result<()> {
    out.write_all(&to_pdf(export))
        .and_then(|()| out.flush())
        .map_err(|error| {
            Error::unavailable(
                crate::Backend::Component("export output"),
                error.to_string(),
            )
        })
}

/// The export as PDF bytes. The same export always gives the same bytes (on a machine with
/// the same fonts installed, when it needs any).
pub fn to_pdf(export: &ConversationExport) -> Vec<u8> {
    render(&lay_out(export), &export.conversation.title)
}

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN_X: f32 = 56.0;
const MARGIN_TOP: f32 = 60.0;
const MARGIN_BOTTOM: f32 = 60.0;
const FOOTER_BASELINE: f32 = 30.0;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
/// Room kept between a code block's shading and its text.
const CODE_PADDING: f32 = 4.0;
/// A PDF stops growing here (about 15 MB of text); the rest is in the JSON export.
const MAX_PAGES: usize = 20_000;

/// How a kind of line looks.
#[derive(Clone, Copy, Debug)]
struct Style {
    font: Font,
    size: f32,
    leading: f32,
    gray: f32,
}

const TITLE: Style = Style {
    font: Font::Bold,
    size: 18.0,
    leading: 23.0,
    gray: 0.0,
};
const META: Style = Style {
    font: Font::Italic,
    size: 9.0,
    leading: 12.0,
    gray: 0.35,
};
const HEADING: Style = Style {
    font: Font::Bold,
    size: 11.0,
    leading: 15.0,
    gray: 0.0,
};
const BODY: Style = Style {
    font: Font::Regular,
    size: 10.5,
    leading: 14.0,
    gray: 0.0,
};
const CODE: Style = Style {
    font: Font::Mono,
    size: 9.0,
    leading: 12.0,
    gray: 0.0,
};
const NOTE: Style = Style {
    font: Font::Italic,
    size: 9.5,
    leading: 13.0,
    gray: 0.35,
};
const FOOTER: Style = Style {
    font: Font::Regular,
    size: 8.0,
    leading: 10.0,
    gray: 0.45,
};

/// Something drawn on a page.
#[derive(Debug)]
enum Item {
    /// One line of text; `color` is RGB.
    Text {
        style: Style,
        color: [f32; 3],
        x: f32,
        baseline: f32,
        glyphs: Vec<Glyph>,
    },
    /// A code block's background behind one line.
    Shade { bottom: f32, height: f32 },
    /// A thin rule across the text width.
    Rule { y: f32 },
}

/// Lines placed on pages, top to bottom, and the fonts they are drawn with.
#[derive(Debug)]
struct Layout {
    pages: Vec<Vec<Item>>,
    /// The top of the free space on the last page.
    y: f32,
    fonts: Fonts,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE_HEIGHT - MARGIN_TOP,
            fonts: Fonts::default(),
        }
    }

    fn at_page_top(&self) -> bool {
        self.y >= PAGE_HEIGHT - MARGIN_TOP
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_HEIGHT - MARGIN_TOP;
    }

    /// Starts a new page unless `height` points still fit on this one.
    fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN_BOTTOM && !self.at_page_top() {
            self.new_page();
        }
    }

    /// Vertical space, dropped at the top of a page.
    fn gap(&mut self, points: f32) {
        if !self.at_page_top() {
            self.y -= points;
        }
    }

    fn push(&mut self, item: Item) {
        if let Some(page) = self.pages.last_mut() {
            page.push(item);
        }
    }

    /// One line of glyphs that already fits the width.
    fn line(&mut self, style: Style, color: [f32; 3], x: f32, glyphs: Vec<Glyph>) {
        self.ensure(style.leading);
        let baseline = self.y - style.size;
        self.push(Item::Text {
            style,
            color,
            x,
            baseline,
            glyphs,
        });
        self.y -= style.leading;
    }

    /// Text wrapped to the text width.
    fn paragraph(&mut self, style: Style, color: [f32; 3], text: &str) {
        let placed = self.fonts.encode(text, style.font);
        for line in wrap::wrap(&placed, style.size, TEXT_WIDTH) {
            self.line(style, color, MARGIN_X, line);
        }
    }

    /// A line of a code block: monospaced, wrapped, on a shaded band.
    fn code_line(&mut self, text: &str) {
        let placed = self.fonts.encode(text, CODE.font);
        let width = TEXT_WIDTH - 2.0 * CODE_PADDING;
        for line in wrap::wrap(&placed, CODE.size, width) {
            self.ensure(CODE.leading);
            self.push(Item::Shade {
                bottom: self.y - CODE.leading,
                height: CODE.leading,
            });
            self.line(CODE, [0.0; 3], MARGIN_X + CODE_PADDING, line);
        }
    }

    /// "Exported from Gantry" and "Page N of M" at the foot of every page.
    fn add_footers(&mut self) {
        let total = self.pages.len();
        let color = gray(FOOTER.gray);
        let credit = self.fonts.encode("Exported from Gantry", FOOTER.font);
        let credit: Vec<Glyph> = credit.iter().map(|placed| placed.glyph).collect();
        for (index, page) in self.pages.iter_mut().enumerate() {
            let label = format!("Page {} of {total}", index + 1);
            let label = self.fonts.encode(&label, FOOTER.font);
            let width = wrap::measure(&label) * FOOTER.size / 1000.0;
            page.push(Item::Text {
                style: FOOTER,
                color,
                x: MARGIN_X,
                baseline: FOOTER_BASELINE,
                glyphs: credit.clone(),
            });
            page.push(Item::Text {
                style: FOOTER,
                color,
                x: PAGE_WIDTH - MARGIN_X - width,
                baseline: FOOTER_BASELINE,
                glyphs: label.iter().map(|placed| placed.glyph).collect(),
            });
        }
    }
}

fn gray(level: f32) -> [f32; 3] {
    [level; 3]
}

fn role_color(role: MessageRole) -> [f32; 3] {
    match role {
        MessageRole::User => [0.12, 0.32, 0.62],
        MessageRole::Assistant => [0.08, 0.45, 0.30],
        MessageRole::System => gray(0.35),
    }
}

/// Places everything on pages.
fn lay_out(export: &ConversationExport) -> Layout {
    let conversation = &export.conversation;
    let mut layout = Layout::new();
    layout.paragraph(TITLE, gray(TITLE.gray), &conversation.title);

    let count = export.messages.len();
    let mut facts = format!(
        "Created {} · updated {} · {count} message{}",
        human_time(conversation.created_at),
        human_time(conversation.updated_at),
        if count == 1 { "" } else { "s" }
    );
    if let Some(model) = &conversation.model {
        facts.push_str(" · model ");
        facts.push_str(model);
    }
    layout.paragraph(META, gray(META.gray), &facts);

    let texts = std::iter::once(conversation.title.as_str())
        .chain(conversation.model.as_deref())
        .chain(export.messages.iter().flat_map(|message| {
            [
                Some(message.content.as_str()),
                message.model.as_deref(),
                message.error.as_deref(),
            ]
            .into_iter()
            .flatten()
        }));
    let missing = fonts::unshowable(texts);
    if !missing.is_empty() {
        layout.paragraph(META, gray(META.gray), &missing_note(&missing));
    }
    layout.gap(6.0);
    layout.push(Item::Rule { y: layout.y });
    layout.gap(4.0);

    for (index, message) in export.messages.iter().enumerate() {
        if layout.pages.len() >= MAX_PAGES {
            let note = format!(
                "This PDF stops after message {index} of {count}; \
                 the JSON and Markdown exports hold the whole conversation."
            );
            layout.gap(12.0);
            layout.paragraph(NOTE, gray(NOTE.gray), &note);
            break;
        }
        lay_out_message(&mut layout, message);
    }
    layout.add_footers();
    layout
}

/// The note under the title naming the characters no font could show.
fn missing_note(missing: &[char]) -> String {
    const LISTED: usize = 12;
    let mut names: Vec<String> = missing
        .iter()
        .take(LISTED)
        .map(|&c| format!("U+{:04X}", u32::from(c)))
        .collect();
    if missing.len() > LISTED {
        names.push(format!("{} more", missing.len() - LISTED));
    }
    let list = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let (it, appears) = if missing.len() == 1 {
        ("it", "it appears")
    } else {
        ("them", "they appear")
    };
    format!(
        "This PDF cannot show {list}: no font here has {it}, so {appears} as \
         {REPLACEMENT_CHARACTER}. The JSON and Markdown exports keep {it}; installing fonts \
         where Gantry runs (such as Debian's fonts-noto-cjk) adds {it}."
    )
}

fn lay_out_message(layout: &mut Layout, message: &super::ExportedMessage) {
    let mut heading = format!(
        "{} · {}",
        role_label(message.role),
        human_time(message.created_at)
    );
    if let Some(model) = &message.model {
        heading.push_str(" · ");
        heading.push_str(model);
    }
    layout.gap(12.0);
    // Keep the heading with the first line under it.
    layout.ensure(HEADING.leading + BODY.leading);
    layout.paragraph(HEADING, role_color(message.role), &heading);
    layout.gap(2.0);

    if message.content.trim().is_empty() {
        layout.paragraph(NOTE, gray(NOTE.gray), "(no text)");
    }
    let mut fence: Option<(char, usize)> = None;
    for line in message.content.trim_end().lines() {
        let marker = fence_marker(line);
        match (fence, marker) {
            (None, Some((kind, length, _))) => {
                fence = Some((kind, length));
                layout.code_line(line);
            }
            (Some((kind, length)), Some((found, run, closing)))
                if found == kind && run >= length && closing =>
            {
                fence = None;
                layout.code_line(line);
            }
            (Some(_), _) => layout.code_line(line),
            (None, None) if line.trim().is_empty() => layout.gap(BODY.leading * 0.5),
            (None, None) => layout.paragraph(BODY, [0.0; 3], line),
        }
    }
    match message.status {
        MessageStatus::Complete => {}
        MessageStatus::Partial => {
            layout.gap(2.0);
            layout.paragraph(
                NOTE,
                gray(NOTE.gray),
                "Stopped before the answer was complete.",
            );
        }
        MessageStatus::Error => {
            let reason = message.error.as_deref().unwrap_or("the answer failed");
            layout.gap(2.0);
            layout.paragraph(NOTE, [0.7, 0.1, 0.1], &format!("Error: {reason}"));
        }
    }
}

/// A code fence line: its character, its length, and whether it could close a block (no
/// info string after it).
fn fence_marker(line: &str) -> Option<(char, usize, bool)> {
    let indent = line.bytes().take_while(|&b| b == b' ').count();
    if indent > 3 {
        return None;
    }
    let rest = line.get(indent..)?;
    let kind = rest.chars().next().filter(|&c| c == '`' || c == '~')?;
    let run = rest.chars().take_while(|&c| c == kind).count();
    if run < 3 {
        return None;
    }
    let tail = rest.get(run..).unwrap_or_default();
    Some((kind, run, tail.chars().all(|c| c == ' ' || c == '\t')))
}

/// A font as a page uses it: its embedding, its resource name and its first object.
#[derive(Debug)]
struct PageFont<'a> {
    embedding: Embedding<'a>,
    resource: String,
    id: i32,
}

/// Writes the laid-out pages as a PDF, with the fonts they use.
fn render(layout: &Layout, title: &str) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let info_id = Ref::new(3);
    let first_page = 4;
    // Two objects per page: the page and its content stream. The page count is capped
    // by MAX_PAGES, far inside i32.
    let page_ids: Vec<(Ref, Ref)> = (0..layout.pages.len())
        .map(|index| {
            let page = first_page + 2 * i32::try_from(index).unwrap_or(0);
            (Ref::new(page), Ref::new(page + 1))
        })
        .collect();
    let mut next_id = first_page + 2 * i32::try_from(page_ids.len()).unwrap_or(0);
    // Faces loaded but never drawn with (a fallback that was looked in) are left out.
    let fonts: Vec<Option<PageFont<'_>>> = layout
        .fonts
        .faces()
        .iter()
        .enumerate()
        .map(|(index, face)| {
            if face.used().is_empty() {
                return None;
            }
            let id = next_id;
            next_id += embed::OBJECTS;
            Some(PageFont {
                embedding: Embedding::new(face),
                resource: format!("F{}", index + 1),
                id,
            })
        })
        .collect();

    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    pdf.document_info(info_id)
        .title(TextStr(title))
        .creator(TextStr("Gantry"))
        .producer(TextStr("Gantry"));

    for (items, (page_id, content_id)) in layout.pages.iter().zip(&page_ids) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree_id);
        page.contents(*content_id);
        let mut resources = page.resources();
        let mut names = resources.fonts();
        for font in fonts.iter().flatten() {
            names.pair(Name(font.resource.as_bytes()), Ref::new(font.id));
        }
        names.finish();
        resources.finish();
        page.finish();

        let content = page_content(items, &fonts);
        let compressed = embed::deflate(&content);
        pdf.stream(*content_id, &compressed)
            .filter(Filter::FlateDecode);
    }
    for font in fonts.iter().flatten() {
        font.embedding.write(&mut pdf, font.id);
    }
    pdf.finish()
}

fn page_content(items: &[Item], fonts: &[Option<PageFont<'_>>]) -> Vec<u8> {
    let mut content = Content::new();
    for item in items {
        match item {
            Item::Shade { bottom, height } => {
                content
                    .set_fill_gray(0.94)
                    .rect(MARGIN_X, *bottom, TEXT_WIDTH, *height)
                    .fill_nonzero();
            }
            Item::Rule { y } => {
                content
                    .set_stroke_gray(0.75)
                    .set_line_width(0.6)
                    .move_to(MARGIN_X, *y)
                    .line_to(PAGE_WIDTH - MARGIN_X, *y)
                    .stroke();
            }
            Item::Text {
                style,
                color,
                x,
                baseline,
                glyphs,
            } if !glyphs.is_empty() => {
                content
                    .set_fill_rgb(color[0], color[1], color[2])
                    .begin_text()
                    .set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, *baseline]);
                // One run per face: a font switch, then the run's CIDs, two bytes each.
                for run in glyphs.chunk_by(|a, b| a.face == b.face) {
                    let font = run
                        .first()
                        .and_then(|glyph| fonts.get(usize::from(glyph.face)))
                        .and_then(Option::as_ref);
                    let Some(font) = font else {
                        continue;
                    };
                    let codes: Vec<u8> = run
                        .iter()
                        .flat_map(|glyph| font.embedding.cid(glyph.id).to_be_bytes())
                        .collect();
                    content
                        .set_font(Name(font.resource.as_bytes()), style.size)
                        .show(Str(&codes));
                }
                content.end_text();
            }
            Item::Text { .. } => {}
        }
    }
    content.finish().into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_fences_are_recognised() {
        assert_eq!(fence_marker("```rust"), Some(('`', 3, false)));
        assert_eq!(fence_marker("  ~~~~ "), Some(('~', 4, true)));
        assert_eq!(fence_marker("    ```"), None);
        assert_eq!(fence_marker("\t```"), None);
        assert_eq!(fence_marker("``"), None);
    }

    #[test]
    fn the_note_names_what_is_missing() {
        let one = missing_note(&['\u{378}']);
        assert!(one.contains("cannot show U+0378: no font here has it, so it appears as"));
        let many: Vec<char> = ('\u{E000}'..='\u{E00E}').collect();
        let note = missing_note(&many);
        assert!(note.contains("U+E000, U+E001"), "{note}");
        assert!(note.contains("U+E00B and 3 more"), "{note}");
        assert!(note.contains("fonts-noto-cjk"));
    }
}
