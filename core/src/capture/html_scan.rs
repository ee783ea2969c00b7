//! A linear, bounded scan of an HTML document for the few elements page
//! metadata comes from: `<meta>` and `<link>` tags (only the attributes
//! metadata uses), the first `<title>`'s text and the text of
//! `<script type="application/ld+json">` blocks. Everything else is
//! tokenized and dropped.
//!
//! It runs html5gum's WHATWG tokenizer (no tree is built) with `Sink`, an
//! emitter that keeps only what it needs, each piece capped: whatever the
//! page holds (a tag with a million attributes, megabytes of NUL bytes,
//! deep nesting, a huge title), the work is linear in its size and the
//! memory fixed. A full parser is not needed and was the problem: html5ever
//! compares each new attribute of a tag with all the previous ones
//! (quadratic), and keeps a parse error and a tree node per junk byte.
//!
//! Main items: [`scan`], which calls back with each [`Found`] element and
//! returns the work done (bytes read, compared and emitted), which the
//! tests use to show the scan is linear.

use std::cell::Cell;
use std::convert::Infallible;

use html5gum::{Emitter, Error, Reader, State, Tokenizer, naive_next_state};

/// Longest tag or attribute name kept, in bytes: longer ones are none of
/// those metadata uses.
const MAX_NAME: usize = 16;
/// Most bytes kept of an attribute's value or a title (4,096 characters of
/// up to 4 bytes each are kept of them in the end).
pub const MAX_TEXT: usize = 16 * 1024;
/// Most bytes kept of one JSON-LD block; a longer block is skipped.
pub const MAX_SCRIPT: usize = 1024 * 1024;

/// The attributes metadata reads; every other attribute is skipped unread.
const KNOWN: [&str; 6] = ["property", "name", "content", "rel", "href", "type"];

/// The known attributes of one tag: the first value of each (as the HTML
/// standard says, a repeated attribute is dropped), at most [`MAX_TEXT`]
/// bytes.
#[derive(Debug, Default)]
pub struct Attrs {
    values: [Option<Vec<u8>>; KNOWN.len()],
    /// True when a value was longer than [`MAX_TEXT`] and cut.
    pub cut: bool,
}

impl Attrs {
    /// The value of `name` (one of the known attributes), lossily as text.
    pub fn get(&self, name: &str) -> Option<String> {
        let i = KNOWN.iter().position(|k| *k == name)?;
        self.values[i]
            .as_deref()
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    fn clear(&mut self) {
        self.values.iter_mut().for_each(|v| *v = None);
        self.cut = false;
    }
}

/// An element the scan found.
#[derive(Debug)]
pub enum Found<'a> {
    /// A `<meta>` tag.
    Meta(&'a Attrs),
    /// A `<link>` tag.
    Link(&'a Attrs),
    /// The text of the first `<title>`, and whether it was cut at [`MAX_TEXT`].
    Title(&'a [u8], bool),
    /// The text of a JSON-LD `<script>`; `None` when it was over [`MAX_SCRIPT`].
    JsonLd(Option<&'a [u8]>),
}

/// Which text is being collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    Title,
    JsonLd,
}

/// A byte buffer that keeps at most `cap` bytes and remembers it was cut.
fn push_capped(buf: &mut Vec<u8>, s: &[u8], cap: usize) -> bool {
    let take = s.len().min(cap.saturating_sub(buf.len()));
    buf.extend_from_slice(&s[..take]);
    take < s.len()
}

/// The tokenizer's emitter: keeps the current tag's name and known
/// attributes, and the text of the title or a JSON-LD block while inside
/// one. Every call adds the bytes it is given to `work`.
struct Sink<'a> {
    work: &'a Cell<u64>,
    found: &'a mut dyn FnMut(Found<'_>),
    is_end: bool,
    name: Vec<u8>,
    name_over: bool,
    attrs: Attrs,
    attr_name: Vec<u8>,
    attr_name_over: bool,
    /// An attribute name is being read and has not been looked up yet.
    attr_pending: bool,
    /// The known attribute whose value is being read.
    current: Option<usize>,
    last_start: Vec<u8>,
    text: Option<Text>,
    text_buf: Vec<u8>,
    text_over: bool,
    title_seen: bool,
}

impl Sink<'_> {
    fn add(&self, n: usize) {
        self.work.set(self.work.get() + n as u64 + 1);
    }

    fn wanted_tag(&self) -> bool {
        !self.is_end && !self.name_over && matches!(&self.name[..], b"meta" | b"link" | b"script")
    }

