//! The engine: virtual clock, event queue, network, node lifecycle and the one PRNG.
//!
//! Nodes are state machines (`on_message`, `on_timer`) that push [`Effect`]s into a [`Ctx`];
//! the engine owns everything else. Time is integer µs; the queue is ordered by (time, seq)
//! so ties are broken by insertion order; every random draw comes from `Sim::rng`.

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap, VecDeque};

use super::command::CrashPoint;
use super::config::Config;
use super::domain::Kind;
use super::history::{DeliveryId, NodeId, Op};
use super::msg::{Msg, PartIdx, Payload};
use super::rng::Prng;

/// Virtual time in µs.
pub type Time = u64;
/// One virtual millisecond in µs.
pub const MS: Time = 1_000;

/// Model timings. Kafka's defaults are seconds; the model scales them down so a reader sees a
/// failover within a second or two of virtual time. Ratios between them follow Kafka's
/// defaults (heartbeat ≈ 1/3 of … session timeout, request timeout ≫ latency).
pub mod timing {
    use super::{Time, MS};
    /// Broker → controller heartbeat (KRaft `broker.heartbeat.interval.ms`, default 2 s).
    pub const BROKER_HEARTBEAT: Time = 100 * MS;
    /// Controller fences a broker whose heartbeats stop for this long
    /// (`broker.session.timeout.ms`, default 9 s).
    pub const BROKER_SESSION: Time = 600 * MS;
    /// Controller's own check period.
    pub const CONTROLLER_TICK: Time = 50 * MS;
    /// A follower that has not caught up for this long leaves the ISR
    /// (`replica.lag.time.max.ms`, default 30 s).
    pub const REPLICA_LAG_MAX: Time = 1_000 * MS;
    /// Follower fetch period when it is caught up.
    pub const FOLLOWER_IDLE_FETCH: Time = 10 * MS;
    /// A fetch with no answer after this long is re-sent.
    pub const FETCH_TIMEOUT: Time = 300 * MS;
    /// Producer `request.timeout.ms` (default 30 s).
    pub const REQUEST_TIMEOUT: Time = 500 * MS;
    /// Producer `retry.backoff.ms` (default 100 ms).
    pub const RETRY_BACKOFF: Time = 50 * MS;
    /// Producer `delivery.timeout.ms` for the service's own producer in dual write
    /// (default 120 s): after it, the record is given up.
    pub const DELIVERY_TIMEOUT: Time = 5_000 * MS;
    /// Consumer `heartbeat.interval.ms` (default 3 s).
    pub const CONSUMER_HEARTBEAT: Time = 100 * MS;
    /// Consumer `session.timeout.ms` (default 45 s).
    pub const CONSUMER_SESSION: Time = 600 * MS;
    /// Consumer fetch period when nothing arrived (`fetch.max.wait.ms` stands in).
    pub const CONSUMER_IDLE_FETCH: Time = 10 * MS;
    /// Relay binlog poll period when idle.
    pub const RELAY_POLL: Time = 10 * MS;
    /// Relay offset flush (`offset.flush.interval.ms`, default 60 s).
    pub const RELAY_FLUSH: Time = 1_000 * MS;
    /// Direct replica writes: retransmit unacknowledged writes after this long.
    pub const CHAN_RETRANSMIT: Time = 200 * MS;
    /// Client read timeout: after it a read that lacks answers is refused.
    pub const READ_TIMEOUT: Time = 200 * MS;
    /// Metadata refresh: at most one request in flight, re-asked after this long.
    pub const METADATA_RETRY: Time = 100 * MS;
}

/// A timer a node sets for itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Periodic heartbeat (broker → controller, consumer → coordinator).
    Heartbeat,
    /// Controller's periodic liveness / session check.
    ControllerTick,
    /// Leader's ISR check for one partition.
    IsrCheck,
    /// Follower or consumer fetch loop for one partition.
    Fetch(PartIdx),
    /// A produce request got no answer in time.
    ProduceTimeout(u64),
    /// Backoff over: the producer may send queued records of this partition.
    ProduceRetry(PartIdx),
    /// Relay: poll the binlog.
    Poll,
    /// Relay or consumer: the CPU work on the current record is done.
    Work,
    /// Relay: save the source position.
    Flush,
    /// Retransmit unacknowledged direct writes (channel index).
    Retransmit(u32),
    /// A client read's deadline.
    ReadTimeout(u64),
    /// Metadata request deadline.
    Metadata,
}

