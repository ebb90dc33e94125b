//! The Kafka producer client used by the service (dual write, event bus) and by the relays.
//!
//! Follows the Java client's documented behaviour:
//! - `acks=0`: "the producer will not wait for any acknowledgment … retries will not take
//!   effect"; the record counts as sent when it leaves.
//! - Retries of a failed or timed-out request go back to the *front* of the partition's queue
//!   (`RecordAccumulator.reenqueue`); with more than one request in flight and no idempotence
//!   a retry can land after a later record: reordering, and a duplicate when the first attempt
//!   was in fact written.
//! - `enable.idempotence`: a producer id and a per-partition sequence number on every record;
//!   the broker drops a retried batch it already has and refuses a gap
//!   (OUT_OF_ORDER_SEQUENCE_NUMBER), so retries keep order and add no duplicate. Idempotence
//!   lasts for one producer session only: a restarted producer gets a new id.
//! - `max.in.flight.requests.per.connection` bounds unacknowledged requests per partition here
//!   (one record per request in this model).

use std::collections::VecDeque;

use super::metadata::MetaClient;
use super::{Ctx, Timer};
use crate::sim::config::{Acks, Config, Partitioner};
use crate::sim::history::NodeId;
use crate::sim::msg::{Msg, PartIdx, PartLeader, Payload, ProduceError, Record};
use crate::sim::time::{timing, Time};

/// The producer's own timers; its owner wraps them in its timer enum (see [`Producer::new`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProducerTimer {
    /// A produce request got no answer in time.
    Timeout(u64),
    /// Backoff over: the producer may send queued records of this partition.
    Retry(PartIdx),
    /// The metadata client's one timer (request deadline, backoff or max age), with its token.
    Metadata(u64),
}

impl ProducerTimer {
    /// Hands the timer to the producer; returns what the owner learns.
    pub fn fire(self, producer: &mut Producer, ctx: &mut Ctx) -> Vec<Outcome> {
        match self {
            ProducerTimer::Timeout(req) => producer.on_timeout(req, ctx),
            ProducerTimer::Retry(part) => producer.pump(part, ctx),
            ProducerTimer::Metadata(token) => producer.on_metadata_timer(token, ctx),
        }
    }
}

/// A record waiting for, or awaiting, its acknowledgement.
#[derive(Clone, Debug)]
pub struct Pending {
    pub req: u64,
    pub part: PartIdx,
    pub record: Record,
    /// The owner's token (relay: binlog position; service: commit time).
    pub tag: u64,
    pub first_sent: Time,
    pub not_before: Time,
    /// The broker the last attempt went to.
    pub sent_to: NodeId,
    pub attempts: u32,
}

