//! `lab`: the headless face of the simulation.
//!
//! ```text
//! lab list
//! lab run <ID|FILE> [--seed N] [--until-ms T] [--set key=value]… [--history FILE] [--json]
//! lab check <HISTORY.jsonl> [--json]
//! lab config <ID|FILE> [--set key=value]… [--lang ko|en] [--json]
//! lab bench [--json]
//! lab sweep [ID|FILE] [--schedules N] [--seed S] [--set key=value]… [--leave-down] [--draw-topology] [--heal-ms T] [--out DIR] [--json]
//! ```
//! Exit 0 for any finished run (anomalies are results, not errors) and a sweep whose schedules
//! all passed; 1 for a sweep with a failing schedule; 2 with one line on stderr for bad input.

use std::io::Write;
use std::process::ExitCode;

use consistency_lab::sim::text::{echo, echo_within};
use consistency_lab::sim::{self, builtin, scenario, Sim};

#[cfg(not(target_arch = "wasm32"))]
#[path = "lab/sweep.rs"]
mod sweep;

fn usage() -> &'static str {
    "usage: lab list | lab run <ID|FILE> [--seed N] [--until-ms T] [--set key=value]... [--history FILE] [--json] | lab check <HISTORY> [--json] | lab config <ID|FILE> [--set key=value]... [--lang ko|en] [--json] | lab bench [--json] | lab sweep [ID|FILE] [--schedules N] [--seed S] [--set key=value]... [--leave-down] [--draw-topology] [--heal-ms T] [--out DIR] [--json]"
}

fn main() -> ExitCode {
    match args().and_then(|args| run(&args)) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("lab: {msg}");
            ExitCode::from(2)
        }
    }
}

/// The arguments as text; one that is not UTF-8 is refused (`std::env::args` would panic).
fn args() -> Result<Vec<String>, String> {
    std::env::args_os()
        .skip(1)
        .enumerate()
        .map(|(i, a)| a.into_string().map_err(|_| format!("argument {} is not UTF-8 text", i + 1)))
        .collect()
}

/// How many characters of a file path a message shows (a path is longer than a value).
const PATH_MAX: usize = 120;

/// A file path as messages show it: escaped and cut like any echoed value.
fn shown_path(path: &str) -> String {
    echo_within(path, PATH_MAX)
}

/// A file's text; a file that is not UTF-8 is named as such, with the offset of its first bad
/// byte, rather than as unreadable.
fn read_text(path: &str) -> Result<String, ReadError> {
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// Why [`read_text`] failed.
enum ReadError {
    /// The file could not be read (the OS's words).
    Io(String),
    /// The file was read but its byte at this offset (from 0) is not UTF-8.
    NotUtf8(usize),
}

impl ReadError {
    /// "`path`: not UTF-8 text (bad byte at N)", or `unreadable(os_message)` for an I/O error.
    fn message(&self, path: &str, unreadable: impl FnOnce(&str) -> String) -> String {
        match self {
            ReadError::Io(e) => unreadable(e),
            ReadError::NotUtf8(at) => format!("{}: not UTF-8 text (bad byte at {at})", shown_path(path)),
        }
    }
}

/// Runs a subcommand: its exit code (a sweep with a failing schedule exits 1), or the one line
/// naming bad input.
fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some(cmd) = args.first() else { return Err(usage().into()) };
    if cmd == "sweep" {
        return cmd_sweep(&args[1..]);
    }
    run_plain(cmd, args).map(|()| ExitCode::SUCCESS)
}

