//! Consumers: the replica groups' members `dbI-cJ`, the streams `dashboard` and the event-bus
//! servers `server-N`. They differ only in where they put what they read ([`Store`]).
//!
//! Consumer rules (Kafka consumer configs and design docs):
//! - A member heartbeats its coordinator every `heartbeat.interval.ms`; the coordinator answers
//!   a member whose generation is old with its new assignment. On a new assignment the member
//!   drops what it had fetched and resumes every partition at the group's committed offset
//!   (eager rebalance), so what was applied but not committed is delivered again.
//! - Consumers fetch only below the high watermark (the broker enforces it).
//! - One fetch in flight per partition, matched to its answer by correlation id (the Java
//!   client's `NetworkClient` pairs each response with its request by correlation id, and its
//!   fetcher sends no new fetch to a node while one is pending): a duplicated or late answer is
//!   dropped. Each partition has one live timer (a stale timer carries an old token).
//! - A fetch unanswered after the request timeout, or answered NOT_LEADER_OR_FOLLOWER, makes the
//!   consumer forget the leader and refresh its metadata from the brokers ([`MetaClient`]);
//!   a new leader in the metadata moves the partition's fetch to it.
//! - `after_process` (apply, then commit) is at-least-once; `before_process` (commit, then
//!   apply) is at-most-once.
//! - The idempotent consumer writes the processed event id in the same local transaction as
//!   the row, and skips an id it has seen.

use std::collections::{BTreeMap, VecDeque};

use super::broker::FETCH_MAX;
use super::dashboard::DashboardStore;
use super::metadata::MetaClient;
use super::{Ctx, Effect, Node};
use crate::sim::command::CrashPoint;
use crate::sim::config::CommitMode;
use crate::sim::history::{NodeId, Op};
use crate::sim::msg::{Msg, PartIdx, PartLeader, Payload, Record};
use crate::sim::time::{timing, Time};
use crate::sim::topology::Topology;

/// A consumer's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerTimer {
    /// Heartbeat to the group coordinator.
    Heartbeat,
    /// The fetch loop of one partition: a fetch's deadline or the idle wait, with the token of
    /// the partition's live timer.
    Fetch(PartIdx, u64),
    /// The CPU work on the current record is done.
    Work,
    /// The metadata client's one timer, with its token.
    Metadata(u64),
}

/// Where a consumer puts what it reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Store {
    /// Replica database `db{i+1}`, whose ingest the consumer is: the write is a durable write
    /// at the replica ([`Effect::Apply`]).
    Replica(u32),
    /// The streams dashboard's own store (restored from its changelog on start).
    Dashboard(DashboardStore),
    /// An event-bus server: the config value it holds (the latest received).
    Server(Option<u32>),
}

impl Store {
    /// Applies a record's payload (in the instant the consumer processes it).
    fn apply(&mut self, payload: Payload, ctx: &mut Ctx) {
        match self {
            Store::Replica(db) => ctx.out.push(Effect::Apply { db: *db, payload }),
            Store::Dashboard(d) => d.apply(payload),
            Store::Server(value) => {
                if let Payload::Config { value: v } = payload {
                    *value = Some(v);
                }
            }
        }
    }
}

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
    /// Who leads each partition, learned from the brokers.
    pub meta: MetaClient,
    /// The fetch state per assigned partition.
    pub fetches: BTreeMap<PartIdx, FetchSlot>,
    /// Last correlation id or timer token handed out (kept across a rejoin, so a timer set
    /// before it never matches a new one).
    pub next_id: u64,
    /// Fetched, waiting to be applied: (partition, offset, record).
    pub buffer: VecDeque<(PartIdx, u64, Record)>,
    /// before_process: fetched records held until their commit is acknowledged.
    pub held: BTreeMap<PartIdx, (u64, Vec<(u64, Record)>)>,
    pub busy: bool,
    /// High watermark last seen per partition (for lag).
    pub hw: BTreeMap<PartIdx, u64>,
    /// Leader epoch of the last record fetched, per partition (KIP-320): sent with each fetch
    /// so the leader can tell whether the log was cut short below the position.
    pub last_epochs: BTreeMap<PartIdx, u32>,
}

