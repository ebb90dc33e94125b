//! The engine: virtual clock, event queue, node incarnations, the one PRNG and the trace hash.
//!
//! Nodes are state machines (`nodes/`) that push effects into a `Ctx`; the engine owns the
//! rest. Time is integer µs; the queue is ordered by (time, class, seq) so ties are broken by
//! insertion order; every random draw comes from the engine's PRNG.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::domain::Kind;
use super::history::{DeliveryId, NodeId};
use super::msg::Msg;
use super::rng::Prng;

use super::nodes::Timer;
use super::time::Time;
use super::trace::TraceHash;

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

/// The clock, the queue, the PRNG, the node incarnations and the trace hash of a run. Fields
/// are private: time only moves forward through [`Engine::pop`] and [`Engine::advance_to`].
pub struct Engine {
    now: Time,
    queue: Queue,
    rng: Prng,
    /// Per node, bumped at each crash and restart: a timer set before is stale.
    incarnation: Vec<u32>,
    trace: TraceHash,
    /// Queue entries processed so far.
    events: u64,
}

impl Engine {
    /// An engine at time 0 for `nodes` nodes, its PRNG seeded with `seed`.
    pub fn new(seed: u64, nodes: usize) -> Self {
        Engine {
            now: 0,
            queue: Queue::default(),
            rng: Prng::new(seed),
            incarnation: vec![0; nodes],
            trace: TraceHash::new(),
            events: 0,
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// Queue entries processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Queues `ev` at time `at`.
    pub fn push(&mut self, at: Time, ev: Ev) {
        self.queue.push(at, ev);
    }

    /// Queues a timer of `node` (in its current incarnation) `after` µs from now.
    pub fn push_timer(&mut self, node: NodeId, after: Time, timer: Timer) {
        let incarnation = self.incarnation[node as usize];
        self.queue.push(self.now + after, Ev::Timer { node, incarnation, timer });
    }

    /// Takes the next entry, moving the clock to it and mixing its time into the trace.
    pub fn pop(&mut self) -> Option<Ev> {
        let e = self.queue.pop()?;
        self.now = self.now.max(e.at);
        self.events += 1;
        self.trace.mix(e.at);
        Some(e.ev)
    }

    /// The time of the next queued entry (None when idle).
    pub fn peek_time(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    /// Moves the clock forward to `t` (never back).
    pub fn advance_to(&mut self, t: Time) {
        self.now = self.now.max(t);
    }

    /// Queue length.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Every queued entry, in no particular order.
    pub fn queued(&self) -> impl Iterator<Item = &Entry> {
        self.queue.iter()
    }

    /// The PRNG (the only source of randomness of a run).
    pub fn rng(&mut self) -> &mut Prng {
        &mut self.rng
    }

    /// Whether a timer set in `incarnation` of `node` is still current.
    pub fn is_current(&self, node: NodeId, incarnation: u32) -> bool {
        self.incarnation[node as usize] == incarnation
    }

    /// A crash or restart of `node`: its pending timers become stale.
    pub fn bump_incarnation(&mut self, node: NodeId) {
        self.incarnation[node as usize] += 1;
    }

    /// Mixes a word into the trace hash.
    pub fn mix(&mut self, w: u64) {
        self.trace.mix(w);
    }

    /// Hex digest of the whole trace so far.
    pub fn trace_hex(&self) -> String {
        self.trace.hex()
    }
}
