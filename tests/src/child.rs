//! A dis-sync binary run as a child process, as an operator, systemd or Kubernetes runs it: a
//! clean environment, its output read line by line, SIGTERM, and its exit code. Used by the
//! binaries' own tests (which include this file), since only a package's tests know where its
//! binaries are.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::Notify;

pub struct Child {
    process: tokio::process::Child,
    lines: Arc<Mutex<Vec<String>>>,
    changed: Arc<Notify>,
    readers: Vec<tokio::task::JoinHandle<()>>,
}

impl Child {
    /// Starts `program` with only `PATH` and `env` in its environment.
    pub fn spawn(program: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut process = command.spawn().expect("the binary starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let changed = Arc::new(Notify::new());
        let stdout = process.stdout.take().expect("stdout");
        let stderr = process.stderr.take().expect("stderr");
        let readers = vec![
            tokio::spawn(collect(stdout, lines.clone(), changed.clone())),
            tokio::spawn(collect(stderr, lines.clone(), changed.clone())),
        ];
        Self {
            process,
            lines,
            changed,
            readers,
        }
    }

    /// Everything it printed so far, one line each.
    pub fn output(&self) -> String {
        self.lines.lock().expect("lines").join("\n")
    }

    /// The first line containing `needle`, waiting for it at most `limit`.
    pub async fn wait_for_line(&self, needle: &str, limit: Duration) -> String {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let changed = self.changed.notified();
            if let Some(line) = self
                .lines
                .lock()
                .expect("lines")
                .iter()
                .find(|l| l.contains(needle))
            {
                return line.clone();
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(
                !left.is_zero(),
                "no line with {needle:?} within {limit:?}; it printed:\n{}",
                self.output()
            );
            let _ = tokio::time::timeout(left, changed).await;
        }
    }

    /// Sends SIGTERM, as `docker stop` and Kubernetes do.
    pub fn terminate(&self) {
        self.signal("TERM");
    }

    /// Freezes it (SIGSTOP) where it is, so that a test can break something else at a known point
    /// of its work; [`Child::resume`] lets it go on.
    pub fn pause(&self) {
        self.signal("STOP");
    }

    pub fn resume(&self) {
        self.signal("CONT");
    }

    fn signal(&self, name: &str) {
        let pid = self.process.id().expect("still running").to_string();
        let sent = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIG{name} could not be sent to {pid}");
    }

    /// Sends SIGKILL: it dies at once, as in a crash, an OOM kill or a node lost, with no chance to
    /// clean up.
    pub fn kill(&mut self) {
        self.process
            .start_kill()
            .expect("SIGKILL can be sent to a running child");
    }

    /// Its process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.id()
    }

    /// Its exit code, waiting at most `limit` (panics, with its output, if it is still running).
    pub async fn exit_code(&mut self, limit: Duration) -> Option<i32> {
        let Ok(status) = tokio::time::timeout(limit, self.process.wait()).await else {
            panic!(
                "still running after {limit:?}; it printed:\n{}",
                self.output()
            )
        };
        status.expect("the child is waited for").code()
    }

    /// Runs it to its end (at most `limit`): its exit code and all it printed.
    pub async fn run(
        program: &str,
        args: &[&str],
        env: &[(&str, &str)],
        limit: Duration,
    ) -> (Option<i32>, String) {
        let mut child = Self::spawn(program, args, env);
        let code = child.finish(limit).await;
        (code, child.output())
    }

    /// Waits (at most `limit`) until it has exited and everything it printed is read: its exit code.
    pub async fn finish(&mut self, limit: Duration) -> Option<i32> {
        let code = self.exit_code(limit).await;
        // The readers end with the pipes, which closed when it exited.
        for reader in std::mem::take(&mut self.readers) {
            let _ = tokio::time::timeout(limit, reader).await;
        }
        code
    }
}

async fn collect(
    stream: impl AsyncRead + Unpin,
    lines: Arc<Mutex<Vec<String>>>,
    changed: Arc<Notify>,
) {
    let mut reader = BufReader::new(stream).lines();
    while let Ok(Some(line)) = reader.next_line().await {
        lines.lock().expect("lines").push(line);
        changed.notify_waiters();
    }
}
