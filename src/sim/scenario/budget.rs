//! The work budget: what a scenario may ask of the machine that runs it, checked when it is
//! parsed (a file, a `#s=` link, the CLI's `--set`/`--until-ms`, a `compare` variant).
//!
//! Every value of a scenario is range-checked on its own, but the work of a run is a product:
//! a run's length times the size of its topology (idle fetch loops, heartbeats and timers keep
//! every node busy), and its deliveries times its nodes (each record passes through the relays,
//! the brokers and every consumer group). A link is an input anyone can send a reader, so these
//! products are bounded too; the limits keep the worst accepted scenario to a few seconds and a
//! few hundred MB natively (measured figures in docs/contracts.md, "Work budget").
//!
//! The topology's size estimates its idle work, fitted to measured event rates: one per node,
//! plus one per partition copy on a broker and per partition read by a consumer group (replica
//! groups and bus servers): `nodes + partitions × (replication_factor + replicas + servers)`. The
//! default topology has 14 nodes and size 32; the largest has 62 nodes and size 302.

use super::{node_names, Res, Scenario, ScenarioError};
use crate::sim::command::Action;
use crate::sim::config::Config;

/// Most commands in one scenario.
pub const COMMANDS_MAX: usize = 1000;
/// Most `until_ms` × topology size (size-ms): idle work. The largest topology may run 19.8 s,
/// the default one 187.5 s.
pub const SIZE_MS_MAX: u64 = 6_000_000;
/// Most deliveries × nodes: the work of the records themselves. The largest topology may carry
/// 4,032 deliveries, the default one 17,857.
pub const DELIVERY_NODES_MAX: u64 = 250_000;

/// The topology's size (see the module docs): the unit the budget multiplies by.
pub fn topology_size(config: &Config) -> u64 {
    let nodes = node_names(config).len() as u64;
    let readers = u64::from(config.replication_factor) + u64::from(config.replicas) + u64::from(config.servers);
    nodes + u64::from(config.partitions) * readers
}

/// The longest run the budget allows for `config`'s topology, ms.
pub fn until_ms_max(config: &Config) -> u64 {
    SIZE_MS_MAX / topology_size(config)
}

/// The most deliveries the budget allows for `config`'s topology.
pub fn deliveries_max(config: &Config) -> u64 {
    DELIVERY_NODES_MAX / node_names(config).len() as u64
}

/// The deliveries one command starts in a run that ends at `until_ms`: a `traffic` command's
/// rate times the part of its duration inside the run (rounded up), a `fire` one.
pub fn deliveries_of(action: &Action, at_ms: u64, until_ms: u64) -> u64 {
    match action {
        Action::Traffic { per_sec, for_ms, .. } => {
            let ms = (*for_ms).min(until_ms.saturating_sub(at_ms));
            (u64::from(*per_sec) * ms).div_ceil(1000)
        }
        Action::Fire { .. } => 1,
        _ => 0,
    }
}

/// The number of commands, checked before each is parsed.
pub(super) fn check_count(count: usize) -> Res<()> {
    if count > COMMANDS_MAX {
        return Err(ScenarioError::new(
            "commands",
            format!("{count} commands is over the work budget of {COMMANDS_MAX} commands"),
        ));
    }
    Ok(())
}