/// Where a consumer puts what it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sink {
    /// Replica database `db{i+1}`.
    Db(u32),
    /// The streams dashboard.
    Dashboard,
    /// Event-bus server `server-{i+1}`.
    Server(u32),
}

/// Something the reader is told about (refusals, elections, rebalances). The page translates.
#[derive(Clone, Debug, PartialEq)]
pub enum NoticeKind {
    /// The service refused an event: (delivery, event, current status).
    Refused { delivery: DeliveryId, kind: Kind, from: Option<Kind> },
    /// The service is down: the writer's request failed.
    AppDown { delivery: DeliveryId, kind: Kind },
    /// The controller elected a leader (partition, broker index, epoch, unclean).
    Elected { part: PartIdx, leader: Option<u32>, epoch: u32, unclean: bool },
    /// The ISR of a partition changed.
    IsrChanged { part: PartIdx, isr: Vec<u32> },
    /// A broker refused an acks=all write: NotEnoughReplicas.
    NotEnoughReplicas { part: PartIdx },
    /// A consumer group rebalanced to a new generation.
    Rebalanced { group: u32, generation: u32 },
    /// A follower truncated its log to the leader's.
    Truncated { part: PartIdx, broker: u32, to: u64, dropped: u64 },
    /// The service gave up a record (dual write, delivery timeout).
    GaveUp { delivery: DeliveryId, kind: Kind },
    /// A `set` was applied.
    Set { key: String },
    /// A read was refused (not enough replicas answered).
    ReadRefused { delivery: DeliveryId },
}

/// A notice with its time and node.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub t_us: Time,
    pub node: NodeId,
    pub kind: NoticeKind,
}

/// What a handler asks the engine to do.
#[derive(Clone, Debug)]
pub enum Effect {
    /// Send a message over the network.
    Send { to: NodeId, msg: Msg },
    /// Fire `timer` at this node after `after` µs (only if the node has not crashed since).
    Timer { after: Time, timer: Timer },
    /// Append a line to the history.
    Record(Op),
    /// A durable write at the consumer's co-located sink (replica row, dashboard store, server
    /// config). The engine applies it in the same instant.
    Apply { sink: Sink, payload: Payload },
    /// The writer of a delivery event got its acknowledgement.
    WriterAck { delivery: DeliveryId, seq: u32, fired_at: Time },
    /// The node reached its armed crash point: crash now.
    CrashSelf,
    /// Tell the reader something.
    Notice(NoticeKind),
    /// Relay lag sample: commit → acknowledged publish, µs.
    RelayLag { shard: u32, lag_us: Time },
}

/// A handler's view of the world: the clock, the settings, the PRNG and an effect sink.
pub struct Ctx<'a> {
    pub now: Time,
    pub node: NodeId,
    pub cfg: &'a Config,
    pub topo: &'a Topology,
    pub rng: &'a mut Prng,
    pub out: &'a mut Vec<Effect>,
    /// Kafka's positive murmur2 hash of each delivery's name (the record key): partition =
    /// hash mod partitions, outbox shard = hash mod shards.
    pub key_hash: &'a [u32],
    /// The crash point armed at this node, if any.
    pub armed: Option<CrashPoint>,
}

impl Ctx<'_> {
    pub fn send(&mut self, to: NodeId, msg: Msg) {
        self.out.push(Effect::Send { to, msg });
    }
    pub fn timer(&mut self, after: Time, timer: Timer) {
        self.out.push(Effect::Timer { after, timer });
    }
    pub fn record(&mut self, op: Op) {
        self.out.push(Effect::Record(op));
    }
    pub fn notice(&mut self, kind: NoticeKind) {
        self.out.push(Effect::Notice(kind));
    }
    /// Crash here if this crash point is armed; returns true when the node must stop.
    pub fn crash_point(&mut self, point: CrashPoint) -> bool {
        if self.armed == Some(point) {
            self.out.push(Effect::CrashSelf);
            self.armed = None;
            true
        } else {
            false
        }
    }
}

/// The role of a node and its index in the typed vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    App,
    Relay(u32),
    Broker(u32),
    Controller,
    Db(u32),
    /// A consumer (replica group member, dashboard or event-bus server).
    Consumer(u32),
    Client,
}

/// The topic a partition belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// `deliveries`: the delivery events, keyed by delivery id.
    Deliveries,
    /// `config`: the event bus's one-partition topic.
    Config,
}

