//! A lenient XML tree on top of quick-xml's event reader.

use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::files::{decode_text, warning};
use crate::{Error, ErrorKind, Warning};

/// Deepest element nesting accepted (GENIUS files nest about 6 levels); it bounds the
/// recursion of tree walks and drops on hostile input.
const MAX_DEPTH: usize = 256;

/// An element with its attributes (unescaped) and child elements; text is dropped.
#[derive(Clone, Debug)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) children: Vec<Element>,
    pub(crate) line: usize,
    pub(crate) col: usize,
}

impl Element {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn children_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub(crate) fn any_descendant(&self, f: &dyn Fn(&Element) -> bool) -> bool {
        self.children.iter().any(|c| f(c) || c.any_descendant(f))
    }

    /// A short description such as `<issue index="3" name="Duration">`.
    pub(crate) fn tag(&self) -> String {
        let mut s = format!("<{}", self.name);
        for key in ["index", "name", "value"] {
            if let Some(v) = self.attr(key) {
                let v: String = v.chars().take(60).collect();
                s.push_str(&format!(" {key}=\"{v}\""));
            }
        }
        s.push('>');
        s
    }
}

/// Whether the bytes look like XML: the first non-blank character is `<`.
pub(crate) fn looks_like_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// Byte offsets of line starts, for line and column numbers.
struct Lines {
    starts: Vec<usize>,
    /// The last position asked for and its exact column count from its line's start, so that
    /// positions asked for in increasing order on one long line cost the distance between
    /// them, not the whole line each time (a 2 MB one-line file took half a minute).
    memo: std::cell::Cell<Option<(usize, usize)>>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines {
            starts,
            memo: std::cell::Cell::new(None),
        }
    }

    fn at(&self, text: &str, pos: usize) -> (usize, usize) {
        let pos = pos.min(text.len());
        let line = self.starts.partition_point(|&s| s <= pos);
        let start = self.starts[line.saturating_sub(1)];
        let from_memo = self.memo.get().and_then(|(m, chars)| {
            (start <= m && m <= pos)
                .then(|| text.get(m..pos).map(|s| chars + s.chars().count()))
                .flatten()
        });
        let chars = match from_memo {
            Some(c) => Some(c),
            None => text.get(start..pos).map(|s| s.chars().count()),
        };
        if let Some(c) = chars {
            self.memo.set(Some((pos, c)));
        }
        (line, chars.unwrap_or(pos - start) + 1)
    }
}

/// The encoding named in an XML declaration near the start of the bytes.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(2048)];
    let start = head.windows(5).position(|w| w == b"<?xml")?;
    let end = head[start..].windows(2).position(|w| w == b"?>")? + start;
    let decl = String::from_utf8_lossy(&head[start..end]).into_owned();
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let rest = &rest[1..];
    Some(rest[..rest.find(quote)?].to_string())
}

/// Parses `bytes` into the root element, leniently; warnings say what was accepted.
pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<(Element, Vec<Warning>), Error> {
    let declared = declared_encoding(bytes);
    let (text, note) = decode_text(bytes, declared.as_deref());
    let mut b = Builder {
        path,
        lines: Lines::new(&text),
        stack: Vec::new(),
        root: None,
        skipping: 0,
        warnings: Vec::new(),
        bare_amp: None,
        glued: None,
        extra_after_root: false,
    };
    if let Some(note) = note {
        b.warnings.push(warning(path, None, note));
    }
    let mut reader = Reader::from_str(&text);
    {
        let c = reader.config_mut();
        c.allow_dangling_amp = true;
        c.allow_unmatched_ends = true;
        c.check_end_names = false;
        c.check_comments = false;
        c.expand_empty_elements = false;
        c.trim_text(false);
    }
    let mut seen_before_decl = false;
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let pos = usize::try_from(reader.error_position()).unwrap_or(0);
                let (line, col) = b.lines.at(&text, pos);
                let inside = b
                    .stack
                    .last()
                    .map(|el| format!(" inside <{}> opened on line {}", el.name, el.line))
                    .unwrap_or_default();
                return Err(Error::new(
                    ErrorKind::Syntax,
                    format!("malformed XML{inside}: {e}; expected well-formed markup"),
                )
                .with_path(path)
                .at(line, col));
            }
        };
        let (line, col) = b.lines.at(&text, start);
        match event {
            Event::Eof => break,
            Event::Decl(_) => {
                if seen_before_decl {
                    b.warnings.push(warning(
                        path,
                        Some(line),
                        "the XML declaration is not at the start of the file (comments or blank \
                         lines come first); read anyway",
                    ));
                }
                seen_before_decl = true;
            }
            Event::Text(t) => {
                let blank = t.trim_ascii().is_empty();
                if !blank || start == 0 {
                    seen_before_decl = true;
                }
                if !blank && b.stack.is_empty() && b.root.is_none() {
                    return Err(Error::new(
                        ErrorKind::Syntax,
                        "text before the first element; expected an XML document",
                    )
                    .with_path(path)
                    .at(line, col));
                }
            }
            Event::Start(e) => {
                seen_before_decl = true;
                b.open(&e, line, col, true)?;
            }
            Event::Empty(e) => {
                seen_before_decl = true;
                b.open(&e, line, col, false)?;
            }
            Event::End(e) => {
                let name = e.name().as_ref().to_string();
                b.close(&name, line);
            }
            Event::Comment(_)
            | Event::PI(_)
            | Event::DocType(_)
            | Event::CData(_)
            | Event::GeneralRef(_) => seen_before_decl = true,
        }
    }
    b.finish()
}

