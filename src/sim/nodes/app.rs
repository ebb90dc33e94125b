//! The delivery service `app` with its database: the deliveries table, the outbox tables and
//! the binlog the relays tail.
//!
//! Publishing follows the outbox pattern as Debezium implements it: the service writes the row
//! and an outbox row in one local transaction; the relays read the binlog in commit order (see
//! `relay.rs`). In dual write the service publishes itself, with its own producer; in the direct
//! write modes it writes the replicas over ordered channels ([`Chan`]).

use std::collections::BTreeMap;

use super::chan::Chan;
use super::producer::{Disconnect, Outcome, Producer, ProducerTimer};
use super::{Ctx, Effect, Node, NoticeKind, Timer};
use crate::sim::command::CrashPoint;
use crate::sim::config::{Publish, WriteMode};
use crate::sim::domain::{allowed, Kind, Refusal};
use crate::sim::history::{DeliveryId, EventId, NodeId, Op};
use crate::sim::msg::{Msg, Payload};
use crate::sim::time::{timing, Time};

/// The service's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppTimer {
    /// Its producer's (dual write, event bus).
    Producer(ProducerTimer),
    /// Retransmit unacknowledged direct writes.
    Retransmit,
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

/// The service's database: survives a crash.
#[derive(Clone, Debug, Default)]
pub struct AppDurable {
    /// Row per delivery: (status, version).
    pub rows: Vec<Option<(Kind, u32)>>,
    /// Outbox table per shard, in commit order: (commit time, event). Position = index.
    pub outbox: Vec<Vec<(Time, Payload)>>,
    pub next_event: EventId,
    pub starts: u32,
    /// Config values published on the event bus.
    pub next_config_value: u32,
}

/// The service process's memory: lost in a crash.
#[derive(Clone, Debug, Default)]
pub struct AppVolatile {
    pub producer: Option<Producer>,
    pub chans: Vec<Chan>,
    pub writes: BTreeMap<EventId, DirectWrite>,
}

/// The delivery service.
#[derive(Clone, Debug, Default)]
pub struct App {
    pub durable: AppDurable,
    pub vol: AppVolatile,
}

impl App {
    /// A service with `shards` empty outbox tables.
    pub fn new(shards: u32) -> Self {
        App {
            durable: AppDurable { outbox: vec![Vec::new(); shards as usize], next_event: 1, ..Default::default() },
            vol: AppVolatile::default(),
        }
    }

    /// The row of a delivery at the service: (status, version).
    pub fn row(&self, delivery: DeliveryId) -> Option<(Kind, u32)> {
        self.durable.rows.get(delivery as usize).copied().flatten()
    }

    /// Every row, index = delivery id.
    pub fn rows(&self) -> &[Option<(Kind, u32)>] {
        &self.durable.rows
    }

    /// Outbox table of a shard: (commit time, event), position = index.
    pub fn outbox(&self, shard: usize) -> &[(Time, Payload)] {
        &self.durable.outbox[shard]
    }

    /// A writer asks for `kind` on `delivery`: commit it, or say why not.
    pub fn fire(&mut self, delivery: DeliveryId, kind: Kind, ctx: &mut Ctx) -> Result<EventId, Refusal> {
        let d = delivery as usize;
        let db = &mut self.durable;
        if db.rows.len() <= d {
            db.rows.resize(d + 1, None);
        }
        let cur = db.rows[d];
        if !allowed(cur.map(|r| r.0), kind) {
            return Err(match (cur, kind) {
                (None, _) => Refusal::NoSuchDelivery,
                (Some(_), Kind::Created) => Refusal::AlreadyExists,
                (Some((from, _)), to) => Refusal::NotAllowed { from, to },
            });
        }
        // One local transaction: the row, and (outbox) the outbox row; the binlog orders them.
        let seq = cur.map(|r| r.1).unwrap_or(0) + 1;
        let event = db.next_event;
        db.next_event += 1;
        db.rows[d] = Some((kind, seq));
        let payload = Payload::Event { event, delivery, kind, seq };
        if ctx.cfg.publish == Publish::Outbox {
            let shard = (ctx.key_hash[d] % db.outbox.len() as u32) as usize;
            db.outbox[shard].push((ctx.now, payload));
        }
        ctx.record(Op::Commit { event, delivery, kind, seq });
        if ctx.crash_point(CrashPoint::AfterDbCommit) {
            return Ok(event);
        }
        if ctx.cfg.publish == Publish::DualWrite {
            self.publish(event, d, payload, ctx);
        }
        self.write_through(event, delivery, seq, payload, ctx);
        Ok(event)
    }

