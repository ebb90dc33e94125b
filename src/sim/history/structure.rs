//! The structure a history file must have before the checker reads it (`lab check`): one
//! `start` line first, time never going back, a bounded number of replicas, and every replica a
//! line refers to listed in `start`. Checked line by line as the file is read, in constant work
//! per line (the replica list is at most [`REPLICAS_MAX`] long), so a broken or hostile file is
//! refused early with its line number and the checker's cost stays linear in the history.

use super::{node_name, push_t_ms, Names, NodeId, Op, Rec};
use crate::sim::text::echo;

/// At most this many replicas in a `start` line (the model has at most 5; the checker visits
/// every listed replica on each commit, so the bound keeps it linear in the history).
pub const REPLICAS_MAX: usize = 64;

/// What the lines so far established: where `start` was, its replicas, the last time.
#[derive(Default)]
pub(super) struct Structure {
    /// The `start` line's number (1-based) and its replicas.
    start: Option<(usize, Vec<NodeId>)>,
    /// The previous line's number and time, µs.
    last: Option<(usize, u64)>,
}

impl Structure {
    /// Takes line `line` (1-based, as the file numbers it); an error says what is wrong with it.
    pub(super) fn take(&mut self, line: usize, rec: &Rec, names: &Names) -> Result<(), String> {
        self.check_time(line, rec.t_us)?;
        let replicas = match (&self.start, &rec.op) {
            (None, Op::Start { replicas, .. }) => return self.begin(line, replicas, names),
            (None, op) => {
                return Err(format!(
                    "the history must begin with a `start` line (it lists the replicas), got op `{}`",
                    op.name()
                ))
            }
            (Some((first, _)), Op::Start { .. }) => {
                return Err(format!("a second `start` line (the first is line {first})"))
            }
            (Some((_, replicas)), _) => replicas,
        };
        let listed = |r: &NodeId| replicas.contains(r);
        let refers: &[NodeId] = match &rec.op {
            Op::Apply { replica, .. } | Op::Wipe { replica } | Op::Skip { replica: Some(replica), .. } => {
                std::slice::from_ref(replica)
            }
            Op::Read { replicas, .. } => replicas,
            Op::Final { .. } if node_name(names, rec.node) != "app" => std::slice::from_ref(&rec.node),
            _ => &[],
        };
        match refers.iter().find(|r| !listed(r)) {
            None => Ok(()),
            Some(r) => Err(format!(
                "op `{}` names `{}`, which is not a replica of the `start` line",
                rec.op.name(),
                echo(&node_name(names, *r))
            )),
        }
    }

    /// After the last line: a history with no line at all is refused.
    pub(super) fn finish(&self) -> Result<(), String> {
        match self.start {
            Some(_) => Ok(()),
            None => Err("line 1: the history is empty; it must begin with a `start` line".to_string()),
        }
    }

    fn check_time(&mut self, line: usize, t_us: u64) -> Result<(), String> {
        if let Some((prev_line, prev)) = self.last {
            if t_us < prev {
                let (mut now, mut before) = (String::new(), String::new());
                push_t_ms(&mut now, t_us);
                push_t_ms(&mut before, prev);
                return Err(format!("`t_ms` {now} is before {before} (line {prev_line}): lines must be in time order"));
            }
        }
        self.last = Some((line, t_us));
        Ok(())
    }

    /// The `start` line: at most [`REPLICAS_MAX`] replicas, each once.
    fn begin(&mut self, line: usize, replicas: &[NodeId], names: &Names) -> Result<(), String> {
        if replicas.len() > REPLICAS_MAX {
            return Err(format!("`start` lists {} replicas; at most {REPLICAS_MAX}", replicas.len()));
        }
        for (i, r) in replicas.iter().enumerate() {
            if replicas[..i].contains(r) {
                return Err(format!("`start` lists `{}` twice", echo(&node_name(names, *r))));
            }
        }
        self.start = Some((line, replicas.to_vec()));
        Ok(())
    }
}
