//! The page's run: the `Sim` plus what the page adds to it (its own traffic generator, the
//! fractional time carried between frames), and the snapshots the panels render from. Pure Rust:
//! the Yew side (`ui/run.rs`) owns one `Engine` in a `RefCell` and hands out [`Snap`]s and
//! [`Motion`]s.

use std::rc::Rc;

use crate::sim::command::Action;
use crate::sim::config::Config;
use crate::sim::domain::Kind;
use crate::sim::history::DeliveryId;
use crate::sim::scenario::{apply_set, Scenario, UNTIL_MS_MAX};
use crate::sim::view::{DropView, MsgView, View};
use crate::sim::Sim;

/// A view of the run at one moment, compared by revision only (so props compare in O(1)).
#[derive(Clone)]
pub struct Snap {
    pub rev: u64,
    pub view: Rc<View>,
    pub cfg: Rc<Config>,
}

impl PartialEq for Snap {
    fn eq(&self, other: &Self) -> bool {
        self.rev == other.rev
    }
}

/// What moves every frame: the clock and the messages in flight (cheap to build, unlike a full
/// `View`, which is rebuilt at about 10 Hz).
#[derive(Clone)]
pub struct Motion {
    pub rev: u64,
    pub now_us: u64,
    pub messages: Rc<Vec<MsgView>>,
    pub dropped: Rc<Vec<DropView>>,
}

impl PartialEq for Motion {
    fn eq(&self, other: &Self) -> bool {
        self.rev == other.rev
    }
}

/// The run and what the page adds to it (its own traffic generator).
pub struct Engine {
    /// The scenario as loaded, with the run length stretched: the page runs until the reader stops.
    pub base: Scenario,
    pub sim: Sim,
    /// Page traffic is issued as one-second `traffic` commands, so switching it off is just not
    /// issuing the next one (the model has no "stop traffic" command).
    pub traffic_next_us: u64,
    /// Fractional µs carried between frames (slow speeds advance < 1 µs a frame at times).
    carry_us: f64,
    pub rev: u64,
    /// Wall time (performance.now, ms) when the current frame's work began; for the benchmark.
    pub frame_t0: Option<f64>,
    /// What the frame did besides moving messages (0 nothing, 1 built a view, 2 re-rendered the
    /// brokers, 3 the other boxes, 4 the side panels); for the benchmark's breakdown.
    pub frame_kind: u8,
    /// Page traffic stops once the run has this many deliveries ([`PAGE_DELIVERIES_MAX`]).
    pub deliveries_max: u64,
}

/// Most history lines the page keeps (the checker is incremental and needs none of them; the
/// delivery view, the anomaly finder and the history download use the most recent ones). Bounds
/// memory on a long free-play run.
const PAGE_HISTORY_CAP: usize = 400_000;

/// Most events one frame of the live run processes (a few ms in the browser).
pub const FRAME_EVENTS: u64 = 5_000;

/// Most deliveries the page's own traffic brings a run to: a free-play run is paced by the wall
/// clock, not parsed, so this bounds its memory (about 1 KB a delivery) the way the work budget
/// bounds a scenario's.
pub const PAGE_DELIVERIES_MAX: u64 = 100_000;

/// A simulation for the live page.
fn live_sim(scenario: Scenario) -> Sim {
    let mut sim = Sim::new(scenario);
    sim.set_history_cap(PAGE_HISTORY_CAP);
    sim
}

impl Engine {
    /// A free-play run of `scenario`: it runs until the reader stops.
    pub fn new(mut scenario: Scenario) -> Engine {
        scenario.until_ms = UNTIL_MS_MAX;
        Engine::bounded(scenario)
    }

    /// Like [`Engine::new`] but the run stops at the scenario's own `until_ms` (a scenario opened
    /// from a link: its finished run has the same trace hash as `lab run`).
    pub fn bounded(scenario: Scenario) -> Engine {
        Engine {
            sim: live_sim(scenario.clone()),
            base: scenario,
            traffic_next_us: 0,
            carry_us: 0.0,
            rev: 0,
            frame_t0: None,
            frame_kind: 0,
            deliveries_max: PAGE_DELIVERIES_MAX,
        }
    }

    /// [`Engine::bounded`] or [`Engine::new`].
    pub fn of(scenario: Scenario, bounded: bool) -> Engine {
        if bounded {
            Engine::bounded(scenario)
        } else {
            Engine::new(scenario)
        }
    }

    /// Starts the run again from the same scenario (same seed: the same run).
    pub fn rebuild(&mut self) {
        self.sim = live_sim(self.base.clone());
        self.traffic_next_us = 0;
        self.carry_us = 0.0;
    }

    /// Starts again from the same scenario, with another seed if one is given.
    pub fn reset(&mut self, seed: Option<u64>) {
        if let Some(seed) = seed {
            self.base.seed = seed;
        }
        self.rebuild();
    }

