//! The topology: an SVG that scales to its box. Columns, left to right: `app` (its deliveries table),
//! relays, brokers (one log lane per partition replica: leader/follower, ISR, high watermark),
//! consumer groups (members, partitions, committed offsets, lag), replica DBs (rows, differences
//! from `app` highlighted), then the dashboard, event-bus servers and the `client`.
//!
//! Layers: the brokers and links (`boxes::BrokerLayer`, ~10 Hz), the other boxes
//! (`boxes::OtherBoxes`, one frame later), the cut marks, and the messages in flight
//! (`moving.rs`, every frame, as one `<path>` per event kind, so 300 messages cost a handful of
//! elements). Where everything goes is `ui::logic::layout`; `menu.rs` is the menu of a clicked
//! node or link.

mod boxes;
mod menu;
mod moving;

use std::rc::Rc;

use yew::prelude::*;

use super::i18n::Lang;
use super::logic::layout::{shape, Layout, Rect};
use super::logic::state::{Action as Ui, Pick, State};
use super::logic::text::{kind_class, kind_code, kind_name, tr, trf};
use super::run::{Ctl, Motion, Snap};
use crate::sim::domain::Kind;
use crate::sim::history::NodeId;
use crate::sim::view::{NodeStatus, View};

#[derive(Properties, PartialEq)]
pub struct TopologyProps {
    pub lang: Lang,
    pub ui: Rc<State>,
    /// Brokers and links (about 10 Hz).
    pub snap: Snap,
    /// The other boxes and tables: the same view, handed over one frame later.
    pub snap2: Snap,
    /// Messages in flight (every frame).
    pub moving: Motion,
    /// Use the narrow (phone) layout.
    #[prop_or_default]
    pub narrow: bool,
    pub ctl: Ctl,
}

#[function_component(Topology)]
pub fn topology(p: &TopologyProps) -> Html {
    let layout = {
        let v = p.snap.view.clone();
        let narrow = p.narrow;
        use_memo((p.snap.rev, narrow), move |_| if narrow { Layout::narrow(&v) } else { Layout::of(&v) })
    };
    let l = p.lang;
    let h = layout.h;
    let pick_menu = p.ui.pick.as_ref().map(|pick| menu::pick_menu(l, pick, &p.snap, &layout, &p.ctl));
    html! {
        <div class="topo-wrap">
            <svg class="topo" viewBox={format!("0 0 {:.0} {h:.0}", layout.w)} preserveAspectRatio="xMidYMin meet"
                role="group" aria-label={tr(l, "topology.label")} data-testid="topology-svg">
                <defs>
                    <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect width="6" height="6" class="hatch-bg" />
                        <line x1="0" y1="0" x2="0" y2="6" class="hatch-line" />
                    </pattern>
                </defs>
                <boxes::BrokerLayer lang={l} ui={p.ui.clone()} snap={p.snap.clone()} layout={layout.clone()} ctl={p.ctl.clone()} />
                <boxes::OtherBoxes lang={l} ui={p.ui.clone()} snap={p.snap2.clone()} layout={layout.clone()} ctl={p.ctl.clone()} />
                <CutMarks layout={layout.clone()} cuts={Rc::new(p.snap.view.cuts.clone())} />
                <moving::Moving lang={l} snap={p.moving.clone()} layout={layout.clone()} show_control={p.ui.show_control}
                    speed={p.ui.speed()} />
            </svg>
            { pick_menu.unwrap_or_default() }
            <Legend lang={l} show_control={p.ui.show_control} ctl={p.ctl.clone()} />
        </div>
    }
}

fn status_text(l: Lang, s: NodeStatus) -> &'static str {
    match s {
        NodeStatus::Up => tr(l, "status.up"),
        NodeStatus::Crashed => tr(l, "status.crashed"),
        NodeStatus::Paused(_) => tr(l, "status.paused"),
    }
}

fn status_class(s: NodeStatus) -> &'static str {
    match s {
        NodeStatus::Up => "up",
        NodeStatus::Crashed => "crashed",
        NodeStatus::Paused(_) => "paused",
    }
}

/// Click and Enter/Space handlers that open the menu of a node or link (the same for every
/// clickable element of the topology).
fn pick_handlers(ctl: &Ctl, pick: Pick) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let onclick = {
        let ctl = ctl.clone();
        let pick = pick.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            ctl.dispatch(Ui::Pick(Some(pick.clone())));
        })
    };
    let ctl = ctl.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            ctl.dispatch(Ui::Pick(Some(pick.clone())));
        }
    });
    (onclick, onkeydown)
}

/// A node's box with its name, status badge and click/keyboard handling.
fn node_box(l: Lang, v: &View, id: NodeId, r: Rect, ctl: &Ctl, picked: bool, body: Html) -> Html {
    let nv = &v.nodes[id as usize];
    let (onclick, onkeydown) = pick_handlers(ctl, Pick::Node(id));
    let label = trf(l, "node.aria", &[("name", &nv.name), ("status", status_text(l, nv.status))]);
    let badge = match nv.status {
        NodeStatus::Up => Html::default(),
        s => html! {
            <text x={format!("{:.1}", r.x + r.w - 3.0)} y={format!("{:.1}", r.y + 12.0)} class="badge" text-anchor="end">
                { status_text(l, s) }
            </text>
        },
    };
    let armed = nv.armed.map(|a| {
        html! { <text x={format!("{:.1}", r.x + 3.0)} y={format!("{:.1}", r.y + r.h + 9.0)} class="armed">{ format!("⚑ {a}") }</text> }
    });
    html! {
        <g class={classes!("node", status_class(nv.status), picked.then_some("picked"))} tabindex="0" role="button"
            aria-label={label} data-node={nv.name.clone()} {onclick} {onkeydown}>
            <rect x={format!("{:.1}", r.x)} y={format!("{:.1}", r.y)} width={format!("{:.1}", r.w)} height={format!("{:.1}", r.h)} rx="4" class="box" />
            <text x={format!("{:.1}", r.x + 4.0)} y={format!("{:.1}", r.y + 12.0)} class="title">{ nv.name.clone() }</text>
            { badge }
            { body }
            { armed.unwrap_or_default() }
        </g>
    }
}

