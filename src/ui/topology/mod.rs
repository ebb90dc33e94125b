//! The topology: an SVG that scales to its box. Columns, left to right: `app` (its deliveries table),
//! relays, brokers (one log lane per partition replica: leader/follower, ISR, high watermark),
//! consumer groups (members, partitions, committed offsets, lag), replica DBs (rows, differences
//! from `app` highlighted), then the dashboard, event-bus servers and the `client`.
//!
//! Layers: the brokers and links (`boxes::BrokerLayer`, ~10 Hz), the other boxes
//! (`boxes::OtherBoxes`, one frame later), the cut marks, and the messages in flight
//! (`moving.rs`, every frame, as one `<path>` per event kind, so 300 messages cost a handful of
//! elements). Where everything goes is `ui::logic::layout`; `draw.rs` holds the node boxes every
//! layer draws, `menu.rs` the menu of a clicked node or link.

mod boxes;
mod draw;
mod menu;
mod moving;

use std::rc::Rc;

use yew::prelude::*;

use super::i18n::Lang;
use super::logic::controls::partition_sides;
use super::logic::layout::{shape, Layout};
use super::logic::state::{Action as Ui, State};
use super::logic::text::{kind_class, kind_code, kind_name, tr, trf};
use super::run::{Ctl, Motion, Snap};
use crate::sim::domain::Kind;
use crate::sim::history::NodeId;

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
    let focus = p.ui.narrowed_to().map(|f| f.to_vec());
    let layout = {
        let v = p.snap.view.clone();
        let narrow = p.narrow;
        use_memo((p.snap.rev, narrow, focus.clone()), move |(_, _, focus)| {
            match focus.as_deref().and_then(|f| Layout::focus(&v, f)) {
                Some(lay) => lay,
                None if narrow => Layout::narrow(&v),
                None => Layout::of(&v),
            }
        })
    };
    let l = p.lang;
    let h = layout.h;
    let hidden = layout.node.iter().filter(|r| r.w <= 0.0).count();
    // A focus layout is drawn no smaller than its text needs (CSS: `--w` × the minimum scale)
    // and no larger than twice its size.
    let focused = hidden > 0;
    let style = format!("--w:{:.0}", layout.w);
    let pick_menu = p.ui.pick.as_ref().map(|pick| menu::pick_menu(l, pick, &p.snap, &layout, &p.ctl));
    html! {
        <div class="topo-wrap">
            <svg class={classes!("topo", focused.then_some("focused"))} {style} viewBox={format!("0 0 {:.0} {h:.0}", layout.w)} preserveAspectRatio="xMidYMin meet"
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
            { partition_note(l, &p.snap.view) }
            { whole_or_focus(l, &p.ui, hidden, &p.ctl) }
            <Legend lang={l} show_control={p.ui.show_control} ctl={p.ctl.clone()} />
        </div>
    }
}

/// Under the picture while a network partition stands: which sides it keeps apart.
fn partition_note(l: Lang, v: &crate::sim::view::View) -> Html {
    let Some(sides) = partition_sides(v.nodes.len(), &v.cuts) else { return Html::default() };
    let side_names = |k: u8| {
        let names: Vec<&str> = v.nodes.iter().filter(|n| sides[n.id as usize] == k).map(|n| n.name.as_str()).collect();
        format!("{} ({})", char::from(b'A' + k - 1), names.join(", "))
    };
    let max = sides.iter().copied().max().unwrap_or(0);
    let groups: Vec<String> = (1..=max).map(side_names).collect();
    html! { <p class="partition-note" data-testid="partition-note">{ trf(l, "partition.note", &[("sides", &groups.join(" | "))]) }</p> }
}

/// Under a tour step's picture: how many nodes are left out, and a button for the whole
/// topology (and back).
fn whole_or_focus(l: Lang, ui: &State, hidden: usize, ctl: &Ctl) -> Html {
    if ui.focus.is_empty() {
        return Html::default();
    }
    let toggle = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.dispatch(Ui::ToggleShowAll))
    };
    let (note, button) = if ui.show_all {
        (String::new(), tr(l, "focus.only"))
    } else {
        (trf(l, "focus.note", &[("n", &hidden.to_string())]), tr(l, "focus.all"))
    };
    html! {
        <p class="focus-note" data-testid="focus-note">
            <span>{ note }</span>
            <button type="button" data-testid="show-all" aria-pressed={ui.show_all.to_string()} onclick={toggle}>{ button }</button>
        </p>
    }
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
    // A partition is shown by its sides; the ✂ stay on the few single cuts.
    if partition_sides(lay.node.len(), &p.cuts).is_some() {
        return Html::default();
    }
    let marks = p.cuts.iter().filter(|&&(a, b)| !(a > b && p.cuts.contains(&(b, a)))).filter(|&&(a, b)| lay.shown(a) && lay.shown(b)).map(|&(a, b)| {
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
            <li><span class="lg-mark lag">{ "…" }</span>{ tr(l, "legend.behind") }</li>
            <li><span class="lg-mark neq">{ "≠" }</span>{ tr(l, "legend.differs") }</li>
        </ul>
    }
}
