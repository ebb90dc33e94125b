//! The nodes: one file per kind, each a state machine implementing [`Node`].
//!
//! A handler never does I/O: it reads the clock, the settings and the PRNG from a [`Ctx`] and
//! pushes [`Effect`]s (send, set a timer, record a history line) that the engine applies in
//! order (stateright's actor model). Each kind keeps what survives a crash in a durable part
//! and the rest in a volatile part, so `crash` drops the volatile part and nothing else.
//!
//! # Adding a node kind
//!
//! 1. Write `nodes/<kind>.rs`: the node's type (durable + volatile parts), its timer enum, its
//!    `impl Node`, and unit tests of its rules (the [`testing`] harness feeds it messages).
//! 2. Give it a name: a [`NodeRole`](super::topology::NodeRole) variant with its name and its
//!    place in `node_roles`, and a [`Role`] variant (`Topology::place`).
//! 3. Add one line to the `registry!` below and one arm to [`AnyNode::build`].
//!
//! The engine, the faults (crash, restart, pause) and the view need no change.

pub mod app;
pub mod broker;
pub mod chan;
pub mod client;
pub mod consumer;
pub mod controller;
pub mod dashboard;
pub mod db;
pub mod metadata;
pub mod producer;
pub mod relay;
#[cfg(test)]
pub mod testing;

use super::command::CrashPoint;
use super::config::{Config, WriteMode};
use super::domain::Kind;
use super::history::{DeliveryId, NodeId, Op};
use super::msg::{Msg, PartIdx, Payload};
use super::rng::Prng;
use super::time::Time;
use super::topology::{Role, Topology};

/// One kind of node: a deterministic state machine driven by the engine.
pub trait Node {
    /// This kind's timers (matched exhaustively by `on_timer`).
    type Timer;
    /// The node (re)starts: at boot and after a restart. Durable state is what it had.
    fn start(&mut self, ctx: &mut Ctx);
    /// A message from `from` arrives.
    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx);
    /// A timer this node set fires (never after a crash of the node that set it).
    fn on_timer(&mut self, timer: Self::Timer, ctx: &mut Ctx);
    /// The node crashes: its volatile state is lost, its durable state is kept.
    fn crash(&mut self);
}

/// Lists the node kinds once: generates [`AnyNode`], the engine's [`Timer`] (one variant per
/// kind, wrapping the kind's own timer enum) and the dispatch between them.
macro_rules! registry {
    ($($kind:ident($ty:ty, $timer:ty) $as_ref:ident $as_mut:ident;)*) => {
        /// A node of any kind; the engine keeps one per node id.
        #[derive(Clone, Debug)]
        pub enum AnyNode {
            $($kind($ty),)*
        }

        /// A timer, tagged with the kind of node that set it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Timer {
            $($kind($timer),)*
        }

        $(impl From<$timer> for Timer {
            fn from(t: $timer) -> Timer {
                Timer::$kind(t)
            }
        })*

        impl AnyNode {
            /// See [`Node::start`].
            pub fn start(&mut self, ctx: &mut Ctx) {
                match self {
                    $(AnyNode::$kind(n) => n.start(ctx),)*
                }
            }
            /// See [`Node::on_message`].
            pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
                match self {
                    $(AnyNode::$kind(n) => n.on_message(from, msg, ctx),)*
                }
            }
            /// See [`Node::on_timer`].
            pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx) {
                match (self, timer) {
                    $((AnyNode::$kind(n), Timer::$kind(t)) => n.on_timer(t, ctx),)*
                    (n, t) => unreachable!("timer {t:?} fired at {n:?}: a timer returns to the node that set it"),
                }
            }
            /// See [`Node::crash`].
            pub fn crash(&mut self) {
                match self {
                    $(AnyNode::$kind(n) => n.crash(),)*
                }
            }
            $(
            /// The node as this kind, if it is one.
            pub fn $as_ref(&self) -> Option<&$ty> {
                match self {
                    AnyNode::$kind(n) => Some(n),
                    _ => None,
                }
            }
            /// The node as this kind, if it is one.
            pub fn $as_mut(&mut self) -> Option<&mut $ty> {
                match self {
                    AnyNode::$kind(n) => Some(n),
                    _ => None,
                }
            }
            )*
        }
    };
}

registry! {
    App(app::App, app::AppTimer) as_app as_app_mut;
    Relay(relay::Relay, relay::RelayTimer) as_relay as_relay_mut;
    Broker(broker::Broker, broker::BrokerTimer) as_broker as_broker_mut;
    Controller(controller::Controller, controller::ControllerTimer) as_controller as_controller_mut;
    Db(db::Db, db::DbTimer) as_db as_db_mut;
    Consumer(consumer::Consumer, consumer::ConsumerTimer) as_consumer as_consumer_mut;
    Client(client::Client, client::ClientTimer) as_client as_client_mut;
}

impl AnyNode {
    /// The node with id `id` of a fresh cluster, as the topology places it.
    pub fn build(id: NodeId, cfg: &Config, topo: &Topology) -> AnyNode {
        match topo.roles[id as usize] {
            Role::App => AnyNode::App(app::App::new(cfg.outbox_shards)),
            Role::Relay(i) => AnyNode::Relay(relay::Relay::new(i)),
            Role::Broker(i) => {
                AnyNode::Broker(broker::Broker::new(i, &controller::initial_metadata(topo), cfg.brokers))
            }
            Role::Controller => AnyNode::Controller(controller::Controller::new(topo, cfg.brokers as usize)),
            Role::Db(_) => AnyNode::Db(db::Db::default()),
            Role::Consumer(i) => {
                let direct = cfg.write_mode != WriteMode::ViaBroker;
                AnyNode::Consumer(consumer::Consumer::of_topology(i, topo, direct))
            }
            Role::Client => AnyNode::Client(client::Client::default()),
        }
    }
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
    /// A durable write at replica `dbI` (index `db`), which runs the consumer in its process:
    /// the engine applies it at the replica in the same instant.
    Apply { db: u32, payload: Payload },
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
    /// A timeout of `base` µs, stretched to at least four of this network's slowest round trips.
    /// Kafka's request timeouts (`request.timeout.ms` 30 s, `replica.lag.time.max.ms` 30 s)
    /// dwarf any real round trip; the model's are scaled down (time.rs), so on a slow network (a
    /// reader raising the latency to 200 ms) they stretch with it: a slow network slows the
    /// pipeline, as in Kafka, instead of making every request time out before its answer.
    pub fn patient(&self, base: Time) -> Time {
        base.max(4 * self.cfg.round_trip_max_us())
    }
    /// Sends `msg` to `to` over the network.
    pub fn send(&mut self, to: NodeId, msg: Msg) {
        self.out.push(Effect::Send { to, msg });
    }
    /// Sets a timer of this node, `after` µs from now.
    pub fn timer(&mut self, after: Time, timer: impl Into<Timer>) {
        self.out.push(Effect::Timer { after, timer: timer.into() });
    }
    /// Appends a history line.
    pub fn record(&mut self, op: Op) {
        self.out.push(Effect::Record(op));
    }
    /// Tells the reader something.
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
