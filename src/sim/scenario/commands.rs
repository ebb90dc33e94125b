//! Commands: their shape (`parse_command`) and what needs the whole scenario (`check_commands`).

use std::collections::BTreeMap;

use serde::de;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::json::{
    describe, list, list_owned, parse_name, suggest, want_bool, want_enum, want_f64, want_str, want_u64, Obj,
};
use super::keys::{check_config, parse_read_mode, set_key, NETWORK_KEYS};
use super::{describe_nodes, node_names, node_role, NodeRole, Res, ScenarioError};
use super::{BROADCAST_LEN_MAX, PAUSE_MS_MAX, STEP_MS_MAX, TRAFFIC_PER_SEC_MAX, UNTIL_MS_MAX};
use crate::sim::command::{Action, Command, CrashPoint};
use crate::sim::config::{Config, ReadMode, TOPOLOGY_KEYS};

pub(super) const DO_NAMES: &[&str] = &[
    "fire",
    "traffic",
    "crash",
    "restart",
    "cut",
    "partition",
    "heal",
    "pause",
    "net",
    "read",
    "set",
    "wipe",
    "broadcast",
];

/// Parses one command's shape: keys, types and ranges that need no context. Node names, `set`
/// values and times are checked against the scenario by [`check_commands`].
pub(super) fn parse_command(value: &Value, path: &str) -> Res<Command> {
    let obj = Obj::new(value, path)?;
    let do_name = match obj.get("do") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(obj.err("do", format!("must be a string, one of {}, got {}", list(DO_NAMES), describe(other))))
        }
        None => return Err(obj.err("do", format!("missing required field (one of {})", list(DO_NAMES)))),
    };
    let keys: &[&str] = match do_name {
        "fire" => &["delivery", "event"],
        "traffic" => &["per_sec", "for_ms", "cancel_ratio", "step_ms"],
        "crash" => &["node", "when"],
        "restart" => &["node"],
        "cut" => &["from", "to", "oneway"],
        "partition" => &["groups"],
        "heal" => &["from", "to"],
        "pause" => &["node", "for_ms"],
        "net" => NETWORK_KEYS,
        "read" => &["delivery", "mode", "replica"],
        "set" => &["key", "value"],
        "wipe" => &["replica"],
        "broadcast" => &["value"],
        other => {
            return Err(obj.err(
                "do",
                format!("unknown command `{other}`{}; commands are {}", suggest(other, DO_NAMES), list(DO_NAMES)),
            ))
        }
    };
    let mut allowed = vec!["at_ms", "do"];
    allowed.extend_from_slice(keys);
    obj.check_keys(&allowed)?;
    let at_ms = obj.u64_req("at_ms", 0, UNTIL_MS_MAX)?;

    let action = match do_name {
        "fire" => Action::Fire { delivery: obj.delivery("delivery")?, event: obj.kind("event")? },
        "traffic" => Action::Traffic {
            per_sec: obj.u64_req("per_sec", 1, TRAFFIC_PER_SEC_MAX)? as u32,
            for_ms: obj.u64_req("for_ms", 1, UNTIL_MS_MAX)?,
            cancel_ratio: obj.opt("cancel_ratio", |v| want_f64(v, 0.0, 1.0))?.unwrap_or(0.0),
            step_ms: obj.opt("step_ms", |v| want_u64(v, 1, STEP_MS_MAX))?,
        },
        "crash" => Action::Crash {
            node: obj.str_req("node")?,
            when: obj.opt("when", |v| {
                want_enum(
                    v,
                    &[
                        ("after_db_commit", CrashPoint::AfterDbCommit),
                        ("after_publish", CrashPoint::AfterPublish),
                        ("after_apply", CrashPoint::AfterApply),
                    ],
                )
            })?,
        },
        "restart" => Action::Restart { node: obj.str_req("node")? },
        "cut" => Action::Cut {
            from: obj.str_req("from")?,
            to: obj.str_req("to")?,
            oneway: obj.opt("oneway", want_bool)?.unwrap_or(false),
        },
        "partition" => Action::Partition { groups: obj.groups("groups")? },
        "heal" => {
            let from = obj.opt("from", |v| want_str(v).map(str::to_string))?;
            let to = obj.opt("to", |v| want_str(v).map(str::to_string))?;
            match (&from, &to) {
                (Some(_), None) => {
                    return Err(obj.err(
                        "to",
                        "missing: give both `from` and `to` to heal one link, or neither to heal every cut",
                    ))
                }
                (None, Some(_)) => {
                    return Err(obj.err(
                        "from",
                        "missing: give both `from` and `to` to heal one link, or neither to heal every cut",
                    ))
                }
                _ => {}
            }
            Action::Heal { from, to }
        }
        "pause" => Action::Pause { node: obj.str_req("node")?, for_ms: obj.u64_req("for_ms", 1, PAUSE_MS_MAX)? },
        "net" => {
            if obj.map.len() == 2 {
                return Err(ScenarioError::new(path, format!("`net` needs at least one of {}", list(NETWORK_KEYS))));
            }
            Action::Net {
                latency_ms: obj.opt("latency_ms", |v| want_u64(v, 0, 10_000))?,
                jitter_ms: obj.opt("jitter_ms", |v| want_u64(v, 0, 10_000))?,
                drop: obj.opt("drop", |v| want_f64(v, 0.0, 1.0))?,
                duplicate: obj.opt("duplicate", |v| want_f64(v, 0.0, 1.0))?,
            }
        }
        "read" => {
            let mode = obj.opt("mode", parse_read_mode)?;
            let replica = obj.opt("replica", |v| want_str(v).map(str::to_string))?;
            if let (Some(m @ (ReadMode::Quorum | ReadMode::All)), Some(_)) = (mode, &replica) {
                let m = if m == ReadMode::Quorum { "quorum" } else { "all" };
                return Err(obj.err("replica", format!("pins a `one` read to a replica; a `{m}` read reads several")));
            }
            Action::Read { delivery: obj.delivery("delivery")?, mode, replica }
        }
        "set" => {
            let key = obj.str_req("key")?;
            let value = obj.req("value")?.clone();
            Action::Set { key, value }
        }
        "wipe" => Action::Wipe { replica: obj.str_req("replica")? },
        "broadcast" => Action::Broadcast {
            value: parse_name(obj.req("value")?, &obj.field("value"), BROADCAST_LEN_MAX, "any", |c| !c.is_control())?,
        },
        _ => unreachable!("`do` was matched above"),
    };
    Ok(Command { at_ms, action })
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