    /// Advances virtual time by `dt_us` (fractional), issuing page traffic when it is on. At
    /// most [`FRAME_EVENTS`] events run: past them the clock falls behind the speed asked for
    /// (the carried fraction is dropped), so a frame stays short whatever the run does.
    pub fn advance(&mut self, dt_us: f64, traffic: Option<u32>) {
        let total = dt_us + self.carry_us;
        let whole = total.floor();
        self.carry_us = total - whole;
        let goal = self.sim.now() + whole as u64;
        let first = self.sim.events();
        loop {
            if let Some(rate) = traffic {
                if self.sim.now() >= self.traffic_next_us {
                    self.issue_traffic(rate);
                }
            }
            let target = if traffic.is_some() { goal.min(self.traffic_next_us) } else { goal };
            let left = FRAME_EVENTS.saturating_sub(self.sim.events() - first);
            if !self.sim.run_until_within(target, left) {
                self.carry_us = 0.0;
                break;
            }
            if self.sim.now() >= goal || self.sim.finished() {
                break;
            }
        }
    }

    /// Issues the next second of page traffic, unless the run already has
    /// `deliveries_max` deliveries (then traffic stops and [`Engine::traffic_capped`] says so).
    fn issue_traffic(&mut self, rate: u32) {
        if !self.traffic_capped() {
            self.sim.command_now(Action::Traffic { per_sec: rate, for_ms: 1000, cancel_ratio: 0.1, step_ms: None });
        }
        // command_now ran to the command's instant: the next second starts from there.
        self.traffic_next_us = self.sim.now() + 1_000_000;
    }

    /// Whether page traffic has stopped because the run reached its deliveries cap.
    pub fn traffic_capped(&self) -> bool {
        self.sim.names().deliveries.len() as u64 >= self.deliveries_max
    }

    /// Applies a command now (also while paused) and runs its immediate effects.
    pub fn command(&mut self, action: Action) {
        self.sim.command_now(action);
        let now = self.sim.now();
        self.sim.run_until(now);
    }

    /// Runs every event at the next queued time.
    pub fn step(&mut self) {
        if let Some(t) = self.sim.next_event_time() {
            self.sim.run_until(t);
        }
    }

    /// Checks and applies one config key to the run's base: a topology key restarts the run with
    /// it (true); any other key is left to the caller, who issues it as a `set` command (false).
    pub fn set_config(&mut self, key: &str, value: &serde_json::Value) -> Result<bool, String> {
        let mut cfg = self.sim.config().clone();
        apply_set(&mut cfg, key, value)?;
        let topology = crate::sim::scenario::is_topology_key(key);
        if topology {
            // Applied over the current config, so earlier page `set`s are kept across the restart.
            self.base.config = cfg;
            // Commands of the old run name nodes that may no longer exist: keep only the
            // scenario's own, which were validated against its config.
            self.rebuild();
        }
        Ok(topology)
    }

    /// The name of delivery `d`, or a fresh name for a new one.
    pub fn delivery_name(&self, d: Option<DeliveryId>) -> String {
        let names = &self.sim.names().deliveries;
        match d {
            Some(d) => names.get(d as usize).cloned().unwrap_or_else(|| format!("D{}", d + 1)),
            None => new_delivery_name(names),
        }
    }

    /// The id of the delivery named `name`, if it exists yet.
    pub fn delivery_id(&self, name: &str) -> Option<DeliveryId> {
        self.sim.names().deliveries.iter().position(|n| n == name).map(|i| i as DeliveryId)
    }

    /// The status of delivery `d` at `app` (None: not created, or no delivery).
    pub fn status_of(&self, d: Option<DeliveryId>) -> Option<Kind> {
        d.and_then(|d| self.sim.app_row(d)).map(|r| r.0)
    }

    /// The ordering race of lesson 1 for delivery `name`: created first unless `exists` (and
    /// given 20 ms to commit), then rider_assigned and pickup_ready_requested at one instant.
    pub fn race(&mut self, name: &str, exists: bool) {
        if !exists {
            self.command(Action::Fire { delivery: name.to_string(), event: Kind::Created });
            let t = self.sim.now() + 20_000;
            self.sim.run_until(t);
        }
        self.sim.command_now(Action::Fire { delivery: name.to_string(), event: Kind::RiderAssigned });
        self.sim.command_now(Action::Fire { delivery: name.to_string(), event: Kind::PickupReadyRequested });
        let now = self.sim.now();
        self.sim.run_until(now);
    }

    /// The clock and the messages in flight, under a new revision.
    pub fn motion(&mut self) -> Motion {
        self.rev += 1;
        let messages = self.sim.messages_in_flight();
        let dropped = self
            .sim
            .recent_drops()
            .map(|d| DropView { from: d.from, to: d.to, at_us: d.at, label: d.label, kind: d.kind, why: d.why })
            .collect();
        Motion { rev: self.rev, now_us: self.sim.now(), messages: Rc::new(messages), dropped: Rc::new(dropped) }
    }

    /// A full view of the run, under a new revision.
    pub fn snap(&mut self) -> Snap {
        self.rev += 1;
        Snap { rev: self.rev, view: Rc::new(self.sim.view()), cfg: Rc::new(self.sim.config().clone()) }
    }
}

