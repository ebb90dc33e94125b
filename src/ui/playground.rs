//! The live playground: owns the `Sim` (outside Yew's diffing), drives it from
//! `requestAnimationFrame` by wall dt × speed, and lays out the panels around the topology.
//!
//! Snapshots: the topology's moving messages re-render every frame from a fresh `View`; the rest
//! of the topology at about 10 Hz and the side panels at about 4 Hz, so a frame stays cheap.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::render::{request_animation_frame, AnimationFrame};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::i18n::Lang;
use super::state::{self, Action as Ui, State, Tab};
use super::text::{tr, trf};
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
}

/// Most history lines the page keeps (the checker is incremental and needs none of them; the
/// delivery view, the anomaly finder and the history download use the most recent ones). Bounds
/// memory on a long free-play run.
const PAGE_HISTORY_CAP: usize = 400_000;

/// A simulation for the live page.
fn live_sim(scenario: Scenario) -> Sim {
    let mut sim = Sim::new(scenario);
    sim.set_history_cap(PAGE_HISTORY_CAP);
    sim
}

impl Engine {
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
        }
    }

    /// Starts the run again from the same scenario (same seed: the same run).
    pub fn rebuild(&mut self) {
        self.sim = live_sim(self.base.clone());
        self.traffic_next_us = 0;
        self.carry_us = 0.0;
    }

    /// Advances virtual time by `dt_us` (fractional), issuing page traffic when it is on.
    pub fn advance(&mut self, dt_us: f64, traffic: Option<u32>) {
        let total = dt_us + self.carry_us;
        let whole = total.floor();
        self.carry_us = total - whole;
        let goal = self.sim.now() + whole as u64;
        loop {
            if let Some(rate) = traffic {
                if self.sim.now() >= self.traffic_next_us {
                    self.sim.command_now(Action::Traffic {
                        per_sec: rate,
                        for_ms: 1000,
                        cancel_ratio: 0.1,
                        step_ms: None,
                    });
                    self.traffic_next_us = self.sim.now() + 1_000_000;
                }
            }
            let target = if traffic.is_some() { goal.min(self.traffic_next_us) } else { goal };
            self.sim.run_until(target);
            if self.sim.now() >= goal || self.sim.finished() {
                break;
            }
        }
    }

    pub fn motion(&mut self) -> Motion {
        self.rev += 1;
        let messages = self.sim.messages_in_flight();
        let dropped = self
            .sim
            .dropped
            .items
            .iter()
            .map(|d| DropView { from: d.from, to: d.to, at_us: d.at, label: d.label, kind: d.kind, why: d.why })
            .collect();
        Motion { rev: self.rev, now_us: self.sim.now(), messages: Rc::new(messages), dropped: Rc::new(dropped) }
    }

    pub fn snap(&mut self) -> Snap {
        self.rev += 1;
        Snap { rev: self.rev, view: Rc::new(self.sim.view()), cfg: Rc::new(self.sim.config().clone()) }
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
    /// The UI state as of the last render (for keyboard shortcuts and the frame loop).
    ui: RefCell<Rc<State>>,
    /// Revision of the last full refresh: views built before it are stale (a restart may have
    /// changed the node list) and are dropped by the frame loop.
    refreshed: Cell<u64>,
}

impl PartialEq for Ctl {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Ctl {
    pub fn ui(&self) -> Rc<State> {
        self.0.ui.borrow().clone()
    }

    pub fn dispatch(&self, a: Ui) {
        self.0.dispatch.dispatch(a);
    }

    pub fn engine(&self) -> std::cell::RefMut<'_, Engine> {
        self.0.engine.borrow_mut()
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
        {
            let mut e = self.engine();
            e.sim.command_now(action);
            let now = e.sim.now();
            e.sim.run_until(now);
        }
        self.refresh();
    }

    /// One step: runs every event at the next queued time, then pauses.
    pub fn step(&self) {
        self.dispatch(Ui::SetPlaying(false));
        {
            let mut e = self.engine();
            if let Some(t) = e.sim.next_event_time() {
                e.sim.run_until(t);
            }
        }
        self.refresh();
    }

    pub fn reset(&self, seed: Option<u64>) {
        {
            let mut e = self.engine();
            if let Some(seed) = seed {
                e.base.seed = seed;
            }
            e.rebuild();
        }
        self.dispatch(Ui::NewRun);
        self.refresh();
    }

