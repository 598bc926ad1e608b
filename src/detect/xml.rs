//! The XML manifests probes read (pom.xml, `*.csproj`): element paths answered from a small
//! strict reader, with roxmltree for everything outside its subset.
//!
//! Probes ask a few element paths of a manifest (`project/artifactId`, `Project@Sdk`), and a
//! full roxmltree [`Document`](roxmltree::Document) was most of java-maven's detection cost.
//! [`read`] walks the tags once and keeps only what the lookups need: each element's local
//! name, element children, attributes and first text child, as byte ranges of the text. It
//! accepts a plain subset of XML (an XML declaration, elements, attributes, namespace
//! declarations, comments, CDATA sections, the five predefined entities and character
//! references, ASCII names) and checks it as roxmltree does; anything else (a DTD, a processing
//! instruction, a non-ASCII name, an odd namespace declaration, two attributes of one local
//! name...) is "unsure" and [`Document::parse`] hands the text to roxmltree, which then
//! decides. So a text [`read`] accepts is one roxmltree accepts, with the same answers; a text
//! roxmltree rejects is rejected here too.

use std::borrow::Cow;

/// A parsed XML manifest: the fast reading when [`read`] was sure of the text, else roxmltree's.
pub(crate) enum Document<'t> {
    Fast(Elements<'t>),
    Full(roxmltree::Document<'t>),
}

impl<'t> Document<'t> {
    /// `None` when the text is not well-formed XML (as roxmltree reads it).
    pub(crate) fn parse(text: &'t str) -> Option<Self> {
        match read(text) {
            Some(elements) => Some(Self::Fast(elements)),
            None => roxmltree::Document::parse(text).ok().map(Self::Full),
        }
    }

    /// `Project/PropertyGroup/AssemblyName` or `Project@Sdk`: local names, case-insensitive, the
    /// first step naming the root; the first non-empty match in document order wins. A step may
    /// test a child: `parent[artifactId=spring-boot-starter-parent]`.
    pub(crate) fn lookup(&self, path: &str) -> Option<String> {
        match self {
            Self::Fast(doc) => lookup(doc.root(), path),
            Self::Full(doc) => lookup(doc.root_element(), path),
        }
    }

    /// The child elements of the element at `path` (as for [`Self::lookup`], the first match):
    /// each child's local name and trimmed text.
    pub(crate) fn children(&self, path: &str) -> Vec<(String, String)> {
        match self {
            Self::Fast(doc) => children(doc.root(), path),
            Self::Full(doc) => children(doc.root_element(), path),
        }
    }

    /// The trimmed, non-empty texts of every element along `path` (plain local names,
    /// case-insensitive, the first naming the root), in document order: `project/modules/module`.
    pub(crate) fn all(&self, path: &str) -> Vec<String> {
        match self {
            Self::Fast(doc) => all(doc.root(), path),
            Self::Full(doc) => all(doc.root_element(), path),
        }
    }
}

/// What the lookups need of an element, from either reading.
pub(crate) trait XmlNode: Copy {
    /// The local name (without a namespace prefix).
    fn local_name(&self) -> &str;
    /// The child elements, in document order.
    fn element_children(&self) -> impl Iterator<Item = Self>;
    /// The first child node when it is text (roxmltree's `Node::text`).
    fn text(&self) -> Option<Cow<'_, str>>;
    /// The value of the first attribute of that local name, whatever its namespace
    /// (roxmltree's `Node::attribute` with a plain name).
    fn attribute(&self, name: &str) -> Option<Cow<'_, str>>;
}

impl XmlNode for roxmltree::Node<'_, '_> {
    fn local_name(&self) -> &str {
        self.tag_name().name()
    }

    fn element_children(&self) -> impl Iterator<Item = Self> {
        self.children().filter(roxmltree::Node::is_element)
    }

    fn text(&self) -> Option<Cow<'_, str>> {
        roxmltree::Node::text(self).map(Cow::Borrowed)
    }

    fn attribute(&self, name: &str) -> Option<Cow<'_, str>> {
        roxmltree::Node::attribute(self, name).map(Cow::Borrowed)
    }
}

/// The steps of an element path after its first, which must name `root` (case-insensitive):
/// `None` when it does not.
fn steps_below_root<'p, N: XmlNode>(
    root: &N,
    path: &'p str,
) -> Option<impl Iterator<Item = &'p str> + Clone> {
    let mut steps = path.split('/').filter(|s| !s.is_empty());
    steps
        .next()
        .is_some_and(|s| s.eq_ignore_ascii_case(root.local_name()))
        .then_some(steps)
}

/// See [`Document::lookup`]; `root` is the root element.
fn lookup<N: XmlNode>(root: N, path: &str) -> Option<String> {
    let (elements, attribute) = match path.split_once('@') {
        Some((e, a)) => (e, Some(a)),
        None => (path, None),
    };
    let steps = steps_below_root(&root, elements)?;
    find(root, steps, attribute)
}

/// The first non-empty value under `node` along `steps`, the matching elements visited depth
/// first: the order of the level-by-level lists a lookup would build (children of the first
/// match before those of the second), without building them.
fn find<'s, N: XmlNode>(
    node: N,
    mut steps: impl Iterator<Item = &'s str> + Clone,
    attribute: Option<&str>,
) -> Option<String> {
    let Some(step) = steps.next() else {
        let v = match attribute {
            Some(a) => node.attribute(a),
            None => node.text(),
        };
        return v
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string);
    };
    // `dependency[artifactId=spring-boot-dependencies]`: only elements with a child of that
    // name and text.
    let (name, filter) = match step.strip_suffix(']').and_then(|s| s.split_once('[')) {
        Some((name, test)) => (name, test.split_once('=')),
        None => (step, None),
    };
    node.element_children()
        .filter(|c| c.local_name().eq_ignore_ascii_case(name))
        .filter(|c| {
            filter.is_none_or(|(child, value)| {
                c.element_children().any(|g| {
                    g.local_name().eq_ignore_ascii_case(child)
                        && g.text().as_deref().map(str::trim) == Some(value)
                })
            })
        })
        .find_map(|c| find(c, steps.clone(), attribute))
}

