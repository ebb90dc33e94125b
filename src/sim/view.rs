//! A cheap snapshot of a run for rendering: every node with its status and details, every cut
//! link, every message in flight (with send and arrival time so the page can draw it moving),
//! partitions, groups, rows and the checker's results so far. Built on demand, once a frame.

use super::broker::PartRole;
use super::checker::CheckReport;
use super::domain::Kind;
use super::engine::{DropWhy, Notice, Role, Status, Time, Topic};
use super::history::{DeliveryId, NodeId};
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
        let nodes = (0..self.topo.names.len())
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
            .collect();
        let messages = self.messages_in_flight();
        let dropped = self
            .dropped
            .items
            .iter()
            .map(|d| DropView { from: d.from, to: d.to, at_us: d.at, label: d.label, kind: d.kind, why: d.why })
            .collect();
        let partitions = self
            .topo
            .parts
            .iter()
            .enumerate()
            .map(|(p, info)| {
                let m = &self.controller.parts[p];
                let replicas = info
                    .replicas
                    .iter()
                    .map(|&b| {
                        let br = &self.brokers[b as usize];
                        let log = &br.logs[p];
                        let role = if self.status[self.topo.brokers[b as usize] as usize] == Status::Crashed {
                            "down"
                        } else {
                            match br.parts[p].role {
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
                                    super::msg::Payload::Event { kind, delivery, .. } => (Some(kind), Some(delivery)),
                                    _ => (None, None),
                                };
                                ((start + i) as u64, kind, d)
                            })
                            .collect();
                        ReplicaLogView {
                            broker: b,
                            node: self.topo.brokers[b as usize],
                            role,
                            leo: log.leo(),
                            hw: log.hw,
                            tail,
                        }
                    })
                    .collect();
                PartitionView {
                    topic: match info.topic {
                        Topic::Deliveries => "deliveries",
                        Topic::Config => "config",
                    },
                    number: info.number,
                    leader: m.leader,
                    epoch: m.epoch,
                    isr: m.isr.clone(),
                    replicas,
                    hw: self.partition_hw(p as u32),
                }
            })
            .collect();
        let groups = self
            .topo
            .groups
            .iter()
            .enumerate()
            .map(|(g, info)| {
                let st = &self.controller.groups[g];
                let members = info
                    .members
                    .iter()
                    .map(|&ci| {
                        let parts = st
                            .assignment
                            .get(&ci)
                            .map(|v| v.iter().map(|p| self.topo.parts[*p as usize].number).collect())
                            .unwrap_or_default();
                        (self.topo.consumers[ci as usize], parts)
                    })
                    .collect();
                let offsets = self
                    .topo
                    .parts_of(info.topic)
                    .map(|p| {
                        let c = self.controller.offsets[g].get(&p).copied().unwrap_or(0);
                        (self.topo.parts[p as usize].number, c, self.partition_hw(p).saturating_sub(c))
                    })
                    .collect();
                let idle = info.members.iter().all(|&ci| !self.consumers[ci as usize].active);
                GroupView { name: info.name.clone(), generation: st.generation, members, offsets, idle }
            })
            .collect();
        let relays = self
            .relays
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let outbox = &self.app.outbox[i];
                let acked = r.acked_upto.max(r.saved);
                let lag_ms = outbox.get(acked as usize).map(|(t, _)| self.now.saturating_sub(*t) / 1000).unwrap_or(0);
                RelayView {
                    node: self.topo.relays[i],
                    shard: i as u32,
                    saved: r.saved,
                    acked,
                    outbox_len: outbox.len() as u64,
                    lag_records: (outbox.len() as u64).saturating_sub(acked),
                    lag_ms,
                }
            })
            .collect();
        let app_row = |d: usize| self.app.rows.get(d).copied().flatten();
        let n_deliveries = self.names.deliveries.len();
        let recent: Vec<usize> = (0..n_deliveries).rev().filter(|&d| app_row(d).is_some()).take(ROWS_SHOWN).collect();
        let app_rows = recent
            .iter()
            .map(|&d| {
                let r = app_row(d);
                RowView {
                    delivery: d as DeliveryId,
                    status: r.map(|x| x.0),
                    version: r.map(|x| x.1).unwrap_or(0),
                    differs: false,
                }
            })
            .collect();
        let dbs = self
            .dbs
            .iter()
            .enumerate()
            .map(|(i, db)| {
                // Kept up to date by the checker as the run goes (not recounted per frame).
                let differing = self.checker.divergent_of(self.topo.dbs[i]) as usize;
                let rows = recent
                    .iter()
                    .map(|&d| {
                        let r = db.rows.get(&(d as DeliveryId)).copied();
                        RowView {
                            delivery: d as DeliveryId,
                            status: r.map(|x| x.0),
                            version: r.map(|x| x.1).unwrap_or(0),
                            differs: r != app_row(d),
                        }
                    })
                    .collect();
                DbView { node: self.topo.dbs[i], rows, row_count: db.rows.len(), differing }
            })
            .collect();
        View {
            now_us: self.now,
            until_us: self.until,
            finished: self.finished,
            seed: self.scenario.seed,
            scenario: self.scenario.id.clone(),
            trace_hash: self.trace_hash(),
            nodes,
            cuts: self.net.cuts.iter().copied().collect(),
            messages,
            dropped,
            partitions,
            groups,
            relays,
            app_row_count: self.app.rows.iter().filter(|r| r.is_some()).count(),
            app_rows,
            dbs,
            dashboard: self.topo.dashboard.map(|_| (self.dashboard.counts, self.dashboard.latest.len())),
            servers: self.topo.servers.iter().enumerate().map(|(i, &n)| (n, self.server_values[i])).collect(),
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
                (Some(_), Some(h)) => Some(self.now.saturating_sub(h)),
                _ => None,
            },
        }
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