    /// Dual write: the service's own producer publishes the event after the commit.
    fn publish(&mut self, event: EventId, d: usize, payload: Payload, ctx: &mut Ctx) {
        let parts = ctx.topo.delivery_parts;
        let producer = self.vol.producer.as_mut().expect("app started");
        let part = producer.partition_for(ctx.cfg, ctx.key_hash[d] % parts, parts);
        ctx.record(Op::Publish { event, partition: part });
        let outs = producer.send(part, payload, ctx.now, ctx);
        self.outcomes(outs, ctx);
    }

    /// Acknowledges the writer (via the broker) or starts the direct write to the replicas.
    fn write_through(&mut self, event: EventId, delivery: DeliveryId, seq: u32, payload: Payload, ctx: &mut Ctx) {
        let mode = ctx.cfg.write_mode;
        if mode == WriteMode::ViaBroker {
            ctx.out.push(Effect::WriterAck { delivery, seq, fired_at: ctx.now });
            return;
        }
        let w = DirectWrite { delivery, seq, fired_at: ctx.now, payload, stage: 0, acks: 0, writer_acked: false };
        if mode == WriteMode::Quorum {
            for c in self.vol.chans.iter_mut() {
                c.push(payload, ctx);
            }
        } else if let Some(c) = self.vol.chans.first_mut() {
            c.push(payload, ctx);
        }
        self.vol.writes.insert(event, w);
    }

    /// Publishes a config change on the event bus.
    pub fn broadcast(&mut self, ctx: &mut Ctx) -> Option<u32> {
        let part = ctx.topo.config_part?;
        self.durable.next_config_value += 1;
        let value = self.durable.next_config_value;
        let producer = self.vol.producer.as_mut()?;
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

    /// Replica `ci` has durably applied `event`: move its write along per the write mode.
    fn on_replica_acked(&mut self, ci: usize, event: EventId, ctx: &mut Ctx) {
        let r = self.vol.chans.len();
        let Some(w) = self.vol.writes.get_mut(&event) else { return };
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
                        self.vol.chans[next].push(p, ctx);
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
            self.vol.writes.remove(&event);
        }
    }
}

impl Node for App {
    type Timer = AppTimer;

    fn start(&mut self, ctx: &mut Ctx) {
        self.durable.starts += 1;
        let starts = self.durable.starts;
        let pid = if ctx.cfg.service_idempotence() { producer_id(ctx.node, starts) } else { 0 };
        let wrap = |t| Timer::App(AppTimer::Producer(t));
        self.vol.producer = Some(Producer::new(pid, ctx.topo.parts.len(), true, wrap));
        self.vol.chans = ctx.topo.dbs.iter().map(|&d| Chan::new(d, starts)).collect();
        ctx.timer(timing::CHAN_RETRANSMIT, AppTimer::Retransmit);
    }

    fn on_timer(&mut self, timer: AppTimer, ctx: &mut Ctx) {
        let Some(producer) = self.vol.producer.as_mut() else { return };
        let outs = match timer {
            AppTimer::Producer(t) => t.fire(producer, ctx),
            AppTimer::Retransmit => {
                for c in self.vol.chans.iter_mut() {
                    c.retransmit(ctx);
                }
                ctx.timer(timing::CHAN_RETRANSMIT, AppTimer::Retransmit);
                Vec::new()
            }
        };
        self.outcomes(outs, ctx);
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::BinlogRead { shard, from: pos, max } => {
                let log = &self.durable.outbox[shard as usize];
                let start = (pos as usize).min(log.len());
                let end = (start + max as usize).min(log.len());
                let entries = log[start..end].to_vec();
                ctx.send(from, Msg::BinlogBatch { shard, from: pos, entries });
            }
            Msg::ProduceResp { req, parts } => {
                if let Some(p) = self.vol.producer.as_mut() {
                    let outs = p.on_response(req, &parts, ctx);
                    self.outcomes(outs, ctx);
                }
            }
            Msg::MetadataResp { id, leaders } => {
                if let Some(p) = self.vol.producer.as_mut() {
                    let outs = p.on_metadata(id, &leaders, ctx);
                    self.outcomes(outs, ctx);
                }
            }
            Msg::ConnectionRefused | Msg::ConnectionLost => {
                if let Some(p) = self.vol.producer.as_mut() {
                    let outs = p.on_disconnect(from, Disconnect::of(&msg), ctx);
                    self.outcomes(outs, ctx);
                }
            }
            Msg::DbWriteAck { epoch, chan_seq } => {
                let Some(ci) = self.vol.chans.iter().position(|c| c.to == from) else { return };
                let done = self.vol.chans[ci].on_ack(epoch, chan_seq, ctx.now);
                for p in done {
                    if let Some(ev) = p.event() {
                        self.on_replica_acked(ci, ev, ctx);
                    }
                }
            }
            _ => {}
        }
    }

    fn crash(&mut self) {
        self.vol = AppVolatile::default();
    }
}

