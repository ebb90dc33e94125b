//! A wiped replica rebuilds from offset 0 and converges, whenever the wipe comes: also while the
//! group coordinator (`controller`) is paused. The rule that makes the paused case safe (the
//! wipe moves the group to a new generation, so commits queued during the pause are refused) is
//! shown on the coordinator itself in `nodes/controller.rs`
//! (`wipe_while_paused_fences_commits_sent_before_it`); these whole runs guard the outcome.

use consistency_lab::sim::report::Report;
use consistency_lab::sim::scenario::parse_scenario;
use consistency_lab::sim::Sim;

fn run(commands: &str) -> Report {
    let json = format!(
        r#"{{"id":"wipe","seed":5,"until_ms":25000,"commands":[
            {{"at_ms":0,"do":"traffic","per_sec":20,"for_ms":8000}},{commands}]}}"#
    );
    let mut sim = Sim::new(parse_scenario(&json).expect("a valid scenario"));
    sim.run_to_end();
    Report::of(&sim)
}

/// Wipe db1 in the middle of a two-second pause of the coordinator: it still rebuilds.
#[test]
fn wipe_while_the_coordinator_is_paused_still_rebuilds() {
    let r = run(r#"{"at_ms":6000,"do":"pause","node":"controller","for_ms":2000},
                   {"at_ms":6500,"do":"wipe","replica":"db1"}"#);
    let a = &r.anomalies;
    assert_eq!((a.lost, a.duplicate_applied, a.out_of_order), (0, 0, 0), "{a:?}");
    assert!(r.converged, "{:?} {a:?}", r.counts);
}

/// The same wipe with the coordinator running, for comparison.
#[test]
fn wipe_with_the_coordinator_running_rebuilds() {
    let r = run(r#"{"at_ms":6500,"do":"wipe","replica":"db1"}"#);
    assert_eq!(r.anomalies.lost, 0, "{:?}", r.anomalies);
    assert!(r.converged);
}
