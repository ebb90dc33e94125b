//! The one rule for how the page names a run's state: calm while events are merely on their way,
//! an alarm only for what the checker can prove.
//!
//! While the run goes on, rows that differ from `app` and events not yet applied (`lost`) are
//! mostly events in flight: the relay has not read them yet, the broker holds them, the consumer
//! is behind. Calling that "diverged" or "lost" would alarm a reader on every healthy run. The
//! checker's numbers become a verdict only once nothing more can arrive: at the end of a bounded
//! run, or when the pipeline is quiet (no data message in flight, no relay, replication or consumer lag) and
//! the rows still differ. The toolbar badge, the checker panel and the replica boxes all ask
//! [`Status::of`], so they never disagree.

use crate::sim::view::{PartitionView, View};

/// What the pipeline still carries: whatever is here may yet close the gap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pipeline {
    /// Data messages (records, writes, fetch answers with records) on the network.
    pub data_in_flight: u64,
    /// Records committed at `app` that no relay has had acknowledged by a broker.
    pub relay_lag: u64,
    /// Records a partition leader holds above its high watermark (followers still copying):
    /// consumers cannot read them yet, but they are on their way.
    pub replication_lag: u64,
    /// Records below a partition's high watermark that a consumer group has not committed.
    pub consumer_lag: u64,
    /// The run reached its end (a bounded run): nothing more will happen.
    pub finished: bool,
}

impl Pipeline {
    /// What a view shows still on its way.
    pub fn of(v: &View) -> Pipeline {
        Pipeline {
            data_in_flight: v.messages.iter().filter(|m| m.data).count() as u64,
            relay_lag: v.relays.iter().map(|r| r.lag_records).sum(),
            replication_lag: v.partitions.iter().map(leader_ahead).sum(),
            consumer_lag: v.groups.iter().flat_map(|g| g.offsets.iter()).map(|&(_, _, lag)| lag).sum(),
            finished: v.finished,
        }
    }

    /// Nothing more can arrive: the run ended, or nothing is in flight and no one is behind.
    pub fn settled(&self) -> bool {
        self.finished
            || (self.data_in_flight == 0 && self.relay_lag == 0 && self.replication_lag == 0 && self.consumer_lag == 0)
    }
}

/// How far a partition's leader log runs past its high watermark (0 when offline).
fn leader_ahead(p: &PartitionView) -> u64 {
    let leader = p.replicas.iter().find(|r| Some(r.broker) == p.leader);
    leader.map_or(0, |r| r.leo.saturating_sub(p.hw))
}

/// The run's state as the page names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Every replica equals `app`.
    Converged,
    /// Rows differ but events are still on their way: neutral, not an alarm.
    CatchingUp {
        /// (replica, delivery) rows not yet equal to `app`.
        rows: u64,
    },
    /// Rows differ and nothing more can arrive: the checker's verdict, an alarm.
    Diverged {
        /// (replica, delivery) rows that differ from `app`.
        rows: u64,
    },
}

impl Status {
    /// The rule: converged when no row differs; otherwise diverged only once settled.
    pub fn judge(divergent_rows: u64, pipe: Pipeline) -> Status {
        match divergent_rows {
            0 => Status::Converged,
            rows if pipe.settled() => Status::Diverged { rows },
            rows => Status::CatchingUp { rows },
        }
    }

    /// The status of a view.
    pub fn of(v: &View) -> Status {
        Status::judge(v.check.divergent_rows, Pipeline::of(v))
    }

    /// Whether this is an alarm (red, ✗).
    pub fn alarm(self) -> bool {
        matches!(self, Status::Diverged { .. })
    }

    /// The CSS class of this status: `yes` (converged), `pending` (neutral), `no` (alarm).
    pub fn class(self) -> &'static str {
        match self {
            Status::Converged => "yes",
            Status::CatchingUp { .. } => "pending",
            Status::Diverged { .. } => "no",
        }
    }
}

/// How the checker panel shows an anomaly row's count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Nothing counted.
    Zero,
    /// A good thing counted (a duplicate suppressed).
    Good,
    /// Counted, but possibly events still on their way (`lost` before the run settled).
    Pending,
    /// Counted and proven: an alarm.
    Bad,
}

impl Mark {
    /// The mark of anomaly `key` counted `n` times. Only `lost` (and `acked_lost`, its promised
    /// kind) can shrink again as events arrive, so only they wait for the run to settle.
    pub fn of(key: &str, good: bool, n: u64, settled: bool) -> Mark {
        match (n, good) {
            (0, _) => Mark::Zero,
            (_, true) => Mark::Good,
            _ if !settled && matches!(key, "lost" | "acked_lost") => Mark::Pending,
            _ => Mark::Bad,
        }
    }

