//! Streaming reader for a bulk operation's JSONL output (reference §4): one JSON object per
//! line, nested connection nodes on their own lines with an automatic `__parentId`.
//!
//! [`BulkReader`] turns any [`BufRead`] into [`BulkLine`]s one line at a time; only the
//! current line is held (and no line over [`MAX_LINE_BYTES`]). A malformed line is reported
//! with its number and skipped: it never aborts the rest and never panics. Only a read
//! error ends the stream, since nothing after it can be trusted.
//!
//! [`Assembler`] links children to parents. With `groupObjects: false` (the default from
//! 2026-01) children are not guaranteed to follow their parent, and holding every record
//! until the end would hold the file. The trade-off chosen:
//! - the latest root stays *open* and collects the children that follow it; it is emitted
//!   as a [`Record`] when the next root arrives, so in-order output costs one record;
//! - children seen before their parent wait in a pending map and join it when it arrives;
//! - a child whose record was already emitted comes out at once as
//!   [`Assembled::LateChild`], for the caller to merge into the stored record. Emitted ids
//!   are remembered in a bounded window ([`RECENT_IDS`]), never all of them;
//! - at the end, children still pending come out as [`Assembled::Unmatched`]: their record
//!   was emitted before the window (merge it like a late child) or is missing from the
//!   output (an orphan).
//!
//! Memory is bounded by the open record, the window and what is pending. Only output that
//! puts many children far from their parents makes the pending map grow. GIDs are opaque
//! strings: compared, never parsed.
//!
//! ```
//! use upsell_sync::platform::shopify::bulk_jsonl::{Assembled, Assembler, BulkReader};
//! let jsonl = "{\"id\":\"gid://shopify/Product/1\"}\n\
//!              {\"id\":\"gid://shopify/ProductVariant/11\",\"__parentId\":\"gid://shopify/Product/1\"}\n";
//! let (mut assembler, mut out) = (Assembler::new(), Vec::new());
//! for line in BulkReader::new(jsonl.as_bytes()) {
//!     match line {
//!         Ok(line) => out.extend(assembler.push(line)),
//!         Err(error) => eprintln!("{error}"), // reported, then the next line
//!     }
//! }
//! out.extend(assembler.finish());
//! assert!(matches!(&out[..], [Assembled::Record(r)] if r.children.len() == 1));
//! ```

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::{self, BufRead, ErrorKind, Read};

use serde_json::Value;

/// Longest line accepted; a longer one is skipped unread, so one bad line cannot exhaust
/// memory. Real lines are a few kilobytes.
pub const MAX_LINE_BYTES: usize = 16 << 20;
/// How many ids of emitted records (and their children) are remembered to recognise late
/// children: about 100 bytes each.
pub const RECENT_IDS: usize = 8192;
/// The key Shopify adds to nested nodes.
const PARENT_KEY: &str = "__parentId";

/// One non-blank line of bulk output.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkLine {
    /// A top-level node.
    Root(Value),
    /// A nested node; `value` no longer holds `__parentId`.
    Child {
        /// Id of the node it belongs to, as Shopify wrote it.
        parent_id: String,
        /// The node itself.
        value: Value,
    },
}

