//! JSON paths and their places in a document's text.
//!
//! serde reads values without positions, so a path such as `dataverse.users[3].business_unit`
//! is mapped back to a line and column by scanning the text once: a small reader that knows
//! JSON's grammar and records where each member and element begins. It never fails loudly: text
//! that is not JSON yields what was read before the fault.

use std::fmt::Write as _;

/// A line and column in a text, both 1-based; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
}

/// The places of every value of a JSON text, by path.
///
/// Paths are written as the build's diagnostics write them: keys joined by `.`, array indices
/// in brackets, and keys that are not plain words (letters, digits, `_`, `-`) quoted in
/// brackets: `dataverse.roles[0].privileges.account["Read | Write"]`.
///
/// ```
/// use accessgate::diagnostics::{JsonLocator, Position};
///
/// let text = "{\n  \"users\": [\n    {\"id\": \"alice\"},\n    {\"id\": \"bob\"}\n  ]\n}";
/// let locator = JsonLocator::new(text);
/// assert_eq!(locator.position("users[1].id"), Some(Position { line: 4, column: 6 }));
/// assert_eq!(locator.path_at(Position { line: 4, column: 9 }), Some("users[1].id"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct JsonLocator {
    /// Each value's path and the byte offset of its key (members) or of the value (elements),
    /// in text order.
    entries: Vec<(String, usize)>,
    /// Byte offsets at which lines start.
    line_starts: Vec<usize>,
    /// The text's characters' byte offsets are needed for columns, so the text is kept.
    text: String,
}

/// Appends a key to a path.
pub(crate) fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (plain, path.is_empty()) {
        (true, true) => path.push_str(key),
        (true, false) => {
            path.push('.');
            path.push_str(key);
        }
        (false, _) => {
            path.push_str("[\"");
            for c in key.chars() {
                match c {
                    '"' => path.push_str("\\\""),
                    '\\' => path.push_str("\\\\"),
                    c => path.push(c),
                }
            }
            path.push_str("\"]");
        }
    }
}

/// Appends an array index to a path.
pub(crate) fn push_index(path: &mut String, index: usize) {
    let _ = write!(path, "[{index}]");
}

/// `path` followed by key `key`.
pub(crate) fn key(path: &str, key: &str) -> String {
    let mut p = path.to_owned();
    push_key(&mut p, key);
    p
}

/// `path` followed by index `index`.
pub(crate) fn index(path: &str, index: usize) -> String {
    let mut p = path.to_owned();
    push_index(&mut p, index);
    p
}

impl JsonLocator {
    /// Scans `text`. Text that is not JSON is read up to its first fault.
    pub fn new(text: &str) -> Self {
        let mut reader = Reader {
            bytes: text.as_bytes(),
            at: 0,
            entries: Vec::new(),
            depth: 0,
        };
        reader.value(&mut String::new(), 0);
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        JsonLocator {
            entries: reader.entries,
            line_starts,
            text: text.to_owned(),
        }
    }

    /// Where the value at `path` begins: its key for an object member, the value itself for an
    /// array element. When the path is not in the text, the place of its longest prefix that
    /// is; `None` when not even the first step is.
    pub fn position(&self, path: &str) -> Option<Position> {
        let mut path = path;
        loop {
            if let Some((_, offset)) = self.entries.iter().find(|(p, _)| p == path) {
                return Some(self.position_of(*offset));
            }
            path = parent(path)?;
        }
    }

    /// The path of the last value that begins at or before `position`: for serde's "unknown
    /// field" error, the misspelt member.
    pub fn path_at(&self, position: Position) -> Option<&str> {
        let line_start = *self.line_starts.get(position.line.checked_sub(1)?)?;
        let line = self.text.get(line_start..)?;
        let offset = line_start
            + line
                .char_indices()
                .nth(position.column.saturating_sub(1))
                .map_or(line.len(), |(i, _)| i);
        self.entries
            .iter()
            .filter(|(_, o)| *o <= offset)
            .max_by_key(|(_, o)| *o)
            .map(|(p, _)| p.as_str())
    }

    fn position_of(&self, offset: usize) -> Position {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Position { line, column }
    }
}

/// `path` without its last step, `None` for a single step.
fn parent(path: &str) -> Option<&str> {
    let cut = if path.ends_with(']') {
        // An index or a quoted key: cut at the `[` that opens it.
        let bytes = path.as_bytes();
        let mut i = path.len().checked_sub(1)?;
        let mut in_quotes = false;
        loop {
            let b = *bytes.get(i)?;
            match b {
                b'"' if i == 0 || bytes.get(i - 1) != Some(&b'\\') => in_quotes = !in_quotes,
                b'[' if !in_quotes => break i,
                _ => {}
            }
            i = i.checked_sub(1)?;
        }
    } else {
        path.rfind(['.', '['])?
    };
    (cut > 0).then(|| path.get(..cut)).flatten()
}

