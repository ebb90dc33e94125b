//! `lab sweep`: the safe config survives random fault schedules, brokers and consumers lost for
//! good included, on drawn topologies; each unsafe setting is caught with its own anomaly; the
//! output does not depend on the number of threads; a failing schedule replays exactly from its
//! file and from its share link; bad input is one line and exit 2.

use std::path::PathBuf;
use std::process::{Command, Output};

use consistency_lab::sim::scenario::{parse_scenario, Scenario};
use consistency_lab::sim::sweep::{Outcome, Plan, Summary};
use consistency_lab::sim::{share, Sim};

/// The base of these sweeps: 25 deliveries/s for 3 s, a fifth of them cancelled. Short, so a
/// few hundred schedules run in seconds in a debug build.
const BASE: &str = r#"{"id":"sweep-base","until_ms":8000,"config":{},
    "commands":[{"at_ms":0,"do":"traffic","per_sec":25,"for_ms":3000,"cancel_ratio":0.2}]}"#;

/// Faults heal at 3 s; runs end 10 s later (`sweep::DRAIN_MS`).
const HEAL_MS: u64 = 3_000;

fn plan(sets: &[(&str, serde_json::Value)], leave_down: bool, draw_topology: bool) -> Plan {
    let mut base: Scenario = parse_scenario(BASE).expect("the base is valid");
    for (key, value) in sets {
        consistency_lab::sim::scenario::apply_set(&mut base.config, key, value).expect("a valid setting");
    }
    let mut plan = Plan::new(base, 7);
    plan.set_heal_ms(HEAL_MS);
    plan.leave_down = leave_down;
    plan.draw_topology = draw_topology;
    plan
}

/// Runs schedules `0..n` of `plan` in order (one thread: the CLI's threads are tested below).
fn sweep(plan: &Plan, n: u64) -> Summary {
    let outcomes: Vec<Outcome> = (0..n).map(|i| plan.schedule(i).expect("valid schedule").run()).collect();
    Summary::of(plan, &outcomes)
}

/// The failing schedules' scenarios, for the failure message.
fn repro(plan: &Plan, s: &Summary) -> String {
    let first = s.failing.first().map(|f| {
        let sc = plan.schedule(f.schedule).expect("valid").scenario;
        format!(
            "first failing schedule {} {:?}:\n{}",
            f.schedule,
            f.anomalies,
            consistency_lab::sim::scenario::to_json(&sc)
        )
    });
    format!("{}{}", s.text(), first.unwrap_or_default())
}

/// The safe config (outbox, acks=all, min.insync.replicas=2, idempotent producer and
/// consumer, commit after processing) loses nothing, applies nothing twice or out of order and
/// converges, whatever the schedule: 150 schedules on the default topology, each leaving one
/// broker down for good (RF 3 − min.insync 2) and sometimes a consumer, and 150 on drawn
/// topologies.
#[test]
fn safe_config_survives_schedules_with_brokers_lost_for_good() {
    for draw in [false, true] {
        let plan = plan(&[], true, draw);
        let s = sweep(&plan, 150);
        assert_eq!(s.failed, 0, "drawn topologies: {draw}\n{}", repro(&plan, &s));
        let brokers_down = (0..150)
            .filter(|&i| plan.schedule(i).expect("valid").left_down.iter().any(|n| n.starts_with("broker-")))
            .count();
        // Every default-topology schedule loses a broker; drawn ones only when RF > min.insync.
        assert!(brokers_down >= if draw { 40 } else { 150 }, "only {brokers_down} schedules left a broker down");
    }
}

/// Each unsafe setting, alone on top of the safe config, is caught by its own anomaly within
/// 120 schedules: acks=1 loses acknowledged records at a leader change (`acked_lost`), a
/// non-idempotent consumer applies redelivered records twice (`duplicate_applied`), committing
/// before processing loses what a crash interrupted (`lost`), and a producer without
/// idempotence reorders retried batches (`out_of_order`).
#[test]
fn each_unsafe_setting_is_caught_by_its_anomaly() {
    // The relays publish with Kafka Connect's producer: its settings are the connector's
    // `producer.override.*` (`relay_producer.*`); an explicit idempotence must go before acks=1, and
    // a retry reorders only with more than one request in flight.
    let no_idempotence = ("relay_producer.idempotent", serde_json::Value::from(false));
    let cases: [(Vec<(&str, serde_json::Value)>, &str); 4] = [
        (vec![no_idempotence.clone(), ("relay_producer.acks", "1".into())], "acked_lost"),
        (vec![("idempotent_consumer", false.into())], "duplicate_applied"),
        (vec![("consumer_commit", "before_process".into())], "lost"),
        (vec![no_idempotence, ("relay_producer.max_in_flight", 5.into())], "out_of_order"),
    ];
    for (sets, anomaly) in cases {
        let plan = plan(&sets, false, false);
        let s = sweep(&plan, 120);
        let caught = s.failures_by_anomaly.rows().iter().find(|(n, _)| *n == anomaly).expect("a failure name").1;
        assert!(caught > 0, "{sets:?}: no schedule showed {anomaly}\n{}", s.text());
    }
}

