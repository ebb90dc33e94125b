//! Consumers (replica groups `dbI-cJ`, the dashboard, event-bus servers), the replica databases
//! `dbI`, the dashboard's store and the `client` that reads the replicas.
//!
//! Consumer rules (Kafka consumer configs and design docs):
//! - A member heartbeats its coordinator every `heartbeat.interval.ms`; the coordinator answers
//!   a member whose generation is old with its new assignment. On a new assignment the member
//!   drops what it had fetched and resumes every partition at the group's committed offset
//!   (eager rebalance), so what was applied but not committed is delivered again.
//! - Consumers fetch only below the high watermark (the broker enforces it).
//! - `after_process` (apply, then commit) is at-least-once; `before_process` (commit, then
//!   apply) is at-most-once.
//! - The idempotent consumer writes the processed event id in the same local transaction as
//!   the row, and skips an id it has seen.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::command::CrashPoint;
use super::config::{CommitMode, ReadMode};
use super::domain::Kind;
use super::engine::{timing, Ctx, Effect, NoticeKind, Sink, Time, Timer};
use super::history::{DeliveryId, EventId, NodeId, Op, SkipReason};
use super::msg::{Msg, PartIdx, Payload, Record};

/// A consumer's volatile state.
#[derive(Clone, Debug, Default)]
pub struct ConsumerVol {
    pub generation: u32,
    pub assignment: Vec<PartIdx>,
    /// Next offset to fetch, per assigned partition.
    pub positions: BTreeMap<PartIdx, u64>,
    /// Next offset to commit (everything before it processed), per partition.
    pub processed: BTreeMap<PartIdx, u64>,
    /// The committed offset as last acknowledged by the coordinator.
    pub committed: BTreeMap<PartIdx, u64>,
    pub leaders: Vec<Option<NodeId>>,
    pub metadata_asked: Option<Time>,
    pub fetch_sent: BTreeMap<PartIdx, Time>,
    /// Fetched, waiting to be applied: (partition, offset, record).
    pub buffer: VecDeque<(PartIdx, u64, Record)>,
    /// before_process: fetched records held until their commit is acknowledged.
    pub held: BTreeMap<PartIdx, (u64, Vec<(u64, Record)>)>,
    pub busy: bool,
    /// High watermark last seen per partition (for lag).
    pub hw: BTreeMap<PartIdx, u64>,
}

/// A consumer node.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub group: u32,
    pub member: u32,
    pub sink: Sink,
    pub vol: ConsumerVol,
    /// Whether the consumer takes part (replica groups are idle in the direct write modes).
    pub active: bool,
}

impl Consumer {
    pub fn new(group: u32, member: u32, sink: Sink, active: bool) -> Self {
        Consumer { group, member, sink, vol: ConsumerVol::default(), active }
    }

    pub fn crash(&mut self) {
        self.vol = ConsumerVol::default();
    }

    /// Drops everything fetched and the group membership (keeping metadata); the next heartbeat
    /// joins the group again as a new member.
    pub fn rejoin(&mut self) {
        let leaders = std::mem::take(&mut self.vol.leaders);
        self.vol = ConsumerVol { leaders, ..Default::default() };
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        self.vol = ConsumerVol { leaders: vec![None; ctx.topo.parts.len()], ..Default::default() };
        if !self.active {
            return;
        }
        self.heartbeat(ctx);
        ctx.timer(timing::CONSUMER_HEARTBEAT, Timer::Heartbeat);
        ctx.send(ctx.topo.controller, Msg::MetadataReq);
    }

    fn heartbeat(&mut self, ctx: &mut Ctx) {
        ctx.send(
            ctx.topo.controller,
            Msg::GroupHeartbeat { group: self.group, member: self.member, generation: self.vol.generation },
        );
    }

    /// The member of its own group and the partitions it owns, with lag per partition.
    pub fn lag(&self) -> Vec<(PartIdx, u64, u64)> {
        self.vol
            .assignment
            .iter()
            .map(|p| {
                let hw = self.vol.hw.get(p).copied().unwrap_or(0);
                let c = self.vol.processed.get(p).copied().unwrap_or(0);
                (*p, c, hw.saturating_sub(c))
            })
            .collect()
    }

