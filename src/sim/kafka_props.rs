//! Real Kafka settings: for a [`Config`], the producer, topic/broker and consumer properties and
//! the Debezium outbox connector a real deployment would use, under their documented names.
//!
//! The model is Kafka-like, not Kafka: its timings are compressed (a broker session of 600 ms
//! instead of 9 s, …) so a lesson fits in seconds. Each property shows the value a real
//! deployment should use for the same behaviour, and the note says what the model does instead
//! when it differs. Names and defaults were checked against:
//!
//! - Kafka producer configs: <https://kafka.apache.org/documentation/#producerconfigs>
//!   (`acks` default `all` and `enable.idempotence` default `true` since Kafka 3.0, KIP-679;
//!   idempotence requires `acks=all`, `retries > 0` and
//!   `max.in.flight.requests.per.connection ≤ 5`; `retries` default 2147483647;
//!   `delivery.timeout.ms` default 120000; `request.timeout.ms` default 30000).
//! - Kafka consumer configs: <https://kafka.apache.org/documentation/#consumerconfigs>
//!   (`enable.auto.commit` default `true`; `session.timeout.ms` default 45000 since 3.0, KIP-735;
//!   `heartbeat.interval.ms` default 3000; `isolation.level` default `read_uncommitted`;
//!   `auto.offset.reset` default `latest`).
//! - Kafka topic and broker configs: <https://kafka.apache.org/documentation/#topicconfigs>,
//!   <https://kafka.apache.org/documentation/#brokerconfigs> (`min.insync.replicas` default 1,
//!   `unclean.leader.election.enable` default `false`, `replica.lag.time.max.ms` default 30000,
//!   `num.partitions` and `default.replication.factor` default 1).
//! - Kafka Connect per-connector client overrides (`producer.override.*`, allowed by the worker's
//!   `connector.client.config.override.policy=All`), KIP-458; `offset.flush.interval.ms` default
//!   60000: <https://kafka.apache.org/documentation/#connectconfigs>.
//! - Debezium MySQL connector: <https://debezium.io/documentation/reference/stable/connectors/mysql.html>
//!   (`connector.class=io.debezium.connector.mysql.MySqlConnector`; it reads the binlog with a
//!   single task, so `tasks.max=1`; `topic.prefix` names the logical server since Debezium 2.0;
//!   `database.server.id` must be unique per connector).
//! - Debezium outbox event router: <https://debezium.io/documentation/reference/stable/transformations/outbox-event-router.html>
//!   (`transforms.outbox.type=io.debezium.transforms.outbox.EventRouter`; defaults
//!   `route.by.field=aggregatetype`, `route.topic.replacement=outbox.event.${routedByValue}`,
//!   `table.field.event.id=id`, `table.field.event.key=aggregateid`,
//!   `table.field.event.payload=payload`; the key keeps per-aggregate order in a partition).

use serde::Serialize;

use super::config::{Acks, BusGroups, CommitMode, Config, Partitioner, Publish};
use super::time::timing;
use super::time::MS;

/// One setting: a property (`key=value` in a `.properties` file or a connector's JSON), or, when
/// `is_property` is false, a practice that is code rather than configuration (when to call
/// `commitSync()`, the processed-events table) shown as a comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Prop {
    /// The documented property name (or a short label for a practice).
    pub key: String,
    /// The value for this config.
    pub value: String,
    /// Why, in Korean.
    pub note_ko: String,
    /// Why, in English.
    pub note_en: String,
    /// False for a practice written as a comment, not a property.
    pub is_property: bool,
}

/// A group of settings that go to one place (the producer, the topic, a connector…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Stable id: `producer`, `topic`, `consumer`, `debezium`, `event_bus`.
    pub id: &'static str,
    /// Heading in Korean.
    pub title_ko: String,
    /// Heading in English.
    pub title_en: String,
    /// The settings, in the order a reader should see them.
    pub props: Vec<Prop>,
}

/// Every section for one config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KafkaProps {
    pub sections: Vec<Section>,
}

fn p(key: &str, value: impl Into<String>, ko: impl Into<String>, en: impl Into<String>) -> Prop {
    Prop { key: key.to_string(), value: value.into(), note_ko: ko.into(), note_en: en.into(), is_property: true }
}

fn practice(key: &str, value: impl Into<String>, ko: impl Into<String>, en: impl Into<String>) -> Prop {
    Prop { is_property: false, ..p(key, value, ko, en) }
}

/// Model time in ms, for notes.
fn ms(t: u64) -> u64 {
    t / MS
}

/// The Kafka and Debezium settings equivalent to `config`.
pub fn for_config(config: &Config) -> KafkaProps {
    KafkaProps {
        sections: vec![
            relay_producer(config),
            producer(config),
            topic(config),
            consumer(config),
            debezium(config),
            event_bus(config),
        ],
    }
    .without_empty()
}

impl KafkaProps {
    fn without_empty(mut self) -> Self {
        self.sections.retain(|s| !s.props.is_empty());
        self
    }

