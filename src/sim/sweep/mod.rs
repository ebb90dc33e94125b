//! `lab sweep`: the safety net as a feature. Many random fault schedules over one scenario's
//! config, each healed at `heal_ms` and drained to `until_ms`, each judged by the checker.
//!
//! Schedule `i` of a sweep with seed `S` draws everything (its topology when asked, its faults,
//! its run's seed) from [`schedule_seed`]`(S, i)` alone, so a schedule is the same whichever
//! thread runs it and whatever ran before: the summary, aggregated in index order, does not
//! depend on how many cores ran the sweep. A failing schedule is a plain scenario: `lab run`
//! replays it (same trace hash) and its `#s=` link opens it in the page.
//!
//! This module is pure (no threads): the CLI runs [`Plan::schedule`] and [`Schedule::run`] on
//! every core and hands the outcomes, in index order, to [`Summary::of`].

pub mod schedule;

use std::collections::BTreeMap;

use serde::Serialize;

use super::command::{Action, Command};
use super::history::Op;
use super::rng::Prng;
use super::scenario::{parse_scenario, to_json, Scenario, ScenarioError, Title};
use super::share;
use super::time::MS;
use super::topology::node_names;
use super::Sim;
pub use schedule::{draw_faults, Faults, Topology, FAULTS_FROM_MS};

/// How long a schedule runs after everything healed, at least, ms: enough for sessions to
/// expire, leaders to be elected, relays to republish and groups to rebalance and drain.
pub const DRAIN_MS: u64 = 10_000;

/// A sweep: what every schedule starts from and how its faults are drawn.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario every schedule starts from: its config (after `--set`) and its commands
    /// (traffic, fires, its own faults); its tour, compare and expect are dropped.
    pub base: Scenario,
    /// The sweep's seed `S`.
    pub seed: u64,
    /// When everything heals, ms: faults happen in `[FAULTS_FROM_MS, heal_ms)`.
    pub heal_ms: u64,
    /// The end of every run, ms.
    pub until_ms: u64,
    /// Leave some brokers, consumers and relay workers down for good (see
    /// [`schedule::draw_faults`]).
    pub leave_down: bool,
    /// Draw each schedule's topology from its seed instead of keeping the config's.
    pub draw_topology: bool,
}

impl Plan {
    /// A sweep of `base` with seed `seed`: faults until half of the base's run, and a run of
    /// at least [`DRAIN_MS`] after that.
    pub fn new(base: Scenario, seed: u64) -> Plan {
        let heal_ms = base.until_ms / 2;
        let mut plan = Plan { until_ms: 0, base, seed, heal_ms, leave_down: false, draw_topology: false };
        plan.set_heal_ms(heal_ms);
        plan
    }

    /// Moves the heal to `heal_ms` and the end to at least [`DRAIN_MS`] after it.
    pub fn set_heal_ms(&mut self, heal_ms: u64) {
        self.heal_ms = heal_ms;
        self.until_ms = self.base.until_ms.max(heal_ms + DRAIN_MS);
    }

    /// Schedule `index`: the base's config (with a drawn topology when asked), the base's
    /// commands that name only nodes of that topology, and random faults. Refused when the
    /// result is not a valid scenario (a bad base: the CLI asks for schedule 0 first).
    pub fn schedule(&self, index: u64) -> Result<Schedule, ScenarioError> {
        let seed = schedule_seed(self.seed, index);
        let mut r = Prng::new(seed);
        let mut config = self.base.config.clone();
        let topology = self.draw_topology.then(|| Topology::draw(&mut r, config.min_insync_replicas));
        if let Some(t) = &topology {
            t.apply(&mut config);
        }
        let mut scenario = Scenario {
            id: format!("sweep-{}-{index}", self.seed),
            title: Title {
                ko: format!("스윕 {index}번 스케줄 (스윕 시드 {})", self.seed),
                en: format!("Sweep schedule {index} (sweep seed {})", self.seed),
            },
            description: None,
            seed,
            until_ms: self.until_ms,
            config,
            commands: self.base.commands.clone(),
            tour: Vec::new(),
            compare: None,
            expect: None,
        };
        let initial = scenario.initial_config();
        let names = node_names(&initial);
        scenario.commands.retain(|c| names_exist(c, &names, initial.servers));
        let faults = draw_faults(&mut r, &initial, self.heal_ms, self.leave_down);
        scenario.commands.extend(faults.commands);
        // The run is the written scenario read back, so `lab run FILE` runs exactly this.
        let scenario = parse_scenario(&to_json(&scenario))?;
        Ok(Schedule { index, scenario, left_down: faults.left_down, topology, heal_ms: self.heal_ms })
    }
}

