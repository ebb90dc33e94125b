//! The guide beside a scenario opened from a link: the tour (Back / Next move the run to the
//! step's `at_ms` and highlight its `focus` nodes), "run to the end", the base/variant switch,
//! the side-by-side comparison, and, once the run finished, the measured outcome and its trace
//! hash (equal to `lab run <ID|FILE> --json`'s for an unchanged run).
//!
//! It is rendered in the playground's tour slot and reaches the run through the playground's
//! `Ctl` context. It does not re-render with the playground's frames: it polls the run's clock
//! at 4 Hz, which is enough for "finished" and costs nothing.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::{Interval, Timeout};
use yew::prelude::*;

use super::i18n::Lang;
use super::playground::{Ctl, Engine};
use super::state::Action as Ui;
use super::tour::TourPanel;
use crate::sim::engine::MS;
use crate::sim::lessons::{self, Outcome};
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

/// The anomaly keys of the report, in the checker's order.
pub const ANOMALIES: [&str; 8] = crate::sim::checker::Anomalies::NAMES;

/// An anomaly's name for readers.
pub fn anomaly_name(l: Lang, key: &str) -> &'static str {
    const NAMES: &[(&str, &str, &str)] = &[
        ("lost", "유실", "lost"),
        ("phantom", "유령", "phantom"),
        ("duplicate_applied", "중복 적용", "duplicate applied"),
        ("duplicate_suppressed", "중복 억제", "duplicate suppressed"),
        ("out_of_order", "순서 뒤바뀜", "out of order"),
        ("invalid_transition", "잘못된 상태 전이", "invalid transition"),
        ("stale_read", "옛 값 읽기", "stale read"),
        ("acked_lost", "확인 후 유실", "acked, then lost"),
    ];
    match NAMES.iter().find(|(k, _, _)| *k == key) {
        Some((_, ko, en)) => match l {
            Lang::Ko => ko,
            Lang::En => en,
        },
        None => "?",
    }
}

/// A measure's value as text (integers without a fraction).
pub fn fmt_measure(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.1}")
    }
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
    ctl.dispatch(Ui::SetPlaying(false));
    when_paused(ctl.clone(), Rc::new(scenario.clone()), i, 0);
}

/// Runs to step `i` once the playground has rendered the pause (its frame loop then no longer
/// advances the run); retries every 10 ms, at most a second.
fn when_paused(ctl: Ctl, scenario: Rc<Scenario>, i: usize, tries: u32) {
    Timeout::new(if tries == 0 { 0 } else { 10 }, move || {
        if ctl.ui().playing && tries < 100 {
            when_paused(ctl, scenario, i, tries + 1);
        } else {
            run_to_step(&ctl, &scenario, i);
        }
    })
    .forget();
}

fn run_to_step(ctl: &Ctl, scenario: &Scenario, i: usize) {
    let Some(step) = scenario.tour.get(i) else { return };
    if let Some(at) = step.at_ms {
        let t = at * MS;
        let rebuilt = {
            let mut e = ctl.engine();
            let back = e.sim.now() > t;
            if back {
                e.rebuild();
            }
            e.sim.run_until(t);
            back
        };
        if rebuilt {
            ctl.dispatch(Ui::NewRun);
        }
    }
    ctl.refresh();
}

/// Runs the run to its end in slices of about 40 ms of wall time, so a long shared scenario
/// never freezes the page (the guide's progress line moves meanwhile).
fn run_to_end_sliced(ctl: Ctl) {
    let now_ms = || web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0);
    let deadline = now_ms() + 40.0;
    let finished = {
        let mut e = ctl.engine();
        while !e.sim.finished() && now_ms() < deadline {
            let t = e.sim.now() + 100 * MS;
            e.sim.run_until(t);
        }
        e.sim.finished()
    };
    ctl.refresh();
    if !finished {
        Timeout::new(0, move || run_to_end_sliced(ctl)).forget();
    }
}

/// Replaces the run with `scenario` (bounded or not), keeping the page's UI state.
pub fn load_run(ctl: &Ctl, scenario: Scenario, bounded: bool) {
    *ctl.engine() = if bounded { Engine::bounded(scenario) } else { Engine::new(scenario) };
    ctl.dispatch(Ui::NewRun);
    ctl.refresh();
}

