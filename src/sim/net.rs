//! The network: which links are cut, when a message sent now arrives, and what is lost.
//!
//! Its settings (latency, jitter, drop and duplicate rates) are read from the config at each
//! send, so a `net` or `set` command changes them in one place: the config. Links are FIFO,
//! as Kafka's and the databases' TCP connections are: jitter delays a message but never lets
//! it overtake an earlier one on the same link.
//!
//! A random drop of a Kafka request or response is a broken TCP connection, not a silent gap
//! (TCP itself never loses a byte quietly): everything still on that connection is lost with it,
//! and the requesting end learns it, fails the requests in flight on that connection and retries
//! them after its backoff ([`connection_loss`], [`Net::lost_with_connection`]). Other
//! messages (heartbeats, ISR changes, binlog reads, replica writes) are simply lost: their
//! senders re-send on a period or a timeout. A cut link loses everything silently: nothing
//! comes back to tell the sender, so its requests time out.

use std::collections::{BTreeMap, BTreeSet};

use super::config::Config;
use super::domain::Kind;
use super::history::NodeId;
use super::msg::Msg;
use super::rng::{ppm_from_f64, Prng};
use super::time::{Time, MS};

/// A message that was lost on the way (for the page to show it fading out).
#[derive(Clone, Debug, PartialEq)]
pub struct Dropped {
    pub from: NodeId,
    pub to: NodeId,
    pub at: Time,
    pub label: &'static str,
    pub kind: Option<Kind>,
    /// Why: a cut link, a random drop, or a crashed receiver.
    pub why: DropWhy,
}

/// Why a message was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropWhy {
    Cut,
    Random,
    Crashed,
}

/// What becomes of a message sent now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Lost, and why.
    Lost(DropWhy),
    /// Arrives at `at`; the network duplicates it when `dup_at` is set (the copy arrives then).
    Arrives { at: Time, dup_at: Option<Time> },
}

/// Link state between nodes.
#[derive(Clone, Debug, Default)]
pub struct Net {
    /// Cut directions (from, to).
    cuts: BTreeSet<(NodeId, NodeId)>,
    /// Arrival time of the last message per directed link (from * n + to).
    link_last: Vec<Time>,
    nodes: usize,
    /// The last break of each Kafka connection (requesting end, broker): when it broke and when
    /// the requesting end learns it. What was sent on it before the requesting end learns it,
    /// and arrives after it broke, is lost with it; later messages use a new connection.
    broken: BTreeMap<(NodeId, NodeId), (Time, Time)>,
}

impl Net {
    /// A healthy network between `nodes` nodes.
    pub fn new(nodes: usize) -> Self {
        Net { cuts: BTreeSet::new(), link_last: vec![0; nodes * nodes], nodes, broken: BTreeMap::new() }
    }

    /// Whether the direction `from` → `to` is cut.
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        !self.cuts.is_empty() && self.cuts.contains(&(from, to))
    }

    /// Cut directions, in order.
    pub fn cuts(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cuts.iter().copied()
    }

    /// Cuts `a` → `b`, and `b` → `a` unless `oneway`.
    pub fn cut(&mut self, a: NodeId, b: NodeId, oneway: bool) {
        self.cuts.insert((a, b));
        if !oneway {
            self.cuts.insert((b, a));
        }
    }

    /// Repairs both directions between `a` and `b`.
    pub fn repair(&mut self, a: NodeId, b: NodeId) {
        self.cuts.remove(&(a, b));
        self.cuts.remove(&(b, a));
    }

    /// Repairs every link.
    pub fn repair_all(&mut self) {
        self.cuts.clear();
    }

    /// Breaks a connection at `now` (a message on it was lost); false when it is already broken
    /// and its requesting end not told yet (the loss is part of the same break).
    pub fn break_connection(&mut self, loss: ConnectionLoss, now: Time) -> bool {
        let pair = (loss.client, loss.broker);
        if self.broken.get(&pair).is_some_and(|&(_, told)| now < told) {
            return false;
        }
        self.broken.insert(pair, (now, loss.at));
        true
    }

    /// Whether `msg`, sent at `sent` over `from` → `to` and arriving at `now`, was on a Kafka
    /// connection that broke before it arrived (TCP delivers in order or not at all: a message
    /// behind a lost one on the same connection is lost too).
    pub fn lost_with_connection(&self, msg: &Msg, from: NodeId, to: NodeId, sent: Time, now: Time) -> bool {
        let Some(pair) = msg.connection(from, to) else { return false };
        self.broken.get(&pair).is_some_and(|&(since, told)| sent < told && now >= since)
    }

    /// The fate of a message sent at `now` over `from` → `to`, whose ends add `distance_us`
    /// of one-way latency: a cut or a random drop loses it; latency plus jitter delays it; a
    /// duplicate arrives a little later. The draws, in this order, come from `rng`.
    pub fn route(
        &mut self,
        cfg: &Config,
        rng: &mut Prng,
        now: Time,
        from: NodeId,
        to: NodeId,
        distance_us: Time,
    ) -> Fate {
        if self.is_cut(from, to) {
            return Fate::Lost(DropWhy::Cut);
        }
        let net = &cfg.network;
        if rng.chance_ppm(ppm_from_f64(net.drop)) {
            return Fate::Lost(DropWhy::Random);
        }
        let (latency_us, jitter_us) = (net.latency_ms * MS, net.jitter_ms * MS);
        let jitter = if jitter_us > 0 { rng.between(0, jitter_us) } else { 0 };
        let link = from as usize * self.nodes + to as usize;
        let at = (now + latency_us + distance_us + jitter).max(self.link_last[link]);
        self.link_last[link] = at;
        let dup_at = if rng.chance_ppm(ppm_from_f64(net.duplicate)) {
            Some(at + rng.between(0, jitter_us + latency_us))
        } else {
            None
        };
        Fate::Arrives { at, dup_at }
    }
}

