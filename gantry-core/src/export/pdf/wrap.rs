//! Breaking a paragraph's glyphs into lines that fit the page, measured with the fonts'
//! own advance widths.

use super::fonts::{Glyph, Placed};

/// Breaks glyphs into lines no wider than `max_width` points at `size`: at spaces where
/// it can, inside a word only when the word alone is too wide (so text without spaces,
/// such as Chinese, breaks anywhere). Spaces at a break are dropped; indentation at the
/// start is kept.
pub(super) fn wrap(text: &[Placed], size: f32, max_width: f32) -> Vec<Vec<Glyph>> {
    let max = max_width * 1000.0 / size;
    let mut lines = Vec::new();
    let mut line: Vec<Placed> = Vec::new();
    let mut width = 0.0;

    let flush = |lines: &mut Vec<Vec<Glyph>>, line: &mut Vec<Placed>, width: &mut f32| {
        while line.last().is_some_and(|placed| placed.space) {
            line.pop();
        }
        lines.push(line.drain(..).map(|placed| placed.glyph).collect());
        *width = 0.0;
    };

    for token in tokens(text) {
        let token_width = measure(token);
        if token.first().is_some_and(|placed| placed.space) {
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
        for &placed in token {
            if width + placed.advance > max && !line.is_empty() {
                flush(&mut lines, &mut line, &mut width);
            }
            line.push(placed);
            width += placed.advance;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        flush(&mut lines, &mut line, &mut width);
    }
    lines
}

/// The width of glyphs in thousandths of the font size.
pub(super) fn measure(text: &[Placed]) -> f32 {
    text.iter().map(|placed| placed.advance).sum()
}

/// Runs of spaces and runs of everything else, in order.
fn tokens(text: &[Placed]) -> impl Iterator<Item = &[Placed]> {
    text.chunk_by(|a, b| a.space == b.space)
}

#[cfg(test)]
mod tests {
    use super::super::fonts::{Font, Fonts};
    use super::*;

    /// The width in points of a line, looked up again from the text it came from.
    fn width_of(line: &[Glyph], placed: &[Placed], size: f32) -> f32 {
        line.iter()
            .map(|glyph| {
                placed
                    .iter()
                    .find(|p| p.glyph == *glyph)
                    .map_or(0.0, |p| p.advance)
            })
            .sum::<f32>()
            * size
            / 1000.0
    }

    #[test]
    fn wrapping_fits_the_width_and_keeps_every_word() {
        let mut fonts = Fonts::default();
        let text = "The quick brown fox jumps over the lazy dog again and again and again";
        let placed = fonts.encode(text, Font::Regular);
        let lines = wrap(&placed, 10.0, 120.0);
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(width_of(line, &placed, 10.0) <= 120.0, "{line:?}");
        }
        let space = placed.iter().find(|p| p.space).map(|p| p.glyph);
        let joined: Vec<Glyph> = lines.join(&space.unwrap_or(placed[0].glyph));
        let all: Vec<Glyph> = placed.iter().map(|p| p.glyph).collect();
        assert_eq!(joined, all);
    }

    #[test]
    fn an_overlong_word_is_split() {
        let mut fonts = Fonts::default();
        let placed = fonts.encode(&"W".repeat(100), Font::Bold);
        let lines = wrap(&placed, 12.0, 100.0);
        assert!(lines.len() > 5);
        assert_eq!(lines.concat().len(), 100);
        for line in &lines {
            assert!(width_of(line, &placed, 12.0) <= 100.0);
        }
    }

    #[test]
    fn text_without_spaces_breaks_anywhere() {
        let mut fonts = Fonts::default();
        let placed = fonts.encode(&"Жук".repeat(200), Font::Regular);
        let lines = wrap(&placed, 10.0, 200.0);
        assert!(lines.len() > 3);
        assert_eq!(lines.concat().len(), 600);
    }

    #[test]
    fn indentation_before_an_overlong_word_stays_on_its_line() {
        let mut fonts = Fonts::default();
        let placed = fonts.encode(&format!("    {}", "x".repeat(200)), Font::Mono);
        let lines = wrap(&placed, 9.0, 300.0);
        assert_eq!(lines[0][..4], [placed[0].glyph; 4]);
        assert_eq!(lines[0][4], placed[4].glyph);
        assert_eq!(lines.concat().len(), 204);
    }
}
