//! An open document: its text, a line index, and the conversions between the protocol's
//! positions (line and UTF-16 code unit, the protocol's default encoding) and byte offsets.
//!
//! Lines end at `\r\n`, `\n` or a lone `\r`, as the protocol specifies ("to ensure that both
//! client and server split the string into the same line representation"); a position is never
//! inside a line's end: a character past the line's text is the end of that text.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// The text of an open document and where its lines start.
#[derive(Debug, Clone)]
pub struct Document {
    text: String,
    version: i32,
    /// Byte offset of the start of every line; the first is 0.
    line_starts: Vec<usize>,
}

impl Document {
    /// A document holding `text` at `version`.
    pub fn new(text: impl Into<String>, version: i32) -> Document {
        let text = text.into();
        let line_starts = line_starts(&text);
        Document {
            text,
            version,
            line_starts,
        }
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The version the client last gave.
    pub fn version(&self) -> i32 {
        self.version
    }

    /// Applies the changes of one `didChange` notification, in order, and takes `version`.
    ///
    /// A change without a range replaces the whole text. A range's ends are clamped to the
    /// document (a line past the end is the end; a character past a line's end is that end),
    /// as the protocol asks, and a reversed range is read as written the other way round.
    pub fn apply_changes(&mut self, changes: &[TextDocumentContentChangeEvent], version: i32) {
        for change in changes {
            match change.range {
                None => self.text.clone_from(&change.text),
                Some(range) => {
                    let a = self.offset(range.start);
                    let b = self.offset(range.end);
                    let (start, end) = if a <= b { (a, b) } else { (b, a) };
                    // Both ends are char boundaries by construction of `offset`.
                    if self.text.is_char_boundary(start) && self.text.is_char_boundary(end) {
                        self.text.replace_range(start..end, &change.text);
                    }
                }
            }
            self.line_starts = line_starts(&self.text);
        }
        self.version = version;
    }

    /// The byte offset of a protocol position, clamped to the document.
    ///
    /// A position inside a UTF-16 surrogate pair (the middle of a character outside the
    /// Basic Multilingual Plane) is read as the start of that character.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&line_start) = self.line_starts.get(position.line as usize) else {
            return self.text.len();
        };
        let line_end = self.line_end(position.line as usize);
        let line = self.text.get(line_start..line_end).unwrap_or("");
        let mut units = 0u32;
        for (idx, c) in line.char_indices() {
            let width = c.len_utf16() as u32;
            if units + width > position.character {
                return line_start + idx;
            }
            units += width;
        }
        line_end
    }

    /// The byte offset where the text of line `line` ends (before its `\r\n`, `\n` or `\r`).
    fn line_end(&self, line: usize) -> usize {
        match self.line_starts.get(line + 1) {
            Some(&next) => {
                let ending = if self.text.get(..next).is_some_and(|t| t.ends_with("\r\n")) {
                    2
                } else {
                    1
                };
                next - ending
            }
            None => self.text.len(),
        }
    }

    /// The protocol position of a byte offset (clamped to the text, to the start of the
    /// character it falls in, and to the end of its line's text when it falls in a line end).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let end = offset.min(self.line_end(line)).max(start);
        let character = self
            .text
            .get(start..end)
            .map_or(0, |s| s.encode_utf16().count());
        Position::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(character).unwrap_or(u32::MAX),
        )
    }

    /// The byte ranges of the lines' texts (without their ends) that `start..end` covers, in
    /// order; the pieces of a token that spans lines.
    pub(crate) fn line_pieces(&self, start: usize, end: usize) -> Vec<(usize, usize)> {
        let end = end.min(self.text.len());
        let first = match self.line_starts.binary_search(&start) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let mut out = Vec::new();
        for line in first..self.line_starts.len() {
            let line_start = self.line_starts.get(line).copied().unwrap_or(0);
            if line_start >= end && line > first {
                break;
            }
            let a = start.max(line_start);
            let b = end.min(self.line_end(line));
            if a < b {
                out.push((a, b));
            }
        }
        out
    }

    /// The protocol range of a byte range. An end inside a character is moved to that
    /// character's end, so that a range never loses the character it points at.
    pub fn range(&self, start: usize, end: usize) -> Range {
        let mut end = end.max(start).min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        Range::new(self.position(start), self.position(end))
    }

    /// The range of the whole document.
    pub fn full_range(&self) -> Range {
        self.range(0, self.text.len())
    }
}

