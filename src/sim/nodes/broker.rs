//! A broker: one replica of each partition it is assigned, as leader or follower.
//!
//! Rules, with the Kafka documentation they follow (design docs, "Replication"):
//! - Followers fetch from the leader like consumers do; the leader tracks each follower's
//!   fetch position. A follower is in sync while it has caught up within
//!   `replica.lag.time.max.ms`; the leader asks the controller to shrink or expand the ISR
//!   (AlterPartition) and uses the new ISR only once the controller accepted it.
//! - The high watermark is the offset every ISR member has; consumers read only below it. While
//!   the leader's proposal to add a follower back is undecided, that follower counts too (the
//!   "maximal ISR" of KIP-497).
//! - Produce requests (several partitions' batches each; acks, the purgatory, idempotent dedup
//!   by batch) are in `broker/produce.rs`.
//! - Every broker caches the leader and leader epoch of every partition, hosted or not (KRaft
//!   brokers replicate the whole metadata log), and answers a client's MetadataRequest from that
//!   cache: clients bootstrap from any broker, never from the controller.
//! - A follower keeps one fetch in flight per partition, matched to its answer by correlation
//!   id (a duplicated or late answer is dropped), and one live timer per partition. When its
//!   connection to the leader breaks, the fetches in flight on it fail and are sent again after
//!   the backoff (the replica fetcher's `replica.fetch.backoff.ms`), not after the fetch timeout.
//! - Truncation uses leader epochs (KIP-101/KIP-279/KIP-320): a follower's fetch carries the
//!   epoch of its last record; if the leader's log diverges there, the leader answers with the
//!   end offset of that epoch and the follower truncates to it before fetching on.

use super::controller::PartMeta;
use super::{Ctx, Node, NoticeKind};
use crate::sim::history::NodeId;
use crate::sim::msg::{Msg, PartIdx, PartLeader, Payload, Record};
use crate::sim::time::{timing, Time};

/// A broker's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerTimer {
    /// Heartbeat to the controller.
    Heartbeat,
    /// The leader's ISR check over its partitions.
    IsrCheck,
    /// The follower fetch loop of one partition (a fetch's deadline or the idle wait), with the
    /// token of the partition's live timer.
    Fetch(PartIdx, u64),
}

/// Most records per fetch response.
pub const FETCH_MAX: u32 = 64;

mod log;
mod produce;
pub use log::{BatchMeta, PartLog};
pub use produce::{DelayedProduce, Slot};

/// A partition's role at this broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartRole {
    /// Not told yet (after a restart) or the partition is offline.
    None,
    Leader,
    Follower {
        leader: u32,
    },
}

/// Volatile per-partition state.
#[derive(Clone, Debug)]
pub struct PartState {
    pub role: PartRole,
    pub epoch: u32,
    pub isr: Vec<u32>,
    // Leader only.
    pub follower_leo: Vec<u64>,
    /// When each follower last caught up (Kafka's lastCaughtUpTimeMs).
    pub caught_up_at: Vec<Time>,
    /// The leader's log end when each follower last fetched.
    pub leo_at_fetch: Vec<u64>,
    pub isr_change_inflight: bool,
    /// Followers the leader asked the controller to add to the ISR, not yet decided: the high
    /// watermark waits for them too (KIP-497's "maximal ISR").
    pub isr_joining: Vec<u32>,
    /// When the pending AlterPartition was sent (re-sent if unanswered: the request or its
    /// answer can be lost).
    pub isr_change_at: Time,
    /// The controller's metadata version this broker holds for the partition.
    pub meta_version: u64,
    /// The partition's leader as this broker last learned it (hosted or not): what it tells
    /// clients that ask for metadata, with `epoch`.
    pub leader: Option<u32>,
    // Follower only.
    /// Correlation id of the fetch in flight.
    pub fetch_inflight: Option<u64>,
    /// Token of the partition's live fetch timer.
    pub fetch_token: u64,
}

impl PartState {
    fn new(brokers: usize) -> Self {
        PartState {
            role: PartRole::None,
            epoch: 0,
            isr: Vec::new(),
            follower_leo: vec![0; brokers],
            caught_up_at: vec![0; brokers],
            leo_at_fetch: vec![0; brokers],
            isr_change_inflight: false,
            isr_joining: Vec::new(),
            isr_change_at: 0,
            meta_version: 0,
            leader: None,
            fetch_inflight: None,
            fetch_token: 0,
        }
    }
}

/// What survives a crash: the logs.
#[derive(Clone, Debug)]
pub struct BrokerDurable {
    /// One log per partition of the cluster (empty where not a replica).
    pub logs: Vec<PartLog>,
}

