//! The model's lessons as integration tests: each asserts the checker's numbers both ways
//! (the unsafe setting shows the anomaly, the safe one does not). Every failure message says
//! how to reproduce it with `lab run`.

use consistency_lab::sim::report::Report;
use consistency_lab::sim::scenario::{apply_cli_sets, parse_scenario, Scenario};
use consistency_lab::sim::Sim;

fn scenario(json: &str) -> Scenario {
    parse_scenario(json).unwrap_or_else(|e| panic!("test scenario invalid: {e}"))
}

/// The `--set`s a test names, for both producers: a producer key (`acks`,
/// `idempotent_producer`) also goes to the relays' producer (`relay_producer.*`, a connector's
/// `producer.override.*`). The relays run idempotent with five requests in flight here, the
/// setting these lessons were measured with, rather than the Connect worker's defaults.
fn both_producers(sets: &[&str]) -> Vec<String> {
    let mut all = vec!["relay_producer.idempotent=true".to_string(), "relay_producer.max_in_flight=5".to_string()];
    for set in sets {
        all.push(set.to_string());
        if let Some(v) = set.strip_prefix("acks=") {
            all.push(format!("relay_producer.acks={v}"));
            if v != "all" {
                all.push("relay_producer.idempotent=false".into());
            }
        } else if let Some(v) = set.strip_prefix("idempotent_producer=") {
            all.push(format!("relay_producer.idempotent={v}"));
        }
    }
    all
}

/// Runs a scenario with a seed and `--set` overrides (see [`both_producers`]).
fn run_with(json: &str, seed: u64, sets: &[&str]) -> (Report, Sim) {
    let mut sc = scenario(json);
    sc.seed = seed;
    apply_cli_sets(&mut sc.config, &both_producers(sets)).expect("valid sets");
    sc.validate().expect("valid after sets");
    let mut sim = Sim::new(sc);
    sim.run_to_end();
    (Report::of(&sim), sim)
}

fn run(json: &str, seed: u64, sets: &[&str]) -> Report {
    run_with(json, seed, sets).0
}

const TRAFFIC_LEADER_CRASH: &str = r#"{"id":"leader-crash","until_ms":12000,
  "commands":[{"at_ms":0,"do":"traffic","per_sec":60,"for_ms":6000},
              {"at_ms":2500,"do":"crash","node":"broker-1"},
              {"at_ms":5000,"do":"restart","node":"broker-1"}]}"#;

/// Lesson 6: with acks=1 a leader that dies before its followers fetched loses records it had
/// acknowledged; the checker sees them missing from the final log.
#[test]
fn acks_one_leader_crash_loses_acknowledged_records() {
    let lost: Vec<u64> = (1..=10).map(|s| run(TRAFFIC_LEADER_CRASH, s, &["acks=1"]).anomalies.acked_lost).collect();
    assert!(lost.iter().any(|&n| n > 0), "acks=1 never lost an acked record in seeds 1..=10: {lost:?}");
}

/// Lesson 6, safe side: acks=all with min.insync.replicas=2 survives any single broker crash
/// (and restart) with nothing lost, over 200 seeds.
#[test]
fn acks_all_survives_any_single_broker_crash() {
    for seed in 1..=200u64 {
        let broker = 1 + seed % 3;
        let json = TRAFFIC_LEADER_CRASH.replace("broker-1", &format!("broker-{broker}"));
        let r = run(&json, seed, &["acks=all", "min_insync_replicas=2"]);
        assert_eq!(
            (r.anomalies.acked_lost, r.anomalies.lost),
            (0, 0),
            "reproduce: lab run FILE --seed {seed} --set acks=all (crash broker-{broker}); {:?}",
            r.anomalies
        );
        assert!(r.converged, "not converged: seed {seed}, broker-{broker}");
    }
}

const RACE: &str = r#"{"id":"race","until_ms":4000,"config":{"network":{"jitter_ms":5}},
  "commands":[{"at_ms":100,"do":"fire","delivery":"D1","event":"created"},
              {"at_ms":400,"do":"fire","delivery":"D1","event":"rider_assigned"},
              {"at_ms":400,"do":"fire","delivery":"D1","event":"pickup_ready_requested"},
              {"at_ms":700,"do":"fire","delivery":"D2","event":"created"},
              {"at_ms":900,"do":"fire","delivery":"D2","event":"rider_assigned"},
              {"at_ms":900,"do":"fire","delivery":"D2","event":"pickup_ready_requested"}]}"#;

