//! The topology: an SVG that scales to its box. Columns, left to right: `app` (its deliveries table),
//! relays, brokers (one log lane per partition replica: leader/follower, ISR, high watermark),
//! consumer groups (members, partitions, committed offsets, lag), replica DBs (rows, differences
//! from `app` highlighted), then the dashboard, event-bus servers and the `client`.
//!
//! Two layers: the boxes (re-rendered at ~10 Hz) and the messages in flight (every frame, as one
//! `<path>` per event kind, so 300 messages cost a handful of elements).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

use yew::prelude::*;

use super::i18n::Lang;
use super::logic::state::{Action as Ui, Pick, State};
use super::logic::text::{kind_short, tr, trf};
use super::run::{Ctl, Motion, Snap};
use crate::sim::command::{Action, CrashPoint};
use crate::sim::domain::Kind;
use crate::sim::engine::{DropWhy, NoticeKind, Role};
use crate::sim::history::NodeId;
use crate::sim::view::{NodeStatus, View};

/// viewBox width; the height follows the content.
pub const W: f64 = 900.0;
const TOP: f64 = 8.0;
const LINE: f64 = 12.0;
const HEAD: f64 = 17.0;
/// Log cells shown per lane.
const CELLS: u64 = 10;
const CELL_W: f64 = 13.0;
/// Rows shown per table.
pub const ROWS: usize = 6;

/// Column x and width.
const COL_APP: (f64, f64) = (4.0, 128.0);
const COL_RELAY: (f64, f64) = (150.0, 84.0);
const COL_BROKER: (f64, f64) = (254.0, 232.0);
const COL_GROUP: (f64, f64) = (506.0, 112.0);
const COL_DB: (f64, f64) = (638.0, 132.0);
const COL_LAST: (f64, f64) = (790.0, 106.0);

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
}

/// Where everything is drawn.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Layout {
    pub h: f64,
    /// Box of each node (consumers: their member line inside the group box).
    pub node: Vec<Rect>,
    /// Column of each node (for choosing anchors).
    pub col: Vec<u8>,
    /// Group boxes (index = group).
    pub groups: Vec<Rect>,
    /// Broker lanes: (partition index, broker index) → lane rect.
    pub lanes: BTreeMap<(usize, u32), Rect>,
    /// The y where the partition summary starts, its x and width.
    pub summary_y: f64,
    pub summary_x: f64,
    pub summary_w: f64,
    /// viewBox width.
    pub w: f64,
    /// Narrow screens: the columns become bands stacked top to bottom.
    pub vertical: bool,
    /// The dashboard's store and the event-bus servers' boxes.
    pub dash: Option<Rect>,
    pub servers: Vec<Rect>,
    /// Column (or band) headings: (x, y, i18n key).
    pub heads: Vec<(f64, f64, &'static str)>,
}

/// viewBox width of the narrow layout.
pub const W_NARROW: f64 = 400.0;

