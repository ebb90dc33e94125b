//! The side panel's "fire" tab (delivery events, the ordering race, traffic, a burst, reads) and
//! "faults" tab (one-click partitions, heal, network sliders; node and link faults are clicks in
//! the topology).

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::i18n::Lang;
use super::logic::state::{Action as Ui, State};
use super::logic::text::{kind_name, tr, trf};
use super::run::{Ctl, Snap};
use crate::sim::command::Action;
use crate::sim::config::ReadMode;
use crate::sim::domain::Kind;
use crate::sim::engine::Role;
use crate::sim::history::DeliveryId;

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub lang: Lang,
    pub ui: Rc<State>,
    pub snap: Snap,
    pub ctl: Ctl,
}

fn input_value(e: &Event) -> String {
    e.target()
        .and_then(|t| {
            t.clone()
                .dyn_into::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .ok()
                .or_else(|| t.dyn_into::<web_sys::HtmlSelectElement>().ok().map(|s| s.value()))
        })
        .unwrap_or_default()
}

#[function_component(FirePanel)]
pub fn fire_panel(p: &PanelProps) -> Html {
    let l = p.lang;
    let v = &p.snap.view;
    let ctl = &p.ctl;
    let chosen = p.ui.delivery;
    let read_mode = use_state(|| "default".to_string());
    // Deliveries to choose from: the chosen one and the most recent ones.
    let mut recent: Vec<DeliveryId> = (0..v.delivery_names.len() as DeliveryId).rev().take(40).collect();
    if let Some(d) = chosen {
        if !recent.contains(&d) {
            recent.insert(0, d);
        }
    }
    let status = chosen.and_then(|d| v.app_rows.iter().find(|r| r.delivery == d).and_then(|r| r.status));
    let on_choose = {
        let ctl = ctl.clone();
        Callback::from(move |e: Event| {
            let s = input_value(&e);
            ctl.dispatch(Ui::ChooseDelivery(s.parse::<DeliveryId>().ok()));
        })
    };
    let fire_buttons = Kind::ALL.iter().map(|&k| {
        let ctl = ctl.clone();
        let onclick = Callback::from(move |_| ctl.fire(chosen, k));
        let allowed = crate::sim::domain::allowed(status, k) || chosen.is_none() && k == Kind::Created;
        html! {
            <button type="button" class={classes!("ev", super::logic::text::kind_class(Some(k)), (!allowed).then_some("unlikely"))}
                data-testid={format!("fire-{}", k.as_str())} {onclick}
                title={if allowed { String::new() } else { tr(l, "fire.refused_hint").to_string() }}>
                <span class="code" aria-hidden="true">{ super::logic::text::kind_code(k) }</span>{ kind_name(l, k) }
            </button>
        }
    });
    let next = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.fire_next(chosen))
    };
    let race = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.race(None))
    };
    let traffic = {
        let ctl = ctl.clone();
        let on = p.ui.traffic_on;
        Callback::from(move |_| ctl.dispatch(Ui::SetTraffic(!on)))
    };
    let rate = {
        let ctl = ctl.clone();
        Callback::from(move |text: String| {
            if let Ok(r) = text.trim().parse::<u32>() {
                ctl.dispatch(Ui::SetTrafficRate(r));
            }
        })
    };
    let burst = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.burst())
    };
    let on_mode = {
        let read_mode = read_mode.clone();
        Callback::from(move |e: Event| read_mode.set(input_value(&e)))
    };
    let read = {
        let ctl = ctl.clone();
        let mode = (*read_mode).clone();
        Callback::from(move |_| {
            let Some(d) = chosen else {
                ctl.dispatch(Ui::Toast(Some(("toast.choose_delivery", String::new()))));
                return;
            };
            let name = ctl.delivery_name(Some(d));
            let (mode, replica) = match mode.as_str() {
                "one" => (Some(ReadMode::One), None),
                "quorum" => (Some(ReadMode::Quorum), None),
                "all" => (Some(ReadMode::All), None),
                m if m.starts_with("db") => (Some(ReadMode::One), Some(m.to_string())),
                _ => (None, None),
            };
            ctl.command(Action::Read { delivery: name, mode, replica });
        })
    };
    let dbs: Vec<String> = v.nodes.iter().filter(|n| matches!(n.role, Role::Db(_))).map(|n| n.name.clone()).collect();
    html! {
        <div class="panel fire" data-testid="fire-panel">
            <h3>{ tr(l, "fire.title") }</h3>
            <label class="row">
                <span>{ tr(l, "fire.delivery") }</span>
                <select onchange={on_choose} data-testid="delivery-select">
                    <option value="new" selected={chosen.is_none()}>{ trf(l, "fire.new", &[("x", &super::run::new_delivery_name(&v.delivery_names))]) }</option>
                    { for recent.iter().map(|&d| {
                        let name = v.delivery_names.get(d as usize).cloned().unwrap_or_default();
                        let st = v.app_rows.iter().find(|r| r.delivery == d).and_then(|r| r.status).map(|k| kind_name(l, k)).unwrap_or("");
                        html! { <option value={d.to_string()} selected={chosen == Some(d)}>{ if st.is_empty() { name } else { format!("{name} · {st}") } }</option> }
                    }) }
                </select>
            </label>
            <div class="ev-grid">{ for fire_buttons }</div>
            <div class="row buttons">
                <button type="button" onclick={next} data-testid="fire-next" aria-keyshortcuts="f">{ tr(l, "fire.next") }</button>
                <button type="button" onclick={race} data-testid="race" aria-keyshortcuts="a" title={tr(l, "fire.race_hint")}>{ tr(l, "fire.race") }</button>
            </div>
            <p class="hint">{ tr(l, "fire.race_hint") }</p>
            <h3>{ tr(l, "traffic.title") }</h3>
            <div class="row buttons">
                <button type="button" onclick={traffic} aria-pressed={p.ui.traffic_on.to_string()} data-testid="traffic" aria-keyshortcuts="t">
                    { if p.ui.traffic_on { tr(l, "traffic.on") } else { tr(l, "traffic.off") } }
                </button>
                <label class="inline">
                    <span>{ tr(l, "traffic.rate") }</span>
                    <super::draft::DraftInput min="1" max="2000" value={p.ui.traffic_rate.to_string()} on_commit={rate} testid="traffic-rate" />
                </label>
                <button type="button" onclick={burst} data-testid="burst" aria-keyshortcuts="b" title={tr(l, "traffic.burst_hint")}>{ tr(l, "traffic.burst") }</button>
            </div>
            <h3>{ tr(l, "read.title") }</h3>
            <div class="row buttons">
                <select onchange={on_mode} aria-label={tr(l, "read.mode")} data-testid="read-mode">
                    <option value="default" selected={*read_mode == "default"}>{ tr(l, "read.default") }</option>
                    <option value="one">{ tr(l, "read.one") }</option>
                    <option value="quorum">{ tr(l, "read.quorum") }</option>
                    <option value="all">{ tr(l, "read.all") }</option>
                    { for dbs.iter().map(|d| html! { <option value={d.clone()}>{ trf(l, "read.pinned", &[("db", d)]) }</option> }) }
                </select>
                <button type="button" onclick={read} data-testid="read">{ tr(l, "read.go") }</button>
            </div>
        </div>
    }
}

