//! The harness's output: a table for people, then one JSON line for comparing runs.

use std::fmt::Write;

use serde_json::json;

use crate::cpu::CpuSeconds;
use crate::pipeline::PipelineFigures;
use crate::raw::RawFigures;
use crate::sweep::SweepFigures;

pub struct Figures {
    /// CPU seconds per process during each measurement (first load and re-sync together).
    pub cpu: [(&'static str, CpuSeconds); 3],
    pub records: usize,
    pub concurrency: usize,
    pub raw: RawFigures,
    pub pipeline: PipelineFigures,
    pub api_only_rps: f64,
    pub sweep: SweepFigures,
    pub extractor_peak_rss_mb: f64,
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
                format!("{:.2} × raw{}", self.ratio_first(), self.target("≥ 0.70")),
            ),
            (
                "pipeline, re-sync (rows/s)",
                format!("{:.0}", self.pipeline.resync_rps),
                format!("{:.2} × raw{}", self.ratio_resync(), self.target("≥ 0.70")),
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
            "dis-sync bench: {} records, concurrency {}\n",
            self.records, self.concurrency
        );
        if self.smoke {
            out.push_str(
                "SMOKE RUN: every measurement ran; the figures of a smoke run or a debug build mean \
                 nothing, so no target is shown (measure with --release, without --smoke)\n",
            );
        }
        for (name, value, note) in rows {
            let _ = writeln!(out, "{name:<36} {value:>12}  {note}");
        }
        for (phase, cpu) in &self.cpu {
            let _ = writeln!(out, "{phase:<36} {cpu}");
        }
        out
    }

    pub fn json(&self) -> String {
        json!({
            "records": self.records,
            "concurrency": self.concurrency,
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
