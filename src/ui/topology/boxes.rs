//! The topology's boxes, in two layers re-rendered on successive frames: the brokers (with their
//! log lanes, the partition summary and the links) and everything else (app, relays, groups,
//! replicas, the last column).

use std::fmt::Write as _;
use std::rc::Rc;

use yew::prelude::*;

use super::draw::{member_box, node_box, pick_handlers, txt};
use crate::sim::domain::Kind;
use crate::sim::nodes::NoticeKind;
use crate::sim::topology::Role;
use crate::sim::history::{DeliveryId, NodeId};
use crate::sim::view::{GroupView, PartitionView, ReplicaLogView, RowView, View};
use crate::ui::i18n::Lang;
use crate::ui::logic::controls::{last_read, partition_sides, ReadAnswer};
use crate::ui::logic::layout::{feed_path, links, Layout, Rect, CELLS, CELL_W, HEAD, LINE, ROWS};
use crate::ui::logic::state::{Action as Ui, Pick, State};
use crate::ui::logic::status::{Pipeline, Status};
use crate::ui::logic::text::{kind_code, kind_short, tr, trf};
use crate::ui::run::{Ctl, Snap};

#[derive(Properties, PartialEq)]
pub struct BoxesProps {
    pub lang: Lang,
    pub ui: Rc<State>,
    pub snap: Snap,
    pub layout: Rc<Layout>,
    pub ctl: Ctl,
}

/// What every box of a layer needs: the language, the view, the layout, the controller, and
/// what the reader picked or highlighted.
struct Ctx<'a> {
    l: Lang,
    v: &'a View,
    lay: &'a Layout,
    ctl: &'a Ctl,
    picked_node: Option<NodeId>,
    /// The delivery whose rows and log cells are highlighted.
    hl: Option<DeliveryId>,
    /// A network partition's side of each node (0: none), when the cuts form one.
    sides: Option<Vec<u8>>,
}

impl<'a> Ctx<'a> {
    fn of(p: &'a BoxesProps) -> Ctx<'a> {
        let picked_node = match &p.ui.pick {
            Some(Pick::Node(n)) => Some(*n),
            _ => None,
        };
        let hl = p.ui.highlight.as_ref().map(|h| h.delivery).or(p.ui.delivery);
        let sides = partition_sides(p.snap.view.nodes.len(), &p.snap.view.cuts);
        Ctx { l: p.lang, v: &p.snap.view, lay: &p.layout, ctl: &p.ctl, picked_node, hl, sides }
    }

    fn node_box(&self, id: NodeId, r: Rect, body: Html) -> Html {
        self.on_side(id, r, node_box(self.l, self.v, id, r, self.ctl, self.picked_node == Some(id), body))
    }

    /// A box on one side of a partition: outlined in its side's colour and tagged with its
    /// letter (the colour is never the only sign).
    fn on_side(&self, id: NodeId, r: Rect, boxed: Html) -> Html {
        let side = self.sides.as_ref().and_then(|s| s.get(id as usize).copied()).unwrap_or(0);
        if side == 0 {
            return boxed;
        }
        let letter = char::from(b'A' + (side - 1).min(25)).to_string();
        html! {
            <g class={format!("side side-{}", side.min(3))} data-side={letter.clone()}>
                { boxed }
                <text x={format!("{:.1}", r.x + r.w - 3.0)} y={format!("{:.1}", r.bottom() - 3.0)} class="side-tag" text-anchor="end">{ letter }</text>
            </g>
        }
    }

    fn name_of(&self, d: DeliveryId) -> String {
        self.v.delivery_names.get(d as usize).cloned().unwrap_or_default()
    }
}

/// The log cells of every broker lane, gathered into a few shared paths (one per kind, 6 = no
/// kind, 7 = empty), the highlighted cells, the cells above the high watermark (faded by an
/// overlay) and one `<text>` of letters per lane: a handful of elements instead of three a cell.
#[derive(Default)]
struct Cells {
    paths: [String; 8],
    hl: String,
    fade: String,
    letters: Vec<Html>,
}

const CELL_CLASSES: [&str; 8] =
    ["cell k0", "cell k1", "cell k2", "cell k3", "cell k4", "cell k5", "cell kx", "cell-empty"];

impl Cells {
    /// Adds the last [`CELLS`] offsets of one replica's log, drawn from `x0` on lane `lr`.
    fn lane(&mut self, rep: &ReplicaLogView, base: u64, x0: f64, lr: Rect, hl: Option<DeliveryId>) {
        let mut letters = String::new();
        let mut letter_x = String::new();
        for off in base..base + CELLS {
            let cx = x0 + (off - base) as f64 * CELL_W;
            let cell = |out: &mut String| {
                let _ = write!(out, "M{cx:.1},{:.1}h{:.1}v11h-{:.1}z", lr.y, CELL_W - 1.5, CELL_W - 1.5);
            };
            let Some((_, kind, d)) = rep.tail.iter().find(|t| t.0 == off) else {
                cell(&mut self.paths[7]);
                continue;
            };
            cell(&mut self.paths[kind.map(|k| k.index()).unwrap_or(6)]);
            if hl.is_some() && *d == hl {
                cell(&mut self.hl);
            }
            if off >= rep.hw {
                cell(&mut self.fade);
            }
            letters.push_str(kind.map(kind_code).unwrap_or("·"));
            let _ = write!(letter_x, "{:.1} ", cx + CELL_W / 2.0 - 0.75);
        }
        if !letters.is_empty() {
            self.letters.push(html! {
                <text x={letter_x} y={format!("{:.1}", lr.y + 8.5)} class="cell-letters" text-anchor="middle">{ letters }</text>
            });
        }
    }