    /// One section by id.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// The value of a property in a section (first match), for tests and the page.
    pub fn value(&self, section: &str, key: &str) -> Option<&str> {
        self.section(section)?.props.iter().find(|p| p.key == key).map(|p| p.value.as_str())
    }

    /// `.properties` text with English notes as comments (see [`KafkaProps::to_properties_text_in`]).
    pub fn to_properties_text(&self) -> String {
        self.to_properties_text_in(false)
    }

    /// `.properties` text, one `# [section]` heading per section, each property preceded by its
    /// note as a `#` comment (Korean when `ko`); practices are comments only.
    pub fn to_properties_text_in(&self, ko: bool) -> String {
        let mut out = String::new();
        for (i, s) in self.sections.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let title = if ko { &s.title_ko } else { &s.title_en };
            out += &format!("# ---- [{}] {title}\n", s.id);
            for prop in &s.props {
                if s.id == "debezium" && prop.key == "name" {
                    // Each connector is its own config (a JSON body for the Connect REST API).
                    out += &format!("\n# -- connector {}\n", prop.value);
                }
                if s.id == "debezium" && prop.key == "worker" {
                    out += "\n# -- Kafka Connect worker\n";
                }
                let note = if ko { &prop.note_ko } else { &prop.note_en };
                for line in note.lines() {
                    out += &format!("# {line}\n");
                }
                if prop.is_property {
                    out += &format!("{}={}\n", prop.key, prop.value);
                } else {
                    out += &format!("# ({}) {}\n", prop.key, prop.value);
                }
            }
        }
        out
    }
}

/// The settings one producer client runs with, as its section shows them.
struct Client {
    acks: Acks,
    idempotent: bool,
    max_in_flight: u32,
    /// Why idempotence is what it is (Korean, English), when it is not simply the value set.
    idempotence_why: Option<(&'static str, &'static str)>,
}

/// The service's own producer: dual write and the event bus. Kafka client defaults, with Kafka's
/// rule for a defaulted `enable.idempotence` (`Config::service_idempotence`).
fn producer(c: &Config) -> Section {
    if c.publish == Publish::Outbox && c.servers == 0 {
        return Section { id: "producer", title_ko: String::new(), title_en: String::new(), props: Vec::new() };
    }
    let defaulted_off = c.acks != Acks::All;
    let client = Client {
        acks: c.acks,
        idempotent: c.service_idempotence(),
        max_in_flight: c.max_in_flight,
        idempotence_why: defaulted_off.then_some((
            "acks가 all이 아니어서 꺼졌습니다: Kafka는 기본값으로 둔 enable.idempotence를 끄고(ProducerConfig), true로 명시하면 설정 오류(ConfigException)로 거부합니다. 이 랩도 같습니다: idempotent_producer=true를 acks≠all과 함께 쓰면 두 키를 짚는 오류가 납니다.",
            "Off because acks is not all: Kafka turns a defaulted enable.idempotence off (ProducerConfig) and refuses an explicit true (ConfigException). So does the lab: idempotent_producer=true with acks other than all is an error naming both keys.",
        )),
    };
    let mut props = client_props(&client);
    props.push(p(
        "delivery.timeout.ms",
        "120000",
        format!("send() 후 성공/실패를 알리기까지의 상한(기본 120초). 모델은 {} ms로 줄였습니다. 이중 쓰기에서는 이 시간이 지나면 이벤트를 포기하고 아무도 다시 보내지 않습니다.", ms(timing::DELIVERY_TIMEOUT)),
        format!("Upper bound from send() to success or failure (default 120 s). The model uses {} ms. In dual write the event is given up after it, and nothing resends it.", ms(timing::DELIVERY_TIMEOUT)),
    ));
    props.push(partitioner(c));
    Section {
        id: "producer",
        title_ko: "프로듀서 — 서비스가 직접 쓰는 프로듀서(이중 쓰기, 이벤트 버스)".into(),
        title_en: "Producer — the service's own producer (dual write, event bus)".into(),
        props,
    }
}

