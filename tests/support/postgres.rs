//! A throwaway PostgreSQL cluster for tests and benches: `initdb` in a fresh
//! temporary folder, a server on a free port of 127.0.0.1, stopped when the
//! value is dropped and, whatever happens to the test process (panic, abort,
//! SIGKILL), by a reaper process that waits for the test process to end.
//!
//! Debian keeps the server binaries off `PATH`; they are looked up in
//! `$SIGNALS_PG_BINDIR`, then `pg_config --bindir`, then
//! `/usr/lib/postgresql/<version>/bin`. The server refuses to run as root,
//! so as root every server command runs as the `postgres` user (in a folder
//! that user owns). Without binaries, [`PgCluster::start_or_skip`] prints a
//! loud message and returns `None` so the caller can skip, unless
//! `SIGNALS_REQUIRE_POSTGRES=1`, which turns the skip into a failure (CI).

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Settings for a disposable test cluster: no fsync (a crash of the test
/// machine loses nothing of value), commit timestamps for the ordering
/// tests, room for many pools.
pub const TEST_SETTINGS: &[&str] = &[
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "track_commit_timestamp=on",
    "max_connections=300",
];

/// One running (or stopped) cluster.
pub struct PgCluster {
    bindir: PathBuf,
    base: PathBuf,
    port: u16,
    run_as_postgres: bool,
    settings: Vec<String>,
}

/// Where the server binaries are, if anywhere.
pub fn find_bindir() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("SIGNALS_PG_BINDIR").map(PathBuf::from) {
        return has_server(&dir).then_some(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            has_server(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn required() -> bool {
    std::env::var("SIGNALS_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// Handles a missing server: a loud skip, or a failure when CI requires it.
pub fn skip(what: &str) {
    let message = format!(
        "no PostgreSQL server binaries (initdb, pg_ctl) found: install Debian's `postgresql` \
         package or set SIGNALS_PG_BINDIR; `{what}` needs them"
    );
    if required() {
        panic!("{message} (SIGNALS_REQUIRE_POSTGRES=1 forbids skipping)");
    }
    // Straight to the process's stderr: libtest captures `eprintln!` of a
    // passing test, and a skip must be seen.
    let banner = "*".repeat(72);
    let _ = writeln!(
        std::io::stderr(),
        "\n{banner}\nSKIPPED: {message}\n(set SIGNALS_REQUIRE_POSTGRES=1 to make this skip a failure)\n{banner}"
    );
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{text}",
        out.status
    );
    text
}

fn is_root() -> bool {
    run(Command::new("id").arg("-u"), "id -u").trim() == "0"
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

impl PgCluster {
    /// A new cluster with [`TEST_SETTINGS`], or `None` (after [`skip`])
    /// when this machine has no server binaries.
    pub fn start_or_skip(what: &str) -> Option<PgCluster> {
        Self::start_with_or_skip(what, TEST_SETTINGS)
    }

    /// A new cluster with these `-c` settings, or `None` as above.
    pub fn start_with_or_skip(what: &str, settings: &[&str]) -> Option<PgCluster> {
        let Some(bindir) = find_bindir() else {
            skip(what);
            return None;
        };
        Some(Self::init(bindir, settings))
    }

    /// The cluster shared by every test of this binary (each test makes
    /// its own database); stopped by the reaper when the process ends.
    pub fn shared_or_skip(what: &str) -> Option<&'static PgCluster> {
        static SHARED: OnceLock<Option<PgCluster>> = OnceLock::new();
        let shared = SHARED.get_or_init(|| find_bindir().map(|dir| Self::init(dir, TEST_SETTINGS)));
        if shared.is_none() {
            skip(what);
        }
        shared.as_ref()
    }

    fn init(bindir: PathBuf, settings: &[&str]) -> PgCluster {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let base = std::env::temp_dir().join(format!(
            "signals-pg-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&base).expect("create the cluster folder");
        let run_as_postgres = is_root();
        if run_as_postgres {
            let uid = run(
                Command::new("id").args(["-u", "postgres"]),
                "id -u postgres",
            );
            let gid = run(
                Command::new("id").args(["-g", "postgres"]),
                "id -g postgres",
            );
            std::os::unix::fs::chown(
                &base,
                Some(uid.trim().parse().expect("uid")),
                Some(gid.trim().parse().expect("gid")),
            )
            .expect("hand the cluster folder to the postgres user");
        }
        let cluster = PgCluster {
            bindir,
            base,
            port: free_port(),
            run_as_postgres,
            settings: settings.iter().map(|s| s.to_string()).collect(),
        };
        cluster.spawn_reaper();
        let data = cluster.data_dir();
        run(
            &mut cluster.server_command(
                "initdb",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                    "--no-instructions",
                ],
            ),
            "initdb",
        );
        cluster.start();
        cluster
    }

    fn data_dir(&self) -> PathBuf {
        self.base.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.base.join("server.log")
    }

    /// A server command, as the `postgres` user when we are root.
    fn server_command(&self, program: &str, args: &[&str]) -> Command {
        let path = self.bindir.join(program);
        let mut cmd = if self.run_as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        cmd.args(args);
        cmd
    }

    /// Stops the server whatever happens to this process: a detached shell
    /// that waits for our pid to disappear, then stops the server
    /// (immediate mode) and removes the folder.
    #[allow(
        clippy::zombie_processes,
        reason = "the reaper outlives this process by design; it exits only after we do"
    )]
    fn spawn_reaper(&self) {
        let stop = self.server_command(
            "pg_ctl",
            &[
                "-D",
                self.data_dir().to_str().unwrap(),
                "-m",
                "immediate",
                "stop",
            ],
        );
        let stop_line = std::iter::once(stop.get_program())
            .chain(stop.get_args())
            .map(|a| format!("'{}'", a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ");
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; \
             {stop_line} >/dev/null 2>&1; rm -rf '{base}'",
            pid = std::process::id(),
            base = self.base.display(),
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the cluster reaper");
    }

    /// Starts the server (again) on the same port and data folder.
    pub fn start(&self) {
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.base.display()
        );
        for setting in &self.settings {
            options.push_str(" -c ");
            options.push_str(setting);
        }
        let data = self.data_dir();
        let log = self.log_file();
        let out = self
            .server_command(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-l",
                    log.to_str().unwrap(),
                    "-o",
                    &options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            )
            .stdin(Stdio::null())
            .output()
            .expect("run pg_ctl start");
        if !out.status.success() {
            let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
            panic!(
                "PostgreSQL did not start on port {}: {}{}\nserver log:\n{log}",
                self.port,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Stops the server, disconnecting every client (`fast` mode: a clean
    /// shutdown, nothing committed is lost).
    pub fn stop(&self) {
        let data = self.data_dir();
        run(
            &mut self.server_command(
                "pg_ctl",
                &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
            ),
            "pg_ctl stop",
        );
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `name` (unique per test) and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let psql = self.bindir.join("psql");
        let port = self.port.to_string();
        run(
            Command::new(psql).args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                &format!("CREATE DATABASE \"{name}\""),
            ]),
            "psql CREATE DATABASE",
        );
        self.url(name)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data_dir();
        // Errors are ignored: the server may already be stopped (a restart
        // test that failed half-way); the reaper cleans up regardless.
        let _ = self
            .server_command(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.base);
    }
}
