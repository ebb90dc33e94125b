//! Settings: every config key of the design, grouped, with a one-line explanation. A change is
//! validated first (the error names the field), then applied as a `set` command; keys that shape
//! the topology restart the run, and say so.

use yew::prelude::*;

use super::i18n::Lang;
use super::run::{Ctl, Snap};
use super::logic::text::tr;
use crate::sim::scenario::{config_keys, Accepts, ConfigKey, Group};
use serde_json::Value;

/// The i18n key of a group's title.
fn group_title(group: Group) -> &'static str {
    match group {
        Group::Producer => "set.group.producer",
        Group::Broker => "set.group.broker",
        Group::Consumers => "set.group.consumers",
        Group::Replicas => "set.group.replicas",
        Group::Network => "set.group.network",
    }
}

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub lang: Lang,
    pub snap: Snap,
    pub ctl: Ctl,
}

/// The step of a number input: whole numbers for an integer, hundredths for a probability.
fn step(key: &ConfigKey) -> &'static str {
    match key.accepts {
        Accepts::Int { .. } => "1",
        Accepts::Num { hi, .. } if hi <= 1.0 => "0.01",
        _ => "0.1",
    }
}

#[function_component(SettingsPanel)]
pub fn settings_panel(p: &SettingsProps) -> Html {
    let l = p.lang;
    let errors = use_state(|| None::<(String, String)>);
    let cfg = &*p.snap.cfg;
    let field = |key: &'static ConfigKey| -> Html {
        let cur = key.value(cfg);
        let ctl = p.ctl.clone();
        let errors_c = errors.clone();
        let apply = Callback::from(move |raw: String| match ctl.set_config(key.name, key.value_from_text(&raw)) {
            Ok(_) => errors_c.set(None),
            Err(e) => errors_c.set(Some((key.name.to_string(), e))),
        });
        let id = format!("set-{}", key.name.replace('.', "-"));
        let control = if key.accepts == Accepts::Bool {
            let checked = cur.as_bool().unwrap_or(false);
            let apply = apply.clone();
            html! { <input type="checkbox" id={id.clone()} checked={checked} data-testid={id.clone()}
            onchange={Callback::from(move |_| apply.emit((!checked).to_string()))} /> }
        } else if let Some(opts) = key.accepts.choices() {
            let cur_s = match &cur {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let apply = apply.clone();
            html! {
                <select id={id.clone()} data-testid={id.clone()} onchange={Callback::from(move |e: Event| {
                    if let Some(s) = e.target_dyn_into::<web_sys::HtmlSelectElement>() { apply.emit(s.value()); }
                })}>
                    { for opts.iter().map(|o| html! { <option value={*o} selected={*o == cur_s}>{ *o }</option> }) }
                </select>
            }
        } else {
            let apply = apply.clone();
            let step = step(key);
            html! {
                <super::draft::DraftInput id={id.clone()} testid={id.clone()} step={step} value={cur.to_string()} on_commit={apply} />
            }
        };
        let err = errors
            .as_ref()
            .filter(|(ek, _)| ek == key.name)
            .map(|(_, e)| html! { <p class="error" role="alert">{ e.clone() }</p> });
        html! {
            <div class={classes!("setting", key.topology.then_some("needs-restart"))}>
                <label for={id.clone()}><code>{ key.name }</code></label>
                { control }
                <p class="explain">{ key.doc(l == Lang::Ko) }
                    if key.topology { <span class="restart">{ tr(l, "set.restart") }</span> }
                </p>
                { err.unwrap_or_default() }
            </div>
        }
    };
    html! {
        <div class="panel settings" data-testid="settings-panel">
            <p class="hint">{ tr(l, "set.hint") }</p>
            { for Group::ALL.iter().map(|&group| html! {
                <fieldset>
                    <legend>{ tr(l, group_title(group)) }</legend>
                    { for config_keys().iter().filter(|k| k.group == group).map(&field) }
                </fieldset>
            }) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::*;

    /// Every group has a title in the text table and at least one key.
    #[wasm_bindgen_test]
    fn every_group_is_titled_and_used() {
        for group in crate::sim::scenario::Group::ALL {
            let title = super::group_title(group);
            assert!(crate::ui::i18n::TABLE.iter().any(|(k, _, _)| *k == title), "no text for {title}");
            assert!(crate::sim::scenario::config_keys().iter().any(|k| k.group == group), "{title} is empty");
        }
    }
}
