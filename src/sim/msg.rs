//! Messages between nodes: the wire protocol of the model. Each variant is named after the
//! Kafka / Debezium / database request it stands for.

use super::config::Acks;
use super::domain::Kind;
use super::history::{DeliveryId, EventId, NodeId};

/// Index of a partition in the cluster's flat partition table (all topics).
pub type PartIdx = u32;

/// What a record carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// A delivery event on the `deliveries` topic (key = delivery id).
    Event { event: EventId, delivery: DeliveryId, kind: Kind, seq: u32 },
    /// A config change on the one-partition `config` topic of the event bus.
    Config { value: u32 },
}

impl Payload {
    /// The event id, for delivery events.
    pub fn event(&self) -> Option<EventId> {
        match self {
            Payload::Event { event, .. } => Some(*event),
            Payload::Config { .. } => None,
        }
    }
}

/// A record in a partition log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub payload: Payload,
    /// Idempotent producer id (0: idempotence off).
    pub producer_id: u64,
    /// The producer's per-partition sequence number (-1: idempotence off).
    pub producer_seq: i64,
    /// The sequence number of the first record of the batch this record was produced in (-1:
    /// idempotence off). Kafka's log stores batches with a base sequence; the model stores
    /// records, so each keeps its batch's base: a replica rebuilds the batches from its log.
    pub base_seq: i64,
    /// Leader epoch in which the record was appended (for follower truncation).
    pub epoch: u32,
}

/// Why a produce request failed (Kafka error codes of the same names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProduceError {
    /// NOT_LEADER_OR_FOLLOWER: the broker does not lead the partition; refresh metadata.
    NotLeader,
    /// NOT_ENOUGH_REPLICAS: acks=all and the ISR is smaller than min.insync.replicas.
    NotEnoughReplicas,
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND: written, but the ISR shrank below the minimum before
    /// it was replicated; the producer retries (a duplicate without idempotence).
    NotEnoughReplicasAfterAppend,
    /// OUT_OF_ORDER_SEQUENCE_NUMBER: a gap in the idempotent producer's sequence.
    OutOfOrderSequence,
}

/// One partition's batch in a produce request: records appended together, in order, with
/// consecutive offsets (Kafka's `RecordBatch`).
#[derive(Clone, Debug, PartialEq)]
pub struct ProduceBatch {
    pub part: PartIdx,
    pub records: Vec<Record>,
}

/// One partition's answer in a produce response: the base offset of its batch, or an error.
/// `duplicate` when the broker recognised an idempotent retry of a batch it already had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartResult {
    pub part: PartIdx,
    pub result: Result<u64, ProduceError>,
    pub duplicate: bool,
}

/// A partition's leader as a metadata response gives it: the leader's node (None while the
/// partition is offline) and its leader epoch, so a client can tell newer metadata from older.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartLeader {
    pub leader: Option<NodeId>,
    pub epoch: u32,
}

/// A group coordinator's answer to a heartbeat or a join.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub generation: u32,
    /// Partitions of this member with the group's committed offset for each.
    pub partitions: Vec<(PartIdx, u64)>,
}

