//! The Kafka producer client used by the service (dual write, event bus) and by the relays.
//!
//! Follows the Java client's documented behaviour:
//! - Records wait in the accumulator in per-partition batches. A batch is sent when it is full
//!   (`batch.size`) or has waited `linger.ms` ("once we get batch.size worth of records for a
//!   partition it will be sent immediately regardless of this setting"), or when another batch
//!   queues behind it. When one partition is ready, the request to its leader takes the first
//!   batch of every partition that broker leads: "Requests sent to brokers will contain multiple
//!   batches, one for each partition with data available to be sent" (`RecordAccumulator.drain`).
//! - `max.in.flight.requests.per.connection`: "The maximum number of unacknowledged requests the
//!   client will send on a single connection before blocking" — counted per broker, not per
//!   partition.
//! - `acks=0`: "the producer will not wait for any acknowledgment … retries will not take
//!   effect"; the record counts as sent when it leaves.
//! - A failed batch (an error answer, a timeout, a broken connection) goes back to the *front*
//!   of its partition's queue and is sent again after `retry.backoff.ms`
//!   (`RecordAccumulator.reenqueue`), as the same batch; with more than one request in flight
//!   and no idempotence a retry can land after a later batch: reordering, and a duplicate when
//!   the first attempt was in fact written.
//! - `enable.idempotence`: a producer id, and a base sequence number on each batch, given when
//!   the batch is first sent and kept across its retries; retries go out in sequence order
//!   (`insertInSequenceOrder`, `nextBatchBySequence`), at most five batches of a partition in
//!   flight (the broker retains five), so the broker drops a retried batch it already has and
//!   refuses a gap (OUT_OF_ORDER_SEQUENCE_NUMBER). Idempotence lasts for one producer session
//!   only: a restarted producer gets a new id.
//! - A connection that breaks (refused, lost on the way, or closed after `request.timeout.ms`)
//!   fails every request in flight on it (`NetworkClient.processDisconnection`) and requests a
//!   metadata update; the batches are retried after the backoff.

use std::collections::VecDeque;

use super::metadata::MetaClient;
use super::{Ctx, Timer};
use crate::sim::config::{Acks, Config, Partitioner};
use crate::sim::history::NodeId;
use crate::sim::msg::{Msg, PartIdx, PartLeader, PartResult, Payload, ProduceBatch, ProduceError, Record};
use crate::sim::time::{timing, Time};

/// `batch.size` (default 16384 bytes): "the default batch size in bytes".
pub const BATCH_SIZE_BYTES: u32 = 16_384;
/// What one record weighs against `batch.size`: an outbox event (key = delivery id, a JSON
/// value of about 200 bytes) plus Kafka's per-record overhead. The model counts records, so a
/// full batch is `BATCH_SIZE_BYTES / RECORD_BYTES` = 64 records.
pub const RECORD_BYTES: u32 = 256;
/// Records in a full batch.
pub const BATCH_RECORDS: usize = (BATCH_SIZE_BYTES / RECORD_BYTES) as usize;
/// Batches of one partition the broker remembers per producer id, hence the most an idempotent
/// producer keeps in flight per partition (`ProducerStateEntry.NUM_BATCHES_TO_RETAIN`).
const IDEMPOTENT_BATCHES_IN_FLIGHT: usize = 5;

/// The producer's own timers; its owner wraps them in its timer enum (see [`Producer::new`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProducerTimer {
    /// A produce request got no answer in time.
    Timeout(u64),
    /// The sender wakes up: a batch's `linger.ms` or retry backoff is over.
    Wake,
    /// The metadata client's one timer (request deadline, backoff or max age), with its token.
    Metadata(u64),
}

impl ProducerTimer {
    /// Hands the timer to the producer; returns what the owner learns.
    pub fn fire(self, producer: &mut Producer, ctx: &mut Ctx) -> Vec<Outcome> {
        match self {
            ProducerTimer::Timeout(req) => producer.on_timeout(req, ctx),
            ProducerTimer::Wake => {
                producer.wake_at = None;
                producer.pump(ctx)
            }
            ProducerTimer::Metadata(token) => producer.on_metadata_timer(token, ctx),
        }
    }
}

/// A record handed to the producer, with its owner's token (relay: binlog position; service:
/// commit time).
#[derive(Clone, Debug)]
pub struct Pending {
    pub record: Record,
    pub tag: u64,
}

