//! The terminal standard output is: its size, and the pager a long text is shown in
//! (`$DQL_PAGER`, `$PAGER` or `less`). Below both `commands` (where `dql run` writes) and the
//! REPL (which pages long answers).
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

/// The size of the terminal standard output is, as (columns, rows); `None` off a terminal.
pub(crate) fn screen() -> Option<(usize, usize)> {
    let stdout = io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    let (width, height) = terminal_size::terminal_size_of(stdout)?;
    Some((usize::from(width.0), usize::from(height.0)))
}

/// The pager command: `$DQL_PAGER`, else `$PAGER`, else `less`; `None` when set empty or to
/// `cat` (no pager), or when its program is not installed (the output is printed instead of
/// vanishing into a shell's "not found").
pub(crate) fn pager_command() -> Option<String> {
    let chosen = std::env::var("DQL_PAGER")
        .or_else(|_| std::env::var("PAGER"))
        .unwrap_or_else(|_| "less".to_owned());
    let chosen = chosen.trim();
    let program = chosen.split_whitespace().next()?;
    if chosen == "cat" || !installed(program) {
        return None;
    }
    Some(chosen.to_owned())
}

/// Whether `program` is a path to a file or a name found in a `PATH` directory. A word the
/// shell would read differently (`VAR=x less`, a function) counts as installed.
fn installed(program: &str) -> bool {
    if program.contains('=') {
        return true;
    }
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Starts `command` through the shell (as git does, so `PAGER='less -S'` works), with
/// `LESS=FRX` unless the user set `LESS`: quit when one screen holds it, keep colours, leave
/// the text on the screen.
fn spawn_pager(command: &str) -> io::Result<Child> {
    let mut pager = Command::new("sh");
    pager.arg("-c").arg(command).stdin(Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        pager.env("LESS", "FRX");
    }
    pager.spawn()
}

/// Counts screen lines of text as it is written: newlines, and lines long enough to wrap.
#[derive(Debug, Clone, Copy)]
struct LineCounter {
    width: usize,
    lines: usize,
    column: usize,
}

impl LineCounter {
    fn new(width: usize) -> Self {
        LineCounter {
            width: width.max(1),
            lines: 0,
            column: 0,
        }
    }

    fn add(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if byte == b'\n' {
                self.lines += 1;
                self.column = 0;
            } else if byte & 0xC0 != 0x80 {
                // One column per character (continuation bytes of UTF-8 add none); wide
                // characters make this an underestimate, which only delays the pager.
                self.column += 1;
                if self.column > self.width {
                    self.lines += 1;
                    self.column = 1;
                }
            }
        }
    }
}

/// Standard output that turns into a pager once more than a screenful has been written, so a
/// short result prints as usual and a long one can be scrolled. Call [`Paged::finish`] (or
/// drop it) to print what is held and wait for the pager.
pub(crate) struct Paged {
    held: Vec<u8>,
    counter: LineCounter,
    height: usize,
    command: Option<String>,
    pager: Option<(Child, ChildStdin)>,
    /// The pager could not start, or none is wanted: write straight through.
    direct: bool,
}

impl Paged {
    /// Output to a terminal of `screen` (columns, rows), paged with `command` when given.
    pub(crate) fn new(screen: (usize, usize), command: Option<String>) -> Self {
        Paged {
            held: Vec::new(),
            counter: LineCounter::new(screen.0),
            // The last line is the shell's prompt (and less's).
            height: screen.1.saturating_sub(1).max(1),
            direct: command.is_none(),
            command,
            pager: None,
        }
    }

    fn start_pager(&mut self) -> io::Result<()> {
        // While the pager shows the result, Ctrl-C is the pager's (less stops a search with
        // it): dql must not die under it and leave it reading a closed pipe. `q` ends the
        // pager, and dql with it, quietly. (As git does.)
        let _ = ctrlc::set_handler(|| {});
        let started = self.command.as_deref().map(spawn_pager);
        match started {
            Some(Ok(mut child)) => match child.stdin.take() {
                Some(stdin) => {
                    self.pager = Some((child, stdin));
                }
                None => {
                    let _ = child.wait();
                    self.direct = true;
                }
            },
            Some(Err(error)) => {
                eprintln!(
                    "note: cannot start the pager `{}` ({error}); printing instead (--no-pager)",
                    self.command.as_deref().unwrap_or_default()
                );
                self.direct = true;
            }
            None => self.direct = true,
        }
        let held = std::mem::take(&mut self.held);
        self.write_all(&held)
    }

    /// Prints what is held, or closes the pager's input and waits until the user leaves it.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        if let Some((mut child, stdin)) = self.pager.take() {
            drop(stdin);
            child.wait()?;
            return Ok(());
        }
        let held = std::mem::take(&mut self.held);
        let mut stdout = io::stdout().lock();
        stdout.write_all(&held)?;
        stdout.flush()
    }
}

impl Write for Paged {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if let Some((_, stdin)) = &mut self.pager {
            return stdin.write(bytes);
        }
        if self.direct {
            return io::stdout().lock().write(bytes);
        }
        self.held.extend_from_slice(bytes);
        self.counter.add(bytes);
        if self.counter.lines > self.height {
            self.start_pager()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.pager {
            Some((_, stdin)) => stdin.flush(),
            None if self.direct => io::stdout().lock().flush(),
            // Held text waits until it is known to fit or not.
            None => Ok(()),
        }
    }
}

impl Drop for Paged {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Whether `text` is taller than a screen of `screen` (columns, rows).
pub(crate) fn taller_than(text: &[u8], screen: (usize, usize)) -> bool {
    let mut counter = LineCounter::new(screen.0);
    counter.add(text);
    counter.lines > screen.1.saturating_sub(1).max(1)
}

/// Shows `text` in the pager; `Ok(false)` when no pager is configured or it cannot start (the
/// caller prints instead).
pub(crate) fn page(text: &[u8]) -> io::Result<bool> {
    let Some(command) = pager_command() else {
        return Ok(false);
    };
    let Ok(mut child) = spawn_pager(&command) else {
        return Ok(false);
    };
    if let Some(mut stdin) = child.stdin.take() {
        // The user may leave the pager before reading everything: not an error.
        match stdin.write_all(text) {
            Err(error) if error.kind() != io::ErrorKind::BrokenPipe => return Err(error),
            _ => {}
        }
    }
    child.wait()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_newlines_and_wrapping() {
        let mut counter = LineCounter::new(10);
        counter.add(b"short\n");
        counter.add("0123456789é0123\n".as_bytes());
        assert_eq!(counter.lines, 3);
        assert!(taller_than(b"a\nb\nc\n", (80, 3)));
        assert!(!taller_than(b"a\nb\n", (80, 3)));
    }

    #[test]
    fn a_pager_that_is_not_installed_is_no_pager() {
        assert!(installed("sh"));
        assert!(!installed("dql-no-such-pager"));
        assert!(!installed("/nonexistent/less"));
        assert!(installed("LESS=R"));
    }
}
