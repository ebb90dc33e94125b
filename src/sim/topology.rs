//! Who is who: node names and roles (built once, from [`node_roles`]), partitions and their
//! replica placement, consumer groups.
//!
//! The public node names are a contract (scenario files, the history, the CLI): [`NodeRole`]
//! names a node as a reader writes it; [`Role`] is the engine's view of the same node, with its
//! index among the nodes of its kind. [`Topology::new`] walks [`node_roles`], so the names, their
//! order (= node ids) and the roles cannot drift apart.

use super::config::{BusGroups, Config};
use super::history::NodeId;
use super::msg::PartIdx;

/// The role of a node and its index among the nodes of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    App,
    Relay(u32),
    Broker(u32),
    Controller,
    Db(u32),
    /// A consumer (replica group member, dashboard or event-bus server).
    Consumer(u32),
    Client,
}

/// The topic a partition belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// `deliveries`: the delivery events, keyed by delivery id.
    Deliveries,
    /// `config`: the event bus's one-partition topic.
    Config,
}

impl Topic {
    /// The topic's public name.
    pub fn name(self) -> &'static str {
        match self {
            Topic::Deliveries => "deliveries",
            Topic::Config => "config",
        }
    }
}

/// A partition's static facts.
#[derive(Clone, Debug)]
pub struct PartInfo {
    pub topic: Topic,
    /// Partition number within its topic (what the history calls `partition`).
    pub number: u32,
    /// Assigned replicas (broker indices); the first is the preferred leader.
    pub replicas: Vec<u32>,
}

/// A consumer group's static facts.
#[derive(Clone, Debug)]
pub struct GroupInfo {
    pub name: String,
    pub topic: Topic,
    /// Member nodes (consumer indices into `Topology::consumers`).
    pub members: Vec<u32>,
}

/// Who is who: node ids by role, partitions, groups.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    /// Public node names; index = node id.
    pub names: Vec<String>,
    pub roles: Vec<Role>,
    pub app: NodeId,
    pub relays: Vec<NodeId>,
    pub brokers: Vec<NodeId>,
    pub controller: NodeId,
    pub dbs: Vec<NodeId>,
    pub consumers: Vec<NodeId>,
    pub client: NodeId,
    pub dashboard: Option<NodeId>,
    pub servers: Vec<NodeId>,
    pub parts: Vec<PartInfo>,
    /// Partitions of the `deliveries` topic are `0..delivery_parts`.
    pub delivery_parts: u32,
    pub config_part: Option<PartIdx>,
    pub groups: Vec<GroupInfo>,
}

impl Topology {
    /// Builds the topology of a config: nodes in [`node_roles`] order, partitions placed as
    /// Kafka's round-robin assignment does, one group per replica (plus dashboard and servers).
    pub fn new(cfg: &Config) -> Topology {
        let mut t = Topology { delivery_parts: cfg.partitions, ..Default::default() };
        let mut shared = Vec::new();
        for role in node_roles(cfg) {
            let id = t.names.len() as NodeId;
            t.names.push(role.name());
            let role = t.place(cfg, role, id, &mut shared);
            t.roles.push(role);
        }
        if !shared.is_empty() {
            t.groups.push(GroupInfo { name: "servers".into(), topic: Topic::Config, members: shared });
        }
        t.place_partitions(cfg);
        t
    }

    /// Files node `id` under its kind (and its group, for a consumer); returns its engine role.
    fn place(&mut self, cfg: &Config, role: NodeRole, id: NodeId, shared: &mut Vec<u32>) -> Role {
        let consumer = self.consumers.len() as u32;
        let group = |name: String, topic: Topic| GroupInfo { name, topic, members: vec![consumer] };
        match role {
            NodeRole::App => {
                self.app = id;
                Role::App
            }
            NodeRole::Relay(n) => {
                self.relays.push(id);
                Role::Relay(n)
            }
            NodeRole::Broker(n) => {
                self.brokers.push(id);
                Role::Broker(n - 1)
            }
            NodeRole::Controller => {
                self.controller = id;
                Role::Controller
            }
            NodeRole::Db(i) => {
                self.dbs.push(id);
                // Replica group i is group i-1: groups of replicas come first, in db order.
                self.groups.push(GroupInfo { name: format!("db{i}"), topic: Topic::Deliveries, members: Vec::new() });
                Role::Db(i - 1)
            }
            NodeRole::Consumer { db, .. } => {
                self.groups[db as usize - 1].members.push(consumer);
                self.consumers.push(id);
                Role::Consumer(consumer)
            }
            NodeRole::Dashboard => {
                self.groups.push(group("dashboard".into(), Topic::Deliveries));
                self.consumers.push(id);
                self.dashboard = Some(id);
                Role::Consumer(consumer)
            }
            NodeRole::Client => {
                self.client = id;
                Role::Client
            }
            NodeRole::Server(n) => {
                match cfg.bus_groups {
                    BusGroups::PerServer => self.groups.push(group(format!("server-{n}"), Topic::Config)),
                    BusGroups::Shared => shared.push(consumer),
                }
                self.consumers.push(id);
                self.servers.push(id);
                Role::Consumer(consumer)
            }
        }
    }

