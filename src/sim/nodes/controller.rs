//! The controller (KRaft's active controller) and, in this model, the group coordinator.
//!
//! Leader election (Kafka design docs, "Unclean leader election"): when a leader's broker is
//! fenced (its heartbeats stopped for `broker.session.timeout.ms`) the controller picks the
//! first live replica of the ISR as the new leader and bumps the leader epoch. If no ISR member
//! is alive the partition goes offline and waits for one — unless
//! `unclean.leader.election.enable`, which lets any live replica win, at the cost of the
//! committed records it lacks. The ISR keeps its last member even when that broker is down.
//!
//! Group coordination (consumer configs `session.timeout.ms`, `heartbeat.interval.ms`): members
//! heartbeat; a new member or an expired session starts a rebalance into a new generation with
//! the range assignor; an offset commit from a member of an older generation is refused
//! (ILLEGAL_GENERATION), which fences a consumer that lost its partitions. In Kafka the
//! coordinator is the broker leading the group's `__consumer_offsets` partition; the model
//! hosts it on `controller` and keeps committed offsets durable, as the replicated offsets
//! topic would (see the README).

use std::collections::BTreeMap;

use super::{Ctx, Node, NoticeKind};
use crate::sim::history::NodeId;
use crate::sim::msg::{Assignment, Msg, PartIdx};
use crate::sim::time::{timing, Time};
use crate::sim::topology::Topology;

/// The controller's timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControllerTimer {
    /// The periodic liveness and session check.
    Tick,
}

/// The metadata of a cluster that starts clean: each partition led by its preferred replica,
/// every replica in sync, epoch 1.
pub fn initial_metadata(topo: &Topology) -> Vec<PartMeta> {
    topo.parts
        .iter()
        .map(|p| PartMeta {
            leader: Some(p.replicas[0]),
            epoch: 1,
            isr: p.replicas.clone(),
            replicas: p.replicas.clone(),
            version: 1,
        })
        .collect()
}

/// A partition's metadata: durable (the metadata log is replicated in KRaft).
#[derive(Clone, Debug)]
pub struct PartMeta {
    pub leader: Option<u32>,
    pub epoch: u32,
    pub isr: Vec<u32>,
    pub replicas: Vec<u32>,
    /// Bumped on every change (leader, epoch or ISR): the metadata log offset of this partition.
    pub version: u64,
}

/// A consumer group's volatile coordinator state.
#[derive(Clone, Debug, Default)]
pub struct GroupState {
    pub generation: u32,
    /// Member (consumer index) → time of its last heartbeat.
    pub members: BTreeMap<u32, Time>,
    /// Member → assigned partitions.
    pub assignment: BTreeMap<u32, Vec<PartIdx>>,
}

/// What survives a crash: the metadata log and the committed offsets (the replicated
/// `__consumer_offsets` topic, in Kafka).
#[derive(Clone, Debug)]
pub struct ControllerDurable {
    /// Partition metadata.
    pub parts: Vec<PartMeta>,
    /// Committed offsets per group, per partition.
    pub offsets: Vec<BTreeMap<PartIdx, u64>>,
    /// Generation counters (so a restarted coordinator never reuses one).
    pub generations: Vec<u32>,
    /// Whether each broker is fenced (a fencing is a metadata record).
    pub fenced: Vec<bool>,
}

/// The controller's memory: lost in a crash.
#[derive(Clone, Debug)]
pub struct ControllerVolatile {
    /// Last heartbeat per broker.
    pub last_hb: Vec<Time>,
    /// Group membership and assignments.
    pub groups: Vec<GroupState>,
}

impl ControllerVolatile {
    fn new(brokers: usize, groups: usize) -> Self {
        ControllerVolatile { last_hb: vec![0; brokers], groups: vec![GroupState::default(); groups] }
    }
}

/// The controller node.
#[derive(Clone, Debug)]
pub struct Controller {
    pub durable: ControllerDurable,
    pub vol: ControllerVolatile,
}

