//! The generator of one fault schedule: a topology drawn from the schedule's seed (when asked)
//! and random faults of every kind in `[FAULTS_FROM_MS, heal_ms)`, every one of them healed,
//! restarted or reset at `heal_ms` — except the nodes left down for good.
//!
//! The one generator of random schedules: `lab sweep` and `tests/properties.rs` both draw here.

use crate::sim::command::{Action, Command, CrashPoint};
use crate::sim::config::{Config, NetworkConfig, ReadMode, WriteMode};
use crate::sim::rng::Prng;
use crate::sim::topology::{node_roles, NodeRole};

/// The first fault of a schedule is at or after this time, ms: the run starts healthy, so every
/// partition's ISR is whole when the first node is lost for good.
pub const FAULTS_FROM_MS: u64 = 200;

/// The topology keys a schedule draws (`--draw-topology`), the rest of the config kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Topology {
    pub brokers: u32,
    pub partitions: u32,
    pub replication_factor: u32,
    pub replicas: u32,
    pub consumers_per_group: u32,
    pub outbox_shards: u32,
    pub servers: u32,
    pub dashboard: bool,
}

impl Topology {
    /// A topology drawn from `r` that keeps `min_insync_replicas` (a setting, not a topology
    /// key) meaningful: brokers in min.insync..=5 (at least 1), replication factor in
    /// min.insync..=brokers, partitions 1–6, replicas 1–4, consumers per group 1–3, outbox
    /// shards 1–3, event-bus servers 0–2, the dashboard on or off.
    pub fn draw(r: &mut Prng, min_insync_replicas: u32) -> Topology {
        let low = u64::from(min_insync_replicas.max(1));
        let brokers = r.between(low, low.max(5));
        let replication_factor = r.between(low, brokers);
        Topology {
            brokers: brokers as u32,
            partitions: r.between(1, 6) as u32,
            replication_factor: replication_factor as u32,
            replicas: r.between(1, 4) as u32,
            consumers_per_group: r.between(1, 3) as u32,
            outbox_shards: r.between(1, 3) as u32,
            servers: r.between(0, 2) as u32,
            dashboard: r.below(2) == 0,
        }
    }

    /// Writes these keys into `config`.
    pub fn apply(&self, config: &mut Config) {
        config.brokers = self.brokers;
        config.partitions = self.partitions;
        config.replication_factor = self.replication_factor;
        config.replicas = self.replicas;
        config.consumers_per_group = self.consumers_per_group;
        config.outbox_shards = self.outbox_shards;
        config.servers = self.servers;
        config.dashboard = self.dashboard;
    }
}

/// The nodes a schedule leaves down for good (`--leave-down`): as many brokers as every
/// partition can lose and still keep `min_insync_replicas` replicas (at most replication factor
/// − min.insync: a partition that loses its last in-sync replica for good stays offline, as
/// Kafka's does with `unclean.leader.election.enable=false`); for half of the replica groups
/// with two members or more, one member (the group rebalances its partitions to the others);
/// and in half of the schedules one relay's Connect worker (see [`RELAY_TASK_MOVE_MS`]).
fn draw_left_down(r: &mut Prng, config: &Config) -> Vec<NodeRole> {
    let spare = config.replication_factor.saturating_sub(config.min_insync_replicas.max(1));
    let mut brokers: Vec<u32> = (1..=config.brokers).collect();
    let mut down = Vec::new();
    if spare > 0 {
        for _ in 0..r.between(1, u64::from(spare)) {
            let i = r.below(brokers.len() as u64) as usize;
            down.push(NodeRole::Broker(brokers.remove(i)));
        }
    }
    if r.below(2) == 0 {
        down.push(NodeRole::Relay(r.below(u64::from(config.outbox_shards)) as u32));
    }
    if config.consumers_per_group >= 2 {
        for db in 1..=config.replicas {
            if r.below(2) == 0 {
                let member = r.between(1, u64::from(config.consumers_per_group)) as u32;
                down.push(NodeRole::Consumer { db, member });
            }
        }
    }
    down
}

