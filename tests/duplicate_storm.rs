//! One fetch in flight per consumer and per follower, duplicated responses dropped (issue 16,
//! item 1): whatever the network's drop and duplicate rates, an idle pipeline costs O(time) —
//! every copy of an empty fetch response used to re-arm a fetch timer, so fetch loops multiplied.

use consistency_lab::sim::scenario::parse_scenario;
use consistency_lab::sim::Sim;

/// Events processed over 10 s of simulated time with no traffic, at these network rates.
fn idle_events(drop: f64, duplicate: f64) -> u64 {
    let json = format!(
        r#"{{"id":"idle","seed":7,"until_ms":10000,"config":{{"network":{{"drop":{drop},"duplicate":{duplicate}}}}},"commands":[]}}"#
    );
    let sc = parse_scenario(&json).unwrap_or_else(|e| panic!("test scenario invalid: {e}"));
    let mut sim = Sim::new(sc);
    sim.run_to_end();
    sim.events()
}

// A duplicate copy of a message adds at most one delivery of it and a dropped one starts no new
// loop, so the idle cost stays within a small constant factor of the clean network's.
#[test]
fn idle_cost_is_linear_in_time_whatever_the_drop_and_duplicate_rates() {
    let clean = idle_events(0.0, 0.0);
    for duplicate in [0.0, 0.5, 0.9, 1.0] {
        for drop in [0.0, 0.1, 0.25, 0.5] {
            let events = idle_events(drop, duplicate);
            assert!(
                events <= 3 * clean,
                "drop {drop}, duplicate {duplicate}: {events} events over 10 s, clean network {clean} \
                 (reproduce: lab run FILE with network.drop={drop}, network.duplicate={duplicate})"
            );
        }
    }
}

// Twice the time costs about twice the events, duplicates or not: no loop multiplies over time.
#[test]
fn duplicated_idle_run_grows_linearly_with_time() {
    let events = |until_ms: u64| {
        let json = format!(
            r#"{{"id":"idle","seed":7,"until_ms":{until_ms},"config":{{"network":{{"duplicate":1}}}},"commands":[]}}"#
        );
        let mut sim = Sim::new(parse_scenario(&json).expect("valid"));
        sim.run_to_end();
        sim.events()
    };
    let (short, long) = (events(5_000), events(10_000));
    assert!(long <= 2 * short + short / 4, "5 s: {short} events, 10 s: {long}");
}
