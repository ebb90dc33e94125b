//! `Sim`: one run of a scenario. Owns the engine (clock, queue, PRNG), the network, every
//! node, the history and the live checker. The page and the CLI drive it with `run_until` /
//! `step` and read it through `view()` (see `view.rs`), `Report::of` and the accessors below.
//!
//! Faults and the other commands are in `faults.rs`; the snapshot for the page in `view.rs`.

use std::collections::BTreeMap;

use super::checker::{CheckReport, Checker};
use super::command::{Action, Command, CrashPoint};
use super::config::{Config, ReadMode};
use super::domain::{Kind, Refusal};
use super::engine::{Engine, Ev, Ring, Status};
use super::history::{DeliveryId, Names, NodeId, Op, Rec};
use super::msg::{Msg, Payload};
use super::net::{connection_loss, ConnectionLoss, DropWhy, Dropped, Fate, Net};
use super::nodes::app::App;
use super::nodes::broker::Broker;
use super::nodes::client::Client;
use super::nodes::consumer::Consumer;
use super::nodes::controller::Controller;
use super::nodes::db::Db;
use super::nodes::relay::Relay;
use super::nodes::{AnyNode, Ctx, Effect, Notice, NoticeKind, Timer};
use super::scenario::Scenario;
use super::time::{Time, MS};
use super::topology::{Role, Topology};
use super::trace::{hash_rec, TraceHash};

/// A traffic generator started by a `traffic` command.
#[derive(Clone, Debug)]
pub struct Traffic {
    pub mean_gap_us: Time,
    pub until: Time,
    pub cancel_ppm: u32,
    pub step_us: Time,
}

/// Samples over time for the page's small plots (one every `SAMPLE_EVERY`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    pub t_us: Time,
    /// Sum of consumer lag (records) over the replica groups.
    pub consumer_lag: u64,
    /// Records committed at `app` and not yet acknowledged by a relay, over all shards.
    pub relay_lag: u64,
    /// (replica, delivery) pairs that differ from `app`.
    pub divergent: u64,
    /// Events committed at `app` since the previous sample.
    pub committed: u64,
}

/// Period of the page's samples.
pub const SAMPLE_EVERY: Time = 100 * MS;
/// Samples kept (a long run does not grow memory).
pub const SAMPLES_KEPT: usize = 600;

/// What a node's handler is called with.
pub(crate) enum Input {
    Msg(NodeId, Msg),
    Timer(Timer),
    Start,
    /// `app`: a writer fires an event.
    Fire(DeliveryId, Kind),
    /// `app`: publish the next config value on the event bus.
    Broadcast,
    /// `client`: read a delivery (mode, pinned replica, newest version acknowledged).
    Read(DeliveryId, ReadMode, Option<NodeId>, u32),
    /// `controller`: replica group `group` was wiped (`running`: the coordinator is up).
    Wiped {
        group: usize,
        running: bool,
    },
}

/// One run.
pub struct Sim {
    pub(crate) scenario: Scenario,
    pub(crate) cfg: Config,
    pub(crate) topo: Topology,
    pub(crate) until: Time,
    pub(crate) engine: Engine,
    pub(crate) status: Vec<Status>,
    pub(crate) armed: Vec<Option<CrashPoint>>,
    /// What arrived at a paused node, replayed when it resumes.
    pub(crate) paused: Vec<Vec<Ev>>,
    pub(crate) net: Net,
    /// Every node, index = node id.
    pub(crate) nodes: Vec<AnyNode>,
    /// The values published with `broadcast`, in order: config version v is `bus_values[v-1]`.
    pub(crate) bus_values: Vec<String>,
    pub(crate) names: Names,
    delivery_index: BTreeMap<String, DeliveryId>,
    key_hash: Vec<u32>,
    pub(crate) history: Vec<Rec>,
    /// Whether to keep the history (the checker runs either way).
    pub(crate) keep_history: bool,
    /// Most history lines kept; past it the oldest half is dropped.
    pub(crate) history_cap: usize,
    /// Lines dropped by the cap.
    pub(crate) history_dropped: u64,
    pub(crate) checker: Checker,
    /// Newest version of each delivery acknowledged to its writer.
    pub(crate) writer_acked: Vec<u32>,
    /// Writer-visible write latencies, µs.
    pub(crate) write_latencies: Vec<Time>,
    /// Relay delay per published record (commit → acknowledged), µs, per shard.
    pub(crate) relay_lags: Vec<Vec<Time>>,
    pub(crate) notices: Ring<Notice>,
    pub(crate) dropped: Ring<Dropped>,
    pub(crate) samples: Ring<Sample>,
    next_sample: Time,
    committed_at_last_sample: u64,
    effects: Vec<Effect>,
    pub(crate) traffic: Vec<Traffic>,
    pub(crate) next_traffic_id: u64,
    pub(crate) commands: Vec<Command>,
    pub(crate) finished: bool,
    /// Time of the last fault command and of the last heal/restart (for "since healed").
    pub(crate) last_fault_us: Option<Time>,
    pub(crate) last_heal_us: Option<Time>,
}