/// A line that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// The line is not a usable object; it was skipped and reading goes on.
    #[error("bulk output line {line}: {reason}; line skipped")]
    Malformed {
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading failed; the stream ends here.
    #[error("bulk output line {line}: read failed, stopping: {source}")]
    Io {
        /// 1-based number of the line being read.
        line: u64,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// What the reader has seen so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Lines read, blank and bad ones included.
    pub lines: u64,
    /// Empty or whitespace-only lines (ignored).
    pub blank: u64,
    /// Top-level nodes.
    pub roots: u64,
    /// Nested nodes.
    pub children: u64,
    /// Malformed lines, skipped.
    pub bad: u64,
}

/// Iterator over the lines of bulk output; see the module doc.
#[derive(Debug)]
pub struct BulkReader<R> {
    input: R,
    max_line: usize,
    line: u64,
    buf: Vec<u8>,
    stats: ReadStats,
    done: bool,
}

impl<R: BufRead> BulkReader<R> {
    /// Reads `input` line by line.
    pub fn new(input: R) -> Self {
        Self {
            input,
            max_line: MAX_LINE_BYTES,
            line: 0,
            buf: Vec::new(),
            stats: ReadStats::default(),
            done: false,
        }
    }

    /// Sets the longest line accepted, in bytes (default [`MAX_LINE_BYTES`]).
    #[must_use]
    pub fn with_max_line(mut self, bytes: usize) -> Self {
        self.max_line = bytes;
        self
    }

    /// Counts so far.
    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// Reads the next line into `buf`: `None` at the end, `Some(true)` if it was too long
    /// (then skipped, `buf` empty).
    fn read_line(&mut self) -> io::Result<Option<bool>> {
        self.buf.clear();
        let limit = self.max_line.saturating_add(1);
        let mut bounded = (&mut self.input).take(limit as u64);
        let read = bounded.read_until(b'\n', &mut self.buf)?;
        if read == 0 {
            return Ok(None);
        }
        if read < limit || self.buf.last() == Some(&b'\n') {
            return Ok(Some(false));
        }
        self.buf.clear();
        skip_line(&mut self.input)?;
        Ok(Some(true))
    }

    fn parse_current(&mut self, too_long: bool) -> Result<Option<BulkLine>, String> {
        if too_long {
            return Err(format!("longer than {} bytes", self.max_line));
        }
        parse_line(&self.buf)
    }
}

impl<R: BufRead> Iterator for BulkReader<R> {
    type Item = Result<BulkLine, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let too_long = match self.read_line() {
                Ok(Some(too_long)) => too_long,
                Ok(None) => break,
                Err(source) => {
                    self.done = true;
                    let line = self.line + 1;
                    return Some(Err(LineError::Io { line, source }));
                }
            };
            self.line += 1;
            self.stats.lines += 1;
            match self.parse_current(too_long) {
                Ok(None) => self.stats.blank += 1,
                Ok(Some(parsed)) => {
                    match parsed {
                        BulkLine::Root(_) => self.stats.roots += 1,
                        BulkLine::Child { .. } => self.stats.children += 1,
                    }
                    return Some(Ok(parsed));
                }
                Err(reason) if !too_long && !self.buf.ends_with(b"\n") => {
                    // The last line, cut off before its end: the output is truncated,
                    // and records it would have completed cannot be trusted either.
                    self.stats.bad += 1;
                    self.done = true;
                    let line = self.line;
                    let source = io::Error::new(
                        ErrorKind::UnexpectedEof,
                        format!("the output ends inside this line ({reason}): truncated"),
                    );
                    return Some(Err(LineError::Io { line, source }));
                }
                Err(reason) => {
                    self.stats.bad += 1;
                    let line = self.line;
                    return Some(Err(LineError::Malformed { line, reason }));
                }
            }
        }
        self.done = true;
        None
    }
}

/// Parses one line (its ending and surrounding whitespace ignored): `None` if blank.
pub fn parse_line(raw: &[u8]) -> Result<Option<BulkLine>, String> {
    let text = raw.trim_ascii();
    if text.is_empty() {
        return Ok(None);
    }
    let text = crate::platform::lone_surrogates::replace_lone_surrogates(text);
    let value: Value = serde_json::from_slice(&text).map_err(|error| describe(&error))?;
    let mut object = match value {
        Value::Object(object) => object,
        other => return Err(format!("expected a JSON object, found {}", kind(&other))),
    };
    match object.remove(PARENT_KEY) {
        None => Ok(Some(BulkLine::Root(Value::Object(object)))),
        Some(Value::String(parent_id)) => Ok(Some(BulkLine::Child {
            parent_id,
            value: Value::Object(object),
        })),
        Some(other) => Err(format!(
            "`{PARENT_KEY}` must be a string, found {}",
            kind(&other)
        )),
    }
}

