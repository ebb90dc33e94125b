//! The checker panel: each anomaly count with a plain sentence, converged or not (and since when),
//! small plots over time; clicking an anomaly highlights the delivery and events of the checker's
//! witness (its first instance). Also the notices list (elections, refusals, rebalances…).

use std::rc::Rc;

use yew::prelude::*;

use super::i18n::Lang;
use super::run::{Ctl, Snap};
use super::logic::state::{Action as Ui, Highlight, State};
use super::logic::status::{Mark, Pipeline, Status};
use super::logic::text::{kind_name, tr, tr_dyn, trf};
use crate::sim::checker::Witnesses;
use crate::sim::nodes::NoticeKind;
use crate::sim::history::DeliveryId;

/// The anomalies in display order: (key, is it a good thing).
pub const ANOMALIES: &[(&str, bool)] = &[
    ("lost", false),
    ("out_of_order", false),
    ("invalid_transition", false),
    ("duplicate_applied", false),
    ("duplicate_suppressed", true),
    ("stale_read", false),
    ("acked_lost", false),
    ("phantom", false),
];

/// What to highlight for an anomaly: the delivery and events of the checker's witness (the
/// checker's own record of the first instance; the page has no rule of its own). None when the
/// anomaly has not occurred or its lines name no delivery.
pub fn highlight_of(key: &'static str, witnesses: &Witnesses) -> Option<Highlight> {
    let w = witnesses.get(key)?;
    Some(Highlight { anomaly: key, delivery: w.delivery?, events: w.events.clone() })
}

#[derive(Properties, PartialEq)]
pub struct CheckerProps {
    pub lang: Lang,
    pub ui: Rc<State>,
    pub snap: Snap,
    pub ctl: Ctl,
}

fn count_of(a: &crate::sim::checker::Anomalies, key: &str) -> u64 {
    a.get(key).unwrap_or(0)
}

/// The panel's badge for a status.
fn status_key(s: Status) -> &'static str {
    match s {
        Status::Converged => "check.converged",
        Status::CatchingUp { .. } => "check.catching_up",
        Status::Diverged { .. } => "check.diverged",
    }
}

/// Seconds with one decimal.
fn secs(us: u64) -> String {
    format!("{:.1}", us as f64 / 1e6)
}

