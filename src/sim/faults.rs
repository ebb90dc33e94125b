//! Commands applied to a run: the faults (turmoil's crash / bounce / partition / repair:
//! here crash, restart, cut, partition, heal, pause, wipe) and the other inputs of the
//! scenario contract (fire, traffic, net, set, read, broadcast). Every fault is a replayable
//! command value; each is one method here, and `Sim::command` only dispatches.

use super::command::{Action, CrashPoint};
use super::config::ReadMode;
use super::engine::{Ev, Status};
use super::history::{NodeId, Op};
use super::nodes::NoticeKind;
use super::rng::ppm_from_f64;
use super::scenario::apply_set;
use super::time::MS;
use super::topology::Role;
use super::world::{Input, Sim, Traffic};

impl Sim {
    /// Applies one command now. Commands naming an unknown node do nothing (scenarios are
    /// validated before they run; the page only offers existing nodes).
    pub(crate) fn command(&mut self, action: Action) {
        self.engine.mix(0xC0DE);
        let id = |sim: &Sim, name: &str| sim.topo.node(name);
        match action {
            Action::Fire { delivery, event } => {
                let d = self.delivery(&delivery);
                self.fire(d, event);
            }
            Action::Traffic { per_sec, for_ms, cancel_ratio, step_ms } => {
                self.traffic(per_sec, for_ms, cancel_ratio, step_ms.unwrap_or(300))
            }
            Action::Crash { node, when } => {
                let Some(n) = id(self, &node) else { return };
                match when {
                    None => self.crash(n),
                    Some(p) => self.arm(n, p),
                }
            }
            Action::Restart { node } => {
                if let Some(n) = id(self, &node) {
                    self.restart(n);
                }
            }
            Action::Cut { from, to, oneway } => {
                if let (Some(a), Some(b)) = (id(self, &from), id(self, &to)) {
                    self.cut(a, b, oneway);
                }
            }
            Action::Partition { groups } => {
                let ids = groups.iter().map(|g| g.iter().filter_map(|n| id(self, n)).collect()).collect();
                self.partition(ids);
            }
            Action::Heal { from, to } => {
                let a = from.and_then(|f| id(self, &f));
                let b = to.and_then(|t| id(self, &t));
                self.heal(a.zip(b));
            }
            Action::Pause { node, for_ms } => {
                if let Some(n) = id(self, &node) {
                    self.pause(n, for_ms);
                }
            }
            Action::Net { latency_ms, jitter_ms, drop, duplicate } => {
                let net = &mut self.cfg.network;
                net.latency_ms = latency_ms.unwrap_or(net.latency_ms);
                net.jitter_ms = jitter_ms.unwrap_or(net.jitter_ms);
                net.drop = drop.unwrap_or(net.drop);
                net.duplicate = duplicate.unwrap_or(net.duplicate);
            }
            Action::Read { delivery, mode, replica } => {
                let replica = replica.and_then(|r| id(self, &r));
                self.read(&delivery, mode, replica);
            }
            Action::Set { key, value } => {
                let mut next = self.cfg.clone();
                if apply_set(&mut next, &key, &value).is_ok() {
                    self.cfg = next;
                    let c = self.topo.controller;
                    self.notice(c, NoticeKind::Set { key });
                }
            }
            Action::Wipe { replica } => {
                if let Some(n) = id(self, &replica) {
                    self.wipe(n);
                }
            }
            Action::Broadcast { value } => self.broadcast(value),
        }
    }

    /// Arms a crash of `node` at a named point of its next handler.
    pub(crate) fn arm(&mut self, node: NodeId, point: CrashPoint) {
        self.armed[node as usize] = Some(point);
    }

    /// Crashes `node` (and what runs in its process): each loses its volatile state, its
    /// pending timers and whatever waited for it during a pause.
    pub(crate) fn crash(&mut self, node: NodeId) {
        for n in self.topo.colocated(node) {
            let i = n as usize;
            if self.status[i] == Status::Crashed {
                continue;
            }
            self.status[i] = Status::Crashed;
            self.engine.bump_incarnation(n);
            self.paused[i].clear();
            self.nodes[i].crash();
            self.record(n, Op::Crash);
        }
        self.last_fault_us = Some(self.now());
    }

    /// Restarts a crashed `node` (and what runs in its process) from its durable state.
    pub(crate) fn restart(&mut self, node: NodeId) {
        for n in self.topo.colocated(node) {
            let i = n as usize;
            // A restart means "bring it back and leave it running": a crash point armed earlier
            // and not yet reached is cancelled, or it would fire after the last restart and
            // leave the node down for good (found by the property tests, seed 2410).
            self.armed[i] = None;
            if self.status[i] != Status::Crashed {
                continue;
            }
            self.status[i] = Status::Up;
            self.engine.bump_incarnation(n);
            self.record(n, Op::Restart);
            self.dispatch(n, Input::Start);
        }
        self.last_heal_us = Some(self.now());
    }

