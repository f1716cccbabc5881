//! A watchdog: aborts the whole test process, with a message, if a test
//! runs longer than its limit, so a hang fails fast. Aborting also ends the
//! PostgreSQL cluster (its reaper waits for this process) and every worker
//! child (their stdin closes).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// Disarmed when dropped.
pub struct Watchdog {
    _disarm: mpsc::Sender<()>,
}

/// Arms a watchdog for `what`.
pub fn watchdog(what: &str, limit: Duration) -> Watchdog {
    let (disarm, armed) = mpsc::channel::<()>();
    let what = what.to_owned();
    std::thread::spawn(move || {
        if let Err(RecvTimeoutError::Timeout) = armed.recv_timeout(limit) {
            eprintln!(
                "WATCHDOG: `{what}` still running after {limit:?}; aborting the test process"
            );
            std::process::abort();
        }
    });
    Watchdog { _disarm: disarm }
}