/// Records of one partition sent together (Kafka's `ProducerBatch`).
#[derive(Clone, Debug)]
pub struct Batch {
    pub part: PartIdx,
    pub records: Vec<Pending>,
    /// When its first record was appended: `linger.ms` and `delivery.timeout.ms` count from it.
    pub created: Time,
    /// Not sent again before this (`retry.backoff.ms` after a failure).
    pub not_before: Time,
    /// Times sent; a batch once sent takes no more records.
    pub attempts: u32,
    /// Its first record's sequence number, given when first sent (None: not yet, or no
    /// idempotence).
    pub base_seq: Option<i64>,
}

/// A produce request awaiting its answer.
#[derive(Clone, Debug)]
pub struct Request {
    pub req: u64,
    /// The broker node it went to: its connection.
    pub broker: NodeId,
    pub batches: Vec<Batch>,
}

/// How a connection to a broker ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disconnect {
    /// The broker's host refused it: the broker process is down.
    Refused,
    /// A message on it was lost: the broker is up, the connection broke.
    Lost,
    /// A request on it got no answer within `request.timeout.ms` and the client closed it.
    TimedOut,
}

impl Disconnect {
    /// How a connection ended, from the message that tells it (refused or lost).
    pub fn of(msg: &Msg) -> Disconnect {
        match msg {
            Msg::ConnectionRefused => Disconnect::Refused,
            _ => Disconnect::Lost,
        }
    }
}

/// What the owner learns from a response or a timeout, per record.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Acknowledged at `offset` (None with acks=0).
    Acked { part: PartIdx, record: Record, tag: u64, offset: Option<u64> },
    /// Given up (delivery timeout).
    GaveUp { part: PartIdx, record: Record, tag: u64 },
}

/// One producer session (volatile: a crash loses it and everything it buffered).
#[derive(Clone, Debug)]
pub struct Producer {
    /// Producer id (0 when idempotence is off).
    pub pid: u64,
    /// Next sequence number per partition.
    pub next_seq: Vec<i64>,
    /// The accumulator: per partition, batches waiting to be sent, oldest first; the last one
    /// takes new records until it is full or sent.
    pub queue: Vec<VecDeque<Batch>>,
    /// Requests sent and not yet answered, oldest first.
    pub inflight: Vec<Request>,
    /// Who leads each partition, learned from the brokers.
    pub meta: MetaClient,
    pub next_req: u64,
    pub rr_next: u32,
    /// Whether this producer gives up after `delivery.timeout.ms`.
    pub gives_up: bool,
    /// Batches answered NOT_ENOUGH_REPLICAS (for the page).
    pub refused: u64,
    /// When the armed wake timer fires (None: none armed).
    pub wake_at: Option<Time>,
    /// Wraps a producer timer into the owner's timer.
    pub wrap: fn(ProducerTimer) -> Timer,
}

impl Producer {
    /// A new session. `pid` must be unique per session when idempotence is on; `wrap` tags
    /// the producer's timers as its owner's.
    pub fn new(pid: u64, parts: usize, gives_up: bool, wrap: fn(ProducerTimer) -> Timer) -> Self {
        Producer {
            pid,
            next_seq: vec![0; parts],
            queue: vec![VecDeque::new(); parts],
            inflight: Vec::new(),
            meta: MetaClient::new(parts),
            next_req: 1,
            rr_next: 0,
            gives_up,
            refused: 0,
            wake_at: None,
            wrap,
        }
    }

    /// Chooses the partition of a delivery event: murmur2 of the key (Kafka's default
    /// partitioner), or the next partition in turn.
    /// `key_part` is the key's partition under the key partitioner (murmur2 mod partitions).
    pub fn partition_for(&mut self, cfg: &Config, key_part: u32, parts: u32) -> PartIdx {
        match cfg.partitioner {
            Partitioner::Key => key_part,
            Partitioner::RoundRobin => {
                let p = self.rr_next % parts;
                self.rr_next = self.rr_next.wrapping_add(1);
                p
            }
        }
    }

    /// Number of records not yet acknowledged.
    pub fn backlog(&self) -> usize {
        let queued: usize = self.queue.iter().flatten().map(|b| b.records.len()).sum();
        queued + self.inflight.iter().flat_map(|r| &r.batches).map(|b| b.records.len()).sum::<usize>()
    }

