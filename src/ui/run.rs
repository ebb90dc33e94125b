//! The run controller: owns the [`Engine`] (outside Yew's diffing), drives it from
//! `requestAnimationFrame` by wall dt × speed, and hands the panels fresh snapshots.
//!
//! It imports no component: the layout (`playground.rs`) calls [`use_run`] and gives each panel
//! the [`Ctl`] and the snapshots it needs (by props, or by context for the tour and share slots).
//!
//! Snapshots: the topology's moving messages re-render every frame from a fresh [`Motion`]; the
//! rest of the topology at about 10 Hz and the side panels at about 4 Hz, so a frame stays cheap.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::render::{request_animation_frame, AnimationFrame};
use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::i18n::Lang;
pub use super::logic::engine::{new_delivery_name, Engine, Motion, Snap};
use super::logic::state::{Action as Ui, State};
use super::logic::text::{tr, trf};
use crate::sim::command::Action;
use crate::sim::domain::Kind;
use crate::sim::history::DeliveryId;
use crate::sim::lessons::Sliced;
use crate::sim::scenario::Scenario;
use crate::sim::time::MS;

impl Reducible for State {
    type Action = Ui;

    fn reduce(self: Rc<Self>, action: Ui) -> Rc<Self> {
        Rc::new(State::reduce(&self, action))
    }
}

/// What the panels call to act on the run. Cloning is cheap; all clones are equal (props).
#[derive(Clone)]
pub struct Ctl(Rc<CtlInner>);

struct CtlInner {
    engine: Rc<RefCell<Engine>>,
    dispatch: UseReducerDispatcher<State>,
    fast: UseStateSetter<Motion>,
    mid: UseStateSetter<Snap>,
    mid2: UseStateSetter<Snap>,
    slow: UseStateSetter<Snap>,
    /// Revision of the last full refresh: views built before it are stale (a restart may have
    /// changed the node list) and are dropped by the frame loop.
    refreshed: Cell<u64>,
    /// Whether the frame loop is running (set by the effect that starts and stops it).
    looping: Cell<bool>,
    /// The sliced run in progress (see [`Ctl::run_to`]): its number, bumped to cancel it.
    job: Cell<u64>,
    progress: UseStateSetter<Option<Progress>>,
}

/// How far a sliced run is, for the progress line: virtual ms reached and ms it goes to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    pub at_ms: u64,
    pub goal_ms: u64,
}

/// Wall time one turn of a sliced run may take before the page gets a turn, ms (slices are at
/// most [`crate::sim::lessons::SLICE_EVENTS`] events, so a turn overshoots by a few ms at most).
const TURN_MS: f64 = 12.0;

/// How often a sliced run re-renders the panels from a fresh view, wall ms.
const JOB_REFRESH_MS: f64 = 300.0;

impl PartialEq for Ctl {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Ctl {
    /// Sends an action to the UI reducer.
    pub fn dispatch(&self, a: Ui) {
        self.0.dispatch.dispatch(a);
    }

    /// The run, borrowed mutably (never hold it across a call back into `Ctl`).
    pub fn engine(&self) -> std::cell::RefMut<'_, Engine> {
        self.0.engine.borrow_mut()
    }

    /// Whether the frame loop is advancing the run (false once a pause has been rendered).
    pub fn is_looping(&self) -> bool {
        self.0.looping.get()
    }

    /// Re-renders every panel from a fresh view.
    pub fn refresh(&self) {
        let (snap, motion) = {
            let mut e = self.engine();
            (e.snap(), e.motion())
        };
        self.0.refreshed.set(snap.rev);
        self.0.fast.set(motion);
        self.0.mid.set(snap.clone());
        self.0.mid2.set(snap.clone());
        self.0.slow.set(snap);
    }

    /// Applies a command now (also while paused: its immediate effects show at once).
    pub fn command(&self, action: Action) {
        self.engine().command(action);
        self.refresh();
    }

    /// One step: runs every event at the next queued time, then pauses.
    pub fn step(&self) {
        self.dispatch(Ui::SetPlaying(false));
        self.engine().step();
        self.refresh();
    }