    fn view(self) -> Html {
        html! {
            <g class="cells" aria-hidden="true">
                { for self.paths.iter().enumerate().filter(|(_, d)| !d.is_empty()).map(|(i, d)| html! {
                    <path d={d.clone()} class={CELL_CLASSES[i]} />
                }) }
                <path d={self.fade} class="cell-fade" />
                <path d={self.hl} class="cell-hl" />
                { for self.letters }
            </g>
        }
    }
}

/// A partition's short label: `P0`, or `cfg` for the config topic.
fn partition_label(part: &PartitionView) -> String {
    if part.topic == "config" {
        "cfg".to_string()
    } else {
        format!("P{}", part.number)
    }
}

/// The brokers' layer: the background (a click there closes a menu), column headings, links,
/// the controller and brokers with their log lanes, and the partition summary.
#[function_component(BrokerLayer)]
pub fn broker_layer(p: &BoxesProps) -> Html {
    let c = Ctx::of(p);
    let (l, v, lay) = (c.l, c.v, c.lay);
    let mut cells = Cells::default();
    let mut boxes = Vec::new();
    for nv in &v.nodes {
        let Some(&r) = lay.node.get(nv.id as usize).filter(|r| r.w > 0.0) else { continue };
        match nv.role {
            Role::Controller => boxes.push(c.node_box(nv.id, r, Html::default())),
            Role::Broker(b) => boxes.push(c.node_box(nv.id, r, broker_lanes(&c, b, &mut cells))),
            _ => {}
        }
    }
    let summary = v.partitions.iter().enumerate().filter(|_| lay.summary_w > 0.0).map(|(pi, part)| partition_summary(&c, pi, part));
    let close = {
        let ctl = c.ctl.clone();
        Callback::from(move |_: MouseEvent| ctl.dispatch(Ui::Pick(None)))
    };
    // Links only change with the topology, the cuts or the pick: a component of their own, so
    // the 10 Hz refresh of the boxes skips them.
    let link_pick = match &p.ui.pick {
        Some(Pick::Link(a, b)) => Some((*a, *b)),
        _ => None,
    };
    let names: Rc<Vec<String>> = Rc::new(v.nodes.iter().map(|n| n.name.clone()).collect());
    html! {
        <g class="static brokers">
            <rect x="0" y="0" width={lay.w.to_string()} height={format!("{:.0}", lay.h)} class="bg" onclick={close} />
            { for lay.heads.iter().map(|(x, y, key)| txt(*x, *y, "colhead", tr(l, key))) }
            <Links lang={l} layout={p.layout.clone()} links={Rc::new(links(v, &p.snap.cfg))} names={names}
                cuts={Rc::new(v.cuts.clone())} pick={link_pick} ctl={c.ctl.clone()} />
            { for boxes }
            { for summary }
            { cells.view() }
        </g>
    }
}

/// Broker `b`'s lanes, one per partition replica it hosts: label and role mark, the high
/// watermark bar, LEO and HW; its log cells go into `cells`.
fn broker_lanes(c: &Ctx, b: u32, cells: &mut Cells) -> Html {
    let l = c.l;
    let mut body = Vec::new();
    for (&(pi, _), lr) in c.lay.lanes.iter().filter(|((_, bb), _)| *bb == b) {
        let part = &c.v.partitions[pi];
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
        let label = partition_label(part);
        let x0 = lr.x + 34.0;
        cells.lane(rep, base, x0, *lr, c.hl);
        // High watermark: a thick bar before offset hw.
        let hw_x = x0 + (rep.hw.saturating_sub(base)).min(CELLS) as f64 * CELL_W - 1.0;
        let hw_bar = (rep.hw >= base).then(|| html! {
            <line x1={format!("{hw_x:.1}")} x2={format!("{hw_x:.1}")} y1={format!("{:.1}", lr.y - 1.5)} y2={format!("{:.1}", lr.y + 12.5)} class="hw" />
        });
        let (leo, hw) = (rep.leo.to_string(), rep.hw.to_string());
        let aria = trf(l, "lane.aria", &[("p", &label), ("role", rep.role), ("leo", &leo), ("hw", &hw)]);
        body.push(html! {
            <g class={classes!("lane", (!in_isr).then_some("out-isr"), (rep.role == "leader").then_some("leader"))} aria-label={aria} role="img">
                { txt(lr.x, lr.y + 9.0, "lane-label", format!("{label} {mark}")) }
                { hw_bar.unwrap_or_default() }
                { txt(x0 + CELLS as f64 * CELL_W + 3.0, lr.y + 9.0, "sub", trf(l, "lane.nums", &[("leo", &leo), ("hw", &hw)])) }
            </g>
        });
    }
    html! { <>{ for body }</> }
}

/// One line of the partition summary under the brokers: leader, epoch, ISR, HW, and a refusal
/// if one is recent.
fn partition_summary(c: &Ctx, pi: usize, part: &PartitionView) -> Html {
    let (l, v, lay) = (c.l, c.v, c.lay);
    let y = lay.summary_y + pi as f64 * 12.0 + 8.0;
    let label = partition_label(part);
    let leader = part.leader.map(|b| format!("broker-{}", b + 1)).unwrap_or_else(|| tr(l, "part.offline").to_string());
    let isr = part.isr.iter().map(|b| (b + 1).to_string()).collect::<Vec<_>>().join(",");
    let refused = v.notices.iter().any(|n| {
        matches!(n.kind, NoticeKind::NotEnoughReplicas { part: q } if q as usize == pi)
            && v.now_us.saturating_sub(n.t_us) < 500_000
    });
    let (epoch, hw) = (part.epoch.to_string(), part.hw.to_string());
    let text =
        trf(l, "part.summary", &[("p", &label), ("leader", &leader), ("epoch", &epoch), ("isr", &isr), ("hw", &hw)]);
    html! {
        <g class={classes!("psum", part.leader.is_none().then_some("offline"))}>
            { txt(lay.summary_x, y, "sub", text) }
            if refused { { txt(lay.summary_x + lay.summary_w - 2.0, y, "refused end", tr(l, "part.refused")) } }
        </g>
    }
}

/// Everything but the brokers: app, relays, replicas and the client in node order, then the
/// consumer groups, the dashboard's store and the event-bus servers.
#[function_component(OtherBoxes)]
pub fn other_boxes(p: &BoxesProps) -> Html {
    let c = Ctx::of(p);
    let mut boxes = Vec::new();
    for nv in &c.v.nodes {
        let Some(&r) = c.lay.node.get(nv.id as usize).filter(|r| r.w > 0.0) else { continue };
        let body = match nv.role {
            Role::App => app_body(&c, r),
            Role::Relay(i) => relay_body(&c, i, r),
            Role::Db(i) => match c.v.dbs.get(i as usize) {
                Some(db) => db_body(&c, &db.rows, db.differing, r),
                None => continue,
            },
            Role::Client => client_body(&c, last_read(p.ctl.engine().sim.history()), r),
            Role::Controller | Role::Broker(_) | Role::Consumer(_) => continue,
        };
        boxes.push(c.node_box(nv.id, r, body));
    }
    for (g, gv) in c.v.groups.iter().enumerate() {
        if let Some(&gr) = c.lay.groups.get(g).filter(|r| r.w > 0.0) {
            group_box(&c, gv, gr, &mut boxes);
        }
    }
    dashboard_box(&c, &mut boxes);
    for ((sid, value), r) in c.v.servers.iter().zip(c.lay.servers.iter()).filter(|(_, r)| r.w > 0.0) {
        boxes.push(server_box(&c, *sid, *value, *r));
    }
    html! { <g class="static rest">{ for boxes }</g> }
}

/// `app`'s deliveries table, its outbox line, and "refused" while a write was just refused.
fn app_body(c: &Ctx, r: Rect) -> Html {
    let (l, v) = (c.l, c.v);
    let mut body = vec![txt(r.x + 4.0, r.y + HEAD + 8.0, "th", tr(l, "col.deliveries"))];
    for (k, row) in v.app_rows.iter().take(ROWS).enumerate() {
        let y = r.y + HEAD + 8.0 + (k as f64 + 1.0) * LINE;
        let is_hl = c.hl == Some(row.delivery);
        body.push(html! {
            <g class={classes!("row", is_hl.then_some("hl"))}>
                <rect x={format!("{:.1}", r.x + 2.0)} y={format!("{:.1}", y - 9.0)} width={format!("{:.1}", r.w - 4.0)} height="11" class="rowbg" />
                { txt(r.x + 5.0, y, "cell", c.name_of(row.delivery)) }
                { txt(r.x + 52.0, y, "cell", row.status.map(|k| kind_short(l, k)).unwrap_or("—")) }
                { txt(r.x + r.w - 22.0, y, "cell num", format!("v{}", row.version)) }
            </g>
        });
    }
    let outbox: u64 = v.relays.iter().map(|x| x.outbox_len).sum();
    // Two lines: with thousands of rows one line would not fit the box.
    body.push(txt(r.x + 4.0, r.y + r.h - 6.0 - LINE, "sub", trf(l, "app.outbox", &[("n", &outbox.to_string())])));
    body.push(txt(r.x + 4.0, r.y + r.h - 6.0, "sub", trf(l, "app.deliveries", &[("d", &v.app_row_count.to_string())])));
    let refused = v.notices.iter().any(|n| {
        matches!(n.kind, NoticeKind::Refused { .. } | NoticeKind::AppDown { .. }) && v.now_us.saturating_sub(n.t_us) < 300_000
    });
    if refused {
        body.push(html! { <text x={format!("{:.1}", r.x + r.w - 3.0)} y={format!("{:.1}", r.y + 12.0)} class="refused" text-anchor="end">{ tr(l, "app.refused") }</text> });
    }
    html! { <>{ for body }</> }
}

/// What the client does, or the answer of its last read: the delivery, the version read and
/// whether it is fresh, stale (older than the acknowledged version) or refused.
fn client_body(c: &Ctx, read: Option<ReadAnswer>, r: Rect) -> Html {
    let y0 = r.y + HEAD + 8.0;
    let Some(a) = read else { return txt(r.x + 4.0, y0, "sub", tr(c.l, "client.sub")) };
    let (d, v, latest) = (c.name_of(a.delivery), a.version.to_string(), a.latest.to_string());
    let args = [("d", d.as_str()), ("v", v.as_str()), ("latest", latest.as_str())];
    let verdict = a.verdict();
    let (first, second) = match verdict {
        "fresh" => (trf(c.l, "client.read", &args), trf(c.l, "client.read_fresh", &args)),
        "stale" => (trf(c.l, "client.read", &args), trf(c.l, "client.read_stale", &args)),
        _ => (trf(c.l, "client.read_refused", &args), String::new()),
    };
    let (x, y) = (format!("{:.1}", r.x + 4.0), format!("{:.1}", y0 + LINE));
    html! { <g data-testid="read-answer" data-verdict={verdict}>
        { txt(r.x + 4.0, y0, "sub", first) }
        <text {x} {y} class={classes!("sub", "read", verdict)}>{ second }</text>
    </g> }
}

/// A relay's saved/acked position and its lag.
fn relay_body(c: &Ctx, i: u32, r: Rect) -> Html {
    let l = c.l;
    let Some(rv) = c.v.relays.get(i as usize) else { return Html::default() };
    let pos = trf(l, "relay.pos", &[("s", &rv.saved.to_string()), ("a", &rv.acked.to_string())]);
    let lag = trf(l, "relay.lag", &[("n", &rv.lag_records.to_string()), ("ms", &rv.lag_ms.to_string())]);
    html! { <>
        { txt(r.x + 4.0, r.y + HEAD + 8.0, "sub", pos) }
        { txt(r.x + 4.0, r.y + HEAD + 8.0 + LINE, "sub", lag) }
    </> }
}

/// A replica's verdict and its rows, differences marked. The verdict follows [`Status`]: rows
/// not yet equal while events are on their way read as catching up (neutral); as differing (an
/// alarm) only once nothing more can arrive.
fn db_body(c: &Ctx, rows: &[RowView], differing: usize, r: Rect) -> Html {
    let l = c.l;
    let (x, y) = (format!("{:.1}", r.x + 30.0), format!("{:.1}", r.y + 12.0));
    let status = Status::judge(differing as u64, Pipeline::of(c.v));
    let n = differing.to_string();
    let (class, text, row_class) = match status {
        Status::Converged => ("same", tr(l, "db.same").to_string(), "diff"),
        Status::CatchingUp { .. } => ("behind", trf(l, "db.behind", &[("n", &n)]), "behind"),
        Status::Diverged { .. } => ("differs", trf(l, "db.differ", &[("n", &n)]), "diff"),
    };
    let mut body = vec![html! { <text {x} {y} class={class} data-status={status.class()}>{ text }</text> }];
    for (k, row) in rows.iter().take(ROWS).enumerate() {
        let y = r.y + HEAD + 8.0 + k as f64 * LINE;
        let is_hl = c.hl == Some(row.delivery);
        body.push(html! {
            <g class={classes!("row", row.differs.then_some(row_class), is_hl.then_some("hl"))}>
                <rect x={format!("{:.1}", r.x + 2.0)} y={format!("{:.1}", y - 9.0)} width={format!("{:.1}", r.w - 4.0)} height="11" class="rowbg" />
                { txt(r.x + 5.0, y, "cell", c.name_of(row.delivery)) }
                { txt(r.x + 50.0, y, "cell", row.status.map(|k| kind_short(l, k)).unwrap_or("—")) }
                { txt(r.x + r.w - 30.0, y, "cell num", format!("v{}", row.version)) }
                if row.differs { { txt(r.x + r.w - 10.0, y, if status.alarm() { "cell neq" } else { "cell lag" }, if status.alarm() { "≠" } else { "…" }) } }
            </g>
        });
    }
    html! { <>{ for body }</> }
}

/// A consumer group's box (members with their partitions, committed offsets and lag), and the
/// dotted arrow from group dbI to replica dbI.
fn group_box(c: &Ctx, gv: &GroupView, gr: Rect, out: &mut Vec<Html>) {
    let (l, v, lay) = (c.l, c.v, c.lay);
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
        let r2 = Rect { h: LINE - 1.0, ..r };
        inner.push(c.on_side(*m, r2, member_box(l, v, *m, r2, c.ctl, c.picked_node == Some(*m), short, body)));
    }
    for (k, (part, committed, lag)) in gv.offsets.iter().enumerate() {
        let y = gr.y + HEAD + gv.members.len() as f64 * LINE + k as f64 * 11.0 + 8.0;
        let text = trf(l, "group.offset", &[("p", &part.to_string()), ("c", &committed.to_string()), ("lag", &lag.to_string())]);
        inner.push(txt(gr.x + 4.0, y, if *lag > 0 { "sub lagging" } else { "sub" }, text));
    }
    let title = trf(l, "group.title", &[("g", &gv.name), ("gen", &gv.generation.to_string())]);
    out.push(html! {
        <g class={classes!("group", gv.idle.then_some("idle"))}>
            <rect x={format!("{:.1}", gr.x)} y={format!("{:.1}", gr.y)} width={format!("{:.1}", gr.w)} height={format!("{:.1}", gr.h)} rx="4" class="gbox" />
            { txt(gr.x + 4.0, gr.y + 12.0, "title", title) }
            { for inner }
        </g>
    });
    if let Some(db) = v.nodes.iter().find(|n| n.name == gv.name && matches!(n.role, Role::Db(_))) {
        if let Some(&dr) = lay.node.get(db.id as usize).filter(|r| r.w > 0.0) {
            out.push(html! { <path d={feed_path(lay, gr, dr)} class="feeds" /> });
        }
    }
}

