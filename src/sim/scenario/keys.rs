//! The one table of config keys.
//!
//! Every key a scenario's `config`, a `set` command, a `compare.set` or a `--set` may name is one
//! row of [`CONFIG_KEYS`]: its name, what it accepts (the one statement of its range or allowed
//! values), its unit, the part of the pipeline it belongs to, whether it shapes the topology, and
//! its doc in Korean and English. The parser, `apply_set`, the `net` and `read` commands, the
//! docs and the page's settings panel all read this table.
//!
//! Two columns are not written in the rows because they already exist once elsewhere: the
//! default is read from [`Config::default`], and the setter writes the `Config` field whose serde
//! name is the key (`network.drop` is `config.network.drop`), so a key's name, its field and its
//! place in a scenario file cannot drift apart. The unit tests check both for every row.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::json::{describe, quoted, want_bool, want_choice, want_f64, want_u64};
use crate::sim::config::Config;
use Accepts::{Bool, Choice, Int, Num};
use Group::{Broker, Consumers, Network, Producer, Replicas};

/// What a key accepts: the one statement of its range or allowed values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Accepts {
    /// An integer in `lo..=hi`.
    Int { lo: u64, hi: u64 },
    /// A finite number in `lo..=hi`.
    Num { lo: f64, hi: f64 },
    /// `true` or `false`.
    Bool,
    /// One of these strings (the serde names of the field's enum).
    Choice(&'static [&'static str]),
    /// `acks`: `"0"`, `"1"` or `"all"`, or Kafka's numbers 0, 1 and -1 (= all).
    Acks,
}

/// The choices of `acks`, in the form a scenario stores them.
const ACKS: &[&str] = &["0", "1", "all"];

impl Accepts {
    /// Checks `value` and returns it in the form the field stores (`acks: -1` becomes `"all"`,
    /// an integer given to a number key becomes a float). The error says what was expected.
    pub fn check(&self, value: &Value) -> Result<Value, String> {
        match *self {
            Accepts::Int { lo, hi } => want_u64(value, lo, hi).map(Value::from),
            Accepts::Num { lo, hi } => want_f64(value, lo, hi).map(Value::from),
            Accepts::Bool => want_bool(value).map(Value::Bool),
            Accepts::Choice(names) => want_choice(value, names).map(Value::from),
            Accepts::Acks => check_acks(value).map(Value::from),
        }
    }

    /// The accepted values for readers: `integer 1..=9`, `"key" | "round_robin"`.
    pub fn describe(&self) -> String {
        match *self {
            Accepts::Int { lo, hi } => format!("integer {lo}..={hi}"),
            Accepts::Num { lo, hi } => format!("number {lo}..={hi}"),
            Accepts::Bool => "boolean".to_string(),
            Accepts::Choice(names) => quoted(names).replace(", ", " | "),
            Accepts::Acks => format!("{}, or 0 | 1 | -1 (= all)", quoted(ACKS).replace(", ", " | ")),
        }
    }

    /// The strings a form offers for this key (a `<select>`), or None for a number or a boolean.
    pub fn choices(&self) -> Option<&'static [&'static str]> {
        match *self {
            Accepts::Choice(names) => Some(names),
            Accepts::Acks => Some(ACKS),
            _ => None,
        }
    }
}

/// Kafka writes `acks` as a string or a number; both forms are accepted, stored as the string.
fn check_acks(value: &Value) -> Result<&'static str, String> {
    let acks = match value {
        Value::String(s) => ACKS.iter().copied().find(|a| a == s),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some("0"),
            Some(1) => Some("1"),
            Some(-1) => Some("all"),
            _ => None,
        },
        _ => None,
    };
    acks.ok_or_else(|| format!("must be \"0\", \"1\" or \"all\" (or 0, 1, -1 = all), got {}", describe(value)))
}

/// The part of the pipeline a key configures (the settings panel groups keys by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// The service, its outbox and the CDC relays: how events reach the broker.
    Producer,
    /// The brokers and the delivery topic.
    Broker,
    /// The consumer groups, the dashboard and the event bus.
    Consumers,
    /// The replica databases and the client that reads them.
    Replicas,
    /// Every link.
    Network,
}