impl Controller {
    /// The controller of a cluster that starts clean.
    pub fn new(topo: &Topology, brokers: usize) -> Self {
        let groups = topo.groups.len();
        let durable = ControllerDurable {
            parts: initial_metadata(topo),
            offsets: vec![BTreeMap::new(); groups],
            generations: vec![0; groups],
            fenced: vec![false; brokers],
        };
        Controller { durable, vol: ControllerVolatile::new(brokers, groups) }
    }

    /// The metadata of partition `p`.
    pub fn part(&self, p: usize) -> &PartMeta {
        &self.durable.parts[p]
    }

    /// Group `g`'s committed offset of partition `p` (0 when none).
    pub fn committed(&self, g: usize, p: PartIdx) -> u64 {
        self.durable.offsets[g].get(&p).copied().unwrap_or(0)
    }

    /// Group `g`'s coordinator state.
    pub fn group(&self, g: usize) -> &GroupState {
        &self.vol.groups[g]
    }

    /// Replica `g` was wiped: its group starts over from offset 0. A running coordinator also
    /// rebalances the group at once; a crashed one only loses the offsets (they are durable).
    pub fn wipe_group(&mut self, g: usize, running: bool, ctx: &mut Ctx) {
        if running {
            self.rewind(g, ctx);
        } else {
            // The coordinator is paused or down: its stored offsets go, and the group moves to
            // a new generation so that commits its members sent before the wipe (queued during
            // a pause) are refused as ILLEGAL_GENERATION instead of restoring the old offsets.
            self.durable.offsets[g].clear();
            self.durable.generations[g] += 1;
            if let Some(st) = self.vol.groups.get_mut(g) {
                st.generation = self.durable.generations[g];
            }
        }
    }

    fn broadcast(&mut self, part: PartIdx, ctx: &mut Ctx) {
        self.durable.parts[part as usize].version += 1;
        let m = &self.durable.parts[part as usize];
        // Every broker, not only the replicas: KRaft brokers all replicate the metadata log, and
        // any of them answers clients' metadata requests.
        for b in 0..ctx.topo.brokers.len() {
            let to = ctx.topo.brokers[b];
            ctx.send(
                to,
                Msg::LeaderAndIsr { part, leader: m.leader, epoch: m.epoch, isr: m.isr.clone(), version: m.version },
            );
        }
    }

    /// The broker to fence now, if any: the unfenced one heard from least recently (lowest
    /// index on a tie) whose session has expired. Kafka fences stale brokers one at a time
    /// (`ReplicationControlManager.maybeFenceOneStaleBroker`: "we will process fencing one at a
    /// time so that the effect of fencing each broker is visible to the system prior to
    /// processing the next one", picking `BrokerHeartbeatManager`'s least recently contacted
    /// broker) and schedules the next check as a new event. After a controller pause that
    /// matters: fencing every broker whose heartbeat is still queued fenced live brokers too,
    /// and a partition could keep only a broker lost for good in its ISR — offline for ever
    /// (sweep finding `findings/acceptance/sweep-1-397.json`).
    fn one_stale_broker(&self, now: Time) -> Option<u32> {
        (0..self.vol.last_hb.len())
            .filter(|&b| !self.durable.fenced[b] && now.saturating_sub(self.vol.last_hb[b]) > timing::BROKER_SESSION)
            .min_by_key(|&b| (self.vol.last_hb[b], b))
            .map(|b| b as u32)
    }

    /// Moves leadership away from a fenced broker and drops it from ISRs.
    fn fence(&mut self, b: u32, ctx: &mut Ctx) {
        self.durable.fenced[b as usize] = true;
        for part in 0..self.durable.parts.len() {
            let changed = {
                let m = &mut self.durable.parts[part];
                if !m.replicas.contains(&b) {
                    continue;
                }
                let mut changed = false;
                if m.isr.contains(&b) && m.isr.len() > 1 {
                    m.isr.retain(|&x| x != b);
                    changed = true;
                }
                if m.leader == Some(b) {
                    m.leader = None;
                    m.epoch += 1;
                    changed = true;
                }
                changed
            };
            if changed {
                self.elect(part as PartIdx, ctx);
                self.broadcast(part as PartIdx, ctx);
            }
        }
    }