/// The dashboard's store (a count per event kind), fed by its member line in the group column.
fn dashboard_box(c: &Ctx, out: &mut Vec<Html>) {
    let (l, v, lay) = (c.l, c.v, c.lay);
    let (Some((counts, tracked)), Some(dr)) = (v.dashboard, lay.dash) else { return };
    let (x, y) = (dr.x, dr.y);
    let lines = Kind::ALL.iter().enumerate().map(|(k, kind)| {
        let cx = x + 4.0 + (k % 2) as f64 * 40.0;
        let cy = y + HEAD + 8.0 + (k / 2) as f64 * LINE;
        txt(cx, cy, "sub", format!("{} {}", kind_code(*kind), counts[k]))
    });
    out.push(html! {
        <g class="store" role="img" aria-label={trf(l, "dash.aria", &[("n", &tracked.to_string())])}>
            <rect x={format!("{x:.1}")} y={format!("{y:.1}")} width={format!("{:.1}", dr.w)} height={format!("{:.1}", dr.h)} rx="4" class="box" />
            { txt(x + 4.0, y + 12.0, "title", tr(l, "dash.title")) }
            { for lines }
        </g>
    });
    if let Some(dn) = v.nodes.iter().find(|n| n.name == "dashboard") {
        if let Some(&mr) = lay.node.get(dn.id as usize).filter(|r| r.w > 0.0) {
            out.push(html! { <path d={feed_path(lay, mr, dr)} class="feeds" /> });
        }
    }
}

