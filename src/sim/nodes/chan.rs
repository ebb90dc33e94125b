//! An ordered, acknowledged channel for direct replica writes (stateright's ordered reliable
//! link): numbered writes, cumulative acknowledgements, go-back-N retransmission. Used by the
//! service (`app` → each replica) and by `db1` forwarding to the other replicas.

use std::collections::VecDeque;

use super::Ctx;
use crate::sim::history::NodeId;
use crate::sim::msg::{Msg, Payload};
use crate::sim::time::{timing, Time};

/// The sending end of a channel. The epoch changes when the writer restarts, so the receiver
/// starts counting again.
#[derive(Clone, Debug)]
pub struct Chan {
    pub to: NodeId,
    pub epoch: u32,
    /// Sequence number of the next write.
    pub next: u64,
    /// Sent and not yet acknowledged, oldest first.
    pub unacked: VecDeque<(u64, Payload)>,
    /// When the channel last made progress (a first write or an acknowledgement).
    pub last_progress: Time,
}

impl Chan {
    /// A channel to `to` for a writer in its `epoch`-th start.
    pub fn new(to: NodeId, epoch: u32) -> Self {
        Chan { to, epoch, next: 0, unacked: VecDeque::new(), last_progress: 0 }
    }

    /// Sends a write.
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
        if !self.unacked.is_empty()
            && ctx.now.saturating_sub(self.last_progress) >= ctx.patient(timing::CHAN_RETRANSMIT)
        {
            for (s, p) in self.unacked.iter().take(64) {
                ctx.send(self.to, Msg::DbWrite { epoch: self.epoch, chan_seq: *s, payload: *p });
            }
            self.last_progress = ctx.now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::*;
    use crate::sim::domain::Kind;

    fn ev(event: u64) -> Payload {
        Payload::Event { event, delivery: 0, kind: Kind::Created, seq: 1 }
    }

    fn seqs(h: &Harness) -> Vec<u64> {
        h.sent()
            .iter()
            .filter_map(|(_, m)| if let Msg::DbWrite { chan_seq, .. } = m { Some(*chan_seq) } else { None })
            .collect()
    }

    // Writes are numbered in order and a cumulative ack releases every write up to it.
    #[test]
    fn cumulative_ack_releases_in_order() {
        let mut h = Harness::new();
        let mut c = Chan::new(5, 1);
        for e in 1..=3 {
            h.run(|ctx| c.push(ev(e), ctx));
        }
        assert_eq!(seqs(&h), vec![0, 1, 2]);
        let done = c.on_ack(1, 1, 10);
        assert_eq!(done, vec![ev(1), ev(2)]);
        assert_eq!(c.unacked.len(), 1);
    }

    // An ack from an older epoch (before the writer restarted) releases nothing.
    #[test]
    fn stale_epoch_ack_is_ignored() {
        let mut h = Harness::new();
        let mut c = Chan::new(5, 2);
        h.run(|ctx| c.push(ev(1), ctx));
        assert!(c.on_ack(1, 0, 10).is_empty());
        assert_eq!(c.unacked.len(), 1);
    }

    // With no progress for CHAN_RETRANSMIT, every unacknowledged write is sent again, in order.
    #[test]
    fn retransmits_unacked_after_timeout() {
        let mut h = Harness::new();
        let mut c = Chan::new(5, 1);
        h.run(|ctx| c.push(ev(1), ctx));
        h.run(|ctx| c.push(ev(2), ctx));
        h.clear();
        h.now = timing::CHAN_RETRANSMIT - 1;
        h.run(|ctx| c.retransmit(ctx));
        assert!(seqs(&h).is_empty(), "too early to retransmit");
        h.now = timing::CHAN_RETRANSMIT;
        h.run(|ctx| c.retransmit(ctx));
        assert_eq!(seqs(&h), vec![0, 1]);
    }
}