    fn cost(ctx: &Ctx) -> Time {
        (ctx.cfg.consumer_ms_per_record * 1000.0).round() as Time
    }

    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx) {
        match timer {
            Timer::Heartbeat => {
                self.heartbeat(ctx);
                ctx.timer(timing::CONSUMER_HEARTBEAT, Timer::Heartbeat);
            }
            Timer::Fetch(part) => self.fetch(part, ctx),
            Timer::Work => self.work(ctx),
            Timer::Metadata => {
                let parts = self.vol.assignment.clone();
                for p in parts {
                    self.fetch(p, ctx);
                }
            }
            _ => {}
        }
    }

    /// At most one metadata request per `METADATA_RETRY`; a timer re-checks after it.
    fn ask_metadata(&mut self, ctx: &mut Ctx) {
        let due = self.vol.metadata_asked.is_none_or(|t| ctx.now.saturating_sub(t) >= timing::METADATA_RETRY);
        if due {
            self.vol.metadata_asked = Some(ctx.now);
            ctx.send(ctx.topo.controller, Msg::MetadataReq);
            ctx.timer(timing::METADATA_RETRY, Timer::Metadata);
        }
    }

    fn fetch(&mut self, part: PartIdx, ctx: &mut Ctx) {
        if !self.vol.assignment.contains(&part) {
            return;
        }
        if let Some(&t) = self.vol.fetch_sent.get(&part) {
            if ctx.now.saturating_sub(t) < timing::FETCH_TIMEOUT {
                return;
            }
        }
        if self.vol.buffer.len() >= 256 || self.vol.held.contains_key(&part) {
            ctx.timer(timing::CONSUMER_IDLE_FETCH, Timer::Fetch(part));
            return;
        }
        let Some(leader) = self.vol.leaders.get(part as usize).copied().flatten() else {
            self.ask_metadata(ctx);
            return;
        };
        let offset = self.vol.positions.get(&part).copied().unwrap_or(0);
        self.vol.fetch_sent.insert(part, ctx.now);
        ctx.send(leader, Msg::Fetch { part, offset, last_epoch: 0, replica: None, max: super::broker::FETCH_MAX });
        ctx.timer(timing::FETCH_TIMEOUT, Timer::Fetch(part));
    }

    fn assign(&mut self, generation: u32, parts: Vec<(PartIdx, u64)>, ctx: &mut Ctx) {
        // Eager rebalance: everything fetched and not committed is dropped; every partition
        // resumes at the group's committed offset.
        self.vol.generation = generation;
        self.vol.assignment = parts.iter().map(|p| p.0).collect();
        self.vol.positions = parts.iter().copied().collect();
        self.vol.processed = parts.iter().copied().collect();
        self.vol.committed = parts.iter().copied().collect();
        self.vol.buffer.clear();
        self.vol.held.clear();
        self.vol.fetch_sent.clear();
        for (p, _) in parts {
            self.fetch(p, ctx);
        }
    }

    pub fn on_message(&mut self, _from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::GroupAssign { assignment, .. } if assignment.generation != self.vol.generation => {
                self.assign(assignment.generation, assignment.partitions, ctx);
            }
            Msg::MetadataResp { leaders } => {
                self.vol.leaders = leaders;
                let parts = self.vol.assignment.clone();
                for p in parts {
                    self.fetch(p, ctx);
                }
            }
            Msg::FetchResp { part, offset, records, hw, diverging, not_leader } => {
                if self.vol.positions.get(&part) != Some(&offset) {
                    return; // not ours any more, or an old answer
                }
                self.vol.fetch_sent.remove(&part);
                if not_leader {
                    self.vol.leaders[part as usize] = None;
                    self.ask_metadata(ctx);
                    return;
                }
                self.vol.hw.insert(part, hw);
                if let Some(to) = diverging {
                    // OFFSET_OUT_OF_RANGE after an unclean election: reset to the log end.
                    self.vol.positions.insert(part, to);
                    self.vol.processed.insert(part, to);
                    ctx.timer(timing::CONSUMER_IDLE_FETCH, Timer::Fetch(part));
                    return;
                }
                if records.is_empty() {
                    ctx.timer(timing::CONSUMER_IDLE_FETCH, Timer::Fetch(part));
                    return;
                }
                let number = ctx.topo.parts[part as usize].number;
                let n = records.len() as u64;
                let mut batch = Vec::with_capacity(records.len());
                for (i, r) in records.into_iter().enumerate() {
                    let off = offset + i as u64;
                    if let Some(ev) = r.payload.event() {
                        ctx.record(Op::Deliver { event: ev, partition: number, offset: off });
                    }
                    batch.push((off, r));
                }
                self.vol.positions.insert(part, offset + n);
                match ctx.cfg.consumer_commit {
                    CommitMode::AfterProcess => {
                        for (off, r) in batch {
                            self.vol.buffer.push_back((part, off, r));
                        }
                        self.kick(ctx);
                    }
                    CommitMode::BeforeProcess => {
                        // At-most-once: commit the batch's end first, apply once it is acknowledged.
                        self.vol.held.insert(part, (offset + n, batch));
                        self.commit(part, offset + n, ctx);
                    }
                }
                self.fetch(part, ctx);
            }
            Msg::OffsetCommitResp { part, offset, ok, .. } => {
                if ok {
                    let c = self.vol.committed.entry(part).or_insert(0);
                    *c = (*c).max(offset);
                }
                if let Some((end, batch)) = self.vol.held.remove(&part) {
                    if end == offset && ok {
                        for (off, r) in batch {
                            self.vol.buffer.push_back((part, off, r));
                        }
                        self.kick(ctx);
                    } else if end != offset {
                        self.vol.held.insert(part, (end, batch));
                    }
                }
                if !ok {
                    // ILLEGAL_GENERATION: rejoin.
                    self.heartbeat(ctx);
                }
            }
            _ => {}
        }
    }

    /// OffsetCommit of `offset` (the next record to read) for `part`, in this generation.
    fn commit(&self, part: PartIdx, offset: u64, ctx: &mut Ctx) {
        ctx.send(
            ctx.topo.controller,
            Msg::OffsetCommit { group: self.group, member: self.member, generation: self.vol.generation, part, offset },
        );
    }

    fn kick(&mut self, ctx: &mut Ctx) {
        if !self.vol.busy && !self.vol.buffer.is_empty() {
            self.vol.busy = true;
            ctx.timer(Self::cost(ctx), Timer::Work);
        }
    }

    /// Applies the next record (its CPU cost has been paid), then commits when a partition's
    /// batch is done.
    fn work(&mut self, ctx: &mut Ctx) {
        let Some((part, off, r)) = self.vol.buffer.pop_front() else {
            self.vol.busy = false;
            return;
        };
        ctx.out.push(Effect::Apply { sink: self.sink, payload: r.payload });
        self.vol.processed.insert(part, off + 1);
        if ctx.crash_point(CrashPoint::AfterApply) {
            return;
        }
        let more_of_part = self.vol.buffer.iter().any(|b| b.0 == part);
        if ctx.cfg.consumer_commit == CommitMode::AfterProcess && !more_of_part {
            self.commit(part, off + 1, ctx);
        }
        if self.vol.buffer.is_empty() {
            self.vol.busy = false;
        } else {
            ctx.timer(Self::cost(ctx), Timer::Work);
        }
    }
}

