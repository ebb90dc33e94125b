//! The guide beside a scenario opened from a link: the tour (Back / Next move the run to the
//! step's `at_ms` and highlight its `focus` nodes), "run to the end", the base/variant switch,
//! the side-by-side comparison, and, once the run finished, the measured outcome and its trace
//! hash (equal to `lab run <ID|FILE> --json`'s for an unchanged run).
//!
//! It is rendered in the playground's tour slot and reaches the run through the `Ctl` context
//! (`ui/run.rs`). It does not re-render with the playground's frames: it polls the run's clock
//! at 4 Hz, which is enough for "finished" and costs nothing.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use gloo::timers::callback::{Interval, Timeout};
use yew::prelude::*;

use super::i18n::Lang;
use super::logic::outcome::{anomaly_name, claim_rows, fmt_measure, focus_style, ANOMALIES};
use super::logic::state::Action as Ui;
use super::run::Ctl;
use super::split::SplitView;
use super::tour::TourPanel;
use super::logic::engine::Engine;
use crate::sim::lessons::{self, Outcome};
use crate::sim::time::{Time, MS};
use crate::sim::scenario::{Condition, Scenario};

/// The guide's labels: (key, Korean, English).
const LABELS: &[(&str, &str, &str)] = &[
    ("to_end", "끝까지 실행 »", "Run to the end »"),
    ("to_end_hint", "남은 시간을 한 번에 실행하고 결과를 봅니다", "Runs the rest at once and shows the outcome"),
    ("running", "진행: {t} / {u}", "Progress: {t} of {u}"),
    ("outcome", "결과 (측정값)", "Outcome (measured)"),
    ("converged", "복제본 수렴", "Replicas converged"),
    ("yes", "예", "yes"),
    ("no", "아니오", "no"),
    ("claim_ok", "✓ 레슨이 말한 그대로입니다", "✓ As the lesson says"),
    (
        "claim_off",
        "✗ 레슨의 주장과 다릅니다 (명령이나 시드를 바꿨나요?)",
        "✗ Differs from the lesson's claim (changed commands or seed?)",
    ),
    ("expected", "기대", "expected"),
    ("hash", "trace hash", "trace hash"),
    (
        "hash_hint",
        "같은 링크는 언제나 같은 실행입니다. lab run … --json의 trace_hash와 같습니다.",
        "The same link is always the same run: this equals trace_hash of lab run … --json.",
    ),
    ("compare", "나란히 비교 ⇆", "Compare side by side ⇆"),
    (
        "compare_hint",
        "같은 시드와 같은 장애로 두 설정을 끝까지 실행해 결과를 나란히 봅니다",
        "Runs both settings to the end with the same seed and faults, side by side",
    ),
    ("variant_live", "지금 보는 실행: 비교 설정", "Showing: the variant"),
    ("title", "시나리오", "Scenario"),
];

fn label(l: Lang, key: &str) -> &'static str {
    super::i18n::lookup(LABELS, l, key)
}

/// What the guide knows of the run (polled).
#[derive(Clone, Default, PartialEq)]
struct Status {
    now_us: u64,
    until_us: u64,
    finished: bool,
    /// Set once the run finished.
    hash: Option<String>,
    /// Whether the run shown has the variant's config.
    variant: bool,
}

/// Pauses, then moves the run to tour step `i` (restarting it when the step is in the past).
/// The move waits for the pause to take effect, so no animation frame runs past the step's time:
/// the run then stands exactly at `at_ms` (a shared link made there replays exactly).
pub fn go_to_step(ctl: &Ctl, scenario: &Scenario, i: usize) {
    let scenario = scenario.clone();
    when_paused(ctl.clone(), Rc::new(move |c: &Ctl| run_to_step(c, &scenario, i)), 0);
}

/// Pauses, then moves the run to `at_ms` (a link's `&t=`) and holds there.
fn go_to_time(ctl: &Ctl, at_ms: u64) {
    when_paused(ctl.clone(), Rc::new(move |c: &Ctl| run_to_ms(c, at_ms)), 0);
}

/// Pauses, then calls `then` once the frame loop has stopped (the pause was rendered); retries
/// every 10 ms, at most a second.
fn when_paused(ctl: Ctl, then: Rc<dyn Fn(&Ctl)>, tries: u32) {
    if tries == 0 {
        ctl.dispatch(Ui::SetPlaying(false));
    }
    Timeout::new(if tries == 0 { 0 } else { 10 }, move || {
        if ctl.is_looping() && tries < 100 {
            when_paused(ctl, then, tries + 1);
        } else {
            then(&ctl);
        }
    })
    .forget();
}