    /// Looks up the attribute whose name was just read.
    fn finish_attr_name(&mut self) {
        if !std::mem::take(&mut self.attr_pending) {
            return;
        }
        self.current = None;
        if self.attr_name_over || !self.wanted_tag() {
            return;
        }
        let Some(i) = KNOWN
            .iter()
            .position(|k| k.as_bytes().eq_ignore_ascii_case(&self.attr_name))
        else {
            return;
        };
        if self.attrs.values[i].is_none() {
            self.attrs.values[i] = Some(Vec::new());
            self.current = Some(i);
        }
    }

    fn start_tag_done(&mut self) {
        if self.name_over {
            return;
        }
        match &self.name[..] {
            b"meta" => (self.found)(Found::Meta(&self.attrs)),
            b"link" => (self.found)(Found::Link(&self.attrs)),
            b"title" if !self.title_seen => self.text = Some(Text::Title),
            b"script" => {
                let ty = self.attrs.get("type").unwrap_or_default();
                if ty.trim().eq_ignore_ascii_case("application/ld+json") {
                    self.text = Some(Text::JsonLd);
                }
            }
            _ => {}
        }
    }

    fn finish_text(&mut self) {
        match self.text.take() {
            Some(Text::Title) => {
                self.title_seen = true;
                (self.found)(Found::Title(&self.text_buf, self.text_over));
            }
            Some(Text::JsonLd) => {
                let text = (!self.text_over).then_some(&self.text_buf[..]);
                (self.found)(Found::JsonLd(text));
            }
            None => {}
        }
        self.text_buf.clear();
        self.text_over = false;
    }
}

impl Emitter for Sink<'_> {
    type Token = Infallible;

    fn set_last_start_tag(&mut self, last_start_tag: Option<&[u8]>) {
        self.last_start.clear();
        let s = last_start_tag.unwrap_or_default();
        if s.len() <= MAX_NAME {
            self.last_start.extend_from_slice(s);
        }
    }

    fn emit_eof(&mut self) {
        self.finish_text();
    }

    fn emit_error(&mut self, _: Error) {}

    fn should_emit_errors(&mut self) -> bool {
        false
    }

    fn pop_token(&mut self) -> Option<Infallible> {
        None
    }

    fn emit_string(&mut self, s: &[u8]) {
        self.add(s.len());
        let cap = match self.text {
            Some(Text::Title) => MAX_TEXT,
            Some(Text::JsonLd) => MAX_SCRIPT,
            None => return,
        };
        if push_capped(&mut self.text_buf, s, cap) {
            self.text_over = true;
        }
    }

    fn init_start_tag(&mut self) {
        self.add(0);
        self.is_end = false;
        self.name.clear();
        self.name_over = false;
        self.attrs.clear();
        self.attr_pending = false;
        self.current = None;
    }

    fn init_end_tag(&mut self) {
        self.init_start_tag();
        self.is_end = true;
    }

    fn init_comment(&mut self) {
        self.add(0);
    }

    fn emit_current_tag(&mut self) -> Option<State> {
        self.add(0);
        self.finish_attr_name();
        // Inside a title or a script only its own end tag comes out; any
        // tag ends the text, whatever it is.
        self.finish_text();
        self.last_start.clear();
        if self.is_end || self.name_over {
            return None;
        }
        self.start_tag_done();
        self.last_start.extend_from_slice(&self.name);
        naive_next_state(&self.name)
    }

    fn emit_current_comment(&mut self) {
        self.add(0);
    }

    fn emit_current_doctype(&mut self) {
        self.add(0);
    }

    fn set_self_closing(&mut self) {}

    fn set_force_quirks(&mut self) {}

    fn push_tag_name(&mut self, s: &[u8]) {
        self.add(s.len());
        if push_capped(&mut self.name, s, MAX_NAME) {
            self.name_over = true;
        }
    }

    fn push_comment(&mut self, s: &[u8]) {
        self.add(s.len());
    }

    fn push_doctype_name(&mut self, s: &[u8]) {
        self.add(s.len());
    }

    fn init_doctype(&mut self) {
        self.add(0);
    }

    fn init_attribute(&mut self) {
        self.add(0);
        self.finish_attr_name();
        self.attr_name.clear();
        self.attr_name_over = false;
        self.attr_pending = true;
        self.current = None;
    }

    fn push_attribute_name(&mut self, s: &[u8]) {
        self.add(s.len());
        if push_capped(&mut self.attr_name, s, MAX_NAME) {
            self.attr_name_over = true;
        }
    }

    fn push_attribute_value(&mut self, s: &[u8]) {
        self.add(s.len());
        self.finish_attr_name();
        if let Some(value) = self.current.and_then(|i| self.attrs.values[i].as_mut())
            && push_capped(value, s, MAX_TEXT)
        {
            self.attrs.cut = true;
        }
    }

    fn set_doctype_public_identifier(&mut self, value: &[u8]) {
        self.add(value.len());
    }

    fn set_doctype_system_identifier(&mut self, value: &[u8]) {
        self.add(value.len());
    }

    fn push_doctype_public_identifier(&mut self, s: &[u8]) {
        self.add(s.len());
    }

    fn push_doctype_system_identifier(&mut self, s: &[u8]) {
        self.add(s.len());
    }

    fn current_is_appropriate_end_tag_token(&mut self) -> bool {
        self.add(self.name.len());
        self.is_end
            && !self.name_over
            && !self.last_start.is_empty()
            && self.name == self.last_start
    }
}