/// The subcommands that exit 0 whenever they finish.
fn run_plain(cmd: &str, args: &[String]) -> Result<(), String> {
    match cmd {
        "list" => {
            if args.len() > 1 {
                return Err(format!("list takes no arguments; {}", usage()));
            }
            for s in builtin::all() {
                println!("{:<28} {}  /  {}", s.id, s.title.en, s.title.ko);
            }
            Ok(())
        }
        "run" => cmd_run(&args[1..]),
        "check" => cmd_check(&args[1..]),
        "config" => cmd_config(&args[1..]),
        "bench" => cmd_bench(&args[1..]),
        // Hidden (not in the usage line): the `#s=` payload of a scenario, for tests and blog
        // authors; the page's "copy link" writes the same encoding.
        "share" => match &args[1..] {
            [target] => {
                let payload = sim::share::encode(&load_scenario(target)?);
                sim::share::check_len(&payload)?;
                println!("{payload}");
                Ok(())
            }
            _ => Err("share takes one scenario id or file: lab share <ID|FILE>".into()),
        },
        "-h" | "--help" | "help" => {
            println!("{}", usage());
            Ok(())
        }
        other => Err(format!("unknown command `{}`; {}", echo(other), usage())),
    }
}

/// A built-in id, or a path to a scenario file.
fn load_scenario(arg: &str) -> Result<scenario::Scenario, String> {
    if let Some(s) = builtin::get(arg) {
        return Ok(s);
    }
    let text = read_text(arg).map_err(|e| {
        e.message(arg, |e| {
            format!("`{}` is neither a built-in scenario (see `lab list`) nor a readable file: {e}", shown_path(arg))
        })
    })?;
    scenario::parse_scenario(&text).map_err(|e| format!("{}: {e}", shown_path(arg)))
}

fn value_of<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, String> {
    *i += 1;
    args.get(*i).map(|s| s.as_str()).ok_or_else(|| format!("{flag} needs a value"))
}

fn cmd_run(args: &[String]) -> Result<(), String> {
    let mut target = None;
    let mut seed = None;
    let mut until = None;
    let mut sets = Vec::new();
    let mut history = None;
    let mut json = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--seed" => {
                let v = value_of(args, &mut i, a)?;
                seed =
                    Some(v.parse::<u64>().map_err(|_| format!("--seed: `{}` is not a non-negative integer", echo(v)))?);
            }
            "--until-ms" => {
                let v = value_of(args, &mut i, a)?;
                let t =
                    v.parse::<u64>().map_err(|_| format!("--until-ms: `{}` is not a non-negative integer", echo(v)))?;
                until = Some(t);
            }
            "--set" => sets.push(value_of(args, &mut i, a)?.to_string()),
            "--history" => history = Some(value_of(args, &mut i, a)?.to_string()),
            "--json" => json = true,
            _ if a.starts_with("--") => return Err(format!("unknown option `{}`; {}", echo(a), usage())),
            _ if target.is_none() => target = Some(a.to_string()),
            _ => return Err(format!("unexpected argument `{}`; {}", echo(a), usage())),
        }
        i += 1;
    }
    let target = target.ok_or_else(|| format!("run needs a scenario id or file; {}", usage()))?;
    let mut sc = load_scenario(&target)?;
    if let Some(s) = seed {
        sc.seed = s;
    }
    if let Some(t) = until {
        // A shorter run simply never reaches the later commands.
        sc.until_ms = t;
        sc.commands.retain(|c| c.at_ms <= t);
        // Likewise a tour step past the end just runs to the end.
        for step in &mut sc.tour {
            step.at_ms = step.at_ms.map(|a| a.min(t));
        }
    }
    scenario::apply_cli_sets(&mut sc.config, &sets).map_err(|e| format!("--set {e}"))?;
    sc.validate().map_err(|e| e.to_string())?;
    let mut out_file = match &history {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("--history {}: {e}", shown_path(path)))?,
        )),
        None => None,
    };
    let mut sim = Sim::new(sc);
    sim.run_to_end();
    if let Some(f) = out_file.as_mut() {
        sim::history::write_jsonl(sim.history(), sim.names(), f).map_err(|e| format!("--history: {e}"))?;
        f.flush().map_err(|e| format!("--history: {e}"))?;
    }
    let report = sim::report::Report::of(&sim);
    if json {
        println!("{}", serde_json::to_string_pretty(&report).expect("report serialises"));
    } else {
        print!("{}", report.text());
    }
    Ok(())
}

