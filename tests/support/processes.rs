//! Worker processes for the crash tests: the test binary run again with
//! `--exact child_worker` (a test that does nothing without its
//! environment), killed by its own pid if the test fails.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What a worker process serves: set by the parent, read by the child.
const CHILD_URL: &str = "SIGNALS_CHILD_WORKER_URL";
const CHILD_BACKEND: &str = "SIGNALS_CHILD_WORKER_BACKEND";

/// The body of a test binary's `child_worker` test: in a worker process
/// started by [`WorkerProcess::serving`], runs `serve(backend, url)` on a
/// two-thread runtime under a watchdog of `limit` and returns what it
/// returns; in a plain test run (no such environment) does nothing.
pub fn run_child<R>(limit: Duration, serve: impl AsyncFnOnce(&str, &str) -> R) -> Option<R> {
    let (Ok(url), Ok(backend)) = (std::env::var(CHILD_URL), std::env::var(CHILD_BACKEND)) else {
        return None;
    };
    let _watchdog = super::watchdog::watchdog("child worker", limit);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    Some(runtime.block_on(serve(&backend, &url)))
}

/// A child worker process.
pub struct WorkerProcess {
    child: Option<Child>,
}

impl WorkerProcess {
    /// Starts this test binary's `child_worker` test, serving the
    /// `backend` database at `url` (see [`run_child`]).
    pub fn serving(backend: &str, url: &str) -> Self {
        Self::spawn(&[(CHILD_URL, url), (CHILD_BACKEND, backend)])
    }

    /// Starts this test binary's `child_worker` test with `env` set.
    fn spawn(env: &[(&str, &str)]) -> Self {
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_worker", "--nocapture", "--test-threads=1"])
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start a worker process");
        WorkerProcess { child: Some(child) }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// SIGKILL, then reap.
    pub fn kill(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// Closes stdin (graceful shutdown), waits up to `limit`, and returns
    /// the line of its output that starts with `REPORT `.
    pub fn finish(mut self, limit: Duration) -> String {
        let mut child = self.child.take().unwrap();
        drop(child.stdin.take());
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > limit {
                child.kill().unwrap();
                panic!("worker {} did not stop within {limit:?}", child.id());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "worker failed: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        // libtest prints `test child_worker ... ` on the same line first.
        stdout
            .lines()
            .find_map(|l| l.find("REPORT ").map(|at| l[at..].to_owned()))
            .unwrap_or_else(|| panic!("no report from the worker:\n{stdout}"))
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