/// The first free name D1, D2, … not used yet.
pub fn new_delivery_name(used: &[String]) -> String {
    let mut n = used.len() + 1;
    loop {
        let name = format!("D{n}");
        if !used.contains(&name) {
            return name;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::command::Command;
    use crate::sim::time::MS;

    fn playground() -> Scenario {
        crate::sim::builtin::get("playground").expect("built in")
    }

    /// A fresh name skips the names already taken.
    #[test]
    fn new_names_skip_used_ones() {
        assert_eq!(new_delivery_name(&[]), "D1");
        assert_eq!(new_delivery_name(&["D1".into(), "D2".into()]), "D3");
        assert_eq!(new_delivery_name(&["D2".into()]), "D3");
        assert_eq!(new_delivery_name(&["D2".into(), "D1".into(), "D3".into()]), "D4");
    }

    /// Advancing by fractions of a µs adds up: ten frames of 0.25 µs and one of 7.5 µs move the
    /// clock by 10 µs, not by 7.
    #[test]
    fn fractional_time_is_carried() {
        let mut e = Engine::new(playground());
        for _ in 0..10 {
            e.advance(0.25, None);
        }
        e.advance(7.5, None);
        assert_eq!(e.sim.now(), 10);
    }

    /// Page traffic issues one `traffic` command per virtual second while it is on.
    #[test]
    fn page_traffic_is_one_command_a_second() {
        let mut e = Engine::new(playground());
        let before = e.sim.commands().len();
        for _ in 0..25 {
            e.advance(100.0 * MS as f64, Some(20));
        }
        let issued = e.sim.commands().len() - before;
        assert_eq!(issued, 3, "at 0 s, 1 s and 2 s");
        assert!(e.sim.now() >= 2_500 * MS);
    }

    /// One frame runs at most FRAME_EVENTS events however far it is asked to go: the clock
    /// falls behind instead. Going on later is the same run as one that never stopped.
    #[test]
    fn a_frame_is_bounded_by_events() {
        let mut s = playground();
        s.commands.push(Command {
            at_ms: 0,
            action: Action::Traffic { per_sec: 5000, for_ms: 3000, cancel_ratio: 0.0, step_ms: None },
        });
        s.until_ms = 3000;
        let mut whole = Sim::new(s.clone());
        whole.run_to_end();
        let mut e = Engine::bounded(s);
        let before = e.sim.events();
        e.advance(3_000.0 * MS as f64, None);
        assert_eq!(e.sim.events() - before, FRAME_EVENTS);
        assert!(e.sim.now() < 3_000 * MS, "fell behind");
        while !e.sim.finished() {
            e.advance(1_000.0 * MS as f64, None);
        }
        assert_eq!(e.sim.trace_hash(), whole.trace_hash());
    }

    /// Page traffic stops at the deliveries cap (it bounds a free-play run's memory).
    #[test]
    fn page_traffic_stops_at_the_cap() {
        let mut quiet = playground();
        quiet.commands.clear();
        let mut e = Engine::new(quiet);
        e.deliveries_max = 30;
        let frames = |e: &mut Engine, n: u32| (0..n).for_each(|_| e.advance(100.0 * MS as f64, Some(20)));
        frames(&mut e, 50);
        assert!(e.traffic_capped());
        let n = e.sim.names().deliveries.len();
        assert!((30..=50).contains(&n), "at most one second past the cap: {n}");
        frames(&mut e, 30);
        assert_eq!(e.sim.names().deliveries.len(), n, "no traffic after the cap");
    }

    /// The race creates the delivery, then fires two events at one instant; a reset with a seed
    /// starts a new run under that seed.
    #[test]
    fn race_then_reset() {
        let mut e = Engine::new(playground());
        let name = e.delivery_name(None);
        e.race(&name, false);
        let id = e.delivery_id(&name).expect("created");
        assert!(e.status_of(Some(id)).is_some());
        let fired =
            e.sim.commands().iter().filter(|c| matches!(&c.action, Action::Fire { delivery, .. } if *delivery == name));
        assert_eq!(fired.count(), 3);
        e.reset(Some(42));
        assert_eq!(e.base.seed, 42);
        assert_eq!(e.sim.now(), 0);
        assert_eq!(e.delivery_id(&name), None);
    }

    /// A topology key restarts the run with it; a bad value is refused and changes nothing.
    #[test]
    fn topology_keys_restart_the_run() {
        let mut e = Engine::new(playground());
        e.advance(50.0 * MS as f64, None);
        let restarted = e.set_config("brokers", &serde_json::json!(4)).expect("valid");
        assert!(restarted);
        assert_eq!(e.sim.now(), 0);
        assert_eq!(e.base.config.brokers, 4);
        assert!(e.set_config("brokers", &serde_json::json!(0)).is_err());
        assert_eq!(e.base.config.brokers, 4);
    }

    /// Each snapshot and motion gets a new revision (props compare by it).
    #[test]
    fn revisions_increase() {
        let mut e = Engine::new(playground());
        let a = e.snap();
        let m = e.motion();
        let b = e.snap();
        assert!(a.rev < m.rev && m.rev < b.rev);
        assert!(a != b);
    }
}
