//! The history: what happened, in simulation order, as the outside world could observe it.
//! It is the checker's only input, and the `--history` JSON-lines file is this, line by line
//! (see the README's "History" section for the exact line format).
//!
//! Records are compact (ids, not strings) so that recording costs little in the hot loop; the
//! name tables turn ids into the contract's names when the history is written out.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::domain::Kind;
use super::text::{echo, echo_within};

mod structure;
pub use structure::REPLICAS_MAX;

/// Index of a node in the run's node table (`Names::nodes`).
pub type NodeId = u16;
/// Index of a delivery in the run's delivery table (`Names::deliveries`).
pub type DeliveryId = u32;
/// A committed event's unique id (1, 2, 3 … in commit order at `app`).
pub type EventId = u64;

/// Why a repeat or an old write was recognised and not applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The event was already there (broker dedup of a producer retry, or the idempotent
    /// consumer's processed-id table).
    Duplicate,
    /// The replica already holds a newer version of the delivery.
    Stale,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Duplicate => "duplicate",
            SkipReason::Stale => "stale",
        }
    }
}

/// One observable step. Field meanings follow DESIGN.md's history contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// First line: the replicas the checker must account for, and the run's identity.
    Start { replicas: Vec<NodeId>, seed: u64, scenario: String },
    /// `app` committed an event locally (row + outbox row in one transaction).
    Commit { event: EventId, delivery: DeliveryId, kind: Kind, seq: u32 },
    /// A producer (`app` in dual write, or a relay) sent the event to the broker.
    Publish { event: EventId, partition: u32 },
    /// A partition leader appended the event at `offset`.
    Append { event: EventId, partition: u32, offset: u64 },
    /// The producer received the broker's acknowledgement.
    Ack { event: EventId, partition: u32, offset: u64 },
    /// A consumer received the record from the broker.
    Deliver { event: EventId, partition: u32, offset: u64 },
    /// A replica applied the event to its rows.
    Apply { replica: NodeId, event: EventId, delivery: DeliveryId, kind: Kind, seq: u32 },
    /// A repeat was recognised and not applied: at a replica (`replica` set) or at the
    /// broker (idempotent producer dedup: `replica` None, `partition` set).
    Skip { replica: Option<NodeId>, partition: Option<u32>, event: EventId, reason: SkipReason },
    /// The client read a delivery: the replicas that answered, the version it returned, and the
    /// newest version acknowledged to the writer when the read began. `refused` when it could
    /// not reach the replicas its mode needs.
    Read { delivery: DeliveryId, replicas: Vec<NodeId>, version: u32, latest: u32, refused: bool },
    /// The node crashed (volatile state lost).
    Crash,
    /// The node restarted.
    Restart,
    /// The link node → `to` was cut (`oneway`: only that direction).
    Cut { to: NodeId, oneway: bool },
    /// Links were healed (`to` None: all of them).
    Heal { to: Option<NodeId> },
    /// The node was paused for `for_ms`.
    Pause { for_ms: u64 },
    /// The replica was emptied; it rebuilds from offset 0. The checker forgets what it had.
    Wipe { replica: NodeId },
    /// End of run: the final log of one partition (the event ids in offset order).
    FinalLog { partition: u32, events: Vec<EventId> },
    /// End of run: one delivery's row at `app` or at a replica (`status` None: no row).
    Final { delivery: DeliveryId, status: Option<Kind>, version: u32 },
}

/// One history line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rec {
    /// Virtual time, µs (written out as `t_ms`).
    pub t_us: u64,
    /// The node where it happened.
    pub node: NodeId,
    pub op: Op,
}

/// Names for ids, to write the contract's strings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Names {
    pub nodes: Vec<String>,
    pub deliveries: Vec<String>,
}

impl Names {
    /// The id of a delivery name, adding it if new.
    pub fn delivery_id(&mut self, name: &str) -> DeliveryId {
        if let Some(i) = self.deliveries.iter().position(|d| d == name) {
            return i as DeliveryId;
        }
        self.deliveries.push(name.to_string());
        (self.deliveries.len() - 1) as DeliveryId
    }