/// A replica database (read model).
#[derive(Clone, Debug, Default)]
pub struct Db {
    // Durable.
    pub rows: BTreeMap<DeliveryId, (Kind, u32)>,
    pub processed: BTreeSet<EventId>,
    /// Direct-write channels: per writer, (epoch, next expected write).
    pub chan_expected: BTreeMap<NodeId, (u32, u64)>,
    /// serial_async at db1: channels to the other replicas (its replication log).
    pub forward: Vec<super::app::Chan>,
    pub starts: u32,
    /// Counters for the page.
    pub applied: u64,
    pub skipped: u64,
}

impl Db {
    pub fn start(&mut self, ctx: &mut Ctx) {
        self.starts += 1;
        ctx.timer(timing::CHAN_RETRANSMIT, Timer::Retransmit(0));
    }

    /// Applies an event as the replica's ingest does: the idempotent consumer skips an id it
    /// has processed; otherwise the row takes the event's status and version, whatever it was.
    /// Returns the history line (apply or skip).
    pub fn apply(&mut self, me: NodeId, payload: Payload, idempotent: bool) -> Option<Op> {
        let Payload::Event { event, delivery, kind, seq } = payload else { return None };
        if idempotent && self.processed.contains(&event) {
            self.skipped += 1;
            return Some(Op::Skip { replica: Some(me), partition: None, event, reason: SkipReason::Duplicate });
        }
        if idempotent {
            self.processed.insert(event);
        }
        self.rows.insert(delivery, (kind, seq));
        self.applied += 1;
        Some(Op::Apply { replica: me, event, delivery, kind, seq })
    }

