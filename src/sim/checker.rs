//! The checker: an independent oracle over the history (DESIGN.md "The checker").
//!
//! It reads only [`Rec`]s — never the model's own counters — so a bug in the model cannot hide
//! itself. It is incremental: the engine feeds it every record as it is written
//! ([`Checker::observe`], O(log n) each) and the page asks for the numbers so far
//! ([`Checker::report`]). [`Checker::check`] runs it over a finished history, such as one read
//! back with `history::parse_jsonl`, and must give the same report as the live run.
//!
//! Sets of event ids are [`EventSet`]s: bitmaps in 64-id words keyed by a `BTreeMap`, because
//! event ids are dense (1, 2, 3 … in commit order) and a run can hold 10^6 of them per replica.

use std::collections::BTreeMap;

use serde::Serialize;

use super::domain::{allowed, Kind};
use super::history::{DeliveryId, EventId, NodeId, Op, Rec, SkipReason};

/// Number of history lines of each pipeline op.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// `commit` lines (events committed at `app`).
    pub committed: u64,
    /// `publish` lines (sends to the broker, retries included).
    pub published: u64,
    /// `append` lines (appends by a partition leader).
    pub appended: u64,
    /// `ack` lines (acknowledgements received by a producer).
    pub acked: u64,
    /// `deliver` lines (records received by a consumer).
    pub delivered: u64,
    /// `apply` lines (events applied at a replica).
    pub applied: u64,
}

/// The anomaly counters, as defined in DESIGN.md "The checker".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Anomalies {
    /// (replica, event) pairs committed at `app` and neither applied nor skipped at that replica
    /// since its last wipe. Replicas are those of the `start` line. While a run is going on this
    /// includes events still on their way.
    pub lost: u64,
    /// Distinct events applied somewhere but never committed.
    pub phantom: u64,
    /// `apply` lines of an event this replica had already applied since its last wipe.
    pub duplicate_applied: u64,
    /// `skip` lines with reason `duplicate` (broker dedup or idempotent consumer).
    pub duplicate_suppressed: u64,
    /// `apply` lines whose seq is lower than the highest seq already applied at that replica for
    /// that delivery since its last wipe (duplicate applies included: they move the row back).
    pub out_of_order: u64,
    /// `apply` lines, duplicates excluded, whose move from the replica's current status to the
    /// event's kind the delivery state machine forbids.
    pub invalid_transition: u64,
    /// Answered reads that returned an older version than the newest one acknowledged to the
    /// writer when the read began.
    pub stale_read: u64,
    /// `ack` lines whose event is missing from its partition's `final_log` (0 until the history
    /// has a `final_log` line: the log's end is not known before).
    pub acked_lost: u64,
}

impl Anomalies {
    /// The anomalies' contract names, in the report's field order.
    pub const NAMES: [&'static str; 8] = [
        "lost",
        "phantom",
        "duplicate_applied",
        "duplicate_suppressed",
        "out_of_order",
        "invalid_transition",
        "stale_read",
        "acked_lost",
    ];

    /// The count of the anomaly with this contract name (None for an unknown name).
    pub fn get(&self, name: &str) -> Option<u64> {
        Some(match name {
            "lost" => self.lost,
            "phantom" => self.phantom,
            "duplicate_applied" => self.duplicate_applied,
            "duplicate_suppressed" => self.duplicate_suppressed,
            "out_of_order" => self.out_of_order,
            "invalid_transition" => self.invalid_transition,
            "stale_read" => self.stale_read,
            "acked_lost" => self.acked_lost,
            _ => return None,
        })
    }
}

/// What the checker found, so far or at the end.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub counts: Counts,
    pub anomalies: Anomalies,
    /// Every replica's row (status, version) for every delivery equals `app`'s latest commit.
    pub converged: bool,
    /// The earliest time, ms (whole ms, rounded down), from which `converged` has held without a
    /// break; None when not converged.
    pub converged_at_ms: Option<u64>,
    /// `read` lines that were refused (unavailable: the CP side).
    pub refused_reads: u64,
    /// All `read` lines, refused ones included.
    pub reads: u64,
    /// (replica, delivery) pairs whose row differs from `app`'s right now.
    pub divergent_rows: u64,
    /// Time of the last record observed, µs.
    pub last_t_us: u64,
}

