//! The fair comparison: a scenario as written and its `compare` variant
//! ([`crate::sim::lessons::variant`]: the same seed, the same commands and faults, one setting
//! changed), both run headless to the end, their checkers side by side. Each side can be opened
//! in the live view.
//!
//! The built-in lessons' runs take well under a second in the browser; they run in slices of
//! about 40 ms (a long shared scenario never freezes the page), after the overlay has painted.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use serde_json::Value;
use yew::prelude::*;

use super::i18n::Lang;
use super::logic::outcome::{anomaly_name, config_value_text, fmt_measure, value_text, ANOMALIES};
use crate::sim::lessons::{self, Outcome, Sliced};
use crate::sim::scenario::{Condition, Scenario};
use crate::sim::Sim;

const LABELS: &[(&str, &str, &str)] = &[
    (
        "title",
        "나란히 비교: 같은 시드, 같은 장애, 설정 하나만 다르게",
        "Side by side: same seed, same faults, one setting changed",
    ),
    ("running", "두 실행을 끝까지 돌리는 중…", "Running both to the end…"),
    ("base", "이 실행 (쓰인 그대로)", "As written"),
    ("variant", "비교 실행", "Variant"),
    ("measure", "측정값", "Measure"),
    ("converged", "복제본 수렴", "Replicas converged"),
    ("converged_at", "수렴 시각 (ms)", "Converged at (ms)"),
    ("yes", "예", "yes"),
    ("no", "아니오", "no"),
    ("claim_ok", "✓ 레슨의 주장대로", "✓ as the lesson claims"),
    ("claim_off", "✗ 레슨의 주장과 다름", "✗ differs from the lesson's claim"),
    ("open", "라이브로 보기", "Open live"),
    ("close", "닫기", "Close"),
    ("hash", "trace hash", "trace hash"),
    ("expected", "기대", "expected"),
    ("took", "두 실행에 {ms} ms", "both runs took {ms} ms"),
];

fn label(l: Lang, key: &str) -> &'static str {
    super::i18n::lookup(LABELS, l, key)
}

#[derive(Properties, PartialEq)]
pub struct SplitProps {
    pub lang: Lang,
    pub scenario: Rc<Scenario>,
    pub on_close: Callback<()>,
    /// Opens one side in the live view: `false` as written, `true` the variant.
    pub on_open: Callback<bool>,
}

/// Both runs' outcomes and how long they took (wall ms).
#[derive(Clone)]
struct Runs {
    base: Rc<Outcome>,
    variant: Rc<Outcome>,
    took_ms: f64,
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Wall time one slice of the headless runs may take before the page gets a turn, ms.
const SLICE_MS: f64 = 40.0;

/// One headless run in progress, exactly as [`lessons::run`] does it, but stopping between
/// slices at a wall-time deadline, so a long shared scenario never freezes the page.
struct Job {
    sim: Sim,
    sliced: Sliced,
}

impl Job {
    fn new(s: Scenario) -> Job {
        Job { sim: Sim::new(s), sliced: Sliced::default() }
    }

    /// Runs until done or `deadline` (performance.now, ms); true when done.
    fn work(&mut self, deadline: f64) -> bool {
        self.sliced.run(&mut self.sim, || now_ms() <= deadline)
    }

