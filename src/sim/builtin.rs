//! Built-in scenarios: the JSON files under `scenarios/`, compiled in.

use super::scenario::{parse_scenario, Scenario};

/// (id, JSON text) of every built-in scenario, in the order `lab list` shows them.
///
/// `playground` (free play) is the default; then one guided scenario per lesson of DESIGN.md, in
/// the lessons' order (each has a `tour`, most a `compare` variant, and an `expect` block that
/// `tests/lessons_scenarios.rs` checks).
pub const SOURCES: &[(&str, &str)] = &[
    ("playground", include_str!("../../scenarios/playground.json")),
    ("same-key-same-order", include_str!("../../scenarios/same-key-same-order.json")),
    ("outbox-vs-dual-write", include_str!("../../scenarios/outbox-vs-dual-write.json")),
    ("retries-make-duplicates", include_str!("../../scenarios/retries-make-duplicates.json")),
    ("one-relay-bottleneck", include_str!("../../scenarios/one-relay-bottleneck.json")),
    ("where-you-read", include_str!("../../scenarios/where-you-read.json")),
    ("what-acks-buys", include_str!("../../scenarios/what-acks-buys.json")),
    ("world-cup-peak", include_str!("../../scenarios/world-cup-peak.json")),
    ("replay-rebuilds", include_str!("../../scenarios/replay-rebuilds.json")),
    ("cap-partition", include_str!("../../scenarios/cap-partition.json")),
    ("event-bus", include_str!("../../scenarios/event-bus.json")),
];

/// The id of the scenario a page opens when its link names none (or a bad one).
pub const DEFAULT_ID: &str = "playground";

/// Every built-in scenario, parsed. A built-in that fails to parse is a bug (a test checks).
pub fn all() -> Vec<Scenario> {
    SOURCES.iter().map(|(id, s)| parse_scenario(s).unwrap_or_else(|e| panic!("built-in scenario {id}: {e}"))).collect()
}

/// One built-in scenario by id.
pub fn get(id: &str) -> Option<Scenario> {
    SOURCES
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(id, s)| parse_scenario(s).unwrap_or_else(|e| panic!("built-in scenario {id}: {e}")))
}

/// The trace hash of every built-in scenario and of the benchmark's standard scenario, each run
/// to its end: what `tests/golden_hashes.json` pins, natively and in the browser.
pub fn trace_hashes() -> std::collections::BTreeMap<String, String> {
    let mut scenarios = all();
    scenarios.push(parse_scenario(super::bench::STANDARD).expect("the bench scenario is valid"));
    scenarios
        .into_iter()
        .map(|sc| {
            let id = sc.id.clone();
            let mut sim = super::Sim::new(sc);
            sim.run_to_end();
            (id, sim.trace_hash())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// Every built-in scenario parses and its id matches its file.
    #[test]
    fn builtins_parse() {
        for (id, _) in super::SOURCES {
            assert_eq!(super::get(id).expect("present").id, *id);
        }
    }
}
