//! Property tests over random topologies and fault schedules, and determinism tests.
//!
//! As TigerBeetle's VOPR does, each case draws its own topology (brokers, partitions,
//! replication, replicas, consumers, relays) and fault schedule from its seed, so a failure
//! names everything needed to run it again: "reproduce with seed=N", the drawn topology, and the
//! scenario itself (save it and `lab run FILE`).

use std::collections::BTreeSet;

use consistency_lab::sim::history::{EventId, Op};
use consistency_lab::sim::report::Report;
use consistency_lab::sim::rng::Prng;
use consistency_lab::sim::scenario::{node_names, parse_scenario, to_json, Scenario};
use consistency_lab::sim::Sim;

/// The topology keys of one case.
#[derive(Clone, Copy, Debug)]
struct Topology {
    brokers: u64,
    partitions: u64,
    replication_factor: u64,
    min_insync_replicas: u64,
    replicas: u64,
    consumers_per_group: u64,
    outbox_shards: u64,
    servers: u64,
    dashboard: bool,
}

impl Topology {
    /// The default config's topology (3 brokers, 3 partitions, RF 3, min.insync 2, 3 replicas).
    const DEFAULT: Topology = Topology {
        brokers: 3,
        partitions: 3,
        replication_factor: 3,
        min_insync_replicas: 2,
        replicas: 3,
        consumers_per_group: 1,
        outbox_shards: 1,
        servers: 0,
        dashboard: true,
    };

    /// A topology drawn from `r`: brokers 1–5, partitions 1–6, RF 1–brokers, min.insync 1–RF,
    /// replicas 1–4, consumers per group 1–3, outbox shards 1–3, event-bus servers 0–2.
    fn draw(r: &mut Prng) -> Topology {
        let brokers = r.between(1, 5);
        let replication_factor = r.between(1, brokers);
        Topology {
            brokers,
            partitions: r.between(1, 6),
            replication_factor,
            min_insync_replicas: r.between(1, replication_factor),
            replicas: r.between(1, 4),
            consumers_per_group: r.between(1, 3),
            outbox_shards: r.between(1, 3),
            servers: r.between(0, 2),
            dashboard: r.below(2) == 0,
        }
    }

    /// `settings` (a config object, JSON) with this topology's keys added.
    fn config(&self, settings: &str) -> serde_json::Value {
        let mut config: serde_json::Value = serde_json::from_str(settings).expect("settings are JSON");
        let t = *self;
        for (key, value) in [
            ("brokers", t.brokers.into()),
            ("partitions", t.partitions.into()),
            ("replication_factor", t.replication_factor.into()),
            ("min_insync_replicas", t.min_insync_replicas.into()),
            ("replicas", t.replicas.into()),
            ("consumers_per_group", t.consumers_per_group.into()),
            ("outbox_shards", t.outbox_shards.into()),
            ("servers", t.servers.into()),
            ("dashboard", t.dashboard.into()),
        ] {
            config[key] = value;
        }
        config
    }
}

fn pick<'a>(r: &mut Prng, xs: &[&'a str]) -> &'a str {
    xs[r.below(xs.len() as u64) as usize]
}

/// A crash of `node`, sometimes at the crash point its role has.
fn crash_point(r: &mut Prng, node: &str) -> &'static str {
    let consumer = node.starts_with("db") && node.contains("-c");
    match node {
        "app" if r.below(2) == 0 => r#","when":"after_db_commit""#,
        _ if node.starts_with("relay-") && r.below(2) == 0 => r#","when":"after_publish""#,
        _ if consumer && r.below(2) == 0 => r#","when":"after_apply""#,
        _ => "",
    }
}