/// Everything that crosses a link.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    // --- producers (app, relays) and consumers <-> any broker (`bootstrap.servers`): metadata
    /// MetadataRequest: who leads each partition? `id` is the client's correlation id.
    MetadataReq {
        id: u64,
    },
    /// MetadataResponse from the answering broker's metadata cache: per partition, the leader
    /// (broker node, None while offline) and its leader epoch.
    MetadataResp {
        id: u64,
        leaders: Vec<PartLeader>,
    },

    /// What a client sees when it sends a request to a broker whose process is down: the host
    /// refuses the connection (a TCP reset). Sent by the network on the broker's behalf, for
    /// client requests only (a paused broker's host still accepts: its clients time out).
    ConnectionRefused,

    /// What a client (or a follower) learns when its connection to a broker broke: a message
    /// on it was lost (links are TCP: a loss is a broken connection, not a silent gap). Not a
    /// message on the wire: the network hands it to the requesting end, one round trip after
    /// the loss (see `net::connection_loss`).
    ConnectionLost,

    // --- producer -> partition leader
    /// ProduceRequest: one batch for each of several partitions the broker leads.
    Produce {
        req: u64,
        acks: Acks,
        batches: Vec<ProduceBatch>,
    },
    /// ProduceResponse: one answer per partition of the request, sent once every partition is
    /// answered (for acks=all, once each batch is below the high watermark or has failed).
    ProduceResp {
        req: u64,
        parts: Vec<PartResult>,
    },

    // --- follower or consumer -> leader
    /// FetchRequest. `replica` is the follower's broker index (None: a consumer, which reads only
    /// up to the high watermark). `last_epoch` is the epoch of the record before `offset`
    /// (KIP-320/KIP-595 divergence check).
    /// `id` is the fetcher's correlation id, echoed in the response.
    Fetch {
        id: u64,
        part: PartIdx,
        offset: u64,
        last_epoch: u32,
        replica: Option<u32>,
        max: u32,
    },
    /// FetchResponse: records from `offset`, the leader's high watermark, or a divergence
    /// (truncate to `diverging` first) or not-leader.
    FetchResp {
        id: u64,
        part: PartIdx,
        offset: u64,
        records: Vec<Record>,
        hw: u64,
        diverging: Option<u64>,
        not_leader: bool,
    },

    // --- brokers <-> controller
    /// Broker heartbeat (KRaft BrokerHeartbeatRequest): keeps the broker unfenced.
    /// `versions`: the partition metadata version the broker holds, per partition (KRaft
    /// brokers pull the metadata log; the controller answers with what they miss).
    BrokerHeartbeat {
        broker: u32,
        fresh: bool,
        versions: Vec<u64>,
    },
    /// The controller's decision for one partition (LeaderAndIsr / partition change record).
    LeaderAndIsr {
        part: PartIdx,
        leader: Option<u32>,
        epoch: u32,
        isr: Vec<u32>,
        version: u64,
    },
    /// A leader asks to change its ISR (AlterPartition).
    AlterIsr {
        part: PartIdx,
        epoch: u32,
        isr: Vec<u32>,
    },
    /// The controller accepted (`ok`) or refused an ISR change; the current ISR either way.
    AlterIsrResp {
        part: PartIdx,
        epoch: u32,
        isr: Vec<u32>,
        ok: bool,
        version: u64,
    },

    // --- consumers <-> group coordinator (hosted by the controller, see README)
    /// JoinGroup / Heartbeat: a member announces itself with the generation it knows.
    GroupHeartbeat {
        group: u32,
        member: u32,
        generation: u32,
    },
    /// The member's current assignment (sent when its generation is out of date).
    GroupAssign {
        group: u32,
        assignment: Assignment,
    },
    /// OffsetCommit for one partition; refused when the generation is stale (fencing).
    OffsetCommit {
        group: u32,
        member: u32,
        generation: u32,
        part: PartIdx,
        offset: u64,
    },
    OffsetCommitResp {
        group: u32,
        part: PartIdx,
        offset: u64,
        ok: bool,
    },

    // --- relay <-> app database (binlog / outbox table read)
    /// Read up to `max` outbox entries of `shard` from position `from`.
    BinlogRead {
        shard: u32,
        from: u64,
        max: u32,
    },
    /// Entries from `from` (each: commit time µs and the event).
    BinlogBatch {
        shard: u32,
        from: u64,
        entries: Vec<(u64, Payload)>,
    },

    // --- direct replica writes (write modes other than via_broker): an ordered, acknowledged
    // channel per (writer, replica) with go-back-N retransmission.
    DbWrite {
        epoch: u32,
        chan_seq: u64,
        payload: Payload,
    },
    DbWriteAck {
        epoch: u32,
        chan_seq: u64,
    },

    // --- client <-> replicas
    ReadReq {
        rid: u64,
        delivery: DeliveryId,
    },
    ReadResp {
        rid: u64,
        version: u32,
        status: Option<Kind>,
    },
}

