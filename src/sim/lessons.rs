//! Guided lessons: the paired variant of a scenario, the measured outcome of a run, and the check
//! of that outcome against the scenario's `expect` block (contract in [`crate::sim::scenario`]).
//!
//! A lesson runs twice with the same seed and the same commands: as written (the "base") and with
//! `compare.set` applied (the "variant"), so the reader sees exactly one setting change the result.

use std::collections::BTreeMap;

use super::checker::Anomalies;
use super::command::Action;
use super::report::Report;
use super::scenario::{variant_config, Condition, Scenario, EXPECT_MEASURES};
use super::time::MS;
use super::Sim;

/// The variant of a scenario with a `compare` block: the same id, title, seed, commands and tour
/// with `compare.set` applied to `config`; its own `compare` and `expect` are dropped (the base
/// scenario's `expect.variant` is what it is checked against). None without `compare`, or if the
/// set does not apply (cannot happen for a parsed scenario: parsing checks it).
pub fn variant(scenario: &Scenario) -> Option<Scenario> {
    let compare = scenario.compare.as_ref()?;
    let config = variant_config(&scenario.config, &compare.set).ok()?;
    let mut v = scenario.clone();
    v.config = config;
    v.compare = None;
    v.expect = None;
    Some(v)
}

/// How often [`run`] samples the consumer lag, ms of virtual time.
pub const LAG_SAMPLE_MS: u64 = 100;

/// What a finished run measured: the report plus the measures an `expect` block can name.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The `lab run --json` report of the run.
    pub report: Report,
    /// Every name of [`EXPECT_MEASURES`] but `converged` → its value (latencies in ms;
    /// `converged_at_ms` is absent when the run did not converge).
    pub measures: BTreeMap<&'static str, f64>,
    /// Whether every replica equals `app` at the end.
    pub converged: bool,
}

impl Outcome {
    /// The value of one measure (None for an unknown name, or `converged_at_ms` when the run did
    /// not converge).
    pub fn get(&self, name: &str) -> Option<f64> {
        self.measures.get(name).copied()
    }
}

/// Runs a scenario to its end, sampling the total consumer lag of the replica groups every
/// [`LAG_SAMPLE_MS`] (running in slices does not change the run: the trace hash is the same as
/// one `run_to_end`).
pub fn run(scenario: &Scenario) -> Outcome {
    let mut sim = Sim::new(scenario.clone());
    let mut sliced = Sliced::default();
    sliced.run(&mut sim, || true);
    outcome(&sim, sliced.lag_max)
}

/// Most events one slice runs: a few ms natively, about ten in the browser, so a page that
/// checks the wall clock between slices never blocks for long, whatever a scenario asks.
pub const SLICE_EVENTS: u64 = 2_000;

/// The one sliced run loop: a run advanced toward a goal (its end, or a time such as a tour
/// step's) in slices of at most [`SLICE_EVENTS`] events, sampling the total consumer lag every
/// [`LAG_SAMPLE_MS`] of virtual time (counted from where the loop started, and at the run's
/// end). A caller that must give the page a turn (the browser) stops between slices and goes on
/// later with the same `Sliced`; slicing never changes the run (the trace hash equals one
/// `run_to_end`'s, and the lag samples are taken at the same instants).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sliced {
    /// The highest total consumer lag seen at a sample.
    pub lag_max: u64,
    /// The virtual time of the next lag sample, µs (set by the first slice).
    next_sample: Option<u64>,
}

impl Sliced {
    /// Runs one slice toward the run's end; true once the run has finished.
    pub fn slice(&mut self, sim: &mut Sim) -> bool {
        let end = sim.until();
        self.slice_to(sim, end, SLICE_EVENTS)
    }

    /// Runs at most `max_events` events toward `goal` (µs, never past the run's end), stopping
    /// at the next lag sample on the way; true once the clock stands at the goal.
    pub fn slice_to(&mut self, sim: &mut Sim, goal: u64, max_events: u64) -> bool {
        let goal = goal.min(sim.until());
        let sample = (*self.next_sample.get_or_insert(sim.now() + LAG_SAMPLE_MS * MS)).min(sim.until());
        let target = sample.min(goal);
        if !sim.run_until_within(target, max_events) {
            return false;
        }
        if target == sample {
            self.lag_max = self.lag_max.max(sim.consumer_lag_total());
            self.next_sample = Some(sample + LAG_SAMPLE_MS * MS);
        }
        sim.now() >= goal
    }

