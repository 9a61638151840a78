//! `accessgate-service [OPTIONS] MODEL`: serves a model file over HTTP.
//!
//! Every option also has an environment variable; a flag wins over its variable. `--help`
//! lists them. Model updates (`POST /model`) need the admin token; without one they are
//! refused, unless a separate admin listener takes them. SIGTERM or Ctrl-C stops the service
//! after the requests in flight are answered.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use accessgate_service::{
    load_model, router_with, serve, AdminToken, Limits, ModelUpdates, ServiceConfig, SharedPolicy,
};
use tokio::net::TcpListener;
use tokio::sync::watch;

const USAGE: &str = "\
usage: accessgate-service [OPTIONS] MODEL

MODEL is a policy document or a scenario file (or set ACCESSGATE_MODEL).

options (each also read from the environment variable after it; a flag wins):
  --addr ADDR               the listener, default 127.0.0.1:8080          ACCESSGATE_ADDR
  --admin-token-file PATH   the bearer token POST /model needs            ACCESSGATE_ADMIN_TOKEN_FILE
                            (or the token itself in ACCESSGATE_ADMIN_TOKEN; at least 16 bytes)
  --admin-addr ADDR         a second listener that alone takes POST /model; ACCESSGATE_ADMIN_ADDR
                            without a token anyone reaching it may update the model
  --trust-server-starts     let callers assert `schedule`/`trigger` starts ACCESSGATE_TRUST_SERVER_STARTS=1
  --max-connections N       connections served at once, default 512       ACCESSGATE_MAX_CONNECTIONS
  --header-timeout-ms MS    time to send request headers, default 10000   ACCESSGATE_HEADER_TIMEOUT_MS
  --body-timeout-ms MS      time to send a request body, default 30000    ACCESSGATE_BODY_TIMEOUT_MS
  --max-request-bytes N     largest /authorize body, default 65536        ACCESSGATE_MAX_REQUEST_BYTES
  --max-model-bytes N       largest /model body, default 8388608          ACCESSGATE_MAX_MODEL_BYTES
  --shutdown-grace-ms MS    time for in-flight requests at shutdown, default 30000  ACCESSGATE_SHUTDOWN_GRACE_MS

Without a token and without --admin-addr, POST /model is refused (403 model_updates_disabled).";

/// Options that take a value, with their environment variable.
const VALUED: [(&str, &str); 10] = [
    ("--addr", "ACCESSGATE_ADDR"),
    ("--admin-token-file", "ACCESSGATE_ADMIN_TOKEN_FILE"),
    ("--admin-addr", "ACCESSGATE_ADMIN_ADDR"),
    ("--max-connections", "ACCESSGATE_MAX_CONNECTIONS"),
    ("--header-timeout-ms", "ACCESSGATE_HEADER_TIMEOUT_MS"),
    ("--body-timeout-ms", "ACCESSGATE_BODY_TIMEOUT_MS"),
    ("--max-request-bytes", "ACCESSGATE_MAX_REQUEST_BYTES"),
    ("--max-model-bytes", "ACCESSGATE_MAX_MODEL_BYTES"),
    ("--shutdown-grace-ms", "ACCESSGATE_SHUTDOWN_GRACE_MS"),
    ("--model", "ACCESSGATE_MODEL"),
];

#[tokio::main]
async fn main() -> ExitCode {
    // Events on standard error: model swaps at info by default; RUST_LOG=debug adds one line
    // per decision with its reason code.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("accessgate-service: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The command line: flags with values, switches, and the model path.
struct Args {
    values: HashMap<&'static str, String>,
    trust_server_starts: bool,
}

impl Args {
    /// The arguments, or `None` for `--help`.
    fn parse() -> Result<Option<Args>, String> {
        let mut values = HashMap::new();
        let mut trust_server_starts = false;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Ok(None);
            }
            if arg == "--trust-server-starts" {
                trust_server_starts = true;
                continue;
            }
            if let Some((flag, _)) = VALUED.iter().find(|(flag, _)| *flag == arg) {
                let value = args
                    .next()
                    .ok_or_else(|| format!("`{flag}` needs a value\n\n{USAGE}"))?;
                values.insert(*flag, value);
            } else if arg.starts_with('-') {
                return Err(format!("unknown option `{arg}`\n\n{USAGE}"));
            } else if values.insert("--model", arg).is_some() {
                return Err(format!("more than one model given\n\n{USAGE}"));
            }
        }
        Ok(Some(Args {
            values,
            trust_server_starts,
        }))
    }

    /// The flag's value, else its environment variable's.
    fn get(&self, flag: &str) -> Option<String> {
        let (flag, variable) = VALUED.iter().find(|(name, _)| *name == flag)?;
        self.values
            .get(flag)
            .cloned()
            .or_else(|| std::env::var(variable).ok())
    }

    /// A number option, else `default`.
    fn number(&self, flag: &str, default: u64) -> Result<u64, String> {
        match self.get(flag) {
            None => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| format!("`{flag}` must be a whole number, got `{text}`")),
        }
    }

    fn size(&self, flag: &str, default: usize) -> Result<usize, String> {
        let n = self.number(flag, default as u64)?;
        usize::try_from(n).map_err(|_| format!("`{flag}` is too large"))
    }

    fn millis(&self, flag: &str, default: Duration) -> Result<Duration, String> {
        let default = u64::try_from(default.as_millis()).unwrap_or(u64::MAX);
        Ok(Duration::from_millis(self.number(flag, default)?))
    }

    fn limits(&self) -> Result<Limits, String> {
        let d = Limits::default();
        Ok(Limits {
            max_connections: self.size("--max-connections", d.max_connections)?,
            header_read_timeout: self.millis("--header-timeout-ms", d.header_read_timeout)?,
            body_read_timeout: self.millis("--body-timeout-ms", d.body_read_timeout)?,
            max_request_bytes: self.size("--max-request-bytes", d.max_request_bytes)?,
            max_model_bytes: self.size("--max-model-bytes", d.max_model_bytes)?,
            max_uri_bytes: d.max_uri_bytes,
            shutdown_grace: self.millis("--shutdown-grace-ms", d.shutdown_grace)?,
        })
    }

    /// The admin token from its file, else from `ACCESSGATE_ADMIN_TOKEN`; both is an error.
    fn token(&self) -> Result<Option<AdminToken>, String> {
        let file = self.get("--admin-token-file");
        let inline = std::env::var("ACCESSGATE_ADMIN_TOKEN").ok();
        match (file, inline) {
            (Some(_), Some(_)) => Err(
                "both an admin token file and ACCESSGATE_ADMIN_TOKEN are set; use one".to_owned(),
            ),
            (Some(path), None) => AdminToken::from_file(path.as_ref())
                .map(Some)
                .map_err(|e| e.to_string()),
            (None, Some(token)) => AdminToken::new(&token)
                .map(Some)
                .map_err(|e| format!("ACCESSGATE_ADMIN_TOKEN: {e}")),
            (None, None) => Ok(None),
        }
    }
}