/// Nesting deeper than this is not followed (the reader recurses).
const MAX_DEPTH: usize = 128;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    entries: Vec<(String, usize)>,
    depth: usize,
}

impl Reader<'_> {
    fn skip_space(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Reads one value, recording `path` at `start`; false on a fault.
    fn value(&mut self, path: &mut String, start: usize) -> bool {
        self.skip_space();
        if !path.is_empty() {
            self.entries.push((path.clone(), start));
        }
        match self.bytes.get(self.at) {
            Some(b'{') if self.depth < MAX_DEPTH => {
                self.depth += 1;
                let ok = self.object(path);
                self.depth -= 1;
                ok
            }
            Some(b'[') if self.depth < MAX_DEPTH => {
                self.depth += 1;
                let ok = self.array(path);
                self.depth -= 1;
                ok
            }
            Some(b'"') => self.string().is_some(),
            Some(_) => {
                let start = self.at;
                while matches!(self.bytes.get(self.at),
                    Some(b) if !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                {
                    self.at += 1;
                }
                // A scalar is at least one byte: anything else is a fault, not a loop.
                self.at > start
            }
            None => false,
        }
    }

    fn object(&mut self, path: &mut String) -> bool {
        self.at += 1;
        loop {
            self.skip_space();
            match self.bytes.get(self.at) {
                Some(b'}') => {
                    self.at += 1;
                    return true;
                }
                Some(b',') => self.at += 1,
                Some(b'"') => {
                    let key_start = self.at;
                    let Some(key) = self.string() else {
                        return false;
                    };
                    self.skip_space();
                    if self.bytes.get(self.at) != Some(&b':') {
                        return false;
                    }
                    self.at += 1;
                    let len = path.len();
                    push_key(path, &key);
                    let ok = self.value(path, key_start);
                    path.truncate(len);
                    if !ok {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }

    fn array(&mut self, path: &mut String) -> bool {
        self.at += 1;
        let mut i = 0;
        loop {
            self.skip_space();
            match self.bytes.get(self.at) {
                Some(b']') => {
                    self.at += 1;
                    return true;
                }
                Some(b',') => self.at += 1,
                Some(_) => {
                    let len = path.len();
                    push_index(path, i);
                    let start = self.at;
                    let ok = self.value(path, start);
                    path.truncate(len);
                    i += 1;
                    if !ok {
                        return false;
                    }
                }
                None => return false,
            }
        }
    }

    /// Reads a string literal, decoding its escapes.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let b = *self.bytes.get(self.at)?;
            self.at += 1;
            match b {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.bytes.get(self.at)?;
                    self.at += 1;
                    let c = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => self.unicode_escape()?,
                        other => char::from(other),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                b => out.push(b),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        self.at += 4;
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    }

    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if (0xD800..0xDC00).contains(&high) && self.bytes.get(self.at..self.at + 2) == Some(b"\\u")
        {
            self.at += 2;
            let low = self.hex4()?;
            let c = 0x10000 + ((high - 0xD800) << 10) + (low.checked_sub(0xDC00)? & 0x3FF);
            return char::from_u32(c);
        }
        Some(char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys that are not words are quoted, and their escapes are decoded first.
    #[test]
    fn odd_keys_are_quoted() {
        let text =
            r#"{"roles": [{"privileges": {"account": {"Read | Write": "User", "a\"b": 1}}}]}"#;
        let l = JsonLocator::new(text);
        let at = text.find("\"Read").map(|i| i + 1);
        assert_eq!(
            l.position(r#"roles[0].privileges.account["Read | Write"]"#)
                .map(|p| p.column),
            at
        );
        assert!(l
            .position(r#"roles[0].privileges.account["a\"b"]"#)
            .is_some());
    }

    /// A path not in the text falls back to its longest prefix that is.
    #[test]
    fn missing_path_falls_back_to_prefix() {
        let text = "{\"users\": [\n{\"id\": \"a\"}]}";
        let l = JsonLocator::new(text);
        assert_eq!(
            l.position("users[0].business_unit"),
            Some(Position { line: 2, column: 1 })
        );
        assert_eq!(l.position("teams[0]"), None);
        assert_eq!(parent(r#"a.b["x.y"]"#), Some("a.b"));
        assert_eq!(parent("a[3]"), Some("a"));
        assert_eq!(parent("a"), None);
    }

    /// Broken or hostile text neither panics nor recurses without bound.
    #[test]
    fn broken_text_is_read_up_to_the_fault() {
        for text in [
            "",
            "{",
            "{\"a\": [1, 2",
            "\"\\u12",
            "{\"a\" 1}",
            "[[[[[[",
            "{\"a\": [}",
            "[,,}",
        ] {
            let _ = JsonLocator::new(text).position("a");
        }
        let deep = "[".repeat(100_000);
        assert_eq!(
            JsonLocator::new(&deep).position("[0]"),
            Some(Position { line: 1, column: 2 })
        );
    }
}