impl Sim {
    /// Builds a run of a validated scenario.
    pub fn new(scenario: Scenario) -> Sim {
        let cfg = scenario.initial_config();
        let topo = Topology::new(&cfg);
        let n = topo.names.len();
        let nodes = (0..n as NodeId).map(|id| AnyNode::build(id, &cfg, &topo)).collect();
        let mut commands = scenario.commands.clone();
        commands.sort_by_key(|c| c.at_ms); // stable: ties keep file order
        let mut sim = Sim {
            until: scenario.until_ms * MS,
            engine: Engine::new(scenario.seed, n),
            status: vec![Status::Up; n],
            armed: vec![None; n],
            paused: vec![Vec::new(); n],
            net: Net::new(n),
            nodes,
            bus_values: Vec::new(),
            names: Names { nodes: topo.names.clone(), deliveries: Vec::new() },
            delivery_index: BTreeMap::new(),
            key_hash: Vec::new(),
            history: Vec::new(),
            keep_history: true,
            history_cap: usize::MAX,
            history_dropped: 0,
            checker: Checker::new(),
            writer_acked: Vec::new(),
            write_latencies: Vec::new(),
            relay_lags: vec![Vec::new(); cfg.outbox_shards as usize],
            notices: Ring::new(200),
            dropped: Ring::new(64),
            samples: Ring::new(SAMPLES_KEPT),
            next_sample: 0,
            committed_at_last_sample: 0,
            effects: Vec::with_capacity(64),
            traffic: Vec::new(),
            next_traffic_id: 1,
            commands,
            finished: false,
            last_fault_us: None,
            last_heal_us: None,
            cfg,
            topo,
            scenario,
        };
        sim.boot();
        sim
    }

    /// The first history line, every node's start (the brokers already know the initial
    /// leaders, as after a clean cluster start), and the scenario's commands queued.
    fn boot(&mut self) {
        let replicas = self.topo.dbs.clone();
        let seed = self.scenario.seed;
        let id = self.scenario.id.clone();
        self.record(0, Op::Start { replicas, seed, scenario: id });
        for node in 0..self.topo.names.len() as NodeId {
            self.dispatch(node, Input::Start);
        }
        for (i, c) in self.commands.iter().enumerate() {
            self.engine.push(c.at_ms * MS, Ev::Command(i));
        }
    }

    // ----------------------------------------------------------------------------------------
    // Driving
    // ----------------------------------------------------------------------------------------