    /// Starts the run again (with another seed if one is given).
    pub fn reset(&self, seed: Option<u64>) {
        self.engine().reset(seed);
        self.new_run();
    }

    /// Replaces the run with `scenario` (bounded: it stops at its own `until_ms`), keeping the
    /// page's UI state but what named the old run's ids.
    pub fn load(&self, scenario: Scenario, bounded: bool) {
        *self.engine() = Engine::of(scenario, bounded);
        self.new_run();
    }

    fn new_run(&self) {
        self.stop_job();
        self.dispatch(Ui::NewRun);
        self.refresh();
    }

    /// Changes one config key: validated first; a topology key restarts the run with it, any
    /// other key is a `set` command at the current time.
    pub fn set_config(&self, key: &str, value: serde_json::Value) -> Result<bool, String> {
        let topology = self.engine().set_config(key, &value)?;
        if topology {
            self.new_run();
        } else {
            self.command(Action::Set { key: key.to_string(), value });
        }
        Ok(topology)
    }

    /// The delivery the fire panel acts on, or a fresh name.
    pub fn delivery_name(&self, d: Option<DeliveryId>) -> String {
        self.engine().delivery_name(d)
    }

    /// Fires one event for delivery `d` (None: a new delivery, which is then chosen).
    pub fn fire(&self, d: Option<DeliveryId>, kind: Kind) {
        let name = self.delivery_name(d);
        self.command(Action::Fire { delivery: name.clone(), event: kind });
        if d.is_none() {
            let id = self.engine().delivery_id(&name);
            self.dispatch(Ui::ChooseDelivery(id));
        }
    }

    /// Fires the next step of the happy path for `d` (created for a new one).
    pub fn fire_next(&self, d: Option<DeliveryId>) {
        let status = self.engine().status_of(d);
        let kind = match status {
            None => Some(Kind::Created),
            Some(k) => k.next_on_happy_path(),
        };
        match kind {
            Some(k) => self.fire(d, k),
            None => self.dispatch(Ui::Toast(Some(("toast.finished", self.delivery_name(d))))),
        }
    }

    /// The ordering race of lesson 1: a new delivery is created, and once it exists
    /// rider_assigned and pickup_ready_requested are fired at the same instant.
    pub fn race(&self, d: Option<DeliveryId>) {
        let id = {
            let mut e = self.engine();
            let name = e.delivery_name(d);
            let exists = e.status_of(d).is_some();
            e.race(&name, exists);
            e.delivery_id(&name)
        };
        self.dispatch(Ui::ChooseDelivery(id));
        self.refresh();
    }

    /// A World Cup peak: 1000 deliveries in two seconds of virtual time.
    pub fn burst(&self) {
        self.command(Action::Traffic { per_sec: 500, for_ms: 2000, cancel_ratio: 0.1, step_ms: None });
    }

    /// Heals every cut link.
    pub fn heal_all(&self) {
        self.command(Action::Heal { from: None, to: None });
    }

    /// Pauses and runs to `goal_us` (None: the run's end) in slices, a turn of about
    /// [`TURN_MS`] of wall time at a time, so the page never freezes; the progress line shows
    /// meanwhile and [`Ctl::cancel_run`] stops it. Slicing never changes the run (the trace hash
    /// equals one `run_to_end`'s), so the run then stands exactly at the goal.
    pub fn run_to(&self, goal_us: Option<u64>) {
        self.dispatch(Ui::SetPlaying(false));
        let id = self.0.job.get() + 1;
        self.0.job.set(id);
        // The first turn waits for the page to render the pause (its own task).
        let ctl = self.clone();
        Timeout::new(0, move || ctl.job_turn(id, goal_us, Sliced::default(), now_ms())).forget();
    }

    /// Stops a sliced run where it stands (nothing happens when none is running).
    pub fn cancel_run(&self) {
        self.stop_job();
        self.refresh();
    }

    /// Forgets the sliced run in progress: its next turn does nothing.
    fn stop_job(&self) {
        self.0.job.set(self.0.job.get() + 1);
        self.0.progress.set(None);
    }

