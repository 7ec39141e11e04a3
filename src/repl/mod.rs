//! `dql repl`: the interactive loop around [`session::Session`] — line editing, persistent
//! history, highlighting, completion, multi-line input and Ctrl-C.
//!
//! The REPL reaches the compiler and the executors only through [`Backend`]; `cli.rs` picks
//! the implementation.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the REPL talks to the terminal"
)]

pub(crate) mod backend;
mod display;
mod helper;
mod lex;
mod session;
mod settings;

pub(crate) use backend::Backend;

use dql::format::Format;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use session::{Session, Step};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The environment variable naming the history file (empty: keep no history).
pub(crate) const HISTORY_VAR: &str = "DQL_HISTORY";

const PROMPT: &str = "dql> ";
const CONTINUATION: &str = "...> ";

/// Runs the REPL until `.quit` or Ctrl-D; returns the exit code.
pub(crate) fn run(backend: impl Backend, format: Format) -> u8 {
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

    let mut editor = match editor(colour) {
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
        if let Err(error) = editor.load_history(path) {
            if path.exists() {
                eprintln!("warning: cannot read history {}: {error}", path.display());
            }
        }
    }

    println!(
        "dql {} — end queries with `;`, .help for commands, Ctrl-D to leave",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(hint) = session.connection_hint() {
        println!("{hint}");
    }

    // Without a terminal the editor cannot validate, so multi-line input is gathered here.
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        };
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(error) => {
                eprintln!("error: cannot read input: {error}");
                return 1;
            }
        };
        pending.push_str(&line);
        if !lex::is_complete(&pending) {
            pending.push('\n');
            continue;
        }
        let input = std::mem::take(&mut pending);
        // Leaving is not worth recalling: Up after a restart should bring back work.
        let quits = matches!(input.trim(), ".quit" | ".exit" | ".q");
        if !input.trim().is_empty() && !quits {
            let _ = editor.add_history_entry(input.as_str());
            if let Some(path) = &history {
                // Saved after every input so that a killed session keeps its history.
                if let Err(error) = editor.save_history(path) {
                    eprintln!("warning: cannot save history {}: {error}", path.display());
                }
            }
        }
        session.screen = crate::commands::output::screen();
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
        }
    }
    0
}

fn editor(colour: bool) -> rustyline::Result<rustyline::Editor<helper::Helper, FileHistory>> {
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
