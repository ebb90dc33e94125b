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

use super::engine::{timing, Ctx, NoticeKind, Time, Timer};
use super::history::NodeId;
use super::msg::{Assignment, Msg, PartIdx};

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

/// The controller node.
#[derive(Clone, Debug)]
pub struct Controller {
    /// Durable: partition metadata.
    pub parts: Vec<PartMeta>,
    /// Durable: committed offsets per group, per partition.
    pub offsets: Vec<BTreeMap<PartIdx, u64>>,
    /// Durable: generation counters (so a restarted coordinator never reuses one).
    pub generations: Vec<u32>,
    /// Volatile: last heartbeat per broker, and whether the broker is fenced.
    pub last_hb: Vec<Time>,
    pub fenced: Vec<bool>,
    /// Volatile: groups.
    pub groups: Vec<GroupState>,
}

impl Controller {
    pub fn new(parts: Vec<PartMeta>, brokers: usize, groups: usize) -> Self {
        Controller {
            parts,
            offsets: vec![BTreeMap::new(); groups],
            generations: vec![0; groups],
            last_hb: vec![0; brokers],
            fenced: vec![false; brokers],
            groups: vec![GroupState::default(); groups],
        }
    }

    pub fn crash(&mut self) {
        for g in self.groups.iter_mut() {
            *g = GroupState::default();
        }
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        // A (re)started controller gives every broker a full session before fencing it.
        for t in self.last_hb.iter_mut() {
            *t = ctx.now;
        }
        for (g, st) in self.groups.iter_mut().enumerate() {
            st.generation = self.generations[g];
        }
        ctx.timer(timing::CONTROLLER_TICK, Timer::ControllerTick);
    }

    fn broadcast(&mut self, part: PartIdx, ctx: &mut Ctx) {
        self.parts[part as usize].version += 1;
        let m = &self.parts[part as usize];
        for &b in &m.replicas {
            ctx.send(
                ctx.topo.brokers[b as usize],
                Msg::LeaderAndIsr { part, leader: m.leader, epoch: m.epoch, isr: m.isr.clone(), version: m.version },
            );
        }
    }

    /// Moves leadership away from a fenced broker and drops it from ISRs.
    fn fence(&mut self, b: u32, ctx: &mut Ctx) {
        self.fenced[b as usize] = true;
        for part in 0..self.parts.len() {
            let changed = {
                let m = &mut self.parts[part];
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
        let fenced = &self.fenced;
        let m = &mut self.parts[part as usize];
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
        self.fenced[b as usize] = false;
        for part in 0..self.parts.len() {
            if !self.parts[part].replicas.contains(&b) {
                continue;
            }
            if self.parts[part].leader.is_none() {
                self.elect(part as PartIdx, ctx);
                if self.parts[part].leader.is_some() {
                    self.broadcast(part as PartIdx, ctx);
                    continue;
                }
            }
            // Tell the broker its role for every partition it hosts.
            let m = &self.parts[part];
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

    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx) {
        if timer != Timer::ControllerTick {
            return;
        }
        for b in 0..self.last_hb.len() {
            if !self.fenced[b] && ctx.now.saturating_sub(self.last_hb[b]) > timing::BROKER_SESSION {
                self.fence(b as u32, ctx);
            }
        }
        for g in 0..self.groups.len() {
            let expired: Vec<u32> = self.groups[g]
                .members
                .iter()
                .filter(|(_, &t)| ctx.now.saturating_sub(t) > timing::CONSUMER_SESSION)
                .map(|(&m, _)| m)
                .collect();
            if !expired.is_empty() {
                for m in expired {
                    self.groups[g].members.remove(&m);
                }
                self.rebalance(g, ctx);
            }
        }
        ctx.timer(timing::CONTROLLER_TICK, Timer::ControllerTick);
    }

    /// Range assignment (Kafka's RangeAssignor): partitions in order, members in order; each
    /// member gets `n / m` partitions and the first `n % m` members one more.
    fn rebalance(&mut self, g: usize, ctx: &mut Ctx) {
        self.generations[g] += 1;
        let gen = self.generations[g];
        let st = &mut self.groups[g];
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
        let st = &self.groups[g];
        let parts = st.assignment.get(&member).cloned().unwrap_or_default();
        Assignment {
            generation: st.generation,
            partitions: parts.iter().map(|p| (*p, self.offsets[g].get(p).copied().unwrap_or(0))).collect(),
        }
    }

    /// Resets a group to offset 0 (a wiped replica rebuilds) and rebalances it.
    pub fn rewind(&mut self, g: usize, ctx: &mut Ctx) {
        self.offsets[g].clear();
        self.rebalance(g, ctx);
    }

    pub fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::BrokerHeartbeat { broker, fresh, versions } => {
                let b = broker as usize;
                self.last_hb[b] = ctx.now;
                if fresh && !self.fenced[b] {
                    // A restarted broker registers anew: its old registration is fenced first
                    // (it lost its leaderships), then it is let back in.
                    self.fence(broker, ctx);
                }
                if self.fenced[b] {
                    self.unfence(broker, ctx);
                } else {
                    // Send whatever partition metadata the broker has missed (a lost
                    // LeaderAndIsr, a cut from the controller): KRaft brokers replay the
                    // metadata log from their last offset.
                    for (p, m) in self.parts.iter().enumerate() {
                        if m.replicas.contains(&broker) && versions.get(p).copied().unwrap_or(0) < m.version {
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
                let fenced = &self.fenced;
                let m = &mut self.parts[part as usize];
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
            Msg::MetadataReq => {
                let leaders = self.parts.iter().map(|m| m.leader.map(|l| ctx.topo.brokers[l as usize])).collect();
                ctx.send(from, Msg::MetadataResp { leaders });
            }
            Msg::GroupHeartbeat { group, member, generation } => {
                let g = group as usize;
                let known = self.groups[g].members.contains_key(&member);
                self.groups[g].members.insert(member, ctx.now);
                if !known || generation == 0 {
                    // JoinGroup from a new (or restarted) member.
                    self.rebalance(g, ctx);
                } else if generation != self.groups[g].generation {
                    let a = self.assignment_of(g, member);
                    ctx.send(from, Msg::GroupAssign { group, assignment: a });
                }
            }
            Msg::OffsetCommit { group, member, generation, part, offset } => {
                let g = group as usize;
                let st = &self.groups[g];
                let ok = generation == st.generation
                    && st.members.contains_key(&member)
                    && st.assignment.get(&member).is_some_and(|a| a.contains(&part));
                if ok {
                    self.offsets[g].insert(part, offset);
                }
                ctx.send(from, Msg::OffsetCommitResp { group, part, offset, ok });
            }
            _ => {}
        }
    }
}
