//! `Sim`: one run of a scenario. Owns the clock, the queue, the network, the PRNG, every node,
//! the history and the live checker. The page and the CLI drive it with `run_until` / `step`
//! and read it through `view()` (see `view.rs`) and `report()`.

use std::collections::BTreeMap;

use super::app::{App, Relay};
use super::broker::{Broker, PartRole};
use super::checker::{CheckReport, Checker};
use super::command::{Action, Command, CrashPoint};
use super::config::{Config, WriteMode};
use super::consumer::{Client, Consumer, Dashboard, Db};
use super::controller::{Controller, PartMeta};
use super::domain::{Kind, Refusal};
use super::engine::*;
use super::history::{DeliveryId, Names, NodeId, Op, Rec};
use super::msg::Payload;
use super::rng::{ppm_from_f64, Prng};
use super::scenario::{apply_set, Scenario};

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

/// One run.
pub struct Sim {
    pub scenario: Scenario,
    pub cfg: Config,
    pub topo: Topology,
    pub now: Time,
    pub until: Time,
    queue: Queue,
    rng: Prng,
    pub status: Vec<Status>,
    incarnation: Vec<u32>,
    pub armed: Vec<Option<CrashPoint>>,
    paused: Vec<Vec<Ev>>,
    pub net: Net,
    /// Arrival time of the last message per directed link (from * n + to): links are FIFO.
    link_last: Vec<Time>,
    pub app: App,
    pub relays: Vec<Relay>,
    pub brokers: Vec<Broker>,
    pub controller: Controller,
    pub dbs: Vec<Db>,
    pub consumers: Vec<Consumer>,
    pub client: Client,
    pub dashboard: Dashboard,
    pub server_values: Vec<Option<u32>>,
    /// The values published with `broadcast`, in order: config version v is `bus_values[v-1]`.
    pub bus_values: Vec<String>,
    pub names: Names,
    delivery_index: BTreeMap<String, DeliveryId>,
    key_hash: Vec<u32>,
    pub history: Vec<Rec>,
    /// Whether to keep the history (the checker runs either way).
    pub keep_history: bool,
    /// Most history lines kept; past it the oldest half is dropped (the page sets a cap so a
    /// long run does not grow memory; the CLI keeps everything).
    pub history_cap: usize,
    /// Lines dropped by the cap.
    pub history_dropped: u64,
    pub checker: Checker,
    trace: TraceHash,
    /// Newest version of each delivery acknowledged to its writer.
    pub writer_acked: Vec<u32>,
    /// Writer-visible write latencies, µs.
    pub write_latencies: Vec<Time>,
    /// Relay delay per published record (commit → acknowledged), µs, per shard.
    pub relay_lags: Vec<Vec<Time>>,
    pub notices: Ring<Notice>,
    pub dropped: Ring<Dropped>,
    pub samples: Ring<Sample>,
    next_sample: Time,
    committed_at_last_sample: u64,
    effects: Vec<Effect>,
    /// Queue entries processed so far.
    pub events: u64,
    traffic: Vec<Traffic>,
    next_traffic_id: u64,
    commands: Vec<Command>,
    pub finished: bool,
    /// Time of the last fault command and of the last heal/restart (for "since healed").
    pub last_fault_us: Option<Time>,
    pub last_heal_us: Option<Time>,
}

