//! Commands: their shape (`parse_command`) and what needs the whole scenario (`check_commands`).

use std::collections::BTreeMap;

use serde::de;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::json::{
    describe, list, list_owned, parse_name, suggest, want_bool, want_enum, want_f64, want_str, want_u64, Obj,
};
use super::keys::{from_checked, is_topology_key, known_key};
use super::set::{check_config, object_keys, set_key};
use super::{describe_nodes, node_names, node_role, NodeRole, Res, ScenarioError};
use super::{BROADCAST_LEN_MAX, PAUSE_MS_MAX, STEP_MS_MAX, TRAFFIC_PER_SEC_MAX, UNTIL_MS_MAX};
use crate::sim::command::{Action, Command, CrashPoint};
use crate::sim::config::{Config, ReadMode};
use crate::sim::text::echo;

/// Every command, with the keys it takes besides `at_ms` and `do`. The `net` command takes the
/// keys of the config's `network` object (read from the config key table).
const COMMANDS: &[(&str, &[&str])] = &[
    ("fire", &["delivery", "event"]),
    ("traffic", &["per_sec", "for_ms", "cancel_ratio", "step_ms"]),
    ("crash", &["node", "when"]),
    ("restart", &["node"]),
    ("cut", &["from", "to", "oneway"]),
    ("partition", &["groups"]),
    ("heal", &["from", "to"]),
    ("pause", &["node", "for_ms"]),
    ("net", &[]),
    ("read", &["delivery", "mode", "replica"]),
    ("set", &["key", "value"]),
    ("wipe", &["replica"]),
    ("broadcast", &["value"]),
];

/// The crash points a `crash` command may name.
const CRASH_POINTS: &[(&str, CrashPoint)] = &[
    ("after_db_commit", CrashPoint::AfterDbCommit),
    ("after_publish", CrashPoint::AfterPublish),
    ("after_apply", CrashPoint::AfterApply),
];

/// A scenario's `commands`: an array, each command's shape parsed on its own.
pub(super) fn parse_command_list(value: &Value) -> Res<Vec<Command>> {
    match value {
        Value::Array(items) => {
            super::budget::check_count(items.len())?;
            items.iter().enumerate().map(|(i, c)| parse_command(c, &format!("commands[{i}]"))).collect()
        }
        other => Err(ScenarioError::new("commands", format!("must be an array of commands, got {}", describe(other)))),
    }
}

/// Parses one command's shape: keys, types and ranges that need no context. Node names, `set`
/// values and times are checked against the scenario by [`check_commands`].
pub(super) fn parse_command(value: &Value, path: &str) -> Res<Command> {
    let obj = Obj::new(value, path)?;
    let do_name = command_name(&obj)?;
    let mut allowed = vec!["at_ms", "do"];
    allowed.extend(command_keys(do_name));
    obj.check_keys(&allowed)?;
    let at_ms = obj.u64_req("at_ms", 0, UNTIL_MS_MAX)?;
    Ok(Command { at_ms, action: parse_action(&obj, do_name)? })
}

/// The `do` of a command, which must name a known command (checked first: it decides which
/// keys the rest of the object may have).
fn command_name<'a>(obj: &Obj<'a>) -> Res<&'a str> {
    let names: Vec<&str> = COMMANDS.iter().map(|(n, _)| *n).collect();
    let name = match obj.get("do") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(obj.err("do", format!("must be a string, one of {}, got {}", list(&names), describe(other))))
        }
        None => return Err(obj.err("do", format!("missing required field (one of {})", list(&names)))),
    };
    if !names.contains(&name) {
        return Err(obj.err(
            "do",
            format!("unknown command `{}`{}; commands are {}", echo(name), suggest(name, &names), list(&names)),
        ));
    }
    Ok(name)
}

/// The keys command `do_name` takes besides `at_ms` and `do`.
fn command_keys(do_name: &str) -> Vec<&'static str> {
    if do_name == "net" {
        return object_keys("network");
    }
    COMMANDS.iter().find(|(n, _)| *n == do_name).map(|(_, keys)| keys.to_vec()).unwrap_or_default()
}