impl Layout {
    pub fn of(v: &View) -> Layout {
        let n = v.nodes.len();
        let mut node = vec![Rect::default(); n];
        let mut col = vec![0u8; n];
        let mut lanes = BTreeMap::new();
        let mut bottoms = Vec::new();
        // app
        let mut relays_y = TOP + 20.0;
        let mut broker_y = TOP;
        let mut db_y = TOP;
        let mut last_y = TOP;
        for nv in &v.nodes {
            let i = nv.id as usize;
            match nv.role {
                Role::App => {
                    node[i] =
                        Rect { x: COL_APP.0, y: TOP + 20.0, w: COL_APP.1, h: HEAD + LINE * (ROWS as f64 + 1.0) + 18.0 };
                    col[i] = 0;
                }
                Role::Relay(_) => {
                    node[i] = Rect { x: COL_RELAY.0, y: relays_y, w: COL_RELAY.1, h: HEAD + 2.0 * LINE + 4.0 };
                    relays_y += node[i].h + 8.0;
                    col[i] = 1;
                }
                Role::Controller => {
                    node[i] = Rect { x: COL_BROKER.0 + 70.0, y: broker_y, w: 110.0, h: 18.0 };
                    broker_y += 26.0;
                    col[i] = 2;
                }
                _ => {}
            }
        }
        // Brokers after the controller.
        for nv in &v.nodes {
            if let Role::Broker(b) = nv.role {
                let i = nv.id as usize;
                let hosted: Vec<usize> = v
                    .partitions
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.replicas.iter().any(|r| r.broker == b))
                    .map(|(pi, _)| pi)
                    .collect();
                let h = HEAD + hosted.len() as f64 * 14.0 + 4.0;
                node[i] = Rect { x: COL_BROKER.0, y: broker_y, w: COL_BROKER.1, h };
                for (k, pi) in hosted.iter().enumerate() {
                    lanes.insert(
                        (*pi, b),
                        Rect {
                            x: COL_BROKER.0 + 4.0,
                            y: broker_y + HEAD + k as f64 * 14.0,
                            w: COL_BROKER.1 - 8.0,
                            h: 13.0,
                        },
                    );
                }
                broker_y += h + 8.0;
                col[i] = 2;
            }
        }
        let summary_y = broker_y + 4.0;
        bottoms.push(summary_y + v.partitions.len() as f64 * 12.0 + 4.0);
        // Groups.
        let mut gy = TOP;
        let mut groups = Vec::new();
        for g in &v.groups {
            let h = HEAD + g.members.len() as f64 * LINE + g.offsets.len() as f64 * 11.0 + 4.0;
            let r = Rect { x: COL_GROUP.0, y: gy, w: COL_GROUP.1, h };
            for (k, (m, _)) in g.members.iter().enumerate() {
                let i = *m as usize;
                node[i] = Rect { x: r.x + 2.0, y: gy + HEAD + k as f64 * LINE - 1.0, w: r.w - 4.0, h: LINE };
                col[i] = 3;
            }
            groups.push(r);
            gy += h + 8.0;
        }
        bottoms.push(gy);
        for nv in &v.nodes {
            let i = nv.id as usize;
            match nv.role {
                Role::Db(_) => {
                    node[i] = Rect { x: COL_DB.0, y: db_y, w: COL_DB.1, h: HEAD + LINE * ROWS as f64 + 4.0 };
                    db_y += node[i].h + 8.0;
                    col[i] = 4;
                }
                Role::Consumer(_) if nv.name == "dashboard" => {
                    // Its member line is in the group column; the dashboard's store is drawn in the
                    // last column below.
                }
                _ => {}
            }
        }
        bottoms.push(db_y);
        // Last column: dashboard store, servers (their own member lines are in the group column),
        // client.
        if v.dashboard.is_some() {
            last_y += HEAD + 3.0 * LINE + 12.0;
        }
        for nv in &v.nodes {
            if nv.role == Role::Client {
                let i = nv.id as usize;
                node[i] = Rect { x: COL_LAST.0, y: last_y, w: COL_LAST.1, h: HEAD + LINE + 4.0 };
                col[i] = 5;
                last_y += node[i].h + 8.0;
            }
        }
        bottoms.push(last_y + v.servers.len() as f64 * 30.0);
        bottoms.push(node.first().map(|r| r.y + r.h + 8.0).unwrap_or(0.0));
        bottoms.push(relays_y);
        let h = bottoms.into_iter().fold(0.0, f64::max) + 6.0;
        let dash = v.dashboard.map(|_| Rect { x: COL_LAST.0, y: TOP, w: COL_LAST.1, h: HEAD + 3.0 * LINE + 4.0 });
        let client_bottom = v
            .nodes
            .iter()
            .find(|n| n.role == Role::Client)
            .map(|n| node[n.id as usize])
            .map(|r| r.y + r.h + 10.0)
            .unwrap_or(TOP);
        let servers = (0..v.servers.len())
            .map(|k| Rect { x: COL_LAST.0, y: client_bottom + k as f64 * 30.0, w: COL_LAST.1, h: 24.0 })
            .collect();
        Layout {
            h,
            node,
            col,
            groups,
            lanes,
            summary_y,
            summary_x: COL_BROKER.0,
            summary_w: COL_BROKER.1,
            w: W,
            vertical: false,
            dash,
            servers,
            heads: vec![(COL_APP.0, TOP + 10.0, "col.app"), (COL_RELAY.0, TOP + 10.0, "col.relays")],
        }
    }

    /// The narrow layout (phones): app and relays, then brokers, groups, replicas, and the last
    /// column's boxes, each a band across the width.
    pub fn narrow(v: &View) -> Layout {
        let n = v.nodes.len();
        let mut node = vec![Rect::default(); n];
        let mut col = vec![0u8; n];
        let mut lanes = BTreeMap::new();
        let full = W_NARROW - 8.0;
        let mut y = TOP + 16.0;
        // Band 0: app and relays side by side.
        let mut relay_y = y;
        let mut app_bottom = y;
        for nv in &v.nodes {
            let i = nv.id as usize;
            match nv.role {
                Role::App => {
                    node[i] = Rect { x: 4.0, y, w: 190.0, h: HEAD + LINE * (ROWS as f64 + 1.0) + 18.0 };
                    app_bottom = y + node[i].h;
                }
                Role::Relay(_) => {
                    node[i] = Rect { x: 206.0, y: relay_y, w: 190.0, h: HEAD + 2.0 * LINE + 4.0 };
                    relay_y += node[i].h + 6.0;
                    col[i] = 0;
                }
                _ => {}
            }
        }
        y = app_bottom.max(relay_y) + 14.0;
        // Band 1: controller, brokers, partition summary.
        for nv in &v.nodes {
            if nv.role == Role::Controller {
                node[nv.id as usize] = Rect { x: 145.0, y, w: 110.0, h: 18.0 };
                col[nv.id as usize] = 1;
                y += 26.0;
            }
        }
        for nv in &v.nodes {
            if let Role::Broker(b) = nv.role {
                let i = nv.id as usize;
                let hosted: Vec<usize> = v
                    .partitions
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.replicas.iter().any(|r| r.broker == b))
                    .map(|(pi, _)| pi)
                    .collect();
                let h = HEAD + hosted.len() as f64 * 14.0 + 4.0;
                node[i] = Rect { x: 4.0, y, w: full, h };
                for (k, pi) in hosted.iter().enumerate() {
                    lanes.insert((*pi, b), Rect { x: 8.0, y: y + HEAD + k as f64 * 14.0, w: full - 8.0, h: 13.0 });
                }
                y += h + 8.0;
                col[i] = 1;
            }
        }
        let summary_y = y;
        y += v.partitions.len() as f64 * 12.0 + 18.0;
        // Band 2: groups, two per row.
        let mut gy = [y, y];
        let mut groups = Vec::new();
        for (k, g) in v.groups.iter().enumerate() {
            let c = k % 2;
            let h = HEAD + g.members.len() as f64 * LINE + g.offsets.len() as f64 * 11.0 + 4.0;
            let r = Rect { x: 4.0 + c as f64 * 200.0, y: gy[c], w: 192.0, h };
            for (m, (id, _)) in g.members.iter().enumerate() {
                let i = *id as usize;
                node[i] = Rect { x: r.x + 2.0, y: r.y + HEAD + m as f64 * LINE - 1.0, w: r.w - 4.0, h: LINE };
                col[i] = 2;
            }
            groups.push(r);
            gy[c] += h + 6.0;
        }
        y = gy[0].max(gy[1]) + 14.0;
        // Band 3: replicas, three per row.
        let mut dy = [y, y, y];
        let mut k = 0;
        for nv in &v.nodes {
            if let Role::Db(_) = nv.role {
                let c = k % 3;
                let i = nv.id as usize;
                node[i] = Rect { x: 4.0 + c as f64 * 132.0, y: dy[c], w: 128.0, h: HEAD + LINE * ROWS as f64 + 4.0 };
                dy[c] += node[i].h + 6.0;
                col[i] = 3;
                k += 1;
            }
        }
        y = dy.iter().copied().fold(0.0, f64::max) + 14.0;
        // Band 4: dashboard, client, servers.
        let dash = v.dashboard.map(|_| Rect { x: 4.0, y, w: 128.0, h: HEAD + 3.0 * LINE + 4.0 });
        let mut bottom = dash.map(|r| r.y + r.h).unwrap_or(y);
        for nv in &v.nodes {
            if nv.role == Role::Client {
                let i = nv.id as usize;
                node[i] = Rect { x: 136.0, y, w: 128.0, h: HEAD + LINE + 4.0 };
                col[i] = 4;
                bottom = bottom.max(y + node[i].h);
            }
        }
        let servers: Vec<Rect> =
            (0..v.servers.len()).map(|k| Rect { x: 268.0, y: y + k as f64 * 28.0, w: 128.0, h: 24.0 }).collect();
        if let Some(last) = servers.last() {
            bottom = bottom.max(last.y + last.h);
        }
        Layout {
            h: bottom + 6.0,
            node,
            col,
            groups,
            lanes,
            summary_y,
            summary_x: 4.0,
            summary_w: full,
            w: W_NARROW,
            vertical: true,
            dash,
            servers,
            heads: vec![(4.0, TOP + 8.0, "col.app"), (206.0, TOP + 8.0, "col.relays")],
        }
    }

    /// Whether two nodes sit in one column of boxes (same band, overlapping across).
    fn stacked(&self, a: NodeId, b: NodeId) -> bool {
        let (ra, rb) = (self.node[a as usize], self.node[b as usize]);
        self.col[a as usize] == self.col[b as usize] && (ra.x < rb.x + rb.w && rb.x < ra.x + ra.w)
    }

    /// The point where a link from `a` towards `b` leaves `a`'s box.
    fn anchor(&self, a: NodeId, b: NodeId) -> (f64, f64) {
        let (ra, rb) = (self.node[a as usize], self.node[b as usize]);
        let (ca, cb) = (self.col[a as usize], self.col[b as usize]);
        if self.stacked(a, b) {
            (ra.x + ra.w, ra.cy())
        } else if self.vertical && ca != cb {
            let cx = ra.x + ra.w / 2.0;
            if cb > ca {
                (cx, ra.y + ra.h)
            } else {
                (cx, ra.y)
            }
        } else if rb.x + rb.w / 2.0 > ra.x + ra.w / 2.0 {
            (ra.x + ra.w, ra.cy())
        } else {
            (ra.x, ra.cy())
        }
    }

    /// A point `t` (0..1) along the path of a message from `a` to `b`; messages keep to the right
    /// of their direction so a request and its answer pass each other visibly.
    pub fn along(&self, a: NodeId, b: NodeId, t: f64) -> (f64, f64) {
        let (x0, y0) = self.anchor(a, b);
        let (x1, y1) = self.anchor(b, a);
        if self.stacked(a, b) {
            // Same column: an arc bulging to the right.
            let cx = x0.max(x1) + 24.0 + (y1 - y0).abs() * 0.12;
            let cy = (y0 + y1) / 2.0;
            let u = 1.0 - t;
            return (u * u * x0 + 2.0 * u * t * cx + t * t * x1, u * u * y0 + 2.0 * u * t * cy + t * t * y1);
        }
        let (dx, dy) = (x1 - x0, y1 - y0);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (nx, ny) = (-dy / len * 2.5, dx / len * 2.5);
        (x0 + dx * t + nx, y0 + dy * t + ny)
    }

    /// The link drawn between two nodes, as an SVG path.
    fn link_path(&self, a: NodeId, b: NodeId) -> String {
        let (x0, y0) = self.anchor(a, b);
        let (x1, y1) = self.anchor(b, a);
        if self.stacked(a, b) {
            let cx = x0.max(x1) + 24.0 + (y1 - y0).abs() * 0.12;
            format!("M{x0:.1},{y0:.1}Q{cx:.1},{:.1} {x1:.1},{y1:.1}", (y0 + y1) / 2.0)
        } else {
            format!("M{x0:.1},{y0:.1}L{x1:.1},{y1:.1}")
        }
    }
}

