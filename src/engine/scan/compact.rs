//! Validation of a compact JSON object (no white space outside strings, what Sentry's API and
//! `dql export` write: one event a line) 64 bytes at a time, with the block masks of
//! [`super::blocks`]. Each rule of JSON's grammar that relates a token to the one before it
//! is one bit operation over the block: after `{` comes a key or `}`; after a key, `:`;
//! after `:`, a value; after a value, `,` or a closing bracket; after an object's `,`, a key;
//! and so on. A key is a string after `{` or after a comma inside an object, which is the only
//! rule that needs to know where objects are: the brackets are walked one by one (about one
//! byte in forty of an event) for nesting, matching and that. Numbers and literals are checked
//! one by one (a few an event), and so are escapes (rarer still).
//!
//! Hand-written because it is the engine's hottest loop (it reads every byte of every event)
//! and no JSON crate validates without building values at this speed in safe code: over the
//! benchmark's 547 MB of events, 0.18 s against 0.23 s for the token-by-token validation of
//! [`super::skip_checked`] (which the engine falls back to for any text this one does not
//! take), and it also finds where the top-level members end, which saves the walk over them
//! that validated each. The property test `compact_validation_agrees_with_serde` and the
//! `scanner` fuzz target hold it to serde_json: whatever it accepts, serde_json accepts.

use super::blocks::{BLOCK, BlockStrings, Strings, block_at, masks};
use super::{escape_end, literal_end, number_end};

/// Deeper nesting is left to the token-by-token validation (serde_json's limit is 128).
const MAX_DEPTH: u32 = 60;

/// Top-level members [`object_members`] indexes; an object with more is left to the
/// token-by-token walk (an event has about thirty).
pub(crate) const MAX_MEMBERS: usize = 96;

/// Bits `from..to` of a block (`to` at most 64).
#[inline(always)]
fn bits_between(from: u32, to: u32) -> u64 {
    let below_to = 1u64.checked_shl(to).map_or(!0, |b| b - 1);
    below_to & !((1u64 << from) - 1)
}

/// The bits of `mask` moved up one byte, with the previous block's last byte in bit 0: bit `k`
/// says that byte `k - 1` is in `mask`.
#[inline(always)]
fn after(mask: u64, previous: u64) -> u64 {
    (mask << 1) | (previous >> 63)
}

/// The end of the number or literal at `i`, which must end at a comma or closing bracket.
#[inline]
fn scalar_ok(bytes: &[u8], i: usize) -> Option<()> {
    let end = match *bytes.get(i)? {
        b't' => literal_end(bytes, i, b"true")?,
        b'f' => literal_end(bytes, i, b"false")?,
        b'n' => literal_end(bytes, i, b"null")?,
        _ => number_end(bytes, i)?,
    };
    matches!(bytes.get(end), Some(b',' | b'}' | b']')).then_some(())
}

/// The masks of the block before, as [`after`] reads them.
#[derive(Default, Clone, Copy)]
struct Before {
    value_end: u64,
    scalar: u64,
    colon: u64,
    comma: u64,
    object_comma: u64,
    brace: u64,
    bracket: u64,
    key_end: u64,
}