/// The broker's memory: lost in a crash.
#[derive(Clone, Debug)]
pub struct BrokerVolatile {
    /// Role and replication state per partition.
    pub parts: Vec<PartState>,
    /// Whether the controller has sent this broker its partitions since it started.
    pub registered: bool,
    /// Last correlation id or timer token handed out.
    pub next_id: u64,
    /// Produce requests waiting for their acks=all partitions, oldest first.
    pub purgatory: Vec<DelayedProduce>,
}

impl BrokerVolatile {
    fn new(parts: usize, brokers: usize) -> Self {
        let parts = vec![PartState::new(brokers); parts];
        BrokerVolatile { parts, registered: false, next_id: 0, purgatory: Vec::new() }
    }
}

/// A broker node.
#[derive(Clone, Debug)]
pub struct Broker {
    pub idx: u32,
    pub durable: BrokerDurable,
    pub vol: BrokerVolatile,
    /// Counters for the page (kept across crashes).
    pub refused_not_enough: u64,
    pub dedup_dropped: u64,
}

impl Broker {
    /// Broker `idx` of a cluster that starts clean: it already knows the initial leaders and
    /// ISRs of the partitions it hosts (`initial`, the controller's metadata at start).
    pub fn new(idx: u32, initial: &[PartMeta], brokers: u32) -> Self {
        let mut vol = BrokerVolatile::new(initial.len(), brokers as usize);
        for (st, m) in vol.parts.iter_mut().zip(initial) {
            st.epoch = m.epoch;
            st.meta_version = m.version;
            st.leader = m.leader;
            if m.replicas.contains(&idx) {
                st.isr = m.isr.clone();
                st.role = if m.leader == Some(idx) {
                    PartRole::Leader
                } else {
                    PartRole::Follower { leader: m.leader.unwrap_or(0) }
                };
            }
        }
        vol.registered = true;
        let durable = BrokerDurable { logs: vec![PartLog::default(); initial.len()] };
        Broker { idx, durable, vol, refused_not_enough: 0, dedup_dropped: 0 }
    }

    /// This replica's log of partition `p`.
    pub fn log(&self, p: usize) -> &PartLog {
        &self.durable.logs[p]
    }

    /// This broker's role for partition `p`.
    pub fn role(&self, p: usize) -> PartRole {
        self.vol.parts[p].role
    }

    fn heartbeat(&self, ctx: &mut Ctx) {
        let versions = self.vol.parts.iter().map(|p| p.meta_version).collect();
        ctx.send(ctx.topo.controller, Msg::BrokerHeartbeat { broker: self.idx, fresh: !self.vol.registered, versions });
    }

    /// HW = the smallest log end among ISR members (the leader's own included); answers
    /// acks=all batches it now covers.
    fn advance_hw(&mut self, part: PartIdx, ctx: &mut Ctx) {
        let p = part as usize;
        let st = &mut self.vol.parts[p];
        if st.role != PartRole::Leader {
            return;
        }
        let log = &mut self.durable.logs[p];
        let me = self.idx;
        let mut hw = log.leo();
        // The HW advances over the "maximal ISR" (KIP-497, AlterPartition): the committed ISR
        // plus any follower whose entry the leader has proposed and the controller not yet
        // decided. A record acknowledged meanwhile is then on every replica the controller may
        // hold in the ISR when it next elects, whichever way the pending change goes.
        for &b in st.isr.iter().chain(&st.isr_joining) {
            if b != me {
                hw = hw.min(st.follower_leo[b as usize]);
            }
        }
        if hw > log.hw {
            log.hw = hw;
        }
        let hw = log.hw;
        let isr_ok = (st.isr.len() as u32) >= ctx.cfg.min_insync_replicas;
        self.release_waiting(part, hw, isr_ok);
        self.answer_complete(ctx);
    }