/// A random schedule of faults on `nodes` between 200 ms and `fault_end` ms, every one of them
/// healed, restarted or reset by `fault_end`, plus traffic and a few reads.
fn random_commands(r: &mut Prng, nodes: &[&str], fault_end: u64) -> Vec<String> {
    let mut cmds = vec![r#"{"at_ms":0,"do":"traffic","per_sec":25,"for_ms":4000,"cancel_ratio":0.2}"#.to_string()];
    let n = 1 + r.below(6);
    for _ in 0..n {
        let at = 200 + r.below(fault_end - 1200);
        let until = (at + 100 + r.below(1500)).min(fault_end - 100);
        match r.below(6) {
            0 | 1 => {
                let node = pick(r, nodes);
                let when = crash_point(r, node);
                cmds.push(format!(r#"{{"at_ms":{at},"do":"crash","node":"{node}"{when}}}"#));
                cmds.push(format!(r#"{{"at_ms":{until},"do":"restart","node":"{node}"}}"#));
            }
            2 => {
                let a = pick(r, nodes);
                let b = pick(r, nodes);
                if a != b {
                    let oneway = r.below(2) == 0;
                    cmds.push(format!(r#"{{"at_ms":{at},"do":"cut","from":"{a}","to":"{b}","oneway":{oneway}}}"#));
                    cmds.push(format!(r#"{{"at_ms":{until},"do":"heal","from":"{a}","to":"{b}"}}"#));
                }
            }
            3 => {
                let node = pick(r, nodes);
                cmds.push(format!(r#"{{"at_ms":{at},"do":"pause","node":"{node}","for_ms":{}}}"#, until - at));
            }
            4 => {
                let drop = r.below(20) as f64 / 100.0;
                let dup = r.below(20) as f64 / 100.0;
                cmds.push(format!(r#"{{"at_ms":{at},"do":"net","drop":{drop},"duplicate":{dup}}}"#));
                cmds.push(format!(r#"{{"at_ms":{until},"do":"net","drop":0,"duplicate":0}}"#));
            }
            _ => cmds.extend(random_partition(r, nodes, at, until)),
        }
    }
    for _ in 0..3 {
        let at = 500 + r.below(fault_end);
        let mode = pick(r, &["one", "quorum", "all"]);
        cmds.push(format!(r#"{{"at_ms":{at},"do":"read","delivery":"T{}","mode":"{mode}"}}"#, 1 + r.below(20)));
    }
    // Everything heals by fault_end, whatever the schedule did.
    cmds.push(format!(r#"{{"at_ms":{fault_end},"do":"heal"}}"#));
    cmds.push(format!(r#"{{"at_ms":{fault_end},"do":"net","drop":0,"duplicate":0}}"#));
    for node in nodes {
        cmds.push(format!(r#"{{"at_ms":{fault_end},"do":"restart","node":"{node}"}}"#));
    }
    cmds
}

/// A network partition of 1–4 random nodes from the rest, from `at` until `until` (ms).
fn random_partition(r: &mut Prng, nodes: &[&str], at: u64, until: u64) -> [String; 2] {
    let mut rest: Vec<&str> = nodes.to_vec();
    let k = (1 + r.below(4) as usize).min(rest.len() - 1);
    let mut g1 = Vec::new();
    for _ in 0..k {
        let i = r.below(rest.len() as u64) as usize;
        g1.push(format!("\"{}\"", rest.remove(i)));
    }
    let g2: Vec<String> = rest.iter().map(|n| format!("\"{n}\"")).collect();
    [
        format!(r#"{{"at_ms":{at},"do":"partition","groups":[[{}],[{}]]}}"#, g1.join(","), g2.join(",")),
        format!(r#"{{"at_ms":{until},"do":"heal"}}"#),
    ]
}

/// One case: its topology, then its fault schedule, both drawn from `case`.
struct Case {
    case: u64,
    topology: Topology,
    scenario: Scenario,
}

impl Case {
    /// Case `case` with `settings` (a config object, JSON) on a topology drawn from the case.
    fn drawn(case: u64, settings: &str, until_ms: u64, fault_end: u64) -> Case {
        let mut r = Prng::new(0xC0FFEE ^ case);
        let topology = Topology::draw(&mut r);
        Case::build(case, &mut r, topology, settings, until_ms, fault_end)
    }

    /// Case `case` with `settings` on the default topology.
    fn fixed(case: u64, settings: &str, until_ms: u64, fault_end: u64) -> Case {
        let mut r = Prng::new(0xC0FFEE ^ case);
        Case::build(case, &mut r, Topology::DEFAULT, settings, until_ms, fault_end)
    }

    fn build(case: u64, r: &mut Prng, topology: Topology, settings: &str, until_ms: u64, fault_end: u64) -> Case {
        let config = topology.config(settings);
        let bare = parse_scenario(&format!(r#"{{"id":"prop-{case}","config":{config}}}"#))
            .unwrap_or_else(|e| panic!("reproduce with seed={case}: drawn config invalid: {e}\n{config}"));
        let names = node_names(&bare.config);
        let nodes: Vec<&str> = names.iter().map(String::as_str).collect();
        let cmds = random_commands(r, &nodes, fault_end);
        let json = format!(
            r#"{{"id":"prop-{case}","seed":{case},"until_ms":{until_ms},"config":{config},"commands":[{}]}}"#,
            cmds.join(",")
        );
        let scenario = parse_scenario(&json)
            .unwrap_or_else(|e| panic!("reproduce with seed={case}: generated scenario invalid: {e}\n{json}"));
        Case { case, topology, scenario }
    }

    /// Runs the case to its end.
    fn run(&self) -> Sim {
        let mut sim = Sim::new(self.scenario.clone());
        sim.run_to_end();
        sim
    }

    /// What a failure message names: the seed, the drawn topology and the scenario.
    fn repro(&self) -> String {
        format!(
            "reproduce with seed={} (save the scenario below and `lab run FILE`)\ntopology: {:?}\n{}",
            self.case,
            self.topology,
            to_json(&self.scenario)
        )
    }
}

/// Event ids of the history lines `op` picks out.
fn events(sim: &Sim, op: impl Fn(&Op) -> Option<EventId>) -> BTreeSet<EventId> {
    sim.history().iter().filter_map(|r| op(&r.op)).collect()
}

/// The safe settings: outbox, key partitioner, idempotent producer, acks=all, idempotent
/// consumer, commit after processing. The relays' producer (a connector's producer.override.*)
/// is idempotent with five requests in flight: until the producer batches records, a request
/// carries one record, and the Connect worker's one request in flight starves the relays.
const SAFE: &str = r#"{"publish":"outbox","partitioner":"key","idempotent_producer":true,"acks":"all",
    "relay_producer":{"idempotent":true,"max_in_flight":5},
    "idempotent_consumer":true,"consumer_commit":"after_process"}"#;

/// Safe settings on any drawn topology: any random schedule of crashes, restarts, cuts, pauses,
/// drops and duplicates that heals before the end loses nothing, applies nothing twice, keeps
/// order, and converges; and the relays publish every committed event at least once. 1000 cases.
#[test]
fn safe_settings_survive_any_healed_fault_schedule() {
    for case in 1..=1000u64 {
        check_safe(&Case::drawn(case, SAFE, 16_000, 6_000));
    }
}

/// A restart cancels a crash point armed at the node and not yet reached. Seed 2410 (5 brokers,
/// 2 partitions, RF 5, min.insync 4, 4 replicas, 1 relay) arms `crash db3-c1 when after_apply`
/// at 4533 ms while db3-c1 has nothing to apply; its `restart db3-c1` at 6000 ms finds it
/// running. Before the fix the armed crash fired at 6071 ms, after the last restart, and db3
/// missed 438 events.
#[test]
fn restart_cancels_an_armed_crash_point_seed_2410() {
    check_safe(&Case::drawn(2410, SAFE, 16_000, 6_000));
}

/// The safe settings' claims on one case.
fn check_safe(c: &Case) {
    let sim = c.run();
    let r = Report::of(&sim);
    let a = &r.anomalies;
    let bad = (a.lost, a.phantom, a.duplicate_applied, a.out_of_order, a.invalid_transition, a.acked_lost);
    assert!(bad == (0, 0, 0, 0, 0, 0) && r.converged, "{a:?} converged={}; {}", r.converged, c.repro());
    let committed = events(&sim, |op| if let Op::Commit { event, .. } = op { Some(*event) } else { None });
    let published = events(&sim, |op| if let Op::Publish { event, .. } = op { Some(*event) } else { None });
    let unpublished: Vec<_> = committed.difference(&published).collect();
    assert!(unpublished.is_empty(), "committed, never published: {unpublished:?}; {}", c.repro());
}

/// Any settings on any drawn topology, faults healed before the end: no panic, and the
/// pipeline's lines follow each other — nothing is published that was not committed, appended
/// that was not published, delivered before it was appended, or applied by a consumer without
/// being delivered; with the outbox, the relays have published every committed event by the
/// end (retries only add), so `published >= committed`.
#[test]
fn random_settings_and_faults_never_panic_and_counts_balance() {
    let settings = [
        r#"{"acks":"1","idempotent_producer":false,"max_in_flight":5,"partitioner":"round_robin"}"#,
        r#"{"acks":"0","publish":"dual_write","idempotent_consumer":false}"#,
        r#"{"consumer_commit":"before_process","unclean_leader_election":true}"#,
        r#"{"publish":"dual_write","bus_groups":"shared"}"#,
        r#"{"write_mode":"quorum","read_mode":"quorum"}"#,
        r#"{"write_mode":"serial_async"}"#,
    ];
    for case in 1..=300u64 {
        let s = settings[(case % settings.len() as u64) as usize];
        let c = Case::drawn(case, s, 9_000, 6_000);
        let sim = c.run();
        check_lines_follow(&c, &sim);
        let counts = Report::of(&sim).counts;
        if c.scenario.config.publish == consistency_lab::sim::config::Publish::Outbox {
            assert!(counts.published >= counts.committed, "{counts:?}; {}", c.repro());
        }
    }
}

/// Each pipeline line of `sim`'s history follows the line before it in the pipeline.
fn check_lines_follow(c: &Case, sim: &Sim) {
    let consumers: BTreeSet<u16> = sim.topology().consumers.iter().copied().collect();
    let (mut committed, mut published, mut appended, mut delivered) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for rec in sim.history() {
        let (before, after, what) = match &rec.op {
            Op::Commit { event, .. } => (None, Some((&mut committed, *event)), ""),
            Op::Publish { event, .. } => (Some((&committed, *event)), Some((&mut published, *event)), "published"),
            Op::Append { event, .. } => (Some((&published, *event)), Some((&mut appended, *event)), "appended"),
            Op::Deliver { event, .. } => (Some((&appended, *event)), Some((&mut delivered, *event)), "delivered"),
            Op::Apply { event, .. } if consumers.contains(&rec.node) => {
                (Some((&delivered, *event)), None, "applied by a consumer")
            }
            _ => continue,
        };
        if let Some((set, event)) = before {
            assert!(set.contains(&event), "event {event} {what} before the step before it; {}", c.repro());
        }
        if let Some((set, event)) = after {
            set.insert(event);
        }
    }
}

/// Same seed and commands → same trace hash; a different seed → a different one.
#[test]
fn same_seed_same_trace_different_seed_different_trace() {
    let config = r#"{"network":{"drop":0.02,"jitter_ms":3}}"#;
    for case in 1..=20u64 {
        let sc = Case::drawn(case, config, 8_000, 5_000).scenario;
        let hash = |s: Scenario| {
            let mut sim = Sim::new(s);
            sim.run_to_end();
            sim.trace_hash()
        };
        let a = hash(sc.clone());
        assert_eq!(a, hash(sc.clone()), "case {case}: same seed, different trace");
        let mut other = sc.clone();
        other.seed += 1_000;
        assert_ne!(a, hash(other), "case {case}: different seed, same trace");
    }
}

/// The checker is independent: the report recomputed from the written history file alone
/// equals the live one.
#[test]
fn report_reproduces_from_history_file() {
    let sim = Case::fixed(7, "{}", 8_000, 5_000).run();
    let mut buf = Vec::new();
    consistency_lab::sim::history::write_jsonl(sim.history(), sim.names(), &mut buf).expect("write");
    let (recs, _) =
        consistency_lab::sim::history::parse_jsonl(std::str::from_utf8(&buf).expect("utf8")).expect("parse");
    let offline = consistency_lab::sim::checker::Checker::check(&recs);
    let live = sim.check();
    assert_eq!(offline.counts, live.counts);
    assert_eq!(offline.anomalies, live.anomalies);
    assert_eq!(offline.converged, live.converged);
    assert_eq!(offline.converged_at_ms, live.converged_at_ms);
}

/// A run the reader changed live (commands added between frames, at odd µs) replays exactly
/// from its command list — the `#s=` share link — with the same trace hash.
#[test]
fn live_commands_replay_to_the_same_trace() {
    use consistency_lab::sim::command::Action;
    use consistency_lab::sim::domain::Kind;
    for case in 1..=20u64 {
        let sc = Case::fixed(case, "{}", 9_000, 5_000).scenario;
        let mut live = Sim::new(sc.clone());
        let mut r = Prng::new(case);
        let mut t = 0;
        while t < 8_000_000 {
            t += 1 + r.below(700_000); // frames of any length, in µs
            live.run_until(t);
            match r.below(5) {
                0 => live.command_now(Action::Fire { delivery: format!("L{case}"), event: Kind::Created }),
                1 => live.command_now(Action::Crash { node: "broker-2".into(), when: None }),
                2 => live.command_now(Action::Restart { node: "broker-2".into() }),
                3 => live.command_now(Action::Read { delivery: "T3".into(), mode: None, replica: None }),
                _ => live.command_now(Action::Cut { from: "relay-0".into(), to: "broker-1".into(), oneway: true }),
            }
        }
        live.run_to_end();
        let mut replay_sc = sc.clone();
        replay_sc.commands = live.commands().to_vec();
        let replay_sc = parse_scenario(&to_json(&replay_sc)).expect("the shared scenario is valid");
        let mut replay = Sim::new(replay_sc);
        replay.run_to_end();
        assert_eq!(live.trace_hash(), replay.trace_hash(), "case {case}: live run and its replay differ");
    }
}