/// See [`Document::children`]; `root` is the root element.
fn children<N: XmlNode>(root: N, path: &str) -> Vec<(String, String)> {
    let Some(steps) = steps_below_root(&root, path) else {
        return Vec::new();
    };
    let mut node = root;
    for step in steps {
        let Some(child) = node
            .element_children()
            .find(|c| c.local_name().eq_ignore_ascii_case(step))
        else {
            return Vec::new();
        };
        node = child;
    }
    node.element_children()
        .map(|c| {
            let text = c.text().as_deref().unwrap_or("").trim().to_string();
            (c.local_name().to_string(), text)
        })
        .collect()
}

/// See [`Document::all`]; `root` is the root element.
fn all<N: XmlNode>(root: N, path: &str) -> Vec<String> {
    let Some(steps) = steps_below_root(&root, path) else {
        return Vec::new();
    };
    let mut nodes = vec![root];
    for step in steps {
        nodes = nodes
            .iter()
            .flat_map(|n| n.element_children())
            .filter(|c| c.local_name().eq_ignore_ascii_case(step))
            .collect();
    }
    nodes
        .iter()
        .filter_map(|n| n.text())
        .filter_map(|t| {
            let t = t.trim();
            (!t.is_empty()).then(|| t.to_string())
        })
        .collect()
}

/// No element (an index or offset that is not there).
const NONE: u32 = u32::MAX;

/// A byte range of the text.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn new(start: usize, end: usize) -> Self {
        // `read` takes texts shorter than `u32::MAX` bytes only.
        Self {
            start: start as u32,
            end: end as u32,
        }
    }
}

#[derive(Debug)]
struct Element {
    /// The local name.
    name: Span,
    first_child: u32,
    next_sibling: u32,
    /// The first child node when it is text: the text and CDATA sections from the start tag's
    /// `>` up to the next other node, as written (`start == NONE` when there is none).
    text: Span,
    /// The text holds no reference, no `\r` and no CDATA section: it reads as written.
    text_plain: bool,
    /// The element's attributes in [`Elements::attributes`].
    attributes: (u32, u32),
}

#[derive(Debug)]
struct Attribute {
    /// The namespace prefix (empty when none).
    prefix: Span,
    /// The local name.
    name: Span,
    /// The value as written, between the quotes.
    value: Span,
    /// The value holds no reference and no `\t`, `\n`, `\r`: it reads as written.
    plain: bool,
}

/// The elements of an XML text as [`read`] found them, the root first.
#[derive(Debug)]
pub(crate) struct Elements<'t> {
    text: &'t str,
    elements: Vec<Element>,
    attributes: Vec<Attribute>,
}

/// An element of [`Elements`].
#[derive(Clone, Copy)]
pub(crate) struct FastNode<'d> {
    doc: &'d Elements<'d>,
    index: u32,
}

impl<'t> Elements<'t> {
    fn root(&self) -> FastNode<'_> {
        FastNode {
            doc: self,
            index: 0,
        }
    }

    fn str(&self, span: Span) -> &str {
        &self.text[span.start as usize..span.end as usize]
    }
}

impl<'d> FastNode<'d> {
    fn element(&self) -> &'d Element {
        &self.doc.elements[self.index as usize]
    }
}

impl XmlNode for FastNode<'_> {
    fn local_name(&self) -> &str {
        self.doc.str(self.element().name)
    }

    fn element_children(&self) -> impl Iterator<Item = Self> {
        let doc = self.doc;
        let mut next = self.element().first_child;
        std::iter::from_fn(move || {
            if next == NONE {
                return None;
            }
            let node = FastNode { doc, index: next };
            next = doc.elements[next as usize].next_sibling;
            Some(node)
        })
    }

    fn text(&self) -> Option<Cow<'_, str>> {
        let element = self.element();
        if element.text.start == NONE {
            return None;
        }
        let raw = self.doc.str(element.text);
        Some(if element.text_plain {
            Cow::Borrowed(raw)
        } else {
            Cow::Owned(decode_text_run(raw))
        })
    }

    fn attribute(&self, name: &str) -> Option<Cow<'_, str>> {
        let (from, to) = self.element().attributes;
        let attribute = self.doc.attributes[from as usize..to as usize]
            .iter()
            .find(|a| self.doc.str(a.name) == name)?;
        let raw = self.doc.str(attribute.value);
        Some(if attribute.plain {
            Cow::Borrowed(raw)
        } else {
            Cow::Owned(decode_attribute(raw))
        })
    }
}

/// The namespace URIs XML reserves; a declaration naming one is left to roxmltree.
const NS_XML_URI: &[u8] = b"http://www.w3.org/XML/1998/namespace";
const NS_XMLNS_URI: &[u8] = b"http://www.w3.org/2000/xmlns/";

/// A table of the bytes a scan stops at: `stops`, the control bytes (but `allowed`) and `0xEF`
/// (U+FFFE and U+FFFF, not XML characters, start with it).
/// The first byte of a name [`read`] knows (`[A-Za-z_]`), and the others (`[A-Za-z0-9._-]`).
const NAME_START: [bool; 256] = ascii_set(b"_", true);
const NAME_CHAR: [bool; 256] = ascii_set(b"_.-", false);

const fn ascii_set(extra: &[u8], start: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphabetic() || (!start && b.is_ascii_digit());
        c += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
}

const fn stops(stops: &[u8], allowed: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    let mut i = 0;
    while i < allowed.len() {
        table[allowed[i] as usize] = false;
        i += 1;
    }
    i = 0;
    while i < stops.len() {
        table[stops[i] as usize] = true;
        i += 1;
    }
    table[0xEF] = true;
    table
}

/// Where a text stops or needs a look: markup, a reference, `\r` (read as `\n`), `>` (of a
/// `]]>`).
const TEXT_STOPS: [bool; 256] = stops(b"<&\r>", b"\t\n");
/// An attribute value: its quotes, `<`, a reference, `\t`, `\n`, `\r` (read as spaces).
const VALUE_STOPS: [bool; 256] = stops(b"\"'<&\t\n\r", b"");
/// A comment: `-` (of `--`).
const COMMENT_STOPS: [bool; 256] = stops(b"-", b"\t\n\r");
/// A CDATA section: `]` (of `]]>`).
const CDATA_STOPS: [bool; 256] = stops(b"]", b"\t\n\r");

