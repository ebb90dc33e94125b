//! Faults and inputs as plain data: every command of the scenario contract. The same command
//! list replays the same run.

use serde::{Deserialize, Serialize};

use super::domain::Kind;

/// A named crash point (`when` of a crash command).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashPoint {
    /// `app`: right after its next local commit, before anything is sent.
    AfterDbCommit,
    /// `relay-N`: right after its next publish is acknowledged, before it saves its position.
    AfterPublish,
    /// A consumer: right after applying its next record, before committing the offset.
    AfterApply,
}

impl CrashPoint {
    pub fn as_str(self) -> &'static str {
        match self {
            CrashPoint::AfterDbCommit => "after_db_commit",
            CrashPoint::AfterPublish => "after_publish",
            CrashPoint::AfterApply => "after_apply",
        }
    }
}

/// What a command does (`do` in the contract).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    /// A writer asks the service for one event of one delivery.
    Fire { delivery: String, event: Kind },
    /// Deliveries arriving at `per_sec` for `for_ms`, each walking its lifecycle.
    Traffic {
        per_sec: u32,
        for_ms: u64,
        #[serde(default)]
        cancel_ratio: f64,
        /// Mean delay between two steps of one delivery, ms (addition; default 300).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_ms: Option<u64>,
    },
    /// Crash a node now, or arm a crash at a named point.
    Crash {
        node: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        when: Option<CrashPoint>,
    },
    /// Restart a crashed node (no-op on a running one).
    Restart { node: String },
    /// Cut the link between two nodes (both directions unless `oneway`: then only from → to).
    Cut {
        from: String,
        to: String,
        #[serde(default)]
        oneway: bool,
    },
    /// Split the nodes into groups: links between groups are cut. Nodes not named stay
    /// connected to every group.
    Partition { groups: Vec<Vec<String>> },
    /// Heal every cut (or only the link between `from` and `to` when both are given).
    Heal {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// Stop a node for `for_ms` (a GC pause): it handles nothing until then.
    Pause { node: String, for_ms: u64 },
    /// Change network defaults; only the keys given change.
    Net {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        latency_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        jitter_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        drop: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duplicate: Option<f64>,
    },
    /// The `client` reads one delivery.
    Read {
        delivery: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<super::config::ReadMode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replica: Option<String>,
    },
    /// Change one config key.
    Set { key: String, value: serde_json::Value },
    /// Empty a replica; its consumer group rewinds to offset 0 and rebuilds it.
    Wipe { replica: String },
    /// Publish a config change on the event bus (addition to the contract).
    Broadcast { value: String },
}

/// A command at a point of virtual time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Command {
    /// When the command takes effect, ms from the start of the run.
    pub at_ms: u64,
    #[serde(flatten)]
    pub action: Action,
}
