//! A conversation as a PDF to print or share: the title, then each message under a
//! heading with its role and time, lines wrapped to the page, as many A4 pages as it takes.
//!
//! The PDF uses the standard fonts every PDF reader has (Helvetica for prose, Courier for
//! code blocks), so it needs no font files and embeds none. Those fonts show Latin text in
//! the WinAnsi character set (Western European languages and common punctuation). A
//! character outside it is shown as [`REPLACEMENT_CHARACTER`], and a note under the title
//! says so; invisible joiners and combining accents are dropped, and a few common symbols
//! (arrows, comparison signs, typographic spaces and dashes) are spelled in ASCII. The JSON
//! and Markdown exports keep every character.

use std::io::Write;

use crate::model::{MessageRole, MessageStatus};
use crate::{Error, Result};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{ConversationExport, human_time, role_label};

/// What a character the PDF's fonts cannot show is drawn as.
pub const REPLACEMENT_CHARACTER: char = '?';

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

/// The export as PDF bytes. The same export always gives the same bytes.
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

/// The four standard fonts used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
    Italic,
    Mono,
}

impl Font {
    const ALL: [Font; 4] = [Font::Regular, Font::Bold, Font::Italic, Font::Mono];

    /// The name a page's resources give it.
    fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Italic => Name(b"F3"),
            Font::Mono => Name(b"F4"),
        }
    }

    /// The standard font's PostScript name.
    fn base_font(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"Helvetica"),
            Font::Bold => Name(b"Helvetica-Bold"),
            Font::Italic => Name(b"Helvetica-Oblique"),
            Font::Mono => Name(b"Courier"),
        }
    }

    /// The advance width of a WinAnsi code, in thousandths of the font size. Printable
    /// ASCII uses the fonts' published metrics; above ASCII, where the table is not kept,
    /// each range gets its widest glyph, so a line may end early but never overflows.
    fn width(self, code: u8) -> f32 {
        let table = match self {
            Font::Mono => return 600.0,
            Font::Regular | Font::Italic => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        };
        let width = match code {
            32..=126 => table[usize::from(code - 32)],
            0xC6 => 1000, // Æ
            0xE6 => 889,  // æ
            0xC0..=0xFF => 778,
            0xA0..=0xBF => 834,
            _ => 1000,
        };
        f32::from(width)
    }

    /// The width of encoded text at `size` points.
    fn measure(self, text: &[u8], size: f32) -> f32 {
        text.iter().map(|&code| self.width(code)).sum::<f32>() * size / 1000.0
    }
}

/// Helvetica (and Helvetica-Oblique) advance widths for WinAnsi codes 32 to 126.
#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,      // p to ~
];

/// Helvetica-Bold advance widths for WinAnsi codes 32 to 126.
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0 to ?
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P to _
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // ` to o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,      // p to ~
];

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
        text: Vec<u8>,
    },
    /// A code block's background behind one line.
    Shade { bottom: f32, height: f32 },
    /// A thin rule across the text width.
    Rule { y: f32 },
}

/// Lines placed on pages, top to bottom.
#[derive(Debug)]
struct Layout {
    pages: Vec<Vec<Item>>,
    /// The top of the free space on the last page.
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE_HEIGHT - MARGIN_TOP,
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

    /// One line of encoded text that already fits the width.
    fn line(&mut self, style: Style, color: [f32; 3], x: f32, text: Vec<u8>) {
        self.ensure(style.leading);
        let baseline = self.y - style.size;
        self.push(Item::Text {
            style,
            color,
            x,
            baseline,
            text,
        });
        self.y -= style.leading;
    }

    /// Text wrapped to the text width.
    fn paragraph(&mut self, style: Style, color: [f32; 3], text: &[u8]) {
        for line in wrap(text, style.font, style.size, TEXT_WIDTH) {
            self.line(style, color, MARGIN_X, line);
        }
    }

