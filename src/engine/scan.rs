//! A validating JSON scanner for event text that finds value boundaries without building
//! values (strings are skipped sixteen bytes at a time), so the common event shape never goes through
//! serde_json. It is strict: whatever it is unsure about (escaped keys, lone surrogates, control
//! characters, deep nesting, invalid JSON) makes it give up with `None`, and the caller falls
//! back to serde_json, which then gives the exact answer or error message. So whenever it
//! accepts text, serde_json accepts it too.

mod blocks;
mod compact;

pub(crate) use compact::{MAX_MEMBERS, object_members};

/// serde_json's recursion limit is 128; give up well before it.
const MAX_DEPTH: usize = 60;

/// JSON's whitespace (not `is_ascii_whitespace`, which also has form feed).
pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// `text` without JSON whitespace at either end.
pub(crate) fn trim(text: &[u8]) -> &[u8] {
    let start = text.iter().position(|&b| !is_ws(b)).unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|&b| !is_ws(b))
        .map_or(start, |e| e + 1);
    text.get(start..end).unwrap_or_default()
}

/// Whether `text` holds no byte below 0x20 (a control character: invalid inside a JSON string,
/// and whitespace the scanner does not expect inside a line). Chunked so it vectorises.
pub(crate) fn no_control(text: &[u8]) -> bool {
    text.chunks(64)
        .all(|chunk| chunk.iter().fold(0u8, |acc, &b| acc | u8::from(b < 0x20)) == 0)
}

/// A position in one JSON text.
pub(crate) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    /// The text is known to be valid JSON (see [`Cursor::trusted`]): values are skipped by
    /// finding their end, not checked.
    trusted: bool,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor {
            text,
            pos: 0,
            trusted: false,
        }
    }

    /// A cursor over `text` that is known to be one valid JSON value: a member of an event
    /// this scanner accepted (it validated the whole line) or that serde_json read as a raw
    /// value (which it validates too). [`Cursor::value`] then skips what it does not read by
    /// finding its end only ([`skip_valid`]), which is exact on valid JSON; the readers still
    /// check every shape they read.
    pub(crate) fn trusted(text: &'a str) -> Self {
        Cursor {
            text,
            pos: 0,
            trusted: true,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    /// Skips JSON whitespace.
    pub(crate) fn ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    /// Consumes `b`, or fails.
    pub(crate) fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.pos += 1)
    }

    /// Consumes `b` if it is next.
    pub(crate) fn eat_if(&mut self, b: u8) -> bool {
        self.eat(b).is_some()
    }

    /// The next byte, consumed.
    pub(crate) fn next_byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// The position of the first `"` or `\\` at or after `from` ([`quote_or_escape`]).
    #[inline]
    fn find_quote_or_escape(&self, from: usize) -> Option<usize> {
        quote_or_escape(self.bytes(), from)
    }

    /// A string: its text between the quotes (escapes left as written) and whether it has
    /// escapes. Control characters are not checked here (see [`no_control`]).
    #[inline]
    pub(crate) fn string(&mut self) -> Option<(&'a str, bool)> {
        self.eat(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            self.pos = self.find_quote_or_escape(self.pos)?;
            if self.next_byte()? == b'"' {
                let inner = self.text.get(start..self.pos - 1)?;
                return Some((inner, escaped));
            }
            escaped = true;
            self.escape()?;
        }
    }

    /// The rest of an escape sequence after its backslash; lone surrogates give up.
    #[cold]
    fn escape(&mut self) -> Option<()> {
        {
            match self.next_byte()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                b'u' => {
                    let hex = self.text.get(self.pos..self.pos + 4)?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    let unit = u16::from_str_radix(hex, 16).ok()?;
                    if (0xD800..0xE000).contains(&unit) {
                        return None;
                    }
                    self.pos += 4;
                }
                _ => return None,
            }
        }
        Some(())
    }

    /// Skips one value, validating it (unless the text is [trusted](Cursor::trusted)), and
    /// returns its text.
    pub(crate) fn value(&mut self, depth: usize) -> Option<&'a str> {
        let start = self.pos;
        if self.trusted {
            self.pos = skip_valid(self.bytes(), start)?;
        } else {
            self.skip(depth)?;
        }
        self.text.get(start..self.pos)
    }

    /// Skips one value, validating it ([`skip_checked`]).
    fn skip(&mut self, depth: usize) -> Option<()> {
        self.pos = skip_checked(self.bytes(), self.pos, MAX_DEPTH.saturating_sub(depth))?;
        Some(())
    }
}

