//! Instructions per send under valgrind's callgrind, next to the floor
//! measured in the same run: the numbers CI gates on (`.ci/callgrind-gate`).
//!
//! Wall-clock time on a shared VM moves by ±20 % and with the CPU model;
//! the number of instructions a send executes does not. This binary
//! (`harness = false`) runs itself under `valgrind --tool=callgrind`, counts
//! only what executes inside [`measure`] (`--toggle-collect`), and dumps the
//! count each time `measure` returns (`--dump-after`). Every case runs
//! `measure` twice after a warm-up, with [`SHORT`] and [`LONG`] iterations:
//! the difference over `LONG - SHORT` iterations is the cost of one
//! iteration without any fixed cost (first send, lazy thread-locals, the
//! call into `measure`). An iteration is one call of the case's closure
//! through `&dyn Fn()`; the cost of calling an empty closure the same way,
//! measured in the same run, is subtracted, which leaves the instructions of
//! one send.
//!
//! `cargo bench --bench callgrind` prints the table; `-- --json PATH` also
//! writes it as JSON for the gate. Measured with the package's default
//! features (what a plain `signals-dispatch` dependency gives a user); the
//! gate records which those are, from the manifest, and asks for a new
//! baseline when they change. Those include `tracing`: without a
//! subscriber it adds 4 to 5 instructions to a `send` and about 25 to a
//! `send_robust` or `asend`; `--no-default-features --features
//! request-signals` measures without it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use signals::Sender;

#[macro_use]
mod support;
#[path = "support/workload.rs"]
mod workload;

use workload::{ARG, Run, SIZES, complete, floor_send};

/// Iterations of the first measurement of a case.
const SHORT: u64 = 1024;
/// Iterations of the second; `LONG - SHORT` is a multiple of every period a
/// send might have (arc-swap rotates through 8 debt slots per thread).
const LONG: u64 = 2048;
/// Runs of each case before it is measured: resolves the signal's table,
/// initialises thread-locals, fills the allocator's caches.
const WARM_UP: usize = 64;

/// The argument that makes this binary the measured child.
const CHILD: &str = "--callgrind-child";

/// One measured closure: `group/n` for a dispatch case, `floor/<kind>/n`
/// for a floor.
struct Measured<'a> {
    name: String,
    run: Run<'a>,
}

/// A dispatch case and the floor its ratio is taken against.
struct Case {
    name: String,
    floor: String,
}

/// The data the floors loop over; the floors' closures borrow it.
struct Floors {
    fns: BTreeMap<usize, Vec<support::FloorFn>>,
    boxed: BTreeMap<usize, Vec<workload::FloorBox>>,
    filtered: Vec<support::FloorFn>,
    robust: Vec<support::FloorFn>,
    asend: Vec<workload::FloorAsync>,
}

impl Floors {
    fn new() -> Self {
        let floor_sizes = SIZES.into_iter().filter(|&n| n > 0);
        Floors {
            fns: floor_sizes
                .clone()
                .map(|n| (n, workload::fn_floor(n)))
                .collect(),
            boxed: floor_sizes.map(|n| (n, workload::boxed_floor(n))).collect(),
            filtered: workload::filtered_floor(),
            robust: workload::fn_floor(10),
            asend: workload::async_floor(),
        }
    }
}

/// Every case, each with its floor: static receivers against distinct `fn`
/// pointers, runtime closures against boxed closures. A signal with no
/// receiver is compared with the floor of one receiver.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (group, floor) in [("static", "fn"), ("runtime", "boxed")] {
        for n in SIZES {
            cases.push(Case {
                name: format!("{group}/{n}"),
                floor: format!("floor/{floor}/{}", n.max(1)),
            });
        }
    }
    for (name, floor) in [
        ("filtered/1000", "floor/filtered/1000"),
        ("robust/10", "floor/robust/10"),
        ("asend/10", "floor/asend/10"),
    ] {
        cases.push(Case {
            name: name.to_owned(),
            floor: floor.to_owned(),
        });
    }
    cases
}