/// Lesson 1: two events of one delivery at the same instant. Keyed partitioning keeps their
/// order everywhere; round-robin lets a consumer see them swapped.
#[test]
fn same_key_keeps_order_round_robin_does_not() {
    let mut rr_broken = 0;
    for seed in 1..=40 {
        let k = run(RACE, seed, &["partitioner=key"]);
        assert_eq!((k.anomalies.out_of_order, k.anomalies.invalid_transition), (0, 0), "key, seed {seed}");
        assert!(k.converged);
        let r = run(RACE, seed, &["partitioner=round_robin"]);
        if r.anomalies.out_of_order > 0 && r.anomalies.invalid_transition > 0 {
            rr_broken += 1;
        }
    }
    assert!(rr_broken > 0, "round_robin never reordered in 40 seeds");
}

const LOST_ACKS: &str = r#"{"id":"lost-acks","until_ms":8000,
  "commands":[{"at_ms":0,"do":"traffic","per_sec":30,"for_ms":3000},
              {"at_ms":1000,"do":"cut","from":"broker-1","to":"relay-0","oneway":true},
              {"at_ms":1000,"do":"cut","from":"broker-2","to":"relay-0","oneway":true},
              {"at_ms":1000,"do":"cut","from":"broker-3","to":"relay-0","oneway":true},
              {"at_ms":1700,"do":"heal"}]}"#;

/// Lesson 3: lost produce acknowledgements make the producer retry. Without idempotence the
/// retries are appended again and applied twice; with the idempotent producer and consumer
/// every repeat is recognised and suppressed.
#[test]
fn lost_acks_duplicate_without_idempotence_and_are_suppressed_with_it() {
    let off = run(LOST_ACKS, 1, &["idempotent_producer=false", "idempotent_consumer=false"]);
    assert!(off.counts.appended > off.counts.committed, "{:?}", off.counts);
    assert!(off.anomalies.duplicate_applied > 0, "{:?}", off.anomalies);
    let on = run(LOST_ACKS, 1, &["idempotent_producer=true", "idempotent_consumer=true"]);
    assert_eq!(on.anomalies.duplicate_applied, 0, "{:?}", on.anomalies);
    assert!(on.anomalies.duplicate_suppressed > 0, "{:?}", on.anomalies);
    assert_eq!(on.counts.appended, on.counts.committed, "the broker dropped every retried batch");
    assert!(on.converged);
}

const UNCLEAN: &str = r#"{"id":"unclean","until_ms":14000,
  "commands":[{"at_ms":0,"do":"traffic","per_sec":30,"for_ms":9000},
              {"at_ms":1000,"do":"cut","from":"broker-3","to":"broker-1"},
              {"at_ms":1000,"do":"cut","from":"broker-3","to":"broker-2"},
              {"at_ms":4000,"do":"crash","node":"broker-1"},
              {"at_ms":4000,"do":"crash","node":"broker-2"},
              {"at_ms":7000,"do":"heal"},
              {"at_ms":7000,"do":"restart","node":"broker-1"},
              {"at_ms":7000,"do":"restart","node":"broker-2"}]}"#;

/// Lesson 6: a follower falls out of sync, then the in-sync replicas die. Unclean election
/// makes the lagging follower leader and committed records are lost; clean election keeps the
/// partition offline (writes wait or are refused) and loses nothing.
#[test]
fn unclean_election_loses_committed_records_clean_refuses() {
    let unclean = run(UNCLEAN, 1, &["unclean_leader_election=true"]);
    assert!(unclean.anomalies.acked_lost > 0, "unclean: {:?}", unclean.anomalies);
    let clean = run(UNCLEAN, 1, &["unclean_leader_election=false"]);
    assert_eq!((clean.anomalies.acked_lost, clean.anomalies.lost), (0, 0), "clean: {:?}", clean.anomalies);
    assert!(clean.extras.not_enough_replicas > 0, "clean election refuses acks=all writes meanwhile");
    assert!(clean.converged);
}