    /// A line of a code block: monospaced, wrapped, on a shaded band.
    fn code_line(&mut self, text: &[u8]) {
        let width = TEXT_WIDTH - 2.0 * CODE_PADDING;
        for line in wrap(text, CODE.font, CODE.size, width) {
            self.ensure(CODE.leading);
            self.push(Item::Shade {
                bottom: self.y - CODE.leading,
                height: CODE.leading,
            });
            self.line(CODE, [0.0; 3], MARGIN_X + CODE_PADDING, line);
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
    let mut replaced = false;

    let title = encode(&conversation.title, &mut replaced);
    layout.paragraph(TITLE, gray(TITLE.gray), &title);

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
    let facts = encode(&facts, &mut replaced);
    layout.paragraph(META, gray(META.gray), &facts);

    let unshowable = replaced
        || export.messages.iter().any(|message| {
            needs_replacement(&message.content)
                || message.model.as_deref().is_some_and(needs_replacement)
                || message.error.as_deref().is_some_and(needs_replacement)
        });
    if unshowable {
        let note = format!(
            "Characters this PDF's fonts cannot show appear as {REPLACEMENT_CHARACTER}. \
             The JSON and Markdown exports keep them."
        );
        layout.paragraph(META, gray(META.gray), note.as_bytes());
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
            layout.paragraph(NOTE, gray(NOTE.gray), note.as_bytes());
            break;
        }
        lay_out_message(&mut layout, message);
    }
    layout
}

fn lay_out_message(layout: &mut Layout, message: &super::ExportedMessage) {
    let mut ignored = false;
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
    let heading = encode(&heading, &mut ignored);
    layout.paragraph(HEADING, role_color(message.role), &heading);
    layout.gap(2.0);

    if message.content.trim().is_empty() {
        layout.paragraph(NOTE, gray(NOTE.gray), b"(no text)");
    }
    let mut fence: Option<(u8, usize)> = None;
    for line in message.content.trim_end().lines() {
        let encoded = encode(line, &mut ignored);
        let marker = fence_marker(&encoded);
        match (fence, marker) {
            (None, Some((kind, length, _))) => {
                fence = Some((kind, length));
                layout.code_line(&encoded);
            }
            (Some((kind, length)), Some((found, run, closing)))
                if found == kind && run >= length && closing =>
            {
                fence = None;
                layout.code_line(&encoded);
            }
            (Some(_), _) => layout.code_line(&encoded),
            (None, None) if line.trim().is_empty() => layout.gap(BODY.leading * 0.5),
            (None, None) => layout.paragraph(BODY, [0.0; 3], &encoded),
        }
    }
    match message.status {
        MessageStatus::Complete => {}
        MessageStatus::Partial => {
            layout.gap(2.0);
            layout.paragraph(
                NOTE,
                gray(NOTE.gray),
                b"Stopped before the answer was complete.",
            );
        }
        MessageStatus::Error => {
            let reason = message.error.as_deref().unwrap_or("the answer failed");
            let note = encode(&format!("Error: {reason}"), &mut ignored);
            layout.gap(2.0);
            layout.paragraph(NOTE, [0.7, 0.1, 0.1], &note);
        }
    }
}

/// A code fence line: its character, its length, and whether it could close a block (no
/// info string after it).
fn fence_marker(line: &[u8]) -> Option<(u8, usize, bool)> {
    let indent = line.iter().take_while(|&&b| b == b' ').count();
    if indent > 3 {
        return None;
    }
    let rest = line.get(indent..)?;
    let kind = *rest.first().filter(|&&b| b == b'`' || b == b'~')?;
    let run = rest.iter().take_while(|&&b| b == kind).count();
    if run < 3 {
        return None;
    }
    let tail = rest.get(run..).unwrap_or_default();
    Some((kind, run, tail.iter().all(|&b| b == b' ')))
}

/// Encodes text in WinAnsi, the standard fonts' encoding, setting `replaced` when a
/// character had to be shown as [`REPLACEMENT_CHARACTER`].
fn encode(text: &str, replaced: &mut bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.extend_from_slice(b"    "),
            '\n' | '\r' => out.push(b' '),
            ' '..='~' | '\u{A0}'..='\u{FF}' => {
                out.push(u8::try_from(c).unwrap_or(b'?'));
            }
            c => match spelled(c) {
                Spelled::Code(code) => out.push(code),
                Spelled::Ascii(text) => out.extend_from_slice(text.as_bytes()),
                Spelled::Nothing => {}
                Spelled::Unshowable => {
                    out.push(b'?');
                    *replaced = true;
                }
            },
        }
    }
    out
}