/// What the child measures, in order; the first is the empty closure whose
/// cost is the harness's own.
fn measured(floors: &Floors) -> Vec<Measured<'_>> {
    fn m<'a>(name: impl Into<String>, run: Run<'a>) -> Measured<'a> {
        Measured {
            name: name.into(),
            run,
        }
    }
    let mut all = vec![m(EMPTY, Box::new(|| {}))];
    for n in SIZES {
        all.push(m(format!("static/{n}"), workload::static_send(n)));
        all.push(m(format!("runtime/{n}"), workload::runtime_send(n)));
    }
    for (&n, receivers) in &floors.fns {
        all.push(m(
            format!("floor/fn/{n}"),
            Box::new(move || floor_send(black_box(receivers), Sender::NONE, &black_box(ARG))),
        ));
    }
    for (&n, receivers) in &floors.boxed {
        all.push(m(
            format!("floor/boxed/{n}"),
            Box::new(move || floor_send(black_box(receivers), Sender::NONE, &black_box(ARG))),
        ));
    }
    all.push(m("filtered/1000", workload::filtered_send()));
    all.push(m(
        "floor/filtered/1000",
        Box::new(|| {
            floor_send(
                black_box(&floors.filtered),
                black_box(workload::FILTERED_SENDER),
                &black_box(ARG),
            );
        }),
    ));
    all.push(m("robust/10", workload::robust_send()));
    all.push(m(
        "floor/robust/10",
        Box::new(|| {
            drop(workload::floor_send_robust(
                black_box(&floors.robust),
                Sender::NONE,
                &black_box(ARG),
            ));
        }),
    ));
    all.push(m("asend/10", workload::asend()));
    all.push(m(
        "floor/asend/10",
        Box::new(|| {
            drop(complete(workload::floor_asend(
                black_box(&floors.asend),
                &black_box(ARG),
            )));
        }),
    ));
    all
}

const EMPTY: &str = "empty";

/// The only code callgrind counts: `iterations` calls of `run`.
#[inline(never)]
fn measure(run: &dyn Fn(), iterations: u64) {
    for _ in 0..iterations {
        run();
    }
}

/// The child: warm up and measure every closure, in the order of
/// [`measured`]; callgrind writes one dump per `measure` call.
fn child() {
    workload::connect();
    let floors = Floors::new();
    for Measured { run, .. } in measured(&floors) {
        for _ in 0..WARM_UP {
            run();
        }
        measure(&*run, SHORT);
        measure(&*run, LONG);
    }
}