    fn outcome(&self) -> Outcome {
        lessons::outcome(&self.sim, self.sliced.lag_max)
    }
}

/// Both runs, advanced a slice per timer turn until done; dropping it stops them.
struct Pair {
    jobs: [Job; 2],
    t0: f64,
    timer: Option<Timeout>,
}

fn step_pair(pair: Rc<RefCell<Pair>>, progress: UseStateSetter<u32>, runs: UseStateSetter<Option<Runs>>) {
    let deadline = now_ms() + SLICE_MS;
    let done = {
        let mut p = pair.borrow_mut();
        let first = p.jobs[0].work(deadline);
        first && p.jobs[1].work(deadline)
    };
    let p2 = pair.clone();
    let mut p = pair.borrow_mut();
    if done {
        let (base, variant) = (p.jobs[0].outcome(), p.jobs[1].outcome());
        runs.set(Some(Runs { base: Rc::new(base), variant: Rc::new(variant), took_ms: now_ms() - p.t0 }));
        p.timer = None;
    } else {
        let (at, total) =
            p.jobs.iter().map(|j| Sliced::progress(&j.sim)).fold((0, 0), |(a, t), (x, u)| (a + x, t + u.max(1)));
        progress.set((at * 100 / total) as u32);
        p.timer = Some(Timeout::new(0, move || step_pair(p2, progress, runs)));
    }
}

/// The comparison overlay.
#[function_component(SplitView)]
pub fn split_view(p: &SplitProps) -> Html {
    let runs = use_state(|| None::<Runs>);
    let progress = use_state(|| 0u32);
    super::links::use_escape(p.on_close.clone());
    // Keyboard users land in the dialog (Escape or the close button leave it).
    let close_ref = use_node_ref();
    {
        let close_ref = close_ref.clone();
        use_effect_with((), move |_| {
            if let Some(el) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    {
        let (runs, progress, scenario) = (runs.setter(), progress.setter(), p.scenario.clone());
        use_effect_with(p.scenario.id.clone(), move |_| {
            let pair = lessons::variant(&scenario).map(|v| {
                Rc::new(RefCell::new(Pair {
                    jobs: [Job::new((*scenario).clone()), Job::new(v)],
                    t0: now_ms(),
                    timer: None,
                }))
            });
            if let Some(pair) = &pair {
                // Let the overlay paint first.
                let p2 = pair.clone();
                pair.borrow_mut().timer = Some(Timeout::new(30, move || step_pair(p2, progress, runs)));
            }
            // Closing the overlay stops the runs (the pending timer is dropped with the pair).
            move || {
                if let Some(pair) = pair {
                    pair.borrow_mut().timer = None;
                }
            }
        });
    }
    let l = p.lang;
    let sc = &p.scenario;
    let Some(compare) = sc.compare.as_ref() else { return Html::default() };
    let vtitle = match l {
        Lang::Ko => compare.title.ko.clone(),
        Lang::En => compare.title.en.clone(),
    };
    // What differs: each compare key, as written → variant.
    let base_cfg = serde_json::to_value(&sc.config).unwrap_or(Value::Null);
    let diff = compare.set.iter().map(|(k, v)| {
        let was = config_value_text(&base_cfg, k);
        html! { <li><code>{ k.clone() }</code>{ ": " }<b>{ was }</b>{ " → " }<b>{ value_text(v) }</b></li> }
    });
    let close = {
        let cb = p.on_close.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let open = |v: bool| {
        let cb = p.on_open.clone();
        Callback::from(move |_: MouseEvent| cb.emit(v))
    };
    let body = match &*runs {
        None => {
            html! { <p class="split-running" data-testid="split-running">{ format!("{} {}%", label(l, "running"), *progress) }</p> }
        }
        Some(r) => {
            let expect = sc.expect.as_ref();
            // Rows: every anomaly, then the measures the lesson's claim names, then convergence.
            let mut names: Vec<String> = ANOMALIES.iter().map(|s| s.to_string()).collect();
            if let Some(e) = expect {
                for n in e.base.keys().chain(e.variant.keys()) {
                    if n != "converged" && !names.contains(n) {
                        names.push(n.clone());
                    }
                }
            }
            let cond_of = |variant: bool, name: &str| {
                expect.and_then(|e| if variant { e.variant.get(name) } else { e.base.get(name) })
            };
            let cell = |variant: bool, name: &str| {
                let o = if variant { &r.variant } else { &r.base };
                let x = o.get(name);
                let verdict = match (cond_of(variant, name), x) {
                    (Some(Condition::Bounds(b)), Some(x)) => Some(b.holds(x)),
                    (Some(_), None) => Some(false),
                    _ => None,
                };
                let class = classes!(
                    ANOMALIES.contains(&name).then_some(if x.unwrap_or(0.0) > 0.0 { "bad" } else { "zero" }),
                    verdict.map(|ok| if ok { "claim-ok" } else { "claim-off" })
                );
                let side = if variant { "variant" } else { "base" };
                html! {
                    <td class={class} data-testid={format!("split-{side}-{name}")} data-value={x.map(fmt_measure).unwrap_or_default()}>
                        { x.map(fmt_measure).unwrap_or_else(|| "–".into()) }
                        if let Some(Condition::Bounds(_)) = cond_of(variant, name) {
                            <span class="split-cond">{ format!("{} {}", label(l, "expected"), cond_of(variant, name).map(|c| c.to_string()).unwrap_or_default()) }</span>
                        }
                    </td>
                }
            };
            let rows = names.iter().map(|n| {
                let shown = if ANOMALIES.contains(&n.as_str()) {
                    html! { anomaly_name(l, n) }
                } else {
                    html! { <code>{ n.clone() }</code> }
                };
                let differs = r.base.get(n) != r.variant.get(n);
                html! {
                    <tr class={classes!(differs.then_some("differs"))}>
                        <th scope="row">{ shown }</th>{ cell(false, n) }{ cell(true, n) }
                    </tr>
                }
            });
            let conv = |o: &Outcome, side: &str| {
                html! {
                    <td class={classes!(if o.converged { "zero" } else { "bad" })} data-testid={format!("split-{side}-converged")}
                        data-value={o.converged.to_string()}>
                        { label(l, if o.converged { "yes" } else { "no" }) }
                    </td>
                }
            };
            let claim = |variant: bool| {
                let Some(e) = expect else { return Html::default() };
                let side = if variant { &e.variant } else { &e.base };
                if side.is_empty() {
                    return Html::default();
                }
                let o = if variant { &r.variant } else { &r.base };
                let ok = lessons::failures(side, o).is_empty();
                html! {
                    <td class={if ok { "claim-ok" } else { "claim-off" }} data-testid={format!("split-{}-claim", if variant { "variant" } else { "base" })}
                        data-ok={ok.to_string()}>{ label(l, if ok { "claim_ok" } else { "claim_off" }) }</td>
                }
            };
            html! {
                <>
                <table class="split-table" data-testid="split-table">
                    <thead><tr>
                        <th>{ label(l, "measure") }</th>
                        <th data-testid="split-base-title">{ label(l, "base") }</th>
                        <th data-testid="split-variant-title">{ format!("{}: {}", label(l, "variant"), vtitle) }</th>
                    </tr></thead>
                    <tbody>
                        { for rows }
                        <tr class={classes!((r.base.converged != r.variant.converged).then_some("differs"))}>
                            <th scope="row">{ label(l, "converged") }</th>{ conv(&r.base, "base") }{ conv(&r.variant, "variant") }
                        </tr>
                        <tr>
                            <th scope="row">{ label(l, "hash") }</th>
                            <td><code data-testid="split-base-hash">{ r.base.report.trace_hash.clone() }</code></td>
                            <td><code data-testid="split-variant-hash">{ r.variant.report.trace_hash.clone() }</code></td>
                        </tr>
                        if expect.is_some() {
                            <tr><th scope="row"></th>{ claim(false) }{ claim(true) }</tr>
                        }
                        <tr class="split-open-row">
                            <th scope="row"></th>
                            <td><button type="button" data-testid="split-open-base" onclick={open(false)}>{ label(l, "open") }</button></td>
                            <td><button type="button" class="primary" data-testid="split-open-variant" onclick={open(true)}>{ label(l, "open") }</button></td>
                        </tr>
                    </tbody>
                </table>
                <p class="muted small">{ label(l, "took").replace("{ms}", &format!("{:.0}", r.took_ms)) }</p>
                </>
            }
        }
    };
    html! {
        <div class="split-overlay" data-testid="split" role="dialog" aria-modal="true" aria-label={label(l, "title")}>
            <div class="split-box">
                <div class="split-head">
                    <h3>{ label(l, "title") }</h3>
                    <button type="button" class="split-close" aria-label={label(l, "close")} data-testid="split-close" onclick={close} ref={close_ref}>{ "×" }</button>
                </div>
                <ul class="split-diff" data-testid="split-diff">{ for diff }</ul>
                { body }
            </div>
        </div>
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
