//! Which scenario the page opens, read once from its URL (DESIGN.md "Public contracts: URL"), and
//! the message shown when a link is malformed.
//!
//! ```text
//! (nothing)            free play: the default scenario, run on without end
//! ?scenario=<id>       a built-in scenario, run to its own `until_ms` (its trace hash then equals
//!                      `lab run <id> --json`'s)
//! #s=<base64url>       a whole scenario (wins over `?scenario=`), run to its own `until_ms`
//! &step=<n>            the tour step to open, from 1
//! &t=<ms>              run (in slices) to this instant and hold there
//! ```
//!
//! A link that names no usable scenario (unknown id, a `#s=` that does not decode or is not a valid
//! scenario) opens the default scenario, in free play, and says why. A step past the end of the
//! tour opens the named scenario at its first step, and says so. A bad `lang` or `embed` is
//! ignored, and said. Parsing is [`crate::sim::share::parse_query`]: strict and total, so a link
//! from a stranger can never panic the page.

use std::rc::Rc;

use yew::prelude::*;

use super::i18n::Lang;
use crate::sim::builtin;
use crate::sim::scenario::Scenario;
use crate::sim::share;

/// What a problem with the link was about (chooses the reader-language sentence).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// `?scenario=` names no built-in scenario.
    Scenario,
    /// `#s=` could not be decoded or is not a valid scenario.
    Shared,
    /// `?step=` is not a step number.
    Step,
    /// `?step=` is past the tour's end (the tour's length; 0: no tour).
    StepRange(usize),
    /// `?lang=` is neither ko nor en.
    Lang,
    /// `?embed=` is neither 1 nor 0.
    Embed,
    /// Anything else (a repeated parameter, a malformed name).
    Other,
}

/// One problem with the link: its kind and the parser's exact (English) words.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub detail: String,
}

/// The scenario to open and how.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub scenario: Rc<Scenario>,
    /// True when a link named the scenario: the run stops at its `until_ms`.
    pub bounded: bool,
    /// Whether the scenario came from `#s=` (rather than a built-in id).
    pub shared: bool,
    /// The tour step to open, 0-based, within the tour (0 when it has none).
    pub step: usize,
    /// Whether `?step=` was given (valid): the page then moves the run to that step at once.
    pub step_given: bool,
    /// `&t=`: the instant to run to and hold at, ms (at most the run's `until_ms`).
    pub t_ms: Option<u64>,
    /// True when the link named a scenario that could not be opened, so the default is shown.
    pub fell_back: bool,
    /// The compact frame for a blog post (`?embed=1`, `true` or empty).
    pub embed: bool,
    pub problems: Vec<Problem>,
}

fn default_scenario() -> Scenario {
    builtin::get(builtin::DEFAULT_ID).expect("the default scenario is built in")
}

fn classify(detail: &str) -> ProblemKind {
    if detail.starts_with("unknown scenario") {
        ProblemKind::Scenario
    } else if detail.starts_with("the shared scenario") {
        ProblemKind::Shared
    } else if detail.starts_with("`step`") {
        ProblemKind::Step
    } else if detail.starts_with("`lang`") {
        ProblemKind::Lang
    } else if detail.starts_with("`embed`") {
        ProblemKind::Embed
    } else {
        ProblemKind::Other
    }
}

