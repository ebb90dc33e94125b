//! Witnesses: for each anomaly the checker counts, the history lines that prove its first
//! instance — copies, because the page keeps only the most recent lines of a long run.
//!
//! To copy a line that proves an anomaly later (the first apply of an event that is applied
//! again, the commit of an event a replica never gets), the checker keeps compact copies of the
//! lines it may need: every commit, the first ack of each (partition, event), and every apply of
//! each (replica, delivery) since the replica's last wipe. Measured on `lab run` of 200
//! deliveries/s for 120 s (115k events, 167k applies): +12 MB peak RSS, about 100 bytes an
//! event, and no measurable CPU time; the history the CLI keeps costs about four times that.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::sim::domain::Kind;
use crate::sim::history::{to_json_line, DeliveryId, EventId, Names, NodeId, Op, Rec};

/// The lines that prove one anomaly, with what they concern.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Witness {
    /// The delivery concerned (None when no line names it, e.g. a broker skip of an event whose
    /// commit line the history lacks).
    pub delivery: Option<DeliveryId>,
    /// The replica concerned (None for the broker's skips, reads and acknowledgements).
    pub replica: Option<NodeId>,
    /// The events involved, in the order the lines name them.
    pub events: Vec<EventId>,
    /// Copies of the lines, in history order.
    pub lines: Vec<Rec>,
}

impl Witness {
    /// The lines as JSON lines (the history file's format), one per line.
    pub fn text(&self, names: &Names) -> String {
        self.lines.iter().map(|r| to_json_line(r, names) + "\n").collect()
    }

    /// The witness as JSON: delivery and replica by name, events, and the lines as objects.
    pub fn to_json(&self, names: &Names) -> Value {
        let lines: Vec<Value> = self
            .lines
            .iter()
            .map(|r| serde_json::from_str(&to_json_line(r, names)).expect("history lines are JSON"))
            .collect();
        json!({
            "delivery": self.delivery.and_then(|d| names.deliveries.get(d as usize)),
            "replica": self.replica.and_then(|r| names.nodes.get(r as usize)),
            "events": self.events,
            "lines": lines,
        })
    }
}

/// The first witness of each anomaly (None while it has not occurred). Field names are the
/// anomalies' contract names, as in [`super::Anomalies`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Witnesses {
    /// The oldest (replica, event) pair missing right now: the commit line, and the replica's
    /// last wipe line when it had one.
    pub lost: Option<Witness>,
    /// The first apply of the lowest event id still uncommitted.
    pub phantom: Option<Witness>,
    /// The first apply of the event at that replica, then the repeat.
    pub duplicate_applied: Option<Witness>,
    /// The skip line.
    pub duplicate_suppressed: Option<Witness>,
    /// The commit lines of both events, then the apply of the higher seq and the apply of the
    /// lower one at that replica, in the order applied.
    pub out_of_order: Option<Witness>,
    /// The apply that set the row before (none when there was no row), then the forbidden apply.
    pub invalid_transition: Option<Witness>,
    /// The commit of the acknowledged version the read missed, then the read line.
    pub stale_read: Option<Witness>,
    /// The ack line, then the partition's `final_log` lines that lack the event.
    pub acked_lost: Option<Witness>,
}

impl Witnesses {
    /// The witness of the anomaly with this contract name (None: not occurred, or unknown name).
    pub fn get(&self, name: &str) -> Option<&Witness> {
        match name {
            "lost" => self.lost.as_ref(),
            "phantom" => self.phantom.as_ref(),
            "duplicate_applied" => self.duplicate_applied.as_ref(),
            "duplicate_suppressed" => self.duplicate_suppressed.as_ref(),
            "out_of_order" => self.out_of_order.as_ref(),
            "invalid_transition" => self.invalid_transition.as_ref(),
            "stale_read" => self.stale_read.as_ref(),
            "acked_lost" => self.acked_lost.as_ref(),
            _ => None,
        }
    }

    /// Every witness as JSON, keyed by anomaly name (anomalies that did not occur are left out).
    pub fn to_json(&self, names: &Names) -> Value {
        let map: serde_json::Map<String, Value> = super::Anomalies::NAMES
            .iter()
            .filter_map(|n| self.get(n).map(|w| (n.to_string(), w.to_json(names))))
            .collect();
        Value::Object(map)
    }
}

/// Records `make()` in `slot` unless a witness is there already: the first instance wins, and
/// later ones cost one branch.
pub(super) fn first(slot: &mut Option<Witness>, make: impl FnOnce() -> Witness) {
    if slot.is_none() {
        *slot = Some(make());
    }
}