/// Builds the element tree from reader events.
struct Builder<'p> {
    path: &'p Path,
    lines: Lines,
    stack: Vec<Element>,
    root: Option<Element>,
    /// Depth inside an ignored element after the root.
    skipping: usize,
    warnings: Vec<Warning>,
    /// (count, first line) of bare `&` in attribute values.
    bare_amp: Option<(usize, usize)>,
    /// First line with attributes glued together.
    glued: Option<usize>,
    extra_after_root: bool,
}

impl Builder<'_> {
    fn open(
        &mut self,
        e: &BytesStart<'_>,
        line: usize,
        col: usize,
        is_start: bool,
    ) -> Result<(), Error> {
        if self.root.is_some() && self.stack.is_empty() {
            self.extra_after_root = true;
            if is_start {
                self.skipping += 1;
            }
            return Ok(());
        }
        let el = self.element(e, line, col)?;
        if is_start {
            if self.stack.len() >= MAX_DEPTH {
                return Err(Error::new(
                    ErrorKind::Syntax,
                    format!(
                        "elements nested more than {MAX_DEPTH} levels deep; GENIUS files nest \
                         a handful"
                    ),
                )
                .with_path(self.path)
                .at(line, col)
                .in_element(el.tag()));
            }
            self.stack.push(el);
        } else {
            self.attach(el);
        }
        Ok(())
    }

    fn close(&mut self, name: &str, line: usize) {
        if self.skipping > 0 {
            self.skipping -= 1;
            return;
        }
        let Some(i) = self.stack.iter().rposition(|el| el.name == name) else {
            self.warnings.push(warning(
                self.path,
                Some(line),
                format!("</{name}> closes nothing that is open; ignored"),
            ));
            return;
        };
        while self.stack.len() > i + 1 {
            if let Some(open) = self.stack.pop() {
                self.warnings.push(warning(
                    self.path,
                    Some(open.line),
                    format!(
                        "<{}> is not closed before </{name}> on line {line}; closed there",
                        open.name
                    ),
                ));
                self.attach(open);
            }
        }
        if let Some(el) = self.stack.pop() {
            self.attach(el);
        }
    }

    fn attach(&mut self, el: Element) {
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(el),
            None if self.root.is_none() => self.root = Some(el),
            None => self.extra_after_root = true,
        }
    }

    fn finish(mut self) -> Result<(Element, Vec<Warning>), Error> {
        while let Some(open) = self.stack.pop() {
            self.warnings.push(warning(
                self.path,
                Some(open.line),
                format!(
                    "<{}> is never closed (the file may be truncated); closed at the end",
                    open.name
                ),
            ));
            self.attach(open);
        }
        if self.extra_after_root {
            self.warnings.push(warning(
                self.path,
                None,
                "elements after the root element; ignored",
            ));
        }
        if let Some((n, line)) = self.bare_amp {
            self.warnings.push(warning(
                self.path,
                Some(line),
                format!(
                    "{n} bare '&' in attribute values (not part of an entity) read as a literal '&'"
                ),
            ));
        }
        if let Some(line) = self.glued {
            self.warnings.push(warning(
                self.path,
                Some(line),
                "attributes with no space between them (e.g. type=\"discrete\"vtype=\"discrete\"); \
                 read anyway",
            ));
        }
        let root = self.root.ok_or_else(|| {
            Error::new(
                ErrorKind::Syntax,
                "no XML element found; expected a GENIUS domain or profile",
            )
            .with_path(self.path)
        })?;
        Ok((root, self.warnings))
    }

    fn element(&mut self, e: &BytesStart<'_>, line: usize, col: usize) -> Result<Element, Error> {
        let name = e.name().as_ref().to_string();
        let raw: &[u8] = e.as_bytes();
        if self.glued.is_none() && has_glued_attributes(raw) {
            self.glued = Some(line);
        }
        let mut attrs: Vec<(String, String)> = Vec::new();
        for a in e.html_attributes().with_checks(false) {
            let a = a.map_err(|err| {
                Error::new(
                    ErrorKind::Syntax,
                    format!("malformed attribute in <{name}>: {err}; expected name=\"value\""),
                )
                .with_path(self.path)
                .at(line, col)
            })?;
            let key = a.key.as_ref().to_string();
            let raw_value = &a.value;
            let (value, n_bare) = unescape(raw_value);
            if n_bare > 0 {
                self.bare_amp.get_or_insert((0, line)).0 += n_bare;
            }
            if let Some(slot) = attrs.iter_mut().find(|(k, _)| *k == key) {
                self.warnings.push(warning(
                    self.path,
                    Some(line),
                    format!("attribute {key} appears twice in <{name}>; the last one is used"),
                ));
                slot.1 = value;
            } else {
                attrs.push((key, value));
            }
        }
        Ok(Element {
            name,
            attrs,
            children: Vec::new(),
            line,
            col,
        })
    }
}