/// What the owner learns from a response or a timeout.
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
    /// Waiting to be sent, per partition.
    pub queue: Vec<VecDeque<Pending>>,
    /// Sent and not yet answered, per partition.
    pub inflight: Vec<Vec<Pending>>,
    /// Who leads each partition, learned from the brokers.
    pub meta: MetaClient,
    pub next_req: u64,
    pub rr_next: u32,
    /// Whether this producer gives up after `delivery.timeout.ms`.
    pub gives_up: bool,
    /// Requests answered NOT_ENOUGH_REPLICAS (for the page).
    pub refused: u64,
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
            inflight: vec![Vec::new(); parts],
            meta: MetaClient::new(parts),
            next_req: 1,
            rr_next: 0,
            gives_up,
            refused: 0,
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
        self.queue.iter().map(|q| q.len()).sum::<usize>() + self.inflight.iter().map(|q| q.len()).sum::<usize>()
    }

    /// Hands a record to the producer; returns outcomes for acks=0 sends.
    pub fn send(&mut self, part: PartIdx, payload: Payload, tag: u64, ctx: &mut Ctx) -> Vec<Outcome> {
        let (pid, seq) = if self.pid != 0 {
            let s = self.next_seq[part as usize];
            self.next_seq[part as usize] += 1;
            (self.pid, s)
        } else {
            (0, -1)
        };
        let record = Record { payload, producer_id: pid, producer_seq: seq, epoch: 0 };
        self.queue[part as usize].push_back(Pending {
            req: 0,
            part,
            record,
            tag,
            first_sent: ctx.now,
            not_before: 0,
            attempts: 0,
            sent_to: 0,
        });
        self.pump(part, ctx)
    }

    /// Sends what the in-flight window allows.
    pub fn pump(&mut self, part: PartIdx, ctx: &mut Ctx) -> Vec<Outcome> {
        let mut out = Vec::new();
        let p = part as usize;
        let Some(leader) = self.meta.leader(part) else {
            if !self.queue[p].is_empty() {
                self.ask_metadata(ctx);
            }
            return out;
        };
        let acks = ctx.cfg.acks;
        let window = ctx.cfg.max_in_flight.max(1) as usize;
        while self.inflight[p].len() < window {
            let ready = matches!(self.queue[p].front(), Some(f) if f.not_before <= ctx.now);
            if !ready {
                break;
            }
            if self.pid != 0 {
                // Never more than `window` sequence numbers between the oldest unacknowledged
                // record and the newest sent: the broker remembers the last five batches per
                // producer, so any retry is still recognised as a duplicate. (Kafka gets this
                // from in-order TCP connections plus max.in.flight ≤ 5.)
                let front = self.queue[p].front().expect("ready").record.producer_seq;
                let oldest = self.inflight[p].iter().map(|x| x.record.producer_seq).min().unwrap_or(front);
                if front - oldest.min(front) >= window as i64 {
                    break;
                }
            }
            let mut pend = self.queue[p].pop_front().expect("front checked");
            if self.gives_up && ctx.now.saturating_sub(pend.first_sent) >= timing::DELIVERY_TIMEOUT {
                out.push(Outcome::GaveUp { part, record: pend.record, tag: pend.tag });
                continue;
            }
            pend.req = self.next_req;
            self.next_req += 1;
            pend.attempts += 1;
            pend.sent_to = leader;
            ctx.send(leader, Msg::Produce { req: pend.req, part, record: pend.record, acks });
            if acks == Acks::Zero {
                // Fire and forget: no response will come, no retry will happen.
                out.push(Outcome::Acked { part, record: pend.record, tag: pend.tag, offset: None });
            } else {
                ctx.timer(ctx.patient(timing::REQUEST_TIMEOUT), (self.wrap)(ProducerTimer::Timeout(pend.req)));
                self.inflight[p].push(pend);
            }
        }
        if let Some(f) = self.queue[p].front() {
            if f.not_before > ctx.now && self.inflight[p].len() < window {
                ctx.timer(f.not_before - ctx.now, (self.wrap)(ProducerTimer::Retry(part)));
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
            self.pump_all(ctx)
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

    pub fn pump_all(&mut self, ctx: &mut Ctx) -> Vec<Outcome> {
        let mut out = Vec::new();
        for p in 0..self.queue.len() {
            out.extend(self.pump(p as PartIdx, ctx));
        }
        out
    }

    /// Puts a failed request back for a retry after the backoff.
    fn requeue(&mut self, mut pend: Pending, now: Time) {
        let p = pend.part as usize;
        pend.not_before = now + timing::RETRY_BACKOFF;
        if self.pid != 0 {
            // Idempotent: retries go out in sequence order, so the broker sees no gap.
            let pos = self.queue[p].iter().position(|q| q.record.producer_seq > pend.record.producer_seq);
            match pos {
                Some(i) => self.queue[p].insert(i, pend),
                None => self.queue[p].push_back(pend),
            }
        } else {
            self.queue[p].push_front(pend);
        }
    }

    /// A produce response.
    pub fn on_response(
        &mut self,
        req: u64,
        part: PartIdx,
        result: Result<u64, ProduceError>,
        ctx: &mut Ctx,
    ) -> Vec<Outcome> {
        let p = part as usize;
        let Some(i) = self.inflight[p].iter().position(|x| x.req == req) else {
            return Vec::new(); // an answer to an attempt we already gave up on
        };
        let pend = self.inflight[p].remove(i);
        let mut out = Vec::new();
        match result {
            Ok(offset) => {
                out.push(Outcome::Acked { part, record: pend.record, tag: pend.tag, offset: Some(offset) });
            }
            Err(ProduceError::NotLeader) => {
                // NOT_LEADER_OR_FOLLOWER: the Sender retries and requests a metadata update.
                self.meta.forget(part);
                self.requeue(pend, ctx.now);
                self.ask_metadata(ctx);
            }
            Err(ProduceError::NotEnoughReplicas) | Err(ProduceError::NotEnoughReplicasAfterAppend) => {
                self.refused += 1;
                self.requeue(pend, ctx.now);
            }
            Err(ProduceError::OutOfOrderSequence) => {
                let seq = pend.record.producer_seq;
                let pid = pend.record.producer_id;
                self.requeue(pend, ctx.now);
                // A gap the producer can explain (an earlier record of this partition is still
                // waiting to be retried) is retried in order. A gap it cannot explain means the
                // broker lost records it had acknowledged (an acks=1 leader crash, an unclean
                // election): the Java client then bumps its epoch and restarts the sequences
                // (KIP-360); the model takes a fresh producer id.
                let earlier_pending = self.queue[p]
                    .iter()
                    .chain(self.inflight[p].iter())
                    .any(|q| q.record.producer_id == pid && q.record.producer_seq < seq);
                if !earlier_pending && pid == self.pid {
                    self.reset_sequences();
                    return self.pump_all(ctx);
                }
            }
        }
        out.extend(self.pump(part, ctx));
        out
    }

    /// Bumps the producer's epoch (a fresh id here) and renumbers every unacknowledged record of
    /// every partition from 0: the sequence belongs to (producer id, partition), so a new id
    /// starts all partitions over.
    fn reset_sequences(&mut self) {
        self.pid = self.pid.wrapping_add(1 << 40);
        for p in 0..self.queue.len() {
            // Answers to the requests in flight will be ignored: they go back to the queue.
            let mut back: Vec<Pending> = self.inflight[p].drain(..).collect();
            back.extend(self.queue[p].drain(..));
            back.sort_by_key(|x| x.record.producer_seq);
            for (s, mut q) in back.into_iter().enumerate() {
                q.record.producer_id = self.pid;
                q.record.producer_seq = s as i64;
                self.queue[p].push_back(q);
            }
            self.next_seq[p] = self.queue[p].len() as i64;
        }
    }

    /// The connection to `broker` was refused: every request in flight to it failed
    /// (`NetworkClient.processDisconnection`); they are retried after the backoff, once metadata
    /// names a leader again ("the disconnect may be the result of stale metadata").
    pub fn on_refused(&mut self, broker: NodeId, ctx: &mut Ctx) -> Vec<Outcome> {
        let wrap = self.wrap;
        self.meta.on_refused(broker, ctx, &|t| wrap(ProducerTimer::Metadata(t)));
        let mut failed = Vec::new();
        for p in 0..self.inflight.len() {
            let (gone, kept) = self.inflight[p].drain(..).partition(|x: &Pending| x.sent_to == broker);
            self.inflight[p] = kept;
            if !gone.is_empty() {
                failed.push(p as PartIdx);
            }
            for pend in gone {
                self.requeue(pend, ctx.now);
            }
        }
        for &p in &failed {
            self.meta.forget(p);
        }
        if failed.is_empty() {
            Vec::new()
        } else {
            self.ask_metadata(ctx);
            self.pump_all(ctx)
        }
    }

    /// A request timed out (`request.timeout.ms`: "If the response is not received before the
    /// timeout elapses the client will resend the request if necessary"): the Java client
    /// closes the connection (`NetworkClient.handleTimedOutRequests`), which requests a
    /// metadata update; the record is retried once a leader is known again.
    pub fn on_timeout(&mut self, req: u64, ctx: &mut Ctx) -> Vec<Outcome> {
        for p in 0..self.inflight.len() {
            if let Some(i) = self.inflight[p].iter().position(|x| x.req == req) {
                let pend = self.inflight[p].remove(i);
                self.requeue(pend, ctx.now);
                self.meta.forget(p as PartIdx);
                self.ask_metadata(ctx);
                return self.pump(p as PartIdx, ctx);
            }
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::super::relay::RelayTimer;
    use super::super::testing::Harness;
    use super::*;
    use crate::sim::domain::Kind;

    /// A producer of relay-0 that knows broker 1 leads partition 0, over `cfg`.
    fn producer(cfg: Config, pid: u64) -> (Harness, Producer) {
        let mut h = Harness::with(cfg);
        h.node = h.topo.relays[0];
        let mut p = Producer::new(pid, h.topo.parts.len(), false, |t| RelayTimer::Producer(t).into());
        p.meta.leaders[0] = PartLeader { leader: Some(h.topo.brokers[0]), epoch: 1 };
        (h, p)
    }

    fn event(event: u64) -> Payload {
        Payload::Event { event, delivery: 0, kind: Kind::Created, seq: 1 }
    }

    /// Produce requests sent so far: (request id, producer sequence).
    fn requests(h: &Harness) -> Vec<(u64, i64)> {
        let req =
            |m: &Msg| if let Msg::Produce { req, record, .. } = m { Some((*req, record.producer_seq)) } else { None };
        h.sent().iter().filter_map(|(_, m)| req(m)).collect()
    }

    // max.in.flight bounds the unanswered requests of a partition: the sixth record waits until
    // an answer frees a slot.
    #[test]
    fn in_flight_window_holds_back_the_rest() {
        let (mut h, mut p) = producer(Config { max_in_flight: 5, ..Default::default() }, 7);
        for e in 0..6 {
            h.run(|ctx| p.send(0, event(e), e, ctx));
        }
        assert_eq!(requests(&h).len(), 5);
        h.run(|ctx| p.on_response(1, 0, Ok(0), ctx));
        assert_eq!(requests(&h).len(), 6, "an answer frees a slot for the sixth");
    }

    // A timed-out request makes the producer doubt its metadata (it forgets the leader and asks
    // the brokers); the retry, once a leader is known and retry.backoff.ms has passed, carries
    // the same sequence number, so the broker can recognise it as a retry.
    #[test]
    fn retry_keeps_its_sequence_number() {
        let (mut h, mut p) = producer(Config::default(), 7);
        h.run(|ctx| p.send(0, event(1), 1, ctx));
        assert_eq!(requests(&h), vec![(1, 0)]);
        h.now += timing::REQUEST_TIMEOUT;
        h.run(|ctx| p.on_timeout(1, ctx));
        assert_eq!(p.meta.leader(0), None, "a timeout sends the producer back to the metadata");
        assert!(h.sent().iter().any(|(_, m)| matches!(m, Msg::MetadataReq { .. })));
        p.meta.leaders[0] = PartLeader { leader: Some(h.topo.brokers[1]), epoch: 2 };
        h.now += timing::RETRY_BACKOFF;
        h.run(|ctx| p.pump(0, ctx));
        let sent = requests(&h);
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert_eq!(sent[1].1, 0, "the retry is the same record: sequence 0 again");
        assert_ne!(sent[1].0, sent[0].0, "a new request id");
    }

    // acks=0 counts a record as sent when it leaves: no answer is awaited, nothing is retried.
    #[test]
    fn acks_zero_is_fire_and_forget() {
        let (mut h, mut p) = producer(Config { acks: Acks::Zero, idempotent_producer: false, ..Default::default() }, 0);
        let out = h.run(|ctx| p.send(0, event(1), 1, ctx));
        assert!(matches!(out.as_slice(), [Outcome::Acked { offset: None, .. }]), "{out:?}");
        assert_eq!(p.backlog(), 0);
    }
}