pub(super) fn check_command(config: &mut Config, command: &Command, path: &str) -> Res<()> {
    let field = |k: &str| format!("{path}.{k}");
    let node = |k: &str, name: &str| -> Res<NodeRole> {
        node_role(config, name).ok_or_else(|| {
            let names = node_names(config);
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            ScenarioError::new(
                field(k),
                format!("unknown node `{name}`{}; nodes are {}", suggest(name, &names), describe_nodes(config)),
            )
        })
    };
    let replica = |k: &str, name: &str| -> Res<u32> {
        match node(k, name)? {
            NodeRole::Db(i) => Ok(i),
            _ => Err(ScenarioError::new(
                field(k),
                format!("`{name}` is not a replica database; replicas are {}", list_owned(&db_names(config))),
            )),
        }
    };
    match &command.action {
        Action::Crash { node: name, when } => {
            let role = node("node", name)?;
            if let Some(when) = when {
                let fits = matches!(
                    (when, role),
                    (CrashPoint::AfterDbCommit, NodeRole::App)
                        | (CrashPoint::AfterPublish, NodeRole::Relay(_))
                        | (CrashPoint::AfterApply, NodeRole::Consumer { .. })
                );
                if !fits {
                    let needs = match when {
                        CrashPoint::AfterDbCommit => "`app`",
                        CrashPoint::AfterPublish => "a relay (`relay-N`)",
                        CrashPoint::AfterApply => "a consumer (`dbI-cJ`)",
                    };
                    return Err(ScenarioError::new(
                        field("when"),
                        format!("`{}` is a crash point of {needs}, not of `{name}`", when.as_str()),
                    ));
                }
            }
        }
        Action::Restart { node: name } | Action::Pause { node: name, .. } => {
            node("node", name)?;
        }
        Action::Cut { from, to, .. } => {
            node("from", from)?;
            node("to", to)?;
            if from == to {
                return Err(ScenarioError::new(field("to"), format!("cannot cut `{from}` from itself")));
            }
        }
        Action::Heal { from: Some(from), to: Some(to) } => {
            node("from", from)?;
            node("to", to)?;
            if from == to {
                return Err(ScenarioError::new(field("to"), format!("there is no link from `{from}` to itself")));
            }
        }
        Action::Heal { .. } => {}
        Action::Partition { groups } => {
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for (g, group) in groups.iter().enumerate() {
                for (n, name) in group.iter().enumerate() {
                    let k = format!("groups[{g}][{n}]");
                    node(&k, name)?;
                    if let Some(first) = seen.insert(name, g) {
                        let message = if first == g {
                            format!("`{name}` is named twice in group {g}")
                        } else {
                            format!("`{name}` is already in group {first}: a node can be in only one group")
                        };
                        return Err(ScenarioError::new(field(&k), message));
                    }
                }
            }
        }
        Action::Read { replica: Some(name), .. } => {
            replica("replica", name)?;
        }
        Action::Wipe { replica: name } => {
            replica("replica", name)?;
        }
        Action::Set { key, value } => {
            if command.at_ms > 0 && TOPOLOGY_KEYS.contains(&key.as_str()) {
                return Err(ScenarioError::new(
                    field("key"),
                    format!("`{key}` shapes the topology and needs a restart: put it in `config`"),
                ));
            }
            let mut next = config.clone();
            set_key(&mut next, key, value).map_err(|e| {
                if e.unknown {
                    ScenarioError::new(field("key"), e.message)
                } else {
                    ScenarioError::new(field("value"), e.to_string())
                }
            })?;
            check_config(&next).map_err(|e| ScenarioError::new(field("value"), format!("after this set, {e}")))?;
            *config = next;
        }
        Action::Broadcast { .. } => {
            if config.servers == 0 {
                return Err(ScenarioError::new(
                    field("do"),
                    "`broadcast` needs the event bus: set config.servers to 1 or more",
                ));
            }
        }
        Action::Fire { .. } | Action::Traffic { .. } | Action::Net { .. } | Action::Read { .. } => {}
    }
    Ok(())
}

pub(super) fn db_names(config: &Config) -> Vec<String> {
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