/// The position of the first `"` or `\\` at or after `from`: sixteen bytes at a time with one
/// vector compare each (a string's text is most of an event's bytes, and most strings of an
/// event are shorter than sixteen bytes, so one test usually finds the end), the tail with
/// memchr. The one search every string scan here uses.
#[inline(always)]
fn quote_or_escape(bytes: &[u8], mut i: usize) -> Option<usize> {
    while let Some(chunk) = bytes.get(i..i + 16) {
        let mut lane = [0u8; 16];
        lane.copy_from_slice(chunk);
        let v = wide::u8x16::new(lane);
        let hits = (v.simd_eq(wide::u8x16::splat(b'"')) | v.simd_eq(wide::u8x16::splat(b'\\')))
            .to_bitmask();
        if hits != 0 {
            return Some(i + hits.trailing_zeros() as usize);
        }
        i += 16;
    }
    Some(i + memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?)
}

/// The end of the string whose opening quote is before `from`, in valid JSON: after its
/// closing quote. Sixteen bytes at a time, as [`Cursor::string`].
#[inline]
fn string_end_valid(bytes: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let at = quote_or_escape(bytes, i)?;
        if *bytes.get(at)? == b'"' {
            return Some(at + 1);
        }
        // An escape: whatever follows the backslash (`\uXXXX` holds no quote) is skipped.
        i = at + 2;
    }
}

/// The end of the value at `i` in text known to be valid JSON, found without checking it:
/// a string by its closing quote, a container by counting brackets outside strings, 64 bytes
/// at a time ([`blocks::container_end`]).
pub(crate) fn skip_valid(bytes: &[u8], i: usize) -> Option<usize> {
    match *bytes.get(i)? {
        b'"' => string_end_valid(bytes, i + 1),
        b'{' | b'[' => blocks::container_end(bytes, i),
        _ => {
            // A number or literal: up to the next delimiter.
            let rest = bytes.get(i..)?;
            let len = rest
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']') || is_ws(b))
                .unwrap_or(rest.len());
            Some(i + len)
        }
    }
}

/// Position after JSON whitespace at `i`.
#[inline(always)]
fn ws_at(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|&b| is_ws(b)) {
        i += 1;
    }
    i
}

/// The end of the string whose opening quote is before `i`, validating its escapes (lone
/// surrogates give up, as [`Cursor::string`]); control characters are checked per line
/// ([`no_control`]). Always inlined: strings are most of the tokens of an event.
#[inline(always)]
fn string_end_checked(bytes: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let at = quote_or_escape(bytes, i)?;
        if *bytes.get(at)? == b'"' {
            return Some(at + 1);
        }
        i = escape_end(bytes, at + 1)?;
    }
}

/// The end of an escape sequence whose backslash is before `i`.
#[cold]
fn escape_end(bytes: &[u8], i: usize) -> Option<usize> {
    match *bytes.get(i)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 1),
        b'u' => {
            let hex = bytes.get(i + 1..i + 5)?;
            let mut unit = 0u16;
            for &b in hex {
                unit = unit * 16 + u16::from(char::from(b).to_digit(16)? as u8);
            }
            (!(0xD800..0xE000).contains(&unit)).then_some(i + 5)
        }
        _ => None,
    }
}

/// The end of an object member's key and colon at `i`, with the whitespace around them.
#[inline(always)]
fn key_end(bytes: &[u8], i: usize) -> Option<usize> {
    let i = ws_at(bytes, i);
    if *bytes.get(i)? != b'"' {
        return None;
    }
    let i = ws_at(bytes, string_end_checked(bytes, i + 1)?);
    if *bytes.get(i)? != b':' {
        return None;
    }
    Some(ws_at(bytes, i + 1))
}

