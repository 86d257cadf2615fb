//! A throwaway PostgreSQL cluster for tests and benchmarks (std only, so
//! `bench/` includes this file too).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicU64;

/// Numbers the clusters of one process.
static CLUSTERS: AtomicU64 = AtomicU64::new(0);

/// A PostgreSQL cluster of its own in a temporary directory, on a free port of
/// 127.0.0.1, from the machine's PostgreSQL binaries (`PG_BIN`, or the newest
/// `/usr/lib/postgresql/*/bin`). As root, it runs as the `postgres` user.
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    pub port: u16,
    as_postgres: bool,
    /// Whether commits wait for the disk (off for tests: faster, and a test's
    /// crash is of the app, not of the machine).
    fsync: bool,
}

impl Postgres {
    /// A cluster for tests: `fsync` off.
    pub fn start() -> Postgres {
        Self::start_with_fsync(false)
    }

    /// A cluster whose commits wait for the disk, as in production (benchmarks).
    pub fn start_durable() -> Postgres {
        Self::start_with_fsync(true)
    }

    fn start_with_fsync(fsync: bool) -> Postgres {
        let bin = std::env::var_os("PG_BIN")
            .map(PathBuf::from)
            .or_else(newest_postgres_bin)
            .expect("PostgreSQL binaries: install Debian's `postgresql` package or set PG_BIN");
        let root = std::env::temp_dir().join(format!(
            "hookspec-postgres-{}-{:x}",
            std::process::id(),
            CLUSTERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let data = root.join("data");
        let as_postgres = is_root();
        if as_postgres {
            run(Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(&root));
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Postgres {
            bin,
            data,
            port,
            as_postgres,
            fsync,
        };
        run(cluster
            .command("initdb")
            .arg("-D")
            .arg(&cluster.data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]));
        cluster.start_server();
        cluster
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start_server(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync={} -c max_connections=200",
            self.port,
            self.data.display(),
            if self.fsync { "on" } else { "off" }
        );
        run(self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-w", "-t", "60", "-o", &options, "-l"])
            .arg(self.data.join("server.log"))
            .arg("start"));
    }

    /// Stops the server at once (open connections are cut).
    pub fn stop_server(&self) {
        run(self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-w", "-m", "fast", "stop"]));
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(root) = self.data.parent() {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

fn newest_postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run(command: &mut Command) {
    let output = command.output().expect("the command starts");
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