/// Whether every node `c` names exists (`names`), and a broadcast has servers to reach.
fn names_exist(c: &Command, names: &[String], servers: u32) -> bool {
    let known = |n: &String| names.contains(n);
    match &c.action {
        Action::Crash { node, .. } | Action::Restart { node } | Action::Pause { node, .. } => known(node),
        Action::Cut { from, to, .. } => known(from) && known(to),
        Action::Heal { from, to } => from.iter().chain(to).all(known),
        Action::Partition { groups } => groups.iter().flatten().all(known),
        Action::Read { replica, .. } => replica.iter().all(known),
        Action::Wipe { replica } => known(replica),
        Action::Broadcast { .. } => servers > 0,
        Action::Fire { .. } | Action::Traffic { .. } | Action::Net { .. } | Action::Set { .. } => true,
    }
}

/// The seed of schedule `index` of a sweep seeded `seed`: SplitMix64 of both, so neighbouring
/// indexes and seeds give unrelated streams.
pub fn schedule_seed(seed: u64, index: u64) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    mix(seed ^ mix(index))
}

/// One schedule, ready to run.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Its index in the sweep, from 0.
    pub index: u64,
    /// The whole run as a scenario (its `seed` is [`schedule_seed`] of the sweep's seed and
    /// the index).
    pub scenario: Scenario,
    /// The nodes it leaves down for good.
    pub left_down: Vec<String>,
    /// The drawn topology, if the sweep draws them.
    pub topology: Option<Topology>,
    /// When its faults heal, ms.
    pub heal_ms: u64,
}

/// What counts as a failure of a schedule, in the order the summary lists them: the checker's
/// anomalies that no safe config may show (a stale read and a suppressed duplicate are results
/// of the read mode and of deduplication, not failures), a run that has not converged at its
/// end, and a panic of the model.
pub const FAILURES: [&str; 8] = [
    "lost",
    "phantom",
    "duplicate_applied",
    "out_of_order",
    "invalid_transition",
    "acked_lost",
    "not_converged",
    "panic",
];

/// How one schedule ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub schedule: u64,
    /// The run's seed ([`schedule_seed`]).
    pub seed: u64,
    pub trace_hash: String,
    /// Each failure it shows (a name of [`FAILURES`]) with its count, in that order; empty
    /// when it passed. `not_converged` and `panic` count 1.
    pub failures: Vec<(&'static str, u64)>,
    /// From when every replica equalled `app` to the end, ms.
    pub converged_at_ms: Option<u64>,
    /// When the pipeline was left alone: the later of the heal and the last commit at `app`
    /// (traffic may go on after the heal), ms. Convergence is measured from here.
    pub quiet_ms: u64,
}

impl Schedule {
    /// Runs the schedule to its end and judges it. A panic of the model is caught where the
    /// build unwinds (tests, `--profile bench-native`) and is a failure like any other.
    pub fn run(&self) -> Outcome {
        let seed = self.scenario.seed;
        let ran = std::panic::catch_unwind(|| {
            let mut sim = Sim::new(self.scenario.clone());
            sim.run_to_end();
            let last_commit_us = sim.history().iter().rev().find(|r| matches!(r.op, Op::Commit { .. })).map(|r| r.t_us);
            (sim.check(), sim.trace_hash(), last_commit_us.unwrap_or(0).div_ceil(MS))
        });
        let Ok((check, trace_hash, last_commit_ms)) = ran else {
            return Outcome {
                schedule: self.index,
                seed,
                trace_hash: String::new(),
                failures: vec![("panic", 1)],
                converged_at_ms: None,
                quiet_ms: self.heal_ms,
            };
        };
        let failures = FAILURES
            .iter()
            .map(|&name| match name {
                "not_converged" => (name, u64::from(!check.converged)),
                "panic" => (name, 0),
                _ => (name, check.anomalies.get(name).expect("FAILURES names anomalies")),
            })
            .filter(|&(_, n)| n > 0)
            .collect();
        let quiet_ms = self.heal_ms.max(last_commit_ms);
        Outcome { schedule: self.index, seed, trace_hash, failures, converged_at_ms: check.converged_at_ms, quiet_ms }
    }
}

/// The `lab sweep --json` summary (docs/contracts.md, "lab sweep").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// The base scenario's id.
    pub scenario: String,
    pub seed: u64,
    pub schedules: u64,
    pub heal_ms: u64,
    pub until_ms: u64,
    pub leave_down: bool,
    pub draw_topology: bool,
    pub passed: u64,
    pub failed: u64,
    /// For each failure of [`FAILURES`], the number of schedules that show it.
    pub failures_by_anomaly: ByAnomaly,
    /// The passing schedule that took longest to converge once left alone (after the heal
    /// and its last commit); None when none passed.
    pub slowest_convergence: Option<Slowest>,
    /// Every failing schedule, in index order.
    pub failing: Vec<Failing>,
}

/// Schedules showing each failure (a schedule may show several).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ByAnomaly {
    pub lost: u64,
    pub phantom: u64,
    pub duplicate_applied: u64,
    pub out_of_order: u64,
    pub invalid_transition: u64,
    pub acked_lost: u64,
    pub not_converged: u64,
    pub panic: u64,
}