    /// Processes one queue entry; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some(ev) = self.engine.pop() else { return false };
        self.handle(ev);
        true
    }

    /// Runs every event up to and including time `t` (µs), then sets the clock to `t`.
    pub fn run_until(&mut self, t: Time) {
        self.run_until_within(t, u64::MAX);
    }

    /// Like [`Sim::run_until`], but runs at most `max_events` queue entries: true when it
    /// reached `t` (every event up to `t` run, the clock set to `t`), false when it stopped
    /// early, possibly inside one instant. Going on later runs the same events in the same
    /// order, so a run done in pieces is the same run (the page slices long runs this way).
    pub fn run_until_within(&mut self, t: Time, max_events: u64) -> bool {
        let t = t.min(self.until);
        let mut left = max_events;
        while let Some(at) = self.engine.peek_time() {
            if at > t {
                break;
            }
            if left == 0 {
                return false;
            }
            left -= 1;
            if at >= self.next_sample {
                self.sample(at);
            }
            self.step();
        }
        self.engine.advance_to(t);
        if self.now() >= self.until && !self.finished {
            self.finish();
        }
        true
    }

    /// Runs the whole scenario.
    pub fn run_to_end(&mut self) {
        self.run_until(self.until);
    }

    /// Applies an extra command (from the page) at the next whole millisecond, and runs the
    /// simulation to it. A scenario's commands are whole milliseconds and run first at their
    /// instant, so `commands()` replays this run exactly: the same trace hash as the live run.
    pub fn command_now(&mut self, action: Action) {
        let at_ms = self.now() / MS + 1;
        if at_ms * MS > self.until {
            return; // the run is over
        }
        self.commands.push(Command { at_ms, action });
        let i = self.commands.len() - 1;
        self.engine.push(at_ms * MS, Ev::Command(i));
        self.run_until(at_ms * MS);
    }

    fn sample(&mut self, at: Time) {
        let committed = self.checker.committed_count();
        let consumer_lag = self.consumer_lag_total();
        let relay_lag = self.relay_lag_records();
        let divergent = self.checker.divergent_rows();
        self.samples.push(Sample {
            t_us: at,
            consumer_lag,
            relay_lag,
            divergent,
            committed: committed - self.committed_at_last_sample,
        });
        self.committed_at_last_sample = committed;
        self.next_sample = (at / SAMPLE_EVERY + 1) * SAMPLE_EVERY;
    }

    // ----------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Deliver { from, to, sent, msg, dup } => {
                // The notice of a broken connection is the receiver's own knowledge: no link cut
                // stops it.
                if self.net.is_cut(from, to) && msg != Msg::ConnectionLost {
                    self.drop_msg(from, to, &msg, DropWhy::Cut);
                    return;
                }
                if self.net.lost_with_connection(&msg, from, to, sent, self.now()) {
                    self.drop_msg(from, to, &msg, DropWhy::Random);
                    return;
                }
                match self.status[to as usize] {
                    Status::Crashed => {
                        self.drop_msg(from, to, &msg, DropWhy::Crashed);
                        if msg.is_client_request() {
                            // The host is up, the process is not: the connection is refused.
                            self.send(to, from, Msg::ConnectionRefused);
                        }
                    }
                    Status::Paused { .. } => self.paused[to as usize].push(Ev::Deliver { from, to, sent, msg, dup }),
                    Status::Up => {
                        self.engine.mix(((from as u64) << 16) | to as u64);
                        self.dispatch(to, Input::Msg(from, msg));
                    }
                }
            }
            Ev::Timer { node, incarnation, timer } => {
                if !self.engine.is_current(node, incarnation) {
                    return;
                }
                match self.status[node as usize] {
                    Status::Crashed => {}
                    Status::Paused { .. } => self.paused[node as usize].push(Ev::Timer { node, incarnation, timer }),
                    Status::Up => self.dispatch(node, Input::Timer(timer)),
                }
            }
            Ev::Command(i) => {
                let c = self.commands[i].clone();
                self.command(c.action);
            }
            Ev::Fire { delivery, kind } => self.fire(delivery, kind),
            Ev::Arrival(g) => self.arrival(g),
            Ev::Resume { node } => self.resume(node),
        }
    }

    /// A writer fires an event at the service.
    pub(crate) fn fire(&mut self, delivery: DeliveryId, kind: Kind) {
        let app = self.topo.app;
        match self.status[app as usize] {
            Status::Crashed => self.notice(app, NoticeKind::AppDown { delivery, kind }),
            Status::Paused { .. } => self.paused[app as usize].push(Ev::Fire { delivery, kind }),
            Status::Up => self.dispatch(app, Input::Fire(delivery, kind)),
        }
    }

    fn drop_msg(&mut self, from: NodeId, to: NodeId, msg: &Msg, why: DropWhy) {
        if msg.carries_data() {
            let at = self.now();
            self.dropped.push(Dropped { from, to, at, label: msg.label(), kind: msg.event_kind(), why });
        }
    }

    pub(crate) fn notice(&mut self, node: NodeId, kind: NoticeKind) {
        self.notices.push(Notice { t_us: self.now(), node, kind });
    }

    /// Runs a node's handler with a context, then applies its effects.
    pub(crate) fn dispatch(&mut self, node: NodeId, input: Input) {
        let was_armed = self.armed[node as usize];
        let mut refused = None;
        {
            let Sim {
                ref cfg,
                ref topo,
                ref mut engine,
                ref mut effects,
                ref key_hash,
                ref mut nodes,
                ref mut armed,
                ..
            } = *self;
            let now = engine.now();
            let mut ctx = Ctx { now, node, cfg, topo, rng: engine.rng(), out: effects, key_hash, armed: was_armed };
            let n = &mut nodes[node as usize];
            match input {
                Input::Msg(from, m) => n.on_message(from, m, &mut ctx),
                Input::Timer(t) => n.on_timer(t, &mut ctx),
                Input::Start => n.start(&mut ctx),
                Input::Fire(d, k) => {
                    if let Err(r) = n.as_app_mut().expect("fire goes to app").fire(d, k, &mut ctx) {
                        refused = Some((d, k, r));
                    }
                }
                Input::Broadcast => {
                    n.as_app_mut().expect("broadcast goes to app").broadcast(&mut ctx);
                }
                Input::Read(d, mode, replica, latest) => {
                    n.as_client_mut().expect("reads go to client").read(d, mode, replica, latest, &mut ctx)
                }
                Input::Wiped { group, running } => {
                    n.as_controller_mut().expect("wipes go to controller").wipe_group(group, running, &mut ctx)
                }
            }
            // A crash point consumed by the handler is disarmed.
            if ctx.armed.is_none() && was_armed.is_some() {
                armed[node as usize] = None;
            }
        }
        if let Some((d, k, refusal)) = refused {
            let from = match refusal {
                Refusal::NotAllowed { from, .. } => Some(from),
                Refusal::AlreadyExists => self.app().row(d).map(|r| r.0),
                Refusal::NoSuchDelivery => None,
            };
            self.notice(node, NoticeKind::Refused { delivery: d, kind: k, from });
        }
        self.apply_effects(node);
    }

    fn apply_effects(&mut self, node: NodeId) {
        let mut effects = std::mem::take(&mut self.effects);
        for e in effects.drain(..) {
            match e {
                Effect::Send { to, msg } => self.send(node, to, msg),
                Effect::Timer { after, timer } => self.engine.push_timer(node, after, timer),
                Effect::Record(op) => self.record(node, op),
                Effect::Apply { db, payload } => self.apply_at_replica(node, db, payload),
                Effect::WriterAck { delivery, seq, fired_at } => {
                    let d = delivery as usize;
                    if self.writer_acked.len() <= d {
                        self.writer_acked.resize(d + 1, 0);
                    }
                    self.writer_acked[d] = self.writer_acked[d].max(seq);
                    self.write_latencies.push(self.now() - fired_at);
                }
                Effect::CrashSelf => {
                    self.crash(node);
                    break;
                }
                Effect::Notice(kind) => self.notice(node, kind),
                Effect::RelayLag { shard, lag_us } => self.relay_lags[shard as usize].push(lag_us),
            }
        }
        effects.clear();
        self.effects = effects;
    }

    /// A replica's consumer wrote to the replica (same process, same instant).
    fn apply_at_replica(&mut self, consumer: NodeId, db: u32, payload: Payload) {
        let db_node = self.topo.dbs[db as usize];
        let idem = self.cfg.idempotent_consumer;
        let replica = self.nodes[db_node as usize].as_db_mut().expect("a replica");
        if let Some(op) = replica.apply(db_node, payload, idem) {
            self.record(consumer, op);
        }
    }

    /// Hands a message to the network: lost, or queued for its arrival (and its duplicate's).
    fn send(&mut self, from: NodeId, to: NodeId, msg: Msg) {
        let distance = self.replica_distance_us(from) + self.replica_distance_us(to);
        let now = self.now();
        match self.net.route(&self.cfg, self.engine.rng(), now, from, to, distance) {
            Fate::Lost(why) => {
                self.drop_msg(from, to, &msg, why);
                let loss = (why == DropWhy::Random).then(|| connection_loss(&self.cfg, &msg, from, to, distance, now));
                if let Some(loss) = loss.flatten().filter(|&l| self.net.break_connection(l, now)) {
                    let ConnectionLoss { client, broker, at } = loss;
                    let lost =
                        Ev::Deliver { from: broker, to: client, sent: now, msg: Msg::ConnectionLost, dup: false };
                    self.engine.push(at, lost);
                }
            }
            Fate::Arrives { at, dup_at } => {
                if let Some(d) = dup_at {
                    self.engine.push(d, Ev::Deliver { from, to, sent: now, msg: msg.clone(), dup: true });
                }
                self.engine.push(at, Ev::Deliver { from, to, sent: now, msg, dup: false });
            }
        }
    }

    /// Extra one-way latency of links touching replica `dbI`: (I-1) × replica_spread_ms.
    fn replica_distance_us(&self, node: NodeId) -> Time {
        match self.topo.roles[node as usize] {
            Role::Db(i) => i as Time * self.cfg.replica_spread_ms * MS,
            _ => 0,
        }
    }

    pub(crate) fn record(&mut self, node: NodeId, op: Op) {
        let rec = Rec { t_us: self.now(), node, op };
        self.engine.mix(hash_rec(&rec));
        self.checker.observe(&rec);
        if self.keep_history {
            if self.history.len() >= self.history_cap {
                let half = self.history.len() / 2;
                self.history.drain(..half);
                self.history_dropped += half as u64;
            }
            self.history.push(rec);
        }
    }

    /// The id of a delivery name, interning it (and its key hash) if new.
    pub fn delivery(&mut self, name: &str) -> DeliveryId {
        if let Some(&d) = self.delivery_index.get(name) {
            return d;
        }
        let d = self.names.deliveries.len() as DeliveryId;
        self.names.deliveries.push(name.to_string());
        self.delivery_index.insert(name.to_string(), d);
        self.key_hash.push(super::domain::murmur2(name.as_bytes()) & 0x7fff_ffff);
        d
    }

    /// A traffic generator's next delivery: its whole lifecycle is planned now.
    fn arrival(&mut self, g: usize) {
        let t = self.traffic[g].clone();
        if self.now() >= t.until {
            return;
        }
        let name = format!("T{}", self.next_traffic_id);
        self.next_traffic_id += 1;
        let d = self.delivery(&name);
        let cancel_at = if self.engine.rng().chance_ppm(t.cancel_ppm) {
            Some(1 + self.engine.rng().below(3) as usize)
        } else {
            None
        };
        let mut at = self.now();
        let mut kind = Kind::Created;
        let mut step = 0;
        loop {
            self.engine.push(at, Ev::Fire { delivery: d, kind });
            step += 1;
            if kind.is_terminal() {
                break;
            }
            at += self.engine.rng().between(t.step_us / 2, t.step_us + t.step_us / 2);
            kind = if cancel_at == Some(step) {
                Kind::Cancelled
            } else {
                match kind.next_on_happy_path() {
                    Some(k) => k,
                    None => break,
                }
            };
        }
        let gap = self.engine.rng().between(t.mean_gap_us / 2, t.mean_gap_us + t.mean_gap_us / 2);
        self.engine.push(self.now() + gap.max(1), Ev::Arrival(g));
    }

    // ----------------------------------------------------------------------------------------
    // End of run
    // ----------------------------------------------------------------------------------------

    /// Writes the end-of-run lines: each partition's final log and every row at `app` and at
    /// each replica.
    fn finish(&mut self) {
        self.finished = true;
        for p in 0..self.topo.delivery_parts as usize {
            let m = self.controller().part(p);
            // The final log is the current leader's; with no leader, the best in-sync replica's.
            let b = m
                .leader
                .or_else(|| m.isr.iter().copied().max_by_key(|&b| self.broker(b).log(p).leo()))
                .unwrap_or(m.replicas[0]);
            let events = self.broker(b).log(p).records.iter().filter_map(|r| r.payload.event()).collect();
            let number = self.topo.parts[p].number;
            let node = self.topo.brokers[b as usize];
            self.record(node, Op::FinalLog { partition: number, events });
        }
        let final_line = |delivery: usize, row: Option<(Kind, u32)>| Op::Final {
            delivery: delivery as DeliveryId,
            status: row.map(|r| r.0),
            version: row.map(|r| r.1).unwrap_or(0),
        };
        let app = self.topo.app;
        for d in 0..self.names.deliveries.len() {
            let row = self.app().row(d as DeliveryId);
            self.record(app, final_line(d, row));
        }
        for i in 0..self.topo.dbs.len() {
            let node = self.topo.dbs[i];
            for d in 0..self.names.deliveries.len() {
                let row = self.db(i).rows.get(&(d as DeliveryId)).copied();
                self.record(node, final_line(d, row));
            }
        }
    }
}