    /// The id of a node name, adding it if new (used when reading a history file).
    pub fn node_id(&mut self, name: &str) -> NodeId {
        if let Some(i) = self.nodes.iter().position(|d| d == name) {
            return i as NodeId;
        }
        self.nodes.push(name.to_string());
        (self.nodes.len() - 1) as NodeId
    }
}

// ---------------------------------------------------------------------------------------------
// JSON lines: the `--history` file format.
//
// Written by hand (a history can hold 10^6 lines, and the key order is part of the contract);
// read with serde into a borrowed, all-optional line struct, then checked field by field so an
// error names the line and the missing or bad field.

impl Op {
    /// The contract's snake_case name of the op (the `op` key of a history line).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Start { .. } => "start",
            Op::Commit { .. } => "commit",
            Op::Publish { .. } => "publish",
            Op::Append { .. } => "append",
            Op::Ack { .. } => "ack",
            Op::Deliver { .. } => "deliver",
            Op::Apply { .. } => "apply",
            Op::Skip { .. } => "skip",
            Op::Read { .. } => "read",
            Op::Crash => "crash",
            Op::Restart => "restart",
            Op::Cut { .. } => "cut",
            Op::Heal { .. } => "heal",
            Op::Pause { .. } => "pause",
            Op::Wipe { .. } => "wipe",
            Op::FinalLog { .. } => "final_log",
            Op::Final { .. } => "final",
        }
    }
}

impl SkipReason {
    /// Parses the contract's name (`duplicate` | `stale`).
    pub fn parse(s: &str) -> Option<SkipReason> {
        match s {
            "duplicate" => Some(SkipReason::Duplicate),
            "stale" => Some(SkipReason::Stale),
            _ => None,
        }
    }
}

