//! `dql lsp` driven as an editor drives it: the built binary, JSON-RPC over stdio with
//! `Content-Length` framing, and the answers checked.

use crate::lsp_client::{Client, attribute_cache, cached_env, position, range};
use serde_json::{Value, json};
use std::process::{Command, Stdio};

mod answers;
mod datasets;
mod documents;
mod protocol;

const URI: &str = "file:///work/queries.dql";

fn doc() -> Value {
    json!({"uri": URI})
}

fn at(line: u32, character: u32) -> Value {
    json!({"textDocument": doc(), "position": {"line": line, "character": character}})
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_owned())
        .collect()
}

fn item<'a>(items: &'a Value, label: &str) -> &'a Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == label)
        .unwrap_or_else(|| panic!("no {label} in {items}"))
}