    /// Loads another scenario (for the tour and share features to come).
    pub fn load(&self, scenario: Scenario) {
        *self.engine() = Engine::new(scenario);
        self.dispatch(Ui::NewRun);
        self.refresh();
    }

    /// Changes one config key: validated first; a topology key restarts the run with it, any
    /// other key is a `set` command at the current time.
    pub fn set_config(&self, key: &str, value: serde_json::Value) -> Result<bool, String> {
        let topology = crate::sim::scenario::is_topology_key(key);
        {
            let mut e = self.engine();
            let mut cfg = e.sim.config().clone();
            apply_set(&mut cfg, key, &value)?;
            if topology {
                // Apply over the current config so earlier page `set`s are kept across the restart.
                let mut base_cfg = e.sim.config().clone();
                apply_set(&mut base_cfg, key, &value)?;
                e.base.config = base_cfg;
                // Commands of the old run name nodes that may no longer exist: keep only the
                // scenario's own, which were validated against its config.
                e.rebuild();
            }
        }
        if topology {
            self.dispatch(Ui::NewRun);
            self.refresh();
        } else {
            self.command(Action::Set { key: key.to_string(), value });
        }
        Ok(topology)
    }

    /// The delivery the fire panel acts on, or a fresh name.
    pub fn delivery_name(&self, d: Option<DeliveryId>) -> String {
        let e = self.engine();
        match d {
            Some(d) => e.sim.names().deliveries.get(d as usize).cloned().unwrap_or_else(|| format!("D{}", d + 1)),
            None => new_delivery_name(&e.sim.names().deliveries),
        }
    }

    /// Fires one event for delivery `d` (None: a new delivery, which is then chosen).
    pub fn fire(&self, d: Option<DeliveryId>, kind: Kind) {
        let name = self.delivery_name(d);
        self.command(Action::Fire { delivery: name.clone(), event: kind });
        if d.is_none() {
            let id = self.engine().sim.names().deliveries.iter().position(|n| *n == name).map(|i| i as DeliveryId);
            self.dispatch(Ui::ChooseDelivery(id));
        }
    }

    /// Fires the next step of the happy path for `d` (created for a new one).
    pub fn fire_next(&self, d: Option<DeliveryId>) {
        let kind = {
            let e = self.engine();
            let status = d.and_then(|d| e.sim.app_row(d)).map(|r| r.0);
            match status {
                None => Some(Kind::Created),
                Some(k) => k.next_on_happy_path(),
            }
        };
        match kind {
            Some(k) => self.fire(d, k),
            None => self.dispatch(Ui::Toast(Some(("toast.finished", self.delivery_name(d))))),
        }
    }

    fn status_of(&self, d: Option<DeliveryId>) -> Option<Kind> {
        let e = self.engine();
        d.and_then(|d| e.sim.app_row(d)).map(|r| r.0)
    }

    /// The ordering race of lesson 1: a new delivery is created, and once it exists
    /// rider_assigned and pickup_ready_requested are fired at the same instant.
    pub fn race(&self, d: Option<DeliveryId>) {
        let name = self.delivery_name(d);
        let exists = self.status_of(d).is_some();
        if !exists {
            self.command(Action::Fire { delivery: name.clone(), event: Kind::Created });
            // Let the create commit before the two racing events arrive.
            let mut e = self.engine();
            let t = e.sim.now() + 20_000;
            e.sim.run_until(t);
        }
        {
            let mut e = self.engine();
            e.sim.command_now(Action::Fire { delivery: name.clone(), event: Kind::RiderAssigned });
            e.sim.command_now(Action::Fire { delivery: name.clone(), event: Kind::PickupReadyRequested });
            let now = e.sim.now();
            e.sim.run_until(now);
        }
        let id = self.engine().sim.names().deliveries.iter().position(|n| *n == name).map(|i| i as DeliveryId);
        self.dispatch(Ui::ChooseDelivery(id));
        self.refresh();
    }

    /// A World Cup peak: 1000 deliveries in two seconds of virtual time.
    pub fn burst(&self) {
        self.command(Action::Traffic { per_sec: 500, for_ms: 2000, cancel_ratio: 0.1, step_ms: None });
    }

