//! Where the topology draws everything: the node boxes, broker lanes and group boxes of the wide
//! (columns) and narrow (bands) layouts, the anchors and paths of links and messages, and the
//! marker shapes. Pure geometry over a `View`, in viewBox units; the components only draw it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::sim::config::{Config, Publish, WriteMode};
use crate::sim::domain::Kind;
use crate::sim::history::NodeId;
use crate::sim::topology::Role;
use crate::sim::view::{GroupView, View};

/// viewBox width; the height follows the content.
pub const W: f64 = 900.0;
/// viewBox width of the narrow layout.
pub const W_NARROW: f64 = 400.0;
/// Top margin, a table line's height and a box heading's height.
pub const TOP: f64 = 8.0;
pub const LINE: f64 = 12.0;
pub const HEAD: f64 = 17.0;
/// Log cells shown per lane (8 leave room for four-digit "LEO 1234 HW 1230" in the lane), and a
/// cell's width.
pub const CELLS: u64 = 8;
pub const CELL_W: f64 = 13.0;
/// Rows shown per table.
pub const ROWS: usize = 6;
/// The narrowest focus layout, so one small box is not blown up to the whole frame.
const FOCUS_MIN_W: f64 = 240.0;

/// Column x and width.
const COL_APP: (f64, f64) = (4.0, 128.0);
const COL_RELAY: (f64, f64) = (150.0, 84.0);
const COL_BROKER: (f64, f64) = (254.0, 232.0);
const COL_GROUP: (f64, f64) = (506.0, 112.0);
const COL_DB: (f64, f64) = (638.0, 132.0);
const COL_LAST: (f64, f64) = (790.0, 106.0);

/// Box heights: `app` (its table and the outbox line), a relay (two lines), a replica (its
/// table), the client (its last read, two lines), the dashboard's store (three lines).
const APP_H: f64 = HEAD + LINE * (ROWS as f64 + 2.0) + 18.0;
const RELAY_H: f64 = HEAD + 2.0 * LINE + 4.0;
const DB_H: f64 = HEAD + LINE * ROWS as f64 + 4.0;
const CLIENT_H: f64 = HEAD + 2.0 * LINE + 4.0;
const DASH_H: f64 = HEAD + 3.0 * LINE + 4.0;

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    /// The vertical middle.
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }

    /// The bottom edge.
    pub fn bottom(&self) -> f64 {
        self.y + self.h
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

/// The boxes placed so far: each node's box and column, the broker lanes, the group boxes.
struct Placed<'v> {
    v: &'v View,
    node: Vec<Rect>,
    col: Vec<u8>,
    lanes: BTreeMap<(usize, u32), Rect>,
    groups: Vec<Rect>,
}