/// Writes `&step=` (1-based) into the address bar without reloading.
fn set_url_step(i: usize) {
    if let (Some(url), Ok(history)) =
        (super::url_with_param("step", Some(&(i + 1).to_string())), gloo::utils::window().history())
    {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// CSS that outlines the step's focus nodes in the topology (node names are checked to be plain).
fn focus_style(names: &[String]) -> String {
    names
        .iter()
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map(|n| {
            format!(
                ".topology g.node[data-node=\"{n}\"] > rect.box {{ stroke: var(--tour-focus, #e8590c); stroke-width: 3px; }}\n"
            )
        })
        .collect()
}

/// The conditions of one side of the lesson's claim, with what was measured.
fn claim_rows(
    expect: &std::collections::BTreeMap<String, Condition>,
    o: &Outcome,
) -> Vec<(String, String, String, bool)> {
    expect
        .iter()
        .filter(|(name, _)| name.as_str() != "consumer_lag_max") // sampled only by a headless run
        .map(|(name, cond)| match cond {
            Condition::Flag(want) => {
                let ok = name != "converged" || o.converged == *want;
                (name.clone(), o.converged.to_string(), want.to_string(), ok)
            }
            Condition::Bounds(b) => match o.get(name) {
                Some(x) => (name.clone(), fmt_measure(x), cond.to_string(), b.holds(x)),
                None => (name.clone(), "–".to_string(), cond.to_string(), false),
            },
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct GuideProps {
    pub lang: Lang,
    pub route: Rc<super::route::Route>,
}

/// The guide (see the module docs).
#[function_component(Guide)]
pub fn guide(p: &GuideProps) -> Html {
    let ctl = use_context::<Ctl>();
    let route = p.route.clone();
    let scenario = route.scenario.clone();
    let step = use_state(|| route.step);
    let split = use_state(|| false);
    let status = use_mut_ref(Status::default);
    let outcome: Rc<RefCell<Option<Rc<Outcome>>>> = use_mut_ref(|| None);
    let rev = use_state(|| 0u64);

    // Poll the run: clock, finished, trace hash; the outcome is computed once per finished run.
    {
        let variant_cfg = lessons::variant(&scenario).map(|v| v.config);
        let (ctl, status, outcome, rev) = (ctl.clone(), status.clone(), outcome.clone(), rev.setter());
        use_effect_with((), move |_| {
            let mut n = 0u64;
            let mut poll = move || {
                let Some(ctl) = &ctl else { return };
                let next = {
                    let e = ctl.engine();
                    let finished = e.sim.finished();
                    Status {
                        now_us: e.sim.now(),
                        until_us: e.sim.until(),
                        finished,
                        hash: finished.then(|| e.sim.trace_hash()),
                        variant: variant_cfg.as_ref() == Some(&e.base.config),
                    }
                };
                if next != *status.borrow() {
                    let new_hash = next.hash.is_some() && next.hash != status.borrow().hash;
                    if new_hash {
                        let e = ctl.engine();
                        *outcome.borrow_mut() = Some(Rc::new(lessons::outcome(&e.sim, 0)));
                    } else if next.hash.is_none() {
                        *outcome.borrow_mut() = None;
                    }
                    *status.borrow_mut() = next;
                    n += 1;
                    rev.set(n);
                }
            };
            poll();
            let iv = Interval::new(250, poll);
            move || drop(iv)
        });
    }

    // A link with &step= opens at that step: the run moves there at once.
    {
        let (ctl, scenario, route) = (ctl.clone(), scenario.clone(), route.clone());
        use_effect_with((), move |_| {
            if let (Some(ctl), true) = (&ctl, route.step_given) {
                go_to_step(ctl, &scenario, route.step);
            }
        });
    }

    let Some(ctl) = ctl else { return Html::default() };
    // Free play (no link, no tour) has nothing to guide.
    if !route.bounded && scenario.tour.is_empty() {
        return Html::default();
    }
    let l = p.lang;
    let st = status.borrow().clone();
    let last = scenario.tour.len().saturating_sub(1);

    let on_step = {
        let (ctl, scenario, step) = (ctl.clone(), scenario.clone(), step.clone());
        Callback::from(move |i: usize| {
            step.set(i);
            set_url_step(i);
            go_to_step(&ctl, &scenario, i);
        })
    };
    let on_variant = {
        let (ctl, scenario, step, bounded) = (ctl.clone(), scenario.clone(), step.clone(), route.bounded);
        Callback::from(move |v: bool| {
            let s = if v { lessons::variant(&scenario) } else { Some((*scenario).clone()) };
            if let Some(s) = s {
                load_run(&ctl, s, bounded);
                go_to_step(&ctl, &scenario, *step);
            }
        })
    };
    let to_end = {
        let (ctl, step, has_tour) = (ctl.clone(), step.clone(), !scenario.tour.is_empty());
        Callback::from(move |_: MouseEvent| {
            ctl.dispatch(Ui::SetPlaying(false));
            run_to_end_sliced(ctl.clone());
            if has_tour {
                step.set(last);
                set_url_step(last);
            }
        })
    };
    let open_split = {
        let split = split.clone();
        Callback::from(move |_: MouseEvent| split.set(true))
    };

    let tour = if scenario.tour.is_empty() {
        Html::default()
    } else {
        let focus = scenario.tour.get(*step).map(|s| focus_style(&s.focus)).unwrap_or_default();
        html! {
            <div class="guide-tour" data-testid="tour" data-step={(*step + 1).to_string()}>
                <TourPanel lang={l} steps={Rc::new(scenario.tour.clone())} step={*step} on_step={on_step}
                    compare={scenario.compare.as_ref().map(|c| c.title.clone())} variant={st.variant}
                    on_variant={Some(on_variant)} />
                <style>{ focus }</style>
            </div>
        }
    };

    let title = match l {
        Lang::Ko => scenario.title.ko.clone(),
        Lang::En => scenario.title.en.clone(),
    };
    let secs = |us: u64| format!("{:.1} s", us as f64 / 1e6);
    let progress = if st.finished {
        Html::default()
    } else {
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
    };

    let result = match (&*outcome.borrow(), &st.hash) {
        (Some(o), Some(hash)) => {
            let rows = ANOMALIES.iter().map(|k| {
                let n = o.get(k).unwrap_or(0.0);
                html! {
                    <li class={classes!((n > 0.0).then_some("bad"))} data-testid={format!("outcome-{k}")} data-count={fmt_measure(n)}>
                        <span>{ anomaly_name(l, k) }</span><b>{ fmt_measure(n) }</b>
                    </li>
                }
            });
            let expect = scenario.expect.as_ref().map(|e| if st.variant { &e.variant } else { &e.base });
            let claim = match expect {
                Some(side) if !side.is_empty() => {
                    let rows = claim_rows(side, o);
                    let ok = rows.iter().all(|r| r.3);
                    html! {
                        <div class={classes!("guide-claim", if ok { "ok" } else { "off" })} data-testid="claim" data-ok={ok.to_string()}>
                            <strong>{ label(l, if ok { "claim_ok" } else { "claim_off" }) }</strong>
                            <table>
                                { for rows.into_iter().map(|(name, got, want, ok)| html! {
                                    <tr class={classes!((!ok).then_some("off"))}>
                                        <td><code>{ name }</code></td><td><b>{ got }</b></td>
                                        <td class="muted">{ format!("{} {}", label(l, "expected"), want) }</td>
                                    </tr>
                                }) }
                            </table>
                        </div>
                    }
                }
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
                        <code data-testid="trace-hash">{ hash.clone() }</code>
                    </p>
                    <p class="muted small">{ label(l, "hash_hint") }</p>
                </div>
            }
        }
        _ => Html::default(),
    };

    let compare = if scenario.compare.is_some() {
        html! {
            <button type="button" data-testid="compare-open" title={label(l, "compare_hint")} onclick={open_split}>
                { label(l, "compare") }
            </button>
        }
    } else {
        Html::default()
    };
    let split_view = if *split {
        let close = {
            let split = split.clone();
            Callback::from(move |_: ()| split.set(false))
        };
        let open_live = {
            let (split, on_variant) = (split.clone(), {
                let (ctl, scenario, step, bounded) = (ctl.clone(), scenario.clone(), step.clone(), route.bounded);
                move |v: bool| {
                    let s = if v { lessons::variant(&scenario) } else { Some((*scenario).clone()) };
                    if let Some(s) = s {
                        load_run(&ctl, s, bounded);
                        go_to_step(&ctl, &scenario, *step);
                    }
                }
            });
            Callback::from(move |v: bool| {
                on_variant(v);
                split.set(false);
            })
        };
        html! { <super::split::SplitView lang={l} scenario={scenario.clone()} on_close={close} on_open={open_live} /> }
    } else {
        Html::default()
    };

    html! {
        <section class="guide" data-testid="guide" data-scenario={scenario.id.clone()} data-finished={st.finished.to_string()}
            data-variant={st.variant.to_string()}>
            <h2 class="guide-title" data-testid="scenario-title"><span class="muted">{ label(l, "title") }{ " · " }</span>{ title }</h2>
            { tour }
            <div class="guide-actions">{ compare }</div>
            { progress }
            { result }
            { split_view }
        </section>
    }
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