/// Read access for the page, the CLI, the report and the tests.
impl Sim {
    /// The current virtual time, µs.
    pub fn now(&self) -> Time {
        self.engine.now()
    }

    /// The end of the run, µs.
    pub fn until(&self) -> Time {
        self.until
    }

    /// Whether the run reached its end (and wrote the end-of-run lines).
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Queue entries processed so far.
    pub fn events(&self) -> u64 {
        self.engine.events()
    }

    /// The scenario this run plays.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The current settings (after any `set` or `net` command).
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Who is who: node names and roles, partitions, groups.
    pub fn topology(&self) -> &Topology {
        &self.topo
    }

    /// Node and delivery names (for writing the history).
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// The history lines kept so far (see [`Sim::set_history_cap`]).
    pub fn history(&self) -> &[Rec] {
        &self.history
    }

    /// Keeps at most `cap` history lines: past it the oldest half is dropped (the page sets a
    /// cap so a long run does not grow memory; the CLI keeps everything).
    pub fn set_history_cap(&mut self, cap: usize) {
        self.history_cap = cap;
    }

    /// History lines dropped by the cap.
    pub fn history_dropped(&self) -> u64 {
        self.history_dropped
    }

    /// The commands so far (scenario's and the page's), for sharing a run.
    pub fn commands(&self) -> &[Command] {
        &self.commands
    }