impl Group {
    /// Every group, in display order.
    pub const ALL: [Group; 5] = [Group::Producer, Group::Broker, Group::Consumers, Group::Replicas, Group::Network];
}

/// One config key: a row of [`CONFIG_KEYS`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfigKey {
    /// The key as written in `config` (nested) or in a `set` (dotted: `network.drop`).
    pub name: &'static str,
    /// Its range or allowed values.
    pub accepts: Accepts,
    /// The unit of a number, if it has one (`ms`).
    pub unit: Option<&'static str>,
    /// The part of the pipeline it configures.
    pub group: Group,
    /// Whether it shapes the topology: a `set` of it is refused after `at_ms` 0, and the page
    /// restarts the run to change it.
    pub topology: bool,
    /// What it does, in Korean.
    pub doc_ko: &'static str,
    /// What it does, in English.
    pub doc_en: &'static str,
}

impl ConfigKey {
    /// What it does, in Korean (`ko`) or English.
    pub fn doc(&self, ko: bool) -> &'static str {
        if ko {
            self.doc_ko
        } else {
            self.doc_en
        }
    }

    /// The key's value in `config`, as JSON.
    pub fn value(&self, config: &Config) -> Value {
        let json = serde_json::to_value(config).expect("a config always serialises");
        field(&json, self.name).cloned().expect("every key of the table is a field of Config (tested)")
    }

    /// The key's default: its value in [`Config::default`].
    pub fn default_value(&self) -> Value {
        self.value(&Config::default())
    }

    /// What it accepts, for readers: the range, the unit and the rules that tie it to other keys
    /// (`integer 1..=9 (≤ brokers)`, `integer 0..=10000 (ms)`).
    pub fn accepts_text(&self) -> String {
        let mut text = self.accepts.describe();
        for note in self.unit.into_iter().chain(BOUNDS.iter().filter(|b| b.key == self.name).map(|b| b.text)) {
            text += &format!(" ({note})");
        }
        text
    }

    /// Sets the key to `value` after checking it against [`ConfigKey::accepts`]; on error
    /// `config` is unchanged. Rules that tie keys together are checked apart (they need every
    /// key of a change first).
    pub fn set(&self, config: &mut Config, value: &Value) -> Result<(), String> {
        let checked = self.accepts.check(value)?;
        let mut json = serde_json::to_value(&*config).expect("a config always serialises");
        let slot = field_mut(&mut json, self.name).expect("every key of the table is a field of Config (tested)");
        *slot = checked;
        *config = from_checked(json);
        Ok(())
    }

    /// Reads text typed into a form field as the JSON value this key takes: a number for a
    /// number key (when it reads as one), a boolean from `"true"`, else the text itself (so a
    /// bad entry still gets the key's own error message).
    pub fn value_from_text(&self, raw: &str) -> Value {
        let number = || -> Option<Value> {
            let text = raw.trim();
            match (text.parse::<i64>(), self.accepts) {
                (Ok(n), Accepts::Num { .. }) => Some(Value::from(n as f64)),
                (Ok(n), _) => Some(Value::from(n)),
                (Err(_), _) => text.parse::<f64>().ok().map(Value::from),
            }
        };
        match self.accepts {
            Accepts::Bool => Value::Bool(raw == "true"),
            Accepts::Int { .. } | Accepts::Num { .. } => number().unwrap_or_else(|| Value::String(raw.to_string())),
            Accepts::Choice(_) | Accepts::Acks => Value::String(raw.to_string()),
        }
    }
}

/// A value already checked against its key's [`Accepts`], converted to the field's type.
pub(super) fn from_checked<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a checked value fits its field (tested)")
}

/// The value at a dotted path in a JSON object.
fn field<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(json, |v, k| v.get(k))
}

fn field_mut<'a>(json: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.').try_fold(json, |v, k| v.get_mut(k))
}

/// Every config key, in the contract's order (the order errors are reported in).
pub fn config_keys() -> &'static [ConfigKey] {
    CONFIG_KEYS
}

/// The row of a key, by its name (`acks`, `network.drop`).
pub fn config_key(name: &str) -> Option<&'static ConfigKey> {
    CONFIG_KEYS.iter().find(|k| k.name == name)
}