/// A set of event ids stored as 64-bit words keyed by `id / 64`: about 2 bits per id when ids
/// are dense, and still correct (one word per id) when they are not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventSet {
    words: BTreeMap<u64, u64>,
    len: u64,
}

impl EventSet {
    /// Adds `e`; true if it was not there yet.
    pub fn insert(&mut self, e: EventId) -> bool {
        let word = self.words.entry(e / 64).or_insert(0);
        let bit = 1u64 << (e % 64);
        let new = *word & bit == 0;
        *word |= bit;
        self.len += u64::from(new);
        new
    }

    /// Removes `e`; true if it was there.
    pub fn remove(&mut self, e: EventId) -> bool {
        let bit = 1u64 << (e % 64);
        let Some(word) = self.words.get_mut(&(e / 64)) else { return false };
        let had = *word & bit != 0;
        *word &= !bit;
        if *word == 0 {
            self.words.remove(&(e / 64));
        }
        self.len -= u64::from(had);
        had
    }

    /// Whether `e` is in the set.
    pub fn contains(&self, e: EventId) -> bool {
        self.words.get(&(e / 64)).is_some_and(|w| w & (1u64 << (e % 64)) != 0)
    }

    /// Number of ids in the set.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.words.clear();
        self.len = 0;
    }

    /// Number of ids in `self` that are in none of `others` (a word at a time).
    pub fn count_missing_from(&self, others: &[&EventSet]) -> u64 {
        self.words
            .iter()
            .map(|(k, w)| {
                let covered = others.iter().fold(0u64, |acc, o| acc | o.words.get(k).copied().unwrap_or(0));
                u64::from((w & !covered).count_ones())
            })
            .sum()
    }
}

/// A delivery's row: status and version (the seq of the event that set it).
type Row = (Kind, u32);

/// What the checker knows about one replica since its last wipe.
#[derive(Clone, Debug, Default)]
struct ReplicaState {
    /// Listed in the `start` line: counts towards `lost` and convergence.
    listed: bool,
    applied: EventSet,
    skipped: EventSet,
    /// Current rows: last apply wins, as a naive replica does.
    rows: BTreeMap<DeliveryId, Row>,
    /// Highest seq applied per delivery.
    max_seq: BTreeMap<DeliveryId, u32>,
    /// Deliveries whose row here differs from `app`'s (only kept for listed replicas).
    divergent: u64,
}

