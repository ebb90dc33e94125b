//! The small menu for a clicked node (crash, restart, pause, wipe) or link (cut, heal).

use yew::prelude::*;

use super::draw::status_text;
use crate::sim::command::{Action, CrashPoint};
use crate::sim::topology::Role;
use crate::sim::history::NodeId;
use crate::sim::view::{NodeStatus, NodeView, View};
use crate::ui::i18n::Lang;
use crate::ui::logic::layout::Layout;
use crate::ui::logic::state::{Action as Ui, Pick};
use crate::ui::logic::text::{tr, trf};
use crate::ui::run::{Ctl, Snap};

/// A menu button: runs `action` on the run, then closes the menu.
fn act(ctl: &Ctl, label: String, testid: &'static str, action: Action) -> Html {
    let ctl = ctl.clone();
    let onclick = Callback::from(move |_| {
        ctl.command(action.clone());
        ctl.dispatch(Ui::Pick(None));
    });
    html! { <button type="button" data-testid={testid} {onclick}>{ label }</button> }
}

/// The menu for a clicked node or link (nothing if it no longer exists).
pub fn pick_menu(l: Lang, pick: &Pick, snap: &Snap, lay: &Layout, ctl: &Ctl) -> Html {
    let v = &snap.view;
    let placed = match pick {
        Pick::Node(id) => node_menu(l, v, lay, ctl, *id),
        Pick::Link(a, b) => link_menu(l, v, lay, ctl, *a, *b),
    };
    let Some((x, y, title, buttons)) = placed else { return Html::default() };
    let close = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.dispatch(Ui::Pick(None)))
    };
    let style = lay.menu_style(x, y);
    html! {
        <div class="pick-menu" role="dialog" aria-label={title.clone()} data-testid="pick-menu" {style}>
            <div class="pm-head"><strong>{ title }</strong>
                <button type="button" class="x" aria-label={tr(l, "close")} onclick={close}>{ "×" }</button></div>
            <div class="pm-actions">{ for buttons }</div>
        </div>
    }
}

/// What a menu shows: where it points (viewBox units), its title and its buttons.
type Placed = (f64, f64, String, Vec<Html>);

/// A node's menu, under its box: restart a crashed node; crash (now or at its crash point) or
/// pause a running one; wipe a replica.
fn node_menu(l: Lang, v: &View, lay: &Layout, ctl: &Ctl, id: NodeId) -> Option<Placed> {
    let nv = v.nodes.get(id as usize)?;
    let r = *lay.node.get(id as usize)?;
    let name = nv.name.clone();
    let mut b = match nv.status {
        NodeStatus::Crashed => vec![act(ctl, tr(l, "act.restart").into(), "act-restart", Action::Restart { node: name.clone() })],
        _ => crash_actions(l, nv, ctl),
    };
    if matches!(nv.role, Role::Db(_)) {
        b.push(act(ctl, tr(l, "act.wipe").into(), "act-wipe", Action::Wipe { replica: name.clone() }));
    }
    let title = trf(l, "menu.node", &[("name", &name), ("status", status_text(l, nv.status))]);
    Some((r.x + r.w * 0.5, r.y + r.h, title, b))
}

/// Crash now, crash at the node's crash point (if its kind has one), pause briefly or longer.
fn crash_actions(l: Lang, nv: &NodeView, ctl: &Ctl) -> Vec<Html> {
    let name = nv.name.clone();
    let mut b = vec![act(ctl, tr(l, "act.crash").into(), "act-crash", Action::Crash { node: name.clone(), when: None })];
    let point = match nv.role {
        Role::App => Some((CrashPoint::AfterDbCommit, "act.crash_after_commit")),
        Role::Relay(_) => Some((CrashPoint::AfterPublish, "act.crash_after_publish")),
        Role::Consumer(_) => Some((CrashPoint::AfterApply, "act.crash_after_apply")),
        _ => None,
    };
    if let Some((pt, key)) = point {
        b.push(act(ctl, tr(l, key).into(), "act-crash-at", Action::Crash { node: name.clone(), when: Some(pt) }));
    }
    b.push(act(ctl, tr(l, "act.pause_short").into(), "act-pause-short", Action::Pause { node: name.clone(), for_ms: 300 }));
    b.push(act(ctl, tr(l, "act.pause").into(), "act-pause", Action::Pause { node: name, for_ms: 2000 }));
    b
}

/// A link's menu, at its middle: heal a cut link; cut a healthy one both ways or one way.
fn link_menu(l: Lang, v: &View, lay: &Layout, ctl: &Ctl, a: NodeId, b: NodeId) -> Option<Placed> {
    let (na, nb) = (v.nodes.get(a as usize)?, v.nodes.get(b as usize)?);
    let (x0, y0) = lay.anchor(a, b);
    let (x1, y1) = lay.anchor(b, a);
    let is_cut = v.cuts.iter().any(|&(x, y)| (x == a && y == b) || (x == b && y == a));
    let (from, to) = (na.name.clone(), nb.name.clone());
    let bs = if is_cut {
        vec![act(ctl, tr(l, "act.heal").into(), "act-heal", Action::Heal { from: Some(from), to: Some(to) })]
    } else {
        let oneway = trf(l, "act.cut_oneway", &[("a", &na.name), ("b", &nb.name)]);
        vec![
            act(ctl, tr(l, "act.cut").into(), "act-cut", Action::Cut { from: from.clone(), to: to.clone(), oneway: false }),
            act(ctl, oneway, "act-cut-oneway", Action::Cut { from, to, oneway: true }),
        ]
    };
    let title = trf(l, "menu.link", &[("a", &na.name), ("b", &nb.name)]);
    Some(((x0 + x1) / 2.0, (y0 + y1) / 2.0 + 6.0, title, bs))
}