/// The input, read from memory; every byte handed out or compared is
/// added to `work`.
struct Input<'a> {
    data: &'a [u8],
    pos: usize,
    work: &'a Cell<u64>,
}

impl Input<'_> {
    fn add(&self, n: usize) {
        self.work.set(self.work.get() + n as u64 + 1);
    }
}

impl<'a> Reader for Input<'a> {
    type Error = Infallible;

    fn read_byte(&mut self) -> Result<Option<u8>, Infallible> {
        self.add(1);
        let b = self.data.get(self.pos).copied();
        self.pos += usize::from(b.is_some());
        Ok(b)
    }

    fn try_read_string(&mut self, s: &[u8], case_sensitive: bool) -> Result<bool, Infallible> {
        self.add(s.len());
        let data: &'a [u8] = self.data;
        let Some(next) = data.get(self.pos..self.pos + s.len()) else {
            return Ok(false);
        };
        let same = if case_sensitive {
            next == s
        } else {
            next.eq_ignore_ascii_case(s)
        };
        if same {
            self.pos += s.len();
        }
        Ok(same)
    }

    fn read_until<'b>(
        &'b mut self,
        needle: &[u8],
        _char_buf: &'b mut [u8; 4],
    ) -> Result<Option<&'b [u8]>, Infallible> {
        let data: &'a [u8] = self.data;
        let rest = &data[self.pos..];
        if rest.is_empty() {
            self.add(0);
            return Ok(None);
        }
        let n = rest
            .iter()
            .position(|b| needle.contains(b))
            .map_or(rest.len(), |i| i.max(1));
        self.add(n);
        self.pos += n;
        Ok(Some(&rest[..n]))
    }
}

/// Tokenizes `html` and calls `found` with each element metadata comes
/// from, in document order. Returns the work done: a count that grows with
/// the input's length and nothing else (see the tests).
pub fn scan(html: &[u8], found: &mut dyn FnMut(Found<'_>)) -> u64 {
    let work = Cell::new(0);
    let sink = Sink {
        work: &work,
        found,
        is_end: false,
        name: Vec::with_capacity(MAX_NAME),
        name_over: false,
        attrs: Attrs::default(),
        attr_name: Vec::with_capacity(MAX_NAME),
        attr_name_over: false,
        attr_pending: false,
        current: None,
        last_start: Vec::with_capacity(MAX_NAME),
        text: None,
        text_buf: Vec::new(),
        text_over: false,
        title_seen: false,
    };
    let input = Input {
        data: html,
        pos: 0,
        work: &work,
    };
    match Tokenizer::new_with_emitter(input, sink).finish() {
        Ok(()) => {}
        Err(never) => match never {},
    }
    work.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Metas = Vec<(Option<String>, Option<String>)>;

    fn titles_and_metas(html: &[u8]) -> (Vec<String>, Metas) {
        let (mut titles, mut metas) = (Vec::new(), Vec::new());
        scan(html, &mut |f| match f {
            Found::Title(t, _) => titles.push(String::from_utf8_lossy(t).into_owned()),
            Found::Meta(a) => metas.push((a.get("name"), a.get("content"))),
            _ => {}
        });
        (titles, metas)
    }

    #[test]
    fn the_first_value_of_an_attribute_wins_and_text_states_hold() {
        let (titles, metas) = titles_and_metas(
            b"<TITLE>a &amp; <b>b</b></title><title>second</title>\
              <meta NAME=x name=y content='1' content=2><meta name>\
              <script>var s = '<meta name=z content=3>'</script>\
              <textarea><meta name=w content=4></textarea>",
        );
        assert_eq!(titles, ["a & <b>b</b>"]);
        assert_eq!(
            metas,
            [
                (Some("x".into()), Some("1".into())),
                (Some(String::new()), None)
            ]
        );
    }

    #[test]
    fn long_names_and_values_are_cut_not_kept() {
        let long = "a".repeat(100_000);
        let page = format!("<meta name=description content={long}><meta{long} name=x>");
        let mut seen = Vec::new();
        scan(page.as_bytes(), &mut |f| {
            if let Found::Meta(a) = f {
                seen.push((a.get("content").map(|c| c.len()), a.cut));
            }
        });
        assert_eq!(seen, [(Some(MAX_TEXT), true)]);
    }
}
