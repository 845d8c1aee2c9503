//! Turning generated token pieces into text a user may see: whole UTF-8 characters only,
//! and nothing of a stop sequence, even when one arrives split across tokens.

/// Assembles token pieces (raw bytes; a character may straddle two tokens) into text, and
/// ends it at the first stop sequence. Text that might still be the start of a stop
/// sequence is held back until the next piece decides.
#[derive(Debug, Default)]
pub(crate) struct TextAssembler {
    /// Bytes of a character not yet complete.
    pending_bytes: Vec<u8>,
    /// Decoded text not yet released, because it could begin a stop sequence.
    held: String,
    stops: Vec<String>,
    stopped: bool,
}

impl TextAssembler {
    pub(crate) fn new(stops: &[String]) -> Self {
        Self {
            stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(),
            ..Self::default()
        }
    }

    /// Whether a stop sequence has been seen: generation should end.
    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }

    /// Adds one token's bytes; returns the text that can be shown now.
    pub(crate) fn push(&mut self, piece: &[u8]) -> String {
        if self.stopped {
            return String::new();
        }
        self.pending_bytes.extend_from_slice(piece);
        let valid = match std::str::from_utf8(&self.pending_bytes) {
            Ok(text) => text.len(),
            // An incomplete character at the end waits; invalid bytes inside are replaced.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending_bytes.len(),
        };
        let decoded = String::from_utf8_lossy(&self.pending_bytes[..valid]).into_owned();
        self.pending_bytes.drain(..valid);
        self.held.push_str(&decoded);
        self.release()
    }

    /// The end of generation: whatever is held is shown (a lone partial character becomes
    /// U+FFFD).
    pub(crate) fn finish(&mut self) -> String {
        if self.stopped {
            return String::new();
        }
        if !self.pending_bytes.is_empty() {
            let rest = String::from_utf8_lossy(&self.pending_bytes).into_owned();
            self.pending_bytes.clear();
            self.held.push_str(&rest);
        }
        std::mem::take(&mut self.held)
    }

    fn release(&mut self) -> String {
        if let Some(at) = self
            .stops
            .iter()
            .filter_map(|s| self.held.find(s.as_str()))
            .min()
        {
            self.stopped = true;
            let out = self.held[..at].to_owned();
            self.held.clear();
            return out;
        }
        // Keep the longest tail that is a prefix of some stop sequence.
        let keep = self
            .stops
            .iter()
            .map(|stop| longest_suffix_prefix(&self.held, stop))
            .max()
            .unwrap_or(0);
        let cut = self.held.len() - keep;
        let out = self.held[..cut].to_owned();
        self.held.drain(..cut);
        out
    }
}

/// The length of the longest suffix of `text` that is a proper prefix of `stop`, at a
/// character boundary.
fn longest_suffix_prefix(text: &str, stop: &str) -> usize {
    let longest = text.len().min(stop.len().saturating_sub(1));
    (1..=longest)
        .rev()
        .find(|&n| {
            let start = text.len() - n;
            text.is_char_boundary(start) && stop.starts_with(&text[start..])
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stops: &[&str], pieces: &[&[u8]]) -> (String, bool) {
        let stops: Vec<String> = stops.iter().map(|s| (*s).to_owned()).collect();
        let mut text = TextAssembler::new(&stops);
        let mut out = String::new();
        for piece in pieces {
            out.push_str(&text.push(piece));
        }
        out.push_str(&text.finish());
        (out, text.stopped())
    }

    #[test]
    fn characters_split_across_tokens_come_out_whole() {
        let snowman = "☃".as_bytes();
        let mut text = TextAssembler::new(&[]);
        assert_eq!(text.push(&snowman[..1]), "");
        assert_eq!(text.push(&snowman[1..]), "☃");
        assert_eq!(run(&[], &[b"a", &[0xE2, 0x98]]).0, "a\u{FFFD}");
    }

    #[test]
    fn a_stop_sequence_split_across_tokens_ends_the_text_before_it() {
        assert_eq!(
            run(&["END"], &[b"hello E", b"N", b"D more"]),
            ("hello ".into(), true)
        );
        // A near miss is released once it cannot be a stop any more.
        assert_eq!(
            run(&["END"], &[b"hello EN", b"ough"]),
            ("hello ENough".into(), false)
        );
        assert_eq!(
            run(&["\n\n", "##"], &[b"a\n", b"b#", b"#c"]),
            ("a\nb".into(), true)
        );
    }

    #[test]
    fn held_text_is_released_at_the_end() {
        let mut text = TextAssembler::new(&["END".to_owned()]);
        assert_eq!(text.push(b"so E"), "so ");
        assert_eq!(text.finish(), "E");
    }
}