    /// Messages lost recently (cut links, random drops, crashed receivers), oldest first: the
    /// page fades them out where they were lost.
    pub fn recent_drops(&self) -> impl Iterator<Item = &super::net::Dropped> {
        self.dropped.items.iter()
    }

    /// `app`'s row of a delivery: (status, version).
    pub fn app_row(&self, delivery: DeliveryId) -> Option<(Kind, u32)> {
        self.app().row(delivery)
    }

    /// Replica `dbI`'s rows (index `i` = I-1): delivery → (status, version).
    pub fn db_rows(&self, i: usize) -> &BTreeMap<DeliveryId, (Kind, u32)> {
        &self.db(i).rows
    }

    /// The checker's results so far.
    pub fn check(&self) -> CheckReport {
        self.checker.report()
    }

    /// Hex digest of the whole trace so far.
    pub fn trace_hash(&self) -> String {
        self.engine.trace_hex()
    }

    /// Replica fingerprints: (name, hash of rows, row count) per replica.
    pub fn replica_hashes(&self) -> Vec<(String, String, usize)> {
        (0..self.topo.dbs.len())
            .map(|i| {
                let rows = &self.db(i).rows;
                let mut h = TraceHash::new();
                for (d, (k, v)) in rows {
                    h.mix(*d as u64);
                    h.mix(k.index() as u64);
                    h.mix(*v as u64);
                }
                (self.topo.names[self.topo.dbs[i] as usize].clone(), h.hex(), rows.len())
            })
            .collect()
    }