/// A consumer's member line inside its group box: its short name and status mark.
#[allow(clippy::too_many_arguments)]
fn member_box(l: Lang, v: &View, id: NodeId, r: Rect, ctl: &Ctl, picked: bool, short: String, body: Html) -> Html {
    let nv = &v.nodes[id as usize];
    let (onclick, onkeydown) = pick_handlers(ctl, Pick::Node(id));
    let label = trf(l, "node.aria", &[("name", &nv.name), ("status", status_text(l, nv.status))]);
    let mark = match nv.status {
        NodeStatus::Up => "",
        NodeStatus::Crashed => " ✕",
        NodeStatus::Paused(_) => " ‖",
    };
    html! {
        <g class={classes!("node", "member", status_class(nv.status), picked.then_some("picked"))} tabindex="0" role="button"
            aria-label={label} data-node={nv.name.clone()} {onclick} {onkeydown}>
            <rect x={format!("{:.1}", r.x)} y={format!("{:.1}", r.y)} width={format!("{:.1}", r.w)} height={format!("{:.1}", r.h)} rx="2" class="box" />
            { txt(r.x + 3.0, r.y + 9.0, "mname", format!("{short}{mark}")) }
            { body }
        </g>
    }
}

fn txt(x: f64, y: f64, class: &'static str, s: impl Into<String>) -> Html {
    html! { <text x={format!("{x:.1}")} y={format!("{y:.1}")} class={class}>{ s.into() }</text> }
}

#[derive(Properties, PartialEq)]
struct CutMarksProps {
    layout: Rc<Layout>,
    cuts: Rc<Vec<(NodeId, NodeId)>>,
}

/// A ✂ at the middle of every cut link (above the boxes).
#[function_component(CutMarks)]
fn cut_marks(p: &CutMarksProps) -> Html {
    let lay = &*p.layout;
    let marks = p.cuts.iter().filter(|&&(a, b)| !(a > b && p.cuts.contains(&(b, a)))).filter(|&&(a, b)| (a as usize) < lay.node.len() && (b as usize) < lay.node.len()).map(|&(a, b)| {
        let (x0, y0) = lay.anchor(a, b);
        let (x1, y1) = lay.anchor(b, a);
        let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        html! {
            <g class="cut-mark"><circle cx={format!("{mx:.1}")} cy={format!("{my:.1}")} r="6" /><text x={format!("{mx:.1}")} y={format!("{:.1}", my + 3.5)} text-anchor="middle">{ "✂" }</text></g>
        }
    });
    html! { <g class="cut-marks">{ for marks }</g> }
}

#[derive(Properties, PartialEq)]
struct LegendProps {
    lang: Lang,
    show_control: bool,
    ctl: Ctl,
}

/// What the shapes, colours and marks mean.
#[function_component(Legend)]
fn legend(p: &LegendProps) -> Html {
    let l = p.lang;
    let control = {
        let ctl = p.ctl.clone();
        Callback::from(move |_| ctl.dispatch(Ui::ToggleControl))
    };
    let item = |kind: Option<Kind>, label: String, class: &'static str| {
        let mut d = String::new();
        shape(&mut d, kind, 7.0, 7.0, 4.5);
        html! {
            <li><svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true"><path class={classes!("msg", class)} d={d} /></svg>{ label }</li>
        }
    };
    html! {
        <ul class="legend" aria-label={tr(l, "legend.label")} data-testid="legend">
            { for Kind::ALL.iter().map(|k| item(Some(*k), format!("{} {}", kind_code(*k), kind_name(l, *k)), kind_class(Some(*k)))) }
            { item(None, tr(l, "legend.other").to_string(), "kx") }
            <li><span class="lg-mark drop">{ "✕" }</span>{ tr(l, "legend.drop") }</li>
            <li><span class="lg-mark dup">{ "◌" }</span>{ tr(l, "legend.dup") }</li>
            <li><span class="lg-mark cut">{ "✂" }</span>{ tr(l, "legend.cut") }</li>
            <li><span class="lg-box crashed">{ "✕" }</span>{ tr(l, "legend.crashed") }</li>
            <li><span class="lg-box paused">{ "‖" }</span>{ tr(l, "legend.paused") }</li>
            <li><span class="lg-mark">{ "★ · ∉" }</span>{ tr(l, "legend.roles") }</li>
            <li><span class="lg-mark hw">{ "┃" }</span>{ tr(l, "legend.hw") }</li>
            <li class="lg-control"><label>
                <input type="checkbox" checked={p.show_control} onchange={control} data-testid="show-control" aria-keyshortcuts="c" />
                { tr(l, "tb.control") }
            </label></li>
            <li><span class="lg-mark neq">{ "≠" }</span>{ tr(l, "legend.differs") }</li>
        </ul>
    }
}