/// How long after a relay's worker is lost for good its task runs again, ms. A relay is one
/// Connect source task; Kafka Connect "waits for `scheduled.rebalance.max.delay.ms` before
/// triggering a rebalance" when a worker leaves, then gives its tasks to the remaining workers
/// (Kafka docs, "Kafka Connect / Administration"), and the task resumes from the source offset it
/// last committed. The default 300 s is scaled by 1/60 like `metadata.max.age.ms` (`time.rs`).
/// The model has one node per task, not a worker group, so the schedule writes the move as the
/// relay's restart this long after its crash. (A task that never runs again is survivable by no
/// config: nothing else reads its outbox shard.)
pub const RELAY_TASK_MOVE_MS: u64 = 5_000;

/// One schedule's faults: its commands (in no particular order: the engine sorts them by time,
/// ties in list order) and the nodes it leaves down for good.
pub struct Faults {
    pub commands: Vec<Command>,
    pub left_down: Vec<String>,
}

/// Draws the faults of one schedule on `config`'s nodes. Left-down nodes die first, in
/// `[FAULTS_FROM_MS, heal_ms / 4)`, before any other fault (a relay's task moves
/// [`RELAY_TASK_MOVE_MS`] later); the other faults (1 to the larger of 8 and one per
/// 500 ms of the window) start after the last of those deaths and end by `heal_ms`, when everything heals: links,
/// the network settings (back to `config`'s), and every node not left down restarts.
pub fn draw_faults(r: &mut Prng, config: &Config, heal_ms: u64, leave_down: bool) -> Faults {
    let down = if leave_down { draw_left_down(r, config) } else { Vec::new() };
    let mut cmds = Vec::new();
    let mut from = FAULTS_FROM_MS;
    let quarter = (heal_ms / 4).max(FAULTS_FROM_MS + 1);
    for role in &down {
        let at = r.between(FAULTS_FROM_MS, quarter);
        from = from.max(at + 1);
        cmds.push(command(at, Action::Crash { node: role.name(), when: None }));
        if let NodeRole::Relay(_) = role {
            cmds.push(command(at + RELAY_TASK_MOVE_MS, Action::Restart { node: role.name() }));
        }
    }
    let targets = Targets::of(config, &down);
    // Too short a window for any fault is a window with none.
    if heal_ms > from + 200 {
        // About one fault per 500 ms of the window (at least up to 8), so they overlap.
        for _ in 0..r.between(1, ((heal_ms - from) / 500).max(8)) {
            let at = r.between(from, heal_ms - 200);
            let until = (at + 100 + r.below(1500)).min(heal_ms - 100);
            cmds.extend(one_fault(r, config, &targets, at, until));
        }
        cmds.extend(reads(r, from, heal_ms));
    }
    cmds.extend(heal_everything(config, &targets, heal_ms));
    Faults { commands: cmds, left_down: down.iter().map(|n| n.name()).collect() }
}

fn command(at_ms: u64, action: Action) -> Command {
    Command { at_ms, action }
}

/// Which nodes each kind of fault may touch.
struct Targets {
    /// Every node: cuts and partitions touch any of them.
    all: Vec<String>,
    /// Nodes that may crash, pause and restart: every node but those left down (a relay whose
    /// task moves comes back at its own time, not earlier) and the `dbI`
    /// whose consumer is left down (crashing or restarting `dbI` crashes or restarts its
    /// consumers too, which would bring the left-down one back).
    alive: Vec<String>,
    /// Replica dbs that may be wiped (every `dbI` when replicas are fed by consumers).
    wipeable: Vec<String>,
}

impl Targets {
    fn of(config: &Config, down: &[NodeRole]) -> Targets {
        let roles = node_roles(config);
        let held = |role: &NodeRole| match role {
            NodeRole::Db(i) => down.iter().any(|d| matches!(d, NodeRole::Consumer { db, .. } if db == i)),
            other => down.contains(other),
        };
        // A wipe rebuilds a replica only from its consumer group's log: with direct writes
        // (serial_sync, quorum, serial_async) nothing would rebuild it.
        let wipeable = match config.write_mode {
            WriteMode::ViaBroker => roles.iter().filter(|r| matches!(r, NodeRole::Db(_))).map(|r| r.name()).collect(),
            _ => Vec::new(),
        };
        Targets {
            all: roles.iter().map(|r| r.name()).collect(),
            alive: roles.iter().filter(|r| !held(r)).map(|r| r.name()).collect(),
            wipeable,
        }
    }
}