    /// Elects a leader for a leaderless partition, if the rules allow one.
    fn elect(&mut self, part: PartIdx, ctx: &mut Ctx) {
        let fenced = &self.durable.fenced;
        let m = &mut self.durable.parts[part as usize];
        if m.leader.is_some() {
            return;
        }
        let clean = m.replicas.iter().copied().find(|b| m.isr.contains(b) && !fenced[*b as usize]);
        let (leader, unclean) = match clean {
            Some(l) => (Some(l), false),
            None if ctx.cfg.unclean_leader_election => {
                (m.replicas.iter().copied().find(|b| !fenced[*b as usize]), true)
            }
            None => (None, false),
        };
        if let Some(l) = leader {
            m.leader = Some(l);
            m.epoch += 1;
            if unclean {
                m.isr = vec![l];
            }
            ctx.notice(NoticeKind::Elected { part, leader: Some(l), epoch: m.epoch, unclean });
        } else {
            ctx.notice(NoticeKind::Elected { part, leader: None, epoch: m.epoch, unclean: false });
        }
    }

    fn unfence(&mut self, b: u32, ctx: &mut Ctx) {
        self.durable.fenced[b as usize] = false;
        for part in 0..self.durable.parts.len() {
            if !self.durable.parts[part].replicas.contains(&b) {
                continue;
            }
            if self.durable.parts[part].leader.is_none() {
                self.elect(part as PartIdx, ctx);
                if self.durable.parts[part].leader.is_some() {
                    self.broadcast(part as PartIdx, ctx);
                    continue;
                }
            }
            // Tell the broker its role for every partition it hosts.
            let m = &self.durable.parts[part];
            ctx.send(
                ctx.topo.brokers[b as usize],
                Msg::LeaderAndIsr {
                    part: part as PartIdx,
                    leader: m.leader,
                    epoch: m.epoch,
                    isr: m.isr.clone(),
                    version: m.version,
                },
            );
        }
    }

    /// Range assignment (Kafka's RangeAssignor): partitions in order, members in order; each
    /// member gets `n / m` partitions and the first `n % m` members one more.
    fn rebalance(&mut self, g: usize, ctx: &mut Ctx) {
        self.durable.generations[g] += 1;
        let gen = self.durable.generations[g];
        let st = &mut self.vol.groups[g];
        st.generation = gen;
        st.assignment.clear();
        let parts: Vec<PartIdx> = ctx.topo.parts_of(ctx.topo.groups[g].topic).collect();
        let members: Vec<u32> = st.members.keys().copied().collect();
        if !members.is_empty() {
            let per = parts.len() / members.len();
            let extra = parts.len() % members.len();
            let mut next = 0;
            for (i, m) in members.iter().enumerate() {
                let n = per + usize::from(i < extra);
                st.assignment.insert(*m, parts[next..next + n].to_vec());
                next += n;
            }
        }
        ctx.notice(NoticeKind::Rebalanced { group: g as u32, generation: gen });
        // Members learn their new assignment at once (the JoinGroup/SyncGroup round).
        for &m in &members {
            let a = self.assignment_of(g, m);
            ctx.send(ctx.topo.consumers[m as usize], Msg::GroupAssign { group: g as u32, assignment: a });
        }
    }

    fn assignment_of(&self, g: usize, member: u32) -> Assignment {
        let st = &self.vol.groups[g];
        let parts = st.assignment.get(&member).cloned().unwrap_or_default();
        Assignment {
            generation: st.generation,
            partitions: parts.iter().map(|p| (*p, self.durable.offsets[g].get(p).copied().unwrap_or(0))).collect(),
        }
    }

    /// Resets a group to offset 0 (a wiped replica rebuilds) and rebalances it.
    pub fn rewind(&mut self, g: usize, ctx: &mut Ctx) {
        self.durable.offsets[g].clear();
        self.rebalance(g, ctx);
    }
}