/// The route of a page URL: `search` is `location.search`, `hash` is `location.hash`.
pub fn resolve(search: &str, hash: &str) -> Route {
    let link = share::parse_query(search, hash);
    let shared_err = match &link.shared {
        Some(Err(e)) => Some(e.clone()),
        _ => None,
    };
    // The parser's words for a bad `#s=` vary with the step that failed (base64, UTF-8, JSON, a
    // field); it is one kind of problem for the reader.
    let mut problems: Vec<Problem> = link
        .errors
        .iter()
        .map(|d| {
            let kind = if Some(d) == shared_err.as_ref() { ProblemKind::Shared } else { classify(d) };
            Problem { kind, detail: d.clone() }
        })
        .collect();
    let named = link.shared.is_some() || problems.iter().any(|p| p.kind == ProblemKind::Scenario);
    let (scenario, shared) = match (link.shared, link.scenario.as_deref().and_then(builtin::get)) {
        (Some(Ok(s)), _) => (Some(s), true),
        (Some(Err(_)), _) => (None, false),
        (None, Some(s)) => (Some(s), false),
        (None, None) => (None, false),
    };
    let fell_back = named && scenario.is_none();
    let bounded = scenario.is_some();
    let scenario = scenario.unwrap_or_else(default_scenario);
    let steps = scenario.tour.len();
    let step = match link.step {
        Some(i) if i < steps => i,
        Some(i) => {
            problems.push(Problem {
                kind: ProblemKind::StepRange(steps),
                detail: format!("step {} is past the end of the tour of `{}` ({steps} steps)", i + 1, scenario.id),
            });
            0
        }
        None => 0,
    };
    let step_given = link.step.is_some_and(|i| i < steps);
    let t_ms = link.t_ms.map(|t| {
        if bounded && t > scenario.until_ms {
            problems.push(Problem {
                kind: ProblemKind::Other,
                detail: format!("`t` {t} is after the end of the run ({} ms); holding at the end", scenario.until_ms),
            });
        }
        if bounded {
            t.min(scenario.until_ms)
        } else {
            t
        }
    });
    Route {
        scenario: Rc::new(scenario),
        bounded,
        shared,
        step,
        step_given,
        t_ms,
        fell_back,
        embed: link.embed,
        problems,
    }
}

/// The route of the page's own URL.
pub fn current() -> Route {
    let loc = web_sys::window().map(|w| w.location());
    let search = loc.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
    let hash = loc.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    resolve(&search, &hash)
}

/// The banner's labels: (key, Korean, English). `{m}` is filled in.
const LABELS: &[(&str, &str, &str)] = &[
    (
        "fell_back",
        "링크를 열 수 없어 기본 시나리오(놀이터)를 엽니다.",
        "This link could not be opened, so the default scenario (the playground) is shown instead.",
    ),
    ("ignored", "링크의 일부를 무시했습니다.", "Part of this link was ignored."),
    ("scenario", "이 이름의 내장 시나리오가 없습니다.", "There is no built-in scenario with this name."),
    (
        "shared",
        "공유된 시나리오(#s=…)를 읽을 수 없습니다. 링크가 잘렸거나 바뀌었을 수 있습니다.",
        "The shared scenario (#s=…) could not be read: the link may be cut off or altered.",
    ),
    (
        "step",
        "단계 번호가 잘못됐습니다(1부터 셉니다). 1단계부터 시작합니다.",
        "The step number is invalid (steps count from 1); starting at step 1.",
    ),
    (
        "step_range",
        "이 시나리오의 둘러보기는 {m}단계까지입니다. 1단계부터 시작합니다.",
        "This scenario's tour has {m} steps; starting at step 1.",
    ),
    (
        "no_tour",
        "이 시나리오에는 둘러보기 단계가 없어 step을 무시했습니다.",
        "This scenario has no guided tour, so the step was ignored.",
    ),
    ("lang", "언어는 ko 또는 en만 됩니다.", "The language must be ko or en."),
    ("embed", "embed는 1 또는 0이어야 합니다.", "embed must be 1 or 0."),
    ("other", "링크의 매개변수 하나가 잘못됐습니다.", "A link parameter is malformed."),
    ("details", "자세히", "Details"),
    ("dismiss", "닫기", "Dismiss"),
];

/// A label in `lang`; an unknown key shows `?` (a test checks every key used exists).
pub(crate) fn label(lang: Lang, key: &str) -> &'static str {
    super::i18n::lookup(LABELS, lang, key)
}

/// The sentence for one problem, in `lang`.
pub fn sentence(lang: Lang, kind: ProblemKind) -> String {
    match kind {
        ProblemKind::Scenario => label(lang, "scenario").to_string(),
        ProblemKind::Shared => label(lang, "shared").to_string(),
        ProblemKind::Step => label(lang, "step").to_string(),
        ProblemKind::StepRange(0) => label(lang, "no_tour").to_string(),
        ProblemKind::StepRange(m) => label(lang, "step_range").replace("{m}", &m.to_string()),
        ProblemKind::Lang => label(lang, "lang").to_string(),
        ProblemKind::Embed => label(lang, "embed").to_string(),
        ProblemKind::Other => label(lang, "other").to_string(),
    }
}