    /// Hands a record to the producer: it joins its partition's open batch (or opens one);
    /// returns outcomes for acks=0 sends.
    pub fn send(&mut self, part: PartIdx, payload: Payload, tag: u64, ctx: &mut Ctx) -> Vec<Outcome> {
        let record = Record { payload, producer_id: self.pid, producer_seq: -1, base_seq: -1, epoch: 0 };
        let q = &mut self.queue[part as usize];
        let pending = Pending { record, tag };
        match q.back_mut() {
            Some(b) if b.attempts == 0 && b.records.len() < BATCH_RECORDS => b.records.push(pending),
            _ => q.push_back(Batch {
                part,
                records: vec![pending],
                created: ctx.now,
                not_before: 0,
                attempts: 0,
                base_seq: None,
            }),
        }
        self.pump(ctx)
    }

    /// When the first batch of partition `p` may go (`RecordAccumulator.ready`): a retry after
    /// its backoff; a full batch, or one with another queued behind it, at once; otherwise
    /// `linger.ms` after its first record.
    fn sendable_at(&self, p: usize) -> Option<Time> {
        let q = &self.queue[p];
        let b = q.front()?;
        Some(if b.attempts > 0 {
            b.not_before
        } else if q.len() > 1 || b.records.len() >= BATCH_RECORDS {
            0
        } else {
            b.created + timing::LINGER
        })
    }

    /// Unanswered requests on the connection to `broker`.
    fn in_flight_to(&self, broker: NodeId) -> usize {
        self.inflight.iter().filter(|r| r.broker == broker).count()
    }

