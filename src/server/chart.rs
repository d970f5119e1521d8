//! Inline SVG charts for the metrics page: attach rates per list kind (published against
//! holdout) and the two daily attach-rate lines. Plain strings, no script and no
//! external assets, so a page embeds them as they are; the same input always gives the
//! same bytes. Every text is XML-escaped; empty input draws a "no data" note.

use std::fmt::Write as _;

use crate::recommend::impact::{DayPoint, KindImpact};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
/// Plot area: left, top, right and bottom edges.
const LEFT: f64 = 48.0;
const TOP: f64 = 36.0;
const RIGHT: f64 = WIDTH - 16.0;
const BOTTOM: f64 = HEIGHT - 40.0;
const PUBLISHED_COLOUR: &str = "#2b6cb0";
const HOLDOUT_COLOUR: &str = "#a0aec0";

/// One group of two bars.
#[derive(Clone, Debug, PartialEq)]
pub struct BarGroup {
    /// Shown under the bars.
    pub label: String,
    /// Attach rate with the lists published (0 to 1), when measured.
    pub published: Option<f64>,
    /// Attach rate in the holdout, when measured.
    pub holdout: Option<f64>,
    /// Shown above the group, e.g. the lift and its interval.
    pub note: Option<String>,
}

impl BarGroup {
    /// The bars of one list kind: its two rates, and its lift with the 95% interval.
    #[must_use]
    pub fn from_impact(impact: &KindImpact) -> Self {
        let note = impact.lift.map(|l| {
            format!(
                "lift {} ({} to {})",
                signed_percent(l.estimate),
                signed_percent(l.low),
                signed_percent(l.high)
            )
        });
        Self {
            label: impact.kind.as_str().to_owned(),
            published: impact.treated.rate(),
            holdout: impact.holdout.rate(),
            note,
        }
    }
}

/// One day of the line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct DayRates {
    /// The day's label, e.g. `2024-06-01`.
    pub day: String,
    /// Attach rate with the lists published, when measured that day.
    pub published: Option<f64>,
    /// Attach rate in the holdout, when measured that day.
    pub holdout: Option<f64>,
}

impl DayRates {
    /// The day's two rates over all kinds.
    #[must_use]
    pub fn from_point(point: &DayPoint) -> Self {
        Self {
            day: point.day.to_string(),
            published: point.treated.rate(),
            holdout: point.holdout.rate(),
        }
    }
}

/// Two bars per group (published, holdout) with their percentages and notes.
#[must_use]
pub fn attach_bars(title: &str, groups: &[BarGroup]) -> String {
    let mut svg = open_svg(title);
    let rates = groups.iter().flat_map(|g| [g.published, g.holdout]);
    let Some(top) = scale_top(rates) else {
        return close_svg(no_data(svg));
    };
    axis(&mut svg, top);
    let slot = (RIGHT - LEFT) / groups.len() as f64;
    for (i, group) in groups.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        let bars = [
            (group.published, PUBLISHED_COLOUR),
            (group.holdout, HOLDOUT_COLOUR),
        ];
        for (j, (rate, colour)) in bars.into_iter().enumerate() {
            bar(
                &mut svg,
                x + slot * (0.15 + 0.35 * j as f64),
                slot * 0.3,
                rate,
                top,
                colour,
            );
        }
        let centre = x + slot / 2.0;
        text(&mut svg, centre, BOTTOM + 16.0, "middle", &group.label);
        if let Some(note) = &group.note {
            text(&mut svg, centre, TOP - 8.0, "middle", note);
        }
    }
    legend(&mut svg);
    close_svg(svg)
}