/// An event-bus server's box and the value it holds.
fn server_box(c: &Ctx, sid: NodeId, value: Option<u32>, r: Rect) -> Html {
    let name = c.v.nodes[sid as usize].name.clone();
    let val = value.map(|x| x.to_string()).unwrap_or_else(|| "—".into());
    html! {
        <g class="store" role="img" aria-label={format!("{name}: {val}")}>
            <rect x={format!("{:.1}", r.x)} y={format!("{:.1}", r.y)} width={format!("{:.1}", r.w)} height={format!("{:.1}", r.h)} rx="4" class="box" />
            { txt(r.x + 4.0, r.y + 10.0, "title", name) }
            { txt(r.x + 4.0, r.y + 20.0, "sub", trf(c.l, "server.value", &[("v", &val)])) }
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
    for &(a, b, faint) in p.links.iter().filter(|&&(a, b, _)| lay.shown(a) && lay.shown(b)) {
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
    // Cuts between nodes that have no drawn link are drawn too, unless they form a partition:
    // that is drawn as its sides (each box tagged), not as dozens of lines.
    let partitioned = partition_sides(lay.node.len(), &p.cuts).is_some();
    for &(a, b) in p.cuts.iter().filter(|_| !partitioned) {
        if a > b && p.cuts.contains(&(b, a)) {
            continue;
        }
        let key = (a.min(b), a.max(b));
        if !p.links.iter().any(|&(x, y, _)| (x, y) == key)
            && lay.shown(a)
            && lay.shown(b)
        {
            out.push(html! { <path d={lay.link_path(a, b)} class="link-cut-extra" /> });
        }
    }
    html! { <g class="links">{ for out }</g> }
}
