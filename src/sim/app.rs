//! The delivery service `app` with its database (deliveries table, outbox tables, binlog),
//! and the CDC relays `relay-N` that tail the outbox.
//!
//! Publishing follows the outbox pattern as Debezium implements it: the service writes the row
//! and an outbox row in one local transaction; a connector with a single task (Debezium's
//! MySQL/PostgreSQL connectors always run `tasks.max=1`) reads the binlog in commit order,
//! publishes with the aggregate id (the delivery) as the key and periodically commits the
//! source position it has published (`offset.flush.interval.ms`). After a crash it resumes
//! from the last committed position, so records after it are published again: at-least-once.
//! Kafka Connect runs source-task producers with unlimited retries and delivery timeout
//! (`Worker` overrides `delivery.timeout.ms` to Integer.MAX_VALUE), so a relay never gives up.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::command::CrashPoint;
use super::config::{Publish, WriteMode};
use super::domain::{allowed, Kind, Refusal};
use super::engine::{timing, Ctx, Effect, NoticeKind, Time, Timer};
use super::history::{DeliveryId, EventId, NodeId, Op};
use super::msg::{Msg, Payload};
use super::producer::{Outcome, Producer};

/// An ordered, acknowledged channel for direct replica writes: numbered writes, cumulative
/// acknowledgements, go-back-N retransmission. The epoch changes when the writer restarts, so
/// the receiver starts counting again.
#[derive(Clone, Debug)]
pub struct Chan {
    pub to: NodeId,
    pub epoch: u32,
    pub next: u64,
    pub unacked: VecDeque<(u64, Payload)>,
    pub last_progress: Time,
}

impl Chan {
    pub fn new(to: NodeId, epoch: u32) -> Self {
        Chan { to, epoch, next: 0, unacked: VecDeque::new(), last_progress: 0 }
    }

    pub fn push(&mut self, payload: Payload, ctx: &mut Ctx) {
        if self.unacked.is_empty() {
            self.last_progress = ctx.now;
        }
        let s = self.next;
        self.next += 1;
        self.unacked.push_back((s, payload));
        ctx.send(self.to, Msg::DbWrite { epoch: self.epoch, chan_seq: s, payload });
    }

    /// Cumulative ack: returns the writes it covers, oldest first.
    pub fn on_ack(&mut self, epoch: u32, upto: u64, now: Time) -> Vec<Payload> {
        let mut done = Vec::new();
        if epoch != self.epoch {
            return done;
        }
        while matches!(self.unacked.front(), Some((s, _)) if *s <= upto) {
            done.push(self.unacked.pop_front().expect("front checked").1);
        }
        if !done.is_empty() {
            self.last_progress = now;
        }
        done
    }

    /// Re-sends unacknowledged writes when no progress was made for a while.
    pub fn retransmit(&mut self, ctx: &mut Ctx) {
        if !self.unacked.is_empty() && ctx.now.saturating_sub(self.last_progress) >= timing::CHAN_RETRANSMIT {
            for (s, p) in self.unacked.iter().take(64) {
                ctx.send(self.to, Msg::DbWrite { epoch: self.epoch, chan_seq: *s, payload: *p });
            }
            self.last_progress = ctx.now;
        }
    }
}

/// A direct write on its way to the replicas.
#[derive(Clone, Debug)]
pub struct DirectWrite {
    pub delivery: DeliveryId,
    pub seq: u32,
    pub fired_at: Time,
    pub payload: Payload,
    /// serial_sync: index of the replica being written.
    pub stage: usize,
    pub acks: u32,
    pub writer_acked: bool,
}

/// The delivery service.
#[derive(Clone, Debug, Default)]
pub struct App {
    // Durable (its database).
    /// Row per delivery: (status, version).
    pub rows: Vec<Option<(Kind, u32)>>,
    /// Outbox table per shard, in commit order: (commit time, event). Position = index.
    pub outbox: Vec<Vec<(Time, Payload)>>,
    pub next_event: EventId,
    pub starts: u32,
    /// Config values published on the event bus.
    pub next_config_value: u32,
    // Volatile.
    pub producer: Option<Producer>,
    pub chans: Vec<Chan>,
    pub writes: BTreeMap<EventId, DirectWrite>,
}

impl App {
    pub fn new(shards: u32) -> Self {
        App { outbox: vec![Vec::new(); shards as usize], next_event: 1, ..Default::default() }
    }