/// Two polylines (published, holdout) over the days, broken where a day has no rate.
#[must_use]
pub fn daily_lines(title: &str, days: &[DayRates]) -> String {
    let mut svg = open_svg(title);
    let rates = days.iter().flat_map(|d| [d.published, d.holdout]);
    let (Some(top), Some(first), Some(last)) = (scale_top(rates), days.first(), days.last()) else {
        return close_svg(no_data(svg));
    };
    axis(&mut svg, top);
    let step = (RIGHT - LEFT) / (days.len().max(2) - 1) as f64;
    let x_of = |i: usize| {
        if days.len() == 1 {
            f64::midpoint(LEFT, RIGHT)
        } else {
            LEFT + step * i as f64
        }
    };
    for (pick, colour) in [
        (|d: &DayRates| d.published) as fn(&DayRates) -> Option<f64>,
        |d: &DayRates| d.holdout,
    ]
    .into_iter()
    .zip([PUBLISHED_COLOUR, HOLDOUT_COLOUR])
    {
        let points: Vec<Option<(f64, f64)>> = days
            .iter()
            .enumerate()
            .map(|(i, d)| pick(d).map(|r| (x_of(i), y_of(r, top))))
            .collect();
        lines(&mut svg, &points, colour);
    }
    text(&mut svg, x_of(0), BOTTOM + 16.0, "start", &first.day);
    if days.len() > 1 {
        text(
            &mut svg,
            x_of(days.len() - 1),
            BOTTOM + 16.0,
            "end",
            &last.day,
        );
    }
    legend(&mut svg);
    close_svg(svg)
}

/// The top of the y axis: the largest finite rate with 10% headroom, at most 100%; 100%
/// when every rate is 0. `None` without any rate.
fn scale_top(rates: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let max = rates
        .flatten()
        .filter(|r| r.is_finite())
        .map(|r| r.clamp(0.0, 1.0))
        .reduce(f64::max)?;
    Some(if max > 0.0 { (max * 1.1).min(1.0) } else { 1.0 })
}

fn y_of(rate: f64, top: f64) -> f64 {
    let share = if rate.is_finite() {
        (rate / top).clamp(0.0, 1.0)
    } else {
        0.0
    };
    BOTTOM - share * (BOTTOM - TOP)
}

fn open_svg(title: &str) -> String {
    let title = escape(title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"{title}\" \
         font-family=\"sans-serif\" font-size=\"11\"><title>{title}</title>"
    )
}

fn close_svg(mut svg: String) -> String {
    svg.push_str("</svg>");
    svg
}

fn no_data(mut svg: String) -> String {
    text(&mut svg, WIDTH / 2.0, HEIGHT / 2.0, "middle", "no data");
    svg
}

fn axis(svg: &mut String, top: f64) {
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{BOTTOM}\" x2=\"{RIGHT}\" y2=\"{BOTTOM}\" stroke=\"#4a5568\"/>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{BOTTOM}\" stroke=\"#4a5568\"/>"
    );
    text(svg, LEFT - 4.0, BOTTOM, "end", "0%");
    text(svg, LEFT - 4.0, TOP + 4.0, "end", &percent(Some(top)));
}

fn bar(svg: &mut String, x: f64, width: f64, rate: Option<f64>, top: f64, colour: &str) {
    let y = y_of(rate.unwrap_or(0.0), top);
    let _ = write!(
        svg,
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>",
        BOTTOM - y
    );
    text(svg, x + width / 2.0, y - 4.0, "middle", &percent(rate));
}

/// One polyline per run of consecutive days that have a rate.
fn lines(svg: &mut String, points: &[Option<(f64, f64)>], colour: &str) {
    for run in points.split(Option::is_none).filter(|r| !r.is_empty()) {
        let coords: Vec<String> = run
            .iter()
            .flatten()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            coords.join(" ")
        );
    }
}

fn legend(svg: &mut String) {
    for (i, (label, colour)) in [("published", PUBLISHED_COLOUR), ("holdout", HOLDOUT_COLOUR)]
        .into_iter()
        .enumerate()
    {
        let x = LEFT + 90.0 * i as f64;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>",
            HEIGHT - 14.0
        );
        text(svg, x + 14.0, HEIGHT - 5.0, "start", label);
    }
}

fn text(svg: &mut String, x: f64, y: f64, anchor: &str, content: &str) {
    let _ = write!(
        svg,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\">{}</text>",
        escape(content)
    );
}

/// `12.5%`, or a dash when there is no rate.
fn percent(rate: Option<f64>) -> String {
    match rate.filter(|r| r.is_finite()) {
        Some(r) => format!("{:.1}%", r * 100.0),
        None => "–".to_owned(),
    }
}

/// `+12.5%` / `-3.0%`.
fn signed_percent(fraction: f64) -> String {
    format!("{:+.1}%", fraction * 100.0)
}

/// Escapes text for XML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "chart_tests.rs"]
mod tests;