/// The row of a key the validator itself names; a missing row is a bug in the table.
pub(super) fn known_key(name: &str) -> &'static ConfigKey {
    config_key(name).unwrap_or_else(|| panic!("`{name}` is in the config key table"))
}

/// Whether `name` is a key that shapes the topology (false for an unknown key).
pub fn is_topology_key(name: &str) -> bool {
    config_key(name).is_some_and(|k| k.topology)
}

/// A rule that ties a key to others, checked once every key of a change is set.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    /// The key that has to change when the rule is broken (the error names it).
    pub key: &'static str,
    /// The rule for readers, shown after the key's own range.
    pub text: &'static str,
    /// Why `config` breaks the rule, or None.
    pub broken: fn(&Config) -> Option<String>,
}

/// The rules that tie keys together, in the order they are checked.
pub const BOUNDS: &[Bound] = &[
    Bound {
        key: "replication_factor",
        text: "≤ brokers",
        broken: |c| {
            (c.replication_factor > c.brokers).then(|| {
                format!("{} copies need at least as many brokers, but brokers is {}", c.replication_factor, c.brokers)
            })
        },
    },
    Bound {
        key: "min_insync_replicas",
        text: "≤ replication_factor",
        broken: |c| {
            (c.min_insync_replicas > c.replication_factor).then(|| {
                format!(
                    "must be at most replication_factor ({}), got {} (acks=all could never succeed)",
                    c.replication_factor, c.min_insync_replicas
                )
            })
        },
    },
    Bound {
        key: "max_in_flight",
        text: "≤ 5 with idempotent_producer",
        broken: |c| {
            (c.idempotent_producer && c.max_in_flight > 5).then(|| {
                format!(
                    "must be at most 5 when idempotent_producer is true (Kafka: enable.idempotence requires \
                     max.in.flight.requests.per.connection ≤ 5), got {}",
                    c.max_in_flight
                )
            })
        },
    },
];

