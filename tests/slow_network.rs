//! A slow network slows the pipeline; it does not stop it. Kafka's request timeouts (30 s) dwarf
//! any real round trip; the model's are scaled down, so they stretch to at least four of the
//! network's slowest round trips (`Ctx::patient`). Before that, a reader who raised the latency
//! to 150 ms saw every fetch and produce time out before its answer: nothing was acknowledged.

use consistency_lab::sim::report::Report;
use consistency_lab::sim::scenario::parse_scenario;
use consistency_lab::sim::Sim;

/// The relays run five requests in flight (producer.override.*): until the producer batches
/// records, a request carries one record, and one request in flight would starve them.
fn run(latency_ms: u64, jitter_ms: u64, until_ms: u64) -> Report {
    let json = format!(
        r#"{{"id":"slow","seed":3,"until_ms":{until_ms},
            "config":{{"network":{{"latency_ms":{latency_ms},"jitter_ms":{jitter_ms}}},
                "relay_producer":{{"idempotent":true,"max_in_flight":5}}}},
            "commands":[{{"at_ms":0,"do":"traffic","per_sec":10,"for_ms":10000}}]}}"#
    );
    let mut sim = Sim::new(parse_scenario(&json).expect("a valid scenario"));
    sim.run_to_end();
    Report::of(&sim)
}

/// At 200 ms one way (plus 20 ms jitter), ten deliveries a second for ten seconds all reach every
/// replica: nothing lost, nothing duplicated, the replicas converge.
#[test]
fn high_latency_slows_the_pipeline_but_it_converges() {
    let r = run(200, 20, 90_000);
    let a = &r.anomalies;
    assert!(r.counts.committed > 400, "traffic ran: {:?}", r.counts);
    assert_eq!((a.lost, a.duplicate_applied, a.out_of_order, a.acked_lost), (0, 0, 0, 0), "{a:?}");
    assert!(r.converged, "not converged at 90 s: {:?} {a:?}", r.counts);
}

/// Records keep being acknowledged while the network is slow: by the end of the traffic most of
/// what was committed is on the brokers (before the fix, none was at 150 ms).
#[test]
fn high_latency_keeps_acknowledging() {
    let r = run(150, 5, 10_000);
    assert!(r.counts.acked * 4 >= r.counts.committed, "acked {} of {} committed", r.counts.acked, r.counts.committed);
}
