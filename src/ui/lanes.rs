//! The delivery view: for one delivery, its events as committed at `app` and as applied (or
//! skipped) at each replica, one small lane each, so reordering, gaps and duplicates show at a
//! glance.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use super::i18n::Lang;
use super::logic::lanes::build_lanes;
use super::logic::state::{Action as Ui, State};
use super::logic::text::{kind_code, kind_name, tr, trf};
use super::run::{Ctl, Snap};
use crate::sim::topology::Role;
use crate::sim::history::{DeliveryId, EventId, NodeId};

#[derive(Properties, PartialEq)]
pub struct LanesProps {
    pub lang: Lang,
    pub ui: Rc<State>,
    pub snap: Snap,
    pub ctl: Ctl,
}

#[function_component(DeliveryView)]
pub fn delivery_view(p: &LanesProps) -> Html {
    let l = p.lang;
    let v = &p.snap.view;
    let d: Option<DeliveryId> = p.ui.delivery;
    let order: Vec<NodeId> =
        v.nodes.iter().filter(|n| n.role == Role::App || matches!(n.role, Role::Db(_))).map(|n| n.id).collect();
    let lanes = {
        let ctl = p.ctl.clone();
        let order = order.clone();
        use_memo((p.snap.rev, d), move |(_, d)| match d {
            Some(d) => build_lanes(&ctl.engine().sim.delivery_lanes(*d), &order),
            None => Vec::new(),
        })
    };
    let hl: BTreeSet<EventId> = p.ui.highlight.as_ref().map(|h| h.events.iter().copied().collect()).unwrap_or_default();
    let pick_latest = {
        let ctl = p.ctl.clone();
        let n = v.delivery_names.len();
        Callback::from(move |_| {
            if n > 0 {
                ctl.dispatch(Ui::ChooseDelivery(Some((n - 1) as DeliveryId)));
            }
        })
    };
    let Some(d) = d else {
        return html! {
            <section class="panel lanes" aria-label={tr(l, "lanes.title")} data-testid="delivery-view">
                <h3>{ tr(l, "lanes.title") }</h3>
                <p class="muted">{ tr(l, "lanes.none") }</p>
                if !v.delivery_names.is_empty() {
                    <button type="button" onclick={pick_latest} data-testid="lanes-latest">{ tr(l, "lanes.latest") }</button>
                }
            </section>
        };
    };
    let name = v.delivery_names.get(d as usize).cloned().unwrap_or_default();
    let lane_rows = lanes.iter().map(|(node, chips, missing)| {
        let node_name = v.nodes.get(*node as usize).map(|n| n.name.clone()).unwrap_or_default();
        let chips_html = chips.iter().map(|c| {
            let title = format!(
                "{} #{} · {} · {:.3} s{}",
                kind_name(l, c.kind),
                c.seq,
                if c.applied { tr(l, "lanes.applied") } else { tr(l, "lanes.skipped") },
                c.t_us as f64 / 1e6,
                [(c.reordered, "lanes.reordered"), (c.duplicate, "lanes.duplicate")]
                    .iter()
                    .filter(|x| x.0)
                    .map(|x| format!(" · {}", tr(l, x.1)))
                    .collect::<String>()
            );
            let gap = (!c.gap_before.is_empty()).then(|| html! {
                <span class="gap" title={trf(l, "lanes.gap", &[("s", &c.gap_before.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(","))])}>{ "…" }</span>
            });
            html! { <>
                { gap.unwrap_or_default() }
                <span class={classes!("chip", super::logic::text::kind_class(Some(c.kind)), (!c.applied).then_some("skipped"),
                    c.reordered.then_some("reordered"), c.duplicate.then_some("duplicate"), hl.contains(&c.event).then_some("hl"))}
                    title={title.clone()} aria-label={title} role="img">
                    <span class="k">{ kind_code(c.kind) }</span><span class="s">{ c.seq }</span>
                    if c.reordered { <span class="flag">{ "↯" }</span> }
                    if c.duplicate { <span class="flag">{ "×2" }</span> }
                    if !c.applied { <span class="flag">{ "↷" }</span> }
                </span>
            </> }
        });
        html! {
            <li class="lane-row" data-node={node_name.clone()}>
                <span class="who">{ node_name }</span>
                <span class="chips">{ for chips_html }
                    if !missing.is_empty() && *node != order[0] {
                        <span class="missing">{ trf(l, "lanes.missing", &[("s", &missing.iter().map(|s| format!("#{s}")).collect::<Vec<_>>().join(" "))]) }</span>
                    }
                </span>
            </li>
        }
    });
    html! {
        <section class="panel lanes" aria-label={tr(l, "lanes.title")} data-testid="delivery-view">
            <h3>{ trf(l, "lanes.title_of", &[("d", &name)]) }</h3>
            <ol class="lane-list">{ for lane_rows }</ol>
            <p class="muted small">{ tr(l, "lanes.key") }</p>
        </section>
    }
}
