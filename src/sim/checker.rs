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
//!
//! Verdict and explanation come from the same pass (as in Porcupine): where `observe` counts an
//! anomaly it also records the lines that prove it, the first time that anomaly occurs
//! ([`Witnesses`]). The first instance is enough to explain a count, and recording only once
//! keeps the hot path at one extra branch. `lost`, `phantom` and `acked_lost` can shrink again
//! (an event arrives late, a commit line comes later in the file), so their witnesses are taken
//! when the report is made: the oldest instance that holds right now.

use std::collections::BTreeMap;

use serde::Serialize;

use super::domain::{allowed, Kind};
use super::history::{DeliveryId, EventId, Names, NodeId, Op, Rec, SkipReason};

mod event_set;
mod witness;

pub use event_set::EventSet;
use witness::{first, AckLine, ApplyLine, CommitLine, EventTable, RowLog};
pub use witness::{Witness, Witnesses};

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
    /// The lines that prove each anomaly counted (not serialised with the report: lines are
    /// written with the run's names, see [`Witnesses::to_json`]).
    #[serde(skip)]
    pub witnesses: Witnesses,
}

impl CheckReport {
    /// The report as JSON (`lab check --json`): its fields, then `witnesses` keyed by anomaly
    /// name, with ids written as `names` names them (so two runs that number nodes differently,
    /// such as a live run and its history read back, give the same text).
    pub fn to_json(&self, names: &Names) -> serde_json::Value {
        let mut v = serde_json::to_value(self).expect("the report serialises");
        v["witnesses"] = self.witnesses.to_json(names);
        v
    }

