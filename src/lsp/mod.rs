//! `dql lsp`: a language server over stdio (feature `lsp`).
//!
//! Diagnostics of every stage that needs no network (syntax, semantic, lowering) as a
//! document is opened, changed or saved — the same ones `dql check` prints for the text —
//! plus completion, hover, formatting with the canonical printer, code actions from the
//! fix-its, document symbols, go to definition of a `$param` and semantic tokens.
//!
//! Built on `lsp-server` and `lsp-types`, the crates rust-analyzer is built on: the server is
//! synchronous (every answer takes a few milliseconds at most, so there is nothing to run
//! concurrently), and `tower-lsp` would bring an async runtime for no gain. Messages are
//! handled in order, one at a time; positions are UTF-16 (the protocol's default).
//!
//! The server never stops on bad input: a malformed message gets an error response
//! (the framing is read by the server itself, see `transport.rs`), a request with bad parameters `InvalidParams`, an unknown method
//! `MethodNotFound`, and a handler that failed anyway `InternalError`.

mod actions;
mod analysis;
mod completion;
mod document;
mod lex;
mod navigate;
mod transport;

pub use analysis::{Analysis, Settings, lsp_diagnostics, to_lsp};
pub use document::Document;
pub use lsp_types;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use transport::Incoming;

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after `shutdown`: exit status 0.
    Clean,
    /// `exit` without `shutdown`, or the input closed: exit status 1 (the protocol's rule).
    Abrupt,
}

/// Serves the protocol over stdin and stdout until `exit` or the end of input.
pub fn stdio() -> io::Result<Ending> {
    stdio_with(Settings::default())
}

/// [`stdio`] starting from `settings` (the client's `initializationOptions` and
/// configuration still change `strict` and `params`).
pub fn stdio_with(settings: Settings) -> io::Result<Ending> {
    let stdin = io::stdin();
    let stdout = io::stdout();
    serve_with(&mut stdin.lock(), &mut stdout.lock(), settings)
}

/// Serves the protocol over `input` and `output` until `exit` or the end of input.
pub fn serve(input: &mut impl BufRead, output: &mut impl Write) -> io::Result<Ending> {
    serve_with(input, output, Settings::default())
}

/// [`serve`] starting from `settings`.
pub fn serve_with(
    input: &mut impl BufRead,
    output: &mut impl Write,
    settings: Settings,
) -> io::Result<Ending> {
    let mut server = Server {
        settings,
        ..Server::default()
    };
    loop {
        match transport::read(input)? {
            Incoming::Eof => return Ok(Ending::Abrupt),
            Incoming::Malformed { id, code, message } => {
                transport::write_error(output, &id, code, &message)?;
            }
            Incoming::Message(Message::Notification(n)) if n.method == "exit" => {
                return Ok(if server.shutdown {
                    Ending::Clean
                } else {
                    Ending::Abrupt
                });
            }
            Incoming::Message(message) => {
                let id = match &message {
                    Message::Request(r) => Some(r.id.clone()),
                    _ => None,
                };
                let outgoing = catch_unwind(AssertUnwindSafe(|| server.handle(message)));
                let outgoing = match outgoing {
                    Ok(out) => out,
                    Err(_) => id
                        .map(|id| {
                            Message::Response(Response::new_err(
                                id,
                                ErrorCode::InternalError as i32,
                                "the server failed on this request".to_owned(),
                            ))
                        })
                        .into_iter()
                        .collect(),
                };
                for m in outgoing {
                    transport::write(output, m)?;
                }
            }
        }
    }
}

/// An open document with its analysis.
#[derive(Debug)]
struct Open {
    uri: lsp::Uri,
    doc: Document,
    analysis: Analysis,
}

#[derive(Debug, Default)]
struct Server {
    initialized: bool,
    shutdown: bool,
    settings: Settings,
    docs: HashMap<String, Open>,
}

/// A request's failure: a protocol error code and a message.
type Failure = (ErrorCode, String);

fn params<P: DeserializeOwned>(request: &Request) -> Result<P, Failure> {
    serde_json::from_value(request.params.clone()).map_err(|e| {
        (
            ErrorCode::InvalidParams,
            format!("bad params for {}: {e}", request.method),
        )
    })
}

/// A notification's params; `None` when they do not decode (a notification has no answer,
/// so bad ones are dropped).
fn decode<P: DeserializeOwned>(n: &Notification) -> Option<P> {
    serde_json::from_value(n.params.clone()).ok()
}

fn json<T: Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