/// Whether a quoted attribute value is directly followed by another attribute name.
fn has_glued_attributes(raw: &[u8]) -> bool {
    let mut quote: Option<u8> = None;
    for (i, &b) in raw.iter().enumerate() {
        match quote {
            Some(q) if b == q => {
                quote = None;
                if raw
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_')
                {
                    return true;
                }
            }
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None => {}
        }
    }
    false
}

/// Replaces entities in an attribute value; a `&` that starts no known entity stays a
/// literal `&`. Returns the value and how many such bare `&` there were.
pub(crate) fn unescape(raw: &str) -> (String, usize) {
    if !raw.contains('&') {
        return (raw.to_string(), 0);
    }
    let mut out = String::with_capacity(raw.len());
    let mut bare = 0;
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let entity = rest[1..]
            .find(';')
            .filter(|&n| n <= 12)
            .map(|n| &rest[1..n + 1]);
        let decoded = entity.and_then(|ent| match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let code =
                    if let Some(h) = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")) {
                        u32::from_str_radix(h, 16).ok()
                    } else {
                        ent.strip_prefix('#').and_then(|d| d.parse::<u32>().ok())
                    };
                code.and_then(char::from_u32)
            }
        });
        match (decoded, entity) {
            (Some(c), Some(ent)) => {
                out.push(c);
                rest = &rest[ent.len() + 2..];
            }
            _ => {
                out.push('&');
                bare += 1;
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    (out, bare)
}

#[cfg(test)]
mod tests {
    /// Line and column with the memo are those counted from the line's start, for positions
    /// asked for in any order (on char boundaries or not).
    #[test]
    fn line_and_column_with_the_memo_are_counted_from_the_line_start() {
        let text = "ab\u{e9}c<x a=\"\u{20ac}\"/>\n\n  <y>\u{e9}\u{e9}</y>\nlast line";
        let naive = |pos: usize| {
            let pos = pos.min(text.len());
            let start = text.as_bytes()[..pos]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let line = text.as_bytes()[..pos]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            let col = text
                .get(start..pos)
                .map_or(pos - start, |s| s.chars().count())
                + 1;
            (line, col)
        };
        let lines = Lines::new(text);
        let mut order: Vec<usize> = (0..=text.len() + 2).collect();
        let back: Vec<usize> = order.iter().rev().copied().collect();
        let mixed: Vec<usize> = order.iter().map(|&p| (p * 7) % (text.len() + 3)).collect();
        order.extend(back);
        order.extend(mixed);
        for pos in order {
            assert_eq!(lines.at(text, pos), naive(pos), "at {pos}");
        }
    }

    use super::*;

    #[test]
    fn unescape_keeps_bare_ampersands() {
        assert_eq!(
            unescape("a & b &amp; c &#38; &lt;"),
            ("a & b & c & <".to_string(), 1)
        );
        assert_eq!(unescape("x &nbsp; y"), ("x &nbsp; y".to_string(), 1));
        assert_eq!(unescape("&"), ("&".to_string(), 1));
    }

    #[test]
    fn glued_attributes_are_read_with_a_warning() {
        let (root, w) = parse(Path::new("t.xml"), br#"<a x="1"y="2"><b/></a>"#).unwrap();
        assert_eq!(root.attr("y"), Some("2"));
        assert_eq!(root.children.len(), 1);
        assert!(w.iter().any(|w| w.message.contains("no space")), "{w:?}");
    }

    #[test]
    fn comment_before_declaration_is_accepted() {
        let (root, w) = parse(
            Path::new("t.xml"),
            b"\n<!-- c -->\n<?xml version=\"1.0\"?>\n<a/>",
        )
        .unwrap();
        assert_eq!(root.name, "a");
        assert!(w.iter().any(|w| w.message.contains("declaration")), "{w:?}");
    }

    #[test]
    fn unclosed_elements_are_closed_with_a_warning() {
        let (root, w) = parse(Path::new("t.xml"), b"<a><b><c/></a>").unwrap();
        assert_eq!(root.children[0].name, "b");
        assert_eq!(root.children[0].children[0].name, "c");
        assert!(
            w.iter().any(|w| w.message.contains("<b> is not closed")),
            "{w:?}"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = "<a>".repeat(100_000);
        let e = parse(Path::new("t.xml"), text.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("nested more than 256 levels"), "{e}");
    }

    #[test]
    fn plain_text_is_not_xml() {
        let e = parse(Path::new("pareto.xml"), b"0.5, 0.7\n0.6, 0.6\n").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Syntax);
        assert!(!looks_like_xml(b"0.5, 0.7"));
    }
}
