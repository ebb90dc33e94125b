//! The messages in flight and the recent drops, redrawn every frame: one `<path>` per event kind
//! (plus one for duplicate rings), so hundreds of messages cost a handful of elements.

use std::fmt::Write as _;
use std::rc::Rc;

use yew::prelude::*;

use crate::sim::net::DropWhy;
use crate::sim::history::NodeId;
use crate::ui::i18n::Lang;
use crate::ui::logic::layout::{shape, Layout};
use crate::ui::logic::text::tr;
use crate::ui::run::Motion;

#[derive(Properties, PartialEq)]
pub struct MovingProps {
    pub lang: Lang,
    pub snap: Motion,
    pub layout: Rc<Layout>,
    pub show_control: bool,
    pub speed: f64,
}

/// Messages in flight and recent drops, every frame.
#[function_component(Moving)]
pub fn moving(p: &MovingProps) -> Html {
    let v = &p.snap;
    let lay = &*p.layout;
    let n = lay.node.len() as NodeId;
    let mut paths: [String; 8] = Default::default();
    // A ring around each message the network duplicated (the extra copy).
    let mut dups = String::new();
    let now = v.now_us as f64;
    for m in v.messages.iter() {
        if m.from >= n || m.to >= n || !lay.shown(m.from) || !lay.shown(m.to) {
            continue;
        }
        if !m.data && !p.show_control {
            continue;
        }
        let span = (m.arrive_us.saturating_sub(m.sent_us)).max(1) as f64;
        let t = ((now - m.sent_us as f64) / span).clamp(0.0, 1.0);
        let (x, y) = lay.along(m.from, m.to, t);
        let slot = if !m.data {
            7
        } else {
            match m.kind {
                Some(k) => k.index(),
                None => 6,
            }
        };
        let r = if slot == 7 {
            1.6
        } else if slot == 6 {
            2.6
        } else {
            4.0
        };
        shape(&mut paths[slot], if slot >= 6 { None } else { m.kind }, x, y, r);
        if m.duplicate {
            let rr = r + 2.5;
            let _ = write!(
                dups,
                "M{:.1},{:.1}a{rr:.1},{rr:.1} 0 1,0 {:.1},0a{rr:.1},{rr:.1} 0 1,0 {:.1},0",
                x - rr,
                y,
                2.0 * rr,
                -2.0 * rr
            );
        }
    }
    // Drops stay visible for about 1.5 s of wall time.
    let window = (1500.0 * p.speed * 1000.0).max(2000.0) as u64;
    let mut drops = Vec::new();
    // Newest first; only the three newest say why (the rest are marks), so labels do not pile up.
    for d in v.dropped.iter().rev() {
        if v.now_us.saturating_sub(d.at_us) > window || !lay.shown(d.from) || !lay.shown(d.to) {
            continue;
        }
        if !p.show_control
            && d.kind.is_none()
            && !matches!(
                d.label,
                "produce" | "produce-ack" | "records" | "binlog" | "db-write" | "db-ack" | "read" | "read-result"
            )
        {
            continue;
        }
        let (x, y) = lay.along(d.from, d.to, 0.5);
        let why = match d.why {
            DropWhy::Cut => tr(p.lang, "drop.cut"),
            DropWhy::Random => tr(p.lang, "drop.random"),
            DropWhy::Crashed => tr(p.lang, "drop.crashed"),
        };
        drops.push(html! {
            <g class="drop" role="img" aria-label={format!("{}: {}", d.label, why)}>
                <text x={format!("{x:.1}")} y={format!("{:.1}", y + 4.0)} text-anchor="middle" class="x">{ "✕" }</text>
                if drops.len() < 3 { <text x={format!("{:.1}", x + 6.0)} y={format!("{:.1}", y - 4.0)} class="why">{ why }</text> }
            </g>
        });
    }
    const CLASSES: [&str; 8] = ["msg k0", "msg k1", "msg k2", "msg k3", "msg k4", "msg k5", "msg kx", "msg ctl"];
    html! {
        <g class="moving" aria-hidden="true" data-testid="messages" data-count={v.messages.len().to_string()}>
            { for paths.iter().enumerate().filter(|(_, d)| !d.is_empty()).map(|(i, d)| html! {
                <path class={CLASSES[i]} d={d.clone()} />
            }) }
            if !dups.is_empty() { <path class="msg dup" d={dups} data-testid="dup-ring" /> }
            { for drops }
        </g>
    }
}