    /// Batches of partition `p` in flight, by base sequence.
    fn in_flight_of(&self, p: PartIdx) -> impl Iterator<Item = &Batch> + '_ {
        self.inflight.iter().flat_map(|r| &r.batches).filter(move |b| b.part == p)
    }

    /// Whether partition `p`'s first batch may join a request now (`drainBatchesForOneNode`):
    /// not backing off; with `max.in.flight` = 1 not while a batch of `p` is in flight
    /// (`guaranteeMessageOrder`); with idempotence at most five batches of `p` in flight, and a
    /// retried batch only when no batch with a lower sequence is in flight
    /// (`shouldStopDrainBatchesForPartition`).
    fn drainable(&self, p: usize, ctx: &Ctx) -> bool {
        let Some(b) = self.queue[p].front() else { return false };
        if b.not_before > ctx.now {
            return false;
        }
        let part = p as PartIdx;
        if ctx.cfg.max_in_flight <= 1 && self.in_flight_of(part).next().is_some() {
            return false;
        }
        if self.pid == 0 {
            return true;
        }
        if self.in_flight_of(part).count() >= IDEMPOTENT_BATCHES_IN_FLIGHT {
            return false;
        }
        match b.base_seq {
            Some(seq) => self.in_flight_of(part).all(|f| f.base_seq.is_none_or(|s| s > seq)),
            None => true,
        }
    }

    /// Gives a batch its sequence numbers when it is first sent (`RecordAccumulator.drain`
    /// sets the producer state of a batch that has none); a retry keeps them.
    fn stamp(&mut self, b: &mut Batch) {
        if self.pid == 0 || b.base_seq.is_some() {
            return;
        }
        let p = b.part as usize;
        let base = self.next_seq[p];
        self.next_seq[p] += b.records.len() as i64;
        for (i, r) in b.records.iter_mut().enumerate() {
            r.record.producer_id = self.pid;
            r.record.producer_seq = base + i as i64;
            r.record.base_seq = base;
        }
        b.base_seq = Some(base);
    }

    /// The sender loop (`Sender.sendProducerData`): gives up expired batches, then for every
    /// broker leading a ready partition sends requests — each with the first batch of every
    /// partition it leads — while its connection has room; wakes up again when the next batch
    /// becomes ready.
    pub fn pump(&mut self, ctx: &mut Ctx) -> Vec<Outcome> {
        let mut out = self.expire(ctx);
        let parts = self.queue.len();
        let mut brokers: Vec<NodeId> = Vec::new();
        let mut wake: Option<Time> = None;
        let mut need_meta = false;
        for p in 0..parts {
            let Some(at) = self.sendable_at(p) else { continue };
            match self.meta.leader(p as PartIdx) {
                None => need_meta = true,
                Some(_) if at > ctx.now => wake = Some(wake.map_or(at, |w: Time| w.min(at))),
                Some(l) if !brokers.contains(&l) => brokers.push(l),
                Some(_) => {}
            }
        }
        if need_meta {
            self.ask_metadata(ctx);
        }
        brokers.sort_unstable();
        let window = ctx.cfg.max_in_flight.max(1) as usize;
        for broker in brokers {
            while self.in_flight_to(broker) < window && self.send_request(broker, &mut out, ctx) {}
        }
        if let Some(at) = wake {
            if self.wake_at.is_none_or(|w| w <= ctx.now || w > at) {
                self.wake_at = Some(at);
                ctx.timer(at - ctx.now, (self.wrap)(ProducerTimer::Wake));
            }
        }
        out
    }

    /// Drains one request for `broker` (the first batch of each drainable partition it leads)
    /// and sends it; false when there was nothing to send.
    fn send_request(&mut self, broker: NodeId, out: &mut Vec<Outcome>, ctx: &mut Ctx) -> bool {
        let ready = (0..self.queue.len()).any(|p| {
            self.meta.leader(p as PartIdx) == Some(broker)
                && self.sendable_at(p).is_some_and(|at| at <= ctx.now)
                && self.drainable(p, ctx)
        });
        if !ready {
            return false;
        }
        let mut batches = Vec::new();
        for p in 0..self.queue.len() {
            if self.meta.leader(p as PartIdx) == Some(broker) && self.drainable(p, ctx) {
                let mut b = self.queue[p].pop_front().expect("drainable has a batch");
                self.stamp(&mut b);
                b.attempts += 1;
                batches.push(b);
            }
        }
        let req = self.next_req;
        self.next_req += 1;
        let acks = ctx.cfg.acks;
        let wire = batches
            .iter()
            .map(|b| ProduceBatch { part: b.part, records: b.records.iter().map(|r| r.record).collect() })
            .collect();
        ctx.send(broker, Msg::Produce { req, acks, batches: wire });
        if acks == Acks::Zero {
            // Fire and forget: no response will come, no retry will happen.
            for b in batches {
                let part = b.part;
                out.extend(b.records.into_iter().map(|r| Outcome::Acked {
                    part,
                    record: r.record,
                    tag: r.tag,
                    offset: None,
                }));
            }
        } else {
            ctx.timer(ctx.patient(timing::REQUEST_TIMEOUT), (self.wrap)(ProducerTimer::Timeout(req)));
            self.inflight.push(Request { req, broker, batches });
        }
        true
    }

    /// `delivery.timeout.ms`: a producer that gives up drops the batches at the head of each
    /// queue that have waited that long since their first record (`RecordAccumulator.expiredBatches`).
    fn expire(&mut self, ctx: &Ctx) -> Vec<Outcome> {
        let mut out = Vec::new();
        if !self.gives_up {
            return out;
        }
        for q in &mut self.queue {
            while q.front().is_some_and(|b| ctx.now.saturating_sub(b.created) >= timing::DELIVERY_TIMEOUT) {
                let b = q.pop_front().expect("front checked");
                let part = b.part;
                out.extend(b.records.into_iter().map(|r| Outcome::GaveUp { part, record: r.record, tag: r.tag }));
            }
        }
        out
    }

    /// Asks a broker for leaders (see [`MetaClient`] for when and whom).
    fn ask_metadata(&mut self, ctx: &mut Ctx) {
        let wrap = self.wrap;
        self.meta.request_update(ctx, &|t| wrap(ProducerTimer::Metadata(t)));
    }

    /// A metadata response: new leaders, if it answers the request in flight.
    pub fn on_metadata(&mut self, id: u64, leaders: &[PartLeader], ctx: &mut Ctx) -> Vec<Outcome> {
        let wrap = self.wrap;
        if self.meta.on_response(id, leaders, ctx, &|t| wrap(ProducerTimer::Metadata(t))) {
            self.pump(ctx)
        } else {
            Vec::new()
        }
    }

    /// The metadata timer: a request timed out, a backoff or `metadata.max.age.ms` is over.
    pub fn on_metadata_timer(&mut self, token: u64, ctx: &mut Ctx) -> Vec<Outcome> {
        let wrap = self.wrap;
        self.meta.on_timer(token, ctx, &|t| wrap(ProducerTimer::Metadata(t)));
        Vec::new()
    }

    /// Puts a failed batch back for a retry after the backoff: at the front of its queue, or
    /// with idempotence in sequence order (so the broker sees no gap).
    fn requeue(&mut self, mut b: Batch, now: Time) {
        b.not_before = now + timing::RETRY_BACKOFF;
        let q = &mut self.queue[b.part as usize];
        match b.base_seq {
            Some(seq) if self.pid != 0 => {
                let pos = q.iter().position(|x| x.base_seq.is_none_or(|s| s > seq));
                q.insert(pos.unwrap_or(q.len()), b);
            }
            _ => q.push_front(b),
        }
    }

    /// A produce response: each partition's batch acknowledged, or put back for a retry.
    pub fn on_response(&mut self, req: u64, parts: &[PartResult], ctx: &mut Ctx) -> Vec<Outcome> {
        let Some(i) = self.inflight.iter().position(|r| r.req == req) else {
            return Vec::new(); // an answer to a request we already gave up on
        };
        let request = self.inflight.remove(i);
        let mut out = Vec::new();
        let mut reset = false;
        for b in request.batches {
            let part = b.part;
            match parts.iter().find(|r| r.part == part).map(|r| r.result) {
                Some(Ok(base)) => {
                    out.extend(b.records.into_iter().enumerate().map(|(i, r)| Outcome::Acked {
                        part,
                        record: r.record,
                        tag: r.tag,
                        offset: Some(base + i as u64),
                    }));
                }
                Some(Err(ProduceError::NotLeader)) => {
                    // NOT_LEADER_OR_FOLLOWER: the Sender retries and requests a metadata update.
                    self.meta.forget(part);
                    self.requeue(b, ctx.now);
                    self.ask_metadata(ctx);
                }
                Some(Err(ProduceError::NotEnoughReplicas | ProduceError::NotEnoughReplicasAfterAppend)) => {
                    self.refused += 1;
                    self.requeue(b, ctx.now);
                }
                Some(Err(ProduceError::OutOfOrderSequence)) => reset |= self.on_out_of_order(b, ctx),
                None => self.requeue(b, ctx.now),
            }
        }
        if reset {
            self.reset_sequences();
        }
        out.extend(self.pump(ctx));
        out
    }

    /// OUT_OF_ORDER_SEQUENCE_NUMBER: the batch is retried. A gap the producer can explain (an
    /// earlier batch of this partition is still unacknowledged) is retried in order. A gap it
    /// cannot explain means the broker lost batches it had acknowledged (an acks=1 leader crash,
    /// an unclean election): the Java client then bumps its epoch and restarts the sequences
    /// (KIP-360); the model takes a fresh producer id. Returns whether to do that.
    fn on_out_of_order(&mut self, b: Batch, ctx: &mut Ctx) -> bool {
        let (part, seq) = (b.part, b.base_seq);
        let pid = b.records.first().map_or(0, |r| r.record.producer_id);
        self.requeue(b, ctx.now);
        let below = |x: &Batch| x.base_seq.is_some_and(|s| seq.is_some_and(|mine| s < mine));
        let earlier_pending = self.queue[part as usize].iter().any(below) || self.in_flight_of(part).any(below);
        !earlier_pending && pid == self.pid
    }

    /// Bumps the producer's epoch (a fresh id here) and renumbers every unacknowledged batch of
    /// every partition from 0: the sequence belongs to (producer id, partition), so a new id
    /// starts all partitions over. Answers to the requests in flight will be ignored: their
    /// batches go back to the queues, in sequence order, ahead of the batches never sent.
    fn reset_sequences(&mut self) {
        self.pid = self.pid.wrapping_add(1 << 40);
        let mut back: Vec<Batch> = self.inflight.drain(..).flat_map(|r| r.batches).collect();
        for q in &mut self.queue {
            back.extend(q.drain(..));
        }
        // Batches never sent keep their order after the numbered ones (a stable sort).
        back.sort_by_key(|b| b.base_seq.map_or((1, 0), |s| (0, s)));
        self.next_seq.iter_mut().for_each(|s| *s = 0);
        for mut b in back {
            b.base_seq = None;
            self.queue[b.part as usize].push_back(b);
        }
    }

    /// The connection to `broker` ended: every request in flight on it failed
    /// (`NetworkClient.processDisconnection`), and "the disconnect may be the result of stale
    /// metadata, so request an update". Its batches are retried after `retry.backoff.ms`. When
    /// the broker refused the connection or left a request unanswered, the partitions wait for
    /// metadata to name a leader again; a connection lost on a lossy link keeps its leader.
    pub fn on_disconnect(&mut self, broker: NodeId, how: Disconnect, ctx: &mut Ctx) -> Vec<Outcome> {
        let wrap = self.wrap;
        self.meta.on_disconnect(broker, how == Disconnect::Refused, ctx, &|t| wrap(ProducerTimer::Metadata(t)));
        let (failed, kept): (Vec<Request>, Vec<Request>) = self.inflight.drain(..).partition(|r| r.broker == broker);
        self.inflight = kept;
        if failed.is_empty() {
            return Vec::new();
        }
        for b in failed.into_iter().flat_map(|r| r.batches) {
            if how != Disconnect::Lost {
                self.meta.forget(b.part);
            }
            self.requeue(b, ctx.now);
        }
        self.ask_metadata(ctx);
        self.pump(ctx)
    }

    /// A request timed out (`request.timeout.ms`: "If the response is not received before the
    /// timeout elapses the client will resend the request if necessary"): the Java client
    /// closes the connection (`NetworkClient.handleTimedOutRequests`), which fails every request
    /// on it and requests a metadata update.
    pub fn on_timeout(&mut self, req: u64, ctx: &mut Ctx) -> Vec<Outcome> {
        match self.inflight.iter().find(|r| r.req == req) {
            Some(r) => self.on_disconnect(r.broker, Disconnect::TimedOut, ctx),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::relay::RelayTimer;
    use super::super::testing::Harness;
    use super::*;
    use crate::sim::domain::Kind;

    /// A producer of relay-0 that knows broker 1 leads every partition, over `cfg`.
    fn producer(cfg: Config, pid: u64) -> (Harness, Producer) {
        let mut h = Harness::with(cfg);
        h.node = h.topo.relays[0];
        let mut p = Producer::new(pid, h.topo.parts.len(), false, |t| RelayTimer::Producer(t).into());
        let leader = PartLeader { leader: Some(h.topo.brokers[0]), epoch: 1 };
        p.meta.leaders = vec![leader; h.topo.parts.len()];
        (h, p)
    }

    fn event(event: u64) -> Payload {
        Payload::Event { event, delivery: 0, kind: Kind::Created, seq: 1 }
    }

    /// A request as the tests read it: (broker, request id, [(partition, [sequence numbers])]).
    type Sent = (NodeId, u64, Vec<(PartIdx, Vec<i64>)>);

    /// Produce requests sent so far.
    fn requests(h: &Harness) -> Vec<Sent> {
        let batches = |bs: &[ProduceBatch]| {
            bs.iter().map(|b| (b.part, b.records.iter().map(|r| r.producer_seq).collect())).collect()
        };
        let req = |(to, m): &(NodeId, Msg)| match m {
            Msg::Produce { req, batches: bs, .. } => Some((*to, *req, batches(bs))),
            _ => None,
        };
        h.sent().iter().filter_map(req).collect()
    }

    /// `linger.ms` passes and the producer's wake timer fires.
    fn linger(h: &mut Harness, p: &mut Producer) -> Vec<Outcome> {
        h.now += timing::LINGER;
        h.run(|ctx| ProducerTimer::Wake.fire(p, ctx))
    }

    fn ok(part: PartIdx, base: u64) -> PartResult {
        PartResult { part, result: Ok(base), duplicate: false }
    }

    // A request to a broker carries one batch for each partition it leads: records of three
    // partitions sent within linger.ms travel as two requests when two brokers lead them, each
    // partition's records as one batch with consecutive sequence numbers. A full batch
    // (batch.size) does not wait for linger.ms.
    #[test]
    fn producer_batches_partitions_per_broker_request() {
        let (mut h, mut p) = producer(Config::default(), 7);
        let (b1, b2) = (h.topo.brokers[0], h.topo.brokers[1]);
        p.meta.leaders[2].leader = Some(b2);
        for (e, part) in [(1, 0), (2, 1), (3, 0), (4, 2)] {
            h.run(|ctx| p.send(part, event(e), e, ctx));
        }
        assert!(requests(&h).is_empty(), "records linger for linger.ms");
        linger(&mut h, &mut p);
        let sent = requests(&h);
        assert_eq!(sent, vec![(b1, 1, vec![(0, vec![0, 1]), (1, vec![0])]), (b2, 2, vec![(2, vec![0])])]);
        h.clear();
        for e in 0..BATCH_RECORDS as u64 {
            h.run(|ctx| p.send(1, event(100 + e), e, ctx));
        }
        let sent = requests(&h);
        assert_eq!(sent.len(), 1, "a full batch goes at once");
        assert_eq!(sent[0].2[0].1.len(), BATCH_RECORDS);
        assert_eq!(sent[0].2[0].1[0], 1, "partition 1 continues its sequence");
    }

    // max.in.flight.requests.per.connection counts requests on the connection to a broker, not
    // per partition: with 1, a batch of another partition led by the same broker waits for the
    // answer to the request in flight.
    #[test]
    fn in_flight_window_counts_requests_per_connection() {
        let (mut h, mut p) = producer(Config { max_in_flight: 1, ..Default::default() }, 7);
        h.run(|ctx| p.send(0, event(1), 1, ctx));
        linger(&mut h, &mut p);
        h.run(|ctx| p.send(1, event(2), 2, ctx));
        linger(&mut h, &mut p);
        assert_eq!(requests(&h).len(), 1, "partition 1 has nothing in flight, but the connection is full");
        let out = h.run(|ctx| p.on_response(1, &[ok(0, 0)], ctx));
        assert!(matches!(out.as_slice(), [Outcome::Acked { part: 0, offset: Some(0), .. }]), "{out:?}");
        let sent = requests(&h);
        assert_eq!(sent.len(), 2, "the answer frees the connection");
        assert_eq!(sent[1].2, vec![(1, vec![0])]);
    }

    // A timed-out request closes the connection and makes the producer doubt its metadata (it
    // forgets the leader and asks the brokers); the retry, once a leader is known and
    // retry.backoff.ms has passed, is the same batch with the same sequence numbers, so the
    // broker can recognise it as a retry.
    #[test]
    fn retry_keeps_its_sequence_number() {
        let (mut h, mut p) = producer(Config::default(), 7);
        h.run(|ctx| p.send(0, event(1), 1, ctx));
        linger(&mut h, &mut p);
        assert_eq!(requests(&h).len(), 1);
        h.now += timing::REQUEST_TIMEOUT;
        h.run(|ctx| p.on_timeout(1, ctx));
        assert_eq!(p.meta.leader(0), None, "a timeout sends the producer back to the metadata");
        assert!(h.sent().iter().any(|(_, m)| matches!(m, Msg::MetadataReq { .. })));
        p.meta.leaders[0] = PartLeader { leader: Some(h.topo.brokers[1]), epoch: 2 };
        h.now += timing::RETRY_BACKOFF;
        h.run(|ctx| p.pump(ctx));
        let sent = requests(&h);
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert_eq!(sent[1].2, vec![(0, vec![0])], "the retry is the same batch: sequence 0 again");
        assert_ne!(sent[1].1, sent[0].1, "a new request id");
    }

    // A connection lost on a lossy link fails its requests at once; they go again to the same
    // leader after retry.backoff.ms, not after request.timeout.ms, with their sequence numbers.
    #[test]
    fn lost_connection_retries_after_backoff() {
        let (mut h, mut p) = producer(Config::default(), 7);
        let b1 = h.topo.brokers[0];
        h.run(|ctx| p.send(0, event(1), 1, ctx));
        linger(&mut h, &mut p);
        h.run(|ctx| p.on_disconnect(b1, Disconnect::Lost, ctx));
        assert_eq!(p.meta.leader(0), Some(b1), "the broker is up: its leadership is not in doubt");
        assert!(h.sent().iter().any(|(_, m)| matches!(m, Msg::MetadataReq { .. })), "but metadata is refreshed");
        h.run(|ctx| p.pump(ctx));
        assert_eq!(requests(&h).len(), 1, "backing off");
        h.now += timing::RETRY_BACKOFF;
        h.run(|ctx| p.pump(ctx));
        let sent = requests(&h);
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].0, b1);
        assert_eq!(sent[1].2, vec![(0, vec![0])]);
    }

    // acks=0 counts a record as sent when it leaves: no answer is awaited, nothing is retried.
    #[test]
    fn acks_zero_is_fire_and_forget() {
        let (mut h, mut p) = producer(Config { acks: Acks::Zero, idempotent_producer: false, ..Default::default() }, 0);
        h.run(|ctx| p.send(0, event(1), 1, ctx));
        let out = linger(&mut h, &mut p);
        assert!(matches!(out.as_slice(), [Outcome::Acked { offset: None, .. }]), "{out:?}");
        assert_eq!(p.backlog(), 0);
    }
}