    pub fn heal_all(&self) {
        self.command(Action::Heal { from: None, to: None });
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

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    #[prop_or_default]
    pub embed: bool,
    /// The scenario to start with (default: the built-in playground).
    #[prop_or_default]
    pub scenario: Option<Rc<Scenario>>,
    /// Stop at the scenario's own `until_ms` instead of running on (links: `?scenario=`, `#s=`).
    #[prop_or_default]
    pub bounded: bool,
    /// Room for the guided tour panel (issue "scenarios"), shown above the side panel.
    #[prop_or_default]
    pub tour: Html,
    /// Room for a share button, shown at the end of the toolbar.
    #[prop_or_default]
    pub share: Html,
}

fn default_scenario() -> Scenario {
    crate::sim::builtin::get("playground").expect("the playground scenario is built in")
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
    super::query_param("bench").as_deref() == Some("1")
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
    speed: Rc<Cell<f64>>,
    handle: RefCell<Option<AnimationFrame>>,
    last_ts: Cell<Option<f64>>,
    last_mid: Cell<f64>,
    last_slow: Cell<f64>,
    /// A view built on an earlier frame and the stage of handing it out (1: brokers, 2: other
    /// boxes, 3: side panels), one stage a frame.
    staged: RefCell<Option<Snap>>,
    stage: Cell<u8>,
}

fn tick(lp: Rc<Loop>, ts: f64) {
    let t0 = now_ms();
    let dt = lp.last_ts.get().map(|l| (ts - l).clamp(0.0, 100.0)).unwrap_or(0.0);
    lp.last_ts.set(Some(ts));
    let ui = lp.ctl.ui();
    // Paused (rendered so) but this frame's loop not yet cancelled: a tour step that just moved
    // the run to its `at_ms` must stay exactly there.
    if !ui.playing {
        return;
    }
    // Work is spread over frames: the full view is built on one frame, the brokers re-rendered
    // from it on the next, the other boxes on the one after, the side panels after that (when
    // due); messages move on every frame.
    let mid_due = ts - lp.last_mid.get() >= 100.0;
    let staged = lp.staged.borrow_mut().take().filter(|s| s.rev > lp.ctl.0.refreshed.get());
    let (motion, built) = {
        let mut e = lp.ctl.engine();
        e.frame_t0 = Some(t0);
        let traffic = ui.traffic_on.then_some(ui.traffic_rate);
        e.advance(dt * lp.speed.get() * 1000.0, traffic);
        let build = mid_due && staged.is_none();
        e.frame_kind = if build {
            1
        } else if staged.is_some() {
            lp.stage.get() + 1
        } else {
            0
        };
        (e.motion(), build.then(|| e.snap()))
    };
    lp.ctl.0.fast.set(motion);
    if let Some(snap) = built {
        lp.last_mid.set(ts);
        lp.stage.set(1);
        *lp.staged.borrow_mut() = Some(snap);
    } else if let Some(snap) = staged {
        match lp.stage.get() {
            1 => {
                lp.ctl.0.mid.set(snap.clone());
                lp.stage.set(2);
                *lp.staged.borrow_mut() = Some(snap);
            }
            2 => {
                lp.ctl.0.mid2.set(snap.clone());
                if ts - lp.last_slow.get() >= 250.0 {
                    lp.last_slow.set(ts);
                    lp.stage.set(3);
                    *lp.staged.borrow_mut() = Some(snap);
                }
            }
            _ => lp.ctl.0.slow.set(snap),
        }
    }
    let next = lp.clone();
    *lp.handle.borrow_mut() = Some(request_animation_frame(move |ts| tick(next, ts)));
}

/// The playground page body.
#[function_component(Playground)]
pub fn playground(props: &Props) -> Html {
    let scenario = props.scenario.clone();
    let bounded = props.bounded;
    let engine = use_mut_ref(move || {
        let s = scenario.map(|s| (*s).clone()).unwrap_or_else(default_scenario);
        if bounded {
            Engine::bounded(s)
        } else {
            Engine::new(s)
        }
    });
    // With reduced motion the run starts paused: the reader steps or presses play.
    let ui = use_reducer(|| State { playing: !prefers_reduced_motion(), ..State::default() });
    let first = {
        let engine = engine.clone();
        move || engine.borrow_mut().snap()
    };
    let fast = {
        let engine = engine.clone();
        use_state(move || engine.borrow_mut().motion())
    };
    let mid = use_state(first.clone());
    let mid2 = use_state(first.clone());
    let slow = use_state(first);
    let ctl = {
        let (engine, d, f, m, m2, s) =
            (engine.clone(), ui.dispatcher(), fast.setter(), mid.setter(), mid2.setter(), slow.setter());
        let ui = ui.clone();
        use_memo((), move |_| {
            Ctl(Rc::new(CtlInner {
                engine,
                dispatch: d,
                fast: f,
                mid: m,
                mid2: m2,
                slow: s,
                ui: RefCell::new(Rc::new((*ui).clone())),
                refreshed: Cell::new(0),
            }))
        })
    };
    let ctl: Ctl = (*ctl).clone();
    *ctl.0.ui.borrow_mut() = Rc::new((*ui).clone());
    let speed = use_mut_ref(|| Rc::new(Cell::new(ui.speed())));
    speed.borrow().set(ui.speed());
    let bench = *use_memo((), |_| bench_mode());

    // The frame loop runs while playing; dropping the handle cancels it.
    {
        let ctl = ctl.clone();
        let speed = speed.borrow().clone();
        use_effect_with(ui.playing, move |&playing| {
            let lp = Rc::new(Loop {
                ctl,
                speed,
                handle: RefCell::new(None),
                last_ts: Cell::new(None),
                last_mid: Cell::new(0.0),
                last_slow: Cell::new(0.0),
                staged: RefCell::new(None),
                stage: Cell::new(0),
            });
            if playing {
                let first = lp.clone();
                *lp.handle.borrow_mut() = Some(request_animation_frame(move |ts| tick(first, ts)));
            }
            move || {
                lp.handle.borrow_mut().take();
            }
        });
    }

    // Frame time for the benchmark: from the start of the frame's work to after Yew rendered it.
    {
        let engine = engine.clone();
        let n = fast.messages.len();
        use_effect(move || {
            if bench {
                let mut e = engine.borrow_mut();
                if let Some(t0) = e.frame_t0.take() {
                    record_frame(now_ms() - t0, n, e.frame_kind);
                }
            }
        });
    }

    // A new scenario from the parent (a tour, a shared link) replaces the run; the first one was
    // used to build the engine above.
    {
        let ctl = ctl.clone();
        let first = use_mut_ref(|| true);
        use_effect_with(props.scenario.clone(), move |scenario| {
            if std::mem::replace(&mut *first.borrow_mut(), false) {
                return;
            }
            if let Some(scenario) = scenario {
                ctl.load((**scenario).clone());
            }
        });
    }
    use_keyboard(ctl.clone());
    let narrow = use_narrow();

    let l = props.lang;
    let embed = props.embed;
    let s = &*ui;
    let now_us = fast.now_us;

    // The tour and share slots are rendered inside: they reach the run through this context.
    html! {
        <ContextProvider<Ctl> context={ctl.clone()}>
        <div class={classes!("playground", embed.then_some("embed"))} data-testid="playground"
            data-now-us={now_us.to_string()} data-playing={s.playing.to_string()}>
            <super::toolbar::Toolbar lang={l} ui={Rc::new(s.clone())} motion={(*fast).clone()} seed={mid.view.seed}
                converged={mid.view.check.converged} divergent={mid.view.check.divergent_rows} ctl={ctl.clone()}
                share={props.share.clone()} />
            <div class="pg-grid">
                <section class="topology" data-testid="topology" aria-label={tr(l, "topology.label")}>
                    <super::topology::Topology lang={l} ui={Rc::new(s.clone())} snap={(*mid).clone()} snap2={(*mid2).clone()}
                        moving={(*fast).clone()} ctl={ctl.clone()} narrow={narrow} />
                </section>
                <aside class="pg-side" aria-label={tr(l, "side.label")}>
                    { props.tour.clone() }
                    <super::checker::CheckerPanel lang={l} ui={Rc::new(s.clone())} snap={(*slow).clone()} ctl={ctl.clone()} />
                    <div class="tabs" role="tablist" aria-label={tr(l, "tabs.label")}>
                        { for [(Tab::Fire, "tab.fire"), (Tab::Faults, "tab.faults"), (Tab::Settings, "tab.settings")].into_iter().map(|(tab, key)| {
                            let ctl = ctl.clone();
                            html! {
                                <button type="button" role="tab" aria-selected={(s.tab == tab).to_string()}
                                    data-testid={format!("tab-{}", key.trim_start_matches("tab."))}
                                    onclick={Callback::from(move |_| ctl.dispatch(Ui::SetTab(tab)))}>{ tr(l, key) }</button>
                            }
                        }) }
                    </div>
                    <div class="tab-body" role="tabpanel">
                        { match s.tab {
                            Tab::Fire => html! { <super::controls::FirePanel lang={l} ui={Rc::new(s.clone())} snap={(*slow).clone()} ctl={ctl.clone()} /> },
                            Tab::Faults => html! { <super::controls::FaultPanel lang={l} ui={Rc::new(s.clone())} snap={(*slow).clone()} ctl={ctl.clone()} /> },
                            Tab::Settings => html! { <super::settings::SettingsPanel lang={l} snap={(*slow).clone()} ctl={ctl.clone()} /> },
                        } }
                    </div>
                </aside>
                <section class="pg-lower" aria-label={tr(l, "lower.label")}>
                    <super::lanes::DeliveryView lang={l} ui={Rc::new(s.clone())} snap={(*slow).clone()} ctl={ctl.clone()} />
                    <super::checker::Notices lang={l} snap={(*slow).clone()} />
                </section>
            </div>
            if let Some((key, detail)) = &s.toast {
                <div class="toast" role="status" data-testid="toast">
                    { trf(l, key, &[("x", detail)]) }
                    <button type="button" aria-label={tr(l, "close")} onclick={{ let ctl = ctl.clone(); Callback::from(move |_| ctl.dispatch(Ui::Toast(None))) }}>{ "×" }</button>
                </div>
            }
            if s.help_open {
                <super::toolbar::Help lang={l} ctl={ctl.clone()} />
            }
        </div>
        </ContextProvider<Ctl>>
    }
}

/// Below this page width the topology switches to its narrow (phone) layout, px.
const NARROW_PX: f64 = 640.0;

fn is_narrow() -> bool {
    web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).is_some_and(|w| w < NARROW_PX)
}