/// Whether `c` is an XML character (roxmltree's test: surrogates cannot be in a `char`).
fn is_xml_char(c: char) -> bool {
    if (c as u32) < 0x20 {
        return matches!(c, '\t' | '\n' | '\r');
    }
    !matches!(c as u32, 0xFFFE | 0xFFFF)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Read `text` as XML, or `None` when unsure: outside the subset [`read`] knows, or not
/// well-formed. See the module documentation.
pub(crate) fn read(text: &str) -> Option<Elements<'_>> {
    if text.len() >= NONE as usize {
        return None;
    }
    let mut reader = Reader {
        b: text.as_bytes(),
        // Room for a pom's elements without growing (one per 40 bytes, 50 at least).
        elements: Vec::with_capacity((text.len() / 40).max(50)),
        attributes: Vec::with_capacity(8),
        open: Vec::with_capacity(16),
        prefixes: Vec::with_capacity(4),
        pending_text: NONE,
    };
    let mut i = 0;
    if reader.b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        i = 3;
    }
    if reader.b[i..].starts_with(b"<?xml ") {
        i = reader.declaration(i)?;
    }
    i = reader.misc(i)?;
    if reader.b.get(i) != Some(&b'<') {
        return None;
    }
    i = reader.content(i)?;
    i = reader.misc(i)?;
    (i == reader.b.len()).then_some(Elements {
        text,
        elements: reader.elements,
        attributes: reader.attributes,
    })
}

/// An open element: its index, its last child element so far, its qualified name (to match
/// the end tag), and how many namespace prefixes were declared before it.
struct Open {
    index: u32,
    last_child: u32,
    qname: Span,
    prefixes: usize,
}

struct Reader<'t> {
    b: &'t [u8],
    elements: Vec<Element>,
    attributes: Vec<Attribute>,
    open: Vec<Open>,
    /// The prefixes namespace declarations of the open elements bind, outermost first.
    prefixes: Vec<&'t [u8]>,
    /// The element whose first child is being read, while it may still be text.
    pending_text: u32,
}

impl<'t> Reader<'t> {
    /// `<?xml version="1.0" encoding="UTF-8" standalone="no"?>` at `i`, in that order, each
    /// value plain ASCII: the position after it.
    fn declaration(&self, mut i: usize) -> Option<usize> {
        let b = self.b;
        i += "<?xml".len();
        for (name, required) in [
            (&b"version"[..], true),
            (b"encoding", false),
            (b"standalone", false),
        ] {
            let after_space = self.spaces(i);
            if after_space == i || !b[after_space..].starts_with(name) {
                if required {
                    return None;
                }
                continue;
            }
            i = self.spaces(after_space + name.len());
            if b.get(i) != Some(&b'=') {
                return None;
            }
            i = self.spaces(i + 1);
            let quote = *b.get(i).filter(|&&q| q == b'"' || q == b'\'')?;
            i += 1;
            while *b.get(i)? != quote {
                if !(0x20..0x7F).contains(&b[i]) || b[i] == b'<' {
                    return None;
                }
                i += 1;
            }
            i += 1;
        }
        i = self.spaces(i);
        b[i..].starts_with(b"?>").then_some(i + 2)
    }

    fn spaces(&self, mut i: usize) -> usize {
        while self.b.get(i).is_some_and(|&c| is_space(c)) {
            i += 1;
        }
        i
    }

    /// Spaces and comments from `i` (outside the root element).
    fn misc(&self, mut i: usize) -> Option<usize> {
        loop {
            i = self.spaces(i);
            if self.b[i..].starts_with(b"<!--") {
                i = self.comment(i)?;
            } else {
                return Some(i);
            }
        }
    }

    /// A comment at `i` (`<!--`): the position after it. No `--` inside, no `-` last.
    fn comment(&self, i: usize) -> Option<usize> {
        let b = self.b;
        let mut j = i + 4;
        loop {
            let c = *b.get(j)?;
            if COMMENT_STOPS[c as usize] {
                match c {
                    b'-' if b.get(j + 1) == Some(&b'-') => {
                        // The first `--` must end the comment.
                        return (b.get(j + 2) == Some(&b'>')).then_some(j + 3);
                    }
                    b'-' => {}
                    _ => self.xml_char_at(j)?,
                }
            }
            j += 1;
        }
    }