/// The links that exist in this topology (undirected, a < b).
fn links(v: &View, cfg: &crate::sim::config::Config) -> Vec<(NodeId, NodeId, bool)> {
    let of = |f: &dyn Fn(Role) -> bool| v.nodes.iter().filter(|n| f(n.role)).map(|n| n.id).collect::<Vec<_>>();
    let app = of(&|r| r == Role::App);
    let relays = of(&|r| matches!(r, Role::Relay(_)));
    let brokers = of(&|r| matches!(r, Role::Broker(_)));
    let ctrl = of(&|r| r == Role::Controller);
    let dbs = of(&|r| matches!(r, Role::Db(_)));
    let consumers = of(&|r| matches!(r, Role::Consumer(_)));
    let client = of(&|r| r == Role::Client);
    let mut out = Vec::new();
    let mut add = |a: NodeId, b: NodeId, faint: bool| out.push((a.min(b), a.max(b), faint));
    for &a in &app {
        for &r in &relays {
            add(a, r, false);
        }
        if cfg.publish == crate::sim::config::Publish::DualWrite {
            for &b in &brokers {
                add(a, b, false);
            }
        }
        if cfg.write_mode != crate::sim::config::WriteMode::ViaBroker {
            for &d in &dbs {
                add(a, d, false);
            }
        }
    }
    for &r in &relays {
        for &b in &brokers {
            add(r, b, false);
        }
    }
    for (i, &b) in brokers.iter().enumerate() {
        for &c in &brokers[i + 1..] {
            add(b, c, false);
        }
        for &c in &ctrl {
            add(b, c, true);
        }
        for &c in &consumers {
            add(b, c, true);
        }
    }
    for &c in &client {
        for &d in &dbs {
            add(c, d, false);
        }
    }
    out
}

