//! A Kafka client's view of who leads each partition, shared by the producer and the consumer
//! (the Java client's `Metadata` with `NetworkClient.DefaultMetadataUpdater`).
//!
//! Rules, with what they follow:
//! - Metadata comes from the brokers, any of them: `bootstrap.servers` is "a list of host/port
//!   pairs used to establish the initial connection … Clients use this list to bootstrap and
//!   discover the full set of Kafka brokers". A broker answers from its own metadata cache.
//!   KRaft controllers are not client-facing, so a client never asks `controller`.
//! - One metadata request in flight (`DefaultMetadataUpdater.inProgress`); its answer is matched
//!   by correlation id, so a late or duplicated answer changes nothing.
//! - A request unanswered after `request.timeout.ms` fails, and the next request goes to another
//!   broker: `leastLoadedNode` skips a node the client cannot reach. Each request goes to the
//!   next broker in turn (the Java client starts its search at a random node each time), so a
//!   broker with a lagging cache cannot hold a client back.
//! - An update is requested when a request to a broker times out or its connection fails
//!   (`handleServerDisconnect`: "The disconnect may be the result of stale metadata, so request
//!   an update"), when a broker answers NOT_LEADER_OR_FOLLOWER (the producer's `Sender` and the
//!   consumer's fetcher call `metadata.requestUpdate()`), and at least every
//!   `metadata.max.age.ms` ("after which we force a refresh of metadata even if we haven't seen
//!   any partition leadership changes").
//! - At most one request per `retry.backoff.ms` (`Metadata.timeToNextUpdate`).
//! - A partition's metadata with an older leader epoch than the one cached is ignored
//!   (`Metadata.updateLatestMetadata`, KIP-320): an old answer cannot bring back an old leader.

use super::{Ctx, Timer};
use crate::sim::history::NodeId;
use crate::sim::msg::{Msg, PartIdx, PartLeader};
use crate::sim::time::{timing, Time};

/// Tags a metadata timer (carrying its token) as its owner's timer.
pub type Wrap<'a> = &'a dyn Fn(u64) -> Timer;

/// A client's metadata and its one metadata request.
#[derive(Clone, Debug, Default)]
pub struct MetaClient {
    /// Leader and leader epoch per partition, as last learned.
    pub leaders: Vec<PartLeader>,
    /// The request in flight: its correlation id and the broker (index) asked.
    inflight: Option<(u64, usize)>,
    next_id: u64,
    /// Index of the broker asked last.
    turn: usize,
    /// Per broker index: until when it is skipped, after it left a request unanswered.
    silent_until: Vec<Time>,
    /// When the last request was sent (the backoff counts from it).
    last_sent: Option<Time>,
    /// Token of the one timer that may act; a timer carrying another token is stale.
    token: u64,
    /// When that timer fires.
    deadline: Time,
}

impl MetaClient {
    /// A client that knows nothing yet about `parts` partitions.
    pub fn new(parts: usize) -> Self {
        MetaClient { leaders: vec![PartLeader { leader: None, epoch: 0 }; parts], ..Default::default() }
    }

    /// The leader of `part` as last learned.
    pub fn leader(&self, part: PartIdx) -> Option<NodeId> {
        self.leaders.get(part as usize).and_then(|l| l.leader)
    }

    /// Forgets the leader of `part` (it did not answer, or said it does not lead): the client
    /// sends nothing to the partition until metadata names a leader again. The epoch is kept,
    /// so the same leader is accepted again only if no newer one is known.
    pub fn forget(&mut self, part: PartIdx) {
        if let Some(l) = self.leaders.get_mut(part as usize) {
            l.leader = None;
        }
    }

    /// Asks for fresh metadata: now, or when the backoff since the last request is over. A
    /// request already in flight will answer (or time out) instead.
    pub fn request_update(&mut self, ctx: &mut Ctx, wrap: Wrap) {
        if self.inflight.is_some() {
            return;
        }
        let ready_at = self.last_sent.map_or(0, |t| t + timing::METADATA_RETRY);
        if ctx.now >= ready_at {
            self.send(ctx, wrap);
        } else if !(ctx.now..=ready_at).contains(&self.deadline) {
            self.arm(ready_at - ctx.now, ctx, wrap); // unless the live timer fires by then
        }
    }

    /// A metadata timer fired: the request in flight timed out (ask another broker), or the
    /// backoff or `metadata.max.age.ms` is over (ask now). A stale timer does nothing.
    pub fn on_timer(&mut self, token: u64, ctx: &mut Ctx, wrap: Wrap) {
        if token != self.token {
            return;
        }
        if let Some((_, b)) = self.inflight.take() {
            self.silent_until[b] = ctx.now + timing::METADATA_MAX_AGE;
        }
        self.send(ctx, wrap);
    }

    /// The connection to `broker` (a node) ended: a request in flight to it failed
    /// (`handleServerDisconnect` treats it as a failed update) and a new one goes out after the
    /// backoff. A broker that `refused` the connection is down: the next requests go to the
    /// other brokers; a connection merely lost on the way may be tried again.
    pub fn on_disconnect(&mut self, broker: NodeId, refused: bool, ctx: &mut Ctx, wrap: Wrap) {
        let Some((_, b)) = self.inflight else { return };
        if ctx.topo.brokers[b] == broker {
            self.inflight = None;
            if refused {
                self.silent_until[b] = ctx.now + timing::METADATA_MAX_AGE;
            }
            self.request_update(ctx, wrap);
        }
    }