    pub fn crash(&mut self) {
        self.producer = None;
        self.chans.clear();
        self.writes.clear();
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        self.starts += 1;
        let pid = if ctx.cfg.idempotent_producer { producer_id(ctx.node, self.starts) } else { 0 };
        self.producer = Some(Producer::new(pid, ctx.topo.parts.len(), true));
        self.chans = ctx.topo.dbs.iter().map(|&d| Chan::new(d, self.starts)).collect();
        ctx.timer(timing::CHAN_RETRANSMIT, Timer::Retransmit(0));
    }

    /// A writer asks for `kind` on `delivery`: commit it, or say why not.
    pub fn fire(&mut self, delivery: DeliveryId, kind: Kind, ctx: &mut Ctx) -> Result<EventId, Refusal> {
        let d = delivery as usize;
        if self.rows.len() <= d {
            self.rows.resize(d + 1, None);
        }
        let cur = self.rows[d];
        if !allowed(cur.map(|r| r.0), kind) {
            return Err(match (cur, kind) {
                (None, _) => Refusal::NoSuchDelivery,
                (Some(_), Kind::Created) => Refusal::AlreadyExists,
                (Some((from, _)), to) => Refusal::NotAllowed { from, to },
            });
        }
        // One local transaction: the row, and (outbox) the outbox row; the binlog orders them.
        let seq = cur.map(|r| r.1).unwrap_or(0) + 1;
        let event = self.next_event;
        self.next_event += 1;
        self.rows[d] = Some((kind, seq));
        let payload = Payload::Event { event, delivery, kind, seq };
        if ctx.cfg.publish == Publish::Outbox {
            let shard = (ctx.key_hash[d] % self.outbox.len() as u32) as usize;
            self.outbox[shard].push((ctx.now, payload));
        }
        ctx.record(Op::Commit { event, delivery, kind, seq });
        if ctx.crash_point(CrashPoint::AfterDbCommit) {
            return Ok(event);
        }
        if ctx.cfg.publish == Publish::DualWrite {
            let parts = ctx.topo.delivery_parts;
            let producer = self.producer.as_mut().expect("app started");
            let part = producer.partition_for(ctx.cfg, ctx.key_hash[d] % parts, parts);
            ctx.record(Op::Publish { event, partition: part });
            let outs = producer.send(part, payload, ctx.now, ctx);
            self.outcomes(outs, ctx);
        }
        match ctx.cfg.write_mode {
            WriteMode::ViaBroker => {
                ctx.out.push(Effect::WriterAck { delivery, seq, fired_at: ctx.now });
            }
            mode => {
                let w =
                    DirectWrite { delivery, seq, fired_at: ctx.now, payload, stage: 0, acks: 0, writer_acked: false };
                match mode {
                    WriteMode::Quorum => {
                        for c in self.chans.iter_mut() {
                            c.push(payload, ctx);
                        }
                    }
                    _ => {
                        if let Some(c) = self.chans.first_mut() {
                            c.push(payload, ctx);
                        }
                    }
                }
                self.writes.insert(event, w);
            }
        }
        Ok(event)
    }

    /// Publishes a config change on the event bus.
    pub fn broadcast(&mut self, ctx: &mut Ctx) -> Option<u32> {
        let part = ctx.topo.config_part?;
        self.next_config_value += 1;
        let value = self.next_config_value;
        let producer = self.producer.as_mut()?;
        let outs = producer.send(part, Payload::Config { value }, ctx.now, ctx);
        self.outcomes(outs, ctx);
        Some(value)
    }