impl ByAnomaly {
    fn count(&mut self, name: &str) {
        let n = match name {
            "lost" => &mut self.lost,
            "phantom" => &mut self.phantom,
            "duplicate_applied" => &mut self.duplicate_applied,
            "out_of_order" => &mut self.out_of_order,
            "invalid_transition" => &mut self.invalid_transition,
            "acked_lost" => &mut self.acked_lost,
            "not_converged" => &mut self.not_converged,
            _ => &mut self.panic,
        };
        *n += 1;
    }

    /// Each failure's name and count, in [`FAILURES`] order.
    pub fn rows(&self) -> [(&'static str, u64); 8] {
        let v = [
            self.lost,
            self.phantom,
            self.duplicate_applied,
            self.out_of_order,
            self.invalid_transition,
            self.acked_lost,
            self.not_converged,
            self.panic,
        ];
        std::array::from_fn(|i| (FAILURES[i], v[i]))
    }
}

/// The slowest convergence of a sweep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Slowest {
    pub schedule: u64,
    pub seed: u64,
    pub converged_at_ms: u64,
    /// The later of the heal and the last commit, ms.
    pub quiet_ms: u64,
    /// `converged_at_ms` − `quiet_ms`: how long the pipeline took to catch up once the faults
    /// had healed and the traffic had stopped.
    pub settle_ms: u64,
}

/// One failing schedule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failing {
    pub schedule: u64,
    pub seed: u64,
    pub trace_hash: String,
    /// Each failure it shows, with its count.
    pub anomalies: BTreeMap<&'static str, u64>,
    /// The nodes it left down for good.
    pub left_down: Vec<String>,
    /// Where `--out` wrote its scenario file (None without `--out`).
    pub file: Option<String>,
    /// Its `#s=` payload (`index.html#s=…` opens it in the page).
    pub share: String,
}

impl Summary {
    /// The summary of `outcomes`, which must be schedules 0, 1, 2, … of `plan` in that order;
    /// the failing ones are drawn again to name their left-down nodes and encode their links.
    pub fn of(plan: &Plan, outcomes: &[Outcome]) -> Summary {
        let mut by = ByAnomaly::default();
        let mut failing = Vec::new();
        let mut slowest: Option<Slowest> = None;
        for (i, o) in outcomes.iter().enumerate() {
            assert_eq!(o.schedule, i as u64, "outcomes are aggregated in index order");
            o.failures.iter().for_each(|(name, _)| by.count(name));
            if !o.failures.is_empty() {
                let s = plan.schedule(o.schedule).expect("a schedule that ran is valid");
                failing.push(Failing {
                    schedule: o.schedule,
                    seed: o.seed,
                    trace_hash: o.trace_hash.clone(),
                    anomalies: o.failures.iter().copied().collect(),
                    left_down: s.left_down,
                    file: None,
                    share: share::encode(&s.scenario),
                });
            } else if let Some(at) = o.converged_at_ms {
                let settle_ms = at.saturating_sub(o.quiet_ms);
                if slowest.as_ref().is_none_or(|s| settle_ms > s.settle_ms) {
                    let quiet_ms = o.quiet_ms;
                    slowest =
                        Some(Slowest { schedule: o.schedule, seed: o.seed, converged_at_ms: at, quiet_ms, settle_ms });
                }
            }
        }
        Summary {
            scenario: plan.base.id.clone(),
            seed: plan.seed,
            schedules: outcomes.len() as u64,
            heal_ms: plan.heal_ms,
            until_ms: plan.until_ms,
            leave_down: plan.leave_down,
            draw_topology: plan.draw_topology,
            passed: outcomes.len() as u64 - failing.len() as u64,
            failed: failing.len() as u64,
            failures_by_anomaly: by,
            slowest_convergence: slowest,
            failing,
        }
    }

    /// The table people read (`lab sweep` without `--json`; not a stable format).
    pub fn text(&self) -> String {
        let mut s = format!(
            "sweep {}  seed {}  {} schedules  faults until {} ms, run to {} ms{}{}\n",
            self.scenario,
            self.seed,
            self.schedules,
            self.heal_ms,
            self.until_ms,
            if self.leave_down { ", nodes left down" } else { "" },
            if self.draw_topology { ", topologies drawn" } else { "" },
        );
        s += &format!("passed     {}\nfailed     {}\n", self.passed, self.failed);
        for (name, n) in self.failures_by_anomaly.rows() {
            s += &format!("  {name:<20} {n}\n");
        }
        s += &match &self.slowest_convergence {
            Some(w) => format!(
                "slowest convergence  {} ms after the heal and the last commit (schedule {}: quiet at {} ms, converged at {} ms)\n",
                w.settle_ms, w.schedule, w.quiet_ms, w.converged_at_ms
            ),
            None => "slowest convergence  - (no schedule passed)\n".to_string(),
        };
        for f in &self.failing {
            let what: Vec<String> = f.anomalies.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let file = f.file.as_deref().map(|p| format!("  -> {p}")).unwrap_or_default();
            s += &format!("failing #{}  seed {}  {}{file}\n", f.schedule, f.seed, what.join(", "));
        }
        s
    }
}