/// Writes the history as JSON lines (one object a line, each ending in `\n`), in the
/// contract's key order. See [`to_json_line`] for the line format.
pub fn write_jsonl(recs: &[Rec], names: &Names, out: &mut impl io::Write) -> io::Result<()> {
    // One reused buffer, flushed in blocks: formatting dominates, not the writes.
    let mut buf = String::with_capacity(64 * 1024);
    for rec in recs {
        push_json_line(&mut buf, rec, names);
        buf.push('\n');
        if buf.len() >= 60 * 1024 {
            out.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    out.write_all(buf.as_bytes())
}

/// One history line as JSON, without the trailing newline: `t_ms` (a number: an integer when
/// `t_us` is a whole millisecond, else up to 3 decimals, e.g. `12.345`), `node`, `op`, then the
/// op's fields in the contract's order. Ids are written as names from `names`; event ids as
/// integers.
pub fn to_json_line(rec: &Rec, names: &Names) -> String {
    let mut buf = String::with_capacity(96);
    push_json_line(&mut buf, rec, names);
    buf
}

fn push_json_line(buf: &mut String, rec: &Rec, names: &Names) {
    buf.push_str("{\"t_ms\":");
    push_t_ms(buf, rec.t_us);
    buf.push_str(",\"node\":");
    push_json_str(buf, &node_name(names, rec.node));
    buf.push_str(",\"op\":\"");
    buf.push_str(rec.op.name());
    buf.push('"');
    match &rec.op {
        Op::Start { .. }
        | Op::Commit { .. }
        | Op::Apply { .. }
        | Op::Skip { .. }
        | Op::Read { .. }
        | Op::Final { .. } => push_row_fields(buf, &rec.op, names),
        Op::Publish { .. } | Op::Append { .. } | Op::Ack { .. } | Op::Deliver { .. } | Op::FinalLog { .. } => {
            push_log_fields(buf, &rec.op)
        }
        Op::Crash | Op::Restart | Op::Cut { .. } | Op::Heal { .. } | Op::Pause { .. } | Op::Wipe { .. } => {
            push_fault_fields(buf, &rec.op, names)
        }
    }
    buf.push('}');
}

// `write!` into a String cannot fail: the push_*_fields functions ignore its result on purpose.

/// The fields of the ops about rows and who holds them: start, commit, apply, skip, read, final.
fn push_row_fields(buf: &mut String, op: &Op, names: &Names) {
    match op {
        Op::Start { replicas, seed, scenario } => {
            buf.push_str(",\"replicas\":");
            push_node_list(buf, names, replicas);
            let _ = write!(buf, ",\"seed\":{seed},\"scenario\":");
            push_json_str(buf, scenario);
        }
        Op::Commit { event, delivery, kind, seq } => push_event_row(buf, names, *event, *delivery, *kind, *seq),
        Op::Apply { replica, event, delivery, kind, seq } => {
            buf.push_str(",\"replica\":");
            push_json_str(buf, &node_name(names, *replica));
            push_event_row(buf, names, *event, *delivery, *kind, *seq);
        }
        Op::Skip { replica, partition, event, reason } => {
            if let Some(r) = replica {
                buf.push_str(",\"replica\":");
                push_json_str(buf, &node_name(names, *r));
            }
            if let Some(p) = partition {
                let _ = write!(buf, ",\"partition\":{p}");
            }
            let _ = write!(buf, ",\"event\":{event},\"reason\":\"{}\"", reason.as_str());
        }
        Op::Read { delivery, replicas, version, latest, refused } => {
            buf.push_str(",\"delivery\":");
            push_json_str(buf, &delivery_name(names, *delivery));
            buf.push_str(",\"replicas\":");
            push_node_list(buf, names, replicas);
            if *refused {
                let _ = write!(buf, ",\"latest\":{latest},\"refused\":true");
            } else {
                let _ = write!(buf, ",\"version\":{version},\"latest\":{latest}");
            }
        }
        Op::Final { delivery, status, version } => {
            buf.push_str(",\"delivery\":");
            push_json_str(buf, &delivery_name(names, *delivery));
            match status {
                Some(k) => {
                    let _ = write!(buf, ",\"status\":\"{}\"", k.as_str());
                }
                None => buf.push_str(",\"status\":null"),
            }
            let _ = write!(buf, ",\"version\":{version}");
        }
        _ => unreachable!("push_json_line sends only row ops here"),
    }
}

/// `event`, `delivery`, `kind`, `seq`: the common tail of commit and apply lines.
fn push_event_row(buf: &mut String, names: &Names, event: EventId, delivery: DeliveryId, kind: Kind, seq: u32) {
    let _ = write!(buf, ",\"event\":{event},\"delivery\":");
    push_json_str(buf, &delivery_name(names, delivery));
    let _ = write!(buf, ",\"kind\":\"{}\",\"seq\":{seq}", kind.as_str());
}

/// The fields of the ops about the broker's log: publish, append, ack, deliver, final_log.
fn push_log_fields(buf: &mut String, op: &Op) {
    match op {
        Op::Publish { event, partition } => {
            let _ = write!(buf, ",\"event\":{event},\"partition\":{partition}");
        }
        Op::Append { event, partition, offset }
        | Op::Ack { event, partition, offset }
        | Op::Deliver { event, partition, offset } => {
            let _ = write!(buf, ",\"event\":{event},\"partition\":{partition},\"offset\":{offset}");
        }
        Op::FinalLog { partition, events } => {
            let _ = write!(buf, ",\"partition\":{partition},\"events\":[");
            for (i, e) in events.iter().enumerate() {
                if i > 0 {
                    buf.push(',');
                }
                let _ = write!(buf, "{e}");
            }
            buf.push(']');
        }
        _ => unreachable!("push_json_line sends only log ops here"),
    }
}

/// The fields of faults: crash, restart, cut, heal, pause, wipe.
fn push_fault_fields(buf: &mut String, op: &Op, names: &Names) {
    let push_node = |buf: &mut String, key: &str, id: NodeId| {
        let _ = write!(buf, ",\"{key}\":");
        push_json_str(buf, &node_name(names, id));
    };
    match op {
        Op::Cut { to, oneway } => {
            push_node(buf, "to", *to);
            let _ = write!(buf, ",\"oneway\":{oneway}");
        }
        Op::Heal { to: Some(to) } => push_node(buf, "to", *to),
        Op::Pause { for_ms } => {
            let _ = write!(buf, ",\"for_ms\":{for_ms}");
        }
        Op::Wipe { replica } => push_node(buf, "replica", *replica),
        Op::Crash | Op::Restart | Op::Heal { to: None } => {}
        _ => unreachable!("push_json_line sends only faults here"),
    }
}

/// `t_us` as milliseconds: `12`, `12.3`, `12.345` (trailing zeros of the fraction dropped, so
/// the text is a function of the value alone).
fn push_t_ms(buf: &mut String, t_us: u64) {
    let _ = write!(buf, "{}", t_us / 1000);
    let mut frac = t_us % 1000;
    if frac != 0 {
        let mut width = 3;
        while frac.is_multiple_of(10) {
            frac /= 10;
            width -= 1;
        }
        let _ = write!(buf, ".{frac:0width$}");
    }
}

/// A JSON string literal. Names are plain ASCII almost always, so they are copied as they are
/// unless a character needs escaping.
fn push_json_str(buf: &mut String, s: &str) {
    buf.push('"');
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        buf.push_str(s);
    } else {
        for c in s.chars() {
            match c {
                '"' => buf.push_str("\\\""),
                '\\' => buf.push_str("\\\\"),
                '\n' => buf.push_str("\\n"),
                '\r' => buf.push_str("\\r"),
                '\t' => buf.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(buf, "\\u{:04x}", c as u32);
                }
                c => buf.push(c),
            }
        }
    }
    buf.push('"');
}