/// Whether `text` is one compact JSON object that serde_json reads (if it is UTF-8, which is
/// not checked here: the caller checks the whole line), writing the end of each top-level
/// member (the position of the comma or closing brace after its value) to `ends` and giving
/// their number. `None` means "not taken here", not "invalid": white space outside strings,
/// control characters, nesting deeper than 60, more than [`MAX_MEMBERS`] members, a lone
/// surrogate escape, or invalid JSON; the caller then validates token by token.
pub(crate) fn object_members(text: &[u8], ends: &mut [u32; MAX_MEMBERS]) -> Option<usize> {
    if text.first() != Some(&b'{') || u32::try_from(text.len()).is_err() {
        return None;
    }
    let last = text.len() - 1;
    let mut members = 0usize;
    let mut before = Before::default();
    // Carried from block to block.
    let mut strings = Strings::default();
    let mut key_carry = false;
    let mut depth = 0u32;
    let mut objects = 0u64;
    let mut in_object = false;
    let mut closed = false;
    let mut base = 0usize;
    let mut pad = [b' '; BLOCK];
    while base < text.len() {
        if closed {
            return None;
        }
        let live = 1u64
            .checked_shl(u32::try_from(text.len() - base).ok()?)
            .map_or(!0, |b| b - 1);
        let m = masks(block_at(text, base, &mut pad)?);
        if m.control & live != 0 {
            return None;
        }
        let BlockStrings {
            escapes,
            quotes,
            inside,
        } = strings.next(&m);
        if escapes & !inside != 0 {
            return None;
        }
        let mut each = escapes;
        while each != 0 {
            escape_end(text, base + each.trailing_zeros() as usize + 1)?;
            each &= each - 1;
        }
        let opening = quotes & inside;
        let closing = quotes & !inside;
        // Outside strings, everything but the six structural bytes is part of a number or
        // literal (white space included, which the number check then refuses).
        let outside = !inside & !closing & live;
        let open = m.open & outside;
        let close = m.close & outside;
        let colon = m.colon & outside;
        let comma = m.comma & outside;
        let scalar = outside & !(m.open | m.close | m.colon | m.comma);
        let scalar_start = scalar & !after(scalar, before.scalar);
        // The brackets in order: nesting, matching, where objects are, where the top level is.
        let mut in_objects = 0u64;
        let mut top_level = 0u64;
        let mut brace = 0u64;
        let mut from = 0u32;
        let mut brackets = open | close;
        while brackets != 0 {
            let k = brackets.trailing_zeros();
            brackets &= brackets - 1;
            if in_object {
                in_objects |= bits_between(from, k);
            }
            if depth == 1 {
                top_level |= bits_between(from, k);
            }
            from = k;
            let at = base + k as usize;
            match *text.get(at)? {
                b @ (b'{' | b'[') if depth < MAX_DEPTH => {
                    in_object = b == b'{';
                    if in_object {
                        objects |= 1 << depth;
                        brace |= 1 << k;
                    } else {
                        objects &= !(1 << depth);
                    }
                    depth += 1;
                }
                b @ (b'}' | b']') if depth > 0 && in_object == (b == b'}') => {
                    depth -= 1;
                    if depth == 0 {
                        if at != last {
                            return None;
                        }
                        closed = true;
                    } else {
                        in_object = objects >> (depth - 1) & 1 == 1;
                    }
                }
                _ => return None,
            }
        }
        if in_object {
            in_objects |= bits_between(from, 64);
        }
        if depth == 1 {
            top_level |= bits_between(from, 64);
        }
        let object_comma = comma & in_objects;
        let bracket = open & !brace;
        // Keys: the strings after `{` or an object's comma. Adding a key's opening quote to
        // the bits inside strings carries through the string to its closing quote.
        let key_starts = opening & after(brace | object_comma, before.brace | before.object_comma);
        let (sum, carry) = inside.overflowing_add(key_starts | u64::from(key_carry));
        key_carry = carry;
        let key_end = sum & !inside & closing;
        let value_end = close | (closing & !key_end);
        let value_start = opening | open | scalar_start;
        let wrong = ((after(value_end, before.value_end)
            | (after(scalar, before.scalar) & !scalar))
            & !(comma | close))
            | (after(colon, before.colon) & !value_start)
            | (after(comma, before.comma) & !value_start)
            | (after(object_comma, before.object_comma) & !opening)
            | (after(brace, before.brace) & !(opening | close))
            | (after(bracket, before.bracket) & !(value_start | close))
            | (after(key_end, before.key_end) & !colon)
            | (colon & !after(key_end, before.key_end));
        if wrong & live != 0 {
            return None;
        }
        let mut each = scalar_start;
        while each != 0 {
            scalar_ok(text, base + each.trailing_zeros() as usize)?;
            each &= each - 1;
        }
        let mut each = comma & top_level;
        while each != 0 {
            *ends.get_mut(members)? = u32::try_from(base).ok()? + each.trailing_zeros();
            members += 1;
            each &= each - 1;
        }
        before = Before {
            value_end,
            scalar,
            colon,
            comma,
            object_comma,
            brace,
            bracket,
            key_end,
        };
        base += BLOCK;
    }
    if !closed {
        return None;
    }
    if last > 1 {
        *ends.get_mut(members)? = u32::try_from(last).ok()?;
        members += 1;
    }
    Some(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(text: &str) -> Option<Vec<u32>> {
        let mut ends = [0; MAX_MEMBERS];
        let n = object_members(text.as_bytes(), &mut ends)?;
        Some(ends.get(..n)?.to_vec())
    }

    #[test]
    fn takes_compact_objects_and_indexes_their_members() {
        assert_eq!(members("{}"), Some(vec![]));
        assert_eq!(members(r#"{"a":1}"#), Some(vec![6]));
        assert_eq!(
            members(r#"{"a":[1,{"b":2}],"c":"d,}"}"#),
            Some(vec![16, 26])
        );
        assert_eq!(members(r#"{"a":"\"","b":{}}"#), Some(vec![9, 16]));
        let long = format!(
            r#"{{"a":"{}","b":[{}],"c":null}}"#,
            "x".repeat(100),
            "1,".repeat(40) + "1"
        );
        let ends = members(&long).unwrap_or_default();
        assert_eq!(ends.len(), 3);
        for end in ends {
            assert!(matches!(
                long.as_bytes().get(end as usize),
                Some(b',' | b'}')
            ));
        }
    }

    #[test]
    fn leaves_everything_else_to_the_token_walk() {
        for text in [
            r#"{"a": 1}"#,
            r#"{"a":1} "#,
            r#"[1]"#,
            r#""a""#,
            r#"{"a":1,}"#,
            r#"{"a"}"#,
            r#"{"a":1"b":2}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":{"b"}}"#,
            r#"{"a":["b":1]}"#,
            r#"{"a":01}"#,
            r#"{"a":tru}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":1}}"#,
            r#"{"a":1}{}"#,
            r#"{"a":[}"#,
            r#"{"a":"open}"#,
            r#"{1:2}"#,
            r#"{"a"::1}"#,
            r#"{,"a":1}"#,
            "{\"a\":\"\t\"}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":1,\n\"b\":2}",
        ] {
            assert_eq!(members(text), None, "{text}");
        }
        let deep = format!(r#"{{"a":{}1{}}}"#, "[".repeat(70), "]".repeat(70));
        assert_eq!(members(&deep), None);
    }
}