/// The incremental checker. Feed it every record in history order.
#[derive(Clone, Debug)]
pub struct Checker {
    counts: Counts,
    anomalies: Anomalies,
    reads: u64,
    refused_reads: u64,
    last_t_us: u64,
    /// Every event committed at `app`.
    committed: EventSet,
    /// `app`'s rows: the latest commit per delivery.
    app_rows: BTreeMap<DeliveryId, Row>,
    replicas: BTreeMap<NodeId, ReplicaState>,
    /// Listed replicas in id order, to visit on each commit.
    listed: Vec<NodeId>,
    /// Events applied somewhere and not (yet) committed: `phantom` is its size.
    applied_uncommitted: EventSet,
    /// Events acknowledged per partition, and how many extra `ack` lines repeated one.
    acked: BTreeMap<u32, EventSet>,
    acked_repeats: BTreeMap<(u32, EventId), u64>,
    /// The final log per partition (union of that partition's `final_log` lines).
    final_log: BTreeMap<u32, EventSet>,
    saw_final_log: bool,
    /// Sum of the listed replicas' `divergent`.
    divergent: u64,
    /// Since when `divergent` has been 0, µs; None while it is above 0.
    converged_since_us: Option<u64>,
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker {
    /// An empty checker: nothing committed, so converged since time 0.
    pub fn new() -> Self {
        Checker {
            counts: Counts::default(),
            anomalies: Anomalies::default(),
            reads: 0,
            refused_reads: 0,
            last_t_us: 0,
            committed: EventSet::default(),
            app_rows: BTreeMap::new(),
            replicas: BTreeMap::new(),
            listed: Vec::new(),
            applied_uncommitted: EventSet::default(),
            acked: BTreeMap::new(),
            acked_repeats: BTreeMap::new(),
            final_log: BTreeMap::new(),
            saw_final_log: false,
            divergent: 0,
            converged_since_us: Some(0),
        }
    }

    /// Events committed at `app` so far (cheap, for live plots).
    pub fn committed_count(&self) -> u64 {
        self.counts.committed
    }

    /// Current number of (replica, delivery) rows that differ from `app` (cheap).
    pub fn divergent_rows(&self) -> u64 {
        self.divergent
    }

    /// Rows of one replica that differ from `app` (cheap; 0 for a replica not listed).
    pub fn divergent_of(&self, replica: NodeId) -> u64 {
        self.replicas.get(&replica).map(|r| r.divergent).unwrap_or(0)
    }

    /// Runs a fresh checker over a whole history.
    pub fn check(recs: &[Rec]) -> CheckReport {
        let mut c = Checker::new();
        for rec in recs {
            c.observe(rec);
        }
        c.report()
    }

    /// Takes the next record into account. O(log n), except a `start` line listing a replica
    /// that already has rows, and `wipe`, which are linear in that replica's rows.
    pub fn observe(&mut self, rec: &Rec) {
        self.last_t_us = rec.t_us;
        match &rec.op {
            Op::Start { replicas, .. } => {
                for &r in replicas {
                    self.list_replica(r);
                }
            }
            Op::Commit { event, delivery, kind, seq } => {
                self.counts.committed += 1;
                self.committed.insert(*event);
                self.applied_uncommitted.remove(*event);
                let new = (*kind, *seq);
                let old = self.app_rows.insert(*delivery, new);
                for &r in &self.listed {
                    let state = self.replicas.get_mut(&r).expect("listed replicas have a state");
                    let row = state.rows.get(delivery).copied();
                    let was = row != old;
                    let is = row != Some(new);
                    state.divergent = state.divergent + u64::from(is) - u64::from(was);
                    self.divergent = self.divergent + u64::from(is) - u64::from(was);
                }
            }
            Op::Publish { .. } => self.counts.published += 1,
            Op::Append { .. } => self.counts.appended += 1,
            Op::Ack { event, partition, .. } => {
                self.counts.acked += 1;
                if !self.acked.entry(*partition).or_default().insert(*event) {
                    *self.acked_repeats.entry((*partition, *event)).or_insert(0) += 1;
                }
            }
            Op::Deliver { .. } => self.counts.delivered += 1,
            Op::Apply { replica, event, delivery, kind, seq } => {
                self.counts.applied += 1;
                if !self.committed.contains(*event) {
                    self.applied_uncommitted.insert(*event);
                }
                let app = self.app_rows.get(delivery).copied();
                let state = self.replicas.entry(*replica).or_default();
                let duplicate = !state.applied.insert(*event);
                if duplicate {
                    self.anomalies.duplicate_applied += 1;
                }
                let max_seq = state.max_seq.entry(*delivery).or_insert(*seq);
                if *seq < *max_seq {
                    self.anomalies.out_of_order += 1;
                }
                *max_seq = (*max_seq).max(*seq);
                let old = state.rows.insert(*delivery, (*kind, *seq));
                if !duplicate && !allowed(old.map(|(status, _)| status), *kind) {
                    self.anomalies.invalid_transition += 1;
                }
                if state.listed {
                    let was = old != app;
                    let is = Some((*kind, *seq)) != app;
                    state.divergent = state.divergent + u64::from(is) - u64::from(was);
                    self.divergent = self.divergent + u64::from(is) - u64::from(was);
                }
            }
            Op::Skip { replica, event, reason, .. } => {
                if *reason == SkipReason::Duplicate {
                    self.anomalies.duplicate_suppressed += 1;
                }
                if let Some(r) = replica {
                    self.replicas.entry(*r).or_default().skipped.insert(*event);
                }
            }
            Op::Read { version, latest, refused, .. } => {
                self.reads += 1;
                if *refused {
                    self.refused_reads += 1;
                } else if version < latest {
                    self.anomalies.stale_read += 1;
                }
            }
            Op::Wipe { replica } => {
                let state = self.replicas.entry(*replica).or_default();
                state.applied.clear();
                state.skipped.clear();
                state.rows.clear();
                state.max_seq.clear();
                if state.listed {
                    // No rows left: every delivery `app` has now differs here.
                    let now = self.app_rows.len() as u64;
                    self.divergent = self.divergent - state.divergent + now;
                    state.divergent = now;
                }
            }
            Op::FinalLog { partition, events } => {
                self.saw_final_log = true;
                let log = self.final_log.entry(*partition).or_default();
                for &e in events {
                    log.insert(e);
                }
            }
            Op::Crash | Op::Restart | Op::Cut { .. } | Op::Heal { .. } | Op::Pause { .. } | Op::Final { .. } => {}
        }
        self.note_convergence(rec.t_us);
    }

    /// Starts accounting for replica `r` (from the `start` line): counts the deliveries where its
    /// rows, whatever it already applied, differ from `app`'s.
    fn list_replica(&mut self, r: NodeId) {
        let state = self.replicas.entry(r).or_default();
        if state.listed {
            return;
        }
        state.listed = true;
        let mut divergent = 0;
        for (d, app) in &self.app_rows {
            divergent += u64::from(state.rows.get(d) != Some(app));
        }
        for d in state.rows.keys() {
            divergent += u64::from(!self.app_rows.contains_key(d));
        }
        state.divergent = divergent;
        self.divergent += divergent;
        if let Err(i) = self.listed.binary_search(&r) {
            self.listed.insert(i, r);
        }
    }

    /// Remembers when divergence dropped to 0, and forgets it when it rises again.
    fn note_convergence(&mut self, t_us: u64) {
        match (self.divergent, self.converged_since_us) {
            (0, None) => self.converged_since_us = Some(t_us),
            (n, Some(_)) if n > 0 => self.converged_since_us = None,
            _ => {}
        }
    }

    /// The numbers so far. `lost` and `acked_lost` are computed here, a 64-id word at a time.
    pub fn report(&self) -> CheckReport {
        let mut anomalies = self.anomalies;
        anomalies.lost = self
            .listed
            .iter()
            .filter_map(|r| self.replicas.get(r))
            .map(|s| self.committed.count_missing_from(&[&s.applied, &s.skipped]))
            .sum();
        anomalies.phantom = self.applied_uncommitted.len();
        if self.saw_final_log {
            let empty = EventSet::default();
            let final_of = |p: &u32| self.final_log.get(p).unwrap_or(&empty);
            let missing: u64 = self.acked.iter().map(|(p, acked)| acked.count_missing_from(&[final_of(p)])).sum();
            let repeats: u64 =
                self.acked_repeats.iter().filter(|((p, e), _)| !final_of(p).contains(*e)).map(|(_, n)| n).sum();
            anomalies.acked_lost = missing + repeats;
        }
        debug_assert_eq!(self.divergent == 0, self.converged_since_us.is_some());
        CheckReport {
            counts: self.counts,
            anomalies,
            converged: self.divergent == 0,
            converged_at_ms: self.converged_since_us.map(|t| t / 1000),
            refused_reads: self.refused_reads,
            reads: self.reads,
            divergent_rows: self.divergent,
            last_t_us: self.last_t_us,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::history::{parse_jsonl, write_jsonl, Names};

    const APP: NodeId = 0;
    const BROKER: NodeId = 1;
    const DB1: NodeId = 2;
    const DB2: NodeId = 3;
    const DB3: NodeId = 4;
    const CLIENT: NodeId = 5;
    const D1: DeliveryId = 0;
    const D2: DeliveryId = 1;

    fn names() -> Names {
        Names {
            nodes: ["app", "broker-1", "db1", "db2", "db3", "client"].map(String::from).to_vec(),
            deliveries: vec!["D1".into(), "D2".into()],
        }
    }

    /// A hand-built history; times are given in µs.
    #[derive(Default)]
    struct H(Vec<Rec>);

    impl H {
        fn push(&mut self, t_us: u64, node: NodeId, op: Op) -> &mut Self {
            self.0.push(Rec { t_us, node, op });
            self
        }
        fn start(&mut self, replicas: &[NodeId]) -> &mut Self {
            self.push(0, APP, Op::Start { replicas: replicas.to_vec(), seed: 7, scenario: "test".into() })
        }
        fn commit(&mut self, t_us: u64, event: EventId, delivery: DeliveryId, kind: Kind, seq: u32) -> &mut Self {
            self.push(t_us, APP, Op::Commit { event, delivery, kind, seq })
        }
        fn apply(
            &mut self,
            t_us: u64,
            replica: NodeId,
            event: EventId,
            delivery: DeliveryId,
            kind: Kind,
            seq: u32,
        ) -> &mut Self {
            self.push(t_us, replica, Op::Apply { replica, event, delivery, kind, seq })
        }
        fn skip(&mut self, t_us: u64, replica: NodeId, event: EventId, reason: SkipReason) -> &mut Self {
            self.push(t_us, replica, Op::Skip { replica: Some(replica), partition: None, event, reason })
        }
        fn read(&mut self, t_us: u64, version: u32, latest: u32, refused: bool) -> &mut Self {
            self.push(t_us, CLIENT, Op::Read { delivery: D1, replicas: vec![DB1], version, latest, refused })
        }
        fn report(&self) -> CheckReport {
            Checker::check(&self.0)
        }
    }

    /// Only the named anomaly counts set; everything else zero.
    fn only(f: impl FnOnce(&mut Anomalies)) -> Anomalies {
        let mut a = Anomalies::default();
        f(&mut a);
        a
    }

    /// A clean run through the whole pipeline: every counter is a line count, no anomaly, and
    /// convergence dates from the apply that closed the last gap (a new commit re-opens one).
    #[test]
    fn clean_history_converges_without_anomalies() {
        let mut h = H::default();
        h.start(&[DB1, DB2]).commit(1_000, 1, D1, Kind::Created, 1);
        h.push(1_100, APP, Op::Publish { event: 1, partition: 0 })
            .push(1_200, BROKER, Op::Append { event: 1, partition: 0, offset: 0 })
            .push(1_300, APP, Op::Ack { event: 1, partition: 0, offset: 0 })
            .push(1_400, DB1, Op::Deliver { event: 1, partition: 0, offset: 0 })
            .push(1_400, DB2, Op::Deliver { event: 1, partition: 0, offset: 0 });
        h.apply(5_000, DB1, 1, D1, Kind::Created, 1).apply(7_500, DB2, 1, D1, Kind::Created, 1);
        assert_eq!(h.report().converged_at_ms, Some(7));
        h.commit(10_000, 2, D1, Kind::RiderAssigned, 2);
        let mid = h.report();
        assert_eq!((mid.converged, mid.converged_at_ms, mid.divergent_rows), (false, None, 2));
        assert_eq!(mid.anomalies, only(|a| a.lost = 2), "e2 is not at either replica yet");
        h.apply(12_000, DB1, 2, D1, Kind::RiderAssigned, 2).apply(14_250, DB2, 2, D1, Kind::RiderAssigned, 2);
        h.read(15_000, 2, 2, false);
        h.push(20_000, BROKER, Op::FinalLog { partition: 0, events: vec![1, 2] });
        h.push(20_000, DB1, Op::Final { delivery: D1, status: Some(Kind::RiderAssigned), version: 2 });
        let r = h.report();
        assert_eq!(r.counts, Counts { committed: 2, published: 1, appended: 1, acked: 1, delivered: 2, applied: 4 });
        assert_eq!(r.anomalies, Anomalies::default());
        assert_eq!((r.converged, r.converged_at_ms, r.divergent_rows), (true, Some(14), 0));
        assert_eq!((r.reads, r.refused_reads, r.last_t_us), (1, 0, 20_000));
    }

    /// An empty history (or one with only a start line) is converged from time 0.
    #[test]
    fn nothing_committed_is_converged_at_zero() {
        assert_eq!(Checker::new().report().converged_at_ms, Some(0));
        let r = H::default().start(&[DB1, DB2]).report();
        assert_eq!((r.converged, r.converged_at_ms), (true, Some(0)));
        assert_eq!(r.anomalies, Anomalies::default());
    }

    /// lost counts (replica, event) pairs over the start line's replicas only; an apply or any
    /// skip covers the pair.
    #[test]
    fn lost_counts_missing_pairs_at_listed_replicas() {
        let mut h = H::default();
        h.start(&[DB1, DB2])
            .commit(1_000, 1, D1, Kind::Created, 1)
            .commit(2_000, 2, D2, Kind::Created, 1)
            .commit(3_000, 3, D1, Kind::Cancelled, 2)
            .apply(4_000, DB1, 1, D1, Kind::Created, 1)
            .apply(4_000, DB1, 2, D2, Kind::Created, 1)
            .skip(4_000, DB1, 3, SkipReason::Stale)
            .apply(5_000, DB2, 1, D1, Kind::Created, 1);
        // db3 is not listed: what it misses is not counted.
        h.apply(5_000, DB3, 1, D1, Kind::Created, 1);
        let r = h.report();
        assert_eq!(r.anomalies, only(|a| a.lost = 2), "db2 misses e2 and e3");
        assert!(!r.converged);
    }

    /// phantom counts distinct events applied but never committed, wherever the commit line is.
    #[test]
    fn phantom_counts_distinct_uncommitted_events() {
        let mut h = H::default();
        h.start(&[]).apply(1_000, DB1, 9, D1, Kind::Created, 1).apply(1_000, DB2, 9, D1, Kind::Created, 1).apply(
            2_000,
            DB1,
            4,
            D2,
            Kind::Created,
            1,
        );
        assert_eq!(h.report().anomalies, only(|a| a.phantom = 2));
        // A commit that shows up later (out of order in the file) still makes e4 committed.
        h.commit(3_000, 4, D2, Kind::Created, 1);
        assert_eq!(h.report().anomalies, only(|a| a.phantom = 1));
    }

    /// A second apply of the same event at the same replica is a duplicate (and not also an
    /// invalid transition); the same event at another replica is not.
    #[test]
    fn duplicate_applied_counts_repeats_per_replica() {
        let mut h = H::default();
        h.start(&[DB1, DB2])
            .commit(1_000, 1, D1, Kind::Created, 1)
            .apply(2_000, DB1, 1, D1, Kind::Created, 1)
            .apply(2_000, DB2, 1, D1, Kind::Created, 1)
            .apply(3_000, DB1, 1, D1, Kind::Created, 1)
            .apply(4_000, DB1, 1, D1, Kind::Created, 1);
        let r = h.report();
        assert_eq!(r.anomalies, only(|a| a.duplicate_applied = 2));
        assert!(r.converged, "a duplicate that rewrites the same row does not diverge");
    }

    /// duplicate_suppressed counts skips with reason duplicate, at the broker and at replicas;
    /// stale skips are not duplicates.
    #[test]
    fn duplicate_suppressed_counts_duplicate_skips() {
        let mut h = H::default();
        h.start(&[DB1])
            .commit(1_000, 1, D1, Kind::Created, 1)
            .push(
                2_000,
                BROKER,
                Op::Skip { replica: None, partition: Some(0), event: 1, reason: SkipReason::Duplicate },
            )
            .apply(3_000, DB1, 1, D1, Kind::Created, 1)
            .skip(4_000, DB1, 1, SkipReason::Duplicate)
            .skip(5_000, DB1, 1, SkipReason::Stale);
        assert_eq!(h.report().anomalies, only(|a| a.duplicate_suppressed = 2));
    }

    /// An apply with a lower seq than one already applied is out of order; here it is also an
    /// invalid transition both ways, and the replica ends on the older row (last apply wins).
    #[test]
    fn out_of_order_counts_lower_seq_applies() {
        let mut h = H::default();
        h.start(&[DB1])
            .commit(1_000, 1, D1, Kind::Created, 1)
            .commit(1_000, 2, D1, Kind::RiderAssigned, 2)
            .apply(2_000, DB1, 2, D1, Kind::RiderAssigned, 2)
            .apply(3_000, DB1, 1, D1, Kind::Created, 1);
        let r = h.report();
        assert_eq!(
            r.anomalies,
            only(|a| {
                a.out_of_order = 1;
                a.invalid_transition = 2; // none → rider_assigned, then rider_assigned → created
            })
        );
        assert_eq!((r.converged, r.divergent_rows), (false, 1));
    }

    /// An apply that skips a step is an invalid transition without being out of order.
    #[test]
    fn invalid_transition_counts_forbidden_moves() {
        let mut h = H::default();
        h.start(&[DB1])
            .commit(1_000, 1, D1, Kind::Created, 1)
            .commit(1_000, 2, D1, Kind::RiderAssigned, 2)
            .commit(1_000, 3, D1, Kind::PickupReadyRequested, 3)
            .apply(2_000, DB1, 1, D1, Kind::Created, 1)
            .apply(3_000, DB1, 3, D1, Kind::PickupReadyRequested, 3)
            .skip(4_000, DB1, 2, SkipReason::Stale);
        let r = h.report();
        assert_eq!(r.anomalies, only(|a| a.invalid_transition = 1));
        assert_eq!(r.converged_at_ms, Some(3), "the row matches app from the seq-3 apply on");
    }

    /// A read is stale only when it returns less than the version acknowledged before it began:
    /// a read racing an unacknowledged write (version == latest) is fresh, and a refused read is
    /// unavailable, not stale.
    #[test]
    fn stale_read_needs_an_acknowledged_newer_version() {
        let mut h = H::default();
        h.start(&[DB1])
            .commit(1_000, 1, D1, Kind::Created, 1)
            .apply(1_500, DB1, 1, D1, Kind::Created, 1)
            .commit(2_000, 2, D1, Kind::RiderAssigned, 2)
            // e2 is committed but not yet acknowledged to the writer: latest is still 1.
            .read(2_100, 1, 1, false)
            .read(3_000, 1, 2, false)
            .read(3_100, 0, 2, true)
            .apply(4_000, DB1, 2, D1, Kind::RiderAssigned, 2)
            .read(4_100, 2, 2, false);
        let r = h.report();
        assert_eq!(r.anomalies, only(|a| a.stale_read = 1));
        assert_eq!((r.reads, r.refused_reads), (4, 1));
    }

    /// acked_lost counts ack lines whose event is missing from its partition's final log, and
    /// stays 0 while the history has no final log.
    #[test]
    fn acked_lost_compares_acks_with_final_logs() {
        let mut h = H::default();
        h.start(&[]);
        for (event, partition) in [(1, 0), (2, 0), (2, 0), (3, 1), (4, 1)] {
            h.push(1_000, APP, Op::Ack { event, partition, offset: event });
        }
        assert_eq!(h.report().anomalies, Anomalies::default(), "no final_log yet");
        h.push(9_000, BROKER, Op::FinalLog { partition: 0, events: vec![1] })
            // e3 survived, but in another partition than the one that acknowledged it.
            .push(9_000, BROKER, Op::FinalLog { partition: 2, events: vec![3] });
        let r = h.report();
        assert_eq!(r.anomalies, only(|a| a.acked_lost = 4), "both acks of e2, e3 and e4");
        assert_eq!(r.counts.acked, 5);
    }

    /// A wipe makes the checker forget the replica: applies before it no longer cover events
    /// (lost again), and re-applying them is neither a duplicate nor out of order.
    #[test]
    fn wipe_forgets_the_replica() {
        let mut c = Checker::new();
        let mut h = H::default();
        h.start(&[DB1])
            .commit(1_000, 1, D1, Kind::Created, 1)
            .commit(1_000, 2, D1, Kind::RiderAssigned, 2)
            .commit(1_000, 3, D2, Kind::Created, 1)
            .apply(2_000, DB1, 1, D1, Kind::Created, 1)
            .apply(2_000, DB1, 2, D1, Kind::RiderAssigned, 2)
            .apply(2_000, DB1, 3, D2, Kind::Created, 1);
        for r in &h.0 {
            c.observe(r);
        }
        assert_eq!(c.report().converged_at_ms, Some(2));
        c.observe(&Rec { t_us: 5_000, node: DB1, op: Op::Wipe { replica: DB1 } });
        let wiped = c.report();
        assert_eq!(wiped.anomalies, only(|a| a.lost = 3));
        assert_eq!((wiped.converged, wiped.divergent_rows), (false, 2));
        let mut rebuild = H::default();
        rebuild.apply(6_000, DB1, 1, D1, Kind::Created, 1).apply(6_000, DB1, 2, D1, Kind::RiderAssigned, 2).apply(
            6_500,
            DB1,
            3,
            D2,
            Kind::Created,
            1,
        );
        for r in &rebuild.0 {
            c.observe(r);
        }
        let r = c.report();
        assert_eq!(r.anomalies, Anomalies::default());
        assert_eq!((r.converged, r.converged_at_ms), (true, Some(6)));
        // Checking the same records in one go gives the same answer as observing them live.
        let all: Vec<Rec> =
            h.0.iter()
                .cloned()
                .chain([Rec { t_us: 5_000, node: DB1, op: Op::Wipe { replica: DB1 } }])
                .chain(rebuild.0)
                .collect();
        assert_eq!(Checker::check(&all), r);
    }

    /// A replica listed by a start line that comes after its first applies is still accounted
    /// for correctly (divergence is recomputed from its rows).
    #[test]
    fn late_start_line_counts_existing_rows() {
        let mut h = H::default();
        h.commit(1_000, 1, D1, Kind::Created, 1).apply(2_000, DB1, 1, D1, Kind::Created, 1).apply(
            2_000,
            DB1,
            7,
            D2,
            Kind::Created,
            1,
        );
        h.push(3_000, APP, Op::Start { replicas: vec![DB1, DB2], seed: 1, scenario: "late".into() });
        let r = h.report();
        assert_eq!(r.divergent_rows, 2, "db1 has a phantom D2 row; db2 has no D1 row");
        assert_eq!(
            r.anomalies,
            only(|a| {
                a.lost = 1;
                a.phantom = 1;
            })
        );
    }

    /// The report is reproducible from the written history alone: write, parse, check.
    #[test]
    fn report_survives_jsonl_round_trip() {
        let mut h = H::default();
        h.start(&[DB1, DB2, DB3])
            .commit(1_000, 1, D1, Kind::Created, 1)
            .commit(1_500, 2, D1, Kind::Cancelled, 2)
            .commit(1_700, 3, D2, Kind::Created, 1)
            .push(1_800, APP, Op::Ack { event: 1, partition: 1, offset: 0 })
            .push(1_800, APP, Op::Ack { event: 2, partition: 1, offset: 1 })
            .apply(2_345, DB1, 1, D1, Kind::Created, 1)
            .apply(2_346, DB1, 1, D1, Kind::Created, 1)
            .apply(2_400, DB2, 2, D1, Kind::Cancelled, 2)
            .apply(2_401, DB2, 1, D1, Kind::Created, 1)
            .skip(2_500, DB3, 1, SkipReason::Duplicate)
            .apply(2_600, DB3, 99, D2, Kind::Created, 1)
            .push(2_700, DB3, Op::Wipe { replica: DB3 })
            .read(3_000, 1, 2, false)
            .read(3_001, 0, 2, true)
            .push(9_000, BROKER, Op::FinalLog { partition: 1, events: vec![1] });
        let direct = h.report();
        let mut text = Vec::new();
        write_jsonl(&h.0, &names(), &mut text).unwrap();
        let (recs, _) = parse_jsonl(std::str::from_utf8(&text).unwrap()).unwrap();
        assert_eq!(Checker::check(&recs), direct);
        assert!(
            direct.anomalies.duplicate_applied > 0 && direct.anomalies.acked_lost == 1 && direct.anomalies.phantom == 1
        );
    }

    /// EventSet counts and set differences agree with a plain set, across word boundaries.
    #[test]
    fn event_set_matches_btreeset() {
        use std::collections::BTreeSet;
        let (mut a, mut b) = (EventSet::default(), EventSet::default());
        let (mut ra, mut rb) = (BTreeSet::new(), BTreeSet::new());
        for i in 0..500u64 {
            let e = (i * 37) % 311 + if i % 7 == 0 { 1 << 40 } else { 0 };
            assert_eq!(a.insert(e), ra.insert(e));
            if i % 3 == 0 {
                assert_eq!(b.insert(e), rb.insert(e));
            }
            if i % 5 == 0 {
                assert_eq!(a.remove(e / 2), ra.remove(&(e / 2)));
            }
        }
        assert_eq!(a.len(), ra.len() as u64);
        assert_eq!(a.count_missing_from(&[&b]), ra.difference(&rb).count() as u64);
        assert!(ra.iter().all(|&e| a.contains(e)));
        a.clear();
        assert!(a.is_empty() && !a.contains(1));
    }
}