impl Sim {
    /// Builds a run of a validated scenario.
    pub fn new(scenario: Scenario) -> Sim {
        let cfg = scenario.initial_config();
        let topo = Topology::new(&cfg);
        let n = topo.names.len();
        let parts: Vec<PartMeta> = topo
            .parts
            .iter()
            .map(|p| PartMeta {
                leader: Some(p.replicas[0]),
                epoch: 1,
                isr: p.replicas.clone(),
                replicas: p.replicas.clone(),
                version: 1,
            })
            .collect();
        let controller = Controller::new(parts, cfg.brokers as usize, topo.groups.len());
        let direct = cfg.write_mode != WriteMode::ViaBroker;
        let mut consumers = Vec::new();
        for (g, info) in topo.groups.iter().enumerate() {
            for (m, &ci) in info.members.iter().enumerate() {
                debug_assert_eq!(ci as usize, consumers.len());
                let sink = if g < cfg.replicas as usize {
                    Sink::Db(g as u32)
                } else if Some(topo.consumers[ci as usize]) == topo.dashboard {
                    Sink::Dashboard
                } else {
                    let s = topo.servers.iter().position(|&x| x == topo.consumers[ci as usize]).unwrap_or(0);
                    Sink::Server(s as u32)
                };
                let active = !(direct && matches!(sink, Sink::Db(_)));
                let _ = m;
                consumers.push(Consumer::new(g as u32, ci, sink, active));
            }
        }
        // Consumers are listed by group; the topology numbered them the same way.
        let net = Net {
            cuts: Default::default(),
            latency_us: cfg.network.latency_ms * MS,
            jitter_us: cfg.network.jitter_ms * MS,
            drop_ppm: ppm_from_f64(cfg.network.drop),
            duplicate_ppm: ppm_from_f64(cfg.network.duplicate),
        };
        let mut commands = scenario.commands.clone();
        commands.sort_by_key(|c| c.at_ms); // stable: ties keep file order
        let mut sim = Sim {
            until: scenario.until_ms * MS,
            rng: Prng::new(scenario.seed),
            status: vec![Status::Up; n],
            incarnation: vec![0; n],
            armed: vec![None; n],
            paused: vec![Vec::new(); n],
            net,
            link_last: vec![0; n * n],
            app: App::new(cfg.outbox_shards),
            relays: (0..cfg.outbox_shards).map(Relay::new).collect(),
            brokers: (0..cfg.brokers).map(|b| Broker::new(b, topo.parts.len(), cfg.brokers as usize)).collect(),
            controller,
            dbs: (0..cfg.replicas).map(|_| Db::default()).collect(),
            consumers,
            client: Client::default(),
            dashboard: Dashboard::default(),
            server_values: vec![None; cfg.servers as usize],
            bus_values: Vec::new(),
            names: Names { nodes: topo.names.clone(), deliveries: Vec::new() },
            delivery_index: BTreeMap::new(),
            key_hash: Vec::new(),
            history: Vec::new(),
            keep_history: true,
            history_cap: usize::MAX,
            history_dropped: 0,
            checker: Checker::new(),
            trace: TraceHash::new(),
            writer_acked: Vec::new(),
            write_latencies: Vec::new(),
            relay_lags: vec![Vec::new(); cfg.outbox_shards as usize],
            notices: Ring::new(200),
            dropped: Ring::new(64),
            samples: Ring::new(SAMPLES_KEPT),
            next_sample: 0,
            committed_at_last_sample: 0,
            effects: Vec::with_capacity(64),
            events: 0,
            traffic: Vec::new(),
            next_traffic_id: 1,
            commands,
            finished: false,
            last_fault_us: None,
            last_heal_us: None,
            now: 0,
            queue: Queue::default(),
            cfg,
            topo,
            scenario,
        };
        sim.boot();
        sim
    }

    fn boot(&mut self) {
        let replicas = self.topo.dbs.clone();
        let seed = self.scenario.seed;
        let id = self.scenario.id.clone();
        self.record(0, Op::Start { replicas, seed, scenario: id });
        // Every broker starts knowing the initial leaders (as after a clean cluster start).
        for b in 0..self.brokers.len() {
            for p in 0..self.topo.parts.len() {
                let m = &self.controller.parts[p];
                if m.replicas.contains(&(b as u32)) {
                    let st = &mut self.brokers[b].parts[p];
                    st.epoch = m.epoch;
                    st.meta_version = m.version;
                    st.isr = m.isr.clone();
                    st.role = if m.leader == Some(b as u32) {
                        PartRole::Leader
                    } else {
                        PartRole::Follower { leader: m.leader.unwrap_or(0) }
                    };
                }
            }
            self.brokers[b].registered = true;
        }
        for node in 0..self.topo.names.len() as NodeId {
            self.start_node(node);
        }
        for i in 0..self.commands.len() {
            let at = self.commands[i].at_ms * MS;
            self.queue.push(at, Ev::Command(i));
        }
    }

    // ----------------------------------------------------------------------------------------
    // Driving
    // ----------------------------------------------------------------------------------------