impl<'v> Placed<'v> {
    fn new(v: &'v View) -> Placed<'v> {
        let n = v.nodes.len();
        Placed { v, node: vec![Rect::default(); n], col: vec![0; n], lanes: BTreeMap::new(), groups: Vec::new() }
    }

    fn put(&mut self, id: NodeId, r: Rect, col: u8) {
        self.node[id as usize] = r;
        self.col[id as usize] = col;
    }

    /// The nodes with a role, in node order.
    fn with_role(&self, f: impl Fn(Role) -> bool) -> Vec<NodeId> {
        self.v.nodes.iter().filter(|n| f(n.role)).map(|n| n.id).collect()
    }

    /// Broker `b`'s box at (x, y) of width `w`, one lane per partition replica it hosts.
    fn broker(&mut self, id: NodeId, b: u32, x: f64, y: f64, w: f64, col: u8) -> Rect {
        let hosted: Vec<usize> = self
            .v
            .partitions
            .iter()
            .enumerate()
            .filter(|(_, p)| p.replicas.iter().any(|r| r.broker == b))
            .map(|(pi, _)| pi)
            .collect();
        let r = Rect { x, y, w, h: HEAD + hosted.len() as f64 * 14.0 + 4.0 };
        for (k, pi) in hosted.iter().enumerate() {
            self.lanes.insert((*pi, b), Rect { x: x + 4.0, y: y + HEAD + k as f64 * 14.0, w: w - 8.0, h: 13.0 });
        }
        self.put(id, r, col);
        r
    }

    /// A consumer group's box at (x, y) of width `w`, one member line per member.
    fn group(&mut self, g: &GroupView, x: f64, y: f64, w: f64, col: u8) -> Rect {
        let h = HEAD + g.members.len() as f64 * LINE + g.offsets.len() as f64 * 11.0 + 4.0;
        let r = Rect { x, y, w, h };
        for (k, (m, _)) in g.members.iter().enumerate() {
            self.put(*m, Rect { x: r.x + 2.0, y: y + HEAD + k as f64 * LINE - 1.0, w: r.w - 4.0, h: LINE }, col);
        }
        self.groups.push(r);
        r
    }

    /// Brokers stacked from `y` (each `gap` below the last); returns the y below them.
    fn brokers(&mut self, mut y: f64, x: f64, w: f64, col: u8) -> f64 {
        for nv in &self.v.nodes {
            if let Role::Broker(b) = nv.role {
                y += self.broker(nv.id, b, x, y, w, col).h + 8.0;
            }
        }
        y
    }

    fn into_layout(self, frame: Frame) -> Layout {
        Layout {
            h: frame.h,
            node: self.node,
            col: self.col,
            groups: self.groups,
            lanes: self.lanes,
            summary_y: frame.summary.0,
            summary_x: frame.summary.1,
            summary_w: frame.summary.2,
            w: frame.w,
            vertical: frame.vertical,
            dash: frame.dash,
            servers: frame.servers,
            heads: frame.heads,
        }
    }
}

/// What a layout adds around the placed boxes.
struct Frame {
    h: f64,
    /// The partition summary's y, x and width.
    summary: (f64, f64, f64),
    w: f64,
    vertical: bool,
    dash: Option<Rect>,
    servers: Vec<Rect>,
    heads: Vec<(f64, f64, &'static str)>,
}

impl Layout {
    /// The wide layout: columns left to right (app, relays, brokers, groups, replicas, the rest).
    pub fn of(v: &View) -> Layout {
        let mut p = Placed::new(v);
        let relays_bottom = wide_app_and_relays(&mut p);
        let mut broker_y = TOP;
        for id in p.with_role(|r| r == Role::Controller) {
            p.put(id, Rect { x: COL_BROKER.0 + 70.0, y: broker_y, w: 110.0, h: 18.0 }, 2);
            broker_y += 26.0;
        }
        // Brokers after the controller.
        let summary_y = p.brokers(broker_y, COL_BROKER.0, COL_BROKER.1, 2) + 4.0;
        let mut gy = TOP;
        for g in &v.groups {
            gy += p.group(g, COL_GROUP.0, gy, COL_GROUP.1, 3).h + 8.0;
        }
        let mut db_y = TOP;
        for id in p.with_role(|r| matches!(r, Role::Db(_))) {
            p.put(id, Rect { x: COL_DB.0, y: db_y, w: COL_DB.1, h: DB_H }, 4);
            db_y += DB_H + 8.0;
        }
        let (dash, servers, last_bottom) = wide_last_column(&mut p);
        let bottoms = [
            summary_y + v.partitions.len() as f64 * 12.0 + 4.0,
            gy,
            db_y,
            last_bottom,
            p.node.first().map(|r| r.bottom() + 8.0).unwrap_or(0.0),
            relays_bottom,
        ];
        let heads = vec![(COL_APP.0, TOP + 10.0, "col.app"), (COL_RELAY.0, TOP + 10.0, "col.relays")];
        let h = bottoms.into_iter().fold(0.0, f64::max) + 6.0;
        let summary = (summary_y, COL_BROKER.0, COL_BROKER.1);
        p.into_layout(Frame { h, summary, w: W, vertical: false, dash, servers, heads })
    }

