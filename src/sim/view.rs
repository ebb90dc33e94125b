//! A cheap snapshot of a run for rendering: every node with its status and details, every cut
//! link, every message in flight (with send and arrival time so the page can draw it moving),
//! partitions, groups, rows and the checker's results so far. Built on demand, once a frame.

use super::checker::CheckReport;
use super::domain::Kind;
use super::engine::Status;
use super::history::{DeliveryId, NodeId};
use super::msg::{PartIdx, Payload};
use super::net::{DropWhy, Dropped};
use super::nodes::broker::PartRole;
use super::nodes::consumer::Store;
use super::nodes::Notice;
use super::time::Time;
use super::topology::Role;
use super::world::{Sample, Sim};

/// Status of a node as the page shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeStatus {
    Up,
    Crashed,
    /// Paused until this time (µs).
    Paused(Time),
}

/// One node.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    pub id: NodeId,
    pub name: String,
    pub role: Role,
    pub status: NodeStatus,
    /// An armed crash point, if any (`after_db_commit`, …).
    pub armed: Option<&'static str>,
}

/// A message in flight.
#[derive(Clone, Debug, PartialEq)]
pub struct MsgView {
    pub from: NodeId,
    pub to: NodeId,
    pub sent_us: Time,
    pub arrive_us: Time,
    pub label: &'static str,
    /// The delivery event it carries (for colour), if exactly one.
    pub kind: Option<Kind>,
    /// Data (records, writes, reads) or control traffic (heartbeats, empty fetches).
    pub data: bool,
    /// The delivery it is about, if exactly one (for highlighting).
    pub delivery: Option<DeliveryId>,
    /// The network's extra copy of a duplicated message.
    pub duplicate: bool,
}

/// A recently lost message.
#[derive(Clone, Debug, PartialEq)]
pub struct DropView {
    pub from: NodeId,
    pub to: NodeId,
    pub at_us: Time,
    pub label: &'static str,
    pub kind: Option<Kind>,
    pub why: DropWhy,
}

/// One broker's replica of a partition.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaLogView {
    pub broker: u32,
    pub node: NodeId,
    pub role: &'static str,
    /// Log end offset.
    pub leo: u64,
    /// High watermark as this replica knows it.
    pub hw: u64,
    /// The last records (offset, event kind, delivery), bounded.
    pub tail: Vec<(u64, Option<Kind>, Option<DeliveryId>)>,
}

/// One partition.
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionView {
    pub topic: &'static str,
    pub number: u32,
    /// Leader broker index (None: offline).
    pub leader: Option<u32>,
    pub epoch: u32,
    pub isr: Vec<u32>,
    pub replicas: Vec<ReplicaLogView>,
    /// The leader's high watermark.
    pub hw: u64,
}

/// One consumer group.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupView {
    pub name: String,
    pub generation: u32,
    /// Members: (node, assigned partition numbers).
    pub members: Vec<(NodeId, Vec<u32>)>,
    /// Per partition: (partition number, committed offset, lag = HW - committed).
    pub offsets: Vec<(u32, u64, u64)>,
    pub idle: bool,
}

/// A relay.
#[derive(Clone, Debug, PartialEq)]
pub struct RelayView {
    pub node: NodeId,
    pub shard: u32,
    /// Position saved (durable).
    pub saved: u64,
    /// Everything below is acknowledged by the broker.
    pub acked: u64,
    /// Outbox rows in this shard.
    pub outbox_len: u64,
    /// Records committed and not yet acknowledged.
    pub lag_records: u64,
    /// Age of the oldest unacknowledged record, ms.
    pub lag_ms: u64,
}

/// A row (delivery, status, version).
#[derive(Clone, Debug, PartialEq)]
pub struct RowView {
    pub delivery: DeliveryId,
    pub status: Option<Kind>,
    pub version: u32,
    /// Differs from `app`'s row.
    pub differs: bool,
}

/// A replica database.
#[derive(Clone, Debug, PartialEq)]
pub struct DbView {
    pub node: NodeId,
    pub rows: Vec<RowView>,
    pub row_count: usize,
    pub differing: usize,
}

/// The whole snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub now_us: Time,
    pub until_us: Time,
    pub finished: bool,
    pub seed: u64,
    pub scenario: String,
    pub trace_hash: String,
    pub nodes: Vec<NodeView>,
    /// Cut directions (from, to).
    pub cuts: Vec<(NodeId, NodeId)>,
    pub messages: Vec<MsgView>,
    pub dropped: Vec<DropView>,
    pub partitions: Vec<PartitionView>,
    pub groups: Vec<GroupView>,
    pub relays: Vec<RelayView>,
    /// `app`'s rows (most recent deliveries first, bounded).
    pub app_rows: Vec<RowView>,
    pub app_row_count: usize,
    pub dbs: Vec<DbView>,
    /// Dashboard: counts per status (Kind::ALL order) and deliveries tracked.
    pub dashboard: Option<([u64; 6], usize)>,
    /// Event-bus servers: (node, config value held).
    pub servers: Vec<(NodeId, Option<u32>)>,
    pub check: CheckReport,
    pub samples: Vec<Sample>,
    pub notices: Vec<Notice>,
    pub delivery_names: Vec<String>,
    pub network: (u64, u64, f64, f64),
    /// Time since the last heal or restart, if a fault happened.
    pub since_heal_us: Option<Time>,
}