    /// Empties the replica (rows and processed ids).
    pub fn wipe(&mut self) {
        self.rows.clear();
        self.processed.clear();
    }

    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx) {
        if let Timer::Retransmit(_) = timer {
            for c in self.forward.iter_mut() {
                c.retransmit(ctx);
            }
            ctx.timer(timing::CHAN_RETRANSMIT, Timer::Retransmit(0));
        }
    }

    pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        let me = ctx.node;
        match msg {
            Msg::ReadReq { rid, delivery } => {
                let row = self.rows.get(&delivery).copied();
                ctx.send(from, Msg::ReadResp { rid, version: row.map(|r| r.1).unwrap_or(0), status: row.map(|r| r.0) });
            }
            Msg::DbWrite { epoch, chan_seq, payload } => {
                let e = self.chan_expected.entry(from).or_insert((epoch, 0));
                if epoch > e.0 {
                    *e = (epoch, 0);
                }
                if epoch < e.0 {
                    return;
                }
                if chan_seq == e.1 {
                    e.1 += 1;
                    // Direct writes are never duplicated by the channel; apply with the
                    // idempotent table so a rewrite after a writer restart is recognised.
                    if let Some(op) = self.apply(me, payload, ctx.cfg.idempotent_consumer) {
                        ctx.record(op);
                    }
                    if ctx.cfg.write_mode == super::config::WriteMode::SerialAsync && ctx.topo.dbs.first() == Some(&me)
                    {
                        if self.forward.is_empty() {
                            self.forward =
                                ctx.topo.dbs.iter().skip(1).map(|&d| super::app::Chan::new(d, self.starts)).collect();
                        }
                        for c in self.forward.iter_mut() {
                            c.push(payload, ctx);
                        }
                    }
                }
                let acked = self.chan_expected[&from].1;
                if acked > 0 {
                    ctx.send(from, Msg::DbWriteAck { epoch, chan_seq: acked - 1 });
                }
            }
            Msg::DbWriteAck { epoch, chan_seq } => {
                if let Some(c) = self.forward.iter_mut().find(|c| c.to == from) {
                    c.on_ack(epoch, chan_seq, ctx.now);
                }
            }
            _ => {}
        }
    }
}

/// The streams dashboard's store: latest status per delivery and counts per status, restored
/// from its changelog after a crash (Kafka Streams' local state store + changelog topic).
#[derive(Clone, Debug, Default)]
pub struct Dashboard {
    /// Volatile: the local state store.
    pub latest: BTreeMap<DeliveryId, (Kind, u32)>,
    pub counts: [u64; 6],
    /// Durable: the changelog (delivery, status, version), compacted by key.
    pub changelog: BTreeMap<DeliveryId, (Kind, u32)>,
    pub restored_from_changelog: u64,
}