impl Server {
    /// Handles one message and returns what to send.
    fn handle(&mut self, message: Message) -> Vec<Message> {
        match message {
            Message::Request(request) => {
                let id: RequestId = request.id.clone();
                let response = match self.request(&request) {
                    Ok(result) => Response::new_ok(id, result),
                    Err((code, text)) => Response::new_err(id, code as i32, text),
                };
                vec![Message::Response(response)]
            }
            Message::Notification(n) => self.notification(&n),
            Message::Response(_) => Vec::new(),
        }
    }

    fn request(&mut self, request: &Request) -> Result<serde_json::Value, Failure> {
        let method = request.method.as_str();
        if method == "initialize" {
            if self.initialized {
                return Err((
                    ErrorCode::InvalidRequest,
                    "initialize was already sent".into(),
                ));
            }
            let init: lsp::InitializeParams = params(request)?;
            if let Some(options) = &init.initialization_options {
                self.configure(options);
            }
            self.initialized = true;
            return Ok(json(initialize_result()));
        }
        if !self.initialized {
            return Err((
                ErrorCode::ServerNotInitialized,
                "the first request must be initialize".into(),
            ));
        }
        if self.shutdown {
            return Err((
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            ));
        }
        match method {
            "shutdown" => {
                self.shutdown = true;
                Ok(serde_json::Value::Null)
            }
            "textDocument/completion" => {
                let p: lsp::CompletionParams = params(request)?;
                let pos = p.text_document_position;
                Ok(self.with(&pos.text_document.uri, |o| {
                    json(lsp::CompletionResponse::Array(completion::complete(
                        &o.doc,
                        &o.analysis,
                        pos.position,
                    )))
                }))
            }
            "textDocument/hover" => {
                let p: lsp::HoverParams = params(request)?;
                let pos = p.text_document_position_params;
                Ok(self.with(&pos.text_document.uri, |o| {
                    json(navigate::hover(&o.doc, &o.analysis, pos.position))
                }))
            }
            "textDocument/definition" => {
                let p: lsp::GotoDefinitionParams = params(request)?;
                let pos = p.text_document_position_params;
                Ok(self.with(&pos.text_document.uri, |o| {
                    json(
                        navigate::definition(&o.doc, &o.analysis, &o.uri, pos.position)
                            .map(lsp::GotoDefinitionResponse::Scalar),
                    )
                }))
            }
            "textDocument/formatting" => {
                let p: lsp::DocumentFormattingParams = params(request)?;
                Ok(self.with(&p.text_document.uri, |o| {
                    json(actions::format_edits(&o.doc, &o.analysis))
                }))
            }
            "textDocument/codeAction" => {
                let p: lsp::CodeActionParams = params(request)?;
                Ok(self.with(&p.text_document.uri, |o| {
                    json(actions::code_actions(&o.doc, &o.analysis, &o.uri, p.range))
                }))
            }
            "textDocument/documentSymbol" => {
                let p: lsp::DocumentSymbolParams = params(request)?;
                Ok(self.with(&p.text_document.uri, |o| {
                    json(lsp::DocumentSymbolResponse::Nested(navigate::symbols(
                        &o.doc,
                        &o.analysis,
                    )))
                }))
            }
            "textDocument/semanticTokens/full" => {
                let p: lsp::SemanticTokensParams = params(request)?;
                Ok(self.with(&p.text_document.uri, |o| {
                    json(lsp::SemanticTokensResult::Tokens(lsp::SemanticTokens {
                        result_id: None,
                        data: navigate::semantic_tokens(&o.doc, &o.analysis),
                    }))
                }))
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("dql lsp does not handle `{method}`"),
            )),
        }
    }

    /// `f` on the open document `uri`; `null` when it is not open.
    fn with(
        &self,
        uri: &lsp::Uri,
        f: impl FnOnce(&Open) -> serde_json::Value,
    ) -> serde_json::Value {
        self.docs
            .get(uri.as_str())
            .map_or(serde_json::Value::Null, f)
    }

    fn notification(&mut self, n: &Notification) -> Vec<Message> {
        if !self.initialized {
            // Before initialize, notifications are dropped (exit is handled by the loop).
            return Vec::new();
        }
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Some(p): Option<lsp::DidOpenTextDocumentParams> = decode(n) else {
                    return Vec::new();
                };
                let doc = Document::new(p.text_document.text, p.text_document.version);
                self.analyse(p.text_document.uri, doc)
            }
            "textDocument/didChange" => {
                let Some(p): Option<lsp::DidChangeTextDocumentParams> = decode(n) else {
                    return Vec::new();
                };
                let Some(open) = self.docs.remove(p.text_document.uri.as_str()) else {
                    return Vec::new();
                };
                let mut doc = open.doc;
                doc.apply_changes(&p.content_changes, p.text_document.version);
                self.analyse(open.uri, doc)
            }
            "textDocument/didSave" => {
                let Some(p): Option<lsp::DidSaveTextDocumentParams> = decode(n) else {
                    return Vec::new();
                };
                let Some(open) = self.docs.remove(p.text_document.uri.as_str()) else {
                    return Vec::new();
                };
                let doc = match p.text {
                    Some(text) => Document::new(text, open.doc.version()),
                    None => open.doc,
                };
                self.analyse(open.uri, doc)
            }
            "textDocument/didClose" => {
                let Some(p): Option<lsp::DidCloseTextDocumentParams> = decode(n) else {
                    return Vec::new();
                };
                self.docs.remove(p.text_document.uri.as_str());
                vec![publish(p.text_document.uri, Vec::new(), None)]
            }
            "workspace/didChangeConfiguration" => {
                // `{"settings": {"dql": {…}}}` (or without the `dql` level).
                let Some(settings) = n.params.get("settings") else {
                    return Vec::new();
                };
                if !self.configure(settings.get("dql").unwrap_or(settings)) {
                    return Vec::new();
                }
                let open: Vec<Open> = self.docs.drain().map(|(_, o)| o).collect();
                open.into_iter()
                    .flat_map(|o| self.analyse(o.uri, o.doc))
                    .collect()
            }
            // initialized, $/cancelRequest (answers are immediate), anything else.
            _ => Vec::new(),
        }
    }

    /// Takes `strict` (a boolean) and `params` (an object of strings) from `options`; returns
    /// whether anything was given.
    fn configure(&mut self, options: &serde_json::Value) -> bool {
        let mut changed = false;
        if let Some(strict) = options.get("strict").and_then(serde_json::Value::as_bool) {
            self.settings.strict = strict;
            changed = true;
        }
        if let Some(params) = options.get("params").and_then(serde_json::Value::as_object) {
            self.settings.params = crate::semantic::Params::new();
            for (name, value) in params {
                if let Some(value) = value.as_str() {
                    self.settings
                        .params
                        .bind(name.trim_start_matches('$'), value);
                }
            }
            changed = true;
        }
        changed
    }

    /// Analyses `doc`, keeps it, and publishes its diagnostics.
    fn analyse(&mut self, uri: lsp::Uri, doc: Document) -> Vec<Message> {
        let analysis = Analysis::new(doc.text(), &self.settings);
        let diagnostics = lsp_diagnostics(&doc, &uri, &analysis);
        let message = publish(uri.clone(), diagnostics, Some(doc.version()));
        self.docs
            .insert(uri.as_str().to_owned(), Open { uri, doc, analysis });
        vec![message]
    }
}