/// The SVG path of a marker shape for an event kind at (x, y): a different shape per kind, so
/// colour is never the only signal.
pub fn shape(out: &mut String, kind: Option<Kind>, x: f64, y: f64, r: f64) {
    let _ = match kind {
        Some(Kind::Created) | None => {
            write!(out, "M{:.1},{y:.1}a{r},{r} 0 1,0 {},0a{r},{r} 0 1,0 -{},0", x - r, 2.0 * r, 2.0 * r)
        }
        Some(Kind::RiderAssigned) => {
            write!(out, "M{:.1},{:.1}h{}v{}h-{}z", x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r, 1.8 * r)
        }
        Some(Kind::PickupReadyRequested) => {
            let q = r * 1.25;
            write!(out, "M{x:.1},{:.1}l{q},{q}l-{q},{q}l-{q},-{q}z", y - q)
        }
        Some(Kind::PickedUp) => write!(out, "M{x:.1},{:.1}l{},{}h-{}z", y - r * 1.1, r * 1.1, r * 2.0, r * 2.2),
        Some(Kind::Delivered) => write!(out, "M{x:.1},{:.1}l{},-{}h-{}z", y + r * 1.1, r * 1.1, r * 2.0, r * 2.2),
        Some(Kind::Cancelled) => {
            let a = r * 0.45;
            let b = r;
            // A thick X as one polygon.
            write!(
                out,
                "M{:.1},{:.1}l{a},-{a}l{},{}l{},-{}l{a},{a}l-{},{}l{},{}l-{a},{a}l-{},-{}l-{},{}l-{a},-{a}l{},-{}z",
                x - b,
                y - b + a,
                b - a,
                b - a,
                b - a,
                b - a,
                b - a,
                b - a,
                b - a,
                b - a,
                b - a,
                b - a,
                b - a,
                b - a,
                b - a,
                b - a
            )
        }
    };
}