/// The relays' producer: what the Kafka Connect worker gives every source task
/// (`Worker.baseProducerConfigs`), with the connector's `producer.override.*` (`relay_producer`).
fn relay_producer(c: &Config) -> Section {
    if c.publish != Publish::Outbox {
        return Section { id: "relay_producer", title_ko: String::new(), title_en: String::new(), props: Vec::new() };
    }
    let r = c.relay_producer;
    let client = Client {
        acks: r.acks,
        idempotent: r.idempotent,
        max_in_flight: r.max_in_flight,
        idempotence_why: (!r.idempotent).then_some((
            "Connect 워커는 Kafka 3.0부터 클라이언트 기본값(true)과 달리 소스 태스크 프로듀서의 멱등성을 끕니다(오래된 브로커와의 호환). 켜려면 커넥터에 producer.override.enable.idempotence=true(relay_producer.idempotent). 켜도 태스크가 재시작하면 새 producer id를 받으므로, 오프셋 플러시 전의 장애로 다시 발행한 레코드는 브로커가 중복으로 알아보지 못합니다.",
            "The Connect worker turns idempotence off for source-task producers, unlike the client default (true) since Kafka 3.0, to keep working with older brokers. Turn it on with producer.override.enable.idempotence=true in the connector (relay_producer.idempotent). Even on, a restarted task gets a new producer id, so what it publishes again after a crash before its offset flush is new to the broker.",
        )),
    };
    let mut props = client_props(&client);
    props.push(p(
        "delivery.timeout.ms",
        "2147483647",
        "Connect 워커의 값(Integer.MAX_VALUE): 릴레이는 레코드를 포기하지 않고 끝없이 재시도합니다.",
        "The Connect worker's value (Integer.MAX_VALUE): a relay never gives a record up and retries for ever.",
    ));
    props.push(p(
        "max.block.ms",
        "9223372036854775807",
        "Connect 워커의 값(Long.MAX_VALUE): 메타데이터나 버퍼를 기다리며 send()가 실패하지 않습니다. linger.ms는 워커가 정하지 않아 클라이언트 기본값(Kafka 4.0 전 0, 4.0부터 5 ms, KIP-1030)입니다.",
        "The Connect worker's value (Long.MAX_VALUE): send() never fails waiting for metadata or buffer space. The worker leaves linger.ms alone: the client default (0 before Kafka 4.0, 5 ms since, KIP-1030).",
    ));
    props.push(partitioner(c));
    Section {
        id: "relay_producer",
        title_ko: "릴레이 — Kafka Connect 소스 태스크 프로듀서(워커 기본값; 커넥터에서는 producer.override.*)".into(),
        title_en: "Relay — the Kafka Connect source task producer (the worker's defaults; producer.override.* in the connector)".into(),
        props,
    }
}

/// What both producers show: acks, idempotence, in-flight requests, retries, timeouts, metadata.
fn client_props(client: &Client) -> Vec<Prop> {
    let idempotence_note = |on: bool| -> (&'static str, &'static str) {
        match (on, client.idempotence_why) {
            (false, Some(why)) => why,
            (true, _) => (
                "producer id + 파티션별 시퀀스 번호로 브로커가 재전송 중복을 버립니다. 한 프로듀서 세션 안의 자기 재전송만 해당되며, 컨슈머 재처리는 막지 못합니다.",
                "Producer id + per-partition sequence numbers let the broker drop resent duplicates. It covers only this producer's own resends within one session; it does not stop consumer reprocessing.",
            ),
            (false, None) => (
                "끄면 응답을 잃은 뒤의 재전송이 같은 레코드를 한 번 더 추가합니다.",
                "Off: a resend after a lost acknowledgement appends the record a second time.",
            ),
        }
    };
    let (idem_ko, idem_en) = idempotence_note(client.idempotent);
    vec![
        p(
            "acks",
            client.acks.as_str(),
            match client.acks {
                Acks::Zero => "응답을 기다리지 않습니다. 재시도도 없고, 잃어도 모릅니다.",
                Acks::One => "리더가 자기 로그에 쓰면 응답합니다. 팔로워가 받기 전에 리더가 죽으면 확인된 레코드를 잃습니다.",
                Acks::All => "ISR 모두가 가진 뒤 응답합니다(Kafka 3.0부터 기본값). min.insync.replicas와 함께 지속성을 정합니다.",
            },
            match client.acks {
                Acks::Zero => "Does not wait for any answer: no retries, and a loss goes unnoticed.",
                Acks::One => "The leader answers once its own log has the record; if it dies before the followers copy it, an acknowledged record is lost.",
                Acks::All => "Answered once every in-sync replica has it (the default since Kafka 3.0); with min.insync.replicas it sets durability.",
            },
        ),
        p("enable.idempotence", client.idempotent.to_string(), idem_ko, idem_en),
        p(
            "max.in.flight.requests.per.connection",
            client.max_in_flight.to_string(),
            "브로커 연결마다 응답을 기다리는 요청 수. 요청 하나가 그 브로커가 리더인 파티션마다 배치 하나씩을 싣습니다(batch.size 16384, linger.ms 5). 멱등성이 켜져 있으면 5 이하에서 재시도에도 순서가 지켜지고, 꺼져 있으면 1보다 클 때 재시도가 순서를 바꿀 수 있습니다.",
            "Unacknowledged requests per broker connection; each request carries one batch for every partition that broker leads (batch.size 16384, linger.ms 5). With idempotence on, up to 5 keep order across retries; with it off, more than 1 lets a retry reorder records.",
        ),
        p(
            "retries",
            if client.acks == Acks::Zero { "0" } else { "2147483647" },
            "기본값은 사실상 무한 재시도이고, 실제 상한은 delivery.timeout.ms입니다.",
            "The default is effectively unbounded; delivery.timeout.ms is the real limit.",
        ),
        p(
            "request.timeout.ms",
            "30000",
            format!("응답을 기다리는 시간(기본 30초, 모델 {} ms). 응답을 잃으면 이 시간 뒤에 재전송합니다.", ms(timing::REQUEST_TIMEOUT)),
            format!("How long to wait for an answer (default 30 s; the model: {} ms). A lost answer is followed by a resend after it.", ms(timing::REQUEST_TIMEOUT)),
        ),
        metadata_max_age(),
    ]
}

