//! What every layer of the topology draws the same way: a node's box (name, status badge,
//! click and keyboard handling), a consumer's member line, a line of text.

use yew::prelude::*;

use crate::sim::history::NodeId;
use crate::sim::view::{NodeStatus, View};
use crate::ui::i18n::Lang;
use crate::ui::logic::layout::Rect;
use crate::ui::logic::state::{Action as Ui, Pick};
use crate::ui::logic::text::{tr, trf};
use crate::ui::run::Ctl;

/// A node status for readers.
pub fn status_text(l: Lang, s: NodeStatus) -> &'static str {
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
pub fn pick_handlers(ctl: &Ctl, pick: Pick) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
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
pub fn node_box(l: Lang, v: &View, id: NodeId, r: Rect, ctl: &Ctl, picked: bool, body: Html) -> Html {
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
        <g class={classes!("node", status_class(nv.status), picked.then_some("picked"))} data-node={nv.name.clone()}>
            <rect x={format!("{:.1}", r.x)} y={format!("{:.1}", r.y)} width={format!("{:.1}", r.w)} height={format!("{:.1}", r.h)} rx="4" class="box" />
            <text x={format!("{:.1}", r.x + 4.0)} y={format!("{:.1}", r.y + 12.0)} class="title">{ nv.name.clone() }</text>
            { badge }
            { body }
            { armed.unwrap_or_default() }
            { hit_box(r, label, onclick, onkeydown) }
        </g>
    }
}

/// A consumer's member line inside its group box: its short name and status mark.
#[allow(clippy::too_many_arguments)]
pub fn member_box(l: Lang, v: &View, id: NodeId, r: Rect, ctl: &Ctl, picked: bool, short: String, body: Html) -> Html {
    let nv = &v.nodes[id as usize];
    let (onclick, onkeydown) = pick_handlers(ctl, Pick::Node(id));
    let label = trf(l, "node.aria", &[("name", &nv.name), ("status", status_text(l, nv.status))]);
    let mark = match nv.status {
        NodeStatus::Up => "",
        NodeStatus::Crashed => " ✕",
        NodeStatus::Paused(_) => " ‖",
    };
    html! {
        <g class={classes!("node", "member", status_class(nv.status), picked.then_some("picked"))} data-node={nv.name.clone()}>
            <rect x={format!("{:.1}", r.x)} y={format!("{:.1}", r.y)} width={format!("{:.1}", r.w)} height={format!("{:.1}", r.h)} rx="2" class="box" />
            { txt(r.x + 3.0, r.y + 9.0, "mname", format!("{short}{mark}")) }
            { body }
            { hit_box(r, label, onclick, onkeydown) }
        </g>
    }
}

/// The button over a node's box, drawn last: it holds the click, the keyboard focus and the
/// spoken name (name, status, what pressing does). It has no text of its own, so the spoken name
/// never has to repeat the table drawn under it (axe `label-content-name-mismatch`).
fn hit_box(r: Rect, label: String, onclick: Callback<MouseEvent>, onkeydown: Callback<KeyboardEvent>) -> Html {
    html! {
        <rect x={format!("{:.1}", r.x)} y={format!("{:.1}", r.y)} width={format!("{:.1}", r.w)} height={format!("{:.1}", r.h)}
            rx="4" class="hit-box" tabindex="0" role="button" aria-label={label} data-testid="node-button" {onclick} {onkeydown} />
    }
}

/// A line of SVG text at (x, y).
pub fn txt(x: f64, y: f64, class: &'static str, s: impl Into<String>) -> Html {
    html! { <text x={format!("{x:.1}")} y={format!("{y:.1}")} class={class}>{ s.into() }</text> }
}