    #[allow(clippy::too_many_arguments)]
    fn on_fetch(
        &mut self,
        from: NodeId,
        id: u64,
        part: PartIdx,
        offset: u64,
        last_epoch: u32,
        replica: Option<u32>,
        max: u32,
        ctx: &mut Ctx,
    ) {
        let p = part as usize;
        let not_leader = self.vol.parts[p].role != PartRole::Leader;
        let log = &self.durable.logs[p];
        let resp = |records: Vec<Record>, hw: u64, diverging: Option<u64>, not_leader: bool| Msg::FetchResp {
            id,
            part,
            offset,
            records,
            hw,
            diverging,
            not_leader,
        };
        if not_leader {
            ctx.send(from, resp(Vec::new(), 0, None, true));
            return;
        }
        match replica {
            Some(r) => {
                if offset > 0 {
                    let end = log.end_offset_for_epoch(last_epoch).min(log.leo());
                    if end < offset {
                        ctx.send(from, resp(Vec::new(), log.hw, Some(end), false));
                        return;
                    }
                }
                let leo = log.leo();
                let upto = (offset + max as u64).min(leo);
                let records = log.records[offset as usize..upto as usize].to_vec();
                let st = &mut self.vol.parts[p];
                st.follower_leo[r as usize] = offset;
                // A follower is caught up when it has fetched everything the leader had at its
                // previous fetch (Replica.updateFetchState: lastCaughtUpTimeMs), so a steady
                // stream of new records does not make an active follower look lagging.
                if offset >= leo || offset >= st.leo_at_fetch[r as usize] {
                    st.caught_up_at[r as usize] = ctx.now;
                }
                st.leo_at_fetch[r as usize] = leo;
                let hw_before = self.durable.logs[p].hw;
                self.advance_hw(part, ctx);
                let st = &mut self.vol.parts[p];
                if st.isr_change_inflight
                    && ctx.now.saturating_sub(st.isr_change_at) > ctx.patient(timing::FETCH_TIMEOUT)
                {
                    st.isr_change_inflight = false;
                }
                // Expand the ISR when an out-of-sync follower has caught up to the HW.
                if !st.isr.contains(&r) && offset >= hw_before && !st.isr_change_inflight {
                    let mut isr = st.isr.clone();
                    isr.push(r);
                    isr.sort_unstable();
                    if !st.isr_joining.contains(&r) {
                        st.isr_joining.push(r);
                    }
                    st.isr_change_inflight = true;
                    st.isr_change_at = ctx.now;
                    ctx.send(ctx.topo.controller, Msg::AlterIsr { part, epoch: st.epoch, isr });
                }
                let hw = self.durable.logs[p].hw;
                ctx.send(from, resp(records, hw, None, false));
            }
            None => {
                // Consumers read only below the high watermark.
                let hw = log.hw;
                let records = if offset < hw {
                    let upto = (offset + max as u64).min(hw);
                    log.records[offset as usize..upto as usize].to_vec()
                } else {
                    Vec::new()
                };
                // KIP-320: the consumer's fetch carries the epoch of the last record it fetched;
                // if this log ends that epoch before the consumer's position (an unclean
                // election cut it short), the answer names where they diverge and the consumer
                // resumes there, reading what this leader has rather than skipping it. With no
                // epoch to check (a committed offset beyond the log), OFFSET_OUT_OF_RANGE and
                // `auto.offset.reset` as `lab config` prints it (`earliest`): the log's start.
                let diverging = if last_epoch > 0 && offset > 0 {
                    let end = log.end_offset_for_epoch(last_epoch).min(log.leo());
                    (end < offset).then_some(end)
                } else {
                    (offset > log.leo()).then_some(0)
                };
                ctx.send(from, resp(records, hw, diverging, false));
            }
        }
    }

    fn maybe_shrink_isr(&mut self, part: PartIdx, ctx: &mut Ctx) {
        let p = part as usize;
        let lag_max = ctx.patient(timing::REPLICA_LAG_MAX);
        let me = self.idx;
        let st = &mut self.vol.parts[p];
        if st.isr_change_inflight && ctx.now.saturating_sub(st.isr_change_at) > ctx.patient(timing::FETCH_TIMEOUT) {
            st.isr_change_inflight = false;
        }
        if st.role != PartRole::Leader || st.isr_change_inflight {
            return;
        }
        let leo = self.durable.logs[p].leo();
        let lagging: Vec<u32> = st
            .isr
            .iter()
            .copied()
            .filter(|&b| {
                b != me
                    && st.follower_leo[b as usize] < leo
                    && ctx.now.saturating_sub(st.caught_up_at[b as usize]) > lag_max
            })
            .collect();
        if !lagging.is_empty() {
            let isr: Vec<u32> = st.isr.iter().copied().filter(|b| !lagging.contains(b)).collect();
            st.isr_change_inflight = true;
            st.isr_change_at = ctx.now;
            ctx.send(ctx.topo.controller, Msg::AlterIsr { part, epoch: st.epoch, isr });
        }
    }