/// Whether any character of `text` would be shown as [`REPLACEMENT_CHARACTER`].
fn needs_replacement(text: &str) -> bool {
    text.chars().any(|c| {
        !matches!(c, '\t' | ' '..='~' | '\u{A0}'..='\u{FF}')
            && matches!(spelled(c), Spelled::Unshowable)
    })
}

/// How a character outside Latin-1 is shown.
enum Spelled {
    /// A WinAnsi code above 127.
    Code(u8),
    /// An ASCII spelling.
    Ascii(&'static str),
    /// Not drawn: invisible or a mark on the previous character.
    Nothing,
    /// Not in the fonts.
    Unshowable,
}

fn spelled(c: char) -> Spelled {
    let code = match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
            return Spelled::Ascii(" ");
        }
        '\u{2010}'..='\u{2012}' | '\u{2212}' => return Spelled::Ascii("-"),
        '→' | '⟶' => return Spelled::Ascii("->"),
        '←' | '⟵' => return Spelled::Ascii("<-"),
        '↔' => return Spelled::Ascii("<->"),
        '⇒' => return Spelled::Ascii("=>"),
        '≤' => return Spelled::Ascii("<="),
        '≥' => return Spelled::Ascii(">="),
        '≠' => return Spelled::Ascii("!="),
        '≈' => return Spelled::Ascii("~"),
        // Combining accents, zero-width spaces and joiners, direction marks, variation
        // selectors, byte order marks, emoji skin tones, and other control characters.
        '\u{0300}'..='\u{036F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0020}'..='\u{E007F}' => return Spelled::Nothing,
        c if c.is_control() => return Spelled::Nothing,
        _ => return Spelled::Unshowable,
    };
    Spelled::Code(code)
}

/// Breaks encoded text into lines no wider than `max_width` points: at spaces where it
/// can, inside a word only when the word alone is too wide. Spaces at a break are
/// dropped; indentation at the start is kept.
fn wrap(text: &[u8], font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    let max = max_width * 1000.0 / size;
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut width = 0.0;

    let flush = |lines: &mut Vec<Vec<u8>>, line: &mut Vec<u8>, width: &mut f32| {
        while line.last() == Some(&b' ') {
            line.pop();
        }
        lines.push(std::mem::take(line));
        *width = 0.0;
    };

    for token in tokens(text) {
        let token_width: f32 = token.iter().map(|&code| font.width(code)).sum();
        if token.first() == Some(&b' ') {
            if line.is_empty() && !lines.is_empty() {
                continue;
            }
            if width + token_width <= max {
                line.extend_from_slice(token);
                width += token_width;
            } else {
                flush(&mut lines, &mut line, &mut width);
            }
            continue;
        }
        if width + token_width <= max {
            line.extend_from_slice(token);
            width += token_width;
            continue;
        }
        if token_width <= max {
            if !line.is_empty() {
                flush(&mut lines, &mut line, &mut width);
            }
            line.extend_from_slice(token);
            width = token_width;
            continue;
        }
        // A word wider than a whole line is broken where lines end, starting where it is
        // (after indentation, say) rather than leaving a short line behind.
        for &code in token {
            let code_width = font.width(code);
            if width + code_width > max && !line.is_empty() {
                flush(&mut lines, &mut line, &mut width);
            }
            line.push(code);
            width += code_width;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        flush(&mut lines, &mut line, &mut width);
    }
    lines
}

/// Runs of spaces and runs of everything else, in order.
fn tokens(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = *rest.first()?;
        let is_space = first == b' ';
        let end = rest
            .iter()
            .position(|&b| (b == b' ') != is_space)
            .unwrap_or(rest.len());
        let (token, tail) = rest.split_at(end);
        rest = tail;
        Some(token)
    })
}