/// The table. Order is the contract's order; keys of one object (`network.*`) stay together.
pub const CONFIG_KEYS: &[ConfigKey] = &[
    ConfigKey {
        name: "brokers",
        accepts: Int { lo: 1, hi: 9 },
        unit: None,
        group: Broker,
        topology: true,
        doc_ko: "카프카 같은 브로커 수 (broker-1…broker-N).",
        doc_en: "Kafka-like brokers broker-1…broker-N.",
    },
    ConfigKey {
        name: "partitions",
        accepts: Int { lo: 1, hi: 12 },
        unit: None,
        group: Broker,
        topology: true,
        doc_ko: "배달 토픽의 파티션 수.",
        doc_en: "Partitions of the delivery topic.",
    },
    ConfigKey {
        name: "replication_factor",
        accepts: Int { lo: 1, hi: 9 },
        unit: None,
        group: Broker,
        topology: true,
        doc_ko: "파티션마다 둘 복제본 수.",
        doc_en: "Copies of each partition.",
    },
    ConfigKey {
        name: "min_insync_replicas",
        accepts: Int { lo: 1, hi: 9 },
        unit: None,
        group: Broker,
        topology: false,
        doc_ko: "acks=all 쓰기를 받으려면 필요한 ISR 크기.",
        doc_en: "ISR size acks=all needs to accept a write.",
    },
    ConfigKey {
        name: "acks",
        accepts: Accepts::Acks,
        unit: None,
        group: Producer,
        topology: false,
        doc_ko: "생산자에게 응답하기 전에 레코드를 가져야 하는 복제본 수.",
        doc_en: "Replicas that must have a record before the producer is answered.",
    },
    ConfigKey {
        name: "unclean_leader_election",
        accepts: Bool,
        unit: None,
        group: Broker,
        topology: false,
        doc_ko: "동기화되지 않은 복제본도 리더가 될 수 있는지.",
        doc_en: "Whether an out-of-sync replica may become leader.",
    },
    ConfigKey {
        name: "idempotent_producer",
        accepts: Bool,
        unit: None,
        group: Producer,
        topology: false,
        doc_ko: "생산자 ID + 순번: 브로커가 이미 가진 재시도 배치를 버립니다.",
        doc_en: "Producer id + sequence numbers: the broker drops retried batches it has.",
    },
    ConfigKey {
        name: "max_in_flight",
        accepts: Int { lo: 1, hi: 10 },
        unit: None,
        group: Producer,
        topology: false,
        doc_ko: "브로커 연결마다 응답을 기다리는 요청 수 (요청 하나에 파티션별 배치).",
        doc_en: "Unacknowledged requests per broker connection (each with a batch per partition).",
    },
    ConfigKey {
        name: "partitioner",
        accepts: Choice(&["key", "round_robin"]),
        unit: None,
        group: Producer,
        topology: false,
        doc_ko: "레코드의 파티션을 고르는 방법.",
        doc_en: "How a record's partition is chosen.",
    },
    ConfigKey {
        name: "publish",
        accepts: Choice(&["outbox", "dual_write"]),
        unit: None,
        group: Producer,
        topology: false,
        doc_ko: "서비스가 이벤트를 브로커로 보내는 방법.",
        doc_en: "How the service gets an event to the broker.",
    },
    ConfigKey {
        name: "outbox_shards",
        accepts: Int { lo: 1, hi: 8 },
        unit: None,
        group: Producer,
        topology: true,
        doc_ko: "아웃박스 샤드 수, 샤드마다 CDC 릴레이 하나 (relay-0…).",
        doc_en: "Outbox shards, one CDC relay each (relay-0…).",
    },
    ConfigKey {
        name: "consumer_commit",
        accepts: Choice(&["after_process", "before_process"]),
        unit: None,
        group: Consumers,
        topology: false,
        doc_ko: "소비자가 오프셋을 커밋하는 때: 최소 한 번 또는 최대 한 번.",
        doc_en: "When consumers commit offsets: at-least-once or at-most-once.",
    },
    ConfigKey {
        name: "idempotent_consumer",
        accepts: Bool,
        unit: None,
        group: Consumers,
        topology: false,
        doc_ko: "소비자가 처리한 이벤트 ID를 기록하고 반복을 건너뜁니다.",
        doc_en: "Consumers record processed event ids and skip repeats.",
    },
    ConfigKey {
        name: "replicas",
        accepts: Int { lo: 1, hi: 5 },
        unit: None,
        group: Replicas,
        topology: true,
        doc_ko: "복제 DB 수 (db1…dbR), 각각 소비자 그룹 하나.",
        doc_en: "Replica databases db1…dbR, one consumer group each.",
    },
    ConfigKey {
        name: "consumers_per_group",
        accepts: Int { lo: 1, hi: 6 },
        unit: None,
        group: Consumers,
        topology: true,
        doc_ko: "복제본마다 소비자 그룹의 구성원 수 (dbI-c1…).",
        doc_en: "Members of each replica's consumer group (dbI-c1…).",
    },
    ConfigKey {
        name: "write_mode",
        accepts: Choice(&["serial_sync", "quorum", "serial_async", "via_broker"]),
        unit: None,
        group: Replicas,
        topology: false,
        doc_ko: "복제본이 쓰기를 받는 방법과 쓴 쪽에 응답하는 때.",
        doc_en: "How replicas get a write and when the writer is acknowledged.",
    },
    ConfigKey {
        name: "read_mode",
        accepts: Choice(&["one", "quorum", "all"]),
        unit: None,
        group: Replicas,
        topology: false,
        doc_ko: "클라이언트가 읽는 방법.",
        doc_en: "How the client reads.",
    },
    ConfigKey {
        name: "network.latency_ms",
        accepts: Int { lo: 0, hi: 10_000 },
        unit: Some("ms"),
        group: Network,
        topology: false,
        doc_ko: "모든 연결의 한 방향 지연.",
        doc_en: "One-way latency of every link.",
    },
    ConfigKey {
        name: "network.jitter_ms",
        accepts: Int { lo: 0, hi: 10_000 },
        unit: Some("ms"),
        group: Network,
        topology: false,
        doc_ko: "여기까지의 균등한 추가 지연.",
        doc_en: "Uniform extra delay up to this.",
    },
    ConfigKey {
        name: "network.drop",
        accepts: Num { lo: 0.0, hi: 1.0 },
        unit: None,
        group: Network,
        topology: false,
        doc_ko: "메시지가 사라질 확률.",
        doc_en: "Probability that a message is lost.",
    },
    ConfigKey {
        name: "network.duplicate",
        accepts: Num { lo: 0.0, hi: 1.0 },
        unit: None,
        group: Network,
        topology: false,
        doc_ko: "메시지가 두 번 도착할 확률.",
        doc_en: "Probability that a message is delivered twice.",
    },
    ConfigKey {
        name: "servers",
        accepts: Int { lo: 0, hi: 6 },
        unit: None,
        group: Consumers,
        topology: true,
        doc_ko: "이벤트 버스 서버 수 (server-1…, 0이면 없음).",
        doc_en: "Event-bus servers server-1…server-N (0: no event bus).",
    },
    ConfigKey {
        name: "bus_groups",
        accepts: Choice(&["per_server", "shared"]),
        unit: None,
        group: Consumers,
        topology: true,
        doc_ko: "서버마다 소비자 그룹 하나, 또는 공유 그룹 하나.",
        doc_en: "One consumer group per server, or one shared group.",
    },
    ConfigKey {
        name: "dashboard",
        accepts: Bool,
        unit: None,
        group: Consumers,
        topology: true,
        doc_ko: "스트림 대시보드를 돌릴지.",
        doc_en: "Whether the streams dashboard runs.",
    },
    ConfigKey {
        name: "relay_ms_per_record",
        accepts: Num { lo: 0.0, hi: 1000.0 },
        unit: Some("ms"),
        group: Producer,
        topology: false,
        doc_ko: "릴레이가 아웃박스 레코드 하나에 쓰는 CPU 시간.",
        doc_en: "CPU time a relay spends per outbox record.",
    },
    ConfigKey {
        name: "consumer_ms_per_record",
        accepts: Num { lo: 0.0, hi: 1000.0 },
        unit: Some("ms"),
        group: Consumers,
        topology: false,
        doc_ko: "소비자가 레코드 하나를 반영하는 데 쓰는 CPU 시간.",
        doc_en: "CPU time a consumer spends applying one record.",
    },
    ConfigKey {
        name: "replica_spread_ms",
        accepts: Int { lo: 0, hi: 1000 },
        unit: Some("ms"),
        group: Replicas,
        topology: false,
        doc_ko: "복제본 dbI는 (I-1) × 이 값만큼 더 멀리 있습니다 (다른 영역): 그 연결에 더해지는 한 방향 지연.",
        doc_en: "Replica dbI sits (I-1) × this much farther away (other zones): extra one-way latency on its links.",
    },
    ConfigKey {
        name: "relay_producer.acks",
        accepts: Accepts::Acks,
        unit: None,
        group: Producer,
        topology: false,
        doc_ko: "릴레이(Kafka Connect 소스 태스크) 프로듀서의 acks: 커넥터의 producer.override.acks. 워커 기본값 all.",
        doc_en: "acks of the relays' (Kafka Connect source tasks') producer: the connector's producer.override.acks. The worker's default: all.",
    },
    ConfigKey {
        name: "relay_producer.idempotent",
        accepts: Bool,
        unit: None,
        group: Producer,
        topology: false,
        doc_ko: "릴레이 프로듀서의 멱등성: producer.override.enable.idempotence. Connect 워커는 끕니다(false).",
        doc_en: "Idempotence of the relays' producer: producer.override.enable.idempotence. The Connect worker turns it off (false).",
    },
    ConfigKey {
        name: "relay_producer.max_in_flight",
        accepts: Int { lo: 1, hi: 10 },
        unit: None,
        group: Producer,
        topology: false,
        doc_ko: "릴레이 프로듀서가 응답을 기다리는 요청 수: producer.override.max.in.flight.requests.per.connection. 워커 기본값 1.",
        doc_en: "Unacknowledged requests of the relays' producer: producer.override.max.in.flight.requests.per.connection. The worker's default: 1.",
    },
];

#[cfg(test)]
mod tests;
