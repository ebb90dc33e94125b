//! The replica databases `dbI` (read models). A replica's consumers run in its process and
//! write through [`Db::apply`]; in the direct write modes the service writes it over ordered
//! channels instead, and in `serial_async` `db1` forwards to the others (its replication log).
//!
//! The idempotent consumer writes the processed event id in the same local transaction as the
//! row, and skips an id it has seen.

use std::collections::{BTreeMap, BTreeSet};

use super::chan::Chan;
use super::{Ctx, Node};
use crate::sim::config::WriteMode;
use crate::sim::domain::Kind;
use crate::sim::history::{DeliveryId, EventId, NodeId, Op, SkipReason};
use crate::sim::msg::{Msg, Payload};
use crate::sim::time::timing;

/// A replica's timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbTimer {
    /// Retransmit unacknowledged forwarded writes.
    Retransmit,
}

/// A replica database. Everything in it is durable (a crash loses nothing); a wipe empties
/// the rows and the processed ids.
#[derive(Clone, Debug, Default)]
pub struct Db {
    pub rows: BTreeMap<DeliveryId, (Kind, u32)>,
    pub processed: BTreeSet<EventId>,
    /// Direct-write channels: per writer, (epoch, next expected write).
    pub chan_expected: BTreeMap<NodeId, (u32, u64)>,
    /// serial_async at db1: channels to the other replicas (its replication log).
    pub forward: Vec<Chan>,
    pub starts: u32,
    /// Counters for the page.
    pub applied: u64,
    pub skipped: u64,
}

impl Db {
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

    /// A direct write from `from`: applied when it is the next one expected on its channel.
    fn on_write(&mut self, from: NodeId, epoch: u32, chan_seq: u64, payload: Payload, ctx: &mut Ctx) {
        let me = ctx.node;
        let e = self.chan_expected.entry(from).or_insert((epoch, 0));
        if epoch > e.0 {
            *e = (epoch, 0);
        }
        if epoch < e.0 {
            return;
        }
        if chan_seq == e.1 {
            e.1 += 1;
            // Direct writes are never duplicated by the channel; apply with the idempotent
            // table so a rewrite after a writer restart is recognised.
            if let Some(op) = self.apply(me, payload, ctx.cfg.idempotent_consumer) {
                ctx.record(op);
            }
            if ctx.cfg.write_mode == WriteMode::SerialAsync && ctx.topo.dbs.first() == Some(&me) {
                if self.forward.is_empty() {
                    self.forward = ctx.topo.dbs.iter().skip(1).map(|&d| Chan::new(d, self.starts)).collect();
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
}

impl Node for Db {
    type Timer = DbTimer;

    fn start(&mut self, ctx: &mut Ctx) {
        self.starts += 1;
        ctx.timer(timing::CHAN_RETRANSMIT, DbTimer::Retransmit);
    }

    fn on_timer(&mut self, timer: DbTimer, ctx: &mut Ctx) {
        match timer {
            DbTimer::Retransmit => {
                for c in self.forward.iter_mut() {
                    c.retransmit(ctx);
                }
                ctx.timer(timing::CHAN_RETRANSMIT, DbTimer::Retransmit);
            }
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::ReadReq { rid, delivery } => {
                let row = self.rows.get(&delivery).copied();
                ctx.send(from, Msg::ReadResp { rid, version: row.map(|r| r.1).unwrap_or(0), status: row.map(|r| r.0) });
            }
            Msg::DbWrite { epoch, chan_seq, payload } => self.on_write(from, epoch, chan_seq, payload, ctx),
            Msg::DbWriteAck { epoch, chan_seq } => {
                if let Some(c) = self.forward.iter_mut().find(|c| c.to == from) {
                    c.on_ack(epoch, chan_seq, ctx.now);
                }
            }
            _ => {}
        }
    }

    /// A database loses nothing in a crash (its process restarts over the same files).
    fn crash(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::*;

    fn ev(event: u64, seq: u32) -> Payload {
        Payload::Event { event, delivery: 3, kind: Kind::Created, seq }
    }

    // The idempotent consumer skips an event id it has applied; without it the row is written
    // again (a duplicate apply).
    #[test]
    fn idempotent_apply_skips_seen_ids() {
        let mut db = Db::default();
        assert!(matches!(db.apply(9, ev(1, 1), true), Some(Op::Apply { .. })));
        assert!(matches!(db.apply(9, ev(1, 1), true), Some(Op::Skip { .. })));
        assert_eq!((db.applied, db.skipped), (1, 1));
        assert!(matches!(db.apply(9, ev(1, 1), false), Some(Op::Apply { .. })));
    }

    // The row takes the last applied event, whatever its version: an old event applied late
    // moves the row back (what the checker calls out of order).
    #[test]
    fn last_write_wins() {
        let mut db = Db::default();
        db.apply(9, ev(2, 2), false);
        db.apply(9, ev(1, 1), false);
        assert_eq!(db.rows[&3], (Kind::Created, 1));
    }

    // A channel write out of sequence is not applied; the ack names the last write in order.
    #[test]
    fn channel_writes_apply_in_order_only() {
        let mut h = Harness::new();
        h.node = h.topo.dbs[0];
        let mut db = Db::default();
        h.run(|ctx| db.on_message(0, Msg::DbWrite { epoch: 1, chan_seq: 1, payload: ev(2, 2) }, ctx));
        assert!(db.rows.is_empty(), "write 1 waits for write 0");
        h.run(|ctx| db.on_message(0, Msg::DbWrite { epoch: 1, chan_seq: 0, payload: ev(1, 1) }, ctx));
        assert_eq!(db.rows[&3], (Kind::Created, 1));
        assert_eq!(h.sent().last().map(|s| s.1.clone()), Some(Msg::DbWriteAck { epoch: 1, chan_seq: 0 }));
    }

    // A wipe empties the rows and the processed ids, so a replayed event applies again.
    #[test]
    fn wipe_forgets_processed_ids() {
        let mut db = Db::default();
        db.apply(9, ev(1, 1), true);
        db.wipe();
        assert!(db.rows.is_empty());
        assert!(matches!(db.apply(9, ev(1, 1), true), Some(Op::Apply { .. })));
    }
}