    /// Cuts the link `a` → `b` (and back unless `oneway`).
    pub(crate) fn cut(&mut self, a: NodeId, b: NodeId, oneway: bool) {
        self.net.cut(a, b, oneway);
        self.record(a, Op::Cut { to: b, oneway });
        self.last_fault_us = Some(self.now());
    }

    /// Cuts every link between nodes of different groups.
    pub(crate) fn partition(&mut self, groups: Vec<Vec<NodeId>>) {
        for (i, ga) in groups.iter().enumerate() {
            for gb in groups.iter().skip(i + 1) {
                for &a in ga {
                    for &b in gb {
                        self.net.cut(a, b, false);
                        self.record(a, Op::Cut { to: b, oneway: false });
                    }
                }
            }
        }
        self.last_fault_us = Some(self.now());
    }

    /// Repairs the link between a pair of nodes, or every link.
    pub(crate) fn heal(&mut self, pair: Option<(NodeId, NodeId)>) {
        match pair {
            Some((a, b)) => {
                self.net.repair(a, b);
                self.record(a, Op::Heal { to: Some(b) });
            }
            None => {
                self.net.repair_all();
                let c = self.topo.controller;
                self.record(c, Op::Heal { to: None });
            }
        }
        self.last_heal_us = Some(self.now());
    }

    /// Stops `node` (and what runs in its process) for `for_ms`: what arrives meanwhile waits.
    pub(crate) fn pause(&mut self, node: NodeId, for_ms: u64) {
        let until = self.now() + for_ms * MS;
        for m in self.topo.colocated(node) {
            if self.status[m as usize] == Status::Up {
                self.status[m as usize] = Status::Paused { until };
                self.engine.push(until, Ev::Resume { node: m });
                self.record(m, Op::Pause { for_ms });
            }
        }
        self.last_fault_us = Some(self.now());
    }

    /// A pause ends: what waited is handled now, in arrival order.
    pub(crate) fn resume(&mut self, node: NodeId) {
        let n = node as usize;
        if let Status::Paused { until } = self.status[n] {
            if until <= self.now() {
                self.status[n] = Status::Up;
                let now = self.now();
                for ev in std::mem::take(&mut self.paused[n]) {
                    self.engine.push(now, ev);
                }
            }
        }
    }

    /// Empties replica `node`. Its ingest stops with the wipe: whatever its consumers had
    /// fetched and not applied is dropped, and they rejoin their group, which the coordinator
    /// rewinds to offset 0.
    pub(crate) fn wipe(&mut self, node: NodeId) {
        let Role::Db(i) = self.topo.roles[node as usize] else { return };
        self.db_mut(i as usize).wipe();
        self.record(node, Op::Wipe { replica: node });
        let c = self.topo.controller;
        let running = self.status[c as usize] == Status::Up;
        self.dispatch(c, Input::Wiped { group: i as usize, running });
        // The members start over in the generation the wipe opened, and no earlier one.
        let generation = self.controller().durable.generations[i as usize];
        for m in self.topo.groups[i as usize].members.clone() {
            self.consumer_mut(m).rejoin(generation);
        }
        self.last_fault_us = Some(self.now());
    }

    /// The `client` reads a delivery (if it is up).
    fn read(&mut self, delivery: &str, mode: Option<ReadMode>, replica: Option<NodeId>) {
        let d = self.delivery(delivery);
        let mode = mode.unwrap_or(self.cfg.read_mode);
        let latest = self.writer_acked.get(d as usize).copied().unwrap_or(0);
        let client = self.topo.client;
        if self.status[client as usize] == Status::Up {
            self.dispatch(client, Input::Read(d, mode, replica, latest));
        }
    }

    /// The service publishes `value` on the event bus (if it is up).
    fn broadcast(&mut self, value: String) {
        let app = self.topo.app;
        if self.status[app as usize] == Status::Up {
            self.bus_values.push(value);
            self.dispatch(app, Input::Broadcast);
        }
    }

    /// Starts a traffic generator now.
    fn traffic(&mut self, per_sec: u32, for_ms: u64, cancel_ratio: f64, step_ms: u64) {
        let per_sec = per_sec.max(1) as u64;
        self.traffic.push(Traffic {
            mean_gap_us: (1_000_000 / per_sec).max(1),
            until: self.now() + for_ms * MS,
            cancel_ppm: ppm_from_f64(cancel_ratio),
            step_us: step_ms * MS,
        });
        let g = self.traffic.len() - 1;
        self.engine.push(self.now(), Ev::Arrival(g));
    }
}