/// One partition's fetch: the request in flight and the partition's one live timer.
#[derive(Clone, Copy, Debug, Default)]
pub struct FetchSlot {
    /// The fetch in flight: its correlation id and the broker it went to.
    pub inflight: Option<(u64, NodeId)>,
    /// Token of the partition's live timer.
    pub token: u64,
}

/// A consumer node.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub group: u32,
    /// Its index among all consumers (the member id in its group).
    pub member: u32,
    /// Where it puts what it reads (the dashboard's store is its durable part).
    pub store: Store,
    pub vol: ConsumerVol,
    /// Whether the consumer takes part (replica groups are idle in the direct write modes).
    pub active: bool,
}

impl Consumer {
    /// Member `member` of `group`, putting what it reads in `store`.
    pub fn new(group: u32, member: u32, store: Store, active: bool) -> Self {
        Consumer { group, member, store, vol: ConsumerVol::default(), active }
    }

    /// Consumer `ci` as the topology places it (its group and store); a replica's consumers are
    /// idle when the service writes the replicas `direct`ly.
    pub fn of_topology(ci: u32, topo: &Topology, direct: bool) -> Self {
        let node = topo.consumers[ci as usize];
        let group = topo.groups.iter().position(|g| g.members.contains(&ci)).expect("every consumer has a group");
        let replica_groups = topo.dbs.len();
        let store = if group < replica_groups {
            Store::Replica(group as u32)
        } else if Some(node) == topo.dashboard {
            Store::Dashboard(DashboardStore::default())
        } else {
            Store::Server(None)
        };
        let active = !(direct && matches!(store, Store::Replica(_)));
        Consumer::new(group as u32, ci, store, active)
    }

    /// Drops everything fetched and the group membership (keeping metadata); the next heartbeat
    /// joins the group again. The member then takes an assignment of `generation` (the one the
    /// wipe opened) or later only: an older one, still on its way or queued while the member
    /// was paused, carries the offsets from before the wipe (see [`Consumer::is_newer`]).
    pub fn rejoin(&mut self, generation: u32) {
        let meta = std::mem::take(&mut self.vol.meta);
        let generation = generation.saturating_sub(1);
        self.vol = ConsumerVol { meta, next_id: self.vol.next_id, generation, ..Default::default() };
    }

