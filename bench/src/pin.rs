//! `--pin`: MariaDB on a core of its own and everything else (this process, its children, Redis)
//! on the other, as in production where MySQL has its own machine. Done with util-linux's
//! `taskset` on every thread of each process; the affinity each process had is put back when the
//! guard drops (the bench's end, an error, a panic, or Ctrl-C / SIGTERM, which `run` turns into a
//! drop).

use std::process::Command;

use crate::cpu::pids_of;

/// The core MariaDB gets; every other process of the measurement goes to [`FRONT_CORE`].
const DATABASE_CORE: usize = 1;
const FRONT_CORE: usize = 0;

/// Processes pinned, each with the affinity mask it had before, restored on drop.
pub struct Pinned {
    saved: Vec<(u32, String)>,
}

impl Pinned {
    /// Pins MariaDB to [`DATABASE_CORE`], and this process and Redis to [`FRONT_CORE`].
    pub fn database_on_its_own_core() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        anyhow::ensure!(cores >= 2, "--pin needs 2 cores, this machine has {cores}");
        let database = pids_of(&["mariadbd", "mysqld"]);
        anyhow::ensure!(
            !database.is_empty(),
            "--pin: no mariadbd or mysqld process to pin (is MySQL on another host?)"
        );
        let mut pinned = Self { saved: Vec::new() };
        for pid in database {
            pinned.pin(pid, DATABASE_CORE)?;
        }
        for pid in pids_of(&["redis-server"]) {
            pinned.pin(pid, FRONT_CORE)?;
        }
        pinned.pin(std::process::id(), FRONT_CORE)?;
        eprintln!(
            "bench: pinned MariaDB to core {DATABASE_CORE}, this process and Redis to core {FRONT_CORE}"
        );
        Ok(pinned)
    }

    fn pin(&mut self, pid: u32, core: usize) -> anyhow::Result<()> {
        let before = current_mask(pid)?;
        // Saved first: a pin that half-worked (some threads) is still undone.
        self.saved.push((pid, before));
        taskset(&["-a", "-p", "-c", &core.to_string(), &pid.to_string()])
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        for (pid, mask) in self.saved.iter().rev() {
            if let Err(e) = taskset(&["-a", "-p", mask, &pid.to_string()]) {
                eprintln!("bench: could not restore the CPU affinity of process {pid} to {mask}: {e}; run `taskset -a -p {mask} {pid}`");
            }
        }
        if !self.saved.is_empty() {
            eprintln!("bench: CPU affinity restored");
        }
    }
}

/// The affinity mask of `pid`'s main thread, as hex (`taskset -p` prints "…: 3").
fn current_mask(pid: u32) -> anyhow::Result<String> {
    let output = Command::new("taskset")
        .args(["-p", &pid.to_string()])
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "taskset -p {pid}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    text.rsplit(':')
        .next()
        .map(|mask| mask.trim().to_owned())
        .filter(|mask| !mask.is_empty())
        .ok_or_else(|| anyhow::anyhow!("taskset -p {pid} said {text:?}"))
}

fn taskset(args: &[&str]) -> anyhow::Result<()> {
    let output = Command::new("taskset").args(args).output()?;
    anyhow::ensure!(
        output.status.success(),
        "taskset {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}