/// Runs the child under callgrind; returns the instructions of each of the
/// `dumps` calls of `measure`, in call order, or `None` if valgrind is not
/// installed.
fn run_callgrind(out_dir: &Path, dumps: usize) -> Result<Option<Vec<u64>>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    // The demangled name callgrind knows `measure` by (`callgrind::measure`).
    let function = std::any::type_name_of_val(&measure);
    let out_file = out_dir.join("callgrind.out");
    let Some(valgrind) = find_on_path("valgrind") else {
        return Ok(None);
    };
    let output = Command::new(valgrind)
        .arg("--tool=callgrind")
        .arg("--collect-atstart=no")
        .arg(format!("--toggle-collect={function}"))
        .arg(format!("--dump-after={function}"))
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(&exe)
        .arg(CHILD)
        // The same environment whatever the caller's: nothing in the child
        // reads it, and its size would move the stack between runs.
        .env_clear()
        .output();
    let output = output.map_err(|e| format!("cannot run valgrind: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "valgrind failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    // One dump per `measure` call, numbered from 1; the final dump at exit
    // (no suffix) holds nothing measured.
    (1..=dumps)
        .map(|part| {
            let path = PathBuf::from(format!("{}.{part}", out_file.display()));
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            text.lines()
                .find_map(|line| line.strip_prefix("totals:"))
                .and_then(|total| total.trim().parse().ok())
                .ok_or_else(|| format!("no `totals:` line in {}", path.display()))
        })
        .collect::<Result<Vec<u64>, String>>()
        .map(Some)
}

/// `program` in a directory of this process's `PATH` (the child's
/// environment is cleared, so the search cannot be left to `exec`).
fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// Instructions of one iteration of each measured closure, by name.
fn per_iteration(names: Vec<String>, totals: &[u64]) -> BTreeMap<String, f64> {
    names
        .into_iter()
        .zip(totals.chunks_exact(2))
        .map(|(name, pair)| {
            // Exact: instruction counts of these runs stay far below 2^52.
            #[allow(clippy::cast_precision_loss)]
            let per = (pair[1] as f64 - pair[0] as f64) / (LONG - SHORT) as f64;
            (name, per)
        })
        .collect()
}

/// One row of the result: a case's instructions per send, its floor's, and
/// the ratio.
struct Row {
    case: String,
    instructions: f64,
    floor: String,
    floor_instructions: f64,
}

impl Row {
    fn ratio(&self) -> f64 {
        self.instructions / self.floor_instructions
    }
}

/// Instructions of one send of the measured closure `name`: its iteration
/// less the empty closure's.
fn per_send(per_iteration: &BTreeMap<String, f64>, name: &str) -> f64 {
    per_iteration[name] - per_iteration[EMPTY]
}

fn rows(per_iteration: &BTreeMap<String, f64>) -> Vec<Row> {
    let per_send = |name: &str| per_send(per_iteration, name);
    cases()
        .into_iter()
        .map(|case| Row {
            instructions: per_send(&case.name),
            floor_instructions: per_send(&case.floor),
            case: case.name,
            floor: case.floor,
        })
        .collect()
}

fn table(rows: &[Row], per_send: impl Fn(&str) -> f64, overhead: f64) -> String {
    let mut out = format!(
        "instructions per send (callgrind; harness overhead of {overhead:.2} per iteration subtracted)\n\n"
    );
    let _ = writeln!(
        out,
        "{:<16} {:>12} {:<22} {:>12} {:>8}",
        "case", "instructions", "floor", "floor instr", "ratio"
    );
    for row in rows {
        let _ = writeln!(
            out,
            "{:<16} {:>12.2} {:<22} {:>12.2} {:>7.3}x",
            row.case,
            row.instructions,
            row.floor,
            row.floor_instructions,
            row.ratio()
        );
    }
    let _ = writeln!(
        out,
        "\nboth floors\n\n{:>5} {:>12} {:>15}",
        "n", "fn pointers", "boxed closures"
    );
    for n in SIZES.into_iter().filter(|&n| n > 0) {
        let _ = writeln!(
            out,
            "{n:>5} {:>12.2} {:>15.2}",
            per_send(&format!("floor/fn/{n}")),
            per_send(&format!("floor/boxed/{n}"))
        );
    }
    out
}

/// The JSON the gate reads (no serde in the dev-dependencies for this).
fn json(rows: &[Row], overhead: f64) -> String {
    let cases: Vec<String> = rows
        .iter()
        .map(|row| {
            format!(
                "    {{\"case\": \"{}\", \"instructions\": {:.4}, \"floor\": \"{}\", \"floor_instructions\": {:.4}, \"ratio\": {:.6}}}",
                row.case,
                row.instructions,
                row.floor,
                row.floor_instructions,
                row.ratio()
            )
        })
        .collect();
    format!(
        "{{\n  \"iterations\": [{SHORT}, {LONG}],\n  \"overhead\": {overhead:.4},\n  \"cases\": [\n{}\n  ]\n}}\n",
        cases.join(",\n")
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == CHILD) {
        child();
        return ExitCode::SUCCESS;
    }
    // `cargo bench` passes `--bench`; the gate adds `--json PATH`.
    let json_path = args
        .iter()
        .position(|a| a == "--json")
        .map(|i| args.get(i + 1).cloned());
    let json_path = match json_path {
        Some(Some(path)) => Some(path),
        Some(None) => {
            eprintln!("--json needs a path");
            return ExitCode::FAILURE;
        }
        None => None,
    };
    let out_dir = std::env::temp_dir().join(format!("signals-callgrind-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&out_dir) {
        eprintln!("cannot create {}: {e}", out_dir.display());
        return ExitCode::FAILURE;
    }
    // The parent only needs the names, in the child's order.
    let names: Vec<String> = measured(&Floors::new())
        .into_iter()
        .map(|m| m.name)
        .collect();
    let result = run_callgrind(&out_dir, 2 * names.len());
    let _ = std::fs::remove_dir_all(&out_dir);
    let totals = match result {
        Ok(Some(totals)) => totals,
        Ok(None) => {
            eprintln!(
                "valgrind not found: instruction counts need it (`apt-get install valgrind`)"
            );
            // A plain `cargo bench` on a machine without valgrind skips this
            // bench; the gate, which asked for the numbers, fails.
            return if json_path.is_some() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let per_iteration = per_iteration(names, &totals);
    let overhead = per_iteration[EMPTY];
    let rows = rows(&per_iteration);
    print!(
        "{}",
        table(&rows, |name| per_send(&per_iteration, name), overhead)
    );
    if let Some(path) = json_path
        && let Err(e) = std::fs::write(&path, json(&rows, overhead))
    {
        eprintln!("cannot write {path}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