/// A partition's static facts.
#[derive(Clone, Debug)]
pub struct PartInfo {
    pub topic: Topic,
    /// Partition number within its topic (what the history calls `partition`).
    pub number: u32,
    /// Assigned replicas (broker indices); the first is the preferred leader.
    pub replicas: Vec<u32>,
}

/// A consumer group's static facts.
#[derive(Clone, Debug)]
pub struct GroupInfo {
    pub name: String,
    pub topic: Topic,
    /// Member nodes (consumer indices into `Topology::consumers`).
    pub members: Vec<u32>,
}

/// Who is who: node ids by role, partitions, groups.
#[derive(Clone, Debug)]
pub struct Topology {
    pub names: Vec<String>,
    pub roles: Vec<Role>,
    pub app: NodeId,
    pub relays: Vec<NodeId>,
    pub brokers: Vec<NodeId>,
    pub controller: NodeId,
    pub dbs: Vec<NodeId>,
    pub consumers: Vec<NodeId>,
    pub client: NodeId,
    pub dashboard: Option<NodeId>,
    pub servers: Vec<NodeId>,
    pub parts: Vec<PartInfo>,
    /// Partitions of the `deliveries` topic are `0..delivery_parts`.
    pub delivery_parts: u32,
    pub config_part: Option<PartIdx>,
    pub groups: Vec<GroupInfo>,
}

impl Topology {
    /// Builds the topology for a config, naming nodes as the contract says, in a fixed order:
    /// app, relays, brokers, controller, dbs, consumers (by db), dashboard, client, servers.
    pub fn new(cfg: &Config) -> Topology {
        let mut names = Vec::new();
        let mut roles = Vec::new();
        let mut add = |name: String, role: Role| {
            names.push(name);
            roles.push(role);
            (names.len() - 1) as NodeId
        };
        let app = add("app".into(), Role::App);
        let relays = (0..cfg.outbox_shards).map(|i| add(format!("relay-{i}"), Role::Relay(i))).collect();
        let brokers = (0..cfg.brokers).map(|i| add(format!("broker-{}", i + 1), Role::Broker(i))).collect();
        let controller = add("controller".into(), Role::Controller);
        let dbs = (0..cfg.replicas).map(|i| add(format!("db{}", i + 1), Role::Db(i))).collect();
        let mut consumers = Vec::new();
        let mut groups = Vec::new();
        for d in 0..cfg.replicas {
            let mut members = Vec::new();
            for c in 0..cfg.consumers_per_group {
                let idx = consumers.len() as u32;
                consumers.push(add(format!("db{}-c{}", d + 1, c + 1), Role::Consumer(idx)));
                members.push(idx);
            }
            groups.push(GroupInfo { name: format!("db{}", d + 1), topic: Topic::Deliveries, members });
        }
        let dashboard = if cfg.dashboard {
            let idx = consumers.len() as u32;
            let id = add("dashboard".into(), Role::Consumer(idx));
            consumers.push(id);
            groups.push(GroupInfo { name: "dashboard".into(), topic: Topic::Deliveries, members: vec![idx] });
            Some(id)
        } else {
            None
        };
        let client = add("client".into(), Role::Client);
        let mut servers = Vec::new();
        let mut shared = Vec::new();
        for s in 0..cfg.servers {
            let idx = consumers.len() as u32;
            let id = add(format!("server-{}", s + 1), Role::Consumer(idx));
            consumers.push(id);
            servers.push(id);
            match cfg.bus_groups {
                super::config::BusGroups::PerServer => groups.push(GroupInfo {
                    name: format!("server-{}", s + 1),
                    topic: Topic::Config,
                    members: vec![idx],
                }),
                super::config::BusGroups::Shared => shared.push(idx),
            }
        }
        if !shared.is_empty() {
            groups.push(GroupInfo { name: "servers".into(), topic: Topic::Config, members: shared });
        }
        // Replica assignment as Kafka's round-robin placement does it without racks: partition
        // p's replicas are brokers p, p+1, … (mod N), the first being the preferred leader.
        let n = cfg.brokers.max(1);
        let rf = cfg.replication_factor.min(n).max(1);
        let mut parts: Vec<PartInfo> = (0..cfg.partitions)
            .map(|p| PartInfo { topic: Topic::Deliveries, number: p, replicas: (0..rf).map(|i| (p + i) % n).collect() })
            .collect();
        let config_part = if cfg.servers > 0 {
            parts.push(PartInfo { topic: Topic::Config, number: 0, replicas: (0..rf).map(|i| (i + 1) % n).collect() });
            Some((parts.len() - 1) as PartIdx)
        } else {
            None
        };
        Topology {
            names,
            roles,
            app,
            relays,
            brokers,
            controller,
            dbs,
            consumers,
            client,
            dashboard,
            servers,
            parts,
            delivery_parts: cfg.partitions,
            config_part,
            groups,
        }
    }