async fn run() -> Result<(), String> {
    let Some(args) = Args::parse()? else {
        println!("{USAGE}");
        return Ok(());
    };
    // Before anything is served, so that a SIGTERM from then on is a graceful stop.
    let signal = shutdown_signal()?;
    let path = args
        .get("--model")
        .map(PathBuf::from)
        .ok_or_else(|| USAGE.to_owned())?;
    let addr = args
        .get("--addr")
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let admin_addr = args.get("--admin-addr");
    let token = args.token()?;
    let trust_server_starts = args.trust_server_starts
        || std::env::var("ACCESSGATE_TRUST_SERVER_STARTS").is_ok_and(|v| v == "1" || v == "true");
    let limits = args.limits()?;
    let policy = SharedPolicy::new(load_model(&path).map_err(|e| e.to_string())?);

    // Public listener: the token, if there is one and no admin listener takes the updates.
    let public_updates = match (&admin_addr, &token) {
        (None, Some(token)) => ModelUpdates::Token(token.clone()),
        (Some(_), _) | (None, None) => ModelUpdates::Disabled,
    };
    let (stop, stopping) = watch::channel(false);
    let mut servers = Vec::new();
    let listener = bind(&addr).await?;
    eprintln!(
        "accessgate-service: serving `{}` on http://{}; model updates {}",
        path.display(),
        local(&listener)?,
        describe(&public_updates)
    );
    let config = ServiceConfig {
        model_updates: public_updates,
        trust_server_starts,
        limits,
    };
    servers.push(tokio::spawn(serve(
        listener,
        router_with(policy.clone(), config),
        limits,
        stopped(stopping.clone()),
    )));
    if let Some(admin_addr) = admin_addr {
        let updates = token.map_or(ModelUpdates::Open, ModelUpdates::Token);
        let listener = bind(&admin_addr).await?;
        eprintln!(
            "accessgate-service: admin listener on http://{}; model updates {}",
            local(&listener)?,
            describe(&updates)
        );
        let config = ServiceConfig {
            model_updates: updates,
            trust_server_starts,
            limits,
        };
        servers.push(tokio::spawn(serve(
            listener,
            router_with(policy, config),
            limits,
            stopped(stopping),
        )));
    }

    signal.await;
    eprintln!("accessgate-service: shutting down, finishing requests in flight");
    let _ = stop.send(true);
    for server in servers {
        server.await.map_err(|e| format!("server stopped: {e}"))?;
    }
    eprintln!("accessgate-service: stopped");
    Ok(())
}

async fn bind(addr: &str) -> Result<TcpListener, String> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on `{addr}`: {e}"))
}

fn local(listener: &TcpListener) -> Result<std::net::SocketAddr, String> {
    listener.local_addr().map_err(|e| e.to_string())
}

fn describe(updates: &ModelUpdates) -> &'static str {
    match updates {
        ModelUpdates::Disabled => "disabled",
        ModelUpdates::Token(_) => "need the admin token",
        ModelUpdates::Open => "open to anyone reaching this address",
    }
}

/// Completes when `stop` says so (or its sender is gone).
async fn stopped(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// Completes on SIGTERM or Ctrl-C (SIGINT); both are caught from the time of the call.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind: SignalKind, name: &str| {
            signal(kind).map_err(|e| format!("cannot wait for {name}: {e}"))
        };
        let mut terminate = listen(SignalKind::terminate(), "SIGTERM")?;
        let mut interrupt = listen(SignalKind::interrupt(), "SIGINT")?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
