//! The harness's output: a table for people, then one JSON line for comparing runs.

use std::fmt::Write;

use serde_json::json;

use crate::cpu::CpuSeconds;
use crate::pipeline::PipelineFigures;
use crate::raw::RawFigures;
use crate::scaling::ScalingRun;
use crate::sweep::SweepFigures;

pub struct Figures {
    /// CPU seconds per process during each measurement (first load and re-sync together).
    pub cpu: [(&'static str, CpuSeconds); 3],
    pub records: usize,
    pub concurrency: usize,
    pub jobs_per_transaction: usize,
    pub raw: RawFigures,
    pub pipeline: PipelineFigures,
    pub api_only_rps: f64,
    pub sweep: SweepFigures,
    pub extractor_peak_rss_mb: f64,
    /// First loads through 1, 2 and 4 worker processes on one queue (see [`crate::scaling`]).
    pub scaling: Vec<ScalingRun>,
    /// `--pin`: MariaDB had a core of its own, which changes the targets.
    pub pinned: bool,
    /// A smoke run (`--smoke`, or a debug build): the harness ran, the figures mean nothing, so
    /// no target is printed next to them.
    pub smoke: bool,
}

impl Figures {
    fn ratio_first(&self) -> f64 {
        self.pipeline.first_rps / self.raw.first_rps
    }

    fn ratio_resync(&self) -> f64 {
        self.pipeline.resync_rps / self.raw.resync_rps
    }

    /// `(target …)` after a figure, except in a smoke run, where it would read as a failure.
    fn target(&self, target: &str) -> String {
        if self.smoke {
            String::new()
        } else {
            format!(" (target {target})")
        }
    }

    /// The targets of the pipeline's share of the raw ceiling: first load, re-sync.
    fn ratio_targets(&self) -> (&'static str, &'static str) {
        if self.pinned {
            ("≥ 0.70", "≥ 0.70")
        } else {
            ("≥ 0.45", "≥ 0.60")
        }
    }

    /// CPU of the pipeline's front (dis-sync and Redis) and of MariaDB, µs per record, over the
    /// first load and the re-sync together.
    fn pipeline_cost(&self) -> Cost {
        Cost::of(
            &[self.pipeline.first_cpu, self.pipeline.resync_cpu],
            2 * self.records,
        )
    }

    fn raw_cost(&self) -> Cost {
        Cost::of(&[self.raw.first_cpu, self.raw.resync_cpu], 2 * self.records)
    }

    fn cost_rows(&self) -> Vec<(&'static str, String, String)> {
        let (pipeline, raw) = (self.pipeline_cost(), self.raw_cost());
        let per_phase = |first: CpuSeconds, resync: CpuSeconds| {
            let (first, resync) = (
                Cost::of(&[first], self.records),
                Cost::of(&[resync], self.records),
            );
            format!("first load {first}; re-sync {resync}")
        };
        vec![
            (
                "pipeline: front, µs CPU/record",
                format!("{:.2}", pipeline.front()),
                format!(
                    "dis-sync {:.2} + Redis {:.2}{}",
                    pipeline.dis_sync,
                    pipeline.redis,
                    self.target("≤ 5")
                ),
            ),
            (
                "pipeline: MariaDB, µs CPU/record",
                format!("{:.2}", pipeline.mariadb),
                format!(
                    "{:.2} × raw's {:.2} µs/row{}",
                    pipeline.mariadb / raw.mariadb.max(1e-9),
                    raw.mariadb,
                    self.target("≤ 1.15")
                ),
            ),
            (
                "  pipeline by phase",
                String::new(),
                per_phase(self.pipeline.first_cpu, self.pipeline.resync_cpu),
            ),
            (
                "  raw ceiling by phase",
                String::new(),
                per_phase(self.raw.first_cpu, self.raw.resync_cpu),
            ),
        ]
    }

    fn scaling_rows(&self) -> Vec<(String, String, String)> {
        let one = self
            .scaling
            .iter()
            .find(|run| run.processes == 1)
            .map_or(0.0, |run| run.records_per_second);
        self.scaling
            .iter()
            .map(|run| {
                let (processes, rps) = (run.processes, run.records_per_second);
                let same_concurrency = run.concurrency_each == self.concurrency;
                let target = if processes == 2 && same_concurrency {
                    self.target("≥ 1.00")
                } else {
                    String::new()
                };
                let name = if same_concurrency {
                    format!("first load, {processes} worker process(es) (records/s)")
                } else {
                    let each = run.concurrency_each;
                    let all = self.concurrency;
                    format!("  {processes} processes, {all} at once in all ({each} each)")
                };
                (
                    name,
                    format!("{rps:.0}"),
                    format!("{:.2} × 1 process{target}", rps / one.max(1e-9)),
                )
            })
            .collect()
    }

    fn sweep_ratio(&self) -> f64 {
        self.sweep.sweep.as_secs_f64() / self.sweep.plain_delete.as_secs_f64().max(1e-9)
    }

    pub fn table(&self) -> String {
        let rows = [
            (
                "raw ceiling, first load (rows/s)",
                format!("{:.0}", self.raw.first_rps),
                String::new(),
            ),
            (
                "raw ceiling, re-sync (rows/s)",
                format!("{:.0}", self.raw.resync_rps),
                String::new(),
            ),
            (
                "  same, without the run stamp (rows/s)",
                format!("{:.0}", self.raw.resync_unstamped_rps),
                "not a ceiling: a full run must stamp what it saw".into(),
            ),
            (
                "worker transaction, no queue (rows/s)",
                format!("{:.0}", self.raw.first_via_apply_rps),
                format!(
                    "{:.2} × raw first load",
                    self.raw.first_via_apply_rps / self.raw.first_rps
                ),
            ),
            (
                "pipeline, first load (rows/s)",
                format!("{:.0}", self.pipeline.first_rps),
                format!(
                    "{:.2} × raw{}",
                    self.ratio_first(),
                    self.target(self.ratio_targets().0)
                ),
            ),
            (
                "pipeline, re-sync (rows/s)",
                format!("{:.0}", self.pipeline.resync_rps),
                format!(
                    "{:.2} × raw{}",
                    self.ratio_resync(),
                    self.target(self.ratio_targets().1)
                ),
            ),
            (
                "API alone (records/s)",
                format!("{:.0}", self.api_only_rps),
                format!(
                    "{:.2} × pipeline first load{}",
                    self.api_only_rps / self.pipeline.first_rps,
                    self.target("≥ 2")
                ),
            ),
            (
                "extractor peak RSS (MB)",
                format!("{:.1}", self.extractor_peak_rss_mb),
                self.target("≤ 64").trim().to_owned(),
            ),
            (
                "sweep with audit (s)",
                format!("{:.3}", self.sweep.sweep.as_secs_f64()),
                format!(
                    "{} rows; {:.2} × plain DELETE {:.3} s{}",
                    self.sweep.deleted,
                    self.sweep_ratio(),
                    self.sweep.plain_delete.as_secs_f64(),
                    self.target("≤ 3")
                ),
            ),
        ];
        let mut out = format!(
            "dis-sync bench: {} records, concurrency {}, {} jobs per transaction, {}\n",
            self.records,
            self.concurrency,
            self.jobs_per_transaction,
            if self.pinned {
                "pinned: MariaDB on core 1, everything else on core 0"
            } else {
                "cores shared by every process"
            }
        );
        if self.smoke {
            out.push_str(
                "SMOKE RUN: every measurement ran; the figures of a smoke run or a debug build mean \
                 nothing, so no target is shown (measure with --release, without --smoke)\n",
            );
        }
        let rows = rows
            .into_iter()
            .chain(self.cost_rows())
            .map(|(name, value, note)| (name.to_owned(), value, note))
            .chain(self.scaling_rows());
        for (name, value, note) in rows {
            let _ = writeln!(out, "{name:<44} {value:>10}  {note}");
        }
        for (phase, cpu) in &self.cpu {
            let _ = writeln!(out, "{phase:<44} {cpu}");
        }
        out
    }

    pub fn json(&self) -> String {
        let (pipeline, raw) = (self.pipeline_cost(), self.raw_cost());
        let series = |same_concurrency: bool| -> serde_json::Map<String, serde_json::Value> {
            self.scaling
                .iter()
                .filter(|run| (run.concurrency_each == self.concurrency) == same_concurrency)
                .map(|run| {
                    (
                        run.processes.to_string(),
                        json!(run.records_per_second.round()),
                    )
                })
                .collect()
        };
        json!({
            "pinned": self.pinned,
            "front_us_per_record": round2(pipeline.front()),
            "dis_sync_us_per_record": round2(pipeline.dis_sync),
            "redis_us_per_record": round2(pipeline.redis),
            "mariadb_us_per_record": round2(pipeline.mariadb),
            "raw_mariadb_us_per_row": round2(raw.mariadb),
            "workers_rps": series(true),
            "workers_same_total_rps": series(false),
            "records": self.records,
            "concurrency": self.concurrency,
            "jobs_per_transaction": self.jobs_per_transaction,
            "smoke": self.smoke,
            "raw_first_rps": self.raw.first_rps.round(),
            "pipeline_first_rps": self.pipeline.first_rps.round(),
            "ratio_first": (self.ratio_first() * 1000.0).round() / 1000.0,
            "raw_resync_rps": self.raw.resync_rps.round(),
            "raw_resync_unstamped_rps": self.raw.resync_unstamped_rps.round(),
            "apply_direct_first_rps": self.raw.first_via_apply_rps.round(),
            "pipeline_resync_rps": self.pipeline.resync_rps.round(),
            "ratio_resync": (self.ratio_resync() * 1000.0).round() / 1000.0,
            "api_only_rps": self.api_only_rps.round(),
            "extractor_peak_rss_mb": (self.extractor_peak_rss_mb * 10.0).round() / 10.0,
            "sweep_rows": self.sweep.deleted,
            "sweep_seconds": self.sweep.sweep.as_secs_f64(),
            "plain_delete_seconds": self.sweep.plain_delete.as_secs_f64(),
            "sweep_ratio": (self.sweep_ratio() * 100.0).round() / 100.0,
        })
        .to_string()
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// CPU per record of each process kind, in µs.
struct Cost {
    dis_sync: f64,
    redis: f64,
    mariadb: f64,
}

impl Cost {
    fn of(phases: &[CpuSeconds], records: usize) -> Self {
        let per_record = |seconds: f64| seconds * 1e6 / records.max(1) as f64;
        let sum = |f: fn(&CpuSeconds) -> f64| phases.iter().map(f).sum::<f64>();
        Self {
            dis_sync: per_record(sum(|c| c.this_process)),
            redis: per_record(sum(|c| c.redis)),
            mariadb: per_record(sum(|c| c.mariadb)),
        }
    }

    /// What the pipeline adds in front of the database: every dis-sync process and Redis.
    fn front(&self) -> f64 {
        self.dis_sync + self.redis
    }
}

impl std::fmt::Display for Cost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "dis-sync {:.2}, Redis {:.2}, MariaDB {:.2}",
            self.dis_sync, self.redis, self.mariadb
        )
    }
}