#[function_component(FaultPanel)]
pub fn fault_panel(p: &PanelProps) -> Html {
    let l = p.lang;
    let v = &p.snap.view;
    let ctl = &p.ctl;
    let part = use_state(|| 0usize);
    let names =
        |f: &dyn Fn(Role) -> bool| v.nodes.iter().filter(|n| f(n.role)).map(|n| n.name.clone()).collect::<Vec<_>>();
    let brokers = names(&|r| matches!(r, Role::Broker(_)));
    let relays = names(&|r| matches!(r, Role::Relay(_)));
    let dbs = names(&|r| matches!(r, Role::Db(_)));
    let everyone: Vec<String> = v.nodes.iter().map(|n| n.name.clone()).collect();

    let cmd = |action: Action| {
        let ctl = ctl.clone();
        Callback::from(move |_: MouseEvent| ctl.command(action.clone()))
    };
    // Isolate the leader of the chosen partition: it alone on one side.
    let leader = v.partitions.get(*part).and_then(|pv| pv.leader).map(|b| format!("broker-{}", b + 1));
    let isolate = leader.clone().map(|ld| {
        let others: Vec<String> = everyone.iter().filter(|n| **n != ld).cloned().collect();
        cmd(Action::Partition { groups: vec![vec![ld], others] })
    });
    let mut source = vec!["app".to_string()];
    source.extend(relays.iter().cloned());
    let cut_relays = cmd(Action::Partition { groups: vec![source, brokers.clone()] });
    // Split the replicas: the last replica (with its consumers and the client) cut off from the rest.
    let split = dbs.last().cloned().map(|last| {
        let mut minority: Vec<String> =
            everyone.iter().filter(|n| **n == last || n.starts_with(&format!("{last}-c"))).cloned().collect();
        minority.push("client".into());
        let majority: Vec<String> = everyone.iter().filter(|n| !minority.contains(n)).cloned().collect();
        cmd(Action::Partition { groups: vec![minority, majority] })
    });
    let heal = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.heal_all())
    };
    let on_part = {
        let part = part.clone();
        Callback::from(move |e: Event| part.set(input_value(&e).parse().unwrap_or(0)))
    };
    let (lat, jit, drop, dup) = v.network;
    let net_slider = |key: &'static str,
                      label: &'static str,
                      value: f64,
                      min: f64,
                      max: f64,
                      step: f64,
                      unit: &'static str| {
        let ctl = ctl.clone();
        let on_commit = Callback::from(move |text: String| {
            let Ok(x) = text.parse::<f64>() else { return };
            let action = match key {
                "latency_ms" => {
                    Action::Net { latency_ms: Some(x as u64), jitter_ms: None, drop: None, duplicate: None }
                }
                "jitter_ms" => Action::Net { latency_ms: None, jitter_ms: Some(x as u64), drop: None, duplicate: None },
                "drop" => Action::Net { latency_ms: None, jitter_ms: None, drop: Some(x), duplicate: None },
                _ => Action::Net { latency_ms: None, jitter_ms: None, drop: None, duplicate: Some(x) },
            };
            ctl.command(action);
        });
        let shown = if unit == "%" { format!("{:.0}%", value * 100.0) } else { format!("{value:.0} {unit}") };
        html! {
            <label class="slider">
                <span>{ tr(l, label) }</span>
                <super::draft::DraftInput kind="range" min={min.to_string()} max={max.to_string()} step={step.to_string()}
                    value={value.to_string()} {on_commit} testid={format!("net-{key}")} valuetext={shown.clone()} />
                <output>{ shown }</output>
            </label>
        }
    };
    let cuts = v.cuts.len();
    html! {
        <div class="panel faults" data-testid="fault-panel">
            <p class="hint">{ tr(l, "faults.click_hint") }</p>
            <h3>{ tr(l, "faults.partitions") }</h3>
            <div class="row buttons">
                <select onchange={on_part} aria-label={tr(l, "faults.partition")}>
                    { for v.partitions.iter().enumerate().filter(|(_, pv)| pv.topic == "deliveries").map(|(i, pv)| html! {
                        <option value={i.to_string()} selected={*part == i}>{ format!("P{}", pv.number) }</option>
                    }) }
                </select>
                <button type="button" data-testid="isolate-leader" disabled={isolate.is_none()} onclick={isolate.unwrap_or_default()}>
                    { trf(l, "faults.isolate", &[("b", &leader.unwrap_or_else(|| "—".into()))]) }
                </button>
            </div>
            <div class="row buttons">
                <button type="button" data-testid="cut-relays" onclick={cut_relays}>{ tr(l, "faults.cut_relays") }</button>
                <button type="button" data-testid="split-replicas" disabled={split.is_none()} onclick={split.unwrap_or_default()}>{ tr(l, "faults.split") }</button>
            </div>
            <div class="row buttons">
                <button type="button" class="primary" data-testid="heal-all" onclick={heal} aria-keyshortcuts="h">
                    { trf(l, "faults.heal", &[("n", &cuts.to_string())]) }
                </button>
            </div>
            <h3>{ tr(l, "faults.network") }</h3>
            { net_slider("latency_ms", "net.latency", lat as f64, 0.0, 200.0, 1.0, "ms") }
            { net_slider("jitter_ms", "net.jitter", jit as f64, 0.0, 100.0, 1.0, "ms") }
            { net_slider("drop", "net.drop", drop, 0.0, 0.5, 0.01, "%") }
            { net_slider("duplicate", "net.duplicate", dup, 0.0, 0.5, 0.01, "%") }
        </div>
    }
}
