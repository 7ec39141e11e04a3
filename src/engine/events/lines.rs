//! The lines of a reader as slices of one large buffer.

use std::io::Read;

/// Bytes read at a time: large reads, and lines handed out in place rather than copied.
///
/// Measured (2026-12-02, 1 thread, count_by_release and errors_by_type on the two 540 MB plain
/// inputs of `benches/engine_duckdb.sh`, median task-clock of 5 and 9 alternating runs, the
/// file read straight into this buffer) at 64 KiB, 128 KiB, 256 KiB, 512 KiB, 1 MiB and 4 MiB:
/// every size within ±4 % of 1 MiB, none ahead on all four; the kernel's copy (about 15 % of
/// the time, in sys) is the same whatever the size. A memory map instead (memmap2) cut sys by
/// 8–27 ms but raised user time by 7–38 ms (presumably the scan reading the pages from memory,
/// not from a buffer the copy has just put in cache): −0.5 % to +5 % in all, and the whole
/// mapped file counted in peak memory (528 MiB against 14). Not taken, so the crate keeps
/// `unsafe_code = "forbid"`.
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
#[derive(Debug)]
pub(super) enum LineError {
    Io(std::io::Error),
    /// The line is longer than the cap.
    TooLong,
}

impl<R: Read> Lines<R> {
    pub(super) fn new(reader: R, max_line: usize) -> Self {
        Self::with_read_bytes(reader, max_line, READ_BYTES)
    }

    /// [`Lines::new`] reading `read_bytes` at a time (the buffer's first size).
    fn with_read_bytes(reader: R, max_line: usize, read_bytes: usize) -> Self {
        Lines {
            reader,
            buf: vec![0; read_bytes.min(max_line.saturating_add(1)).max(1)],
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

    use super::{LineError, Lines};
    use std::io::Read;

    /// A reader that hands out at most `step` bytes per read, with an interruption first.
    struct Trickle<'a> {
        text: &'a [u8],
        step: usize,
        interrupted: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if !self.interrupted {
                self.interrupted = true;
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = self.step.min(buf.len()).min(self.text.len());
            let (head, tail) = self.text.split_at(n);
            buf[..n].copy_from_slice(head);
            self.text = tail;
            Ok(n)
        }
    }

    fn lines_of(text: &[u8], step: usize, read_bytes: usize, max_line: usize) -> Vec<Vec<u8>> {
        let reader = Trickle {
            text,
            step,
            interrupted: false,
        };
        let mut lines = Lines::with_read_bytes(reader, max_line, read_bytes);
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            out.push(line.to_vec());
        }
        out
    }

    /// Lines of every length around the buffer's size, read in steps of every size, come out
    /// whole and in order, each with its `\n` and the last without one.
    #[test]
    fn lines_straddling_reads_and_longer_than_the_buffer_come_out_whole() {
        let mut text = Vec::new();
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 40, 3] {
            text.extend(std::iter::repeat_n(b'a' + (len % 26) as u8, len));
            text.push(b'\n');
        }
        text.extend_from_slice(b"last");
        let expected: Vec<Vec<u8>> = text
            .split_inclusive(|&b| b == b'\n')
            .map(<[u8]>::to_vec)
            .collect();
        for read_bytes in [1, 2, 8, 16, 64, 1 << 20] {
            for step in [1, 3, 8, 1000] {
                assert_eq!(
                    lines_of(&text, step, read_bytes, 1000),
                    expected,
                    "read_bytes {read_bytes}, step {step}"
                );
            }
        }
    }

    /// A line of exactly the cap (not counting its `\n`) is read; one byte more is `TooLong`,
    /// whatever the buffer and the reads.
    #[test]
    fn the_cap_is_exact_whatever_the_buffer() {
        for read_bytes in [1, 4, 10, 11, 12, 64] {
            for step in [1, 3, 11, 100] {
                assert_eq!(
                    lines_of(b"0123456789\nx\n", step, read_bytes, 10).len(),
                    2,
                    "read_bytes {read_bytes}, step {step}"
                );
                assert_eq!(lines_of(b"0123456789", step, read_bytes, 10).len(), 1);
                for text in [&b"0123456789A\n"[..], b"x\n0123456789A"] {
                    let reader = Trickle {
                        text,
                        step,
                        interrupted: false,
                    };
                    let mut lines = Lines::with_read_bytes(reader, 10, read_bytes);
                    let mut result = lines.next_line().map(|l| l.map(<[u8]>::to_vec));
                    if text.starts_with(b"x") {
                        assert_eq!(result.unwrap().unwrap(), b"x\n");
                        result = lines.next_line().map(|l| l.map(<[u8]>::to_vec));
                    }
                    assert!(
                        matches!(result, Err(LineError::TooLong)),
                        "read_bytes {read_bytes}, step {step}: {result:?}"
                    );
                }
            }
        }
    }
}
