//! The delivery view: for one delivery, its events as committed at `app` and as applied (or
//! skipped) at each replica, one small lane each, so reordering, gaps and duplicates show at a
//! glance.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use super::i18n::Lang;
use super::logic::state::{Action as Ui, State};
use super::logic::text::{kind_code, kind_name, tr, trf};
use super::run::{Ctl, Snap};
use crate::sim::domain::Kind;
use crate::sim::engine::Role;
use crate::sim::history::{DeliveryId, EventId, NodeId};

#[derive(Properties, PartialEq)]
pub struct LanesProps {
    pub lang: Lang,
    pub ui: Rc<State>,
    pub snap: Snap,
    pub ctl: Ctl,
}

/// One chip of a lane: an event as seen at that node.
#[derive(Clone, Debug, PartialEq)]
pub struct Chip {
    pub event: EventId,
    pub kind: Kind,
    pub seq: u32,
    pub t_us: u64,
    pub applied: bool,
    /// Lower seq than one applied before it here.
    pub reordered: bool,
    /// This event was applied here before.
    pub duplicate: bool,
    /// Seqs skipped over right before this one.
    pub gap_before: Vec<u32>,
}

/// Builds the lanes: (node, chips), `app` first, then every replica in order; and the seqs
/// committed at app that a replica has not seen (yet).
pub fn build_lanes(
    raw: &[(NodeId, u64, u64, Kind, u32, bool)],
    order: &[NodeId],
) -> Vec<(NodeId, Vec<Chip>, Vec<u32>)> {
    let app_seqs: Vec<u32> = raw.iter().filter(|r| Some(&r.0) == order.first()).map(|r| r.4).collect();
    order
        .iter()
        .map(|&node| {
            let mut chips = Vec::new();
            let mut seen = BTreeSet::new();
            let mut max = 0u32;
            for &(n, t, event, kind, seq, applied) in raw {
                if n != node {
                    continue;
                }
                let duplicate = applied && !seen.insert(event);
                let reordered = applied && seq < max;
                let gap_before = if applied && seq > max + 1 { (max + 1..seq).collect() } else { Vec::new() };
                if applied {
                    max = max.max(seq);
                }
                chips.push(Chip { event, kind, seq, t_us: t, applied, reordered, duplicate, gap_before });
            }
            let have: BTreeSet<u32> = chips.iter().map(|c| c.seq).collect();
            let missing = app_seqs.iter().copied().filter(|s| !have.contains(s)).collect();
            (node, chips, missing)
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    /// A replica that applied seq 3 before 2, applied 2 twice, and never got 4: the lane says
    /// reordered, duplicate, and missing #4.
    #[wasm_bindgen_test]
    fn lanes_mark_reorder_duplicates_and_gaps() {
        use Kind::*;
        let raw = vec![
            (0, 1, 10, Created, 1, true),
            (0, 2, 11, RiderAssigned, 2, true),
            (0, 3, 12, PickupReadyRequested, 3, true),
            (0, 4, 13, PickedUp, 4, true),
            (5, 5, 10, Created, 1, true),
            (5, 6, 12, PickupReadyRequested, 3, true),
            (5, 7, 11, RiderAssigned, 2, true),
            (5, 8, 11, RiderAssigned, 2, true),
        ];
        let lanes = build_lanes(&raw, &[0, 5]);
        let (_, chips, missing) = &lanes[1];
        assert_eq!(chips[1].gap_before, vec![2]);
        assert!(chips[2].reordered && !chips[2].duplicate);
        assert!(chips[3].duplicate);
        assert_eq!(missing, &vec![4]);
        assert!(lanes[0].1.iter().all(|c| !c.reordered && !c.duplicate));
    }
}
