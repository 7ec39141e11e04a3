//! Bound `$name` parameters, and reading clause operands with their parameters substituted.
//!
//! A parameter is one value, never a name: it is looked up here and then checked by the
//! rule of the spot it fills (an integer for LIMIT, a period or date for SINCE, …).

use super::context::Cx;
use crate::registry::SemanticCode;
use crate::span::Span;
use crate::syntax::ast::{Operand, OperandKind};
use std::collections::BTreeMap;

/// Values bound to `$name` parameters (`--param name=value`), as strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, String>,
}

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Params::default()
    }

    /// Binds `$name` to `value` (a later binding of the same name wins). The one way to bind
    /// a parameter (`options.params.bind(…)`); `name` may be written with its `$`.
    pub fn bind(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        let name = name.into();
        let name = name
            .strip_prefix('$')
            .map_or_else(|| name.clone(), str::to_owned);
        self.values.insert(name, value.into());
        self
    }

    /// The value bound to `$name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Every binding, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Params {
    fn extended<K: Into<String>, V: Into<String>>(
        mut self,
        iter: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        for (name, value) in iter {
            self.bind(name, value);
        }
        self
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Params {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Params {
            values: BTreeMap::new(),
        }
        .extended(iter)
    }
}

/// How an operand's text was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Written {
    Word,
    Quoted,
    Param,
}

/// The value of a parameter, or an `unbound_param` error at `span`.
pub(crate) fn bound(cx: &mut Cx<'_>, name: &str, span: Span) -> Option<String> {
    if let Some(value) = cx.params.get(name) {
        return Some(value.to_string());
    }
    cx.error(
        SemanticCode::UnboundParam,
        span,
        format!("`${name}` has no value"),
    )
    .label("unbound parameter")
    .help(format!("bind it with `--param {name}=…`"));
    None
}

/// The text of an operand with parameters substituted; `None` after reporting an unbound one.
pub(crate) fn operand_text(cx: &mut Cx<'_>, operand: &Operand) -> Option<(String, Written)> {
    match &operand.kind {
        OperandKind::Word(text) => Some((text.clone(), Written::Word)),
        OperandKind::SingleQuoted(text) | OperandKind::DoubleQuoted(text) => {
            Some((text.clone(), Written::Quoted))
        }
        OperandKind::Param(name) => bound(cx, name, operand.span).map(|v| (v, Written::Param)),
    }
}

/// Reports an ill-typed value: a `bad_param_value` when it came from a parameter, else `code`.
pub(crate) fn bad_value(
    cx: &mut Cx<'_>,
    code: SemanticCode,
    written: Written,
    operand: &Operand,
    message: String,
    help: &str,
) {
    if written == Written::Param {
        let name = match &operand.kind {
            OperandKind::Param(name) => name.as_str(),
            _ => "",
        };
        cx.error(
            SemanticCode::BadParamValue,
            operand.span,
            format!("the value bound to `${name}`: {message}"),
        )
        .label("bound here")
        .help(help.to_string());
    } else {
        cx.error(code, operand.span, message)
            .label("here")
            .help(help.to_string());
    }
}
