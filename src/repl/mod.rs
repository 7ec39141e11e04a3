//! `dql repl`: the interactive loop around [`session::Session`] — line editing, persistent
//! history, highlighting, completion, multi-line input and Ctrl-C.
//!
//! The REPL reaches the compiler and the executors only through [`Backend`];
//! `commands::repl` picks the implementation (`commands::repl_backend`). It imports nothing
//! of `commands`: the catalog in effect and the pager are below both (`live_catalog`,
//! `terminal`).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the REPL talks to the terminal"
)]

pub(crate) mod backend;
mod display;
mod helper;
pub(crate) mod lex;
mod session;
mod settings;

pub(crate) use backend::Backend;
pub(crate) use helper::Remote;

use dql::format::Format;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use session::{Session, Step};
use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The environment variable naming the history file (empty: keep no history).
pub(crate) const HISTORY_VAR: &str = "DQL_HISTORY";

const PROMPT: &str = "dql> ";
const CONTINUATION: &str = "...> ";

/// Runs the REPL until `.quit` or Ctrl-D; returns the exit code. `remote`, when connected,
/// completes values from Sentry's tag values endpoint.
pub(crate) fn run(backend: impl Backend, format: Format, remote: Option<Remote>) -> u8 {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let cancel = Arc::new(AtomicBool::new(false));
    // While a query runs the terminal is in cooked mode, so Ctrl-C is a SIGINT: raise the
    // flag the backend polls instead of dying. While editing, the line editor reads Ctrl-C
    // as a key and reports `Interrupted`.
    let flag = Arc::clone(&cancel);
    if let Err(error) = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)) {
        eprintln!("warning: Ctrl-C will end dql instead of the query ({error})");
    }
    let mut session = Session::new(backend, format, cancel, colour);

    let mut editor = match editor(colour, remote) {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!("error: cannot start the line editor: {error}");
            return 1;
        }
    };
    let history = history_path();
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // A missing file is the first session; anything else is worth a word.
        if let Err(error) = editor.load_history(path)
            && path.exists()
        {
            eprintln!("warning: cannot read history {}: {error}", path.display());
        }
    }

    println!(
        "dql {} — end queries with `;`, .help for commands, Ctrl-D to leave",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(hint) = session.connection_hint() {
        println!("{hint}");
    }

    // Lines are gathered here, not by the editor: a continuation prompt on every line, and
    // every statement and command of a paste runs, in order, whatever arrives at once.
    let mut gather = lex::Gather::default();
    let mut queue: VecDeque<lex::Unit> = VecDeque::new();
    loop {
        let unit = match queue.pop_front() {
            Some(unit) => unit,
            None => {
                let prompt = if gather.pending().is_empty() {
                    PROMPT
                } else {
                    CONTINUATION
                };
                if let Some(helper) = editor.helper_mut() {
                    helper.pending = gather.pending().to_owned();
                }
                match editor.readline(prompt) {
                    Ok(line) => queue.extend(gather.feed(&line)),
                    Err(ReadlineError::Interrupted) => {
                        gather.take();
                    }
                    Err(ReadlineError::Eof) => break,
                    Err(error) => {
                        eprintln!("error: cannot read input: {error}");
                        return 1;
                    }
                }
                continue;
            }
        };
        let input = match unit {
            lex::Unit::Command(command) if matches!(command.as_str(), ".edit" | "\\e") => {
                let current = gather.take();
                let text = if current.trim().is_empty() {
                    session.last_query().unwrap_or_default().to_owned()
                } else {
                    current
                };
                match edit(&text) {
                    Ok(edited) => {
                        println!("{}", edited.trim_end());
                        queue.extend(gather.feed(&edited));
                    }
                    Err(error) => eprintln!("error: {error}"),
                }
                continue;
            }
            lex::Unit::Command(text) | lex::Unit::Query(text) => text,
        };
        // Leaving is not worth recalling: Up after a restart should bring back work.
        let quits = matches!(input.trim(), ".quit" | ".exit" | ".q" | "\\q");
        if !input.trim().is_empty() && !quits {
            let _ = editor.add_history_entry(input.as_str());
            if let Some(path) = &history {
                // Saved after every input so that a killed session keeps its history.
                if let Err(error) = editor.save_history(path) {
                    eprintln!("warning: cannot save history {}: {error}", path.display());
                }
            }
        }
        session.screen = crate::terminal::screen();
        let mut stdout = std::io::stdout().lock();
        let step = session.handle(&input, &mut stdout);
        let _ = stdout.flush();
        drop(stdout);
        match step {
            Ok(Step::Continue) => {}
            Ok(Step::Quit) => break,
            Err(error) => {
                eprintln!("error: cannot write output: {error}");
                return 1;
            }
        }
        if let Some(helper) = editor.helper_mut() {
            helper.dataset = session.settings.dataset_name().map(str::to_owned);
            helper.tags.clone_from(&session.tags);
            helper.values.clone_from(&session.values);
        }
    }
    0
}

/// `.edit`: `$VISUAL` or `$EDITOR` (else `vi`) on `text` in a scratch file; the file's text
/// once the editor ends.
fn edit(text: &str) -> Result<String, String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|e| !e.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_owned());
    let path = std::env::temp_dir().join(format!("dql-edit-{}.dql", std::process::id()));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    // Through the shell, as psql and git do, so that `EDITOR="code --wait"` works.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("dql-edit")
        .arg(&path)
        .status();
    let edited = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => {
            return Err(format!(
                "the editor `{editor}` failed ({status}); nothing runs"
            ));
        }
        Err(e) => return Err(format!("cannot start the editor `{editor}`: {e}")),
    }
    edited.map_err(|e| format!("cannot read the edited query: {e}"))
}

fn editor(
    colour: bool,
    remote: Option<Remote>,
) -> rustyline::Result<rustyline::Editor<helper::Helper, FileHistory>> {
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_dups(true)?
        .max_history_size(1000)?
        .completion_type(CompletionType::List)
        .color_mode(if colour {
            ColorMode::Enabled
        } else {
            ColorMode::Disabled
        })
        .build();
    let mut editor = rustyline::Editor::with_config(config)?;
    editor.set_helper(Some(helper::Helper {
        colour,
        remote,
        ..helper::Helper::default()
    }));
    Ok(editor)
}

/// `$DQL_HISTORY` when set (empty: none), else `history` in dql's folder of the user's data
/// directory (`~/.local/share/dql` on Linux, `~/Library/Application Support/dql` on macOS).
fn history_path() -> Option<PathBuf> {
    match std::env::var_os(HISTORY_VAR) {
        Some(path) if path.is_empty() => None,
        Some(path) => Some(PathBuf::from(path)),
        None => dirs::data_dir().map(|dir| dir.join("dql").join("history")),
    }
}
