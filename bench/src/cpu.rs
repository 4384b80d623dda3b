//! CPU seconds spent per process during a measurement: this process (API, workers and extractor
//! when in-process), MariaDB and Redis, read from /proc, so a figure says where the time went.

use std::fmt;

/// Linux reports process times in clock ticks of 1/100 s on every common platform.
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone, Copy, Default)]
pub struct CpuSeconds {
    pub this_process: f64,
    pub mariadb: f64,
    pub redis: f64,
}

fn process_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// The processes whose command name is one of `names`.
pub fn pids_of(names: &[&str]) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            names.contains(&comm.trim()).then_some(pid)
        })
        .collect()
}

fn seconds_of(names: &[&str]) -> f64 {
    pids_of(names)
        .into_iter()
        .filter_map(|pid| process_seconds(&pid.to_string()))
        .sum()
}

impl CpuSeconds {
    pub fn now() -> Self {
        Self {
            this_process: process_seconds("self").unwrap_or(0.0),
            mariadb: seconds_of(&["mariadbd", "mysqld"]),
            redis: seconds_of(&["redis-server"]),
        }
    }

    pub fn since(self, earlier: CpuSeconds) -> CpuSeconds {
        CpuSeconds {
            this_process: self.this_process - earlier.this_process,
            mariadb: self.mariadb - earlier.mariadb,
            redis: self.redis - earlier.redis,
        }
    }
}

impl fmt::Display for CpuSeconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CPU s: dis-sync {:.1}, MariaDB {:.1}, Redis {:.1}",
            self.this_process, self.mariadb, self.redis
        )
    }
}
