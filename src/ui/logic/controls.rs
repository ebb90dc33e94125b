//! What the fire and faults tabs send: the deliveries offered, the read a mode stands for, the
//! network command of a slider and the node groups of the one-click partitions.

use crate::sim::command::{Action, Command};
use crate::sim::config::ReadMode;
use crate::sim::history::{DeliveryId, NodeId, Op, Rec};
use crate::sim::time::{Time, MS};
use crate::sim::topology::Role;

/// Most deliveries the fire tab offers besides a new one.
const RECENT: usize = 40;

/// The deliveries to choose from, newest first: the [`RECENT`] most recent of `count`, and the
/// chosen one first if it is older.
pub fn recent_deliveries(count: usize, chosen: Option<DeliveryId>) -> Vec<DeliveryId> {
    let mut recent: Vec<DeliveryId> = (0..count as DeliveryId).rev().take(RECENT).collect();
    if let Some(d) = chosen {
        if !recent.contains(&d) {
            recent.insert(0, d);
        }
    }
    recent
}

/// Until when (ms) traffic runs at `now`: the latest end of the `traffic` commands running then
/// (the scenario's own, like the playground's 20 deliveries a second, and the page's). None: no
/// traffic runs. This is what the traffic button shows, whoever started the traffic.
pub fn traffic_until_ms(commands: &[Command], now: Time) -> Option<u64> {
    commands
        .iter()
        .filter_map(|c| match c.action {
            Action::Traffic { for_ms, .. } => Some((c.at_ms, c.at_ms + for_ms)),
            _ => None,
        })
        .filter(|&(from, until)| from * MS <= now && now < until * MS)
        .map(|(_, until)| until)
        .max()
}

/// Ends every `traffic` command running at `now` there (its length cut to now, rounded up to a
/// whole ms): replayed from the start, the run is the same up to now and starts no delivery
/// after. The model has no "stop traffic" command; a shortened command is one a scenario file
/// can hold, so a share link keeps the stop. Returns whether any command was cut.
pub fn cut_traffic(commands: &mut [Command], now: Time) -> bool {
    let mut cut = false;
    for c in commands.iter_mut() {
        if let Action::Traffic { for_ms, .. } = &mut c.action {
            let (from, until) = (c.at_ms * MS, (c.at_ms + *for_ms) * MS);
            if from <= now && now < until {
                *for_ms = now.saturating_sub(from).div_ceil(MS).max(1);
                cut = true;
            }
        }
    }
    cut
}

/// The answer of the client's last read, as its box shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadAnswer {
    pub delivery: DeliveryId,
    /// The version read (0 when refused).
    pub version: u32,
    /// The newest version acknowledged to the writer when the read began.
    pub latest: u32,
    pub refused: bool,
}

impl ReadAnswer {
    /// `fresh` (at least the acknowledged version), `stale` (older: the checker's stale read)
    /// or `refused` (too few replicas answered in time).
    pub fn verdict(&self) -> &'static str {
        if self.refused {
            "refused"
        } else if self.version >= self.latest {
            "fresh"
        } else {
            "stale"
        }
    }
}

/// History lines searched backwards for the last read (a read is shown while it is recent).
const READ_LOOKBACK: usize = 20_000;

/// The client's last read among the recent history lines, if any.
pub fn last_read(history: &[Rec]) -> Option<ReadAnswer> {
    history.iter().rev().take(READ_LOOKBACK).find_map(|r| match &r.op {
        Op::Read { delivery, version, latest, refused, .. } => {
            Some(ReadAnswer { delivery: *delivery, version: *version, latest: *latest, refused: *refused })
        }
        _ => None,
    })
}