    /// Messages in flight: (from, to, sent, arrives, message), ordered by arrival.
    pub fn in_flight(&self) -> Vec<(NodeId, NodeId, Time, Time, &Msg)> {
        self.in_flight_with_dup().into_iter().map(|(f, t, s, a, m, _)| (f, t, s, a, m)).collect()
    }

    /// Messages in flight with whether each is the network's duplicate copy, by arrival.
    pub fn in_flight_with_dup(&self) -> Vec<(NodeId, NodeId, Time, Time, &Msg, bool)> {
        let mut v: Vec<_> = self
            .engine
            .queued()
            .filter_map(|e| match &e.ev {
                // A broken connection's notice is not on the wire: nothing to draw.
                Ev::Deliver { msg: Msg::ConnectionLost, .. } => None,
                Ev::Deliver { from, to, sent, msg, dup } => Some((e.at, e.seq, *from, *to, *sent, msg, *dup)),
                _ => None,
            })
            .collect();
        v.sort_by_key(|x| (x.0, x.1));
        v.into_iter().map(|(at, _, f, t, s, m, d)| (f, t, s, at, m, d)).collect()
    }

    /// The time of the next queued event (None when idle).
    pub fn next_event_time(&self) -> Option<Time> {
        self.engine.peek_time()
    }

