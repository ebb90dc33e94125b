//! Virtual time and the model's timings.

/// Virtual time in µs.
pub type Time = u64;
/// One virtual millisecond in µs.
pub const MS: Time = 1_000;

/// Model timings. Kafka's defaults are seconds; the model scales them down so a reader sees a
/// failover within a second or two of virtual time. Ratios between them follow Kafka's
/// defaults (heartbeat ≈ 1/3 of … session timeout, request timeout ≫ latency).
pub mod timing {
    use super::{Time, MS};
    /// Broker → controller heartbeat (KRaft `broker.heartbeat.interval.ms`, default 2 s).
    pub const BROKER_HEARTBEAT: Time = 100 * MS;
    /// Controller fences a broker whose heartbeats stop for this long
    /// (`broker.session.timeout.ms`, default 9 s).
    pub const BROKER_SESSION: Time = 600 * MS;
    /// Controller's own check period.
    pub const CONTROLLER_TICK: Time = 50 * MS;
    /// A follower that has not caught up for this long leaves the ISR
    /// (`replica.lag.time.max.ms`, default 30 s).
    pub const REPLICA_LAG_MAX: Time = 1_000 * MS;
    /// Follower fetch period when it is caught up.
    pub const FOLLOWER_IDLE_FETCH: Time = 10 * MS;
    /// A fetch with no answer after this long is re-sent.
    pub const FETCH_TIMEOUT: Time = 300 * MS;
    /// Producer `request.timeout.ms` (default 30 s).
    pub const REQUEST_TIMEOUT: Time = 500 * MS;
    /// Producer `retry.backoff.ms` (default 100 ms): a failed produce request's batches (an
    /// error answer, a timeout or a broken connection) are sent again after it. Consumers use
    /// it too before fetching again on a broken connection (their `reconnect.backoff.ms` is 50 ms).
    pub const RETRY_BACKOFF: Time = 50 * MS;
    /// Producer `linger.ms`: "the producer will wait for up to the given delay to allow other
    /// records to be sent so that the sends can be batched together … This setting defaults to 5
    /// (i.e. 5ms delay)" (Kafka 4.0, KIP-1030; it was 0 before). Not scaled: it is of the order
    /// of the network's latencies, which the model keeps real.
    pub const LINGER: Time = 5 * MS;
    /// A follower whose fetch failed (its connection to the leader broke) fetches again after
    /// this (`replica.fetch.backoff.ms`, default 1 s, scaled like `replica.lag.time.max.ms`:
    /// 30 s → 1 s).
    pub const REPLICA_FETCH_BACKOFF: Time = 33 * MS;
    /// Producer `delivery.timeout.ms` for the service's own producer in dual write
    /// (default 120 s): after it, the record is given up.
    pub const DELIVERY_TIMEOUT: Time = 5_000 * MS;
    /// Consumer `heartbeat.interval.ms` (default 3 s).
    pub const CONSUMER_HEARTBEAT: Time = 100 * MS;
    /// Consumer `session.timeout.ms` (default 45 s).
    pub const CONSUMER_SESSION: Time = 600 * MS;
    /// Consumer fetch period when nothing arrived (`fetch.max.wait.ms` stands in).
    pub const CONSUMER_IDLE_FETCH: Time = 10 * MS;
    /// Relay binlog poll period when idle.
    pub const RELAY_POLL: Time = 10 * MS;
    /// Relay offset flush (`offset.flush.interval.ms`, default 60 s).
    pub const RELAY_FLUSH: Time = 1_000 * MS;
    /// Direct replica writes: retransmit unacknowledged writes after this long.
    pub const CHAN_RETRANSMIT: Time = 200 * MS;
    /// Client read timeout: after it a read that lacks answers is refused.
    pub const READ_TIMEOUT: Time = 200 * MS;
    /// Least time between two metadata requests of one client (the Java client's
    /// `Metadata.timeToNextUpdate` waits `retry.backoff.ms`, default 100 ms, after each attempt).
    pub const METADATA_RETRY: Time = 100 * MS;
    /// `metadata.max.age.ms` (default 300 s): a client refreshes its metadata at least this often
    /// "even if we haven't seen any partition leadership changes". Scaled by 1/60 like
    /// `request.timeout.ms` (30 s → 500 ms), so it stays ten request timeouts as in Kafka.
    pub const METADATA_MAX_AGE: Time = 5_000 * MS;
}