/// What one step ran, for the reader: each node's history ops in order of first appearance,
/// counted ("broker-1 append ×2 · db1 apply"); at most `max` entries, then "…". Empty when the
/// step only moved messages or fired timers (nothing the history records).
pub fn step_summary(recs: &[Rec], node_names: &[String], max: usize) -> String {
    let mut seen: Vec<(usize, &'static str, usize)> = Vec::new();
    for r in recs {
        let op = r.op.name();
        match seen.iter_mut().find(|(n, o, _)| *n == r.node as usize && *o == op) {
            Some(entry) => entry.2 += 1,
            None => seen.push((r.node as usize, op, 1)),
        }
    }
    let mut parts: Vec<String> = seen
        .iter()
        .take(max)
        .map(|&(n, op, k)| {
            let name = node_names.get(n).map(String::as_str).unwrap_or("?");
            if k > 1 {
                format!("{name} {op} ×{k}")
            } else {
                format!("{name} {op}")
            }
        })
        .collect();
    if seen.len() > max {
        parts.push("…".to_string());
    }
    parts.join(" · ")
}

/// The sides of a network partition, from the cut links: each node in a cut gets the number
/// (1, 2, …) of its side — nodes not cut from each other share a side — and the others 0. None
/// for fewer than three cut links (single cuts are drawn as cut lines), so a partition is shown
/// as its groups instead of dozens of cut lines.
pub fn partition_sides(nodes: usize, cuts: &[(NodeId, NodeId)]) -> Option<Vec<u8>> {
    let cut = |a: usize, b: usize| {
        cuts.iter().any(|&(x, y)| (x as usize, y as usize) == (a, b) || (x as usize, y as usize) == (b, a))
    };
    let pairs = (0..nodes).flat_map(|a| (a + 1..nodes).map(move |b| (a, b))).filter(|&(a, b)| cut(a, b)).count();
    if pairs < 3 {
        return None;
    }
    let involved: Vec<bool> =
        (0..nodes).map(|n| cuts.iter().any(|&(x, y)| x as usize == n || y as usize == n)).collect();
    let mut side = vec![0u8; nodes];
    let mut next = 0u8;
    for n in 0..nodes {
        if !involved[n] || side[n] != 0 {
            continue;
        }
        next += 1;
        // Everyone reachable from n over links that are not cut, among the involved nodes.
        let mut stack = vec![n];
        side[n] = next;
        while let Some(a) = stack.pop() {
            for b in 0..nodes {
                if involved[b] && side[b] == 0 && !cut(a, b) {
                    side[b] = next;
                    stack.push(b);
                }
            }
        }
    }
    (next >= 2).then_some(side)
}

/// The read mode and pinned replica of the read menu's value (`default`, `one`, `quorum`, `all`
/// or a replica's name).
pub fn read_target(value: &str) -> (Option<ReadMode>, Option<String>) {
    match value {
        "one" => (Some(ReadMode::One), None),
        "quorum" => (Some(ReadMode::Quorum), None),
        "all" => (Some(ReadMode::All), None),
        m if m.starts_with("db") => (Some(ReadMode::One), Some(m.to_string())),
        _ => (None, None),
    }
}

/// A network setting the faults tab has a slider for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetKey {
    Latency,
    Jitter,
    Drop,
    Duplicate,
}

impl NetKey {
    /// The key's name (the `net` command's field).
    pub fn name(self) -> &'static str {
        match self {
            NetKey::Latency => "latency_ms",
            NetKey::Jitter => "jitter_ms",
            NetKey::Drop => "drop",
            NetKey::Duplicate => "duplicate",
        }
    }
}

/// The `net` command that sets one setting to `x` (ms for the times, a ratio otherwise).
pub fn net_action(key: NetKey, x: f64) -> Action {
    let ms = Some(x as u64);
    let (latency_ms, jitter_ms, drop, duplicate) = match key {
        NetKey::Latency => (ms, None, None, None),
        NetKey::Jitter => (None, ms, None, None),
        NetKey::Drop => (None, None, Some(x), None),
        NetKey::Duplicate => (None, None, None, Some(x)),
    };
    Action::Net { latency_ms, jitter_ms, drop, duplicate }
}

fn names_with(nodes: &[(String, Role)], f: impl Fn(Role) -> bool) -> Vec<String> {
    nodes.iter().filter(|(_, r)| f(*r)).map(|(n, _)| n.clone()).collect()
}

/// Isolates `leader`: it alone on one side, every other node on the other.
pub fn isolate_groups(nodes: &[(String, Role)], leader: &str) -> Action {
    let others = nodes.iter().map(|(n, _)| n.clone()).filter(|n| n != leader).collect();
    Action::Partition { groups: vec![vec![leader.to_string()], others] }
}

/// Cuts `app` and the relays off from the brokers.
pub fn cut_relays_groups(nodes: &[(String, Role)]) -> Action {
    let mut source = vec!["app".to_string()];
    source.extend(names_with(nodes, |r| matches!(r, Role::Relay(_))));
    Action::Partition { groups: vec![source, names_with(nodes, |r| matches!(r, Role::Broker(_)))] }
}