fn lab(args: &[&str], threads: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lab")).args(args).env("RAYON_NUM_THREADS", threads).output().expect("lab runs")
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lab-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// `lab sweep` prints the same summary on one thread and on two: each schedule draws from
/// (seed, index) alone and the outcomes are aggregated in index order.
#[test]
fn output_does_not_depend_on_the_thread_count() {
    let dir = scratch("threads");
    let base = dir.join("base.json");
    std::fs::write(&base, BASE).expect("write base");
    let args = [
        "sweep",
        base.to_str().expect("utf8"),
        "--schedules",
        "40",
        "--set",
        "relay_producer.idempotent=false",
        "--set",
        "relay_producer.acks=1",
        "--heal-ms",
        "3000",
        "--json",
    ];
    let one = lab(&args, "1");
    let two = lab(&args, "2");
    assert_eq!(one.status.code(), Some(1), "acks=1 fails some schedule: {}", String::from_utf8_lossy(&one.stderr));
    assert_eq!(two.status.code(), Some(1));
    assert!(!one.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&one.stdout), String::from_utf8_lossy(&two.stdout));
    let text = |t| String::from_utf8(lab(&args[..args.len() - 1], t).stdout).expect("utf8");
    assert_eq!(text("1"), text("2"));
}

/// Every failing schedule written by `--out` replays with `lab run FILE` to the trace hash the
/// sweep saw, and its share link decodes to the same scenario.
#[test]
fn a_failing_schedule_replays_from_its_file_and_its_link() {
    let dir = scratch("replay");
    let base = dir.join("base.json");
    std::fs::write(&base, BASE).expect("write base");
    let out = dir.join("failures");
    let args = [
        "sweep",
        base.to_str().expect("utf8"),
        "--schedules",
        "30",
        "--set",
        "idempotent_consumer=false",
        "--heal-ms",
        "3000",
        "--out",
        out.to_str().expect("utf8"),
        "--json",
    ];
    let o = lab(&args, "2");
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json summary");
    let failing = summary["failing"].as_array().expect("failing");
    assert!(!failing.is_empty());
    for f in failing {
        let file = f["file"].as_str().expect("a file per failure");
        let run = lab(&["run", file, "--json"], "1");
        let report: serde_json::Value = serde_json::from_slice(&run.stdout).expect("report");
        assert_eq!(report["trace_hash"], f["trace_hash"], "{file}");
        let written = parse_scenario(&std::fs::read_to_string(file).expect("read")).expect("valid file");
        let shared = share::decode(f["share"].as_str().expect("share")).expect("the link decodes");
        assert_eq!(shared, written, "{file}");
        let mut sim = Sim::new(shared);
        sim.run_to_end();
        assert_eq!(Some(sim.trace_hash().as_str()), f["trace_hash"].as_str());
    }
    assert_eq!(std::fs::read_dir(&out).expect("out dir").count(), failing.len());
}

/// A sweep whose schedules all pass exits 0; bad input is one line on stderr and exit 2.
#[test]
fn exit_codes_and_bad_input() {
    let dir = scratch("exit");
    let base = dir.join("base.json");
    std::fs::write(&base, BASE).expect("write base");
    let ok = lab(&["sweep", base.to_str().expect("utf8"), "--schedules", "3", "--heal-ms", "3000"], "1");
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("passed     3"));
    for args in [
        &["sweep", "--schedules", "x"][..],
        &["sweep", "--schedules", "0"],
        &["sweep", "nope-not-a-scenario"],
        &["sweep", "--bogus"],
        &["sweep", "--set", "acks=2"],
        &["sweep", "--heal-ms", "3600000"],
        &["sweep", "a", "b"],
    ] {
        let o = lab(args, "1");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("lab: "), "{args:?}: {err}");
    }
}

/// A schedule is a function of (sweep seed, index): drawing it twice gives the same scenario,
/// and two indexes give two different runs.
#[test]
fn a_schedule_depends_only_on_the_seed_and_its_index() {
    let plan = plan(&[], true, true);
    let a = plan.schedule(5).expect("valid").scenario;
    assert_eq!(a, plan.schedule(5).expect("valid").scenario);
    assert_ne!(a.seed, plan.schedule(6).expect("valid").scenario.seed);
    assert_ne!(a.commands, plan.schedule(6).expect("valid").scenario.commands);
}