    /// Replica assignment as Kafka's round-robin placement does it without racks: partition
    /// p's replicas are brokers p, p+1, … (mod N), the first being the preferred leader.
    fn place_partitions(&mut self, cfg: &Config) {
        let n = cfg.brokers.max(1);
        let rf = cfg.replication_factor.min(n).max(1);
        self.parts = (0..cfg.partitions)
            .map(|p| PartInfo { topic: Topic::Deliveries, number: p, replicas: (0..rf).map(|i| (p + i) % n).collect() })
            .collect();
        if cfg.servers > 0 {
            self.parts.push(PartInfo {
                topic: Topic::Config,
                number: 0,
                replicas: (0..rf).map(|i| (i + 1) % n).collect(),
            });
            self.config_part = Some((self.parts.len() - 1) as PartIdx);
        }
    }

    /// The node id of a name.
    pub fn node(&self, name: &str) -> Option<NodeId> {
        self.names.iter().position(|n| n == name).map(|i| i as NodeId)
    }

    /// Partitions of a topic, as flat indices.
    pub fn parts_of(&self, topic: Topic) -> impl Iterator<Item = PartIdx> + '_ {
        self.parts.iter().enumerate().filter(move |(_, p)| p.topic == topic).map(|(i, _)| i as PartIdx)
    }

    /// Nodes that go down with `node`: a replica's consumers run in its process.
    pub fn colocated(&self, node: NodeId) -> Vec<NodeId> {
        let mut v = vec![node];
        if let Role::Db(i) = self.roles[node as usize] {
            v.extend(self.groups[i as usize].members.iter().map(|&m| self.consumers[m as usize]));
        }
        v
    }
}

/// The role of a named node, with its number as it appears in the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeRole {
    /// `app`: the delivery service with its own database and outbox.
    App,
    /// `relay-N`, N in 0..outbox_shards: the CDC relay of outbox shard N.
    Relay(u32),
    /// `broker-N`, N in 1..=brokers.
    Broker(u32),
    /// `controller`: leader election.
    Controller,
    /// `dbI`, I in 1..=replicas: a replica database.
    Db(u32),
    /// `dbI-cJ`: member J (1..=consumers_per_group) of replica I's consumer group.
    Consumer { db: u32, member: u32 },
    /// `dashboard`: the streams aggregation (only when `config.dashboard`).
    Dashboard,
    /// `client`: the reader of the replicas.
    Client,
    /// `server-N`, N in 1..=servers: an event-bus server.
    Server(u32),
}

impl NodeRole {
    /// The public name of the node.
    pub fn name(self) -> String {
        match self {
            NodeRole::App => "app".to_string(),
            NodeRole::Relay(n) => format!("relay-{n}"),
            NodeRole::Broker(n) => format!("broker-{n}"),
            NodeRole::Controller => "controller".to_string(),
            NodeRole::Db(i) => format!("db{i}"),
            NodeRole::Consumer { db, member } => format!("db{db}-c{member}"),
            NodeRole::Dashboard => "dashboard".to_string(),
            NodeRole::Client => "client".to_string(),
            NodeRole::Server(n) => format!("server-{n}"),
        }
    }
}

/// Every node of a config, in the fixed order the engine numbers them: app, relays, brokers,
/// controller, replica dbs, consumers grouped by db, dashboard (if on), client, servers.
pub fn node_roles(config: &Config) -> Vec<NodeRole> {
    let mut roles = vec![NodeRole::App];
    roles.extend((0..config.outbox_shards).map(NodeRole::Relay));
    roles.extend((1..=config.brokers).map(NodeRole::Broker));
    roles.push(NodeRole::Controller);
    roles.extend((1..=config.replicas).map(NodeRole::Db));
    for db in 1..=config.replicas {
        roles.extend((1..=config.consumers_per_group).map(|member| NodeRole::Consumer { db, member }));
    }
    if config.dashboard {
        roles.push(NodeRole::Dashboard);
    }
    roles.push(NodeRole::Client);
    roles.extend((1..=config.servers).map(NodeRole::Server));
    roles
}