fn push_node_list(buf: &mut String, names: &Names, ids: &[NodeId]) {
    buf.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        push_json_str(buf, &node_name(names, *id));
    }
    buf.push(']');
}

/// The name of a node id. An id outside the table is a recording bug; it is written as `#id`
/// rather than aborting the export, so the rest of the history can still be inspected.
fn node_name(names: &Names, id: NodeId) -> Cow<'_, str> {
    debug_assert!((id as usize) < names.nodes.len(), "node id {id} has no name");
    match names.nodes.get(id as usize) {
        Some(n) => Cow::Borrowed(n.as_str()),
        None => Cow::Owned(format!("#{id}")),
    }
}

/// The name of a delivery id (see [`node_name`] for ids outside the table).
fn delivery_name(names: &Names, id: DeliveryId) -> Cow<'_, str> {
    debug_assert!((id as usize) < names.deliveries.len(), "delivery id {id} has no name");
    match names.deliveries.get(id as usize) {
        Some(n) => Cow::Borrowed(n.as_str()),
        None => Cow::Owned(format!("#{id}")),
    }
}

/// Reads a history written by [`write_jsonl`] (or by anyone following the contract). Blank
/// lines are ignored, and so are keys an op does not use (room for additions). Names are
/// interned in order of first appearance, so the returned ids follow the file, not the run that
/// wrote it. An error names the 1-based line number and the problem.
pub fn parse_jsonl(text: &str) -> Result<(Vec<Rec>, Names), String> {
    let mut interner = Interner::default();
    let mut structure = structure::Structure::default();
    let mut recs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let rec = parse_line(line, &mut interner)
            .and_then(|rec| structure.take(i + 1, &rec, &interner.names).map(|()| rec))
            .map_err(|e| format!("line {}: {e}", i + 1))?;
        recs.push(rec);
    }
    structure.finish()?;
    Ok((recs, interner.names))
}

/// Name tables with hash indexes, for reading large files (the `Names` lookups are linear).
/// The maps are only looked up, never iterated, so they cannot make anything order-dependent.
#[derive(Default)]
struct Interner {
    names: Names,
    nodes: HashMap<String, NodeId>,
    deliveries: HashMap<String, DeliveryId>,
}

impl Interner {
    fn node(&mut self, name: &str) -> Result<NodeId, String> {
        if let Some(&id) = self.nodes.get(name) {
            return Ok(id);
        }
        check_name(name, "node")?;
        let id = NodeId::try_from(self.names.nodes.len())
            .map_err(|_| format!("too many distinct node names (at `{}`)", echo(name)))?;
        self.names.nodes.push(name.to_string());
        self.nodes.insert(name.to_string(), id);
        Ok(id)
    }