/// Splits the replicas: the last replica, its consumers and the client cut off from the rest
/// (None without replicas).
pub fn split_replicas_groups(nodes: &[(String, Role)]) -> Option<Action> {
    let last = names_with(nodes, |r| matches!(r, Role::Db(_))).pop()?;
    let everyone = nodes.iter().map(|(n, _)| n.clone());
    let mut minority: Vec<String> =
        everyone.clone().filter(|n| *n == last || n.starts_with(&format!("{last}-c"))).collect();
    minority.push("client".into());
    let majority = everyone.filter(|n| !minority.contains(n)).collect();
    Some(Action::Partition { groups: vec![minority, majority] })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes() -> Vec<(String, Role)> {
        let s = crate::sim::builtin::get("playground").expect("built in");
        crate::sim::Sim::new(s).view().nodes.iter().map(|n| (n.name.clone(), n.role)).collect()
    }

    /// The newest 40 deliveries are offered, newest first, and an older chosen one on top.
    #[test]
    fn recent_deliveries_newest_first() {
        assert_eq!(recent_deliveries(3, None), vec![2, 1, 0]);
        let r = recent_deliveries(100, Some(5));
        assert_eq!((r.len(), r[0], r[1]), (41, 5, 99));
        assert_eq!(recent_deliveries(100, Some(99)).len(), 40);
    }

    /// Read modes by name, replicas pinned by name, anything else the config's default.
    #[test]
    fn read_targets() {
        assert_eq!(read_target("quorum"), (Some(ReadMode::Quorum), None));
        assert_eq!(read_target("db2"), (Some(ReadMode::One), Some("db2".into())));
        assert_eq!(read_target("default"), (None, None));
    }

    /// A slider sets its own setting only; times are whole ms.
    #[test]
    fn net_sliders_set_one_setting() {
        let Action::Net { latency_ms, jitter_ms, drop, duplicate } = net_action(NetKey::Latency, 12.7) else {
            panic!()
        };
        assert_eq!((latency_ms, jitter_ms, drop, duplicate), (Some(12), None, None, None));
        let Action::Net { drop, duplicate, .. } = net_action(NetKey::Duplicate, 0.25) else { panic!() };
        assert_eq!((drop, duplicate), (None, Some(0.25)));
        assert_eq!(NetKey::Drop.name(), "drop");
    }

    /// Each one-click partition puts every node on exactly one side.
    #[test]
    fn partitions_cover_every_node_once() {
        let nodes = nodes();
        for action in [isolate_groups(&nodes, "broker-1"), split_replicas_groups(&nodes).expect("replicas")] {
            let Action::Partition { groups } = action else { panic!() };
            let mut all: Vec<&String> = groups.iter().flatten().collect();
            all.sort();
            let mut want: Vec<&String> = nodes.iter().map(|(n, _)| n).collect();
            want.sort();
            assert_eq!(all, want);
        }
        let Action::Partition { groups } = cut_relays_groups(&nodes) else { panic!() };
        assert_eq!(groups[0][0], "app");
        assert!(groups[1].iter().all(|n| n.starts_with("broker-")));
    }
    /// The traffic button tells the truth: a scenario's traffic counts while it runs, and
    /// cutting it ends it at the moment (never before, never a zero-length command).
    #[test]
    fn scenario_traffic_is_shown_and_cut() {
        let traffic = |at_ms, for_ms| Command {
            at_ms,
            action: Action::Traffic { per_sec: 20, for_ms, cancel_ratio: 0.0, step_ms: None },
        };
        let mut cmds = vec![traffic(0, 15_000), traffic(2_000, 1_000)];
        assert_eq!(traffic_until_ms(&cmds, 2_500 * MS), Some(15_000));
        assert_eq!(traffic_until_ms(&cmds, 15_000 * MS), None);
        assert!(cut_traffic(&mut cmds, 2_500 * MS + 1));
        assert_eq!(traffic_until_ms(&cmds, 2_502 * MS), None);
        let lens: Vec<u64> = cmds
            .iter()
            .map(|c| match c.action {
                Action::Traffic { for_ms, .. } => for_ms,
                _ => 0,
            })
            .collect();
        assert_eq!(lens, vec![2_501, 501]);
        assert!(!cut_traffic(&mut cmds, 20_000 * MS));
        let mut at_start = vec![traffic(0, 100)];
        assert!(cut_traffic(&mut at_start, 0));
        assert!(matches!(at_start[0].action, Action::Traffic { for_ms: 1, .. }));
    }

    /// A read's answer is fresh at the acknowledged version or newer, stale below it, and
    /// refused when it timed out; the last read wins.
    #[test]
    fn the_last_read_and_its_verdict() {
        let read = |version, latest, refused| Rec {
            t_us: 0,
            node: 0,
            op: Op::Read { delivery: 2, replicas: vec![], version, latest, refused },
        };
        assert_eq!(last_read(&[]), None);
        let h = vec![read(3, 3, false), Rec { t_us: 1, node: 0, op: Op::Crash }];
        assert_eq!(last_read(&h).map(|a| a.verdict()), Some("fresh"));
        assert_eq!(last_read(&[read(3, 3, false), read(1, 2, false)]).map(|a| a.verdict()), Some("stale"));
        assert_eq!(last_read(&[read(0, 2, true)]).map(|a| a.verdict()), Some("refused"));
    }

    /// A step's summary names each node's ops once, counted, in order, and cuts long lists.
    #[test]
    fn a_step_is_summarised_by_node_and_op() {
        let rec = |node, op| Rec { t_us: 5, node, op };
        let names: Vec<String> = ["app", "broker-1", "db1"].iter().map(|s| s.to_string()).collect();
        let recs = vec![rec(1, Op::Crash), rec(2, Op::Crash), rec(1, Op::Crash), rec(0, Op::Restart)];
        assert_eq!(step_summary(&recs, &names, 5), "broker-1 crash ×2 · db1 crash · app restart");
        assert_eq!(step_summary(&recs, &names, 1), "broker-1 crash ×2 · …");
        assert_eq!(step_summary(&[], &names, 5), "");
    }

    /// A partition's cuts give its two sides; one or two cut links are no partition.
    #[test]
    fn a_partition_is_two_sides() {
        // app (0) and relay (1) cut off from three brokers (2, 3, 4); node 5 untouched.
        let cuts: Vec<(NodeId, NodeId)> = [(0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4)].into_iter().collect();
        assert_eq!(partition_sides(6, &cuts), Some(vec![1, 1, 2, 2, 2, 0]));
        assert_eq!(partition_sides(6, &[(1, 3), (3, 1)]), None);
    }
}