    fn on_leader_and_isr(&mut self, part: PartIdx, leader: Option<u32>, epoch: u32, isr: Vec<u32>, ctx: &mut Ctx) {
        let p = part as usize;
        self.vol.registered = true;
        let me = self.idx;
        let st = &mut self.vol.parts[p];
        if epoch < st.epoch {
            return; // stale decision
        }
        let same_epoch = epoch == st.epoch && st.role != PartRole::None;
        st.epoch = epoch;
        st.isr = isr;
        st.isr_joining.clear(); // the controller's decision is the ISR from here on
        match leader {
            Some(l) if l == me => {
                if !(same_epoch && st.role == PartRole::Leader) {
                    st.role = PartRole::Leader;
                    for b in 0..st.follower_leo.len() {
                        st.follower_leo[b] = 0;
                        st.caught_up_at[b] = ctx.now;
                        st.leo_at_fetch[b] = 0;
                    }
                    st.isr_change_inflight = false;
                    self.fail_waiting(part, ctx); // batches of an earlier term: retried
                }
                self.advance_hw(part, ctx);
            }
            Some(l) => {
                let was_following = st.role == PartRole::Follower { leader: l } && same_epoch;
                st.role = PartRole::Follower { leader: l };
                self.fail_waiting(part, ctx);
                let st = &mut self.vol.parts[p];
                if !was_following {
                    st.fetch_inflight = None;
                    self.follower_fetch(part, ctx);
                }
            }
            None => {
                st.role = PartRole::None;
                self.fail_waiting(part, ctx);
            }
        }
    }

    fn follower_fetch(&mut self, part: PartIdx, ctx: &mut Ctx) {
        let p = part as usize;
        let st = &mut self.vol.parts[p];
        let PartRole::Follower { leader } = st.role else { return };
        if st.fetch_inflight.is_some() {
            return; // one fetch in flight per partition
        }
        let log = &self.durable.logs[p];
        let offset = log.leo();
        self.vol.next_id += 1;
        let id = self.vol.next_id;
        self.vol.parts[p].fetch_inflight = Some(id);
        let (last_epoch, replica) = (log.epoch_before(offset), Some(self.idx));
        ctx.send(
            ctx.topo.brokers[leader as usize],
            Msg::Fetch { id, part, offset, last_epoch, replica, max: FETCH_MAX },
        );
        self.arm_fetch(part, ctx.patient(timing::FETCH_TIMEOUT), ctx);
    }

    /// Sets `part`'s one live fetch timer, `after` µs from now; any earlier one goes stale.
    fn arm_fetch(&mut self, part: PartIdx, after: Time, ctx: &mut Ctx) {
        self.vol.next_id += 1;
        self.vol.parts[part as usize].fetch_token = self.vol.next_id;
        ctx.timer(after, BrokerTimer::Fetch(part, self.vol.next_id));
    }

    /// `part`'s fetch timer: the fetch in flight timed out (send it again), or the idle wait is
    /// over. A superseded timer does nothing.
    fn on_fetch_timer(&mut self, part: PartIdx, token: u64, ctx: &mut Ctx) {
        let st = &mut self.vol.parts[part as usize];
        if st.fetch_token == token {
            st.fetch_inflight = None;
            self.follower_fetch(part, ctx);
        }
    }

    /// The connection to the broker node `leader` broke: the fetches in flight on it failed and
    /// are sent again after the backoff (`ReplicaFetcherThread` delays a partition whose fetch
    /// failed by `replica.fetch.backoff.ms`), instead of waiting out the fetch timeout.
    fn on_connection_lost(&mut self, leader: NodeId, ctx: &mut Ctx) {
        for p in 0..self.vol.parts.len() {
            let st = &mut self.vol.parts[p];
            let PartRole::Follower { leader: l } = st.role else { continue };
            if st.fetch_inflight.is_some() && ctx.topo.brokers[l as usize] == leader {
                st.fetch_inflight = None;
                self.arm_fetch(p as PartIdx, timing::REPLICA_FETCH_BACKOFF, ctx);
            }
        }
    }