/// The public names of [`node_roles`], in the same order (index = node id).
pub fn node_names(config: &Config) -> Vec<String> {
    node_roles(config).into_iter().map(NodeRole::name).collect()
}

/// The role of `name` in this config, or None if no such node exists.
pub fn node_role(config: &Config, name: &str) -> Option<NodeRole> {
    let number = |s: &str| -> Option<u32> {
        // Only canonical numbers: "relay-01" or "db+1" are not node names.
        if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if s.len() > 1 && s.starts_with('0') {
            return None;
        }
        s.parse().ok()
    };
    let role = match name {
        "app" => NodeRole::App,
        "controller" => NodeRole::Controller,
        "client" => NodeRole::Client,
        "dashboard" => NodeRole::Dashboard,
        _ => {
            if let Some(n) = name.strip_prefix("relay-") {
                NodeRole::Relay(number(n)?)
            } else if let Some(n) = name.strip_prefix("broker-") {
                NodeRole::Broker(number(n)?)
            } else if let Some(n) = name.strip_prefix("server-") {
                NodeRole::Server(number(n)?)
            } else if let Some(rest) = name.strip_prefix("db") {
                match rest.split_once("-c") {
                    Some((db, member)) => NodeRole::Consumer { db: number(db)?, member: number(member)? },
                    None => NodeRole::Db(number(rest)?),
                }
            } else {
                return None;
            }
        }
    };
    let exists = match role {
        NodeRole::App | NodeRole::Controller | NodeRole::Client => true,
        NodeRole::Dashboard => config.dashboard,
        NodeRole::Relay(n) => n < config.outbox_shards,
        NodeRole::Broker(n) => (1..=config.brokers).contains(&n),
        NodeRole::Db(i) => (1..=config.replicas).contains(&i),
        NodeRole::Consumer { db, member } => {
            (1..=config.replicas).contains(&db) && (1..=config.consumers_per_group).contains(&member)
        }
        NodeRole::Server(n) => (1..=config.servers).contains(&n),
    };
    exists.then_some(role)
}
#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(f: impl FnOnce(&mut Config)) -> Config {
        let mut c = Config::default();
        f(&mut c);
        c
    }

    // The engine's names are node_names, in the same order: one list, not two.
    #[test]
    fn topology_names_are_node_names() {
        let c = cfg(|c| {
            c.dashboard = true;
            c.servers = 2;
            c.consumers_per_group = 2;
        });
        let t = Topology::new(&c);
        assert_eq!(t.names, node_names(&c));
        assert_eq!(t.names.len(), t.roles.len());
        for (i, name) in t.names.iter().enumerate() {
            assert_eq!(t.node(name), Some(i as NodeId));
        }
    }

    // Consumers are numbered group by group, and each group lists its own members.
    #[test]
    fn groups_list_their_members_in_order() {
        let c = cfg(|c| {
            c.replicas = 2;
            c.consumers_per_group = 2;
            c.servers = 2;
            c.bus_groups = BusGroups::Shared;
            c.dashboard = false;
        });
        let t = Topology::new(&c);
        let names: Vec<&str> = t.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["db1", "db2", "servers"]);
        assert_eq!(t.groups[1].members, vec![2, 3]);
        assert_eq!(t.names[t.consumers[2] as usize], "db2-c1");
        assert_eq!(t.colocated(t.dbs[1]), vec![t.dbs[1], t.consumers[2], t.consumers[3]]);
    }

    // Partition p's replicas start at broker p (round-robin placement), RF capped by brokers.
    #[test]
    fn replicas_are_placed_round_robin() {
        let c = cfg(|c| {
            c.brokers = 3;
            c.partitions = 3;
            c.replication_factor = 5;
        });
        let t = Topology::new(&c);
        assert_eq!(t.parts[1].replicas, vec![1, 2, 0]);
        assert_eq!(t.parts_of(Topic::Deliveries).count(), 3);
        assert_eq!(t.config_part, None);
    }
}