/// `metadata.max.age.ms`, the same for every client (producers and consumers).
fn metadata_max_age() -> Prop {
    p(
        "metadata.max.age.ms",
        "300000",
        format!("리더가 바뀐 줄 몰라도 이 주기마다 메타데이터를 새로 받습니다(기본 5분, 모델 {} ms). 타임아웃, 끊긴 연결, NOT_LEADER_OR_FOLLOWER에는 바로 새로 받습니다.", ms(timing::METADATA_MAX_AGE)),
        format!("Metadata is refreshed at least this often even without a sign of a leader change (default 5 min; the model: {} ms). A timeout, a lost connection or NOT_LEADER_OR_FOLLOWER refreshes it at once.", ms(timing::METADATA_MAX_AGE)),
    )
}

/// How records are spread over partitions: the default partitioner by key, or round robin.
fn partitioner(c: &Config) -> Prop {
    match c.partitioner {
        Partitioner::Key => practice(
            "partitioner",
            "default: murmur2(key) % partitions, key = delivery id",
            "partitioner.class를 두지 않는 기본 파티셔너: 키(배달 id)가 같으면 같은 파티션 → 같은 순서. 아웃박스에서는 Debezium이 aggregateid를 키로 씁니다.",
            "Leave partitioner.class unset: the default partitioner sends one key (the delivery id) to one partition, in order. With the outbox, Debezium uses aggregateid as the key.",
        ),
        Partitioner::RoundRobin => p(
            "partitioner.class",
            "org.apache.kafka.clients.producer.RoundRobinPartitioner",
            "키를 무시하고 차례로 파티션을 돌립니다. 부하는 고르지만 한 배달의 이벤트가 여러 파티션으로 흩어져 순서가 깨집니다.",
            "Ignores the key and cycles through partitions: even load, but one delivery's events spread over partitions and lose their order.",
        ),
    }
}

fn topic(c: &Config) -> Section {
    let props = vec![
        practice(
            "brokers",
            format!("{} (node.id 1..{})", c.brokers, c.brokers),
            "브로커 수(broker-1 …). KRaft 컨트롤러가 리더를 뽑습니다.",
            "Number of brokers (broker-1 …); a KRaft controller elects leaders.",
        ),
        p(
            "num.partitions",
            c.partitions.to_string(),
            "배달 토픽의 파티션 수(토픽 생성 시 --partitions). 그룹 안에서 병렬로 처리할 수 있는 컨슈머 수의 상한입니다.",
            "Partitions of the delivery topic (--partitions at creation). The most consumers of one group that can work in parallel.",
        ),
        p(
            "replication.factor",
            c.replication_factor.to_string(),
            "각 파티션의 복제본 수(토픽 생성 시 --replication-factor, 브로커 기본값 default.replication.factor=1).",
            "Copies of each partition (--replication-factor at creation; the broker default, default.replication.factor, is 1).",
        ),
        p(
            "min.insync.replicas",
            c.min_insync_replicas.to_string(),
            "acks=all 쓰기가 받아들여지는 최소 ISR 크기(기본 1). ISR이 이보다 작으면 NotEnoughReplicas로 거부: 가용성을 내주고 지속성을 삽니다.",
            "Smallest ISR an acks=all write is accepted with (default 1). Below it writes fail with NotEnoughReplicas: availability traded for durability.",
        ),
        p(
            "unclean.leader.election.enable",
            c.unclean_leader_election.to_string(),
            if c.unclean_leader_election {
                "ISR 밖의 뒤처진 복제본도 리더가 될 수 있습니다: 빨리 돌아오지만 커밋된 레코드를 잃을 수 있습니다."
            } else {
                "ISR 안의 복제본만 리더가 됩니다(기본값). ISR이 모두 죽으면 돌아올 때까지 파티션을 쓸 수 없습니다."
            },
            if c.unclean_leader_election {
                "A lagging replica outside the ISR may lead: back sooner, but committed records can be lost."
            } else {
                "Only an in-sync replica may lead (the default); if the whole ISR is down, the partition waits for it."
            },
        ),
        p(
            "replica.lag.time.max.ms",
            "30000",
            format!("이 시간 동안 따라잡지 못한 팔로워는 ISR에서 빠집니다(기본 30초, 모델 {} ms).", ms(timing::REPLICA_LAG_MAX)),
            format!("A follower that has not caught up for this long leaves the ISR (default 30 s; the model: {} ms).", ms(timing::REPLICA_LAG_MAX)),
        ),
    ];
    Section { id: "topic", title_ko: "토픽과 브로커".into(), title_en: "Topic and brokers".into(), props }
}