    /// The i18n key of anomaly `key`'s name: `an.<key>`, or `an.<key>.pending` while it counts
    /// events that may still arrive (and for `lost` while anything is on its way at all, so a
    /// busy run never shows the word "lost" beside a count that is about to appear).
    pub fn name_key(self, key: &str, settled: bool) -> String {
        if self == Mark::Pending || (key == "lost" && !settled) {
            format!("an.{key}.pending")
        } else {
            format!("an.{key}")
        }
    }

    /// The CSS class of the row.
    pub fn class(self) -> &'static str {
        match self {
            Mark::Zero => "zero",
            Mark::Good => "good",
            Mark::Pending => "pending",
            Mark::Bad => "bad",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy() -> Pipeline {
        Pipeline { data_in_flight: 4, relay_lag: 2, replication_lag: 1, consumer_lag: 3, finished: false }
    }

    /// A healthy run with events in flight reads as catching up, never as an alarm.
    #[test]
    fn healthy_in_flight_is_calm() {
        let s = Status::judge(3, busy());
        assert_eq!(s, Status::CatchingUp { rows: 3 });
        assert!(!s.alarm());
        assert_eq!(s.class(), "pending");
        // Any single thing still on its way keeps it calm.
        for pipe in [
            Pipeline { data_in_flight: 1, ..Pipeline::default() },
            Pipeline { relay_lag: 1, ..Pipeline::default() },
            Pipeline { replication_lag: 1, ..Pipeline::default() },
            Pipeline { consumer_lag: 1, ..Pipeline::default() },
        ] {
            assert!(!Status::judge(1, pipe).alarm(), "{pipe:?}");
        }
        assert_eq!(Mark::of("lost", false, 7, busy().settled()), Mark::Pending);
    }

    /// Idle pipeline, rows still different: nothing more can arrive, so it is an alarm.
    #[test]
    fn idle_and_different_is_an_alarm() {
        let idle = Pipeline::default();
        assert!(idle.settled());
        assert_eq!(Status::judge(2, idle), Status::Diverged { rows: 2 });
        assert_eq!(Mark::of("lost", false, 2, idle.settled()), Mark::Bad);
    }

    /// A bounded run that ended with rows different is an alarm even with lag left.
    #[test]
    fn finished_and_different_is_an_alarm() {
        let ended = Pipeline { finished: true, ..busy() };
        let s = Status::judge(5, ended);
        assert_eq!(s, Status::Diverged { rows: 5 });
        assert!(s.alarm());
        assert_eq!(s.class(), "no");
        assert_eq!(Mark::of("acked_lost", false, 1, ended.settled()), Mark::Bad);
    }

    /// No row differs: converged, whatever is in flight.
    #[test]
    fn converged_is_ok() {
        for pipe in [busy(), Pipeline::default(), Pipeline { finished: true, ..busy() }] {
            assert_eq!(Status::judge(0, pipe), Status::Converged);
            assert_eq!(Status::judge(0, pipe).class(), "yes");
        }
    }

    /// Anomalies the checker proves at once (duplicates, order) alarm while running; a good
    /// count never does; zero is zero.
    #[test]
    fn proven_anomalies_alarm_at_once() {
        assert_eq!(Mark::of("duplicate_applied", false, 1, false), Mark::Bad);
        assert_eq!(Mark::of("out_of_order", false, 1, false), Mark::Bad);
        assert_eq!(Mark::of("duplicate_suppressed", true, 4, false), Mark::Good);
        assert_eq!(Mark::of("lost", false, 0, true), Mark::Zero);
    }

    /// Names: "on the way" while unsettled (lost even at zero), the checker's name once settled.
    #[test]
    fn names_follow_the_mark() {
        assert_eq!(Mark::Pending.name_key("lost", false), "an.lost.pending");
        assert_eq!(Mark::Zero.name_key("lost", false), "an.lost.pending");
        assert_eq!(Mark::Zero.name_key("lost", true), "an.lost");
        assert_eq!(Mark::Bad.name_key("lost", true), "an.lost");
        assert_eq!(Mark::Zero.name_key("acked_lost", false), "an.acked_lost");
        assert_eq!(Mark::Pending.name_key("acked_lost", false), "an.acked_lost.pending");
    }
}