    /// One turn of the sliced run `id`, unless it was cancelled or replaced.
    fn job_turn(&self, id: u64, goal_us: Option<u64>, mut sliced: Sliced, last_refresh: f64) {
        if self.0.job.get() != id {
            return;
        }
        let ctl = self.clone();
        if now_ms() - last_refresh >= JOB_REFRESH_MS {
            // A turn of its own: re-rendering every panel of a big run takes a while too.
            self.refresh();
            let last = now_ms();
            Timeout::new(0, move || ctl.job_turn(id, goal_us, sliced, last)).forget();
            return;
        }
        let deadline = now_ms() + TURN_MS;
        let (done, progress) = {
            let mut e = self.engine();
            let goal = goal_us.unwrap_or(e.sim.until()).min(e.sim.until());
            let done = sliced.run_to(&mut e.sim, goal, || now_ms() < deadline);
            (done, Progress { at_ms: e.sim.now() / MS, goal_ms: goal / MS })
        };
        if done {
            self.stop_job();
            Timeout::new(0, move || ctl.refresh()).forget();
            return;
        }
        self.0.progress.set(Some(progress));
        // One small closure per turn; a cancelled run's turn returns at once.
        Timeout::new(0, move || ctl.job_turn(id, goal_us, sliced, last_refresh)).forget();
    }
}

/// What the frame loop reads of the UI state: the speed factor and the page traffic rate (None:
/// off). Written by an effect whenever they change, never during render.
#[derive(Clone, Copy, PartialEq)]
struct Pace {
    speed: f64,
    traffic: Option<u32>,
}

impl Pace {
    fn of(s: &State) -> Pace {
        Pace { speed: s.speed(), traffic: s.traffic_on.then_some(s.traffic_rate) }
    }
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Whether the reader asked the system for reduced motion.
fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Whether the page measures frame times for the benchmark (`?bench=1`).
fn bench_mode() -> bool {
    super::url::query_param("bench").as_deref() == Some("1")
}

/// Appends one frame's work time (ms), the messages in flight and the frame's kind to
/// `window.__labFrames`.
fn record_frame(ms: f64, in_flight: usize, kind: u8) {
    let Some(w) = web_sys::window() else { return };
    let key = wasm_bindgen::JsValue::from_str("__labFrames");
    let arr = match js_sys::Reflect::get(&w, &key).ok().and_then(|v| v.dyn_into::<js_sys::Array>().ok()) {
        Some(a) => a,
        None => {
            let a = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&w, &key, &a);
            a
        }
    };
    let pair = js_sys::Array::of3(&ms.into(), &(in_flight as f64).into(), &(kind as f64).into());
    arr.push(&pair);
}

struct Loop {
    ctl: Ctl,
    pace: Rc<Cell<Pace>>,
    handle: RefCell<Option<AnimationFrame>>,
    last_ts: Cell<Option<f64>>,
    last_mid: Cell<f64>,
    last_slow: Cell<f64>,
    /// A view built on an earlier frame and the stage of handing it out (1: brokers, 2: other
    /// boxes, 3: side panels), one stage a frame.
    staged: RefCell<Option<Snap>>,
    stage: Cell<u8>,
    /// Whether the reader was told that page traffic stopped at its cap.
    capped_told: Cell<bool>,
}

impl Loop {
    fn new(ctl: Ctl, pace: Rc<Cell<Pace>>) -> Loop {
        Loop {
            ctl,
            pace,
            handle: RefCell::new(None),
            last_ts: Cell::new(None),
            last_mid: Cell::new(0.0),
            last_slow: Cell::new(0.0),
            staged: RefCell::new(None),
            stage: Cell::new(0),
            capped_told: Cell::new(false),
        }
    }

    /// Hands the staged view to the next group of panels (brokers, then the other boxes, then
    /// the side panels when they are due), one group a frame.
    fn hand_out(&self, snap: Snap, ts: f64) {
        let c = &self.ctl.0;
        match self.stage.get() {
            1 => {
                c.mid.set(snap.clone());
                self.stage.set(2);
                *self.staged.borrow_mut() = Some(snap);
            }
            2 => {
                c.mid2.set(snap.clone());
                if ts - self.last_slow.get() >= 250.0 {
                    self.last_slow.set(ts);
                    self.stage.set(3);
                    *self.staged.borrow_mut() = Some(snap);
                }
            }
            _ => c.slow.set(snap),
        }
    }
}

