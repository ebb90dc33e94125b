//! The guided-tour panel: one step of a lesson at a time, in the page's language, with Back /
//! Next and "step n of m". Self-contained: it owns no sim state and no timers.
//!
//! # Wiring
//!
//! ```ignore
//! use crate::ui::tour::TourPanel;
//! // `scenario: Rc<Scenario>`; `step: UseStateHandle<usize>` starts at `Link::step` (the
//! // `&step=` parameter, 0-based) clamped to `scenario.tour.len() - 1`.
//! html! {
//!     <TourPanel
//!         lang={lang}                                  // crate::ui::i18n::Lang
//!         steps={Rc::new(scenario.tour.clone())}       // Rc<Vec<TourStep>>; empty → renders nothing
//!         step={*step}                                 // the current step, 0-based
//!         on_step={Callback::from(move |i: usize| {    // Back / Next / Start over: the new index
//!             step.set(i);
//!             // the parent then: if let Some(t) = scenario.tour[i].at_ms { run the sim to t }
//!             //                  highlight scenario.tour[i].focus (node names)
//!             //                  update the URL's &step= (crate::sim::share::query_string)
//!         })}
//!         compare={scenario.compare.as_ref().map(|c| c.title.clone())} // Option<Title>
//!         variant={*variant}                           // bool: showing the compare variant?
//!         on_variant={Callback::from(move |v: bool| variant.set(v))} // restart base/variant
//!     />
//! }
//! ```
//!
//! The parent decides what a step does to the run (`at_ms`, `focus`); this panel only shows
//! text and reports the index the reader chose. Moving backwards cannot rewind a sim: the
//! parent restarts the run and runs it to the step's `at_ms` (runs are deterministic).
//! The base/variant switch shows only when `compare` is given.
//!
//! CSS classes: `tour`, `tour-head`, `tour-title`, `tour-count`, `tour-text`, `tour-nav`,
//! `tour-back`, `tour-next`, `tour-switch`, `tour-switch-on`.

use std::rc::Rc;

use yew::prelude::*;

use super::i18n::Lang;
use super::logic::markup::{code_spans, Span};
use crate::sim::scenario::{Title, TourStep};

/// The panel's own labels: (key, Korean, English). `{n}` and `{m}` are filled in.
const LABELS: &[(&str, &str, &str)] = &[
    ("title", "둘러보기", "Guided tour"),
    ("count", "{n} / {m} 단계", "Step {n} of {m}"),
    ("back", "← 이전", "← Back"),
    ("next", "다음 →", "Next →"),
    ("restart", "처음으로", "Start over"),
    ("base", "이 실행", "As written"),
    ("variant", "비교 실행", "Variant"),
    ("switch", "실행 선택", "Choose the run"),
];

/// A label in `lang`; an unknown key shows itself (a test checks every key exists).
fn label(lang: Lang, key: &str) -> &'static str {
    super::i18n::lookup(LABELS, lang, key)
}

/// The title in `lang`.
fn title_in(lang: Lang, t: &Title) -> String {
    match lang {
        Lang::Ko => t.ko.clone(),
        Lang::En => t.en.clone(),
    }
}

/// Properties of [`TourPanel`].
#[derive(Properties, PartialEq)]
pub struct TourProps {
    /// The page's language.
    pub lang: Lang,
    /// The scenario's tour; when empty the panel renders nothing.
    pub steps: Rc<Vec<TourStep>>,
    /// The step shown, 0-based (clamped to the last step).
    pub step: usize,
    /// Called with the index the reader moves to (Back, Next, Start over).
    pub on_step: Callback<usize>,
    /// The compare variant's name, when the scenario has one.
    #[prop_or_default]
    pub compare: Option<Title>,
    /// Whether the variant is the run being shown.
    #[prop_or_default]
    pub variant: bool,
    /// Called with `true` to show the variant, `false` for the run as written.
    #[prop_or_default]
    pub on_variant: Option<Callback<bool>>,
}

/// A scenario text with its `code` spans drawn as `<code>` (no raw backticks).
pub fn rich_text(text: &str) -> Html {
    let spans = code_spans(text).into_iter().map(|span| match span {
        Span::Text(t) => html! { { t.to_string() } },
        Span::Code(c) => html! { <code>{ c.to_string() }</code> },
    });
    html! { <>{ for spans }</> }
}

/// The tour panel (see the module docs for wiring).
#[function_component(TourPanel)]
pub fn tour_panel(p: &TourProps) -> Html {
    let m = p.steps.len();
    if m == 0 {
        return Html::default();
    }
    let l = p.lang;
    let i = p.step.min(m - 1);
    let step = &p.steps[i];
    let text = match l {
        Lang::Ko => step.ko.clone(),
        Lang::En => step.en.clone(),
    };
    let count = label(l, "count").replace("{n}", &(i + 1).to_string()).replace("{m}", &m.to_string());
    let go = |to: usize| {
        let cb = p.on_step.clone();
        Callback::from(move |_: MouseEvent| cb.emit(to))
    };
    let back = if i > 0 {
        html! { <button class="tour-back" onclick={go(i - 1)}>{ label(l, "back") }</button> }
    } else {
        html! { <button class="tour-back" disabled=true>{ label(l, "back") }</button> }
    };
    let next = if i + 1 < m {
        html! { <button class="tour-next" onclick={go(i + 1)}>{ label(l, "next") }</button> }
    } else {
        html! { <button class="tour-next" onclick={go(0)}>{ label(l, "restart") }</button> }
    };
    let switch = match (&p.compare, &p.on_variant) {
        (Some(title), Some(cb)) => {
            let pick = |v: bool| {
                let cb = cb.clone();
                Callback::from(move |_: MouseEvent| cb.emit(v))
            };
            let class = |on: bool| if on { "tour-switch-on" } else { "" };
            html! {
                <div class="tour-switch" role="group" aria-label={label(l, "switch")}>
                    <button class={class(!p.variant)} aria-pressed={(!p.variant).to_string()} onclick={pick(false)}>
                        { label(l, "base") }
                    </button>
                    <button class={class(p.variant)} aria-pressed={p.variant.to_string()} onclick={pick(true)}>
                        { format!("{}: {}", label(l, "variant"), title_in(l, title)) }
                    </button>
                </div>
            }
        }
        _ => Html::default(),
    };
    html! {
        <section class="tour" aria-label={label(l, "title")}>
            <div class="tour-head">
                <span class="tour-title">{ label(l, "title") }</span>
                <span class="tour-count" aria-live="polite">{ count }</span>
            </div>
            <p class="tour-text" data-testid="tour-text">{ rich_text(&text) }</p>
            { switch }
            <div class="tour-nav">{ back }{ next }</div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Every label has both languages, keys are unique, and every key the panel uses exists.
    /// (The `ui` module exists only on wasm32, so this runs in the browser level.)
    #[wasm_bindgen_test]
    fn labels_are_complete() {
        let used = ["title", "count", "back", "next", "restart", "base", "variant", "switch"];
        super::super::i18n::check_table(super::LABELS, &used);
    }
}