/// The action of a command whose `do` and keys are known to be valid.
fn parse_action(obj: &Obj, do_name: &str) -> Res<Action> {
    Ok(match do_name {
        "fire" => Action::Fire { delivery: obj.delivery("delivery")?, event: obj.kind("event")? },
        "traffic" => Action::Traffic {
            per_sec: obj.u64_req("per_sec", 1, TRAFFIC_PER_SEC_MAX)? as u32,
            for_ms: obj.u64_req("for_ms", 1, UNTIL_MS_MAX)?,
            cancel_ratio: obj.opt("cancel_ratio", |v| want_f64(v, 0.0, 1.0))?.unwrap_or(0.0),
            step_ms: obj.opt("step_ms", |v| want_u64(v, 1, STEP_MS_MAX))?,
        },
        "crash" => Action::Crash { node: obj.str_req("node")?, when: obj.opt("when", |v| want_enum(v, CRASH_POINTS))? },
        "restart" => Action::Restart { node: obj.str_req("node")? },
        "cut" => Action::Cut {
            from: obj.str_req("from")?,
            to: obj.str_req("to")?,
            oneway: obj.opt("oneway", want_bool)?.unwrap_or(false),
        },
        "partition" => Action::Partition { groups: obj.groups("groups")? },
        "heal" => parse_heal(obj)?,
        "pause" => Action::Pause { node: obj.str_req("node")?, for_ms: obj.u64_req("for_ms", 1, PAUSE_MS_MAX)? },
        "net" => parse_net(obj)?,
        "read" => parse_read(obj)?,
        "set" => Action::Set { key: obj.str_req("key")?, value: obj.req("value")?.clone() },
        "wipe" => Action::Wipe { replica: obj.str_req("replica")? },
        "broadcast" => Action::Broadcast {
            value: parse_name(obj.req("value")?, &obj.field("value"), BROADCAST_LEN_MAX, "any", |c| !c.is_control())?,
        },
        _ => unreachable!("`do` was checked by command_name"),
    })
}

/// `heal`: both ends heal one link, neither heals every cut; one end alone is a mistake.
fn parse_heal(obj: &Obj) -> Res<Action> {
    let from = obj.opt("from", |v| want_str(v).map(str::to_string))?;
    let to = obj.opt("to", |v| want_str(v).map(str::to_string))?;
    let missing = match (&from, &to) {
        (Some(_), None) => Some("to"),
        (None, Some(_)) => Some("from"),
        _ => None,
    };
    if let Some(key) = missing {
        return Err(obj.err(key, "missing: give both `from` and `to` to heal one link, or neither to heal every cut"));
    }
    Ok(Action::Heal { from, to })
}

/// `net`: changes some of the network keys, each checked by its row of the config key table.
fn parse_net(obj: &Obj) -> Res<Action> {
    if obj.map.len() == 2 {
        let keys = object_keys("network");
        return Err(ScenarioError::new(&obj.path, format!("`net` needs at least one of {}", list(&keys))));
    }
    Ok(Action::Net {
        latency_ms: net_value(obj, "latency_ms")?,
        jitter_ms: net_value(obj, "jitter_ms")?,
        drop: net_value(obj, "drop")?,
        duplicate: net_value(obj, "duplicate")?,
    })
}

fn net_value<T: serde::de::DeserializeOwned>(obj: &Obj, key: &str) -> Res<Option<T>> {
    let row = known_key(&format!("network.{key}"));
    Ok(obj.opt(key, |v| row.accepts.check(v))?.map(from_checked))
}

/// `read`: a mode as the config's `read_mode` accepts it; a replica pins only a `one` read.
fn parse_read(obj: &Obj) -> Res<Action> {
    let accepts = known_key("read_mode").accepts;
    let mode: Option<ReadMode> = obj.opt("mode", |v| accepts.check(v))?.map(from_checked);
    let replica = obj.opt("replica", |v| want_str(v).map(str::to_string))?;
    if let (Some(m @ (ReadMode::Quorum | ReadMode::All)), Some(_)) = (mode, &replica) {
        let m = if m == ReadMode::Quorum { "quorum" } else { "all" };
        return Err(obj.err("replica", format!("pins a `one` read to a replica; a `{m}` read reads several")));
    }
    Ok(Action::Read { delivery: obj.delivery("delivery")?, mode, replica })
}

/// Checks what needs the whole scenario: times against `until_ms`, and, walking the commands in
/// run order (by `at_ms`, ties in file order) with the config in force at each, `set` values
/// and node names.
pub(super) fn check_commands(initial: &Config, until_ms: u64, commands: &[Command]) -> Res<()> {
    for (i, c) in commands.iter().enumerate() {
        if c.at_ms > until_ms {
            return Err(ScenarioError::new(
                format!("commands[{i}].at_ms"),
                format!("{} is after the end of the run (until_ms {until_ms})", c.at_ms),
            ));
        }
    }
    let mut order: Vec<usize> = (0..commands.len()).collect();
    order.sort_by_key(|&i| commands[i].at_ms);
    let mut config = initial.clone();
    for i in order {
        let path = format!("commands[{i}]");
        check_command(&mut config, &commands[i], &path)?;
    }
    Ok(())
}

/// Checks one command against the config in force at its time; a `set` changes that config
/// for the commands after it.
pub(super) fn check_command(config: &mut Config, command: &Command, path: &str) -> Res<()> {
    let at = At { config, path };
    match &command.action {
        Action::Crash { node, when } => at.crash(node, *when),
        Action::Restart { node } | Action::Pause { node, .. } => at.node("node", node).map(drop),
        Action::Cut { from, to, .. } => at.link(from, to, |f| format!("cannot cut `{f}` from itself")),
        Action::Heal { from: Some(from), to: Some(to) } => {
            at.link(from, to, |f| format!("there is no link from `{f}` to itself"))
        }
        Action::Partition { groups } => at.partition(groups),
        Action::Read { replica: Some(name), .. } | Action::Wipe { replica: name } => at.replica(name).map(drop),
        Action::Set { key, value } => {
            *config = check_set(config, command.at_ms, key, value, path)?;
            Ok(())
        }
        Action::Broadcast { .. } if config.servers == 0 => Err(ScenarioError::new(
            format!("{path}.do"),
            "`broadcast` needs the event bus: set config.servers to 1 or more",
        )),
        Action::Heal { .. } | Action::Broadcast { .. } => Ok(()),
        Action::Fire { .. } | Action::Traffic { .. } | Action::Net { .. } | Action::Read { .. } => Ok(()),
    }
}