    /// The node id of a name.
    pub fn node(&self, name: &str) -> Option<NodeId> {
        self.names.iter().position(|n| n == name).map(|i| i as NodeId)
    }

    /// Partitions of a topic, as flat indices.
    pub fn parts_of(&self, topic: Topic) -> impl Iterator<Item = PartIdx> + '_ {
        self.parts.iter().enumerate().filter(move |(_, p)| p.topic == topic).map(|(i, _)| i as PartIdx)
    }
}

/// Liveness of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Up,
    Crashed,
    /// Handles nothing until this time, then what queued.
    Paused {
        until: Time,
    },
}

/// What the engine queues.
#[derive(Clone, Debug)]
pub enum Ev {
    /// A message arrives (`dup`: the network's extra copy of a duplicated message).
    Deliver { from: NodeId, to: NodeId, sent: Time, msg: Msg, dup: bool },
    /// A node's timer fires (ignored if the node's incarnation changed).
    Timer { node: NodeId, incarnation: u32, timer: Timer },
    /// The scenario's command number `i`.
    Command(usize),
    /// A writer fires an event at the service (from a command or the traffic generator).
    Fire { delivery: DeliveryId, kind: Kind },
    /// The traffic generator `i` starts its next delivery.
    Arrival(usize),
    /// A pause ends.
    Resume { node: NodeId },
}

/// A queue entry, ordered by (time, class, seq): at one instant, commands (class 0) run before
/// everything else (class 1), so a command replays at the same point whether it was in the
/// scenario from the start or added live.
#[derive(Clone, Debug)]
pub struct Entry {
    pub at: Time,
    pub class: u8,
    pub seq: u64,
    pub ev: Ev,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.class == other.class && self.seq == other.seq
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed, so `BinaryHeap` pops the earliest (time, class, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.class, other.seq).cmp(&(self.at, self.class, self.seq))
    }
}

/// The event queue: a binary heap ordered by (time, seq) with its own sequence counter.
#[derive(Default)]
pub struct Queue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl Queue {
    pub fn push(&mut self, at: Time, ev: Ev) {
        self.seq += 1;
        let class = u8::from(!matches!(ev, Ev::Command(_)));
        self.heap.push(Entry { at, class, seq: self.seq, ev });
    }
    pub fn pop(&mut self) -> Option<Entry> {
        self.heap.pop()
    }
    pub fn peek_time(&self) -> Option<Time> {
        self.heap.peek().map(|e| e.at)
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
    /// Every queued entry, in no particular order (the view sorts what it needs).
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.heap.iter()
    }
}

/// Link state between nodes: the set of cut directions and the network parameters.
#[derive(Clone, Debug, Default)]
pub struct Net {
    /// Cut directions (from, to).
    pub cuts: BTreeSet<(NodeId, NodeId)>,
    pub latency_us: Time,
    pub jitter_us: Time,
    pub drop_ppm: u32,
    pub duplicate_ppm: u32,
}

impl Net {
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        !self.cuts.is_empty() && self.cuts.contains(&(from, to))
    }
}

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

/// A bounded ring of recent items (for the page), so a long run does not grow memory.
#[derive(Clone, Debug)]
pub struct Ring<T> {
    pub items: VecDeque<T>,
    pub cap: usize,
}

impl<T> Ring<T> {
    pub fn new(cap: usize) -> Self {
        Ring { items: VecDeque::with_capacity(cap.min(64)), cap }
    }
    pub fn push(&mut self, t: T) {
        if self.items.len() == self.cap {
            self.items.pop_front();
        }
        self.items.push_back(t);
    }
}

/// The trace hash: a word-at-a-time multiplicative mix (FxHash's step) over every processed
/// event and history line. Portable and cheap; not cryptographic.
#[derive(Clone, Copy, Debug)]
pub struct TraceHash(pub u64);

impl TraceHash {
    pub fn new() -> Self {
        TraceHash(0xcbf2_9ce4_8422_2325)
    }
    #[inline]
    pub fn mix(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

impl Default for TraceHash {
    fn default() -> Self {
        Self::new()
    }
}
