//! An input that keeps what the reader is typing or dragging. Yew writes a controlled input's
//! `value` back on every render, and the panels re-render several times a second from the running
//! simulation: a plain `<input value=…>` would lose a half-typed seed or snap a slider back
//! mid-drag. This one shows its draft until the change is committed (Enter, blur, release).

use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DraftProps {
    /// The current value (from the run).
    pub value: String,
    /// Called with the new text when the change is committed.
    pub on_commit: Callback<String>,
    /// `number` (default) or `range`.
    #[prop_or(AttrValue::Static("number"))]
    pub kind: AttrValue,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    #[prop_or_default]
    pub testid: Option<AttrValue>,
    #[prop_or_default]
    pub min: Option<AttrValue>,
    #[prop_or_default]
    pub max: Option<AttrValue>,
    #[prop_or_default]
    pub step: Option<AttrValue>,
    #[prop_or_default]
    pub title: Option<AttrValue>,
    #[prop_or_default]
    pub label: Option<AttrValue>,
    #[prop_or_default]
    pub valuetext: Option<AttrValue>,
    /// Also called on every input event (a range's live label).
    #[prop_or_default]
    pub on_input: Option<Callback<String>>,
}

fn value_of(e: &Event) -> String {
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value()).unwrap_or_default()
}

#[function_component(DraftInput)]
pub fn draft_input(p: &DraftProps) -> Html {
    let draft = use_state(|| None::<String>);
    let shown = (*draft).clone().unwrap_or_else(|| p.value.clone());
    let oninput = {
        let draft = draft.clone();
        let live = p.on_input.clone();
        Callback::from(move |e: InputEvent| {
            let v = value_of(&e);
            if let Some(cb) = &live {
                cb.emit(v.clone());
            }
            draft.set(Some(v));
        })
    };
    let onchange = {
        let draft = draft.clone();
        let commit = p.on_commit.clone();
        Callback::from(move |e: Event| {
            commit.emit(value_of(&e));
            draft.set(None);
        })
    };
    html! {
        <input type={p.kind.clone()} id={p.id.clone()} data-testid={p.testid.clone()} min={p.min.clone()} max={p.max.clone()}
            step={p.step.clone()} title={p.title.clone()} aria-label={p.label.clone()} aria-valuetext={p.valuetext.clone()}
            inputmode={(p.kind.as_str() == "number").then_some("decimal")}
            value={shown} {oninput} {onchange} />
    }
}