fn run_to_step(ctl: &Ctl, scenario: &Scenario, i: usize) {
    let Some(step) = scenario.tour.get(i) else { return };
    match step.at_ms {
        Some(at) => run_to_ms(ctl, at),
        None => ctl.refresh(),
    }
}

/// Once the frame loop has stopped (a live frame would stop a sliced run), replays the run to
/// where it stands as [`replay_now`] does with `None`.
pub fn replay_here(ctl: &Ctl, restart: impl FnOnce(&mut Engine) -> bool + 'static) {
    let restart = RefCell::new(Some(restart));
    let then = move |c: &Ctl| {
        if let Some(restart) = restart.borrow_mut().take() {
            replay_now(c, None, restart);
        }
    };
    when_paused(ctl.clone(), Rc::new(then), 0);
}

/// Runs the run to `t` in slices, from its start again when `restart` says so (it may change
/// the scenario first); a restart tells the page a new run began. `None` is where the run
/// stands, rounded up to a whole ms: commands are timed in whole ms, so one `restart` changed
/// at this instant (a traffic cut) has taken effect there.
fn replay_now(ctl: &Ctl, t: Option<Time>, restart: impl FnOnce(&mut Engine) -> bool) {
    let (rebuilt, t) = {
        let mut e = ctl.engine();
        let t = t.unwrap_or(e.sim.now().div_ceil(MS) * MS);
        let again = restart(&mut e);
        if again {
            e.rebuild();
        }
        (again, t)
    };
    if rebuilt {
        ctl.dispatch(Ui::NewRun);
    }
    ctl.run_to(Some(t));
}

/// Moves the run to `at_ms` (restarting it when that is in the past), in slices.
fn run_to_ms(ctl: &Ctl, at_ms: u64) {
    let t = at_ms * MS;
    replay_now(ctl, Some(t), |e| e.sim.now() > t);
}

/// Shows the scenario as written (`variant` false) or its variant in the live view, at the
/// tour step the reader is on.
fn show_side(ctl: &Ctl, scenario: &Scenario, bounded: bool, step: usize, variant: bool) {
    let s = if variant { lessons::variant(scenario) } else { Some(scenario.clone()) };
    if let Some(s) = s {
        ctl.load(s, bounded);
        go_to_step(ctl, scenario, step);
    }
}