fn consumer(c: &Config) -> Section {
    if c.replicas == 0 {
        return Section { id: "consumer", title_ko: String::new(), title_en: String::new(), props: Vec::new() };
    }
    let groups: Vec<String> = (1..=c.replicas).map(|i| format!("delivery-replica-db{i}")).collect();
    let mut props = vec![
        p(
            "group.id",
            groups[0].clone(),
            format!(
                "복제본마다 컨슈머 그룹 하나({}): 그룹마다 오프셋이 따로라서 복제본이 각자 진행합니다. 한 그룹 안에서 한 파티션은 한 멤버만 읽습니다.",
                groups.join(", ")
            ),
            format!(
                "One consumer group per replica ({}): each group keeps its own offsets, so replicas progress independently. Within a group a partition is read by one member.",
                groups.join(", ")
            ),
        ),
        practice(
            "instances per group",
            c.consumers_per_group.to_string(),
            "그룹당 컨슈머 인스턴스 수(dbI-c1 …). 파티션 수보다 많으면 남는 인스턴스는 놉니다.",
            "Consumer instances per group (dbI-c1 …); beyond the partition count the extra ones sit idle.",
        ),
        p(
            "enable.auto.commit",
            "false",
            "자동 커밋(기본 true)은 처리와 무관한 주기로 오프셋을 커밋합니다. 끄고 직접 커밋해야 '처리 후 커밋'과 '처리 전 커밋'을 고를 수 있습니다.",
            "Auto-commit (default true) commits on a timer, unrelated to processing. Turn it off and commit yourself to choose commit-after or commit-before processing.",
        ),
        match c.consumer_commit {
            CommitMode::AfterProcess => practice(
                "offset commit",
                "commitSync() after the record is applied",
                "처리 후 커밋: 최소 한 번(at-least-once). 적용 뒤 커밋 전에 죽으면 같은 레코드를 다시 받습니다 — 그래서 멱등 컨슈머가 필요합니다.",
                "Commit after processing: at-least-once. A crash between apply and commit redelivers the record, which is why the consumer must be idempotent.",
            ),
            CommitMode::BeforeProcess => practice(
                "offset commit",
                "commitSync() before the record is applied",
                "처리 전 커밋: 최대 한 번(at-most-once). 커밋 뒤 적용 전에 죽으면 그 레코드는 건너뜁니다(유실).",
                "Commit before processing: at-most-once. A crash between commit and apply skips the record (lost).",
            ),
        },
        if c.idempotent_consumer {
            practice(
                "idempotent consumer",
                "processed_event(event_id PRIMARY KEY) written in the same DB transaction as the row",
                "처리한 이벤트 id를 행 갱신과 같은 로컬 트랜잭션에 기록하고, 이미 있으면 건너뜁니다. 아웃박스 헤더의 id(table.field.event.id)를 씁니다.",
                "Record the processed event id in the same local transaction as the row update and skip ids already there; use the outbox id header (table.field.event.id).",
            )
        } else {
            practice(
                "idempotent consumer",
                "off: every delivery of a record is applied",
                "끄면 재전송·재처리된 레코드가 다시 적용됩니다(duplicate_applied).",
                "Off: a resent or redelivered record is applied again (duplicate_applied).",
            )
        },
    ];
    props.extend(consumer_client());
    Section {
        id: "consumer",
        title_ko: "컨슈머(복제본 DB마다 그룹 하나)".into(),
        title_en: "Consumers (one group per replica DB)".into(),
        props,
    }
}

/// The client settings every consumer shares, whatever the config: what it reads, where a new
/// group starts, and how a dead member is noticed.
fn consumer_client() -> Vec<Prop> {
    vec![
        p(
            "isolation.level",
            "read_committed",
            "컨슈머는 어느 쪽이든 하이 워터마크까지만 읽습니다. read_committed는 트랜잭션 프로듀서의 중단된 쓰기도 숨깁니다(Kafka Connect의 exactly.once.support를 켤 때 필요). 기본값은 read_uncommitted.",
            "Either way consumers read only up to the high watermark; read_committed also hides aborted transactional writes (needed once Kafka Connect's exactly.once.support is on). The default is read_uncommitted.",
        ),
        p(
            "auto.offset.reset",
            "earliest",
            "커밋된 오프셋이 없는 그룹(새 복제본, 지운 복제본)은 오프셋 0부터 읽어 다시 만듭니다. 기본값 latest는 과거를 건너뜁니다.",
            "A group with no committed offset (a new or wiped replica) starts at offset 0 and rebuilds. The default, latest, would skip the past.",
        ),
        p(
            "session.timeout.ms",
            "45000",
            format!("하트비트가 이만큼 끊기면 그룹에서 빠지고 리밸런스합니다(3.0부터 기본 45초, 모델 {} ms).", ms(timing::CONSUMER_SESSION)),
            format!("Heartbeats missing this long remove a member and rebalance the group (default 45 s since 3.0; the model: {} ms).", ms(timing::CONSUMER_SESSION)),
        ),
        p(
            "heartbeat.interval.ms",
            "3000",
            format!("session.timeout.ms의 1/3 이하로(기본 3초, 모델 {} ms).", ms(timing::CONSUMER_HEARTBEAT)),
            format!("At most a third of session.timeout.ms (default 3 s; the model: {} ms).", ms(timing::CONSUMER_HEARTBEAT)),
        ),
        metadata_max_age(),
    ]
}