    /// The narrow layout (phones): app and relays, then brokers, groups, replicas, and the last
    /// column's boxes, each a band across the width.
    pub fn narrow(v: &View) -> Layout {
        let mut p = Placed::new(v);
        let full = W_NARROW - 8.0;
        // Band 0: app and relays side by side.
        let mut y = narrow_app_and_relays(&mut p, TOP + 16.0) + 14.0;
        // Band 1: controller, brokers, partition summary.
        for id in p.with_role(|r| r == Role::Controller) {
            p.put(id, Rect { x: 145.0, y, w: 110.0, h: 18.0 }, 1);
            y += 26.0;
        }
        let summary_y = p.brokers(y, 4.0, full, 1);
        y = summary_y + v.partitions.len() as f64 * 12.0 + 18.0;
        // Band 2: groups, two per row.
        let mut gy = [y, y];
        for (k, g) in v.groups.iter().enumerate() {
            let c = k % 2;
            gy[c] += p.group(g, 4.0 + c as f64 * 200.0, gy[c], 192.0, 2).h + 6.0;
        }
        y = gy[0].max(gy[1]) + 14.0;
        // Band 3: replicas, three per row.
        let mut dy = [y, y, y];
        for (k, id) in p.with_role(|r| matches!(r, Role::Db(_))).into_iter().enumerate() {
            let c = k % 3;
            p.put(id, Rect { x: 4.0 + c as f64 * 132.0, y: dy[c], w: 128.0, h: DB_H }, 3);
            dy[c] += DB_H + 6.0;
        }
        y = dy.iter().copied().fold(0.0, f64::max) + 14.0;
        let (dash, servers, bottom) = narrow_last_band(&mut p, y);
        let heads = vec![(4.0, TOP + 8.0, "col.app"), (206.0, TOP + 8.0, "col.relays")];
        let summary = (summary_y, 4.0, full);
        p.into_layout(Frame { h: bottom + 6.0, summary, w: W_NARROW, vertical: true, dash, servers, heads })
    }

    /// Only the nodes named in `focus` (a tour step's), at the same sizes as [`Layout::of`] but
    /// with the empty columns and rows closed up, so the picture is small enough to be drawn
    /// readable in a blog's frame. A focused consumer brings its whole group box (and an
    /// event-bus server its value box). The other nodes get an empty box ([`Layout::shown`] is
    /// false): nothing draws them, their links or their messages. None when no name is known.
    pub fn focus(v: &View, focus: &[String]) -> Option<Layout> {
        let named = |n: &crate::sim::view::NodeView| focus.contains(&n.name);
        let mut show: Vec<bool> = v.nodes.iter().map(named).collect();
        if !show.contains(&true) {
            return None;
        }
        let group_shown: Vec<bool> =
            v.groups.iter().map(|g| g.members.iter().any(|(m, _)| show[*m as usize])).collect();
        for (g, gv) in v.groups.iter().enumerate() {
            for (m, _) in &gv.members {
                show[*m as usize] |= group_shown[g];
            }
        }
        let mut p = Placed::new(v);
        let mut x = 4.0;
        let mut bottom: f64 = TOP;
        let mut summary = (0.0, 0.0, 0.0);
        let mut col = |p: &mut Placed, width: f64, place: &mut dyn FnMut(&mut Placed, f64) -> f64| {
            let b = place(p, x);
            if b > TOP {
                x += width + 20.0;
                bottom = bottom.max(b);
            }
        };
        let shown_with = |p: &Placed, f: &dyn Fn(Role) -> bool| -> Vec<NodeId> {
            p.with_role(f).into_iter().filter(|id| show[*id as usize]).collect()
        };
        let app = shown_with(&p, &|r| r == Role::App);
        col(&mut p, COL_APP.1, &mut |p, x| stack(p, &app, x, COL_APP.1, APP_H, 0));
        let relays = shown_with(&p, &|r| matches!(r, Role::Relay(_)));
        col(&mut p, COL_RELAY.1, &mut |p, x| stack(p, &relays, x, COL_RELAY.1, RELAY_H, 1));
        let ctrl = shown_with(&p, &|r| r == Role::Controller);
        let brokers: Vec<(NodeId, u32)> = v
            .nodes
            .iter()
            .filter_map(|n| match n.role {
                Role::Broker(b) if show[n.id as usize] => Some((n.id, b)),
                _ => None,
            })
            .collect();
        col(&mut p, COL_BROKER.1, &mut |p, x| {
            let mut y = stack(p, &ctrl, x, 110.0, 18.0, 2);
            for &(id, b) in &brokers {
                y += p.broker(id, b, x, y, COL_BROKER.1, 2).h + 8.0;
            }
            if !brokers.is_empty() {
                summary = (y + 4.0, x, COL_BROKER.1);
                y += 4.0 + v.partitions.len() as f64 * 12.0 + 4.0;
            }
            y
        });
        col(&mut p, COL_GROUP.1, &mut |p, x| {
            let mut y = TOP;
            for (g, gv) in v.groups.iter().enumerate() {
                if group_shown[g] {
                    y += p.group(gv, x, y, COL_GROUP.1, 3).h + 8.0;
                } else {
                    p.groups.push(Rect::default());
                }
            }
            y
        });
        let dbs = shown_with(&p, &|r| matches!(r, Role::Db(_)));
        col(&mut p, COL_DB.1, &mut |p, x| stack(p, &dbs, x, COL_DB.1, DB_H, 4));
        let clients = shown_with(&p, &|r| r == Role::Client);
        let mut dash = None;
        let mut servers = vec![Rect::default(); v.servers.len()];
        col(&mut p, COL_LAST.1, &mut |p, x| {
            let mut y = TOP;
            if v.dashboard.is_some() && v.nodes.iter().any(|n| n.name == "dashboard" && show[n.id as usize]) {
                dash = Some(Rect { x, y, w: COL_LAST.1, h: DASH_H });
                y += DASH_H + 8.0;
            }
            y = stack_from(p, &clients, x, y, COL_LAST.1, CLIENT_H, 5);
            for (k, (sid, _)) in v.servers.iter().enumerate() {
                if show[*sid as usize] {
                    servers[k] = Rect { x, y, w: COL_LAST.1, h: 24.0 };
                    y += 30.0;
                }
            }
            y
        });
        let w = (x - 16.0).max(FOCUS_MIN_W);
        Some(p.into_layout(Frame { h: bottom + 6.0, summary, w, vertical: false, dash, servers, heads: Vec::new() }))
    }