/// A compact copy of a `commit` line (its event id is the key it is stored under).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CommitLine {
    pub t_us: u64,
    pub node: NodeId,
    pub delivery: DeliveryId,
    pub kind: Kind,
    pub seq: u32,
}

impl CommitLine {
    pub fn rec(&self, event: EventId) -> Rec {
        let CommitLine { t_us, node, delivery, kind, seq } = *self;
        Rec { t_us, node, op: Op::Commit { event, delivery, kind, seq } }
    }
}

/// A compact copy of an `apply` line (its replica and delivery are where it is stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ApplyLine {
    pub t_us: u64,
    pub event: EventId,
    pub node: NodeId,
    pub kind: Kind,
    pub seq: u32,
}

impl ApplyLine {
    pub fn rec(&self, replica: NodeId, delivery: DeliveryId) -> Rec {
        let ApplyLine { t_us, event, node, kind, seq } = *self;
        Rec { t_us, node, op: Op::Apply { replica, event, delivery, kind, seq } }
    }
}

/// A compact copy of an `ack` line, with its event (its partition is where it is stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct AckLine {
    pub t_us: u64,
    pub event: EventId,
    pub offset: u64,
    pub node: NodeId,
}

impl AckLine {
    pub fn rec(&self, partition: u32) -> Rec {
        let AckLine { t_us, event, offset, node } = *self;
        Rec { t_us, node, op: Op::Ack { event, partition, offset } }
    }
}

/// Every apply of one delivery at one replica since its last wipe, in the order applied. The
/// row is the last apply's (a naive replica: last write wins).
#[derive(Clone, Debug, Default)]
pub(super) struct RowLog {
    pub applies: Vec<ApplyLine>,
    /// Index of the first apply with the highest seq.
    pub top: usize,
}

impl RowLog {
    /// The row: status and version of the last apply.
    pub fn row(&self) -> Option<(Kind, u32)> {
        self.applies.last().map(|a| (a.kind, a.seq))
    }

    /// The first apply with the highest seq so far.
    pub fn top(&self) -> Option<&ApplyLine> {
        self.applies.get(self.top)
    }

    /// Adds an apply (the first one with a higher seq becomes the top).
    pub fn push(&mut self, line: ApplyLine) {
        if self.top().is_some_and(|t| line.seq > t.seq) {
            self.top = self.applies.len();
        }
        self.applies.push(line);
    }

    /// The first apply of `event`.
    pub fn first_of(&self, event: EventId) -> Option<&ApplyLine> {
        self.applies.iter().find(|a| a.event == event)
    }
}

/// Values keyed by event id: a vector while ids come densely in order (1, 2, 3 … as the model
/// writes them), a map for the others (hand-written histories). The first value of an id stays.
#[derive(Clone, Debug)]
pub(super) struct EventTable<T> {
    base: EventId,
    dense: Vec<Option<T>>,
    sparse: BTreeMap<EventId, T>,
}

impl<T> Default for EventTable<T> {
    fn default() -> Self {
        EventTable { base: 0, dense: Vec::new(), sparse: BTreeMap::new() }
    }
}

impl<T: Copy> EventTable<T> {
    /// Stores `value` for `e` unless `e` has one.
    pub fn insert_first(&mut self, e: EventId, value: T) {
        if self.dense.is_empty() {
            self.base = e;
        }
        match e.checked_sub(self.base).map(|i| i as usize) {
            Some(i) if i < self.dense.len() => {
                self.dense[i].get_or_insert(value);
            }
            Some(i) if i == self.dense.len() => self.dense.push(Some(value)),
            _ => {
                self.sparse.entry(e).or_insert(value);
            }
        }
    }

    /// The value stored for `e`.
    pub fn get(&self, e: EventId) -> Option<T> {
        let dense = e.checked_sub(self.base).and_then(|i| self.dense.get(i as usize).copied().flatten());
        dense.or_else(|| self.sparse.get(&e).copied())
    }

    /// The highest event id whose value satisfies `pred` (a linear scan: used once, for a witness).
    pub fn find_last(&self, pred: impl Fn(&T) -> bool) -> Option<(EventId, T)> {
        let dense = self
            .dense
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, v)| v.filter(|v| pred(v)).map(|v| (self.base + i as EventId, v)));
        let sparse = self.sparse.iter().rev().find(|(_, v)| pred(v)).map(|(e, v)| (*e, *v));
        match (dense, sparse) {
            (Some(a), Some(b)) => Some(if a.0 > b.0 { a } else { b }),
            (a, b) => a.or(b),
        }
    }
}