/// Writes the laid-out pages as a PDF, with a footer on each.
fn render(layout: &Layout, title: &str) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let info_id = Ref::new(3);
    let font_ids = [Ref::new(4), Ref::new(5), Ref::new(6), Ref::new(7)];
    let first_page = 8;
    // Two objects per page: the page and its content stream. The page count is capped
    // by MAX_PAGES, far inside i32.
    let page_ids: Vec<(Ref, Ref)> = (0..layout.pages.len())
        .map(|index| {
            let page = first_page + 2 * i32::try_from(index).unwrap_or(0);
            (Ref::new(page), Ref::new(page + 1))
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
    for (font, id) in Font::ALL.iter().zip(font_ids) {
        pdf.type1_font(id)
            .base_font(font.base_font())
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }

    let total = layout.pages.len();
    for (number, (items, (page_id, content_id))) in layout.pages.iter().zip(&page_ids).enumerate() {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree_id);
        page.contents(*content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for (font, id) in Font::ALL.iter().zip(font_ids) {
            fonts.pair(font.resource(), id);
        }
        fonts.finish();
        resources.finish();
        page.finish();

        let content = page_content(items, number + 1, total);
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&content, 6);
        pdf.stream(*content_id, &compressed)
            .filter(Filter::FlateDecode);
    }
    pdf.finish()
}

fn page_content(items: &[Item], number: usize, total: usize) -> Vec<u8> {
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
                text,
            } => show(&mut content, *style, *color, *x, *baseline, text),
        }
    }
    show(
        &mut content,
        FOOTER,
        gray(FOOTER.gray),
        MARGIN_X,
        FOOTER_BASELINE,
        b"Exported from Gantry",
    );
    let page_label = format!("Page {number} of {total}");
    let label_width = FOOTER.font.measure(page_label.as_bytes(), FOOTER.size);
    show(
        &mut content,
        FOOTER,
        gray(FOOTER.gray),
        PAGE_WIDTH - MARGIN_X - label_width,
        FOOTER_BASELINE,
        page_label.as_bytes(),
    );
    content.finish().to_vec()
}

fn show(content: &mut Content, style: Style, color: [f32; 3], x: f32, baseline: f32, text: &[u8]) {
    if text.is_empty() {
        return;
    }
    content
        .set_fill_rgb(color[0], color[1], color[2])
        .begin_text()
        .set_font(style.font.resource(), style.size)
        .set_text_matrix([1.0, 0.0, 0.0, 1.0, x, baseline])
        .show(Str(text))
        .end_text();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_text_keeps_its_characters() {
        let mut replaced = false;
        let encoded = encode("Grüße — „ok“ € 10…", &mut replaced);
        assert!(!replaced);
        assert_eq!(encoded.len(), "Grüße — „ok“ € 10…".chars().count());
    }

    #[test]
    fn other_scripts_become_visible_replacements() {
        let mut replaced = false;
        assert_eq!(encode("日本 ok", &mut replaced), b"?? ok");
        assert!(replaced);
        // A decomposed accent and a joined emoji sequence do not add extra marks.
        let mut replaced = false;
        assert_eq!(encode("e\u{301}", &mut replaced), b"e");
        assert!(!replaced);
        assert_eq!(
            encode("👍🏽 x", &mut replaced),
            b"? x",
            "a skin tone is part of the emoji"
        );
    }

    #[test]
    fn wrapping_fits_the_width_and_keeps_every_word() {
        let text = b"The quick brown fox jumps over the lazy dog again and again and again";
        let lines = wrap(text, Font::Regular, 10.0, 120.0);
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(Font::Regular.measure(line, 10.0) <= 120.0, "{line:?}");
        }
        assert_eq!(lines.join(&b' '), text.to_vec());
    }

    #[test]
    fn an_overlong_word_is_split() {
        let word = vec![b'W'; 100];
        let lines = wrap(&word, Font::Bold, 12.0, 100.0);
        assert!(lines.len() > 5);
        assert_eq!(lines.concat(), word);
        for line in &lines {
            assert!(Font::Bold.measure(line, 12.0) <= 100.0);
        }
    }

    #[test]
    fn indentation_before_an_overlong_word_stays_on_its_line() {
        let mut text = b"    ".to_vec();
        text.extend(vec![b'x'; 200]);
        let lines = wrap(&text, Font::Mono, 9.0, 300.0);
        assert!(lines[0].starts_with(b"    x"), "{:?}", lines[0]);
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn code_fences_are_recognised() {
        assert_eq!(fence_marker(b"```rust"), Some((b'`', 3, false)));
        assert_eq!(fence_marker(b"  ~~~~ "), Some((b'~', 4, true)));
        assert_eq!(fence_marker(b"    ```"), None);
        assert_eq!(fence_marker(b"``"), None);
    }
}