/// Whether the page is narrow, following window resizes.
#[hook]
fn use_narrow() -> bool {
    let narrow = use_state_eq(is_narrow);
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "resize", move |_| {
                narrow.set(is_narrow());
            });
            move || drop(listener)
        });
    }
    *narrow
}

/// Keyboard shortcuts on the whole document (listed in the help overlay).
#[hook]
fn use_keyboard(ctl: Ctl) {
    use_effect_with((), move |_| {
        let doc = gloo::utils::document();
        let options = gloo::events::EventListenerOptions::enable_prevent_default();
        let listener = gloo::events::EventListener::new_with_options(&doc, "keydown", options, move |e| {
            let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let key = e.key();
            let tag = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .map(|el| (el.tag_name(), el.get_attribute("role")))
                .unwrap_or_default();
            let editing = matches!(tag.0.as_str(), "INPUT" | "SELECT" | "TEXTAREA");
            if key == "Escape" {
                ctl.dispatch(Ui::CloseOverlays);
                return;
            }
            if editing {
                return;
            }
            let on_button = tag.0 == "BUTTON" || tag.1.as_deref() == Some("button");
            if on_button && (key == " " || key == "Enter") {
                return;
            }
            if !handle_key(&ctl, &key) {
                return;
            }
            e.prevent_default();
        });
        move || drop(listener)
    });
}