fn debezium(c: &Config) -> Section {
    let props = if c.publish == Publish::DualWrite {
        vec![practice(
            "not used",
            "publish=dual_write",
            "이중 쓰기에서는 CDC 커넥터가 없습니다. 서비스가 커밋 뒤 직접 보내므로, 그 사이의 장애는 이벤트를 잃습니다. publish=outbox로 바꾸면 아래 설정이 나옵니다.",
            "Dual write has no CDC connector: the service sends after its commit, and a failure in between loses the event. Set publish=outbox to see the connector here.",
        )]
    } else {
        let n = c.outbox_shards;
        let mut props = Vec::new();
        if n > 1 {
            props.push(practice(
                "sharding",
                format!("outbox_{{0..{}}}, shard = hash(delivery id) % {n}, one connector each", n - 1),
                "서비스가 배달 id 해시로 아웃박스 테이블을 고르고, 테이블마다 커넥터(태스크 1개)를 붙입니다. 같은 배달은 같은 테이블·같은 커넥터를 지나므로 키별 순서가 지켜집니다.",
                "The service picks the outbox table by a hash of the delivery id; each table has its own connector (one task). One delivery always goes through one table and one connector, so per-key order holds.",
            ));
        }
        props.extend((0..n).flat_map(|i| connector(c, i, n)));
        props.push(connect_worker());
        props
    };
    Section {
        id: "debezium",
        title_ko: "Debezium 아웃박스 커넥터".into(),
        title_en: "Debezium outbox connector".into(),
        props,
    }
}

/// The connector of outbox shard `i` of `n` (relay-i). Only the first one carries notes: the
/// others differ only in their names.
fn connector(c: &Config, i: u32, n: u32) -> Vec<Prop> {
    let mut props = connector_source(i, n);
    props.extend(outbox_router(c));
    if i > 0 {
        for prop in &mut props {
            prop.note_ko.clear();
            prop.note_en.clear();
        }
    }
    props
}

/// The MySQL source half of a connector: which binlog and table it reads, under which names.
fn connector_source(i: u32, n: u32) -> Vec<Prop> {
    let suffix = if n > 1 { format!("-{i}") } else { String::new() };
    let table = if n > 1 { format!("delivery.outbox_{i}") } else { "delivery.outbox".to_string() };
    vec![
        p(
            "name",
            format!("delivery-outbox{suffix}"),
            format!("커넥터 {i} (relay-{i})"),
            format!("Connector {i} (relay-{i})"),
        ),
        p(
            "connector.class",
            "io.debezium.connector.mysql.MySqlConnector",
            "binlog를 읽는 MySQL 소스 커넥터.",
            "The MySQL source connector: it reads the binlog.",
        ),
        p(
            "tasks.max",
            "1",
            "MySQL 커넥터는 binlog 순서를 지키려고 태스크 하나로만 동작합니다. 그래서 커넥터 하나가 병목이 됩니다.",
            "The MySQL connector always runs one task, to keep binlog order; that is why one connector becomes the bottleneck.",
        ),
        p(
            "database.server.id",
            format!("{}", 184_054 + i),
            "커넥터마다 고유한 복제 클라이언트 id.",
            "A replication client id unique per connector.",
        ),
        p(
            "topic.prefix",
            format!("delivery{suffix}"),
            "논리 서버 이름(Debezium 2.x; 1.x의 database.server.name).",
            "The logical server name (Debezium 2.x; database.server.name in 1.x).",
        ),
        p("table.include.list", table, "아웃박스 테이블만 읽습니다.", "Capture the outbox table only."),
        p(
            "tombstones.on.delete",
            "false",
            "아웃박스 행을 지워도 툼스톤을 보내지 않습니다.",
            "Deleting outbox rows sends no tombstones.",
        ),
    ]
}

/// The outbox event router half of a connector, and the producer overrides it publishes with.
fn outbox_router(c: &Config) -> Vec<Prop> {
    let mut props = vec![
        p("transforms", "outbox", "아웃박스 이벤트 라우터 SMT.", "The outbox event router SMT."),
        p(
            "transforms.outbox.type",
            "io.debezium.transforms.outbox.EventRouter",
            "",
            "",
        ),
        p(
            "transforms.outbox.route.by.field",
            "aggregatetype",
            "이 열의 값(delivery)으로 토픽을 정합니다(기본값).",
            "The column whose value (delivery) picks the topic (the default).",
        ),
        p(
            "transforms.outbox.route.topic.replacement",
            "outbox.event.${routedByValue}",
            "→ 토픽 outbox.event.delivery (기본값).",
            "→ topic outbox.event.delivery (the default).",
        ),
        p(
            "transforms.outbox.table.field.event.id",
            "id",
            "이벤트 id: 메시지 헤더 id로 나가고, 멱등 컨슈머가 중복을 거르는 데 씁니다.",
            "The event id: sent as the id header; the idempotent consumer dedups on it.",
        ),
        p(
            "transforms.outbox.table.field.event.key",
            "aggregateid",
            "메시지 키 = aggregateid 열 = 배달 id. 같은 배달은 같은 파티션으로 가서 순서가 지켜집니다.",
            "The message key = the aggregateid column = the delivery id, so one delivery stays in one partition, in order.",
        ),
        p("transforms.outbox.table.field.event.payload", "payload", "", ""),
    ];
    props.extend(producer_overrides(c));
    props
}

