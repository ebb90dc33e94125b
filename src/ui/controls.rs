//! The side panel's "fire" tab (delivery events, the ordering race, traffic, a burst, reads) and
//! "faults" tab (one-click partitions, heal, network sliders; node and link faults are clicks in
//! the topology).

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::i18n::Lang;
use super::logic::controls::{
    cut_relays_groups, isolate_groups, net_action, read_target, recent_deliveries, traffic_until_ms, cut_traffic, split_replicas_groups, NetKey,
};
use super::logic::state::{Action as Ui, State};
use super::logic::text::{kind_class, kind_code, kind_name, tr, trf};
use super::run::{new_delivery_name, Ctl, Snap};
use crate::sim::command::Action;
use crate::sim::domain::Kind;
use crate::sim::topology::Role;
use crate::sim::history::DeliveryId;
use crate::sim::view::View;

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
    let (v, ctl, chosen) = (&p.snap.view, &p.ctl, p.ui.delivery);
    let read_mode = use_state(|| "default".to_string());
    let next = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.fire_next(chosen))
    };
    let race = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.race(None))
    };
    html! {
        <div class="panel fire" data-testid="fire-panel">
            <h3>{ tr(l, "fire.title") }</h3>
            { delivery_select(l, v, chosen, ctl) }
            <div class="ev-grid">{ fire_buttons(l, v, chosen, ctl) }</div>
            <div class="row buttons">
                <button type="button" onclick={next} data-testid="fire-next" aria-keyshortcuts="f">{ tr(l, "fire.next") }</button>
                <button type="button" onclick={race} data-testid="race" aria-keyshortcuts="a" title={tr(l, "fire.race_hint")}>{ tr(l, "fire.race") }</button>
            </div>
            <p class="hint">{ tr(l, "fire.race_hint") }</p>
            <h3>{ tr(l, "traffic.title") }</h3>
            { traffic_row(l, &p.ui, ctl) }
            <h3>{ tr(l, "read.title") }</h3>
            { read_row(l, v, chosen, ctl, &read_mode) }
        </div>
    }
}

/// The delivery the panel acts on: a new one, the chosen one, or one of the most recent.
fn delivery_select(l: Lang, v: &View, chosen: Option<DeliveryId>, ctl: &Ctl) -> Html {
    let on_choose = {
        let ctl = ctl.clone();
        Callback::from(move |e: Event| {
            let s = input_value(&e);
            ctl.dispatch(Ui::ChooseDelivery(s.parse::<DeliveryId>().ok()));
        })
    };
    let status_of = |d: DeliveryId| v.app_rows.iter().find(|r| r.delivery == d).and_then(|r| r.status);
    let option = |d: DeliveryId| {
        let name = v.delivery_names.get(d as usize).cloned().unwrap_or_default();
        let st = status_of(d).map(|k| kind_name(l, k)).unwrap_or("");
        html! { <option value={d.to_string()} selected={chosen == Some(d)}>{ if st.is_empty() { name } else { format!("{name} · {st}") } }</option> }
    };
    html! {
        <label class="row">
            <span>{ tr(l, "fire.delivery") }</span>
            <select onchange={on_choose} data-testid="delivery-select">
                <option value="new" selected={chosen.is_none()}>{ trf(l, "fire.new", &[("x", &new_delivery_name(&v.delivery_names))]) }</option>
                { for recent_deliveries(v.delivery_names.len(), chosen).into_iter().map(option) }
            </select>
        </label>
    }
}

/// One button per event kind for the chosen delivery; those its status makes unlikely are faded.
fn fire_buttons(l: Lang, v: &View, chosen: Option<DeliveryId>, ctl: &Ctl) -> Html {
    let status = chosen.and_then(|d| v.app_rows.iter().find(|r| r.delivery == d).and_then(|r| r.status));
    let buttons = Kind::ALL.iter().map(|&k| {
        let ctl = ctl.clone();
        let onclick = Callback::from(move |_| ctl.fire(chosen, k));
        let allowed = crate::sim::domain::allowed(status, k) || chosen.is_none() && k == Kind::Created;
        html! {
            <button type="button" class={classes!("ev", kind_class(Some(k)), (!allowed).then_some("unlikely"))}
                data-testid={format!("fire-{}", k.as_str())} {onclick}
                title={if allowed { String::new() } else { tr(l, "fire.refused_hint").to_string() }}>
                <span class="code" aria-hidden="true">{ kind_code(k) }</span>{ kind_name(l, k) }
            </button>
        }
    });
    html! { <>{ for buttons }</> }
}