/// A producer id unique per node and per start (idempotence lasts one producer session).
pub fn producer_id(node: NodeId, starts: u32) -> u64 {
    ((starts as u64) << 16) | (node as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::*;
    use crate::sim::config::Config;

    fn started(cfg: Config) -> (Harness, App) {
        let mut h = Harness::with(cfg);
        let mut app = App::new(h.cfg.outbox_shards);
        h.run(|ctx| app.start(ctx));
        h.clear();
        (h, app)
    }

    // The service follows the delivery state machine: no event before `created`, no `created`
    // twice, and a refused event changes nothing.
    #[test]
    fn state_machine_refuses_invalid_events() {
        let (mut h, mut app) = started(Config::default());
        assert_eq!(h.run(|ctx| app.fire(0, Kind::RiderAssigned, ctx)), Err(Refusal::NoSuchDelivery));
        assert!(h.run(|ctx| app.fire(0, Kind::Created, ctx)).is_ok());
        assert_eq!(h.run(|ctx| app.fire(0, Kind::Created, ctx)), Err(Refusal::AlreadyExists));
        assert_eq!(app.row(0), Some((Kind::Created, 1)));
        assert_eq!(h.records().len(), 1, "one commit line");
    }

    // Outbox: the row and the outbox row commit together, in the key's shard, and a relay's
    // binlog read returns them in commit order.
    #[test]
    fn outbox_rows_commit_with_the_row() {
        let cfg = Config { publish: Publish::Outbox, outbox_shards: 2, ..Default::default() };
        let (mut h, mut app) = started(cfg);
        h.run(|ctx| app.fire(1, Kind::Created, ctx)).expect("created");
        h.run(|ctx| app.fire(1, Kind::RiderAssigned, ctx)).expect("assigned");
        let shard = (h.key_hash[1] % 2) as usize;
        assert_eq!(app.outbox(shard).len(), 2);
        assert!(app.outbox(1 - shard).is_empty());
        h.clear();
        h.run(|ctx| app.on_message(7, Msg::BinlogRead { shard: shard as u32, from: 1, max: 64 }, ctx));
        let sent = h.sent();
        let Msg::BinlogBatch { entries, .. } = &sent[0].1 else { panic!("a binlog batch") };
        assert_eq!(entries.len(), 1);
        assert!(matches!(entries[0].1, Payload::Event { kind: Kind::RiderAssigned, seq: 2, .. }));
    }

    // A crash after the commit (armed crash point) keeps the row and stops before publishing;
    // the crash drops the producer and keeps the database.
    #[test]
    fn crash_after_commit_keeps_the_row() {
        let cfg = Config { publish: Publish::DualWrite, ..Default::default() };
        let (mut h, mut app) = started(cfg);
        h.armed = Some(CrashPoint::AfterDbCommit);
        h.run(|ctx| app.fire(0, Kind::Created, ctx)).expect("committed");
        assert!(h.out.iter().any(|e| matches!(e, Effect::CrashSelf)));
        assert!(!h.records().iter().any(|op| matches!(op, Op::Publish { .. })), "crashed before publishing");
        app.crash();
        assert!(app.vol.producer.is_none());
        assert_eq!(app.row(0), Some((Kind::Created, 1)));
    }

    // Quorum direct writes acknowledge the writer once a majority of replicas has applied.
    #[test]
    fn quorum_write_acks_at_majority() {
        let cfg = Config { write_mode: WriteMode::Quorum, replicas: 3, ..Default::default() };
        let (mut h, mut app) = started(cfg);
        let event = h.run(|ctx| app.fire(0, Kind::Created, ctx)).expect("committed");
        let dbs = h.topo.dbs.clone();
        let acks = |h: &Harness| h.out.iter().filter(|e| matches!(e, Effect::WriterAck { .. })).count();
        h.run(|ctx| app.on_message(dbs[0], Msg::DbWriteAck { epoch: 1, chan_seq: 0 }, ctx));
        assert_eq!(acks(&h), 0, "one of three is no majority");
        h.run(|ctx| app.on_message(dbs[2], Msg::DbWriteAck { epoch: 1, chan_seq: 0 }, ctx));
        assert_eq!(acks(&h), 1);
        assert!(app.vol.writes.contains_key(&event), "kept until every replica acknowledged");
    }
}