/// The connector's `producer.override.*`: only the settings that differ from what the Connect
/// worker gives a source task (`relay_producer` in the config).
fn producer_overrides(c: &Config) -> Vec<Prop> {
    let (r, worker) = (c.relay_producer, crate::sim::config::RelayProducer::default());
    let mut props = Vec::new();
    let note = (
        "워커 기본값을 바꾸는 커넥터 설정(위 릴레이 절).",
        "Overrides the worker's default (the relay section above).",
    );
    if r.acks != worker.acks {
        props.push(p("producer.override.acks", r.acks.as_str(), note.0, note.1));
    }
    if r.idempotent != worker.idempotent {
        props.push(p("producer.override.enable.idempotence", r.idempotent.to_string(), note.0, note.1));
    }
    if r.max_in_flight != worker.max_in_flight {
        props.push(p(
            "producer.override.max.in.flight.requests.per.connection",
            r.max_in_flight.to_string(),
            note.0,
            note.1,
        ));
    }
    props
}

/// The Kafka Connect worker settings every connector relies on.
fn connect_worker() -> Prop {
    practice(
        "worker",
        "connector.client.config.override.policy=All; offset.flush.interval.ms=60000",
        format!(
            "producer.override.*를 쓰려면 Connect 워커가 허용해야 합니다. 워커는 읽은 binlog 위치를 offset.flush.interval.ms마다 저장합니다(기본 60초, 모델 {} ms): 발행 뒤 저장 전에 죽으면 다시 발행합니다(최소 한 번).",
            ms(timing::RELAY_FLUSH)
        ),
        format!(
            "producer.override.* needs the Connect worker's permission. The worker saves the binlog position every offset.flush.interval.ms (default 60 s; the model: {} ms): a crash after publishing and before saving publishes again (at-least-once).",
            ms(timing::RELAY_FLUSH)
        ),
    )
}

