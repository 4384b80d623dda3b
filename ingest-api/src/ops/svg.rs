//! Bar charts drawn on the server as inline SVG: no script, no image request, readable on a
//! phone (the chart scales to its box), and every bar links to its run.

use std::fmt::Write;

use super::format::count;

/// One bar: a run of an entity, say.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Shown under the first and last bars (a date, say).
    pub label: String,
    /// The bar's tooltip, before its value (`11-28 · run 812`, say).
    pub tooltip: String,
    pub value: i64,
    pub href: String,
    /// Drawn paler: a run that did not complete.
    pub muted: bool,
}

const WIDTH: f64 = 640.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const PLOT_HEIGHT: f64 = 130.0;
const HEIGHT: f64 = TOP + PLOT_HEIGHT + 26.0;

/// Bars are never wider than this share of the plot: a few runs read as a short history, not as
/// wide blocks.
const MIN_SLOTS: usize = 15;
/// Room two axis labels need side by side, in the chart's units.
const LABELS_APART: f64 = 90.0;

/// A bar chart of `bars`, left to right, scaled to the largest value; `class` colours it
/// (`records`, `failures`: see ops.css).
pub fn bar_chart(title: &str, bars: &[Bar], class: &str) -> String {
    let mut svg = format!(
        r#"<svg class="chart {class}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    if bars.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" class="empty">no full runs yet</text></svg>"#,
            WIDTH / 2.0,
            HEIGHT / 2.0
        );
        return svg;
    }
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    axis(&mut svg, max);
    let slots = bars.len().max(MIN_SLOTS);
    let slot = (WIDTH - LEFT - RIGHT) / slots as f64;
    let width = (slot * 0.8).max(1.0);
    for (i, bar) in bars.iter().enumerate() {
        let height = (bar.value.max(0) as f64 / max as f64 * PLOT_HEIGHT).round();
        let x = LEFT + i as f64 * slot + (slot - width) / 2.0;
        let y = TOP + PLOT_HEIGHT - height;
        let muted = if bar.muted { " muted" } else { "" };
        let _ = write!(
            svg,
            r#"<a href="{}"><rect class="bar{muted}" x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}"><title>{}: {}</title></rect></a>"#,
            escape(&bar.href),
            escape(&bar.tooltip),
            count(bar.value)
        );
    }
    axis_labels(&mut svg, bars, slot);
    svg.push_str("</svg>");
    svg
}

/// The first bar's label under it and the last bar's under it, when there is room for both.
fn axis_labels(svg: &mut String, bars: &[Bar], slot: f64) {
    let y = TOP + PLOT_HEIGHT + 18.0;
    let last_end = LEFT + bars.len() as f64 * slot;
    let _ = write!(
        svg,
        r#"<text x="{LEFT}" y="{y}" class="label">{}</text>"#,
        escape(&bars[0].label)
    );
    if bars.len() > 1 && last_end - LEFT > 2.0 * LABELS_APART {
        let _ = write!(
            svg,
            r#"<text x="{last_end:.1}" y="{y}" class="label end">{}</text>"#,
            escape(&bars[bars.len() - 1].label)
        );
    }
}

/// The top and middle grid lines with their values, and the baseline.
fn axis(svg: &mut String, max: i64) {
    let half = if max % 2 == 0 {
        count(max / 2)
    } else {
        format!("{:.1}", max as f64 / 2.0)
    };
    for (value, y) in [(count(max), TOP), (half, TOP + PLOT_HEIGHT / 2.0)] {
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" y1="{y}" x2="{}" y2="{y}"/><text class="label end" x="{}" y="{}">{value}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
        );
    }
    let base = TOP + PLOT_HEIGHT;
    let _ = write!(
        svg,
        r#"<line class="base" x1="{LEFT}" y1="{base}" x2="{}" y2="{base}"/>"#,
        WIDTH - RIGHT
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: i64) -> Bar {
        Bar {
            label: label.into(),
            tooltip: format!("run {value}"),
            value,
            href: format!("/ops/runs/{value}"),
            muted: false,
        }
    }

    fn heights(svg: &str) -> Vec<f64> {
        svg.split(r#"height=""#)
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().parse().unwrap())
            .collect()
    }

    #[test]
    fn bars_are_scaled_to_the_largest_and_each_links_to_its_run() {
        let svg = bar_chart(
            "Records",
            &[bar("11-27", 500), bar("11-28", 1000), bar("11-29", 0)],
            "records",
        );
        assert_eq!(svg.matches("<rect").count(), 3);
        assert_eq!(heights(&svg), [65.0, 130.0, 0.0]);
        assert!(svg.contains(r#"<a href="/ops/runs/1000">"#));
        assert!(svg.contains("<title>run 1000: 1,000</title>"));
        assert!(
            svg.contains(">11-27</text>") && !svg.contains(">11-29</text>"),
            "no room"
        );
        assert!(
            svg.contains(">500</text>"),
            "the middle grid line is half the largest"
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn a_long_history_is_labelled_at_both_ends() {
        let bars: Vec<Bar> = (1..=20).map(|d| bar(&format!("11-{d:02}"), d)).collect();
        let svg = bar_chart("Records", &bars, "records");
        assert!(svg.contains(">11-01</text>") && svg.contains(">11-20</text>"));
    }

    #[test]
    fn a_chart_of_zeros_or_of_nothing_still_draws() {
        let zeros = bar_chart("Failures", &[bar("a", 0), bar("b", 0)], "failures");
        assert_eq!(heights(&zeros), [0.0, 0.0]);
        assert!(!zeros.contains("NaN"));
        assert!(
            zeros.contains(">0.5</text>"),
            "an odd largest value halves exactly"
        );
        assert!(bar_chart("Failures", &[], "failures").contains("no full runs yet"));
    }

    #[test]
    fn text_in_a_chart_is_escaped() {
        let svg = bar_chart("<b>\"x\"</b>", &[bar("a&b", 1)], "records");
        assert!(svg.contains("&lt;b&gt;&quot;x&quot;&lt;/b&gt;"));
        assert!(svg.contains("a&amp;b") && !svg.contains("<b>"));
    }
}