    fn delivery(&mut self, name: &str) -> Result<DeliveryId, String> {
        if let Some(&id) = self.deliveries.get(name) {
            return Ok(id);
        }
        check_name(name, "delivery")?;
        let id = DeliveryId::try_from(self.names.deliveries.len())
            .map_err(|_| format!("too many distinct delivery names (at `{}`)", echo(name)))?;
        self.names.deliveries.push(name.to_string());
        self.deliveries.insert(name.to_string(), id);
        Ok(id)
    }
}

/// The longest node or delivery name a history may hold.
const NAME_LEN_MAX: usize = 32;

/// A node or delivery name is 1–32 characters of `[A-Za-z0-9_-]` (the contract's names and
/// delivery names), so names the report prints back are plain text.
fn check_name(name: &str, what: &str) -> Result<(), String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if (1..=NAME_LEN_MAX).contains(&name.len()) && name.chars().all(ok) {
        Ok(())
    } else {
        Err(format!("a {what} name is 1..={NAME_LEN_MAX} characters of [A-Za-z0-9_-], got `{}`", echo(name)))
    }
}

/// A JSON string, borrowed from the input unless it had escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        d.deserialize_str(V).map(Text)
    }
}

/// Every key any op uses, all optional: which ones are required depends on `op`.
#[derive(Deserialize)]
struct Line<'a> {
    t_ms: Option<serde_json::Number>,
    #[serde(borrow)]
    node: Option<Text<'a>>,
    #[serde(borrow)]
    op: Option<Text<'a>>,
    event: Option<EventId>,
    #[serde(borrow)]
    delivery: Option<Text<'a>>,
    kind: Option<Kind>,
    seq: Option<u32>,
    partition: Option<u32>,
    offset: Option<u64>,
    #[serde(borrow)]
    replica: Option<Text<'a>>,
    #[serde(borrow)]
    reason: Option<Text<'a>>,
    #[serde(borrow)]
    replicas: Option<Vec<Text<'a>>>,
    version: Option<u32>,
    latest: Option<u32>,
    refused: Option<bool>,
    #[serde(borrow)]
    to: Option<Text<'a>>,
    oneway: Option<bool>,
    for_ms: Option<u64>,
    events: Option<Vec<EventId>>,
    /// Outer None: key absent; inner None: `null` (a `final` line for a delivery with no row).
    #[serde(default, deserialize_with = "present")]
    status: Option<Option<Kind>>,
    seed: Option<u64>,
    scenario: Option<String>,
}

/// Marks a key as present even when its value is `null`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Kind>>, D::Error> {
    Option::<Kind>::deserialize(d).map(Some)
}

/// A required key of `op`, or an error naming it.
fn need<T>(v: Option<T>, key: &str, op: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("op `{op}` needs key `{key}`"))
}

/// `t_ms` back to µs: exact for integers; decimals are rounded to the nearest µs.
fn t_us_of(n: &serde_json::Number) -> Result<u64, String> {
    if let Some(ms) = n.as_u64() {
        return ms.checked_mul(1000).ok_or_else(|| format!("`t_ms` {ms} is too large"));
    }
    match n.as_f64() {
        Some(ms) if ms.is_finite() && ms >= 0.0 && ms * 1000.0 < u64::MAX as f64 => Ok((ms * 1000.0).round() as u64),
        _ => Err(format!("`t_ms` must be a non-negative number of ms, got {}", echo(&n.to_string()))),
    }
}