fn pick<'a>(r: &mut Prng, xs: &'a [String]) -> &'a str {
    &xs[r.below(xs.len() as u64) as usize]
}

/// One fault from `at` to `until` (ms): a crash (sometimes at a crash point) and its restart,
/// a cut one-way or both ways and its heal, a pause, a change of drop, duplicate and jitter
/// and its reset, a partition and its heal, or a wipe.
fn one_fault(r: &mut Prng, config: &Config, t: &Targets, at: u64, until: u64) -> Vec<Command> {
    match r.below(8) {
        0..=2 => {
            let node = pick(r, &t.alive).to_string();
            let when = crash_point(r, &node);
            vec![command(at, Action::Crash { node: node.clone(), when }), command(until, Action::Restart { node })]
        }
        3 => {
            let (a, b) = (pick(r, &t.all).to_string(), pick(r, &t.all).to_string());
            if a == b {
                return Vec::new();
            }
            let oneway = r.below(2) == 0;
            vec![
                command(at, Action::Cut { from: a.clone(), to: b.clone(), oneway }),
                command(until, Action::Heal { from: Some(a), to: Some(b) }),
            ]
        }
        4 => vec![command(at, Action::Pause { node: pick(r, &t.alive).to_string(), for_ms: until - at })],
        5 => vec![
            command(
                at,
                Action::Net {
                    latency_ms: None,
                    jitter_ms: Some(r.below(30)),
                    drop: Some(r.below(20) as f64 / 100.0),
                    duplicate: Some(r.below(20) as f64 / 100.0),
                },
            ),
            command(until, reset_network(&config.network)),
        ],
        6 => partition(r, &t.all, at, until),
        _ if !t.wipeable.is_empty() => vec![command(at, Action::Wipe { replica: pick(r, &t.wipeable).to_string() })],
        _ => Vec::new(),
    }
}

/// A crash point the node's role has, half of the time; none otherwise.
fn crash_point(r: &mut Prng, node: &str) -> Option<CrashPoint> {
    let consumer = node.starts_with("db") && node.contains("-c");
    let point = match node {
        "app" => CrashPoint::AfterDbCommit,
        _ if node.starts_with("relay-") => CrashPoint::AfterPublish,
        _ if consumer => CrashPoint::AfterApply,
        _ => return None,
    };
    (r.below(2) == 0).then_some(point)
}

/// The network settings of `network` again (after a fault changed them).
fn reset_network(network: &NetworkConfig) -> Action {
    Action::Net {
        latency_ms: Some(network.latency_ms),
        jitter_ms: Some(network.jitter_ms),
        drop: Some(network.drop),
        duplicate: Some(network.duplicate),
    }
}

/// A partition of 1–4 random nodes from the rest, from `at` until `until` (ms).
fn partition(r: &mut Prng, nodes: &[String], at: u64, until: u64) -> Vec<Command> {
    let mut rest = nodes.to_vec();
    let k = (1 + r.below(4) as usize).min(rest.len() - 1);
    let group = (0..k).map(|_| rest.remove(r.below(rest.len() as u64) as usize)).collect();
    vec![
        command(at, Action::Partition { groups: vec![group, rest] }),
        command(until, Action::Heal { from: None, to: None }),
    ]
}

/// Three reads of traffic deliveries (`T1` … `T20`) in any read mode: they exercise the client
/// during faults (a stale read is a result of the read mode, not a failure).
fn reads(r: &mut Prng, from: u64, heal_ms: u64) -> Vec<Command> {
    (0..3)
        .map(|_| {
            let mode = [ReadMode::One, ReadMode::Quorum, ReadMode::All][r.below(3) as usize];
            let delivery = format!("T{}", 1 + r.below(20));
            command(r.between(from, heal_ms), Action::Read { delivery, mode: Some(mode), replica: None })
        })
        .collect()
}

/// At `heal_ms`: every link heals, the network settings return to the config's, and every node
/// that may restart does (which also cancels the crash points still armed).
fn heal_everything(config: &Config, t: &Targets, heal_ms: u64) -> Vec<Command> {
    let mut cmds =
        vec![command(heal_ms, Action::Heal { from: None, to: None }), command(heal_ms, reset_network(&config.network))];
    cmds.extend(t.alive.iter().map(|node| command(heal_ms, Action::Restart { node: node.clone() })));
    cmds
}