/// Runs the shortcut for `key`; false if it is not one.
pub fn handle_key(ctl: &Ctl, key: &str) -> bool {
    let ui = ctl.ui();
    match key {
        " " | "k" => ctl.dispatch(Ui::TogglePlay),
        "." | "n" => ctl.step(),
        "+" | "=" => ctl.dispatch(Ui::Faster),
        "-" | "_" => ctl.dispatch(Ui::Slower),
        "r" => ctl.reset(None),
        "g" => ctl.reset(Some(random_seed())),
        "f" => ctl.fire_next(ui.delivery),
        "a" => ctl.race(None),
        "t" => ctl.dispatch(Ui::SetTraffic(!ui.traffic_on)),
        "b" => ctl.burst(),
        "h" => ctl.heal_all(),
        "c" => ctl.dispatch(Ui::ToggleControl),
        "?" => ctl.dispatch(Ui::ToggleHelp),
        _ => return false,
    }
    true
}

/// A fresh seed for "new seed" (the page's choice; the run itself stays deterministic).
pub fn random_seed() -> u64 {
    (js_sys::Math::random() * 1_000_000.0).floor() as u64 + 1
}

/// The speed as text, re-exported for the toolbar.
pub fn speed_text(pos: u32) -> String {
    state::speed_label(state::speed_of(pos))
}