impl Dashboard {
    pub fn apply(&mut self, payload: Payload) {
        let Payload::Event { delivery, kind, seq, .. } = payload else { return };
        if let Some((old, v)) = self.latest.get(&delivery).copied() {
            if v >= seq {
                return; // keep the latest state per delivery
            }
            self.counts[old.index()] -= 1;
        }
        self.latest.insert(delivery, (kind, seq));
        self.counts[kind.index()] += 1;
        self.changelog.insert(delivery, (kind, seq));
    }

    pub fn crash(&mut self) {
        self.latest.clear();
        self.counts = [0; 6];
    }

    /// Restores the store from the changelog.
    pub fn restore(&mut self) {
        self.latest = self.changelog.clone();
        self.counts = [0; 6];
        for (k, _) in self.latest.values() {
            self.counts[k.index()] += 1;
        }
        self.restored_from_changelog = self.latest.len() as u64;
    }
}

/// An in-progress client read.
#[derive(Clone, Debug)]
pub struct PendingRead {
    pub delivery: DeliveryId,
    pub need: usize,
    pub asked: Vec<NodeId>,
    pub answers: Vec<(NodeId, u32)>,
    pub latest: u32,
    pub started: Time,
}

/// The client that reads the replicas.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub next_rid: u64,
    pub reads: BTreeMap<u64, PendingRead>,
    /// Read latencies (µs) of completed reads, for the page.
    pub latencies: Vec<Time>,
    pub refused: u64,
}

impl Client {
    pub fn crash(&mut self) {
        self.reads.clear();
    }

    /// Starts a read of `delivery` with `mode`, pinned to `replica` for a `one` read.
    pub fn read(&mut self, delivery: DeliveryId, mode: ReadMode, replica: Option<NodeId>, latest: u32, ctx: &mut Ctx) {
        let dbs = ctx.topo.dbs.clone();
        let (asked, need) = match mode {
            ReadMode::One => {
                let r = replica.unwrap_or_else(|| dbs[ctx.rng.below(dbs.len() as u64) as usize]);
                (vec![r], 1)
            }
            ReadMode::Quorum => (dbs.clone(), dbs.len() / 2 + 1),
            ReadMode::All => (dbs.clone(), dbs.len()),
        };
        self.next_rid += 1;
        let rid = self.next_rid;
        for &d in &asked {
            ctx.send(d, Msg::ReadReq { rid, delivery });
        }
        ctx.timer(timing::READ_TIMEOUT, Timer::ReadTimeout(rid));
        self.reads.insert(rid, PendingRead { delivery, need, asked, answers: Vec::new(), latest, started: ctx.now });
    }

    pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        if let Msg::ReadResp { rid, version, .. } = msg {
            let Some(r) = self.reads.get_mut(&rid) else { return };
            if !r.asked.contains(&from) || r.answers.iter().any(|a| a.0 == from) {
                return;
            }
            r.answers.push((from, version));
            if r.answers.len() >= r.need {
                let r = self.reads.remove(&rid).expect("present");
                let version = r.answers.iter().map(|a| a.1).max().unwrap_or(0);
                self.latencies.push(ctx.now - r.started);
                ctx.record(Op::Read {
                    delivery: r.delivery,
                    replicas: r.answers.iter().map(|a| a.0).collect(),
                    version,
                    latest: r.latest,
                    refused: false,
                });
            }
        }
    }

    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx) {
        if let Timer::ReadTimeout(rid) = timer {
            if let Some(r) = self.reads.remove(&rid) {
                // Not enough replicas answered in time: refuse rather than guess (the CP side).
                self.refused += 1;
                ctx.notice(NoticeKind::ReadRefused { delivery: r.delivery });
                ctx.record(Op::Read {
                    delivery: r.delivery,
                    replicas: r.answers.iter().map(|a| a.0).collect(),
                    version: 0,
                    latest: r.latest,
                    refused: true,
                });
            }
        }
    }
}
