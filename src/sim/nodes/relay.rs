//! The CDC relays `relay-N`: one Debezium connector task per outbox shard.
//!
//! A relay reads the binlog in commit order, publishes with the aggregate id (the delivery) as
//! the key and periodically commits the source position it has published
//! (`offset.flush.interval.ms`). After a crash it resumes from the last committed position, so
//! records after it are published again: at-least-once. Kafka Connect runs source-task
//! producers with unlimited retries and delivery timeout (`Worker` overrides
//! `delivery.timeout.ms` to Integer.MAX_VALUE), so a relay never gives up.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::app::producer_id;
use super::producer::{Disconnect, Outcome, Producer, ProducerTimer};
use super::{Ctx, Effect, Node, Timer};
use crate::sim::command::CrashPoint;
use crate::sim::history::{NodeId, Op};
use crate::sim::msg::{Msg, Payload};
use crate::sim::time::{timing, Time};

/// A relay's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelayTimer {
    /// Poll the binlog.
    Poll,
    /// The CPU work on the current record is done.
    Work,
    /// Save the source position.
    Flush,
    /// Its producer's.
    Producer(ProducerTimer),
}

/// What survives a crash: the connector's committed source offset.
#[derive(Clone, Debug, Default)]
pub struct RelayDurable {
    /// Binlog position up to which everything is published and acknowledged (committed).
    pub saved: u64,
    pub starts: u32,
}

/// The task's memory: lost in a crash.
#[derive(Clone, Debug, Default)]
pub struct RelayVolatile {
    pub producer: Option<Producer>,
    /// Next binlog position to read.
    pub read_pos: u64,
    /// Read, not yet published: (position, commit time, event).
    pub buffer: VecDeque<(u64, Time, Payload)>,
    pub busy: bool,
    pub poll_sent: Option<Time>,
    /// Published, acknowledged positions beyond `acked_upto`.
    pub acked: BTreeSet<u64>,
    /// Every position below this is acknowledged.
    pub acked_upto: u64,
    /// Commit time per published, unacknowledged position (for the lag).
    pub commit_times: BTreeMap<u64, Time>,
}

/// A CDC relay over one outbox shard.
#[derive(Clone, Debug, Default)]
pub struct Relay {
    pub shard: u32,
    pub durable: RelayDurable,
    pub vol: RelayVolatile,
}

impl Relay {
    /// The relay of outbox shard `shard`.
    pub fn new(shard: u32) -> Self {
        Relay { shard, ..Default::default() }
    }

    /// The committed source position.
    pub fn saved(&self) -> u64 {
        self.durable.saved
    }

    /// Everything below this position is acknowledged (or committed before a crash).
    pub fn acked(&self) -> u64 {
        self.vol.acked_upto.max(self.durable.saved)
    }

    /// Records read but not yet acknowledged, for the page.
    pub fn in_flight(&self) -> usize {
        self.vol.buffer.len() + self.vol.producer.as_ref().map(|p| p.backlog()).unwrap_or(0)
    }

    fn poll(&mut self, ctx: &mut Ctx) {
        let due = match self.vol.poll_sent {
            None => true,
            Some(t) => ctx.now.saturating_sub(t) >= ctx.patient(timing::FETCH_TIMEOUT),
        };
        if due && self.vol.buffer.len() < 256 {
            self.vol.poll_sent = Some(ctx.now);
            ctx.send(ctx.topo.app, Msg::BinlogRead { shard: self.shard, from: self.vol.read_pos, max: 64 });
        }
    }

    fn cost(ctx: &Ctx) -> Time {
        (ctx.cfg.relay_ms_per_record * 1000.0).round() as Time
    }

    /// Publishes the next buffered record; the CPU cost of each record is paid before it.
    fn work(&mut self, ctx: &mut Ctx) {
        let Some((pos, commit_t, payload)) = self.vol.buffer.pop_front() else {
            self.vol.busy = false;
            return;
        };
        if let Payload::Event { event, delivery, .. } = payload {
            let parts = ctx.topo.delivery_parts;
            let Some(producer) = self.vol.producer.as_mut() else { return };
            let part = producer.partition_for(ctx.cfg, ctx.key_hash[delivery as usize] % parts, parts);
            ctx.record(Op::Publish { event, partition: part });
            self.vol.commit_times.insert(pos, commit_t);
            let outs = producer.send(part, payload, pos, ctx);
            self.outcomes(outs, ctx);
        }
        if self.vol.buffer.is_empty() {
            self.vol.busy = false;
            self.poll(ctx);
        } else {
            ctx.timer(Self::cost(ctx), RelayTimer::Work);
        }
    }