/// The end of the literal `word` at `i`.
#[inline(always)]
fn literal_end(bytes: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let end = i + word.len();
    (bytes.get(i..end)? == word).then_some(end)
}

/// The end of the digits at `i`.
#[inline(always)]
fn digits_end(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// The end of the number at `i`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, with no
/// digit right after it (`01` is serde_json's error).
#[inline]
fn number_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits_end(bytes, i + 1),
        _ => return None,
    }
    if bytes.get(i) == Some(&b'.') {
        let end = digits_end(bytes, i + 1);
        if end == i + 1 {
            return None;
        }
        i = end;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits_end(bytes, i);
        if end == i {
            return None;
        }
        i = end;
    }
    (!bytes.get(i).is_some_and(u8::is_ascii_digit)).then_some(i)
}

/// The end of the value at `i`, validating it as serde_json would (nesting deeper than `limit`
/// gives up), without recursion: `objects` has bit `d` set when the container at nesting `d`
/// is an object. Free of the cursor so that the position stays in a register.
pub(crate) fn skip_checked(bytes: &[u8], mut i: usize, limit: usize) -> Option<usize> {
    let mut objects = 0u64;
    let mut open = 0usize;
    loop {
        // A value.
        match *bytes.get(i)? {
            b'"' => i = string_end_checked(bytes, i + 1)?,
            b @ (b'{' | b'[') => {
                i = ws_at(bytes, i + 1);
                let close = if b == b'{' { b'}' } else { b']' };
                if bytes.get(i) == Some(&close) {
                    i += 1;
                } else {
                    if open >= limit {
                        return None;
                    }
                    if b == b'{' {
                        objects |= 1 << open;
                        open += 1;
                        i = key_end(bytes, i)?;
                    } else {
                        objects &= !(1 << open);
                        open += 1;
                    }
                    continue;
                }
            }
            b't' => i = literal_end(bytes, i, b"true")?,
            b'f' => i = literal_end(bytes, i, b"false")?,
            b'n' => i = literal_end(bytes, i, b"null")?,
            b'-' | b'0'..=b'9' => i = number_end(bytes, i)?,
            _ => return None,
        }
        // After a value: close containers until one continues.
        loop {
            let Some(inner) = open.checked_sub(1) else {
                return Some(i);
            };
            let in_object = objects & (1 << inner) != 0;
            i = ws_at(bytes, i);
            let b = *bytes.get(i)?;
            i += 1;
            match b {
                b',' => {
                    i = if in_object {
                        key_end(bytes, i)?
                    } else {
                        ws_at(bytes, i)
                    };
                    break;
                }
                b'}' if in_object => open = inner,
                b']' if !in_object => open = inner,
                _ => return None,
            }
        }
    }
}

/// Walks the members of the object `text` (one JSON value, whitespace around allowed), calling
/// `member(key, raw value)` for each; `member` returning `None` gives up. Keys with escapes
/// give up too.
pub(crate) fn members<'a>(
    text: &'a str,
    mut member: impl FnMut(&'a str, &'a str) -> Option<()>,
) -> Option<()> {
    let mut c = Cursor::new(text);
    c.ws();
    c.eat(b'{')?;
    c.ws();
    if !c.eat_if(b'}') {
        loop {
            c.ws();
            let (key, escaped) = c.string()?;
            if escaped {
                return None;
            }
            c.ws();
            c.eat(b':')?;
            c.ws();
            let raw = c.value(1)?;
            member(key, raw)?;
            c.ws();
            match c.next_byte()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
    }
    c.ws();
    c.at_end().then_some(())
}

/// Walks the members of the object `text` as [`members`] does, in text that
/// [`object_members`] validated, with `ends` the end of each member it found: each key is read
/// (keys with escapes give up), each value is the text up to its end, and nothing is checked
/// or skipped again.
pub(crate) fn indexed_members<'a>(
    text: &'a str,
    ends: &[u32],
    mut member: impl FnMut(&'a str, &'a str) -> Option<()>,
) -> Option<()> {
    let bytes = text.as_bytes();
    // After the opening brace, then after each member's comma.
    let mut start = 1;
    for &end in ends {
        let end = end as usize;
        let quote = quote_or_escape(bytes, start + 1)?;
        if *bytes.get(quote)? != b'"' {
            return None;
        }
        member(text.get(start + 1..quote)?, text.get(quote + 2..end)?)?;
        start = end + 1;
    }
    Some(())
}