    /// Processes one queue entry; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some(e) = self.queue.pop() else { return false };
        self.now = self.now.max(e.at);
        self.events += 1;
        self.trace.mix(e.at);
        self.handle(e.ev);
        true
    }

    /// Runs every event up to and including time `t` (µs), then sets the clock to `t`.
    pub fn run_until(&mut self, t: Time) {
        let t = t.min(self.until);
        while let Some(at) = self.queue.peek_time() {
            if at > t {
                break;
            }
            if at >= self.next_sample {
                self.sample(at);
            }
            self.step();
        }
        self.now = self.now.max(t);
        if self.now >= self.until && !self.finished {
            self.finish();
        }
    }

    /// Runs the whole scenario.
    pub fn run_to_end(&mut self) {
        self.run_until(self.until);
    }

    /// Applies an extra command (from the page) at the next whole millisecond, and runs the
    /// simulation to it. A scenario's commands are whole milliseconds and run first at their
    /// instant, so `commands()` replays this run exactly: the same trace hash as the live run.
    pub fn command_now(&mut self, action: Action) {
        let at_ms = self.now / MS + 1;
        if at_ms * MS > self.until {
            return; // the run is over
        }
        self.commands.push(Command { at_ms, action });
        let i = self.commands.len() - 1;
        self.queue.push(at_ms * MS, Ev::Command(i));
        self.run_until(at_ms * MS);
    }

    /// The commands so far (scenario's and the page's), for sharing a run.
    pub fn commands(&self) -> &[Command] {
        &self.commands
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

    /// Total lag of the replica groups' consumers (records below the HW not yet processed).
    pub fn consumer_lag_total(&self) -> u64 {
        let mut total = 0;
        for (g, info) in self.topo.groups.iter().enumerate() {
            if g >= self.dbs.len() {
                break;
            }
            for p in self.topo.parts_of(info.topic) {
                let hw = self.partition_hw(p);
                let committed = self.controller.offsets[g].get(&p).copied().unwrap_or(0);
                total += hw.saturating_sub(committed);
            }
        }
        total
    }

    /// The high watermark of a partition at its current leader (or the best replica).
    pub fn partition_hw(&self, p: u32) -> u64 {
        match self.controller.parts[p as usize].leader {
            Some(l) => self.brokers[l as usize].logs[p as usize].hw,
            None => 0,
        }
    }

    /// Records committed to an outbox and not yet acknowledged by their relay.
    pub fn relay_lag_records(&self) -> u64 {
        self.relays
            .iter()
            .enumerate()
            .map(|(i, r)| (self.app.outbox[i].len() as u64).saturating_sub(r.acked_upto.max(r.saved)))
            .sum()
    }

    // ----------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Deliver { from, to, sent, msg, dup } => {
                let t = to as usize;
                if self.net.is_cut(from, to) {
                    self.drop_msg(from, to, &msg, DropWhy::Cut);
                    return;
                }
                match self.status[t] {
                    Status::Crashed => self.drop_msg(from, to, &msg, DropWhy::Crashed),
                    Status::Paused { .. } => self.paused[t].push(Ev::Deliver { from, to, sent, msg, dup }),
                    Status::Up => {
                        self.trace.mix(((from as u64) << 16) | to as u64);
                        self.dispatch(to, Input::Msg(from, msg));
                    }
                }
            }
            Ev::Timer { node, incarnation, timer } => {
                let n = node as usize;
                if self.incarnation[n] != incarnation {
                    return;
                }
                match self.status[n] {
                    Status::Crashed => {}
                    Status::Paused { .. } => self.paused[n].push(Ev::Timer { node, incarnation, timer }),
                    Status::Up => self.dispatch(node, Input::Timer(timer)),
                }
            }
            Ev::Command(i) => {
                let c = self.commands[i].clone();
                self.command(c.action);
            }
            Ev::Fire { delivery, kind } => {
                let app = self.topo.app;
                match self.status[app as usize] {
                    Status::Crashed => {
                        self.notice(app, NoticeKind::AppDown { delivery, kind });
                    }
                    Status::Paused { .. } => self.paused[app as usize].push(Ev::Fire { delivery, kind }),
                    Status::Up => self.dispatch(app, Input::Fire(delivery, kind)),
                }
            }
            Ev::Arrival(g) => self.arrival(g),
            Ev::Resume { node } => {
                let n = node as usize;
                if let Status::Paused { until } = self.status[n] {
                    if until <= self.now {
                        self.status[n] = Status::Up;
                        for ev in std::mem::take(&mut self.paused[n]) {
                            self.queue.push(self.now, ev);
                        }
                    }
                }
            }
        }
    }

    fn drop_msg(&mut self, from: NodeId, to: NodeId, msg: &super::msg::Msg, why: DropWhy) {
        if msg.carries_data() {
            self.dropped.push(Dropped { from, to, at: self.now, label: msg.label(), kind: msg.event_kind(), why });
        }
    }

    fn notice(&mut self, node: NodeId, kind: NoticeKind) {
        self.notices.push(Notice { t_us: self.now, node, kind });
    }

    /// Runs a node's handler with a context, then applies its effects.
    fn dispatch(&mut self, node: NodeId, input: Input) {
        let armed = self.armed[node as usize];
        let role = self.topo.roles[node as usize];
        let mut fired: Option<Result<u64, Refusal>> = None;
        let mut fire_info = None;
        {
            let Sim {
                ref cfg,
                ref topo,
                ref mut rng,
                ref mut effects,
                ref key_hash,
                ref mut app,
                ref mut relays,
                ref mut brokers,
                ref mut controller,
                ref mut dbs,
                ref mut consumers,
                ref mut client,
                now,
                ..
            } = *self;
            let mut ctx = Ctx { now, node, cfg, topo, rng, out: effects, key_hash, armed };
            match (role, input) {
                (Role::App, Input::Msg(from, m)) => app.on_message(from, m, &mut ctx),
                (Role::App, Input::Timer(t)) => app.on_timer(t, &mut ctx),
                (Role::App, Input::Fire(d, k)) => {
                    fire_info = Some((d, k));
                    fired = Some(app.fire(d, k, &mut ctx));
                }
                (Role::App, Input::Broadcast) => {
                    app.broadcast(&mut ctx);
                }
                (Role::App, Input::Start) => app.start(&mut ctx),
                (Role::Relay(i), Input::Msg(from, m)) => relays[i as usize].on_message(from, m, &mut ctx),
                (Role::Relay(i), Input::Timer(t)) => relays[i as usize].on_timer(t, &mut ctx),
                (Role::Relay(i), Input::Start) => relays[i as usize].start(&mut ctx),
                (Role::Broker(i), Input::Msg(from, m)) => brokers[i as usize].on_message(from, m, &mut ctx),
                (Role::Broker(i), Input::Timer(t)) => brokers[i as usize].on_timer(t, &mut ctx),
                (Role::Broker(i), Input::Start) => brokers[i as usize].start(&mut ctx),
                (Role::Controller, Input::Msg(from, m)) => controller.on_message(from, m, &mut ctx),
                (Role::Controller, Input::Timer(t)) => controller.on_timer(t, &mut ctx),
                (Role::Controller, Input::Start) => controller.start(&mut ctx),
                (Role::Controller, Input::Rewind(g)) => controller.rewind(g, &mut ctx),
                (Role::Db(i), Input::Msg(from, m)) => dbs[i as usize].on_message(from, m, &mut ctx),
                (Role::Db(i), Input::Timer(t)) => dbs[i as usize].on_timer(t, &mut ctx),
                (Role::Db(i), Input::Start) => dbs[i as usize].start(&mut ctx),
                (Role::Consumer(i), Input::Msg(from, m)) => consumers[i as usize].on_message(from, m, &mut ctx),
                (Role::Consumer(i), Input::Timer(t)) => consumers[i as usize].on_timer(t, &mut ctx),
                (Role::Consumer(i), Input::Start) => consumers[i as usize].start(&mut ctx),
                (Role::Client, Input::Msg(from, m)) => client.on_message(from, m, &mut ctx),
                (Role::Client, Input::Timer(t)) => client.on_timer(t, &mut ctx),
                (Role::Client, Input::Read(d, mode, replica, latest)) => {
                    client.read(d, mode, replica, latest, &mut ctx)
                }
                _ => {}
            }
            // A crash point consumed by the handler is disarmed.
            if ctx.armed.is_none() && armed.is_some() {
                self.armed[node as usize] = None;
            }
        }
        if let (Some(Err(refusal)), Some((d, k))) = (fired, fire_info) {
            let from = match refusal {
                Refusal::NotAllowed { from, .. } => Some(from),
                Refusal::AlreadyExists => self.app.rows.get(d as usize).copied().flatten().map(|r| r.0),
                Refusal::NoSuchDelivery => None,
            };
            self.notice(node, NoticeKind::Refused { delivery: d, kind: k, from });
        }
        self.apply_effects(node);
    }

    fn apply_effects(&mut self, node: NodeId) {
        let mut effects = std::mem::take(&mut self.effects);
        let inc = self.incarnation[node as usize];
        for e in effects.drain(..) {
            match e {
                Effect::Send { to, msg } => self.send(node, to, msg),
                Effect::Timer { after, timer } => {
                    self.queue.push(self.now + after, Ev::Timer { node, incarnation: inc, timer })
                }
                Effect::Record(op) => self.record(node, op),
                Effect::Apply { sink, payload } => self.apply_at_sink(node, sink, payload),
                Effect::WriterAck { delivery, seq, fired_at } => {
                    let d = delivery as usize;
                    if self.writer_acked.len() <= d {
                        self.writer_acked.resize(d + 1, 0);
                    }
                    self.writer_acked[d] = self.writer_acked[d].max(seq);
                    self.write_latencies.push(self.now - fired_at);
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

    fn apply_at_sink(&mut self, consumer: NodeId, sink: Sink, payload: Payload) {
        match sink {
            Sink::Db(i) => {
                let db_node = self.topo.dbs[i as usize];
                let idem = self.cfg.idempotent_consumer;
                if let Some(op) = self.dbs[i as usize].apply(db_node, payload, idem) {
                    self.record(consumer, op);
                }
            }
            Sink::Dashboard => self.dashboard.apply(payload),
            Sink::Server(i) => {
                if let Payload::Config { value } = payload {
                    self.server_values[i as usize] = Some(value);
                }
            }
        }
    }

    /// Network: cut links and random drops lose a message; latency plus jitter delays it;
    /// a duplicate arrives a little later.
    fn send(&mut self, from: NodeId, to: NodeId, msg: super::msg::Msg) {
        if self.net.is_cut(from, to) {
            self.drop_msg(from, to, &msg, DropWhy::Cut);
            return;
        }
        if self.rng.chance_ppm(self.net.drop_ppm) {
            self.drop_msg(from, to, &msg, DropWhy::Random);
            return;
        }
        let jitter = if self.net.jitter_us > 0 { self.rng.between(0, self.net.jitter_us) } else { 0 };
        // Links are FIFO, as Kafka's and the databases' TCP connections are: jitter delays a
        // message but never lets it overtake an earlier one on the same link.
        let link = from as usize * self.topo.names.len() + to as usize;
        let distance = self.replica_distance_us(from) + self.replica_distance_us(to);
        let at = (self.now + self.net.latency_us + distance + jitter).max(self.link_last[link]);
        self.link_last[link] = at;
        if self.rng.chance_ppm(self.net.duplicate_ppm) {
            let extra = self.rng.between(0, self.net.jitter_us + self.net.latency_us);
            self.queue.push(at + extra, Ev::Deliver { from, to, sent: self.now, msg: msg.clone(), dup: true });
        }
        self.queue.push(at, Ev::Deliver { from, to, sent: self.now, msg, dup: false });
    }

    /// Extra one-way latency of links touching replica `dbI`: (I-1) × replica_spread_ms.
    fn replica_distance_us(&self, node: NodeId) -> Time {
        match self.topo.roles[node as usize] {
            Role::Db(i) => i as Time * self.cfg.replica_spread_ms * MS,
            _ => 0,
        }
    }

    fn record(&mut self, node: NodeId, op: Op) {
        let rec = Rec { t_us: self.now, node, op };
        self.trace.mix(hash_rec(&rec));
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

    // ----------------------------------------------------------------------------------------
    // Lifecycle
    // ----------------------------------------------------------------------------------------

    fn start_node(&mut self, node: NodeId) {
        if let Role::Consumer(i) = self.topo.roles[node as usize] {
            if Some(node) == self.topo.dashboard && self.consumers[i as usize].sink == Sink::Dashboard {
                self.dashboard.restore();
            }
        }
        self.dispatch(node, Input::Start);
    }

    /// Nodes that go down with `node`: a replica's consumers run in its process.
    fn colocated(&self, node: NodeId) -> Vec<NodeId> {
        let mut v = vec![node];
        if let Role::Db(i) = self.topo.roles[node as usize] {
            for &m in &self.topo.groups[i as usize].members {
                v.push(self.topo.consumers[m as usize]);
            }
        }
        v
    }

    fn crash(&mut self, node: NodeId) {
        for n in self.colocated(node) {
            let i = n as usize;
            if self.status[i] == Status::Crashed {
                continue;
            }
            self.status[i] = Status::Crashed;
            self.incarnation[i] += 1;
            self.paused[i].clear();
            match self.topo.roles[i] {
                Role::App => self.app.crash(),
                Role::Relay(r) => self.relays[r as usize].crash(),
                Role::Broker(b) => self.brokers[b as usize].crash(),
                Role::Controller => self.controller.crash(),
                Role::Db(_) => {}
                Role::Consumer(c) => {
                    self.consumers[c as usize].crash();
                    if Some(n) == self.topo.dashboard {
                        self.dashboard.crash();
                    }
                }
                Role::Client => self.client.crash(),
            }
            self.record(n, Op::Crash);
        }
        self.last_fault_us = Some(self.now);
    }

    fn restart(&mut self, node: NodeId) {
        for n in self.colocated(node) {
            let i = n as usize;
            if self.status[i] != Status::Crashed {
                continue;
            }
            self.status[i] = Status::Up;
            self.incarnation[i] += 1;
            self.record(n, Op::Restart);
            self.start_node(n);
        }
        self.last_heal_us = Some(self.now);
    }

    // ----------------------------------------------------------------------------------------
    // Commands
    // ----------------------------------------------------------------------------------------

    /// The id of a delivery name, interning it (and its key hash) if new.
    pub fn delivery(&mut self, name: &str) -> DeliveryId {
        if let Some(&d) = self.delivery_index.get(name) {
            return d;
        }
        let d = self.names.deliveries.len() as DeliveryId;
        self.names.deliveries.push(name.to_string());
        self.delivery_index.insert(name.to_string(), d);
        self.key_hash.push(super::domain::murmur2(name.as_bytes()) & 0x7fff_ffff);
        if self.app.rows.len() <= d as usize {
            self.app.rows.resize(d as usize + 1, None);
        }
        d
    }

    fn node_id(&self, name: &str) -> Option<NodeId> {
        self.topo.node(name)
    }

    fn command(&mut self, action: Action) {
        self.trace.mix(0xC0DE);
        match action {
            Action::Fire { delivery, event } => {
                let d = self.delivery(&delivery);
                self.handle(Ev::Fire { delivery: d, kind: event });
            }
            Action::Traffic { per_sec, for_ms, cancel_ratio, step_ms } => {
                let per_sec = per_sec.max(1) as u64;
                self.traffic.push(Traffic {
                    mean_gap_us: (1_000_000 / per_sec).max(1),
                    until: self.now + for_ms * MS,
                    cancel_ppm: ppm_from_f64(cancel_ratio),
                    step_us: step_ms.unwrap_or(300) * MS,
                });
                let g = self.traffic.len() - 1;
                self.queue.push(self.now, Ev::Arrival(g));
            }
            Action::Crash { node, when } => {
                let Some(n) = self.node_id(&node) else { return };
                match when {
                    None => self.crash(n),
                    Some(p) => self.armed[n as usize] = Some(p),
                }
            }
            Action::Restart { node } => {
                if let Some(n) = self.node_id(&node) {
                    self.restart(n);
                }
            }
            Action::Cut { from, to, oneway } => {
                let (Some(a), Some(b)) = (self.node_id(&from), self.node_id(&to)) else { return };
                self.net.cuts.insert((a, b));
                if !oneway {
                    self.net.cuts.insert((b, a));
                }
                self.record(a, Op::Cut { to: b, oneway });
                self.last_fault_us = Some(self.now);
            }
            Action::Partition { groups } => {
                let ids: Vec<Vec<NodeId>> =
                    groups.iter().map(|g| g.iter().filter_map(|n| self.node_id(n)).collect()).collect();
                for (i, ga) in ids.iter().enumerate() {
                    for gb in ids.iter().skip(i + 1) {
                        for &a in ga {
                            for &b in gb {
                                self.net.cuts.insert((a, b));
                                self.net.cuts.insert((b, a));
                                self.record(a, Op::Cut { to: b, oneway: false });
                            }
                        }
                    }
                }
                self.last_fault_us = Some(self.now);
            }
            Action::Heal { from, to } => {
                match (from.and_then(|f| self.node_id(&f)), to.and_then(|t| self.node_id(&t))) {
                    (Some(a), Some(b)) => {
                        self.net.cuts.remove(&(a, b));
                        self.net.cuts.remove(&(b, a));
                        self.record(a, Op::Heal { to: Some(b) });
                    }
                    _ => {
                        self.net.cuts.clear();
                        let c = self.topo.controller;
                        self.record(c, Op::Heal { to: None });
                    }
                }
                self.last_heal_us = Some(self.now);
            }
            Action::Pause { node, for_ms } => {
                let Some(n) = self.node_id(&node) else { return };
                let until = self.now + for_ms * MS;
                for m in self.colocated(n) {
                    if self.status[m as usize] == Status::Up {
                        self.status[m as usize] = Status::Paused { until };
                        self.queue.push(until, Ev::Resume { node: m });
                        self.record(m, Op::Pause { for_ms });
                    }
                }
                self.last_fault_us = Some(self.now);
            }
            Action::Net { latency_ms, jitter_ms, drop, duplicate } => {
                if let Some(v) = latency_ms {
                    self.net.latency_us = v * MS;
                    self.cfg.network.latency_ms = v;
                }
                if let Some(v) = jitter_ms {
                    self.net.jitter_us = v * MS;
                    self.cfg.network.jitter_ms = v;
                }
                if let Some(v) = drop {
                    self.net.drop_ppm = ppm_from_f64(v);
                    self.cfg.network.drop = v;
                }
                if let Some(v) = duplicate {
                    self.net.duplicate_ppm = ppm_from_f64(v);
                    self.cfg.network.duplicate = v;
                }
            }
            Action::Read { delivery, mode, replica } => {
                let d = self.delivery(&delivery);
                let mode = mode.unwrap_or(self.cfg.read_mode);
                let replica = replica.and_then(|r| self.node_id(&r));
                let latest = self.writer_acked.get(d as usize).copied().unwrap_or(0);
                let client = self.topo.client;
                if self.status[client as usize] == Status::Up {
                    self.dispatch(client, Input::Read(d, mode, replica, latest));
                }
            }
            Action::Set { key, value } => {
                let mut next = self.cfg.clone();
                if apply_set(&mut next, &key, &value).is_ok() {
                    self.cfg = next;
                    self.net.latency_us = self.cfg.network.latency_ms * MS;
                    self.net.jitter_us = self.cfg.network.jitter_ms * MS;
                    self.net.drop_ppm = ppm_from_f64(self.cfg.network.drop);
                    self.net.duplicate_ppm = ppm_from_f64(self.cfg.network.duplicate);
                    let c = self.topo.controller;
                    self.notice(c, NoticeKind::Set { key });
                }
            }
            Action::Wipe { replica } => {
                let Some(n) = self.node_id(&replica) else { return };
                let Role::Db(i) = self.topo.roles[n as usize] else { return };
                self.dbs[i as usize].wipe();
                // The replica's ingest stops with the wipe: whatever its consumers had fetched
                // and not applied is dropped, and they rejoin their group, which starts over
                // from offset 0.
                for &m in &self.topo.groups[i as usize].members.clone() {
                    self.consumers[m as usize].rejoin();
                }
                self.record(n, Op::Wipe { replica: n });
                let c = self.topo.controller;
                if self.status[c as usize] == Status::Up {
                    self.dispatch(c, Input::Rewind(i as usize));
                } else {
                    self.controller.offsets[i as usize].clear();
                }
                self.last_fault_us = Some(self.now);
            }
            Action::Broadcast { value } => {
                let app = self.topo.app;
                if self.status[app as usize] == Status::Up {
                    self.bus_values.push(value);
                    self.dispatch(app, Input::Broadcast);
                }
            }
        }
    }

    /// A traffic generator's next delivery: its whole lifecycle is planned now.
    fn arrival(&mut self, g: usize) {
        let t = self.traffic[g].clone();
        if self.now >= t.until {
            return;
        }
        let name = format!("T{}", self.next_traffic_id);
        self.next_traffic_id += 1;
        let d = self.delivery(&name);
        let cancel_at = if self.rng.chance_ppm(t.cancel_ppm) { Some(1 + self.rng.below(3) as usize) } else { None };
        let mut at = self.now;
        let mut kind = Kind::Created;
        let mut step = 0;
        loop {
            self.queue.push(at, Ev::Fire { delivery: d, kind });
            step += 1;
            if kind.is_terminal() {
                break;
            }
            at += self.rng.between(t.step_us / 2, t.step_us + t.step_us / 2);
            kind = if cancel_at == Some(step) {
                Kind::Cancelled
            } else {
                match kind.next_on_happy_path() {
                    Some(k) => k,
                    None => break,
                }
            };
        }
        let gap = self.rng.between(t.mean_gap_us / 2, t.mean_gap_us + t.mean_gap_us / 2);
        self.queue.push(self.now + gap.max(1), Ev::Arrival(g));
    }

    // ----------------------------------------------------------------------------------------
    // End of run
    // ----------------------------------------------------------------------------------------

    /// Writes the end-of-run lines: each partition's final log and every row at `app` and at
    /// each replica.
    fn finish(&mut self) {
        self.finished = true;
        for p in 0..self.topo.delivery_parts as usize {
            let m = &self.controller.parts[p];
            // The final log is the current leader's; with no leader, the best in-sync replica's.
            let b = m
                .leader
                .or_else(|| m.isr.iter().copied().max_by_key(|&b| self.brokers[b as usize].logs[p].leo()))
                .unwrap_or(m.replicas[0]);
            let events = self.brokers[b as usize].logs[p].records.iter().filter_map(|r| r.payload.event()).collect();
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
            let row = self.app.rows.get(d).copied().flatten();
            self.record(app, final_line(d, row));
        }
        for i in 0..self.dbs.len() {
            let node = self.topo.dbs[i];
            for d in 0..self.names.deliveries.len() {
                let row = self.dbs[i].rows.get(&(d as DeliveryId)).copied();
                self.record(node, final_line(d, row));
            }
        }
    }

    /// The checker's results so far.
    pub fn check(&self) -> CheckReport {
        self.checker.report()
    }

    /// Hex digest of the whole trace so far.
    pub fn trace_hash(&self) -> String {
        self.trace.hex()
    }

    /// Replica fingerprints: (hash of rows, row count) per replica.
    pub fn replica_hashes(&self) -> Vec<(String, String, usize)> {
        self.dbs
            .iter()
            .enumerate()
            .map(|(i, db)| {
                let mut h = TraceHash::new();
                for (d, (k, v)) in &db.rows {
                    h.mix(*d as u64);
                    h.mix(k.index() as u64);
                    h.mix(*v as u64);
                }
                (self.topo.names[self.topo.dbs[i] as usize].clone(), h.hex(), db.rows.len())
            })
            .collect()
    }

    /// Messages in flight: (from, to, sent, arrives, message), ordered by arrival.
    pub fn in_flight(&self) -> Vec<(NodeId, NodeId, Time, Time, &super::msg::Msg)> {
        self.in_flight_with_dup().into_iter().map(|(f, t, s, a, m, _)| (f, t, s, a, m)).collect()
    }

    /// Messages in flight with whether each is the network's duplicate copy, by arrival.
    pub fn in_flight_with_dup(&self) -> Vec<(NodeId, NodeId, Time, Time, &super::msg::Msg, bool)> {
        let mut v: Vec<_> = self
            .queue
            .iter()
            .filter_map(|e| match &e.ev {
                Ev::Deliver { from, to, sent, msg, dup } => Some((e.at, e.seq, *from, *to, *sent, msg, *dup)),
                _ => None,
            })
            .collect();
        v.sort_by_key(|x| (x.0, x.1));
        v.into_iter().map(|(at, _, f, t, s, m, d)| (f, t, s, at, m, d)).collect()
    }

    /// The time of the next queued event (None when idle).
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    /// Queue length (for the bench).
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }
}

/// What a handler is called with.
enum Input {
    Msg(NodeId, super::msg::Msg),
    Timer(Timer),
    Fire(DeliveryId, Kind),
    Read(DeliveryId, super::config::ReadMode, Option<NodeId>, u32),
    Broadcast,
    Rewind(usize),
    Start,
}

/// A 64-bit digest of one history line (for the trace hash).
fn hash_rec(r: &Rec) -> u64 {
    let mut h = TraceHash::new();
    h.mix(r.t_us);
    h.mix(r.node as u64);
    match &r.op {
        Op::Commit { event, seq, .. } => {
            h.mix(1);
            h.mix(*event);
            h.mix(*seq as u64);
        }
        Op::Publish { event, partition } => {
            h.mix(2);
            h.mix(*event);
            h.mix(*partition as u64);
        }
        Op::Append { event, partition, offset }
        | Op::Ack { event, partition, offset }
        | Op::Deliver { event, partition, offset } => {
            h.mix(3);
            h.mix(*event);
            h.mix(*partition as u64);
            h.mix(*offset);
        }
        Op::Apply { replica, event, .. } => {
            h.mix(4);
            h.mix(*replica as u64);
            h.mix(*event);
        }
        Op::Skip { replica, event, .. } => {
            h.mix(5);
            h.mix(replica.map(|r| r as u64).unwrap_or(u64::MAX));
            h.mix(*event);
        }
        Op::Read { delivery, version, refused, .. } => {
            h.mix(6);
            h.mix(*delivery as u64);
            h.mix(*version as u64);
            h.mix(*refused as u64);
        }
        Op::FinalLog { partition, events } => {
            h.mix(7);
            h.mix(*partition as u64);
            for e in events {
                h.mix(*e);
            }
        }
        Op::Final { delivery, version, .. } => {
            h.mix(8);
            h.mix(*delivery as u64);
            h.mix(*version as u64);
        }
        other => {
            h.mix(9);
            h.mix(other.name().len() as u64);
        }
    }
    h.0
}