    /// Queue length (for the bench).
    pub fn queue_len(&self) -> usize {
        self.engine.queue_len()
    }

    /// Total lag of the replica groups' consumers (records below the HW not yet committed).
    pub fn consumer_lag_total(&self) -> u64 {
        let mut total = 0;
        for (g, info) in self.topo.groups.iter().enumerate().take(self.topo.dbs.len()) {
            for p in self.topo.parts_of(info.topic) {
                total += self.partition_hw(p).saturating_sub(self.controller().committed(g, p));
            }
        }
        total
    }

    /// The high watermark of a partition at its current leader (0 when offline).
    pub fn partition_hw(&self, p: u32) -> u64 {
        match self.controller().part(p as usize).leader {
            Some(l) => self.broker(l).log(p as usize).hw,
            None => 0,
        }
    }

    /// Records committed to an outbox and not yet acknowledged by their relay.
    pub fn relay_lag_records(&self) -> u64 {
        (0..self.topo.relays.len())
            .map(|i| (self.app().outbox(i).len() as u64).saturating_sub(self.relay(i).acked()))
            .sum()
    }
}

/// The nodes by kind (crate-internal: the page reads the view).
impl Sim {
    fn node(&self, id: NodeId) -> &AnyNode {
        &self.nodes[id as usize]
    }
    pub(crate) fn app(&self) -> &App {
        self.node(self.topo.app).as_app().expect("app is an App")
    }
    pub(crate) fn relay(&self, shard: usize) -> &Relay {
        self.node(self.topo.relays[shard]).as_relay().expect("a relay")
    }
    pub(crate) fn broker(&self, b: u32) -> &Broker {
        self.node(self.topo.brokers[b as usize]).as_broker().expect("a broker")
    }
    pub(crate) fn controller(&self) -> &Controller {
        self.node(self.topo.controller).as_controller().expect("the controller")
    }
    pub(crate) fn db(&self, i: usize) -> &Db {
        self.node(self.topo.dbs[i]).as_db().expect("a replica")
    }
    pub(crate) fn db_mut(&mut self, i: usize) -> &mut Db {
        self.nodes[self.topo.dbs[i] as usize].as_db_mut().expect("a replica")
    }
    pub(crate) fn consumer(&self, ci: u32) -> &Consumer {
        self.node(self.topo.consumers[ci as usize]).as_consumer().expect("a consumer")
    }
    pub(crate) fn consumer_mut(&mut self, ci: u32) -> &mut Consumer {
        self.nodes[self.topo.consumers[ci as usize] as usize].as_consumer_mut().expect("a consumer")
    }
    pub(crate) fn client(&self) -> &Client {
        self.node(self.topo.client).as_client().expect("the client")
    }
}