fn publish(uri: lsp::Uri, diagnostics: Vec<lsp::Diagnostic>, version: Option<i32>) -> Message {
    Message::Notification(Notification::new(
        "textDocument/publishDiagnostics".to_owned(),
        lsp::PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    ))
}

fn initialize_result() -> lsp::InitializeResult {
    lsp::InitializeResult {
        capabilities: lsp::ServerCapabilities {
            position_encoding: Some(lsp::PositionEncodingKind::UTF16),
            text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
                lsp::TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                    save: Some(lsp::TextDocumentSyncSaveOptions::SaveOptions(
                        lsp::SaveOptions {
                            include_text: Some(true),
                        },
                    )),
                    ..lsp::TextDocumentSyncOptions::default()
                },
            )),
            completion_provider: Some(lsp::CompletionOptions {
                trigger_characters: Some(vec!["$".to_owned(), "@".to_owned()]),
                ..lsp::CompletionOptions::default()
            }),
            hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
            definition_provider: Some(lsp::OneOf::Left(true)),
            document_formatting_provider: Some(lsp::OneOf::Left(true)),
            document_symbol_provider: Some(lsp::OneOf::Left(true)),
            code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
                lsp::CodeActionOptions {
                    code_action_kinds: Some(vec![
                        lsp::CodeActionKind::QUICKFIX,
                        lsp::CodeActionKind::SOURCE_FIX_ALL,
                    ]),
                    ..lsp::CodeActionOptions::default()
                },
            )),
            semantic_tokens_provider: Some(
                lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
                    lsp::SemanticTokensOptions {
                        legend: lsp::SemanticTokensLegend {
                            token_types: navigate::TOKEN_TYPES.to_vec(),
                            token_modifiers: Vec::new(),
                        },
                        full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                        range: None,
                        ..lsp::SemanticTokensOptions::default()
                    },
                ),
            ),
            ..lsp::ServerCapabilities::default()
        },
        server_info: Some(lsp::ServerInfo {
            name: "dql".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    }
}
