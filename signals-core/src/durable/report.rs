//! What one worker did, returned by [`Worker::run`](crate::durable::Worker::run).

/// Counts of one worker's run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunReport {
    /// Events handled successfully and acknowledged (deleted).
    pub delivered: u64,
    /// Failed attempts put back for a later retry.
    pub retried: u64,
    /// Events this worker declared dead.
    pub dead: u64,
    /// Outcomes that found the event no longer leased to this worker (its
    /// lease expired and another worker took the event over).
    pub lost_leases: u64,
    /// Outcomes this worker could not record before its lease ran out
    /// (database unreachable); those events will be delivered again.
    pub abandoned: u64,
    /// Database errors met and retried.
    pub db_errors: u64,
    /// The last of those errors, displayed.
    pub last_db_error: Option<String>,
}

impl RunReport {
    /// Counts a database error that the worker will retry past.
    pub(crate) fn db_error(&mut self, error: &sqlx::Error) {
        self.db_errors += 1;
        self.last_db_error = Some(error.to_string());
        #[cfg(feature = "tracing")]
        tracing::warn!(target: "signals::durable", %error, "outbox database error; retrying");
    }
}