fn event_bus(c: &Config) -> Section {
    let mut props = Vec::new();
    if c.servers > 0 {
        props.push(p(
            "num.partitions",
            "1",
            "이벤트 버스 토픽은 파티션 하나: 처리량은 필요 없고, 모든 서버가 같은 순서로 받아야 합니다.",
            "The event-bus topic has one partition: no throughput is needed, and every server must see changes in one order.",
        ));
        let (value, ko, en) = match c.bus_groups {
            BusGroups::PerServer => {
                let ids = (1..=c.servers).map(|i| format!("delivery-server-{i}")).collect::<Vec<_>>().join(", ");
                (
                    "delivery-server-1".to_string(),
                    format!("서버마다 다른 그룹 id({ids}; 스프링 클라우드 버스는 anonymous.{{UUID}}): 모든 서버가 모든 변경을 받습니다."),
                    format!("A group id per server ({ids}; Spring Cloud Bus uses anonymous.{{UUID}}): every server gets every change."),
                )
            }
            BusGroups::Shared => (
                "delivery-servers".to_string(),
                "모든 서버가 그룹 하나를 나눠 쓰면 파티션 하나는 한 서버에만 배정됩니다: 한 대만 변경을 받습니다.".to_string(),
                "All servers in one group: the one partition is assigned to one server, so only that server gets the change.".to_string(),
            ),
        };
        props.push(p("group.id", value, ko, en));
        props.push(p(
            "auto.offset.reset",
            "latest",
            "서버는 시작한 뒤의 변경만 받고, 시작할 때는 현재 규칙을 직접 불러옵니다.",
            "A server takes changes from its start on, and loads the current rule itself when it starts.",
        ));
    }
    Section { id: "event_bus", title_ko: "이벤트 버스".into(), title_en: "Event bus".into(), props }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::apply_cli_sets;

    fn cfg(sets: &[&str]) -> Config {
        let mut c = Config::default();
        apply_cli_sets(&mut c, sets).expect("valid sets");
        c
    }

    /// The defaults map to Kafka's documented names and the model's values.
    #[test]
    fn defaults_map_to_documented_names() {
        let k = for_config(&Config::default());
        assert!(k.section("producer").is_none(), "the service has no producer of its own with the outbox");
        let k = for_config(&cfg(&["publish=dual_write"]));
        assert_eq!(k.value("producer", "acks"), Some("all"));
        assert_eq!(k.value("producer", "enable.idempotence"), Some("true"));
        assert_eq!(k.value("producer", "max.in.flight.requests.per.connection"), Some("5"));
        assert_eq!(k.value("producer", "metadata.max.age.ms"), Some("300000"));
        let k = for_config(&Config::default());
        assert_eq!(k.value("consumer", "metadata.max.age.ms"), Some("300000"));
        assert_eq!(k.value("topic", "min.insync.replicas"), Some("2"));
        assert_eq!(k.value("topic", "replication.factor"), Some("3"));
        assert_eq!(k.value("topic", "num.partitions"), Some("3"));
        assert_eq!(k.value("topic", "unclean.leader.election.enable"), Some("false"));
        assert_eq!(k.value("consumer", "enable.auto.commit"), Some("false"));
        assert_eq!(k.value("consumer", "group.id"), Some("delivery-replica-db1"));
        assert_eq!(k.value("debezium", "connector.class"), Some("io.debezium.connector.mysql.MySqlConnector"));
        assert_eq!(k.value("debezium", "tasks.max"), Some("1"));
        assert_eq!(k.value("debezium", "transforms.outbox.type"), Some("io.debezium.transforms.outbox.EventRouter"));
        assert_eq!(k.value("debezium", "transforms.outbox.table.field.event.key"), Some("aggregateid"));
        assert_eq!(k.value("debezium", "transforms.outbox.route.by.field"), Some("aggregatetype"));
        assert!(k.section("event_bus").is_none(), "no event bus without servers");
    }

    /// Each setting that changes a lesson changes the matching property.
    #[test]
    fn settings_follow_the_config() {
        let k = for_config(&cfg(&[
            "publish=dual_write",
            "acks=1",
            "idempotent_producer=false",
            "partitioner=round_robin",
            "consumer_commit=before_process",
        ]));
        assert_eq!(k.value("producer", "acks"), Some("1"));
        assert_eq!(k.value("producer", "enable.idempotence"), Some("false"));
        assert_eq!(
            k.value("producer", "partitioner.class"),
            Some("org.apache.kafka.clients.producer.RoundRobinPartitioner")
        );
        assert_eq!(k.value("consumer", "offset commit"), Some("commitSync() before the record is applied"));
        let k = for_config(&cfg(&["publish=dual_write", "acks=1"]));
        assert_eq!(k.value("producer", "enable.idempotence"), Some("false"), "a defaulted idempotence is off");
        let k = for_config(&cfg(&["outbox_shards=3"]));
        let names: Vec<&str> =
            k.section("debezium").unwrap().props.iter().filter(|p| p.key == "name").map(|p| p.value.as_str()).collect();
        assert_eq!(names, ["delivery-outbox-0", "delivery-outbox-1", "delivery-outbox-2"]);
        let k = for_config(&cfg(&["publish=dual_write"]));
        assert_eq!(k.value("debezium", "not used"), Some("publish=dual_write"));
        let k = for_config(&cfg(&["servers=2", "bus_groups=shared"]));
        assert_eq!(k.value("event_bus", "group.id"), Some("delivery-servers"));
        let k = for_config(&cfg(&["servers=2", "bus_groups=per_server"]));
        assert_eq!(k.value("event_bus", "group.id"), Some("delivery-server-1"));
        assert!(k.section("event_bus").unwrap().props[1].note_en.contains("delivery-server-2"));
    }

    /// Every property has notes in both languages where it opens a topic, keys are non-empty,
    /// and the properties text has one `key=value` line per property, comments for the rest.
    #[test]
    fn properties_text_is_well_formed() {
        for sets in [&[][..], &["publish=dual_write"][..], &["outbox_shards=2", "servers=1"][..]] {
            let k = for_config(&cfg(sets));
            let text = k.to_properties_text();
            let text_ko = k.to_properties_text_in(true);
            let props = k.sections.iter().flat_map(|s| &s.props).filter(|p| p.is_property).count();
            for t in [&text, &text_ko] {
                let lines = t.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).count();
                assert_eq!(lines, props, "{t}");
                assert!(t.lines().all(|l| l.is_empty()
                    || l.starts_with('#')
                    || l.split_once('=').is_some_and(|(k, _)| !k.is_empty())));
            }
            for s in &k.sections {
                assert!(!s.title_ko.is_empty() && !s.title_en.is_empty());
                for p in &s.props {
                    assert!(!p.key.is_empty() && !p.value.is_empty(), "{p:?}");
                    assert_eq!(p.note_ko.is_empty(), p.note_en.is_empty(), "{p:?}");
                }
            }
            assert!(text_ko.chars().any(|c| ('가'..='힣').contains(&c)));
        }
    }

    /// relay_producer_shows_connect_defaults: with the outbox, `lab config` shows the relays'
    /// producer as the Connect worker builds it, apart from the service's, and a connector's
    /// `producer.override.*` only for what differs from the worker's defaults.
    #[test]
    fn relay_producer_shows_connect_defaults() {
        let k = for_config(&Config::default());
        assert_eq!(k.value("relay_producer", "acks"), Some("all"));
        assert_eq!(k.value("relay_producer", "enable.idempotence"), Some("false"));
        assert_eq!(k.value("relay_producer", "max.in.flight.requests.per.connection"), Some("1"));
        assert_eq!(k.value("relay_producer", "delivery.timeout.ms"), Some("2147483647"));
        assert_eq!(k.value("relay_producer", "max.block.ms"), Some("9223372036854775807"));
        assert_eq!(k.value("relay_producer", "metadata.max.age.ms"), Some("300000"));
        assert_eq!(k.value("debezium", "producer.override.acks"), None, "no override at the worker's defaults");
        let k = for_config(&cfg(&["relay_producer.acks=1", "acks=0"]));
        assert_eq!(k.value("relay_producer", "acks"), Some("1"));
        assert_eq!(k.value("debezium", "producer.override.acks"), Some("1"));
    }
}
