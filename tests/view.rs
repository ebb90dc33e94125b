//! The view the page renders from: every node by its contract name, messages in flight that
//! move forward in time, partitions and groups, and faults visible as such.

use consistency_lab::sim::builtin;
use consistency_lab::sim::command::Action;
use consistency_lab::sim::time::MS;
use consistency_lab::sim::view::NodeStatus;
use consistency_lab::sim::Sim;

#[test]
fn view_shows_nodes_messages_and_faults() {
    let mut sim = Sim::new(builtin::get("playground").expect("built in"));
    sim.run_until(1_000 * MS);
    let v = sim.view();
    let names: Vec<&str> = v.nodes.iter().map(|n| n.name.as_str()).collect();
    for n in ["app", "relay-0", "broker-1", "broker-3", "controller", "db1", "db3", "db1-c1", "dashboard", "client"] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    assert!(!v.messages.is_empty(), "traffic puts messages in flight");
    for m in &v.messages {
        assert!(m.arrive_us >= m.sent_us && m.arrive_us >= v.now_us, "{m:?} at {}", v.now_us);
    }
    assert_eq!(v.partitions.len(), 3);
    assert!(v.partitions.iter().all(|p| p.leader.is_some() && p.isr.len() == 3));
    assert_eq!(v.groups.iter().filter(|g| g.name.starts_with("db")).count(), 3);
    assert!(v.check.counts.committed > 0);

    sim.command_now(Action::Crash { node: "broker-2".into(), when: None });
    sim.command_now(Action::Cut { from: "relay-0".into(), to: "broker-1".into(), oneway: false });
    sim.command_now(Action::Pause { node: "db2".into(), for_ms: 500 });
    sim.run_until(1_100 * MS);
    let v = sim.view();
    let status = |name: &str| v.nodes.iter().find(|n| n.name == name).expect("node").status;
    assert_eq!(status("broker-2"), NodeStatus::Crashed);
    assert!(matches!(status("db2"), NodeStatus::Paused(_)));
    assert!(matches!(status("db2-c1"), NodeStatus::Paused(_)), "a replica's consumer pauses with it");
    assert_eq!(v.cuts.len(), 2, "a two-way cut is two directions");
    assert!(v.partitions.iter().flat_map(|p| &p.replicas).any(|r| r.role == "down"));
    // The live per-replica divergence equals a recount over every delivery.
    for (i, db) in v.dbs.iter().enumerate() {
        let recount =
            (0..v.delivery_names.len() as u32).filter(|d| sim.db_rows(i).get(d).copied() != sim.app_row(*d)).count();
        assert_eq!(db.differing, recount, "db{}", i + 1);
    }

    sim.command_now(Action::Heal { from: None, to: None });
    sim.command_now(Action::Restart { node: "broker-2".into() });
    sim.run_until(20_000 * MS);
    let v = sim.view();
    assert!(v.cuts.is_empty());
    assert!(v.check.converged, "{:?}", v.check.anomalies);
    assert!(v.finished);
}
