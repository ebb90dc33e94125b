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
use super::logic::outcome::{anomaly_name, config_value_text, fmt_measure, measure_names, value_text, ANOMALIES};
use crate::sim::lessons::{self, Outcome, Sliced};
use crate::sim::scenario::{Condition, Expect, Scenario};
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

/// Focuses the returned element once mounted: keyboard users land in the dialog (Escape or the
/// close button leave it).
#[hook]
fn use_focus_on_mount() -> NodeRef {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with((), move |_| {
            if let Some(el) = node.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    node
}

/// Runs the scenario and its variant headless, a slice per timer turn, after the overlay has
/// painted; returns their outcomes once both finished, and the progress in % meanwhile. Closing
/// the overlay stops the runs.
#[hook]
fn use_pair_runs(scenario: Rc<Scenario>) -> (Option<Runs>, u32) {
    let runs = use_state(|| None::<Runs>);
    let progress = use_state(|| 0u32);
    {
        let (runs, progress) = (runs.setter(), progress.setter());
        use_effect_with(scenario.id.clone(), move |_| {
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
            // The pending timer is dropped with the pair.
            move || {
                if let Some(pair) = pair {
                    pair.borrow_mut().timer = None;
                }
            }
        });
    }
    ((*runs).clone(), *progress)
}

/// The comparison overlay.
#[function_component(SplitView)]
pub fn split_view(p: &SplitProps) -> Html {
    super::links::use_escape(p.on_close.clone());
    let close_ref = use_focus_on_mount();
    let (runs, progress) = use_pair_runs(p.scenario.clone());
    let l = p.lang;
    let sc = &p.scenario;
    let Some(compare) = sc.compare.as_ref() else { return Html::default() };
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
    let body = match &runs {
        None => {
            html! { <p class="split-running" data-testid="split-running">{ format!("{} {}%", label(l, "running"), progress) }</p> }
        }
        Some(r) => results(l, sc, r, &p.on_open),
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

/// Which side of the comparison.
fn side_name(variant: bool) -> &'static str {
    if variant {
        "variant"
    } else {
        "base"
    }
}

/// Both outcomes side by side: every anomaly and the measures the lesson's claim names,
/// convergence, the trace hashes, the claim's verdicts and the "open live" buttons.
fn results(l: Lang, sc: &Scenario, r: &Runs, on_open: &Callback<bool>) -> Html {
    let expect = sc.expect.as_ref();
    let vtitle = sc.compare.as_ref().map(|c| match l {
        Lang::Ko => c.title.ko.clone(),
        Lang::En => c.title.en.clone(),
    });
    let rows = measure_names(expect).into_iter().map(|n| measure_row(l, expect, r, &n));
    let open = |v: bool| {
        let cb = on_open.clone();
        Callback::from(move |_: MouseEvent| cb.emit(v))
    };
    html! {
        <>
        <table class="split-table" data-testid="split-table">
            <thead><tr>
                <th>{ label(l, "measure") }</th>
                <th data-testid="split-base-title">{ label(l, "base") }</th>
                <th data-testid="split-variant-title">{ format!("{}: {}", label(l, "variant"), vtitle.unwrap_or_default()) }</th>
            </tr></thead>
            <tbody>
                { for rows }
                <tr class={classes!((r.base.converged != r.variant.converged).then_some("differs"))}>
                    <th scope="row">{ label(l, "converged") }</th>{ converged_cell(l, &r.base, false) }{ converged_cell(l, &r.variant, true) }
                </tr>
                <tr>
                    <th scope="row">{ label(l, "hash") }</th>
                    <td><code data-testid="split-base-hash">{ r.base.report.trace_hash.clone() }</code></td>
                    <td><code data-testid="split-variant-hash">{ r.variant.report.trace_hash.clone() }</code></td>
                </tr>
                if let Some(e) = expect {
                    <tr><th scope="row"></th>{ claim_cell(l, e, r, false) }{ claim_cell(l, e, r, true) }</tr>
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

/// One measure's row: its name and both sides' values, marked when they differ.
fn measure_row(l: Lang, expect: Option<&Expect>, r: &Runs, n: &str) -> Html {
    let shown = if ANOMALIES.contains(&n) {
        html! { anomaly_name(l, n) }
    } else {
        html! { <code>{ n.to_string() }</code> }
    };
    let differs = r.base.get(n) != r.variant.get(n);
    html! {
        <tr class={classes!(differs.then_some("differs"))}>
            <th scope="row">{ shown }</th>{ measure_cell(l, expect, r, false, n) }{ measure_cell(l, expect, r, true, n) }
        </tr>
    }
}

/// One side's value of a measure: anomalies marked bad or zero, and the lesson's condition (and
/// whether it holds) where it names one.
fn measure_cell(l: Lang, expect: Option<&Expect>, r: &Runs, variant: bool, name: &str) -> Html {
    let cond = expect.and_then(|e| if variant { e.variant.get(name) } else { e.base.get(name) });
    let o = if variant { &r.variant } else { &r.base };
    let x = o.get(name);
    let verdict = match (cond, x) {
        (Some(Condition::Bounds(b)), Some(x)) => Some(b.holds(x)),
        (Some(_), None) => Some(false),
        _ => None,
    };
    let class = classes!(
        ANOMALIES.contains(&name).then_some(if x.unwrap_or(0.0) > 0.0 { "bad" } else { "zero" }),
        verdict.map(|ok| if ok { "claim-ok" } else { "claim-off" })
    );
    let side = side_name(variant);
    html! {
        <td class={class} data-testid={format!("split-{side}-{name}")} data-value={x.map(fmt_measure).unwrap_or_default()}>
            { x.map(fmt_measure).unwrap_or_else(|| "–".into()) }
            if let Some(Condition::Bounds(_)) = cond {
                <span class="split-cond">{ format!("{} {}", label(l, "expected"), cond.map(|c| c.to_string()).unwrap_or_default()) }</span>
            }
        </td>
    }
}

/// Whether one side's replicas converged.
fn converged_cell(l: Lang, o: &Outcome, variant: bool) -> Html {
    html! {
        <td class={classes!(if o.converged { "zero" } else { "bad" })} data-testid={format!("split-{}-converged", side_name(variant))}
            data-value={o.converged.to_string()}>
            { label(l, if o.converged { "yes" } else { "no" }) }
        </td>
    }
}

/// Whether one side's run holds what the lesson claims of it (empty if it claims nothing).
fn claim_cell(l: Lang, e: &Expect, r: &Runs, variant: bool) -> Html {
    let side = if variant { &e.variant } else { &e.base };
    if side.is_empty() {
        return Html::default();
    }
    let o = if variant { &r.variant } else { &r.base };
    let ok = lessons::failures(side, o).is_empty();
    html! {
        <td class={if ok { "claim-ok" } else { "claim-off" }} data-testid={format!("split-{}-claim", side_name(variant))}
            data-ok={ok.to_string()}>{ label(l, if ok { "claim_ok" } else { "claim_off" }) }</td>
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