    fn outcomes(&mut self, outs: Vec<Outcome>, ctx: &mut Ctx) {
        for o in outs {
            match o {
                Outcome::Acked { part, record, offset, .. } => {
                    if let (Some(ev), Some(off)) = (record.payload.event(), offset) {
                        let number = ctx.topo.parts[part as usize].number;
                        ctx.record(Op::Ack { event: ev, partition: number, offset: off });
                    }
                }
                Outcome::GaveUp { record, .. } => {
                    if let Payload::Event { delivery, kind, .. } = record.payload {
                        ctx.notice(NoticeKind::GaveUp { delivery, kind });
                    }
                }
            }
        }
    }

    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx) {
        let Some(producer) = self.producer.as_mut() else { return };
        let outs = match timer {
            Timer::ProduceTimeout(req) => producer.on_timeout(req, ctx),
            Timer::ProduceRetry(part) => producer.pump(part, ctx),
            Timer::Metadata => producer.on_metadata_timer(ctx),
            Timer::Retransmit(_) => {
                for c in self.chans.iter_mut() {
                    c.retransmit(ctx);
                }
                ctx.timer(timing::CHAN_RETRANSMIT, Timer::Retransmit(0));
                Vec::new()
            }
            _ => Vec::new(),
        };
        self.outcomes(outs, ctx);
    }

    pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::BinlogRead { shard, from: pos, max } => {
                let log = &self.outbox[shard as usize];
                let start = (pos as usize).min(log.len());
                let end = (start + max as usize).min(log.len());
                let entries = log[start..end].iter().map(|(t, p)| (*t, *p)).collect();
                ctx.send(from, Msg::BinlogBatch { shard, from: pos, entries });
            }
            Msg::ProduceResp { req, part, result, .. } => {
                if let Some(p) = self.producer.as_mut() {
                    let outs = p.on_response(req, part, result, ctx);
                    self.outcomes(outs, ctx);
                }
            }
            Msg::MetadataResp { leaders } => {
                if let Some(p) = self.producer.as_mut() {
                    let outs = p.on_metadata(&leaders, ctx);
                    self.outcomes(outs, ctx);
                }
            }
            Msg::DbWriteAck { epoch, chan_seq } => {
                let Some(ci) = self.chans.iter().position(|c| c.to == from) else { return };
                let done = self.chans[ci].on_ack(epoch, chan_seq, ctx.now);
                for p in done {
                    if let Some(ev) = p.event() {
                        self.on_replica_acked(ci, ev, ctx);
                    }
                }
            }
            _ => {}
        }
    }

    /// Replica `ci` has durably applied `event`: move its write along per the write mode.
    fn on_replica_acked(&mut self, ci: usize, event: EventId, ctx: &mut Ctx) {
        let r = self.chans.len();
        let Some(w) = self.writes.get_mut(&event) else { return };
        w.acks += 1;
        let ack = |w: &mut DirectWrite, ctx: &mut Ctx| {
            if !w.writer_acked {
                w.writer_acked = true;
                ctx.out.push(Effect::WriterAck { delivery: w.delivery, seq: w.seq, fired_at: w.fired_at });
            }
        };
        let mut finished = false;
        match ctx.cfg.write_mode {
            WriteMode::SerialSync => {
                if ci == w.stage {
                    w.stage += 1;
                    if w.stage >= r {
                        ack(w, ctx);
                        finished = true;
                    } else {
                        let p = w.payload;
                        let next = w.stage;
                        self.chans[next].push(p, ctx);
                    }
                }
            }
            WriteMode::Quorum => {
                if w.acks as usize > r / 2 {
                    ack(w, ctx);
                }
                finished = w.acks as usize >= r;
            }
            WriteMode::SerialAsync | WriteMode::ViaBroker => {
                ack(w, ctx);
                finished = true;
            }
        }
        if finished {
            self.writes.remove(&event);
        }
    }
}

/// A producer id unique per node and per start (idempotence lasts one producer session).
pub fn producer_id(node: NodeId, starts: u32) -> u64 {
    ((starts as u64) << 16) | (node as u64 + 1)
}

/// A CDC relay: one Debezium connector task over one outbox shard.
#[derive(Clone, Debug, Default)]
pub struct Relay {
    pub shard: u32,
    // Durable (the connector's committed source offset).
    pub saved: u64,
    pub starts: u32,
    // Volatile.
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

impl Relay {
    pub fn new(shard: u32) -> Self {
        Relay { shard, ..Default::default() }
    }

    pub fn crash(&mut self) {
        let (shard, saved, starts) = (self.shard, self.saved, self.starts);
        *self = Relay { shard, saved, starts, ..Default::default() };
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        self.starts += 1;
        let pid = if ctx.cfg.idempotent_producer { producer_id(ctx.node, self.starts) } else { 0 };
        self.producer = Some(Producer::new(pid, ctx.topo.parts.len(), false));
        self.read_pos = self.saved;
        self.acked_upto = self.saved;
        ctx.timer(0, Timer::Poll);
        ctx.timer(timing::RELAY_FLUSH, Timer::Flush);
    }