    /// `Some` when the special byte at `i` (a control or `0xEF`) starts an XML character.
    fn xml_char_at(&self, i: usize) -> Option<()> {
        match self.b[i] {
            b'\t' | b'\n' | b'\r' => Some(()),
            0xEF => (!matches!(self.b.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF]))).then_some(()),
            c if c < 0x20 => None,
            _ => Some(()),
        }
    }

    /// A reference at `i` (`&`): the position after it and the character it stands for.
    fn reference(&self, i: usize) -> Option<(usize, char)> {
        reference(self.b, i)
    }

    /// An ASCII name at `i` (`[A-Za-z_][A-Za-z0-9._-]*`), optionally with one prefix
    /// (`prefix:local`): the prefix (empty when none), the local name and the position after.
    /// `None` for anything else (no name, two colons, a non-ASCII character).
    fn qname(&self, i: usize) -> Option<(Span, Span, usize)> {
        let end = self.name(i)?;
        let (prefix, local, end) = if self.b.get(end) == Some(&b':') {
            let local_end = self.name(end + 1)?;
            (Span::new(i, end), Span::new(end + 1, local_end), local_end)
        } else {
            (Span::new(i, i), Span::new(i, end), end)
        };
        // A colon or non-ASCII name character after it: leave it to roxmltree.
        if self.b.get(end).is_some_and(|&c| c == b':' || c >= 0x80) {
            return None;
        }
        Some((prefix, local, end))
    }

    /// The end of the ASCII name without a colon at `i`.
    fn name(&self, i: usize) -> Option<usize> {
        let b = self.b;
        if !b.get(i).is_some_and(|&c| NAME_START[c as usize]) {
            return None;
        }
        let mut j = i + 1;
        while j < b.len() && NAME_CHAR[b[j] as usize] {
            j += 1;
        }
        Some(j)
    }

    fn bytes(&self, span: Span) -> &'t [u8] {
        &self.b[span.start as usize..span.end as usize]
    }

    /// The root element at `i` (`<`) and everything in it: the position after its end tag.
    fn content(&mut self, mut i: usize) -> Option<usize> {
        let b = self.b;
        loop {
            let c = *b.get(i)?;
            if c != b'<' {
                i = self.text(i)?;
                continue;
            }
            match *b.get(i + 1)? {
                b'/' => {
                    self.pending_text = NONE;
                    i = self.end_tag(i)?;
                    if self.open.is_empty() {
                        return Some(i);
                    }
                }
                b'!' if b[i..].starts_with(b"<!--") => {
                    self.pending_text = NONE;
                    i = self.comment(i)?;
                }
                b'!' if b[i..].starts_with(b"<![CDATA[") && !self.open.is_empty() => {
                    i = self.cdata(i)?;
                }
                _ => {
                    self.pending_text = NONE;
                    i = self.start_tag(i)?;
                    if self.open.is_empty() {
                        // An empty root element (`<project/>`).
                        return Some(i);
                    }
                }
            }
        }
    }

    /// A start tag at `i`: the position after it. Its element is linked into the tree, and an
    /// open one becomes the innermost open element.
    fn start_tag(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        let (prefix, local, mut j) = self.qname(i + 1)?;
        let qname = Span::new(i + 1, j);
        let prefixes_before = self.prefixes.len();
        let first_attribute = self.attributes.len();
        let mut default_declared = false;
        let open = loop {
            let after_space = self.spaces(j);
            match *b.get(after_space)? {
                b'/' => {
                    if b.get(after_space + 1) != Some(&b'>') {
                        return None;
                    }
                    j = after_space + 2;
                    break false;
                }
                b'>' => {
                    j = after_space + 1;
                    break true;
                }
                _ if after_space == j => return None,
                _ => {}
            }
            let (a_prefix, a_local, name_end) = self.qname(after_space)?;
            let mut k = self.spaces(name_end);
            if b.get(k) != Some(&b'=') {
                return None;
            }
            k = self.spaces(k + 1);
            let quote = *b.get(k).filter(|&&q| q == b'"' || q == b'\'')?;
            let (value, plain, end) = self.attribute_value(k + 1, quote)?;
            j = end;
            let (prefix_bytes, local_bytes) = (self.bytes(a_prefix), self.bytes(a_local));
            if prefix_bytes == b"xmlns" || (prefix_bytes.is_empty() && local_bytes == b"xmlns") {
                // A namespace declaration: plain, not a reserved URI, not twice on an element.
                let uri = self.bytes(value);
                if !plain || uri == NS_XML_URI || uri == NS_XMLNS_URI {
                    return None;
                }
                if prefix_bytes.is_empty() {
                    if std::mem::replace(&mut default_declared, true) {
                        return None;
                    }
                } else {
                    if local_bytes == b"xml"
                        || local_bytes == b"xmlns"
                        || self.prefixes[prefixes_before..].contains(&local_bytes)
                    {
                        return None;
                    }
                    self.prefixes.push(local_bytes);
                }
            } else if local_bytes == b"xmlns" {
                // `p:xmlns` declares the default namespace to roxmltree.
                return None;
            } else {
                self.attributes.push(Attribute {
                    prefix: a_prefix,
                    name: a_local,
                    value,
                    plain,
                });
            }
        };
        // Every prefix bound (the element's own declarations count), no two attributes of one
        // local name (roxmltree compares expanded names: leave any doubt to it).
        let bound = |p: &[u8]| p.is_empty() || self.prefixes.contains(&p);
        let prefix = self.bytes(prefix);
        if prefix == b"xml" || prefix == b"xmlns" || !bound(prefix) {
            return None;
        }
        let attributes = &self.attributes[first_attribute..];
        for (n, a) in attributes.iter().enumerate() {
            let a_prefix = self.bytes(a.prefix);
            let name = self.bytes(a.name);
            if (a_prefix != b"xml" && !bound(a_prefix))
                || attributes[..n].iter().any(|o| self.bytes(o.name) == name)
            {
                return None;
            }
        }
        let index = self.elements.len() as u32;
        self.elements.push(Element {
            name: local,
            first_child: NONE,
            next_sibling: NONE,
            text: Span {
                start: NONE,
                end: NONE,
            },
            text_plain: true,
            attributes: (first_attribute as u32, self.attributes.len() as u32),
        });
        if let Some(parent) = self.open.last_mut() {
            if parent.last_child == NONE {
                self.elements[parent.index as usize].first_child = index;
            } else {
                self.elements[parent.last_child as usize].next_sibling = index;
            }
            parent.last_child = index;
        }
        if open {
            self.open.push(Open {
                index,
                last_child: NONE,
                qname,
                prefixes: prefixes_before,
            });
            self.pending_text = index;
        } else {
            self.prefixes.truncate(prefixes_before);
        }
        Some(j)
    }

    /// An attribute value from `i` to the `quote`: its span, whether it reads as written, and
    /// the position after the quote.
    fn attribute_value(&self, i: usize, quote: u8) -> Option<(Span, bool, usize)> {
        let b = self.b;
        let mut j = i;
        let mut plain = true;
        loop {
            let c = *b.get(j)?;
            if VALUE_STOPS[c as usize] {
                match c {
                    _ if c == quote => return Some((Span::new(i, j), plain, j + 1)),
                    b'<' => return None,
                    b'&' => {
                        j = self.reference(j)?.0;
                        plain = false;
                        continue;
                    }
                    b'\t' | b'\n' | b'\r' => plain = false,
                    b'"' | b'\'' => {}
                    _ => self.xml_char_at(j)?,
                }
            }
            j += 1;
        }
    }

    /// Text at `i` up to the next `<`: the position of that `<`.
    fn text(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        if self.open.is_empty() {
            return None;
        }
        let mut j = i;
        let mut plain = true;
        loop {
            let c = *b.get(j)?;
            if TEXT_STOPS[c as usize] {
                match c {
                    b'<' => break,
                    b'&' => {
                        j = self.reference(j)?.0;
                        plain = false;
                        continue;
                    }
                    b'\r' => plain = false,
                    // `]]>` may not appear in text.
                    b'>' if j >= i + 2 && &b[j - 2..j] == b"]]" => return None,
                    b'>' => {}
                    _ => self.xml_char_at(j)?,
                }
            }
            j += 1;
        }
        self.extend_text(i, j, plain);
        Some(j)
    }

    /// A CDATA section at `i`: the position after it.
    fn cdata(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        let mut j = i + "<![CDATA[".len();
        loop {
            let c = *b.get(j)?;
            if CDATA_STOPS[c as usize] {
                match c {
                    b']' if b[j..].starts_with(b"]]>") => break,
                    b']' => {}
                    _ => self.xml_char_at(j)?,
                }
            }
            j += 1;
        }
        self.extend_text(i, j + 3, false);
        Some(j + 3)
    }

    /// Text or a CDATA section from `start` to `end` in the innermost open element: part of
    /// its first child when nothing else came before.
    fn extend_text(&mut self, start: usize, end: usize, plain: bool) {
        if self.pending_text == NONE {
            return;
        }
        let element = &mut self.elements[self.pending_text as usize];
        if element.text.start == NONE {
            element.text.start = start as u32;
        }
        element.text.end = end as u32;
        element.text_plain &= plain;
    }

    /// An end tag at `i` (`</`): the position after it. It must name the innermost open element.
    fn end_tag(&mut self, i: usize) -> Option<usize> {
        let open = self.open.pop()?;
        let name = self.bytes(open.qname);
        let end = i + 2 + name.len();
        if self.b.get(i + 2..end) != Some(name) {
            return None;
        }
        // Only spaces between the name and `>` (a longer name does not match).
        let j = self.spaces(end);
        if self.b.get(j) != Some(&b'>') {
            return None;
        }
        self.prefixes.truncate(open.prefixes);
        Some(j + 1)
    }
}