    /// The report as text (`lab check`): the numbers as one JSON line, then each witness's lines
    /// as JSON lines under a heading.
    pub fn text(&self, names: &Names) -> String {
        let mut s = serde_json::to_string(self).expect("the report serialises") + "\n";
        for name in Anomalies::NAMES {
            if let Some(w) = self.witnesses.get(name) {
                let name_of = |table: &[String], id: Option<usize>| {
                    id.and_then(|i| table.get(i)).map_or("-".to_string(), String::clone)
                };
                let delivery = name_of(&names.deliveries, w.delivery.map(|d| d as usize));
                let replica = name_of(&names.nodes, w.replica.map(|r| r as usize));
                s += &format!("witness of {name} (delivery {delivery}, replica {replica}):\n{}", w.text(names));
            }
        }
        s
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
    /// Every apply per delivery: the row is the last one (as a naive replica does), the highest
    /// seq is its top.
    rows: BTreeMap<DeliveryId, RowLog>,
    /// Deliveries whose row here differs from `app`'s (only kept for listed replicas).
    divergent: u64,
    /// The last `wipe` line: it explains why earlier applies no longer count.
    wiped: Option<Rec>,
}

impl ReplicaState {
    fn row(&self, delivery: &DeliveryId) -> Option<Row> {
        self.rows.get(delivery).and_then(RowLog::row)
    }
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
    /// The commit line of every event (the first one, if repeated).
    commit_lines: EventTable<CommitLine>,
    /// `app`'s rows: the latest commit per delivery.
    app_rows: BTreeMap<DeliveryId, Row>,
    replicas: BTreeMap<NodeId, ReplicaState>,
    /// Listed replicas in id order, to visit on each commit.
    listed: Vec<NodeId>,
    /// Events applied somewhere and not (yet) committed: `phantom` is its size.
    applied_uncommitted: EventSet,
    /// The first apply line of each event in `applied_uncommitted`.
    phantom_lines: BTreeMap<EventId, Rec>,
    /// Events acknowledged per partition, and how many extra `ack` lines repeated one.
    acked: BTreeMap<u32, EventSet>,
    acked_repeats: BTreeMap<(u32, EventId), u64>,
    /// The first ack line of each (partition, event), in history order per partition.
    ack_lines: BTreeMap<u32, Vec<AckLine>>,
    /// The final log per partition (union of that partition's `final_log` lines), and the lines.
    final_log: BTreeMap<u32, EventSet>,
    final_log_lines: BTreeMap<u32, Vec<Rec>>,
    saw_final_log: bool,
    /// Sum of the listed replicas' `divergent`.
    divergent: u64,
    /// Since when `divergent` has been 0, µs; None while it is above 0.
    converged_since_us: Option<u64>,
    /// First witnesses of the anomalies counted as lines arrive (the others are made by
    /// `report`).
    witnesses: Witnesses,
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
            commit_lines: EventTable::default(),
            app_rows: BTreeMap::new(),
            replicas: BTreeMap::new(),
            listed: Vec::new(),
            applied_uncommitted: EventSet::default(),
            phantom_lines: BTreeMap::new(),
            acked: BTreeMap::new(),
            acked_repeats: BTreeMap::new(),
            ack_lines: BTreeMap::new(),
            final_log: BTreeMap::new(),
            final_log_lines: BTreeMap::new(),
            saw_final_log: false,
            divergent: 0,
            converged_since_us: Some(0),
            witnesses: Witnesses::default(),
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
                let line = CommitLine { t_us: rec.t_us, node: rec.node, delivery: *delivery, kind: *kind, seq: *seq };
                self.on_commit(*event, line);
            }
            Op::Publish { .. } => self.counts.published += 1,
            Op::Append { .. } => self.counts.appended += 1,
            Op::Ack { event, partition, offset } => {
                self.on_ack(*partition, AckLine { t_us: rec.t_us, event: *event, offset: *offset, node: rec.node })
            }
            Op::Deliver { .. } => self.counts.delivered += 1,
            Op::Apply { replica, event, delivery, kind, seq } => {
                let line = ApplyLine { t_us: rec.t_us, event: *event, node: rec.node, kind: *kind, seq: *seq };
                self.on_apply(*replica, *delivery, line);
            }
            Op::Skip { replica, event, reason, .. } => self.on_skip(rec, *replica, *event, *reason),
            Op::Read { delivery, version, latest, refused, .. } => {
                self.on_read(rec, *delivery, *version, *latest, *refused)
            }
            Op::Wipe { replica } => self.on_wipe(rec, *replica),
            Op::FinalLog { partition, events } => {
                self.saw_final_log = true;
                let log = self.final_log.entry(*partition).or_default();
                for &e in events {
                    log.insert(e);
                }
                self.final_log_lines.entry(*partition).or_default().push(rec.clone());
            }
            Op::Crash | Op::Restart | Op::Cut { .. } | Op::Heal { .. } | Op::Pause { .. } | Op::Final { .. } => {}
        }
        self.note_convergence(rec.t_us);
    }

    /// A commit: the event exists now (no longer a phantom), and `app`'s row moves, which
    /// changes which listed replicas differ from it.
    fn on_commit(&mut self, event: EventId, line: CommitLine) {
        self.counts.committed += 1;
        self.committed.insert(event);
        self.commit_lines.insert_first(event, line);
        self.applied_uncommitted.remove(event);
        self.phantom_lines.remove(&event);
        let new = (line.kind, line.seq);
        let old = self.app_rows.insert(line.delivery, new);
        for &r in &self.listed {
            let state = self.replicas.get_mut(&r).expect("listed replicas have a state");
            let row = state.row(&line.delivery);
            let (was, is) = (row != old, row != Some(new));
            state.divergent = state.divergent + u64::from(is) - u64::from(was);
            self.divergent = self.divergent + u64::from(is) - u64::from(was);
        }
    }

    /// An acknowledgement: a repeat of an (partition, event) pair is counted apart, because each
    /// `ack` line is a promise `acked_lost` checks.
    fn on_ack(&mut self, partition: u32, line: AckLine) {
        self.counts.acked += 1;
        if self.acked.entry(partition).or_default().insert(line.event) {
            self.ack_lines.entry(partition).or_default().push(line);
        } else {
            *self.acked_repeats.entry((partition, line.event)).or_insert(0) += 1;
        }
    }

    /// An apply: a phantom if never committed, a duplicate if this replica has it already, out
    /// of order if a higher seq of the delivery is there already, and an invalid transition if
    /// the move from the row's status is forbidden (duplicates excluded: they repeat a move the
    /// replica already made).
    fn on_apply(&mut self, replica: NodeId, delivery: DeliveryId, line: ApplyLine) {
        self.counts.applied += 1;
        let event = line.event;
        if !self.committed.contains(event) && self.applied_uncommitted.insert(event) {
            self.phantom_lines.insert(event, line.rec(replica, delivery));
        }
        let app = self.app_rows.get(&delivery).copied();
        let state = self.replicas.entry(replica).or_default();
        let duplicate = !state.applied.insert(event);
        let log = state.rows.entry(delivery).or_default();
        let old = log.row();
        let w = &mut self.witnesses;
        if duplicate {
            self.anomalies.duplicate_applied += 1;
            first(&mut w.duplicate_applied, || {
                let earlier = log.first_of(event).map(|a| a.rec(replica, delivery));
                Witness {
                    delivery: Some(delivery),
                    replica: Some(replica),
                    events: vec![event],
                    lines: earlier.into_iter().chain([line.rec(replica, delivery)]).collect(),
                }
            });
        }
        if let Some(top) = log.top().copied().filter(|t| line.seq < t.seq) {
            self.anomalies.out_of_order += 1;
            let commits = &self.commit_lines;
            first(&mut w.out_of_order, || {
                let mut lines: Vec<Rec> =
                    [line.event, top.event].iter().filter_map(|&e| commits.get(e).map(|c| c.rec(e))).collect();
                lines.sort_by_key(|r| r.t_us);
                lines.extend([top.rec(replica, delivery), line.rec(replica, delivery)]);
                Witness { delivery: Some(delivery), replica: Some(replica), events: vec![top.event, event], lines }
            });
        }
        if !duplicate && !allowed(old.map(|(status, _)| status), line.kind) {
            self.anomalies.invalid_transition += 1;
            first(&mut w.invalid_transition, || {
                let before = log.applies.last();
                Witness {
                    delivery: Some(delivery),
                    replica: Some(replica),
                    events: before.iter().map(|b| b.event).chain([event]).collect(),
                    lines: before
                        .iter()
                        .map(|b| b.rec(replica, delivery))
                        .chain([line.rec(replica, delivery)])
                        .collect(),
                }
            });
        }
        log.push(line);
        if state.listed {
            let (was, is) = (old != app, Some((line.kind, line.seq)) != app);
            state.divergent = state.divergent + u64::from(is) - u64::from(was);
            self.divergent = self.divergent + u64::from(is) - u64::from(was);
        }
    }

    /// A skip: a recognised duplicate is counted (a good thing), and any skip at a replica
    /// covers the event there.
    fn on_skip(&mut self, rec: &Rec, replica: Option<NodeId>, event: EventId, reason: SkipReason) {
        if reason == SkipReason::Duplicate {
            self.anomalies.duplicate_suppressed += 1;
            let commit = self.commit_lines.get(event);
            first(&mut self.witnesses.duplicate_suppressed, || Witness {
                delivery: commit.map(|c| c.delivery),
                replica,
                events: vec![event],
                lines: vec![rec.clone()],
            });
        }
        if let Some(r) = replica {
            self.replicas.entry(r).or_default().skipped.insert(event);
        }
    }

    /// A read: stale when it returned less than the version acknowledged when it began.
    fn on_read(&mut self, rec: &Rec, delivery: DeliveryId, version: u32, latest: u32, refused: bool) {
        self.reads += 1;
        if refused {
            self.refused_reads += 1;
            return;
        }
        if version < latest {
            self.anomalies.stale_read += 1;
            let commits = &self.commit_lines;
            first(&mut self.witnesses.stale_read, || {
                // The write the read missed: the commit of that version (found once, by a scan).
                let missed = commits.find_last(|c| c.delivery == delivery && c.seq == latest);
                Witness {
                    delivery: Some(delivery),
                    replica: None,
                    events: missed.iter().map(|(e, _)| *e).collect(),
                    lines: missed.iter().map(|(e, c)| c.rec(*e)).chain([rec.clone()]).collect(),
                }
            });
        }
    }

    /// A wipe: the checker forgets what the replica had; every row of `app` now differs there.
    fn on_wipe(&mut self, rec: &Rec, replica: NodeId) {
        let state = self.replicas.entry(replica).or_default();
        state.applied.clear();
        state.skipped.clear();
        state.rows.clear();
        state.wiped = Some(rec.clone());
        if state.listed {
            let now = self.app_rows.len() as u64;
            self.divergent = self.divergent - state.divergent + now;
            state.divergent = now;
        }
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
            divergent += u64::from(state.row(d) != Some(*app));
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

    /// The numbers so far. `lost` and `acked_lost` are computed here, a 64-id word at a time,
    /// and so are the witnesses of the anomalies that can shrink again.
    pub fn report(&self) -> CheckReport {
        let mut anomalies = self.anomalies;
        anomalies.lost =
            self.listed_states().map(|(_, s)| self.committed.count_missing_from(&[&s.applied, &s.skipped])).sum();
        anomalies.phantom = self.applied_uncommitted.len();
        if self.saw_final_log {
            let missing: u64 = self.acked.iter().map(|(p, acked)| acked.count_missing_from(&[self.final_of(*p)])).sum();
            let repeats: u64 =
                self.acked_repeats.iter().filter(|((p, e), _)| !self.final_of(*p).contains(*e)).map(|(_, n)| n).sum();
            anomalies.acked_lost = missing + repeats;
        }
        let mut witnesses = self.witnesses.clone();
        if anomalies.lost > 0 {
            witnesses.lost = self.lost_witness();
        }
        witnesses.phantom = self.phantom_lines.values().next().map(|line| match &line.op {
            Op::Apply { replica, event, delivery, .. } => Witness {
                delivery: Some(*delivery),
                replica: Some(*replica),
                events: vec![*event],
                lines: vec![line.clone()],
            },
            _ => unreachable!("phantom lines are apply lines"),
        });
        if anomalies.acked_lost > 0 {
            witnesses.acked_lost = self.acked_lost_witness();
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
            witnesses,
        }
    }

    /// The listed replicas' states, in id order.
    fn listed_states(&self) -> impl Iterator<Item = (NodeId, &ReplicaState)> {
        self.listed.iter().filter_map(|r| self.replicas.get(r).map(|s| (*r, s)))
    }

    /// The final log of partition `p` (empty if it has no `final_log` line).
    fn final_of(&self, p: u32) -> &EventSet {
        static EMPTY: std::sync::OnceLock<EventSet> = std::sync::OnceLock::new();
        self.final_log.get(&p).unwrap_or_else(|| EMPTY.get_or_init(EventSet::default))
    }

    /// The lowest event missing at a listed replica (the lowest such replica on a tie): its
    /// commit line, after the replica's last wipe line if the event was committed before it.
    fn lost_witness(&self) -> Option<Witness> {
        let (replica, event, state) = self
            .listed_states()
            .filter_map(|(r, s)| self.committed.first_missing_from(&[&s.applied, &s.skipped]).map(|e| (r, e, s)))
            .min_by_key(|(r, e, _)| (*e, *r))?;
        let commit = self.commit_lines.get(event);
        let mut lines: Vec<Rec> = commit.iter().map(|c| c.rec(event)).chain(state.wiped.clone()).collect();
        lines.sort_by_key(|r| r.t_us);
        Some(Witness { delivery: commit.map(|c| c.delivery), replica: Some(replica), events: vec![event], lines })
    }

    /// The first acknowledged event (by partition, then ack order) missing from its partition's
    /// final log: the ack line, then that partition's `final_log` lines.
    fn acked_lost_witness(&self) -> Option<Witness> {
        let (partition, ack) = self
            .ack_lines
            .iter()
            .find_map(|(p, acks)| acks.iter().find(|a| !self.final_of(*p).contains(a.event)).map(|a| (*p, *a)))?;
        let finals = self.final_log_lines.get(&partition).into_iter().flatten().cloned();
        Some(Witness {
            delivery: self.commit_lines.get(ack.event).map(|c| c.delivery),
            replica: None,
            events: vec![ack.event],
            lines: [ack.rec(partition)].into_iter().chain(finals).collect(),
        })
    }
}

#[cfg(test)]
mod tests;