/// Where every line starts: after each `\n`, and after each `\r` not followed by `\n`.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        let ends_line = match b {
            b'\n' => true,
            b'\r' => bytes.get(i + 1) != Some(&b'\n'),
            _ => false,
        };
        if ends_line {
            starts.push(i + 1);
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range
                .map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.to_owned(),
        }
    }

    #[test]
    fn positions_count_utf16_units() {
        // 'é' is 2 bytes and 1 unit; '😀' is 4 bytes and 2 units.
        let doc = Document::new("aé😀b\nx", 1);
        assert_eq!(doc.offset(Position::new(0, 0)), 0);
        assert_eq!(doc.offset(Position::new(0, 2)), 3);
        assert_eq!(doc.offset(Position::new(0, 4)), 7);
        assert_eq!(doc.offset(Position::new(0, 5)), 8);
        // Inside the surrogate pair: the start of the emoji.
        assert_eq!(doc.offset(Position::new(0, 3)), 3);
        // Past the line's end: the line's end, not the next line.
        assert_eq!(doc.offset(Position::new(0, 99)), 8);
        assert_eq!(doc.offset(Position::new(1, 1)), 10);
        assert_eq!(doc.offset(Position::new(7, 0)), 10);
        assert_eq!(doc.position(7), Position::new(0, 4));
        assert_eq!(doc.position(9), Position::new(1, 0));
        // Inside 'é': its start; a range ending inside it ends after it.
        assert_eq!(doc.position(2), Position::new(0, 1));
        assert_eq!(
            doc.range(1, 2),
            Range::new(Position::new(0, 1), Position::new(0, 2))
        );
    }

    #[test]
    fn crlf_lines_end_before_the_carriage_return() {
        let doc = Document::new("ab\r\ncd", 1);
        assert_eq!(doc.offset(Position::new(0, 9)), 2);
        assert_eq!(doc.offset(Position::new(1, 1)), 5);
        // Inside the line end: the end of the line's text.
        assert_eq!(doc.position(3), Position::new(0, 2));
        assert_eq!(doc.position(4), Position::new(1, 0));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let doc = Document::new("ab\rcd\n\ré", 1);
        assert_eq!(doc.position(3), Position::new(1, 0));
        assert_eq!(doc.offset(Position::new(1, 1)), 4);
        assert_eq!(doc.offset(Position::new(0, 7)), 2);
        assert_eq!(doc.offset(Position::new(2, 0)), 6);
        assert_eq!(doc.offset(Position::new(3, 1)), 9);
        assert_eq!(doc.position(9), Position::new(3, 1));
        assert_eq!(doc.line_pieces(0, 9), [(0, 2), (3, 5), (7, 9)]);
        assert_eq!(doc.line_pieces(1, 4), [(1, 2), (3, 4)]);
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let mut doc = Document::new("SELECT count()\nFROM errors", 1);
        doc.apply_changes(
            &[
                change(Some(((1, 5), (1, 11))), "transactions"),
                change(Some(((0, 7), (0, 7))), "p95(), "),
                change(Some(((1, 0), (1, 0))), "-- é😀\n"),
            ],
            2,
        );
        assert_eq!(
            doc.text(),
            "SELECT p95(), count()\n-- é😀\nFROM transactions"
        );
        assert_eq!(doc.version(), 2);
        doc.apply_changes(&[change(Some(((1, 3), (1, 6))), "")], 3);
        assert_eq!(doc.text(), "SELECT p95(), count()\n-- \nFROM transactions");
        doc.apply_changes(&[change(None, "x")], 4);
        assert_eq!(doc.text(), "x");
    }
}