const CONSUMER_CRASH: &str = r#"{"id":"consumer-crash","until_ms":6000,
  "commands":[{"at_ms":0,"do":"traffic","per_sec":20,"for_ms":2000},
              {"at_ms":1000,"do":"crash","node":"db1-c1","when":"after_apply"},
              {"at_ms":2500,"do":"restart","node":"db1-c1"}]}"#;

/// Lesson 3: a consumer that crashes after applying and before committing gets the record
/// again after it restarts: a duplicate apply, or a suppressed one with the idempotent consumer.
#[test]
fn consumer_crash_after_apply_redelivers() {
    let off = run(CONSUMER_CRASH, 1, &["idempotent_consumer=false"]);
    assert!(off.anomalies.duplicate_applied > 0, "{:?}", off.anomalies);
    let on = run(CONSUMER_CRASH, 1, &["idempotent_consumer=true"]);
    assert_eq!(on.anomalies.duplicate_applied, 0);
    assert!(on.anomalies.duplicate_suppressed > 0, "{:?}", on.anomalies);
    assert!(on.converged);
}

const DUAL_WRITE: &str = r#"{"id":"dual","until_ms":8000,"config":{"publish":"dual_write"},
  "commands":[{"at_ms":100,"do":"fire","delivery":"D1","event":"created"},
              {"at_ms":300,"do":"fire","delivery":"D1","event":"rider_assigned"},
              {"at_ms":500,"do":"crash","node":"app","when":"after_db_commit"},
              {"at_ms":600,"do":"fire","delivery":"D1","event":"cancelled"},
              {"at_ms":2000,"do":"restart","node":"app"}]}"#;

/// Lesson 2: dual write, the service crashes right after committing `cancelled`: the cancel is
/// lost and every replica keeps the delivery going. With the outbox the relay publishes it
/// after recovery and the replicas converge.
#[test]
fn dual_write_loses_the_cancel_outbox_does_not() {
    let (dual, sim) = run_with(DUAL_WRITE, 1, &["publish=dual_write"]);
    assert!(dual.anomalies.lost >= 1, "{:?}", dual.anomalies);
    assert!(!dual.converged);
    for i in 0..sim.topology().dbs.len() {
        let row = sim.db_rows(i).values().next().expect("D1 reached the replica");
        assert_ne!(row.0, consistency_lab::sim::domain::Kind::Cancelled, "the replica must keep the delivery going");
    }
    let outbox = run(DUAL_WRITE, 1, &["publish=outbox"]);
    assert_eq!(outbox.anomalies.lost, 0, "{:?}", outbox.anomalies);
    assert!(outbox.converged);
}

const RELAY_CRASH: &str = r#"{"id":"relay-crash","until_ms":8000,
  "commands":[{"at_ms":0,"do":"traffic","per_sec":20,"for_ms":2000},
              {"at_ms":1500,"do":"crash","node":"relay-0","when":"after_publish"},
              {"at_ms":3000,"do":"restart","node":"relay-0"}]}"#;

/// Lesson 3: a relay that crashes after publishing and before saving its position publishes
/// again from the saved position: duplicates reach the consumers (a new producer session, so
/// the broker cannot drop them); the idempotent consumer suppresses them.
#[test]
fn relay_crash_republishes_idempotent_consumer_suppresses() {
    let off = run(RELAY_CRASH, 1, &["idempotent_consumer=false"]);
    assert!(off.counts.published > off.counts.committed, "{:?}", off.counts);
    assert!(off.anomalies.duplicate_applied > 0, "{:?}", off.anomalies);
    let on = run(RELAY_CRASH, 1, &["idempotent_consumer=true"]);
    assert_eq!(on.anomalies.duplicate_applied, 0);
    assert!(on.anomalies.duplicate_suppressed > 0);
    assert_eq!(on.anomalies.lost, 0);
    assert!(on.converged);
}

const LOAD: &str = r#"{"id":"load","until_ms":14000,
  "commands":[{"at_ms":0,"do":"traffic","per_sec":200,"for_ms":8000,"cancel_ratio":0.1}]}"#;