impl Msg {
    /// A short label for the page's legend and tooltips.
    pub fn label(&self) -> &'static str {
        match self {
            Msg::MetadataReq { .. } => "metadata",
            Msg::MetadataResp { .. } => "metadata",
            Msg::ConnectionRefused => "refused",
            Msg::ConnectionLost => "connection-lost",
            Msg::Produce { .. } => "produce",
            Msg::ProduceResp { .. } => "produce-ack",
            Msg::Fetch { replica: Some(_), .. } => "replica-fetch",
            Msg::Fetch { replica: None, .. } => "fetch",
            Msg::FetchResp { .. } => "records",
            Msg::BrokerHeartbeat { .. } => "heartbeat",
            Msg::LeaderAndIsr { .. } => "leader-and-isr",
            Msg::AlterIsr { .. } | Msg::AlterIsrResp { .. } => "alter-isr",
            Msg::GroupHeartbeat { .. } => "heartbeat",
            Msg::GroupAssign { .. } => "assignment",
            Msg::OffsetCommit { .. } | Msg::OffsetCommitResp { .. } => "offset-commit",
            Msg::BinlogRead { .. } => "binlog-read",
            Msg::BinlogBatch { .. } => "binlog",
            Msg::DbWrite { .. } => "db-write",
            Msg::DbWriteAck { .. } => "db-ack",
            Msg::ReadReq { .. } => "read",
            Msg::ReadResp { .. } => "read-result",
        }
    }

    /// The one record of a produce request that carries exactly one.
    fn single_produced(batches: &[ProduceBatch]) -> Option<Payload> {
        match batches {
            [b] if b.records.len() == 1 => Some(b.records[0].payload),
            _ => None,
        }
    }

    /// The delivery event this message carries, if it carries exactly one (for colouring).
    pub fn event_kind(&self) -> Option<Kind> {
        let p = match self {
            Msg::Produce { batches, .. } => Msg::single_produced(batches),
            Msg::FetchResp { records, .. } if records.len() == 1 => Some(records[0].payload),
            Msg::BinlogBatch { entries, .. } if entries.len() == 1 => Some(entries[0].1),
            Msg::DbWrite { payload, .. } => Some(*payload),
            _ => None,
        };
        match p {
            Some(Payload::Event { kind, .. }) => Some(kind),
            _ => None,
        }
    }

    /// The delivery this message is about, if it is about exactly one.
    pub fn delivery(&self) -> Option<DeliveryId> {
        let p = match self {
            Msg::Produce { batches, .. } => Msg::single_produced(batches),
            Msg::FetchResp { records, .. } if records.len() == 1 => Some(records[0].payload),
            Msg::BinlogBatch { entries, .. } if entries.len() == 1 => Some(entries[0].1),
            Msg::DbWrite { payload, .. } => Some(*payload),
            Msg::ReadReq { delivery, .. } => return Some(*delivery),
            _ => None,
        };
        match p {
            Some(Payload::Event { delivery, .. }) => Some(delivery),
            _ => None,
        }
    }

    /// Whether this is a client's request to a broker (metadata, produce, consumer fetch): a
    /// crashed broker's host answers it with [`Msg::ConnectionRefused`].
    pub fn is_client_request(&self) -> bool {
        matches!(self, Msg::MetadataReq { .. } | Msg::Produce { .. } | Msg::Fetch { replica: None, .. })
    }

    /// The ends of a Kafka connection this message travels on, as (requesting end, broker): a
    /// request (produce, fetch, metadata) goes from the requesting end; a response (or a refusal)
    /// comes back to it. A follower fetching from its leader is a requesting end too. None for
    /// everything else (heartbeats, ISR changes, binlog reads, replica writes, reads), whose
    /// senders already re-send on a period or a timeout.
    pub fn connection(&self, from: NodeId, to: NodeId) -> Option<(NodeId, NodeId)> {
        match self {
            Msg::MetadataReq { .. } | Msg::Produce { .. } | Msg::Fetch { .. } => Some((from, to)),
            Msg::MetadataResp { .. } | Msg::ProduceResp { .. } | Msg::FetchResp { .. } | Msg::ConnectionRefused => {
                Some((to, from))
            }
            _ => None,
        }
    }

    /// Whether the message carries data (records, writes, reads) rather than control traffic
    /// (heartbeats, empty fetches, metadata): the page draws control traffic faintly.
    pub fn carries_data(&self) -> bool {
        match self {
            Msg::Produce { .. } | Msg::DbWrite { .. } | Msg::ReadReq { .. } | Msg::ReadResp { .. } => true,
            Msg::ProduceResp { .. } => true,
            Msg::FetchResp { records, .. } => !records.is_empty(),
            Msg::BinlogBatch { entries, .. } => !entries.is_empty(),
            _ => false,
        }
    }
}