/// How many rows per table the view carries.
pub const ROWS_SHOWN: usize = 12;
/// How many log records per replica the view carries.
pub const TAIL_SHOWN: usize = 12;

impl Sim {
    /// The snapshot for rendering.
    pub fn view(&self) -> View {
        let recent = self.recent_deliveries();
        View {
            now_us: self.now(),
            until_us: self.until,
            finished: self.finished,
            seed: self.scenario.seed,
            scenario: self.scenario.id.clone(),
            trace_hash: self.trace_hash(),
            nodes: self.node_views(),
            cuts: self.net.cuts().collect(),
            messages: self.messages_in_flight(),
            dropped: self.drop_views(),
            partitions: (0..self.topo.parts.len()).map(|p| self.partition_view(p)).collect(),
            groups: (0..self.topo.groups.len()).map(|g| self.group_view(g)).collect(),
            relays: (0..self.topo.relays.len()).map(|i| self.relay_view(i)).collect(),
            app_row_count: self.app().rows().iter().filter(|r| r.is_some()).count(),
            app_rows: recent.iter().map(|&d| row_view(d, self.app_row(d), false)).collect(),
            dbs: (0..self.topo.dbs.len()).map(|i| self.db_view(i, &recent)).collect(),
            dashboard: self.dashboard_view(),
            servers: self.server_views(),
            check: self.check(),
            samples: self.samples.items.iter().cloned().collect(),
            notices: self.notices.items.iter().rev().take(20).cloned().collect(),
            delivery_names: self.names.deliveries.clone(),
            network: (
                self.cfg.network.latency_ms,
                self.cfg.network.jitter_ms,
                self.cfg.network.drop,
                self.cfg.network.duplicate,
            ),
            since_heal_us: match (self.last_fault_us, self.last_heal_us) {
                (Some(_), Some(h)) => Some(self.now().saturating_sub(h)),
                _ => None,
            },
        }
    }

    fn node_views(&self) -> Vec<NodeView> {
        (0..self.topo.names.len())
            .map(|i| NodeView {
                id: i as NodeId,
                name: self.topo.names[i].clone(),
                role: self.topo.roles[i],
                status: match self.status[i] {
                    Status::Up => NodeStatus::Up,
                    Status::Crashed => NodeStatus::Crashed,
                    Status::Paused { until } => NodeStatus::Paused(until),
                },
                armed: self.armed[i].map(|p| p.as_str()),
            })
            .collect()
    }

    fn drop_views(&self) -> Vec<DropView> {
        let view =
            |d: &Dropped| DropView { from: d.from, to: d.to, at_us: d.at, label: d.label, kind: d.kind, why: d.why };
        self.dropped.items.iter().map(view).collect()
    }

    fn partition_view(&self, p: usize) -> PartitionView {
        let info = &self.topo.parts[p];
        let m = self.controller().part(p);
        PartitionView {
            topic: info.topic.name(),
            number: info.number,
            leader: m.leader,
            epoch: m.epoch,
            isr: m.isr.clone(),
            replicas: info.replicas.iter().map(|&b| self.replica_log_view(b, p)).collect(),
            hw: self.partition_hw(p as u32),
        }
    }

