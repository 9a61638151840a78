//! A throwaway PostgreSQL cluster for tests: `initdb` into a temporary directory, `pg_ctl start`
//! on 127.0.0.1 and a free port, `pg_ctl stop` when dropped (also when the test fails).
//!
//! PostgreSQL refuses to run as root: when the process runs as root the cluster's directory is
//! given to the `postgres` user and the binaries run through `runuser -u postgres --`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running throwaway cluster.
#[derive(Debug)]
pub struct PgServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// Where the server binaries are: `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/*/bin` holding `initdb`.
fn bindir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("initdb").exists())
        .collect();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PgServer {
    /// Starts a cluster.
    ///
    /// # Errors
    ///
    /// A clear message when no PostgreSQL binaries are installed (install them with
    /// `apt-get install -y postgresql`, as `.ci/run` does), or when initdb or pg_ctl fail.
    pub fn start() -> Result<PgServer, String> {
        PgServer::start_with(&[])
    }

    /// Starts a cluster with extra server settings (`name=value`, passed as `-c` options to
    /// `postgres` through `pg_ctl -o`), e.g. `shared_buffers=2GB` for a bulk load. Every
    /// cluster runs with `fsync=off`, `synchronous_commit=off` and `full_page_writes=off`: it is
    /// thrown away, so a crash may lose it.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub fn start_with(settings: &[&str]) -> Result<PgServer, String> {
        let bin = bindir().ok_or(
            "no PostgreSQL server binaries (initdb) found via `pg_config --bindir` or in \
             /usr/lib/postgresql/*/bin: install them with `apt-get install -y postgresql` \
             (`.ci/run` does)",
        )?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("accessgate-pg-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating `{}`: {e}", dir.display()))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("finding a free port: {e}"))?;
        let as_postgres = is_root();
        let server = PgServer {
            bin,
            dir,
            port,
            as_postgres,
        };
        if as_postgres {
            server.run(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&server.dir),
            )?;
        }
        let data = server.dir.join("data");
        server.run(
            server
                .pg("initdb")
                .args([
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "-D",
                ])
                .arg(&data),
        )?;
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            server.dir.display()
        );
        let opts = settings.iter().fold(opts, |o, s| format!("{o} -c {s}"));
        server.run(
            server
                .pg("pg_ctl")
                .args(["-w", "-t", "60", "-D"])
                .arg(&data)
                .arg("-l")
                .arg(server.dir.join("log"))
                .args(["-o", &opts, "start"]),
        )?;
        Ok(server)
    }

    /// A command for binary `name`, as `postgres` when running as root.
    fn pg(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn run(&self, cmd: &mut Command) -> Result<(), String> {
        let out = cmd.output().map_err(|e| format!("running {cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{cmd:?} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// A connection string for the `postgres` crate.
    pub fn url(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }

    /// The cluster's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self
            .pg("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(&data)
            .arg("stop")
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