    /// How far a run is: (virtual ms reached, ms it runs to), for a progress line.
    pub fn progress(sim: &Sim) -> (u64, u64) {
        (sim.now() / MS, sim.scenario().until_ms)
    }

    /// Runs slices until the run has finished (true) or `go_on()`, asked after each slice, says
    /// stop (false).
    pub fn run(&mut self, sim: &mut Sim, go_on: impl FnMut() -> bool) -> bool {
        let end = sim.until();
        self.run_to(sim, end, go_on)
    }

    /// Runs slices until the clock stands at `goal` (µs; true) or `go_on()`, asked after each
    /// slice, says stop (false).
    pub fn run_to(&mut self, sim: &mut Sim, goal: u64, mut go_on: impl FnMut() -> bool) -> bool {
        loop {
            if self.slice_to(sim, goal, SLICE_EVENTS) {
                return true;
            }
            if !go_on() {
                return false;
            }
        }
    }
}

/// The measures of a finished run; `consumer_lag_max` is the caller's sample.
pub fn outcome(sim: &Sim, consumer_lag_max: u64) -> Outcome {
    let report = Report::of(sim);
    let a = &report.anomalies;
    let c = &report.counts;
    let e = &report.extras;
    let broadcasts = sim.commands().iter().filter(|c| matches!(c.action, Action::Broadcast { .. })).count() as u32;
    let servers_updated = e.server_values.values().filter(|v| broadcasts > 0 && **v == Some(broadcasts)).count();
    let mut m: BTreeMap<&'static str, f64> = BTreeMap::new();
    let mut put = |k: &'static str, v: f64| {
        debug_assert!(EXPECT_MEASURES.contains(&k), "measure {k} is not in EXPECT_MEASURES");
        m.insert(k, v);
    };
    for name in Anomalies::NAMES {
        put(name, a.get(name).expect("a known anomaly") as f64);
    }
    put("committed", c.committed as f64);
    put("published", c.published as f64);
    put("appended", c.appended as f64);
    put("acked", c.acked as f64);
    put("delivered", c.delivered as f64);
    put("applied", c.applied as f64);
    if let Some(t) = report.converged_at_ms {
        put("converged_at_ms", t as f64);
    }
    put("reads", e.reads as f64);
    put("reads_refused", e.reads_refused as f64);
    put("not_enough_replicas", e.not_enough_replicas as f64);
    put("write_latency_p50_ms", e.write_latency.p50_ms);
    put("write_latency_p99_ms", e.write_latency.p99_ms);
    put("relay_lag_p99_ms", e.relay_lag.p99_ms);
    put("relay_lag_max_ms", e.relay_lag.max_ms);
    put("consumer_lag_max", consumer_lag_max as f64);
    put("servers_updated", servers_updated as f64);
    let converged = report.converged;
    Outcome { report, measures: m, converged }
}

/// The conditions of one side of an `expect` block that do not hold, as readable lines
/// ("lost: measured 0, expected ≥ 1"); empty when all hold.
pub fn failures(expect: &BTreeMap<String, Condition>, outcome: &Outcome) -> Vec<String> {
    let mut out = Vec::new();
    for (name, cond) in expect {
        match cond {
            Condition::Flag(want) => {
                if name == "converged" && outcome.converged != *want {
                    out.push(format!("converged: measured {}, expected {want}", outcome.converged));
                }
            }
            Condition::Bounds(b) => match outcome.get(name) {
                Some(x) if b.holds(x) => {}
                Some(x) => out.push(format!("{name}: measured {x}, expected {cond}")),
                None => out.push(format!("{name}: not measured (e.g. never converged), expected {cond}")),
            },
        }
    }
    out
}

