//! Property tests over random fault schedules (seeded, so every failure names the case to
//! reproduce), and determinism tests.

use std::collections::BTreeSet;

use consistency_lab::sim::history::Op;
use consistency_lab::sim::report::Report;
use consistency_lab::sim::rng::Prng;
use consistency_lab::sim::scenario::{parse_scenario, to_json, Scenario};
use consistency_lab::sim::Sim;

const NODES: &[&str] = &[
    "app",
    "relay-0",
    "broker-1",
    "broker-2",
    "broker-3",
    "controller",
    "db1",
    "db2",
    "db3",
    "db1-c1",
    "db2-c1",
    "db3-c1",
    "dashboard",
    "client",
];

fn pick<'a>(r: &mut Prng, xs: &[&'a str]) -> &'a str {
    xs[r.below(xs.len() as u64) as usize]
}

/// A random schedule of faults between 200 ms and `fault_end` ms, every one of them healed,
/// restarted or reset by `fault_end`, plus traffic and a few reads.
fn random_commands(r: &mut Prng, fault_end: u64) -> Vec<String> {
    let mut cmds = vec![r#"{"at_ms":0,"do":"traffic","per_sec":25,"for_ms":4000,"cancel_ratio":0.2}"#.to_string()];
    let n = 1 + r.below(6);
    for _ in 0..n {
        let at = 200 + r.below(fault_end - 1200);
        let until = (at + 100 + r.below(1500)).min(fault_end - 100);
        match r.below(6) {
            0 | 1 => {
                let node = pick(r, NODES);
                let when = match node {
                    "app" if r.below(2) == 0 => r#","when":"after_db_commit""#,
                    "relay-0" if r.below(2) == 0 => r#","when":"after_publish""#,
                    "db1-c1" | "db2-c1" | "db3-c1" if r.below(2) == 0 => r#","when":"after_apply""#,
                    _ => "",
                };
                cmds.push(format!(r#"{{"at_ms":{at},"do":"crash","node":"{node}"{when}}}"#));
                cmds.push(format!(r#"{{"at_ms":{until},"do":"restart","node":"{node}"}}"#));
            }
            2 => {
                let a = pick(r, NODES);
                let b = pick(r, NODES);
                if a != b {
                    let oneway = r.below(2) == 0;
                    cmds.push(format!(r#"{{"at_ms":{at},"do":"cut","from":"{a}","to":"{b}","oneway":{oneway}}}"#));
                    cmds.push(format!(r#"{{"at_ms":{until},"do":"heal","from":"{a}","to":"{b}"}}"#));
                }
            }
            3 => {
                let node = pick(r, NODES);
                cmds.push(format!(r#"{{"at_ms":{at},"do":"pause","node":"{node}","for_ms":{}}}"#, until - at));
            }
            4 => {
                let drop = r.below(20) as f64 / 100.0;
                let dup = r.below(20) as f64 / 100.0;
                cmds.push(format!(r#"{{"at_ms":{at},"do":"net","drop":{drop},"duplicate":{dup}}}"#));
                cmds.push(format!(r#"{{"at_ms":{until},"do":"net","drop":0,"duplicate":0}}"#));
            }
            _ => {
                let mut ns: Vec<&str> = NODES.to_vec();
                let k = 1 + r.below(4) as usize;
                let mut g1 = Vec::new();
                for _ in 0..k {
                    let i = r.below(ns.len() as u64) as usize;
                    g1.push(format!("\"{}\"", ns.remove(i)));
                }
                let g2: Vec<String> = ns.iter().map(|n| format!("\"{n}\"")).collect();
                cmds.push(format!(
                    r#"{{"at_ms":{at},"do":"partition","groups":[[{}],[{}]]}}"#,
                    g1.join(","),
                    g2.join(",")
                ));
                cmds.push(format!(r#"{{"at_ms":{until},"do":"heal"}}"#));
            }
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
    for node in NODES {
        cmds.push(format!(r#"{{"at_ms":{fault_end},"do":"restart","node":"{node}"}}"#));
    }
    cmds
}

fn build(case: u64, config: &str, until_ms: u64, fault_end: u64) -> Scenario {
    let mut r = Prng::new(0xC0FFEE ^ case);
    let cmds = random_commands(&mut r, fault_end);
    let json = format!(
        r#"{{"id":"prop-{case}","seed":{case},"until_ms":{until_ms},"config":{config},"commands":[{}]}}"#,
        cmds.join(",")
    );
    parse_scenario(&json).unwrap_or_else(|e| panic!("case {case}: generated scenario invalid: {e}\n{json}"))
}

/// Safe settings (outbox, key partitioner, idempotent producer, acks=all, min.insync=2,
/// idempotent consumer, commit after processing): any random schedule of crashes, restarts,
/// cuts, pauses, drops and duplicates that heals before the end loses nothing, applies nothing
/// twice, keeps order, and converges. 500 cases.
#[test]
fn safe_settings_survive_any_healed_fault_schedule() {
    let config = r#"{"publish":"outbox","partitioner":"key","idempotent_producer":true,"acks":"all",
        "min_insync_replicas":2,"idempotent_consumer":true,"consumer_commit":"after_process"}"#;
    for case in 1..=500u64 {
        let sc = build(case, config, 16_000, 6_000);
        let mut sim = Sim::new(sc.clone());
        sim.run_to_end();
        let r = Report::of(&sim);
        let a = &r.anomalies;
        let bad = (a.lost, a.phantom, a.duplicate_applied, a.out_of_order, a.invalid_transition, a.acked_lost);
        assert!(
            bad == (0, 0, 0, 0, 0, 0) && r.converged,
            "case {case} (reproduce: save the scenario below and `lab run FILE`): {a:?} converged={}\n{}",
            r.converged,
            to_json(&sc)
        );
    }
}

/// Any settings, any schedule (not necessarily healed): no panic, and the counts balance —
/// every event a consumer applied was delivered to a consumer, and every delivered event was
/// appended to a partition.
#[test]
fn random_settings_and_faults_never_panic_and_counts_balance() {
    let configs = [
        r#"{"acks":"1","idempotent_producer":false,"max_in_flight":5,"partitioner":"round_robin"}"#,
        r#"{"acks":"0","publish":"dual_write","idempotent_consumer":false}"#,
        r#"{"consumer_commit":"before_process","unclean_leader_election":true,"min_insync_replicas":3}"#,
        r#"{"outbox_shards":3,"consumers_per_group":2,"partitions":4}"#,
        r#"{"write_mode":"quorum","read_mode":"quorum"}"#,
        r#"{"write_mode":"serial_async","servers":2}"#,
    ];
    for case in 1..=150u64 {
        let config = configs[(case % configs.len() as u64) as usize];
        let sc = build(case, config, 9_000, 6_000);
        let mut sim = Sim::new(sc);
        sim.run_to_end();
        let consumers: BTreeSet<u16> = sim.topology().consumers.iter().copied().collect();
        let mut appended = BTreeSet::new();
        let mut delivered = BTreeSet::new();
        for rec in sim.history() {
            match &rec.op {
                Op::Append { event, .. } => {
                    appended.insert(*event);
                }
                Op::Deliver { event, .. } => {
                    assert!(appended.contains(event), "case {case}: event {event} delivered before any append");
                    delivered.insert(*event);
                }
                Op::Apply { event, .. } if consumers.contains(&rec.node) => {
                    assert!(
                        delivered.contains(event),
                        "case {case}: event {event} applied by a consumer, never delivered"
                    );
                }
                _ => {}
            }
        }
        let c = Report::of(&sim).counts;
        assert!(c.committed >= c.published.min(c.committed), "case {case}");
    }
}

/// Same seed and commands → same trace hash; a different seed → a different one.
#[test]
fn same_seed_same_trace_different_seed_different_trace() {
    let config = r#"{"network":{"drop":0.02,"jitter_ms":3}}"#;
    for case in 1..=20u64 {
        let sc = build(case, config, 8_000, 5_000);
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
    let sc = build(7, "{}", 8_000, 5_000);
    let mut sim = Sim::new(sc);
    sim.run_to_end();
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
        let sc = build(case, "{}", 9_000, 5_000);
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