    /// Broker `b`'s replica of partition `p`: its role, offsets and last records.
    fn replica_log_view(&self, b: u32, p: usize) -> ReplicaLogView {
        let br = self.broker(b);
        let node = self.topo.brokers[b as usize];
        let log = br.log(p);
        let role = if self.status[node as usize] == Status::Crashed {
            "down"
        } else {
            match br.role(p) {
                PartRole::Leader => "leader",
                PartRole::Follower { .. } => "follower",
                PartRole::None => "none",
            }
        };
        let start = log.records.len().saturating_sub(TAIL_SHOWN);
        let tail = log.records[start..]
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (kind, d) = match r.payload {
                    Payload::Event { kind, delivery, .. } => (Some(kind), Some(delivery)),
                    _ => (None, None),
                };
                ((start + i) as u64, kind, d)
            })
            .collect();
        ReplicaLogView { broker: b, node, role, leo: log.leo(), hw: log.hw, tail }
    }

    fn group_view(&self, g: usize) -> GroupView {
        let info = &self.topo.groups[g];
        let st = self.controller().group(g);
        let number = |p: &PartIdx| self.topo.parts[*p as usize].number;
        let members = info
            .members
            .iter()
            .map(|&ci| {
                let parts = st.assignment.get(&ci).map(|v| v.iter().map(number).collect()).unwrap_or_default();
                (self.topo.consumers[ci as usize], parts)
            })
            .collect();
        let offsets = self
            .topo
            .parts_of(info.topic)
            .map(|p| {
                let c = self.controller().committed(g, p);
                (number(&p), c, self.partition_hw(p).saturating_sub(c))
            })
            .collect();
        let idle = info.members.iter().all(|&ci| !self.consumer(ci).active);
        GroupView { name: info.name.clone(), generation: st.generation, members, offsets, idle }
    }

    fn relay_view(&self, i: usize) -> RelayView {
        let r = self.relay(i);
        let outbox = self.app().outbox(i);
        let acked = r.acked();
        let lag_ms = outbox.get(acked as usize).map(|(t, _)| self.now().saturating_sub(*t) / 1000).unwrap_or(0);
        RelayView {
            node: self.topo.relays[i],
            shard: i as u32,
            saved: r.saved(),
            acked,
            outbox_len: outbox.len() as u64,
            lag_records: (outbox.len() as u64).saturating_sub(acked),
            lag_ms,
        }
    }

    /// The most recent deliveries with a row at `app` (newest first, bounded).
    fn recent_deliveries(&self) -> Vec<DeliveryId> {
        let n = self.names.deliveries.len() as DeliveryId;
        (0..n).rev().filter(|&d| self.app_row(d).is_some()).take(ROWS_SHOWN).collect()
    }

    fn db_view(&self, i: usize, recent: &[DeliveryId]) -> DbView {
        let rows = self.db_rows(i);
        // Kept up to date by the checker as the run goes (not recounted per frame).
        let differing = self.checker.divergent_of(self.topo.dbs[i]) as usize;
        let shown = recent
            .iter()
            .map(|&d| {
                let r = rows.get(&d).copied();
                row_view(d, r, r != self.app_row(d))
            })
            .collect();
        DbView { node: self.topo.dbs[i], rows: shown, row_count: rows.len(), differing }
    }

    fn dashboard_view(&self) -> Option<([u64; 6], usize)> {
        let node = self.nodes[self.topo.dashboard? as usize].as_consumer()?;
        match &node.store {
            Store::Dashboard(d) => Some((d.counts, d.latest.len())),
            _ => None,
        }
    }

    /// Event-bus servers: (node, config value held).
    pub(crate) fn server_views(&self) -> Vec<(NodeId, Option<u32>)> {
        let value = |n: NodeId| match self.nodes[n as usize].as_consumer().map(|c| &c.store) {
            Some(Store::Server(v)) => *v,
            _ => None,
        };
        self.topo.servers.iter().map(|&n| (n, value(n))).collect()
    }

    /// Messages in flight for drawing, by arrival time (cheaper than a whole view).
    pub fn messages_in_flight(&self) -> Vec<MsgView> {
        self.in_flight_with_dup()
            .into_iter()
            .map(|(from, to, sent, arrive, m, duplicate)| MsgView {
                from,
                to,
                sent_us: sent,
                arrive_us: arrive,
                label: m.label(),
                kind: m.event_kind(),
                data: m.carries_data(),
                delivery: m.delivery(),
                duplicate,
            })
            .collect()
    }

    /// One delivery's events as committed at `app` and as applied/skipped at each replica, in
    /// history order: (node or replica, time µs, event, kind, seq, applied=true/skipped=false).
    pub fn delivery_lanes(&self, delivery: DeliveryId) -> Vec<(NodeId, Time, u64, Kind, u32, bool)> {
        use super::history::Op;
        let mut out = Vec::new();
        let mut kinds = std::collections::BTreeMap::new();
        for r in &self.history {
            match &r.op {
                Op::Commit { event, delivery: d, kind, seq } if *d == delivery => {
                    kinds.insert(*event, (*kind, *seq));
                    out.push((r.node, r.t_us, *event, *kind, *seq, true));
                }
                Op::Apply { replica, event, delivery: d, kind, seq } if *d == delivery => {
                    out.push((*replica, r.t_us, *event, *kind, *seq, true));
                }
                Op::Skip { replica: Some(rep), event, .. } => {
                    if let Some((k, s)) = kinds.get(event) {
                        out.push((*rep, r.t_us, *event, *k, *s, false));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// A row as shown: (status, version) of a delivery, and whether it differs from `app`'s.
fn row_view(delivery: DeliveryId, row: Option<(Kind, u32)>, differs: bool) -> RowView {
    RowView { delivery, status: row.map(|x| x.0), version: row.map(|x| x.1).unwrap_or(0), differs }
}