/// CSS class of a kind's colour.
pub fn kind_class(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::Created) => "k0",
        Some(Kind::RiderAssigned) => "k1",
        Some(Kind::PickupReadyRequested) => "k2",
        Some(Kind::PickedUp) => "k3",
        Some(Kind::Delivered) => "k4",
        Some(Kind::Cancelled) => "k5",
        None => "kx",
    }
}

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
    let pick_menu = p.ui.pick.as_ref().map(|pick| pick_menu(l, pick, &p.snap, &layout, &p.ctl));
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
                <Boxes lang={l} ui={p.ui.clone()} snap={p.snap.clone()} layout={layout.clone()} ctl={p.ctl.clone()} part={0} />
                <Boxes lang={l} ui={p.ui.clone()} snap={p.snap2.clone()} layout={layout.clone()} ctl={p.ctl.clone()} part={1} />
                <CutMarks layout={layout.clone()} cuts={Rc::new(p.snap.view.cuts.clone())} />
                <Moving lang={l} snap={p.moving.clone()} layout={layout.clone()} show_control={p.ui.show_control}
                    speed={p.ui.speed()} />
            </svg>
            { pick_menu.unwrap_or_default() }
            <Legend lang={l} show_control={p.ui.show_control} ctl={p.ctl.clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct BoxesProps {
    lang: Lang,
    ui: Rc<State>,
    snap: Snap,
    layout: Rc<Layout>,
    ctl: Ctl,
    /// 0: links, controller, brokers and their logs; 1: everything else. The two halves are
    /// re-rendered on successive frames.
    part: u8,
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

fn txt(x: f64, y: f64, class: &'static str, s: impl Into<String>) -> Html {
    html! { <text x={format!("{x:.1}")} y={format!("{y:.1}")} class={class}>{ s.into() }</text> }
}

#[function_component(Boxes)]
fn boxes(p: &BoxesProps) -> Html {
    let l = p.lang;
    let v = &*p.snap.view;
    let cfg = &*p.snap.cfg;
    let lay = &*p.layout;
    let ctl = &p.ctl;
    let picked_node = match &p.ui.pick {
        Some(Pick::Node(n)) => Some(*n),
        _ => None,
    };
    let hl = p.ui.highlight.as_ref().map(|h| h.delivery).or(p.ui.delivery);
    let name_of = |d: u32| v.delivery_names.get(d as usize).cloned().unwrap_or_default();

    // Links (and cut marks) only change with the topology, the cuts or the pick: a component
    // of their own, so the 10 Hz refresh of the boxes skips them.
    let link_list = Rc::new(links(v, cfg));
    let names: Rc<Vec<String>> = Rc::new(v.nodes.iter().map(|n| n.name.clone()).collect());
    let cuts = Rc::new(v.cuts.clone());
    let link_pick = match &p.ui.pick {
        Some(Pick::Link(a, b)) => Some((*a, *b)),
        _ => None,
    };

    let mut boxes = Vec::new();
    // Log cells of every broker lane: kinds 0..6, 6 = no kind, 7 = empty; plus highlighted cells
    // and cells above the high watermark (faded by an overlay).
    let mut cell_paths: [String; 8] = Default::default();
    let mut hl_cells = String::new();
    let mut fade_cells = String::new();
    let mut letter_html = Vec::new();
    let part = p.part;
    for nv in &v.nodes {
        let id = nv.id;
        let Some(&r) = lay.node.get(id as usize) else { continue };
        let in_part = matches!(nv.role, Role::Broker(_) | Role::Controller) == (part == 0);
        if !in_part {
            continue;
        }
        match nv.role {
            Role::App => {
                let mut body = vec![txt(r.x + 4.0, r.y + HEAD + 8.0, "th", tr(l, "col.deliveries"))];
                for (k, row) in v.app_rows.iter().take(ROWS).enumerate() {
                    let y = r.y + HEAD + 8.0 + (k as f64 + 1.0) * LINE;
                    let is_hl = hl == Some(row.delivery);
                    body.push(html! {
                        <g class={classes!("row", is_hl.then_some("hl"))}>
                            <rect x={format!("{:.1}", r.x + 2.0)} y={format!("{:.1}", y - 9.0)} width={format!("{:.1}", r.w - 4.0)} height="11" class="rowbg" />
                            { txt(r.x + 5.0, y, "cell", name_of(row.delivery)) }
                            { txt(r.x + 52.0, y, "cell", row.status.map(|k| kind_short(l, k)).unwrap_or("—")) }
                            { txt(r.x + r.w - 22.0, y, "cell num", format!("v{}", row.version)) }
                        </g>
                    });
                }
                let outbox: u64 = v.relays.iter().map(|x| x.outbox_len).sum();
                body.push(txt(
                    r.x + 4.0,
                    r.y + r.h - 6.0,
                    "sub",
                    trf(l, "app.outbox", &[("n", &outbox.to_string()), ("d", &v.app_row_count.to_string())]),
                ));
                let refused = v.notices.iter().any(|n| {
                    matches!(n.kind, NoticeKind::Refused { .. } | NoticeKind::AppDown { .. })
                        && v.now_us.saturating_sub(n.t_us) < 300_000
                });
                if refused {
                    body.push(html! { <text x={format!("{:.1}", r.x + r.w - 3.0)} y={format!("{:.1}", r.y + 12.0)} class="refused" text-anchor="end">{ tr(l, "app.refused") }</text> });
                }
                boxes.push(node_box(l, v, id, r, ctl, picked_node == Some(id), html! { <>{ for body }</> }));
            }
            Role::Relay(i) => {
                let body = v.relays.get(i as usize).map(|rv| {
                    html! { <>
                        { txt(r.x + 4.0, r.y + HEAD + 8.0, "sub", trf(l, "relay.pos", &[("s", &rv.saved.to_string()), ("a", &rv.acked.to_string())])) }
                        { txt(r.x + 4.0, r.y + HEAD + 8.0 + LINE, "sub", trf(l, "relay.lag", &[("n", &rv.lag_records.to_string()), ("ms", &rv.lag_ms.to_string())])) }
                    </> }
                });
                boxes.push(node_box(l, v, id, r, ctl, picked_node == Some(id), body.unwrap_or_default()));
            }
            Role::Controller => {
                boxes.push(node_box(l, v, id, r, ctl, picked_node == Some(id), Html::default()));
            }
            Role::Broker(b) => {
                let mut body = Vec::new();
                for (&(pi, bb), lr) in lay.lanes.range((0, 0)..) {
                    if bb != b {
                        continue;
                    }
                    let part = &v.partitions[pi];
                    let Some(rep) = part.replicas.iter().find(|x| x.broker == b) else { continue };
                    let in_isr = part.isr.contains(&b);
                    let max_leo = part.replicas.iter().map(|x| x.leo).max().unwrap_or(0);
                    let base = max_leo.saturating_sub(CELLS);
                    let mark = match rep.role {
                        "leader" => "★",
                        "down" => "✕",
                        _ if in_isr => "·",
                        _ => "∉",
                    };
                    let label = if part.topic == "config" { "cfg".to_string() } else { format!("P{}", part.number) };
                    let x0 = lr.x + 34.0;
                    // Cells go into a few shared paths (one per kind) and one <text> per lane with
                    // a position per letter: a handful of elements instead of three per cell.
                    let mut letters = String::new();
                    let mut letter_x = String::new();
                    for off in base..base + CELLS {
                        let cx = x0 + (off - base) as f64 * CELL_W;
                        let rec = rep.tail.iter().find(|t| t.0 == off);
                        let cell = |out: &mut String| {
                            let _ = write!(out, "M{cx:.1},{:.1}h{:.1}v11h-{:.1}z", lr.y, CELL_W - 1.5, CELL_W - 1.5);
                        };
                        match rec {
                            Some((_, kind, d)) => {
                                let slot = kind.map(|k| k.index()).unwrap_or(6);
                                cell(&mut cell_paths[slot]);
                                if hl.is_some() && *d == hl {
                                    cell(&mut hl_cells);
                                }
                                if off >= rep.hw {
                                    cell(&mut fade_cells);
                                }
                                letters.push_str(kind.map(super::logic::text::kind_code).unwrap_or("·"));
                                let _ = write!(letter_x, "{:.1} ", cx + CELL_W / 2.0 - 0.75);
                            }
                            None => cell(&mut cell_paths[7]),
                        }
                    }
                    if !letters.is_empty() {
                        letter_html.push(html! {
                            <text x={letter_x} y={format!("{:.1}", lr.y + 8.5)} class="cell-letters" text-anchor="middle">{ letters }</text>
                        });
                    }
                    // High watermark: a thick bar before offset hw.
                    let hw_x = x0 + (rep.hw.saturating_sub(base)).min(CELLS) as f64 * CELL_W - 1.0;
                    let hw_bar = (rep.hw >= base).then(|| html! {
                        <line x1={format!("{hw_x:.1}")} x2={format!("{hw_x:.1}")} y1={format!("{:.1}", lr.y - 1.5)} y2={format!("{:.1}", lr.y + 12.5)} class="hw" />
                    });
                    let aria = trf(
                        l,
                        "lane.aria",
                        &[
                            ("p", &label),
                            ("role", rep.role),
                            ("leo", &rep.leo.to_string()),
                            ("hw", &rep.hw.to_string()),
                        ],
                    );
                    body.push(html! {
                        <g class={classes!("lane", (!in_isr).then_some("out-isr"), (rep.role == "leader").then_some("leader"))} aria-label={aria} role="img">
                            { txt(lr.x, lr.y + 9.0, "lane-label", format!("{label} {mark}")) }
                            { hw_bar.unwrap_or_default() }
                            { txt(x0 + CELLS as f64 * CELL_W + 3.0, lr.y + 9.0, "sub", trf(l, "lane.nums", &[("leo", &rep.leo.to_string()), ("hw", &rep.hw.to_string())])) }
                        </g>
                    });
                }
                boxes.push(node_box(l, v, id, r, ctl, picked_node == Some(id), html! { <>{ for body }</> }));
            }
            Role::Db(i) => {
                let Some(db) = v.dbs.get(i as usize) else { continue };
                let mut body = Vec::new();
                if db.differing > 0 {
                    body.push(html! { <text x={format!("{:.1}", r.x + 30.0)} y={format!("{:.1}", r.y + 12.0)} class="differs">{ trf(l, "db.differ", &[("n", &db.differing.to_string())]) }</text> });
                } else {
                    body.push(html! { <text x={format!("{:.1}", r.x + 30.0)} y={format!("{:.1}", r.y + 12.0)} class="same">{ tr(l, "db.same") }</text> });
                }
                for (k, row) in db.rows.iter().take(ROWS).enumerate() {
                    let y = r.y + HEAD + 8.0 + k as f64 * LINE;
                    let is_hl = hl == Some(row.delivery);
                    body.push(html! {
                        <g class={classes!("row", row.differs.then_some("diff"), is_hl.then_some("hl"))}>
                            <rect x={format!("{:.1}", r.x + 2.0)} y={format!("{:.1}", y - 9.0)} width={format!("{:.1}", r.w - 4.0)} height="11" class="rowbg" />
                            { txt(r.x + 5.0, y, "cell", name_of(row.delivery)) }
                            { txt(r.x + 50.0, y, "cell", row.status.map(|k| kind_short(l, k)).unwrap_or("—")) }
                            { txt(r.x + r.w - 30.0, y, "cell num", format!("v{}", row.version)) }
                            if row.differs { { txt(r.x + r.w - 10.0, y, "cell neq", "≠") } }
                        </g>
                    });
                }
                boxes.push(node_box(l, v, id, r, ctl, picked_node == Some(id), html! { <>{ for body }</> }));
            }
            Role::Client => {
                let body = txt(r.x + 4.0, r.y + HEAD + 8.0, "sub", tr(l, "client.sub"));
                boxes.push(node_box(l, v, id, r, ctl, picked_node == Some(id), body));
            }
            Role::Consumer(_) => {}
        }
    }
    // Groups with their members.
    for (g, gv) in v.groups.iter().enumerate().filter(|_| part == 1) {
        let Some(&gr) = lay.groups.get(g) else { continue };
        let mut inner = Vec::new();
        for (m, parts) in &gv.members {
            let Some(&r) = lay.node.get(*m as usize) else { continue };
            let nv = &v.nodes[*m as usize];
            let parts_s = if parts.is_empty() {
                "—".to_string()
            } else {
                parts.iter().map(|p| format!("P{p}")).collect::<Vec<_>>().join(" ")
            };
            let short = nv.name.strip_prefix(&format!("{}-", gv.name)).unwrap_or(&nv.name).to_string();
            let body = html! { <text x={format!("{:.1}", r.x + r.w - 3.0)} y={format!("{:.1}", r.y + 9.0)} class="sub" text-anchor="end">{ format!("→ {parts_s}") }</text> };
            let mut r2 = r;
            r2.h = LINE - 1.0;
            inner.push(member_box(l, v, *m, r2, ctl, picked_node == Some(*m), short, body));
        }
        for (k, (part, committed, lag)) in gv.offsets.iter().enumerate() {
            let y = gr.y + HEAD + gv.members.len() as f64 * LINE + k as f64 * 11.0 + 8.0;
            inner.push(txt(
                gr.x + 4.0,
                y,
                if *lag > 0 { "sub lagging" } else { "sub" },
                trf(
                    l,
                    "group.offset",
                    &[("p", &part.to_string()), ("c", &committed.to_string()), ("lag", &lag.to_string())],
                ),
            ));
        }
        boxes.push(html! {
            <g class={classes!("group", gv.idle.then_some("idle"))}>
                <rect x={format!("{:.1}", gr.x)} y={format!("{:.1}", gr.y)} width={format!("{:.1}", gr.w)} height={format!("{:.1}", gr.h)} rx="4" class="gbox" />
                { txt(gr.x + 4.0, gr.y + 12.0, "title", trf(l, "group.title", &[("g", &gv.name), ("gen", &gv.generation.to_string())])) }
                { for inner }
            </g>
        });
        // Group dbI feeds dbI: a dotted arrow.
        if let Some(db) = v.nodes.iter().find(|n| n.name == gv.name && matches!(n.role, Role::Db(_))) {
            if let Some(&dr) = lay.node.get(db.id as usize) {
                boxes.push(html! { <path d={feed_path(lay, gr, dr)} class="feeds" /> });
            }
        }
    }
    // Dashboard store and servers (last column).
    if let (Some((counts, tracked)), Some(dr), 1) = (v.dashboard, lay.dash, part) {
        let (x, y) = (dr.x, dr.y);
        let mut lines = Vec::new();
        for (k, kind) in Kind::ALL.iter().enumerate() {
            let cx = x + 4.0 + (k % 2) as f64 * 40.0;
            let cy = y + HEAD + 8.0 + (k / 2) as f64 * LINE;
            lines.push(txt(cx, cy, "sub", format!("{} {}", super::logic::text::kind_code(*kind), counts[k])));
        }
        boxes.push(html! {
            <g class="store" role="img" aria-label={trf(l, "dash.aria", &[("n", &tracked.to_string())])}>
                <rect x={format!("{x:.1}")} y={format!("{y:.1}")} width={format!("{:.1}", dr.w)} height={format!("{:.1}", dr.h)} rx="4" class="box" />
                { txt(x + 4.0, y + 12.0, "title", tr(l, "dash.title")) }
                { for lines }
            </g>
        });
        if let Some(dn) = v.nodes.iter().find(|n| n.name == "dashboard") {
            if let Some(&mr) = lay.node.get(dn.id as usize) {
                boxes.push(html! { <path d={feed_path(lay, mr, dr)} class="feeds" /> });
            }
        }
    }
    for ((sid, value), r) in v.servers.iter().zip(lay.servers.iter()).filter(|_| part == 1) {
        let name = v.nodes[*sid as usize].name.clone();
        let val = value.map(|x| x.to_string()).unwrap_or_else(|| "—".into());
        boxes.push(html! {
            <g class="store" role="img" aria-label={format!("{name}: {val}")}>
                <rect x={format!("{:.1}", r.x)} y={format!("{:.1}", r.y)} width={format!("{:.1}", r.w)} height={format!("{:.1}", r.h)} rx="4" class="box" />
                { txt(r.x + 4.0, r.y + 10.0, "title", name) }
                { txt(r.x + 4.0, r.y + 20.0, "sub", trf(l, "server.value", &[("v", &val)])) }
            </g>
        });
    }
    // Partition summary under the brokers: leader, epoch, ISR, HW, and a refusal if recent.
    let mut summary = Vec::new();
    for (pi, part) in v.partitions.iter().enumerate().filter(|_| part == 0) {
        let y = lay.summary_y + pi as f64 * 12.0 + 8.0;
        let label = if part.topic == "config" { "cfg".to_string() } else { format!("P{}", part.number) };
        let leader =
            part.leader.map(|b| format!("broker-{}", b + 1)).unwrap_or_else(|| tr(l, "part.offline").to_string());
        let isr = part.isr.iter().map(|b| (b + 1).to_string()).collect::<Vec<_>>().join(",");
        let refused = v.notices.iter().any(|n| {
            matches!(n.kind, NoticeKind::NotEnoughReplicas { part: q } if q as usize == pi)
                && v.now_us.saturating_sub(n.t_us) < 500_000
        });
        summary.push(html! {
            <g class={classes!("psum", part.leader.is_none().then_some("offline"))}>
                { txt(lay.summary_x, y, "sub", trf(l, "part.summary", &[("p", &label), ("leader", &leader), ("epoch", &part.epoch.to_string()), ("isr", &isr), ("hw", &part.hw.to_string())])) }
                if refused { { txt(lay.summary_x + lay.summary_w - 2.0, y, "refused end", tr(l, "part.refused")) } }
            </g>
        });
    }
    let close = {
        let ctl = ctl.clone();
        Callback::from(move |_: MouseEvent| ctl.dispatch(Ui::Pick(None)))
    };
    if part == 1 {
        return html! { <g class="static rest">{ for boxes }</g> };
    }
    html! {
        <g class="static brokers">
            <rect x="0" y="0" width={lay.w.to_string()} height={format!("{:.0}", lay.h)} class="bg" onclick={close} />
            { for lay.heads.iter().map(|(x, y, key)| txt(*x, *y, "colhead", tr(l, key))) }
            <Links lang={l} layout={p.layout.clone()} links={link_list} names={names.clone()} cuts={cuts} pick={link_pick} ctl={ctl.clone()} />
            { for boxes }
            { for summary }
            <g class="cells" aria-hidden="true">
                { for cell_paths.iter().enumerate().filter(|(_, d)| !d.is_empty()).map(|(i, d)| html! {
                    <path d={d.clone()} class={CELL_CLASSES[i]} />
                }) }
                <path d={fade_cells} class="cell-fade" />
                <path d={hl_cells} class="cell-hl" />
                { for letter_html }
            </g>
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct LinksProps {
    lang: Lang,
    layout: Rc<Layout>,
    links: Rc<Vec<(NodeId, NodeId, bool)>>,
    names: Rc<Vec<String>>,
    cuts: Rc<Vec<(NodeId, NodeId)>>,
    pick: Option<(NodeId, NodeId)>,
    ctl: Ctl,
}

/// The links: click or Enter opens a cut/heal menu. A cut link is red and dashed.
#[function_component(Links)]
fn links_layer(p: &LinksProps) -> Html {
    let l = p.lang;
    let lay = &*p.layout;
    let cut = |a: NodeId, b: NodeId| p.cuts.iter().any(|&(x, y)| (x == a && y == b) || (x == b && y == a));
    let mut out = Vec::new();
    for &(a, b, faint) in p.links.iter() {
        let is_cut = cut(a, b);
        let d = lay.link_path(a, b);
        let (na, nb) = (p.names[a as usize].clone(), p.names[b as usize].clone());
        let (onclick, onkeydown) = pick_handlers(&p.ctl, Pick::Link(a, b));
        let picked = p.pick == Some((a, b));
        let aria = trf(l, if is_cut { "link.aria_cut" } else { "link.aria" }, &[("a", &na), ("b", &nb)]);
        out.push(html! {
            <g class={classes!("link", faint.then_some("faint"), is_cut.then_some("cut"), picked.then_some("picked"))}
                tabindex={if faint { "-1" } else { "0" }} role="button" aria-label={aria} data-link={format!("{na}|{nb}")}
                {onclick} {onkeydown}>
                <path d={d.clone()} class="line" />
                <path d={d} class="hit" />
            </g>
        });
    }
    // Cuts between nodes that have no drawn link (a partition cuts everything) are drawn too.
    for &(a, b) in p.cuts.iter() {
        if a > b && p.cuts.contains(&(b, a)) {
            continue;
        }
        let key = (a.min(b), a.max(b));
        if !p.links.iter().any(|&(x, y, _)| (x, y) == key)
            && (a as usize) < lay.node.len()
            && (b as usize) < lay.node.len()
        {
            out.push(html! { <path d={lay.link_path(a, b)} class="link-cut-extra" /> });
        }
    }
    html! { <g class="links">{ for out }</g> }
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

/// A dotted "feeds" arrow from one box to another (right to left, or top to bottom on phones).
fn feed_path(lay: &Layout, from: Rect, to: Rect) -> String {
    if lay.vertical {
        format!("M{:.1},{:.1}L{:.1},{:.1}", from.x + from.w / 2.0, from.y + from.h, to.x + to.w / 2.0, to.y)
    } else {
        let (x0, y0, x1, y1) = (from.x + from.w, from.cy(), to.x, to.cy());
        format!("M{x0:.1},{y0:.1}C{:.1},{y0:.1} {:.1},{y1:.1} {x1:.1},{y1:.1}", x0 + 20.0, x1 - 20.0)
    }
}

const CELL_CLASSES: [&str; 8] =
    ["cell k0", "cell k1", "cell k2", "cell k3", "cell k4", "cell k5", "cell kx", "cell-empty"];

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

#[derive(Properties, PartialEq)]
struct MovingProps {
    lang: Lang,
    snap: Motion,
    layout: Rc<Layout>,
    show_control: bool,
    speed: f64,
}

/// Messages in flight and recent drops, every frame.
#[function_component(Moving)]
fn moving(p: &MovingProps) -> Html {
    let v = &p.snap;
    let lay = &*p.layout;
    let n = lay.node.len() as NodeId;
    let mut paths: [String; 8] = Default::default();
    // A ring around each message the network duplicated (the extra copy).
    let mut dups = String::new();
    let now = v.now_us as f64;
    for m in v.messages.iter() {
        if m.from >= n || m.to >= n {
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
        if v.now_us.saturating_sub(d.at_us) > window || d.from >= n || d.to >= n {
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
            { for Kind::ALL.iter().map(|k| item(Some(*k), format!("{} {}", super::logic::text::kind_code(*k), super::logic::text::kind_name(l, *k)), kind_class(Some(*k)))) }
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

/// The small menu for a clicked node or link.
fn pick_menu(l: Lang, pick: &Pick, snap: &Snap, lay: &Layout, ctl: &Ctl) -> Html {
    let v = &snap.view;
    let close = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.dispatch(Ui::Pick(None)))
    };
    let act = |label: String, testid: &'static str, action: Action| {
        let ctl = ctl.clone();
        let onclick = Callback::from(move |_| {
            ctl.command(action.clone());
            ctl.dispatch(Ui::Pick(None));
        });
        html! { <button type="button" data-testid={testid} {onclick}>{ label }</button> }
    };
    let (x, y, title, buttons) = match pick {
        Pick::Node(id) => {
            let Some(nv) = v.nodes.get(*id as usize) else { return Html::default() };
            let Some(&r) = lay.node.get(*id as usize) else { return Html::default() };
            let name = nv.name.clone();
            let mut b = Vec::new();
            match nv.status {
                NodeStatus::Crashed => {
                    b.push(act(tr(l, "act.restart").into(), "act-restart", Action::Restart { node: name.clone() }))
                }
                _ => {
                    b.push(act(
                        tr(l, "act.crash").into(),
                        "act-crash",
                        Action::Crash { node: name.clone(), when: None },
                    ));
                    let point = match nv.role {
                        Role::App => Some(CrashPoint::AfterDbCommit),
                        Role::Relay(_) => Some(CrashPoint::AfterPublish),
                        Role::Consumer(_) => Some(CrashPoint::AfterApply),
                        _ => None,
                    };
                    if let Some(pt) = point {
                        let key = match pt {
                            CrashPoint::AfterDbCommit => "act.crash_after_commit",
                            CrashPoint::AfterPublish => "act.crash_after_publish",
                            CrashPoint::AfterApply => "act.crash_after_apply",
                        };
                        b.push(act(
                            tr(l, key).into(),
                            "act-crash-at",
                            Action::Crash { node: name.clone(), when: Some(pt) },
                        ));
                    }
                    b.push(act(
                        tr(l, "act.pause_short").into(),
                        "act-pause-short",
                        Action::Pause { node: name.clone(), for_ms: 300 },
                    ));
                    b.push(act(
                        tr(l, "act.pause").into(),
                        "act-pause",
                        Action::Pause { node: name.clone(), for_ms: 2000 },
                    ));
                }
            }
            if matches!(nv.role, Role::Db(_)) {
                b.push(act(tr(l, "act.wipe").into(), "act-wipe", Action::Wipe { replica: name.clone() }));
            }
            (
                r.x + r.w * 0.5,
                r.y + r.h,
                trf(l, "menu.node", &[("name", &name), ("status", status_text(l, nv.status))]),
                b,
            )
        }
        Pick::Link(a, b) => {
            let (Some(na), Some(nb)) = (v.nodes.get(*a as usize), v.nodes.get(*b as usize)) else {
                return Html::default();
            };
            let (x0, y0) = lay.anchor(*a, *b);
            let (x1, y1) = lay.anchor(*b, *a);
            let is_cut = v.cuts.iter().any(|&(x, y)| (x == *a && y == *b) || (x == *b && y == *a));
            let mut bs = Vec::new();
            if is_cut {
                bs.push(act(
                    tr(l, "act.heal").into(),
                    "act-heal",
                    Action::Heal { from: Some(na.name.clone()), to: Some(nb.name.clone()) },
                ));
            } else {
                bs.push(act(
                    tr(l, "act.cut").into(),
                    "act-cut",
                    Action::Cut { from: na.name.clone(), to: nb.name.clone(), oneway: false },
                ));
                bs.push(act(
                    trf(l, "act.cut_oneway", &[("a", &na.name), ("b", &nb.name)]),
                    "act-cut-oneway",
                    Action::Cut { from: na.name.clone(), to: nb.name.clone(), oneway: true },
                ));
            }
            ((x0 + x1) / 2.0, (y0 + y1) / 2.0 + 6.0, trf(l, "menu.link", &[("a", &na.name), ("b", &nb.name)]), bs)
        }
    };
    let left = (x / lay.w * 100.0).clamp(0.0, 100.0);
    let top = (y / lay.h * 100.0).clamp(0.0, 100.0);
    let align = if left > 60.0 { "right" } else { "left" };
    let style = if align == "right" {
        format!("right:{:.1}%;top:{top:.1}%", 100.0 - left)
    } else {
        format!("left:{left:.1}%;top:{top:.1}%")
    };
    html! {
        <div class="pick-menu" role="dialog" aria-label={title.clone()} data-testid="pick-menu" {style}>
            <div class="pm-head"><strong>{ title }</strong>
                <button type="button" class="x" aria-label={tr(l, "close")} onclick={close}>{ "×" }</button></div>
            <div class="pm-actions">{ for buttons }</div>
        </div>
    }
}
