//! The lines of a reader as slices of one large buffer.

use std::io::Read;

/// Bytes read at a time: large reads, and lines handed out in place rather than copied.
pub(super) const READ_BYTES: usize = 1 << 20;

/// The lines of a reader as slices of one buffer; a line is moved only when it straddles two
/// reads (the buffer grows for a line longer than itself).
pub(super) struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    max_line: usize,
}

/// Why [`Lines::next_line`] gave no line.
pub(super) enum LineError {
    Io(std::io::Error),
    /// The line is longer than the cap.
    TooLong,
}

impl<R: Read> Lines<R> {
    pub(super) fn new(reader: R, max_line: usize) -> Self {
        Lines {
            reader,
            buf: vec![0; READ_BYTES.min(max_line.saturating_add(1)).max(1)],
            start: 0,
            end: 0,
            eof: false,
            max_line,
        }
    }

    /// The next line with its `\n` (the last line may have none); `None` at the end.
    pub(super) fn next_line(&mut self) -> Result<Option<&[u8]>, LineError> {
        let mut searched = 0;
        loop {
            let pending = self
                .buf
                .get(self.start + searched..self.end)
                .unwrap_or_default();
            if let Some(i) = memchr::memchr(b'\n', pending) {
                let line = self.start..self.start + searched + i + 1;
                self.start = line.end;
                return Ok(self.buf.get(line));
            }
            searched = self.end - self.start;
            if self.eof {
                let line = self.start..self.end;
                self.start = self.end;
                return Ok(self.buf.get(line).filter(|l| !l.is_empty()));
            }
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end > self.max_line {
                return Err(LineError::TooLong);
            }
            if self.end == self.buf.len() {
                let grown = (self.buf.len() * 2).min(self.max_line.saturating_add(1));
                self.buf.resize(grown.max(self.buf.len() + 1), 0);
            }
            let free = self.buf.get_mut(self.end..).unwrap_or_default();
            match self.reader.read(free) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(LineError::Io(e)),
            }
        }
    }
}