fn tick(lp: Rc<Loop>, ts: f64) {
    let t0 = now_ms();
    let dt = lp.last_ts.get().map(|l| (ts - l).clamp(0.0, 100.0)).unwrap_or(0.0);
    lp.last_ts.set(Some(ts));
    let pace = lp.pace.get();
    // Work is spread over frames: the full view is built on one frame, the brokers re-rendered
    // from it on the next, the other boxes on the one after, the side panels after that (when
    // due); messages move on every frame.
    let mid_due = ts - lp.last_mid.get() >= 100.0;
    let staged = lp.staged.borrow_mut().take().filter(|s| s.rev > lp.ctl.0.refreshed.get());
    let (motion, built, capped) = {
        let mut e = lp.ctl.engine();
        e.frame_t0 = Some(t0);
        e.advance(dt * pace.speed * 1000.0, pace.traffic);
        let capped = (pace.traffic.is_some() && e.traffic_capped()).then_some(e.deliveries_max);
        let build = mid_due && staged.is_none();
        e.frame_kind = match (build, &staged) {
            (true, _) => 1,
            (false, Some(_)) => lp.stage.get() + 1,
            (false, None) => 0,
        };
        (e.motion(), build.then(|| e.snap()), capped)
    };
    if let Some(max) = capped.filter(|_| !lp.capped_told.replace(true)) {
        lp.ctl.dispatch(Ui::Toast(Some(("run.traffic_capped", max.to_string()))));
    }
    lp.ctl.0.fast.set(motion);
    if let Some(snap) = built {
        lp.last_mid.set(ts);
        lp.stage.set(1);
        *lp.staged.borrow_mut() = Some(snap);
    } else if let Some(snap) = staged {
        lp.hand_out(snap, ts);
    }
    let next = lp.clone();
    *lp.handle.borrow_mut() = Some(request_animation_frame(move |ts| tick(next, ts)));
}

/// The run as the layout sees it: the controller, the UI state and the snapshots at their three
/// rates (`fast` every frame, `mid`/`mid2` about 10 Hz on successive frames, `slow` about 4 Hz).
pub struct Run {
    pub ctl: Ctl,
    pub ui: UseReducerHandle<State>,
    pub fast: UseStateHandle<Motion>,
    pub mid: UseStateHandle<Snap>,
    pub mid2: UseStateHandle<Snap>,
    pub slow: UseStateHandle<Snap>,
    /// A sliced run's progress (None: none running).
    pub progress: UseStateHandle<Option<Progress>>,
}

/// The page's run of `scenario` (default: the built-in playground), replaced when the scenario
/// prop changes (a tour, a shared link). `bounded`: stop at the scenario's `until_ms`.
#[hook]
pub fn use_run(scenario: Option<Rc<Scenario>>, bounded: bool) -> Run {
    let engine = {
        let scenario = scenario.clone();
        use_mut_ref(move || Engine::of(scenario.map(|s| (*s).clone()).unwrap_or_else(default_scenario), bounded))
    };
    // With reduced motion the run starts paused: the reader steps or presses play.
    let ui = use_reducer(|| State { playing: !prefers_reduced_motion(), ..State::default() });
    let fast = {
        let engine = engine.clone();
        use_state(move || engine.borrow_mut().motion())
    };
    let first = {
        let engine = engine.clone();
        move || engine.borrow_mut().snap()
    };
    let mid = use_state(first.clone());
    let mid2 = use_state(first.clone());
    let slow = use_state(first);
    let progress = use_state(|| None::<Progress>);
    let ctl = {
        let (engine, d, f, m, m2, s, p) =
            (engine.clone(), ui.dispatcher(), fast.setter(), mid.setter(), mid2.setter(), slow.setter(), progress.setter());
        let inner = move || CtlInner {
            engine,
            dispatch: d,
            fast: f,
            mid: m,
            mid2: m2,
            slow: s,
            refreshed: Cell::new(0),
            looping: Cell::new(false),
            job: Cell::new(0),
            progress: p,
        };
        (*use_memo((), move |_| Ctl(Rc::new(inner())))).clone()
    };
    use_frame_loop(&ctl, &ui);
    use_bench(&engine, fast.messages.len());
    use_replace_on_new_scenario(&ctl, scenario, bounded);
    Run { ctl, ui, fast, mid, mid2, slow, progress }
}