/// A JSON error without serde's "line 1", meaningless inside one line.
fn describe(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    format!("invalid JSON at column {}: {message}", error.column())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Discards input up to and including the next newline, chunk by chunk.
fn skip_line<R: BufRead>(input: &mut R) -> io::Result<()> {
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if chunk.is_empty() {
            return Ok(());
        }
        if let Some(at) = chunk.iter().position(|&byte| byte == b'\n') {
            input.consume(at + 1);
            return Ok(());
        }
        let len = chunk.len();
        input.consume(len);
    }
}

/// A nested node with the id of the node it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    /// Id of its parent (the root or another child of the same record).
    pub parent_id: String,
    /// The node, without `__parentId`.
    pub value: Value,
}

/// A root with the descendants linked to it, in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The top-level node.
    pub root: Value,
    /// Its children (and their children), each naming its parent.
    pub children: Vec<Child>,
}

/// What the [`Assembler`] hands on.
#[derive(Debug, Clone, PartialEq)]
pub enum Assembled {
    /// A root with every descendant seen before it or right after it.
    Record(Record),
    /// A child of a record already emitted: merge it into the stored record.
    LateChild(Child),
    /// At the end: children whose parent was not seen in the window. Merge them into the
    /// stored record if there is one, else they are orphans.
    Unmatched {
        /// The id they name.
        parent_id: String,
        /// The children, in arrival order.
        children: Vec<Value>,
    },
}

/// What the assembler has done, including the peaks that show its memory stayed bounded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AssemblyStats {
    /// Records emitted.
    pub records: u64,
    /// Children delivered inside records.
    pub attached: u64,
    /// Of those, children that arrived before their parent.
    pub early: u64,
    /// Children delivered as [`Assembled::LateChild`].
    pub late: u64,
    /// Children delivered as [`Assembled::Unmatched`].
    pub unmatched: u64,
    /// Most children pending at once.
    pub peak_pending: usize,
    /// Most children held in the open record at once.
    pub peak_open: usize,
}

/// Links children to parents with bounded memory; see the module doc.
#[derive(Debug)]
pub struct Assembler {
    open: Option<Open>,
    /// Children by the parent id they wait for.
    pending: BTreeMap<String, Vec<Value>>,
    pending_len: usize,
    recent: Recent,
    stats: AssemblyStats,
}

/// The record being collected and the ids its nodes answer to.
#[derive(Debug)]
struct Open {
    record: Record,
    members: HashSet<String>,
}

/// A bounded window of ids of emitted nodes, oldest forgotten first.
#[derive(Debug)]
struct Recent {
    capacity: usize,
    order: VecDeque<String>,
    ids: HashSet<String>,
}

impl Default for Assembler {
    fn default() -> Self {
        Self::new()
    }
}

impl Assembler {
    /// An assembler remembering [`RECENT_IDS`] emitted ids.
    #[must_use]
    pub fn new() -> Self {
        Self::with_window(RECENT_IDS)
    }

    /// An assembler remembering `capacity` emitted ids to recognise late children.
    #[must_use]
    pub fn with_window(capacity: usize) -> Self {
        Self {
            open: None,
            pending: BTreeMap::new(),
            pending_len: 0,
            recent: Recent {
                capacity,
                order: VecDeque::new(),
                ids: HashSet::new(),
            },
            stats: AssemblyStats::default(),
        }
    }

    /// Takes the next line; returns what became complete (often nothing).
    pub fn push(&mut self, line: BulkLine) -> Vec<Assembled> {
        match line {
            BulkLine::Root(root) => self.push_root(root),
            BulkLine::Child { parent_id, value } => self.push_child(Child { parent_id, value }),
        }
    }