/// A one-line summary of the measures a lesson talks about (those its `expect` names, else the
/// anomalies that are not zero), for reports and test messages.
pub fn summary(names: &[&str], outcome: &Outcome) -> String {
    let mut parts: Vec<String> = names
        .iter()
        .filter(|n| **n != "converged")
        .map(|n| match outcome.get(n) {
            Some(x) => format!("{n}={x}"),
            None => format!("{n}=–"),
        })
        .collect();
    parts.push(format!("converged={}", outcome.converged));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::parse_scenario;

    /// The variant has the compare keys applied and nothing else changed.
    #[test]
    fn variant_applies_the_set_only() {
        let s = parse_scenario(
            r#"{"id":"v","until_ms":1000,"config":{"publish":"dual_write"},
                "commands":[{"at_ms":10,"do":"fire","delivery":"D1","event":"created"}],
                "compare":{"title":{"ko":"아웃박스","en":"Outbox"},"set":{"publish":"outbox","network.drop":0.1}},
                "expect":{"base":{"lost":{"eq":0}},"variant":{"lost":{"eq":0}}}}"#,
        )
        .expect("valid");
        let v = variant(&s).expect("has compare");
        assert_eq!(v.config.publish, crate::sim::config::Publish::Outbox);
        assert_eq!(v.config.network.drop, 0.1);
        assert_eq!(v.commands, s.commands);
        assert_eq!(v.seed, s.seed);
        assert!(v.compare.is_none() && v.expect.is_none());
        v.validate().expect("the variant is itself a valid scenario");
        let mut plain = s.clone();
        plain.compare = None;
        assert!(variant(&plain).is_none());
    }

    /// Running in 100 ms slices gives the same trace as one run to the end.
    #[test]
    fn sliced_run_is_the_same_run() {
        let s = crate::sim::builtin::get("playground").expect("built-in");
        let mut whole = Sim::new(s.clone());
        whole.run_to_end();
        let o = run(&s);
        assert_eq!(o.report.trace_hash, whole.trace_hash());
    }

    /// A sliced run stopped after every slice and resumed (as the page does between frames) is
    /// the same run with the same lag samples as one that never stops; each slice moves the clock
    /// by exactly one sample step until the end.
    #[test]
    fn interrupted_sliced_run_is_the_same_run() {
        let mut s = crate::sim::builtin::get("playground").expect("built-in");
        s.until_ms = 1_250;
        let whole = run(&s);
        let mut sim = Sim::new(s.clone());
        let mut sliced = Sliced::default();
        let mut slices = 0;
        while !sliced.run(&mut sim, || false) {
            slices += 1;
            assert_eq!(sim.now(), slices * LAG_SAMPLE_MS * MS);
        }
        assert_eq!(slices, 12, "1250 ms is 12 whole slices and a last short one");
        assert_eq!(sim.now(), 1_250 * MS);
        assert_eq!(sim.trace_hash(), whole.report.trace_hash);
        assert_eq!(sliced.lag_max as f64, whole.get("consumer_lag_max").expect("sampled"));
        assert!(sliced.slice(&mut sim), "a finished run stays finished");
    }

    /// Slices of a handful of events stop inside instants, yet give the same trace hash and the
    /// same lag samples as one run to the end, also when the run first stops at a tour-like
    /// time and goes on from there.
    #[test]
    fn slices_by_event_count_are_the_same_run() {
        let s = crate::sim::builtin::get("world-cup-peak").expect("built-in");
        let whole = run(&s);
        let mut sim = Sim::new(s.clone());
        let mut sliced = Sliced::default();
        let mut slices = 0u64;
        while !sliced.slice_to(&mut sim, 7_321 * MS, 7) {
            slices += 1;
        }
        assert_eq!(sim.now(), 7_321 * MS, "stands at the goal");
        let end = sim.until();
        while !sliced.slice_to(&mut sim, end, 7) {
            slices += 1;
        }
        assert!(slices > 10_000, "7-event slices: {slices}");
        assert_eq!(sim.trace_hash(), whole.report.trace_hash);
        assert_eq!(sliced.lag_max as f64, whole.get("consumer_lag_max").expect("sampled"));
    }
}
