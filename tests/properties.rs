//! Property tests over random topologies and fault schedules, and determinism tests.
//!
//! As TigerBeetle's VOPR does, each case draws its own topology (brokers, partitions,
//! replication, replicas, consumers, relays) and fault schedule from its seed, with the one
//! generator `lab sweep` uses (`sim::sweep`), so a failure names everything needed to run it
//! again: "reproduce with case=N", the drawn topology, and the scenario itself (save it and
//! `lab run FILE`).

use std::collections::BTreeSet;

use consistency_lab::sim::history::{EventId, Op};
use consistency_lab::sim::report::Report;
use consistency_lab::sim::rng::Prng;
use consistency_lab::sim::scenario::{parse_scenario, to_json, Scenario};
use consistency_lab::sim::sweep::{Plan, Schedule};
use consistency_lab::sim::Sim;

/// The seed of the properties' sweep: case N is schedule N of it.
const SWEEP_SEED: u64 = 0xC0FFEE;

/// One case: schedule `case` of a sweep (`sim::sweep`, the generator `lab sweep` uses) over a
/// base of 25 deliveries/s for 4 s with `settings` (a config object, JSON).
struct Case {
    case: u64,
    schedule: Schedule,
    scenario: Scenario,
}

impl Case {
    /// Case `case` on a topology drawn from the case; faults heal at `fault_end` (ms).
    fn drawn(case: u64, settings: &str, until_ms: u64, fault_end: u64) -> Case {
        Case::build(case, settings, true, until_ms, fault_end)
    }

    /// Case `case` on the settings' own topology (the default one unless they change it).
    fn fixed(case: u64, settings: &str, until_ms: u64, fault_end: u64) -> Case {
        Case::build(case, settings, false, until_ms, fault_end)
    }

    fn build(case: u64, settings: &str, draw_topology: bool, until_ms: u64, fault_end: u64) -> Case {
        let base = parse_scenario(&format!(
            r#"{{"id":"prop","until_ms":{until_ms},"config":{settings},
                "commands":[{{"at_ms":0,"do":"traffic","per_sec":25,"for_ms":4000,"cancel_ratio":0.2}}]}}"#
        ))
        .expect("the properties' base scenario is valid");
        let mut plan = Plan::new(base, SWEEP_SEED);
        plan.set_heal_ms(fault_end);
        plan.until_ms = until_ms;
        plan.draw_topology = draw_topology;
        let schedule = plan.schedule(case).unwrap_or_else(|e| panic!("case {case}: generated scenario invalid: {e}"));
        Case { case, scenario: schedule.scenario.clone(), schedule }
    }

    /// Runs the case to its end.
    fn run(&self) -> Sim {
        let mut sim = Sim::new(self.scenario.clone());
        sim.run_to_end();
        sim
    }

    /// What a failure message names: the case, the drawn topology and the scenario.
    fn repro(&self) -> String {
        format!(
            "reproduce with case={} (seed={}; save the scenario below and `lab run FILE`)\ntopology: {:?}\n{}",
            self.case,
            self.scenario.seed,
            self.schedule.topology,
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

/// A restart cancels a crash point armed at the node and not yet reached. The case (drawn by
/// the generator before it moved to `sim::sweep`, kept as a file: 5 brokers, 2 partitions, RF 5,
/// min.insync 4, 4 replicas, 1 relay) arms `crash db3-c1 when after_apply` at 4533 ms while
/// db3-c1 has nothing to apply; its `restart db3-c1` at 6000 ms finds it running. Before the fix
/// the armed crash fired at 6071 ms, after the last restart, and db3 missed 438 events.
#[test]
fn restart_cancels_an_armed_crash_point_seed_2410() {
    let text = include_str!("regressions/restart-cancels-armed-crash-seed-2410.json");
    let scenario = parse_scenario(text).expect("the regression scenario is valid");
    let schedule =
        Schedule { index: 2410, scenario: scenario.clone(), left_down: Vec::new(), topology: None, heal_ms: 6000 };
    check_safe(&Case { case: 2410, schedule, scenario });
}

/// A member paused across a wipe takes no stale assignment when it resumes. The case (schedule
/// 383 of the properties' sweep when the generator moved to `sim::sweep`, kept as a file: 2
/// brokers, 1 partition, 3 members in db1's group) pauses db1-c1 at 2941 ms for 1065 ms and
/// wipes db1 at 3948 ms; before the fix the member, back at 4006 ms, took a queued assignment
/// of the old generation, resumed the old offsets and applied seq 3 of T28 before the rebuild
/// brought seq 1 (`out_of_order` 2, `invalid_transition` 3 under the safe settings).
#[test]
fn stale_assignment_across_a_wipe_case_383() {
    regression(383, include_str!("regressions/stale-assignment-across-a-wipe-case-383.json"));
}

/// A controller paused past every broker's session fences the lost broker only. Schedule 397
/// of the acceptance sweep (`lab sweep --schedules 2000 --leave-down --draw-topology`; 4
/// brokers, RF 3) loses broker-4 for good at 1076 ms and pauses the controller at 1137 ms for
/// 1582 ms; before the fix the controller, back, fenced every broker before it read their
/// queued heartbeats, broker-4 (fenced last) stayed the last ISR member of three partitions,
/// and they stayed offline: 746 events lost, never converged.
#[test]
fn paused_controller_fences_one_broker_at_a_time_sweep_397() {
    regression(397, include_str!("regressions/paused-controller-fences-one-broker-at-a-time-sweep-397.json"));
}

/// A member paused across a wipe ignores an assignment of a generation that began during its
/// pause. Schedule 2733 of a dense sweep (`findings/dense/`): db1-c2 paused 802–2356 ms, its
/// sibling db1-c1 lost for good at 669 ms, db1 wiped at 2087 ms; before the fix the member,
/// back, took the queued assignment of the rebalance that followed db1-c1's loss (newer than
/// its own, older than the wipe's), resumed the pre-wipe offsets and applied seq 2 and 4 of T7
/// before the rebuild brought seq 1.
#[test]
fn paused_member_ignores_generations_older_than_the_wipe_dense_2733() {
    regression(2733, include_str!("regressions/paused-member-ignores-older-generations-dense-2733.json"));
}

/// Checks the safe settings' claims on a regression scenario kept as a file.
fn regression(case: u64, text: &str) {
    let scenario = parse_scenario(text).expect("the regression scenario is valid");
    let schedule =
        Schedule { index: case, scenario: scenario.clone(), left_down: Vec::new(), topology: None, heal_ms: 6000 };
    check_safe(&Case { case, schedule, scenario });
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
