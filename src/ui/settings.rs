//! Settings: every config key of the design, grouped, with a one-line explanation. A change is
//! validated first (the error names the field), then applied as a `set` command; keys that shape
//! the topology restart the run, and say so.

use yew::prelude::*;

use super::i18n::Lang;
use super::logic::text::{tr, tr_dyn};
use super::run::{Ctl, Snap};
use crate::sim::scenario::{config_key_docs, KeyDoc};
use serde_json::Value;

/// Groups in display order: (i18n key of the title, config keys).
pub const GROUPS: &[(&str, &[&str])] = &[
    (
        "set.group.producer",
        &[
            "publish",
            "outbox_shards",
            "acks",
            "idempotent_producer",
            "max_in_flight",
            "partitioner",
            "relay_ms_per_record",
        ],
    ),
    (
        "set.group.broker",
        &["brokers", "partitions", "replication_factor", "min_insync_replicas", "unclean_leader_election"],
    ),
    (
        "set.group.consumers",
        &[
            "consumer_commit",
            "idempotent_consumer",
            "consumers_per_group",
            "consumer_ms_per_record",
            "dashboard",
            "servers",
            "bus_groups",
        ],
    ),
    ("set.group.replicas", &["replicas", "write_mode", "read_mode", "replica_spread_ms"]),
    ("set.group.network", &["network.latency_ms", "network.jitter_ms", "network.drop", "network.duplicate"]),
];

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub lang: Lang,
    pub snap: Snap,
    pub ctl: Ctl,
}

/// The choices of an enum key, read from its documented `accepts` (`"key" | "round_robin"`).
fn choices(doc: &KeyDoc) -> Option<Vec<String>> {
    let head = doc.accepts.split(", or").next().unwrap_or("");
    if !head.trim_start().starts_with('"') {
        return None;
    }
    Some(head.split('|').map(|s| s.trim().trim_matches('"').to_string()).collect())
}

fn lookup<'a>(cfg: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(cfg, |v, k| v.get(k))
}

#[function_component(SettingsPanel)]
pub fn settings_panel(p: &SettingsProps) -> Html {
    let l = p.lang;
    let errors = use_state(|| None::<(String, String)>);
    let cfg = serde_json::to_value(&*p.snap.cfg).unwrap_or(Value::Null);
    let docs = config_key_docs();
    let field = |key: &str| -> Html {
        let Some(doc) = docs.iter().find(|d| d.key == key) else { return Html::default() };
        let cur = lookup(&cfg, key).cloned().unwrap_or(Value::Null);
        let ctl = p.ctl.clone();
        let errors_c = errors.clone();
        let k = doc.key;
        let is_bool = doc.accepts == "boolean";
        let is_int = doc.accepts.starts_with("integer");
        let apply = Callback::from(move |raw: String| {
            let value = if is_bool {
                Value::Bool(raw == "true")
            } else if let Ok(n) = raw.trim().parse::<i64>() {
                if is_int || k == "acks" {
                    if k == "acks" {
                        Value::String(raw.clone())
                    } else {
                        Value::from(n)
                    }
                } else {
                    Value::from(n as f64)
                }
            } else if let Ok(x) = raw.trim().parse::<f64>() {
                Value::from(x)
            } else {
                Value::String(raw.clone())
            };
            match ctl.set_config(k, value) {
                Ok(_) => errors_c.set(None),
                Err(e) => errors_c.set(Some((k.to_string(), e))),
            }
        });
        let id = format!("set-{}", key.replace('.', "-"));
        let control = if is_bool {
            let checked = cur.as_bool().unwrap_or(false);
            let apply = apply.clone();
            html! { <input type="checkbox" id={id.clone()} checked={checked} data-testid={id.clone()}
            onchange={Callback::from(move |_| apply.emit((!checked).to_string()))} /> }
        } else if let Some(opts) = choices(doc) {
            let cur_s = match &cur {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let apply = apply.clone();
            html! {
                <select id={id.clone()} data-testid={id.clone()} onchange={Callback::from(move |e: Event| {
                    if let Some(s) = e.target_dyn_into::<web_sys::HtmlSelectElement>() { apply.emit(s.value()); }
                })}>
                    { for opts.iter().map(|o| html! { <option value={o.clone()} selected={*o == cur_s}>{ o.clone() }</option> }) }
                </select>
            }
        } else {
            let apply = apply.clone();
            let step = if is_int {
                "1"
            } else if key.contains("drop") || key.contains("duplicate") {
                "0.01"
            } else {
                "0.1"
            };
            html! {
                <super::draft::DraftInput id={id.clone()} testid={id.clone()} step={step} value={cur.to_string()} on_commit={apply} />
            }
        };
        let err = errors
            .as_ref()
            .filter(|(ek, _)| ek == key)
            .map(|(_, e)| html! { <p class="error" role="alert">{ e.clone() }</p> });
        html! {
            <div class={classes!("setting", doc.topology.then_some("needs-restart"))}>
                <label for={id.clone()}><code>{ key.to_string() }</code></label>
                { control }
                <p class="explain">{ tr_dyn(l, &format!("doc.{key}"), doc.doc) }
                    if doc.topology { <span class="restart">{ tr(l, "set.restart") }</span> }
                </p>
                { err.unwrap_or_default() }
            </div>
        }
    };
    let others: Vec<&str> =
        docs.iter().map(|d| d.key).filter(|k| !GROUPS.iter().any(|(_, keys)| keys.contains(k))).collect();
    html! {
        <div class="panel settings" data-testid="settings-panel">
            <p class="hint">{ tr(l, "set.hint") }</p>
            { for GROUPS.iter().map(|(title, keys)| html! {
                <fieldset>
                    <legend>{ tr(l, title) }</legend>
                    { for keys.iter().map(|k| field(k)) }
                </fieldset>
            }) }
            // Keys the model documents but no group names yet still get a control.
            if !others.is_empty() {
                <fieldset>
                    <legend>{ tr(l, "set.group.other") }</legend>
                    { for others.iter().map(|k| field(k)) }
                </fieldset>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::*;

    /// Every documented config key is in exactly one settings group, and has a Korean
    /// explanation in the text table.
    #[wasm_bindgen_test]
    fn every_key_is_grouped_and_explained() {
        for doc in crate::sim::scenario::config_key_docs() {
            let n = super::GROUPS.iter().filter(|(_, keys)| keys.contains(&doc.key)).count();
            assert_eq!(n, 1, "{} is in {n} groups", doc.key);
            let key = format!("doc.{}", doc.key);
            assert!(crate::ui::i18n::TABLE.iter().any(|(k, _, _)| *k == key), "no text for {key}");
        }
    }
}
