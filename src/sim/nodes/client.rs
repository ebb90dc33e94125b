//! The `client` that reads the replicas: `one` asks one replica, `quorum` a majority, `all`
//! every replica; the answer is the newest version among the answers. A read that lacks
//! answers at its deadline is refused rather than guessed (the CP side).

use std::collections::BTreeMap;

use super::{Ctx, Node, NoticeKind};
use crate::sim::config::ReadMode;
use crate::sim::history::{DeliveryId, NodeId, Op};
use crate::sim::msg::Msg;
use crate::sim::time::{timing, Time};

/// The client's timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientTimer {
    /// A read's deadline.
    ReadTimeout(u64),
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
        ctx.timer(ctx.patient(timing::READ_TIMEOUT), ClientTimer::ReadTimeout(rid));
        self.reads.insert(rid, PendingRead { delivery, need, asked, answers: Vec::new(), latest, started: ctx.now });
    }
}

impl Node for Client {
    type Timer = ClientTimer;

    /// The client keeps no state a start must set up.
    fn start(&mut self, _ctx: &mut Ctx) {}

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
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

    fn on_timer(&mut self, timer: ClientTimer, ctx: &mut Ctx) {
        let ClientTimer::ReadTimeout(rid) = timer;
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

    fn crash(&mut self) {
        self.reads.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::*;
    use crate::sim::config::Config;

    fn harness() -> Harness {
        let mut h = Harness::with(Config { replicas: 3, ..Default::default() });
        h.node = h.topo.client;
        h
    }

    /// The read lines recorded so far: (version, refused).
    fn reads(h: &Harness) -> Vec<(u32, bool)> {
        h.records()
            .iter()
            .filter_map(|op| if let Op::Read { version, refused, .. } = op { Some((*version, *refused)) } else { None })
            .collect()
    }

    // A quorum read asks every replica and answers with the newest version once a majority
    // answered; a late answer changes nothing.
    #[test]
    fn quorum_read_takes_newest_of_majority() {
        let mut h = harness();
        let mut c = Client::default();
        h.run(|ctx| c.read(0, ReadMode::Quorum, None, 2, ctx));
        let dbs = h.topo.dbs.clone();
        assert_eq!(h.sent().len(), 3);
        h.run(|ctx| c.on_message(dbs[0], Msg::ReadResp { rid: 1, version: 1, status: None }, ctx));
        assert!(reads(&h).is_empty(), "one of three is no quorum");
        h.run(|ctx| c.on_message(dbs[1], Msg::ReadResp { rid: 1, version: 2, status: None }, ctx));
        h.run(|ctx| c.on_message(dbs[2], Msg::ReadResp { rid: 1, version: 0, status: None }, ctx));
        assert_eq!(reads(&h), vec![(2, false)]);
    }

    // A `one` read pinned to a replica asks only that replica.
    #[test]
    fn one_read_asks_the_pinned_replica() {
        let mut h = harness();
        let mut c = Client::default();
        let db2 = h.topo.dbs[1];
        h.run(|ctx| c.read(0, ReadMode::One, Some(db2), 0, ctx));
        let to: Vec<NodeId> = h.sent().iter().map(|s| s.0).collect();
        assert_eq!(to, vec![db2]);
    }

    // An `all` read that lacks an answer at its deadline is refused, not guessed.
    #[test]
    fn all_read_refused_at_deadline() {
        let mut h = harness();
        let mut c = Client::default();
        h.run(|ctx| c.read(0, ReadMode::All, None, 1, ctx));
        let db1 = h.topo.dbs[0];
        h.run(|ctx| c.on_message(db1, Msg::ReadResp { rid: 1, version: 1, status: None }, ctx));
        h.run(|ctx| c.on_timer(ClientTimer::ReadTimeout(1), ctx));
        assert_eq!(reads(&h), vec![(0, true)]);
        assert_eq!(c.refused, 1);
    }
}