fn parse_line(text: &str, names: &mut Interner) -> Result<Rec, String> {
    let line: Line = serde_json::from_str(text).map_err(|e| {
        // serde_json's message ends in " at line 1 column C"; the line is ours to name.
        let msg = e.to_string();
        let msg = msg.rfind(" at line ").map_or(msg.as_str(), |i| &msg[..i]).to_string();
        format!("column {}: {}", e.column(), echo_within(&msg, 160))
    })?;
    let t_us = t_us_of(&line.t_ms.ok_or("missing key `t_ms`")?)?;
    let node = names.node(&line.node.ok_or("missing key `node`")?.0)?;
    let op_text = line.op.ok_or("missing key `op`")?;
    // `n`, the op's name, goes into every "op `n` needs key …" error.
    let n: &str = &op_text.0;
    let op = match n {
        "start" => {
            let mut replicas = Vec::new();
            for r in need(line.replicas, "replicas", n)? {
                replicas.push(names.node(&r.0)?);
            }
            Op::Start { replicas, seed: need(line.seed, "seed", n)?, scenario: need(line.scenario, "scenario", n)? }
        }
        "commit" => Op::Commit {
            event: need(line.event, "event", n)?,
            delivery: names.delivery(&need(line.delivery, "delivery", n)?.0)?,
            kind: need(line.kind, "kind", n)?,
            seq: need(line.seq, "seq", n)?,
        },
        "publish" => {
            Op::Publish { event: need(line.event, "event", n)?, partition: need(line.partition, "partition", n)? }
        }
        "append" | "ack" | "deliver" => {
            let event = need(line.event, "event", n)?;
            let partition = need(line.partition, "partition", n)?;
            let offset = need(line.offset, "offset", n)?;
            match n {
                "append" => Op::Append { event, partition, offset },
                "ack" => Op::Ack { event, partition, offset },
                _ => Op::Deliver { event, partition, offset },
            }
        }
        "apply" => Op::Apply {
            replica: names.node(&need(line.replica, "replica", n)?.0)?,
            event: need(line.event, "event", n)?,
            delivery: names.delivery(&need(line.delivery, "delivery", n)?.0)?,
            kind: need(line.kind, "kind", n)?,
            seq: need(line.seq, "seq", n)?,
        },
        "skip" => {
            let replica = match line.replica {
                Some(r) => Some(names.node(&r.0)?),
                None => None,
            };
            let reason = need(line.reason, "reason", n)?;
            let reason = SkipReason::parse(&reason.0)
                .ok_or_else(|| format!("`reason` must be duplicate or stale, got `{}`", echo(&reason.0)))?;
            Op::Skip { replica, partition: line.partition, event: need(line.event, "event", n)?, reason }
        }
        "read" => {
            let delivery = names.delivery(&need(line.delivery, "delivery", n)?.0)?;
            let mut replicas = Vec::new();
            for r in need(line.replicas, "replicas", n)? {
                replicas.push(names.node(&r.0)?);
            }
            let refused = line.refused.unwrap_or(false);
            // A refused read returned nothing: its version is not written, and reads back as 0.
            let version = if refused { line.version.unwrap_or(0) } else { need(line.version, "version", n)? };
            Op::Read { delivery, replicas, version, latest: need(line.latest, "latest", n)?, refused }
        }
        "crash" => Op::Crash,
        "restart" => Op::Restart,
        "cut" => Op::Cut { to: names.node(&need(line.to, "to", n)?.0)?, oneway: need(line.oneway, "oneway", n)? },
        "heal" => Op::Heal {
            to: match line.to {
                Some(to) => Some(names.node(&to.0)?),
                None => None,
            },
        },
        "pause" => Op::Pause { for_ms: need(line.for_ms, "for_ms", n)? },
        "wipe" => Op::Wipe { replica: names.node(&need(line.replica, "replica", n)?.0)? },
        "final_log" => {
            Op::FinalLog { partition: need(line.partition, "partition", n)?, events: need(line.events, "events", n)? }
        }
        "final" => Op::Final {
            delivery: names.delivery(&need(line.delivery, "delivery", n)?.0)?,
            status: need(line.status, "status", n)?,
            version: need(line.version, "version", n)?,
        },
        other => return Err(format!("unknown op `{}`", echo(other))),
    };
    Ok(Rec { t_us, node, op })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            nodes: ["app", "relay-0", "broker-1", "db1", "db2", "client"].map(String::from).to_vec(),
            deliveries: vec!["D1".to_string(), "D\"2\n".to_string()],
        }
    }

    fn rec(t_us: u64, node: NodeId, op: Op) -> Rec {
        Rec { t_us, node, op }
    }

    /// One record of every op, with every optional field both present and absent.
    fn every_op() -> Vec<Rec> {
        vec![
            rec(0, 0, Op::Start { replicas: vec![3, 4], seed: 42, scenario: "outbox \"vs\" dual".into() }),
            rec(1_000, 0, Op::Commit { event: 1, delivery: 0, kind: Kind::Created, seq: 1 }),
            rec(1_500, 1, Op::Publish { event: 1, partition: 2 }),
            rec(2_250, 2, Op::Append { event: 1, partition: 2, offset: 0 }),
            rec(2_300, 1, Op::Ack { event: 1, partition: 2, offset: 0 }),
            rec(2_301, 3, Op::Deliver { event: 1, partition: 2, offset: 0 }),
            rec(2_302, 3, Op::Apply { replica: 3, event: 1, delivery: 1, kind: Kind::Created, seq: 1 }),
            rec(3_000, 2, Op::Skip { replica: None, partition: Some(2), event: 1, reason: SkipReason::Duplicate }),
            rec(3_000, 4, Op::Skip { replica: Some(4), partition: None, event: 1, reason: SkipReason::Stale }),
            rec(4_000, 5, Op::Read { delivery: 0, replicas: vec![3, 4], version: 1, latest: 1, refused: false }),
            rec(4_001, 5, Op::Read { delivery: 0, replicas: vec![], version: 0, latest: 1, refused: true }),
            rec(5_000, 0, Op::Crash),
            rec(6_000, 0, Op::Restart),
            rec(7_000, 0, Op::Cut { to: 2, oneway: true }),
            rec(8_000, 0, Op::Heal { to: Some(2) }),
            rec(8_000, 0, Op::Heal { to: None }),
            rec(9_000, 4, Op::Pause { for_ms: 300 }),
            rec(10_000, 4, Op::Wipe { replica: 4 }),
            rec(60_000_000, 2, Op::FinalLog { partition: 2, events: vec![1, 7, 3] }),
            rec(60_000_000, 2, Op::FinalLog { partition: 0, events: vec![] }),
            rec(60_000_000, 3, Op::Final { delivery: 0, status: Some(Kind::Created), version: 1 }),
            rec(60_000_000, 4, Op::Final { delivery: 1, status: None, version: 0 }),
        ]
    }

    /// `t_ms` is an integer on whole milliseconds and otherwise the shortest exact decimal.
    #[test]
    fn t_ms_formatting() {
        let fmt = |t_us| {
            let mut s = String::new();
            push_t_ms(&mut s, t_us);
            s
        };
        assert_eq!(fmt(0), "0");
        assert_eq!(fmt(12_000), "12");
        assert_eq!(fmt(12_345), "12.345");
        assert_eq!(fmt(12_300), "12.3");
        assert_eq!(fmt(12_030), "12.03");
        assert_eq!(fmt(5), "0.005");
        for t in [0, 5, 12_030, 12_345, 999_999_999_999] {
            assert_eq!(t_us_of(&serde_json::from_str(&fmt(t)).unwrap()), Ok(t));
        }
    }

    /// Lines follow the contract's key order and spelling, op by op.
    #[test]
    fn line_format() {
        let n = names();
        let lines: Vec<String> = every_op().iter().map(|r| to_json_line(r, &n)).collect();
        assert_eq!(
            lines[0],
            r#"{"t_ms":0,"node":"app","op":"start","replicas":["db1","db2"],"seed":42,"scenario":"outbox \"vs\" dual"}"#
        );
        assert_eq!(
            lines[1],
            r#"{"t_ms":1,"node":"app","op":"commit","event":1,"delivery":"D1","kind":"created","seq":1}"#
        );
        assert_eq!(lines[3], r#"{"t_ms":2.25,"node":"broker-1","op":"append","event":1,"partition":2,"offset":0}"#);
        assert_eq!(
            lines[6],
            r#"{"t_ms":2.302,"node":"db1","op":"apply","replica":"db1","event":1,"delivery":"D\"2\n","kind":"created","seq":1}"#
        );
        assert_eq!(
            lines[7],
            r#"{"t_ms":3,"node":"broker-1","op":"skip","partition":2,"event":1,"reason":"duplicate"}"#
        );
        assert_eq!(lines[8], r#"{"t_ms":3,"node":"db2","op":"skip","replica":"db2","event":1,"reason":"stale"}"#);
        assert_eq!(
            lines[9],
            r#"{"t_ms":4,"node":"client","op":"read","delivery":"D1","replicas":["db1","db2"],"version":1,"latest":1}"#
        );
        assert_eq!(
            lines[10],
            r#"{"t_ms":4.001,"node":"client","op":"read","delivery":"D1","replicas":[],"latest":1,"refused":true}"#
        );
        assert_eq!(lines[11], r#"{"t_ms":5,"node":"app","op":"crash"}"#);
        assert_eq!(lines[13], r#"{"t_ms":7,"node":"app","op":"cut","to":"broker-1","oneway":true}"#);
        assert_eq!(lines[15], r#"{"t_ms":8,"node":"app","op":"heal"}"#);
        assert_eq!(lines[16], r#"{"t_ms":9,"node":"db2","op":"pause","for_ms":300}"#);
        assert_eq!(lines[17], r#"{"t_ms":10,"node":"db2","op":"wipe","replica":"db2"}"#);
        assert_eq!(lines[18], r#"{"t_ms":60000,"node":"broker-1","op":"final_log","partition":2,"events":[1,7,3]}"#);
        assert_eq!(
            lines[21],
            r#"{"t_ms":60000,"node":"db2","op":"final","delivery":"D\"2\n","status":null,"version":0}"#
        );
        for l in &lines {
            let v: serde_json::Value = serde_json::from_str(l).expect("every line is valid JSON");
            assert!(v.is_object());
        }
    }

    /// Writing, reading back and writing again gives the same records and the same bytes.
    #[test]
    fn round_trip() {
        // The reader takes only plain names (`line_format` covers escaping a strange one).
        let (recs, mut n) = (every_op(), names());
        n.deliveries[1] = "D-2".to_string();
        let mut text = Vec::new();
        write_jsonl(&recs, &n, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert_eq!(text.lines().count(), recs.len());
        let (back, back_names) = parse_jsonl(&text).unwrap();
        // Names are interned in order of first appearance; here that is a permutation of `n`.
        let mut again = Vec::new();
        write_jsonl(&back, &back_names, &mut again).unwrap();
        assert_eq!(String::from_utf8(again).unwrap(), text);
        let node = |id: NodeId, names: &Names| names.nodes[id as usize].clone();
        for (a, b) in recs.iter().zip(&back) {
            assert_eq!(a.t_us, b.t_us);
            assert_eq!(node(a.node, &n), node(b.node, &back_names));
            assert_eq!(a.op.name(), b.op.name());
        }
    }

    /// Bad input is an error naming the line and the problem, never a panic.
    #[test]
    fn parse_errors_name_line_and_problem() {
        let ok = r#"{"t_ms":0,"node":"app","op":"start","replicas":["db1"],"seed":1,"scenario":"x"}"#;
        let err = |bad: &str| parse_jsonl(&format!("{ok}\n\n{bad}\n")).unwrap_err();
        assert_eq!(
            err(r#"{"t_ms":1,"node":"app","op":"commit","event":1,"delivery":"D1","kind":"created"}"#),
            "line 3: op `commit` needs key `seq`"
        );
        assert_eq!(err(r#"{"t_ms":1,"node":"app","op":"explode"}"#), "line 3: unknown op `explode`");
        assert_eq!(err(r#"{"node":"app","op":"crash"}"#), "line 3: missing key `t_ms`");
        assert!(err(r#"{"t_ms":-1,"node":"app","op":"crash"}"#).starts_with("line 3: `t_ms` must be"));
        assert!(err(r#"{"t_ms":1,"node":"db1","op":"skip","event":1,"reason":"meh"}"#)
            .contains("`reason` must be duplicate or stale"));
        let bad_kind = err(r#"{"t_ms":1,"node":"app","op":"commit","event":1,"delivery":"D1","kind":"eaten","seq":1}"#);
        assert!(bad_kind.starts_with("line 3: column "), "{bad_kind}");
        assert!(bad_kind.contains("eaten"), "{bad_kind}");
        assert!(err("{\"t_ms\":1,").starts_with("line 3: column"));
        assert!(err(r#"{"t_ms":1,"node":"app","op":"ack","event":-4,"partition":0,"offset":0}"#)
            .starts_with("line 3: column"));
        assert_eq!(
            err(r#"{"t_ms":1,"node":"db1","op":"final","delivery":"D1","version":0}"#),
            "line 3: op `final` needs key `status`"
        );
    }
}