    /// The partition leaders this broker knows, as a metadata response gives them.
    fn metadata(&self, ctx: &Ctx) -> Vec<PartLeader> {
        let node = |l: u32| ctx.topo.brokers[l as usize];
        self.vol.parts.iter().map(|st| PartLeader { leader: st.leader.map(node), epoch: st.epoch }).collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn on_fetch_resp(
        &mut self,
        id: u64,
        part: PartIdx,
        offset: u64,
        records: Vec<Record>,
        hw: u64,
        diverging: Option<u64>,
        not_leader: bool,
        ctx: &mut Ctx,
    ) {
        let p = part as usize;
        let st = &mut self.vol.parts[p];
        if !matches!(st.role, PartRole::Follower { .. }) || st.fetch_inflight != Some(id) {
            return; // a duplicate, a late answer, or no longer a follower
        }
        st.fetch_inflight = None;
        let log = &mut self.durable.logs[p];
        if offset != log.leo() {
            self.follower_fetch(part, ctx);
            return;
        }
        if not_leader {
            self.arm_fetch(part, timing::FOLLOWER_IDLE_FETCH, ctx);
            return;
        }
        if let Some(to) = diverging {
            let dropped = log.truncate(to);
            if dropped > 0 {
                ctx.notice(NoticeKind::Truncated { part, broker: self.idx, to, dropped });
            }
            self.follower_fetch(part, ctx);
            return;
        }
        let got = !records.is_empty();
        for r in records {
            log.append(r);
        }
        log.hw = hw.min(log.leo()).max(log.hw.min(log.leo()));
        if got {
            self.follower_fetch(part, ctx);
        } else {
            self.arm_fetch(part, timing::FOLLOWER_IDLE_FETCH, ctx);
        }
    }

    /// Whether a payload sits in this replica's log of `part` (for views and tests).
    pub fn has(&self, part: PartIdx, payload: &Payload) -> bool {
        self.durable.logs[part as usize].records.iter().any(|r| &r.payload == payload)
    }
}

impl Node for Broker {
    type Timer = BrokerTimer;

    fn start(&mut self, ctx: &mut Ctx) {
        self.heartbeat(ctx);
        ctx.timer(timing::BROKER_HEARTBEAT, BrokerTimer::Heartbeat);
        ctx.timer(ctx.patient(timing::REPLICA_LAG_MAX) / 4, BrokerTimer::IsrCheck);
        // At the cluster's start every broker already knows its roles: followers start fetching.
        for p in 0..self.vol.parts.len() {
            self.follower_fetch(p as PartIdx, ctx);
        }
    }

    fn on_timer(&mut self, timer: BrokerTimer, ctx: &mut Ctx) {
        match timer {
            BrokerTimer::Heartbeat => {
                self.heartbeat(ctx);
                ctx.timer(timing::BROKER_HEARTBEAT, BrokerTimer::Heartbeat);
            }
            BrokerTimer::IsrCheck => {
                for p in 0..self.vol.parts.len() {
                    self.maybe_shrink_isr(p as PartIdx, ctx);
                }
                ctx.timer(ctx.patient(timing::REPLICA_LAG_MAX) / 4, BrokerTimer::IsrCheck);
            }
            BrokerTimer::Fetch(part, token) => self.on_fetch_timer(part, token, ctx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Produce { req, acks, batches } => self.on_produce(from, req, acks, batches, ctx),
            Msg::ConnectionLost => self.on_connection_lost(from, ctx),
            Msg::Fetch { id, part, offset, last_epoch, replica, max } => {
                self.on_fetch(from, id, part, offset, last_epoch, replica, max, ctx)
            }
            Msg::FetchResp { id, part, offset, records, hw, diverging, not_leader } => {
                self.on_fetch_resp(id, part, offset, records, hw, diverging, not_leader, ctx)
            }
            Msg::MetadataReq { id } => ctx.send(from, Msg::MetadataResp { id, leaders: self.metadata(ctx) }),
            Msg::LeaderAndIsr { part, leader, epoch, isr, version } => {
                let st = &mut self.vol.parts[part as usize];
                if version < st.meta_version {
                    return; // older than what we hold
                }
                st.meta_version = version;
                if epoch >= st.epoch {
                    st.leader = leader;
                }
                if ctx.topo.parts[part as usize].replicas.contains(&self.idx) {
                    self.on_leader_and_isr(part, leader, epoch, isr, ctx)
                } else {
                    st.epoch = st.epoch.max(epoch); // metadata only: not a replica here
                }
            }
            Msg::AlterIsrResp { part, epoch, isr, version, .. } => {
                let st = &mut self.vol.parts[part as usize];
                if st.epoch == epoch && st.role == PartRole::Leader {
                    st.isr_change_inflight = false;
                    st.isr_joining.clear();
                    // Accepted or not, the controller's ISR is the truth from here on.
                    if version >= st.meta_version {
                        st.meta_version = version;
                        st.isr = isr;
                    }
                    self.advance_hw(part, ctx);
                }
            }
            _ => {}
        }
    }

    /// Crash: keep the logs, forget everything else.
    fn crash(&mut self) {
        let brokers = self.vol.parts.first().map_or(0, |p| p.follower_leo.len());
        self.vol = BrokerVolatile::new(self.vol.parts.len(), brokers);
    }
}

#[cfg(test)]
mod tests;