    /// Whether node `id` is drawn (a focus layout leaves the others out).
    pub fn shown(&self, id: NodeId) -> bool {
        self.node.get(id as usize).is_some_and(|r| r.w > 0.0)
    }

    /// Whether two nodes sit in one column of boxes (same band, overlapping across).
    fn stacked(&self, a: NodeId, b: NodeId) -> bool {
        let (ra, rb) = (self.node[a as usize], self.node[b as usize]);
        self.col[a as usize] == self.col[b as usize] && (ra.x < rb.x + rb.w && rb.x < ra.x + ra.w)
    }

    /// The point where a link from `a` towards `b` leaves `a`'s box.
    pub fn anchor(&self, a: NodeId, b: NodeId) -> (f64, f64) {
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

    /// Where a menu pointing at (x, y) goes, as CSS over the topology's box (in % of it): to the
    /// right of the point, or to its left when the point is in the right part of the picture.
    pub fn menu_style(&self, x: f64, y: f64) -> String {
        let left = (x / self.w * 100.0).clamp(0.0, 100.0);
        let top = (y / self.h * 100.0).clamp(0.0, 100.0);
        if left > 60.0 {
            format!("right:{:.1}%;top:{top:.1}%", 100.0 - left)
        } else {
            format!("left:{left:.1}%;top:{top:.1}%")
        }
    }

    /// The link drawn between two nodes, as an SVG path.
    pub fn link_path(&self, a: NodeId, b: NodeId) -> String {
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

/// Boxes of one size stacked in column `col` at `x` from the top; returns the y below them (the
/// top margin when there are none).
fn stack(p: &mut Placed, ids: &[NodeId], x: f64, w: f64, h: f64, col: u8) -> f64 {
    stack_from(p, ids, x, TOP, w, h, col)
}

/// [`stack`] from `y`.
fn stack_from(p: &mut Placed, ids: &[NodeId], x: f64, mut y: f64, w: f64, h: f64, col: u8) -> f64 {
    for &id in ids {
        p.put(id, Rect { x, y, w, h }, col);
        y += h + 8.0;
    }
    y
}

/// The wide layout's first two columns: `app`, and the relays stacked beside it. Returns the y
/// below the relays.
fn wide_app_and_relays(p: &mut Placed) -> f64 {
    for id in p.with_role(|r| r == Role::App) {
        p.put(id, Rect { x: COL_APP.0, y: TOP + 20.0, w: COL_APP.1, h: APP_H }, 0);
    }
    let mut y = TOP + 20.0;
    for id in p.with_role(|r| matches!(r, Role::Relay(_))) {
        p.put(id, Rect { x: COL_RELAY.0, y, w: COL_RELAY.1, h: RELAY_H }, 1);
        y += RELAY_H + 8.0;
    }
    y
}

/// The wide layout's last column: the dashboard's store, the client(s), then the event-bus
/// servers (their member lines are in the group column). Returns the store, the servers and
/// the column's bottom.
fn wide_last_column(p: &mut Placed) -> (Option<Rect>, Vec<Rect>, f64) {
    let v = p.v;
    let mut last_y = TOP;
    if v.dashboard.is_some() {
        last_y += HEAD + 3.0 * LINE + 12.0;
    }
    let mut client_bottom = None;
    for id in p.with_role(|r| r == Role::Client) {
        let r = Rect { x: COL_LAST.0, y: last_y, w: COL_LAST.1, h: CLIENT_H };
        p.put(id, r, 5);
        client_bottom.get_or_insert(r.bottom() + 10.0);
        last_y += CLIENT_H + 8.0;
    }
    let dash = v.dashboard.map(|_| Rect { x: COL_LAST.0, y: TOP, w: COL_LAST.1, h: DASH_H });
    let servers_y = client_bottom.unwrap_or(TOP);
    let servers = (0..v.servers.len())
        .map(|k| Rect { x: COL_LAST.0, y: servers_y + k as f64 * 30.0, w: COL_LAST.1, h: 24.0 })
        .collect();
    (dash, servers, last_y + v.servers.len() as f64 * 30.0)
}

/// The narrow layout's first band from `y`: `app` on the left, the relays stacked on the right.
/// Returns the band's bottom.
fn narrow_app_and_relays(p: &mut Placed, y: f64) -> f64 {
    let mut app_bottom = y;
    for id in p.with_role(|r| r == Role::App) {
        p.put(id, Rect { x: 4.0, y, w: 190.0, h: APP_H }, 0);
        app_bottom = y + APP_H;
    }
    let mut relay_y = y;
    for id in p.with_role(|r| matches!(r, Role::Relay(_))) {
        p.put(id, Rect { x: 206.0, y: relay_y, w: 190.0, h: RELAY_H }, 0);
        relay_y += RELAY_H + 6.0;
    }
    app_bottom.max(relay_y)
}

/// The narrow layout's last band from `y`: the dashboard's store, the client(s) and the servers
/// side by side. Returns the store, the servers and the band's bottom.
fn narrow_last_band(p: &mut Placed, y: f64) -> (Option<Rect>, Vec<Rect>, f64) {
    let v = p.v;
    let dash = v.dashboard.map(|_| Rect { x: 4.0, y, w: 128.0, h: DASH_H });
    let mut bottom = dash.map(|r| r.bottom()).unwrap_or(y);
    for id in p.with_role(|r| r == Role::Client) {
        p.put(id, Rect { x: 136.0, y, w: 128.0, h: CLIENT_H }, 4);
        bottom = bottom.max(y + CLIENT_H);
    }
    let servers: Vec<Rect> =
        (0..v.servers.len()).map(|k| Rect { x: 268.0, y: y + k as f64 * 28.0, w: 128.0, h: 24.0 }).collect();
    if let Some(last) = servers.last() {
        bottom = bottom.max(last.bottom());
    }
    (dash, servers, bottom)
}

/// The links that exist in this topology (undirected, a < b).
pub fn links(v: &View, cfg: &Config) -> Vec<(NodeId, NodeId, bool)> {
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
        if cfg.publish == Publish::DualWrite {
            for &b in &brokers {
                add(a, b, false);
            }
        }
        if cfg.write_mode != WriteMode::ViaBroker {
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
            let d = b - a;
            // A thick X as one polygon.
            write!(
                out,
                "M{:.1},{:.1}l{a},-{a}l{d},{d}l{d},-{d}l{a},{a}l-{d},{d}l{d},{d}l-{a},{a}l-{d},-{d}l-{d},{d}l-{a},-{a}l{d},-{d}z",
                x - b,
                y - b + a
            )
        }
    };
}

/// A dotted "feeds" arrow from one box to another (right to left, or top to bottom on phones).
pub fn feed_path(lay: &Layout, from: Rect, to: Rect) -> String {
    if lay.vertical {
        format!("M{:.1},{:.1}L{:.1},{:.1}", from.x + from.w / 2.0, from.y + from.h, to.x + to.w / 2.0, to.y)
    } else {
        let (x0, y0, x1, y1) = (from.x + from.w, from.cy(), to.x, to.cy());
        format!("M{x0:.1},{y0:.1}C{:.1},{y0:.1} {:.1},{y1:.1} {x1:.1},{y1:.1}", x0 + 20.0, x1 - 20.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Sim;

    fn view_of(name: &str) -> View {
        let s = crate::sim::builtin::get(name).expect("built in");
        Sim::new(s).view()
    }

    fn overlap(a: &Rect, b: &Rect) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    /// Every layout keeps each box inside the viewBox and apart from the other boxes of its
    /// column (a group's members sit inside the group box, apart from each other).
    fn check_boxes(lay: &Layout, v: &View) {
        for (i, r) in lay.node.iter().enumerate() {
            let name = &v.nodes[i].name;
            assert!(r.x >= 0.0 && r.x + r.w <= lay.w, "{name} {r:?} is outside 0..{}", lay.w);
            assert!(r.bottom() <= lay.h, "{name} {r:?} is below the height {}", lay.h);
            for (j, q) in lay.node.iter().enumerate().skip(i + 1) {
                if r.w > 0.0 && q.w > 0.0 {
                    assert!(!overlap(r, q), "{name} {r:?} overlaps {} {q:?}", v.nodes[j].name);
                }
            }
        }
        for (g, gr) in lay.groups.iter().enumerate() {
            for (m, _) in &v.groups[g].members {
                let r = lay.node[*m as usize];
                assert!(r.x >= gr.x && r.x + r.w <= gr.x + gr.w && r.y >= gr.y - 1.0 && r.bottom() <= gr.bottom());
            }
        }
    }

    /// The wide layout of every built-in scenario: boxes in the viewBox, no two overlapping, one
    /// lane per partition replica, the summary below the last broker.
    #[test]
    fn wide_layout_places_every_box() {
        for s in crate::sim::builtin::all() {
            let v = Sim::new(s.clone()).view();
            let lay = Layout::of(&v);
            check_boxes(&lay, &v);
            let replicas: usize = v.partitions.iter().map(|p| p.replicas.len()).sum();
            assert_eq!(lay.lanes.len(), replicas, "{}", s.id);
            let lowest_broker = lay.lanes.values().map(|r| r.bottom()).fold(0.0, f64::max);
            assert!(lay.summary_y > lowest_broker, "{}", s.id);
            assert_eq!((lay.w, lay.vertical), (W, false));
        }
    }

    /// Every tour step's focus layout keeps its boxes apart and inside the viewBox, draws the
    /// named nodes and no other box outside their groups, and stays narrow enough to be drawn
    /// readable in a 800 px frame (at most 420 units across).
    #[test]
    fn focus_layout_draws_only_the_steps_nodes() {
        for s in crate::sim::builtin::all() {
            let v = Sim::new(s.clone()).view();
            for i in 0..s.tour.len() {
                let focus = crate::ui::logic::lessons::step_focus(&s.tour, i);
                let Some(lay) = Layout::focus(&v, &focus) else {
                    panic!(
                        "{}: {:?} names no node of {:?}",
                        s.id,
                        focus,
                        v.nodes.iter().map(|n| &n.name).collect::<Vec<_>>()
                    )
                };
                check_boxes(&lay, &v);
                assert!(lay.w <= 420.0, "{} {:?}: {} units across", s.id, focus, lay.w);
                for n in &v.nodes {
                    let in_group = v.groups.iter().any(|g| g.members.iter().any(|(m, _)| *m == n.id));
                    if focus.contains(&n.name) {
                        assert!(lay.shown(n.id), "{} {}", s.id, n.name);
                    } else if !in_group {
                        assert!(!lay.shown(n.id), "{} {} is not in {:?}", s.id, n.name, focus);
                    }
                }
            }
        }
        assert!(Layout::focus(&view_of("playground"), &["nobody".to_string()]).is_none());
    }

    /// The narrow layout fits 400 units across and stacks its bands downwards.
    #[test]
    fn narrow_layout_stacks_bands() {
        let v = view_of("playground");
        let lay = Layout::narrow(&v);
        check_boxes(&lay, &v);
        assert!(lay.vertical && lay.w == W_NARROW);
        let app = v.nodes.iter().find(|n| n.role == Role::App).expect("app").id;
        let db = v.nodes.iter().find(|n| matches!(n.role, Role::Db(_))).expect("a replica").id;
        assert!(lay.node[db as usize].y > lay.node[app as usize].bottom());
        assert!(lay.h > Layout::of(&v).h, "the bands are taller than the columns");
    }

    /// A message leaves from its sender's anchor and arrives at the receiver's (up to the small
    /// sideways offset that keeps a request and its answer apart).
    #[test]
    fn messages_travel_between_anchors() {
        let v = view_of("playground");
        let lay = Layout::of(&v);
        let (a, b) = (0, (v.nodes.len() - 1) as NodeId);
        let close = |p: (f64, f64), q: (f64, f64)| ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt() <= 2.6;
        assert!(close(lay.along(a, b, 0.0), lay.anchor(a, b)));
        assert!(close(lay.along(a, b, 1.0), lay.anchor(b, a)));
        assert!(lay.link_path(a, b).starts_with('M'));
    }

    /// Dual write adds a link from `app` to every broker; the outbox does not.
    #[test]
    fn dual_write_links_app_to_brokers() {
        let s = crate::sim::builtin::get("playground").expect("built in");
        let v = Sim::new(s.clone()).view();
        let mut cfg = s.config.clone();
        cfg.publish = Publish::Outbox;
        let outbox = links(&v, &cfg).len();
        cfg.publish = Publish::DualWrite;
        let brokers = v.nodes.iter().filter(|n| matches!(n.role, Role::Broker(_))).count();
        assert_eq!(links(&v, &cfg).len(), outbox + brokers);
        assert!(links(&v, &cfg).iter().all(|(a, b, _)| a < b));
    }

    /// A menu opens rightwards from a point in the left 60 % of the picture, leftwards beyond,
    /// and never outside the picture.
    #[test]
    fn menus_open_towards_the_middle() {
        let lay = Layout { w: 900.0, h: 500.0, ..Layout::default() };
        assert_eq!(lay.menu_style(90.0, 50.0), "left:10.0%;top:10.0%");
        assert_eq!(lay.menu_style(810.0, 250.0), "right:10.0%;top:50.0%");
        assert_eq!(lay.menu_style(-5.0, 900.0), "left:0.0%;top:100.0%");
    }

    /// Each event kind has a shape of its own (colour is never the only signal).
    #[test]
    fn each_kind_has_its_own_shape() {
        let mut seen = std::collections::BTreeSet::new();
        for k in Kind::ALL.iter().copied().map(Some).chain([None]) {
            let mut d = String::new();
            shape(&mut d, k, 10.0, 10.0, 4.0);
            assert!(d.starts_with('M') && d.len() > 10, "{d}");
            seen.insert(d);
        }
        assert_eq!(seen.len(), Kind::ALL.len(), "Created and no kind share the circle");
    }
}