/// The error for a node name the config does not have, with a "did you mean" and the names it
/// does have.
pub(super) fn unknown_node(config: &Config, field: String, name: &str) -> ScenarioError {
    let names = node_names(config);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    ScenarioError::new(
        field,
        format!("unknown node `{}`{}; nodes are {}", echo(name), suggest(name, &names), describe_nodes(config)),
    )
}

/// A command's place: the config in force at its time and its path, for the node checks.
struct At<'a> {
    config: &'a Config,
    path: &'a str,
}

impl At<'_> {
    fn field(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// The role of a node the command names under `key`.
    fn node(&self, key: &str, name: &str) -> Res<NodeRole> {
        node_role(self.config, name).ok_or_else(|| unknown_node(self.config, self.field(key), name))
    }

    /// The number of a replica database the command names under `replica`.
    fn replica(&self, name: &str) -> Res<u32> {
        match self.node("replica", name)? {
            NodeRole::Db(i) => Ok(i),
            _ => Err(ScenarioError::new(
                self.field("replica"),
                format!("`{name}` is not a replica database; replicas are {}", list_owned(&db_names(self.config))),
            )),
        }
    }

    /// Both ends of a link, which must be two different nodes (`same` words the error).
    fn link(&self, from: &str, to: &str, same: impl Fn(&str) -> String) -> Res<()> {
        self.node("from", from)?;
        self.node("to", to)?;
        if from == to {
            return Err(ScenarioError::new(self.field("to"), same(from)));
        }
        Ok(())
    }

    /// A crash point belongs to one kind of node: the app's commit, a relay's publish, a
    /// consumer's apply.
    fn crash(&self, name: &str, when: Option<CrashPoint>) -> Res<()> {
        let role = self.node("node", name)?;
        let Some(when) = when else { return Ok(()) };
        let needs = match (when, role) {
            (CrashPoint::AfterDbCommit, NodeRole::App)
            | (CrashPoint::AfterPublish, NodeRole::Relay(_))
            | (CrashPoint::AfterApply, NodeRole::Consumer { .. }) => return Ok(()),
            (CrashPoint::AfterDbCommit, _) => "`app`",
            (CrashPoint::AfterPublish, _) => "a relay (`relay-N`)",
            (CrashPoint::AfterApply, _) => "a consumer (`dbI-cJ`)",
        };
        Err(ScenarioError::new(
            self.field("when"),
            format!("`{}` is a crash point of {needs}, not of `{name}`", when.as_str()),
        ))
    }

    /// Every node of a partition exists and is in one group only.
    fn partition(&self, groups: &[Vec<String>]) -> Res<()> {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (g, group) in groups.iter().enumerate() {
            for (n, name) in group.iter().enumerate() {
                let k = format!("groups[{g}][{n}]");
                self.node(&k, name)?;
                if let Some(first) = seen.insert(name, g) {
                    let message = if first == g {
                        format!("`{name}` is named twice in group {g}")
                    } else {
                        format!("`{name}` is already in group {first}: a node can be in only one group")
                    };
                    return Err(ScenarioError::new(self.field(&k), message));
                }
            }
        }
        Ok(())
    }
}

/// The config after a `set` command: a topology key only at time 0, the value checked by the
/// key's row, then the cross-key rules. An unknown key is the `key`'s fault, anything else the
/// `value`'s.
fn check_set(config: &Config, at_ms: u64, key: &str, value: &Value, path: &str) -> Res<Config> {
    if at_ms > 0 && is_topology_key(key) {
        return Err(ScenarioError::new(
            format!("{path}.key"),
            format!("`{key}` shapes the topology and needs a restart: put it in `config`"),
        ));
    }
    let mut next = config.clone();
    set_key(&mut next, key, value).map_err(|e| {
        if e.unknown {
            ScenarioError::new(format!("{path}.key"), e.message)
        } else {
            ScenarioError::new(format!("{path}.value"), e.to_string())
        }
    })?;
    check_config(&mut next, &|k| k == key)
        .map_err(|e| ScenarioError::new(format!("{path}.value"), format!("after this set, {e}")))?;
    Ok(next)
}

fn db_names(config: &Config) -> Vec<String> {
    (1..=config.replicas).map(|i| format!("db{i}")).collect()
}

impl<'de> Deserialize<'de> for Command {
    /// A command's shape is checked by hand (`at_ms` next to a flattened, tagged action cannot
    /// use `deny_unknown_fields`). Node names need a config, so they are checked only by
    /// [`parse_scenario`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse_command(&value, "command").map_err(de::Error::custom)
    }
}
