//! A test harness for one node: builds a [`Ctx`] over a config and its topology, runs a
//! handler, and lets the test inspect the effects it pushed.

use super::{Ctx, Effect, Timer};
use crate::sim::command::CrashPoint;
use crate::sim::config::Config;
use crate::sim::history::{NodeId, Op};
use crate::sim::msg::Msg;
use crate::sim::rng::Prng;
use crate::sim::time::Time;
use crate::sim::topology::Topology;

/// The world around one node under test.
pub struct Harness {
    pub cfg: Config,
    pub topo: Topology,
    pub rng: Prng,
    pub out: Vec<Effect>,
    pub now: Time,
    /// The node the handlers run as.
    pub node: NodeId,
    pub key_hash: Vec<u32>,
    pub armed: Option<CrashPoint>,
}

impl Default for Harness {
    fn default() -> Self {
        Self::with(Config::default())
    }
}

impl Harness {
    /// A harness over the default config.
    pub fn new() -> Self {
        Self::default()
    }

    /// A harness over `cfg` (its topology built from it), with 64 deliveries' key hashes.
    pub fn with(cfg: Config) -> Self {
        let topo = Topology::new(&cfg);
        let key_hash = (0..64).collect();
        Harness { cfg, topo, rng: Prng::new(1), out: Vec::new(), now: 0, node: 0, key_hash, armed: None }
    }

    /// Runs a handler as `self.node` at `self.now`; its effects are appended to `out`.
    pub fn run<R>(&mut self, f: impl FnOnce(&mut Ctx) -> R) -> R {
        let mut ctx = Ctx {
            now: self.now,
            node: self.node,
            cfg: &self.cfg,
            topo: &self.topo,
            rng: &mut self.rng,
            out: &mut self.out,
            key_hash: &self.key_hash,
            armed: self.armed,
        };
        let r = f(&mut ctx);
        self.armed = ctx.armed;
        r
    }

    /// Forgets the effects so far.
    pub fn clear(&mut self) {
        self.out.clear();
    }

    /// Messages sent so far: (to, message).
    pub fn sent(&self) -> Vec<(NodeId, Msg)> {
        self.out
            .iter()
            .filter_map(|e| if let Effect::Send { to, msg } = e { Some((*to, msg.clone())) } else { None })
            .collect()
    }

    /// Timers set so far: (after, timer).
    pub fn timers(&self) -> Vec<(Time, Timer)> {
        self.out
            .iter()
            .filter_map(|e| if let Effect::Timer { after, timer } = e { Some((*after, *timer)) } else { None })
            .collect()
    }

    /// History lines recorded so far.
    pub fn records(&self) -> Vec<Op> {
        self.out.iter().filter_map(|e| if let Effect::Record(op) = e { Some(op.clone()) } else { None }).collect()
    }
}