/// Writes `&step=` (1-based) into the address bar without reloading.
fn set_url_step(i: usize) {
    if let (Some(url), Ok(history)) =
        (super::url::url_with_param("step", Some(&(i + 1).to_string())), gloo::utils::window().history())
    {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

#[derive(Properties, PartialEq)]
pub struct GuideProps {
    pub lang: Lang,
    pub route: Rc<super::route::Route>,
}

/// The run's status as the guide polls it; `variant_cfg` is the variant's config (to tell which
/// side is shown).
fn poll_status(ctl: &Ctl, variant_cfg: Option<&crate::sim::config::Config>) -> Status {
    let e = ctl.engine();
    let finished = e.sim.finished();
    Status {
        now_us: e.sim.now(),
        until_us: e.sim.until(),
        finished,
        hash: finished.then(|| e.sim.trace_hash()),
        variant: variant_cfg == Some(&e.base.config),
    }
}

/// Polls the run at 4 Hz: clock, finished, trace hash; the outcome is computed once per
/// finished run. Returns the status and outcome; the guide re-renders when they change.
#[hook]
fn use_run_status(ctl: Option<Ctl>, scenario: Rc<Scenario>) -> (Status, Option<Rc<Outcome>>) {
    let status = use_mut_ref(Status::default);
    let outcome: Rc<RefCell<Option<Rc<Outcome>>>> = use_mut_ref(|| None);
    let rev = use_state(|| 0u64);
    {
        let variant_cfg = lessons::variant(&scenario).map(|v| v.config);
        let (status, outcome, rev) = (status.clone(), outcome.clone(), rev.setter());
        use_effect_with((), move |_| {
            let mut n = 0u64;
            let mut poll = move || {
                let Some(ctl) = &ctl else { return };
                let next = poll_status(ctl, variant_cfg.as_ref());
                if next == *status.borrow() {
                    return;
                }
                if next.hash.is_some() && next.hash != status.borrow().hash {
                    *outcome.borrow_mut() = Some(Rc::new(lessons::outcome(&ctl.engine().sim, 0)));
                } else if next.hash.is_none() {
                    *outcome.borrow_mut() = None;
                }
                *status.borrow_mut() = next;
                n += 1;
                rev.set(n);
            };
            poll();
            let iv = Interval::new(250, poll);
            move || drop(iv)
        });
    }
    let st = status.borrow().clone();
    let o = outcome.borrow().clone();
    (st, o)
}

/// The guide (see the module docs).
#[function_component(Guide)]
pub fn guide(p: &GuideProps) -> Html {
    let ctl = use_context::<Ctl>();
    let route = p.route.clone();
    let scenario = route.scenario.clone();
    let step = use_state(|| route.step);
    let split = use_state(|| false);
    let (st, outcome) = use_run_status(ctl.clone(), scenario.clone());

    // A link with &step= opens at that step: the run moves there at once.
    {
        let (ctl, scenario, route) = (ctl.clone(), scenario.clone(), route.clone());
        use_effect_with((), move |_| {
            // A link's `&t=` wins over its step's time: the step is shown, the clock is `t`.
            match (&ctl, route.t_ms) {
                (Some(ctl), Some(t)) => go_to_time(ctl, t),
                (Some(ctl), None) if route.step_given => go_to_step(ctl, &scenario, route.step),
                _ => {}
            }
        });
    }

    // The topology draws the nodes the step is about.
    {
        let (ctl, scenario) = (ctl.clone(), scenario.clone());
        use_effect_with(*step, move |i| {
            if let Some(ctl) = &ctl {
                ctl.dispatch(Ui::SetFocus(super::logic::lessons::step_focus(&scenario.tour, *i)));
            }
        });
    }

    let Some(ctl) = ctl else { return Html::default() };
    // Free play (no link, no tour) has nothing to guide.
    if !route.bounded && scenario.tour.is_empty() {
        return Html::default();
    }
    let l = p.lang;
    let show = {
        let (ctl, scenario, step, bounded) = (ctl.clone(), scenario.clone(), step.clone(), route.bounded);
        Rc::new(move |v: bool| show_side(&ctl, &scenario, bounded, *step, v))
    };
    let result = match (&outcome, &st.hash) {
        (Some(o), Some(hash)) => {
            let expect = scenario.expect.as_ref().map(|e| if st.variant { &e.variant } else { &e.base });
            outcome_view(l, o, expect, hash)
        }
        _ => Html::default(),
    };
    let title = match l {
        Lang::Ko => scenario.title.ko.clone(),
        Lang::En => scenario.title.en.clone(),
    };

    html! {
        <section class="guide" data-testid="guide" data-scenario={scenario.id.clone()} data-finished={st.finished.to_string()}
            data-variant={st.variant.to_string()}>
            <h2 class="guide-title" data-testid="scenario-title"><span class="muted">{ label(l, "title") }{ " · " }</span>{ title }</h2>
            { tour_view(l, &ctl, &scenario, &step, st.variant, show.clone()) }
            <div class="guide-actions">{ compare_button(l, &scenario, &split) }</div>
            { progress_view(l, &ctl, &st, &step, scenario.tour.len()) }
            { result }
            { split_view(l, &scenario, &split, show) }
        </section>
    }
}

/// The tour: its steps (Back / Next move the run), the base/variant switch and the CSS that
/// outlines the step's focus nodes.
fn tour_view(
    l: Lang,
    ctl: &Ctl,
    scenario: &Rc<Scenario>,
    step: &UseStateHandle<usize>,
    variant: bool,
    show: Rc<dyn Fn(bool)>,
) -> Html {
    if scenario.tour.is_empty() {
        return Html::default();
    }
    let on_step = {
        let (ctl, scenario, step) = (ctl.clone(), scenario.clone(), step.clone());
        Callback::from(move |i: usize| {
            step.set(i);
            set_url_step(i);
            go_to_step(&ctl, &scenario, i);
        })
    };
    let on_variant = Callback::from(move |v: bool| show(v));
    let focus = scenario.tour.get(**step).map(|s| focus_style(&s.focus)).unwrap_or_default();
    html! {
        <div class="guide-tour" data-testid="tour" data-step={(**step + 1).to_string()}>
            <TourPanel lang={l} steps={Rc::new(scenario.tour.clone())} step={**step} on_step={on_step}
                compare={scenario.compare.as_ref().map(|c| c.title.clone())} variant={variant}
                on_variant={Some(on_variant)} />
            <style>{ focus }</style>
        </div>
    }
}

/// The progress line and "run to the end" while the run is not finished.
fn progress_view(l: Lang, ctl: &Ctl, st: &Status, step: &UseStateHandle<usize>, tour_len: usize) -> Html {
    if st.finished {
        return Html::default();
    }
    let to_end = {
        let (ctl, step, last) = (ctl.clone(), step.clone(), tour_len.saturating_sub(1));
        Callback::from(move |_: MouseEvent| {
            ctl.run_to(None);
            if tour_len > 0 {
                step.set(last);
                set_url_step(last);
            }
        })
    };
    let secs = |us: u64| format!("{:.1} s", us as f64 / 1e6);
    html! {
        <div class="guide-run">
            <span class="muted" data-testid="guide-progress">
                { label(l, "running").replace("{t}", &secs(st.now_us)).replace("{u}", &secs(st.until_us)) }
            </span>
            <button type="button" class="primary" data-testid="run-to-end" title={label(l, "to_end_hint")} onclick={to_end}>
                { label(l, "to_end") }
            </button>
        </div>
    }
}

/// The measured outcome of the finished run: anomalies, convergence, the lesson's claim and the
/// trace hash.
fn outcome_view(l: Lang, o: &Outcome, expect: Option<&BTreeMap<String, Condition>>, hash: &str) -> Html {
    let rows = ANOMALIES.iter().map(|k| {
        let n = o.get(k).unwrap_or(0.0);
        html! {
            <li class={classes!((n > 0.0).then_some("bad"))} data-testid={format!("outcome-{k}")} data-count={fmt_measure(n)}>
                <span>{ anomaly_name(l, k) }</span><b>{ fmt_measure(n) }</b>
            </li>
        }
    });
    let claim = match expect {
        Some(side) if !side.is_empty() => claim_view(l, side, o),
        _ => Html::default(),
    };
    html! {
        <div class="guide-outcome" data-testid="outcome">
            <h3>{ label(l, "outcome") }</h3>
            <ul class="guide-anomalies">{ for rows }</ul>
            <p data-testid="outcome-converged" data-converged={o.converged.to_string()}>
                { format!("{}: {}", label(l, "converged"), label(l, if o.converged { "yes" } else { "no" })) }
            </p>
            { claim }
            <p class="guide-hash" title={label(l, "hash_hint")}>
                <span class="muted">{ label(l, "hash") }{ " " }</span>
                <code data-testid="trace-hash">{ hash.to_string() }</code>
            </p>
            <p class="muted small">{ label(l, "hash_hint") }</p>
        </div>
    }
}

/// The lesson's claim for the side shown, row by row against what was measured.
fn claim_view(l: Lang, side: &BTreeMap<String, Condition>, o: &Outcome) -> Html {
    let rows = claim_rows(side, o);
    let ok = rows.iter().all(|r| r.ok);
    html! {
        <div class={classes!("guide-claim", if ok { "ok" } else { "off" })} data-testid="claim" data-ok={ok.to_string()}>
            <strong>{ label(l, if ok { "claim_ok" } else { "claim_off" }) }</strong>
            <table>
                { for rows.into_iter().map(|r| html! {
                    <tr class={classes!((!r.ok).then_some("off"))}>
                        <td><code>{ r.name }</code></td><td><b>{ r.got }</b></td>
                        <td class="muted">{ format!("{} {}", label(l, "expected"), r.want) }</td>
                    </tr>
                }) }
            </table>
        </div>
    }
}

/// "Compare side by side", for a scenario with a `compare` block.
fn compare_button(l: Lang, scenario: &Scenario, split: &UseStateHandle<bool>) -> Html {
    if scenario.compare.is_none() {
        return Html::default();
    }
    let open = {
        let split = split.clone();
        Callback::from(move |_: MouseEvent| split.set(true))
    };
    html! {
        <button type="button" data-testid="compare-open" title={label(l, "compare_hint")} onclick={open}>
            { label(l, "compare") }
        </button>
    }
}

/// The side-by-side comparison overlay while it is open; opening a side live closes it.
fn split_view(l: Lang, scenario: &Rc<Scenario>, split: &UseStateHandle<bool>, show: Rc<dyn Fn(bool)>) -> Html {
    if !**split {
        return Html::default();
    }
    let close = {
        let split = split.clone();
        Callback::from(move |_: ()| split.set(false))
    };
    let open_live = {
        let split = split.clone();
        Callback::from(move |v: bool| {
            show(v);
            split.set(false);
        })
    };
    html! { <SplitView lang={l} scenario={scenario.clone()} on_close={close} on_open={open_live} /> }
}

// Run by `cargo test --target wasm32-unknown-unknown` (the `ui` module exists only there).
#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Every label has both languages and keys are unique.
    #[wasm_bindgen_test]
    fn labels_are_complete() {
        super::super::i18n::check_table(super::LABELS, &[]);
    }
}