impl Node for Controller {
    type Timer = ControllerTimer;

    fn start(&mut self, ctx: &mut Ctx) {
        // A (re)started controller gives every broker a full session before fencing it.
        for t in self.vol.last_hb.iter_mut() {
            *t = ctx.now;
        }
        for (g, st) in self.vol.groups.iter_mut().enumerate() {
            st.generation = self.durable.generations[g];
        }
        ctx.timer(timing::CONTROLLER_TICK, ControllerTimer::Tick);
    }

    fn on_timer(&mut self, timer: ControllerTimer, ctx: &mut Ctx) {
        let ControllerTimer::Tick = timer;
        if let Some(b) = self.one_stale_broker(ctx.now) {
            self.fence(b, ctx);
            // Check again at once, but behind whatever already waits (heartbeats queued while
            // the controller was paused), as Kafka reschedules its fencing event.
            ctx.timer(0, ControllerTimer::Tick);
            return;
        }
        for g in 0..self.vol.groups.len() {
            let expired: Vec<u32> = self.vol.groups[g]
                .members
                .iter()
                .filter(|(_, &t)| ctx.now.saturating_sub(t) > timing::CONSUMER_SESSION)
                .map(|(&m, _)| m)
                .collect();
            if !expired.is_empty() {
                for m in expired {
                    self.vol.groups[g].members.remove(&m);
                }
                self.rebalance(g, ctx);
            }
        }
        ctx.timer(timing::CONTROLLER_TICK, ControllerTimer::Tick);
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::BrokerHeartbeat { broker, fresh, versions } => {
                let b = broker as usize;
                self.vol.last_hb[b] = ctx.now;
                if fresh && !self.durable.fenced[b] {
                    // A restarted broker registers anew: its old registration is fenced first
                    // (it lost its leaderships), then it is let back in.
                    self.fence(broker, ctx);
                }
                if self.durable.fenced[b] {
                    self.unfence(broker, ctx);
                } else {
                    // Send whatever partition metadata the broker has missed (a lost
                    // LeaderAndIsr, a cut from the controller): KRaft brokers replay the
                    // metadata log from their last offset.
                    for (p, m) in self.durable.parts.iter().enumerate() {
                        if versions.get(p).copied().unwrap_or(0) < m.version {
                            ctx.send(
                                from,
                                Msg::LeaderAndIsr {
                                    part: p as PartIdx,
                                    leader: m.leader,
                                    epoch: m.epoch,
                                    isr: m.isr.clone(),
                                    version: m.version,
                                },
                            );
                        }
                    }
                }
            }
            Msg::AlterIsr { part, epoch, isr } => {
                let fenced = &self.durable.fenced;
                let m = &mut self.durable.parts[part as usize];
                let from_leader = m.leader.map(|l| ctx.topo.brokers[l as usize]) == Some(from);
                let ok = from_leader && m.epoch == epoch;
                if ok {
                    // Never admit a fenced broker.
                    let mut new: Vec<u32> = isr.into_iter().filter(|b| !fenced[*b as usize]).collect();
                    if new.is_empty() {
                        new = m.isr.clone();
                    }
                    if new != m.isr {
                        m.isr = new;
                        m.version += 1;
                        ctx.notice(NoticeKind::IsrChanged { part, isr: m.isr.clone() });
                    }
                }
                ctx.send(from, Msg::AlterIsrResp { part, epoch: m.epoch, isr: m.isr.clone(), ok, version: m.version });
            }
            Msg::GroupHeartbeat { group, member, generation } => {
                let g = group as usize;
                let known = self.vol.groups[g].members.contains_key(&member);
                self.vol.groups[g].members.insert(member, ctx.now);
                if !known || generation == 0 {
                    // JoinGroup from a new (or restarted) member.
                    self.rebalance(g, ctx);
                } else if generation != self.vol.groups[g].generation {
                    let a = self.assignment_of(g, member);
                    ctx.send(from, Msg::GroupAssign { group, assignment: a });
                }
            }
            Msg::OffsetCommit { group, member, generation, part, offset } => {
                let g = group as usize;
                let st = &self.vol.groups[g];
                let ok = generation == st.generation
                    && st.members.contains_key(&member)
                    && st.assignment.get(&member).is_some_and(|a| a.contains(&part));
                if ok {
                    self.durable.offsets[g].insert(part, offset);
                }
                ctx.send(from, Msg::OffsetCommitResp { group, part, offset, ok });
            }
            _ => {}
        }
    }

    fn crash(&mut self) {
        self.vol = ControllerVolatile::new(self.vol.last_hb.len(), self.vol.groups.len());
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::*;
    use crate::sim::config::Config;
    use crate::sim::time::MS;

    /// A started controller over `cfg`, whose brokers `alive` heartbeat at `at` µs.
    fn controller(cfg: Config, alive: &[u32], at: Time) -> (Harness, Controller) {
        let mut h = Harness::with(cfg);
        h.node = h.topo.controller;
        let mut c = Controller::new(&h.topo, h.cfg.brokers as usize);
        h.run(|ctx| c.start(ctx));
        h.now = at;
        for &b in alive {
            let hb = Msg::BrokerHeartbeat { broker: b, fresh: false, versions: vec![1; h.topo.parts.len()] };
            let from = h.topo.brokers[b as usize];
            h.run(|ctx| c.on_message(from, hb, ctx));
        }
        h.now = at + timing::BROKER_SESSION / 2 + 1;
        h.clear();
        (h, c)
    }

    /// Ticks until the controller has nothing more to fence now (it fences one broker a tick).
    fn tick(h: &mut Harness, c: &mut Controller) {
        for _ in 0..=h.cfg.brokers {
            let before = c.durable.fenced.clone();
            h.run(|ctx| c.on_timer(ControllerTimer::Tick, ctx));
            if c.durable.fenced == before {
                return;
            }
        }
    }

    // After a pause longer than a session, every broker looks stale. The controller fences one
    // (the one heard from least recently: broker 2, lost), then handles the heartbeats that
    // waited before it checks again: the live brokers stay in the ISR and lead. Fencing all
    // three at once left broker 2, fenced last, as the last ISR member: offline for ever.
    #[test]
    fn paused_controller_fences_only_the_lost_broker() {
        let at = timing::BROKER_SESSION / 2 + 1;
        let (mut h, mut c) = controller(Config::default(), &[0, 1, 2], at);
        let heartbeats = |h: &mut Harness, c: &mut Controller| {
            for b in [0, 1] {
                let hb = Msg::BrokerHeartbeat { broker: b, fresh: false, versions: vec![1; h.topo.parts.len()] };
                let from = h.topo.brokers[b as usize];
                h.run(|ctx| c.on_message(from, hb, ctx));
            }
        };
        // Broker 2 was last heard at `at`; 0 and 1 a little later, just before the pause.
        h.now = at + 10 * MS;
        heartbeats(&mut h, &mut c);
        // The pause ends long after every session: the queued tick runs first, then the
        // heartbeats that arrived during the pause, then the check it rescheduled.
        h.now += 3 * timing::BROKER_SESSION;
        h.run(|ctx| c.on_timer(ControllerTimer::Tick, ctx));
        heartbeats(&mut h, &mut c);
        tick(&mut h, &mut c);
        assert_eq!(c.durable.fenced, vec![false, false, true]);
        for p in 0..h.topo.parts.len() {
            let m = c.part(p);
            assert!(m.leader.is_some_and(|l| l != 2), "partition {p} led by a live broker: {m:?}");
            assert!(!m.isr.contains(&2) && !m.isr.is_empty(), "partition {p}: {m:?}");
        }
    }

    // When a leader's broker is fenced, the first live replica of the ISR leads, in a new epoch.
    #[test]
    fn fenced_leader_is_replaced_from_the_isr() {
        let (mut h, mut c) = controller(Config::default(), &[1, 2], timing::BROKER_SESSION / 2 + 1);
        tick(&mut h, &mut c);
        let m = c.part(0);
        assert_eq!(m.leader, Some(1));
        assert!(m.epoch > 1, "a new leader epoch");
        assert_eq!(m.isr, vec![1, 2], "the fenced broker leaves the ISR");
    }

    // With no live ISR member the partition goes offline — unless unclean election is on, when
    // any live replica leads and the ISR is reset to it.
    #[test]
    fn unclean_election_only_when_enabled() {
        let at = timing::BROKER_SESSION / 2 + 1;
        for unclean in [false, true] {
            let cfg = Config { unclean_leader_election: unclean, ..Default::default() };
            let (mut h, mut c) = controller(cfg, &[2], at);
            c.durable.parts[0].isr = vec![0, 1];
            tick(&mut h, &mut c);
            let m = c.part(0);
            if unclean {
                assert_eq!((m.leader, m.isr.clone()), (Some(2), vec![2]));
            } else {
                assert_eq!(m.leader, None, "offline: broker 3 was not in sync");
            }
        }
    }

    // An offset commit from an older generation is refused (ILLEGAL_GENERATION) and stores
    // nothing; one from the current owner is stored.
    #[test]
    fn offset_commit_checks_the_generation() {
        let (mut h, mut c) = controller(Config::default(), &[0, 1, 2], 0);
        let member = h.topo.consumers[0];
        h.run(|ctx| c.on_message(member, Msg::GroupHeartbeat { group: 0, member: 0, generation: 0 }, ctx));
        let gen = c.group(0).generation;
        let commit = |generation| Msg::OffsetCommit { group: 0, member: 0, generation, part: 0, offset: 5 };
        h.run(|ctx| c.on_message(member, commit(gen - 1), ctx));
        assert_eq!(c.committed(0, 0), 0);
        h.run(|ctx| c.on_message(member, commit(gen), ctx));
        assert_eq!(c.committed(0, 0), 5);
    }

    // A wipe while the coordinator is paused clears the group's offsets and moves it to a new
    // generation: a commit a member sent before the wipe, arriving after the pause, is refused
    // and cannot restore the old offsets (the replica rebuilds from offset 0).
    #[test]
    fn wipe_while_paused_fences_commits_sent_before_it() {
        let (mut h, mut c) = controller(Config::default(), &[0, 1, 2], 0);
        let member = h.topo.consumers[0];
        h.run(|ctx| c.on_message(member, Msg::GroupHeartbeat { group: 0, member: 0, generation: 0 }, ctx));
        let gen = c.group(0).generation;
        let commit = Msg::OffsetCommit { group: 0, member: 0, generation: gen, part: 0, offset: 7 };
        h.run(|ctx| c.on_message(member, commit.clone(), ctx));
        assert_eq!(c.committed(0, 0), 7);
        h.run(|ctx| c.wipe_group(0, false, ctx));
        assert_eq!(c.committed(0, 0), 0);
        h.run(|ctx| c.on_message(member, commit, ctx));
        assert_eq!(c.committed(0, 0), 0, "the pre-wipe commit is from an old generation");
        assert!(c.group(0).generation > gen);
    }

    // A crash loses group membership but keeps committed offsets and generation counters, so a
    // restarted coordinator never reuses a generation.
    #[test]
    fn crash_keeps_offsets_and_generations() {
        let (mut h, mut c) = controller(Config::default(), &[0, 1, 2], 0);
        let member = h.topo.consumers[0];
        h.run(|ctx| c.on_message(member, Msg::GroupHeartbeat { group: 0, member: 0, generation: 0 }, ctx));
        h.run(|ctx| {
            c.on_message(member, Msg::OffsetCommit { group: 0, member: 0, generation: 1, part: 0, offset: 3 }, ctx)
        });
        c.crash();
        h.run(|ctx| c.start(ctx));
        assert!(c.group(0).members.is_empty());
        assert_eq!(c.committed(0, 0), 3);
        assert_eq!(c.group(0).generation, 1);
    }
}