/// A Kafka connection broken by a lost message: who learns it and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLoss {
    /// The requesting end (producer, consumer or follower), which learns it.
    pub client: NodeId,
    /// The broker at the other end.
    pub broker: NodeId,
    /// When the requesting end learns it, µs.
    pub at: Time,
}

/// The connection `msg` travelled on, if it is a Kafka connection (see
/// [`Msg::connection`]), broken by its loss at `now`. The requesting end learns it one round
/// trip of the link after the loss (`distance_us` is the link's extra one-way latency): the
/// earliest it can miss the acknowledgement its TCP stack waits for. That is much sooner than
/// `request.timeout.ms`, and the reason a lossy network slows Kafka clients down without
/// stopping them.
pub fn connection_loss(
    cfg: &Config,
    msg: &Msg,
    from: NodeId,
    to: NodeId,
    distance_us: Time,
    now: Time,
) -> Option<ConnectionLoss> {
    let (client, broker) = msg.connection(from, to)?;
    let round_trip = 2 * ((cfg.network.latency_ms + cfg.network.jitter_ms) * MS + distance_us);
    Some(ConnectionLoss { client, broker, at: now + round_trip })
}

#[cfg(test)]
mod tests {
    use super::*;

    // A link is FIFO: a message sent later never arrives before an earlier one, even with jitter.
    #[test]
    fn links_are_fifo_under_jitter() {
        let mut cfg = Config::default();
        cfg.network.latency_ms = 5;
        cfg.network.jitter_ms = 50;
        let mut net = Net::new(2);
        let mut rng = Prng::new(7);
        let mut last = 0;
        for now in 0..200 {
            let Fate::Arrives { at, .. } = net.route(&cfg, &mut rng, now, 0, 1, 0) else {
                panic!("no drops configured")
            };
            assert!(at >= last && at >= now + 5 * MS);
            last = at;
        }
    }

    // A cut direction loses messages one way only; repair restores it.
    #[test]
    fn oneway_cut_and_repair() {
        let cfg = Config::default();
        let mut net = Net::new(2);
        let mut rng = Prng::new(7);
        net.cut(0, 1, true);
        assert_eq!(net.route(&cfg, &mut rng, 0, 0, 1, 0), Fate::Lost(DropWhy::Cut));
        assert!(matches!(net.route(&cfg, &mut rng, 0, 1, 0, 0), Fate::Arrives { .. }));
        net.repair(0, 1);
        assert!(!net.is_cut(0, 1));
    }

    // The settings are the config's: a drop rate of 1 set in the config loses every message.
    #[test]
    fn settings_come_from_the_config() {
        let mut cfg = Config::default();
        let mut net = Net::new(2);
        let mut rng = Prng::new(7);
        cfg.network.drop = 1.0;
        assert_eq!(net.route(&cfg, &mut rng, 0, 0, 1, 0), Fate::Lost(DropWhy::Random));
    }

    // A lost produce request breaks the producer's connection to the broker: the producer learns
    // it one round trip later; what was sent on the connection before then and arrives after
    // the break is lost with it (TCP delivers in order or not at all); what is sent after is
    // on a new connection. A second loss before the producer learns it is the same break.
    #[test]
    fn a_lost_request_breaks_its_connection() {
        let cfg = Config::default();
        let mut net = Net::new(3);
        let req = Msg::MetadataReq { id: 1 };
        let resp = Msg::MetadataResp { id: 1, leaders: Vec::new() };
        let loss = connection_loss(&cfg, &req, 0, 1, 0, 1_000).expect("a Kafka connection");
        assert_eq!((loss.client, loss.broker, loss.at), (0, 1, 1_000 + 2 * 7 * MS), "one round trip at 5 + 2 ms");
        assert!(net.break_connection(loss, 1_000));
        assert!(!net.break_connection(loss, 2_000), "same break until the client learns it");
        assert!(net.lost_with_connection(&resp, 1, 0, 900, 5_000), "an answer behind the loss is lost too");
        assert!(!net.lost_with_connection(&resp, 1, 0, 900, 950), "arrived before the break");
        assert!(!net.lost_with_connection(&resp, 1, 0, loss.at, loss.at + 5_000), "a new connection");
        assert!(!net.lost_with_connection(&req, 0, 2, 900, 5_000), "another broker's connection");
        assert_eq!(connection_loss(&cfg, &Msg::BinlogRead { shard: 0, from: 0, max: 1 }, 0, 1, 0, 0), None);
    }
}