    /// Whether an assignment of `generation` is newer than the member's. A member only ever
    /// moves forward: the Java client binds each coordinator response to the generation of the
    /// request it answers (`AbstractCoordinator.CoordinatorResponseHandler`) and drops one for a
    /// generation that is no longer current, and the coordinator's generations only grow (they
    /// are durable here). Accepting any different generation let a stale assignment, queued
    /// while the member was paused across a wipe, resume the old offsets and apply records ahead
    /// of the rebuild (sweep findings `sweep-12648430-383`, `dense/sweep-5-2733`:
    /// `out_of_order` under the safe config).
    fn is_newer(&self, generation: u32) -> bool {
        generation > self.vol.generation
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

    fn ask_metadata(&mut self, ctx: &mut Ctx) {
        self.vol.meta.request_update(ctx, &|t| ConsumerTimer::Metadata(t).into());
    }

    /// Sets `part`'s one live timer, `after` µs from now; any earlier one goes stale.
    fn arm_fetch(&mut self, part: PartIdx, after: Time, ctx: &mut Ctx) {
        self.vol.next_id += 1;
        let token = self.vol.next_id;
        self.vol.fetches.entry(part).or_default().token = token;
        ctx.timer(after, ConsumerTimer::Fetch(part, token));
    }

    /// Fetches `part` from its leader unless a fetch is in flight; waits while the buffer is
    /// full, asks for metadata while the leader is unknown.
    fn fetch(&mut self, part: PartIdx, ctx: &mut Ctx) {
        if !self.vol.assignment.contains(&part) {
            return;
        }
        if self.vol.fetches.get(&part).is_some_and(|f| f.inflight.is_some()) {
            return; // one fetch in flight per partition
        }
        if self.vol.buffer.len() >= 256 || self.vol.held.contains_key(&part) {
            self.arm_fetch(part, timing::CONSUMER_IDLE_FETCH, ctx);
            return;
        }
        let Some(leader) = self.vol.meta.leader(part) else {
            // Nothing to fetch from: the metadata answer starts the fetch again.
            self.ask_metadata(ctx);
            return;
        };
        let offset = self.vol.positions.get(&part).copied().unwrap_or(0);
        self.vol.next_id += 1;
        let id = self.vol.next_id;
        self.vol.fetches.entry(part).or_default().inflight = Some((id, leader));
        let last_epoch = self.vol.last_epochs.get(&part).copied().unwrap_or(0);
        ctx.send(leader, Msg::Fetch { id, part, offset, last_epoch, replica: None, max: FETCH_MAX });
        self.arm_fetch(part, ctx.patient(timing::FETCH_TIMEOUT), ctx);
    }

    /// `part`'s timer: the fetch in flight timed out, or the idle wait is over.
    fn on_fetch_timer(&mut self, part: PartIdx, token: u64, ctx: &mut Ctx) {
        let Some(slot) = self.vol.fetches.get_mut(&part) else { return };
        if slot.token != token {
            return; // superseded
        }
        if slot.inflight.take().is_some() {
            // request.timeout.ms: the Java client drops the connection, which requests a
            // metadata update ("the disconnect may be the result of stale metadata").
            self.vol.meta.forget(part);
        }
        self.fetch(part, ctx);
    }

    /// The connection to `broker` ended: its fetches in flight failed (the Java client's
    /// `NetworkClient.processDisconnection` fails the in-flight requests and requests a metadata
    /// update). A broker that `refused` it is down: those partitions forget their leader and
    /// fetch again once metadata names one. A connection lost on a lossy link: they fetch from
    /// the same leader again after the backoff (`reconnect.backoff.ms`), not after the timeout.
    fn on_disconnect(&mut self, broker: NodeId, refused: bool, ctx: &mut Ctx) {
        self.vol.meta.on_disconnect(broker, refused, ctx, &|t| ConsumerTimer::Metadata(t).into());
        let failed: Vec<PartIdx> = self
            .vol
            .fetches
            .iter_mut()
            .filter(|(_, f)| f.inflight.is_some_and(|(_, to)| to == broker))
            .map(|(p, f)| {
                f.inflight = None;
                *p
            })
            .collect();
        if !refused && !failed.is_empty() {
            self.ask_metadata(ctx);
        }
        for p in failed {
            if refused {
                self.vol.meta.forget(p);
                self.fetch(p, ctx);
            } else {
                self.arm_fetch(p, timing::RETRY_BACKOFF, ctx);
            }
        }
    }

    /// New metadata: a partition whose leader changed drops the fetch it had in flight to the
    /// old one; every partition without a fetch in flight fetches.
    fn on_metadata(&mut self, id: u64, leaders: &[PartLeader], ctx: &mut Ctx) {
        if !self.vol.meta.on_response(id, leaders, ctx, &|t| ConsumerTimer::Metadata(t).into()) {
            return;
        }
        let parts = self.vol.assignment.clone();
        for p in parts {
            let leader = self.vol.meta.leader(p);
            if let Some(slot) = self.vol.fetches.get_mut(&p) {
                if slot.inflight.is_some_and(|(_, to)| Some(to) != leader) {
                    slot.inflight = None;
                }
            }
            self.fetch(p, ctx);
        }
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
        self.vol.fetches.clear();
        self.vol.last_epochs.clear(); // positions come from committed offsets: no epoch known
        for (p, _) in parts {
            self.fetch(p, ctx);
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
            ctx.timer(Self::cost(ctx), ConsumerTimer::Work);
        }
    }

    /// Applies the next record (its CPU cost has been paid), then commits when a partition's
    /// batch is done.
    fn work(&mut self, ctx: &mut Ctx) {
        let Some((part, off, r)) = self.vol.buffer.pop_front() else {
            self.vol.busy = false;
            return;
        };
        self.store.apply(r.payload, ctx);
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
            ctx.timer(Self::cost(ctx), ConsumerTimer::Work);
        }
    }
}

impl Node for Consumer {
    type Timer = ConsumerTimer;

    fn start(&mut self, ctx: &mut Ctx) {
        if let Store::Dashboard(d) = &mut self.store {
            d.restore();
        }
        self.vol = ConsumerVol { meta: MetaClient::new(ctx.topo.parts.len()), ..Default::default() };
        if !self.active {
            return;
        }
        self.heartbeat(ctx);
        ctx.timer(timing::CONSUMER_HEARTBEAT, ConsumerTimer::Heartbeat);
        self.ask_metadata(ctx);
    }