/// A reference at `i` in `b` (`&`): the position after it and the character it stands for.
/// Only the five predefined entities and character references; `None` for anything else
/// (another entity, which roxmltree rejects without a DTD, or a malformed reference).
fn reference(b: &[u8], i: usize) -> Option<(usize, char)> {
    let rest = &b[i + 1..];
    if let Some(digits) = rest.strip_prefix(b"#") {
        let (digits, radix, skip) = match digits.strip_prefix(b"x") {
            Some(hex) => (hex, 16, 3),
            None => (digits, 10, 2),
        };
        let len = digits
            .iter()
            .take_while(|c| {
                if radix == 16 {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count();
        if len == 0 || digits.get(len) != Some(&b';') {
            return None;
        }
        let digits = std::str::from_utf8(&digits[..len]).ok()?;
        let n = u32::from_str_radix(digits, radix).ok()?;
        // As roxmltree reads it: a surrogate stands for U+FFFD.
        let c = char::from_u32(n).unwrap_or('\u{FFFD}');
        return is_xml_char(c).then_some((i + skip + len + 1, c));
    }
    for (name, c) in [
        (&b"amp;"[..], '&'),
        (b"lt;", '<'),
        (b"gt;", '>'),
        (b"quot;", '"'),
        (b"apos;", '\''),
    ] {
        if rest.starts_with(name) {
            return Some((i + 1 + name.len(), c));
        }
    }
    None
}

/// A first text child as roxmltree builds it from its text and CDATA sections (`raw`, as
/// written, checked by [`read`]): each text decoded, each CDATA section's line ends
/// normalised, joined.
fn decode_text_run(raw: &str) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw.as_bytes();
    while !rest.is_empty() {
        if let Some(section) = rest.strip_prefix(b"<![CDATA[") {
            let end = section
                .windows(3)
                .position(|w| w == b"]]>")
                .unwrap_or(section.len());
            let mut k = 0;
            while k < end {
                if section[k] == b'\r' {
                    out.push(b'\n');
                    if section.get(k + 1) == Some(&b'\n') && k + 1 < end {
                        k += 1;
                    }
                } else {
                    out.push(section[k]);
                }
                k += 1;
            }
            rest = &section[(end + 3).min(section.len())..];
        } else {
            let end = rest.iter().position(|&c| c == b'<').unwrap_or(rest.len());
            decode_text(&rest[..end], &mut out);
            rest = &rest[end..];
        }
    }
    // The input is UTF-8 and only whole characters are added or removed.
    String::from_utf8(out).unwrap_or_default()
}

/// One text between markup as roxmltree's `process_text` decodes it: references replaced (and
/// the byte after one kept as is), `\r\n` and a lone `\r` read as `\n`.
fn decode_text(text: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    let mut as_is = false;
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'&' {
            let Some((end, c)) = reference(text, i) else {
                // `read` checked every reference.
                return;
            };
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            as_is = true;
            i = end;
            continue;
        }
        let c = text[i];
        i += 1;
        if as_is {
            out.push(c);
            as_is = false;
        } else if out.len() > start && out.last() == Some(&b'\r') {
            // roxmltree's `TextBuffer::push_from_text`, within this text's buffer.
            let last = out.len() - 1;
            out[last] = b'\n';
            if i == text.len() && c == b'\r' {
                out.push(b'\n');
            } else if c != b'\n' {
                out.push(c);
            }
        } else if i == text.len() && c == b'\r' {
            out.push(b'\n');
        } else {
            out.push(c);
        }
    }
}

/// An attribute value as roxmltree normalises it: references replaced, `\r\n` read as one
/// space, `\t`, `\n` and `\r` as spaces.
fn decode_attribute(raw: &str) -> String {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'&' {
            let Some((end, c)) = reference(b, i) else {
                break;
            };
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            i = end;
            continue;
        }
        let c = b[i];
        i += 1;
        match c {
            b'\r' if b.get(i) == Some(&b'\n') => {}
            b'\n' | b'\r' | b'\t' => out.push(b' '),
            _ => out.push(c),
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // The roxmltree lookups the probes used before `xml::Document`, as references.
    /// The child elements of the element at `path` (as for [`roxml_lookup`], the first match) in an
    /// XML text: each child's local name and trimmed text. Empty when the text is not XML.
    pub(crate) fn roxml_children(text: &str, path: &str) -> Vec<(String, String)> {
        let Ok(doc) = roxmltree::Document::parse(text) else {
            return Vec::new();
        };
        let mut steps = path.split('/').filter(|s| !s.is_empty());
        let root = doc.root_element();
        if !steps
            .next()
            .is_some_and(|s| s.eq_ignore_ascii_case(root.tag_name().name()))
        {
            return Vec::new();
        }
        let mut node = root;
        for step in steps {
            let Some(child) = node
                .children()
                .find(|c| c.is_element() && c.tag_name().name().eq_ignore_ascii_case(step))
            else {
                return Vec::new();
            };
            node = child;
        }
        node.children()
            .filter(|c| c.is_element())
            .map(|c| {
                (
                    c.tag_name().name().to_string(),
                    c.text().unwrap_or("").trim().to_string(),
                )
            })
            .collect()
    }

    /// The trimmed texts of every element along `path` (local names, case-insensitive, the first
    /// naming the root), in document order.
    pub(crate) fn roxml_all(doc: &roxmltree::Document, path: &str) -> Vec<String> {
        let mut steps = path.split('/').filter(|s| !s.is_empty());
        let root = doc.root_element();
        if !steps
            .next()
            .is_some_and(|s| s.eq_ignore_ascii_case(root.tag_name().name()))
        {
            return Vec::new();
        }
        let mut nodes = vec![root];
        for step in steps {
            nodes = nodes
                .iter()
                .flat_map(|n| n.children())
                .filter(|c| c.is_element() && c.tag_name().name().eq_ignore_ascii_case(step))
                .collect();
        }
        nodes
            .iter()
            .filter_map(|n| n.text())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// `Project/PropertyGroup/AssemblyName` or `Project@Sdk`: local names, case-insensitive, the
    /// first step naming the root; the first non-empty match in document order wins. A step may
    /// test a child: `parent[artifactId=spring-boot-starter-parent]`.
    pub(crate) fn roxml_lookup(doc: &roxmltree::Document, path: &str) -> Option<String> {
        let (elements, attribute) = match path.split_once('@') {
            Some((e, a)) => (e, Some(a)),
            None => (path, None),
        };
        let mut steps = elements.split('/').filter(|s| !s.is_empty());
        let root = doc.root_element();
        if !steps
            .next()
            .is_some_and(|s| s.eq_ignore_ascii_case(root.tag_name().name()))
        {
            return None;
        }
        roxml_find(root, steps, attribute)
    }

    /// The first non-empty value under `node` along `steps`, the matching elements visited depth
    /// first: the order of the level-by-level lists a lookup would build (children of the first
    /// match before those of the second), without building them.
    fn roxml_find<'s>(
        node: roxmltree::Node<'_, '_>,
        mut steps: impl Iterator<Item = &'s str> + Clone,
        attribute: Option<&str>,
    ) -> Option<String> {
        let Some(step) = steps.next() else {
            let v = match attribute {
                Some(a) => node.attribute(a),
                None => node.text(),
            };
            return v
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string);
        };
        // `dependency[artifactId=spring-boot-dependencies]`: only elements with a child of that
        // name and text.
        let (name, filter) = match step.strip_suffix(']').and_then(|s| s.split_once('[')) {
            Some((name, test)) => (name, test.split_once('=')),
            None => (step, None),
        };
        node.children()
            .filter(|c| c.is_element() && c.tag_name().name().eq_ignore_ascii_case(name))
            .filter(|c| {
                filter.is_none_or(|(child, value)| {
                    c.children().any(|g| {
                        g.is_element()
                            && g.tag_name().name().eq_ignore_ascii_case(child)
                            && g.text().map(str::trim) == Some(value)
                    })
                })
            })
            .find_map(|c| roxml_find(c, steps.clone(), attribute))
    }

    /// The answers of `Document` (fast or not) and the reference to `path`.
    fn answers(text: &str, path: &str) -> (Option<String>, Option<String>) {
        let fast = Document::parse(text).and_then(|d| d.lookup(path));
        let reference = roxmltree::Document::parse(text)
            .ok()
            .and_then(|d| roxml_lookup(&d, path));
        (fast, reference)
    }

    fn is_fast(text: &str) -> bool {
        matches!(Document::parse(text), Some(Document::Fast(_)))
    }

    const POM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.2.1</version>
    <relativePath/>
  </parent>
  <artifactId>a&amp;b&#x41;&#66;</artifactId>
  <name><!-- none -->x</name>
  <description>one<![CDATA[ <two> ]]>three<!-- c -->four</description>
  <properties><java.version>
    17 </java.version><empty></empty></properties>
  <profiles><profile><build><finalName>p</finalName></build></profile></profiles>
</project>
"#;

    #[test]
    fn a_pom_reads_fast_and_answers_as_roxmltree() {
        assert!(is_fast(POM));
        for path in [
            "project/artifactId",
            "project/name",
            "project/description",
            "project/properties/java.version",
            "project/properties/empty",
            "project/parent/version",
            "project/parent[artifactId=spring-boot-starter-parent]/version",
            "project/parent[artifactId=other]/version",
            "project/profiles/profile/build/finalName",
            "project@schemaLocation",
            "project@xsi:schemaLocation",
            "project@xmlns",
            "project@xsi",
            "PROJECT/ARTIFACTID",
        ] {
            let (fast, reference) = answers(POM, path);
            assert_eq!(fast, reference, "{path}");
        }
        assert_eq!(
            answers(POM, "project/artifactId").0.as_deref(),
            Some("a&bAB")
        );
        assert_eq!(answers(POM, "project/name").0, None);
        assert_eq!(
            answers(POM, "project/description").0.as_deref(),
            Some("one <two> three")
        );
        let children = Document::parse(POM).unwrap().children("project/properties");
        assert_eq!(children, roxml_children(POM, "project/properties"));
    }

    /// Texts the fast reader leaves to roxmltree, which accepts them: the answers are
    /// roxmltree's.
    #[test]
    fn outside_the_subset_roxmltree_answers() {
        let mut fast_but_should_not = Vec::new();
        for text in [
            // a DTD (rejected), a processing instruction, non-ASCII and odd names
            "<!DOCTYPE project><project><a>1</a></project>",
            "<project><?pi x?><a>1</a></project>",
            "<?pi x?><project><a>1</a></project>",
            "<projét><a>1</a></projét>",
            "<project><été>1</été><a>2</a></project>",
            "<:project><a>1</a></:project>",
            // namespaces: unbound or reserved prefixes, redeclarations, `p:xmlns`
            "<p:project><a>1</a></p:project>",
            "<project q:x='1'><a>1</a></project>",
            "<xml:project><a>1</a></xml:project>",
            "<project xmlns:xml='http://www.w3.org/XML/1998/namespace'><a>1</a></project>",
            "<project xmlns:p='http://www.w3.org/XML/1998/namespace'><a>1</a></project>",
            "<project xmlns='http://www.w3.org/2000/xmlns/'><a>1</a></project>",
            "<project xmlns:p='a' xmlns:p='b'><a>1</a></project>",
            "<project xmlns='a' xmlns='b'><a>1</a></project>",
            "<project xmlns:p='a&amp;'><a>1</a></project>",
            "<project p:xmlns='a' xmlns:p='u'><a>1</a></project>",
            // attributes: one local name twice, duplicates
            "<project xmlns:p='u' xmlns:q='u' p:a='1' q:a='2'><a>1</a></project>",
            "<project xmlns:p='u' a='1' p:a='2'><a>1</a></project>",
            "<project a='1' a='2'><a>1</a></project>",
            // entities other than the predefined ones, malformed references
            "<project><a>&nbsp;</a></project>",
            "<project><a>&amp</a></project>",
            "<project><a>&#;</a></project>",
            "<project><a>&#x;</a></project>",
            "<project><a>&#0;</a></project>",
            "<project><a>&#99999999999;</a></project>",
            "<project><a>&#xFFFE;</a></project>",
            "<project a='&foo;'><a>1</a></project>",
            // non-XML characters, `]]>` in text, comments with `--`
            "<project><a>\u{1}</a></project>",
            "<project><a>\u{FFFE}</a></project>",
            "<project a='\u{FFFF}'><a>1</a></project>",
            "<project><a>]]></a></project>",
            "<project><!-- a -- b --><a>1</a></project>",
            "<project><!-- a ---><a>1</a></project>",
            // structure: unclosed, mismatched, text outside the root, two roots, no root
            "<project><a>1</a>",
            "<project><a>1</b></project>",
            "<project><a>1</a></project>x",
            "x<project><a>1</a></project>",
            "<project><a>1</a></project><project/>",
            "",
            "   ",
            "<project a='1'b='2'><a>1</a></project>",
            "<project a='<'><a>1</a></project>",
            "<project a=1><a>1</a></project>",
            // declarations: not first, malformed, or unusual
            " <?xml version='1.0'?><project><a>1</a></project>",
            "<?xml version='1.0'?><?xml version='1.0'?><project><a>1</a></project>",
            "<?xml version=\"1.0\"encoding=\"UTF-8\"?><project><a>1</a></project>",
            "<?xml encoding='UTF-8'?><project><a>1</a></project>",
            "<?xml version='1.0' standalone='yes' encoding='x'?><project><a>1</a></project>",
            "<?xml version='é'?><project><a>1</a></project>",
            "\u{feff}\u{feff}<project><a>1</a></project>",
        ] {
            if is_fast(text) {
                fast_but_should_not.push(text);
            }
            for path in ["project/a", "project@a", "project@x", "project@lang"] {
                let (fast, reference) = answers(text, path);
                assert_eq!(fast, reference, "{text:?} {path}");
            }
        }
        assert!(fast_but_should_not.is_empty(), "{fast_but_should_not:#?}");
    }

    /// Texts the fast reader reads itself, including references and line ends that decode.
    #[test]
    fn decoding_matches_roxmltree() {
        for text in [
            "<project><a>x&#13;\ny</a></project>",
            "<project><a>x&#65;\r\ny\r</a></project>",
            "<project><a>x\r\ry\rz\r</a></project>",
            "<project><a>&amp;\r&lt;\r\n</a></project>",
            "<project><a>&#xD800;&#x1F600;é</a></project>",
            "<project><a> <![CDATA[x\r\ny\rz]]>&amp;<![CDATA[]]></a></project>",
            "<project><a><![CDATA[]]></a></project>",
            "<project><a>x<b/>y</a></project>",
            "<project><a><!---->y</a></project>",
            "<project a=' x\r\ny\tz\n&#10;&#9;&amp;&#13;\r'><a>1</a></project>",
            "\u{feff}<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n<project/>",
            "<project xmlns:p='u'><p:a p:x='1'>2</p:a></project>",
            "<project xmlns:p='u'><p:a xmlns:q='v' q:x='1'>2</p:a><a xml:lang='en'/></project>",
        ] {
            assert!(is_fast(text), "{text:?}");
            for path in ["project/a", "project@a", "project/a@x", "project/a@lang"] {
                let (fast, reference) = answers(text, path);
                assert_eq!(fast, reference, "{text:?} {path}");
            }
            let raw = |text: &str| {
                roxmltree::Document::parse(text)
                    .unwrap()
                    .root_element()
                    .first_element_child()
                    .and_then(|a| a.text().map(str::to_string))
            };
            let fast = read(text).unwrap();
            let a = fast.root().element_children().next();
            assert_eq!(
                a.and_then(|a| a.text().map(Cow::into_owned)),
                raw(text),
                "{text:?}"
            );
            assert_eq!(
                fast.root().attribute("a").map(Cow::into_owned),
                roxmltree::Document::parse(text)
                    .unwrap()
                    .root_element()
                    .attribute("a")
                    .map(str::to_string),
                "{text:?}"
            );
        }
    }

    /// A generated element or other node of a pom-like document.
    #[derive(Clone, Debug)]
    enum Node {
        Element {
            name: String,
            attributes: Vec<(String, String)>,
            children: Vec<Node>,
            /// `<a/>` rather than `<a></a>` when there are no children.
            empty_tag: bool,
            /// Another end tag name (malformed).
            end: Option<String>,
        },
        Text(String),
        Comment(String),
        Cdata(String),
    }

    impl Node {
        fn render(&self, out: &mut String) {
            match self {
                Node::Element {
                    name,
                    attributes,
                    children,
                    empty_tag,
                    end,
                } => {
                    out.push('<');
                    out.push_str(name);
                    for (k, v) in attributes {
                        out.push_str(&format!(" {k}=\"{v}\""));
                    }
                    if children.is_empty() && *empty_tag {
                        out.push_str("/>");
                        return;
                    }
                    out.push('>');
                    for c in children {
                        c.render(out);
                    }
                    out.push_str(&format!("</{}>", end.as_ref().unwrap_or(name)));
                }
                Node::Text(t) => out.push_str(t),
                Node::Comment(c) => out.push_str(&format!("<!--{c}-->")),
                Node::Cdata(c) => out.push_str(&format!("<![CDATA[{c}]]>")),
            }
        }
    }

    const NAMES: &str = "project|Project|parent|artifactId|ARTIFACTID|version|properties|\
        java.version|build|finalName|profiles|profile|modules|module|PropertyGroup|p:version|\
        q:build|x-y|_z";

    fn name() -> impl Strategy<Value = String> {
        prop::sample::select(NAMES.split('|').map(str::to_string).collect::<Vec<_>>())
    }

    fn attributes() -> impl Strategy<Value = Vec<(String, String)>> {
        let key = prop::sample::select(vec![
            "Sdk",
            "sdk",
            "id",
            "xmlns",
            "xmlns:p",
            "xmlns:q",
            "p:id",
            "q:Sdk",
            "xml:lang",
            "xsi:schemaLocation",
        ]);
        let value = prop_oneof![
            29 => "(a|Web| |\t|\n|\r|\r\n|&amp;|&lt;|&#65;|&#x20;|&#13;|&#10;|'|é){0,5}",
            1 => "(a|&bogus;|<|\u{1}|&#0;){1,3}",
        ];
        prop::collection::vec((key.prop_map(str::to_string), value), 0..3)
    }

    /// Text, now and then with something roxmltree rejects.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            49 => "( |\n|\r|\r\n|\t|a|1\\.0|spring-boot-starter-parent|&amp;|&lt;|&gt;|&quot;|&apos;|&#10;|&#13;|&#65;|&#xD800;|&#x1F600;|>|]|é){1,6}",
            1 => "(a|&#0;|&foo;|&|]]>|\u{FFFE}|\u{1}){1,3}",
        ]
    }

    fn node() -> impl Strategy<Value = Node> {
        let leaf = prop_oneof![
            4 => text().prop_map(Node::Text),
            1 => prop_oneof![29 => "( |-a|a|>|<|é){0,4}", 1 => "( |-|--|a){1,4}"]
                .prop_map(Node::Comment),
            // roxmltree reads these, the fast reader leaves them to it
            1 => prop::sample::select(vec!["<?pi x?>", "<été>1</été>", "<x p:id='1' id='2'/>"])
                .prop_map(|t| Node::Text(t.to_string())),
            1 => "(a| |\r|\r\n|]|<|&|>){0,4}".prop_map(Node::Cdata),
            4 => (name(), attributes(), any::<bool>()).prop_map(|(name, attributes, empty_tag)| {
                Node::Element { name, attributes, children: Vec::new(), empty_tag, end: None }
            }),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            (
                name(),
                attributes(),
                prop::collection::vec(inner, 0..6),
                any::<bool>(),
                prop::option::weighted(0.01, name()),
            )
                .prop_map(|(name, attributes, children, empty_tag, end)| {
                    Node::Element {
                        name,
                        attributes,
                        children,
                        empty_tag,
                        end,
                    }
                })
        })
    }

    /// A whole document: a prolog, a root element (usually declaring the prefixes), an epilog.
    fn document() -> impl Strategy<Value = String> {
        let prolog = prop_oneof![
            9 => prop::sample::select(vec![
                "",
                "\u{feff}",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                "<?xml version='1.0'?>",
                "<?xml  version=\"1.0\" standalone=\"yes\" ?>",
                "<!-- c -->\n",
            ]),
            1 => prop::sample::select(vec![
                "<?xml version=\"1.0\"encoding=\"x\"?>",
                " <?xml version=\"1.0\"?>",
                "<!DOCTYPE project>",
                "<?pi x?>",
                "x",
            ]),
        ];
        let epilog = prop_oneof![
            9 => prop::sample::select(vec!["", "\n", "<!-- end -->"]),
            1 => prop::sample::select(vec!["x", "<a/>"]),
        ];
        let declarations = prop_oneof![
            9 => prop::sample::select(vec![
                " xmlns:p=\"u\" xmlns:q=\"v\" xmlns:xsi=\"s\"",
                " xmlns=\"d\" xmlns:p=\"u\" xmlns:q=\"u\" xmlns:xsi=\"s\"",
            ]),
            1 => Just(""),
        ];
        (
            prolog,
            name(),
            declarations,
            prop::collection::vec(node(), 0..8),
            epilog,
        )
            .prop_map(|(prolog, root, declarations, children, epilog)| {
                let mut out = String::from(prolog);
                out.push_str(&format!("<{root}{declarations}>"));
                for c in &children {
                    c.render(&mut out);
                }
                out.push_str(&format!("</{root}>{epilog}"));
                out
            })
    }

    fn path() -> impl Strategy<Value = String> {
        let step = prop_oneof![
            4 => name(),
            1 => (name(), prop::sample::select(vec!["artifactId", "version", "x"]),
                  prop::sample::select(vec!["1.0", "a", "", "spring-boot-starter-parent"]))
                .prop_map(|(n, c, v)| format!("{n}[{c}={v}]")),
        ];
        (
            prop::collection::vec(step, 1..4),
            prop::option::weighted(
                0.3,
                prop::sample::select(vec!["Sdk", "sdk", "id", "lang", "xmlns", "p:id"]),
            ),
        )
            .prop_map(|(steps, attribute)| {
                let mut path = steps.join("/");
                if let Some(a) = attribute {
                    path.push('@');
                    path.push_str(a);
                }
                path
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// The fast reader accepts only what roxmltree accepts, and every lookup answers as the
        /// roxmltree lookups did.
        #[test]
        fn lookups_answer_as_roxmltree(text in document(), paths in prop::collection::vec(path(), 1..6)) {
            let reference = roxmltree::Document::parse(&text).ok();
            let doc = Document::parse(&text);
            prop_assert_eq!(doc.is_some(), reference.is_some(), "{:?}", text);
            if read(&text).is_some() {
                prop_assert!(reference.is_some());
            }
            let (Some(doc), Some(reference)) = (doc, reference) else { return Ok(()) };
            for path in &paths {
                prop_assert_eq!(doc.lookup(path), roxml_lookup(&reference, path), "{:?} {}", text, path);
                // The children of the element at the path's steps without the filters.
                let plain: String = path.split('@').next().unwrap_or("").split('/')
                    .map(|s| s.split('[').next().unwrap_or(s)).collect::<Vec<_>>().join("/");
                prop_assert_eq!(doc.children(&plain), roxml_children(&text, &plain), "{:?} {}", text, plain);
                prop_assert_eq!(doc.all(&plain), roxml_all(&reference, &plain), "{:?} {}", text, plain);
            }
            // Every root path the generator names.
            for root in NAMES.split('|') {
                let full = format!("{root}/artifactId");
                prop_assert_eq!(doc.lookup(&full), roxml_lookup(&reference, &full));
                prop_assert_eq!(doc.children(root), roxml_children(&text, root));
                let modules = format!("{root}/modules/module");
                prop_assert_eq!(doc.all(&modules), roxml_all(&reference, &modules));
            }
        }
    }
    /// The generated documents exercise both readings: many read fast, many fall back, and
    /// some are not XML at all.
    #[test]
    fn generated_documents_take_both_paths() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut fast, mut full, mut malformed) = (0, 0, 0);
        for _ in 0..400 {
            let text = document().new_tree(&mut runner).unwrap().current();
            match Document::parse(&text) {
                Some(Document::Fast(_)) => fast += 1,
                Some(Document::Full(_)) => full += 1,
                None => malformed += 1,
            }
        }
        assert!(
            fast >= 40 && full >= 40 && malformed >= 40,
            "{fast} {full} {malformed}"
        );
    }
}