    /// Ends the stream: the open record, then every child still pending.
    pub fn finish(&mut self) -> Vec<Assembled> {
        let mut out: Vec<Assembled> = self.close().into_iter().collect();
        for (parent_id, children) in std::mem::take(&mut self.pending) {
            self.stats.unmatched += children.len() as u64;
            out.push(Assembled::Unmatched {
                parent_id,
                children,
            });
        }
        self.pending_len = 0;
        out
    }

    /// Counts and peaks so far.
    #[must_use]
    pub fn stats(&self) -> AssemblyStats {
        self.stats
    }

    fn push_root(&mut self, root: Value) -> Vec<Assembled> {
        let closed = self.close();
        let mut open = Open {
            record: Record {
                root,
                children: Vec::new(),
            },
            members: HashSet::new(),
        };
        if let Some(id) = id_of(&open.record.root) {
            self.adopt(&mut open, id);
        }
        self.open = Some(open);
        closed.into_iter().collect()
    }

    fn push_child(&mut self, child: Child) -> Vec<Assembled> {
        let parent_id = &child.parent_id;
        if (self.open.as_ref()).is_some_and(|open| open.members.contains(parent_id)) {
            self.attach(child);
            return Vec::new();
        }
        if self.recent.contains(&child.parent_id) {
            let mut out = Vec::new();
            self.deliver_late(child, &mut out);
            return out;
        }
        self.pending
            .entry(child.parent_id)
            .or_default()
            .push(child.value);
        self.pending_len += 1;
        self.stats.peak_pending = self.stats.peak_pending.max(self.pending_len);
        Vec::new()
    }

    /// Adds a child of the open record, with any children already waiting for it.
    fn attach(&mut self, child: Child) {
        let Some(mut open) = self.open.take() else {
            return;
        };
        let id = id_of(&child.value);
        open.record.children.push(child);
        self.stats.attached += 1;
        if let Some(id) = id {
            self.adopt(&mut open, id);
        }
        self.stats.peak_open = self.stats.peak_open.max(open.record.children.len());
        self.open = Some(open);
    }

    /// Makes `id` a member of `open` and pulls in the children waiting for it, and theirs.
    fn adopt(&mut self, open: &mut Open, id: String) {
        let mut ids = vec![id];
        while let Some(id) = ids.pop() {
            for value in self.take_pending(&id) {
                ids.extend(id_of(&value));
                open.record.children.push(Child {
                    parent_id: id.clone(),
                    value,
                });
                self.stats.attached += 1;
                self.stats.early += 1;
            }
            open.members.insert(id);
        }
        self.stats.peak_open = self.stats.peak_open.max(open.record.children.len());
    }

    /// Hands on a child of an emitted record, and any children already waiting for it.
    fn deliver_late(&mut self, child: Child, out: &mut Vec<Assembled>) {
        let mut queue = vec![child];
        while let Some(child) = queue.pop() {
            if let Some(id) = id_of(&child.value) {
                for value in self.take_pending(&id) {
                    queue.push(Child {
                        parent_id: id.clone(),
                        value,
                    });
                }
                self.recent.insert(id);
            }
            self.stats.late += 1;
            out.push(Assembled::LateChild(child));
        }
    }

    fn take_pending(&mut self, id: &str) -> Vec<Value> {
        let children = self.pending.remove(id).unwrap_or_default();
        self.pending_len -= children.len();
        children
    }

    fn close(&mut self) -> Option<Assembled> {
        let open = self.open.take()?;
        for id in open.members {
            self.recent.insert(id);
        }
        self.stats.records += 1;
        Some(Assembled::Record(open.record))
    }
}

impl Recent {
    fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    fn insert(&mut self, id: String) {
        if self.capacity == 0 || !self.ids.insert(id.clone()) {
            return;
        }
        self.order.push_back(id);
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
    }
}

/// A node's `id`, when it has a string one.
fn id_of(value: &Value) -> Option<String> {
    value.get("id").and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests;