/// Lesson 4: under 200 deliveries/s one relay lags; four sharded relays drain it, and per-key
/// order holds in both.
#[test]
fn sharded_relays_cut_relay_lag_and_keep_order() {
    let one = run(LOAD, 1, &["outbox_shards=1"]);
    let four = run(LOAD, 1, &["outbox_shards=4"]);
    assert!(
        four.extras.relay_lag.p99_ms < one.extras.relay_lag.p99_ms,
        "p99 relay lag: 1 shard {} ms, 4 shards {} ms",
        one.extras.relay_lag.p99_ms,
        four.extras.relay_lag.p99_ms
    );
    assert_eq!(one.anomalies.out_of_order, 0);
    assert_eq!(four.anomalies.out_of_order, 0);
    // One relay is still draining its backlog at the end (that is the lesson); four are done.
    assert!(four.converged);
}

/// Write then read db2 after each acknowledgement, with db2 cut off from db1 (and the app).
fn reads_after_writes(write_mode: &str, read_mode: &str, cut: &str) -> Report {
    let mut cmds = vec![format!(r#"{{"at_ms":100,"do":"fire","delivery":"D1","event":"created"}}"#)];
    cmds.push(cut.to_string());
    let steps = ["rider_assigned", "pickup_ready_requested", "picked_up", "delivered"];
    for (i, k) in steps.iter().enumerate() {
        let t = 1000 + i as u64 * 1000;
        cmds.push(format!(r#"{{"at_ms":{t},"do":"fire","delivery":"D1","event":"{k}"}}"#));
        cmds.push(format!(
            r#"{{"at_ms":{},"do":"read","delivery":"D1","mode":"{read_mode}"{}}}"#,
            t + 500,
            if read_mode == "one" { r#","replica":"db2""# } else { "" }
        ));
    }
    cmds.push(r#"{"at_ms":6000,"do":"heal"}"#.to_string());
    let json = format!(
        r#"{{"id":"reads","until_ms":9000,"config":{{"write_mode":"{write_mode}","read_mode":"{read_mode}"}},"commands":[{}]}}"#,
        cmds.join(",")
    );
    run(&json, 1, &[])
}

const CUT_DB2_FROM_WRITERS: &str = r#"{"at_ms":500,"do":"partition","groups":[["db2"],["db1","app"]]}"#;

/// Lesson 5: serial_async acknowledges after db1; with db2 cut off, reads of db2 after each
/// acknowledged write are stale. serial_sync never acknowledges a write db2 lacks, so no read
/// is stale (writes wait instead).
#[test]
fn async_writes_give_stale_reads_sync_writes_do_not() {
    let a = reads_after_writes("serial_async", "one", CUT_DB2_FROM_WRITERS);
    assert!(a.anomalies.stale_read > 0, "serial_async: {:?}", a.anomalies);
    let s = reads_after_writes("serial_sync", "one", CUT_DB2_FROM_WRITERS);
    assert_eq!(s.anomalies.stale_read, 0, "serial_sync: {:?}", s.anomalies);
}

/// Lesson 5: W + R > N. Quorum writes with quorum reads are never stale under any single cut.
#[test]
fn quorum_writes_with_quorum_reads_are_never_stale() {
    for db in ["db1", "db2", "db3"] {
        let cut = format!(r#"{{"at_ms":500,"do":"partition","groups":[["{db}"],["app","client"]]}}"#);
        let q = reads_after_writes("quorum", "quorum", &cut);
        assert_eq!(q.anomalies.stale_read, 0, "cut {db}: {:?}", q.anomalies);
        assert!(q.extras.reads > 0);
    }
}

/// Lesson 5: the latency each write mode costs the writer: serial_sync > quorum > serial_async.
#[test]
fn write_latency_orders_by_mode() {
    let lat = |mode: &str| {
        let json = format!(
            r#"{{"id":"lat","until_ms":5000,"config":{{"write_mode":"{mode}"}},"commands":[{{"at_ms":0,"do":"traffic","per_sec":20,"for_ms":3000}}]}}"#
        );
        run(&json, 1, &[]).extras.write_latency.mean_ms
    };
    let (sync, quorum, asyn) = (lat("serial_sync"), lat("quorum"), lat("serial_async"));
    assert!(sync > quorum && quorum > asyn, "mean ms: serial_sync {sync}, quorum {quorum}, serial_async {asyn}");
}

/// A read racing an unacknowledged write is never counted stale: reads fired at the same
/// instant as writes (before any acknowledgement) under serial_sync.
#[test]
fn read_racing_unacknowledged_write_is_not_stale() {
    let json = r#"{"id":"race-read","until_ms":3000,"config":{"write_mode":"serial_sync"},
      "commands":[{"at_ms":100,"do":"fire","delivery":"D1","event":"created"},
                  {"at_ms":100,"do":"read","delivery":"D1","replica":"db3"},
                  {"at_ms":1000,"do":"fire","delivery":"D1","event":"rider_assigned"},
                  {"at_ms":1000,"do":"read","delivery":"D1","replica":"db3"},
                  {"at_ms":1001,"do":"read","delivery":"D1","replica":"db3"}]}"#;
    let r = run(json, 1, &[]);
    assert_eq!(r.extras.reads, 3);
    assert_eq!(r.anomalies.stale_read, 0);
}

/// Lesson 9: a replica cut off from the client and the other replicas. Quorum reads are
/// refused when no majority is reachable (CP); a read of a replica cut off from the writers
/// answers stale (AP).
#[test]
fn partition_refuses_quorum_reads_and_serves_stale_one_reads() {
    let json = r#"{"id":"cap","until_ms":5000,"config":{"write_mode":"via_broker"},
      "commands":[{"at_ms":100,"do":"fire","delivery":"D1","event":"created"},
                  {"at_ms":800,"do":"partition","groups":[["client","db1"],["db2","db3"]]},
                  {"at_ms":1000,"do":"read","delivery":"D1","mode":"quorum"},
                  {"at_ms":1500,"do":"heal"},
                  {"at_ms":1600,"do":"cut","from":"db2","to":"db2-c1"},
                  {"at_ms":1600,"do":"crash","node":"db2-c1"},
                  {"at_ms":2000,"do":"fire","delivery":"D1","event":"rider_assigned"},
                  {"at_ms":2600,"do":"read","delivery":"D1","mode":"one","replica":"db2"},
                  {"at_ms":3000,"do":"restart","node":"db2-c1"}]}"#;
    let r = run(json, 1, &[]);
    assert!(r.extras.reads_refused >= 1, "quorum read must be refused: {:?}", r.extras);
    assert!(r.anomalies.stale_read >= 1, "db2 cut off answers stale: {:?}", r.anomalies);
    assert!(r.converged);
}

/// Lesson 8: a wiped replica rewinds its group to offset 0, rebuilds and converges.
#[test]
fn wiped_replica_rebuilds_and_converges() {
    let json = r#"{"id":"wipe","until_ms":9000,
      "commands":[{"at_ms":0,"do":"traffic","per_sec":30,"for_ms":3000},
                  {"at_ms":4000,"do":"wipe","replica":"db2"}]}"#;
    let (r, sim) = run_with(json, 1, &[]);
    assert!(r.converged, "{:?}", r.anomalies);
    assert_eq!(r.anomalies.lost, 0);
    assert!(r.converged_at_ms.expect("converged") > 4000, "converged again after the wipe");
    assert_eq!(r.replicas["db1"], r.replicas["db2"]);
    assert!(sim.db_rows(1).len() > 10);
}

/// Lesson 10: a broadcast on the event bus reaches every server with one group per server,
/// and only one server when they share a group.
#[test]
fn broadcast_reaches_all_servers_only_with_per_server_groups() {
    let json = r#"{"id":"bus","until_ms":3000,"config":{"servers":3},
      "commands":[{"at_ms":500,"do":"broadcast","value":"free-delivery=on"}]}"#;
    let per = run(json, 1, &["bus_groups=per_server"]);
    assert!(per.extras.server_values.values().all(|v| v.is_some()), "{:?}", per.extras.server_values);
    let shared = run(json, 1, &["bus_groups=shared"]);
    let got = shared.extras.server_values.values().filter(|v| v.is_some()).count();
    assert_eq!(got, 1, "{:?}", shared.extras.server_values);
}

const CONSUMER_CRASHES: &str = r#"{"id":"consumer-crashes","until_ms":8000,"config":{"consumer_ms_per_record":5},
  "commands":[{"at_ms":0,"do":"traffic","per_sec":60,"for_ms":3000},
              {"at_ms":1000,"do":"crash","node":"db1-c1"},{"at_ms":1300,"do":"restart","node":"db1-c1"},
              {"at_ms":1800,"do":"crash","node":"db1-c1"},{"at_ms":2100,"do":"restart","node":"db1-c1"},
              {"at_ms":2600,"do":"crash","node":"db1-c1"},{"at_ms":2900,"do":"restart","node":"db1-c1"}]}"#;

/// consumer_commit: committing before processing is at-most-once (a crash between the commit
/// and the apply skips records: lost); committing after is at-least-once (nothing lost).
#[test]
fn commit_before_processing_loses_commit_after_does_not() {
    let before = run(CONSUMER_CRASHES, 1, &["consumer_commit=before_process"]);
    assert!(before.anomalies.lost > 0, "before_process: {:?}", before.anomalies);
    let after = run(CONSUMER_CRASHES, 1, &["consumer_commit=after_process"]);
    assert_eq!(after.anomalies.lost, 0, "after_process: {:?}", after.anomalies);
    assert!(after.converged);
}

/// `lab check` recomputes the report from a history file alone, witnesses included: for every
/// built-in lesson (run to the end, with every anomaly its lesson shows), the report of the
/// written-and-read-back history equals the live one, named the same way, and every anomaly
/// counted has a witness. The CLI prints the same JSON for one of them.
#[test]
fn check_of_a_history_file_gives_the_live_witnesses() {
    use consistency_lab::sim::checker::{Anomalies, Checker};
    use consistency_lab::sim::history::{parse_jsonl, write_jsonl};
    let mut witnessed = std::collections::BTreeSet::new();
    for sc in consistency_lab::sim::builtin::all() {
        let id = sc.id.clone();
        let mut sim = Sim::new(sc);
        sim.run_to_end();
        let live = sim.check();
        let mut text = Vec::new();
        write_jsonl(sim.history(), sim.names(), &mut text).expect("write");
        let text = String::from_utf8(text).expect("utf8");
        let (recs, names) = parse_jsonl(&text).expect("parse");
        let offline = Checker::check(&recs);
        assert_eq!(
            offline.to_json(&names),
            live.to_json(sim.names()),
            "reproduce: lab run {id} --history H; lab check H"
        );
        for name in Anomalies::NAMES {
            let counted = live.anomalies.get(name) > Some(0);
            assert_eq!(live.witnesses.get(name).is_some(), counted, "{id}: {name} counted {counted}, witness?");
            if counted {
                witnessed.insert(name);
            }
        }
        if id == "same-key-same-order" {
            let path = std::env::temp_dir().join(format!("lab-check-{}.jsonl", std::process::id()));
            std::fs::write(&path, &text).expect("write the history file");
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
                .args(["check", path.to_str().expect("utf8 path"), "--json"])
                .output()
                .expect("lab runs");
            let _ = std::fs::remove_file(&path);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("lab check --json prints JSON");
            assert_eq!(printed, live.to_json(sim.names()));
            assert!(printed["witnesses"]["out_of_order"]["lines"].as_array().is_some_and(|l| l.len() == 4));
        }
    }
    assert!(witnessed.len() >= 5, "the lessons show too few anomalies to test witnesses: {witnessed:?}");
}

/// acks_zero_with_defaulted_idempotence_keeps_publishing: Kafka turns a defaulted
/// enable.idempotence off with acks=0 (ProducerConfig), so a dropped fire-and-forget record is
/// one lost record, not a sequence gap the broker refuses every later record for. Before, the
/// model kept idempotence on and one drop stopped the partition for good.
#[test]
fn acks_zero_with_defaulted_idempotence_keeps_publishing() {
    let json = r#"{"id":"acks0","until_ms":10000,"config":{"publish":"dual_write","network":{"drop":0.05}},
      "commands":[{"at_ms":0,"do":"traffic","per_sec":20,"for_ms":5000}]}"#;
    let r = run(json, 1, &["acks=0"]);
    let committed = r.counts.committed;
    let appended = r.counts.appended;
    assert!(committed > 50, "traffic ran: {:?}", r.counts);
    assert!(
        appended * 10 >= committed * 8,
        "reproduce: lab run FILE --seed 1 --set acks=0: appended {appended} of {committed} committed"
    );
}
