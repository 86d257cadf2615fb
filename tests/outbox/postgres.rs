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
    /// Whether it takes TLS connections only (`start_tls`).
    tls: bool,
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

    /// A cluster that takes TLS connections only, its certificate for
    /// `127.0.0.1` signed by a CA of its own ([`ca_file`](Self::ca_file));
    /// made with the `openssl` command.
    pub fn start_tls() -> Postgres {
        Self::start_with(false, true)
    }

    fn start_with_fsync(fsync: bool) -> Postgres {
        Self::start_with(fsync, false)
    }

    fn start_with(fsync: bool, tls: bool) -> Postgres {
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
            tls,
        };
        run(cluster
            .command("initdb")
            .arg("-D")
            .arg(&cluster.data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]));
        if tls {
            cluster.make_certificates();
        }
        cluster.start_server();
        cluster
    }

    /// The CA that signed a TLS cluster's certificate (PEM).
    pub fn ca_file(&self) -> PathBuf {
        self.data.parent().unwrap().join("ca.crt")
    }

    /// A CA and a server certificate for `127.0.0.1` it signs, and a
    /// `pg_hba.conf` that refuses connections without TLS.
    fn make_certificates(&self) {
        let root = self.data.parent().unwrap();
        let openssl = |args: &[&str]| {
            run(Command::new("openssl").current_dir(root).args(args));
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        openssl(
            &[
                &["req", "-x509"][..],
                &ec,
                &["-keyout", "ca.key", "-out", "ca.crt", "-days", "2"],
                &["-subj", "/CN=hookspec test CA"],
                &["-addext", "basicConstraints=critical,CA:TRUE"],
                &["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ]
            .concat(),
        );
        openssl(
            &[
                &["req"][..],
                &ec,
                &[
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=127.0.0.1",
                ],
            ]
            .concat(),
        );
        std::fs::write(
            root.join("server.ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        for file in ["server.crt", "server.key"] {
            std::fs::copy(root.join(file), self.data.join(file)).unwrap();
        }
        std::fs::write(
            self.data.join("pg_hba.conf"),
            "local all all trust\n\
             hostnossl all all 127.0.0.1/32 reject\n\
             hostssl all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
        if self.as_postgres {
            run(Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(&self.data));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                self.data.join("server.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        }
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
        let mut options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync={} -c max_connections=200",
            self.port,
            self.data.display(),
            if self.fsync { "on" } else { "off" }
        );
        if self.tls {
            options.push_str(" -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key");
        }
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