    fn outcomes(&mut self, outs: Vec<Outcome>, ctx: &mut Ctx) {
        for o in outs {
            if let Outcome::Acked { part, record, tag: pos, offset } = o {
                if let (Some(ev), Some(off)) = (record.payload.event(), offset) {
                    let number = ctx.topo.parts[part as usize].number;
                    ctx.record(Op::Ack { event: ev, partition: number, offset: off });
                }
                if let Some(t) = self.vol.commit_times.remove(&pos) {
                    ctx.out.push(Effect::RelayLag { shard: self.shard, lag_us: ctx.now.saturating_sub(t) });
                }
                let v = &mut self.vol;
                if pos >= v.acked_upto {
                    v.acked.insert(pos);
                    while v.acked.remove(&v.acked_upto) {
                        v.acked_upto += 1;
                    }
                }
                if ctx.crash_point(CrashPoint::AfterPublish) {
                    return;
                }
            }
        }
    }

    fn on_batch(&mut self, from: u64, entries: Vec<(Time, Payload)>, ctx: &mut Ctx) {
        let v = &mut self.vol;
        if from != v.read_pos {
            return;
        }
        v.poll_sent = None;
        let full = entries.len() >= 64;
        for (i, (t, p)) in entries.into_iter().enumerate() {
            v.buffer.push_back((from + i as u64, t, p));
        }
        if let Some(b) = v.buffer.back() {
            v.read_pos = v.read_pos.max(b.0 + 1);
        }
        if !v.busy && !v.buffer.is_empty() {
            v.busy = true;
            ctx.timer(Self::cost(ctx), RelayTimer::Work);
        }
        if full {
            self.poll(ctx);
        }
    }
}

impl Node for Relay {
    type Timer = RelayTimer;

    fn start(&mut self, ctx: &mut Ctx) {
        self.durable.starts += 1;
        let pid = if ctx.cfg.idempotent_producer { producer_id(ctx.node, self.durable.starts) } else { 0 };
        let wrap = |t| Timer::Relay(RelayTimer::Producer(t));
        self.vol.producer = Some(Producer::new(pid, ctx.topo.parts.len(), false, wrap));
        self.vol.read_pos = self.durable.saved;
        self.vol.acked_upto = self.durable.saved;
        ctx.timer(0, RelayTimer::Poll);
        ctx.timer(timing::RELAY_FLUSH, RelayTimer::Flush);
    }

