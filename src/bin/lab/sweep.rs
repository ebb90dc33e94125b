//! `lab sweep [ID|FILE] [--schedules N] [--seed S] [--set key=value]… [--leave-down]
//! [--draw-topology] [--heal-ms T] [--out DIR] [--json]`: many random fault schedules over one
//! scenario's config, on every core (rayon), judged by the checker (`sim::sweep`).
//!
//! Each schedule draws everything from (S, its index) and the outcomes are aggregated in index
//! order, so stdout is the same on one core or many (`RAYON_NUM_THREADS`); only the progress
//! lines and the time on stderr differ. Exit 0 when every schedule passed, 1 when any failed,
//! 2 for bad input.

use std::cell::RefCell;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use consistency_lab::sim::scenario::{self, to_json};
use consistency_lab::sim::sweep::{Outcome, Plan, Schedule, Summary};
use consistency_lab::sim::text::echo;
use rayon::prelude::*;

use super::{load_scenario, shown_path, usage, value_of};

/// Schedules run when `--schedules` is not given.
const SCHEDULES_DEFAULT: u64 = 100;

/// What the flags ask for.
struct Args {
    target: String,
    schedules: u64,
    seed: u64,
    sets: Vec<String>,
    leave_down: bool,
    draw_topology: bool,
    heal_ms: Option<u64>,
    out: Option<String>,
    json: bool,
}

fn number(flag: &str, v: &str) -> Result<u64, String> {
    v.parse::<u64>().map_err(|_| format!("{flag}: `{}` is not a non-negative integer", echo(v)))
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        target: consistency_lab::sim::builtin::DEFAULT_ID.to_string(),
        schedules: SCHEDULES_DEFAULT,
        seed: 1,
        sets: Vec::new(),
        leave_down: false,
        draw_topology: false,
        heal_ms: None,
        out: None,
        json: false,
    };
    let mut target = None;
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        match flag {
            "--schedules" => a.schedules = number(flag, value_of(args, &mut i, flag)?)?,
            "--seed" => a.seed = number(flag, value_of(args, &mut i, flag)?)?,
            "--heal-ms" => a.heal_ms = Some(number(flag, value_of(args, &mut i, flag)?)?),
            "--set" => a.sets.push(value_of(args, &mut i, flag)?.to_string()),
            "--out" => a.out = Some(value_of(args, &mut i, flag)?.to_string()),
            "--leave-down" => a.leave_down = true,
            "--draw-topology" => a.draw_topology = true,
            "--json" => a.json = true,
            _ if flag.starts_with("--") => return Err(format!("unknown option `{}`; {}", echo(flag), usage())),
            _ if target.is_none() => target = Some(flag.to_string()),
            _ => return Err(format!("unexpected argument `{}`; {}", echo(flag), usage())),
        }
        i += 1;
    }
    if a.schedules == 0 {
        return Err("--schedules: at least 1".into());
    }
    a.target = target.unwrap_or(a.target);
    Ok(a)
}

/// The sweep the flags describe; its schedule 0 is built once here so that a bad base (a
/// `--heal-ms` past the longest run, a `--set` that breaks a command) is refused up front.
fn plan(a: &Args) -> Result<Plan, String> {
    let mut base = load_scenario(&a.target)?;
    scenario::apply_cli_sets(&mut base.config, &a.sets).map_err(|e| format!("--set {e}"))?;
    base.validate().map_err(|e| e.to_string())?;
    let mut plan = Plan::new(base, a.seed);
    if let Some(t) = a.heal_ms {
        plan.set_heal_ms(t);
    }
    plan.leave_down = a.leave_down;
    plan.draw_topology = a.draw_topology;
    plan.schedule(0).map_err(|e| format!("the sweep's schedules are invalid: {e}"))?;
    Ok(plan)
}

thread_local! {
    /// The scenario this thread is running, as JSON: a panic names it (the release build
    /// aborts on panic, so it cannot be caught and written as a failure).
    static RUNNING: RefCell<Option<(u64, String)>> = const { RefCell::new(None) };
}

/// Prints the running schedule's scenario before the default panic message.
fn name_the_schedule_on_panic() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        RUNNING.with(|r| {
            if let Some((i, json)) = r.borrow().as_ref() {
                eprintln!("lab sweep: schedule {i} panicked; its scenario (save it, then `lab run FILE`):\n{json}");
            }
        });
        default(info);
    }));
}

/// Runs one schedule, counting it for the progress lines.
fn run_one(plan: &Plan, index: u64, progress: &Progress) -> Outcome {
    let schedule: Schedule = plan
        .schedule(index)
        .unwrap_or_else(|e| panic!("schedule {index}: the generator wrote an invalid scenario: {e}"));
    RUNNING.with(|r| *r.borrow_mut() = Some((index, to_json(&schedule.scenario))));
    let outcome = schedule.run();
    RUNNING.with(|r| *r.borrow_mut() = None);
    progress.tick(!outcome.failures.is_empty());
    outcome
}

/// Progress on stderr: a line each tenth of a sweep of 100 schedules or more.
struct Progress {
    total: u64,
    done: AtomicU64,
    failed: AtomicU64,
    start: Instant,
}

impl Progress {
    fn tick(&self, failed: bool) {
        let failed = self.failed.fetch_add(u64::from(failed), Ordering::Relaxed) + u64::from(failed);
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.total >= 100 && done.is_multiple_of(self.total / 10) {
            let secs = self.start.elapsed().as_secs_f64();
            eprintln!("lab sweep: {done}/{} schedules, {failed} failed, {secs:.1} s", self.total);
        }
    }
}

/// Writes each failing schedule's scenario to `dir` and notes the path in the summary.
fn write_failures(plan: &Plan, summary: &mut Summary, dir: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("--out {}: {e}", shown_path(dir)))?;
    for f in &mut summary.failing {
        let s = plan.schedule(f.schedule).expect("a schedule that ran is valid");
        let path = std::path::Path::new(dir).join(format!("{}.json", s.scenario.id));
        std::fs::write(&path, to_json(&s.scenario) + "\n")
            .map_err(|e| format!("--out {}: {e}", shown_path(&path.to_string_lossy())))?;
        f.file = Some(path.to_string_lossy().into_owned());
    }
    Ok(())
}

/// `lab sweep`.
pub fn cmd_sweep(args: &[String]) -> Result<ExitCode, String> {
    let a = parse(args)?;
    let plan = plan(&a)?;
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir).map_err(|e| format!("--out {}: {e}", shown_path(dir)))?;
    }
    name_the_schedule_on_panic();
    let progress =
        Progress { total: a.schedules, done: AtomicU64::new(0), failed: AtomicU64::new(0), start: Instant::now() };
    // `collect` keeps index order whatever thread ran which schedule.
    let outcomes: Vec<Outcome> = (0..a.schedules).into_par_iter().map(|i| run_one(&plan, i, &progress)).collect();
    let mut summary = Summary::of(&plan, &outcomes);
    if let Some(dir) = &a.out {
        write_failures(&plan, &mut summary, dir)?;
    }
    eprintln!(
        "lab sweep: {} schedules in {:.1} s on {} threads",
        a.schedules,
        progress.start.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary).expect("the summary serialises"));
    } else {
        print!("{}", summary.text());
    }
    Ok(if summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