    /// A metadata response: merged partition by partition when it is the answer to the request
    /// in flight. Returns whether it was (a stale or duplicated answer returns false).
    pub fn on_response(&mut self, id: u64, leaders: &[PartLeader], ctx: &mut Ctx, wrap: Wrap) -> bool {
        match self.inflight {
            Some((want, _)) if want == id => {}
            _ => return false,
        }
        self.inflight = None;
        for (mine, new) in self.leaders.iter_mut().zip(leaders) {
            if new.epoch >= mine.epoch {
                *mine = *new;
            }
        }
        self.arm(timing::METADATA_MAX_AGE, ctx, wrap);
        true
    }

    /// Sends a metadata request to the next broker in turn that has not been silent lately
    /// (or simply the next one when all have).
    fn send(&mut self, ctx: &mut Ctx, wrap: Wrap) {
        let n = ctx.topo.brokers.len();
        self.silent_until.resize(n, 0);
        let pick = (1..=n).map(|k| (self.turn + k) % n).find(|&b| self.silent_until[b] <= ctx.now);
        self.turn = pick.unwrap_or((self.turn + 1) % n);
        self.next_id += 1;
        self.inflight = Some((self.next_id, self.turn));
        self.last_sent = Some(ctx.now);
        ctx.send(ctx.topo.brokers[self.turn], Msg::MetadataReq { id: self.next_id });
        self.arm(ctx.patient(timing::REQUEST_TIMEOUT), ctx, wrap);
    }

    /// Sets the one live metadata timer, `after` µs from now; any earlier one goes stale.
    fn arm(&mut self, after: Time, ctx: &mut Ctx, wrap: Wrap) {
        self.token += 1;
        self.deadline = ctx.now + after;
        ctx.timer(after, wrap(self.token));
    }
}

#[cfg(test)]
mod tests {
    use super::super::consumer::ConsumerTimer;
    use super::super::testing::Harness;
    use super::*;

    fn wrap(t: u64) -> Timer {
        Timer::Consumer(ConsumerTimer::Metadata(t))
    }

    /// Metadata requests sent so far: (broker node, correlation id).
    fn asked(h: &Harness) -> Vec<(NodeId, u64)> {
        h.sent()
            .iter()
            .filter_map(|(to, m)| if let Msg::MetadataReq { id } = m { Some((*to, *id)) } else { None })
            .collect()
    }

    /// The token of the newest metadata timer set.
    fn last_token(h: &Harness) -> u64 {
        h.timers()
            .iter()
            .rev()
            .find_map(|(_, t)| if let Timer::Consumer(ConsumerTimer::Metadata(k)) = t { Some(*k) } else { None })
            .expect("a metadata timer")
    }

    // bootstrap.servers: metadata comes from the brokers, never from the controller; a broker that
    // leaves a request unanswered for request.timeout.ms is skipped by the next request.
    #[test]
    fn metadata_comes_from_brokers_and_skips_a_silent_one() {
        let mut h = Harness::new();
        let mut m = MetaClient::new(h.topo.parts.len());
        h.run(|ctx| m.request_update(ctx, &wrap));
        let first = asked(&h);
        assert_eq!(first.len(), 1);
        assert!(h.topo.brokers.contains(&first[0].0));
        h.now = timing::REQUEST_TIMEOUT;
        let token = last_token(&h);
        h.run(|ctx| m.on_timer(token, ctx, &wrap));
        let second = asked(&h)[1];
        assert_ne!(second.0, first[0].0, "the silent broker is skipped");
        let b = h.topo.brokers[0];
        let leaders = vec![PartLeader { leader: Some(b), epoch: 2 }; h.topo.parts.len()];
        assert!(!h.run(|ctx| m.on_response(first[0].1, &leaders, ctx, &wrap)), "a late answer is dropped");
        assert!(h.run(|ctx| m.on_response(second.1, &leaders, ctx, &wrap)));
        assert!(!h.run(|ctx| m.on_response(second.1, &leaders, ctx, &wrap)), "a duplicate is dropped");
        assert_eq!(m.leader(0), Some(b));
    }

    // metadata.max.age.ms: with nothing going wrong the client still refreshes, once per age, and
    // an older leader epoch never replaces a newer one.
    #[test]
    fn metadata_refreshes_every_max_age_and_keeps_the_newest_epoch() {
        let mut h = Harness::new();
        let mut m = MetaClient::new(h.topo.parts.len());
        h.run(|ctx| m.request_update(ctx, &wrap));
        let (b1, b2) = (h.topo.brokers[1], h.topo.brokers[2]);
        let new = vec![PartLeader { leader: Some(b2), epoch: 3 }; h.topo.parts.len()];
        let id = asked(&h)[0].1;
        h.run(|ctx| m.on_response(id, &new, ctx, &wrap));
        let age = h.timers().last().expect("the max-age timer").0;
        assert_eq!(age, timing::METADATA_MAX_AGE);
        h.now = age;
        let token = last_token(&h);
        h.run(|ctx| m.on_timer(token, ctx, &wrap));
        assert_eq!(asked(&h).len(), 2, "refreshed at max age");
        let old = vec![PartLeader { leader: Some(b1), epoch: 2 }; h.topo.parts.len()];
        let id = asked(&h)[1].1;
        h.run(|ctx| m.on_response(id, &old, ctx, &wrap));
        assert_eq!(m.leader(0), Some(b2), "an older epoch is ignored");
        h.run(|ctx| m.on_timer(token, ctx, &wrap));
        assert_eq!(asked(&h).len(), 2, "a stale timer does nothing");
    }
}