    fn on_timer(&mut self, timer: RelayTimer, ctx: &mut Ctx) {
        match timer {
            RelayTimer::Poll => {
                self.poll(ctx);
                ctx.timer(timing::RELAY_POLL, RelayTimer::Poll);
            }
            RelayTimer::Flush => {
                // Commit the source position up to which everything is acknowledged.
                self.durable.saved = self.vol.acked_upto;
                ctx.timer(timing::RELAY_FLUSH, RelayTimer::Flush);
            }
            RelayTimer::Work => self.work(ctx),
            RelayTimer::Producer(t) => {
                let outs = self.vol.producer.as_mut().map(|p| t.fire(p, ctx)).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::BinlogBatch { from, entries, .. } => self.on_batch(from, entries, ctx),
            Msg::ProduceResp { req, parts } => {
                let p = self.vol.producer.as_mut();
                let outs = p.map(|p| p.on_response(req, &parts, ctx)).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
            Msg::MetadataResp { id, leaders } => {
                let outs = self.vol.producer.as_mut().map(|p| p.on_metadata(id, &leaders, ctx)).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
            Msg::ConnectionRefused | Msg::ConnectionLost => {
                let how = Disconnect::of(&msg);
                let outs = self.vol.producer.as_mut().map(|p| p.on_disconnect(from, how, ctx)).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
            _ => {}
        }
    }

    fn crash(&mut self) {
        self.vol = RelayVolatile::default();
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::*;
    use crate::sim::domain::Kind;
    use crate::sim::msg::{PartLeader, PartResult, ProduceError};

    /// A produce response for partition 0.
    fn answer(req: u64, result: Result<u64, ProduceError>) -> Msg {
        Msg::ProduceResp { req, parts: vec![PartResult { part: 0, result, duplicate: false }] }
    }

    fn ev(event: u64) -> (Time, Payload) {
        (0, Payload::Event { event, delivery: 0, kind: Kind::Created, seq: 1 })
    }

    /// A started relay that knows partition 0's leader and has read `n` records from 0, each
    /// published in a request of its own (`linger.ms` passes between them).
    fn relay_with(n: u64) -> (Harness, Relay) {
        let mut h = Harness::new();
        h.node = h.topo.relays[0];
        let mut r = Relay::new(0);
        h.run(|ctx| r.start(ctx));
        let leader = PartLeader { leader: Some(h.topo.brokers[0]), epoch: 1 };
        r.vol.producer.as_mut().expect("started").meta.leaders = vec![leader; h.topo.parts.len()];
        let entries = (1..=n).map(ev).collect();
        h.run(|ctx| r.on_message(0, Msg::BinlogBatch { shard: 0, from: 0, entries }, ctx));
        for _ in 0..n {
            h.run(|ctx| r.on_timer(RelayTimer::Work, ctx));
            h.now += timing::LINGER;
            h.run(|ctx| r.on_timer(RelayTimer::Producer(ProducerTimer::Wake), ctx));
        }
        (h, r)
    }

    /// Request ids of the produce requests sent so far.
    fn produced(h: &Harness) -> Vec<u64> {
        h.sent().iter().filter_map(|(_, m)| if let Msg::Produce { req, .. } = m { Some(*req) } else { None }).collect()
    }

    // The flush saves only the position up to which every record is acknowledged: an ack of a
    // later record past a gap does not move it.
    #[test]
    fn flush_saves_the_acknowledged_prefix() {
        let (mut h, mut r) = relay_with(3);
        let reqs = produced(&h);
        assert_eq!(reqs.len(), 3);
        let ok = |req| answer(req, Ok(req));
        h.run(|ctx| r.on_message(0, ok(reqs[0]), ctx));
        h.run(|ctx| r.on_message(0, ok(reqs[2]), ctx));
        h.run(|ctx| r.on_timer(RelayTimer::Flush, ctx));
        assert_eq!(r.saved(), 1, "position 1 is not acknowledged yet");
    }

    // After a crash the relay resumes reading from its saved position: what was published
    // after it is read (and published) again — at-least-once.
    #[test]
    fn republishes_from_saved_position_after_crash() {
        let (mut h, mut r) = relay_with(3);
        let reqs = produced(&h);
        let ok = |req| answer(req, Ok(req));
        h.run(|ctx| r.on_message(0, ok(reqs[0]), ctx));
        h.run(|ctx| r.on_timer(RelayTimer::Flush, ctx));
        h.run(|ctx| r.on_message(0, ok(reqs[1]), ctx));
        h.run(|ctx| r.on_message(0, ok(reqs[2]), ctx));
        assert_eq!(r.acked(), 3);
        r.crash();
        assert_eq!(r.saved(), 1, "the flushed position survives");
        h.clear();
        h.now = 1;
        h.run(|ctx| r.start(ctx));
        h.run(|ctx| r.on_timer(RelayTimer::Poll, ctx));
        let reads: Vec<u64> = h
            .sent()
            .iter()
            .filter_map(|(_, m)| if let Msg::BinlogRead { from, .. } = m { Some(*from) } else { None })
            .collect();
        assert_eq!(reads, vec![1], "reads again from the saved position");
    }

    // A relay never gives up: a refused produce goes back to its queue for a retry.
    #[test]
    fn refused_produce_is_retried() {
        let (mut h, mut r) = relay_with(1);
        let req = produced(&h)[0];
        let refused = answer(req, Err(ProduceError::NotEnoughReplicas));
        h.run(|ctx| r.on_message(0, refused, ctx));
        assert_eq!(r.in_flight(), 1, "still owed");
        assert!(h.timers().iter().any(|(_, t)| matches!(t, Timer::Relay(RelayTimer::Producer(ProducerTimer::Wake)))));
    }
}