#[function_component(CheckerPanel)]
pub fn checker_panel(p: &CheckerProps) -> Html {
    let l = p.lang;
    let v = &p.snap.view;
    let c = &v.check;
    let chosen = p.ui.highlight.as_ref().map(|h| h.anomaly);
    let settled = Pipeline::of(v).settled();
    let rows = ANOMALIES.iter().map(|&(key, good)| {
        let n = count_of(&c.anomalies, key);
        let ctl = p.ctl.clone();
        let found = highlight_of(key, &c.witnesses);
        let onclick = Callback::from(move |_| match found.clone() {
            Some(h) => ctl.dispatch(Ui::SetHighlight(Some(h))),
            None => ctl.dispatch(Ui::Toast(Some(("toast.not_located", key.to_string())))),
        });
        // A count that may still shrink (events on their way) is named as such, not as an alarm.
        let mark = Mark::of(key, good, n, settled);
        let title = mark.name_key(key, settled);
        let name = tr_dyn(l, &title, key);
        let what = tr_dyn(l, &format!("{title}.what"), "");
        let sign = match mark {
            Mark::Bad => " ⚠",
            Mark::Good => " ✓",
            Mark::Zero | Mark::Pending => "",
        };
        html! {
            <li class={classes!("anomaly", mark.class(), (chosen == Some(key)).then_some("chosen"))} data-testid={format!("anomaly-{key}")} data-count={n.to_string()}>
                // No aria-label: the button's own text (count, name, meaning) is its name, so
                // what is read is what is seen.
                <button type="button" {onclick} disabled={n == 0 && key != "lost"} title={what}>
                    <span class="count">{ n }</span>
                    <span class="text"><span class="name">{ name }{ sign }</span>{ " " }
                    <span class="what">{ what }</span></span>
                </button>
            </li>
        }
    });
    let status = Status::of(v);
    let since = v.since_heal_us.map(|us| trf(l, "check.since_heal", &[("s", &secs(us))]));
    let converged_at =
        c.converged_at_ms.map(|ms| trf(l, "check.converged_at", &[("s", &format!("{:.1}", ms as f64 / 1000.0))]));
    let clear = {
        let ctl = p.ctl.clone();
        Callback::from(move |_| ctl.dispatch(Ui::SetHighlight(None)))
    };
    html! {
        <section class="panel checker" aria-label={tr(l, "check.title")} data-testid="checker">
            <div class="check-head">
                <h3>{ tr(l, "check.title") }</h3>
                <span class={classes!("conv", status.class())} data-testid="converged"
                    data-converged={c.converged.to_string()} data-status={status.class()} role="status">
                    { tr(l, status_key(status)) }
                </span>
            </div>
            <p class="conv-detail">
                { match status {
                    Status::Converged => converged_at.unwrap_or_default(),
                    Status::CatchingUp { rows } => trf(l, "check.behind", &[("n", &rows.to_string())]),
                    Status::Diverged { rows } => trf(l, "check.divergent", &[("n", &rows.to_string())]),
                } }
                { since.map(|s| format!(" · {s}")).unwrap_or_default() }
            </p>
            <p class="counts muted">{ trf(l, "check.counts", &[
                ("c", &c.counts.committed.to_string()), ("p", &c.counts.published.to_string()), ("a", &c.counts.applied.to_string()),
                ("r", &c.reads.to_string()), ("u", &c.refused_reads.to_string())]) }</p>
            <ul class="anomalies">{ for rows }</ul>
            if p.ui.highlight.is_some() {
                <button type="button" class="link-btn" onclick={clear} data-testid="clear-highlight">{ tr(l, "check.clear") }</button>
            }
            <Plots lang={l} snap={p.snap.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PlotsProps {
    lang: Lang,
    snap: Snap,
}

/// Four small plots: consumer lag, relay lag, divergent rows, commits per 100 ms.
#[function_component(Plots)]
fn plots(p: &PlotsProps) -> Html {
    let l = p.lang;
    let s = &p.snap.view.samples;
    let series: [(&str, Vec<u64>); 4] = [
        ("plot.consumer_lag", s.iter().map(|x| x.consumer_lag).collect()),
        ("plot.relay_lag", s.iter().map(|x| x.relay_lag).collect()),
        ("plot.divergent", s.iter().map(|x| x.divergent).collect()),
        ("plot.throughput", s.iter().map(|x| x.committed).collect()),
    ];
    let span = match (s.first(), s.last()) {
        (Some(a), Some(b)) => secs(b.t_us.saturating_sub(a.t_us)),
        _ => "0".into(),
    };
    html! {
        <div class="plots" data-testid="plots">
            { for series.iter().map(|(key, ys)| {
                let max = ys.iter().copied().max().unwrap_or(0).max(1) as f64;
                let n = ys.len().max(2) as f64;
                let mut d = String::new();
                for (i, y) in ys.iter().enumerate() {
                    let x = i as f64 / (n - 1.0) * 100.0;
                    let yy = 28.0 - (*y as f64 / max) * 26.0;
                    d.push_str(&format!("{}{x:.1},{yy:.1}", if i == 0 { "M" } else { "L" }));
                }
                let last = ys.last().copied().unwrap_or(0);
                html! {
                    <figure class="plot">
                        <figcaption>{ tr(l, key) }<span class="val">{ last }</span></figcaption>
                        <svg viewBox="0 0 100 30" preserveAspectRatio="none" role="img"
                            aria-label={trf(l, "plot.aria", &[("name", tr(l, key)), ("now", &last.to_string()), ("max", &(max as u64).to_string()), ("s", &span)])}>
                            <path d={d} class="spark" vector-effect="non-scaling-stroke" />
                        </svg>
                        <span class="max muted">{ trf(l, "plot.max", &[("n", &(max as u64).to_string()), ("s", &span)]) }</span>
                    </figure>
                }
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct NoticesProps {
    pub lang: Lang,
    pub snap: Snap,
}

/// A notice as a sentence.
pub fn notice_text(l: Lang, v: &crate::sim::view::View, k: &NoticeKind) -> String {
    let dn = |d: &DeliveryId| v.delivery_names.get(*d as usize).cloned().unwrap_or_default();
    let part = |p: &u32| {
        v.partitions
            .get(*p as usize)
            .map(|x| if x.topic == "config" { "cfg".to_string() } else { format!("P{}", x.number) })
            .unwrap_or_default()
    };
    match k {
        NoticeKind::Refused { delivery, kind, from } => trf(
            l,
            "notice.refused",
            &[
                ("d", &dn(delivery)),
                ("k", kind_name(l, *kind)),
                ("from", from.map(|f| kind_name(l, f)).unwrap_or(tr(l, "notice.none"))),
            ],
        ),
        NoticeKind::AppDown { delivery, kind } => {
            trf(l, "notice.app_down", &[("d", &dn(delivery)), ("k", kind_name(l, *kind))])
        }
        NoticeKind::Elected { part: p, leader, epoch, unclean } => trf(
            l,
            if *unclean { "notice.elected_unclean" } else { "notice.elected" },
            &[
                ("p", &part(p)),
                ("b", &leader.map(|b| format!("broker-{}", b + 1)).unwrap_or_else(|| tr(l, "part.offline").into())),
                ("e", &epoch.to_string()),
            ],
        ),
        NoticeKind::IsrChanged { part: p, isr } => trf(
            l,
            "notice.isr",
            &[("p", &part(p)), ("isr", &isr.iter().map(|b| (b + 1).to_string()).collect::<Vec<_>>().join(","))],
        ),
        NoticeKind::NotEnoughReplicas { part: p } => trf(l, "notice.not_enough", &[("p", &part(p))]),
        NoticeKind::Rebalanced { group, generation } => trf(
            l,
            "notice.rebalanced",
            &[
                ("g", &v.groups.get(*group as usize).map(|g| g.name.clone()).unwrap_or_default()),
                ("gen", &generation.to_string()),
            ],
        ),
        NoticeKind::Truncated { part: p, broker, to, dropped } => trf(
            l,
            "notice.truncated",
            &[
                ("p", &part(p)),
                ("b", &format!("broker-{}", broker + 1)),
                ("to", &to.to_string()),
                ("n", &dropped.to_string()),
            ],
        ),
        NoticeKind::GaveUp { delivery, kind } => {
            trf(l, "notice.gave_up", &[("d", &dn(delivery)), ("k", kind_name(l, *kind))])
        }
        NoticeKind::Set { key } => trf(l, "notice.set", &[("key", key)]),
        NoticeKind::ReadRefused { delivery } => trf(l, "notice.read_refused", &[("d", &dn(delivery))]),
    }
}

#[function_component(Notices)]
pub fn notices(p: &NoticesProps) -> Html {
    let l = p.lang;
    let v = &p.snap.view;
    html! {
        <section class="panel notices" aria-label={tr(l, "notices.title")} data-testid="notices">
            <h3>{ tr(l, "notices.title") }</h3>
            if v.notices.is_empty() {
                <p class="muted">{ tr(l, "notices.empty") }</p>
            } else {
                <ol>
                    { for v.notices.iter().take(10).map(|n| html! {
                        <li><span class="t">{ format!("{:.3} s", n.t_us as f64 / 1e6) }</span>
                            <span class="who">{ v.nodes.get(n.node as usize).map(|x| x.name.clone()).unwrap_or_default() }</span>
                            { notice_text(l, v, &n.kind) }</li>
                    }) }
                </ol>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::command::Action;
    use crate::sim::domain::Kind;
    use wasm_bindgen_test::*;

    /// Every anomaly has a name and a sentence in both languages.
    #[wasm_bindgen_test]
    fn every_anomaly_is_explained() {
        for (key, _) in ANOMALIES {
            for k in [format!("an.{key}"), format!("an.{key}.what")] {
                assert!(crate::ui::i18n::TABLE.iter().any(|(x, _, _)| *x == k), "no text for {k}");
            }
        }
    }

    /// Lesson 1 as the checker panel sees it: with round robin, racing events of one delivery
    /// are applied out of order somewhere, and the highlight names that delivery and its events.
    #[wasm_bindgen_test]
    fn finds_the_swapped_delivery() {
        let mut sc = crate::sim::builtin::get("playground").unwrap();
        sc.commands.clear();
        sc.config.partitioner = crate::sim::config::Partitioner::RoundRobin;
        let mut sim = crate::sim::Sim::new(sc);
        for d in 0..8 {
            let name = format!("R{d}");
            sim.command_now(Action::Fire { delivery: name.clone(), event: Kind::Created });
            sim.command_now(Action::Fire { delivery: name.clone(), event: Kind::RiderAssigned });
            sim.command_now(Action::Fire { delivery: name, event: Kind::PickupReadyRequested });
        }
        sim.run_until(3_000_000);
        let report = sim.check();
        assert!(report.anomalies.out_of_order > 0, "round robin swapped nothing: {report:?}");
        let h = highlight_of("out_of_order", &report.witnesses).expect("an instance");
        assert!(sim.names().deliveries[h.delivery as usize].starts_with('R'));
        assert_eq!(h.events.len(), 2);
        assert!(highlight_of("phantom", &report.witnesses).is_none());
    }
}
