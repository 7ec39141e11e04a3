//! Where the cursor is, over the tokens of the forgiving lexer ([`crate::syntax::lex`]): what
//! completion, hover, definition and semantic highlighting look at.

pub(crate) use crate::syntax::lex::{Kind, Token, tokens};

/// The index of the token that holds byte `offset` (the one ending there when the cursor is
/// right after a word, so that `coun|` is on `coun`).
pub(crate) fn at(tokens: &[Token], offset: usize) -> Option<usize> {
    let inside = tokens
        .iter()
        .position(|t| t.start <= offset && offset < t.end);
    let before = tokens
        .iter()
        .position(|t| t.end == offset && matches!(t.kind, Kind::Word | Kind::Param | Kind::Number));
    match (before, inside) {
        (Some(b), _) => Some(b),
        (None, Some(i)) => Some(i),
        (None, None) => None,
    }
}