    fn poll(&mut self, ctx: &mut Ctx) {
        let due = match self.poll_sent {
            None => true,
            Some(t) => ctx.now.saturating_sub(t) >= timing::FETCH_TIMEOUT,
        };
        if due && self.buffer.len() < 256 {
            self.poll_sent = Some(ctx.now);
            ctx.send(ctx.topo.app, Msg::BinlogRead { shard: self.shard, from: self.read_pos, max: 64 });
        }
    }

    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx) {
        match timer {
            Timer::Poll => {
                self.poll(ctx);
                ctx.timer(timing::RELAY_POLL, Timer::Poll);
            }
            Timer::Flush => {
                // Commit the source position up to which everything is acknowledged.
                self.saved = self.acked_upto;
                ctx.timer(timing::RELAY_FLUSH, Timer::Flush);
            }
            Timer::Work => self.work(ctx),
            Timer::ProduceTimeout(req) => {
                let outs = self.producer.as_mut().map(|p| p.on_timeout(req, ctx)).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
            Timer::ProduceRetry(part) => {
                let outs = self.producer.as_mut().map(|p| p.pump(part, ctx)).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
            Timer::Metadata => {
                let outs = self.producer.as_mut().map(|p| p.on_metadata_timer(ctx)).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
            _ => {}
        }
    }

    fn cost(ctx: &Ctx) -> Time {
        (ctx.cfg.relay_ms_per_record * 1000.0).round() as Time
    }

    /// Publishes the next buffered record; the CPU cost of each record is paid before it.
    fn work(&mut self, ctx: &mut Ctx) {
        let Some((pos, commit_t, payload)) = self.buffer.pop_front() else {
            self.busy = false;
            return;
        };
        if let Payload::Event { event, delivery, .. } = payload {
            let parts = ctx.topo.delivery_parts;
            let Some(producer) = self.producer.as_mut() else { return };
            let part = producer.partition_for(ctx.cfg, ctx.key_hash[delivery as usize] % parts, parts);
            ctx.record(Op::Publish { event, partition: part });
            self.commit_times.insert(pos, commit_t);
            let outs = producer.send(part, payload, pos, ctx);
            self.outcomes(outs, ctx);
        }
        if self.buffer.is_empty() {
            self.busy = false;
            self.poll(ctx);
        } else {
            ctx.timer(Self::cost(ctx), Timer::Work);
        }
    }

    fn outcomes(&mut self, outs: Vec<Outcome>, ctx: &mut Ctx) {
        for o in outs {
            if let Outcome::Acked { part, record, tag: pos, offset } = o {
                if let (Some(ev), Some(off)) = (record.payload.event(), offset) {
                    let number = ctx.topo.parts[part as usize].number;
                    ctx.record(Op::Ack { event: ev, partition: number, offset: off });
                }
                if let Some(t) = self.commit_times.remove(&pos) {
                    ctx.out.push(Effect::RelayLag { shard: self.shard, lag_us: ctx.now.saturating_sub(t) });
                }
                if pos >= self.acked_upto {
                    self.acked.insert(pos);
                    while self.acked.remove(&self.acked_upto) {
                        self.acked_upto += 1;
                    }
                }
                if ctx.crash_point(CrashPoint::AfterPublish) {
                    return;
                }
            }
        }
    }

    pub fn on_message(&mut self, _from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::BinlogBatch { from, entries, .. } => {
                if from != self.read_pos {
                    return;
                }
                self.poll_sent = None;
                let full = entries.len() >= 64;
                for (i, (t, p)) in entries.into_iter().enumerate() {
                    self.buffer.push_back((from + i as u64, t, p));
                }
                if let Some(b) = self.buffer.back() {
                    self.read_pos = self.read_pos.max(b.0 + 1);
                }
                if !self.busy && !self.buffer.is_empty() {
                    self.busy = true;
                    ctx.timer(Self::cost(ctx), Timer::Work);
                }
                if full {
                    self.poll(ctx);
                }
            }
            Msg::ProduceResp { req, part, result, .. } => {
                let outs = self.producer.as_mut().map(|p| p.on_response(req, part, result, ctx)).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
            Msg::MetadataResp { leaders } => {
                let outs = self.producer.as_mut().map(|p| p.on_metadata(&leaders, ctx)).unwrap_or_default();
                self.outcomes(outs, ctx);
            }
            _ => {}
        }
    }

    /// Records read but not yet acknowledged, for the page.
    pub fn in_flight(&self) -> usize {
        self.buffer.len() + self.producer.as_ref().map(|p| p.backlog()).unwrap_or(0)
    }
}