    fn on_timer(&mut self, timer: ConsumerTimer, ctx: &mut Ctx) {
        match timer {
            ConsumerTimer::Heartbeat => {
                self.heartbeat(ctx);
                ctx.timer(timing::CONSUMER_HEARTBEAT, ConsumerTimer::Heartbeat);
            }
            ConsumerTimer::Fetch(part, token) => self.on_fetch_timer(part, token, ctx),
            ConsumerTimer::Work => self.work(ctx),
            ConsumerTimer::Metadata(token) => {
                self.vol.meta.on_timer(token, ctx, &|t| ConsumerTimer::Metadata(t).into());
            }
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::GroupAssign { assignment, .. } if self.is_newer(assignment.generation) => {
                self.assign(assignment.generation, assignment.partitions, ctx);
            }
            Msg::MetadataResp { id, leaders } => self.on_metadata(id, &leaders, ctx),
            Msg::ConnectionRefused => self.on_disconnect(from, true, ctx),
            Msg::ConnectionLost => self.on_disconnect(from, false, ctx),
            Msg::FetchResp { id, part, offset, records, hw, diverging, not_leader } => {
                let ours = self.vol.fetches.get(&part).and_then(|f| f.inflight).is_some_and(|(want, _)| want == id);
                if !ours || self.vol.positions.get(&part) != Some(&offset) {
                    return; // a duplicate, a late answer, or not ours any more
                }
                self.vol.fetches.entry(part).or_default().inflight = None;
                if not_leader {
                    // NOT_LEADER_OR_FOLLOWER: the fetcher requests a metadata update.
                    self.vol.meta.forget(part);
                    self.ask_metadata(ctx);
                    return;
                }
                self.vol.hw.insert(part, hw);
                if let Some(to) = diverging {
                    // The log diverged below the position (KIP-320) or the position is out of
                    // range: resume where the leader says, and re-read from there.
                    self.vol.positions.insert(part, to);
                    self.vol.last_epochs.remove(&part);
                    self.vol.processed.insert(part, to);
                    self.arm_fetch(part, timing::CONSUMER_IDLE_FETCH, ctx);
                    return;
                }
                if records.is_empty() {
                    self.arm_fetch(part, timing::CONSUMER_IDLE_FETCH, ctx);
                    return;
                }
                if let Some(last) = records.last() {
                    self.vol.last_epochs.insert(part, last.epoch);
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

    fn crash(&mut self) {
        self.vol = ConsumerVol::default();
        if let Store::Dashboard(d) = &mut self.store {
            d.crash();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::super::Timer;
    use super::*;
    use crate::sim::config::Config;
    use crate::sim::domain::Kind;
    use crate::sim::msg::Assignment;

    /// Member `db1-c1`, assigned partition 0 at offset 0, its leader known, under `commit`.
    fn member(commit: CommitMode) -> (Harness, Consumer) {
        let mut h = Harness::with(Config { consumer_commit: commit, ..Default::default() });
        h.node = h.topo.consumers[0];
        let mut c = Consumer::of_topology(0, &h.topo, false);
        h.run(|ctx| c.start(ctx));
        let id = h.sent().iter().find_map(|(_, m)| if let Msg::MetadataReq { id } = m { Some(*id) } else { None });
        let leaders = vec![PartLeader { leader: Some(h.topo.brokers[0]), epoch: 1 }; h.topo.parts.len()];
        h.run(|ctx| c.on_message(0, Msg::MetadataResp { id: id.expect("asked at start"), leaders }, ctx));
        let assignment = Assignment { generation: 1, partitions: vec![(0, 0)] };
        h.run(|ctx| c.on_message(0, Msg::GroupAssign { group: 0, assignment }, ctx));
        h.clear();
        (h, c)
    }

    /// The correlation id of partition 0's fetch in flight.
    fn in_flight(c: &Consumer) -> Option<u64> {
        c.vol.fetches.get(&0).and_then(|f| f.inflight).map(|(id, _)| id)
    }

    fn fetched(h: &mut Harness, c: &mut Consumer, n: u64) {
        let records = (1..=n)
            .map(|e| {
                let payload = Payload::Event { event: e, delivery: 0, kind: Kind::Created, seq: 1 };
                Record { payload, producer_id: 0, producer_seq: -1, base_seq: -1, epoch: 1 }
            })
            .collect();
        let id = in_flight(c).expect("a fetch in flight");
        let resp = Msg::FetchResp { id, part: 0, offset: 0, records, hw: n, diverging: None, not_leader: false };
        h.run(|ctx| c.on_message(0, resp, ctx));
    }

    /// The order of applies ("apply") and offset commits ("commit N") so far.
    fn steps(h: &Harness) -> Vec<String> {
        h.out
            .iter()
            .filter_map(|e| match e {
                Effect::Apply { .. } => Some("apply".to_string()),
                Effect::Send { msg: Msg::OffsetCommit { offset, .. }, .. } => Some(format!("commit {offset}")),
                _ => None,
            })
            .collect()
    }

    // after_process (at-least-once): every record of the batch is applied, then the offset
    // past the batch is committed.
    #[test]
    fn after_process_applies_then_commits() {
        let (mut h, mut c) = member(CommitMode::AfterProcess);
        fetched(&mut h, &mut c, 2);
        assert!(steps(&h).is_empty(), "the CPU cost is paid first");
        h.run(|ctx| c.on_timer(ConsumerTimer::Work, ctx));
        h.run(|ctx| c.on_timer(ConsumerTimer::Work, ctx));
        assert_eq!(steps(&h), ["apply", "apply", "commit 2"]);
    }

    // before_process (at-most-once): the batch's offset is committed first and applied only once
    // the coordinator acknowledged the commit.
    #[test]
    fn before_process_commits_then_applies() {
        let (mut h, mut c) = member(CommitMode::BeforeProcess);
        fetched(&mut h, &mut c, 2);
        assert_eq!(steps(&h), ["commit 2"]);
        h.run(|ctx| c.on_message(0, Msg::OffsetCommitResp { group: 0, part: 0, offset: 2, ok: true }, ctx));
        h.run(|ctx| c.on_timer(ConsumerTimer::Work, ctx));
        h.run(|ctx| c.on_timer(ConsumerTimer::Work, ctx));
        assert_eq!(steps(&h), ["commit 2", "apply", "apply"]);
    }

    // A crash after applying and before committing (armed after_apply) leaves the offset
    // uncommitted: the record will be delivered again.
    #[test]
    fn crash_after_apply_skips_the_commit() {
        let (mut h, mut c) = member(CommitMode::AfterProcess);
        fetched(&mut h, &mut c, 1);
        h.armed = Some(CrashPoint::AfterApply);
        h.run(|ctx| c.on_timer(ConsumerTimer::Work, ctx));
        assert_eq!(steps(&h), ["apply"]);
        assert!(h.out.iter().any(|e| matches!(e, Effect::CrashSelf)));
    }

    // A new generation (rebalance) drops what was fetched and resumes at the committed offset.
    #[test]
    fn rebalance_resumes_at_committed_offset() {
        let (mut h, mut c) = member(CommitMode::AfterProcess);
        fetched(&mut h, &mut c, 3);
        let assignment = Assignment { generation: 2, partitions: vec![(0, 1)] };
        h.run(|ctx| c.on_message(0, Msg::GroupAssign { group: 0, assignment }, ctx));
        assert!(c.vol.buffer.is_empty());
        let fetches: Vec<u64> = h
            .sent()
            .iter()
            .filter_map(|(_, m)| if let Msg::Fetch { offset, .. } = m { Some(*offset) } else { None })
            .collect();
        assert_eq!(fetches.last(), Some(&1));
    }

    // A stale assignment queued across a wipe is ignored: the member was paused, generation 2
    // began meanwhile (it never saw it), the wipe opened generation 3 at offset 0. Generation 2's
    // assignment, handled when the member resumes, carries the old offsets: taking it would
    // apply records ahead of the rebuild. The member waits for 3, whichever arrives first.
    #[test]
    fn stale_assignment_after_a_wipe_is_ignored() {
        let assign = |generation, offset| Msg::GroupAssign {
            group: 0,
            assignment: Assignment { generation, partitions: vec![(0, offset)] },
        };
        for stale_first in [true, false] {
            let (mut h, mut c) = member(CommitMode::AfterProcess);
            c.rejoin(3);
            if stale_first {
                h.run(|ctx| c.on_message(0, assign(2, 7), ctx));
                assert!(c.vol.assignment.is_empty(), "generation 2 is older than the wipe's");
            }
            h.run(|ctx| c.on_message(0, assign(3, 0), ctx));
            h.run(|ctx| c.on_message(0, assign(2, 7), ctx));
            assert_eq!(c.vol.generation, 3);
            assert_eq!(c.vol.positions.get(&0), Some(&0), "stale first: {stale_first}");
        }
    }

    // One fetch in flight per partition: a duplicated answer is dropped (no second fetch loop),
    // and a timer that was superseded does nothing.
    #[test]
    fn duplicated_fetch_answer_is_dropped() {
        let (mut h, mut c) = member(CommitMode::AfterProcess);
        let id = in_flight(&c).expect("a fetch in flight");
        let empty =
            Msg::FetchResp { id, part: 0, offset: 0, records: vec![], hw: 0, diverging: None, not_leader: false };
        h.run(|ctx| c.on_message(0, empty.clone(), ctx));
        h.run(|ctx| c.on_message(0, empty, ctx));
        assert_eq!(h.timers().len(), 1, "one idle wait, not two");
        let Timer::Consumer(ConsumerTimer::Fetch(_, live)) = h.timers()[0].1 else { panic!("the fetch timer") };
        h.run(|ctx| c.on_timer(ConsumerTimer::Fetch(0, live - 1), ctx));
        assert!(h.sent().is_empty(), "a stale timer sends nothing");
        h.run(|ctx| c.on_timer(ConsumerTimer::Fetch(0, live), ctx));
        assert_eq!(h.sent().len(), 1, "the live one fetches again");
    }

    // A refused connection (the leader's process is down) fails the fetch in flight: the
    // consumer forgets the leader and asks a broker for metadata instead of waiting it out.
    #[test]
    fn refused_connection_refreshes_metadata() {
        let (mut h, mut c) = member(CommitMode::AfterProcess);
        let leader = h.topo.brokers[0];
        h.now = timing::METADATA_RETRY;
        h.run(|ctx| c.on_message(leader, Msg::ConnectionRefused, ctx));
        assert_eq!(in_flight(&c), None);
        assert_eq!(c.vol.meta.leader(0), None);
        let asked: Vec<NodeId> =
            h.sent().iter().filter(|(_, m)| matches!(m, Msg::MetadataReq { .. })).map(|(to, _)| *to).collect();
        assert_eq!(asked.len(), 1);
        assert!(h.topo.brokers.contains(&asked[0]), "a broker, not the controller");
    }

    // A connection lost on a lossy link (the leader is up) fails the fetch in flight at once: the
    // consumer keeps the leader, refreshes metadata, and fetches again after the backoff instead
    // of waiting out the fetch timeout.
    #[test]
    fn lost_connection_fetches_again_after_backoff() {
        let (mut h, mut c) = member(CommitMode::AfterProcess);
        let leader = h.topo.brokers[0];
        h.now = timing::METADATA_RETRY;
        h.clear();
        h.run(|ctx| c.on_message(leader, Msg::ConnectionLost, ctx));
        assert_eq!(in_flight(&c), None);
        assert_eq!(c.vol.meta.leader(0), Some(leader), "the broker is up: its leadership is not in doubt");
        assert!(h.sent().iter().any(|(_, m)| matches!(m, Msg::MetadataReq { .. })));
        let retry = h.timers().iter().any(|(after, t)| {
            *after == timing::RETRY_BACKOFF && matches!(t, Timer::Consumer(ConsumerTimer::Fetch(0, _)))
        });
        assert!(retry, "fetch again after retry.backoff.ms: {:?}", h.timers());
    }

    // The dashboard's store is restored from its changelog when it starts again.
    #[test]
    fn dashboard_restores_on_restart() {
        let mut h = Harness::new();
        let ci = h.topo.consumers.iter().position(|&n| Some(n) == h.topo.dashboard).expect("dashboard on") as u32;
        h.node = h.topo.consumers[ci as usize];
        let mut c = Consumer::of_topology(ci, &h.topo, false);
        let Store::Dashboard(d) = &mut c.store else { panic!("the dashboard's store") };
        d.apply(Payload::Event { event: 1, delivery: 0, kind: Kind::Created, seq: 1 });
        c.crash();
        h.run(|ctx| c.start(ctx));
        let Store::Dashboard(d) = &c.store else { panic!("the dashboard's store") };
        assert_eq!(d.latest.len(), 1);
    }
}