/// The run's length and its deliveries against its topology (the one built from
/// [`Scenario::initial_config`]); the error names `until_ms`, or the command whose deliveries
/// cross the limit.
pub(super) fn check_work(scenario: &Scenario) -> Res<()> {
    let config = scenario.initial_config();
    let size = topology_size(&config);
    let until = scenario.until_ms;
    if until.saturating_mul(size) > SIZE_MS_MAX {
        return Err(ScenarioError::new(
            "until_ms",
            format!(
                "{until} ms is over the work budget for this topology (size {size}): at most {} ms \
                 (until_ms × size ≤ {SIZE_MS_MAX}; size = nodes + partitions × (replication_factor + \
                 replicas + servers))",
                until_ms_max(&config)
            ),
        ));
    }
    let max = deliveries_max(&config);
    let mut total = 0u64;
    for (i, c) in scenario.commands.iter().enumerate() {
        total += deliveries_of(&c.action, c.at_ms, until);
        if total > max {
            let key = if matches!(c.action, Action::Traffic { .. }) { "per_sec" } else { "do" };
            return Err(ScenarioError::new(
                format!("commands[{i}].{key}"),
                format!(
                    "the run's deliveries (traffic per_sec × for_ms, plus fires) reach {total} here, over \
                     the work budget for this topology ({} nodes): at most {max} (deliveries × nodes ≤ \
                     {DELIVERY_NODES_MAX})",
                    node_names(&config).len()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::parse_scenario;

    const LARGEST: &str = r#"{"brokers":9,"partitions":12,"replication_factor":9,"min_insync_replicas":1,
        "outbox_shards":8,"replicas":5,"consumers_per_group":6,"servers":6,"dashboard":true}"#;

    /// The sizes the docs quote: the default topology and the largest one.
    #[test]
    fn sizes_of_the_default_and_the_largest_topology() {
        assert_eq!(topology_size(&Config::default()), 32);
        let largest = parse_scenario(&format!(r#"{{"id":"l","until_ms":1000,"config":{LARGEST}}}"#)).expect("valid");
        assert_eq!(topology_size(&largest.config), 302);
        assert_eq!(until_ms_max(&largest.config), 19_867);
        assert_eq!(deliveries_max(&largest.config), 4_032);
        assert_eq!(until_ms_max(&Config::default()), 187_500);
        assert_eq!(deliveries_max(&Config::default()), 17_857);
    }

    /// A run too long for its topology is refused on `until_ms`; the same length with the default
    /// topology is accepted, and so is the longest the message names.
    #[test]
    fn until_ms_times_size_is_bounded() {
        let e = parse_scenario(&format!(r#"{{"id":"l","until_ms":60000,"config":{LARGEST}}}"#)).expect_err("over");
        assert_eq!(e.field, "until_ms");
        assert!(e.message.contains("at most 19867 ms"), "{e}");
        assert!(!e.to_string().contains('\n'));
        parse_scenario(&format!(r#"{{"id":"l","until_ms":19867,"config":{LARGEST}}}"#)).expect("at the limit");
        parse_scenario(r#"{"id":"l","until_ms":60000}"#).expect("default topology");
    }

    /// The issue's case: traffic 5000/s for an hour is refused, naming the command that crosses
    /// the limit; counting stops at the end of the run (traffic past it starts nothing).
    #[test]
    fn deliveries_are_bounded() {
        let one = r#"{"at_ms":0,"do":"traffic","per_sec":5000,"for_ms":3600000}"#;
        let e = parse_scenario(&format!(r#"{{"id":"t","until_ms":60000,"commands":[{one}]}}"#)).expect_err("over");
        assert_eq!(e.field, "commands[0].per_sec");
        assert!(e.message.contains("at most 17857"), "{e}");
        // 5000/s for 3.5 s is 17,500 deliveries: under the limit however long the command says.
        parse_scenario(&format!(r#"{{"id":"t","until_ms":3500,"commands":[{one}]}}"#)).expect("inside the run");
        let fire = r#"{"at_ms":0,"do":"fire","delivery":"D1","event":"created"}"#;
        let two = format!(r#"{{"at_ms":0,"do":"traffic","per_sec":5000,"for_ms":3571}},{fire},{fire},{fire}"#);
        let e = parse_scenario(&format!(r#"{{"id":"t","until_ms":60000,"commands":[{two}]}}"#)).expect_err("over");
        assert_eq!(e.field, "commands[3].do", "{e}");
    }

    /// Too many commands are refused before any is read; the topology of the time-0 `set`s counts.
    #[test]
    fn commands_and_time_zero_sets_count() {
        let fire = r#"{"at_ms":0,"do":"fire","delivery":"D1","event":"created"}"#;
        let many = vec![fire; COMMANDS_MAX + 1].join(",");
        let e = parse_scenario(&format!(r#"{{"id":"c","commands":[{many}]}}"#)).expect_err("over");
        assert_eq!(e.field, "commands");
        assert!(e.message.contains("1000"), "{e}");
        let set = r#"{"at_ms":0,"do":"set","key":"partitions","value":12}"#;
        let e = parse_scenario(&format!(r#"{{"id":"c","until_ms":100000,"commands":[{set}]}}"#)).expect_err("over");
        assert_eq!(e.field, "until_ms");
    }

    /// The variant runs in the page too: a `compare` that grows the topology past the budget is
    /// refused on `compare.set`.
    #[test]
    fn the_variant_is_within_the_budget() {
        let e = parse_scenario(
            r#"{"id":"v","until_ms":60000,"compare":{"title":"big","set":{"partitions":12,"replicas":5}}}"#,
        )
        .expect_err("variant over");
        assert_eq!(e.field, "compare.set");
        assert!(e.message.contains("until_ms"), "{e}");
    }

    /// Every built-in lesson is well inside the budget.
    #[test]
    fn built_in_scenarios_are_accepted() {
        for (id, _) in crate::sim::builtin::SOURCES {
            let s = crate::sim::builtin::get(id).expect("built in");
            check_work(&s).unwrap_or_else(|e| panic!("{id}: {e}"));
        }
    }
}