/// Prints the real Kafka and Debezium settings equivalent to a scenario's config (after
/// `--set`s): `.properties` text with the notes as comments, or the structured sections as JSON.
fn cmd_config(args: &[String]) -> Result<(), String> {
    let mut target = None;
    let mut sets = Vec::new();
    let mut json = false;
    let mut ko = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--set" => sets.push(value_of(args, &mut i, a)?.to_string()),
            "--lang" => {
                ko = match value_of(args, &mut i, a)? {
                    "ko" => true,
                    "en" => false,
                    v => return Err(format!("--lang: `{}` is not ko or en", echo(v))),
                }
            }
            "--json" => json = true,
            _ if a.starts_with("--") => return Err(format!("unknown option `{}`; {}", echo(a), usage())),
            _ if target.is_none() => target = Some(a.to_string()),
            _ => return Err(format!("unexpected argument `{}`; {}", echo(a), usage())),
        }
        i += 1;
    }
    let target = target.ok_or_else(|| format!("config needs a scenario id or file; {}", usage()))?;
    let mut sc = load_scenario(&target)?;
    scenario::apply_cli_sets(&mut sc.config, &sets).map_err(|e| format!("--set {e}"))?;
    sc.validate().map_err(|e| e.to_string())?;
    let props = sim::kafka_props::for_config(&sc.initial_config());
    if json {
        println!("{}", serde_json::to_string_pretty(&props).expect("settings serialise"));
    } else {
        print!("{}", props.to_properties_text_in(ko));
    }
    Ok(())
}

/// Recomputes the checker's numbers and witnesses from a history file alone.
fn cmd_check(args: &[String]) -> Result<(), String> {
    let mut path = None;
    let mut json = false;
    for a in args {
        match a.as_str() {
            "--json" => json = true,
            s if s.starts_with("--") => return Err(format!("unknown option `{}`", echo(s))),
            s if path.is_none() => path = Some(s.to_string()),
            _ => return Err("check takes one history file: lab check <HISTORY> [--json]".into()),
        }
    }
    let path = path.ok_or("check needs a history file")?;
    let text = read_text(&path).map_err(|e| e.message(&path, |e| format!("{}: {e}", shown_path(&path))))?;
    let (recs, names) = sim::history::parse_jsonl(&text).map_err(|e| format!("{}: {e}", shown_path(&path)))?;
    let report = sim::checker::Checker::check(&recs);
    if json {
        println!("{}", serde_json::to_string_pretty(&report.to_json(&names)).expect("report serialises"));
    } else {
        print!("{}", report.text(&names));
    }
    Ok(())
}

#[cfg(not(target_arch = "wasm32"))]
fn cmd_bench(args: &[String]) -> Result<(), String> {
    let mut json = false;
    for a in args {
        match a.as_str() {
            "--json" => json = true,
            s => return Err(format!("unknown option `{}` for bench", echo(s))),
        }
    }
    let b = sim::bench::run();
    if json {
        println!("{}", serde_json::to_string_pretty(&b).expect("bench serialises"));
    } else {
        print!("{}", b.text());
    }
    Ok(())
}

#[cfg(not(target_arch = "wasm32"))]
fn cmd_sweep(args: &[String]) -> Result<ExitCode, String> {
    sweep::cmd_sweep(args)
}

/// A sweep runs on every core of a native machine; `lab` only needs to compile in wasm.
#[cfg(target_arch = "wasm32")]
fn cmd_sweep(_args: &[String]) -> Result<ExitCode, String> {
    Err("sweep runs natively".into())
}

/// The browser has its own benchmark (tests/web/bench.rs); `lab` only needs to compile there.
#[cfg(target_arch = "wasm32")]
fn cmd_bench(_args: &[String]) -> Result<(), String> {
    Err("bench runs natively; the browser has tests/web/bench.rs".into())
}