#[derive(Properties, PartialEq)]
pub struct LinkProblemsProps {
    pub lang: Lang,
    pub route: Rc<Route>,
}

/// The banner shown above the playground when the link had problems (nothing otherwise).
#[function_component(LinkProblems)]
pub fn link_problems(p: &LinkProblemsProps) -> Html {
    let open = use_state(|| true);
    // The route is read once; a new `#s=` pasted into the address bar (which changes only the
    // hash, so the page does not load again by itself) is opened by loading the page again.
    use_effect_with((), |_| {
        let listener = gloo::events::EventListener::new(&gloo::utils::window(), "hashchange", |_| {
            let loc = gloo::utils::window().location();
            if loc.hash().unwrap_or_default().starts_with("#s=") {
                let _ = loc.reload();
            }
        });
        move || drop(listener)
    });
    let r = &p.route;
    if r.problems.is_empty() || !*open {
        return Html::default();
    }
    let l = p.lang;
    let close = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(false))
    };
    let headline = if r.fell_back { label(l, "fell_back") } else { label(l, "ignored") };
    html! {
        <div class="link-error" role="alert" data-testid="link-error" data-fell-back={r.fell_back.to_string()}
            data-scenario={r.scenario.id.clone()}>
            <div class="link-error-text">
                <strong>{ headline }</strong>
                <ul>
                    { for r.problems.iter().map(|pr| html! { <li data-kind={format!("{:?}", pr.kind)}>{ sentence(l, pr.kind) }</li> }) }
                </ul>
                <details>
                    <summary>{ label(l, "details") }</summary>
                    <ul class="link-error-detail">
                        { for r.problems.iter().map(|pr| html! { <li><code>{ pr.detail.clone() }</code></li> }) }
                    </ul>
                </details>
            </div>
            <button type="button" class="link-error-close" aria-label={label(l, "dismiss")} title={label(l, "dismiss")}
                data-testid="link-error-close" onclick={close}>{ "×" }</button>
        </div>
    }
}

// Run by `cargo test --target wasm32-unknown-unknown` (the `ui` module exists only there).
#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    /// Every label has both languages and keys are unique.
    #[wasm_bindgen_test]
    fn labels_are_complete() {
        super::super::i18n::check_table(LABELS, &[]);
    }

    /// A good link opens its scenario bounded; each malformed link opens the default and says why.
    #[wasm_bindgen_test]
    fn links_resolve() {
        let r = resolve("?scenario=what-acks-buys&step=2", "");
        assert_eq!((r.scenario.id.as_str(), r.bounded, r.step, r.fell_back), ("what-acks-buys", true, 1, false));
        assert!(r.problems.is_empty());
        let r = resolve("", "");
        assert_eq!((r.scenario.id.as_str(), r.bounded), (builtin::DEFAULT_ID, false));
        for (q, h, kind) in [
            ("?scenario=nope", "", ProblemKind::Scenario),
            ("", "#s=garbage!", ProblemKind::Shared),
            ("?scenario=what-acks-buys", "#s=AAAA", ProblemKind::Shared),
        ] {
            let r = resolve(q, h);
            assert_eq!(r.scenario.id, builtin::DEFAULT_ID, "{q}{h}");
            assert!(r.fell_back && !r.bounded, "{q}{h}");
            assert_eq!(r.problems[0].kind, kind, "{q}{h}");
        }
        let r = resolve("?step=99", "");
        assert_eq!(r.problems[0].kind, ProblemKind::StepRange(0));
        assert_eq!(r.scenario.id, builtin::DEFAULT_ID);
        let r = resolve("?scenario=what-acks-buys&step=99", "");
        assert_eq!(
            (r.scenario.id.as_str(), r.step, r.problems[0].kind),
            ("what-acks-buys", 0, ProblemKind::StepRange(5))
        );
        let r = resolve("?lang=fr", "");
        assert_eq!(r.problems[0].kind, ProblemKind::Lang);
        assert!(!r.fell_back);
    }
}