/// Until when (ms) traffic runs now, from whoever started it (the scenario or the page).
fn traffic_until(ctl: &Ctl) -> Option<u64> {
    let e = ctl.engine();
    traffic_until_ms(e.sim.commands(), e.sim.now())
}

/// The traffic button and its `t` key: off stops every running traffic, the scenario's own too
/// (the run is replayed with those commands ending now, so it is unchanged up to now); on starts
/// the page's.
pub fn toggle_traffic(ctl: &Ctl, page_on: bool) {
    if !(page_on || traffic_until(ctl).is_some()) {
        ctl.dispatch(Ui::SetTraffic(true));
        return;
    }
    ctl.dispatch(Ui::SetTraffic(false));
    super::guide::replay_here(ctl, |e| {
        let now = e.sim.now();
        let mut commands = e.sim.commands().to_vec();
        let cut = cut_traffic(&mut commands, now);
        if cut {
            e.base.commands = commands;
        }
        cut
    });
}

/// Traffic on/off (the truth: on while any traffic runs, with its end) and the page's rate,
/// and the World Cup burst.
fn traffic_row(l: Lang, ui: &State, ctl: &Ctl) -> Html {
    let until = traffic_until(ctl);
    let on = ui.traffic_on || until.is_some();
    let traffic = {
        let (ctl, page_on) = (ctl.clone(), ui.traffic_on);
        Callback::from(move |_| toggle_traffic(&ctl, page_on))
    };
    let label = match until {
        Some(ms) if !ui.traffic_on => trf(l, "traffic.on_until", &[("t", &format!("{:.1}", ms as f64 / 1000.0))]),
        _ if on => tr(l, "traffic.on").to_string(),
        _ => tr(l, "traffic.off").to_string(),
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
    html! {
        <div class="row buttons">
            <button type="button" onclick={traffic} aria-pressed={on.to_string()} data-testid="traffic" aria-keyshortcuts="t"
                title={tr(l, "traffic.hint")}>
                { label }
            </button>
            <label class="inline">
                <span>{ tr(l, "traffic.rate") }</span>
                <super::draft::DraftInput min="1" max="2000" value={ui.traffic_rate.to_string()} on_commit={rate} testid="traffic-rate" />
            </label>
            <button type="button" onclick={burst} data-testid="burst" aria-keyshortcuts="b" title={tr(l, "traffic.burst_hint")}>{ tr(l, "traffic.burst") }</button>
        </div>
    }
}

/// A client read of the chosen delivery, in the chosen mode or pinned to one replica.
fn read_row(l: Lang, v: &View, chosen: Option<DeliveryId>, ctl: &Ctl, read_mode: &UseStateHandle<String>) -> Html {
    let on_mode = {
        let read_mode = read_mode.clone();
        Callback::from(move |e: Event| read_mode.set(input_value(&e)))
    };
    let read = {
        let ctl = ctl.clone();
        let mode = (**read_mode).clone();
        Callback::from(move |_| {
            let Some(d) = chosen else {
                ctl.dispatch(Ui::Toast(Some(("toast.choose_delivery", String::new()))));
                return;
            };
            let name = ctl.delivery_name(Some(d));
            let (mode, replica) = read_target(&mode);
            ctl.command(Action::Read { delivery: name, mode, replica });
        })
    };
    let dbs: Vec<String> = v.nodes.iter().filter(|n| matches!(n.role, Role::Db(_))).map(|n| n.name.clone()).collect();
    html! {
        <div class="row buttons">
            <select onchange={on_mode} aria-label={tr(l, "read.mode")} data-testid="read-mode">
                <option value="default" selected={**read_mode == "default"}>{ tr(l, "read.default") }</option>
                <option value="one">{ tr(l, "read.one") }</option>
                <option value="quorum">{ tr(l, "read.quorum") }</option>
                <option value="all">{ tr(l, "read.all") }</option>
                { for dbs.iter().map(|d| html! { <option value={d.clone()}>{ trf(l, "read.pinned", &[("db", d)]) }</option> }) }
            </select>
            <button type="button" onclick={read} data-testid="read">{ tr(l, "read.go") }</button>
        </div>
    }
}

#[function_component(FaultPanel)]
pub fn fault_panel(p: &PanelProps) -> Html {
    let l = p.lang;
    let (v, ctl) = (&p.snap.view, &p.ctl);
    let heal = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.heal_all())
    };
    let (lat, jit, drop, dup) = v.network;
    html! {
        <div class="panel faults" data-testid="fault-panel">
            <p class="hint">{ tr(l, "faults.click_hint") }</p>
            <h3>{ tr(l, "faults.partitions") }</h3>
            <PartitionFaults lang={l} snap={p.snap.clone()} ctl={ctl.clone()} />
            <div class="row buttons">
                <button type="button" class="primary" data-testid="heal-all" onclick={heal} aria-keyshortcuts="h">
                    { trf(l, "faults.heal", &[("n", &v.cuts.len().to_string())]) }
                </button>
            </div>
            <h3>{ tr(l, "faults.network") }</h3>
            { net_slider(l, ctl, NetKey::Latency, "net.latency", lat as f64, (0.0, 200.0, 1.0), "ms") }
            { net_slider(l, ctl, NetKey::Jitter, "net.jitter", jit as f64, (0.0, 100.0, 1.0), "ms") }
            { net_slider(l, ctl, NetKey::Drop, "net.drop", drop, (0.0, 0.5, 0.01), "%") }
            { net_slider(l, ctl, NetKey::Duplicate, "net.duplicate", dup, (0.0, 0.5, 0.01), "%") }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct PartitionFaultsProps {
    lang: Lang,
    snap: Snap,
    ctl: Ctl,
}

/// Network partitions in one click: isolate a partition's leader, cut the relays from the
/// brokers, split the replicas.
#[function_component(PartitionFaults)]
fn partition_faults(p: &PartitionFaultsProps) -> Html {
    let l = p.lang;
    let (v, ctl) = (&p.snap.view, &p.ctl);
    let part = use_state(|| 0usize);
    let cmd = |action: Action| {
        let ctl = ctl.clone();
        Callback::from(move |_: MouseEvent| ctl.command(action.clone()))
    };
    let names: Vec<(String, Role)> = v.nodes.iter().map(|n| (n.name.clone(), n.role)).collect();
    let leader = v.partitions.get(*part).and_then(|pv| pv.leader).map(|b| format!("broker-{}", b + 1));
    let isolate = leader.as_deref().map(|ld| cmd(isolate_groups(&names, ld)));
    let cut_relays = cmd(cut_relays_groups(&names));
    let split = split_replicas_groups(&names).map(cmd);
    let on_part = {
        let part = part.clone();
        Callback::from(move |e: Event| part.set(input_value(&e).parse().unwrap_or(0)))
    };
    html! {
        <>
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
        </>
    }
}

/// One network setting's slider; committing it is a `net` command.
fn net_slider(l: Lang, ctl: &Ctl, key: NetKey, label: &'static str, value: f64, range: (f64, f64, f64), unit: &'static str) -> Html {
    let (min, max, step) = range;
    let on_commit = {
        let ctl = ctl.clone();
        Callback::from(move |text: String| {
            if let Ok(x) = text.parse::<f64>() {
                ctl.command(net_action(key, x));
            }
        })
    };
    let shown = if unit == "%" { format!("{:.0}%", value * 100.0) } else { format!("{value:.0} {unit}") };
    html! {
        <label class="slider">
            <span>{ tr(l, label) }</span>
            <super::draft::DraftInput kind="range" min={min.to_string()} max={max.to_string()} step={step.to_string()}
                value={value.to_string()} {on_commit} testid={format!("net-{}", key.name())} valuetext={shown.clone()} />
            <output>{ shown }</output>
        </label>
    }
}
