//! Reading a query file named on the command line, with coded diagnostics (`dql::cli::*`) for
//! each way it can fail: missing (with the nearest name in its folder), a directory,
//! unreadable, not UTF-8.

use dql::diagnostic::Code;
use dql::registry::CliCode;
use std::io::ErrorKind;
use std::path::Path;

/// Why a query file could not be read.
#[derive(Debug)]
pub(crate) struct FileError {
    code: CliCode,
    message: String,
    help: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FileError {}

impl miette::Diagnostic for FileError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.code.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
}

/// Standard input that cannot be read.
pub(crate) fn stdin_failed(e: &std::io::Error) -> FileError {
    FileError {
        code: CliCode::FileUnreadable,
        message: format!("cannot read standard input: {e}"),
        help: "pipe the query text in, or name a query file instead of `-`".to_owned(),
    }
}

/// The text of the query file `path`, its byte-order mark kept (the caller strips it).
pub(crate) fn read(path: &Path) -> Result<String, FileError> {
    let shown = path.display();
    if path.is_dir() {
        return Err(FileError {
            code: CliCode::FileIsDirectory,
            message: format!("{shown} is a directory, not a query file"),
            help: "name a .dql file in it, e.g. `dql run queries/top.dql`".to_owned(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => FileError {
            code: CliCode::FileNotFound,
            message: format!("the query file {shown} does not exist"),
            help: match near_name(path) {
                Some(near) => format!("did you mean `{}`?", near.display()),
                None => "check the path; `-` reads the query from standard input".to_owned(),
            },
        },
        _ => FileError {
            code: CliCode::FileUnreadable,
            message: format!("cannot read {shown}: {e}"),
            help: "check the file's permissions (it must be readable by you)".to_owned(),
        },
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes
            .get(..at)
            .map_or(0, |before| before.iter().filter(|&&b| b == b'\n').count())
            + 1;
        let byte = bytes.get(at).copied().unwrap_or_default();
        FileError {
            code: CliCode::BadEncoding,
            message: format!("{shown} is not UTF-8 text: byte {at} (line {line}) is 0x{byte:02x}"),
            help: format!("save it as UTF-8 (from Latin-1: `iconv -f latin1 -t utf-8 {shown}`)"),
        }
    })
}

/// The file beside `path` whose name is nearest to its name, if one is close
/// (`querys.dql` → `queries.dql`).
fn near_name(path: &Path) -> Option<std::path::PathBuf> {
    let name = path.file_name()?.to_str()?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let names: Vec<String> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    let near = dql::semantic::suggest::suggest(name, names.iter().map(String::as_str))?;
    Some(path.with_file_name(near))
}
