//! The CDC relays `relay-N`: one Debezium connector task per outbox shard.
//!
//! A relay reads the binlog in commit order, publishes with the aggregate id (the delivery) as
//! the key and periodically commits the source position it has published
//! (`offset.flush.interval.ms`). After a crash it resumes from the last committed position, so
//! records after it are published again: at-least-once.
//!
//! Its producer runs with the settings the Kafka Connect worker gives every source task
//! (`Worker.baseProducerConfigs`: `acks=all`, `enable.idempotence=false`,
//! `max.in.flight.requests.per.connection=1`, `delivery.timeout.ms=Integer.MAX_VALUE`, so a relay
//! never gives a record up), or the connector's `producer.override.*`: `relay_producer` in the
//! config ([`crate::sim::config::Config::for_relay_producer`]). One relay is one task: the Debezium MySQL connector
//! "always uses a single task" to keep binlog order (`tasks.max` has no effect), so a connector
//! never publishes one shard's records from two places.

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

/// Runs `f` on a relay's producer with the relay's producer settings in the config it reads
/// ([`crate::sim::config::Config::for_relay_producer`]): the producer client is the one the service uses too, and
/// it reads `acks` and its in-flight window from the config it is handed.
fn as_connect_task(ctx: &mut Ctx, f: impl FnOnce(&mut Ctx) -> Vec<Outcome>) -> Vec<Outcome> {
    let cfg = ctx.cfg.for_relay_producer();
    let mut task = Ctx {
        now: ctx.now,
        node: ctx.node,
        cfg: &cfg,
        topo: ctx.topo,
        rng: &mut *ctx.rng,
        out: &mut *ctx.out,
        key_hash: ctx.key_hash,
        armed: ctx.armed,
    };
    f(&mut task)
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
            let outs = as_connect_task(ctx, |ctx| producer.send(part, payload, pos, ctx));
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
        // A restarted task builds a new producer: with idempotence on it gets a new producer id,
        // so the broker cannot recognise what it publishes again as a resend.
        let idempotent = ctx.cfg.relay_producer.idempotent;
        let pid = if idempotent { producer_id(ctx.node, self.durable.starts) } else { 0 };
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
                // Commit the source position up to which everything is acknowledged, every
                // `offset.flush.interval.ms`. What was published after it is published again
                // after a crash: Debezium's MySQL connector docs ("Kafka Connect process stops
                // unexpectedly") warn that the replacement task "might generate the same change
                // events", as many as the flush interval lets pile up.
                self.durable.saved = self.vol.acked_upto;
                ctx.timer(timing::RELAY_FLUSH, RelayTimer::Flush);
            }
            RelayTimer::Work => self.work(ctx),
            RelayTimer::Producer(t) => {
                let p = self.vol.producer.as_mut();
                let outs = p.map(|p| as_connect_task(ctx, |ctx| t.fire(p, ctx))).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::BinlogBatch { from, entries, .. } => self.on_batch(from, entries, ctx),
            Msg::ProduceResp { req, parts } => {
                let p = self.vol.producer.as_mut();
                let outs = p.map(|p| as_connect_task(ctx, |ctx| p.on_response(req, &parts, ctx))).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
            Msg::MetadataResp { id, leaders } => {
                let p = self.vol.producer.as_mut();
                let outs = p.map(|p| as_connect_task(ctx, |ctx| p.on_metadata(id, &leaders, ctx))).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
            Msg::ConnectionRefused | Msg::ConnectionLost => {
                let how = Disconnect::of(&msg);
                let p = self.vol.producer.as_mut();
                let outs = p.map(|p| as_connect_task(ctx, |ctx| p.on_disconnect(from, how, ctx))).unwrap_or_default();
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
    use crate::sim::config::{Acks, Config};
    use crate::sim::domain::Kind;
    use crate::sim::msg::{PartLeader, PartResult, ProduceError};

    /// A produce response for partition 0.
    fn answer(req: u64, result: Result<u64, ProduceError>) -> Msg {
        Msg::ProduceResp { req, parts: vec![PartResult { part: 0, result, duplicate: false }] }
    }

    fn ev(event: u64) -> (Time, Payload) {
        (0, Payload::Event { event, delivery: 0, kind: Kind::Created, seq: 1 })
    }

    /// A started relay that knows partition 0's leader and has read `n` records from 0, under
    /// `producer.override.max.in.flight.requests.per.connection=5` so all of them are sent.
    fn relay_with(n: u64) -> (Harness, Relay) {
        let mut cfg = Config::default();
        cfg.relay_producer.max_in_flight = 5;
        relay_over(cfg, n)
    }

    fn relay_over(cfg: Config, n: u64) -> (Harness, Relay) {
        let mut h = Harness::with(cfg);
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

    // relay_uses_connect_producer_defaults: with no override the relay's producer is the one the
    // Connect worker builds for a source task (`Worker.baseProducerConfigs`): one request in
    // flight, acks=all, and no producer id (enable.idempotence=false), whatever the service's
    // own producer keys say.
    #[test]
    fn relay_uses_connect_producer_defaults() {
        let cfg = Config { acks: Acks::One, max_in_flight: 5, ..Config::default() };
        let (h, _) = relay_over(cfg, 3);
        let sent: Vec<(Acks, u64)> = h
            .sent()
            .iter()
            .filter_map(|(_, m)| {
                if let Msg::Produce { acks, batches, .. } = m {
                    Some((*acks, batches[0].records[0].producer_id))
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(sent, vec![(Acks::All, 0)], "one request in flight, acks=all, not idempotent");
    }

    // relay_producer_override_applies: `producer.override.*` (relay_producer) replaces the
    // worker's settings: acks=1 and an idempotent producer with a producer id.
    #[test]
    fn relay_producer_override_applies() {
        let mut cfg = Config::default();
        cfg.relay_producer.acks = Acks::One;
        cfg.relay_producer.max_in_flight = 5;
        let (h, _) = relay_over(cfg, 2);
        let acks: Vec<Acks> = h
            .sent()
            .iter()
            .filter_map(|(_, m)| if let Msg::Produce { acks, .. } = m { Some(*acks) } else { None })
            .collect();
        assert_eq!(acks, vec![Acks::One, Acks::One]);
        let mut cfg = Config::default();
        cfg.relay_producer.idempotent = true;
        let (h, _) = relay_over(cfg, 1);
        assert!(h
            .sent()
            .iter()
            .any(|(_, m)| matches!(m, Msg::Produce { batches, .. } if batches[0].records[0].producer_id != 0)));
    }
}