/// Walks the object at `c` (whitespace before it allowed), calling `member(key, c)` with the
/// cursor at each member's value, which `member` must consume whole (descending into it or
/// skipping it with [`Cursor::value`]); `member` returning `None` gives up, and so do keys with
/// escapes. Unlike [`members`], a value is walked once, by whoever reads it.
pub(crate) fn object<'a>(
    c: &mut Cursor<'a>,
    mut member: impl FnMut(&'a str, &mut Cursor<'a>) -> Option<()>,
) -> Option<()> {
    c.ws();
    c.eat(b'{')?;
    c.ws();
    if c.eat_if(b'}') {
        return Some(());
    }
    loop {
        c.ws();
        let (key, escaped) = c.string()?;
        if escaped {
            return None;
        }
        c.ws();
        c.eat(b':')?;
        c.ws();
        member(key, c)?;
        c.ws();
        match c.next_byte()? {
            b',' => {}
            b'}' => return Some(()),
            _ => return None,
        }
    }
}

/// Walks the array at `c` (whitespace before it allowed), calling `element(c)` with the cursor
/// at each element, which `element` must consume whole.
pub(crate) fn array<'a>(
    c: &mut Cursor<'a>,
    mut element: impl FnMut(&mut Cursor<'a>) -> Option<()>,
) -> Option<()> {
    c.ws();
    c.eat(b'[')?;
    c.ws();
    if c.eat_if(b']') {
        return Some(());
    }
    loop {
        c.ws();
        element(c)?;
        c.ws();
        match c.next_byte()? {
            b',' => {}
            b']' => return Some(()),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(text: &str) -> bool {
        let mut c = Cursor::new(text);
        c.ws();
        c.value(0).is_some() && {
            c.ws();
            c.at_end()
        }
    }

    #[test]
    fn accepts_only_what_serde_json_accepts() {
        let cases = [
            r#"{"a":[1,-2.5e+3,0,true,false,null,"x\"y\u00e9"],"b":{}}"#,
            r#" [ ] "#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12G4"}"#,
            r#"{"a":"\u+123"}"#,
            r#"{"a":tru}"#,
            r#"{"a":nulll}"#,
            r#"{"a":"open}"#,
            r#"{"a":1}}"#,
            r#"{1:2}"#,
            "",
            "{",
        ];
        for case in cases {
            let serde_ok = serde_json::from_str::<serde::de::IgnoredAny>(case).is_ok();
            if valid(case) {
                assert!(serde_ok, "scanner accepted what serde_json rejects: {case}");
            }
            if serde_ok {
                assert!(valid(case), "scanner rejected valid JSON: {case}");
            }
        }
    }

    #[test]
    fn gives_up_on_surrogates_and_deep_nesting() {
        assert!(!valid(r#""\ud83d\ude00""#));
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(!valid(&deep));
    }

    #[test]
    fn members_are_raw_slices() {
        let mut seen = Vec::new();
        let text = r#" { "a" : [1, {"b":2}] ,"c":"d\n"} "#;
        assert!(
            members(text, |k, v| {
                seen.push((k, v));
                Some(())
            })
            .is_some()
        );
        assert_eq!(seen, vec![("a", r#"[1, {"b":2}]"#), ("c", r#""d\n""#)]);
        assert!(members(r#"{"a":1} x"#, |_, _| Some(())).is_none());
        assert!(members(r#"{"\u0061":1}"#, |_, _| Some(())).is_none());
        assert!(members("[1]", |_, _| Some(())).is_none());
    }

    #[test]
    fn control_characters_are_found() {
        assert!(no_control(br#"{"a":"b"}"#));
        assert!(!no_control(b"{\"a\":\"\tb\"}"));
        assert_eq!(trim(b" \r\n{}\n"), b"{}");
        assert_eq!(trim(b" \n"), b"");
    }
}