#[derive(Properties, PartialEq)]
pub struct RunProgressProps {
    pub lang: Lang,
    pub ctl: Ctl,
    pub progress: Option<Progress>,
}

/// The progress line of a sliced run, with a button that stops it (nothing when none runs).
#[function_component(RunProgress)]
pub fn run_progress(p: &RunProgressProps) -> Html {
    let Some(pr) = p.progress else { return Html::default() };
    let secs = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
    let pct = pr.at_ms * 100 / pr.goal_ms.max(1);
    let stop = {
        let ctl = p.ctl.clone();
        Callback::from(move |_: MouseEvent| ctl.cancel_run())
    };
    html! {
        <div class="run-progress toast" role="status" data-testid="run-progress" data-at-ms={pr.at_ms.to_string()}>
            <progress max="100" value={pct.to_string()}></progress>
            { trf(p.lang, "run.progress", &[("t", &secs(pr.at_ms)), ("u", &secs(pr.goal_ms))]) }
            <button type="button" data-testid="run-cancel" title={tr(p.lang, "run.cancel_hint")} onclick={stop}>
                { tr(p.lang, "run.cancel") }
            </button>
        </div>
    }
}

fn default_scenario() -> Scenario {
    crate::sim::builtin::get("playground").expect("the playground scenario is built in")
}

/// The frame loop runs while playing; dropping its handle cancels it.
#[hook]
fn use_frame_loop(ctl: &Ctl, ui: &State) {
    let pace = use_mut_ref(|| Rc::new(Cell::new(Pace::of(ui)))).borrow().clone();
    {
        let pace = pace.clone();
        use_effect_with(Pace::of(ui), move |p| pace.set(*p));
    }
    let ctl = ctl.clone();
    use_effect_with(ui.playing, move |&playing| {
        let lp = Rc::new(Loop::new(ctl.clone(), pace));
        if playing {
            // Playing takes over from a sliced run.
            ctl.stop_job();
            let first = lp.clone();
            *lp.handle.borrow_mut() = Some(request_animation_frame(move |ts| tick(first, ts)));
        }
        ctl.0.looping.set(playing);
        move || {
            lp.handle.borrow_mut().take();
            ctl.0.looping.set(false);
        }
    });
}

/// Frame time for the benchmark (`?bench=1`): from the start of the frame's work to after Yew
/// rendered it.
#[hook]
fn use_bench(engine: &Rc<RefCell<Engine>>, in_flight: usize) {
    let bench = *use_memo((), |_| bench_mode());
    let engine = engine.clone();
    use_effect(move || {
        if bench {
            let mut e = engine.borrow_mut();
            if let Some(t0) = e.frame_t0.take() {
                record_frame(now_ms() - t0, in_flight, e.frame_kind);
            }
        }
    });
}

/// A new scenario from the parent (a tour, a shared link) replaces the run; the first one built
/// the engine.
#[hook]
fn use_replace_on_new_scenario(ctl: &Ctl, scenario: Option<Rc<Scenario>>, bounded: bool) {
    let ctl = ctl.clone();
    let first = use_mut_ref(|| true);
    use_effect_with(scenario, move |scenario| {
        if std::mem::replace(&mut *first.borrow_mut(), false) {
            return;
        }
        if let Some(scenario) = scenario {
            ctl.load((**scenario).clone(), bounded);
        }
    });
}

/// A fresh seed for "new seed" (the page's choice; the run itself stays deterministic).
pub fn random_seed() -> u64 {
    (js_sys::Math::random() * 1_000_000.0).floor() as u64 + 1
}
